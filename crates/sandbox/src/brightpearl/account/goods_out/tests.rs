//! Unit tests of goods-out notes on an account built in memory: an order with two stock rows
//! and a free-text row, stock received in the main warehouse.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::brightpearl::account::accounting::Accounting;
use crate::brightpearl::account::catalogue::{self, Catalogue};
use crate::brightpearl::account::orders::Order;
use crate::brightpearl::account::stock::{self, MAIN_WAREHOUSE, Stock};
use crate::brightpearl::account::{Account, Settings};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::events::Lifecycle;
use crate::brightpearl::wire::parse_time;
use serde_json::{Value as Json, json};

const ORDER: u64 = 50;

fn row(product: u64, quantity: &str) -> Json {
    json!({"orderRowSequence": "10", "productId": product, "productName": "x",
           "quantity": {"magnitude": quantity},
           "itemCost": {"currencyCode": "USD", "value": "1"},
           "productPrice": {"currencyCode": "USD", "value": "1"},
           "rowValue": {"taxRate": "0", "taxCode": "Z",
                        "rowNet": {"currencyCode": "USD", "value": "1"},
                        "rowTax": {"currencyCode": "USD", "value": "0"}}})
}

/// An account with order 50: row 1 = 3 shirts, row 2 = 2 hats, row 3 = free text; 10 shirts
/// and 10 hats in stock in the main warehouse. Returns the account and the two product ids.
fn account() -> (Account, u64, u64) {
    let mut account = Account::new(Settings::default());
    account.stock = Stock::standard(&account.settings);
    account.accounting = Accounting::standard(&account.settings);
    account.catalogue = Catalogue::standard(&account.settings);
    account.frozen_now_ms = parse_time("2025-11-04T16:17:45Z");
    let brand = *account.catalogue.brands.keys().next().unwrap();
    let mut product = |name: &str| {
        let body = json!({"brandId": brand, "identity": {"sku": name}, "stock": {"stockTracked": true},
                          "salesChannels": [{"salesChannelName": "Brightpearl", "productName": name}]});
        catalogue::create_product(&mut account, &body).unwrap()
    };
    let (shirt, hat) = (product("Shirt"), product("Hat"));
    let order: Order = serde_json::from_value(json!({
        "id": ORDER, "orderTypeCode": "SO", "version": 1, "orderStatus": {"orderStatusId": 3},
        "createdOn": "2025-11-04T10:00:00.000-06:00",
        "currency": {"accountingCurrencyCode": "USD", "orderCurrencyCode": "USD", "exchangeRate": "1"},
        "delivery": {"shippingMethodId": 1},
        "orderRows": {"1": row(shirt, "3.0000"), "2": row(hat, "2.0000"), "3": row(1000, "1.0000")},
        "warehouseId": MAIN_WAREHOUSE,
    }))
    .unwrap();
    account.orders.orders.insert(ORDER, order);
    stock::receive(&mut account, shirt, MAIN_WAREHOUSE, 10).unwrap();
    stock::receive(&mut account, hat, MAIN_WAREHOUSE, 10).unwrap();
    account.take_events();
    (account, shirt, hat)
}

fn body(rows: &[(u64, u64, i64)]) -> Json {
    let products: Vec<Json> = rows
        .iter()
        .map(|(row, product, quantity)| json!({"productId": product, "salesOrderRowId": row, "quantity": quantity}))
        .collect();
    json!({"warehouses": [{"warehouseId": MAIN_WAREHOUSE, "releaseDate": "2025-11-04T16:17:45Z", "products": products}],
           "priority": false})
}

fn message(error: ApiError) -> String {
    format!("{} {}", error.errors[0].code, error.errors[0].message)
}

fn events(account: &mut Account) -> Vec<String> {
    account
        .take_events()
        .iter()
        .map(|e| e.full_event())
        .collect()
}

#[test]
fn a_note_allocates_its_rows_and_renders_in_the_recorded_shape() {
    let (mut a, shirt, hat) = account();
    let ids = create_goods_out_notes(&mut a, ORDER, &body(&[(1, shirt, 2), (2, hat, 2)])).unwrap();
    assert_eq!(ids.len(), 1);
    let id = ids[0];
    assert_eq!(a.stock.level(shirt, MAIN_WAREHOUSE).allocated, 2);
    assert_eq!(a.stock.level(hat, MAIN_WAREHOUSE).on_hand, 8);
    assert!(events(&mut a).contains(&"goods-out-note.created".to_string()));
    let rendered = serde_json::to_value(a.goods_out.get(id).unwrap()).unwrap();
    let keys: Vec<&str> = rendered
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "orderId",
            "warehouseId",
            "transfer",
            "priority",
            "status",
            "shipping",
            "releaseDate",
            "createdOn",
            "createdBy",
            "orderRows",
            "sequence",
            "events",
            "lastEventVersion"
        ]
    );
    assert_eq!(
        rendered["status"],
        json!({"shipped": false, "packed": false, "picked": false, "printed": false})
    );
    assert_eq!(
        rendered["shipping"],
        json!({"reference": "", "shippingMethodId": 1})
    );
    assert_eq!(
        rendered["orderRows"]["1"],
        json!([{"productId": shirt, "quantity": 2, "locationId": MAIN_WAREHOUSE}])
    );
    assert_eq!(rendered["events"][0]["eventCode"], "PLA");
    assert_eq!(rendered["releaseDate"], "2025-11-04T10:17:45.000-06:00");
    // A second note for the rest of the order is the order's second.
    let rest = NewNote::rest_of_order(&a, ORDER, MAIN_WAREHOUSE);
    assert_eq!(rest.rows, [(1, 1)]);
    let second = create_goods_out_note(&mut a, ORDER, rest).unwrap();
    assert_eq!(a.goods_out.get(second).unwrap().sequence, 2);
    assert!(
        NewNote::rest_of_order(&a, ORDER, MAIN_WAREHOUSE)
            .rows
            .is_empty()
    );
}

#[test]
fn creation_refuses_what_the_order_or_the_stock_cannot_give() {
    let (mut a, shirt, hat) = account();
    let refused =
        |a: &mut Account, body: Json| message(create_goods_out_notes(a, ORDER, &body).unwrap_err());
    assert!(
        refused(&mut a, body(&[(1, shirt, 4)])).contains("has 3 units not yet on a goods-out note")
    );
    assert!(refused(&mut a, body(&[(1, shirt, 2), (1, shirt, 2)])).starts_with("WHSC-020"));
    assert!(refused(&mut a, body(&[(9, shirt, 1)])).contains("not a row of order 50"));
    assert!(refused(&mut a, body(&[(1, hat, 1)])).contains("does not match order row 1"));
    assert!(refused(&mut a, body(&[(3, 1000, 1)])).contains("free-text row"));
    assert!(refused(&mut a, body(&[(1, shirt, 0)])).contains("greater than 0"));
    assert!(
        refused(
            &mut a,
            body(&[(1, shirt, 1)])
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o["warehouses"][0]["warehouseId"] = json!(99);
                    Json::Object(o)
                })
                .unwrap()
        )
        .contains("not a warehouse")
    );
    assert!(refused(&mut a, json!({"warehouses": []})).contains("warehouses is required"));
    assert!(
        refused(&mut a, json!({"warehouses": [{"warehouseId": 2}]}))
            .contains("products is required")
    );
    assert!(
        refused(
            &mut a,
            json!({"shippingMethodId": 999, "warehouses": body(&[(1, shirt, 1)])["warehouses"]})
        )
        .contains("not a shipping method")
    );
    assert!(
        message(create_goods_out_notes(&mut a, 999, &body(&[(1, shirt, 1)])).unwrap_err())
            .starts_with("CMNC-404")
    );

    // Not enough stock: nothing is allocated and no event is left behind.
    stock::adjust(&mut a, hat, MAIN_WAREHOUSE, -9).unwrap();
    a.take_events();
    let error =
        create_goods_out_notes(&mut a, ORDER, &body(&[(1, shirt, 3), (2, hat, 2)])).unwrap_err();
    assert!(!error.errors.is_empty());
    assert_eq!(a.stock.level(shirt, MAIN_WAREHOUSE).allocated, 0);
    assert_eq!(a.stock.level(hat, MAIN_WAREHOUSE).allocated, 0);
    assert!(a.goods_out.notes.is_empty());
    assert!(events(&mut a).is_empty());
}

#[test]
fn shipping_implies_the_earlier_events_ships_the_stock_and_ends_the_lifecycle() {
    let (mut a, shirt, _) = account();
    let id = create_goods_out_notes(&mut a, ORDER, &body(&[(1, shirt, 3)])).unwrap()[0];
    a.take_events();
    let version = a.goods_out.get(id).unwrap().last_event_version;
    let pick = json!({"events": [{"eventCode": "PIC", "occured": "2025-11-04T16:30:00Z", "eventOwnerId": 4}]});
    // A stale If-Match is refused with 412.
    let stale = add_events(&mut a, id, &pick, Some(&(version + 7).to_string())).unwrap_err();
    assert_eq!(stale.status.as_u16(), 412);
    add_events(&mut a, id, &pick, Some(&version.to_string())).unwrap();
    assert_eq!(events(&mut a), ["goods-out-note.modified.picked"]);
    let note = a.goods_out.get(id).unwrap();
    assert!(note.status.picked && !note.status.printed);
    assert_eq!(note.status.picked_by_id, Some(4));
    assert!(note.last_event_version > version);

    let ship = json!({"events": [{"eventCode": "SHW", "occured": "2025-11-04T16:41:38Z", "eventOwnerId": 4}]});
    add_events(&mut a, id, &ship, None).unwrap();
    let note = a.goods_out.get(id).unwrap();
    let codes: Vec<&str> = note.events.iter().map(|e| e.event_code.as_str()).collect();
    assert_eq!(
        codes,
        ["PLA", "PIC", "SHW", "PRI", "PAC"],
        "SHW adds what is missing, after itself"
    );
    assert!(note.status.shipped && note.status.printed && note.status.packed);
    assert_eq!(
        note.status.shipped_on.as_ref().unwrap().text,
        "2025-11-04T10:41:38.000-06:00"
    );
    let raised = events(&mut a);
    for expected in [
        "goods-out-note.modified.shipped",
        "goods-out-note.modified.printed",
        "goods-out-note.modified.packed",
    ] {
        assert!(raised.contains(&expected.to_string()), "{raised:?}");
    }
    let level = a.stock.level(shirt, MAIN_WAREHOUSE);
    assert_eq!((level.in_stock, level.allocated, level.on_hand), (7, 0, 7));
    assert_eq!(a.goods_out.row_quantities(ORDER, 1), (3, 3));

    let after = message(add_events(&mut a, id, &pick, None).unwrap_err());
    assert!(after.contains("has shipped"), "{after}");
    assert!(
        message(delete_goods_out_note(&mut a, id, None).unwrap_err()).contains("cannot be deleted")
    );
    // Tracking can still be set.
    set_tracking(&mut a, id, "1Z999").unwrap();
    assert_eq!(a.goods_out.get(id).unwrap().shipping.reference, "1Z999");
    assert_eq!(events(&mut a), ["goods-out-note.modified"]);
}

#[test]
fn events_need_all_three_fields_and_undo_only_what_was_done() {
    let (mut a, _, hat) = account();
    let id = create_goods_out_notes(&mut a, ORDER, &body(&[(2, hat, 1)])).unwrap()[0];
    let bad = |a: &mut Account, event: Json| {
        message(add_events(a, id, &json!({"events": [event]}), None).unwrap_err())
    };
    assert!(
        bad(
            &mut a,
            json!({"occured": "2025-11-04T16:30:00Z", "eventOwnerId": 4})
        )
        .contains("eventCode is required")
    );
    assert!(
        bad(&mut a, json!({"eventCode": "PRI", "eventOwnerId": 4})).contains("occured is required")
    );
    assert!(
        bad(
            &mut a,
            json!({"eventCode": "PRI", "occured": "2025-11-04T16:30:00Z"})
        )
        .contains("eventOwnerId is required")
    );
    assert!(
        bad(
            &mut a,
            json!({"eventCode": "XYZ", "occured": "2025-11-04T16:30:00Z", "eventOwnerId": 4})
        )
        .contains("not an event code")
    );
    assert!(
        bad(
            &mut a,
            json!({"eventCode": "PRI", "occured": "later", "eventOwnerId": 4})
        )
        .contains("not a date")
    );
    assert!(
        bad(
            &mut a,
            json!({"eventCode": "UPR", "occured": "2025-11-04T16:30:00Z", "eventOwnerId": 4})
        )
        .contains("not printed")
    );
    assert!(
        message(add_events(&mut a, id, &json!({}), None).unwrap_err())
            .contains("events is required")
    );
    add_event(&mut a, id, EventCode::Printed, 4, None).unwrap();
    add_event(&mut a, id, EventCode::Unprinted, 4, None).unwrap();
    let note = a.goods_out.get(id).unwrap();
    assert!(!note.status.printed && note.status.printed_on.is_none());
    assert!(
        message(add_events(&mut a, 999, &json!({"events": []}), None).unwrap_err())
            .starts_with("CMNC-404")
    );
}

#[test]
fn put_changes_shipping_details_and_refuses_unknown_fields() {
    let (mut a, _, hat) = account();
    let id = create_goods_out_notes(&mut a, ORDER, &body(&[(2, hat, 1)])).unwrap()[0];
    a.take_events();
    let put = json!({"priority": true, "labelUri": "https://labels.example/1.pdf",
                     "shipping": {"reference": "TRACK123", "boxes": 2, "shippingMethodId": 2, "weight": "1.20"}});
    update_goods_out_note(&mut a, id, &put).unwrap();
    let rendered = serde_json::to_value(a.goods_out.get(id).unwrap()).unwrap();
    assert_eq!(
        rendered["shipping"],
        json!({"reference": "TRACK123", "shippingMethodId": 2, "boxes": 2, "weight": "1.2"})
    );
    assert_eq!(rendered["priority"], true);
    assert_eq!(rendered["labelUri"], "https://labels.example/1.pdf");
    assert_eq!(events(&mut a), ["goods-out-note.modified"]);
    let refused =
        |a: &mut Account, body: Json| message(update_goods_out_note(a, id, &body).unwrap_err());
    assert!(refused(&mut a, json!({"tracking": "x"})).contains("cannot be changed"));
    assert!(
        refused(&mut a, json!({"shipping": {"trackingNumber": "x"}}))
            .contains("not a shipping field")
    );
    assert!(
        refused(&mut a, json!({"shipping": {"shippingMethodId": 999}}))
            .contains("not a shipping method")
    );
    assert!(refused(&mut a, json!({"shipping": {"weight": "heavy"}})).contains("weight"));
    assert!(refused(&mut a, json!({"priority": "maybe"})).contains("true or false"));
    assert!(message(update_goods_out_note(&mut a, 999, &put).unwrap_err()).starts_with("CMNC-404"));
}

#[test]
fn deleting_an_unshipped_note_releases_its_stock() {
    let (mut a, shirt, _) = account();
    let id = create_goods_out_notes(&mut a, ORDER, &body(&[(1, shirt, 3)])).unwrap()[0];
    a.take_events();
    assert!(
        message(delete_goods_out_note(&mut a, id, Some(ORDER + 1)).unwrap_err())
            .contains("belongs to order 50")
    );
    delete_goods_out_note(&mut a, id, Some(ORDER)).unwrap();
    assert!(a.goods_out.get(id).is_none());
    assert_eq!(a.stock.level(shirt, MAIN_WAREHOUSE).allocated, 0);
    let raised = a.take_events();
    assert!(raised.iter().any(|e| e.resource_type == "goods-out-note"
        && e.lifecycle == Lifecycle::Destroyed
        && e.id == id));
    assert!(message(delete_goods_out_note(&mut a, id, None).unwrap_err()).starts_with("CMNC-404"));
    // The freed units can go on a new note, which gets a new id.
    let again = create_goods_out_notes(&mut a, ORDER, &body(&[(1, shirt, 3)])).unwrap()[0];
    assert!(again > id);
}

#[test]
fn the_recorded_note_loads_as_a_record() {
    let recorded = json!({"orderId":988116,"warehouseId":2,"transfer":false,"priority":false,"status":{"shipped":true,"packed":true,"picked":true,"printed":true,"pickedOn":"2025-11-04T10:41:38.000-06:00","packedOn":"2025-11-04T10:41:38.000-06:00","shippedOn":"2025-11-04T10:41:38.000-06:00","printedOn":"2025-11-04T10:41:38.000-06:00","pickedById":4,"packedById":4,"shippedById":4,"printedById":4},"shipping":{"reference":"","shippingMethodId":49},"releaseDate":"2025-11-04T10:17:45.000-06:00","createdOn":"2025-11-04T10:17:45.000-06:00","createdBy":203,"orderRows":{"2975385":[{"productId":489065,"quantity":1,"locationId":2}]},"sequence":1,"events":[{"occured":"2025-11-04T10:17:45.000-06:00","eventOwnerId":203,"eventCode":"PLA"},{"occured":"2025-11-04T10:41:38.000-06:00","eventOwnerId":4,"eventCode":"SHW"}],"lastEventVersion":3131069});
    let note: GoodsOutNote = serde_json::from_value(recorded.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&note).unwrap(),
        recorded,
        "it renders back byte for byte"
    );
}
