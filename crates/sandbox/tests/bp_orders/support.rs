//! Seeding for the order tests: the recorded customer 200 and supplier 418 (through the
//! contact service), products with a retail price, and orders.

use crate::bp_common::TestAccount;
use crate::cassette;
use ferry_sandbox::brightpearl::account::orders::{self, NewOrder, OrderType};
use serde_json::{Value as Json, json};

/// The recorded response body of a cassette's first interaction.
pub fn recorded(path: &str) -> Json {
    cassette::load(path)[0].response_json.clone().unwrap()
}

/// Customer 200 of the recordings: "Demo Customer", Customer Company Ltd., 34 Lime St,
/// Sheffield → its id.
pub async fn demo_customer(t: &TestAccount) -> u64 {
    let home = t
        .create(
            "/contact-service/postal-address",
            json!({"addressLine1": "34 Lime St", "addressLine2": "Barton",
                   "addressLine3": "Sheffield", "addressLine4": "South Yorkshire",
                   "postalCode": "S1 4RT", "countryIsoCode": "GBR"}),
        )
        .await;
    t.create(
        "/contact-service/contact",
        json!({"firstName": "Demo", "lastName": "Customer",
               "postAddressIds": {"DEF": home, "BIL": home, "DEL": home},
               "organisation": {"name": "Customer Company Ltd."},
               "communication": {"emails": {"PRI": {"email": "demo@test.com"}},
                                 "telephones": {"PRI": "01245 845632"}}}),
    )
    .await
}

/// Supplier 418 of the recordings: "Hori Seller", Test Seller Hori → its id.
pub async fn supplier(t: &TestAccount) -> u64 {
    let address = t
        .create(
            "/contact-service/postal-address",
            json!({"addressLine1": "Some super address", "countryIsoCode": "CRI"}),
        )
        .await;
    t.create(
        "/contact-service/contact",
        json!({"firstName": "Hori", "lastName": "Seller",
               "postAddressIds": {"DEF": address},
               "organisation": {"name": "Test Seller Hori"},
               "relationshipToAccount": {"isSupplier": true, "isStaff": false},
               "communication": {"emails": {"PRI": {"email": "hori@seller.com"}},
                                 "telephones": {"PRI": "888889"}}}),
    )
    .await
}

/// POSTs the recorded minimal sales order for `customer` with `reference` → its id.
pub async fn create_so(t: &TestAccount, customer: u64, reference: &str) -> u64 {
    t.create(
        "/order-service/order",
        json!({"reference": reference, "orderTypeCode": "SO",
               "parties": {"customer": {"contactId": customer}}}),
    )
    .await
}

/// POSTs the recorded minimal purchase order → its id.
pub async fn create_po(t: &TestAccount, supplier: u64, reference: &str) -> u64 {
    t.create(
        "/order-service/order",
        json!({"reference": reference, "orderTypeCode": "PO",
               "parties": {"supplier": {"contactId": supplier}}}),
    )
    .await
}

/// GET of one order → the order object.
pub async fn get_order(t: &TestAccount, id: u64) -> Json {
    let answer = t.get(&format!("/order-service/order/{id}")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["response"][0].clone()
}

/// A product (brand 1, tax code T) with `price` on the retail price list (2) → its id.
pub async fn product(t: &TestAccount, name: &str, sku: &str, tracked: bool, price: &str) -> u64 {
    let id = t
        .create(
            "/product-service/product",
            json!({"brandId": 1, "identity": {"sku": sku},
                   "stock": {"stockTracked": tracked},
                   "financialDetails": {"taxable": true, "taxCode": {"id": 2, "code": "T"}},
                   "salesChannels": [{"salesChannelName": "Brightpearl", "productName": name}]}),
        )
        .await;
    let put = t
        .call(
            reqwest::Method::PUT,
            &format!("/product-service/product-price/{id}/price-list"),
            Some(json!({"priceLists": [{"priceListId": 2, "quantityPrice": {"1": price}}]})),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    id
}

/// `n` sales orders for `customer` made through the plain-Rust operation → their ids.
pub fn bulk_orders(t: &TestAccount, customer: u64, n: usize) -> Vec<u64> {
    let mut account = t.sandbox.state().account();
    (0..n)
        .map(|i| {
            let mut input = NewOrder::new(OrderType::SalesOrder, customer);
            input.reference = format!("BULK-{i}");
            orders::create_order_typed(&mut account, &input).unwrap()
        })
        .collect()
}
