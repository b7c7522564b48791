//! Reading a payment POST: the fields customer and supplier payments share, each checked
//! against the documented rules (reference §7.9) with a message naming the field and the fix.

use super::payments::PaymentType;
use crate::brightpearl::account::Account;
use crate::brightpearl::account::orders::Order;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::{decimal, parse_time};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

/// The documented maximum lengths.
pub(super) const MAX_REF: usize = 64;
pub(super) const MAX_METHOD: usize = 36;

/// A refusal of a payment POST: 400 with a code per rule family (Brightpearl's own codes for
/// these rules were never recorded; INFERRED) and a message naming the field and the fix.
pub(super) fn refuse(code: &'static str, message: String) -> ApiError {
    ApiError::bad_request(code, message)
}

/// The fields common to both payment kinds, read and checked.
pub(super) struct Common {
    pub(super) transaction_ref: Option<String>,
    pub(super) payment_method_code: String,
    pub(super) payment_type: PaymentType,
    pub(super) order: Order,
    pub(super) currency_id: u64,
    pub(super) currency_code: String,
    pub(super) exchange_rate: Decimal,
    pub(super) amount_paid: Decimal,
    pub(super) payment_date_ms: i64,
    pub(super) journal_ref: Option<String>,
}

/// Reads what customer and supplier payments share. `allowed` lists the payment types of the
/// kind; `purchase` says which side of the order book the order must be on.
pub(super) fn read_common(
    account: &Account,
    input: &Map<String, Json>,
    allowed: &[PaymentType],
    purchase: bool,
) -> Result<Common, ApiError> {
    let transaction_ref = text(input, "transactionRef", MAX_REF)?;
    let Some(payment_method_code) = text(input, "paymentMethodCode", MAX_METHOD)? else {
        return Err(refuse(
            "ACCC-010",
            "paymentMethodCode is required: the code of a payment method, e.g. \"CARD\" (GET /accounting-service/payment-method lists them)".into(),
        ));
    };
    let type_names: Vec<&str> = allowed.iter().map(|t| t.code()).collect();
    let payment_type = match text(input, "paymentType", 16)? {
        None => {
            return Err(refuse(
                "ACCC-010",
                format!("paymentType is required: one of {}", type_names.join(", ")),
            ));
        }
        Some(code) => match PaymentType::from_code(&code.to_ascii_uppercase()) {
            Some(t) if allowed.contains(&t) => t,
            _ => {
                return Err(refuse(
                    "ACCC-012",
                    format!(
                        "paymentType {code:?} is not valid here; use one of {}",
                        type_names.join(", ")
                    ),
                ));
            }
        },
    };
    let order_id = match input.get("orderId") {
        None | Some(Json::Null) => {
            return Err(refuse(
                "ACCC-010",
                "orderId is required: the id of the order the payment is for".into(),
            ));
        }
        Some(value) => value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| {
                refuse(
                    "ACCC-012",
                    format!("orderId must be a whole number, not {value}"),
                )
            })?,
    };
    let Some(order) = account.orders.get(order_id) else {
        return Err(refuse(
            "ACCC-030",
            format!("orderId {order_id}: no such order; create the order first or check the id"),
        ));
    };
    if order.order_type_code.is_purchase() != purchase {
        let wanted = if purchase {
            "a purchase order or purchase credit (use /customer-payment for sales)"
        } else {
            "a sales order or sales credit (use /supplier-payment for purchases)"
        };
        return Err(refuse(
            "ACCC-030",
            format!(
                "orderId {order_id} is a {} order; this payment must be against {wanted}",
                order.order_type_code.code()
            ),
        ));
    }
    let Some(currency_code) = text(input, "currencyIsoCode", 64)? else {
        return Err(refuse(
            "ACCC-010",
            format!(
                "currencyIsoCode is required: the 3-letter code of the payment's currency (order {order_id} is in {})",
                order.currency_code()
            ),
        ));
    };
    if currency_code.chars().count() != 3 {
        return Err(refuse(
            "ACCC-011",
            format!(
                "currencyIsoCode must be length 3 (an ISO 4217 code such as \"USD\"), not {currency_code:?}"
            ),
        ));
    }
    let Some(currency) = account.accounting.currency_by_code(&currency_code) else {
        return Err(refuse(
            "ACCC-012",
            format!(
                "currencyIsoCode {currency_code} is not a currency of this account; GET /accounting-service/currency-search lists them"
            ),
        ));
    };
    let exchange_rate = match input.get("exchangeRate") {
        None | Some(Json::Null) => currency.exchange_rate.0,
        Some(value) => {
            let rate = decimal(value).ok_or_else(|| {
                refuse(
                    "ACCC-012",
                    format!("exchangeRate must be a number, not {value}"),
                )
            })?;
            if rate <= Decimal::ZERO {
                return Err(refuse(
                    "ACCC-012",
                    format!("exchangeRate must be greater than 0, not {rate}"),
                ));
            }
            rate.round_dp(6)
        }
    };
    let amount_paid = amount(input, "amountPaid")?.unwrap_or(Decimal::ZERO);
    let payment_date_ms = match text(input, "paymentDate", 64)? {
        None => account.now_ms(),
        Some(date) => parse_time(&date).ok_or_else(|| {
            refuse(
                "ACCC-012",
                format!("paymentDate {date:?} is not a date or time; send e.g. \"2026-04-17T10:00:00-06:00\""),
            )
        })?,
    };
    Ok(Common {
        transaction_ref,
        payment_method_code,
        payment_type,
        order: order.clone(),
        currency_id: currency.id,
        currency_code: currency.code.clone(),
        exchange_rate,
        amount_paid,
        payment_date_ms,
        journal_ref: text(input, "journalRef", 255)?,
    })
}

/// An optional text field of at most `max` characters.
pub(super) fn text(
    input: &Map<String, Json>,
    key: &str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    let value = match input.get(key) {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::String(s)) => s.trim().to_string(),
        Some(Json::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(refuse(
                "ACCC-012",
                format!("{key} must be a string, not {other}"),
            ));
        }
    };
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max {
        return Err(refuse(
            "ACCC-011",
            format!(
                "{key} is {} characters long; the maximum is {max}",
                value.chars().count()
            ),
        ));
    }
    Ok(Some(value))
}

/// An optional non-negative amount.
pub(super) fn amount(input: &Map<String, Json>, key: &str) -> Result<Option<Decimal>, ApiError> {
    match input.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => {
            let amount = decimal(value).ok_or_else(|| {
                refuse("ACCC-012", format!("{key} must be a number, not {value}"))
            })?;
            if amount < Decimal::ZERO {
                return Err(refuse(
                    "ACCC-012",
                    format!("{key} must not be negative, not {amount}"),
                ));
            }
            Ok(Some(amount.round_dp(2)))
        }
    }
}
