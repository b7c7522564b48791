//! Change notices: what a source tells Ferry about a record ("contact 207 was modified").
//!
//! A notice says *that* something changed, never *how it is now*: the planner re-reads the
//! current record before acting, so notices can be coalesced and replayed safely.

use crate::{TenantId, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The outside systems Ferry keeps in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    /// Brightpearl (retail ERP / OMS).
    Brightpearl,
    /// Salesforce (CRM).
    Salesforce,
}

impl System {
    /// The stable lowercase name stored in rows and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Brightpearl => "brightpearl",
            Self::Salesforce => "salesforce",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "brightpearl" => Some(Self::Brightpearl),
            "salesforce" => Some(Self::Salesforce),
            _ => None,
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to the record, as the source reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// The record was created.
    Create,
    /// The record was modified.
    Update,
    /// The record was deleted.
    Delete,
    /// A deleted record was restored.
    Undelete,
}

impl Operation {
    /// The stable lowercase name stored in rows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Undelete => "undelete",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "create" => Some(Self::Create),
            "update" => Some(Self::Update),
            "delete" => Some(Self::Delete),
            "undelete" => Some(Self::Undelete),
            _ => None,
        }
    }

    /// The operation a work item should carry after `self` is followed by `later` for the same
    /// record. A create followed by updates is still a create; anything followed by a delete is
    /// a delete; a delete followed by an undelete is an update of a record that exists again.
    pub fn coalesce(self, later: Operation) -> Operation {
        match (self, later) {
            (_, Operation::Delete) => Operation::Delete,
            (Operation::Create, Operation::Update) => Operation::Create,
            (Operation::Delete, Operation::Undelete) => Operation::Update,
            (Operation::Delete, Operation::Create) => Operation::Create,
            (_, later) => later,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One observed change to one record in one system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeNotice {
    /// The connection pair this change belongs to.
    pub tenant: TenantId,
    /// The system where the change happened.
    pub source: System,
    /// The source's object name (`contact`, `product`, `Account`, ...).
    pub object: String,
    /// The source's record id (`207`, `001xx000003DGb2AAG`).
    pub record_id: String,
    /// What happened.
    pub operation: Operation,
    /// When the source says it happened (or when Ferry first saw it).
    pub observed_at: Timestamp,
    /// Who caused it, when the source says (a Salesforce `changeOrigin`, a webhook's app ref);
    /// used to drop echoes of Ferry's own writes.
    pub origin: Option<String>,
    /// Anything else the source sent that the planner may want (kept small: ids, not records).
    pub payload: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coalescing_operations_keeps_the_meaning() {
        use Operation::*;
        let cases = [
            (Create, Update, Create),
            (Update, Update, Update),
            (Create, Delete, Delete),
            (Update, Delete, Delete),
            (Delete, Undelete, Update),
            (Delete, Create, Create),
            (Update, Create, Create),
        ];
        for (first, later, expect) in cases {
            assert_eq!(first.coalesce(later), expect, "{first} then {later}");
        }
    }

    #[test]
    fn names_round_trip() {
        for op in [
            Operation::Create,
            Operation::Update,
            Operation::Delete,
            Operation::Undelete,
        ] {
            assert_eq!(Operation::parse(op.as_str()), Some(op));
        }
        for system in [System::Brightpearl, System::Salesforce] {
            assert_eq!(System::parse(system.as_str()), Some(system));
        }
        assert_eq!(System::parse("netsuite"), None);
    }
}
