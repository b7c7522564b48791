//! Contact and product writes (fields and markers in the module docs of `flows::brightpearl`).

use super::contact::{self, ADDRESS_ROLES};
use super::lookups::Lookups;
use super::product;
use super::{call_error, invalid_field};
use crate::flows::adapters::{AdapterError, AdapterResult, Row, Write};
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::{IdSet, MAX_IDS_PER_GET};
use ferry_brightpearl::model::catalogue::{PriceListPrices, ProductPriceUpdate};
use ferry_brightpearl::model::common::PatchOp;
use ferry_brightpearl::model::contacts::NewPostalAddress;
use futures_util::StreamExt;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Writes of one batch in flight at once.
const WRITES_IN_FLIGHT: usize = 4;

/// The contact write fields.
const CONTACT_FIELDS: &[&str] = &[
    "salutation",
    "firstName",
    "lastName",
    "email",
    "phone",
    "mobile",
    "website",
    "companyName",
    "jobTitle",
    "priceListId",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "addressLine4",
    "postalCode",
    "countryIsoCode",
];

/// The address write fields (also the postal-address GET keys).
const ADDRESS_FIELDS: &[&str] = &[
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "addressLine4",
    "postalCode",
    "countryIsoCode",
];

/// The product write fields.
const PRODUCT_FIELDS: &[&str] = &[
    "sku",
    "name",
    "description",
    "brandId",
    "brandName",
    "active",
    "barcode",
    "ean",
    "upc",
    "mpn",
    "isbn",
    "stockTracked",
    "prices",
];

/// The longest salutation, first or last name Brightpearl keeps.
const MAX_NAME: usize = 32;
/// The longest company name or job title.
const MAX_ORGANISATION: usize = 64;
/// The longest `accountReference`, where contact markers are kept.
const MAX_REFERENCE: usize = 32;

/// Refuses field names the object does not know.
fn check_known(fields: &Map<String, Value>, known: &[&str], what: &str) -> AdapterResult<()> {
    match fields.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(invalid_field(
            what,
            unknown,
            format!(
                "not a Brightpearl write field; use one of {} (see the adapter's documentation)",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// A text field: `None` when not written, `Some(None)` to clear, `Some(Some(text))` to set.
fn text(
    fields: &Map<String, Value>,
    name: &str,
    what: &str,
) -> AdapterResult<Option<Option<String>>> {
    match fields.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.trim().to_owned()))),
        Some(Value::Number(n)) => Ok(Some(Some(n.to_string()))),
        Some(other) => Err(invalid_field(
            what,
            name,
            format!("{other} is not text; map a string or a number"),
        )),
    }
}

/// A text field of at most `max` characters.
fn short_text(
    fields: &Map<String, Value>,
    name: &str,
    max: usize,
    what: &str,
) -> AdapterResult<Option<Option<String>>> {
    let value = text(fields, name, what)?;
    if let Some(Some(text)) = &value
        && text.chars().count() > max
    {
        return Err(invalid_field(
            what,
            name,
            format!(
                "{text:?} is {} characters and Brightpearl keeps at most {max}; shorten it in the \
                 mapping (e.g. `| truncate({max})`) or in the source record",
                text.chars().count()
            ),
        ));
    }
    Ok(value)
}

/// A whole-number field.
fn whole(fields: &Map<String, Value>, name: &str, what: &str) -> AdapterResult<Option<u64>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(other) => Err(invalid_field(
            what,
            name,
            format!("{other} is not a Brightpearl id; map a whole number"),
        )),
    }
}

/// A boolean field.
fn flag(fields: &Map<String, Value>, name: &str, what: &str) -> AdapterResult<Option<bool>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(invalid_field(
            what,
            name,
            format!("{other} is not true or false; map a boolean"),
        )),
    }
}

/// The `accountReference` text of a marker (at most 32 characters).
pub(super) fn marker_reference(marker: &str) -> String {
    if marker.chars().count() <= MAX_REFERENCE {
        return marker.to_owned();
    }
    let digest = hex::encode(Sha256::digest(marker.as_bytes()));
    format!("F-{}", &digest[..MAX_REFERENCE - 2])
}

/// The checked fields of one contact write.
struct ContactFields {
    text: BTreeMap<&'static str, Option<String>>,
    price_list: Option<u64>,
}

impl ContactFields {
    fn read(fields: &Map<String, Value>, what: &str) -> AdapterResult<ContactFields> {
        check_known(fields, CONTACT_FIELDS, what)?;
        let mut text_fields = BTreeMap::new();
        for name in CONTACT_FIELDS
            .iter()
            .copied()
            .filter(|n| *n != "priceListId")
        {
            let max = match name {
                "salutation" | "firstName" | "lastName" => MAX_NAME,
                "companyName" | "jobTitle" => MAX_ORGANISATION,
                _ => usize::MAX,
            };
            if let Some(value) = short_text(fields, name, max, what)? {
                text_fields.insert(name, value);
            }
        }
        Ok(ContactFields {
            text: text_fields,
            price_list: whole(fields, "priceListId", what)?,
        })
    }

    /// `None` when not written, `Some(None)` to clear.
    fn get(&self, name: &str) -> Option<Option<&str>> {
        self.text.get(name).map(Option::as_deref)
    }

    /// The value to set, if any.
    fn set(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    fn writes_address(&self) -> bool {
        ADDRESS_FIELDS.iter().any(|f| self.get(f).is_some())
    }
}

/// Writes contacts; the current state of updated contacts is read in one batch first.
pub(super) async fn contacts(client: &Client, writes: &[Write]) -> Vec<AdapterResult<String>> {
    let ids: IdSet = writes
        .iter()
        .filter_map(|w| w.id.as_deref()?.trim().parse::<u64>().ok())
        .collect();
    let current: BTreeMap<u64, Row> = if ids.is_empty() {
        BTreeMap::new()
    } else {
        match contact::read(client, &ids, false).await {
            Ok(rows) => rows
                .into_iter()
                .filter_map(|r| Some((r.id.parse::<u64>().ok()?, r)))
                .collect(),
            Err(e) => return writes.iter().map(|_| Err(e.clone())).collect(),
        }
    };
    let current = &current;
    let pending: Vec<_> = writes
        .iter()
        .map(|write| write_contact(client, write, current))
        .collect();
    futures_util::stream::iter(pending)
        .buffered(WRITES_IN_FLIGHT)
        .collect()
        .await
}

/// The record a write names, for messages.
fn describe(object: &str, write: &Write) -> String {
    match (&write.id, &write.marker) {
        (Some(id), _) => format!("{object} {id}"),
        (None, Some(marker)) => format!("the new {object} with marker {marker:?}"),
        (None, None) => format!("a new {object}"),
    }
}

/// A write's id as a Brightpearl id.
fn write_id(id: &str, what: &str) -> AdapterResult<u64> {
    id.trim().parse().map_err(|_| {
        AdapterError::permanent(
            "BP_BAD_ID",
            format!(
                "{what}: {id:?} is not a Brightpearl id (a number); repair the cross-reference"
            ),
        )
    })
}

async fn write_contact(
    client: &Client,
    write: &Write,
    current: &BTreeMap<u64, Row>,
) -> AdapterResult<String> {
    let what = describe("contact", write);
    let fields = ContactFields::read(&write.fields, &what)?;
    if let Some(id) = &write.id {
        let id = write_id(id, &what)?;
        let row = current.get(&id).ok_or_else(|| {
            AdapterError::permanent(
                "BP_NOT_FOUND",
                format!(
                    "{what} no longer exists in Brightpearl; unlink the record (or let the flow \
                     create it again) and retry"
                ),
            )
        })?;
        return update_contact(client, id, row, &fields, &what).await;
    }
    if let Some(marker) = &write.marker
        && let Some(id) = contact_with_marker(client, marker, &fields).await?
    {
        let rows = contact::read(client, &IdSet::from_ids([id]), false).await?;
        if let Some(row) = rows.first() {
            return update_contact(client, id, row, &fields, &what).await;
        }
    }
    create_contact(client, write.marker.as_deref(), &fields, &what).await
}

/// The contact an earlier attempt created with `marker`, found among the contacts sharing the
/// write's email (else last name, else first name).
async fn contact_with_marker(
    client: &Client,
    marker: &str,
    fields: &ContactFields,
) -> AdapterResult<Option<u64>> {
    let (column, value) = match (
        fields.set("email"),
        fields.set("lastName"),
        fields.set("firstName"),
    ) {
        (Some(email), _, _) => ("primaryEmail", email),
        (None, Some(last), _) => ("lastName", last),
        (None, None, Some(first)) => ("firstName", first),
        _ => return Ok(None),
    };
    let candidates: IdSet = contact::ids_where(client, column, value)
        .await?
        .into_iter()
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let contacts: Vec<Value> = client
        .get_many("/contact-service/contact", &candidates, MAX_IDS_PER_GET)
        .await
        .map_err(|e| call_error(e, "the read of contacts that may carry the marker"))?;
    let reference = marker_reference(marker);
    Ok(contacts
        .iter()
        .filter(|c| {
            c.pointer("/assignment/current/accountReference")
                .and_then(Value::as_str)
                == Some(reference.as_str())
        })
        .filter_map(|c| c.get("contactId")?.as_u64())
        .min())
}

/// A new postal address from `lines` (address field → text).
async fn create_address(
    client: &Client,
    lines: &BTreeMap<&str, String>,
    what: &str,
) -> AdapterResult<u64> {
    let line = |name: &str| lines.get(name).cloned().filter(|t| !t.is_empty());
    let Some(street) = line("addressLine1") else {
        return Err(invalid_field(
            what,
            "addressLine1",
            "Brightpearl needs a street line to make an address; map addressLine1, or leave \
             every address field empty",
        ));
    };
    let address = NewPostalAddress {
        address_line1: street,
        address_line2: line("addressLine2"),
        address_line3: line("addressLine3"),
        address_line4: line("addressLine4"),
        postal_code: line("postalCode"),
        country_iso_code: line("countryIsoCode"),
    };
    client
        .create_postal_address(&address)
        .await
        .map_err(|e| call_error(e, &format!("the postal address of {what}")))
}

async fn create_contact(
    client: &Client,
    marker: Option<&str>,
    fields: &ContactFields,
    what: &str,
) -> AdapterResult<String> {
    if fields.set("firstName").is_none() && fields.set("lastName").is_none() {
        return Err(invalid_field(
            what,
            "lastName",
            "a Brightpearl contact needs a first or a last name; map firstName or lastName",
        ));
    }
    let mut body = Map::new();
    for name in ["salutation", "firstName", "lastName"] {
        if let Some(value) = fields.set(name) {
            body.insert(name.into(), Value::from(value));
        }
    }
    if fields.writes_address() {
        let lines: BTreeMap<&str, String> = ADDRESS_FIELDS
            .iter()
            .filter_map(|f| Some((*f, fields.set(f)?.to_owned())))
            .collect();
        let address = create_address(client, &lines, what).await?;
        body.insert(
            "postAddressIds".into(),
            json!({"DEF": address, "BIL": address, "DEL": address}),
        );
    }
    let mut communication = Map::new();
    if let Some(email) = fields.set("email") {
        communication.insert("emails".into(), json!({"PRI": {"email": email}}));
    }
    let mut phones = Map::new();
    for (name, key) in [("phone", "PRI"), ("mobile", "MOB")] {
        if let Some(value) = fields.set(name) {
            phones.insert(key.into(), Value::from(value));
        }
    }
    if !phones.is_empty() {
        communication.insert("telephones".into(), Value::Object(phones));
    }
    if let Some(site) = fields.set("website") {
        communication.insert("websites".into(), json!({"PRI": site}));
    }
    if !communication.is_empty() {
        body.insert("communication".into(), Value::Object(communication));
    }
    let mut organisation = Map::new();
    if let Some(name) = fields.set("companyName") {
        organisation.insert("name".into(), Value::from(name));
    }
    if let Some(title) = fields.set("jobTitle") {
        organisation.insert("jobTitle".into(), Value::from(title));
    }
    if !organisation.is_empty() {
        body.insert("organisation".into(), Value::Object(organisation));
    }
    if let Some(list) = fields.price_list {
        body.insert("financialDetails".into(), json!({"priceListId": list}));
    }
    body.insert(
        "relationshipToAccount".into(),
        json!({"isSupplier": false, "isStaff": false}),
    );
    if let Some(marker) = marker {
        body.insert(
            "assignment".into(),
            json!({"current": {"accountReference": marker_reference(marker)}}),
        );
    }
    client
        .create_contact(&Value::Object(body))
        .await
        .map(|id| id.to_string())
        .map_err(|e| call_error(e, what))
}

/// Sets, adds or removes an optional entry at `path` (compared at `compare`).
fn optional_entry(
    ops: &mut Vec<PatchOp>,
    data: &Value,
    wanted: Option<Option<&str>>,
    path: &str,
    compare: &str,
    value: impl Fn(&str) -> Value,
) {
    let Some(wanted) = wanted else { return };
    let now = data
        .pointer(compare)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty());
    match (wanted, now) {
        (Some(w), Some(n)) if w == n => {}
        (Some(w), _) => ops.push(PatchOp::add(path, value(w))),
        (None, Some(_)) => ops.push(PatchOp::remove(path)),
        (None, None) => {}
    }
}

async fn update_contact(
    client: &Client,
    id: u64,
    row: &Row,
    fields: &ContactFields,
    what: &str,
) -> AdapterResult<String> {
    let data = &row.data;
    let mut ops = Vec::new();
    for name in ["salutation", "firstName", "lastName"] {
        if let Some(wanted) = fields.get(name) {
            let wanted = wanted.unwrap_or("");
            let path = format!("/{name}");
            if data.pointer(&path).and_then(Value::as_str).unwrap_or("") != wanted {
                ops.push(PatchOp::replace(path, Value::from(wanted)));
            }
        }
    }
    optional_entry(
        &mut ops,
        data,
        fields.get("email"),
        "/communication/emails/PRI",
        "/communication/emails/PRI/email",
        |e| json!({"email": e}),
    );
    for (name, path) in [
        ("phone", "/communication/telephones/PRI"),
        ("mobile", "/communication/telephones/MOB"),
        ("website", "/communication/websites/PRI"),
        ("jobTitle", "/organisation/jobTitle"),
    ] {
        optional_entry(&mut ops, data, fields.get(name), path, path, |v: &str| {
            Value::from(v)
        });
    }
    if let Some(wanted) = fields.get("companyName") {
        // An empty name leaves the company (Brightpearl has no "remove" for membership).
        let now = data.pointer("/organisation/name").and_then(Value::as_str);
        if now.unwrap_or("") != wanted.unwrap_or("") {
            ops.push(PatchOp::add(
                "/organisation/name",
                Value::from(wanted.unwrap_or("")),
            ));
        }
    }
    if let Some(list) = fields.price_list
        && data
            .pointer("/financialDetails/priceListId")
            .and_then(Value::as_u64)
            != Some(list)
    {
        ops.push(PatchOp::replace(
            "/financialDetails/priceListId",
            Value::from(list),
        ));
    }
    if !ops.is_empty() {
        client
            .patch_contact(id, &ops)
            .await
            .map_err(|e| call_error(e, what))?;
    }
    if fields.writes_address() {
        update_address(client, id, data, fields, what).await?;
    }
    Ok(id.to_string())
}

/// Creates a new address when the written address fields differ from the default address,
/// and points the contact's default and billing (and a shared delivery) slot at it.
async fn update_address(
    client: &Client,
    id: u64,
    data: &Value,
    fields: &ContactFields,
    what: &str,
) -> AdapterResult<()> {
    let current = data
        .pointer("/addresses/default")
        .cloned()
        .unwrap_or(Value::Null);
    let now = |name: &str| {
        current
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let mut lines: BTreeMap<&str, String> = BTreeMap::new();
    let mut changed = current.is_null();
    for name in ADDRESS_FIELDS {
        let value = match fields.get(name) {
            Some(wanted) => wanted.unwrap_or("").to_owned(),
            None => now(name),
        };
        let same = if *name == "countryIsoCode" {
            value.eq_ignore_ascii_case(&now("countryIsoCode"))
                || value.eq_ignore_ascii_case(&now("countryIsoCode2"))
        } else {
            value == now(name)
        };
        changed |= !same;
        lines.insert(name, value);
    }
    if !changed {
        return Ok(());
    }
    let address = create_address(client, &lines, what).await?;
    let slot = |key: &str| {
        data.pointer(&format!("/postAddressIds/{key}"))
            .and_then(Value::as_u64)
    };
    let mut slots = vec![(address, "DEF"), (address, "BIL")];
    let (_, delivery_key) = ADDRESS_ROLES[2];
    if slot(delivery_key).is_none() || slot(delivery_key) == slot("DEF") {
        slots.push((address, delivery_key));
    }
    client
        .set_contact_addresses(id, &slots)
        .await
        .map_err(|e| call_error(e, &format!("the address of {what}")))
}

/// Writes products.
pub(super) async fn products(
    client: &Client,
    lookups: &Lookups,
    writes: &[Write],
) -> Vec<AdapterResult<String>> {
    let pending: Vec<_> = writes
        .iter()
        .map(|write| write_product(client, lookups, write))
        .collect();
    futures_util::stream::iter(pending)
        .buffered(WRITES_IN_FLIGHT)
        .collect()
        .await
}

/// The prices of a `prices` field: price list id → unit price.
fn prices(fields: &Map<String, Value>, what: &str) -> AdapterResult<Option<Vec<PriceListPrices>>> {
    let Some(value) = fields.get("prices") else {
        return Ok(None);
    };
    let Value::Object(map) = value else {
        return Err(invalid_field(
            what,
            "prices",
            format!("{value} is not an object; map {{\"<priceListId>\": price, …}}"),
        ));
    };
    let mut out = Vec::new();
    for (list, price) in map {
        let Ok(list_id) = list.trim().parse::<u64>() else {
            return Err(invalid_field(
                what,
                "prices",
                format!("{list:?} is not a price list id; key prices by Brightpearl price list id"),
            ));
        };
        let price = match price {
            Value::String(s) => Decimal::from_str(s.trim()).ok(),
            Value::Number(n) => Decimal::from_str(&n.to_string())
                .or_else(|_| Decimal::from_scientific(&n.to_string()))
                .ok(),
            _ => None,
        };
        let Some(price) = price else {
            return Err(invalid_field(
                what,
                "prices",
                format!("the price for list {list_id} is not a decimal number; map decimal text"),
            ));
        };
        out.push(PriceListPrices {
            price_list_id: list_id,
            quantity_price: BTreeMap::from([(1, price)]),
        });
    }
    Ok(Some(out))
}

async fn write_product(client: &Client, lookups: &Lookups, write: &Write) -> AdapterResult<String> {
    let what = describe("product", write);
    let fields = &write.fields;
    check_known(fields, PRODUCT_FIELDS, &what)?;
    let prices = prices(fields, &what)?;
    let brand = match (
        whole(fields, "brandId", &what)?,
        text(fields, "brandName", &what)?,
    ) {
        (Some(id), _) => Some(id),
        (None, Some(Some(name))) => {
            let lists = lookups.get(client).await?;
            Some(lists.brand_named(&name).ok_or_else(|| {
                let known: Vec<&str> = lists.brands.values().map(String::as_str).collect();
                invalid_field(
                    &what,
                    "brandName",
                    format!(
                        "{name:?} is not a Brightpearl brand (brands: {}); create the brand in \
                         Brightpearl or map brandId",
                        known.join(", ")
                    ),
                )
            })?)
        }
        _ => None,
    };
    let mut body = Map::new();
    if let Some(brand) = brand {
        body.insert("brandId".into(), Value::from(brand));
    }
    let mut identity = Map::new();
    for (field, key) in [
        ("sku", "sku"),
        ("barcode", "barcode"),
        ("ean", "ean"),
        ("upc", "upc"),
        ("mpn", "mpn"),
        ("isbn", "isbn"),
    ] {
        if let Some(value) = text(fields, field, &what)? {
            identity.insert(key.into(), value.map_or(Value::Null, Value::from));
        }
    }
    if !identity.is_empty() {
        body.insert("identity".into(), Value::Object(identity));
    }
    let mut channel = Map::new();
    if let Some(name) = text(fields, "name", &what)? {
        let Some(name) = name else {
            return Err(invalid_field(
                &what,
                "name",
                "a Brightpearl product needs a name; map a non-empty name",
            ));
        };
        channel.insert("productName".into(), Value::from(name));
    }
    if let Some(description) = text(fields, "description", &what)? {
        channel.insert(
            "description".into(),
            json!({"languageCode": "en", "text": description.unwrap_or_default(), "format": "HTML_FRAGMENT"}),
        );
    }
    if let Some(active) = flag(fields, "active", &what)? {
        body.insert(
            "status".into(),
            Value::from(if active { "LIVE" } else { "DISCONTINUED" }),
        );
    }
    if let Some(tracked) = flag(fields, "stockTracked", &what)? {
        body.insert("stock".into(), json!({"stockTracked": tracked}));
    }
    let mut id = match &write.id {
        Some(id) => Some(write_id(id, &what)?),
        None => None,
    };
    if id.is_none() {
        let Some(Some(sku)) = text(fields, "sku", &what)? else {
            return Err(invalid_field(
                &what,
                "sku",
                "Ferry creates Brightpearl products only with a SKU (a retried create finds the \
                 product it made by it); map sku",
            ));
        };
        id = product::ids_with_sku(client, &sku)
            .await?
            .into_iter()
            .next();
    }
    let id = match id {
        Some(id) => {
            if !channel.is_empty() {
                channel.insert("salesChannelName".into(), Value::from("Brightpearl"));
                body.insert("salesChannels".into(), json!([channel]));
            }
            if !body.is_empty() {
                client
                    .update_product(id, &Value::Object(body))
                    .await
                    .map_err(|e| call_error(e, &what))?;
            }
            id
        }
        None => {
            if brand.is_none() {
                return Err(invalid_field(
                    &what,
                    "brandId",
                    "Brightpearl needs a brand to create a product; map brandId or brandName",
                ));
            }
            if !channel.contains_key("productName") {
                return Err(invalid_field(
                    &what,
                    "name",
                    "a Brightpearl product needs a name; map name",
                ));
            }
            channel.insert("salesChannelName".into(), Value::from("Brightpearl"));
            body.insert("salesChannels".into(), json!([channel]));
            client
                .create_product(&Value::Object(body))
                .await
                .map_err(|e| call_error(e, &what))?
        }
    };
    if let Some(price_lists) = prices
        && !price_lists.is_empty()
    {
        client
            .set_product_prices(id, &ProductPriceUpdate { price_lists })
            .await
            .map_err(|e| call_error(e, &format!("the prices of product {id}")))?;
    }
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_markers_become_32_characters() {
        assert_eq!(marker_reference("ferry:003abc"), "ferry:003abc");
        let long = marker_reference(&"x".repeat(80));
        assert_eq!(long.len(), 32);
        assert!(long.starts_with("F-"));
        assert_eq!(long, marker_reference(&"x".repeat(80)));
    }

    #[test]
    fn fields_are_checked_before_any_call() {
        let fields: Map<String, Value> =
            serde_json::from_value(json!({"firstName": "x".repeat(40)})).unwrap_or_default();
        let err = ContactFields::read(&fields, "contact 207").err();
        assert!(err.is_some_and(|e| e.message.contains("\"firstName\"")
            && e.message.contains("at most 32")
            && e.code == "BP_INVALID_FIELD"));
        let fields: Map<String, Value> =
            serde_json::from_value(json!({"fax": "1"})).unwrap_or_default();
        let err = ContactFields::read(&fields, "contact 207").err();
        assert!(err.is_some_and(|e| e.message.contains("use one of salutation")));
    }
}
