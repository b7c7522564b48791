//! Journals: one amount posted from one nominal code to another (a balanced two-line general
//! journal, `POST /accounting-service/journal-entry`); journals are not changed once posted.

use super::fields::{Fields, money_text, same_instant};
use super::{
    cached_list, cell_id, cell_text, check_find_key, create_all, describe, find_value, search_each,
    stored_ref, write_id,
};
use crate::flows::adapters::{AdapterError, AdapterResult, Row, Write};
use crate::flows::brightpearl::call_error;
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::{IdSet, MAX_IDS_PER_GET};
use ferry_brightpearl::model::accounting::Currency;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::str::FromStr;

/// The longest `journalRef` Ferry sends.
const MAX_JOURNAL_REF: usize = 64;
/// The journal type Ferry posts: a general journal.
const JOURNAL_TYPE: &str = "JJ";

/// The journal write fields.
const JOURNAL_FIELDS: &[&str] = &[
    "journalRef",
    "date",
    "currency",
    "currencyId",
    "exchangeRate",
    "description",
    "debitNominal",
    "creditNominal",
    "amount",
];

/// A checked journal.
struct Journal {
    journal_ref: Option<String>,
    date: String,
    currency_id: u64,
    exchange_rate: Option<Decimal>,
    description: Option<String>,
    debit: String,
    credit: String,
    amount: Decimal,
}

/// Reads and checks one write (the currency against the account's currencies).
fn journal(write: &Write, currencies: &[Currency], what: &str) -> AdapterResult<Journal> {
    let fields = Fields::top(&write.fields, what);
    fields.check_known(JOURNAL_FIELDS)?;
    let currency_id = match (fields.id("currencyId")?, fields.text("currency")?) {
        (Some(id), _) => id,
        (None, Some(code)) => currencies
            .iter()
            .find(|c| c.code.trim().eq_ignore_ascii_case(&code))
            .map(|c| c.id)
            .ok_or_else(|| {
                let known: Vec<&str> = currencies.iter().map(|c| c.code.as_str()).collect();
                fields.error(
                    "currency",
                    format!(
                        "{code:?} is not a currency of this Brightpearl account (currencies: {}); \
                         map one of them",
                        known.join(", ")
                    ),
                )
            })?,
        (None, None) => currencies
            .iter()
            .find(|c| c.is_default)
            .map(|c| c.id)
            .ok_or_else(|| {
                fields.error(
                    "currency",
                    "the account has no base currency to default to; map currency or currencyId",
                )
            })?,
    };
    let exchange_rate = fields.decimal("exchangeRate", 6)?;
    if exchange_rate.is_some_and(|r| r <= Decimal::ZERO) {
        return Err(fields.error("exchangeRate", "must be greater than 0"));
    }
    let amount = fields
        .decimal("amount", 2)?
        .ok_or_else(|| fields.error("amount", "is required; map the amount as decimal text"))?;
    if amount <= Decimal::ZERO {
        return Err(fields.error(
            "amount",
            format!(
                "{amount} cannot be posted; map an amount greater than 0 (swap debitNominal and \
                 creditNominal for the opposite direction)"
            ),
        ));
    }
    let journal_ref = match fields.short("journalRef", MAX_JOURNAL_REF)? {
        Some(reference) => Some(reference),
        None => write
            .marker
            .as_deref()
            .map(|m| stored_ref(m, MAX_JOURNAL_REF)),
    };
    let date = fields.date("date")?.ok_or_else(|| {
        fields.error(
            "date",
            "is required: the journal's accounting date, e.g. \"2026-04-17\"",
        )
    })?;
    Ok(Journal {
        journal_ref,
        date,
        currency_id,
        exchange_rate,
        description: fields.short("description", 255)?,
        debit: fields.required_text("debitNominal", 16, "map the nominal code debited")?,
        credit: fields.required_text("creditNominal", 16, "map the nominal code credited")?,
        amount,
    })
}

impl Journal {
    fn body(&self) -> Value {
        let mut body = json!({
            "journalTypeCode": JOURNAL_TYPE,
            "journalDate": self.date,
            "currencyId": self.currency_id,
            "credits": [{"nominalCode": self.credit, "transactionAmount": money_text(self.amount)}],
            "debits": [{"nominalCode": self.debit, "transactionAmount": money_text(self.amount)}],
        });
        if let Value::Object(map) = &mut body {
            if let Some(rate) = self.exchange_rate {
                map.insert("exchangeRate".into(), money_text(rate));
            }
            if let Some(description) = &self.description {
                map.insert("description".into(), Value::from(description.clone()));
            }
            if let Some(reference) = &self.journal_ref {
                map.insert("journalRef".into(), Value::from(reference.clone()));
            }
        }
        body
    }

    /// How `self` differs from the journal as `GET /accounting-service/journal` shows it.
    fn differences(&self, current: &Value, written: &Map<String, Value>) -> Vec<String> {
        let text = |pointer: &str| match current.pointer(pointer) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let mut out = Vec::new();
        let mut differ = |field: &str, now: String, wanted: String| {
            out.push(format!(
                "{field} is {now:?} in Brightpearl and the flow wants {wanted:?}"
            ));
        };
        if !same_instant(&text("/journalDate"), &self.date) {
            differ("date", text("/journalDate"), self.date.clone());
        }
        if written.contains_key("currency") || written.contains_key("currencyId") {
            let now = current.get("currencyId").and_then(Value::as_u64);
            if now != Some(self.currency_id) {
                differ(
                    "currencyId",
                    text("/currencyId"),
                    self.currency_id.to_string(),
                );
            }
        }
        if Decimal::from_str(text("/credits/0/transactionAmount").trim()).ok() != Some(self.amount)
        {
            differ(
                "amount",
                text("/credits/0/transactionAmount"),
                self.amount.to_string(),
            );
        }
        for (field, pointer, wanted) in [
            ("debitNominal", "/debits/0/nominalCode", &self.debit),
            ("creditNominal", "/credits/0/nominalCode", &self.credit),
        ] {
            if text(pointer) != *wanted {
                differ(field, text(pointer), wanted.clone());
            }
        }
        for (field, pointer, wanted) in [
            ("description", "/description", &self.description),
            ("journalRef", "/journalRef", &self.journal_ref),
        ] {
            if written.contains_key(field) && text(pointer) != wanted.clone().unwrap_or_default() {
                differ(field, text(pointer), wanted.clone().unwrap_or_default());
            }
        }
        if let Some(rate) = self.exchange_rate
            && Decimal::from_str(text("/exchangeRate").trim()).ok() != Some(rate)
        {
            differ("exchangeRate", text("/exchangeRate"), rate.to_string());
        }
        out
    }
}

/// Writes journals: updates are checked against the journals as they are (one GET), creates
/// looked up by `journalRef` (one search per reference) and the rest posted.
pub(super) async fn write(
    client: &Client,
    writes: &[Write],
    fresh: &[bool],
) -> Vec<AdapterResult<String>> {
    let currencies = cached_list(client, "currency", || client.currencies()).await;
    let mut results: Vec<Option<AdapterResult<String>>> = vec![None; writes.len()];
    let mut updates: Vec<(usize, u64, Journal)> = Vec::new();
    let mut creates: Vec<(usize, Journal)> = Vec::new();
    for (i, write) in writes.iter().enumerate() {
        let what = describe("journal", write);
        let checked = currencies
            .clone()
            .and_then(|list| journal(write, &list, &what))
            .and_then(|j| match &write.id {
                Some(id) => write_id(id, &what).map(|id| updates.push((i, id, j))),
                None => {
                    creates.push((i, j));
                    Ok(())
                }
            });
        if let Err(e) = checked {
            results[i] = Some(Err(e));
        }
    }
    if !updates.is_empty() {
        let ids: IdSet = updates.iter().map(|(_, id, _)| *id).collect();
        match client
            .get_many::<Value>("/accounting-service/journal", &ids, MAX_IDS_PER_GET)
            .await
        {
            Err(e) => {
                let e = call_error(e, "the read of journals being written");
                for (i, _, _) in &updates {
                    results[*i] = Some(Err(e.clone()));
                }
            }
            Ok(found) => {
                let by_id: HashMap<u64, &Value> = found
                    .iter()
                    .filter_map(|j| Some((j.get("id")?.as_u64()?, j)))
                    .collect();
                for (i, id, wanted) in &updates {
                    let what = describe("journal", &writes[*i]);
                    results[*i] = Some(match by_id.get(id) {
                        None => Err(AdapterError::permanent(
                            "BP_NOT_FOUND",
                            format!(
                                "{what} no longer exists in Brightpearl; unlink the record (or \
                                 let the flow post it again) and retry"
                            ),
                        )),
                        Some(current) => {
                            let differences = wanted.differences(current, &writes[*i].fields);
                            if differences.is_empty() {
                                Ok(id.to_string())
                            } else {
                                Err(AdapterError::permanent(
                                    "BP_JOURNAL_IMMUTABLE",
                                    format!(
                                        "{what}: Brightpearl journals cannot be changed once \
                                         posted, and {}. Post a reversing journal in \
                                         Brightpearl, unlink the record, and retry it to post \
                                         the corrected journal",
                                        differences.join("; ")
                                    ),
                                ))
                            }
                        }
                    });
                }
            }
        }
    }
    if !creates.is_empty() {
        // A fresh create (no earlier attempt recorded) cannot have been posted yet.
        let mut references: Vec<&str> = creates
            .iter()
            .filter(|(i, _)| !fresh.get(*i).copied().unwrap_or(false))
            .filter_map(|(_, j)| j.journal_ref.as_deref())
            .collect();
        references.sort_unstable();
        references.dedup();
        let found = search_each(
            client,
            "accounting-service/journal-search",
            references
                .iter()
                .map(|r| vec![("journalRef", (*r).to_owned())])
                .collect(),
            &["journalId", "journalRef"],
            "the search for journals already posted",
        )
        .await;
        match found {
            Err(e) => {
                for (i, _) in &creates {
                    results[*i] = Some(Err(e.clone()));
                }
            }
            Ok(rows) => {
                let mut posted: HashMap<String, u64> = HashMap::new();
                for row in &rows {
                    if let (Some(id), Some(reference)) =
                        (cell_id(row, "journalId"), cell_text(row, "journalRef"))
                    {
                        let entry = posted.entry(reference).or_insert(id);
                        *entry = (*entry).min(id);
                    }
                }
                let mut first_of: HashMap<&str, usize> = HashMap::new();
                let mut same_as = Vec::new();
                let mut to_send = Vec::new();
                for (i, journal) in &creates {
                    if let Some(reference) = journal.journal_ref.as_deref() {
                        if let Some(id) = posted.get(reference) {
                            results[*i] = Some(Ok(id.to_string()));
                            continue;
                        }
                        if let Some(first) = first_of.get(reference) {
                            same_as.push((*i, *first));
                            continue;
                        }
                        first_of.insert(reference, *i);
                    }
                    to_send.push((*i, journal.body()));
                }
                let sent = create_all(
                    client,
                    to_send
                        .iter()
                        .map(|(i, body)| {
                            (
                                "/accounting-service/journal-entry",
                                body.clone(),
                                describe("journal", &writes[*i]),
                            )
                        })
                        .collect(),
                )
                .await;
                for ((i, _), result) in to_send.iter().zip(sent) {
                    results[*i] = Some(result.map(|id| id.to_string()));
                }
                for (i, first) in same_as {
                    results[i] = results[first].clone();
                }
            }
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

/// Finds journals by `journalRef` (one search per value; a journal's lines come back as one
/// row).
pub(super) async fn find(
    client: &Client,
    by: &[String],
    values: &[Vec<Value>],
) -> AdapterResult<Vec<Row>> {
    check_find_key("journal", by, &["journalRef"])?;
    let searches = values
        .iter()
        .filter_map(|tuple| find_value(tuple))
        .map(|value| vec![("journalRef", stored_ref(&value, MAX_JOURNAL_REF))])
        .collect();
    let rows = search_each(
        client,
        "accounting-service/journal-search",
        searches,
        &[
            "journalId",
            "journalType",
            "journalRef",
            "journalDate",
            "currencyId",
            "orderId",
            "contactId",
        ],
        "the journal lookup",
    )
    .await?;
    Ok(super::rows_by_id(rows, "journalId"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currencies() -> Vec<Currency> {
        serde_json::from_value(json!([
            {"id": 1, "code": "GBP", "isDefault": true},
            {"id": 2, "code": "USD", "isDefault": false}
        ]))
        .unwrap_or_default()
    }

    #[test]
    fn a_journal_is_two_balanced_lines() {
        let write = Write {
            id: None,
            upsert_key: None,
            fields: serde_json::from_value(json!({
                "date": "2026-04-17", "currency": "usd", "debitNominal": "1200",
                "creditNominal": "4000", "amount": "12.50"
            }))
            .unwrap_or_default(),
            marker: Some("ferry:fee:1".into()),
        };
        let body = journal(&write, &currencies(), "x")
            .map(|j| j.body())
            .unwrap_or_default();
        assert_eq!(body["currencyId"], 2);
        assert_eq!(body["journalRef"], "ferry:fee:1");
        assert_eq!(body["debits"][0]["transactionAmount"], "12.5");
        assert_eq!(body["credits"][0]["nominalCode"], "4000");
        let mut bad = write.clone();
        bad.fields.insert("amount".into(), json!("1.005"));
        assert!(journal(&bad, &currencies(), "x").is_err());
    }
}
