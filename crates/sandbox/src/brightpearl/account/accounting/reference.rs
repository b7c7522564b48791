//! The accounting configuration every account has: currencies and their exchange rates, tax
//! codes, the chart of accounts (nominal codes), payment methods and accounting periods. Records
//! are in the shape their GETs return (reference §7.9); where Brightpearl's shape was never
//! recorded, the shape follows the official documentation's examples (INFERRED).

use crate::brightpearl::wire::{Dec6, Stamp, decimal};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A currency the account trades in. GET `/accounting-service/currency/{id}` is INFERRED; its
/// keys are the currency-search columns (reference §6.5), so a GET and a search row agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Currency {
    /// The currency id.
    pub id: u64,
    /// The display name ("US Dollar").
    pub title: String,
    /// The ISO 4217 code ("USD").
    pub code: String,
    /// The symbol ("$").
    pub symbol: String,
    /// Units of this currency per unit of the base currency, as of now (the base is 1).
    pub exchange_rate: Dec6,
    /// Whether this is the account's base (accounting) currency.
    pub is_default: bool,
    /// Where exchange-rate variance is posted; the base currency has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rate_variance_nominal_code: Option<String>,
}

/// One exchange rate of a currency, active from a date on (GET `/accounting-service/exchange-rate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRate {
    /// The currency the rate converts to (units per unit of the base currency).
    pub currency_id: u64,
    /// From when the rate applies.
    pub rate_active_from: Stamp,
    /// The rate; a JSON number on the wire (reference §7.9).
    #[serde(with = "number")]
    pub rate: Decimal,
    /// The staff contact who added it.
    pub added_by_id: u64,
}

/// A tax code (GET `/accounting-service/tax-code`, recorded): `rate` is left out when zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaxCode {
    /// The tax code id.
    pub id: u64,
    /// The code order rows name ("T", "VAT").
    pub code: String,
    /// What it is ("Taxable").
    pub description: String,
    /// Percent; a JSON number (`10.0000` recorded), omitted when zero.
    #[serde(default, with = "number", skip_serializing_if = "Decimal::is_zero")]
    pub rate: Decimal,
}

/// The type of a nominal code (`{"id": 5}` in the documented GET).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NominalType {
    /// 1 current assets, 2 current liabilities, 3 income, 4 cost of sales, 5 fixed assets,
    /// 6 overheads, 7 equity (INFERRED numbering).
    pub id: u64,
}

/// An account of the chart of accounts (GET `/accounting-service/nominal-code`, shape from the
/// documentation's example; the hand-written cassette's `{id, name}` is toy data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NominalCode {
    /// The record id.
    pub id: u64,
    /// The code journals and order rows name ("4000").
    pub code: String,
    /// The account's name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: NominalType,
    /// Whether it is a bank account (payments post to it).
    pub bank: bool,
    /// Whether it is an expense account.
    pub expense: bool,
    /// Whether discounts post to it.
    pub discount: bool,
    /// Whether users may edit it.
    pub editable: bool,
    /// Whether journals may post to it.
    pub active: bool,
    /// The default tax code id (0 = none).
    pub tax_code: u64,
    /// The statutory chart mapping code.
    pub chart_map_code: String,
    /// Whether it is reconciled against statements.
    pub reconcile: bool,
    /// A bank account's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_id: Option<u64>,
}

/// Which bank account a payment method's receipts go to, per currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankAccount {
    /// The payment method.
    pub payment_method_id: u64,
    /// The currency of the receipts.
    pub currency_iso_code: String,
    /// The bank nominal code they are posted to.
    pub bank_account_nominal_code: String,
}

/// A payment method (GET `/accounting-service/payment-method`, documented shape with the `id`
/// the hand-written cassette shows first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    /// The record id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// The code customer payments name (`paymentMethodCode`), at most 32 characters.
    pub code: String,
    /// Whether it can be used.
    pub is_active: bool,
    /// Bank account per currency.
    pub bank_accounts: Vec<BankAccount>,
    /// The integration that owns it; `"0"` for none (a string, as documented).
    pub installed_integration_id: String,
}

impl PaymentMethod {
    /// The bank nominal code receipts in `currency` go to: the account for that currency, else
    /// the first one (a method set up for one currency still takes others).
    pub fn bank_nominal_code(&self, currency: &str) -> Option<&str> {
        self.bank_accounts
            .iter()
            .find(|b| b.currency_iso_code.eq_ignore_ascii_case(currency))
            .or_else(|| self.bank_accounts.first())
            .map(|b| b.bank_account_nominal_code.as_str())
    }
}

/// An accounting period (GET `/accounting-service/accounting-period`, [TAP] shape): journals
/// must be dated inside an open one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountingPeriod {
    /// The period id.
    pub id: u64,
    /// First instant of the period.
    pub start_date: Stamp,
    /// Last instant of the period.
    pub end_date: Stamp,
}

/// Decimals Brightpearl writes as JSON numbers (tax rates, exchange rates): written as numbers,
/// read from numbers or numeric strings.
pub mod number {
    use super::*;

    /// Writes the decimal as a JSON number.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        match value.to_f64() {
            Some(f) => serializer.serialize_f64(f),
            None => serializer.serialize_str(&value.to_string()),
        }
    }

    /// Reads a number or a numeric string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        decimal(&value).ok_or_else(|| serde::de::Error::custom(format!("{value} is not a number")))
    }
}

/// One currency of the standard set: code, title, symbol, units per one US dollar.
type StandardCurrency = (&'static str, &'static str, &'static str, Decimal);

/// The currencies of a standard account, base first: US dollar, pound, euro, Canadian dollar,
/// with rates re-based on the account's base currency so that the base is exactly 1 (values
/// INFERRED, near real rates). A base outside the four comes first with its code as title.
pub(super) fn standard_currencies(base: &str) -> Vec<(String, String, String, Decimal)> {
    let all: [StandardCurrency; 4] = [
        ("USD", "US Dollar", "$", Decimal::new(1_000000, 6)),
        ("GBP", "British Pound", "£", Decimal::new(790000, 6)),
        ("EUR", "Euro", "€", Decimal::new(920000, 6)),
        ("CAD", "Canadian Dollar", "$", Decimal::new(1_360000, 6)),
    ];
    let base_rate = all.iter().find(|c| c.0 == base).map(|c| c.3);
    let mut out: Vec<(String, String, String, Decimal)> = Vec::new();
    if base_rate.is_none() {
        out.push((base.into(), base.into(), base.into(), Decimal::ONE));
    }
    let base_rate = base_rate.unwrap_or(Decimal::ONE);
    for (code, title, symbol, rate) in all {
        out.push((
            code.into(),
            title.into(),
            symbol.into(),
            (rate / base_rate).round_dp(6),
        ));
    }
    out.sort_by_key(|c| c.0 != base);
    out
}

/// The standard tax codes: those the recorded account had (reference §7.9) plus the 20% VAT
/// European orders use. Ids as recorded.
pub(super) const STANDARD_TAX_CODES: &[(u64, &str, &str, i64)] = &[
    (1, "Z", "Exempt", 0),
    (2, "T", "Taxable", 10),
    (3, "N", "Non Taxable", 0),
    (4, "VAT", "VAT", 20),
    (5, "IVA", "IVA 10%", 10),
    (6, "IV2", "IVA 2%", 2),
    (8, "T13", "Taxable 13%", 13),
    (9, "13", "IVA 13%", 13),
    (10, "I1", "IVA 1%", 0),
    (11, "I2", "IVA 2%", 2),
    (12, "I0", "IVA 0%", 0),
];

/// The standard chart of accounts: code, name, type id, bank.
pub(super) const STANDARD_NOMINAL_CODES: &[(&str, &str, u64, bool)] = &[
    ("0010", "Freehold property", 5, false),
    ("1000", "Stock", 1, false),
    ("1001", "Stock in warehouses", 1, false),
    ("1100", "Accounts receivable", 1, false),
    ("1200", "Bank current account", 1, true),
    ("1201", "Card merchant account", 1, true),
    ("1202", "PayPal account", 1, true),
    ("1210", "Cash in hand", 1, true),
    ("2100", "Accounts payable", 2, false),
    ("2200", "Sales tax control", 2, false),
    ("2201", "Purchase tax control", 2, false),
    ("3000", "Owner's equity", 7, false),
    ("4000", "Sales", 3, false),
    ("4010", "Shipping income", 3, false),
    ("5000", "Cost of goods sold", 4, false),
    ("5010", "Stock adjustments", 4, false),
    ("7900", "Bank charges", 6, false),
    ("8000", "Exchange rate variance", 6, false),
];

/// The standard payment methods: code, name, bank nominal code.
pub(super) const STANDARD_PAYMENT_METHODS: &[(&str, &str, &str)] = &[
    ("CASH", "Cash", "1210"),
    ("CARD", "Credit Card", "1201"),
    ("PAYPAL", "PayPal", "1202"),
    ("BANK", "Bank transfer", "1200"),
];
