//! A query resolved against the schema: every name is an object or field index, every literal a
//! typed value. Evaluating a plan never looks a name up again.

use super::ast::Func;
use super::filter::Filter;
use crate::salesforce::org::{Org, Record};
use crate::salesforce::value::Value;

/// One step from a record to its parent: follow reference `field` (on the object reached so
/// far) through the relationship `name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// The reference field's index.
    pub field: usize,
    /// The relationship name, canonical casing (`Account`, `Owner`, `Account__r`).
    pub name: String,
}

/// A field, possibly on a parent record: `Name`, `Account.Name`, `Contact.Account.Name`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    /// Parents to walk to, in order.
    pub hops: Vec<Hop>,
    /// The object that has the field.
    pub object: usize,
    /// The field's index on that object.
    pub field: usize,
    /// The field's canonical name.
    pub name: String,
    /// The whole path, canonical casing (`Account.Name`): the CSV header.
    pub header: String,
}

/// The value every missing field or parent reads as.
static NULL: Value = Value::Null;

impl FieldPath {
    /// The value of the path on a record (null when a parent along the way is empty).
    pub fn value<'o>(&self, org: &'o Org, record: &'o Record) -> &'o Value {
        let mut current = record;
        for hop in &self.hops {
            let parent = current.get(hop.field).as_id().and_then(|id| org.get(id));
            match parent {
                Some((_, parent)) => current = parent,
                None => return &NULL,
            }
        }
        current.get(self.field)
    }

    /// Whether two paths name the same field the same way.
    pub fn same(&self, other: &FieldPath) -> bool {
        self.field == other.field
            && self.object == other.object
            && self
                .hops
                .iter()
                .map(|h| h.field)
                .eq(other.hops.iter().map(|h| h.field))
    }
}

/// A parent-to-child subquery.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildQuery {
    /// The child relationship's name, canonical casing (`Contacts`).
    pub name: String,
    /// The reference field on the child that points at the parent.
    pub field: usize,
    /// The subquery itself, over the child object.
    pub plan: Plan,
}

/// One column of the result.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// A field of the record or of a parent.
    Field(FieldPath),
    /// Child records.
    Children(Box<ChildQuery>),
    /// A value of an aggregate row: a grouped field or an aggregate, by its slot.
    Slot {
        /// Index in the aggregate row.
        slot: usize,
        /// Key in the JSON (`expr0`, an alias, or the grouped field's name).
        name: String,
    },
}

/// One aggregate to compute per group.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateCall {
    /// The function.
    pub func: Func,
    /// Its field (`None` for `COUNT()`).
    pub arg: Option<FieldPath>,
}

/// What a query returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Records.
    Records,
    /// `SELECT COUNT() ...`: only the number (of records, or of groups when grouped).
    Count {
        /// GROUP BY fields, if any.
        groups: Vec<FieldPath>,
    },
    /// `AggregateResult` rows: the grouped fields' values, then each aggregate's.
    Aggregate {
        /// GROUP BY fields (slots `0..groups.len()`).
        groups: Vec<FieldPath>,
        /// Aggregates (the slots after the groups), including ones only ORDER BY uses.
        calls: Vec<AggregateCall>,
    },
}

/// What an ORDER BY key reads.
#[derive(Debug, Clone, PartialEq)]
pub enum SortTarget {
    /// A field of each record.
    Field(FieldPath),
    /// A slot of each aggregate row.
    Slot(usize),
}

/// One ORDER BY key, with its null placement decided.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// What to read.
    pub target: SortTarget,
    /// Largest first.
    pub descending: bool,
    /// Nulls after the values.
    pub nulls_last: bool,
}

/// A compiled query.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The object queried.
    pub object: usize,
    /// The select list.
    pub columns: Vec<Column>,
    /// The WHERE clause.
    pub filter: Option<Filter>,
    /// ORDER BY.
    pub order: Vec<SortKey>,
    /// LIMIT.
    pub limit: Option<usize>,
    /// OFFSET.
    pub offset: usize,
    /// Records, a count, or aggregate rows.
    pub shape: Shape,
}
