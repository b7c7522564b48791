//! The Brightpearl flow adapter against the Brightpearl sandbox (demo data) over real sockets:
//! row shapes checked against the typed client, scans in id order with their call counts,
//! polling, reference data, contact and product writes (idempotent creates, address changes,
//! finds), validation errors and throttling.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_brightpearl::auth::StaticToken;
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::model::contacts::PostalAddress;
use ferry_brightpearl::{Client, Settings};
use ferry_core::Timestamp;
use ferry_engine::flows::adapters::{Row, Source, Target, Write};
use ferry_engine::flows::brightpearl::{BrightpearlSource, BrightpearlTarget};
use ferry_http::TransportConfig;
use ferry_http::breaker::BreakerConfig;
use ferry_http::budget::Budgets;
use ferry_sandbox::brightpearl::api::{DataSet, Options, Sandbox};
use secrecy::SecretString;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

async fn sandbox(requests_per_minute: u32) -> Sandbox {
    Sandbox::start(Options {
        data: DataSet::Demo,
        requests_per_minute,
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Options::default()
    })
    .await
    .expect("sandbox starts")
}

fn client(sandbox: &Sandbox, requests_per_minute: u32) -> Client {
    let banner = &sandbox.banner;
    let auth = StaticToken::account(
        &banner.app_ref,
        &SecretString::from(banner.account_token.clone()),
    )
    .unwrap();
    let settings = Settings {
        requests_per_minute,
        timeout: Duration::from_secs(30),
        ..Settings::new(&banner.base_url, &banner.account)
    };
    let config = TransportConfig {
        timeout: Duration::from_secs(30),
        retry: ferry_core::RetryPolicy {
            max_attempts: 12,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(300),
        },
        patience: Duration::from_secs(90),
        breaker: BreakerConfig {
            threshold: 50,
            open_for: Duration::from_millis(100),
            max_open_for: Duration::from_millis(200),
        },
    };
    Client::new(&settings, Arc::new(auth), &Budgets::default(), config).unwrap()
}

fn calls(client: &Client) -> u64 {
    client.transport().stats().requests
}

fn fields(value: Value) -> Map<String, Value> {
    serde_json::from_value(value).unwrap()
}

fn create(fields_json: Value, marker: &str) -> Write {
    Write {
        id: None,
        upsert_key: None,
        fields: fields(fields_json),
        marker: Some(marker.to_owned()),
    }
}

fn update(id: &str, fields_json: Value) -> Write {
    Write {
        id: Some(id.to_owned()),
        upsert_key: None,
        fields: fields(fields_json),
        marker: None,
    }
}

/// Every row of `source`, scanning `limit` at a time.
async fn scan_all(source: &BrightpearlSource, limit: usize) -> Vec<Row> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = source.scan(after.as_deref(), limit, &[]).await.unwrap();
        let done = page.len() < limit;
        after = page.last().map(|r| r.id.clone()).or(after);
        all.extend(page);
        if done {
            return all;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_rows_carry_the_get_json_addresses_groups_and_convenience_keys() {
    let sandbox = sandbox(0).await;
    let client = client(&sandbox, 10_000);
    let source = BrightpearlSource::new(client.clone(), "contact").unwrap();
    let rows = source.scan(None, 60, &[]).await.unwrap();
    assert_eq!(rows.len(), 60);
    let ids: IdSet = rows.iter().map(|r| r.id.parse::<u64>().unwrap()).collect();
    let typed = client.contacts(&ids).await.unwrap();
    let mut grouped = 0;
    for row in &rows {
        let contact = typed
            .iter()
            .find(|c| c.contact_id.to_string() == row.id)
            .expect("the typed read has the contact");
        let data = &row.data;
        assert_eq!(data["contactId"], json!(contact.contact_id));
        assert_eq!(data["lastName"], json!(contact.last_name));
        assert_eq!(data["email"].as_str(), contact.primary_email());
        assert_eq!(
            data["phone"].as_str(),
            contact.communication.telephones.primary.as_deref()
        );
        assert_eq!(
            data["companyName"].as_str(),
            contact.organisation.name.as_deref()
        );
        assert_eq!(data["isCustomer"], json!(contact.is_customer()));
        assert_eq!(
            row.version.as_deref(),
            contact.updated_on.as_ref().map(|s| s.raw())
        );
        assert!(row.modified_at.is_some());
        if let Some(def) = contact.post_address_ids.default {
            let address: Vec<PostalAddress> = client
                .get_many(
                    "/contact-service/postal-address",
                    &IdSet::from_ids([def]),
                    200,
                )
                .await
                .unwrap();
            assert_eq!(data["addresses"]["default"]["addressId"], json!(def));
            assert_eq!(
                data["addresses"]["default"]["postalCode"],
                json!(address[0].postal_code)
            );
            assert_eq!(
                data["addresses"]["default"]["countryIsoCode"].as_str(),
                address[0].country_iso_code.as_deref()
            );
        }
        if let Some(group) = data["customerGroup"].as_str() {
            grouped += 1;
            assert!(group.ends_with("Customers"), "{group}");
            assert_eq!(data["customerGroups"][0], json!(group));
        }
    }
    assert!(grouped > 0, "demo customers belong to contact groups");
    // Read by id: one contact GET, one address GET, one group search.
    let before = calls(&client);
    let some: Vec<String> = rows.iter().take(40).map(|r| r.id.clone()).collect();
    let read = source.read(&some, &[]).await.unwrap();
    assert_eq!(read.len(), 40);
    assert_eq!(calls(&client) - before, 3);
    assert!(
        source
            .read(&["99999999".into()], &[])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_and_availability_rows_and_scans_in_id_order() {
    let sandbox = sandbox(0).await;
    let client = client(&sandbox, 10_000);
    let products = BrightpearlSource::new(client.clone(), "product").unwrap();
    let before = calls(&client);
    let page = products.scan(None, 500, &[]).await.unwrap();
    let spent = calls(&client) - before;
    assert!(!page.is_empty());
    // search + ceil(n/200) product GETs + as many price GETs + the three lookup lists, and
    // one more search for the largest id when the catalogue is smaller than the page.
    let gets = (page.len() as u64).div_ceil(200);
    assert!(
        spent <= 1 + 2 * gets + 3 + 1,
        "{spent} calls for {}",
        page.len()
    );
    let ids: Vec<u64> = page.iter().map(|r| r.id.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending ids");
    let row = &page[0];
    let typed = client
        .products(&IdSet::from_ids([ids[0]]))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(row.data["sku"].as_str(), typed.sku());
    assert_eq!(row.data["name"].as_str(), typed.name());
    assert_eq!(row.data["active"], json!(typed.status == "LIVE"));
    assert!(
        row.data["brandName"].is_string(),
        "{}",
        row.data["brandName"]
    );
    assert!(row.data["categoryNames"].is_array());
    let prices = client
        .product_prices(&IdSet::from_ids([ids[0]]))
        .await
        .unwrap()
        .remove(0);
    let with_price: Vec<_> = prices
        .price_lists
        .iter()
        .filter(|l| l.quantity_price.contains_key(&1))
        .collect();
    let listed = row.data["prices"].as_array().unwrap();
    assert_eq!(listed.len(), with_price.len());
    for (entry, list) in listed.iter().zip(&with_price) {
        assert_eq!(entry["priceListId"], json!(list.price_list_id));
        assert_eq!(entry["currency"], json!(list.currency_code));
        assert!(entry["code"].is_string());
        let price: rust_decimal::Decimal = entry["price"].as_str().unwrap().parse().unwrap();
        assert_eq!(price, list.quantity_price[&1]);
    }

    // Small pages walk the whole catalogue once, in order.
    let all = scan_all(&products, 37).await;
    let walked: Vec<u64> = all.iter().map(|r| r.id.parse().unwrap()).collect();
    assert!(walked.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(&walked[..ids.len().min(walked.len())], &ids[..]);

    // Availability: the scan's search carries the SKU.
    let availability = BrightpearlSource::new(client.clone(), "product-availability").unwrap();
    let before = calls(&client);
    let stock = availability.scan(None, 200, &[]).await.unwrap();
    let spent = calls(&client) - before;
    assert!(!stock.is_empty());
    assert!(spent <= 3, "{spent} calls");
    let first = &stock[0];
    let id: u64 = first.id.parse().unwrap();
    let typed = client
        .product_availability(&IdSet::from_ids([id]))
        .await
        .unwrap();
    assert_eq!(first.data["productId"], json!(id));
    assert_eq!(
        first.data["total"]["onHand"],
        json!(typed[0].1.total.on_hand)
    );
    assert_eq!(
        first.data["total"]["inStock"],
        json!(typed[0].1.total.in_stock)
    );
    for (warehouse, figures) in &typed[0].1.warehouses {
        assert_eq!(
            first.data["warehouses"][warehouse.to_string()]["onHand"],
            json!(figures.figures.on_hand)
        );
    }
    let sku = client.products(&IdSet::from_ids([id])).await.unwrap()[0]
        .sku()
        .map(str::to_owned);
    assert_eq!(first.data["sku"].as_str(), sku.as_deref());
    // A read by id finds the SKU with one search when the flow reads it...
    let before = calls(&client);
    let read = availability
        .read(std::slice::from_ref(&first.id), &["sku".to_string()])
        .await
        .unwrap();
    assert_eq!(read[0].data, first.data);
    assert_eq!(calls(&client) - before, 2);
    // ...and spends no search when it does not (a live stock update: one call).
    let before = calls(&client);
    let read = availability
        .read(std::slice::from_ref(&first.id), &[])
        .await
        .unwrap();
    assert_eq!(read[0].data["sku"], Value::Null);
    assert_eq!(read[0].data["total"], first.data["total"]);
    assert_eq!(calls(&client) - before, 1);
    assert!(
        availability
            .changed_since(Timestamp::from_micros(0))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_data_and_unknown_objects() {
    let sandbox = sandbox(0).await;
    let client = client(&sandbox, 10_000);
    let err = BrightpearlSource::new(client.clone(), "order")
        .err()
        .unwrap();
    assert!(
        err.message
            .contains("contact, product, product-availability")
    );
    let source = BrightpearlSource::new(client.clone(), "contact").unwrap();
    let reference = source.reference().await.unwrap();
    let base = reference["base_currency"].as_str().unwrap();
    assert_eq!(reference["rates"][base], json!("1"));
    assert!(reference["rates"].as_object().unwrap().len() >= 2);
    for rate in reference["rates"].as_object().unwrap().values() {
        rate.as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap();
    }
    let lists = client.price_lists().await.unwrap();
    for list in &lists {
        assert_eq!(
            reference["price_lists"][list.id.to_string()]["code"],
            json!(list.code)
        );
        assert_eq!(
            reference["price_lists"][list.id.to_string()]["currency"],
            json!(list.currency_code)
        );
    }
    let warehouses = client.warehouses().await.unwrap();
    for w in &warehouses {
        assert_eq!(reference["warehouses"][w.id.to_string()], json!(w.name));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_created_once_updated_found_and_polled() {
    let sandbox = sandbox(0).await;
    let client = client(&sandbox, 10_000);
    let target = BrightpearlTarget::new(client.clone());
    let source = BrightpearlSource::new(client.clone(), "contact").unwrap();
    let fields_json = json!({
        "firstName": "Ada", "lastName": "Quillfeather", "email": "ada.quill@example.test",
        "phone": "+44 20 7946 0000", "companyName": "Quill Analytics", "website": "https://quill.example.test",
        "addressLine1": "1 Engine Row", "addressLine3": "London", "postalCode": "N1 9GU",
        "countryIsoCode": "GBR",
    });
    let marker = "ferry:customers_to_brightpearl:003000000000AAA";
    let first = target
        .write("contact", &[create(fields_json.clone(), marker)])
        .await;
    let id = first[0].clone().unwrap();
    // The same create again (a retry after a crash) finds the contact by its marker.
    let again = target
        .write("contact", &[create(fields_json.clone(), marker)])
        .await;
    assert_eq!(again[0].clone().unwrap(), id);
    let found = target
        .find(
            "contact",
            &["email".into()],
            &[vec![json!("ADA.QUILL@example.test")]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "one contact for the marker");
    assert_eq!(found[0].id, id);

    let rows = target
        .read("contact", std::slice::from_ref(&id), &[])
        .await
        .unwrap();
    let data = &rows[0].data;
    assert_eq!(data["email"], json!("ada.quill@example.test"));
    assert_eq!(data["companyName"], json!("Quill Analytics"));
    assert_eq!(data["website"], json!("https://quill.example.test"));
    assert_eq!(data["addresses"]["default"]["postalCode"], json!("N1 9GU"));
    assert_eq!(
        data["addresses"]["delivery"]["addressLine1"],
        json!("1 Engine Row")
    );
    assert_eq!(
        data["assignment"]["current"]["accountReference"]
            .as_str()
            .map(str::len),
        Some(32)
    );
    let old_address = data["addresses"]["default"]["addressId"].clone();

    // Update: a new postcode makes a new address the contact points at; the phone changes.
    let since = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let written = target
        .write(
            "contact",
            &[update(
                &id,
                json!({"postalCode": "EC1A 1BB", "phone": "+44 20 7946 0001", "mobile": null}),
            )],
        )
        .await;
    assert_eq!(written[0].clone().unwrap(), id);
    let rows = source.read(std::slice::from_ref(&id), &[]).await.unwrap();
    let data = &rows[0].data;
    assert_eq!(data["phone"], json!("+44 20 7946 0001"));
    assert_eq!(
        data["addresses"]["default"]["postalCode"],
        json!("EC1A 1BB")
    );
    assert_eq!(
        data["addresses"]["default"]["addressLine1"],
        json!("1 Engine Row")
    );
    assert_eq!(
        data["addresses"]["billing"]["postalCode"],
        json!("EC1A 1BB")
    );
    assert_ne!(data["addresses"]["default"]["addressId"], old_address);
    // An unchanged write sends nothing.
    let before = calls(&client);
    target
        .write("contact", &[update(&id, json!({"postalCode": "EC1A 1BB"}))])
        .await[0]
        .clone()
        .unwrap();
    assert_eq!(
        calls(&client) - before,
        2,
        "only the batch read (contact and address GETs)"
    );

    let changed = source.changed_since(since).await.unwrap();
    assert!(changed.iter().any(|(c, _)| *c == id), "{changed:?}");
    assert!(changed.windows(2).all(|w| w[0].1 <= w[1].1));

    let by_name = target
        .find(
            "contact",
            &["lastName".into(), "postalCode".into()],
            &[vec![json!("quillfeather"), json!("ec1a1bb")]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        by_name.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [id.as_str()]
    );
    let wrong_code = target
        .find(
            "contact",
            &["lastName".into(), "postalCode".into()],
            &[vec![json!("Quillfeather"), json!("ZZ1 1ZZ")]],
            &[],
        )
        .await
        .unwrap();
    assert!(wrong_code.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_name_the_record_and_field() {
    let sandbox = sandbox(0).await;
    let client = client(&sandbox, 10_000);
    let target = BrightpearlTarget::new(client.clone());
    let refused = target
        .write(
            "contact",
            &[create(
                json!({"lastName": "Nomail", "email": "not-an-address"}),
                "m-1",
            )],
        )
        .await;
    let err = refused[0].clone().unwrap_err();
    assert!(!err.transient);
    assert!(err.code.starts_with("BP_"), "{err}");
    assert!(err.message.contains("communication.emails.PRI"), "{err}");
    assert!(err.message.contains("marker \"m-1\""), "{err}");
    let refused = target
        .write(
            "contact",
            &[create(json!({"firstName": "x", "fax": "1"}), "m-2")],
        )
        .await;
    let err = refused[0].clone().unwrap_err();
    assert_eq!(err.code, "BP_INVALID_FIELD");
    assert!(err.message.contains("\"fax\""), "{err}");
    let refused = target
        .write(
            "product",
            &[create(json!({"name": "No SKU", "brandId": 1}), "m-3")],
        )
        .await;
    assert!(refused[0].clone().unwrap_err().message.contains("\"sku\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_are_created_once_by_sku_updated_and_found() {
    let sandbox = sandbox(0).await;
    let client = client(&sandbox, 10_000);
    let target = BrightpearlTarget::new(client.clone());
    let source = BrightpearlSource::new(client.clone(), "product").unwrap();
    let brand = client.brands().await.unwrap().remove(0);
    let list = client
        .price_lists()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.price_list_type_code == "SELL")
        .unwrap();
    let fields_json = json!({
        "sku": "FERRY-TEST-001", "name": "Ferry test kettle", "brandName": brand.name,
        "description": "<p>Boils</p>", "active": true,
        "prices": {list.id.to_string(): "24.50"},
    });
    let id = target
        .write("product", &[create(fields_json.clone(), "p-1")])
        .await[0]
        .clone()
        .unwrap();
    let again = target.write("product", &[create(fields_json, "p-1")]).await[0]
        .clone()
        .unwrap();
    assert_eq!(again, id, "a retried create finds the product by its SKU");
    let row = &source.read(std::slice::from_ref(&id), &[]).await.unwrap()[0];
    assert_eq!(row.data["sku"], json!("FERRY-TEST-001"));
    assert_eq!(row.data["name"], json!("Ferry test kettle"));
    assert_eq!(row.data["brandName"], json!(brand.name));
    assert_eq!(row.data["description"], json!("<p>Boils</p>"));
    let price = row.data["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["priceListId"] == json!(list.id))
        .unwrap();
    assert_eq!(price["price"], json!("24.5"));

    target
        .write(
            "product",
            &[update(&id, json!({"name": "Ferry test kettle II", "active": false, "barcode": "5012345678900"}))],
        )
        .await[0]
        .clone()
        .unwrap();
    let found = target
        .find(
            "product",
            &["sku".into()],
            &[vec![json!("ferry-test-001")]],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].data["name"], json!("Ferry test kettle II"));
    assert_eq!(found[0].data["active"], json!(false));
    assert_eq!(found[0].data["identity"]["barcode"], json!("5012345678900"));
    let ids: BTreeSet<String> = source
        .changed_since(Timestamp::from_micros(
            Timestamp::now().as_micros() - 60_000_000,
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(ids.contains(&id), "the updated product is polled");

    // Many SKUs at once (an order's lines): one walk of the catalogue's pages, not a search
    // per SKU; SKUs compare ignoring case; an unknown SKU finds nothing.
    let catalogue = scan_all(&source, 500).await;
    let skus: Vec<String> = catalogue
        .iter()
        .filter_map(|r| r.data["sku"].as_str().map(str::to_owned))
        .take(6)
        .collect();
    assert_eq!(skus.len(), 6);
    let mut asked: Vec<Vec<Value>> = skus.iter().map(|s| vec![json!(s)]).collect();
    asked[0] = vec![json!(skus[0].to_lowercase())];
    asked.push(vec![json!("NO-SUCH-SKU-42")]);
    let before = calls(&client);
    let found = target
        .find("product", &["sku".into()], &asked, &[])
        .await
        .unwrap();
    let spent = calls(&client) - before;
    let mut got: Vec<String> = found
        .iter()
        .map(|r| r.data["sku"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut want = skus.clone();
    want.sort();
    assert_eq!(got, want);
    let pages = (catalogue.len() as u64).div_ceil(500);
    assert!(
        spent <= pages + 2,
        "{spent} calls for 7 SKUs over {pages} catalogue pages (a walk, then the product and price reads)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_account_still_completes_a_scan() {
    // The sandbox allows 12 requests a minute while the client thinks it has 600 (another
    // process spent the budget): the 503 "too many requests" answers are waited out.
    let sandbox = sandbox(4).await;
    let client = client(&sandbox, 600);
    let source = BrightpearlSource::new(client.clone(), "product-availability").unwrap();
    let started = std::time::Instant::now();
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let page = source.scan(after.as_deref(), 40, &[]).await.unwrap();
        assert_eq!(page.len(), 40);
        after = page.last().map(|r| r.id.clone());
        seen.extend(page.into_iter().map(|r| r.id.parse::<u64>().unwrap()));
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    // Six calls at four a minute: the client waited for the window (told by the throttle
    // headers, or by a 503 "too many requests") instead of failing.
    let stats = client.transport().stats();
    assert_eq!(stats.errors.len(), 0, "{stats:?}");
    assert!(started.elapsed() >= Duration::from_secs(30), "{stats:?}");
}
