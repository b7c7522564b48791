//! Read throughput of the Brightpearl sandbox through id-set GETs (200 ids per call, 4 calls in
//! flight, throttling off), over real HTTP on loopback: orders (with two rows each), products
//! and contacts. The data is made through the sandbox's own write operations first. The
//! client checks every body with a full JSON parse that keeps nothing, so the figure is the
//! sandbox's, not a client's object building.
//!
//! `cargo bench -p ferry-sandbox --bench bp_idset [-- RECORDS]` (default 20,000 per resource):
//! five passes over every record per resource; the median records/s is reported.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ferry_sandbox::brightpearl::account::{catalogue, contacts, orders};
use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use ferry_sandbox::brightpearl::idset;
use serde_json::{Value, json};
use std::time::Instant;

const BATCH: usize = 200;
const IN_FLIGHT: usize = 4;
const PASSES: usize = 5;

fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// Makes `n` contacts, products and orders; returns their ids.
fn fill(sandbox: &Sandbox, n: usize) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
    let mut account = sandbox.state().account();
    let mut contact_ids = Vec::with_capacity(n);
    let mut product_ids = Vec::with_capacity(n);
    let mut order_ids = Vec::with_capacity(n);
    for i in 0..n {
        let address = contacts::create_postal_address(
            &mut account,
            &json!({"addressLine1": format!("{i} High Street"), "addressLine3": "Leeds", "postalCode": "LS1 4AP", "countryIsoCode": "GBR"}),
        )
        .unwrap();
        let contact = contacts::create_contact(
            &mut account,
            &json!({"firstName": format!("Customer{i}"), "lastName": "Smith",
                    "postAddressIds": {"DEF": address, "BIL": address, "DEL": address},
                    "communication": {"emails": {"PRI": {"email": format!("c{i}@example.com")}}, "telephones": {"PRI": "+44 113 496 0000"}},
                    "relationshipToAccount": {"isSupplier": false, "isStaff": false}}),
        )
        .unwrap();
        contact_ids.push(contact);
        let product = catalogue::create_product(
            &mut account,
            &json!({"brandId": 1, "identity": {"sku": format!("SKU-{i}")},
                    "financialDetails": {"taxable": true, "taxCode": {"id": 2, "code": "T"}},
                    "salesChannels": [{"salesChannelName": "Brightpearl", "productName": format!("Product {i}")}]}),
        )
        .unwrap();
        product_ids.push(product);
        let order = orders::create_order(
            &mut account,
            &object(json!({"orderTypeCode": "SO", "reference": format!("#{i}"), "parties": {"customer": {"contactId": contact}}})),
        )
        .unwrap();
        for _ in 0..2 {
            orders::add_row_json(
                &mut account,
                order,
                &object(json!({"productId": product, "quantity": {"magnitude": 2}, "rowValue": {"taxCode": "T", "rowNet": {"value": 20}, "rowTax": {"value": 2}}})),
            )
            .unwrap();
        }
        order_ids.push(order);
    }
    let _ = account.take_events();
    (contact_ids, product_ids, order_ids)
}

/// The records in a `{"response": [...]}` or `{"response": {...}}` body, checked by a full
/// parse that keeps nothing (so the client's cost stays small next to the server's).
fn count_records(bytes: &[u8]) -> usize {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Records {
        List(Vec<serde::de::IgnoredAny>),
        Map(std::collections::HashMap<String, serde::de::IgnoredAny>),
    }
    #[derive(serde::Deserialize)]
    struct Body {
        response: Records,
    }
    match serde_json::from_slice::<Body>(bytes).unwrap().response {
        Records::List(items) => items.len(),
        Records::Map(map) => map.len(),
    }
}

/// Reads every id once through id-set GETs; returns records/s.
async fn pass(client: &reqwest::Client, sandbox: &Sandbox, path: &str, ids: &[u64]) -> f64 {
    let banner = &sandbox.banner;
    let chunks: Vec<String> = ids
        .chunks(BATCH)
        .map(|c| idset::format(c.iter().copied()))
        .collect();
    let started = Instant::now();
    let mut read = 0usize;
    for group in chunks.chunks(IN_FLIGHT) {
        let calls = group.iter().map(|set| {
            client
                .get(format!("{}{path}/{set}", banner.base_url))
                .header("brightpearl-app-ref", &banner.app_ref)
                .header("brightpearl-account-token", &banner.account_token)
                .send()
        });
        for response in futures_util::future::join_all(calls).await {
            let response = response.unwrap();
            assert_eq!(response.status(), 200);
            let bytes = response.bytes().await.unwrap();
            read += count_records(&bytes);
        }
    }
    assert_eq!(read, ids.len(), "{path}: every record comes back once");
    read as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let sandbox = Sandbox::start(Options {
        data: DataSet::Empty,
        requests_per_minute: 0,
        ..Options::default()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let (contact_ids, product_ids, order_ids) = fill(&sandbox, n);
    println!(
        "made {n} contacts, products and orders (2 rows each) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let client = reqwest::Client::new();
    for (name, path, ids) in [
        ("orders", "/order-service/order", &order_ids),
        ("products", "/product-service/product", &product_ids),
        ("contacts", "/contact-service/contact", &contact_ids),
    ] {
        let mut rates = Vec::new();
        for _ in 0..PASSES {
            rates.push(pass(&client, &sandbox, path, ids).await);
        }
        let shown: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "{name}: median {:.0} records/s over {PASSES} passes of {n} ({})",
            median(rates.clone()),
            shown.join(", ")
        );
    }
    sandbox.stop().await.unwrap();
}
