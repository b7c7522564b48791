//! Rate budgets: how many calls an account may still make, shared by everything that calls it.
//!
//! Two kinds, because the two APIs meter differently:
//! - A **window** budget (Brightpearl): a number of requests per fixed window (200 a minute by
//!   default). The client counts down locally and corrects itself from the server's
//!   `brightpearl-requests-remaining` / `brightpearl-next-throttle-period` headers; when the
//!   window is spent it waits for the next one instead of collecting 503s. The count lives in a
//!   [`Ledger`]: in memory for one process, or in the store (SQLite or PostgreSQL) so that every
//!   worker process on the database shares one account's allowance.
//! - A **daily** budget (Salesforce): the org's rolling 24-hour allocation, read from
//!   `Sforce-Limit-Info: api-usage=N/M` on every answer. Ferry stops at a ceiling (80 % of the
//!   allocation by default) to leave room for the org's other integrations, and optionally at a
//!   per-run ceiling. The server's count already covers every process, so no ledger is needed.

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The answer of a [`Ledger`] to a request for units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The units are spent; `remaining` are left in the window.
    Granted {
        /// Units left in the window after this take.
        remaining: u32,
    },
    /// The window is spent; ask again after this long.
    Wait(Duration),
}

/// Where a window budget's count is kept. Implementations must apply each operation
/// atomically: two processes taking the last unit must not both get it.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// Takes `cost` units from the window of `key`, opening a fresh window of `limit` units
    /// lasting `window` when none is open (or the open one has ended).
    async fn take(
        &self,
        key: &str,
        cost: u32,
        limit: u32,
        window: Duration,
    ) -> Result<Take, String>;

    /// Corrects the window of `key` from the server's own count: `remaining` requests left,
    /// the window ending in `resets_in`. When the server's window ends at about the same time
    /// as the ledger's, the smaller count and the later end win (other calls may be in flight);
    /// otherwise the server's window replaces the ledger's.
    async fn observe(&self, key: &str, remaining: u32, resets_in: Duration) -> Result<(), String>;
}

/// The rule every ledger applies (`ferry_core::rate::take`), answered as a [`Take`].
pub fn take_rule(
    state: Option<(i64, u32)>,
    now_ms: i64,
    cost: u32,
    limit: u32,
    window: Duration,
) -> ((i64, u32), Take) {
    let (next, answer) = ferry_core::rate::take(state, now_ms, cost, limit, millis(window));
    (next, Take::from(answer))
}

impl From<ferry_core::rate::RateTake> for Take {
    fn from(answer: ferry_core::rate::RateTake) -> Self {
        if answer.granted {
            Take::Granted {
                remaining: answer.remaining,
            }
        } else {
            Take::Wait(Duration::from_millis(
                u64::try_from(answer.wait_ms).unwrap_or(1).max(1),
            ))
        }
    }
}

/// Milliseconds in `duration`, saturating (ledgers keep plain millisecond numbers).
pub fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The correction rule of [`Ledger::observe`] (`ferry_core::rate::observe`).
pub fn observe_rule(
    state: Option<(i64, u32)>,
    now_ms: i64,
    remaining: u32,
    resets_in: Duration,
) -> (i64, u32) {
    ferry_core::rate::observe(state, now_ms, remaining, millis(resets_in))
}

/// Milliseconds since the Unix epoch, from the system clock.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A ledger for one process.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    /// key → (window end in epoch ms, units remaining).
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

#[async_trait]
impl Ledger for MemoryLedger {
    async fn take(
        &self,
        key: &str,
        cost: u32,
        limit: u32,
        window: Duration,
    ) -> Result<Take, String> {
        let mut windows = self.windows.lock().map_err(|_| "ledger lock poisoned")?;
        let state = windows.get(key).copied();
        let (next, answer) = take_rule(state, now_ms(), cost, limit, window);
        windows.insert(key.to_owned(), next);
        Ok(answer)
    }

    async fn observe(&self, key: &str, remaining: u32, resets_in: Duration) -> Result<(), String> {
        let mut windows = self.windows.lock().map_err(|_| "ledger lock poisoned")?;
        let state = windows.get(key).copied();
        windows.insert(
            key.to_owned(),
            observe_rule(state, now_ms(), remaining, resets_in),
        );
        Ok(())
    }
}

/// What the server said about the budget in one answer's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A window budget: requests left and time until the window resets.
    Window {
        /// Requests left in the current window.
        remaining: u32,
        /// Until the next window.
        resets_in: Duration,
    },
    /// A daily allocation: calls used and the allocation.
    Daily {
        /// Calls counted in the last 24 hours.
        used: u64,
        /// The org's allocation.
        max: u64,
    },
}

/// Why the budget refused a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// The daily ceiling is reached.
    #[error(
        "the org has used {used} of its {max} daily API calls, past Ferry's ceiling of {ceiling} \
         ({percent}%); calls resume as the 24-hour count falls (raise \
         `salesforce.daily_api_percent` to allow more)"
    )]
    DailyCeiling {
        /// Calls used.
        used: u64,
        /// The allocation.
        max: u64,
        /// Ferry's ceiling in calls.
        ceiling: u64,
        /// Ferry's ceiling in percent.
        percent: u8,
    },
    /// This run's ceiling is reached.
    #[error(
        "this run has made {used} API calls, its ceiling (raise `salesforce.run_api_calls` or \
         start a new run)"
    )]
    RunCeiling {
        /// Calls made by this run.
        used: u64,
    },
    /// The shared ledger could not be reached.
    #[error("the shared rate ledger failed ({0}); calls wait until the store answers")]
    Ledger(String),
}

impl BudgetError {
    /// True when waiting (without changing settings) will let calls through again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            BudgetError::DailyCeiling { .. } | BudgetError::Ledger(_)
        )
    }

    /// A stable code for metrics and dead letters.
    pub fn code(&self) -> &'static str {
        match self {
            BudgetError::DailyCeiling { .. } => "DAILY_API_CEILING",
            BudgetError::RunCeiling { .. } => "RUN_API_CEILING",
            BudgetError::Ledger(_) => "BUDGET_LEDGER",
        }
    }
}

/// The settings of a budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BudgetSpec {
    /// `limit` requests per `window`.
    Window {
        /// Requests per window.
        limit: u32,
        /// The window's length.
        window: Duration,
    },
    /// A daily allocation with Ferry's ceilings.
    Daily {
        /// Percent of the allocation Ferry may use (1–100).
        percent: u8,
        /// Calls one run (one process) may make, if limited.
        run_limit: Option<u64>,
    },
}

/// A point-in-time view of a budget, for the engine, metrics and `ferry sf limits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The budget's key (the account).
    pub key: String,
    /// Units the server last said remain (window), or the allocation left below the ceiling
    /// (daily).
    pub remaining: Option<u64>,
    /// The window's limit or the daily allocation, when known.
    pub limit: Option<u64>,
    /// Calls this process has made against the budget.
    pub used_by_run: u64,
}

#[derive(Debug, Default)]
struct Counters {
    /// Last server reading (daily: used, max; window: remaining).
    daily: Option<(u64, u64)>,
    window_remaining: Option<u32>,
    used_by_run: u64,
}

/// One account's budget. Share it (`Arc`) between every client and flow that calls the
/// account: [`Budgets`] hands out one per key.
pub struct Budget {
    key: String,
    spec: BudgetSpec,
    /// Window budgets keep their count here.
    ledger: Arc<dyn Ledger>,
    /// What this process has seen and spent; a std mutex, never held across an await.
    counters: Mutex<Counters>,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("key", &self.key)
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl Budget {
    /// A budget counted in `ledger`.
    pub fn new(key: impl Into<String>, spec: BudgetSpec, ledger: Arc<dyn Ledger>) -> Self {
        Self {
            key: key.into(),
            spec,
            ledger,
            counters: Mutex::new(Counters::default()),
        }
    }

    /// An unlimited budget (still counts calls): for tools and tests that must not wait.
    pub fn unlimited(key: impl Into<String>) -> Self {
        Self::new(
            key,
            BudgetSpec::Daily {
                percent: 100,
                run_limit: None,
            },
            Arc::new(MemoryLedger::default()),
        )
    }

    /// The key (account) this budget meters.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Waits until `cost` units may be spent, and spends them; fails when a ceiling that
    /// waiting cannot lift (within a call's patience) is reached.
    pub async fn acquire(&self, cost: u32) -> Result<(), BudgetError> {
        match &self.spec {
            BudgetSpec::Window { limit, window } => {
                loop {
                    let take = self
                        .ledger
                        .take(&self.key, cost, *limit, *window)
                        .await
                        .map_err(BudgetError::Ledger)?;
                    match take {
                        Take::Granted { .. } => break,
                        Take::Wait(wait) => {
                            tracing::debug!(budget = %self.key, ?wait, "rate window spent; waiting");
                            tokio::time::sleep(wait).await;
                        }
                    }
                }
                self.count(cost);
                Ok(())
            }
            BudgetSpec::Daily { percent, run_limit } => {
                let mut counters = self.lock();
                if let Some(limit) = run_limit
                    && counters.used_by_run >= *limit
                {
                    return Err(BudgetError::RunCeiling {
                        used: counters.used_by_run,
                    });
                }
                if let Some((used, max)) = counters.daily {
                    let ceiling = max.saturating_mul(u64::from(*percent)) / 100;
                    if used >= ceiling {
                        return Err(BudgetError::DailyCeiling {
                            used,
                            max,
                            ceiling,
                            percent: *percent,
                        });
                    }
                    // Count our own call until the server's next reading replaces it.
                    counters.daily = Some((used + u64::from(cost), max));
                }
                counters.used_by_run += u64::from(cost);
                Ok(())
            }
        }
    }

    /// Takes in what the server said about the budget.
    pub async fn observe(&self, reading: Reading) {
        match reading {
            Reading::Window {
                remaining,
                resets_in,
            } => {
                self.lock().window_remaining = Some(remaining);
                metrics::gauge!("ferry_api_budget_remaining", "budget" => self.key.clone())
                    .set(f64::from(remaining));
                if let BudgetSpec::Window { limit, window } = &self.spec {
                    self.gauge_size(u64::from(*limit), *window);
                }
                if let Err(e) = self.ledger.observe(&self.key, remaining, resets_in).await {
                    tracing::warn!(budget = %self.key, error = %e, "could not record the server's rate count");
                }
            }
            Reading::Daily { used, max } => {
                self.lock().daily = Some((used, max));
                metrics::gauge!("ferry_api_budget_remaining", "budget" => self.key.clone())
                    .set(max.saturating_sub(used) as f64);
                self.gauge_size(max, Duration::from_secs(86_400));
            }
        }
    }

    /// `ferry_api_budget_limit` and `ferry_api_budget_window_seconds`: the size the remaining
    /// count is out of, so a dashboard can say "143 of 200 left this minute".
    fn gauge_size(&self, limit: u64, window: Duration) {
        metrics::gauge!("ferry_api_budget_limit", "budget" => self.key.clone()).set(limit as f64);
        metrics::gauge!("ferry_api_budget_window_seconds", "budget" => self.key.clone())
            .set(window.as_secs_f64());
    }

    /// The budget as this process sees it.
    pub fn snapshot(&self) -> Snapshot {
        let counters = self.lock();
        let (remaining, limit) = match (&self.spec, counters.daily, counters.window_remaining) {
            (BudgetSpec::Daily { percent, .. }, Some((used, max)), _) => {
                let ceiling = max.saturating_mul(u64::from(*percent)) / 100;
                (Some(ceiling.saturating_sub(used)), Some(max))
            }
            (BudgetSpec::Window { limit, .. }, _, remaining) => {
                (remaining.map(u64::from), Some(u64::from(*limit)))
            }
            _ => (None, None),
        };
        Snapshot {
            key: self.key.clone(),
            remaining,
            limit,
            used_by_run: counters.used_by_run,
        }
    }

    fn count(&self, cost: u32) {
        self.lock().used_by_run += u64::from(cost);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        // Counters are plain numbers; a panic elsewhere cannot leave them inconsistent.
        self.counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Hands out one [`Budget`] per key, so that every client of one account in a process shares
/// one count.
pub struct Budgets {
    ledger: Arc<dyn Ledger>,
    budgets: Mutex<HashMap<String, Arc<Budget>>>,
}

impl std::fmt::Debug for Budgets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budgets").finish_non_exhaustive()
    }
}

impl Default for Budgets {
    fn default() -> Self {
        Self::new(Arc::new(MemoryLedger::default()))
    }
}

impl Budgets {
    /// A registry whose window budgets count in `ledger`.
    pub fn new(ledger: Arc<dyn Ledger>) -> Self {
        Self {
            ledger,
            budgets: Mutex::new(HashMap::new()),
        }
    }

    /// The budget of `key`, created with `spec` the first time it is asked for.
    pub fn get(&self, key: &str, spec: BudgetSpec) -> Arc<Budget> {
        let mut budgets = self
            .budgets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        budgets
            .entry(key.to_owned())
            .or_insert_with(|| Arc::new(Budget::new(key, spec, self.ledger.clone())))
            .clone()
    }

    /// Every budget handed out so far.
    pub fn snapshots(&self) -> Vec<Snapshot> {
        let budgets = self
            .budgets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out: Vec<Snapshot> = budgets.values().map(|b| b.snapshot()).collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn the_rule_is_cores_answered_as_takes() {
        let (state, take) = take_rule(None, 1_000, 3, 3, MINUTE);
        assert_eq!(take, Take::Granted { remaining: 0 });
        let (_, take) = take_rule(Some(state), 31_000, 1, 3, MINUTE);
        assert_eq!(take, Take::Wait(Duration::from_secs(30)));
        assert_eq!(
            observe_rule(Some((60_000, 100)), 0, 10, Duration::from_secs(20)),
            (20_000, 10)
        );
    }

    #[tokio::test]
    async fn a_daily_budget_stops_at_its_ceiling_and_per_run_limit() {
        let budget = Budget::new(
            "org",
            BudgetSpec::Daily {
                percent: 80,
                run_limit: Some(3),
            },
            Arc::new(MemoryLedger::default()),
        );
        budget.acquire(1).await.ok();
        budget.observe(Reading::Daily { used: 79, max: 100 }).await;
        assert!(budget.acquire(1).await.is_ok());
        let refused = budget.acquire(1).await.err();
        assert!(
            matches!(
                refused,
                Some(BudgetError::DailyCeiling {
                    used: 80,
                    max: 100,
                    ceiling: 80,
                    percent: 80
                })
            ),
            "{refused:?}"
        );
        budget.observe(Reading::Daily { used: 10, max: 100 }).await;
        assert!(budget.acquire(1).await.is_ok());
        assert_eq!(
            budget.acquire(1).await,
            Err(BudgetError::RunCeiling { used: 3 })
        );
        assert_eq!(budget.snapshot().used_by_run, 3);
    }

    #[tokio::test]
    async fn a_window_budget_waits_for_the_next_window_instead_of_failing() {
        let budget = Budget::new(
            "acct",
            BudgetSpec::Window {
                limit: 2,
                window: Duration::from_millis(300),
            },
            Arc::new(MemoryLedger::default()),
        );
        let started = std::time::Instant::now();
        for _ in 0..5 {
            budget.acquire(1).await.ok();
        }
        // Five calls at two per window need three windows: at least two waits.
        assert!(
            started.elapsed() >= Duration::from_millis(550),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(budget.snapshot().used_by_run, 5);
    }

    #[test]
    fn budgets_hand_out_one_budget_per_key() {
        let budgets = Budgets::default();
        let spec = BudgetSpec::Window {
            limit: 200,
            window: MINUTE,
        };
        let a = budgets.get("acme", spec.clone());
        let b = budgets.get("acme", spec.clone());
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &budgets.get("other", spec)));
        assert_eq!(budgets.snapshots().len(), 2);
    }
}
