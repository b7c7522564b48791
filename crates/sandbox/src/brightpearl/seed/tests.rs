//! The demo data on accounts built in memory: what it holds, how messy it is, that a seed
//! always gives the same account, and how long it takes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::brightpearl::account::Settings;
use crate::brightpearl::account::catalogue::{ProductStatus, RETAIL_PRICE_LIST};
use crate::brightpearl::account::orders::{OrderType, PaymentStatus};
use crate::brightpearl::account::stock::{MAIN_WAREHOUSE, UK_WAREHOUSE, WEST_WAREHOUSE};
use crate::brightpearl::wire::parse_time;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The moment the test accounts are seeded at: the data covers the 90 days before 2026-03-10.
const FROZEN: &str = "2026-03-10T15:30:00Z";

fn seeded(seed: u64) -> Account {
    let mut account = Account::standard(Settings::default());
    account.frozen_now_ms = parse_time(FROZEN);
    demo(&mut account, seed).unwrap();
    account
}

/// One demo account for the read-only tests (seeding takes a second or two in debug builds).
fn shared() -> &'static Account {
    static ACCOUNT: OnceLock<Account> = OnceLock::new();
    ACCOUNT.get_or_init(|| seeded(1))
}

#[test]
fn seeding_is_quick_leaves_no_events_and_restores_the_clock() {
    let started = std::time::Instant::now();
    let account = seeded(11);
    let took = started.elapsed();
    eprintln!(
        "demo seeding took {took:?}: {} contacts, {} products, {} orders, {} goods-out notes, {} customer payments",
        account.contacts.contacts.len(),
        account.catalogue.products.len(),
        account.orders.orders.len(),
        account.goods_out.notes.len(),
        account.accounting.customer_payments.len()
    );
    // Generous bounds (tests run in parallel on loaded machines); measured alone it takes
    // about 2 s in a debug build and a tenth of that in release.
    assert!(
        took < std::time::Duration::from_secs(if cfg!(debug_assertions) { 20 } else { 2 }),
        "{took:?}"
    );
    assert!(account.outbox.is_empty());
    assert_eq!(account.frozen_now_ms, parse_time(FROZEN));
}

#[test]
fn the_same_seed_gives_the_same_account_and_another_seed_does_not() {
    let text = |a: &Account| serde_json::to_string(a).unwrap();
    let first = text(shared());
    assert_eq!(first, text(&seeded(1)));
    assert_ne!(first, text(&seeded(2)));
}

#[test]
fn everything_is_dated_within_the_history_and_before_today() {
    let account = shared();
    let today = day_start(parse_time(FROZEN).unwrap());
    let start = today - HISTORY_DAYS * DAY_MS;
    for order in account.orders.orders.values() {
        assert!(
            (start..today).contains(&order.created_on.ms),
            "order {} at {}",
            order.id,
            order.created_on.text
        );
        if let Some(updated) = &order.updated_on {
            assert!(
                updated.ms >= order.created_on.ms && updated.ms < today,
                "order {}",
                order.id
            );
        }
    }
    for record in account.contacts.contacts.values() {
        assert!(record.contact.created_on.ms < today);
    }
}

#[test]
fn the_catalogue_is_a_real_range() {
    let account = shared();
    let catalogue = &account.catalogue;
    assert!(
        catalogue.products.len() >= 500,
        "{}",
        catalogue.products.len()
    );
    assert_eq!(catalogue.products.len(), product_count());
    let mut skus = BTreeSet::new();
    for product in catalogue.products.values() {
        assert!(
            skus.insert(product.sku().to_string()),
            "{} repeated",
            product.sku()
        );
        let barcode = &product.identity.barcode;
        assert_eq!(barcode.len(), 13, "{barcode}");
        let check = barcode[12..].parse::<u32>().unwrap();
        assert_eq!(
            catalogue::ean_check_digit(&barcode[..12]),
            check,
            "{barcode}"
        );
        assert!(!product.category_ids().is_empty(), "{}", product.sku());
    }
    assert!(catalogue.brands.len() >= 6);
    assert!(catalogue.categories.len() >= 15);
    let untracked = catalogue
        .products
        .values()
        .filter(|p| !p.stock_tracked())
        .count();
    assert!((5..20).contains(&untracked), "{untracked}");
    // Two colourways, every size of each.
    let discontinued: BTreeSet<&str> = catalogue
        .products
        .values()
        .filter(|p| p.status == ProductStatus::Discontinued)
        .map(|p| p.name())
        .collect();
    assert_eq!(discontinued.len(), 2, "{discontinued:?}");
    let grouped = catalogue
        .products
        .values()
        .filter(|p| p.product_group_id.is_some())
        .count();
    assert!(grouped > 400, "{grouped} products are variants");
    // Prices on two sell lists in two currencies, plus cost.
    let sell: BTreeMap<u64, &str> = catalogue
        .price_lists
        .values()
        .filter(|l| l.price_list_type_code == "SELL")
        .map(|l| (l.id, l.currency_code.as_str()))
        .collect();
    let priced_on = |list: u64| {
        catalogue
            .prices
            .values()
            .filter(|p| p.contains_key(&list))
            .count()
    };
    let currencies: BTreeSet<&str> = sell
        .iter()
        .filter(|(id, _)| priced_on(**id) > 400)
        .map(|(_, c)| *c)
        .collect();
    assert_eq!(currencies, BTreeSet::from(["GBP", "USD"]));
    assert!(priced_on(1) > 500, "cost prices");
    assert!(priced_on(RETAIL_PRICE_LIST) >= 540);
}

#[test]
fn the_warehouses_hold_stock_some_out_and_some_low() {
    let account = shared();
    assert_eq!(account.stock.warehouses.len(), 3);
    let live: Vec<_> = account
        .catalogue
        .products
        .values()
        .filter(|p| p.stock_tracked() && p.status == ProductStatus::Live)
        .collect();
    for warehouse in [MAIN_WAREHOUSE, WEST_WAREHOUSE, UK_WAREHOUSE] {
        let stocked = live
            .iter()
            .filter(|p| account.stock.level(p.id, warehouse).in_stock > 0)
            .count();
        assert!(
            stocked > 100,
            "warehouse {warehouse} stocks {stocked} lines"
        );
    }
    let out = live
        .iter()
        .filter(|p| account.stock.level(p.id, MAIN_WAREHOUSE).on_hand == 0)
        .count();
    let low = live
        .iter()
        .filter(|p| {
            let on_hand = account.stock.level(p.id, MAIN_WAREHOUSE).on_hand;
            on_hand > 0
                && on_hand
                    <= p.warehouses
                        .get(&MAIN_WAREHOUSE)
                        .map_or(0, |w| w.reorder_level)
        })
        .count();
    assert!(out >= 5 && low >= 5, "{out} out of stock, {low} low");
    assert!(
        account.stock.movements.len() > 500,
        "stock takes, transfers and cycle counts"
    );
}

#[test]
fn customers_are_many_and_messy() {
    let account = shared();
    let customers: Vec<_> = account
        .contacts
        .contacts
        .values()
        .filter(|r| r.is_customer)
        .map(|r| &r.contact)
        .collect();
    assert!(customers.len() >= 1000, "{}", customers.len());
    let without_phone = customers
        .iter()
        .filter(|c| c.communication.telephones.primary.is_none())
        .count();
    let without_email = customers
        .iter()
        .filter(|c| c.communication.emails.primary.is_none())
        .count();
    let lower = customers
        .iter()
        .filter(|c| !c.first_name.is_empty() && c.first_name == c.first_name.to_lowercase())
        .count();
    let upper = customers
        .iter()
        .filter(|c| c.last_name.len() > 1 && c.last_name == c.last_name.to_uppercase())
        .count();
    let one_box = customers.iter().filter(|c| c.last_name.is_empty()).count();
    assert!(without_phone >= 100, "{without_phone} without a phone");
    assert!(without_email >= 20, "{without_email} without an email");
    assert!(
        lower >= 50 && upper >= 30 && one_box >= 10,
        "{lower} lower-case, {upper} upper-case, {one_box} whole name in one box"
    );
    // Phone numbers in many shapes: digits replaced by 9, letters kept.
    let shapes: BTreeSet<String> = customers
        .iter()
        .filter_map(|c| c.communication.telephones.primary.as_deref())
        .map(|p| {
            p.chars()
                .map(|ch| if ch.is_ascii_digit() { '9' } else { ch })
                .collect()
        })
        .collect();
    assert!(shapes.len() >= 12, "{shapes:?}");
    // Near-duplicates: the same name (in any order or case) under different emails.
    let mut by_name: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in &customers {
        let mut words: Vec<String> = format!("{} {}", c.first_name, c.last_name)
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        words.sort();
        let email = c
            .communication
            .emails
            .primary
            .as_ref()
            .map(|e| e.email.to_lowercase())
            .unwrap_or_default();
        by_name.entry(words.join(" ")).or_default().insert(email);
    }
    let duplicated = by_name.values().filter(|emails| emails.len() > 1).count();
    assert!(duplicated >= 20, "{duplicated} names with several emails");
    // Addresses: several countries, some without postcode.
    let addresses = account.contacts.addresses.values();
    let countries: BTreeSet<u64> = addresses.clone().map(|a| a.country_id).collect();
    let no_postcode = addresses.filter(|a| a.postal_code.is_empty()).count();
    assert!(
        countries.len() >= 8 && no_postcode >= 20,
        "{} countries, {no_postcode} without postcode",
        countries.len()
    );
    // Trade accounts: companies with several contacts; suppliers and staff.
    let mut per_company: BTreeMap<u64, usize> = BTreeMap::new();
    for c in customers.iter().filter(|c| c.company_id != 0) {
        *per_company.entry(c.company_id).or_default() += 1;
    }
    assert!(per_company.values().filter(|n| **n > 1).count() >= 8);
    assert!(
        account
            .contacts
            .contacts
            .values()
            .filter(|r| r.contact.relationship_to_account.is_supplier)
            .count()
            >= 5
    );
    assert!(account.contacts.staff_ids().len() >= 6);
}

#[test]
fn the_order_history_has_every_stage() {
    let account = shared();
    let orders = &account.orders.orders;
    let of_type = |t: OrderType| orders.values().filter(move |o| o.order_type_code == t);
    let sales = of_type(OrderType::SalesOrder).count();
    assert!((500..=2000).contains(&sales), "{sales} sales orders");
    let payment = |s: PaymentStatus| {
        of_type(OrderType::SalesOrder)
            .filter(|o| o.order_payment_status == s)
            .count()
    };
    assert!(payment(PaymentStatus::Paid) > sales / 2);
    assert!(payment(PaymentStatus::PartiallyPaid) >= 5, "part paid");
    assert!(payment(PaymentStatus::Unpaid) >= 10, "unpaid");
    let statuses: BTreeSet<u64> = of_type(OrderType::SalesOrder)
        .map(|o| o.order_status.order_status_id)
        .collect();
    for status in [1, 2, 3, 4, 5] {
        assert!(
            statuses.contains(&status),
            "no order in status {status}: {statuses:?}"
        );
    }
    // Goods-out notes at every stage; shipped ones carry tracking.
    let notes = account.goods_out.notes.values();
    let stage = |f: &dyn Fn(&crate::brightpearl::account::goods_out::GoodsOutNote) -> bool| {
        notes.clone().filter(|n| f(n)).count()
    };
    assert!(
        stage(&|n| !n.status.printed) >= 1,
        "notes waiting to be printed"
    );
    assert!(
        stage(&|n| n.status.printed && !n.status.picked) >= 1,
        "printed"
    );
    assert!(
        stage(&|n| n.status.picked && !n.status.packed) >= 1,
        "picked"
    );
    assert!(
        stage(&|n| n.status.packed && !n.status.shipped) >= 1,
        "packed"
    );
    let shipped = stage(&|n| n.status.shipped);
    assert!(shipped > 500, "{shipped} shipped");
    let tracked = stage(&|n| n.status.shipped && !n.shipping.reference.is_empty());
    assert!(
        tracked * 10 > shipped * 8,
        "{tracked} of {shipped} with tracking"
    );
    // Returns with refunds; purchase orders received.
    let credits: Vec<u64> = of_type(OrderType::SalesCredit).map(|o| o.id).collect();
    assert!(credits.len() >= 10, "{} credits", credits.len());
    let refunded = account
        .accounting
        .customer_payments
        .values()
        .filter(|p| credits.contains(&p.order_id))
        .count();
    assert!(refunded >= 5, "{refunded} refunds");
    let received = of_type(OrderType::PurchaseOrder)
        .filter(|o| o.order_status.order_status_id == 8)
        .count();
    let open = of_type(OrderType::PurchaseOrder)
        .filter(|o| o.order_status.order_status_id == 7)
        .count();
    assert!(
        received >= 5 && open >= 1,
        "{received} received, {open} open purchase orders"
    );
    assert!(!account.accounting.supplier_payments.is_empty());
    // Orders in pounds too.
    assert!(
        of_type(OrderType::SalesOrder)
            .filter(|o| o.currency_code() == "GBP")
            .count()
            > 100
    );
}
