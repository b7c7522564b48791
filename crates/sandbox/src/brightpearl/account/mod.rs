//! The emulated Brightpearl account: every record, the id sequences and the outbox of raised
//! events. One value behind one lock; every request's work runs under it and never awaits.
//!
//! Records are kept in the shape Brightpearl's GET returns them (serde names and field order
//! follow the recorded traffic), so rendering is serialising, the state file is the same JSON,
//! and a recorded GET body can be loaded as a record. Derived fields (totals, status codes,
//! availability) are recomputed by the write that changes their inputs.
//!
//! One module per area of the business: `contacts` (people, companies, addresses), `catalogue`
//! (products, prices, price lists, brands, categories, channels), `stock` (warehouses, stock
//! levels, shipping methods), `orders` (every order type, rows, statuses, notes, custom fields),
//! `goods_out` (goods-out notes), `accounting` (payments, journals, currencies, tax codes).

pub mod accounting;
pub mod catalogue;
pub mod contacts;
pub mod goods_out;
pub mod orders;
pub mod stock;

use super::events::{Event, Lifecycle};
use super::webhooks::Webhooks;
use super::wire::{Stamp, now_ms};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Account-wide settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// The account code in every URL (`/public-api/{code}/...`).
    pub code: String,
    /// Minutes east of UTC in which times are shown (Brightpearl shows the account's zone).
    pub offset_minutes: i32,
    /// The accounting (base) currency, e.g. `USD`.
    pub base_currency: String,
    /// The staff contact the API acts as (`createdById` of records made through the API).
    pub api_staff_id: u64,
    /// The installed-integration instance of the OAuth app (`installedIntegrationInstanceId`).
    pub integration_instance_id: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            code: "ferrydemo".into(),
            offset_minutes: -360,
            base_currency: "USD".into(),
            api_staff_id: 4,
            integration_instance_id: 13,
        }
    }
}

/// The id sequences. Ids are positive, allocated in order and never reused (reference §5).
/// Orders of every type (and the sales-order and sales-credit resources) share `order`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sequences {
    /// Last id handed out per sequence name.
    last: BTreeMap<String, u64>,
}

impl Sequences {
    /// The next id of `sequence`; the first is `first`.
    pub fn next(&mut self, sequence: &str, first: u64) -> u64 {
        let slot = self.last.entry(sequence.to_string()).or_insert(first - 1);
        *slot = (*slot).max(first - 1) + 1;
        *slot
    }

    /// Records that `id` is taken (a record loaded with its own id), so later ids follow it.
    pub fn observe(&mut self, sequence: &str, id: u64) {
        let slot = self.last.entry(sequence.to_string()).or_insert(0);
        *slot = (*slot).max(id);
    }
}

/// The whole account.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Code, time zone, base currency.
    pub settings: Settings,
    /// Id sequences.
    pub sequences: Sequences,
    /// Contacts, companies, postal addresses, tags, groups, lead sources.
    pub contacts: contacts::Contacts,
    /// Products, prices, price lists, brands, categories, channels.
    pub catalogue: catalogue::Catalogue,
    /// Warehouses, stock levels, shipping methods.
    pub stock: stock::Stock,
    /// Orders of every type, statuses, notes, custom fields.
    pub orders: orders::Orders,
    /// Goods-out notes.
    pub goods_out: goods_out::GoodsOutNotes,
    /// Payments, journals, currencies, exchange rates, tax codes, nominal codes.
    pub accounting: accounting::Accounting,
    /// Webhook subscriptions.
    pub webhooks: Webhooks,
    /// Events raised by writes and not yet handed to the webhook dispatcher.
    #[serde(skip)]
    pub outbox: Vec<Event>,
    /// Test clock: when set, the account's "now" (ms) instead of the wall clock.
    #[serde(skip)]
    pub frozen_now_ms: Option<i64>,
}

impl Account {
    /// An account with `settings` and nothing else in it.
    pub fn new(settings: Settings) -> Account {
        Account {
            settings,
            ..Account::default()
        }
    }

    /// An account with `settings` and the configuration every real account has (statuses,
    /// warehouses, tax codes, price lists, currencies, staff, ...): `--data empty`.
    pub fn standard(settings: Settings) -> Account {
        let mut account = Account {
            contacts: contacts::Contacts::standard(&settings),
            catalogue: catalogue::Catalogue::standard(&settings),
            stock: stock::Stock::standard(&settings),
            orders: orders::Orders::standard(&settings),
            goods_out: goods_out::GoodsOutNotes::standard(&settings),
            accounting: accounting::Accounting::standard(&settings),
            ..Account::new(settings)
        };
        // New records follow the standard ones (staff 203 and 206, ...), never weave between.
        account.contacts.observe_sequences(&mut account.sequences);
        account
    }

    /// Now, in UTC ms.
    pub fn now_ms(&self) -> i64 {
        self.frozen_now_ms.unwrap_or_else(now_ms)
    }

    /// Now, as the account shows it.
    pub fn now(&self) -> Stamp {
        self.stamp(self.now_ms())
    }

    /// `ms` as the account shows it.
    pub fn stamp(&self, ms: i64) -> Stamp {
        Stamp::new(ms, self.settings.offset_minutes)
    }

    /// The next id of `sequence` (first id `first`).
    pub fn next_id(&mut self, sequence: &str, first: u64) -> u64 {
        self.sequences.next(sequence, first)
    }

    /// Raises an event for webhooks.
    pub fn raise(&mut self, resource_type: &str, lifecycle: Lifecycle, id: u64) {
        let now = self.now_ms();
        self.outbox
            .push(Event::new(resource_type, lifecycle, id, now));
    }

    /// Raises an event with a specifier (`order.modified.order-status`).
    pub fn raise_specific(
        &mut self,
        resource_type: &str,
        lifecycle: Lifecycle,
        specifier: &str,
        id: u64,
    ) {
        let now = self.now_ms();
        self.outbox.push(Event::specific(
            resource_type,
            lifecycle,
            specifier,
            id,
            now,
        ));
    }

    /// Takes the raised events (the dispatcher delivers them).
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.outbox)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_never_reuse_and_follow_loaded_ids() {
        let mut seq = Sequences::default();
        assert_eq!(seq.next("order", 1), 1);
        assert_eq!(seq.next("order", 1), 2);
        assert_eq!(seq.next("contact", 200), 200);
        seq.observe("order", 320);
        assert_eq!(seq.next("order", 1), 321);
        seq.observe("order", 5);
        assert_eq!(seq.next("order", 1), 322);
    }
}
