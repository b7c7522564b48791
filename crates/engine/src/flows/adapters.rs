//! The boundary between the declarative flow runtime and the two systems.
//!
//! The runtime (`flows::runtime`) knows flows as declarations and nothing about either API;
//! the adapters (`flows::brightpearl`, `flows::salesforce`) know their API and nothing about
//! flows. They meet in these types: a [`Row`] is a record as read (the mapping's `source`, or
//! a target's current state), a [`Write`] is one mapped record to write.
//!
//! Every method takes whole batches: one call of [`Source::read`] for a leased batch of 200
//! records is one Brightpearl id-set GET or one SOQL query, not 200.

use async_trait::async_trait;
use ferry_core::{Failure, System, Timestamp};
use serde_json::{Map, Value};

/// A record as one system returns it, flattened to JSON for the mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The record's id in its system (`207`, `001…` 18 characters).
    pub id: String,
    /// When the record last changed, as its system says (Brightpearl `updatedOn`, Salesforce
    /// `SystemModstamp`); ownership (`newest`) and polling compare these.
    pub modified_at: Option<Timestamp>,
    /// The system's own version text, kept in the cross-reference (`updatedOn` as sent,
    /// `SystemModstamp`).
    pub version: Option<String>,
    /// Whether the last change was Ferry's own (Salesforce `LastModifiedById` is the
    /// integration user); `None` when the system cannot tell.
    pub changed_by_ferry: Option<bool>,
    /// The record: a JSON object (see each adapter's documentation for its shape).
    pub data: Value,
}

/// One record to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// Update this existing record (known from the cross-reference, a key lookup or a match).
    pub id: Option<String>,
    /// Salesforce: upsert by this external-id field and value when `id` is `None`.
    pub upsert_key: Option<(String, Value)>,
    /// The fields to set (target field name → JSON value; `null` clears the field).
    pub fields: Map<String, Value>,
    /// Brightpearl creates: Ferry's idempotency marker, stored on the record (contacts and
    /// products keep it where the adapter documents), so a create retried after a crash finds
    /// the record it made instead of making a second one.
    pub marker: Option<String>,
}

/// What one adapter call failed with, for the runtime to settle the work item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AdapterError {
    /// Retry later (throttling, outage, lock) or hold (the record itself is refused).
    pub transient: bool,
    /// Stable code: the API's (`SF_REQUIRED_FIELD_MISSING`, `BP_CMNC-018`) or Ferry's.
    pub code: String,
    /// What happened, naming the record and field, and what to do next.
    pub message: String,
}

impl AdapterError {
    /// A failure worth retrying.
    pub fn transient(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            transient: true,
            code: code.into(),
            message: message.into(),
        }
    }

    /// A failure that retrying will not fix.
    pub fn permanent(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            transient: false,
            code: code.into(),
            message: message.into(),
        }
    }

    /// The queue's failure for this error.
    pub fn to_failure(&self) -> Failure {
        if self.transient {
            Failure::transient(self.code.clone(), self.message.clone())
        } else {
            Failure::permanent(self.code.clone(), self.message.clone())
        }
    }
}

impl From<ferry_http::Error> for AdapterError {
    fn from(error: ferry_http::Error) -> Self {
        Self {
            transient: error.is_transient(),
            code: error.code().to_string(),
            message: error.to_string(),
        }
    }
}

/// Results of adapter calls.
pub type AdapterResult<T> = Result<T, AdapterError>;

/// Reads one source object of one system.
#[async_trait]
pub trait Source: Send + Sync {
    /// The system.
    fn system(&self) -> System;

    /// The object (`contact`, `product`, `product-availability`, `Contact`, `Product2`).
    fn object(&self) -> &str;

    /// The current records with these ids, in any order; an id missing from the answer does
    /// not exist (deleted). `fields` are the paths the mapping reads under `source.`
    /// (`Email`, `Account.Name`); Salesforce selects exactly them (plus `Id`,
    /// `SystemModstamp`, `LastModifiedById`), Brightpearl reads whole records.
    async fn read(&self, ids: &[String], fields: &[String]) -> AdapterResult<Vec<Row>>;

    /// One page of every record, in ascending id order, starting after `after` (initial
    /// load, reconciliation): at most `limit` rows; fewer means the end.
    async fn scan(
        &self,
        after: Option<&str>,
        limit: usize,
        fields: &[String],
    ) -> AdapterResult<Vec<Row>>;

    /// Ids of the records changed at or after `since`, with their change times (the polling
    /// safety net), oldest first.
    async fn changed_since(&self, since: Timestamp) -> AdapterResult<Vec<(String, Timestamp)>>;

    /// Reference data the mapping reads as `ref.*` (Brightpearl: `rates` = currency code →
    /// rate against the base currency as decimal text, `base_currency`, `price_lists` = id →
    /// `{code, currency}`, `warehouses` = id → name). Cached by the runtime for minutes.
    async fn reference(&self) -> AdapterResult<Value> {
        Ok(Value::Object(Map::new()))
    }
}

/// Writes (and reads back) records of one target system.
#[async_trait]
pub trait Target: Send + Sync {
    /// The system.
    fn system(&self) -> System;

    /// The current records of `object` with these ids (fields as in [`Source::read`]);
    /// missing ids do not exist.
    async fn read(
        &self,
        object: &str,
        ids: &[String],
        fields: &[String],
    ) -> AdapterResult<Vec<Row>>;

    /// The records of `object` whose fields `by` equal one of the `values` tuples (key lookups
    /// and duplicate detection; one or a few calls for the whole batch). Salesforce compares
    /// as SOQL `=` does (case-insensitive for text); the runtime normalises before deciding.
    /// Brightpearl supports `contact` by `email`, and by `lastName` + `postalCode`; `product`
    /// by `SKU`.
    async fn find(
        &self,
        object: &str,
        by: &[String],
        values: &[Vec<Value>],
        fields: &[String],
    ) -> AdapterResult<Vec<Row>>;

    /// Writes a batch of records of `object`; one result per write, in order: the id of the
    /// record written (created or updated).
    async fn write(&self, object: &str, writes: &[Write]) -> Vec<AdapterResult<String>>;

    /// [`Target::write`], told which creates are *fresh*: Ferry's ledger holds no earlier
    /// attempt to create them (no intent was recorded for their marker), so no record can
    /// carry their marker yet and the adapter may skip looking it up — the lookup that makes a
    /// retried create idempotent is then paid only by records whose earlier attempt may have
    /// succeeded (a crash between the create and the link). `fresh` has one entry per write.
    async fn write_fresh(
        &self,
        object: &str,
        writes: &[Write],
        fresh: &[bool],
    ) -> Vec<AdapterResult<String>> {
        let _ = fresh;
        self.write(object, writes).await
    }

    /// Reference data the mapping reads as `ref.*` (Salesforce: `pricebooks` = name → id,
    /// `standard_pricebook` = the standard price book's id).
    async fn reference(&self) -> AdapterResult<Value> {
        Ok(Value::Object(Map::new()))
    }
}
