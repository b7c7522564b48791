//! Stock movements: figures, refusals that change nothing, untracked products, on-hand events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::brightpearl::account::catalogue::create_product;
use crate::brightpearl::account::{Account, Settings};
use serde_json::json;

fn account() -> Account {
    Account::standard(Settings::default())
}

fn product(account: &mut Account, name: &str, tracked: bool) -> u64 {
    create_product(
        account,
        &json!({"brandId": 1, "stock": {"stockTracked": tracked},
                "salesChannels": [{"productName": name}]}),
    )
    .unwrap()
}

/// The on-hand events raised since the last call, as product ids.
fn on_hand_events(account: &mut Account) -> Vec<u64> {
    account
        .take_events()
        .into_iter()
        .filter(|e| e.full_event() == "product.modified.on-hand-modified")
        .map(|e| e.id)
        .collect()
}

#[test]
fn movements_keep_on_hand_as_in_stock_less_allocated() {
    let mut a = account();
    let shirt = product(&mut a, "Shirt", true);
    a.take_events();
    receive(&mut a, shirt, MAIN_WAREHOUSE, 60).unwrap();
    allocate(&mut a, shirt, MAIN_WAREHOUSE, 12).unwrap();
    assert_eq!(
        a.stock.level(shirt, MAIN_WAREHOUSE),
        Quantities {
            in_stock: 60,
            on_hand: 48,
            allocated: 12,
            in_transit: 0
        }
    );
    assert_eq!(on_hand_events(&mut a), [shirt, shirt]);

    ship(&mut a, shirt, MAIN_WAREHOUSE, 10).unwrap();
    let level = a.stock.level(shirt, MAIN_WAREHOUSE);
    assert_eq!(
        (level.in_stock, level.allocated, level.on_hand),
        (50, 2, 48)
    );
    assert!(
        on_hand_events(&mut a).is_empty(),
        "shipping allocated stock leaves on-hand as it was"
    );

    release_allocation(&mut a, shirt, MAIN_WAREHOUSE, 2).unwrap();
    adjust(&mut a, shirt, MAIN_WAREHOUSE, -5).unwrap();
    assert_eq!(a.stock.level(shirt, MAIN_WAREHOUSE).on_hand, 45);
    assert_eq!(on_hand_events(&mut a), [shirt, shirt]);
    receive(&mut a, shirt, MAIN_WAREHOUSE, 0).unwrap();
    assert!(
        on_hand_events(&mut a).is_empty(),
        "nothing changed, nothing raised"
    );
    assert_eq!(a.stock.available(shirt, WEST_WAREHOUSE), 0);
}

#[test]
fn refusals_name_the_figures_and_change_nothing() {
    let mut a = account();
    let shirt = product(&mut a, "Shirt", true);
    receive(&mut a, shirt, MAIN_WAREHOUSE, 5).unwrap();
    allocate(&mut a, shirt, MAIN_WAREHOUSE, 3).unwrap();
    a.take_events();
    let before = a.stock.level(shirt, MAIN_WAREHOUSE);

    let err = allocate(&mut a, shirt, MAIN_WAREHOUSE, 3).unwrap_err();
    assert_eq!(err.errors[0].code, "WHSC-400");
    assert!(err.errors[0].message.contains("only 2 on hand"), "{err}");
    let err = adjust(&mut a, shirt, MAIN_WAREHOUSE, -3).unwrap_err();
    assert!(
        err.errors[0].message.contains("release allocations first"),
        "{err}"
    );
    assert!(ship(&mut a, shirt, MAIN_WAREHOUSE, 4).is_err());
    assert!(release_allocation(&mut a, shirt, MAIN_WAREHOUSE, 4).is_err());
    assert!(receive(&mut a, shirt, MAIN_WAREHOUSE, -1).is_err());
    assert_eq!(
        receive(&mut a, shirt, 99, 1).unwrap_err().status.as_u16(),
        404
    );
    assert_eq!(
        receive(&mut a, 424242, MAIN_WAREHOUSE, 1)
            .unwrap_err()
            .status
            .as_u16(),
        404
    );
    assert_eq!(a.stock.level(shirt, MAIN_WAREHOUSE), before);
    assert!(a.take_events().is_empty());
}

#[test]
fn untracked_products_have_no_stock() {
    let mut a = account();
    let wrap = product(&mut a, "Gift wrap", false);
    a.take_events();
    receive(&mut a, wrap, MAIN_WAREHOUSE, 10).unwrap();
    allocate(&mut a, wrap, MAIN_WAREHOUSE, 10).unwrap();
    ship(&mut a, wrap, MAIN_WAREHOUSE, 10).unwrap();
    assert!(a.stock.levels.is_empty());
    assert!(a.take_events().is_empty());
    assert!(availability(&a, &[wrap], false).unwrap().is_empty());
}

#[test]
fn corrections_are_all_or_nothing_and_use_locations() {
    let mut a = account();
    let shirt = product(&mut a, "Shirt", true);
    let hat = product(&mut a, "Hat", true);
    a.take_events();
    let line = |product_id, quantity| Correction {
        product_id,
        quantity,
        reason: "count".into(),
        location_id: None,
        cost: None,
    };
    let ids = correct(&mut a, UK_WAREHOUSE, &[line(shirt, 7), line(hat, 3)]).unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(a.stock.movements[&ids[0]].location_id, UK_WAREHOUSE);
    assert_eq!(on_hand_events(&mut a), [shirt, hat]);

    let err = correct(&mut a, UK_WAREHOUSE, &[line(shirt, -2), line(hat, -4)]).unwrap_err();
    assert!(err.errors[0].message.contains(&hat.to_string()), "{err}");
    assert_eq!(
        a.stock.level(shirt, UK_WAREHOUSE).in_stock,
        7,
        "nothing applied"
    );
    assert_eq!(a.stock.movements.len(), 2);

    let mut elsewhere = line(shirt, 1);
    elsewhere.location_id = Some(MAIN_WAREHOUSE);
    assert!(
        correct(&mut a, UK_WAREHOUSE, &[elsewhere]).is_err(),
        "another warehouse's location"
    );

    // Two corrections of one product in one call see each other.
    correct(&mut a, UK_WAREHOUSE, &[line(shirt, 5), line(shirt, -12)]).unwrap();
    assert_eq!(a.stock.level(shirt, UK_WAREHOUSE).in_stock, 0);
}

#[test]
fn availability_lists_only_warehouses_with_stock_and_breaks_down_by_location() {
    let mut a = account();
    let shirt = product(&mut a, "Shirt", true);
    receive(&mut a, shirt, MAIN_WAREHOUSE, 4).unwrap();
    a.stock.locations.insert(
        50,
        Location {
            id: 50,
            warehouse_id: MAIN_WAREHOUSE,
            zone_id: None,
            grouping_a: "A".into(),
            grouping_b: "1".into(),
            grouping_c: String::new(),
            grouping_d: String::new(),
            barcode: None,
        },
    );
    let mut line = Correction {
        product_id: shirt,
        quantity: 6,
        reason: "put away".into(),
        location_id: Some(50),
        cost: None,
    };
    correct(&mut a, MAIN_WAREHOUSE, std::slice::from_ref(&line)).unwrap();
    allocate(&mut a, shirt, MAIN_WAREHOUSE, 5).unwrap();
    let map = availability(&a, &[shirt], true).unwrap();
    let entry = &map[&shirt];
    assert_eq!(entry.total.in_stock, 10);
    assert_eq!(
        entry.warehouses.keys().copied().collect::<Vec<_>>(),
        [MAIN_WAREHOUSE]
    );
    let by_location = entry.warehouses[&MAIN_WAREHOUSE]
        .by_location
        .as_ref()
        .unwrap();
    assert_eq!(
        by_location[&MAIN_WAREHOUSE].allocated, 4,
        "default location picked first"
    );
    assert_eq!(by_location[&50].allocated, 1);
    assert_eq!(by_location[&50].on_hand, 5);

    // Shipping takes from the default location first.
    ship(&mut a, shirt, MAIN_WAREHOUSE, 5).unwrap();
    let level = &a.stock.levels[&shirt][&MAIN_WAREHOUSE];
    assert_eq!(level.in_stock_by_location[&MAIN_WAREHOUSE], 0);
    assert_eq!(level.in_stock_by_location[&50], 5);

    line.quantity = -6;
    assert!(
        correct(&mut a, MAIN_WAREHOUSE, &[line]).is_err(),
        "location 50 holds 5"
    );
    assert!(
        availability(&a, &[shirt, 777], false).is_err(),
        "unknown ids fail the request"
    );
}

#[test]
fn the_standard_configuration() {
    let stock = Stock::standard(&Settings::default());
    assert_eq!(
        stock.warehouses.keys().copied().collect::<Vec<_>>(),
        [2, 3, 4]
    );
    assert_eq!(stock.default_warehouse_id(), Some(MAIN_WAREHOUSE));
    for id in [2, 3, 4] {
        assert_eq!(stock.default_location(id), Some(id));
        let address = stock.warehouses[&id].address.address_id;
        assert!(stock.addresses.contains_key(&address));
    }
    assert!(stock.shipping_methods.len() >= 5);
    assert!(stock.shipping_methods.values().any(|m| m.code.is_none()));
}

#[test]
fn shipping_methods_are_created_with_unique_names() {
    let mut a = account();
    let id =
        create_shipping_method(&mut a, &json!({"name": "Evri 48", "carrier": "Evri"})).unwrap();
    assert!(id > 6);
    assert_eq!(a.stock.shipping_methods[&id].method_type, 1);
    assert!(create_shipping_method(&mut a, &json!({"name": "evri 48"})).is_err());
    assert!(create_shipping_method(&mut a, &json!({"code": "X"})).is_err());
    assert!(create_shipping_method(&mut a, &json!({"name": "Y", "methodType": 0})).is_err());
}
