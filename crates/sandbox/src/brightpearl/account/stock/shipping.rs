//! Shipping-method creation (`POST /warehouse-service/shipping-method`, reference §7.8):
//! `name` is required and unique; `code`, `additionalInformationRequired`, `methodType`,
//! `breaks`, `carrier`, `countries` and `channelBrandTemplates` are optional.
//! Refusals are 400 `WHSC-400` naming the field (INFERRED code).

use super::super::Account;
use super::ShippingMethod;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::kind;
use serde_json::Value as Json;
use std::collections::BTreeMap;

fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("WHSC-400", format!("{field}: {message}"))
}

/// Creates a shipping method and returns its id.
pub fn create_shipping_method(account: &mut Account, input: &Json) -> Result<u64, ApiError> {
    let Some(body) = input.as_object() else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            format!(
                "You must supply a JSON formatted body with your request: a shipping method is a JSON object, not {}",
                kind(input)
            ),
        ));
    };
    let text = |key: &str| -> Result<Option<String>, ApiError> {
        match body.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.trim().to_string())),
            Some(Json::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(invalid(
                key,
                format!("text is expected, not {}", kind(other)),
            )),
        }
    };
    let name = text("name")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("name", "a shipping method needs a name"))?;
    if let Some(other) =
        (account.stock.shipping_methods.values()).find(|m| m.name.eq_ignore_ascii_case(&name))
    {
        return Err(invalid(
            "name",
            format!(
                "shipping method {} is already called {name:?}; names are unique",
                other.id
            ),
        ));
    }
    let additional_information_required = match body.get("additionalInformationRequired") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            return Err(invalid(
                "additionalInformationRequired",
                format!("{other} is not true or false"),
            ));
        }
    };
    let method_type = match body.get("methodType") {
        None | Some(Json::Null) => 1,
        Some(value) => value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid("methodType", format!("{value} is not a method type id")))?,
    };
    let mut channel_brand_templates = BTreeMap::new();
    if let Some(value) = body.get("channelBrandTemplates").filter(|v| !v.is_null()) {
        let map = value.as_object().ok_or_else(|| {
            invalid(
                "channelBrandTemplates",
                "send an object of channel brand id → template id",
            )
        })?;
        for (brand, template) in map {
            let brand = brand.parse::<u64>().map_err(|_| {
                invalid(
                    "channelBrandTemplates",
                    format!("{brand:?} is not a channel brand id"),
                )
            })?;
            let template = template.as_u64().ok_or_else(|| {
                invalid(
                    &format!("channelBrandTemplates.{brand}"),
                    format!("{template} is not a template id"),
                )
            })?;
            channel_brand_templates.insert(brand, template);
        }
    }
    let method = ShippingMethod {
        id: 0,
        name,
        code: text("code")?.filter(|c| !c.is_empty()),
        breaks: text("breaks")?.unwrap_or_default(),
        method_type,
        additional_information_required,
        carrier: text("carrier")?.filter(|c| !c.is_empty()),
        countries: text("countries")?.unwrap_or_default(),
        channel_brand_templates,
    };
    let last = account
        .stock
        .shipping_methods
        .keys()
        .next_back()
        .copied()
        .unwrap_or(0);
    account.sequences.observe("shipping-method", last);
    let id = account.next_id("shipping-method", 1);
    account
        .stock
        .shipping_methods
        .insert(id, ShippingMethod { id, ..method });
    Ok(id)
}
