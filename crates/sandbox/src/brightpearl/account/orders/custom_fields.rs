//! Order custom fields: the sale and purchase definitions
//! (`GET /order-service/{sale|purchase}/custom-field-meta-data`), the values per order
//! (`GET /order/{id}/custom-field`, `?includeOptional=customFields,nullCustomFields` on the
//! order GET) and their JSON-Patch (`PATCH /order/{id}/custom-field`).
//!
//! Recorded: a PATCH `add` of `/PCF_REICUOTA` with `{"id":137}` answers the whole map with the
//! select rendered `{"id":137,"value":"FormularioBAC"}` and texts as strings; the metadata is
//! `{id, code, name, customFieldType, required, options}` with options keyed by option id; a
//! value change bumps the order's version (order 1 went from 7 to 8). Documented: only fields
//! with a value appear; `replace` fails on an empty field, `add` sets or upserts, `remove`
//! clears (reference §7.1).
//!
//! INFERRED: an unknown code or a path with more than one segment is 500 CMNC-044 like any
//! path the resource refuses; a value of the wrong type is 400 naming the field and its type;
//! dates are stored as the account shows them; a select also accepts the bare option id.
//! The standard definitions are INFERRED (a real account starts with whatever it configured).

use super::derived::{missing, touch};
use super::input::invalid;
use super::{
    CUSTOM_FIELD_SEQUENCE, CustomFieldMeta, CustomFieldSet, CustomFieldType, SelectOption,
};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::{Op, PatchOp, apply_patch, kind};
use crate::brightpearl::wire::{Stamp, decimal, parse_time};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// Id sequence of select options.
const OPTION_SEQUENCE: &str = "order-custom-field-option";

/// The definitions every new account has (INFERRED): a few sale fields of each type and one
/// purchase field.
pub(super) fn standard_fields() -> BTreeMap<u64, CustomFieldMeta> {
    let field = |id: u64, set, code: &str, name: &str, kind, options: &[(u64, &str)]| {
        let meta = CustomFieldMeta {
            id,
            code: code.to_string(),
            name: name.to_string(),
            custom_field_type: kind,
            required: false,
            options: (kind == CustomFieldType::Select).then(|| {
                options
                    .iter()
                    .map(|&(id, value)| {
                        (
                            id,
                            SelectOption {
                                id,
                                value: value.to_string(),
                            },
                        )
                    })
                    .collect()
            }),
            set,
        };
        (id, meta)
    };
    use CustomFieldSet::{Purchase, Sale};
    use CustomFieldType::{Date, Select, Text, TextArea, YesNo};
    BTreeMap::from([
        field(1, Sale, "PCF_P_NUMBER", "Customer PO number", Text, &[]),
        field(2, Sale, "PCF_GIFTMSG", "Gift message", TextArea, &[]),
        field(3, Sale, "PCF_DELIVBY", "Deliver by", Date, &[]),
        field(4, Sale, "PCF_PRIORITY", "Priority order", YesNo, &[]),
        field(
            5,
            Sale,
            "PCF_SOURCE",
            "Sales source",
            Select,
            &[
                (1, "Web"),
                (2, "Phone"),
                (3, "Marketplace"),
                (4, "Showroom"),
            ],
        ),
        field(
            6,
            Purchase,
            "PCF_SUPREF",
            "Supplier confirmation",
            Text,
            &[],
        ),
    ])
}

/// Adds a custom field definition to `set`; `options` are the texts of a SELECT's options (ids
/// are allocated). Returns the definition id. For the demo data and tests.
pub fn define_custom_field(
    account: &mut Account,
    set: CustomFieldSet,
    code: &str,
    name: &str,
    kind: CustomFieldType,
    options: &[&str],
) -> Result<u64, ApiError> {
    if !code.starts_with("PCF_") || code.len() < 5 {
        return Err(invalid(format!(
            "custom field code {code:?} must start with PCF_ (e.g. PCF_GIFTMSG)"
        )));
    }
    if account
        .orders
        .custom_fields
        .values()
        .any(|m| m.set == set && m.code == code)
    {
        return Err(invalid(format!("custom field {code} already exists")));
    }
    let first = account
        .orders
        .custom_fields
        .keys()
        .next_back()
        .map_or(1, |k| k + 1);
    let id = account.next_id(CUSTOM_FIELD_SEQUENCE, first);
    let options = if kind == CustomFieldType::Select {
        let mut map = BTreeMap::new();
        for text in options {
            let first = account
                .orders
                .custom_fields
                .values()
                .filter_map(|m| m.options.as_ref())
                .flat_map(|o| o.keys())
                .max()
                .map_or(1, |k| k + 1);
            let option = account.next_id(OPTION_SEQUENCE, first);
            map.insert(
                option,
                SelectOption {
                    id: option,
                    value: text.to_string(),
                },
            );
        }
        Some(map)
    } else {
        None
    };
    account.orders.custom_fields.insert(
        id,
        CustomFieldMeta {
            id,
            code: code.to_string(),
            name: name.to_string(),
            custom_field_type: kind,
            required: false,
            options,
            set,
        },
    );
    Ok(id)
}

/// Adds a definition with its own id and option ids (the conformance harness loads recorded
/// metadata this way); later ids follow it.
pub fn insert_custom_field(account: &mut Account, meta: CustomFieldMeta) {
    account.sequences.observe(CUSTOM_FIELD_SEQUENCE, meta.id);
    if let Some(options) = &meta.options {
        for id in options.keys() {
            account.sequences.observe(OPTION_SEQUENCE, *id);
        }
    }
    account.orders.custom_fields.insert(meta.id, meta);
}

/// The definitions of `set`, by id.
pub fn meta_of(account: &Account, set: CustomFieldSet) -> Vec<&CustomFieldMeta> {
    account
        .orders
        .custom_fields
        .values()
        .filter(|m| m.set == set)
        .collect()
}

/// The custom field values of `order_id` (only fields with a value).
pub fn values_of(account: &Account, order_id: u64) -> Map<String, Json> {
    account
        .orders
        .custom_values
        .get(&order_id)
        .cloned()
        .unwrap_or_default()
}

/// The codes of `order_id`'s custom fields that have no value.
pub fn null_fields_of(account: &Account, order_id: u64) -> Vec<String> {
    let Some(order) = account.orders.get(order_id) else {
        return Vec::new();
    };
    let values = account.orders.custom_values.get(&order_id);
    meta_of(account, order.order_type_code.custom_field_set())
        .into_iter()
        .filter(|m| values.is_none_or(|v| !v.contains_key(&m.code)))
        .map(|m| m.code.clone())
        .collect()
}

/// A copy of `order` for a GET asked for `includeOptional=customFields` (`custom`: the values
/// map, `{}` when none) and/or `nullCustomFields` (`nulls`: the codes without a value).
pub fn custom_fields_rendering(
    account: &Account,
    order: &super::Order,
    custom: bool,
    nulls: bool,
) -> super::Order {
    let mut copy = order.clone();
    if custom {
        copy.custom_fields = Some(values_of(account, order.id));
    }
    if nulls {
        copy.null_custom_fields = Some(null_fields_of(account, order.id));
    }
    copy
}

/// The stored form of `value` for `meta`, or the 400 saying what the field takes.
fn stored_value(meta: &CustomFieldMeta, value: &Json, offset: i32) -> Result<Json, ApiError> {
    let code = &meta.code;
    let wrong = |wanted: &str| {
        invalid(format!(
            "Custom field {code} ({}) takes {wanted}, not {} ({value})",
            meta.name,
            kind(value)
        ))
    };
    match meta.custom_field_type {
        CustomFieldType::Text | CustomFieldType::TextArea => match value {
            Json::String(_) => Ok(value.clone()),
            Json::Number(n) => Ok(Json::String(n.to_string())),
            _ => Err(wrong("text")),
        },
        CustomFieldType::YesNo => match value {
            Json::Bool(_) => Ok(value.clone()),
            Json::String(s) if s.eq_ignore_ascii_case("true") => Ok(Json::Bool(true)),
            Json::String(s) if s.eq_ignore_ascii_case("false") => Ok(Json::Bool(false)),
            _ => Err(wrong("true or false")),
        },
        CustomFieldType::Date => match value {
            Json::String(s) => parse_time(s)
                .map(|ms| Json::String(Stamp::new(ms, offset).text))
                .ok_or_else(|| wrong("a date such as 2015-06-19")),
            _ => Err(wrong("a date such as 2015-06-19")),
        },
        CustomFieldType::Integer => match decimal(value) {
            Some(d) if d.fract().is_zero() => Ok(serde_json::to_value(
                i64::try_from(d).map_err(|_| wrong("a whole number"))?,
            )
            .unwrap_or(Json::Null)),
            _ => Err(wrong("a whole number")),
        },
        CustomFieldType::Decimal => match decimal(value) {
            Some(d) => Ok(Json::String(d.normalize().to_string())),
            None => Err(wrong("a number")),
        },
        CustomFieldType::Select => {
            let id = match value {
                Json::Object(map) => map.get("id").and_then(decimal),
                other => decimal(other),
            }
            .filter(|d| d.fract().is_zero())
            .and_then(|d| u64::try_from(d).ok())
            .ok_or_else(|| wrong("an option such as {\"id\": 12}"))?;
            let option = meta
                .options
                .as_ref()
                .and_then(|o| o.get(&id))
                .ok_or_else(|| {
                    let known: Vec<String> = meta
                        .options
                        .iter()
                        .flat_map(|o| o.values())
                        .map(|o| format!("{} {}", o.id, o.value))
                        .collect();
                    invalid(format!(
                        "Custom field {code} ({}) has no option {id}; its options are: {}",
                        meta.name,
                        known.join(", ")
                    ))
                })?;
            Ok(serde_json::json!({"id": option.id, "value": option.value}))
        }
    }
}

/// Applies a JSON-Patch to the custom fields of `order_id` and answers the whole map. Nothing
/// changes unless every operation applies; a change bumps the order's version.
pub fn patch_custom_fields(
    account: &mut Account,
    order_id: u64,
    ops: &[PatchOp],
) -> Result<Map<String, Json>, ApiError> {
    let order = account
        .orders
        .get(order_id)
        .ok_or_else(|| missing(order_id))?;
    let set = order.order_type_code.custom_field_set();
    let offset = account.settings.offset_minutes;
    let mut converted = Vec::with_capacity(ops.len());
    for op in ops {
        let [code] = op.tokens.as_slice() else {
            return Err(op.refused());
        };
        let Some(meta) = meta_of(account, set).into_iter().find(|m| &m.code == code) else {
            return Err(op.refused());
        };
        let mut op = op.clone();
        if op.op != Op::Remove {
            op.value = stored_value(meta, &op.value, offset)?;
        }
        converted.push(op);
    }
    let mut values = Json::Object(values_of(account, order_id));
    apply_patch(&mut values, &converted, &|_| true)?;
    let Json::Object(values) = values else {
        return Err(invalid("custom field values are not an object"));
    };
    if values.is_empty() {
        account.orders.custom_values.remove(&order_id);
    } else {
        account
            .orders
            .custom_values
            .insert(order_id, values.clone());
    }
    if !converted.is_empty() {
        touch(account, order_id);
    }
    Ok(values)
}
