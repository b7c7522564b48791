//! Customer payments: created once through `POST /accounting-service/customer-payment`, never
//! changed (Brightpearl has no payment update; a payment is deleted and posted again).

use super::fields::{Fields, money_text, same_instant};
use super::{
    cached_list, cell_id, cell_text, check_find_key, create_all, describe, find_value, search_each,
    search_rows, stored_ref, write_id,
};
use crate::flows::adapters::{AdapterError, AdapterResult, Row, Write};
use crate::flows::brightpearl::call_error;
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::model::accounting::PaymentMethod;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;

/// The longest `transactionRef` and `transactionCode` (documented).
const MAX_TRANSACTION_REF: usize = 64;
/// The longest payment method code (documented).
const MAX_METHOD: usize = 36;
/// The longest journal reference Ferry sends.
const MAX_JOURNAL_REF: usize = 64;

/// The customer-payment write fields.
const PAYMENT_FIELDS: &[&str] = &[
    "orderId",
    "paymentType",
    "paymentMethodCode",
    "amountPaid",
    "currencyIsoCode",
    "exchangeRate",
    "paymentDate",
    "transactionRef",
    "transactionCode",
    "journalRef",
];
/// The payment types Ferry posts (AUTH and VOID carry an authorised amount instead).
const PAYMENT_TYPES: &[&str] = &["RECEIPT", "PAYMENT", "CAPTURE"];
/// The customer-payment-search columns read back.
const COLUMNS: &[&str] = &[
    "paymentId",
    "transactionRef",
    "transactionCode",
    "paymentMethodCode",
    "paymentType",
    "orderId",
    "currencyCode",
    "amountPaid",
    "paymentDate",
    "createdOn",
    "journalId",
];

/// A checked payment: the fields as they will be sent.
struct Payment {
    order_id: u64,
    payment_type: String,
    method: String,
    amount: Decimal,
    currency: Option<String>,
    exchange_rate: Option<Decimal>,
    date: Option<String>,
    transaction_ref: Option<String>,
    transaction_code: Option<String>,
    journal_ref: Option<String>,
}

/// Reads and checks one write's fields (the method against the account's methods).
fn payment(write: &Write, methods: &[PaymentMethod], what: &str) -> AdapterResult<Payment> {
    let fields = Fields::top(&write.fields, what);
    fields.check_known(PAYMENT_FIELDS)?;
    let order_id = fields.required_id(
        "orderId",
        "map the Brightpearl id of the sales order or credit paid (e.g. from its link)",
    )?;
    let payment_type = match fields.text("paymentType")? {
        None => "RECEIPT".to_owned(),
        Some(t) if PAYMENT_TYPES.contains(&t.to_ascii_uppercase().as_str()) => {
            t.to_ascii_uppercase()
        }
        Some(t) => {
            return Err(fields.error(
                "paymentType",
                format!(
                    "{t:?} is not a payment type Ferry posts; map one of {}",
                    PAYMENT_TYPES.join(", ")
                ),
            ));
        }
    };
    let code = fields.required_text(
        "paymentMethodCode",
        MAX_METHOD,
        "map the code of a Brightpearl payment method",
    )?;
    let method = methods
        .iter()
        .find(|m| m.code.trim().eq_ignore_ascii_case(&code))
        .map(|m| m.code.clone())
        .ok_or_else(|| {
            let known: Vec<&str> = methods.iter().map(|m| m.code.as_str()).collect();
            fields.error(
                "paymentMethodCode",
                format!(
                    "{code:?} is not a payment method of this Brightpearl account (methods: {}); \
                     map one of them or add the method in Brightpearl",
                    known.join(", ")
                ),
            )
        })?;
    let amount = fields
        .decimal("amountPaid", 2)?
        .ok_or_else(|| fields.error("amountPaid", "is required; map the amount as decimal text"))?;
    if amount <= Decimal::ZERO {
        return Err(fields.error(
            "amountPaid",
            format!("{amount} is not an amount Brightpearl takes; map an amount greater than 0"),
        ));
    }
    let currency = match fields.text("currencyIsoCode")? {
        None => None,
        Some(c) if c.len() == 3 && c.chars().all(|x| x.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        Some(c) => {
            return Err(fields.error(
                "currencyIsoCode",
                format!("{c:?} is not an ISO 4217 code; map a 3-letter code such as \"GBP\""),
            ));
        }
    };
    let exchange_rate = fields.decimal("exchangeRate", 6)?;
    if exchange_rate.is_some_and(|r| r <= Decimal::ZERO) {
        return Err(fields.error("exchangeRate", "must be greater than 0"));
    }
    let transaction_ref = match fields.short("transactionRef", MAX_TRANSACTION_REF)? {
        Some(reference) => Some(reference),
        None => write
            .marker
            .as_deref()
            .map(|m| stored_ref(m, MAX_TRANSACTION_REF)),
    };
    Ok(Payment {
        order_id,
        payment_type,
        method,
        amount,
        currency,
        exchange_rate,
        date: fields.date("paymentDate")?,
        transaction_ref,
        transaction_code: fields.short("transactionCode", MAX_TRANSACTION_REF)?,
        journal_ref: fields.short("journalRef", MAX_JOURNAL_REF)?,
    })
}

impl Payment {
    fn body(&self, order_currency: Option<&str>) -> Value {
        let mut body = Map::new();
        if let Some(reference) = &self.transaction_ref {
            body.insert("transactionRef".into(), Value::from(reference.clone()));
        }
        if let Some(code) = &self.transaction_code {
            body.insert("transactionCode".into(), Value::from(code.clone()));
        }
        body.insert("paymentMethodCode".into(), Value::from(self.method.clone()));
        body.insert("paymentType".into(), Value::from(self.payment_type.clone()));
        body.insert("orderId".into(), Value::from(self.order_id));
        if let Some(currency) = self.currency.as_deref().or(order_currency) {
            body.insert("currencyIsoCode".into(), Value::from(currency));
        }
        if let Some(rate) = self.exchange_rate {
            body.insert("exchangeRate".into(), money_text(rate));
        }
        body.insert("amountPaid".into(), money_text(self.amount));
        let date = self
            .date
            .clone()
            .unwrap_or_else(|| ferry_core::Timestamp::now().to_string());
        body.insert("paymentDate".into(), Value::from(date));
        if let Some(reference) = &self.journal_ref {
            body.insert("journalRef".into(), Value::from(reference.clone()));
        }
        Value::Object(body)
    }
}

/// The written fields that differ from the payment as customer-payment-search shows it
/// (`exchangeRate` and `journalRef` are not in the search and cannot be compared).
fn differences(write: &Write, row: &Map<String, Value>, what: &str) -> AdapterResult<Vec<String>> {
    let fields = Fields::top(&write.fields, what);
    fields.check_known(PAYMENT_FIELDS)?;
    let now = |column: &str| cell_text(row, column).unwrap_or_default();
    let mut out = Vec::new();
    let mut differ = |field: &str, now: String, wanted: String| {
        out.push(format!(
            "{field} is {now:?} in Brightpearl and the flow wants {wanted:?}"
        ));
    };
    if let Some(order) = fields.id("orderId")?
        && cell_id(row, "orderId") != Some(order)
    {
        differ("orderId", now("orderId"), order.to_string());
    }
    for (field, column) in [
        ("paymentType", "paymentType"),
        ("paymentMethodCode", "paymentMethodCode"),
        ("currencyIsoCode", "currencyCode"),
    ] {
        if let Some(wanted) = fields.text(field)?
            && !now(column).eq_ignore_ascii_case(&wanted)
        {
            differ(field, now(column), wanted);
        }
    }
    if let Some(amount) = fields.decimal("amountPaid", 2)?
        && Decimal::from_str(now("amountPaid").trim()).ok() != Some(amount)
    {
        differ("amountPaid", now("amountPaid"), amount.to_string());
    }
    if let Some(date) = fields.date("paymentDate")?
        && !same_instant(&now("paymentDate"), &date)
    {
        differ("paymentDate", now("paymentDate"), date);
    }
    for field in ["transactionRef", "transactionCode"] {
        if let Some(wanted) = fields.text(field)?
            && now(field) != wanted
        {
            differ(field, now(field), wanted);
        }
    }
    Ok(out)
}

/// Writes customer payments: updates are checked against the payments as they are (one
/// search), creates are looked up by their `transactionRef` (one search over the batch's
/// orders) and the rest created.
pub(super) async fn write(client: &Client, writes: &[Write]) -> Vec<AdapterResult<String>> {
    let methods: AdapterResult<Arc<Vec<PaymentMethod>>> = if writes.iter().any(|w| w.id.is_none()) {
        cached_list(client, "payment-method", || client.payment_methods()).await
    } else {
        Ok(Arc::new(Vec::new()))
    };
    let mut results: Vec<Option<AdapterResult<String>>> = vec![None; writes.len()];
    let mut updates: Vec<(usize, u64)> = Vec::new();
    let mut creates: Vec<(usize, Payment)> = Vec::new();
    for (i, write) in writes.iter().enumerate() {
        let what = describe("customer-payment", write);
        let checked = match &write.id {
            Some(id) => write_id(id, &what).map(|id| updates.push((i, id))),
            None => match &methods {
                Ok(methods) => payment(write, methods, &what).map(|p| creates.push((i, p))),
                Err(e) => Err(e.clone()),
            },
        };
        if let Err(e) = checked {
            results[i] = Some(Err(e));
        }
    }
    if !updates.is_empty() {
        for (i, result) in check_updates(client, writes, &updates).await {
            results[i] = Some(result);
        }
    }
    if !creates.is_empty() {
        for (i, result) in create(client, writes, creates).await {
            results[i] = Some(result);
        }
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(AdapterError::transient(
                    "BP_NOT_WRITTEN",
                    "the write was not attempted; it is retried",
                ))
            })
        })
        .collect()
}

/// Payments are not changed: an update whose fields match the payment is answered with its
/// id, one that differs is refused.
async fn check_updates(
    client: &Client,
    writes: &[Write],
    updates: &[(usize, u64)],
) -> Vec<(usize, AdapterResult<String>)> {
    let ids: IdSet = updates.iter().map(|(_, id)| *id).collect();
    let rows = match search_rows(
        client,
        "accounting-service/customer-payment-search",
        &[("paymentId", ids.to_string())],
        COLUMNS,
        "the read of customer payments being written",
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return updates.iter().map(|(i, _)| (*i, Err(e.clone()))).collect(),
    };
    let by_id: HashMap<u64, &Map<String, Value>> = rows
        .iter()
        .filter_map(|r| Some((cell_id(r, "paymentId")?, r)))
        .collect();
    let mut out = Vec::new();
    for (i, id) in updates {
        let write = &writes[*i];
        let what = describe("customer-payment", write);
        let result = match by_id.get(id) {
            None => Err(AdapterError::permanent(
                "BP_NOT_FOUND",
                format!(
                    "{what} no longer exists in Brightpearl; unlink the record (or let the flow \
                     post it again) and retry"
                ),
            )),
            Some(row) => match differences(write, row, &what) {
                Err(e) => Err(e),
                Ok(differences) if differences.is_empty() => Ok(id.to_string()),
                Ok(differences) => Err(AdapterError::permanent(
                    "BP_PAYMENT_IMMUTABLE",
                    format!(
                        "{what}: Brightpearl payments cannot be changed, and {}. To post it \
                         again, delete the payment in Brightpearl and retry the record (Ferry \
                         then creates it anew)",
                        differences.join("; ")
                    ),
                )),
            },
        };
        out.push((*i, result));
    }
    out
}

/// Creates the payments not already posted (found by `transactionRef` and method among the
/// payments of the batch's orders).
async fn create(
    client: &Client,
    writes: &[Write],
    creates: Vec<(usize, Payment)>,
) -> Vec<(usize, AdapterResult<String>)> {
    let orders: IdSet = creates.iter().map(|(_, p)| p.order_id).collect();
    let existing = match search_rows(
        client,
        "accounting-service/customer-payment-search",
        &[("orderId", orders.to_string())],
        &[
            "paymentId",
            "transactionRef",
            "paymentMethodCode",
            "orderId",
        ],
        "the search for customer payments already posted",
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return creates.iter().map(|(i, _)| (*i, Err(e.clone()))).collect(),
    };
    let mut found: HashMap<(String, String), u64> = HashMap::new();
    for row in &existing {
        if let (Some(id), Some(reference), Some(method)) = (
            cell_id(row, "paymentId"),
            cell_text(row, "transactionRef"),
            cell_text(row, "paymentMethodCode"),
        ) {
            let entry = found
                .entry((reference, method.to_ascii_uppercase()))
                .or_insert(id);
            *entry = (*entry).min(id);
        }
    }
    let mut out = Vec::new();
    let mut left = Vec::new();
    for (i, payment) in creates {
        let key = payment
            .transaction_ref
            .clone()
            .map(|r| (r, payment.method.to_ascii_uppercase()));
        match key.and_then(|k| found.get(&k)) {
            Some(id) => out.push((i, Ok(id.to_string()))),
            None => left.push((i, payment)),
        }
    }
    // Payments without a currency take their order's: one order GET for all of them.
    let need: IdSet = left
        .iter()
        .filter(|(_, p)| p.currency.is_none())
        .map(|(_, p)| p.order_id)
        .collect();
    let currencies: BTreeMap<u64, String> = if need.is_empty() {
        BTreeMap::new()
    } else {
        match client.orders(&need).await {
            Ok(orders) => orders
                .into_iter()
                .map(|o| (o.id, o.currency.order_currency_code))
                .collect(),
            Err(e) => {
                let e = call_error(e, "the read of the orders paid (for their currency)");
                return out
                    .into_iter()
                    .chain(left.iter().map(|(i, _)| (*i, Err(e.clone()))))
                    .collect();
            }
        }
    };
    let mut to_send = Vec::new();
    for (i, payment) in left {
        let order_currency = currencies.get(&payment.order_id).map(String::as_str);
        if payment.currency.is_none() && order_currency.is_none_or(str::is_empty) {
            out.push((
                i,
                Err(AdapterError::permanent(
                    "BP_NOT_FOUND",
                    format!(
                        "{}: order {} does not exist in Brightpearl; map the id of an existing \
                         sales order or credit",
                        describe("customer-payment", &writes[i]),
                        payment.order_id
                    ),
                )),
            ));
            continue;
        }
        to_send.push((i, payment.body(order_currency)));
    }
    let sent = create_all(
        client,
        to_send
            .iter()
            .map(|(i, body)| {
                (
                    "/accounting-service/customer-payment",
                    body.clone(),
                    describe("customer-payment", &writes[*i]),
                )
            })
            .collect(),
    )
    .await;
    out.extend(
        to_send
            .iter()
            .zip(sent)
            .map(|((i, _), result)| (*i, result.map(|id| id.to_string()))),
    );
    out
}

/// Finds customer payments by `transactionRef` (one search per value).
pub(super) async fn find(
    client: &Client,
    by: &[String],
    values: &[Vec<Value>],
) -> AdapterResult<Vec<Row>> {
    check_find_key("customer-payment", by, &["transactionRef"])?;
    let searches = values
        .iter()
        .filter_map(|tuple| find_value(tuple))
        .map(|value| vec![("transactionRef", stored_ref(&value, MAX_TRANSACTION_REF))])
        .collect();
    let rows = search_each(
        client,
        "accounting-service/customer-payment-search",
        searches,
        COLUMNS,
        "the customer-payment lookup",
    )
    .await?;
    Ok(super::rows_by_id(rows, "paymentId"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn methods() -> Vec<PaymentMethod> {
        serde_json::from_value(json!([{"id": 1, "code": "CARD"}, {"id": 2, "code": "CASH"}]))
            .unwrap_or_default()
    }

    fn write(fields: Value) -> Write {
        Write {
            id: None,
            upsert_key: None,
            fields: serde_json::from_value(fields).unwrap_or_default(),
            marker: Some("ferry:payment:1".into()),
        }
    }

    #[test]
    fn payments_are_checked_before_any_call() {
        let p = payment(
            &write(json!({"orderId": 5, "paymentMethodCode": "card", "amountPaid": "10.10"})),
            &methods(),
            "x",
        )
        .ok();
        let body = p.map(|p| p.body(Some("GBP"))).unwrap_or_default();
        assert_eq!(body["paymentMethodCode"], "CARD");
        assert_eq!(body["paymentType"], "RECEIPT");
        assert_eq!(body["amountPaid"], "10.1");
        assert_eq!(body["transactionRef"], "ferry:payment:1");
        assert_eq!(body["currencyIsoCode"], "GBP");
        let err = payment(
            &write(json!({"orderId": 5, "paymentMethodCode": "card", "amountPaid": "10.105"})),
            &methods(),
            "x",
        )
        .err();
        assert!(
            err.is_some_and(|e| e.code == "BP_INVALID_FIELD" && e.message.contains("amountPaid"))
        );
        let err = payment(
            &write(json!({"orderId": 5, "paymentMethodCode": "BITCOIN", "amountPaid": "1"})),
            &methods(),
            "x",
        )
        .err();
        assert!(err.is_some_and(|e| e.message.contains("CARD, CASH")));
    }
}
