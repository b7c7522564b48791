//! Records from the console: find them by an SKU, an email or an order number, read the one a
//! dead letter is about, and correct it in its own system before a retry (edit-and-retry).

use super::{Console, ConsoleError, ErrorKind};
use crate::flows::adapters::{AdapterError, Write};
use ferry_core::System;
use ferry_store::NewAuditEntry;
use serde_json::{Map, Value, json};

/// A record a search found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FoundRecord {
    /// Its system.
    pub system: System,
    /// Its object (`Contact`, `contact`, `Product2`, `product`, `Order`).
    pub object: String,
    /// Its id there (what the trace is searched by).
    pub id: String,
    /// How it was found (`Email = ann@example.com`).
    pub label: String,
}

/// Where a search looks: (system, object, field, what the query must look like).
const SEARCHES: &[(System, &str, &str, Shape)] = &[
    (System::Salesforce, "Contact", "Email", Shape::Email),
    (System::Brightpearl, "contact", "email", Shape::Email),
    (System::Salesforce, "Product2", "ProductCode", Shape::Code),
    (System::Brightpearl, "product", "SKU", Shape::Code),
    (System::Salesforce, "Order", "OrderNumber", Shape::Code),
    (System::Salesforce, "Order", "ExternalID__c", Shape::Code),
    (
        System::Salesforce,
        "Opportunity",
        "BrightpearlOrderRef__c",
        Shape::Code,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Has an `@`.
    Email,
    /// No `@`, no spaces: an SKU, an order number or reference.
    Code,
}

impl Console {
    /// Records whose email, SKU or order number is `query`, in both systems (each search is
    /// one call; a system that does not answer is skipped with a warning, the other's finds
    /// still shown). Ids are not searched here: the trace finds those in the store.
    pub async fn find(&self, query: &str) -> Result<Vec<FoundRecord>, ConsoleError> {
        let query = query.trim();
        if query.is_empty() || query.len() > 200 {
            return Err(ConsoleError::new(
                ErrorKind::Invalid,
                "BAD_QUERY",
                "give an id, an SKU, an email address or an order number (at most 200 characters)",
            ));
        }
        let shape = if query.contains('@') {
            Shape::Email
        } else if query.contains(char::is_whitespace) {
            return Ok(Vec::new());
        } else {
            Shape::Code
        };
        let mut found = Vec::new();
        let mut failures = Vec::new();
        for (system, object, field, wanted) in SEARCHES {
            if *wanted != shape {
                continue;
            }
            let Ok(target) = self.adapters.target(*system) else {
                continue;
            };
            let by = [(*field).to_owned()];
            let values = [vec![Value::String(query.to_owned())]];
            match target.find(object, &by, &values, &[]).await {
                Ok(rows) => found.extend(rows.into_iter().map(|row| FoundRecord {
                    system: *system,
                    object: (*object).to_owned(),
                    id: row.id,
                    label: format!("{object} {field} = {query}"),
                })),
                // Fields this org or adapter does not have (a custom field not installed).
                Err(e) if !e.transient => {
                    tracing::debug!(%system, %object, %field, error = %e, "search skipped");
                }
                Err(e) => failures.push(format!("{system}: {e}")),
            }
        }
        if found.is_empty() && !failures.is_empty() {
            return Err(ConsoleError::new(
                ErrorKind::Unavailable,
                "SEARCH_UNAVAILABLE",
                format!(
                    "the search could not ask {}; try again",
                    failures.join("; ")
                ),
            ));
        }
        found.dedup();
        Ok(found)
    }

    /// The record `id` of `flow`'s source as the flow reads it; `None` when it does not exist.
    pub async fn source_record(&self, flow: &str, id: &str) -> Result<Option<Value>, ConsoleError> {
        let running = self.flow(flow)?;
        let rows = running
            .source()
            .read(&[id.to_owned()], running.source_fields())
            .await
            .map_err(|e| unavailable(&running.spec().source.object, id, &e))?;
        Ok(rows.into_iter().next().map(|r| r.data))
    }

    /// The source fields a person may correct for a retry: the top-level fields the flow reads
    /// of a Salesforce source (written back with an update of the record). Brightpearl records
    /// are corrected in Brightpearl (their API shapes differ per resource); empty for them.
    pub fn editable_fields(&self, flow: &str) -> Result<Vec<String>, ConsoleError> {
        let running = self.flow(flow)?;
        if running.spec().source.system != System::Salesforce {
            return Ok(Vec::new());
        }
        let mut fields: Vec<String> = running
            .source_fields()
            .iter()
            .filter(|f| !f.contains('.') && !f.contains('[') && is_editable(f))
            .cloned()
            .collect();
        fields.sort();
        fields.dedup();
        Ok(fields)
    }

    /// Writes corrected values of `fields` to the source record `id` of `flow` in its own
    /// system (Salesforce), audited with the values before and after. The caller retries the
    /// record's dead letter next.
    pub async fn edit_source(
        &self,
        flow: &str,
        id: &str,
        fields: Map<String, Value>,
        actor: &str,
    ) -> Result<(), ConsoleError> {
        let running = self.flow(flow)?;
        let editable = self.editable_fields(flow)?;
        let object = running.spec().source.object.clone();
        if editable.is_empty() {
            return Err(ConsoleError::new(
                ErrorKind::Invalid,
                "NOT_EDITABLE",
                format!(
                    "flow {flow} reads {} {object} records, which Ferry does not edit: correct \
                     record {id} in {}, then retry it",
                    running.spec().source.system,
                    running.spec().source.system
                ),
            ));
        }
        if fields.is_empty() {
            return Err(ConsoleError::new(
                ErrorKind::Invalid,
                "NOTHING_TO_EDIT",
                format!("no field of {object} {id} was changed; change a value or just retry"),
            ));
        }
        for (field, value) in &fields {
            if !editable.contains(field) {
                return Err(ConsoleError::new(
                    ErrorKind::Invalid,
                    "FIELD_NOT_EDITABLE",
                    format!(
                        "{object} {id}: field {field} cannot be corrected here; the fields are {}",
                        editable.join(", ")
                    ),
                ));
            }
            if value.is_object() || value.is_array() {
                return Err(ConsoleError::new(
                    ErrorKind::Invalid,
                    "BAD_VALUE",
                    format!(
                        "{object} {id}: field {field} takes text, a number, true/false or null"
                    ),
                ));
            }
        }
        let before = self.source_record(flow, id).await?.ok_or_else(|| {
            ConsoleError::new(
                ErrorKind::NotFound,
                "RECORD_GONE",
                format!("{object} {id} no longer exists in Salesforce; discard its dead letter"),
            )
        })?;
        let writer = self
            .adapters
            .target(running.spec().source.system)
            .map_err(|e| ConsoleError::new(ErrorKind::Unavailable, "NO_CLIENT", e.message))?;
        let write = Write {
            id: Some(id.to_owned()),
            upsert_key: None,
            fields: fields.clone(),
            marker: None,
        };
        let result = writer.write(&object, &[write]).await.into_iter().next();
        match result {
            Some(Ok(_)) => {}
            Some(Err(e)) if !e.transient => {
                return Err(ConsoleError::new(
                    ErrorKind::Invalid,
                    "EDIT_REFUSED",
                    format!("Salesforce refused the correction of {object} {id}: {e}"),
                ));
            }
            Some(Err(e)) => return Err(unavailable(&object, id, &e)),
            None => {
                return Err(ConsoleError::new(
                    ErrorKind::Unavailable,
                    "EDIT_FAILED",
                    format!("the correction of {object} {id} gave no answer; try again"),
                ));
            }
        }
        let was: Map<String, Value> = fields
            .keys()
            .map(|f| (f.clone(), before.get(f).cloned().unwrap_or(Value::Null)))
            .collect();
        self.store
            .audit(&NewAuditEntry {
                tenant: self.tenant.clone(),
                actor: actor.to_owned(),
                action: "record.edit".to_owned(),
                subject: id.to_owned(),
                detail: json!({"flow": flow, "object": object, "before": was, "after": fields}),
            })
            .await
            .map_err(ConsoleError::store)?;
        Ok(())
    }
}

/// Fields Salesforce sets itself, never edited by hand.
fn is_editable(field: &str) -> bool {
    !matches!(
        field,
        "Id" | "SystemModstamp"
            | "LastModifiedById"
            | "LastModifiedDate"
            | "CreatedDate"
            | "CreatedById"
            | "IsDeleted"
            | "OrderNumber"
    )
}

fn unavailable(object: &str, id: &str, e: &AdapterError) -> ConsoleError {
    ConsoleError::new(
        ErrorKind::Unavailable,
        "SOURCE_UNAVAILABLE",
        format!("reading or writing {object} {id} failed: {e}; try again"),
    )
}
