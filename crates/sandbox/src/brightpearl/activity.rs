//! The live activity simulator (`--activity EVENTS_PER_MINUTE`): a task that keeps the
//! account changing as a trading shop's does (orders placed and paid, goods-out notes printed,
//! picked, packed and shipped, stock received and moved, products repriced, returns credited,
//! customers signing up and editing their details), firing webhooks as the real system would.
//!
//! Actions arrive at random with the configured average rate (exponential gaps, so a Poisson
//! stream), each chosen from a weighted table; one that finds nothing to do gives way to
//! another. Each runs under one short account lock, then the raised events go to the webhook
//! dispatcher. The rate can change at run time ([`Control`]); the admin API also runs single
//! actions on demand (`POST /__sandbox/scenarios/{name}`, through [`run_action`]).

mod actions;

use super::account::Account;
use super::api::AppState;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value as Json, json};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// One kind of action: its name (also the scenario name), how often the simulator picks it
/// relative to the others (0: on demand only), and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Action {
    /// The name, e.g. `order-placed`.
    pub name: &'static str,
    /// Relative frequency in the simulator.
    pub weight: u32,
    /// What it does, for the scenario list.
    pub description: &'static str,
}

/// Every action. Goods-out notes move one stage per action, so their webhooks arrive over time.
pub const ACTIONS: &[Action] = &[
    Action {
        name: "order-placed",
        weight: 20,
        description: "A customer (now and then a new one, sometimes a trade account or a phone order) places a sales order",
    },
    Action {
        name: "order-paid",
        weight: 14,
        description: "A customer pays an unpaid or part-paid order (a customer payment; the order's payment status follows)",
    },
    Action {
        name: "goods-out-created",
        weight: 10,
        description: "The warehouse makes a goods-out note for a paid order, allocating what stock it has",
    },
    Action {
        name: "goods-out-progressed",
        weight: 26,
        description: "A goods-out note moves on one stage: printed, picked, packed, or shipped with a tracking reference",
    },
    Action {
        name: "goods-out-shipped",
        weight: 0,
        description: "A goods-out note (made if none is waiting) is printed, picked, packed and shipped with tracking, one event each",
    },
    Action {
        name: "stock-received",
        weight: 5,
        description: "A purchase order is received into stock, or a delivery is booked in by stock correction",
    },
    Action {
        name: "purchase-ordered",
        weight: 3,
        description: "Low stock is ordered from its supplier (a purchase order placed with the supplier)",
    },
    Action {
        name: "stock-moved",
        weight: 3,
        description: "Stock moves from the main warehouse to the West Coast or UK warehouse (a pair of stock corrections)",
    },
    Action {
        name: "product-repriced",
        weight: 4,
        description: "A product's retail prices change in both currencies",
    },
    Action {
        name: "credit-raised",
        weight: 2,
        description: "Goods from a shipped, paid order come back: a sales credit, restocked and refunded",
    },
    Action {
        name: "customer-created",
        weight: 5,
        description: "A customer signs up (sometimes someone already registered, as a near-duplicate)",
    },
    Action {
        name: "customer-updated",
        weight: 5,
        description: "A customer changes a phone number, email, address or newsletter choice, or staff tidy a name",
    },
    Action {
        name: "product-created",
        weight: 1,
        description: "A new colourway of an existing style joins the range",
    },
    Action {
        name: "order-cancelled",
        weight: 1,
        description: "An unpaid order with nothing shipped is cancelled",
    },
];

/// Whether `name` is an action.
pub fn is_action(name: &str) -> bool {
    ACTIONS.iter().any(|a| a.name == name)
}

/// The action names, comma-separated (for error messages).
pub fn action_names() -> String {
    ACTIONS
        .iter()
        .map(|a| a.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why an action did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    /// No action has this name.
    Unknown(String),
    /// The account offers nothing to do it on (no unpaid order for `order-paid`).
    NothingToDo(String),
    /// An operation refused it.
    Refused(String),
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionError::Unknown(text)
            | ActionError::NothingToDo(text)
            | ActionError::Refused(text) => f.write_str(text),
        }
    }
}

/// Runs action `name` once on `account` and answers what it did: the action's own details,
/// plus `events` (every webhook event it raised, as `{"event", "id"}`). Errors: an unknown
/// name, nothing to do (e.g. no unpaid order for `order-paid`), or an operation's refusal.
pub fn run_action<R: Rng + ?Sized>(
    account: &mut Account,
    name: &str,
    rng: &mut R,
) -> Result<Json, String> {
    attempt(account, name, rng).map_err(|e| e.to_string())
}

/// [`run_action`] with the reason it did not happen kept apart.
pub fn attempt<R: Rng + ?Sized>(
    account: &mut Account,
    name: &str,
    rng: &mut R,
) -> Result<Json, ActionError> {
    if !is_action(name) {
        return Err(ActionError::Unknown(format!(
            "{name:?} is not an action; use one of {}",
            action_names()
        )));
    }
    let before = account.outbox.len();
    let done = match name {
        "order-placed" => actions::order_placed(account, rng),
        "order-paid" => actions::order_paid(account, rng),
        "goods-out-created" => actions::goods_out_created(account, rng),
        "goods-out-progressed" => actions::goods_out_progressed(account, rng),
        "goods-out-shipped" => actions::goods_out_shipped(account, rng),
        "stock-received" => actions::stock_received(account, rng),
        "purchase-ordered" => actions::purchase_ordered(account, rng),
        "stock-moved" => actions::stock_moved(account, rng),
        "product-repriced" => actions::product_repriced(account, rng),
        "credit-raised" => actions::credit_raised(account, rng),
        "customer-created" => actions::customer_created(account, rng),
        "customer-updated" => actions::customer_updated(account, rng),
        "product-created" => actions::product_created(account, rng),
        _ => actions::order_cancelled(account, rng),
    };
    let details = match done {
        Ok(Some(details)) => details,
        Ok(None) => {
            return Err(ActionError::NothingToDo(format!(
                "{name}: nothing to do ({})",
                nothing_to_do(name)
            )));
        }
        Err(refusal) => {
            return Err(ActionError::Refused(format!(
                "{name} was refused: {refusal}"
            )));
        }
    };
    let events: Vec<Json> = account.outbox[before.min(account.outbox.len())..]
        .iter()
        .map(|e| json!({"event": e.full_event(), "id": e.id}))
        .collect();
    Ok(json!({"action": name, "did": details, "events": events}))
}

/// Why an action can find nothing to do, in words.
fn nothing_to_do(name: &str) -> &'static str {
    match name {
        "order-paid" => "no open sales order is unpaid or part-paid",
        "goods-out-created" => "no paid order has stock waiting to go on a goods-out note",
        "goods-out-progressed" => "every goods-out note has shipped",
        "goods-out-shipped" => "no goods-out note is waiting and no paid order has stock to ship",
        "purchase-ordered" => {
            "no product with a supplier is below its reorder level without a purchase order"
        }
        "stock-moved" => "the main warehouse has no spare stock to move",
        "credit-raised" => "no shipped, paid order is left to return",
        "order-cancelled" => "no open order is unpaid with nothing on a goods-out note",
        _ => "the account has no products or customers for it",
    }
}

/// Picks an action by weight and runs it; one that finds nothing to do gives way to another
/// (up to eight tries). Returns the result, `None` when nothing could be done.
pub fn run_random<R: Rng + ?Sized>(account: &mut Account, rng: &mut R) -> Option<Json> {
    let total: u32 = ACTIONS.iter().map(|a| a.weight).sum();
    for _ in 0..8 {
        let mut at = rng.random_range(0..total.max(1));
        let Some(action) = ACTIONS.iter().find(|a| {
            if at < a.weight {
                true
            } else {
                at -= a.weight;
                false
            }
        }) else {
            continue;
        };
        match attempt(account, action.name, rng) {
            Ok(result) => return Some(result),
            Err(why) => tracing::debug!(action = action.name, %why, "activity action skipped"),
        }
    }
    None
}

/// The simulator's run-time controls for one sandbox: the rate (changed by
/// `PUT /__sandbox/activity`), whether a simulator task runs, and counters.
#[derive(Debug)]
pub struct Control {
    /// Actions per minute, as `f64` bits (0: idle).
    rate_bits: AtomicU64,
    /// Set while a simulator task runs for the sandbox (so a second spawn only changes the rate).
    running: AtomicBool,
    /// Actions the simulator has performed.
    performed: AtomicU64,
    /// Scenarios run through the admin API (each gets its own seeded random stream).
    scenarios: AtomicU64,
    /// The last action the simulator performed.
    last: Mutex<Option<Json>>,
    /// Wakes the simulator when the rate changes.
    changed: Notify,
}

impl Control {
    /// Controls starting at `rate` actions per minute, no simulator running yet.
    pub fn new(rate: f64) -> Control {
        Control {
            rate_bits: AtomicU64::new(clean_rate(rate).to_bits()),
            running: AtomicBool::new(false),
            performed: AtomicU64::new(0),
            scenarios: AtomicU64::new(0),
            last: Mutex::new(None),
            changed: Notify::new(),
        }
    }

    /// Actions per minute.
    pub fn rate(&self) -> f64 {
        f64::from_bits(self.rate_bits.load(Ordering::Relaxed))
    }

    /// Changes the rate (negative, infinite or NaN rates count as 0) and wakes the simulator.
    pub fn set_rate(&self, per_minute: f64) {
        self.rate_bits
            .store(clean_rate(per_minute).to_bits(), Ordering::Relaxed);
        self.changed.notify_one();
    }

    /// Whether a simulator task is running.
    pub fn running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }

    /// Actions performed so far.
    pub fn performed(&self) -> u64 {
        self.performed.load(Ordering::Relaxed)
    }

    /// The next scenario number (0, 1, 2, ...).
    pub fn next_scenario(&self) -> u64 {
        self.scenarios.fetch_add(1, Ordering::Relaxed)
    }

    /// What the simulator did last.
    pub fn last(&self) -> Option<Json> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The state as the admin API shows it.
    pub fn summary(&self) -> Json {
        json!({
            "events_per_minute": self.rate(),
            "running": self.running(),
            "actions_performed": self.performed(),
            "last_action": self.last(),
        })
    }
}

/// The highest rate accepted: 100 actions a second.
pub const MAX_RATE: f64 = 6000.0;

fn clean_rate(rate: f64) -> f64 {
    if rate.is_finite() && rate > 0.0 {
        rate.min(MAX_RATE)
    } else {
        0.0
    }
}

/// The controls of `state`'s sandbox (made with the sandbox, at the rate it started with).
pub fn control(state: &AppState) -> Arc<Control> {
    state.activity.clone()
}

/// Clears `running` when the simulator task ends, however it ends.
struct Running(Arc<Control>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Relaxed);
    }
}

/// Starts the simulator for `state` at `events_per_minute` (0: idle until the rate is raised
/// through the admin API) with the random stream of `seed`; it stops when `stop` turns true
/// or its sender is dropped. If one already runs for this sandbox, only the rate changes.
pub fn spawn(
    state: AppState,
    events_per_minute: f64,
    seed: u64,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let control = control(&state);
    control.set_rate(events_per_minute);
    if control.running.swap(true, Ordering::SeqCst) {
        return tokio::spawn(async {});
    }
    tokio::spawn(async move {
        let _running = Running(control.clone());
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5EED_AC71_u64);
        loop {
            if *stop.borrow() {
                break;
            }
            let rate = control.rate();
            let wait = (rate > 0.0).then(|| {
                // Exponential gap with mean 60 / rate seconds: a Poisson stream of actions.
                let u: f64 = rng.random_range(f64::EPSILON..1.0);
                Duration::from_secs_f64((-u.ln() * 60.0 / rate).min(3600.0))
            });
            let sleep = async {
                match wait {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = sleep => {}
                () = control.changed.notified() => continue,
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        break;
                    }
                    continue;
                }
            }
            let result = {
                let mut account = state.account();
                run_random(&mut account, &mut rng)
            };
            state.flush_events();
            state.touch();
            if let Some(result) = result {
                tracing::debug!(action = %result["action"], did = %result["did"], "activity");
                control.performed.fetch_add(1, Ordering::Relaxed);
                *control.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
            }
        }
    })
}

#[cfg(test)]
mod tests;
