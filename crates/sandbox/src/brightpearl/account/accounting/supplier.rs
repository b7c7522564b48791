//! Supplier payments: money paid to a supplier against a purchase order (PAYMENT) or
//! refunded by one against a purchase credit (RECEIPT); a Purchase Payment journal (PP) is
//! posted when the payment method exists.

use super::input::{read_common, refuse};
use super::payments::{PAYMENT_SEQUENCE, PaymentType, payment_journal, report_paid};
use super::{Account, after};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::{Dec2, Dec6, Stamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// A supplier payment as supplier-payment-search shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupplierPayment {
    /// The payment id.
    pub payment_id: u64,
    /// The caller's unique reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_ref: Option<String>,
    /// The payment method's code.
    pub payment_method_code: String,
    /// PAYMENT (to the supplier) or RECEIPT (a refund from the supplier).
    pub payment_type: PaymentType,
    /// The purchase order or purchase credit.
    pub order_id: u64,
    /// The payment's currency.
    pub currency_id: u64,
    /// Its ISO code.
    pub currency_code: String,
    /// Units of the payment currency per unit of the base currency.
    pub exchange_rate: Dec6,
    /// Amount moved.
    pub amount_paid: Dec2,
    /// When the money moved.
    pub payment_date: Stamp,
    /// When it was recorded.
    pub created_on: Stamp,
    /// The Purchase Payment journal, when one was posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_id: Option<u64>,
    /// The reference given to the journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_ref: Option<String>,
}

/// POST `/accounting-service/supplier-payment`: the same fields as a customer payment, types
/// PAYMENT (to the supplier) and RECEIPT (a refund from the supplier), against a purchase
/// order or purchase credit; posts a Purchase Payment journal (PP) when the method exists.
pub fn create_supplier_payment(account: &mut Account, body: &Json) -> Result<u64, ApiError> {
    let Some(input) = body.as_object() else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: a supplier payment is a JSON object",
        ));
    };
    let common = read_common(
        account,
        input,
        &[PaymentType::Payment, PaymentType::Receipt],
        true,
    )?;
    if let Some(reference) = &common.transaction_ref {
        let taken = account.accounting.supplier_payments.values().any(|p| {
            p.transaction_ref.as_deref() == Some(reference.as_str())
                && p.payment_method_code
                    .eq_ignore_ascii_case(&common.payment_method_code)
        });
        if taken {
            return Err(refuse(
                "ACCC-013",
                format!(
                    "A supplier payment with transactionRef {reference:?} and paymentMethodCode {} already exists; the pair must be unique",
                    common.payment_method_code
                ),
            ));
        }
    }
    if common.amount_paid <= Decimal::ZERO {
        return Err(refuse(
            "ACCC-012",
            "amountPaid must be greater than 0".into(),
        ));
    }
    let money_out = common.payment_type == PaymentType::Payment;
    let journal_id = payment_journal(
        account,
        &common,
        common.amount_paid,
        money_out,
        "PP",
        "2100",
    )?;
    let first = after(&account.accounting.customer_payments)
        .max(after(&account.accounting.supplier_payments));
    let id = account.next_id(PAYMENT_SEQUENCE, first);
    let payment = SupplierPayment {
        payment_id: id,
        transaction_ref: common.transaction_ref,
        payment_method_code: common.payment_method_code,
        payment_type: common.payment_type,
        order_id: common.order.id,
        currency_id: common.currency_id,
        currency_code: common.currency_code,
        exchange_rate: Dec6::new(common.exchange_rate),
        amount_paid: Dec2::new(common.amount_paid),
        payment_date: account.stamp(common.payment_date_ms),
        created_on: account.now(),
        journal_id,
        journal_ref: common.journal_ref,
    };
    account.accounting.supplier_payments.insert(id, payment);
    report_paid(account, common.order.id);
    Ok(id)
}
