//! The accounting searches' column catalogues (reference §6.5) and the cells each record
//! hands the search engine. customer-payment-search is recorded (every flag below is as
//! recorded); currency-search and nominal-code-search follow the documentation's column tables;
//! journal-search, supplier-payment-search and payment-method-search follow the [TAP] column
//! lists with types and flags INFERRED.

use super::{
    Currency, CustomerPayment, Journal, JournalLine, NominalCode, PaymentMethod, SupplierPayment,
};
use crate::brightpearl::search::{Catalogue, Cell, Column, DataType, Record};
use std::borrow::Cow;

/// `GET /accounting-service/customer-payment-search` (customer_payment/search/simple_search.yml).
pub static CUSTOMER_PAYMENT_SEARCH: Catalogue = Catalogue {
    name: "customer-payment-search",
    columns: &[
        Column::new("paymentId", DataType::IdSet),
        Column::new("transactionRef", DataType::String).unsortable(),
        Column::new("transactionCode", DataType::String).unsortable(),
        Column::new("paymentMethodCode", DataType::String).unsortable(),
        Column::new("paymentType", DataType::String).unsortable(),
        Column::new("orderId", DataType::IdSet).unsortable(),
        Column::new("currencyId", DataType::IdSet).unsortable(),
        Column::new("currencyCode", DataType::String).unsortable(),
        Column::new("amountAuthorized", DataType::String).unsortable(),
        Column::new("amountPaid", DataType::String).unsortable(),
        Column::new("expires", DataType::Period).unsortable(),
        Column::new("paymentDate", DataType::Period),
        Column::new("createdOn", DataType::Period),
        Column::new("journalId", DataType::IdSet),
    ],
    extra_filters: &[],
};

impl Record for CustomerPayment {
    fn cell(&self, column: usize) -> Cell<'_> {
        match column {
            0 => Cell::from(self.payment_id),
            1 => opt_text(&self.transaction_ref),
            2 => opt_text(&self.transaction_code),
            3 => Cell::text(self.payment_method_code.as_str()),
            4 => Cell::from(self.payment_type.code()),
            5 => Cell::from(self.order_id),
            6 => Cell::from(self.currency_id),
            7 => Cell::text(self.currency_code.as_str()),
            8 => Cell::Money(self.amount_authorized.0, 2),
            9 => Cell::Money(self.amount_paid.0, 2),
            10 => self
                .expires
                .as_ref()
                .map_or(Cell::Null, |s| Cell::Time(s.ms)),
            11 => Cell::Time(self.payment_date.ms),
            12 => Cell::Time(self.created_on.ms),
            13 => Cell::from(self.journal_id),
            _ => Cell::Null,
        }
    }
}

/// `GET /accounting-service/supplier-payment-search` ([TAP] columns; flags as the customer
/// search's, INFERRED).
pub static SUPPLIER_PAYMENT_SEARCH: Catalogue = Catalogue {
    name: "supplier-payment-search",
    columns: &[
        Column::new("paymentId", DataType::IdSet),
        Column::new("transactionRef", DataType::String).unsortable(),
        Column::new("paymentMethodCode", DataType::String).unsortable(),
        Column::new("paymentType", DataType::String).unsortable(),
        Column::new("orderId", DataType::IdSet).unsortable(),
        Column::new("currencyId", DataType::IdSet).unsortable(),
        Column::new("currencyCode", DataType::String).unsortable(),
        Column::new("amountPaid", DataType::String).unsortable(),
        Column::new("paymentDate", DataType::Period),
        Column::new("createdOn", DataType::Period),
        Column::new("journalId", DataType::IdSet),
    ],
    extra_filters: &[],
};

impl Record for SupplierPayment {
    fn cell(&self, column: usize) -> Cell<'_> {
        match column {
            0 => Cell::from(self.payment_id),
            1 => opt_text(&self.transaction_ref),
            2 => Cell::text(self.payment_method_code.as_str()),
            3 => Cell::from(self.payment_type.code()),
            4 => Cell::from(self.order_id),
            5 => Cell::from(self.currency_id),
            6 => Cell::text(self.currency_code.as_str()),
            7 => Cell::Money(self.amount_paid.0, 2),
            8 => Cell::Time(self.payment_date.ms),
            9 => Cell::Time(self.created_on.ms),
            10 => Cell::from(self.journal_id),
            _ => Cell::Null,
        }
    }
}

/// `GET /accounting-service/journal-search`: one row per journal line, keyed by `journalRowId`
/// ([TAP] columns, [MCP]: id columns refuse ranges, so they are INTEGER except `journalId`).
pub static JOURNAL_SEARCH: Catalogue = Catalogue {
    name: "journal-search",
    columns: &[
        Column::new("journalId", DataType::IdSet),
        Column::new("journalType", DataType::String),
        Column::new("orderId", DataType::IdSet),
        Column::new("invoiceReference", DataType::String),
        Column::new("channelId", DataType::Integer),
        Column::new("nominalCode", DataType::String),
        Column::new("journalDate", DataType::Period),
        Column::new("journalDebit", DataType::String).unsortable(),
        Column::new("journalCredit", DataType::String).unsortable(),
        Column::new("journalRef", DataType::String),
        Column::new("currencyId", DataType::Integer),
        Column::new("exchangeRate", DataType::String).unsortable(),
        Column::new("transactionDebit", DataType::String).unsortable(),
        Column::new("transactionCredit", DataType::String).unsortable(),
        Column::new("projectId", DataType::Integer),
        Column::new("leadSourceId", DataType::Integer),
        Column::new("contactId", DataType::Integer),
        Column::new("journalDueDate", DataType::Period),
        Column::new("journalDateEntered", DataType::Period),
        Column::new("createdContactId", DataType::Integer),
        Column::new("taxCodeId", DataType::Integer),
        Column::new("taxReconciliationDate", DataType::Period),
        Column::new("taxPeriodId", DataType::Integer),
        Column::new("journalRowId", DataType::Integer),
    ],
    extra_filters: &[],
};

/// One journal-search row: a line of a journal, on its side, with its tax code's id resolved.
pub struct JournalRow<'a> {
    /// The journal.
    pub journal: &'a Journal,
    /// The line.
    pub line: &'a JournalLine,
    /// Whether the line is a debit.
    pub debit: bool,
    /// The id of the line's tax code, if it has one.
    pub tax_code_id: Option<u64>,
}

impl Record for JournalRow<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        let j = self.journal;
        let side = |debit: bool, amount| {
            if self.debit == debit {
                Cell::Money(amount, 2)
            } else {
                Cell::Money(rust_decimal::Decimal::ZERO, 2)
            }
        };
        match column {
            0 => Cell::from(j.id),
            1 => Cell::text(j.journal_type_code.as_str()),
            2 => id_or_null(j.order_id),
            3 => Cell::text(j.invoice_reference.as_str()),
            4 => Cell::from(j.channel_id),
            5 => Cell::text(self.line.nominal_code.as_str()),
            6 => Cell::Time(j.journal_date.ms),
            7 => side(true, self.line.base_amount.0),
            8 => side(false, self.line.base_amount.0),
            9 => Cell::text(j.journal_ref.as_str()),
            10 => Cell::from(j.currency_id),
            11 => Cell::Money(j.exchange_rate.0, 6),
            12 => side(true, self.line.transaction_amount.0),
            13 => side(false, self.line.transaction_amount.0),
            14 => Cell::from(j.project_id),
            15 => Cell::from(j.lead_source_id),
            16 => Cell::from(j.contact_id),
            17 => j.due_date.as_ref().map_or(Cell::Null, |d| Cell::Time(d.ms)),
            18 => Cell::Time(j.created_on.ms),
            19 => Cell::from(j.created_by_id),
            20 => Cell::from(self.tax_code_id),
            21 | 22 => Cell::Null,
            23 => Cell::from(self.line.id),
            _ => Cell::Null,
        }
    }
}

/// Every journal line of `journals` as journal-search rows, journals in id order, credits
/// before debits.
pub fn journal_rows<'a>(
    accounting: &'a super::Accounting,
) -> impl Iterator<Item = JournalRow<'a>> + 'a {
    accounting.journals.values().flat_map(move |journal| {
        let credits = journal.credits.iter().map(move |line| (line, false));
        let debits = journal.debits.iter().map(move |line| (line, true));
        credits.chain(debits).map(move |(line, debit)| JournalRow {
            journal,
            line,
            debit,
            tax_code_id: line
                .tax_code
                .as_deref()
                .and_then(|code| accounting.tax_code_by_code_or_id(code))
                .map(|t| t.id),
        })
    })
}

/// `GET /accounting-service/currency-search` (documented columns; the hand-written cassette's
/// rows agree).
pub static CURRENCY_SEARCH: Catalogue = Catalogue {
    name: "currency-search",
    columns: &[
        Column::new("id", DataType::IdSet),
        Column::new("title", DataType::String),
        Column::new("code", DataType::String),
        Column::new("symbol", DataType::String),
        Column::new("exchangeRate", DataType::String),
        Column::new("isDefault", DataType::Boolean),
        Column::new("exchangeRateVarianceNominalCode", DataType::String),
    ],
    extra_filters: &[],
};

impl Record for Currency {
    fn cell(&self, column: usize) -> Cell<'_> {
        match column {
            0 => Cell::from(self.id),
            1 => Cell::text(self.title.as_str()),
            2 => Cell::text(self.code.as_str()),
            3 => Cell::text(self.symbol.as_str()),
            4 => Cell::Money(self.exchange_rate.0, 6),
            5 => Cell::Bool(self.is_default),
            6 => opt_text(&self.exchange_rate_variance_nominal_code),
            _ => Cell::Null,
        }
    }
}

/// The currencies, for the search.
pub fn currency_rows(accounting: &super::Accounting) -> impl Iterator<Item = &Currency> {
    accounting.currencies.values()
}

/// `GET /accounting-service/nominal-code-search` (documented columns, default sort `code`).
pub static NOMINAL_CODE_SEARCH: Catalogue = Catalogue {
    name: "nominal-code-search",
    columns: &[
        Column::new("code", DataType::SearchString),
        Column::new("name", DataType::SearchString),
        Column::new("type", DataType::IdSet),
        Column::new("bank", DataType::Boolean),
        Column::new("currencyId", DataType::IdSet),
        Column::new("active", DataType::Boolean),
    ],
    extra_filters: &[],
};

impl Record for NominalCode {
    fn cell(&self, column: usize) -> Cell<'_> {
        match column {
            0 => Cell::text(self.code.as_str()),
            1 => Cell::text(self.name.as_str()),
            2 => Cell::from(self.kind.id),
            3 => Cell::Bool(self.bank),
            4 => Cell::from(self.currency_id),
            5 => Cell::Bool(self.active),
            _ => Cell::Null,
        }
    }
}

/// The chart of accounts, for the search.
pub fn nominal_code_rows(accounting: &super::Accounting) -> impl Iterator<Item = &NominalCode> {
    accounting.nominal_codes.values()
}

/// `GET /accounting-service/payment-method-search` (INFERRED columns: the GET's scalar keys).
pub static PAYMENT_METHOD_SEARCH: Catalogue = Catalogue {
    name: "payment-method-search",
    columns: &[
        Column::new("id", DataType::IdSet),
        Column::new("code", DataType::String),
        Column::new("name", DataType::SearchString),
        Column::new("isActive", DataType::Boolean),
        Column::new("installedIntegrationId", DataType::Integer),
    ],
    extra_filters: &[],
};

impl Record for PaymentMethod {
    fn cell(&self, column: usize) -> Cell<'_> {
        match column {
            0 => Cell::from(self.id),
            1 => Cell::text(self.code.as_str()),
            2 => Cell::text(self.name.as_str()),
            3 => Cell::Bool(self.is_active),
            4 => self
                .installed_integration_id
                .parse::<i64>()
                .map_or(Cell::Null, Cell::Int),
            _ => Cell::Null,
        }
    }
}

/// The payment methods, for the search.
pub fn payment_method_rows(accounting: &super::Accounting) -> impl Iterator<Item = &PaymentMethod> {
    accounting.payment_methods.values()
}

/// A text cell, `null` when absent (search rows carry literal nulls).
fn opt_text(value: &Option<String>) -> Cell<'_> {
    value
        .as_deref()
        .map_or(Cell::Null, |s| Cell::Text(Cow::Borrowed(s)))
}

/// An id cell, `null` for 0 (no such link).
fn id_or_null(id: u64) -> Cell<'static> {
    if id == 0 { Cell::Null } else { Cell::from(id) }
}
