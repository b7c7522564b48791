//! Journals: double-entry postings to the chart of accounts. Payments post their own (a Sales
//! Receipt for a customer payment, a Purchase Payment for a supplier payment); POST
//! `/accounting-service/journal-entry` posts any other.
//!
//! The GET shape (`/accounting-service/journal/{idset}`) is INFERRED: the header fields the
//! journal-search columns name, then the lines split into `credits` and `debits`, each with
//! its amount in the journal's currency (`transactionAmount`) and in the base currency
//! (`baseAmount`). The journal-entry POST takes the same shape.

use super::{Account, Accounting, after, next_journal_row};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::wire::{Dec2, Dec6, Stamp, decimal, parse_time};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// One line of a journal: an amount posted to one nominal code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalLine {
    /// The line id (`journalRowId` in journal-search).
    pub id: u64,
    /// The nominal code posted to.
    pub nominal_code: String,
    /// The amount in the journal's currency.
    pub transaction_amount: Dec2,
    /// The amount in the base currency.
    pub base_amount: Dec2,
    /// The tax code of a taxable line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    /// A note on the line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// A journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Journal {
    /// The journal id.
    pub id: u64,
    /// `SR` sales receipt, `PP` purchase payment, `JJ` general journal, ...
    pub journal_type_code: String,
    /// What it records.
    #[serde(default)]
    pub description: String,
    /// The accounting date.
    pub journal_date: Stamp,
    /// When it falls due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Stamp>,
    /// When it was entered (`journalDateEntered`).
    pub created_on: Stamp,
    /// Who entered it (`createdContactId`).
    pub created_by_id: u64,
    /// The journal's currency.
    pub currency_id: u64,
    /// Units of that currency per unit of the base currency.
    pub exchange_rate: Dec6,
    /// The order it belongs to (0: none).
    #[serde(default)]
    pub order_id: u64,
    /// The customer or supplier (0: none).
    #[serde(default)]
    pub contact_id: u64,
    /// The invoice reference of the order.
    #[serde(default)]
    pub invoice_reference: String,
    /// Free reference (a payment's `journalRef`).
    #[serde(default)]
    pub journal_ref: String,
    /// The order's channel (0: none).
    #[serde(default)]
    pub channel_id: u64,
    /// The order's project (0: none).
    #[serde(default)]
    pub project_id: u64,
    /// The order's lead source (0: none).
    #[serde(default)]
    pub lead_source_id: u64,
    /// Lines credited.
    pub credits: Vec<JournalLine>,
    /// Lines debited.
    pub debits: Vec<JournalLine>,
}

/// The journal types a journal-entry POST accepts (INFERRED list of Brightpearl's codes):
/// general journal, bank payment/receipt/transfer, and the sales and purchase documents.
pub const JOURNAL_TYPES: &[&str] = &["JJ", "BP", "BR", "BT", "SI", "SC", "SR", "PI", "PC", "PP"];

/// What a journal posts, before ids are given out; validated by [`post`].
#[derive(Debug, Clone)]
pub(super) struct Draft {
    pub journal_type_code: String,
    pub description: String,
    pub journal_date_ms: i64,
    pub due_date_ms: Option<i64>,
    pub currency_id: u64,
    pub exchange_rate: Decimal,
    pub order_id: u64,
    pub contact_id: u64,
    pub invoice_reference: String,
    pub journal_ref: String,
    pub channel_id: u64,
    pub project_id: u64,
    pub lead_source_id: u64,
    pub credits: Vec<DraftLine>,
    pub debits: Vec<DraftLine>,
}

/// One line of a [`Draft`].
#[derive(Debug, Clone)]
pub(super) struct DraftLine {
    pub nominal_code: String,
    /// In the journal's currency.
    pub amount: Decimal,
    pub tax_code: Option<String>,
    pub description: String,
}

impl DraftLine {
    /// A plain line: `amount` posted to `nominal_code`.
    pub fn new(nominal_code: &str, amount: Decimal) -> DraftLine {
        DraftLine {
            nominal_code: nominal_code.to_string(),
            amount,
            tax_code: None,
            description: String::new(),
        }
    }
}

/// Checks a draft against the account: open period, known currency, active nominal codes,
/// positive amounts, credits equal to debits. The message names what to fix.
pub(super) fn check(accounting: &Accounting, draft: &Draft) -> Result<(), ApiError> {
    if accounting.period_at(draft.journal_date_ms).is_none() {
        return Err(ApiError::bad_request(
            "ACCC-020",
            "journalDate falls outside every open accounting period; GET /accounting-service/accounting-period lists them",
        ));
    }
    if accounting.currency(draft.currency_id).is_none() {
        return Err(ApiError::bad_request(
            "ACCC-012",
            format!(
                "currencyId {} is not a currency of this account; GET /accounting-service/currency-search lists them",
                draft.currency_id
            ),
        ));
    }
    if draft.exchange_rate <= Decimal::ZERO {
        return Err(ApiError::bad_request(
            "ACCC-012",
            format!(
                "exchangeRate must be greater than 0, not {}",
                draft.exchange_rate
            ),
        ));
    }
    if draft.credits.is_empty() || draft.debits.is_empty() {
        return Err(ApiError::bad_request(
            "ACCC-021",
            "A journal needs at least one credit line and one debit line",
        ));
    }
    for (side, lines) in [("credits", &draft.credits), ("debits", &draft.debits)] {
        for (index, line) in lines.iter().enumerate() {
            let (code, amount, tax_code) = (&line.nominal_code, &line.amount, &line.tax_code);
            match accounting.nominal_code(code) {
                None => {
                    return Err(ApiError::bad_request(
                        "ACCC-022",
                        format!(
                            "{side}[{index}].nominalCode {code:?} is not in the chart of accounts; GET /accounting-service/nominal-code lists it"
                        ),
                    ));
                }
                Some(n) if !n.active => {
                    return Err(ApiError::bad_request(
                        "ACCC-022",
                        format!(
                            "{side}[{index}].nominalCode {code} ({}) is inactive; post to an active account",
                            n.name
                        ),
                    ));
                }
                Some(_) => {}
            }
            if *amount <= Decimal::ZERO {
                return Err(ApiError::bad_request(
                    "ACCC-012",
                    format!(
                        "{side}[{index}].transactionAmount must be greater than 0, not {amount}"
                    ),
                ));
            }
            if let Some(tax) = tax_code
                && accounting.tax_code_by_code_or_id(tax).is_none()
            {
                return Err(ApiError::bad_request(
                    "ACCC-012",
                    format!("{side}[{index}].taxCode {tax:?} is not a tax code of this account"),
                ));
            }
        }
    }
    let total =
        |lines: &[DraftLine]| -> Decimal { lines.iter().map(|l| l.amount.round_dp(2)).sum() };
    let (credited, debited) = (total(&draft.credits), total(&draft.debits));
    if credited != debited {
        return Err(ApiError::bad_request(
            "ACCC-023",
            format!(
                "The journal does not balance: credits total {credited} but debits total {debited}"
            ),
        ));
    }
    Ok(())
}

/// Posts a checked draft: gives out the journal and line ids and stores the journal. Base
/// amounts are the transaction amounts divided by the rate, rounded to cents; a rounding
/// difference between the sides goes on the largest debit line so the journal balances in
/// both currencies.
pub(super) fn post(account: &mut Account, draft: Draft) -> u64 {
    let first = after(&account.accounting.journals);
    let id = account.next_id("journal", first);
    let offset = account.settings.offset_minutes;
    let to_base = |amount: Decimal| (amount / draft.exchange_rate).round_dp(2);
    let lines = |side: &[DraftLine], account: &mut Account| {
        side.iter()
            .map(|line| JournalLine {
                id: next_journal_row(account),
                nominal_code: line.nominal_code.clone(),
                transaction_amount: Dec2::new(line.amount),
                base_amount: Dec2::new(to_base(line.amount)),
                tax_code: line.tax_code.clone(),
                description: line.description.clone(),
            })
            .collect::<Vec<_>>()
    };
    let credits = lines(&draft.credits, account);
    let mut debits = lines(&draft.debits, account);
    let credited: Decimal = credits.iter().map(|l| l.base_amount.0).sum();
    let debited: Decimal = debits.iter().map(|l| l.base_amount.0).sum();
    if credited != debited
        && let Some(largest) = debits.iter_mut().max_by_key(|l| l.base_amount.0)
    {
        largest.base_amount = Dec2::new(largest.base_amount.0 + credited - debited);
    }
    let journal = Journal {
        id,
        journal_type_code: draft.journal_type_code,
        description: draft.description,
        journal_date: Stamp::new(draft.journal_date_ms, offset),
        due_date: draft.due_date_ms.map(|ms| Stamp::new(ms, offset)),
        created_on: account.now(),
        created_by_id: account.settings.api_staff_id,
        currency_id: draft.currency_id,
        exchange_rate: Dec6::new(draft.exchange_rate),
        order_id: draft.order_id,
        contact_id: draft.contact_id,
        invoice_reference: draft.invoice_reference,
        journal_ref: draft.journal_ref,
        channel_id: draft.channel_id,
        project_id: draft.project_id,
        lead_source_id: draft.lead_source_id,
        credits,
        debits,
    };
    account.accounting.journals.insert(id, journal);
    id
}

/// POST `/accounting-service/journal-entry`: validates and posts a journal (INFERRED body,
/// the GET shape without ids):
/// `{"journalTypeCode":"JJ","journalDate":"2026-01-31","currencyId":1,"exchangeRate":1,
///   "description":"…","credits":[{"nominalCode":"4000","transactionAmount":"10.00"}],
///   "debits":[{"nominalCode":"1200","transactionAmount":"10.00"}]}`.
/// Returns the journal id.
pub fn create_journal_entry(account: &mut Account, body: &Json) -> Result<u64, ApiError> {
    let Some(input) = body.as_object() else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: a journal entry is a JSON object",
        ));
    };
    let type_code = text(input, "journalTypeCode")?.unwrap_or_default();
    if type_code.is_empty() {
        return Err(ApiError::bad_request(
            "ACCC-010",
            format!(
                "journalTypeCode is required: one of {}",
                JOURNAL_TYPES.join(", ")
            ),
        ));
    }
    if !JOURNAL_TYPES.contains(&type_code.as_str()) {
        return Err(ApiError::bad_request(
            "ACCC-012",
            format!(
                "journalTypeCode {type_code:?} is not a journal type; use one of {}",
                JOURNAL_TYPES.join(", ")
            ),
        ));
    }
    let journal_date_ms = match text(input, "journalDate")? {
        None => {
            return Err(ApiError::bad_request(
                "ACCC-010",
                "journalDate is required, e.g. \"2026-01-31\"",
            ));
        }
        Some(date) => parse_time(&date).ok_or_else(|| {
            ApiError::bad_request(
                "ACCC-012",
                format!("journalDate {date:?} is not a date; send e.g. \"2026-01-31\""),
            )
        })?,
    };
    let due_date_ms = match text(input, "dueDate")? {
        None => None,
        Some(date) => Some(parse_time(&date).ok_or_else(|| {
            ApiError::bad_request(
                "ACCC-012",
                format!("dueDate {date:?} is not a date; send e.g. \"2026-02-28\""),
            )
        })?),
    };
    let Some(currency_id) = whole(input, "currencyId")? else {
        return Err(ApiError::bad_request(
            "ACCC-010",
            "currencyId is required; GET /accounting-service/currency-search lists the currencies",
        ));
    };
    let currency = account.accounting.currency(currency_id).cloned();
    let exchange_rate = match input.get("exchangeRate") {
        None | Some(Json::Null) => currency
            .as_ref()
            .map_or(Decimal::ONE, |c| c.exchange_rate.0),
        Some(value) => decimal(value).ok_or_else(|| {
            ApiError::bad_request(
                "ACCC-012",
                format!("exchangeRate must be a number, not {value}"),
            )
        })?,
    };
    if let Some(c) = &currency
        && c.is_default
        && exchange_rate != Decimal::ONE
    {
        return Err(ApiError::bad_request(
            "ACCC-012",
            format!(
                "currencyId {currency_id} is the base currency; its exchangeRate must be 1, not {exchange_rate}"
            ),
        ));
    }
    let draft = Draft {
        journal_type_code: type_code,
        description: text(input, "description")?.unwrap_or_default(),
        journal_date_ms,
        due_date_ms,
        currency_id,
        exchange_rate: exchange_rate.round_dp(6),
        order_id: whole(input, "orderId")?.unwrap_or(0),
        contact_id: whole(input, "contactId")?.unwrap_or(0),
        invoice_reference: text(input, "invoiceReference")?.unwrap_or_default(),
        journal_ref: text(input, "journalRef")?.unwrap_or_default(),
        channel_id: whole(input, "channelId")?.unwrap_or(0),
        project_id: whole(input, "projectId")?.unwrap_or(0),
        lead_source_id: whole(input, "leadSourceId")?.unwrap_or(0),
        credits: lines(input, "credits")?,
        debits: lines(input, "debits")?,
    };
    check(&account.accounting, &draft)?;
    Ok(post(account, draft))
}

/// An optional string field (numbers are taken as their text).
fn text(input: &Map<String, Json>, key: &str) -> Result<Option<String>, ApiError> {
    match input.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.trim().to_string())),
        Some(Json::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(ApiError::bad_request(
            "ACCC-012",
            format!("{key} must be a string, not {other}"),
        )),
    }
}

/// An optional whole-number field (ids).
fn whole(input: &Map<String, Json>, key: &str) -> Result<Option<u64>, ApiError> {
    match input.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "ACCC-012",
                    format!("{key} must be a whole number, not {value}"),
                )
            }),
    }
}

/// The `credits` or `debits` array of a journal-entry body.
fn lines(input: &Map<String, Json>, key: &str) -> Result<Vec<DraftLine>, ApiError> {
    let items = match input.get(key) {
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Array(items)) => items,
        Some(other) => {
            return Err(ApiError::bad_request(
                "ACCC-012",
                format!(
                    "{key} must be an array of {{\"nominalCode\",\"transactionAmount\"}} lines, not {other}"
                ),
            ));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Some(line) = item.as_object() else {
            return Err(ApiError::bad_request(
                "ACCC-012",
                format!("{key}[{index}] must be an object with nominalCode and transactionAmount"),
            ));
        };
        let Some(code) = text(line, "nominalCode")?.filter(|c| !c.is_empty()) else {
            return Err(ApiError::bad_request(
                "ACCC-010",
                format!("{key}[{index}].nominalCode is required, e.g. \"4000\""),
            ));
        };
        let amount = match line.get("transactionAmount") {
            None | Some(Json::Null) => {
                return Err(ApiError::bad_request(
                    "ACCC-010",
                    format!("{key}[{index}].transactionAmount is required, e.g. \"10.00\""),
                ));
            }
            Some(value) => decimal(value).ok_or_else(|| {
                ApiError::bad_request(
                    "ACCC-012",
                    format!("{key}[{index}].transactionAmount must be a number, not {value}"),
                )
            })?,
        };
        out.push(DraftLine {
            nominal_code: code,
            amount,
            tax_code: text(line, "taxCode")?.filter(|t| !t.is_empty()),
            description: text(line, "description")?.unwrap_or_default(),
        });
    }
    Ok(out)
}
