//! Demo data (`--data demo`): Ridgeline Outfitters, a believable outdoor clothing and camping
//! retailer selling from a US web store, a UK web store in pounds and a wholesale channel,
//! out of the three standard warehouses.
//!
//! - `range`, `names`: the fixed tables (products, people, places).
//! - `catalogue`: brands, categories, 548 products with SKUs and EAN-13 barcodes, prices on
//!   the cost, retail, trade and pound price lists, reorder levels, opening stock.
//! - `people`, `customers`: staff, suppliers, 1,000+ customers typed in as real people type
//!   (any capitalisation, every phone format, countries as codes or names, missing fields,
//!   near-duplicates), trade accounts with several buyers.
//! - `history`: 90 days of orders, payments, goods-out notes at every stage, cancellations,
//!   returns with refunds, purchase orders received into stock, transfers and repricing.
//! - `business`: the moves the history and the live activity simulator share.
//!
//! Everything goes in through the areas' own operations, so the data obeys the rules API
//! writes obey and every derived field (totals, statuses, availability) is computed as it is
//! for a client's write.
//!
//! Deterministic: dates are relative to the start of the current day (00:00 UTC), so the data
//! always looks recent, and the same seed gives the same records on the same day. Two accounts
//! seeded with one seed while their clocks are frozen at the same moment serialise
//! identically. Seeding leaves the account's clock as it found it and its outbox empty (no
//! webhook storm at start).

pub(crate) mod business;
mod catalogue;
pub(crate) mod customers;
mod history;
mod names;
mod people;
mod range;

pub(crate) use catalogue::ean13;
pub use catalogue::product_count;
pub use history::HISTORY_DAYS;

use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// A minute in ms.
pub(crate) const MINUTE_MS: i64 = 60_000;
/// An hour in ms.
pub(crate) const HOUR_MS: i64 = 60 * MINUTE_MS;
/// A day in ms.
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

/// Retail customers the demo signs up (besides near-duplicates and trade buyers).
pub const RETAIL_CUSTOMERS: usize = 1_060;
/// Near-duplicate registrations among them.
pub const NEAR_DUPLICATES: usize = 45;

/// The seeding clock: moments relative to `base`, the start of the day the data is made.
pub(crate) struct Clock {
    /// 00:00 UTC of the seeding day, in ms.
    pub base: i64,
}

impl Clock {
    /// `days` days before the base.
    pub fn days_ago(&self, days: i64) -> i64 {
        self.base - days * DAY_MS
    }

    /// Freezes the account's clock at `ms`: what the operations stamp as "now".
    pub fn set(&self, account: &mut Account, ms: i64) {
        account.frozen_now_ms = Some(ms);
    }
}

/// The start (00:00 UTC) of the day holding `ms`.
pub fn day_start(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// Turns a refusal of an area operation into an error naming what the demo was making.
pub(crate) trait Context<T> {
    /// Names the record being made when the operation refused it.
    fn at(self, what: impl FnOnce() -> String) -> anyhow::Result<T>;
}

impl<T> Context<T> for Result<T, ApiError> {
    fn at(self, what: impl FnOnce() -> String) -> anyhow::Result<T> {
        self.map_err(|e| anyhow::anyhow!("demo data: {} was refused: {e}", what()))
    }
}

impl<T> Context<T> for anyhow::Result<T> {
    fn at(self, what: impl FnOnce() -> String) -> anyhow::Result<T> {
        self.map_err(|e| e.context(format!("demo data: {}", what())))
    }
}

/// Fills a standard account (`Account::standard`) with the demo business for `seed`.
pub fn demo(account: &mut Account, seed: u64) -> anyhow::Result<()> {
    let saved = account.frozen_now_ms;
    let clock = Clock {
        base: day_start(account.now_ms()),
    };
    let result = fill(account, seed, &clock);
    account.frozen_now_ms = saved;
    account.take_events();
    result
}

fn fill(account: &mut Account, seed: u64, clock: &Clock) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let rng = &mut rng;
    // The business opened about two and a half years ago: staff and suppliers first.
    clock.set(account, clock.days_ago(900));
    customers::staff(account)?;
    let suppliers = customers::suppliers(account, rng)?;
    catalogue::build(account, rng, clock, &suppliers)?;
    let trade =
        customers::trade_customers(account, rng, clock, clock.days_ago(800), clock.days_ago(60))?;
    customers::retail_customers(
        account,
        rng,
        clock,
        RETAIL_CUSTOMERS,
        NEAR_DUPLICATES,
        clock.base,
    )?;
    customers::groups(account, &trade)?;
    clock.set(account, clock.days_ago(HISTORY_DAYS + 2));
    catalogue::opening_stock(account, rng)?;
    account.outbox.clear();
    history::run(account, rng, clock)
}

#[cfg(test)]
mod tests;
