//! `POST /__sandbox/load`: puts records into the account exactly as Brightpearl's GET shows
//! them, under their own ids. This is how a test (the cassette conformance suite above all)
//! seeds "the same records" a recording ran against: take the recorded GET body, load it,
//! replay the request.
//!
//! Body: `{"kind": "order", "records": [ …GET-shaped records… ]}`. Kinds whose GET answers a
//! map keyed by id (goods-out notes, product availability, contact tags) also take that map as
//! `records`; goods-out notes and availability carry no id of their own, so they need it.
//! Every record is read before anything changes: one bad record refuses the whole call with
//! 400, naming the record, serde's complaint and the GET whose shape is expected. A loaded
//! record replaces any record with its id, and the id sequences move past it so later creates
//! do not collide. Loading is seeding, not business: no webhook events are raised and no
//! derived figure (order status codes, availability) is recomputed.

use super::AppState;
use super::admin::{answer, parse, refuse};
use crate::brightpearl::account::{
    Account, accounting, catalogue, contacts, goods_out, orders, stock,
};
use crate::brightpearl::webhooks::{Webhook, Webhooks};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// The record-loading route (under /__sandbox/).
pub fn routes() -> Router<AppState> {
    Router::new().route("/__sandbox/load", post(load))
}

/// Every kind, with the GET whose response elements are its records.
pub const KINDS: &[(&str, &str)] = &[
    ("contact", "GET /contact-service/contact/{id}"),
    ("postal-address", "GET /contact-service/postal-address/{id}"),
    ("company", "GET /contact-service/company/{id}"),
    ("contact-tag", "GET /contact-service/tag/{id}"),
    ("contact-group", "GET /contact-service/contact-group/{id}"),
    ("lead-source", "GET /contact-service/lead-source/{id}"),
    (
        "customer-custom-field",
        "GET /contact-service/customer/custom-field-meta-data",
    ),
    (
        "supplier-custom-field",
        "GET /contact-service/supplier/custom-field-meta-data",
    ),
    ("product", "GET /product-service/product/{id}"),
    ("product-price", "GET /product-service/product-price/{id}"),
    (
        "product-availability",
        "GET /warehouse-service/product-availability/{id} (a map keyed by product id)",
    ),
    ("price-list", "GET /product-service/price-list/{id}"),
    ("brand", "GET /product-service/brand/{id}"),
    (
        "brightpearl-category",
        "GET /product-service/brightpearl-category/{id}",
    ),
    ("product-type", "GET /product-service/product-type/{id}"),
    ("season", "GET /product-service/season/{id}"),
    ("channel", "GET /product-service/channel/{id}"),
    (
        "product-custom-field",
        "GET /product-service/product/custom-field-meta-data",
    ),
    ("warehouse", "GET /warehouse-service/warehouse/{id}"),
    (
        "shipping-method",
        "GET /warehouse-service/shipping-method/{id}",
    ),
    ("order", "GET /order-service/order/{id}"),
    ("order-status", "GET /order-service/order-status/{id}"),
    (
        "sale-custom-field",
        "GET /order-service/sale/custom-field-meta-data/{id}",
    ),
    (
        "purchase-custom-field",
        "GET /order-service/purchase/custom-field-meta-data/{id}",
    ),
    (
        "goods-out-note",
        "GET /warehouse-service/order/*/goods-note/goods-out/{id} (a map keyed by note id)",
    ),
    (
        "customer-payment",
        "a customer-payment-search row as an object (column name → value) plus exchangeRate",
    ),
    ("journal", "GET /accounting-service/journal/{id}"),
    ("tax-code", "GET /accounting-service/tax-code/{id}"),
    ("currency", "GET /accounting-service/currency/{id}"),
    ("nominal-code", "GET /accounting-service/nominal-code/{id}"),
    (
        "payment-method",
        "GET /accounting-service/payment-method/{id}",
    ),
    ("webhook", "GET /integration-service/webhook/{id}"),
];

const EXAMPLE: &str =
    r#"{"kind":"order","records":[{"id":1,"orderTypeCode":"SO", …as GET answers…}]}"#;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoadBody {
    kind: String,
    records: Json,
}

/// A record read and checked, waiting to go in.
/// Only the webhook registry's can fail (see [`with_webhook`]).
type Insert = Box<dyn FnOnce(&mut Account) -> Result<(), String> + Send>;

/// Wraps an insert that cannot fail.
fn insert(f: impl FnOnce(&mut Account) + Send + 'static) -> Result<Insert, String> {
    Ok(Box::new(move |account: &mut Account| {
        f(account);
        Ok(())
    }))
}

async fn load(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let body: LoadBody = match parse(&body, EXAMPLE) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(&(kind, source)) = KINDS.iter().find(|(k, _)| *k == body.kind) else {
        let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
        return refuse(format!(
            "kind {:?} is not loadable; use one of {}",
            body.kind,
            names.join(", ")
        ));
    };
    let entries = match entries(&body.records) {
        Ok(entries) => entries,
        Err(e) => return refuse(e),
    };
    let mut staged = Vec::with_capacity(entries.len());
    for (n, (key, value)) in entries.into_iter().enumerate() {
        let label = match key {
            Some(key) => format!("record {n} (key \"{key}\")"),
            None => format!("record {n}"),
        };
        match read(kind, key, value) {
            Ok(insert) => staged.push(insert),
            Err(e) => {
                return refuse(format!(
                    "{label} is not a {kind}: {e}; send it exactly as {source} shows it (one element of \"response\")"
                ));
            }
        }
    }
    let mut loaded = 0;
    let failed = {
        let mut account = state.account();
        staged
            .into_iter()
            .find_map(|insert| match insert(&mut account) {
                Ok(()) => {
                    loaded += 1;
                    None
                }
                Err(e) => Some(e),
            })
    };
    state.touch();
    match failed {
        None => answer(StatusCode::OK, json!({ "loaded": loaded })),
        Some(e) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "error": format!("{loaded} records loaded, then record {loaded} failed: {e}; this is a sandbox bug, please report it"), "loaded": loaded }),
        ),
    }
}

/// The records of `records`: a list, or a map keyed by record id (as some GETs answer).
fn entries(records: &Json) -> Result<Vec<(Option<u64>, &Json)>, String> {
    match records {
        Json::Array(items) => Ok(items.iter().map(|item| (None, item)).collect()),
        Json::Object(map) => map
            .iter()
            .map(|(key, value)| match key.parse::<u64>() {
                Ok(id) if id > 0 => Ok((Some(id), value)),
                _ => Err(format!(
                    "records is a map, so its keys must be record ids (as in GET answers keyed by id), but it has the key {key:?}; send a list of records or a map of id → record"
                )),
            })
            .collect(),
        other => Err(format!(
            "records must be a list of records (or a map of id → record), not {other}"
        )),
    }
}

fn typed<T: DeserializeOwned>(value: Json) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// The record's own id must agree with the map key it came under.
fn same_id(key: Option<u64>, id: u64) -> Result<(), String> {
    match key {
        Some(key) if key != id => Err(format!("its id {id} differs from its key {key}")),
        _ => Ok(()),
    }
}

/// The key a record without an id of its own needs.
fn needs_key(key: Option<u64>, what: &str) -> Result<u64, String> {
    key.ok_or_else(|| {
        format!("a {what} carries no id of its own: send records as a map of id → record")
    })
}

/// Takes `name` out of an object record (the extras some kinds accept beside the GET shape).
fn take(value: &mut Json, name: &str) -> Option<Json> {
    value.as_object_mut().and_then(|map| map.remove(name))
}

fn object(value: Option<Json>, name: &str) -> Result<Option<Map<String, Json>>, String> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Object(map)) => Ok(Some(map)),
        Some(other) => Err(format!(
            "{name} must be an object of code → value, not {other}"
        )),
    }
}

/// Reads one record of `kind` (filed under `key` when `records` was a map).
fn read(kind: &str, key: Option<u64>, value: &Json) -> Result<Insert, String> {
    let mut value = value.clone();
    macro_rules! simple {
        ($ty:ty, $id:ident, $sequence:expr, |$a:ident| $map:expr) => {{
            let record: $ty = typed(value)?;
            let id = record.$id;
            same_id(key, id)?;
            insert(move |$a: &mut Account| {
                $a.sequences.observe($sequence, id);
                $map.insert(id, record);
            })
        }};
    }
    match kind {
        "contact" => {
            let custom = object(take(&mut value, "customFields"), "customFields")?;
            let is_customer = match take(&mut value, "isCustomer") {
                None => None,
                Some(Json::Bool(b)) => Some(b),
                Some(other) => {
                    return Err(format!("isCustomer must be true or false, not {other}"));
                }
            };
            let contact: contacts::Contact = typed(value)?;
            same_id(key, contact.contact_id)?;
            let mut record = contacts::ContactRecord::new(contact);
            if let Some(custom) = custom {
                record.custom_fields = custom;
            }
            if let Some(is_customer) = is_customer {
                record.is_customer = is_customer;
            }
            insert(move |a: &mut Account| contacts::insert_contact(a, record))
        }
        "postal-address" => {
            let address: contacts::PostalAddress = typed(value)?;
            same_id(key, address.address_id)?;
            insert(move |a: &mut Account| contacts::insert_postal_address(a, address))
        }
        "company" => simple!(contacts::Company, id, contacts::COMPANY_SEQUENCE, |a| a
            .contacts
            .companies),
        "contact-tag" => simple!(contacts::Tag, tag_id, contacts::TAG_SEQUENCE, |a| a
            .contacts
            .tags),
        "contact-group" => simple!(contacts::ContactGroup, id, contacts::GROUP_SEQUENCE, |a| a
            .contacts
            .groups),
        "lead-source" => simple!(
            contacts::LeadSource,
            id,
            contacts::LEAD_SOURCE_SEQUENCE,
            |a| a.contacts.lead_sources
        ),
        "customer-custom-field" | "supplier-custom-field" => {
            let meta: contacts::CustomFieldMeta = typed(value)?;
            same_id(key, meta.id)?;
            let customer = kind == "customer-custom-field";
            insert(move |a: &mut Account| {
                let fields = if customer {
                    &mut a.contacts.customer_fields
                } else {
                    &mut a.contacts.supplier_fields
                };
                fields.insert(meta.id, meta);
                let Account {
                    contacts,
                    sequences,
                    ..
                } = a;
                contacts.observe_sequences(sequences);
            })
        }
        "product" => {
            let custom = object(take(&mut value, "customFields"), "customFields")?;
            let product: catalogue::Product = typed(value)?;
            let id = product.id;
            same_id(key, id)?;
            insert(move |a: &mut Account| {
                a.sequences.observe("product", id);
                if let Some(group) = product.product_group_id {
                    a.sequences.observe("product-group", group);
                }
                a.catalogue.products.insert(id, product);
                if let Some(custom) = custom {
                    a.catalogue.custom_fields.insert(id, custom);
                }
            })
        }
        "product-price" => {
            let prices: LoadedPrices = typed(value)?;
            same_id(key, prices.product_id)?;
            let lists: BTreeMap<u64, catalogue::PriceBreaks> = prices
                .price_lists
                .into_iter()
                .filter(|list| !list.quantity_price.is_empty())
                .map(|list| (list.price_list_id, list.quantity_price))
                .collect();
            let id = prices.product_id;
            insert(move |a: &mut Account| {
                if lists.is_empty() {
                    a.catalogue.prices.remove(&id);
                } else {
                    a.catalogue.prices.insert(id, lists);
                }
            })
        }
        "product-availability" => {
            let product = needs_key(key, "product availability")?;
            let availability: LoadedAvailability = typed(value)?;
            insert(move |a: &mut Account| {
                let mut levels = BTreeMap::new();
                for (warehouse, q) in availability.warehouses {
                    let location = a
                        .stock
                        .default_locations
                        .get(&warehouse)
                        .copied()
                        .unwrap_or(warehouse);
                    let level = stock::StockLevel {
                        in_stock_by_location: BTreeMap::from([(location, q.in_stock)]),
                        allocated: q.allocated,
                        in_transit: q.in_transit,
                    };
                    levels.insert(warehouse, level);
                }
                a.stock.levels.insert(product, levels);
            })
        }
        "price-list" => simple!(catalogue::PriceList, id, "price-list", |a| a
            .catalogue
            .price_lists),
        "brand" => simple!(catalogue::Brand, id, "brand", |a| a.catalogue.brands),
        "brightpearl-category" => simple!(catalogue::Category, id, "brightpearl-category", |a| a
            .catalogue
            .categories),
        "product-type" => simple!(catalogue::ProductType, id, "product-type", |a| a
            .catalogue
            .product_types),
        "season" => simple!(catalogue::Season, id, "season", |a| a.catalogue.seasons),
        "channel" => simple!(catalogue::Channel, id, "channel", |a| a.catalogue.channels),
        "product-custom-field" => simple!(
            catalogue::CustomFieldMeta,
            id,
            "product-custom-field",
            |a| a.catalogue.custom_field_meta
        ),
        "warehouse" => simple!(stock::Warehouse, id, "warehouse", |a| a.stock.warehouses),
        "shipping-method" => simple!(stock::ShippingMethod, id, "shipping-method", |a| a
            .stock
            .shipping_methods),
        "order" => {
            let custom = object(take(&mut value, "customFields"), "customFields")?;
            take(&mut value, "nullCustomFields");
            let order: orders::Order = typed(value)?;
            let id = order.id;
            same_id(key, id)?;
            let last_row = order.order_rows.keys().next_back().copied().unwrap_or(0);
            insert(move |a: &mut Account| {
                a.sequences.observe(orders::ORDER_SEQUENCE, id);
                a.sequences.observe(orders::ROW_SEQUENCE, last_row);
                a.orders.orders.insert(id, order);
                if let Some(custom) = custom {
                    a.orders.custom_values.insert(id, custom);
                }
            })
        }
        "order-status" => simple!(
            orders::OrderStatus,
            status_id,
            orders::STATUS_SEQUENCE,
            |a| a.orders.statuses
        ),
        "sale-custom-field" | "purchase-custom-field" => {
            let mut meta: orders::CustomFieldMeta = typed(value)?;
            same_id(key, meta.id)?;
            meta.set = if kind == "sale-custom-field" {
                orders::CustomFieldSet::Sale
            } else {
                orders::CustomFieldSet::Purchase
            };
            insert(move |a: &mut Account| orders::insert_custom_field(a, meta))
        }
        "goods-out-note" => {
            let id = needs_key(key, "goods-out note")?;
            let note: goods_out::GoodsOutNote = typed(value)?;
            insert(move |a: &mut Account| {
                a.sequences.observe(goods_out::NOTE_SEQUENCE, id);
                a.sequences
                    .observe(goods_out::EVENT_VERSION_SEQUENCE, note.last_event_version);
                a.goods_out.notes.insert(id, note);
            })
        }
        "customer-payment" => simple!(
            accounting::CustomerPayment,
            payment_id,
            accounting::PAYMENT_SEQUENCE,
            |a| a.accounting.customer_payments
        ),
        "journal" => simple!(accounting::Journal, id, "journal", |a| a
            .accounting
            .journals),
        "tax-code" => simple!(accounting::TaxCode, id, "tax-code", |a| a
            .accounting
            .tax_codes),
        "currency" => simple!(accounting::Currency, id, "currency", |a| a
            .accounting
            .currencies),
        "nominal-code" => simple!(accounting::NominalCode, id, "nominal-code", |a| a
            .accounting
            .nominal_codes),
        "payment-method" => simple!(accounting::PaymentMethod, id, "payment-method", |a| a
            .accounting
            .payment_methods),
        "webhook" => {
            let webhook: Webhook = typed(value)?;
            same_id(key, webhook.id)?;
            Ok(Box::new(move |a: &mut Account| {
                a.webhooks = with_webhook(&a.webhooks, webhook)?;
                Ok(())
            }))
        }
        other => Err(format!("the kind {other} has no loader")),
    }
}

/// `webhooks` with `webhook` in place (replacing one with its id), and the next id past it.
/// The registry keeps its list private and offers no insert; it is plain serde data (the
/// state file), so the loader goes through that.
fn with_webhook(webhooks: &Webhooks, webhook: Webhook) -> Result<Webhooks, String> {
    let rebuilt = (|| {
        let Json::Object(mut registry) = serde_json::to_value(webhooks).ok()? else {
            return None;
        };
        let mut hooks: Vec<Webhook> = serde_json::from_value(registry.remove("hooks")?).ok()?;
        let next = registry.get("next_id").and_then(Json::as_u64).unwrap_or(1);
        let id = webhook.id;
        hooks.retain(|h| h.id != id);
        hooks.push(webhook);
        hooks.sort_by_key(|h| h.id);
        registry.insert("hooks".into(), serde_json::to_value(&hooks).ok()?);
        registry.insert("next_id".into(), json!(next.max(id + 1)));
        serde_json::from_value(Json::Object(registry)).ok()
    })();
    rebuilt.ok_or_else(|| {
        "the webhook registry no longer serialises as {next_id, hooks}; update api/load.rs".into()
    })
}

/// `GET /product-service/product-price/{id}` element.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoadedPrices {
    product_id: u64,
    price_lists: Vec<LoadedListPrices>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoadedListPrices {
    price_list_id: u64,
    #[serde(default)]
    quantity_price: catalogue::PriceBreaks,
}

/// `GET /warehouse-service/product-availability/{id}` value of one product.
#[derive(Deserialize)]
struct LoadedAvailability {
    #[serde(default)]
    warehouses: BTreeMap<u64, LoadedQuantities>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoadedQuantities {
    in_stock: i64,
    #[serde(default)]
    allocated: i64,
    #[serde(default)]
    in_transit: i64,
}
