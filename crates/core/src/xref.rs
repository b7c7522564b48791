//! Cross-reference links: which Salesforce record is which Brightpearl record.

use crate::{TenantId, Timestamp};
use serde::{Deserialize, Serialize};

/// Which way a write went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Brightpearl was the source, Salesforce the target.
    ToSalesforce,
    /// Salesforce was the source, Brightpearl the target.
    ToBrightpearl,
}

/// One link: (tenant, entity, Brightpearl id) ⇄ Salesforce id, with what was last written each way.
///
/// The store enforces that a Brightpearl id and a Salesforce id each belong to at most one link
/// per tenant and entity, so two workers can never link one record twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XrefLink {
    /// The connection pair.
    pub tenant: TenantId,
    /// The entity kind both records represent (`customer`, `product`, `order`, ...).
    pub entity: String,
    /// The Brightpearl id.
    pub brightpearl_id: String,
    /// The Salesforce id (18 characters).
    pub salesforce_id: String,
    /// Hash of the payload last written to Salesforce; an unchanged hash means "nothing to do".
    pub hash_to_salesforce: Option<String>,
    /// Hash of the payload last written to Brightpearl.
    pub hash_to_brightpearl: Option<String>,
    /// The Brightpearl record's version (its `updatedOn`) when last synced.
    pub brightpearl_version: Option<String>,
    /// The Salesforce record's version (its `SystemModstamp`) when last synced.
    pub salesforce_version: Option<String>,
    /// What the Salesforce side's fields held after the last sync towards Salesforce (JSON:
    /// target name → field → value): the base of the field-by-field three-way comparison.
    #[serde(default)]
    pub base_to_salesforce: Option<String>,
    /// The same for the Brightpearl side, after the last sync towards Brightpearl.
    #[serde(default)]
    pub base_to_brightpearl: Option<String>,
    /// When the link was last changed.
    pub updated_at: Timestamp,
}
