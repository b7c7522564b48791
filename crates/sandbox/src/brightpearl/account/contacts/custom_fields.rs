//! Contact custom fields: the definitions (separate sets for customers and suppliers, as
//! Brightpearl keeps them) and each contact's values.
//!
//! Values are stored in the form GET `/contact/{id}/custom-field` shows them: text as strings,
//! numbers as numbers (a PATCH of `"1234567890"` to a numeric field comes back as
//! `1234567890`, recorded), yes/no as booleans, dates in the account's offset, selects as
//! `{"id":…,"value":…}` (written `{"id":…}`, as the order custom fields are). PATCH follows the
//! recorded rules: `add` sets or upserts, `replace` of a field without a value fails, `remove`
//! clears; an unknown code is an op/path pair the resource refuses (500 CMNC-044).

use super::input::code;
use super::model::{ContactRecord, CustomFieldMeta, SelectOption, SelectOptions};
use super::write::no_contact;
use super::{CUSTOM_FIELD_OPTION_SEQUENCE, CUSTOM_FIELD_SEQUENCE, Contacts, fresh_id};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::{Op, PatchOp, apply_patch, kind};
use crate::brightpearl::wire::{decimal, format_time, parse_time};
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// Which definitions apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomFieldKind {
    /// `/contact-service/customer/custom-field-meta-data`.
    Customer,
    /// `/contact-service/supplier/custom-field-meta-data`.
    Supplier,
}

/// The field types Brightpearl offers (INFERRED list; SELECT is recorded).
pub const FIELD_TYPES: &[&str] = &[
    "TEXT",
    "TEXT_AREA",
    "INTEGER",
    "DECIMAL",
    "DATE",
    "YES_NO",
    "SELECT",
];

impl CustomFieldKind {
    /// The set a contact's fields come from: suppliers that are not also customers use the
    /// supplier fields, everyone else the customer fields (INFERRED).
    pub fn of(record: &ContactRecord) -> CustomFieldKind {
        if record.contact.relationship_to_account.is_supplier && !record.is_customer {
            CustomFieldKind::Supplier
        } else {
            CustomFieldKind::Customer
        }
    }
}

impl Contacts {
    /// The definitions of `kind`, by id.
    pub fn custom_fields(&self, kind: CustomFieldKind) -> &BTreeMap<u64, CustomFieldMeta> {
        match kind {
            CustomFieldKind::Customer => &self.customer_fields,
            CustomFieldKind::Supplier => &self.supplier_fields,
        }
    }
}

/// Defines a custom field of `kind` → its id. `field_type` is one of [`FIELD_TYPES`];
/// `options` are a SELECT's labels (ids are allocated).
pub fn add_custom_field(
    account: &mut Account,
    kind: CustomFieldKind,
    field_code: &str,
    name: &str,
    field_type: &str,
    options: &[&str],
) -> Result<u64, ApiError> {
    let valid_code = field_code.starts_with("PCF_")
        && field_code.len() > 4
        && field_code[4..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !valid_code {
        return Err(ApiError::bad_request(
            code::BAD_FIELD,
            format!(
                "custom field code {field_code:?} must be PCF_ followed by capitals, digits or _"
            ),
        ));
    }
    if !FIELD_TYPES.contains(&field_type) {
        return Err(ApiError::bad_request(
            code::BAD_FIELD,
            format!(
                "custom field type {field_type:?} is not one of {}",
                FIELD_TYPES.join(", ")
            ),
        ));
    }
    if (field_type == "SELECT") == options.is_empty() {
        return Err(ApiError::bad_request(
            code::BAD_FIELD,
            format!("custom field {field_code}: a SELECT needs options and other types take none"),
        ));
    }
    if account
        .contacts
        .custom_fields(kind)
        .values()
        .any(|f| f.code == field_code)
    {
        return Err(ApiError::bad_request(
            code::BAD_FIELD,
            format!("custom field {field_code} exists already"),
        ));
    }
    let id = fresh_id(account, CUSTOM_FIELD_SEQUENCE, 1, |a, id| {
        a.contacts.customer_fields.contains_key(&id) || a.contacts.supplier_fields.contains_key(&id)
    });
    let options = (field_type == "SELECT").then(|| {
        SelectOptions(
            options
                .iter()
                .map(|label| SelectOption {
                    id: fresh_id(account, CUSTOM_FIELD_OPTION_SEQUENCE, 1, option_taken),
                    value: label.to_string(),
                })
                .collect(),
        )
    });
    let meta = CustomFieldMeta {
        id,
        code: field_code.to_string(),
        name: name.to_string(),
        custom_field_type: field_type.to_string(),
        required: false,
        options,
    };
    let fields = match kind {
        CustomFieldKind::Customer => &mut account.contacts.customer_fields,
        CustomFieldKind::Supplier => &mut account.contacts.supplier_fields,
    };
    fields.insert(id, meta);
    Ok(id)
}

/// `PATCH /contact-service/contact/{id}/custom-field` → the contact's whole new map.
pub fn patch_custom_fields(
    account: &mut Account,
    id: u64,
    ops: &[PatchOp],
) -> Result<Map<String, Json>, ApiError> {
    let offset = account.settings.offset_minutes;
    let record = account
        .contacts
        .contacts
        .get(&id)
        .ok_or_else(|| no_contact(id))?;
    let fields = account.contacts.custom_fields(CustomFieldKind::of(record));
    let by_code: BTreeMap<&str, &CustomFieldMeta> =
        fields.values().map(|f| (f.code.as_str(), f)).collect();
    let allows = |op: &PatchOp| op.tokens.len() == 1 && by_code.contains_key(op.tokens[0].as_str());
    let mut values = Json::Object(record.custom_fields.clone());
    apply_patch(&mut values, ops, &allows)?;
    let Json::Object(mut values) = values else {
        return Ok(record.custom_fields.clone());
    };
    let mut problems = Vec::new();
    for op in ops.iter().filter(|op| op.op != Op::Remove) {
        let field_code = op.tokens[0].as_str();
        let Some(meta) = by_code.get(field_code) else {
            continue;
        };
        let Some(value) = values.get(field_code) else {
            continue;
        };
        match normalise(meta, value, offset) {
            Ok(Json::Null) => {
                values.shift_remove(field_code);
            }
            Ok(clean) => {
                values.insert(field_code.to_string(), clean);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if let Some((first, rest)) = problems.split_first() {
        let mut error = ApiError::bad_request(code::BAD_CUSTOM_FIELD, first.clone());
        for problem in rest {
            error = error.and(code::BAD_CUSTOM_FIELD, problem.clone());
        }
        return Err(error);
    }
    let now = account.now();
    let Some(record) = account.contacts.contacts.get_mut(&id) else {
        return Err(no_contact(id));
    };
    record.custom_fields = values.clone();
    record.contact.updated_on = Some(now);
    Ok(values)
}

/// A written value in its stored form, `Null` to clear, or why the field's type refuses it.
fn normalise(meta: &CustomFieldMeta, value: &Json, offset: i32) -> Result<Json, String> {
    let field_code = &meta.code;
    let field_type = meta.custom_field_type.as_str();
    if value.is_null() {
        return Ok(Json::Null);
    }
    let refuse = |wanted: &str| {
        format!(
            "custom field {field_code} ({field_type}) takes {wanted}, not {} ({value})",
            kind(value)
        )
    };
    match field_type {
        "INTEGER" => match decimal(value) {
            Some(d) if d.fract().is_zero() => d
                .to_i64()
                .map(Json::from)
                .ok_or_else(|| refuse("a whole number")),
            _ => Err(refuse("a whole number")),
        },
        "DECIMAL" => decimal(value)
            .and_then(|d| d.to_f64())
            .map(Json::from)
            .ok_or_else(|| refuse("a number")),
        "YES_NO" => match value {
            Json::Bool(b) => Ok(Json::Bool(*b)),
            Json::String(s) if s.eq_ignore_ascii_case("true") => Ok(Json::Bool(true)),
            Json::String(s) if s.eq_ignore_ascii_case("false") => Ok(Json::Bool(false)),
            _ => Err(refuse("true or false")),
        },
        "DATE" => value
            .as_str()
            .and_then(parse_time)
            .map(|ms| Json::from(format_time(ms, offset)))
            .ok_or_else(|| refuse("a date such as \"2015-06-19\"")),
        "SELECT" => {
            let option_id = match value {
                Json::Object(map) => map.get("id").and_then(decimal),
                other => decimal(other),
            }
            .and_then(|d| d.to_u64());
            let options = meta.options.as_ref();
            match option_id.and_then(|id| options.and_then(|o| o.get(id))) {
                Some(option) => Ok(json!({"id": option.id, "value": option.value})),
                None => {
                    let listed: Vec<String> = options
                        .map(|o| {
                            o.0.iter()
                                .map(|o| format!("{} ({})", o.id, o.value))
                                .collect()
                        })
                        .unwrap_or_default();
                    Err(format!(
                        "custom field {field_code} (SELECT) takes {{\"id\": option id}} with one of: {}; {value} is not one",
                        listed.join(", ")
                    ))
                }
            }
        }
        _ => match value {
            Json::String(s) => {
                let max = if field_type == "TEXT_AREA" { 4000 } else { 255 };
                if s.chars().count() > max {
                    Err(format!(
                        "custom field {field_code} ({field_type}) takes at most {max} characters"
                    ))
                } else {
                    Ok(Json::String(s.clone()))
                }
            }
            _ => Err(refuse("text")),
        },
    }
}

/// Whether a SELECT option id is in use by any contact custom field.
fn option_taken(account: &Account, id: u64) -> bool {
    let contacts = &account.contacts;
    (contacts.customer_fields.values())
        .chain(contacts.supplier_fields.values())
        .filter_map(|f| f.options.as_ref())
        .any(|o| o.get(id).is_some())
}
