//! The demo catalogue: brands, the category tree, seasons, product custom fields, one product
//! per style × colour × size of [`super::range`] (variants of a style share its name, so they
//! form one product group), prices on the cost, retail, trade and pound price lists, reorder
//! levels and the opening stock of the three warehouses.

use super::business::{popularity, shop_price};
use super::range::{BRANDS, CATEGORIES, DISCONTINUED, Kind, STYLES, Style};
use super::{Clock, Context as _};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::catalogue::{
    self, COST_PRICE_LIST, FOREIGN_PRICE_LIST, PriceBreaks, ProductStatus, RETAIL_PRICE_LIST,
    TRADE_PRICE_LIST,
};
use crate::brightpearl::account::stock::{
    self, Correction, MAIN_WAREHOUSE, UK_WAREHOUSE, WEST_WAREHOUSE,
};
use crate::brightpearl::api::body::parse_patch;
use crate::brightpearl::wire::Dec4;
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// Products are added over this stretch before the start of today (days ago, oldest first).
const LAUNCHED_DAYS_AGO: (i64, i64) = (540, 100);

/// The EAN-13 of product number `n`: prefix 29 (GS1's restricted-circulation range, so a
/// demo barcode never collides with a real product's), ten digits, then the check digit.
pub(crate) fn ean13(n: u64) -> String {
    let body = format!("29{:010}", n % 10_000_000_000);
    format!("{body}{}", ean_check_digit(&body))
}

/// The EAN-13 check digit of 12 digits: weights 1 and 3 alternating from the left.
pub(crate) fn ean_check_digit(twelve: &str) -> u32 {
    let sum: u32 = twelve
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(at, d)| if at % 2 == 0 { d } else { d * 3 })
        .sum();
    (10 - sum % 10) % 10
}

/// A colour's three-letter SKU code.
fn colour_code(colour: &str) -> String {
    let known = [
        ("Black", "BLK"),
        ("Olive", "OLV"),
        ("Slate Blue", "SLB"),
        ("Ember Red", "EMR"),
        ("Glacier Blue", "GLB"),
        ("Charcoal", "CHR"),
        ("Sand", "SND"),
        ("Forest Green", "FGR"),
        ("Navy", "NVY"),
        ("Heather Grey", "HGR"),
        ("Moss", "MOS"),
        ("Rust", "RST"),
        ("Brown", "BRN"),
        ("Grey", "GRY"),
        ("Teal", "TEA"),
        ("Coral", "CRL"),
        ("Orange", "ORG"),
    ];
    known.iter().find(|(name, _)| *name == colour).map_or_else(
        || {
            colour
                .chars()
                .filter(char::is_ascii_alphabetic)
                .take(3)
                .collect::<String>()
                .to_uppercase()
        },
        |(_, code)| (*code).to_string(),
    )
}

/// A size's SKU code (`S/M` → `SM`, `Regular` → `REG`).
fn size_code(size: &str) -> String {
    match size {
        "Regular" => "REG".into(),
        "Long" => "LNG".into(),
        "Wide" => "WDE".into(),
        other => other.chars().filter(char::is_ascii_alphanumeric).collect(),
    }
}

/// Which supplier (index into `names::SUPPLIERS`) makes a category's goods.
fn supplier_of(category: &str) -> Option<usize> {
    Some(match category {
        "jackets" | "fleece" | "tops" | "bottoms" => 0,
        "boots" | "shoes" => 1,
        "kitchen" | "lighting" | "bottles" => 2,
        "base" | "socks" => 3,
        "packs" | "tents" | "sleep" => 4,
        "headwear" => 5,
        _ => return None,
    })
}

/// The season a category sells in (index into the seasons made here).
fn season_of(category: &str) -> usize {
    match category {
        "jackets" | "fleece" | "base" | "headwear" | "boots" => 2,
        "tops" | "bottoms" | "shoes" | "bottles" => 1,
        _ => 0,
    }
}

/// One product to make.
struct Variant {
    style: &'static Style,
    colour: &'static str,
    size: &'static str,
}

fn variants() -> Vec<Variant> {
    let mut out = Vec::new();
    for style in STYLES {
        let colours: &[&str] = if style.colours.is_empty() {
            &[""]
        } else {
            style.colours
        };
        for colour in colours {
            for size in style.sizes.labels() {
                out.push(Variant {
                    style,
                    colour,
                    size,
                });
            }
        }
    }
    out
}

/// The number of products the catalogue has (for tests and docs).
pub fn product_count() -> usize {
    variants().len()
}

/// Makes the catalogue. `suppliers` are the supplier contact ids in `names::SUPPLIERS` order.
pub(super) fn build<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    clock: &Clock,
    suppliers: &[u64],
) -> anyhow::Result<()> {
    clock.set(account, clock.days_ago(LAUNCHED_DAYS_AGO.0 + 10));
    let mut brands = Vec::with_capacity(BRANDS.len());
    for (name, _, description) in BRANDS {
        let id =
            catalogue::create_brand(account, &json!({"name": name, "description": description}))
                .at(|| format!("brand {name}"))?;
        brands.push(id);
    }
    let mut categories: BTreeMap<&str, u64> = BTreeMap::new();
    for (key, name, parent) in CATEGORIES {
        let parent_id = categories.get(parent).copied().unwrap_or(0);
        let id = catalogue::create_category(account, &json!({"name": name, "parentId": parent_id}))
            .at(|| format!("category {name}"))?;
        categories.insert(key, id);
    }
    let mut seasons = Vec::new();
    for (name, description) in [
        ("All Season", "Sold all year"),
        ("Spring / Summer", "Warm-weather range"),
        ("Autumn / Winter", "Cold-weather range"),
    ] {
        seasons.push(
            catalogue::create_season(account, &json!({"name": name, "description": description}))
                .at(|| format!("season {name}"))?,
        );
    }
    for (code, name, kind) in [
        ("PCF_COLOUR", "Colour", "TEXT"),
        ("PCF_SIZE", "Size", "TEXT"),
        ("PCF_MATERIAL", "Main material", "TEXT"),
        ("PCF_WATERPROOF", "Waterproof", "YES_NO"),
        ("PCF_WARRANTY", "Warranty (years)", "INTEGER"),
    ] {
        catalogue::define_custom_field(account, code, name, kind, &[])
            .at(|| format!("product custom field {code}"))?;
    }

    let all = variants();
    let (from, to) = (
        clock.days_ago(LAUNCHED_DAYS_AGO.0),
        clock.days_ago(LAUNCHED_DAYS_AGO.1),
    );
    let step = (to - from) / all.len().max(1) as i64;
    let mut style_prices: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut discontinued = Vec::new();
    for (n, variant) in all.iter().enumerate() {
        clock.set(account, from + step * n as i64);
        let style = variant.style;
        let retail = *style_prices
            .entry(style.code)
            .or_insert_with(|| match style.kind {
                Kind::Goods => shop_price(
                    Decimal::from(style.price) * Decimal::new(rng.random_range(96..=104), 2),
                    Decimal::new(5, 2),
                ),
                Kind::GiftCard | Kind::Service => Decimal::from(style.price),
            });
        let id = make_product(
            account,
            rng,
            variant,
            n as u64,
            &brands,
            &categories,
            &seasons,
            suppliers,
        )?;
        set_product_prices(account, rng, id, style, retail)?;
        if DISCONTINUED.contains(&(style.code, variant.colour)) {
            discontinued.push(id);
        } else if style.kind == Kind::Goods {
            let level = 3 + i64::from(popularity(account, id)) / 8;
            for (warehouse, level, quantity) in [
                (MAIN_WAREHOUSE, level, level * 3),
                (WEST_WAREHOUSE, 2, 8),
                (UK_WAREHOUSE, 2, 8),
            ] {
                catalogue::set_reorder(account, id, warehouse, level, quantity)
                    .at(|| format!("reorder level of product {id}"))?;
            }
        }
    }
    clock.set(account, to);
    for id in discontinued {
        catalogue::update_product(account, id, &json!({"status": ProductStatus::Discontinued.as_str(), "salesPopupMessage": "Discontinued: offer the current colourway"}), None)
            .at(|| format!("discontinuing product {id}"))?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn make_product<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    variant: &Variant,
    n: u64,
    brands: &[u64],
    categories: &BTreeMap<&str, u64>,
    seasons: &[u64],
    suppliers: &[u64],
) -> anyhow::Result<u64> {
    let style = variant.style;
    let (brand_name, prefix, _) = BRANDS[style.brand];
    let sku = match style.kind {
        Kind::Goods => {
            let mut sku = format!("{prefix}-{}", style.code);
            if !variant.colour.is_empty() {
                sku = format!("{sku}-{}", colour_code(variant.colour));
            }
            if !variant.size.is_empty() {
                sku = format!("{sku}-{}", size_code(variant.size));
            }
            sku
        }
        Kind::GiftCard | Kind::Service => style.code.to_string(),
    };
    let barcode = ean13(1_000_000 + n * 37);
    let sub = categories.get(style.category).copied().unwrap_or(0);
    let top = CATEGORIES
        .iter()
        .find(|(key, _, _)| *key == style.category)
        .and_then(|(_, _, parent)| categories.get(parent))
        .copied();
    let mut category_codes = vec![json!({"categoryCode": sub.to_string()})];
    if let Some(top) = top {
        category_codes.push(json!({"categoryCode": top.to_string()}));
    }
    let tracked = style.kind == Kind::Goods;
    let supplier = supplier_of(style.category)
        .and_then(|i| suppliers.get(i))
        .copied();
    let mut identity = json!({"sku": sku, "barcode": barcode});
    if tracked {
        identity["ean"] = json!(barcode);
        identity["mpn"] = json!(format!("{}{:05}", &prefix[..2], 10_000 + n * 13));
    }
    let detail = match style.kind {
        Kind::Goods => format!(
            "{} in {}{}.",
            style.name,
            style.material,
            if style.waterproof {
                ", fully waterproof"
            } else {
                ""
            }
        ),
        Kind::GiftCard => "Redeemable online and in store; never expires.".to_string(),
        Kind::Service => "Workshop service: drop off in store or post it to us.".to_string(),
    };
    let mut body = json!({
        "brandId": brands[style.brand],
        "identity": identity,
        "featured": tracked && rng.random_range(0..25) == 0,
        "stock": {"stockTracked": tracked, "weight": {"magnitude": style.weight}},
        "financialDetails": {
            "taxable": style.kind != Kind::GiftCard,
            "taxCode": {"code": if style.kind == Kind::GiftCard { "N" } else { "T" }},
        },
        "salesChannels": [{
            "salesChannelName": "Brightpearl",
            "productName": style.name,
            "productCondition": "new",
            "categories": category_codes,
            "description": {"languageCode": "en", "text": format!("<p>{detail} From {}.</p>", brand_name.trim_end_matches('.')), "format": "HTML_FRAGMENT"},
            "shortDescription": {"languageCode": "en", "text": detail, "format": "HTML_FRAGMENT"},
        }],
        "seasonIds": [seasons[season_of(style.category)]],
    });
    if let Some(supplier) = supplier {
        body["primarySupplierId"] = json!(supplier);
    }
    let id = catalogue::create_product(account, &body).at(|| format!("product {sku}"))?;
    let mut ops: Vec<Json> = Vec::new();
    if !variant.colour.is_empty() {
        ops.push(json!({"op": "add", "path": "/PCF_COLOUR", "value": variant.colour}));
    }
    if !variant.size.is_empty() {
        ops.push(json!({"op": "add", "path": "/PCF_SIZE", "value": variant.size}));
    }
    if tracked {
        ops.push(json!({"op": "add", "path": "/PCF_MATERIAL", "value": style.material}));
        ops.push(json!({"op": "add", "path": "/PCF_WATERPROOF", "value": style.waterproof}));
        if matches!(style.category, "jackets" | "packs" | "tents" | "boots") {
            ops.push(json!({"op": "add", "path": "/PCF_WARRANTY", "value": if style.brand == 0 { 5 } else { 2 }}));
        }
    }
    if !ops.is_empty() {
        let ops = parse_patch(Json::Array(ops).to_string().as_bytes())
            .at(|| format!("custom fields of {sku}"))?;
        catalogue::patch_custom_fields(account, id, &ops)
            .at(|| format!("custom fields of {sku}"))?;
    }
    Ok(id)
}

fn breaks(points: &[(u64, Decimal)]) -> PriceBreaks {
    points
        .iter()
        .map(|(q, p)| (*q, Dec4::new(p.round_dp(2))))
        .collect()
}

/// Cost, retail, trade (with quantity breaks) and pound prices. Gift cards sell at face value
/// in dollars only; services have no trade price.
fn set_product_prices<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    id: u64,
    style: &Style,
    retail: Decimal,
) -> anyhow::Result<()> {
    let pounds = shop_price(retail * Decimal::new(87, 2), Decimal::new(1, 2));
    let cost_share = Decimal::new(rng.random_range(38..=52), 2);
    let lists = match style.kind {
        Kind::GiftCard => vec![(RETAIL_PRICE_LIST, breaks(&[(1, retail)]))],
        Kind::Service => vec![
            (
                COST_PRICE_LIST,
                breaks(&[(1, retail * Decimal::new(30, 2))]),
            ),
            (RETAIL_PRICE_LIST, breaks(&[(1, retail)])),
            (FOREIGN_PRICE_LIST, breaks(&[(1, pounds)])),
        ],
        Kind::Goods => {
            let trade = retail * Decimal::new(60, 2);
            vec![
                (COST_PRICE_LIST, breaks(&[(1, retail * cost_share)])),
                (RETAIL_PRICE_LIST, breaks(&[(1, retail)])),
                (
                    TRADE_PRICE_LIST,
                    breaks(&[
                        (1, trade),
                        (10, trade * Decimal::new(95, 2)),
                        (25, trade * Decimal::new(90, 2)),
                    ]),
                ),
                (FOREIGN_PRICE_LIST, breaks(&[(1, pounds)])),
            ]
        }
    };
    catalogue::set_prices(account, id, &lists).at(|| format!("prices of product {id}"))
}

/// The stock the warehouses hold before the history starts: a stock take entered as stock
/// corrections at cost. The main warehouse holds most lines; the West Coast and UK
/// warehouses carry a subset; a few new lines are not in stock anywhere yet.
pub(super) fn opening_stock<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
) -> anyhow::Result<()> {
    let base = account.settings.base_currency.clone();
    let mut per_warehouse: BTreeMap<u64, Vec<Correction>> = BTreeMap::new();
    let products: Vec<(u64, i64)> = account
        .catalogue
        .products
        .values()
        .filter(|p| p.stock_tracked() && p.status == ProductStatus::Live)
        .map(|p| {
            (
                p.id,
                p.warehouses
                    .get(&MAIN_WAREHOUSE)
                    .map_or(3, |w| w.reorder_level),
            )
        })
        .collect();
    for (id, level) in products {
        if rng.random_range(0..100) < 4 {
            continue;
        }
        let cost = account
            .catalogue
            .price(id, COST_PRICE_LIST, Decimal::ONE)
            .unwrap_or_default();
        let quantities = [
            (MAIN_WAREHOUSE, level * rng.random_range(2..=6)),
            (
                WEST_WAREHOUSE,
                if rng.random_range(0..10) < 4 {
                    0
                } else {
                    rng.random_range(2..=12)
                },
            ),
            (
                UK_WAREHOUSE,
                if rng.random_range(0..10) < 3 {
                    0
                } else {
                    rng.random_range(2..=15)
                },
            ),
        ];
        for (warehouse, quantity) in quantities.into_iter().filter(|(_, q)| *q > 0) {
            per_warehouse
                .entry(warehouse)
                .or_default()
                .push(Correction {
                    product_id: id,
                    quantity,
                    reason: "Opening stock take".into(),
                    location_id: None,
                    cost: Some((base.clone(), cost)),
                });
        }
    }
    for (warehouse, corrections) in per_warehouse {
        stock::correct(account, warehouse, &corrections)
            .at(|| format!("opening stock of warehouse {warehouse}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn barcodes_carry_valid_check_digits() {
        // 4006381333931 is the textbook EAN-13.
        assert_eq!(ean_check_digit("400638133393"), 1);
        let code = ean13(1_000_037);
        assert_eq!(code.len(), 13);
        assert!(code.starts_with("29"));
        let check = code[12..].parse::<u32>().unwrap();
        assert_eq!(ean_check_digit(&code[..12]), check);
    }

    #[test]
    fn the_range_has_more_than_five_hundred_products_with_unique_skus() {
        assert!(product_count() >= 500, "{}", product_count());
        let mut skus = std::collections::BTreeSet::new();
        for v in variants() {
            let sku = format!(
                "{}-{}-{}",
                v.style.code,
                colour_code(v.colour),
                size_code(v.size)
            );
            assert!(skus.insert(sku.clone()), "{sku} repeated");
        }
    }
}
