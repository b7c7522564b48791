//! Product and product-availability rows (see the module docs of `flows::brightpearl`), and
//! finding products by SKU.

use super::lookups::{Lists, Lookups};
use super::scan::{cell_id, stamp_time};
use super::{call_error, invalid_field};
use crate::flows::adapters::{AdapterResult, Row};
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::{IdSet, MAX_IDS_PER_GET};
use ferry_brightpearl::model::catalogue::ProductPrice;
use ferry_brightpearl::search::{MAX_PAGE_SIZE, Search};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Reads products `ids` with their prices as rows.
pub(super) async fn read(
    client: &Client,
    lookups: &Lookups,
    ids: &IdSet,
) -> AdapterResult<Vec<Row>> {
    let lists = lookups.get(client).await?;
    let products: Vec<Value> = client
        .get_many(
            "/product-service/product?includeOptional=customFields",
            ids,
            MAX_IDS_PER_GET,
        )
        .await
        .map_err(|e| call_error(e, &format!("the product read of {ids}")))?;
    let found: IdSet = products
        .iter()
        .filter_map(|p| p.get("id")?.as_u64())
        .collect();
    let prices: BTreeMap<u64, ProductPrice> = if found.is_empty() {
        BTreeMap::new()
    } else {
        client
            .product_prices(&found)
            .await
            .map_err(|e| call_error(e, &format!("the product-price read of {found}")))?
            .into_iter()
            .map(|p| (p.product_id, p))
            .collect()
    };
    Ok(products
        .into_iter()
        .filter_map(|product| row(product, &prices, &lists))
        .collect())
}

/// The channel entry products are named by: "Brightpearl", else the first.
fn channel(product: &Value) -> Option<&Value> {
    let channels = product.get("salesChannels")?.as_array()?;
    channels
        .iter()
        .find(|c| c.get("salesChannelName").and_then(Value::as_str) == Some("Brightpearl"))
        .or_else(|| channels.first())
}

/// The row of one product GET record.
fn row(product: Value, prices: &BTreeMap<u64, ProductPrice>, lists: &Lists) -> Option<Row> {
    let id = product.get("id")?.as_u64()?;
    let Value::Object(mut data) = product else {
        return None;
    };
    let view = Value::Object(data.clone());
    let updated = view
        .get("updatedOn")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let sku = view
        .pointer("/identity/sku")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    data.insert("sku".into(), sku.map_or(Value::Null, Value::from));
    let channel = channel(&view);
    let name = channel
        .and_then(|c| c.get("productName"))
        .and_then(Value::as_str);
    data.insert("name".into(), name.map_or(Value::Null, Value::from));
    let description = channel
        .and_then(|c| c.pointer("/description/text"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty());
    data.insert(
        "description".into(),
        description.map_or(Value::Null, Value::from),
    );
    let brand = view
        .get("brandId")
        .and_then(Value::as_u64)
        .and_then(|b| lists.brands.get(&b));
    data.insert(
        "brandName".into(),
        brand.map_or(Value::Null, |b| Value::from(b.as_str())),
    );
    let categories: Vec<Value> = channel
        .and_then(|c| c.get("categories"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| cell_id(c.get("categoryCode")))
        .filter_map(|c| lists.categories.get(&c))
        .map(|n| Value::from(n.as_str()))
        .collect();
    data.insert("categoryNames".into(), Value::from(categories));
    data.insert(
        "active".into(),
        Value::from(view.get("status").and_then(Value::as_str) == Some("LIVE")),
    );
    let price_rows: Vec<Value> = prices
        .get(&id)
        .map(|p| p.price_lists.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|list| {
            let price = list.quantity_price.get(&1)?;
            let code = lists
                .price_lists
                .get(&list.price_list_id)
                .map(|(code, _)| code.as_str());
            Some(json!({
                "priceListId": list.price_list_id,
                "code": code,
                "currency": list.currency_code,
                "price": price.normalize().to_string(),
            }))
        })
        .collect();
    data.insert("prices".into(), Value::from(price_rows));
    Some(Row {
        id: id.to_string(),
        modified_at: updated.as_deref().and_then(stamp_time),
        version: updated,
        changed_by_ferry: None,
        data: Value::Object(data),
    })
}

/// Reads the availability of products `ids` as rows. `skus` (product id → SKU cell) comes from
/// a scan's search; without it, one product-search per 500 products reads the SKUs.
pub(super) async fn read_availability(
    client: &Client,
    ids: &IdSet,
    skus: Option<BTreeMap<u64, Value>>,
) -> AdapterResult<Vec<Row>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let availability: Vec<(u64, Value)> = client
        .get_many_keyed(
            "/warehouse-service/product-availability",
            ids,
            MAX_IDS_PER_GET,
        )
        .await
        .map_err(|e| call_error(e, &format!("the product-availability read of {ids}")))?;
    let skus = match skus {
        Some(skus) => skus,
        None => {
            let found: IdSet = availability.iter().map(|(id, _)| *id).collect();
            skus_of(client, &found).await?
        }
    };
    Ok(availability
        .into_iter()
        .map(|(id, figures)| {
            let sku = skus
                .get(&id)
                .filter(|s| s.as_str().is_some_and(|s| !s.is_empty()))
                .cloned()
                .unwrap_or(Value::Null);
            let total = figures.get("total").cloned().unwrap_or_else(|| json!({}));
            let warehouses = figures
                .get("warehouses")
                .cloned()
                .unwrap_or_else(|| json!({}));
            Row {
                id: id.to_string(),
                modified_at: None,
                version: None,
                changed_by_ferry: None,
                data: json!({
                    "productId": id,
                    "sku": sku,
                    "total": total,
                    "warehouses": warehouses,
                }),
            }
        })
        .collect())
}

/// Product id → SKU cell, from product-search (one search per 500 ids).
async fn skus_of(client: &Client, ids: &IdSet) -> AdapterResult<BTreeMap<u64, Value>> {
    let mut skus = BTreeMap::new();
    for chunk in ids.chunks(MAX_PAGE_SIZE as usize) {
        let search = Search::new(client, "product-service/product-search")
            .filter("productId", &chunk.to_string())
            .columns(&["productId", "SKU"])
            .stable_by("productId");
        let mut rows = std::pin::pin!(search.rows());
        while let Some(row) = rows.next().await {
            let row = row.map_err(|e| call_error(e, "the product search for SKUs"))?;
            if let Some(id) = cell_id(row.get("productId")) {
                skus.insert(id, row.get("SKU").cloned().unwrap_or(Value::Null));
            }
        }
    }
    Ok(skus)
}

/// Ids of products whose SKU is exactly `sku` (Brightpearl compares without case).
pub(super) async fn ids_with_sku(client: &Client, sku: &str) -> AdapterResult<BTreeSet<u64>> {
    let search = Search::new(client, "product-service/product-search")
        .filter("SKU", sku)
        .columns(&["productId", "SKU"])
        .stable_by("productId");
    let mut rows = std::pin::pin!(search.rows());
    let mut ids = BTreeSet::new();
    while let Some(row) = rows.next().await {
        let row = row.map_err(|e| call_error(e, &format!("the product search by SKU {sku:?}")))?;
        let same = row
            .get("SKU")
            .and_then(Value::as_str)
            .is_some_and(|found| found.trim().eq_ignore_ascii_case(sku.trim()));
        if same && let Some(id) = cell_id(row.get("productId")) {
            ids.insert(id);
        }
    }
    Ok(ids)
}

/// `Target::find` for products.
pub(super) async fn find(
    client: &Client,
    lookups: &Lookups,
    by: &[String],
    values: &[Vec<Value>],
) -> AdapterResult<Vec<Row>> {
    if !(by.len() == 1 && by[0].eq_ignore_ascii_case("sku")) {
        return Err(invalid_field(
            "a Brightpearl product lookup",
            &by.join(","),
            "products are found by [\"sku\"]; change the target's match keys",
        ));
    }
    let mut skus: Vec<String> = Vec::new();
    for tuple in values {
        let sku = match tuple.first() {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        if !skus.iter().any(|k| k.eq_ignore_ascii_case(&sku)) {
            skus.push(sku);
        }
    }
    let mut ids = BTreeSet::new();
    if skus.len() > 2 {
        // Many SKUs: one walk of the catalogue's (id, SKU) pairs costs fewer calls than a
        // search per SKU whenever the catalogue has fewer pages than there are SKUs.
        if let Some(found) = ids_by_walk(client, &skus).await? {
            return read(client, lookups, &found.into_iter().collect()).await;
        }
    }
    for sku in &skus {
        ids.extend(ids_with_sku(client, sku).await?);
    }
    read(client, lookups, &ids.into_iter().collect()).await
}

/// The ids of the products whose SKU is one of `skus` (ignoring case), by walking
/// `product-search` (id and SKU, 500 rows a page); `None`, after one page, when the catalogue
/// has as many pages as there are SKUs (a search per SKU is then no dearer).
async fn ids_by_walk(client: &Client, skus: &[String]) -> AdapterResult<Option<BTreeSet<u64>>> {
    let wanted: BTreeSet<String> = skus.iter().map(|s| s.to_lowercase()).collect();
    let mut search = Search::new(client, "product-service/product-search")
        .columns(&["productId", "SKU"])
        .page_size(MAX_PAGE_SIZE)
        .stable_by("productId");
    let mut ids = BTreeSet::new();
    let mut first = true;
    while let Some(page) = search
        .next_page()
        .await
        .map_err(|e| call_error(e, "the product search by SKU"))?
    {
        let meta = &page.response.meta_data;
        if first {
            first = false;
            let pages = meta.results_available.div_ceil(u64::from(MAX_PAGE_SIZE));
            if pages >= skus.len() as u64 {
                return Ok(None);
            }
        }
        let at = |name: &str| meta.columns.iter().position(|c| c.name == name);
        let (Some(id_at), Some(sku_at)) = (at("productId"), at("SKU")) else {
            return Ok(None);
        };
        for row in &page.response.results {
            let sku = row.get(sku_at).and_then(Value::as_str).map(str::trim);
            if sku.is_some_and(|s| wanted.contains(&s.to_lowercase()))
                && let Some(id) = cell_id(row.get(id_at))
            {
                ids.insert(id);
            }
        }
        if !meta.more_pages_available {
            break;
        }
    }
    Ok(Some(ids))
}
