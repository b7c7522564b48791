//! Sales orders and sales credits: created whole (header and rows) through the atomic
//! `POST /order-service/sales-order` and `/sales-credit`; afterwards only their status changes.

use super::fields::{Fields, money_text};
use super::{
    cached_list, cell_id, cell_text, check_find_key, create_all, describe, find_value, search_each,
    search_row, stored_ref, write_id,
};
use crate::flows::adapters::{AdapterError, AdapterResult, Row, Write};
use crate::flows::brightpearl::{Object, call_error};
use ferry_brightpearl::Client;
use ferry_brightpearl::model::accounting::TaxCode;
use ferry_brightpearl::model::orders::{OrderStatus, OrderTypeCode};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The longest `externalRef` Ferry stores. Brightpearl documents no length for it; Ferry keeps
/// to the shortest reference field it knows (a contact's `accountReference`), and stores a
/// longer marker as its hash form.
pub(super) const MAX_EXTERNAL_REF: usize = 32;
/// The longest order reference (`ref`) Ferry sends.
const MAX_REF: usize = 64;
/// Decimal places Brightpearl takes on row amounts and quantities.
const ROW_PLACES: u32 = 4;

/// The sales-order write fields.
const ORDER_FIELDS: &[&str] = &[
    "customerId",
    "ref",
    "externalRef",
    "placedOn",
    "statusId",
    "statusName",
    "channelId",
    "warehouseId",
    "priceListId",
    "currency",
    "exchangeRate",
    "shippingMethodId",
    "delivery",
    "rows",
];
/// The sales-credit write fields: the sales order's and the order credited.
const CREDIT_FIELDS: &[&str] = &[
    "customerId",
    "ref",
    "externalRef",
    "placedOn",
    "statusId",
    "statusName",
    "channelId",
    "warehouseId",
    "priceListId",
    "currency",
    "exchangeRate",
    "shippingMethodId",
    "delivery",
    "rows",
    "parentId",
];
/// The fields of `delivery`.
const DELIVERY_FIELDS: &[&str] = &[
    "addressFullName",
    "companyName",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "addressLine4",
    "postalCode",
    "countryIsoCode",
    "telephone",
    "email",
];
/// The fields of a row.
const ROW_FIELDS: &[&str] = &[
    "productId",
    "name",
    "quantity",
    "net",
    "tax",
    "taxCode",
    "externalRef",
];
/// The fields an update may carry.
const STATUS_FIELDS: &[&str] = &["statusId", "statusName"];

/// What differs between the two objects.
#[derive(Clone, Copy)]
struct Kind {
    object: Object,
    name: &'static str,
    path: &'static str,
    type_code: OrderTypeCode,
    /// `orderTypeId` in order-search.
    type_id: u64,
    fields: &'static [&'static str],
}

impl Kind {
    fn of(object: Object) -> Kind {
        if object == Object::SalesCredit {
            Kind {
                object,
                name: "sales-credit",
                path: "/order-service/sales-credit",
                type_code: OrderTypeCode::SalesCredit,
                type_id: 3,
                fields: CREDIT_FIELDS,
            }
        } else {
            Kind {
                object: Object::SalesOrder,
                name: "sales-order",
                path: "/order-service/sales-order",
                type_code: OrderTypeCode::SalesOrder,
                type_id: 1,
                fields: ORDER_FIELDS,
            }
        }
    }
}

/// The account's lists a batch needs, fetched at most once per batch (and cached).
struct Lists {
    statuses: Option<AdapterResult<Arc<Vec<OrderStatus>>>>,
    tax_codes: Option<AdapterResult<Arc<Vec<TaxCode>>>>,
}

impl Lists {
    fn statuses(&self) -> AdapterResult<&[OrderStatus]> {
        match &self.statuses {
            Some(Ok(list)) => Ok(list.as_slice()),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(&[]),
        }
    }

    fn tax_codes(&self) -> AdapterResult<&[TaxCode]> {
        match &self.tax_codes {
            Some(Ok(list)) => Ok(list.as_slice()),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(&[]),
        }
    }
}

/// A checked create: its body, and the `externalRef` it is found by (if any).
#[derive(Clone)]
struct Create {
    body: Value,
    external_ref: Option<String>,
    parent: Option<u64>,
}

/// Writes sales orders or credits: status updates, then lookups of the creates' references,
/// then the creates not found.
pub(super) async fn write(
    client: &Client,
    object: Object,
    writes: &[Write],
    fresh: &[bool],
) -> Vec<AdapterResult<String>> {
    let kind = Kind::of(object);
    let needs_statuses = writes.iter().any(|w| w.fields.contains_key("statusName"));
    let needs_tax_codes = writes.iter().any(|w| w.id.is_none() && lacks_tax_code(w));
    let lists = Lists {
        statuses: if needs_statuses {
            Some(cached_list(client, "order-status", || client.order_statuses()).await)
        } else {
            None
        },
        tax_codes: if needs_tax_codes {
            Some(cached_list(client, "tax-code", || client.tax_codes()).await)
        } else {
            None
        },
    };
    let mut results: Vec<Option<AdapterResult<String>>> = vec![None; writes.len()];
    let mut updates = Vec::new();
    let mut creates: Vec<(usize, Create)> = Vec::new();
    for (i, write) in writes.iter().enumerate() {
        let what = describe(kind.name, write);
        let checked = match &write.id {
            Some(id) => status_update(kind, &lists, write, id, &what).map(|u| updates.push((i, u))),
            None => create_body(kind, &lists, write, &what).map(|c| creates.push((i, c))),
        };
        if let Err(e) = checked {
            results[i] = Some(Err(e));
        }
    }

    // Status changes: idempotent PUTs, a few at a time.
    let pending: Vec<_> = updates
        .iter()
        .map(|(i, (id, status))| {
            let what = describe(kind.name, &writes[*i]);
            async move {
                if let Some(status) = status {
                    client
                        .set_order_status(*id, *status)
                        .await
                        .map_err(|e| call_error(e, &format!("the status of {what}")))?;
                }
                Ok(id.to_string())
            }
        })
        .collect();
    let done: Vec<AdapterResult<String>> = futures_util::stream::iter(pending)
        .buffered(super::IN_FLIGHT)
        .collect()
        .await;
    for ((i, _), result) in updates.iter().zip(done) {
        results[*i] = Some(result);
    }

    // Creates: look the references up, create the rest once each.
    // A fresh create (Ferry recorded no earlier attempt) cannot have been made yet: only the
    // others are looked up.
    let maybe_made: Vec<(usize, Create)> = creates
        .iter()
        .filter(|(i, _)| !fresh.get(*i).copied().unwrap_or(false))
        .cloned()
        .collect();
    let found = match existing(client, kind, &maybe_made).await {
        Ok(found) => found,
        Err(e) => {
            for (i, _) in &creates {
                results[*i] = Some(Err(e.clone()));
            }
            return finish(results);
        }
    };
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut to_send = Vec::new();
    let mut same_as: Vec<(usize, usize)> = Vec::new();
    for (i, create) in creates {
        if let Some(reference) = &create.external_ref {
            if let Some(id) = found.get(reference) {
                results[i] = Some(Ok(id.to_string()));
                continue;
            }
            if let Some(first) = first_of.get(reference) {
                same_as.push((i, *first));
                continue;
            }
            first_of.insert(reference.clone(), i);
        }
        to_send.push((i, create.body));
    }
    let sent = create_all(
        client,
        to_send
            .iter()
            .map(|(i, body)| (kind.path, body.clone(), describe(kind.name, &writes[*i])))
            .collect(),
    )
    .await;
    for ((i, _), result) in to_send.iter().zip(sent) {
        results[*i] = Some(result.map(|id| id.to_string()));
    }
    for (i, first) in same_as {
        results[i] = results[first].clone();
    }
    finish(results)
}

fn finish(results: Vec<Option<AdapterResult<String>>>) -> Vec<AdapterResult<String>> {
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(AdapterError::transient(
                    "BP_NOT_WRITTEN",
                    "the write was not attempted; it is retried",
                ))
            })
        })
        .collect()
}

use futures_util::StreamExt;

/// Whether a create has a row without a tax code (the account's zero code is then needed).
fn lacks_tax_code(write: &Write) -> bool {
    match write.fields.get("rows") {
        Some(Value::Array(rows)) => rows.iter().any(|row| {
            row.get("taxCode")
                .is_none_or(|t| t.is_null() || t.as_str().is_some_and(|s| s.trim().is_empty()))
        }),
        _ => false,
    }
}

/// The status id a write names (`statusId`, or `statusName` among the object's statuses).
fn status_of(kind: Kind, lists: &Lists, fields: &Fields<'_>) -> AdapterResult<Option<u64>> {
    if let Some(id) = fields.id("statusId")? {
        return Ok(Some(id));
    }
    let Some(name) = fields.text("statusName")? else {
        return Ok(None);
    };
    let statuses: Vec<&OrderStatus> = lists
        .statuses()?
        .iter()
        .filter(|s| s.order_type_code == kind.type_code && !s.disabled)
        .collect();
    statuses
        .iter()
        .find(|s| s.name.trim().eq_ignore_ascii_case(&name))
        .map(|s| Some(s.status_id))
        .ok_or_else(|| {
            let known: Vec<&str> = statuses.iter().map(|s| s.name.as_str()).collect();
            fields.error(
                "statusName",
                format!(
                    "{name:?} is not a {} status of this Brightpearl account (statuses: {}); \
                     map one of them, or statusId",
                    kind.name,
                    known.join(", ")
                ),
            )
        })
}

/// A checked update: only the status may change.
fn status_update(
    kind: Kind,
    lists: &Lists,
    write: &Write,
    id: &str,
    what: &str,
) -> AdapterResult<(u64, Option<u64>)> {
    let fields = Fields::top(&write.fields, what);
    fields.check_known(kind.fields)?;
    let id = write_id(id, what)?;
    let locked: Vec<&str> = write
        .fields
        .keys()
        .map(String::as_str)
        .filter(|k| !STATUS_FIELDS.contains(k))
        .collect();
    if !locked.is_empty() {
        return Err(AdapterError::permanent(
            "BP_ORDER_FIELD_LOCKED",
            format!(
                "{what}: Ferry does not edit Brightpearl {}s after creating them, only their \
                 status; the flow wants to change {}. Change the order in Brightpearl by hand, \
                 or map only statusId / statusName for existing records",
                kind.name,
                locked.join(", ")
            ),
        ));
    }
    Ok((id, status_of(kind, lists, &fields)?))
}

/// The checked body of a create.
fn create_body(kind: Kind, lists: &Lists, write: &Write, what: &str) -> AdapterResult<Create> {
    let fields = Fields::top(&write.fields, what);
    fields.check_known(kind.fields)?;
    let customer = fields.required_id(
        "customerId",
        "map the Brightpearl id of the customer contact (e.g. from the contact flow's link)",
    )?;
    let mut body = Map::new();
    body.insert("customer".into(), json!({"id": customer}));
    if let Some(reference) = fields.short("ref", MAX_REF)? {
        body.insert("ref".into(), Value::from(reference));
    }
    let external_ref = match fields.short("externalRef", MAX_EXTERNAL_REF)? {
        Some(text) => Some(text),
        None => write
            .marker
            .as_deref()
            .map(|m| stored_ref(m, MAX_EXTERNAL_REF)),
    };
    if let Some(reference) = &external_ref {
        body.insert("externalRef".into(), Value::from(reference.clone()));
    }
    if let Some(placed) = fields.date("placedOn")? {
        body.insert("placedOn".into(), Value::from(placed));
    }
    if let Some(status) = status_of(kind, lists, &fields)? {
        body.insert("statusId".into(), Value::from(status));
    }
    for name in ["channelId", "warehouseId", "priceListId"] {
        if let Some(id) = fields.id(name)? {
            body.insert(name.into(), Value::from(id));
        }
    }
    let parent = if kind.object == Object::SalesCredit {
        let parent = fields.id("parentId")?;
        if let Some(parent) = parent {
            body.insert("parentId".into(), Value::from(parent));
        }
        parent
    } else {
        None
    };
    let mut currency = Map::new();
    if let Some(code) = fields.text("currency")? {
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(fields.error(
                "currency",
                format!("{code:?} is not an ISO 4217 currency code; map e.g. \"GBP\""),
            ));
        }
        currency.insert("code".into(), Value::from(code.to_ascii_uppercase()));
    }
    if let Some(rate) = fields.decimal("exchangeRate", 6)? {
        if rate <= Decimal::ZERO {
            return Err(fields.error("exchangeRate", "must be greater than 0"));
        }
        currency.insert("fixedExchangeRate".into(), Value::Bool(true));
        currency.insert("exchangeRate".into(), money_text(rate));
    }
    if !currency.is_empty() {
        body.insert("currency".into(), Value::Object(currency));
    }
    let mut delivery = Map::new();
    if let Some(address) = fields.object("delivery")? {
        delivery.insert(
            "address".into(),
            Value::Object(delivery_address(&fields.nested(address, "delivery."))?),
        );
    }
    if let Some(method) = fields.id("shippingMethodId")? {
        delivery.insert("shippingMethodId".into(), Value::from(method));
    }
    if !delivery.is_empty() {
        body.insert("delivery".into(), Value::Object(delivery));
    }
    body.insert("rows".into(), Value::Array(rows(lists, &fields)?));
    Ok(Create {
        body: Value::Object(body),
        external_ref,
        parent,
    })
}

/// The delivery address, its country as the alpha-2 code the sales-order resource shows.
fn delivery_address(fields: &Fields<'_>) -> AdapterResult<Map<String, Value>> {
    fields.check_known(DELIVERY_FIELDS)?;
    let mut out = Map::new();
    for name in DELIVERY_FIELDS {
        let Some(text) = fields.short(name, 255)? else {
            continue;
        };
        if *name == "countryIsoCode" {
            let country = ferry_mapping::functions::address::country(&text).ok_or_else(|| {
                fields.error(
                    name,
                    format!(
                        "{text:?} is not an ISO 3166 country code; map an alpha-2 (GB) or \
                         alpha-3 (GBR) code, e.g. with `| country_code`"
                    ),
                )
            })?;
            out.insert((*name).into(), Value::from(country.alpha2));
        } else {
            out.insert((*name).into(), Value::from(text));
        }
    }
    Ok(out)
}

/// The rows, each checked; the tax code defaults to the account's zero-rate code.
fn rows(lists: &Lists, fields: &Fields<'_>) -> AdapterResult<Vec<Value>> {
    let items = match fields.map.get("rows") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(fields.error(
                "rows",
                "a Brightpearl order needs at least one row; map rows as a list of \
                 {productId or name, quantity, net, tax, taxCode}",
            ));
        }
        Some(other) => {
            return Err(fields.error(
                "rows",
                format!("{other} is not a list; map a list of row objects"),
            ));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(fields.error(
                &format!("rows[{index}]"),
                format!("{item} is not an object; map {{productId, quantity, net, …}}"),
            ));
        };
        let row = fields.nested(map, &format!("rows[{index}]."));
        row.check_known(ROW_FIELDS)?;
        let mut body = Map::new();
        let product = row.id("productId")?;
        let name = row.short("name", 255)?;
        if product.is_none() && name.is_none() {
            return Err(row.error(
                "productId",
                "a row needs a productId (a Brightpearl product) or a name (a free-text row)",
            ));
        }
        if let Some(product) = product {
            body.insert("productId".into(), Value::from(product));
        }
        if let Some(name) = name {
            body.insert("name".into(), Value::from(name));
        }
        let quantity = row
            .decimal("quantity", ROW_PLACES)?
            .ok_or_else(|| row.error("quantity", "is required; map the quantity ordered"))?;
        if quantity <= Decimal::ZERO {
            return Err(row.error(
                "quantity",
                format!("{quantity} is not a quantity; map a number greater than 0"),
            ));
        }
        body.insert("quantity".into(), money_text(quantity));
        let net = row.decimal("net", ROW_PLACES)?.ok_or_else(|| {
            row.error("net", "is required; map the row's net total (decimal text)")
        })?;
        body.insert("net".into(), money_text(net));
        let tax = row.decimal("tax", ROW_PLACES)?.unwrap_or(Decimal::ZERO);
        body.insert("tax".into(), money_text(tax));
        let tax_code = match row.short("taxCode", 32)? {
            Some(code) => code,
            None => zero_tax_code(lists.tax_codes()?).ok_or_else(|| {
                row.error(
                    "taxCode",
                    "the Brightpearl account has no zero-rate tax code to default to; map \
                     taxCode (GET /accounting-service/tax-code lists them)",
                )
            })?,
        };
        body.insert("taxCode".into(), Value::from(tax_code));
        if let Some(reference) = row.short("externalRef", 64)? {
            body.insert("externalRef".into(), Value::from(reference));
        }
        out.push(Value::Object(body));
    }
    Ok(out)
}

/// The account's zero-rate (exempt) tax code: the lowest id whose rate is zero or absent.
fn zero_tax_code(codes: &[TaxCode]) -> Option<String> {
    codes
        .iter()
        .filter(|c| c.rate_or_zero().is_zero() && !c.code.trim().is_empty())
        .min_by_key(|c| c.id)
        .map(|c| c.code.clone())
}

/// The orders already made for the creates' references: reference → order id. Credits with
/// a parent are found by one order-search over their parents' ids; the others by one search
/// per reference.
async fn existing(
    client: &Client,
    kind: Kind,
    creates: &[(usize, Create)],
) -> AdapterResult<HashMap<String, u64>> {
    let mut found: HashMap<String, u64> = HashMap::new();
    let mut note = |row: &Map<String, Value>| {
        if let (Some(id), Some(reference)) =
            (cell_id(row, "orderId"), cell_text(row, "externalRef"))
        {
            let entry = found.entry(reference).or_insert(id);
            *entry = (*entry).min(id);
        }
    };
    let parents: ferry_brightpearl::idset::IdSet =
        creates.iter().filter_map(|(_, c)| c.parent).collect();
    if !parents.is_empty() {
        let rows = super::search_rows(
            client,
            "order-service/order-search",
            &[
                ("parentOrderId", parents.to_string()),
                ("orderTypeId", kind.type_id.to_string()),
            ],
            &["orderId", "externalRef", "parentOrderId"],
            &format!("the search for {}s already made", kind.name),
        )
        .await?;
        rows.iter().for_each(&mut note);
    }
    let mut alone: Vec<&str> = creates
        .iter()
        .filter(|(_, c)| c.parent.is_none())
        .filter_map(|(_, c)| c.external_ref.as_deref())
        .collect();
    alone.sort_unstable();
    alone.dedup();
    let searches = alone
        .iter()
        .map(|reference| {
            vec![
                ("externalRef", (*reference).to_owned()),
                ("orderTypeId", kind.type_id.to_string()),
            ]
        })
        .collect();
    let rows = search_each(
        client,
        "order-service/order-search",
        searches,
        &["orderId", "externalRef"],
        &format!("the search for {}s already made", kind.name),
    )
    .await?;
    rows.iter().for_each(&mut note);
    Ok(found)
}

/// Finds orders or credits by `externalRef` (a marker longer than Ferry stores is looked up by
/// its stored form) or by `reference` (`customerRef`).
pub(super) async fn find(
    client: &Client,
    object: Object,
    by: &[String],
    values: &[Vec<Value>],
) -> AdapterResult<Vec<Row>> {
    let kind = Kind::of(object);
    let key = check_find_key(kind.name, by, &["externalRef", "reference"])?;
    let column = if key == "reference" {
        "customerRef"
    } else {
        "externalRef"
    };
    let searches = values
        .iter()
        .filter_map(|tuple| find_value(tuple))
        .map(|value| {
            let value = if column == "externalRef" {
                stored_ref(&value, MAX_EXTERNAL_REF)
            } else {
                value
            };
            vec![(column, value), ("orderTypeId", kind.type_id.to_string())]
        })
        .collect();
    let rows = search_each(
        client,
        "order-service/order-search",
        searches,
        &[
            "orderId",
            "orderTypeId",
            "contactId",
            "orderStatusId",
            "customerRef",
            "externalRef",
            "parentOrderId",
            "createdOn",
            "updatedOn",
        ],
        &format!("the {} lookup", kind.name),
    )
    .await?;
    let mut by_id: BTreeMap<u64, Map<String, Value>> = BTreeMap::new();
    for row in rows {
        if let Some(id) = cell_id(&row, "orderId") {
            by_id.entry(id).or_insert(row);
        }
    }
    Ok(by_id
        .into_iter()
        .map(|(id, cells)| search_row(id, cells))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(fields: Value) -> Write {
        Write {
            id: None,
            upsert_key: None,
            fields: serde_json::from_value(fields).unwrap_or_default(),
            marker: Some("ferry:order:0061".into()),
        }
    }

    fn lists() -> Lists {
        let codes: Vec<TaxCode> = serde_json::from_value(json!([
            {"id": 2, "code": "T", "description": "Taxable", "rate": 10.0},
            {"id": 1, "code": "Z", "description": "Exempt"}
        ]))
        .unwrap_or_default();
        let statuses: Vec<OrderStatus> = serde_json::from_value(json!([
            {"statusId": 2, "name": "New web order", "orderTypeCode": "SO"},
            {"statusId": 10, "name": "Sales credit", "orderTypeCode": "SC"}
        ]))
        .unwrap_or_default();
        Lists {
            statuses: Some(Ok(Arc::new(statuses))),
            tax_codes: Some(Ok(Arc::new(codes))),
        }
    }

    #[test]
    fn a_create_body_has_the_marker_rows_and_alpha2_country() {
        let kind = Kind::of(Object::SalesOrder);
        let w = write(json!({
            "customerId": "207", "statusName": "new WEB order",
            "delivery": {"addressLine1": "1 High St", "countryIsoCode": "GBR"},
            "rows": [{"productId": 1007, "quantity": "2", "net": "20.00"}]
        }));
        let create = create_body(kind, &lists(), &w, "x").ok();
        let body = create.as_ref().map(|c| c.body.clone()).unwrap_or_default();
        assert_eq!(body["customer"]["id"], 207);
        assert_eq!(body["externalRef"], "ferry:order:0061");
        assert_eq!(body["statusId"], 2);
        assert_eq!(body["delivery"]["address"]["countryIsoCode"], "GB");
        assert_eq!(body["rows"][0]["taxCode"], "Z");
        assert_eq!(body["rows"][0]["tax"], "0");
        assert_eq!(body["rows"][0]["net"], "20");
    }

    #[test]
    fn bad_creates_and_updates_are_refused_before_any_call() {
        let kind = Kind::of(Object::SalesOrder);
        let err = create_body(
            kind,
            &lists(),
            &write(json!({"customerId": 1, "colour": 1})),
            "x",
        )
        .err();
        assert!(
            err.is_some_and(
                |e| e.code == "BP_INVALID_FIELD" && e.message.contains("customerId, ref")
            )
        );
        let err = create_body(
            kind,
            &lists(),
            &write(json!({"customerId": 1, "statusName": "Sales credit", "rows": []})),
            "x",
        )
        .err();
        assert!(err.is_some_and(|e| e.message.contains("New web order")));
        let mut w = write(json!({"statusName": "New web order", "ref": "A1"}));
        w.id = Some("5".into());
        let err = status_update(kind, &lists(), &w, "5", "sales-order 5").err();
        assert!(
            err.is_some_and(|e| e.code == "BP_ORDER_FIELD_LOCKED" && e.message.contains("ref"))
        );
        let mut w = write(json!({"statusName": "New web order"}));
        w.id = Some("5".into());
        assert_eq!(
            status_update(kind, &lists(), &w, "5", "x").ok(),
            Some((5, Some(2)))
        );
    }
}
