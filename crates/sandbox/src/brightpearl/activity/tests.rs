//! The actions on a demo account built in memory: each does what it says, raises the events
//! the real system raises, and a seeded stream of them is repeatable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::brightpearl::account::Settings;
use crate::brightpearl::account::orders::{OrderType, PaymentStatus, ShippingStatus};
use crate::brightpearl::seed;
use crate::brightpearl::wire::parse_time;

fn demo_account() -> Account {
    let mut account = Account::standard(Settings::default());
    account.frozen_now_ms = parse_time("2026-03-10T15:30:00Z");
    seed::demo(&mut account, 5).unwrap();
    account
}

fn events_of(result: &Json) -> Vec<String> {
    result["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `name` until it does something (an order placed for a sign-up without an address
/// places nothing); panics if it never does.
fn run(account: &mut Account, name: &str, rng: &mut StdRng) -> Json {
    for _ in 0..5 {
        let result = run_action(account, name, rng).unwrap_or_else(|e| panic!("{name}: {e}"));
        if name != "order-placed" || !result["did"]["orderId"].is_null() {
            return result;
        }
    }
    panic!("{name} never did anything");
}

#[test]
fn every_action_does_its_work_and_raises_the_real_events() {
    let mut account = demo_account();
    let mut rng = StdRng::seed_from_u64(9);
    account.take_events();

    let placed = run(&mut account, "order-placed", &mut rng);
    let order = placed["did"]["orderId"].as_u64().unwrap();
    assert!(account.orders.get(order).is_some());
    assert!(
        events_of(&placed).contains(&"order.modified".to_string()),
        "{placed}"
    );

    let paid = run(&mut account, "order-paid", &mut rng);
    let paid_order = paid["did"]["orderId"].as_u64().unwrap();
    assert_ne!(
        account.orders.get(paid_order).unwrap().order_payment_status,
        PaymentStatus::Unpaid
    );
    assert!(
        events_of(&paid).contains(&"order.modified".to_string()),
        "{paid}"
    );

    let created = run(&mut account, "goods-out-created", &mut rng);
    let note = created["did"]["goodsOutNoteId"].as_u64().unwrap();
    assert!(account.goods_out.get(note).is_some());
    let events = events_of(&created);
    assert!(
        events.contains(&"goods-out-note.created".to_string()),
        "{created}"
    );
    assert!(
        events.contains(&"product.modified.on-hand-modified".to_string()),
        "allocation changes on-hand: {created}"
    );

    let progressed = run(&mut account, "goods-out-progressed", &mut rng);
    let code = progressed["did"]["events"][0].as_str().unwrap();
    let specifier = match code {
        "PRI" => "printed",
        "PIC" => "picked",
        "PAC" => "packed",
        _ => "shipped",
    };
    assert!(
        events_of(&progressed).contains(&format!("goods-out-note.modified.{specifier}")),
        "{progressed}"
    );

    let shipped = run(&mut account, "goods-out-shipped", &mut rng);
    let note = shipped["did"]["goodsOutNoteId"].as_u64().unwrap();
    assert!(account.goods_out.get(note).unwrap().status.shipped);
    let events = events_of(&shipped);
    assert!(
        events.contains(&"goods-out-note.modified.shipped".to_string()),
        "{shipped}"
    );
    // Shipping takes stock out with its allocation: in-stock falls, on-hand (in stock less
    // allocated) does not move, so no on-hand event; the order hears of it.
    assert!(events.contains(&"order.modified".to_string()), "{shipped}");
    if shipped["did"]["trackingReference"].is_string() {
        assert!(
            events.contains(&"goods-out-note.modified".to_string()),
            "tracking PUT: {shipped}"
        );
    }

    let received = run(&mut account, "stock-received", &mut rng);
    assert!(
        events_of(&received).contains(&"product.modified.on-hand-modified".to_string()),
        "{received}"
    );

    let repriced = run(&mut account, "product-repriced", &mut rng);
    let product = repriced["did"]["productId"].as_u64().unwrap();
    assert_eq!(events_of(&repriced), ["product.modified"], "{repriced}");
    assert_eq!(repriced["events"][0]["id"], product);

    let credited = run(&mut account, "credit-raised", &mut rng);
    let credit = credited["did"]["creditId"].as_u64().unwrap();
    let credit_order = account.orders.get(credit).unwrap();
    assert_eq!(credit_order.order_type_code, OrderType::SalesCredit);
    assert_eq!(
        credit_order.order_payment_status,
        PaymentStatus::Paid,
        "refunded"
    );
    assert!(
        events_of(&credited).contains(&"order.modified.order-status".to_string()),
        "{credited}"
    );

    let before = account.contacts.contacts.len();
    let signed_up = run(&mut account, "customer-created", &mut rng);
    assert_eq!(account.contacts.contacts.len(), before + 1);
    assert!(
        events_of(&signed_up).is_empty(),
        "contact.* is not subscribable: {signed_up}"
    );
    let edited = run(&mut account, "customer-updated", &mut rng);
    assert!(edited["did"]["changed"].is_string(), "{edited}");
    assert!(events_of(&edited).is_empty(), "{edited}");

    let moved = run(&mut account, "stock-moved", &mut rng);
    assert_eq!(
        events_of(&moved),
        [
            "product.modified.on-hand-modified",
            "product.modified.on-hand-modified"
        ],
        "{moved}"
    );

    let ordered = run(&mut account, "purchase-ordered", &mut rng);
    assert!(
        events_of(&ordered).contains(&"order.modified.order-status".to_string()),
        "{ordered}"
    );

    let new_product = run(&mut account, "product-created", &mut rng);
    assert!(
        events_of(&new_product).contains(&"product.created".to_string()),
        "{new_product}"
    );

    let cancelled = run(&mut account, "order-cancelled", &mut rng);
    let cancelled_order = cancelled["did"]["orderId"].as_u64().unwrap();
    assert_eq!(
        account
            .orders
            .get(cancelled_order)
            .unwrap()
            .order_status
            .order_status_id,
        5
    );

    // The outbox holds exactly what the actions reported.
    assert!(!account.outbox.is_empty());
}

#[test]
fn an_unknown_action_or_nothing_to_do_is_said_plainly() {
    let mut account = Account::standard(Settings::default());
    let mut rng = StdRng::seed_from_u64(1);
    let unknown = attempt(&mut account, "order-eaten", &mut rng).unwrap_err();
    assert!(matches!(unknown, ActionError::Unknown(_)));
    assert!(unknown.to_string().contains("order-placed"), "{unknown}");
    // An empty account has nothing to pay, ship or return.
    for name in [
        "order-paid",
        "goods-out-progressed",
        "goods-out-shipped",
        "credit-raised",
        "order-cancelled",
    ] {
        let error = attempt(&mut account, name, &mut rng).unwrap_err();
        assert!(
            matches!(error, ActionError::NothingToDo(_)),
            "{name}: {error}"
        );
    }
    // A sign-up works on any account.
    assert!(run_action(&mut account, "customer-created", &mut rng).is_ok());
}

#[test]
fn a_seeded_stream_of_actions_repeats_and_moves_orders_along() {
    let mut first = demo_account();
    let mut second = demo_account();
    let (mut a, mut b) = (StdRng::seed_from_u64(3), StdRng::seed_from_u64(3));
    let mut names = Vec::new();
    for _ in 0..150 {
        let x = run_random(&mut first, &mut a).unwrap();
        let y = run_random(&mut second, &mut b).unwrap();
        assert_eq!(x, y);
        names.push(x["action"].as_str().unwrap().to_string());
    }
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&second).unwrap()
    );
    let distinct: std::collections::BTreeSet<_> = names.iter().collect();
    assert!(distinct.len() >= 9, "{distinct:?}");
    // Notes keep moving: some shipped during the run.
    let shipped_now = first
        .goods_out
        .notes
        .values()
        .filter(|n| n.status.shipped)
        .count();
    let shipped_before = demo_account()
        .goods_out
        .notes
        .values()
        .filter(|n| n.status.shipped)
        .count();
    assert!(shipped_now > shipped_before);
    assert!(
        first
            .orders
            .orders
            .values()
            .any(|o| o.shipping_status_code == ShippingStatus::AllShipped)
    );
}
