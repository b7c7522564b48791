//! Ninety days of trading, replayed in time order: orders placed every day (more at weekends
//! and during a sale), paid at checkout or on account, picked, packed and shipped over the
//! following hours, some cancelled, some returned and refunded weeks later; weekly purchasing
//! that reorders low stock from suppliers or moves it from the main warehouse; repricing.
//!
//! Each step runs with the account's clock frozen at its moment and may schedule later steps;
//! steps falling after the end (the start of today) never run, which leaves the last days'
//! orders at every stage: unpaid, waiting for a note, printed, picked, packed.

mod buying;

use super::business::{self, Market, status};
use super::{Clock, Context as _, DAY_MS, HOUR_MS, MINUTE_MS};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::goods_out::EventCode;
use crate::brightpearl::account::orders::{self, PaymentStatus, ShippingStatus};
use rand::Rng;
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// Days of history before the start of today.
pub const HISTORY_DAYS: i64 = 90;

/// Sales orders a day on average at the start of the history (the shop grows by half).
const DAILY_ORDERS: f64 = 11.0;

/// One thing that happens.
#[derive(Debug, Clone)]
enum Step {
    /// A customer orders.
    Place,
    /// A payment of a share of what is owed (1 = all).
    Pay { order: u64, share: Decimal },
    /// The warehouse makes a goods-out note for what it can send.
    Note { order: u64, tries: u8 },
    /// The next stage of a note: printed, picked, packed, shipped.
    Stage { note: u64 },
    /// An unpaid order is cancelled.
    Cancel { order: u64 },
    /// Goods come back.
    Credit { order: u64 },
    /// The money goes back.
    Refund { credit: u64 },
    /// Monday's stock check: reorders, transfers, cycle counts.
    Purchasing,
    /// A purchase order arrives.
    Receive { order: u64 },
    /// The supplier is paid.
    PaySupplier { order: u64 },
    /// A sale starts (prices down) or ends.
    Sale { start: bool },
    /// A supplier price rise passed on.
    PriceRise,
}

/// Steps in time order (ties in the order they were scheduled).
#[derive(Default)]
struct Timeline {
    queue: BinaryHeap<Reverse<(i64, u64)>>,
    steps: BTreeMap<u64, Step>,
    next: u64,
}

impl Timeline {
    fn at(&mut self, when: i64, step: Step) {
        self.next += 1;
        self.queue.push(Reverse((when, self.next)));
        self.steps.insert(self.next, step);
    }

    fn pop(&mut self, until: i64) -> Option<(i64, Step)> {
        let Reverse((when, id)) = *self.queue.peek()?;
        if when >= until {
            return None;
        }
        self.queue.pop();
        self.steps.remove(&id).map(|step| (when, step))
    }
}

/// What the history keeps between steps.
struct History {
    timeline: Timeline,
    /// Retail customers (created ms, id) in creation order, and running totals of their
    /// ordering weights (regulars order more).
    retail: Vec<(i64, u64)>,
    retail_weights: Vec<u64>,
    /// Trade buyers (created ms, id).
    trade: Vec<(i64, u64)>,
    /// Products each price list sells, with popularity.
    sellable: BTreeMap<u64, Vec<(u64, u32)>>,
    /// Orders whose note is scheduled already.
    noted: BTreeSet<u64>,
    /// Phone orders taking a deposit now and the balance when they ship.
    balance_on_ship: BTreeSet<u64>,
    /// Orders already returned.
    credited: BTreeSet<u64>,
    /// Units on open purchase orders, by (product, warehouse).
    on_order: BTreeMap<(u64, u64), i64>,
    /// Products on sale.
    on_sale: Vec<u64>,
    end: i64,
}

fn minutes<R: Rng + ?Sized>(rng: &mut R, from: i64, to: i64) -> i64 {
    rng.random_range(from..=to) * MINUTE_MS
}

/// A moment in the warehouse's hours between `from` and `to` minutes after `now`.
fn work_time<R: Rng + ?Sized>(rng: &mut R, now: i64, from: i64, to: i64) -> i64 {
    let at = now + minutes(rng, from, to);
    in_work_hours(rng, at)
}

/// The warehouse works 08:00–17:00 in the account's zone (UTC-6): work due outside those
/// hours waits for the next morning, so the last evening's notes are caught mid-way.
fn in_work_hours<R: Rng + ?Sized>(rng: &mut R, when: i64) -> i64 {
    let local_hour = (when - 6 * HOUR_MS).div_euclid(HOUR_MS).rem_euclid(24);
    if (8..17).contains(&local_hour) {
        return when;
    }
    let local_day = (when - 6 * HOUR_MS).div_euclid(DAY_MS);
    let next_morning = if local_hour < 8 {
        local_day
    } else {
        local_day + 1
    };
    next_morning * DAY_MS + 6 * HOUR_MS + 8 * HOUR_MS + minutes(rng, 0, 90)
}

/// Replays the history up to `clock`'s base (the start of today). Customers and stock must
/// exist already.
pub(super) fn run<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    clock: &Clock,
) -> anyhow::Result<()> {
    let end = clock.base;
    let start = end - HISTORY_DAYS * DAY_MS;
    let mut history = History {
        timeline: Timeline::default(),
        retail: Vec::new(),
        retail_weights: Vec::new(),
        trade: Vec::new(),
        sellable: BTreeMap::new(),
        noted: BTreeSet::new(),
        balance_on_ship: BTreeSet::new(),
        credited: BTreeSet::new(),
        on_order: BTreeMap::new(),
        on_sale: Vec::new(),
        end,
    };
    history.index_customers(account);
    for list in [1, 2, 3, 4] {
        history
            .sellable
            .insert(list, business::sellable(account, list));
    }
    // The day's orders, scheduled up front.
    for day in 0..HISTORY_DAYS {
        let day_start = start + day * DAY_MS;
        let weekday = (day_start / DAY_MS + 4) % 7; // 0 = Sunday (1970-01-01 was a Thursday)
        let weekend = if weekday == 0 || weekday == 6 {
            1.3
        } else {
            1.0
        };
        let growth = 1.0 + 0.5 * day as f64 / HISTORY_DAYS as f64;
        let sale = if (45..59).contains(&(HISTORY_DAYS - day)) {
            1.5
        } else {
            1.0
        };
        let mean = DAILY_ORDERS * weekend * growth * sale;
        let count = (mean * rng.random_range(0.7..1.3)).round() as i64;
        for _ in 0..count {
            // Shop hours 07:00–23:00 in the account's zone (UTC-6).
            let at = day_start + 13 * HOUR_MS + rng.random_range(0..16 * 60) * MINUTE_MS;
            history.timeline.at(at, Step::Place);
        }
    }
    let first_monday = (0..7)
        .map(|d| start + d * DAY_MS)
        .find(|t| (t / DAY_MS + 4) % 7 == 1)
        .unwrap_or(start);
    history
        .timeline
        .at(first_monday + 15 * HOUR_MS, Step::Purchasing);
    history
        .timeline
        .at(end - 45 * DAY_MS + 14 * HOUR_MS, Step::Sale { start: true });
    history.timeline.at(
        end - 31 * DAY_MS + 14 * HOUR_MS,
        Step::Sale { start: false },
    );
    history
        .timeline
        .at(end - 20 * DAY_MS + 15 * HOUR_MS, Step::PriceRise);

    while let Some((when, step)) = history.timeline.pop(end) {
        clock.set(account, when);
        history
            .run(account, rng, when, &step)
            .at(|| format!("demo history step {step:?}"))?;
        // Nobody is subscribed while the history is written: drop the events as they come.
        account.outbox.clear();
    }
    Ok(())
}

impl History {
    fn index_customers(&mut self, account: &Account) {
        let mut retail = Vec::new();
        for (id, record) in &account.contacts.contacts {
            let Some(market) = Market::of(account, *id) else {
                continue;
            };
            let created = record.contact.created_on.ms;
            if market.terms().trade {
                self.trade.push((created, *id));
            } else {
                retail.push((created, *id));
            }
        }
        retail.sort_unstable();
        self.trade.sort_unstable();
        let mut total = 0;
        for (_, id) in &retail {
            // One customer in eight is a regular who orders five times as often.
            total += if id % 8 == 3 { 5 } else { 1 };
            self.retail_weights.push(total);
        }
        self.retail = retail;
    }

    /// A retail customer who existed at `when`.
    fn retail_customer<R: Rng + ?Sized>(&self, rng: &mut R, when: i64) -> Option<u64> {
        let known = self.retail.partition_point(|(created, _)| *created <= when);
        let total = *self.retail_weights.get(known.checked_sub(1)?)?;
        let at = rng.random_range(0..total);
        let index = self.retail_weights[..known].partition_point(|w| *w <= at);
        self.retail.get(index).map(|(_, id)| *id)
    }

    fn trade_customer<R: Rng + ?Sized>(&self, rng: &mut R, when: i64) -> Option<u64> {
        let known = self.trade.partition_point(|(created, _)| *created <= when);
        (known > 0).then(|| self.trade[rng.random_range(0..known)].1)
    }

    fn run<R: Rng + ?Sized>(
        &mut self,
        account: &mut Account,
        rng: &mut R,
        now: i64,
        step: &Step,
    ) -> anyhow::Result<()> {
        match *step {
            Step::Place => self.place(account, rng, now)?,
            Step::Pay { order, share } => {
                let cancelled = account
                    .orders
                    .get(order)
                    .is_none_or(|o| o.order_status.order_status_id == status::CANCELLED);
                if !cancelled {
                    business::pay(account, order, share)
                        .at(|| format!("payment on order {order}"))?;
                    business::complete_if_done(account, order)
                        .at(|| format!("completing order {order}"))?;
                    self.after_payment(account, rng, now, order);
                }
            }
            Step::Note { order, tries } => self.note(account, rng, now, order, tries)?,
            Step::Stage { note } => self.stage(account, rng, now, note)?,
            Step::Cancel { order } => {
                if business::cancellable(account, order) {
                    let note = orders::NewNote {
                        text: "Cancelled: payment was not received".into(),
                        ..orders::NewNote::default()
                    };
                    orders::set_status(account, order, status::CANCELLED, Some(&note))
                        .at(|| format!("cancelling order {order}"))?;
                }
            }
            Step::Credit { order } => {
                if let Some(credit) = business::raise_credit(account, rng, order)
                    .at(|| format!("credit for order {order}"))?
                {
                    self.timeline.at(
                        now + minutes(rng, 24 * 60, 72 * 60),
                        Step::Refund { credit },
                    );
                }
            }
            Step::Refund { credit } => {
                business::refund_credit(account, credit)
                    .at(|| format!("refund of credit {credit}"))?;
            }
            Step::Purchasing => self.purchasing(account, rng, now)?,
            Step::Receive { order } => self.receive(account, rng, now, order)?,
            Step::PaySupplier { order } => {
                business::pay_supplier(account, order)
                    .at(|| format!("paying supplier for purchase order {order}"))?;
            }
            Step::Sale { start } => self.sale(account, rng, start)?,
            Step::PriceRise => self.price_rise(account, rng)?,
        }
        Ok(())
    }

    fn place<R: Rng + ?Sized>(
        &mut self,
        account: &mut Account,
        rng: &mut R,
        now: i64,
    ) -> anyhow::Result<()> {
        let trade = rng.random_range(0..100) < 7;
        let customer = if trade {
            self.trade_customer(rng, now)
        } else {
            self.retail_customer(rng, now)
        };
        let Some(customer) = customer else {
            return Ok(());
        };
        let Some(market) = Market::of(account, customer) else {
            return Ok(());
        };
        let terms = market.terms();
        let phone = !terms.trade && rng.random_range(0..100) < 8;
        let candidates = self
            .sellable
            .get(&terms.price_list)
            .cloned()
            .unwrap_or_default();
        let order = business::place_order(account, rng, customer, phone, &candidates)
            .at(|| format!("order for customer {customer}"))?;
        let t = &mut self.timeline;
        let full = Decimal::ONE;
        if terms.trade {
            match rng.random_range(0..100) {
                0..5 => {
                    orders::set_status(account, order, status::DRAFT, None)
                        .at(|| format!("quote {order}"))?;
                    return Ok(());
                }
                5..65 => t.at(
                    now + minutes(rng, 10 * 1440, 35 * 1440),
                    Step::Pay { order, share: full },
                ),
                65..85 => t.at(
                    now + minutes(rng, 7 * 1440, 20 * 1440),
                    Step::Pay {
                        order,
                        share: Decimal::new(5, 1),
                    },
                ),
                _ => {}
            }
            self.noted.insert(order);
            let at = work_time(rng, now, 1440, 3 * 1440);
            t.at(at, Step::Note { order, tries: 0 });
            return Ok(());
        }
        match (phone, rng.random_range(0..100)) {
            (false, 0..90) | (true, 0..88) => {
                t.at(now + minutes(rng, 1, 8), Step::Pay { order, share: full })
            }
            (false, 90..93) | (true, 88..96) => {
                t.at(
                    now + minutes(rng, 1, 5),
                    Step::Pay {
                        order,
                        share: Decimal::new(4, 1),
                    },
                );
                self.balance_on_ship.insert(order);
            }
            (false, 93..96) => t.at(
                now + minutes(rng, 1440, 4 * 1440),
                Step::Pay { order, share: full },
            ),
            (false, 96..99) | (true, _) => {
                t.at(now + minutes(rng, 1440, 3 * 1440), Step::Cancel { order })
            }
            _ => {
                let note = orders::NewNote {
                    text: "On hold: delivery address could not be verified".into(),
                    ..orders::NewNote::default()
                };
                orders::set_status(account, order, status::ON_HOLD, Some(&note))
                    .at(|| format!("holding order {order}"))?;
            }
        }
        Ok(())
    }

    /// Once an order is paid (or its deposit is in), the warehouse gets to it within the day.
    fn after_payment<R: Rng + ?Sized>(
        &mut self,
        account: &Account,
        rng: &mut R,
        now: i64,
        order: u64,
    ) {
        let Some(o) = account.orders.get(order) else {
            return;
        };
        let ready =
            o.order_payment_status == PaymentStatus::Paid || self.balance_on_ship.contains(&order);
        if ready && !self.noted.contains(&order) && business::needs_note(account, order) {
            self.noted.insert(order);
            let at = work_time(rng, now, 60, 8 * 60);
            self.timeline.at(at, Step::Note { order, tries: 0 });
        }
    }

    fn note<R: Rng + ?Sized>(
        &mut self,
        account: &mut Account,
        rng: &mut R,
        now: i64,
        order: u64,
        tries: u8,
    ) -> anyhow::Result<()> {
        let live = account
            .orders
            .get(order)
            .is_some_and(|o| matches!(o.order_status.order_status_id, status::WEB | status::PHONE));
        if !live {
            return Ok(());
        }
        if let Some(note) = business::create_note(account, order)
            .at(|| format!("goods-out note for order {order}"))?
        {
            let at = work_time(rng, now, 20, 240);
            self.timeline.at(at, Step::Stage { note });
        }
        // Back-ordered lines wait for the next delivery.
        if tries < 4 && business::needs_note(account, order) {
            let at = work_time(rng, now, 3 * 1440, 6 * 1440);
            self.timeline.at(
                at,
                Step::Note {
                    order,
                    tries: tries + 1,
                },
            );
        }
        Ok(())
    }

    fn stage<R: Rng + ?Sized>(
        &mut self,
        account: &mut Account,
        rng: &mut R,
        now: i64,
        note: u64,
    ) -> anyhow::Result<()> {
        let done =
            business::advance_note(account, rng, note).at(|| format!("goods-out note {note}"))?;
        let order = account.goods_out.get(note).map_or(0, |n| n.order_id);
        match done {
            None => {}
            Some(EventCode::Shipped) => {
                if self.balance_on_ship.remove(&order) {
                    self.timeline.at(
                        now + minutes(rng, 60, 2 * 1440),
                        Step::Pay {
                            order,
                            share: Decimal::ONE,
                        },
                    );
                }
                business::complete_if_done(account, order)
                    .at(|| format!("completing order {order}"))?;
                let all_shipped = account
                    .orders
                    .get(order)
                    .is_some_and(|o| o.shipping_status_code == ShippingStatus::AllShipped);
                if all_shipped && rng.random_range(0..100) < 6 && self.credited.insert(order) {
                    self.timeline.at(
                        now + minutes(rng, 4 * 1440, 25 * 1440),
                        Step::Credit { order },
                    );
                }
            }
            Some(code) => {
                let wait = match code {
                    EventCode::Printed => minutes(rng, 30, 240),
                    EventCode::Picked => minutes(rng, 15, 120),
                    _ => minutes(rng, 30, 300),
                };
                let at = in_work_hours(rng, now + wait);
                self.timeline.at(at, Step::Stage { note });
            }
        }
        Ok(())
    }
}
