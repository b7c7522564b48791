//! Product writes as plain operations: defaults, validation that changes nothing, grouping,
//! versions, events, prices and the accessors other areas use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::brightpearl::account::{Account, Settings};
use crate::brightpearl::events::Lifecycle;
use serde_json::json;

fn account() -> Account {
    let mut account = Account::standard(Settings::default());
    account.frozen_now_ms = Some(1_700_000_000_000);
    account
}

fn events(account: &mut Account) -> Vec<String> {
    account
        .take_events()
        .iter()
        .map(|e| format!("{} {}", e.full_event(), e.id))
        .collect()
}

#[test]
fn create_fills_the_defaults_of_the_recorded_products() {
    let mut a = account();
    let id = create_product(
        &mut a,
        &json!({"brandId": 1, "salesChannels": [{"productName": "Plain Tee"}]}),
    )
    .unwrap();
    assert_eq!(id, FIRST_PRODUCT_ID);
    let p = a.catalogue.product(id).unwrap();
    assert_eq!(p.name(), "Plain Tee");
    assert_eq!(p.sku(), "");
    assert!(
        !p.stock_tracked(),
        "no stock block: not tracked, as product 1579 was"
    );
    assert_eq!(
        p.tax_code(),
        &TaxCodeRef {
            id: 2,
            code: "T".into()
        }
    );
    assert_eq!(p.nominal_code_sales, "4000");
    assert_eq!(p.version, 1_700_000_000_000);
    assert_eq!(p.product_type_id, 1);
    assert_eq!(p.warehouses.len(), 3);
    let rendered = serde_json::to_value(p).unwrap();
    assert_eq!(rendered["identity"], json!({"barcode": ""}));
    assert!(rendered.get("productGroupId").is_none());
    assert!(rendered.get("customFields").is_none());
    assert_eq!(events(&mut a), [format!("product.created {id}")]);
}

#[test]
fn refused_bodies_change_nothing() {
    let mut a = account();
    for body in [
        json!({"salesChannels": [{"productName": "X"}]}),
        json!({"brandId": null, "salesChannels": [{"productName": "X"}]}),
        json!({"brandId": 1}),
        json!({"brandId": 1, "salesChannels": []}),
        json!({"brandId": 1, "salesChannels": [{"productName": "X"}], "stock": {"weight": {"magnitude": -1}}}),
        json!({"brandId": 1, "salesChannels": [{"productName": "X"}], "nominalCodeSales": "9999"}),
        json!({"brandId": 1, "salesChannels": [{"productName": "X"}], "financialDetails": {"taxCode": {"id": 77}}}),
        json!({"brandId": 1, "salesChannels": [{"productName": "X"}], "composition": {"bundle": true}}),
        json!({"brandId": 1, "salesChannels": [{"productName": "X"}], "seasonIds": [5]}),
        json!([1, 2]),
    ] {
        assert!(create_product(&mut a, &body).is_err(), "{body} accepted");
    }
    let missing = create_product(&mut a, &json!({"salesChannels": [{"productName": "X"}]}));
    let missing = missing.unwrap_err();
    assert_eq!(missing.errors[0].code, "PRDC-014");
    assert_eq!(missing.errors[0].message, "You must supply a brand ID.");
    assert!(a.catalogue.products.is_empty());
    assert!(a.take_events().is_empty());
}

#[test]
fn same_names_share_a_group() {
    let mut a = account();
    let body = json!({"brandId": 1, "salesChannels": [{"productName": "Guanto"}]});
    let first = create_product(&mut a, &body).unwrap();
    let second = create_product(&mut a, &body).unwrap();
    let third = create_product(&mut a, &body).unwrap();
    let group = a.catalogue.product(first).unwrap().product_group_id;
    assert!(group.is_some());
    assert_eq!(a.catalogue.product(second).unwrap().product_group_id, group);
    assert_eq!(a.catalogue.product(third).unwrap().product_group_id, group);
    assert_eq!(
        events(&mut a),
        [
            format!("product.created {first}"),
            format!("product.created {second}"),
            format!("product.modified {first}"),
            format!("product.created {third}"),
        ]
    );
}

#[test]
fn updates_move_the_version_and_check_if_match() {
    let mut a = account();
    let id = create_product(
        &mut a,
        &json!({"brandId": 1, "identity": {"sku": "A-1", "ean": "5012345678900"},
                "salesChannels": [{"productName": "A", "description": {"text": "<p>Soft</p>"}}]}),
    )
    .unwrap();
    a.take_events();
    let version = a.catalogue.product(id).unwrap().version;
    let stale = update_product(&mut a, id, &json!({"featured": true}), Some("123"));
    assert_eq!(stale.unwrap_err().status.as_u16(), 412);
    update_product(
        &mut a,
        id,
        &json!({"featured": true, "status": "DISCONTINUED", "identity": {"upc": "0123"}}),
        Some(&format!("\"{version}\"")),
    )
    .unwrap();
    let p = a.catalogue.product(id).unwrap();
    assert!(p.featured);
    assert_eq!(p.status, ProductStatus::Discontinued);
    assert_eq!(
        p.identity.ean.as_deref(),
        Some("5012345678900"),
        "PUT merges the identity"
    );
    assert_eq!(p.identity.upc.as_deref(), Some("0123"));
    assert_eq!(p.channel().unwrap().description.text, "<p>Soft</p>");
    assert_eq!(
        p.version,
        version + 1,
        "same millisecond: still a new version"
    );
    assert_eq!(events(&mut a), [format!("product.modified {id}")]);

    set_identity(&mut a, id, &json!({"sku": "A-2"})).unwrap();
    let p = a.catalogue.product(id).unwrap();
    assert_eq!(p.identity.sku.as_deref(), Some("A-2"));
    assert_eq!(
        p.identity.ean, None,
        "identity PUT clears what it leaves out"
    );
    assert!(update_product(&mut a, 99, &json!({}), None).is_err());
}

#[test]
fn prices_by_quantity_break() {
    let mut a = account();
    let id = create_product(
        &mut a,
        &json!({"brandId": 1, "salesChannels": [{"productName": "A"}]}),
    )
    .unwrap();
    a.take_events();
    let breaks = PriceBreaks::from([
        (1, Price::new(rust_decimal::Decimal::new(1000, 2))),
        (10, Price::new(rust_decimal::Decimal::new(900, 2))),
    ]);
    set_prices(&mut a, id, &[(RETAIL_PRICE_LIST, breaks)]).unwrap();
    let price = |q: i64| {
        a.catalogue
            .price(id, RETAIL_PRICE_LIST, rust_decimal::Decimal::from(q))
    };
    assert_eq!(price(1), Some(rust_decimal::Decimal::new(10, 0)));
    assert_eq!(price(9), Some(rust_decimal::Decimal::new(10, 0)));
    assert_eq!(price(10), Some(rust_decimal::Decimal::new(9, 0)));
    assert_eq!(price(0), Some(rust_decimal::Decimal::new(10, 0)));
    assert_eq!(
        a.catalogue
            .price(id, COST_PRICE_LIST, rust_decimal::Decimal::ONE),
        None
    );
    assert_eq!(events(&mut a), [format!("product.modified {id}")]);

    let rendered = serde_json::to_value(prices::product_prices(&a, &[id, 5], None)).unwrap();
    assert_eq!(
        rendered[0]["priceLists"][1]["quantityPrice"],
        json!({"1": "10.0000", "10": "9.0000"})
    );
    assert_eq!(
        rendered.as_array().unwrap().len(),
        1,
        "missing products left out"
    );
    assert!(set_prices(&mut a, id, &[(99, PriceBreaks::new())]).is_err());
    set_prices(&mut a, id, &[(RETAIL_PRICE_LIST, PriceBreaks::new())]).unwrap();
    assert!(
        a.catalogue.prices.is_empty(),
        "an empty map clears the list"
    );
}

#[test]
fn the_standard_configuration() {
    let c = Catalogue::standard(&Settings::default());
    let codes: Vec<(&str, &str)> = c
        .price_lists
        .values()
        .map(|l| (l.currency_code.as_str(), l.price_list_type_code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("USD", "BUY"),
            ("USD", "SELL"),
            ("USD", "SELL"),
            ("GBP", "SELL")
        ]
    );
    assert_eq!(
        c.price_list(FOREIGN_PRICE_LIST).unwrap().currency_id,
        SECOND_CURRENCY_ID
    );
    let gbp = Catalogue::standard(&Settings {
        base_currency: "GBP".into(),
        ..Settings::default()
    });
    assert_eq!(
        gbp.price_list(FOREIGN_PRICE_LIST).unwrap().currency_code,
        "USD"
    );
    assert_eq!(
        gbp.price_list(COST_PRICE_LIST).unwrap().currency_symbol,
        "£"
    );
    assert!(c.brands.contains_key(&1));
    assert_eq!(c.channels.len(), 3);
    let _ = Lifecycle::Created;
}

#[test]
fn reference_records_and_custom_fields() {
    let mut a = account();
    assert_eq!(
        create_brand(&mut a, &json!({})).unwrap_err().errors[0].code,
        "PRDC-024"
    );
    let brand = create_brand(&mut a, &json!({"name": "Acme", "description": "Tools"})).unwrap();
    assert_eq!(brand, 2, "after the standard brand");
    let parent = create_category(&mut a, &json!({"name": "Clothing"})).unwrap();
    let child = create_category(&mut a, &json!({"name": "Shirts", "parentId": parent})).unwrap();
    assert_eq!(a.catalogue.categories[&child].parent_id, parent);
    assert!(create_category(&mut a, &json!({"name": "Orphan", "parentId": 999})).is_err());
    let season = create_season(&mut a, &json!({"name": "Summer 2026"})).unwrap();
    let id = create_product(
        &mut a,
        &json!({"brandId": brand, "seasonIds": [season],
                "salesChannels": [{"productName": "Shirt", "categories": [{"categoryCode": child}, {"categoryCode": parent}]}]}),
    )
    .unwrap();
    assert_eq!(
        a.catalogue.product(id).unwrap().category_ids(),
        [child, parent]
    );

    define_custom_field(&mut a, "PCF_LAUNCH", "Launch date", "DATE", &[]).unwrap();
    define_custom_field(&mut a, "PCF_PACK", "Pack size", "INTEGER", &[]).unwrap();
    assert!(define_custom_field(&mut a, "PCF_PACK", "again", "INTEGER", &[]).is_err());
    assert!(define_custom_field(&mut a, "WIDTH", "no prefix", "TEXT", &[]).is_err());
    let ops = crate::brightpearl::api::body::parse_patch(
        br#"[{"op":"add","path":"/PCF_LAUNCH","value":"2026-03-01"},{"op":"add","path":"/PCF_PACK","value":"12"}]"#,
    )
    .unwrap();
    let map = patch_custom_fields(&mut a, id, &ops).unwrap();
    assert_eq!(
        map["PCF_LAUNCH"], "2026-02-28T18:00:00.000-06:00",
        "a date is UTC midnight, shown in the account's offset"
    );
    assert_eq!(map["PCF_PACK"], 12);
    let bad = crate::brightpearl::api::body::parse_patch(
        br#"[{"op":"add","path":"/PCF_PACK","value":"1.5"}]"#,
    )
    .unwrap();
    assert!(patch_custom_fields(&mut a, id, &bad).is_err());
    assert_eq!(
        a.catalogue.custom_fields_of(id)["PCF_PACK"],
        12,
        "refused patch changed nothing"
    );
    let clear = crate::brightpearl::api::body::parse_patch(
        br#"[{"op":"remove","path":"/PCF_PACK"},{"op":"remove","path":"/PCF_LAUNCH"}]"#,
    )
    .unwrap();
    assert!(patch_custom_fields(&mut a, id, &clear).unwrap().is_empty());
    assert!(a.catalogue.custom_fields.is_empty());
}
