//! Accounting: the configuration every account has (currencies, exchange rates, tax codes,
//! nominal codes, payment methods, accounting periods) and the money that moves (customer and
//! supplier payments, journals).
//!
//! Other areas read this one through [`Accounting`]'s look-ups: order rows ask
//! [`Accounting::tax_rate`] for a row's tax, orders and price lists ask
//! [`Accounting::currency_by_code`] and [`Accounting::rate_of`] for currencies.

mod config;
mod input;
mod journals;
mod payments;
mod reference;
mod searches;
mod supplier;

pub use config::{
    add_exchange_rate, create_currency, create_payment_method, current_exchange_rates,
    set_exchange_rate,
};
pub use journals::{Journal, JournalLine, create_journal_entry};
pub use payments::{
    CustomerPayment, PAYMENT_SEQUENCE, PaymentType, create_customer_payment, create_payment,
    delete_customer_payment, net_paid,
};
pub use reference::{
    AccountingPeriod, BankAccount, Currency, ExchangeRate, NominalCode, NominalType, PaymentMethod,
    TaxCode, number,
};
pub use searches::{
    CURRENCY_SEARCH, CUSTOMER_PAYMENT_SEARCH, JOURNAL_SEARCH, JournalRow, NOMINAL_CODE_SEARCH,
    PAYMENT_METHOD_SEARCH, SUPPLIER_PAYMENT_SEARCH, currency_rows, journal_rows, nominal_code_rows,
    payment_method_rows,
};
pub use supplier::{SupplierPayment, create_supplier_payment};

use super::{Account, Settings};
use crate::brightpearl::wire::{Dec6, Stamp, parse_time};
use reference::{
    STANDARD_NOMINAL_CODES, STANDARD_PAYMENT_METHODS, STANDARD_TAX_CODES, standard_currencies,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every accounting record of the account, keyed by id.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Accounting {
    /// Currencies; the base currency has `isDefault`.
    pub currencies: BTreeMap<u64, Currency>,
    /// Every exchange rate ever set, by rate id.
    pub exchange_rates: BTreeMap<u64, ExchangeRate>,
    /// Tax codes.
    pub tax_codes: BTreeMap<u64, TaxCode>,
    /// The chart of accounts.
    pub nominal_codes: BTreeMap<u64, NominalCode>,
    /// Payment methods.
    pub payment_methods: BTreeMap<u64, PaymentMethod>,
    /// Accounting periods (journals must fall in one).
    pub accounting_periods: BTreeMap<u64, AccountingPeriod>,
    /// Payments from and refunds to customers, by payment id.
    pub customer_payments: BTreeMap<u64, CustomerPayment>,
    /// Payments to and refunds from suppliers, by payment id.
    pub supplier_payments: BTreeMap<u64, SupplierPayment>,
    /// Journals, by journal id.
    pub journals: BTreeMap<u64, Journal>,
}

/// The first id of the journal-line sequence (`journalRowId`).
const FIRST_JOURNAL_ROW: u64 = 1;

impl Accounting {
    /// The configuration every account has: the base currency and three others with their
    /// exchange rates, tax codes, a chart of accounts, payment methods and yearly accounting
    /// periods 2015–2035. No payments or journals.
    pub fn standard(settings: &Settings) -> Accounting {
        let offset = settings.offset_minutes;
        let mut accounting = Accounting::default();
        let since = parse_time("2015-01-01").unwrap_or(0);
        for (index, (code, title, symbol, rate)) in standard_currencies(&settings.base_currency)
            .into_iter()
            .enumerate()
        {
            let id = index as u64 + 1;
            let is_default = index == 0;
            accounting.currencies.insert(
                id,
                Currency {
                    id,
                    title,
                    code,
                    symbol,
                    exchange_rate: Dec6::new(rate),
                    is_default,
                    exchange_rate_variance_nominal_code: (!is_default).then(|| "8000".into()),
                },
            );
            if !is_default {
                let rate_id = accounting.exchange_rates.len() as u64 + 1;
                accounting.exchange_rates.insert(
                    rate_id,
                    ExchangeRate {
                        currency_id: id,
                        rate_active_from: Stamp::new(since, offset),
                        rate,
                        added_by_id: settings.api_staff_id,
                    },
                );
            }
        }
        for &(id, code, description, rate) in STANDARD_TAX_CODES {
            accounting.tax_codes.insert(
                id,
                TaxCode {
                    id,
                    code: code.into(),
                    description: description.into(),
                    rate: Decimal::from(rate),
                },
            );
        }
        for (index, &(code, name, kind, bank)) in STANDARD_NOMINAL_CODES.iter().enumerate() {
            let id = index as u64 + 1;
            accounting.nominal_codes.insert(
                id,
                NominalCode {
                    id,
                    code: code.into(),
                    name: name.into(),
                    kind: NominalType { id: kind },
                    bank,
                    expense: kind == 6,
                    discount: false,
                    editable: !matches!(code, "1100" | "2100" | "2200" | "2201" | "8000"),
                    active: true,
                    tax_code: 0,
                    chart_map_code: String::new(),
                    reconcile: bank,
                    currency_id: bank.then_some(1),
                },
            );
        }
        let currency_codes: Vec<String> = accounting
            .currencies
            .values()
            .map(|c| c.code.clone())
            .collect();
        for (index, &(code, name, bank)) in STANDARD_PAYMENT_METHODS.iter().enumerate() {
            let id = index as u64 + 1;
            accounting.payment_methods.insert(
                id,
                PaymentMethod {
                    id,
                    name: name.into(),
                    code: code.into(),
                    is_active: true,
                    bank_accounts: currency_codes
                        .iter()
                        .map(|currency| BankAccount {
                            payment_method_id: id,
                            currency_iso_code: currency.clone(),
                            bank_account_nominal_code: bank.into(),
                        })
                        .collect(),
                    installed_integration_id: "0".into(),
                },
            );
        }
        for (index, year) in (2015..=2035).enumerate() {
            let id = index as u64 + 1;
            let start = parse_time(&format!("{year}-01-01")).unwrap_or(0);
            let end = parse_time(&format!("{}-01-01", year + 1)).unwrap_or(0) - 1;
            accounting.accounting_periods.insert(
                id,
                AccountingPeriod {
                    id,
                    start_date: Stamp::new(start, offset),
                    end_date: Stamp::new(end, offset),
                },
            );
        }
        accounting
    }

    /// The tax code named `code` as order rows name it ("T", "VAT", "13"); exact match first,
    /// then ignoring case.
    pub fn tax_code_by_code(&self, code: &str) -> Option<&TaxCode> {
        let code = code.trim();
        self.tax_codes
            .values()
            .find(|t| t.code == code)
            .or_else(|| {
                self.tax_codes
                    .values()
                    .find(|t| t.code.eq_ignore_ascii_case(code))
            })
    }

    /// The tax code with id `id`.
    pub fn tax_code(&self, id: u64) -> Option<&TaxCode> {
        self.tax_codes.get(&id)
    }

    /// The tax code a row names by code or, failing that, by numeric id (row POSTs send either:
    /// `"taxCode":"T"` or `"taxCode":"13"`, which is a code in the recorded account).
    pub fn tax_code_by_code_or_id(&self, code_or_id: &str) -> Option<&TaxCode> {
        self.tax_code_by_code(code_or_id).or_else(|| {
            code_or_id
                .trim()
                .parse::<u64>()
                .ok()
                .and_then(|id| self.tax_code(id))
        })
    }

    /// The percentage rate of the tax code named by code or id (`10` for "T"), `None` when the
    /// account has no such tax code.
    pub fn tax_rate(&self, code_or_id: &str) -> Option<Decimal> {
        self.tax_code_by_code_or_id(code_or_id).map(|t| t.rate)
    }

    /// The currency with id `id`.
    pub fn currency(&self, id: u64) -> Option<&Currency> {
        self.currencies.get(&id)
    }

    /// The currency with ISO code `code`, ignoring case.
    pub fn currency_by_code(&self, code: &str) -> Option<&Currency> {
        let code = code.trim();
        self.currencies
            .values()
            .find(|c| c.code.eq_ignore_ascii_case(code))
    }

    /// The base (accounting) currency.
    pub fn base_currency(&self) -> Option<&Currency> {
        self.currencies.values().find(|c| c.is_default)
    }

    /// Units of `code` per unit of the base currency now (1 for the base), `None` for a
    /// currency the account does not have.
    pub fn rate_of(&self, code: &str) -> Option<Decimal> {
        self.currency_by_code(code).map(|c| c.exchange_rate.0)
    }

    /// The nominal code record with code `code` ("4000").
    pub fn nominal_code(&self, code: &str) -> Option<&NominalCode> {
        let code = code.trim();
        self.nominal_codes.values().find(|n| n.code == code)
    }

    /// The payment method with code `code`, ignoring case.
    pub fn payment_method_by_code(&self, code: &str) -> Option<&PaymentMethod> {
        let code = code.trim();
        self.payment_methods
            .values()
            .find(|m| m.code.eq_ignore_ascii_case(code))
    }

    /// The accounting period holding `ms`.
    pub fn period_at(&self, ms: i64) -> Option<&AccountingPeriod> {
        self.accounting_periods
            .values()
            .find(|p| p.start_date.ms <= ms && ms <= p.end_date.ms)
    }

    /// The rate of `currency_id` in force at `ms`: the latest rate active from at or before
    /// `ms`, else the currency's current rate.
    pub fn rate_at(&self, currency_id: u64, ms: i64) -> Option<Decimal> {
        let currency = self.currency(currency_id)?;
        if currency.is_default {
            return Some(Decimal::ONE);
        }
        let latest = self
            .exchange_rates
            .values()
            .filter(|r| r.currency_id == currency_id && r.rate_active_from.ms <= ms)
            .max_by_key(|r| r.rate_active_from.ms);
        Some(latest.map_or(currency.exchange_rate.0, |r| r.rate))
    }

    /// Recomputes the currencies' current `exchangeRate` from the rates in force at `now_ms`.
    fn refresh_rates(&mut self, now_ms: i64) {
        let ids: Vec<u64> = self.currencies.keys().copied().collect();
        for id in ids {
            if let Some(rate) = self.rate_at(id, now_ms)
                && let Some(currency) = self.currencies.get_mut(&id)
            {
                currency.exchange_rate = Dec6::new(rate);
            }
        }
    }
}

/// `max key + 1` of a map: the first id a sequence may hand out so that records loaded with
/// their own ids are never overwritten.
fn after<T>(map: &BTreeMap<u64, T>) -> u64 {
    map.keys().next_back().map_or(1, |k| k + 1)
}

/// The next `journalRowId`. Rows are numbered in creation order, so the newest journal holds
/// the highest; starting after it keeps ids of loaded journals from being handed out again.
fn next_journal_row(account: &mut Account) -> u64 {
    let first = account
        .accounting
        .journals
        .values()
        .next_back()
        .and_then(|j| {
            j.credits
                .iter()
                .chain(j.debits.iter())
                .map(|l| l.id + 1)
                .max()
        })
        .unwrap_or(FIRST_JOURNAL_ROW);
    account.next_id("journal-row", first)
}

#[cfg(test)]
mod tests;
