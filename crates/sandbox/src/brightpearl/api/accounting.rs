//! `accounting-service`: currencies and exchange rates, tax codes, nominal codes, payment
//! methods, accounting periods, customer and supplier payments, journals, and their searches.
//!
//! Message types: `get-tax-code`, `post-customer-payment` and `delete-customer-payment` are
//! recorded; `get-exchange-rate`, `post-exchange-rate`, `put-exchange-rate`,
//! `get-nominal-code` and `get-payment-method` come from the hand-written cassettes; the rest
//! follow the same pattern (INFERRED). Every search answers `bulk-data-search`.
//!
//! Id-set GETs answer the records found, in id order; when none of the ids exists the answer
//! is 404 `CMNC-404` naming the id set (INFERRED: the contact GET's behaviour, reference §9).

use super::AppState;
use super::body::json_body;
use super::params::{parse_ids, query_pairs, search_reply};
use super::reply::{ApiError, ApiResult, Reply, WithMessageType};
use crate::brightpearl::account::accounting::{
    self, CURRENCY_SEARCH, CUSTOMER_PAYMENT_SEARCH, JOURNAL_SEARCH, NOMINAL_CODE_SEARCH,
    PAYMENT_METHOD_SEARCH, SUPPLIER_PAYMENT_SEARCH,
};
use crate::brightpearl::search;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{delete, get, post};
use bytes::Bytes;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The most journals one GET may name (INFERRED: the 200 of order and contact GETs).
const MAX_JOURNALS_PER_GET: usize = 200;

/// This area's routes, relative to the account.
pub fn routes() -> Router<AppState> {
    let s = "/accounting-service";
    Router::new()
        .route(&format!("{s}/currency"), get(currencies_all))
        .route(&format!("{s}/currency/{{ids}}"), get(currencies))
        .route(&format!("{s}/currency-search"), get(currency_search))
        .route(
            &format!("{s}/currency/{{id}}/exchange-rate"),
            post(post_exchange_rate).put(put_exchange_rate),
        )
        .route(&format!("{s}/exchange-rate"), get(exchange_rates_all))
        .route(&format!("{s}/exchange-rate/{{ids}}"), get(exchange_rates))
        .route(&format!("{s}/tax-code"), get(tax_codes_all))
        .route(&format!("{s}/tax-code/{{ids}}"), get(tax_codes))
        .route(&format!("{s}/nominal-code"), get(nominal_codes_all))
        .route(&format!("{s}/nominal-code/{{ids}}"), get(nominal_codes))
        .route(
            &format!("{s}/nominal-code-search"),
            get(nominal_code_search),
        )
        .route(
            &format!("{s}/payment-method"),
            get(payment_methods_all).post(post_payment_method),
        )
        .route(&format!("{s}/payment-method/{{ids}}"), get(payment_methods))
        .route(
            &format!("{s}/payment-method-search"),
            get(payment_method_search),
        )
        .route(&format!("{s}/accounting-period"), get(periods_all))
        .route(&format!("{s}/accounting-period/{{ids}}"), get(periods))
        .route(
            &format!("{s}/customer-payment"),
            post(post_customer_payment),
        )
        .route(
            &format!("{s}/customer-payment/{{id}}"),
            delete(delete_customer_payment),
        )
        .route(
            &format!("{s}/customer-payment-search"),
            get(customer_payment_search),
        )
        .route(
            &format!("{s}/supplier-payment"),
            post(post_supplier_payment),
        )
        .route(
            &format!("{s}/supplier-payment-search"),
            get(supplier_payment_search),
        )
        .route(&format!("{s}/journal/{{ids}}"), get(journals))
        .route(&format!("{s}/journal-search"), get(journal_search))
        .route(&format!("{s}/journal-entry"), post(post_journal_entry))
}

/// No accounting search keys into reference maps.
fn no_reference(_: &str, _: &search::Cell<'_>) -> Option<Json> {
    None
}

/// The records of `map` named by `ids`, in id order; 404 when none exists.
fn pick<'a, T>(
    map: &'a BTreeMap<u64, T>,
    ids: &str,
    what: &str,
    plural: &str,
) -> Result<Vec<&'a T>, ApiError> {
    let set = parse_ids(ids, what)?;
    let mut wanted: Vec<u64> = set.ids().to_vec();
    wanted.sort_unstable();
    let found: Vec<&T> = wanted.iter().filter_map(|id| map.get(id)).collect();
    if found.is_empty() {
        return Err(ApiError::not_found(format!(
            "No {plural} found in ID set {ids}"
        )));
    }
    Ok(found)
}

/// `{"response": [...]}` of every record of a map.
fn all<T: Serialize>(mt: &'static str, map: &BTreeMap<u64, T>) -> Reply {
    Reply::ok(mt, map.values().collect::<Vec<_>>())
}

async fn currencies_all(State(state): State<AppState>) -> ApiResult {
    Ok(all("get-currency", &state.account().accounting.currencies))
}

async fn currencies(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-currency";
    let account = state.account();
    let found = pick(
        &account.accounting.currencies,
        &ids,
        "currency",
        "currencies",
    )
    .tagged(MT)?;
    Ok(Reply::ok(MT, found))
}

async fn currency_search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    let rows = accounting::currency_rows(&account.accounting);
    search_reply(search::run(
        &CURRENCY_SEARCH,
        rows,
        &query,
        account.settings.offset_minutes,
        &no_reference,
    ))
}

/// The currency id of an exchange-rate path.
fn currency_id(text: &str) -> Result<u64, ApiError> {
    text.trim().parse().map_err(|_| {
        ApiError::bad_request(
            "CMNC-400",
            format!("{text:?} is not a currency id; use e.g. /currency/2/exchange-rate"),
        )
    })
}

async fn post_exchange_rate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    const MT: &str = "post-exchange-rate";
    let id = currency_id(&id).tagged(MT)?;
    let body = json_body(&body).tagged(MT)?;
    let rate = accounting::add_exchange_rate(&mut state.account(), id, &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, rate))
}

async fn put_exchange_rate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    const MT: &str = "put-exchange-rate";
    let id = currency_id(&id).tagged(MT)?;
    let body = json_body(&body).tagged(MT)?;
    let rate = accounting::set_exchange_rate(&mut state.account(), id, &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, rate))
}

async fn exchange_rates_all(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    let now = account.now_ms();
    Ok(Reply::ok(
        "get-exchange-rate",
        accounting::current_exchange_rates(&account.accounting, now),
    ))
}

/// GET `/exchange-rate/{currencyIds}`: the current rates of those currencies (INFERRED).
async fn exchange_rates(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-exchange-rate";
    let set = parse_ids(&ids, "currency").tagged(MT)?;
    let account = state.account();
    let now = account.now_ms();
    let rates: Vec<_> = accounting::current_exchange_rates(&account.accounting, now)
        .into_iter()
        .filter(|r| set.contains(r.currency_id))
        .collect();
    if rates.is_empty() {
        return Err(ApiError::not_found(format!(
            "No exchange rates found in ID set {ids} (the base currency has none)"
        ))
        .message_type(MT));
    }
    Ok(Reply::ok(MT, rates))
}

async fn tax_codes_all(State(state): State<AppState>) -> ApiResult {
    Ok(all("get-tax-code", &state.account().accounting.tax_codes))
}

async fn tax_codes(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-tax-code";
    let account = state.account();
    let found = pick(&account.accounting.tax_codes, &ids, "tax code", "tax codes").tagged(MT)?;
    Ok(Reply::ok(MT, found))
}

async fn nominal_codes_all(State(state): State<AppState>) -> ApiResult {
    Ok(all(
        "get-nominal-code",
        &state.account().accounting.nominal_codes,
    ))
}

async fn nominal_codes(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-nominal-code";
    let account = state.account();
    let found = pick(
        &account.accounting.nominal_codes,
        &ids,
        "nominal code",
        "nominal codes",
    )
    .tagged(MT)?;
    Ok(Reply::ok(MT, found))
}

async fn nominal_code_search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    let rows = accounting::nominal_code_rows(&account.accounting);
    search_reply(search::run(
        &NOMINAL_CODE_SEARCH,
        rows,
        &query,
        account.settings.offset_minutes,
        &no_reference,
    ))
}

async fn payment_methods_all(State(state): State<AppState>) -> ApiResult {
    Ok(all(
        "get-payment-method",
        &state.account().accounting.payment_methods,
    ))
}

async fn post_payment_method(State(state): State<AppState>, body: Bytes) -> ApiResult {
    const MT: &str = "post-payment-method";
    let body = json_body(&body).tagged(MT)?;
    let id = accounting::create_payment_method(&mut state.account(), &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, id))
}

async fn payment_methods(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-payment-method";
    let account = state.account();
    let found = pick(
        &account.accounting.payment_methods,
        &ids,
        "payment method",
        "payment methods",
    )
    .tagged(MT)?;
    Ok(Reply::ok(MT, found))
}

async fn payment_method_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    let rows = accounting::payment_method_rows(&account.accounting);
    search_reply(search::run(
        &PAYMENT_METHOD_SEARCH,
        rows,
        &query,
        account.settings.offset_minutes,
        &no_reference,
    ))
}

async fn periods_all(State(state): State<AppState>) -> ApiResult {
    Ok(all(
        "get-accounting-period",
        &state.account().accounting.accounting_periods,
    ))
}

async fn periods(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-accounting-period";
    let account = state.account();
    let found = pick(
        &account.accounting.accounting_periods,
        &ids,
        "accounting period",
        "accounting periods",
    )
    .tagged(MT)?;
    Ok(Reply::ok(MT, found))
}

async fn post_customer_payment(State(state): State<AppState>, body: Bytes) -> ApiResult {
    const MT: &str = "post-customer-payment";
    let body = json_body(&body).tagged(MT)?;
    let id = accounting::create_customer_payment(&mut state.account(), &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, id))
}

async fn delete_customer_payment(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    const MT: &str = "delete-customer-payment";
    let Ok(id) = id.trim().parse::<u64>() else {
        return Err(
            ApiError::not_found(format!("Cannot find customer payment: {id}")).message_type(MT),
        );
    };
    accounting::delete_customer_payment(&mut state.account(), id).tagged(MT)?;
    state.touch();
    Ok(Reply::empty(MT))
}

async fn customer_payment_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    search_reply(search::run(
        &CUSTOMER_PAYMENT_SEARCH,
        account.accounting.customer_payments.values(),
        &query,
        account.settings.offset_minutes,
        &no_reference,
    ))
}

async fn post_supplier_payment(State(state): State<AppState>, body: Bytes) -> ApiResult {
    const MT: &str = "post-supplier-payment";
    let body = json_body(&body).tagged(MT)?;
    let id = accounting::create_supplier_payment(&mut state.account(), &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, id))
}

async fn supplier_payment_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    search_reply(search::run(
        &SUPPLIER_PAYMENT_SEARCH,
        account.accounting.supplier_payments.values(),
        &query,
        account.settings.offset_minutes,
        &no_reference,
    ))
}

async fn journals(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-journal";
    let set = parse_ids(&ids, "journal").tagged(MT)?;
    if set.len().unwrap_or(0) > MAX_JOURNALS_PER_GET {
        return Err(ApiError::bad_request(
            "CMNC-400",
            format!(
                "The ID set {ids} names {} journals; at most {MAX_JOURNALS_PER_GET} may be fetched at once, so split it",
                set.len().unwrap_or(0)
            ),
        )
        .message_type(MT));
    }
    let account = state.account();
    let found = pick(&account.accounting.journals, &ids, "journal", "journals").tagged(MT)?;
    Ok(Reply::ok(MT, found))
}

async fn journal_search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult {
    let query = query_pairs(raw.as_deref())?;
    let account = state.account();
    search_reply(search::run(
        &JOURNAL_SEARCH,
        accounting::journal_rows(&account.accounting),
        &query,
        account.settings.offset_minutes,
        &no_reference,
    ))
}

async fn post_journal_entry(State(state): State<AppState>, body: Bytes) -> ApiResult {
    const MT: &str = "post-journal-entry";
    let body = json_body(&body).tagged(MT)?;
    let id = accounting::create_journal_entry(&mut state.account(), &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, id))
}
