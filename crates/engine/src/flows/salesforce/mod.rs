//! The Salesforce adapter of the flow runtime: [`SalesforceSource`] reads one object for a
//! flow's trigger, [`SalesforceTarget`] reads, finds and writes any object for its targets.
//!
//! **Row shape.** A [`Row`]'s `data` is the SOQL record as the REST API answers it, without
//! `attributes` (also inside parent records: `{"Email": .., "Account": {"Name": ..}}`); `id`
//! is the 18-character `Id`, `modified_at` the parsed `SystemModstamp`, `version` its text, and
//! `changed_by_ferry` whether `LastModifiedById` is the integration user (when the adapter was
//! told who that is).
//!
//! **Queries** are built with [`ferry_salesforce::soql`]: names are validated, values typed and
//! escaped, and long `IN` lists split so that each GET stays under Salesforce's URI limit.
//! Every call carries `Sforce-Call-Options: client=…` (the [`Client`] adds it), which is how
//! the change-data-capture source recognises and drops Ferry's own writes.
//!
//! **Writes** go through [`WritePlanner`], which picks single calls, sObject Collections or
//! Bulk API 2.0 and answers one outcome per record, in order.

mod read;
mod write;

use super::adapters::{AdapterError, AdapterResult, Row, Source, Target, Write};
use async_trait::async_trait;
use ferry_core::{System, Timestamp};
use ferry_salesforce::Client;
use ferry_salesforce::soql::Ident;
use ferry_salesforce::write::{WriteOptions, WritePlanner};
use read::Reader;
use serde_json::Value;

/// Reads one Salesforce object as a flow's source.
#[derive(Debug, Clone)]
pub struct SalesforceSource {
    reader: Reader,
    object: String,
}

impl SalesforceSource {
    /// A source reading `object` (`Contact`, `Product2`) through `client`. Refuses a name
    /// that is not a Salesforce API name.
    pub fn new(client: Client, object: &str) -> Result<Self, AdapterError> {
        Ident::object(object).map_err(|e| {
            AdapterError::permanent(
                "SF_INVALID_OBJECT",
                format!("the flow's source object is refused: {e}"),
            )
        })?;
        Ok(Self {
            reader: Reader::new(client),
            object: object.to_owned(),
        })
    }

    /// Tells the source the integration user's id, so that rows say whether Ferry made
    /// their last change (`changed_by_ferry`); `None` leaves it unknown.
    pub fn with_integration_user(mut self, user_id: Option<String>) -> Self {
        self.reader.set_integration_user(user_id);
        self
    }
}

#[async_trait]
impl Source for SalesforceSource {
    fn system(&self) -> System {
        System::Salesforce
    }

    fn object(&self) -> &str {
        &self.object
    }

    async fn read(&self, ids: &[String], fields: &[String]) -> AdapterResult<Vec<Row>> {
        self.reader.read(&self.object, ids, fields).await
    }

    async fn scan(
        &self,
        after: Option<&str>,
        limit: usize,
        fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        self.reader.scan(&self.object, after, limit, fields).await
    }

    async fn changed_since(&self, since: Timestamp) -> AdapterResult<Vec<(String, Timestamp)>> {
        self.reader.changed_since(&self.object, since).await
    }
}

/// Writes (and reads back) records of any Salesforce object for a flow's targets.
#[derive(Debug, Clone)]
pub struct SalesforceTarget {
    reader: Reader,
    planner: WritePlanner,
}

impl SalesforceTarget {
    /// A target writing through `client` with the planner's `options`.
    pub fn new(client: Client, options: WriteOptions) -> Self {
        Self {
            reader: Reader::new(client.clone()),
            planner: WritePlanner::new(client, options),
        }
    }

    /// Tells the target the integration user's id (see
    /// [`SalesforceSource::with_integration_user`]).
    pub fn with_integration_user(mut self, user_id: Option<String>) -> Self {
        self.reader.set_integration_user(user_id);
        self
    }
}

#[async_trait]
impl Target for SalesforceTarget {
    fn system(&self) -> System {
        System::Salesforce
    }

    async fn read(
        &self,
        object: &str,
        ids: &[String],
        fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        self.reader.read(object, ids, fields).await
    }

    async fn find(
        &self,
        object: &str,
        by: &[String],
        values: &[Vec<Value>],
        fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        self.reader.find(object, by, values, fields).await
    }

    async fn write(&self, object: &str, writes: &[Write]) -> Vec<AdapterResult<String>> {
        write::write(&self.planner, object, writes).await
    }

    async fn reference(&self) -> AdapterResult<Value> {
        self.reader.price_books().await
    }
}
