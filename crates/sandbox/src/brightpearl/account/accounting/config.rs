//! Writes to the accounting configuration: currencies (for seeding; Brightpearl has no public
//! currency POST), exchange rates (POST/PUT `/currency/{id}/exchange-rate`, INFERRED
//! semantics) and payment methods (POST `/payment-method`, documented fields).

use super::{Account, Accounting, BankAccount, Currency, ExchangeRate, PaymentMethod, after};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::{Dec6, Stamp, parse_time};
use rust_decimal::Decimal;
use serde_json::Value as Json;

/// Adds a currency (seeding and the conformance harness; Brightpearl has no public POST):
/// `code`, `title`, `symbol` and a rate in units per one unit of the base currency. Returns
/// the new currency id.
pub fn create_currency(
    account: &mut Account,
    code: &str,
    title: &str,
    symbol: &str,
    rate: Decimal,
) -> Result<u64, ApiError> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(ApiError::bad_request(
            "ACCC-012",
            format!("Currency code {code:?} must be three letters (ISO 4217, e.g. \"GBP\")"),
        ));
    }
    if account.accounting.currency_by_code(&code).is_some() {
        return Err(ApiError::bad_request(
            "ACCC-013",
            format!("Currency {code} already exists; add an exchange rate to it instead"),
        ));
    }
    if rate <= Decimal::ZERO {
        return Err(ApiError::bad_request(
            "ACCC-012",
            format!("The exchange rate of {code} must be greater than 0, not {rate}"),
        ));
    }
    let first = after(&account.accounting.currencies);
    let id = account.next_id("currency", first);
    let now = account.now();
    let staff = account.settings.api_staff_id;
    let rate_id = account.next_id("exchange-rate", after(&account.accounting.exchange_rates));
    let accounting = &mut account.accounting;
    accounting.currencies.insert(
        id,
        Currency {
            id,
            title: title.to_string(),
            code: code.clone(),
            symbol: symbol.to_string(),
            exchange_rate: Dec6::new(rate),
            is_default: false,
            exchange_rate_variance_nominal_code: Some("8000".into()),
        },
    );
    accounting.exchange_rates.insert(
        rate_id,
        ExchangeRate {
            currency_id: id,
            rate_active_from: now,
            rate,
            added_by_id: staff,
        },
    );
    for method in accounting.payment_methods.values_mut() {
        if let Some(bank) = method.bank_accounts.first().cloned() {
            method.bank_accounts.push(BankAccount {
                currency_iso_code: code.clone(),
                ..bank
            });
        }
    }
    Ok(id)
}

/// POST `/accounting-service/payment-method` (documented fields): `{"name","code","isActive",
/// "bankAccounts":[{"currencyIsoCode","bankAccountNominalCode"}],"installedIntegrationId"}`.
/// `name` and `code` (at most 32 characters, unique ignoring case) are required; each bank
/// account names a currency of the account and a bank nominal code. Returns the new id.
pub fn create_payment_method(account: &mut Account, body: &Json) -> Result<u64, ApiError> {
    let Some(input) = body.as_object() else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: a payment method is a JSON object",
        ));
    };
    let field = |key: &str| {
        input
            .get(key)
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let Some(name) = field("name") else {
        return Err(ApiError::bad_request("ACCC-010", "name is required"));
    };
    let Some(code) = field("code") else {
        return Err(ApiError::bad_request(
            "ACCC-010",
            "code is required: the code customer payments will name as paymentMethodCode",
        ));
    };
    if code.chars().count() > 32 {
        return Err(ApiError::bad_request(
            "ACCC-011",
            format!(
                "code is {} characters long; the maximum is 32",
                code.chars().count()
            ),
        ));
    }
    if account.accounting.payment_method_by_code(code).is_some() {
        return Err(ApiError::bad_request(
            "ACCC-013",
            format!("A payment method with code {code} already exists"),
        ));
    }
    let is_active = match input.get("isActive") {
        None | Some(Json::Null) => true,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            return Err(ApiError::bad_request(
                "ACCC-012",
                format!("isActive must be true or false, not {other}"),
            ));
        }
    };
    let mut banks = Vec::new();
    if let Some(items) = input.get("bankAccounts").and_then(Json::as_array) {
        for (index, item) in items.iter().enumerate() {
            let currency = item
                .get("currencyIsoCode")
                .and_then(Json::as_str)
                .unwrap_or("");
            let nominal = item
                .get("bankAccountNominalCode")
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_u64().map(|n| n.to_string()))
                })
                .unwrap_or_default();
            if account.accounting.currency_by_code(currency).is_none() {
                return Err(ApiError::bad_request(
                    "ACCC-012",
                    format!(
                        "bankAccounts[{index}].currencyIsoCode {currency:?} is not a currency of this account"
                    ),
                ));
            }
            match account.accounting.nominal_code(&nominal) {
                Some(n) if n.bank => {}
                _ => {
                    return Err(ApiError::bad_request(
                        "ACCC-012",
                        format!(
                            "bankAccounts[{index}].bankAccountNominalCode {nominal:?} is not a bank account of the chart (bank nominal codes: {})",
                            account
                                .accounting
                                .nominal_codes
                                .values()
                                .filter(|n| n.bank)
                                .map(|n| n.code.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
            banks.push((currency.to_ascii_uppercase(), nominal));
        }
    }
    let integration = match input.get("installedIntegrationId") {
        None | Some(Json::Null) => "0".to_string(),
        Some(Json::String(s)) => s.trim().to_string(),
        Some(Json::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(ApiError::bad_request(
                "ACCC-012",
                format!("installedIntegrationId must be an id, not {other}"),
            ));
        }
    };
    let first = after(&account.accounting.payment_methods);
    let id = account.next_id("payment-method", first);
    let method = PaymentMethod {
        id,
        name: name.to_string(),
        code: code.to_string(),
        is_active,
        bank_accounts: banks
            .into_iter()
            .map(|(currency, nominal)| BankAccount {
                payment_method_id: id,
                currency_iso_code: currency,
                bank_account_nominal_code: nominal,
            })
            .collect(),
        installed_integration_id: integration,
    };
    account.accounting.payment_methods.insert(id, method);
    Ok(id)
}

/// What the exchange-rate POST and PUT carry: `{"rateActiveFrom":"2026-06-25","rate":1.25}`.
fn exchange_rate_input(account: &Account, body: &Json) -> Result<(Stamp, Decimal), ApiError> {
    let Some(object) = body.as_object() else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: {\"rateActiveFrom\":\"2026-06-25\",\"rate\":1.25}",
        ));
    };
    let rate = match object.get("rate") {
        None | Some(Json::Null) => {
            return Err(ApiError::bad_request(
                "ACCC-010",
                "rate is required: units of this currency per one unit of the base currency, e.g. 1.25",
            ));
        }
        Some(value) => crate::brightpearl::wire::decimal(value).ok_or_else(|| {
            ApiError::bad_request("ACCC-012", format!("rate must be a number, not {value}"))
        })?,
    };
    if rate <= Decimal::ZERO {
        return Err(ApiError::bad_request(
            "ACCC-012",
            format!("rate must be greater than 0, not {rate}"),
        ));
    }
    let from = match object.get("rateActiveFrom") {
        None | Some(Json::Null) => account.now(),
        Some(Json::String(text)) => match parse_time(text) {
            Some(ms) => account.stamp(ms),
            None => {
                return Err(ApiError::bad_request(
                    "ACCC-012",
                    format!("rateActiveFrom {text:?} is not a date; send e.g. \"2026-06-25\""),
                ));
            }
        },
        Some(other) => {
            return Err(ApiError::bad_request(
                "ACCC-012",
                format!("rateActiveFrom must be a date string such as \"2026-06-25\", not {other}"),
            ));
        }
    };
    Ok((from, rate.round_dp(6)))
}

/// The currency an exchange-rate write names, refusing the base currency (its rate is 1).
fn rate_currency(account: &Account, currency_id: u64) -> Result<(), ApiError> {
    match account.accounting.currency(currency_id) {
        None => Err(ApiError::not_found(format!(
            "Cannot find currency {currency_id}; GET /accounting-service/currency-search lists the account's currencies"
        ))),
        Some(c) if c.is_default => Err(ApiError::bad_request(
            "ACCC-012",
            format!(
                "Currency {currency_id} ({}) is the base currency; its exchange rate is always 1",
                c.code
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// POST `/currency/{id}/exchange-rate`: adds a rate active from `rateActiveFrom` (INFERRED
/// semantics). Returns the new rate's id.
pub fn add_exchange_rate(
    account: &mut Account,
    currency_id: u64,
    body: &Json,
) -> Result<u64, ApiError> {
    rate_currency(account, currency_id)?;
    let (from, rate) = exchange_rate_input(account, body)?;
    let first = after(&account.accounting.exchange_rates);
    let id = account.next_id("exchange-rate", first);
    let staff = account.settings.api_staff_id;
    let now = account.now_ms();
    account.accounting.exchange_rates.insert(
        id,
        ExchangeRate {
            currency_id,
            rate_active_from: from,
            rate,
            added_by_id: staff,
        },
    );
    account.accounting.refresh_rates(now);
    Ok(id)
}

/// PUT `/currency/{id}/exchange-rate`: sets the rate active from `rateActiveFrom`, replacing
/// the currency's rate with that start if there is one and adding it otherwise (INFERRED).
/// Returns the rate's id.
pub fn set_exchange_rate(
    account: &mut Account,
    currency_id: u64,
    body: &Json,
) -> Result<u64, ApiError> {
    rate_currency(account, currency_id)?;
    let (from, rate) = exchange_rate_input(account, body)?;
    let existing = account
        .accounting
        .exchange_rates
        .iter()
        .find(|(_, r)| r.currency_id == currency_id && r.rate_active_from.ms == from.ms)
        .map(|(id, _)| *id);
    let Some(id) = existing else {
        return add_exchange_rate(account, currency_id, body);
    };
    let staff = account.settings.api_staff_id;
    let now = account.now_ms();
    if let Some(entry) = account.accounting.exchange_rates.get_mut(&id) {
        entry.rate = rate;
        entry.added_by_id = staff;
    }
    account.accounting.refresh_rates(now);
    Ok(id)
}

/// GET `/exchange-rate`: the rate in force now for each currency but the base, by currency id
/// (INFERRED: one row per currency, as the [TAP] stream keys it by `currencyId`).
pub fn current_exchange_rates(accounting: &Accounting, now_ms: i64) -> Vec<&ExchangeRate> {
    let mut out = Vec::new();
    for currency in accounting.currencies.values().filter(|c| !c.is_default) {
        let rates = accounting
            .exchange_rates
            .values()
            .filter(|r| r.currency_id == currency.id);
        let active = rates
            .clone()
            .filter(|r| r.rate_active_from.ms <= now_ms)
            .max_by_key(|r| r.rate_active_from.ms);
        if let Some(rate) = active.or_else(|| rates.min_by_key(|r| r.rate_active_from.ms)) {
            out.push(rate);
        }
    }
    out
}
