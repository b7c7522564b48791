//! The accounting service: customer and supplier payments (read through their searches),
//! journals, currencies and exchange rates, tax codes, nominal codes, payment methods and
//! accounting periods, and the bodies the client writes.

use super::common::{Stamp, decimal, text};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a payment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PaymentType {
    /// Money received (from the customer, or refunded by a supplier).
    Receipt,
    /// Money paid out (a refund to the customer, or to a supplier).
    Payment,
    /// An authorisation: no money moved yet.
    Auth,
    /// Money taken against an authorisation.
    Capture,
    /// An authorisation that will not be captured.
    Void,
    /// A type this client does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A customer payment, as a `customer-payment-search` row (there is no payment GET).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerPayment {
    /// The payment id.
    pub payment_id: u64,
    /// The caller's reference (unique with the method code).
    #[serde(default)]
    pub transaction_ref: Option<String>,
    /// Links CAPTURE and VOID to their AUTH.
    #[serde(default)]
    pub transaction_code: Option<String>,
    /// Payment method code.
    #[serde(default)]
    pub payment_method_code: Option<String>,
    /// RECEIPT, PAYMENT, AUTH, CAPTURE, VOID.
    #[serde(default)]
    pub payment_type: PaymentType,
    /// The sales order or credit.
    #[serde(default)]
    pub order_id: Option<u64>,
    /// Currency id.
    #[serde(default)]
    pub currency_id: Option<u64>,
    /// Currency code.
    #[serde(default)]
    pub currency_code: Option<String>,
    /// Authorised amount.
    #[serde(default, with = "decimal::option")]
    pub amount_authorized: Option<Decimal>,
    /// Amount moved.
    #[serde(default, with = "decimal::option")]
    pub amount_paid: Option<Decimal>,
    /// When an AUTH expires.
    #[serde(default)]
    pub expires: Option<Stamp>,
    /// When the money moved.
    #[serde(default)]
    pub payment_date: Option<Stamp>,
    /// Recorded.
    #[serde(default)]
    pub created_on: Option<Stamp>,
    /// The receipt journal, when one was posted.
    #[serde(default)]
    pub journal_id: Option<u64>,
}

/// A supplier payment, as a `supplier-payment-search` row.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupplierPayment {
    /// The payment id.
    pub payment_id: u64,
    /// The caller's reference.
    #[serde(default)]
    pub transaction_ref: Option<String>,
    /// Payment method code.
    #[serde(default)]
    pub payment_method_code: Option<String>,
    /// PAYMENT or RECEIPT.
    #[serde(default)]
    pub payment_type: PaymentType,
    /// The purchase order or credit.
    #[serde(default)]
    pub order_id: Option<u64>,
    /// Currency id.
    #[serde(default)]
    pub currency_id: Option<u64>,
    /// Currency code.
    #[serde(default)]
    pub currency_code: Option<String>,
    /// Amount.
    #[serde(default, with = "decimal::option")]
    pub amount_paid: Option<Decimal>,
    /// When the money moved.
    #[serde(default)]
    pub payment_date: Option<Stamp>,
    /// Recorded.
    #[serde(default)]
    pub created_on: Option<Stamp>,
    /// The journal.
    #[serde(default)]
    pub journal_id: Option<u64>,
}

/// POST `/accounting-service/customer-payment` → the payment id. A receipt journal is posted
/// when the method exists.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomerPayment {
    /// Unique with `paymentMethodCode` (at most 64 characters): Ferry's idempotency marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_ref: Option<String>,
    /// Links CAPTURE/VOID to an AUTH.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_code: Option<String>,
    /// Payment method code (at most 36 characters).
    pub payment_method_code: String,
    /// RECEIPT, PAYMENT, AUTH, CAPTURE or VOID.
    pub payment_type: PaymentType,
    /// The sales order or credit.
    pub order_id: u64,
    /// Three-letter currency code.
    pub currency_iso_code: String,
    /// Payment-currency units per base unit.
    #[serde(with = "decimal::option", skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<Decimal>,
    /// Amount moved (RECEIPT, PAYMENT, CAPTURE).
    #[serde(with = "decimal::option", skip_serializing_if = "Option::is_none")]
    pub amount_paid: Option<Decimal>,
    /// Amount authorised (AUTH).
    #[serde(with = "decimal::option", skip_serializing_if = "Option::is_none")]
    pub amount_authorized: Option<Decimal>,
    /// When an AUTH expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_expiry: Option<Stamp>,
    /// When the money moved.
    pub payment_date: Stamp,
    /// Reference given to the journal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_ref: Option<String>,
}

/// POST `/accounting-service/supplier-payment` → the payment id.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSupplierPayment {
    /// The caller's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_ref: Option<String>,
    /// Payment method code.
    pub payment_method_code: String,
    /// PAYMENT or RECEIPT.
    pub payment_type: PaymentType,
    /// The purchase order or credit.
    pub order_id: u64,
    /// Three-letter currency code.
    pub currency_iso_code: String,
    /// Rate.
    #[serde(with = "decimal::option", skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<Decimal>,
    /// Amount.
    #[serde(with = "decimal")]
    pub amount_paid: Decimal,
    /// When the money moved.
    pub payment_date: Stamp,
    /// Reference given to the journal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_ref: Option<String>,
}

/// A journal (GET `/accounting-service/journal/{ids}`; shape INFERRED from the docs).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Journal {
    /// The journal id.
    pub id: u64,
    /// `SR` (sales receipt), `SI`, `PP` ….
    #[serde(default)]
    pub journal_type_code: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Journal date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_date: Option<Stamp>,
    /// Due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Stamp>,
    /// Entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<Stamp>,
    /// Who entered it.
    #[serde(default)]
    pub created_by_id: u64,
    /// Currency.
    #[serde(default)]
    pub currency_id: u64,
    /// Rate.
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange_rate: Option<Decimal>,
    /// The order it belongs to (0 = none).
    #[serde(default)]
    pub order_id: u64,
    /// The contact (0 = none).
    #[serde(default)]
    pub contact_id: u64,
    /// Invoice reference.
    #[serde(default)]
    pub invoice_reference: String,
    /// Journal reference.
    #[serde(default)]
    pub journal_ref: String,
    /// Credit lines.
    #[serde(default)]
    pub credits: Vec<JournalLine>,
    /// Debit lines.
    #[serde(default)]
    pub debits: Vec<JournalLine>,
}

/// One line of a journal.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalLine {
    /// The line id.
    #[serde(default)]
    pub id: u64,
    /// The nominal code.
    #[serde(default, deserialize_with = "text::deserialize")]
    pub nominal_code: String,
    /// Amount in the journal's currency.
    #[serde(default, with = "decimal")]
    pub transaction_amount: Decimal,
    /// Amount in base currency.
    #[serde(default, with = "decimal")]
    pub base_amount: Decimal,
    /// Tax code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// A currency (GET `/accounting-service/currency/{ids}` and currency-search rows).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Currency {
    /// The currency id.
    pub id: u64,
    /// Name ("US Dollar").
    #[serde(default)]
    pub title: String,
    /// ISO 4217 code.
    #[serde(default)]
    pub code: String,
    /// Symbol.
    #[serde(default)]
    pub symbol: String,
    /// Units per base unit, as of now (6 places, text).
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange_rate: Option<Decimal>,
    /// The account's base currency.
    #[serde(default)]
    pub is_default: bool,
    /// Where exchange variance is posted.
    #[serde(
        default,
        deserialize_with = "text::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange_rate_variance_nominal_code: Option<String>,
}

/// An exchange rate of a currency from a date on (GET `/accounting-service/exchange-rate`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRate {
    /// The currency.
    pub currency_id: u64,
    /// From when it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_active_from: Option<Stamp>,
    /// The rate (a JSON number).
    #[serde(with = "decimal")]
    pub rate: Decimal,
    /// Who added it.
    #[serde(default)]
    pub added_by_id: u64,
}

/// POST/PUT `/accounting-service/currency/{id}/exchange-rate`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewExchangeRate {
    /// From when (a date, `2026-06-25`).
    pub rate_active_from: String,
    /// The rate.
    #[serde(with = "decimal")]
    pub rate: Decimal,
}

/// A tax code (GET `/accounting-service/tax-code`); `rate` is omitted when zero.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxCode {
    /// The tax code id.
    pub id: u64,
    /// The code rows name (`T`, `VAT`).
    #[serde(default)]
    pub code: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// Percent (a number); `None` means zero.
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub rate: Option<Decimal>,
}

impl TaxCode {
    /// The rate, zero when Brightpearl left it out.
    pub fn rate_or_zero(&self) -> Decimal {
        self.rate.unwrap_or_default()
    }
}

/// A nominal code of the chart of accounts (GET `/accounting-service/nominal-code`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NominalCode {
    /// The record id.
    pub id: u64,
    /// The code journals and rows name (`4000`).
    #[serde(default, deserialize_with = "text::deserialize")]
    pub code: String,
    /// The account's name.
    #[serde(default)]
    pub name: String,
    /// A bank account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<bool>,
    /// Whether journals may post to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Default tax code id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<u64>,
    /// A bank account's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_id: Option<u64>,
}

/// A payment method (GET `/accounting-service/payment-method`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    /// The record id.
    pub id: u64,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The code payments name (`paymentMethodCode`).
    #[serde(default)]
    pub code: String,
    /// Usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// Bank account per currency.
    #[serde(default)]
    pub bank_accounts: Vec<BankAccount>,
    /// The owning integration (`"0"` for none; text on the wire).
    #[serde(
        default,
        deserialize_with = "text::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub installed_integration_id: Option<String>,
}

/// Where a payment method's money goes, per currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BankAccount {
    /// The payment method.
    #[serde(default)]
    pub payment_method_id: u64,
    /// The currency.
    #[serde(default)]
    pub currency_iso_code: String,
    /// The bank nominal code.
    #[serde(default, deserialize_with = "text::deserialize")]
    pub bank_account_nominal_code: String,
}

/// An accounting period (GET `/accounting-service/accounting-period`); journals must be
/// dated inside an open one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountingPeriod {
    /// The period id.
    pub id: u64,
    /// First instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Stamp>,
    /// Last instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<Stamp>,
}
