//! The plain-Rust operations other areas and the demo data call, and the events every order
//! change raises.

use ferry_sandbox::brightpearl::account::orders::{
    self, AllocationStatus, NewOrder, NewRow, OrderType, PaymentStatus, RowFulfilment,
    ShippingStatus, StockStatus,
};
use ferry_sandbox::brightpearl::account::{Account, Settings, catalogue, contacts};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;

fn account_with_customer_and_product() -> (Account, u64, u64) {
    let mut account = Account::standard(Settings::default());
    let customer = contacts::create_contact(
        &mut account,
        &json!({"firstName": "Demo", "lastName": "Customer"}),
    )
    .unwrap();
    let product = catalogue::create_product(
        &mut account,
        &json!({"brandId": 1, "identity": {"sku": "TEST001"}, "stock": {"stockTracked": true},
                "financialDetails": {"taxable": true, "taxCode": {"id": 2, "code": "T"}},
                "salesChannels": [{"salesChannelName": "Brightpearl", "productName": "Shirt"}]}),
    )
    .unwrap();
    account.take_events();
    (account, customer, product)
}

fn events(account: &mut Account) -> Vec<String> {
    account
        .take_events()
        .iter()
        .map(|e| format!("{}:{}", e.full_event(), e.id))
        .collect()
}

#[test]
fn writes_raise_the_order_events() {
    let (mut account, customer, product) = account_with_customer_and_product();
    let id = orders::create_order_typed(
        &mut account,
        &NewOrder::new(OrderType::SalesOrder, customer),
    )
    .unwrap();
    assert_eq!(
        events(&mut account),
        [format!("order.modified:{id}")],
        "creation raises order.modified"
    );
    let row = NewRow {
        product_id: Some(product),
        quantity: Decimal::from(2),
        net: Some(Decimal::from(20)),
        ..NewRow::default()
    };
    let row_id = orders::add_row(&mut account, id, &row).unwrap();
    assert_eq!(events(&mut account), [format!("order.modified:{id}")]);
    orders::set_status(&mut account, id, 2, None).unwrap();
    assert_eq!(
        events(&mut account),
        [
            format!("order.modified:{id}"),
            format!("order.modified.order-status:{id}")
        ]
    );
    orders::set_status(&mut account, id, 2, None).unwrap();
    assert!(
        events(&mut account).is_empty(),
        "the same status is no change"
    );

    // Fulfilment reported by the goods-out area.
    let report = |allocated: i64, shipped: i64| {
        BTreeMap::from([(
            row_id,
            RowFulfilment {
                row_id,
                allocated: Decimal::from(allocated),
                shipped: Decimal::from(shipped),
            },
        )])
    };
    let codes = orders::set_shipping_and_stock_status(&mut account, id, report(1, 0)).unwrap();
    assert_eq!(
        (codes.stock, codes.allocation, codes.shipping),
        (
            StockStatus::SalesPart,
            AllocationStatus::PartAllocated,
            ShippingStatus::NotShipped
        )
    );
    assert_eq!(events(&mut account), [format!("order.modified:{id}")]);
    let codes = orders::set_shipping_and_stock_status(&mut account, id, report(2, 1)).unwrap();
    assert_eq!(codes.shipping, ShippingStatus::PartShipped);
    assert_eq!(codes.allocation, AllocationStatus::AllAllocated);
    events(&mut account);
    let codes = orders::set_shipping_and_stock_status(&mut account, id, report(2, 2)).unwrap();
    assert_eq!(codes.shipping, ShippingStatus::AllShipped);
    assert_eq!(
        events(&mut account),
        [
            format!("order.modified:{id}"),
            format!("order.modified.fully-shipped:{id}")
        ]
    );
    let order = account.orders.get(id).unwrap();
    assert_eq!(order.shipping_status_code, ShippingStatus::AllShipped);
    assert_eq!(order.stock_status_code, StockStatus::SalesAll);
    // A row on a goods-out note cannot be deleted; a new row makes the order part shipped.
    assert!(orders::delete_row(&mut account, id, row_id).is_err());
    orders::add_row(&mut account, id, &row).unwrap();
    assert_eq!(
        account.orders.get(id).unwrap().shipping_status_code,
        ShippingStatus::PartShipped
    );

    // Payments reported by the accounting area.
    let total = account.orders.get(id).unwrap().total_value.total.0;
    assert_eq!(total, Decimal::from(44));
    events(&mut account);
    let status = orders::set_payment_status(&mut account, id, Decimal::from(10)).unwrap();
    assert_eq!(status, PaymentStatus::PartiallyPaid);
    assert_eq!(events(&mut account), [format!("order.modified:{id}")]);
    let status = orders::set_payment_status(&mut account, id, total).unwrap();
    assert_eq!(status, PaymentStatus::Paid);
    let version = account.orders.get(id).unwrap().version;
    orders::set_payment_status(&mut account, id, total).unwrap();
    assert_eq!(
        account.orders.get(id).unwrap().version,
        version,
        "no change, no version"
    );
    // Cancelling an order with payments is refused.
    let cancel = orders::set_status(&mut account, id, 5, None).unwrap_err();
    assert!(cancel.errors[0].message.contains("payments"), "{cancel}");
    assert!(orders::set_payment_status(&mut account, 424_242, total).is_err());
}

#[test]
fn only_the_sales_order_resource_raises_sales_order_created() {
    let (mut account, customer, product) = account_with_customer_and_product();
    let body = json!({"customer": {"id": customer},
                      "rows": [{"productId": product, "quantity": "1", "taxCode": "T",
                                "net": "10", "tax": "1"}]});
    let input = orders::read_sales_order(body.as_object().unwrap(), OrderType::SalesOrder).unwrap();
    let id = orders::create_sales_order(&mut account, &input).unwrap();
    assert_eq!(
        events(&mut account),
        [
            format!("sales-order.created:{id}"),
            format!("order.modified:{id}")
        ]
    );
    let credit =
        orders::read_sales_order(body.as_object().unwrap(), OrderType::SalesCredit).unwrap();
    let credit_id = orders::create_sales_order(&mut account, &credit).unwrap();
    assert_eq!(
        events(&mut account),
        [format!("order.modified:{credit_id}")]
    );
    let order = account.orders.get(id).unwrap();
    assert_eq!(order.order_payment_status, PaymentStatus::Unpaid);
    assert_eq!(order.total_value.total.to_string(), "11.00");
}

#[test]
fn recorded_orders_load_with_their_ids_and_custom_fields() {
    let mut account = Account::standard(Settings::default());
    let recorded = crate::support::recorded("order_get_one_with_custom_fields.yml");
    let order: orders::Order = serde_json::from_value(recorded["response"][0].clone()).unwrap();
    orders::insert_order(&mut account, order);
    assert_eq!(
        orders::values_of(&account, 1),
        *json!({"PCF_P_NUMBER": "DEMO Number"}).as_object().unwrap()
    );
    let rendered =
        orders::custom_fields_rendering(&account, account.orders.get(1).unwrap(), true, false);
    assert_eq!(
        serde_json::to_value(&rendered).unwrap(),
        recorded["response"][0]
    );
    let plain = serde_json::to_value(account.orders.get(1).unwrap()).unwrap();
    assert_eq!(
        plain,
        crate::support::recorded("order_get_one.yml")["response"][0]
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o["version"] = json!(8);
                o["updatedOn"] = recorded["response"][0]["updatedOn"].clone();
                o["assignment"] = recorded["response"][0]["assignment"].clone();
                serde_json::Value::Object(o)
            })
            .unwrap()
    );
    let next = orders::create_order_typed(
        &mut account,
        &NewOrder::new(
            OrderType::SalesOrder,
            ferry_sandbox::brightpearl::account::contacts::OWNER_STAFF_ID,
        ),
    )
    .unwrap();
    assert_eq!(next, 2, "later ids follow the loaded ones");
}
