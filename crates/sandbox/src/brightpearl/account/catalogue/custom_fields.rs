//! Product custom fields: values per product (code → value) and the fields' metadata.
//!
//! PATCH is JSON-Patch over the product's map (reference §7.5, §7.1 "Custom fields"): `add`
//! sets or upserts, `replace` fails on a field that has no value (500 CMNC-044), `remove`
//! clears. Values are checked against the metadata and stored in GET form: a select written
//! as `{"id":36}` is kept as `{"id":36,"value":"Red"}`, a number sent as a string becomes a
//! number (as the contact cassette shows), a date becomes a time in the account's offset.

use super::super::Account;
use super::input::{invalid, next_id};
use super::reference::{CustomFieldMeta, SelectOption};
use super::write::{existing, store_modified};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::{Op, PatchOp, apply_patch};
use crate::brightpearl::idset::IdSet;
use crate::brightpearl::wire::{decimal, format_time, parse_time};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// The field types the sandbox knows (INFERRED names besides SELECT, which is recorded).
pub const FIELD_TYPES: &[&str] = &[
    "TEXT",
    "TEXT_AREA",
    "DATE",
    "YES_NO",
    "SELECT",
    "INTEGER",
    "DECIMAL",
];

/// The metadata records named by `ids` (all when `None`), by id.
pub fn custom_field_meta<'a>(
    account: &'a Account,
    ids: Option<&IdSet>,
) -> Vec<&'a CustomFieldMeta> {
    account
        .catalogue
        .custom_field_meta
        .values()
        .filter(|m| ids.is_none_or(|set| set.contains(m.id)))
        .collect()
}

/// Defines a product custom field (demo data; there is no metadata POST in the API).
/// `options` are the texts of a SELECT's options, numbered on from the highest option id.
pub fn define_custom_field(
    account: &mut Account,
    code: &str,
    name: &str,
    field_type: &str,
    options: &[&str],
) -> Result<u64, ApiError> {
    if !code.starts_with("PCF_") || code.len() < 5 {
        return Err(invalid("code", format!("{code:?} must start with PCF_")));
    }
    if !FIELD_TYPES.contains(&field_type) {
        return Err(invalid(
            "customFieldType",
            format!("{field_type:?} is not one of {}", FIELD_TYPES.join(", ")),
        ));
    }
    if account
        .catalogue
        .custom_field_meta
        .values()
        .any(|m| m.code == code)
    {
        return Err(invalid("code", format!("{code} is already defined")));
    }
    let last_option = (account.catalogue.custom_field_meta.values())
        .flat_map(|m| m.options.iter().flat_map(|o| o.keys().copied()))
        .max()
        .unwrap_or(0);
    let options = (field_type == "SELECT").then(|| {
        (options.iter().enumerate())
            .map(|(at, value)| {
                let id = last_option + at as u64 + 1;
                (
                    id,
                    SelectOption {
                        id,
                        value: (*value).to_string(),
                    },
                )
            })
            .collect::<BTreeMap<u64, SelectOption>>()
    });
    let last = account
        .catalogue
        .custom_field_meta
        .keys()
        .next_back()
        .copied()
        .unwrap_or(0);
    let id = next_id(account, "product-custom-field", 1, &last);
    account.catalogue.custom_field_meta.insert(
        id,
        CustomFieldMeta {
            id,
            code: code.to_string(),
            name: name.to_string(),
            custom_field_type: field_type.to_string(),
            required: false,
            options,
        },
    );
    Ok(id)
}

/// Applies a JSON-Patch to `product`'s custom fields and returns the whole new map.
pub fn patch_custom_fields(
    account: &mut Account,
    product: u64,
    ops: &[PatchOp],
) -> Result<Map<String, Json>, ApiError> {
    let record = existing(account, product)?.clone();
    let mut map = Json::Object(account.catalogue.custom_fields_of(product));
    apply_patch(&mut map, ops, &|op| op.tokens.len() == 1)?;
    let Json::Object(mut map) = map else {
        return Err(invalid("custom fields", "the patch must leave an object"));
    };
    let offset = account.settings.offset_minutes;
    for op in ops.iter().filter(|op| op.op != Op::Remove) {
        let code = &op.tokens[0];
        let meta = (account.catalogue.custom_field_meta.values())
            .find(|m| &m.code == code)
            .ok_or_else(|| {
                invalid(
                    code,
                    "no such product custom field; GET /product-service/product/custom-field-meta-data lists them",
                )
            })?;
        let Some(value) = map.get(code.as_str()) else {
            continue;
        };
        let normal = normalise(meta, value, offset)?;
        map.insert(code.clone(), normal);
    }
    if map.is_empty() {
        account.catalogue.custom_fields.remove(&product);
    } else {
        account.catalogue.custom_fields.insert(product, map.clone());
    }
    store_modified(account, record);
    Ok(map)
}

/// A value in the stored (GET) form of its field's type.
fn normalise(meta: &CustomFieldMeta, value: &Json, offset: i32) -> Result<Json, ApiError> {
    let code = meta.code.as_str();
    let refuse = |what: &str| invalid(code, format!("{value} is not {what}"));
    Ok(match meta.custom_field_type.as_str() {
        "YES_NO" => match value {
            Json::Bool(b) => Json::Bool(*b),
            Json::String(s) if s.eq_ignore_ascii_case("true") => Json::Bool(true),
            Json::String(s) if s.eq_ignore_ascii_case("false") => Json::Bool(false),
            _ => return Err(refuse("true or false")),
        },
        "INTEGER" => {
            let n = decimal(value)
                .filter(|d| d.fract().is_zero())
                .and_then(|d| d.to_string().parse::<i64>().ok())
                .ok_or_else(|| refuse("a whole number"))?;
            json!(n)
        }
        "DECIMAL" => {
            let d = decimal(value).ok_or_else(|| refuse("a number"))?;
            d.to_string()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Json::Number)
                .ok_or_else(|| refuse("a number"))?
        }
        "DATE" => {
            let ms = value
                .as_str()
                .and_then(parse_time)
                .ok_or_else(|| refuse("a date (2015-06-19 or 2015-06-19T00:00:00+01:00)"))?;
            Json::String(format_time(ms, offset))
        }
        "SELECT" => {
            let id = match value {
                Json::Object(o) => o.get("id").and_then(Json::as_u64),
                Json::Number(n) => n.as_u64(),
                _ => None,
            }
            .ok_or_else(|| refuse("a select option ({\"id\": option id})"))?;
            let option = (meta.options.as_ref())
                .and_then(|o| o.get(&id))
                .ok_or_else(|| {
                    invalid(
                        code,
                        format!("{id} is not one of its options; the metadata lists them"),
                    )
                })?;
            json!({"id": option.id, "value": option.value})
        }
        _ => match value {
            Json::String(s) => Json::String(s.clone()),
            Json::Number(n) => Json::String(n.to_string()),
            _ => return Err(refuse("text")),
        },
    })
}
