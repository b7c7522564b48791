//! Flows as declarations.
//!
//! A flow file (TOML) says what triggers the flow, which records it writes where and how their
//! fields are computed, what must hold before a write, who owns each field when both sides
//! change, and what is written back to the source. The engine interprets it; nothing in a
//! flow file is code. Ferry ships default flows (`crates/engine/flows/*.toml`); a user changes
//! any of them, or adds their own, through `ferry.toml`'s `[flows]` section.
//!
//! ```toml
//! name = "customers_to_salesforce"
//! entity = "customer"
//! [source]
//! system = "brightpearl"
//! object = "contact"
//! [[targets]]
//! name = "account"
//! object = "Account"
//! key = ["ExternalID__c"]
//! [targets.fields]
//! ExternalID__c = "source.contactId | string"
//! Name = "join_name(source.firstName, source.lastName)"
//! ```

use ferry_core::System;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One flow, as declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// The flow's name (a valid `FlowName`: lowercase letters, digits, `_`, `-`).
    pub name: String,
    /// One sentence for people.
    #[serde(default)]
    pub description: String,
    /// Whether the flow runs. `ferry.toml`'s `[flows] enabled`/`disabled` lists override it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The entity both sides' records represent (`customer`, `product`, `inventory`): the
    /// cross-reference namespace of the first target. Two flows in opposite directions over the
    /// same records (customers both ways) name the same entity, so they share their links.
    pub entity: String,
    /// What triggers the flow and how the source record is read.
    pub source: SourceSpec,
    /// Settings the expressions read as `vars.NAME` (the individual-customer rule, the
    /// warehouses to sum, the price list of the standard price book ...).
    #[serde(default)]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// Lookup tables the expressions read through `lookup("table", key, default)`.
    #[serde(default)]
    pub tables: BTreeMap<String, BTreeMap<String, String>>,
    /// The records written for each source record, in order: a later target may use what an
    /// earlier one wrote (`targets.account.Id`).
    pub targets: Vec<TargetSpec>,
    /// Who owns each target field when both systems change it.
    #[serde(default)]
    pub ownership: OwnershipSpec,
    /// Fields written back to the source record after a successful write.
    #[serde(default)]
    pub write_back: BTreeMap<String, String>,
    /// Flows whose records this one needs first (inventory needs products): a record whose
    /// dependency is not linked yet waits, with the reason, and is retried.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Records the targets need, looked up before mapping (the customer's Account, the
    /// Brightpearl product of each SKU, the lines of an Opportunity): one batched lookup per
    /// entry per batch, read by the expressions as `lookups.NAME[key]`.
    #[serde(default)]
    pub lookups: Vec<LookupSpec>,
    /// Other flows to run for related records after a successful sync (a shipment refreshes
    /// its order's status).
    #[serde(default)]
    pub notify: Vec<NotifySpec>,
    /// Source fields that show the sync's result where users look (Salesforce sources).
    #[serde(default)]
    pub status: StatusSpec,
}

/// A batched lookup of records a flow's targets need.
///
/// ```toml
/// [[lookups]]
/// name = "products"            # read as lookups.products[sku]
/// system = "brightpearl"       # default: the flow's target system
/// object = "product"
/// by = ["sku"]
/// values = "lookups.lines[source.Id] | map(attribute='Product2.ProductCode') | list"
/// missing = "fail"
/// message = "a product of this Opportunity is not in Brightpearl"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupSpec {
    /// The name the expressions read it by (`lookups.NAME`).
    pub name: String,
    /// The system to look in; the flow's target system when omitted (the other one than the
    /// source's).
    #[serde(default)]
    pub system: Option<System>,
    /// The object to look in (`Contact`, `OpportunityLineItem`, Brightpearl `product`).
    pub object: String,
    /// The fields compared with the values (one field, or several for a tuple).
    pub by: Vec<String>,
    /// An expression giving the values to look up for one source record: a value, a list of
    /// values, or (several `by` fields) a list of lists. Earlier lookups are readable.
    pub values: String,
    /// Fields of the found records the expressions read (Salesforce selects exactly these,
    /// plus `Id`; relationship paths such as `Product2.ProductCode` work).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Each key gives the list of every record found (an Opportunity's lines), not one.
    #[serde(default)]
    pub many: bool,
    /// What a value that finds nothing does to the source record.
    #[serde(default)]
    pub missing: Missing,
    /// What to tell the operator when a value finds nothing (the key is appended).
    #[serde(default)]
    pub message: Option<String>,
    /// Ask another flow to create what is missing, then wait for it.
    #[serde(default)]
    pub ensure: Option<EnsureSpec>,
    /// A condition over `found` (one found record) it must meet to count (a Contact already
    /// linked to Brightpearl: `found.ExternalID__c`); the others are as if not found.
    #[serde(default)]
    pub require: Option<String>,
}

/// What a lookup that finds nothing does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Nothing: the expressions see no entry for that key.
    #[default]
    Ignore,
    /// The record waits (`DEPENDENCY_MISSING`, retried with backoff, visible in the queue with
    /// the reason): the dependency is expected to arrive.
    Wait,
    /// The record is held for review (a dead letter with the message): a person must act.
    Fail,
}

/// Another flow asked to create a missing dependency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsureSpec {
    /// The flow that creates it (`customers_to_salesforce`).
    pub flow: String,
    /// An expression giving the id (or ids) of that flow's source records to run.
    pub ids: String,
}

/// Another flow to run for related records after a successful sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySpec {
    /// The flow to run.
    pub flow: String,
    /// An expression giving the id (or ids) of that flow's source records.
    pub ids: String,
}

/// Source fields that show each record's sync result (empty: none). Ferry writes them only
/// when something changed: the time after a write, the error when it differs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    /// A date-time field set to the time of the last successful write (`FerrySyncedAt__c`).
    #[serde(default)]
    pub synced_at: Option<String>,
    /// A text field holding the last error, or the reason the record waits; cleared after a
    /// success (`FerryError__c`).
    #[serde(default)]
    pub error: Option<String>,
}

fn yes() -> bool {
    true
}

/// What triggers a flow and how its source record is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The system the changes come from.
    pub system: System,
    /// The source object the engine knows how to read: Brightpearl `contact`, `product`,
    /// `product-availability`; any Salesforce object (`Contact`, `Account`, `Product2`).
    pub object: String,
    /// Event filter: Brightpearl webhook events (`product.modified.on-hand-modified`) or
    /// Salesforce change types (`CREATE`, `UPDATE`, `DELETE`, `UNDELETE`). Empty: all.
    #[serde(default)]
    pub events: Vec<String>,
    /// A condition on the current source record; records for which it is false are skipped
    /// (counted, not errors). Example: `source.Email` (contacts without an email stay out).
    #[serde(default)]
    pub when: Option<String>,
    /// The polling safety net's period in seconds (0: no polling). Brightpearl resources
    /// without webhook events (contacts) rely on it.
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: u64,
    /// Extra source fields to read beyond those the expressions name (Salesforce only).
    #[serde(default)]
    pub fields: Vec<String>,
}

fn default_poll_seconds() -> u64 {
    60
}

/// How a target record is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    /// Create it if it does not exist (after the match rules found nothing), else update it.
    #[default]
    Upsert,
    /// Update it only if it exists (linked, found by key or by a match rule); a record whose
    /// target does not exist yet waits for its dependency (inventory waits for its product).
    Update,
    /// Create it once; never update it afterwards (a Brightpearl order made from an
    /// Opportunity: the ERP owns the order from then on).
    Create,
}

/// One record written per source record (or one per element of `each`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// The target's name inside the flow (`account`, `contact`, `standard_price`).
    pub name: String,
    /// The target system; the other one than the source's when omitted.
    #[serde(default)]
    pub system: Option<System>,
    /// The target object (`Account`, `PricebookEntry`, Brightpearl `contact`, `product`).
    pub object: String,
    /// The fields that identify the record in the target. One Salesforce external-id field
    /// (`["ExternalID__c"]`) is an upsert by that field; several fields
    /// (`["Pricebook2Id", "Product2Id"]`) are looked up, then updated by id or created.
    /// Brightpearl targets are identified by the cross-reference and Ferry's marker instead.
    #[serde(default)]
    pub key: Vec<String>,
    /// Create-or-update, or update only.
    #[serde(default)]
    pub mode: WriteMode,
    /// A condition: the target is written only when it is true (a business Account only for
    /// contacts with an organisation).
    #[serde(default)]
    pub when: Option<String>,
    /// An expression giving a list: one target record per element, the element is `item`
    /// (one PricebookEntry per mapped price list).
    #[serde(default)]
    pub each: Option<String>,
    /// The cross-reference entity of this target's links; default: the flow's `entity` for the
    /// first target and none for the others (they are found by `key`, like price book entries
    /// or a business Account many contacts share). `none` keeps no link. The first target with
    /// a link is the record's *primary* link: the content hash and versions are kept on it.
    #[serde(default)]
    pub xref: Option<String>,
    /// Duplicate detection before a create: groups of target fields tried in order; the first
    /// group whose mapped values all match one existing record links to it instead of
    /// creating. Values are compared normalised (trimmed, case-folded; postal codes without
    /// spaces). Example: `[["Email"], ["LastName", "FirstName", "MailingPostalCode"]]`.
    #[serde(default, rename = "match")]
    pub match_on: Vec<Vec<String>>,
    /// Target field → expression. Order does not matter: fields do not read each other.
    pub fields: BTreeMap<String, String>,
    /// How to compare a field's mapped value with the target's current one, when equal
    /// meanings are written differently: field → expression over `value`, applied to both
    /// sides (`phone = "phone(value, vars.default_country)"`: "01632 960123" and
    /// "+441632960123" are the same number, so the target keeps its own formatting).
    #[serde(default)]
    pub compare: BTreeMap<String, String>,
    /// Rules the mapped record must pass; a failure holds the record (dead letter with the
    /// rule, the field and the value) instead of writing it.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// What a deleted source record does to this target.
    #[serde(default)]
    pub on_delete: OnDelete,
    /// Fields written only when the record is created (an Order's first Status, its price
    /// book): later syncs neither compare nor write them.
    #[serde(default)]
    pub create_only: Vec<String>,
    /// Fields whose value is a list of objects, one per element of `each` (a Brightpearl
    /// order's `rows`): field → the list's declaration.
    #[serde(default)]
    pub lists: BTreeMap<String, ListSpec>,
    /// When the target record is locked (an activated Order), only some fields are written.
    #[serde(default)]
    pub lock: Option<LockSpec>,
}

/// A field whose value is a list of mapped objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    /// An expression giving the elements; each is `item` in the fields' expressions.
    pub each: String,
    /// Key → expression of each object (undefined leaves the key out).
    pub fields: BTreeMap<String, String>,
}

/// A target's lock: while `when` holds, only the `open` fields are written; a locked record
/// that does not exist yet is not created. The other fields stay as they are and are not
/// reported as drift (the target system refuses to change them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockSpec {
    /// A condition over `existing` (the target record as it is) and the usual context
    /// (`targets.order.StatusCode == 'Activated'`).
    pub when: String,
    /// The fields still written while locked; `*` patterns match a prefix or suffix (`*__c`).
    #[serde(default)]
    pub open: Vec<String>,
}

impl LockSpec {
    /// Whether `field` stays writable while locked.
    pub fn is_open(&self, field: &str) -> bool {
        self.open.iter().any(|pattern| {
            if let Some(suffix) = pattern.strip_prefix('*') {
                field.ends_with(suffix)
            } else if let Some(prefix) = pattern.strip_suffix('*') {
                field.starts_with(prefix)
            } else {
                pattern == field
            }
        })
    }
}

/// What a deleted source record does to a target record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum OnDelete {
    /// Nothing: the target keeps its record (the default: CRM history matters).
    #[default]
    Keep,
    /// Set these fields (`IsActive = false`): deactivate rather than delete.
    Set(BTreeMap<String, serde_json::Value>),
}

/// One validation rule on one mapped field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// The target field the rule checks.
    pub field: String,
    /// The rule.
    pub rule: Rule,
    /// What to tell the operator instead of the default sentence.
    #[serde(default)]
    pub message: Option<String>,
}

/// The rules `validate` knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Present and not blank.
    Required,
    /// A plausible email address.
    Email,
    /// An E.164 phone number (`+441632960123`).
    E164,
    /// An ISO 3166-1 alpha-2 country code.
    Country,
    /// At most this many characters.
    MaxLength(usize),
    /// Matches this regular expression (whole value).
    Pattern(String),
    /// One of these values.
    OneOf(Vec<String>),
    /// A decimal number ≥ 0.
    NonNegative,
}

/// A field ownership policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The source's value is written (the default).
    #[default]
    Source,
    /// The value changed most recently wins: when the target record changed after the
    /// source record, the target keeps its value.
    Newest,
    /// When the target's value differs and the target changed since Ferry last wrote it, the
    /// record is held for review instead of overwriting either side.
    Review,
}

/// Who owns each field of each target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnershipSpec {
    /// The policy of fields not listed.
    #[serde(default)]
    pub default: Policy,
    /// `"target.Field"` (or `"Field"` for every target) → policy.
    #[serde(default)]
    pub fields: BTreeMap<String, Policy>,
}

impl OwnershipSpec {
    /// The policy of `field` of target `target`.
    pub fn policy(&self, target: &str, field: &str) -> Policy {
        self.fields
            .get(&format!("{target}.{field}"))
            .or_else(|| self.fields.get(field))
            .copied()
            .unwrap_or(self.default)
    }
}

impl TargetSpec {
    /// The system this target writes to, given the flow's source system.
    pub fn system_for(&self, source: System) -> System {
        self.system.unwrap_or(match source {
            System::Brightpearl => System::Salesforce,
            System::Salesforce => System::Brightpearl,
        })
    }
}

/// Why a flow file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct SpecError {
    /// The file (or `ferry.toml [flows.NAME]`) the flow came from.
    pub origin: String,
    /// What is wrong, where, and what to do.
    pub message: String,
}

impl FlowSpec {
    /// Parses one flow file. `origin` names it in errors (a path, or `default flow NAME`).
    pub fn parse(text: &str, origin: &str) -> Result<FlowSpec, SpecError> {
        toml::from_str(text).map_err(|e| SpecError {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }

    /// The cross-reference entity of target `index`, or `None` when it keeps no link.
    pub fn xref_entity(&self, index: usize) -> Option<String> {
        let target = self.targets.get(index)?;
        match target.xref.as_deref() {
            Some("none") => None,
            Some(entity) => Some(entity.to_string()),
            None if index == 0 => Some(self.entity.clone()),
            None => None,
        }
    }
}
