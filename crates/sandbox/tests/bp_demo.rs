//! The demo data, the scenarios and the activity simulator over real sockets: what a client
//! finds in a `--data demo` account, that a seed always gives the same account, that every
//! scenario does its work and fires its webhooks, and that the simulator acts at its rate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use bp_common::{TestAccount, start_demo, start_with};
use ferry_sandbox::brightpearl::activity;
use ferry_sandbox::brightpearl::api::{DataSet, Options};
use ferry_sandbox::brightpearl::seed::day_start;
use ferry_sandbox::brightpearl::wire::now_ms;
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn demo_with_seed(seed: u64) -> Options {
    Options {
        data: DataSet::Demo,
        requests_per_minute: 0,
        seed,
        ..Options::default()
    }
}

fn results_available(answer: &bp_common::Answer) -> u64 {
    answer.body["response"]["metaData"]["resultsAvailable"]
        .as_u64()
        .unwrap_or_else(|| panic!("no metaData in {}", answer.body))
}

fn ean_valid(code: &str) -> bool {
    code.len() == 13 && code.chars().all(|c| c.is_ascii_digit()) && {
        let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = digits[..12]
            .iter()
            .enumerate()
            .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
            .sum();
        (10 - sum % 10) % 10 == digits[12]
    }
}

#[tokio::test]
async fn the_demo_account_is_a_believable_retailer() {
    let account = start_demo().await;

    let warehouses = account.get("/warehouse-service/warehouse").await;
    assert_eq!(warehouses.status, 200, "{:?}", warehouses.body);
    assert_eq!(warehouses.body["response"].as_array().unwrap().len(), 3);

    let lists = account.get("/product-service/price-list").await;
    let sell: BTreeSet<&str> = lists.body["response"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["priceListTypeCode"] == "SELL")
        .map(|l| l["currencyCode"].as_str().unwrap())
        .collect();
    assert_eq!(sell, BTreeSet::from(["GBP", "USD"]));

    let products = account
        .get("/product-service/product-search?pageSize=500")
        .await;
    assert!(results_available(&products) >= 500);
    let page = account.get("/product-service/product/1001-1200").await;
    let page = page.body["response"].as_array().unwrap();
    assert_eq!(page.len(), 200);
    let brands: BTreeSet<u64> = page
        .iter()
        .map(|p| p["brandId"].as_u64().unwrap())
        .collect();
    assert!(brands.len() >= 3);
    for product in page {
        let identity = &product["identity"];
        assert!(
            identity["sku"].as_str().is_some_and(|s| !s.is_empty()),
            "{product}"
        );
        let barcode = identity["barcode"].as_str().unwrap();
        assert!(ean_valid(barcode), "{barcode}");
        assert!(
            !product["salesChannels"][0]["categories"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
    let grouped = page.iter().filter(|p| p["productGroupId"].is_u64()).count();
    assert!(
        grouped > 100,
        "{grouped} variants in the first 200 products"
    );

    let prices = account.get("/product-service/product-price/1001").await;
    let priced: Vec<u64> = prices.body["response"][0]["priceLists"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !l["quantityPrice"].as_object().unwrap().is_empty())
        .map(|l| l["priceListId"].as_u64().unwrap())
        .collect();
    assert!(
        priced.contains(&1) && priced.contains(&2) && priced.contains(&4),
        "{priced:?}"
    );

    let availability = account
        .get("/warehouse-service/product-availability/1001-1200")
        .await;
    assert_eq!(availability.status, 200, "{:?}", availability.body);
    let stocked = availability.body["response"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| a["total"]["inStock"].as_i64().unwrap_or(0) > 0)
        .count();
    assert!(stocked > 100, "{stocked} of 200 products in stock");

    let contacts = account
        .get("/contact-service/contact-search?pageSize=500")
        .await;
    assert!(results_available(&contacts) >= 1000);
    let payments = account
        .get("/accounting-service/customer-payment-search?pageSize=500")
        .await;
    assert!(results_available(&payments) >= 500);
    let notes = account
        .get("/warehouse-service/goods-note/goods-out-search?pageSize=500")
        .await;
    assert!(results_available(&notes) >= 500);

    let orders = account.get("/order-service/order/1-200").await;
    let orders = orders.body["response"].as_array().unwrap();
    assert!(orders.len() > 150);
    let paid = orders
        .iter()
        .filter(|o| o["orderPaymentStatus"] == "PAID")
        .count();
    let shipped = orders
        .iter()
        .filter(|o| o["shippingStatusCode"] == "ASS")
        .count();
    assert!(paid > 50 && shipped > 50, "{paid} paid, {shipped} shipped");
    assert!(orders.iter().any(|o| o["orderTypeCode"] == "PO"));
}

#[tokio::test]
async fn a_seed_gives_the_same_account_every_time_and_another_seed_a_different_one() {
    // Data is dated from the start of today: retry if the day turns between the two starts.
    for _ in 0..2 {
        let day = day_start(now_ms());
        let first = start_with(demo_with_seed(5)).await;
        let second = start_with(demo_with_seed(5)).await;
        let other = start_with(demo_with_seed(6)).await;
        let dump = |a: TestAccount| async move { a.admin(Method::GET, "/dump", None).await.body };
        let (first, second, other) = (dump(first).await, dump(second).await, dump(other).await);
        if day != day_start(now_ms()) {
            continue;
        }
        assert!(first == second, "two demo accounts with seed 5 differ");
        assert!(first != other, "seeds 5 and 6 gave the same account");
        return;
    }
    panic!("the day turned twice during the test");
}

/// A webhook receiver on 127.0.0.1:0 that records every body.
async fn receiver() -> (String, Arc<Mutex<Vec<Json>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(seen): State<Arc<Mutex<Vec<Json>>>>, body: String| async move {
                    seen.lock()
                        .unwrap()
                        .push(serde_json::from_str(&body).unwrap_or(Json::String(body)));
                    "ok"
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/hook"), seen)
}

fn events(answer: &bp_common::Answer) -> Vec<String> {
    answer.body["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {}", answer.body))
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_scenario_runs_and_fires_its_webhooks() {
    let account = start_demo().await;
    let (hook, seen) = receiver().await;
    for subscription in ["goods-out-note", "order.modified.order-status", "product"] {
        account
            .create(
                "/integration-service/webhook",
                json!({"subscribeTo": subscription, "httpMethod": "POST", "uriTemplate": hook,
                       "bodyTemplate": "{\"id\": \"${resource-id}\", \"fullEvent\": \"${full-event}\"}",
                       "contentType": "application/json", "idSetAccepted": false, "qualityOfService": 1}),
            )
            .await;
    }

    let listed = account.admin(Method::GET, "/scenarios", None).await;
    let names: Vec<&str> = listed.body["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for (name, expected) in [
        ("order-placed", &["order.modified"][..]),
        ("order-paid", &["order.modified"][..]),
        (
            "goods-out-created",
            &[
                "goods-out-note.created",
                "product.modified.on-hand-modified",
            ][..],
        ),
        (
            "goods-out-shipped",
            &["goods-out-note.modified.shipped", "order.modified"][..],
        ),
        ("stock-received", &["product.modified.on-hand-modified"][..]),
        ("product-repriced", &["product.modified"][..]),
        (
            "credit-raised",
            &["order.modified", "order.modified.order-status"][..],
        ),
        ("customer-created", &[][..]),
        ("customer-updated", &[][..]),
    ] {
        assert!(names.contains(&name), "{name} is not listed: {names:?}");
        // A sign-up at checkout may have no address yet and place no order: try again.
        let mut answer = account
            .admin(Method::POST, &format!("/scenarios/{name}"), None)
            .await;
        while name == "order-placed" && answer.body["did"]["orderId"].is_null() {
            answer = account
                .admin(Method::POST, &format!("/scenarios/{name}"), None)
                .await;
        }
        assert_eq!(answer.status, 200, "{name}: {:?}", answer.body);
        assert_eq!(answer.body["scenario"], name);
        let raised = events(&answer);
        for event in expected {
            assert!(
                raised.iter().any(|e| e == event),
                "{name} raised {raised:?}, not {event}"
            );
        }
        if expected.is_empty() {
            assert!(raised.is_empty(), "{name} raised {raised:?}");
            assert!(
                answer.body["did"]["contactId"].is_u64(),
                "{:?}",
                answer.body
            );
        }
    }

    // The events went out as webhooks: the shipped note among them.
    let shipped_note = {
        let answer = account
            .admin(
                Method::POST,
                "/scenarios/goods-out-shipped",
                Some(json!({"seed": 77})),
            )
            .await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["did"]["goodsOutNoteId"]
            .as_u64()
            .unwrap()
            .to_string()
    };
    let mut delivered = false;
    for _ in 0..100 {
        delivered = seen.lock().unwrap().iter().any(|b| {
            b["fullEvent"] == "goods-out-note.modified.shipped" && b["id"] == shipped_note.as_str()
        });
        if delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        delivered,
        "no webhook for note {shipped_note}: {:?}",
        seen.lock().unwrap()
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|b| b["fullEvent"] == "product.modified")
    );

    let unknown = account
        .admin(Method::POST, "/scenarios/order-eaten", None)
        .await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body["error"]
            .as_str()
            .unwrap()
            .contains("order-placed"),
        "{:?}",
        unknown.body
    );
    assert!(unknown.body["scenarios"].as_array().unwrap().len() >= 9);
    let bad_body = account
        .admin(
            Method::POST,
            "/scenarios/order-paid",
            Some(json!({"seed": "x"})),
        )
        .await;
    assert_eq!(bad_body.status, 400, "{:?}", bad_body.body);
}

#[tokio::test]
async fn nothing_to_do_is_a_conflict_on_an_empty_account() {
    let account = start_with(Options {
        data: DataSet::Empty,
        requests_per_minute: 0,
        ..Options::default()
    })
    .await;
    let answer = account
        .admin(Method::POST, "/scenarios/order-paid", None)
        .await;
    assert_eq!(answer.status, 409, "{:?}", answer.body);
    assert!(
        answer.body["error"]
            .as_str()
            .unwrap()
            .contains("nothing to do")
    );
}

#[tokio::test]
async fn the_simulator_acts_at_about_its_rate_and_the_rate_changes_at_run_time() {
    // Every sandbox runs its simulator (idle at rate 0); the admin API sets the rate.
    let account = start_demo().await;
    let started = account
        .admin(
            Method::PUT,
            "/activity",
            Some(json!({"events_per_minute": 600})),
        )
        .await;
    assert_eq!(started.status, 200, "{:?}", started.body);
    let idle = account.admin(Method::GET, "/activity", None).await;
    assert_eq!(idle.body["running"], true, "{:?}", idle.body);
    assert_eq!(idle.body["events_per_minute"], 600.0);

    // 600 a minute for three seconds: about 30 actions.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let busy = account.admin(Method::GET, "/activity", None).await;
    let performed = busy.body["actions_performed"].as_u64().unwrap();
    assert!(
        (8..=90).contains(&performed),
        "{performed} actions in 3 s at 10/s"
    );
    assert!(
        busy.body["last_action"]["action"].is_string(),
        "{:?}",
        busy.body
    );

    let paused = account
        .admin(
            Method::PUT,
            "/activity",
            Some(json!({"events_per_minute": 0})),
        )
        .await;
    assert_eq!(paused.status, 200, "{:?}", paused.body);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = account.admin(Method::GET, "/activity", None).await.body["actions_performed"]
        .as_u64()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = account.admin(Method::GET, "/activity", None).await.body["actions_performed"]
        .as_u64()
        .unwrap();
    assert_eq!(before, after, "paused but still acting");

    let refused = account
        .admin(
            Method::PUT,
            "/activity",
            Some(json!({"events_per_minute": -1})),
        )
        .await;
    assert_eq!(refused.status, 400);
    let refused = account
        .admin(Method::PUT, "/activity", Some(json!({"rate": 5})))
        .await;
    assert_eq!(refused.status, 400);

    // Faster again, then stopped.
    account
        .admin(
            Method::PUT,
            "/activity",
            Some(json!({"events_per_minute": 1200})),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let resumed = account.admin(Method::GET, "/activity", None).await.body["actions_performed"]
        .as_u64()
        .unwrap();
    assert!(resumed > after, "did not resume");
    // Stopping the sandbox stops the simulator.
    let state = account.sandbox.state().clone();
    tokio::time::timeout(Duration::from_secs(5), account.sandbox.stop())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !activity::control(&state).running(),
        "still running after stop"
    );
}
