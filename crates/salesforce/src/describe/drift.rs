//! What changed between two describes of the same object, in sentences a person can act on.
//! Every change that moves the [`super::SchemaFingerprint`] is reported, so a changed
//! fingerprint is never left unexplained.

use super::{FieldDescribe, FieldType, SObjectDescribe};
use std::collections::BTreeSet;
use std::fmt;

/// One difference between an old and a new describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The object's API name.
    pub object: String,
    /// The field's API name.
    pub field: String,
    /// What changed.
    pub kind: DriftKind,
}

/// The kinds of schema change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftKind {
    /// A new field.
    FieldAdded {
        /// Its type.
        field_type: FieldType,
    },
    /// A field that is gone (deleted, or no longer visible to the integration user).
    FieldRemoved,
    /// The data type changed.
    TypeChanged {
        /// Before.
        from: FieldType,
        /// After.
        to: FieldType,
    },
    /// The maximum text length changed.
    LengthChanged {
        /// Before.
        from: u32,
        /// After.
        to: u32,
    },
    /// Precision or scale of a number changed.
    NumberSizeChanged {
        /// Before (precision, scale).
        from: (u32, u32),
        /// After (precision, scale).
        to: (u32, u32),
    },
    /// A picklist value is now accepted.
    PicklistValueAdded {
        /// The value.
        value: String,
    },
    /// A picklist value is no longer accepted (removed or deactivated).
    PicklistValueRemoved {
        /// The value.
        value: String,
    },
    /// Creates must now set the field.
    BecameRequired,
    /// Creates no longer need to set the field.
    NoLongerRequired,
    /// The field can no longer be set on create and/or update.
    BecameReadOnly {
        /// Create can no longer set it.
        on_create: bool,
        /// Update can no longer set it.
        on_update: bool,
    },
    /// The field can now be set on create and/or update.
    BecameWritable {
        /// Create can now set it.
        on_create: bool,
        /// Update can now set it.
        on_update: bool,
    },
    /// The field may (or may no longer) be empty, without changing whether creates need it.
    NillableChanged {
        /// Whether it may be empty now.
        nillable: bool,
    },
}

impl Drift {
    /// True when writes that worked before may now fail or lose data: a removed field, a
    /// type change, a shorter length or smaller number, a picklist value gone, a field that
    /// became required or read-only, or one that may no longer be empty.
    pub fn is_breaking(&self) -> bool {
        match &self.kind {
            DriftKind::FieldRemoved
            | DriftKind::TypeChanged { .. }
            | DriftKind::PicklistValueRemoved { .. }
            | DriftKind::BecameRequired
            | DriftKind::BecameReadOnly { .. } => true,
            DriftKind::LengthChanged { from, to } => to < from,
            DriftKind::NumberSizeChanged { from, to } => to.0 < from.0 || to.1 < from.1,
            DriftKind::NillableChanged { nillable } => !nillable,
            DriftKind::FieldAdded { .. }
            | DriftKind::PicklistValueAdded { .. }
            | DriftKind::NoLongerRequired
            | DriftKind::BecameWritable { .. } => false,
        }
    }
}

fn lanes(on_create: bool, on_update: bool) -> &'static str {
    match (on_create, on_update) {
        (true, true) => "create or update",
        (true, false) => "create",
        _ => "update",
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Drift {
            object,
            field,
            kind,
        } = self;
        let at = format!("{object}.{field}");
        match kind {
            DriftKind::FieldAdded { field_type } => {
                write!(
                    f,
                    "{at} was added (type {field_type}); map it if the sync needs it"
                )
            }
            DriftKind::FieldRemoved => write!(
                f,
                "{at} no longer exists or is hidden from the integration user; remove it from \
                 the mapping or restore its field-level access"
            ),
            DriftKind::TypeChanged { from, to } => write!(
                f,
                "{at} changed type from {from} to {to}; check the mapping's transform for it"
            ),
            DriftKind::LengthChanged { from, to } if to < from => write!(
                f,
                "{at} now holds at most {to} characters (was {from}); longer values will be \
                 refused"
            ),
            DriftKind::LengthChanged { from, to } => {
                write!(f, "{at} now holds up to {to} characters (was {from})")
            }
            DriftKind::NumberSizeChanged { from, to } => write!(
                f,
                "{at} now has precision {} and scale {} (was {} and {}); values that no \
                 longer fit will be refused or rounded",
                to.0, to.1, from.0, from.1
            ),
            DriftKind::PicklistValueAdded { value } => {
                write!(f, "{at} accepts a new picklist value {value:?}")
            }
            DriftKind::PicklistValueRemoved { value } => write!(
                f,
                "{at} no longer accepts the picklist value {value:?}; update the value \
                 translation table"
            ),
            DriftKind::BecameRequired => write!(
                f,
                "{at} is now required on create; map a value for it or give it a default"
            ),
            DriftKind::NoLongerRequired => write!(f, "{at} is no longer required on create"),
            DriftKind::BecameReadOnly {
                on_create,
                on_update,
            } => write!(
                f,
                "{at} can no longer be written on {}; stop mapping it there or restore the \
                 integration user's edit access",
                lanes(*on_create, *on_update)
            ),
            DriftKind::BecameWritable {
                on_create,
                on_update,
            } => write!(
                f,
                "{at} can now be written on {}",
                lanes(*on_create, *on_update)
            ),
            DriftKind::NillableChanged { nillable: true } => write!(f, "{at} may now be empty"),
            DriftKind::NillableChanged { nillable: false } => write!(
                f,
                "{at} may no longer be empty; updates that clear it will be refused"
            ),
        }
    }
}

/// Every difference between `old` and `new` (two describes of one object), fields in
/// alphabetical order. Names match case-insensitively, as in Salesforce.
pub fn drift(old: &SObjectDescribe, new: &SObjectDescribe) -> Vec<Drift> {
    let object = if new.name.is_empty() {
        old.name.clone()
    } else {
        new.name.clone()
    };
    let mut names: BTreeSet<String> = BTreeSet::new();
    names.extend(old.fields.iter().map(|f| f.name.to_ascii_lowercase()));
    names.extend(new.fields.iter().map(|f| f.name.to_ascii_lowercase()));
    let mut out = Vec::new();
    for name in names {
        let (before, after) = (old.field(&name), new.field(&name));
        let field = after.or(before).map(|f| f.name.clone()).unwrap_or(name);
        let mut push = |kind| {
            out.push(Drift {
                object: object.clone(),
                field: field.clone(),
                kind,
            })
        };
        match (before, after) {
            (None, Some(added)) => push(DriftKind::FieldAdded {
                field_type: added.field_type.clone(),
            }),
            (Some(_), None) => push(DriftKind::FieldRemoved),
            (Some(before), Some(after)) => field_changes(before, after, &mut push),
            (None, None) => {}
        }
    }
    out
}

fn field_changes(before: &FieldDescribe, after: &FieldDescribe, push: &mut impl FnMut(DriftKind)) {
    if before.field_type != after.field_type {
        push(DriftKind::TypeChanged {
            from: before.field_type.clone(),
            to: after.field_type.clone(),
        });
    }
    if before.length != after.length {
        push(DriftKind::LengthChanged {
            from: before.length,
            to: after.length,
        });
    }
    if (before.precision, before.scale) != (after.precision, after.scale) {
        push(DriftKind::NumberSizeChanged {
            from: (before.precision, before.scale),
            to: (after.precision, after.scale),
        });
    }
    let lost_create = before.createable && !after.createable;
    let lost_update = before.updateable && !after.updateable;
    if lost_create || lost_update {
        push(DriftKind::BecameReadOnly {
            on_create: lost_create,
            on_update: lost_update,
        });
    }
    let got_create = !before.createable && after.createable;
    let got_update = !before.updateable && after.updateable;
    if got_create || got_update {
        push(DriftKind::BecameWritable {
            on_create: got_create,
            on_update: got_update,
        });
    }
    match (before.is_required(), after.is_required()) {
        (false, true) => push(DriftKind::BecameRequired),
        (true, false) => push(DriftKind::NoLongerRequired),
        _ if before.nillable != after.nillable => push(DriftKind::NillableChanged {
            nillable: after.nillable,
        }),
        _ => {}
    }
    // Picklist values compare by the exact stored value (the API is case-sensitive here).
    let values = |f: &FieldDescribe| -> BTreeSet<(String, bool)> {
        f.picklist_values
            .iter()
            .map(|v| (v.value.clone(), v.active))
            .collect()
    };
    let (old_values, new_values) = (values(before), values(after));
    let active =
        |set: &BTreeSet<(String, bool)>, value: &str| set.contains(&(value.to_string(), true));
    let mut all: BTreeSet<&str> = BTreeSet::new();
    all.extend(old_values.iter().map(|(v, _)| v.as_str()));
    all.extend(new_values.iter().map(|(v, _)| v.as_str()));
    for value in all {
        match (active(&old_values, value), active(&new_values, value)) {
            (false, true) => push(DriftKind::PicklistValueAdded {
                value: value.to_string(),
            }),
            (true, false) => push(DriftKind::PicklistValueRemoved {
                value: value.to_string(),
            }),
            _ => {}
        }
    }
}
