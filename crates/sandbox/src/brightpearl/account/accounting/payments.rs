//! Customer and supplier payments (reference §7.9, [DOCS customer-payment/post]).
//!
//! A customer payment records money against a sales order or sales credit: RECEIPT (money in),
//! PAYMENT (a refund out), AUTH (authorisation only), CAPTURE (money in against an AUTH),
//! VOID (an AUTH that will not be captured). When the payment method exists and the type moves
//! money (RECEIPT, PAYMENT, CAPTURE), a Sales Receipt journal is posted and its id stored in
//! `journalId`; an unknown method code is accepted without a journal, as documented ("allowing
//! you to mark an order as paid before you create the Payment Method").
//!
//! Every payment change reports the order's net amount paid (in the order's currency) to the
//! orders area, which derives `orderPaymentStatus` (PAID / PARTIALLY_PAID / UNPAID) from it.

use super::input::{Common, MAX_REF, amount, read_common, refuse, text};
use super::journals::{self, Draft, DraftLine};
use super::{Account, after};
use crate::brightpearl::account::orders::{Order, OrderType};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::{Dec2, Dec6, Stamp, parse_time};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The payment id sequence (customer and supplier payments share it, INFERRED).
pub const PAYMENT_SEQUENCE: &str = "payment";

/// What a payment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PaymentType {
    /// Money received from the customer (or, for a supplier payment, refunded by the supplier).
    Receipt,
    /// Money paid to the customer (a refund) or to the supplier.
    Payment,
    /// An authorisation, no money moved yet.
    Auth,
    /// Money taken against an authorisation.
    Capture,
    /// An authorisation that will not be captured.
    Void,
}

impl PaymentType {
    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            PaymentType::Receipt => "RECEIPT",
            PaymentType::Payment => "PAYMENT",
            PaymentType::Auth => "AUTH",
            PaymentType::Capture => "CAPTURE",
            PaymentType::Void => "VOID",
        }
    }

    pub(super) fn from_code(code: &str) -> Option<PaymentType> {
        [
            PaymentType::Receipt,
            PaymentType::Payment,
            PaymentType::Auth,
            PaymentType::Capture,
            PaymentType::Void,
        ]
        .into_iter()
        .find(|t| t.code() == code)
    }
}

/// A customer payment as customer-payment-search shows it, plus what the POST carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerPayment {
    /// The payment id.
    pub payment_id: u64,
    /// The caller's unique reference (unique together with the method code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_ref: Option<String>,
    /// Links CAPTUREs and VOIDs to their AUTH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_code: Option<String>,
    /// The payment method's code (need not exist).
    pub payment_method_code: String,
    /// RECEIPT, PAYMENT, AUTH, CAPTURE or VOID.
    pub payment_type: PaymentType,
    /// The sales order or sales credit.
    pub order_id: u64,
    /// The payment's currency.
    pub currency_id: u64,
    /// Its ISO code.
    pub currency_code: String,
    /// Units of the payment currency per unit of the base currency.
    pub exchange_rate: Dec6,
    /// Authorised amount (AUTH and VOID; 0 otherwise).
    pub amount_authorized: Dec2,
    /// Amount moved (RECEIPT, PAYMENT, CAPTURE; 0 otherwise).
    pub amount_paid: Dec2,
    /// When an AUTH expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Stamp>,
    /// When the money moved.
    pub payment_date: Stamp,
    /// When it was recorded.
    pub created_on: Stamp,
    /// The Sales Receipt journal, when one was posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_id: Option<u64>,
    /// The reference given to the journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_ref: Option<String>,
}

/// POST `/accounting-service/customer-payment`: validates everything, records the payment,
/// posts its Sales Receipt journal when the method exists and money moved, and updates the
/// order's payment status. Returns the payment id.
pub fn create_customer_payment(account: &mut Account, body: &Json) -> Result<u64, ApiError> {
    let Some(input) = body.as_object() else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: a customer payment is a JSON object",
        ));
    };
    let all = [
        PaymentType::Receipt,
        PaymentType::Payment,
        PaymentType::Auth,
        PaymentType::Capture,
        PaymentType::Void,
    ];
    let common = read_common(account, input, &all, false)?;
    let transaction_code = text(input, "transactionCode", MAX_REF)?;
    if let Some(reference) = &common.transaction_ref {
        let taken = account.accounting.customer_payments.values().any(|p| {
            p.transaction_ref.as_deref() == Some(reference.as_str())
                && p.payment_method_code
                    .eq_ignore_ascii_case(&common.payment_method_code)
        });
        if taken {
            return Err(refuse(
                "ACCC-013",
                format!(
                    "A customer payment with transactionRef {reference:?} and paymentMethodCode {} already exists; the pair must be unique (use a new transactionRef, e.g. with an AUTH/CAPTURE suffix)",
                    common.payment_method_code
                ),
            ));
        }
    }
    let kind = common.payment_type;
    let authorized = amount(input, "amountAuthorized")?;
    let expiry = text(input, "authorizationExpiry", 64)?;
    let (amount_authorized, amount_paid, expires) = match kind {
        PaymentType::Auth => {
            let Some(authorized) = authorized else {
                return Err(refuse(
                    "ACCC-010",
                    "amountAuthorized is required when paymentType is AUTH".into(),
                ));
            };
            let Some(expiry) = expiry else {
                return Err(refuse(
                    "ACCC-010",
                    "authorizationExpiry is required when paymentType is AUTH, e.g. \"2026-05-17T10:00:00Z\"".into(),
                ));
            };
            let ms = parse_time(&expiry).ok_or_else(|| {
                refuse(
                    "ACCC-012",
                    format!("authorizationExpiry {expiry:?} is not a date or time"),
                )
            })?;
            (authorized, Decimal::ZERO, Some(account.stamp(ms)))
        }
        PaymentType::Void => (authorized.unwrap_or(Decimal::ZERO), Decimal::ZERO, None),
        _ => (Decimal::ZERO, common.amount_paid, None),
    };
    if matches!(kind, PaymentType::Capture | PaymentType::Void) {
        check_against_auth(
            account,
            common.order.id,
            transaction_code.as_deref(),
            kind,
            amount_paid,
        )?;
    }
    if matches!(
        kind,
        PaymentType::Receipt | PaymentType::Payment | PaymentType::Capture
    ) && amount_paid <= Decimal::ZERO
    {
        return Err(refuse(
            "ACCC-012",
            format!(
                "amountPaid must be greater than 0 for a {} payment",
                kind.code()
            ),
        ));
    }

    // Everything is valid: the journal (if any), then the payment, then the order.
    let journal_id = if matches!(
        kind,
        PaymentType::Receipt | PaymentType::Payment | PaymentType::Capture
    ) {
        payment_journal(
            account,
            &common,
            amount_paid,
            kind == PaymentType::Payment,
            "SR",
            "1100",
        )?
    } else {
        None
    };
    let first = after(&account.accounting.customer_payments)
        .max(after(&account.accounting.supplier_payments));
    let id = account.next_id(PAYMENT_SEQUENCE, first);
    let payment = CustomerPayment {
        payment_id: id,
        transaction_ref: common.transaction_ref,
        transaction_code,
        payment_method_code: common.payment_method_code,
        payment_type: kind,
        order_id: common.order.id,
        currency_id: common.currency_id,
        currency_code: common.currency_code,
        exchange_rate: Dec6::new(common.exchange_rate),
        amount_authorized: Dec2::new(amount_authorized),
        amount_paid: Dec2::new(amount_paid),
        expires,
        payment_date: account.stamp(common.payment_date_ms),
        created_on: account.now(),
        journal_id,
        journal_ref: common.journal_ref,
    };
    account.accounting.customer_payments.insert(id, payment);
    report_paid(account, common.order.id);
    Ok(id)
}

/// CAPTURE and VOID need the AUTH they refer to (same order, same `transactionCode`); a
/// CAPTURE may not take more than is left of it, and nothing is left once it is voided.
fn check_against_auth(
    account: &Account,
    order_id: u64,
    code: Option<&str>,
    kind: PaymentType,
    amount: Decimal,
) -> Result<(), ApiError> {
    let Some(code) = code else {
        return Err(refuse(
            "ACCC-010",
            format!(
                "transactionCode is required for a {}: the transactionCode of the AUTH it settles",
                kind.code()
            ),
        ));
    };
    let related = || {
        account
            .accounting
            .customer_payments
            .values()
            .filter(move |p| p.order_id == order_id && p.transaction_code.as_deref() == Some(code))
    };
    let authorized: Decimal = related()
        .filter(|p| p.payment_type == PaymentType::Auth)
        .map(|p| p.amount_authorized.0)
        .sum();
    if !related().any(|p| p.payment_type == PaymentType::Auth) {
        return Err(refuse(
            "ACCC-031",
            format!(
                "No AUTH with transactionCode {code:?} on order {order_id}; POST the AUTH first or check the code"
            ),
        ));
    }
    if related().any(|p| p.payment_type == PaymentType::Void) {
        return Err(refuse(
            "ACCC-031",
            format!("The AUTH with transactionCode {code:?} on order {order_id} is already voided"),
        ));
    }
    let captured: Decimal = related()
        .filter(|p| p.payment_type == PaymentType::Capture)
        .map(|p| p.amount_paid.0)
        .sum();
    let left = authorized - captured;
    if kind == PaymentType::Capture && amount > left {
        return Err(refuse(
            "ACCC-031",
            format!(
                "amountPaid {amount} is more than is left of the AUTH {code:?} on order {order_id} ({left} of {authorized}); capture at most {left}"
            ),
        ));
    }
    if kind == PaymentType::Void && left <= Decimal::ZERO {
        return Err(refuse(
            "ACCC-031",
            format!(
                "The AUTH {code:?} on order {order_id} is fully captured; there is nothing to void"
            ),
        ));
    }
    Ok(())
}

/// Posts the journal of a payment that moved money, when the payment method exists: money in
/// debits the method's bank account and credits `control` (debtors 1100 or creditors 2100);
/// money out the other way round. Returns the journal id.
pub(super) fn payment_journal(
    account: &mut Account,
    common: &Common,
    amount: Decimal,
    money_out: bool,
    journal_type: &str,
    control: &str,
) -> Result<Option<u64>, ApiError> {
    let Some(method) = account
        .accounting
        .payment_method_by_code(&common.payment_method_code)
    else {
        return Ok(None);
    };
    let Some(bank) = method
        .bank_nominal_code(&common.currency_code)
        .map(str::to_string)
    else {
        return Ok(None);
    };
    let order = &common.order;
    let line = |code: &str| vec![DraftLine::new(code, amount)];
    let (credits, debits) = if money_out {
        (line(&bank), line(control))
    } else {
        (line(control), line(&bank))
    };
    let draft = Draft {
        journal_type_code: journal_type.to_string(),
        description: format!(
            "{} {} order {}",
            common.payment_method_code,
            common.payment_type.code(),
            order.id
        ),
        journal_date_ms: common.payment_date_ms,
        due_date_ms: None,
        currency_id: common.currency_id,
        exchange_rate: common.exchange_rate,
        order_id: order.id,
        contact_id: order.contact_id(),
        invoice_reference: order
            .invoices
            .first()
            .map(|i| i.invoice_reference.clone())
            .unwrap_or_default(),
        journal_ref: common.journal_ref.clone().unwrap_or_default(),
        channel_id: order.assignment.current.channel_id,
        project_id: order.assignment.current.project_id,
        lead_source_id: order.assignment.current.lead_source_id,
        credits,
        debits,
    };
    journals::check(&account.accounting, &draft)?;
    Ok(Some(journals::post(account, draft)))
}

/// DELETE `/accounting-service/customer-payment/{id}`: removes the payment and its journal and
/// updates the order's payment status. A payment an active CAPTURE or VOID depends on (an AUTH
/// with later captures) is refused (INFERRED), so the remaining records stay consistent.
pub fn delete_customer_payment(account: &mut Account, id: u64) -> Result<(), ApiError> {
    let Some(payment) = account.accounting.customer_payments.get(&id) else {
        return Err(ApiError::not_found(format!(
            "Cannot find customer payment: {id}"
        )));
    };
    if payment.payment_type == PaymentType::Auth
        && let Some(code) = payment.transaction_code.as_deref()
        && account.accounting.customer_payments.values().any(|p| {
            p.payment_id != id
                && p.order_id == payment.order_id
                && p.transaction_code.as_deref() == Some(code)
                && matches!(p.payment_type, PaymentType::Capture | PaymentType::Void)
        })
    {
        return Err(refuse(
            "ACCC-031",
            format!(
                "Customer payment {id} is an AUTH with captures or a void against it (transactionCode {code:?}); delete those first"
            ),
        ));
    }
    let order_id = payment.order_id;
    if let Some(payment) = account.accounting.customer_payments.remove(&id)
        && let Some(journal) = payment.journal_id
    {
        account.accounting.journals.remove(&journal);
    }
    report_paid(account, order_id);
    Ok(())
}

/// The net amount paid on order `order_id`, in the order's currency: for a sales order money
/// received (RECEIPT, CAPTURE) less refunds (PAYMENT); for a sales credit money refunded less
/// money taken back; likewise for purchases with supplier payments. AUTH and VOID move nothing.
pub fn net_paid(account: &Account, order: &Order) -> Decimal {
    let order_rate = order.currency.exchange_rate.0;
    let in_order_currency = |amount: Decimal, rate: Decimal| {
        if rate.is_zero() || rate == order_rate {
            amount
        } else {
            amount / rate * order_rate
        }
    };
    // Money going out pays a sales credit (a refund) and a purchase order; money coming in
    // pays a sales order and a purchase credit.
    let outgoing = matches!(
        order.order_type_code,
        OrderType::SalesCredit | OrderType::PurchaseOrder
    );
    let mut paid = Decimal::ZERO;
    if order.order_type_code.is_purchase() {
        for p in account
            .accounting
            .supplier_payments
            .values()
            .filter(|p| p.order_id == order.id)
        {
            let amount = in_order_currency(p.amount_paid.0, p.exchange_rate.0);
            let out = p.payment_type == PaymentType::Payment;
            paid += if out == outgoing { amount } else { -amount };
        }
    } else {
        for p in account
            .accounting
            .customer_payments
            .values()
            .filter(|p| p.order_id == order.id)
        {
            let amount = in_order_currency(p.amount_paid.0, p.exchange_rate.0);
            match p.payment_type {
                PaymentType::Receipt | PaymentType::Capture => {
                    paid += if outgoing { -amount } else { amount }
                }
                PaymentType::Payment => paid += if outgoing { amount } else { -amount },
                PaymentType::Auth | PaymentType::Void => {}
            }
        }
    }
    paid.round_dp(2)
}

/// Tells the orders area how much has now been paid on `order_id`; it derives the status.
pub(super) fn report_paid(account: &mut Account, order_id: u64) {
    let Some(order) = account.orders.get(order_id) else {
        return;
    };
    let paid = net_paid(account, order);
    // The order exists (just read), the only refusal the hook has.
    let _ = crate::brightpearl::account::orders::set_payment_status(account, order_id, paid);
}

/// Plain-Rust payment for the demo data and the activity simulator: a RECEIPT of `amount` in
/// the order's currency with method `method_code`, dated `payment_date_ms` (now when `None`).
/// Returns the payment id.
pub fn create_payment(
    account: &mut Account,
    order_id: u64,
    method_code: &str,
    amount: Decimal,
    payment_date_ms: Option<i64>,
) -> Result<u64, ApiError> {
    let currency = account
        .orders
        .get(order_id)
        .map(|o| o.currency_code().to_string())
        .unwrap_or_default();
    let date = payment_date_ms.unwrap_or_else(|| account.now_ms());
    let body = serde_json::json!({
        "paymentMethodCode": method_code,
        "paymentType": "RECEIPT",
        "orderId": order_id,
        "currencyIsoCode": currency,
        "amountPaid": amount.to_string(),
        "paymentDate": crate::brightpearl::wire::format_utc(date),
    });
    create_customer_payment(account, &body)
}
