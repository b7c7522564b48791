//! The overview of a running Ferry: per flow its state, queue, lag, throughput over the last
//! hour and error rate; per system its API budgets and circuit breakers. One [`Overview`]
//! serves both the dashboard's first page and `GET /api/overview`.
//!
//! Queue counts and lag come from the store; throughput and error rate from the [`Sampler`]
//! (`ferry_worker_items_total`, see [`crate::throughput`]); budgets and breakers from the
//! process's metrics (`ferry_api_budget_*`, `ferry_api_breaker_open`), so they show what this
//! process's own API clients last saw.
//!
//! [`Sampler`]: crate::throughput::Sampler

use crate::ServerState;
use crate::admin::{Role, authorize, store_error};
use crate::throughput::{Counts, Point};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use ferry_engine::alerts::{api_from_prometheus, metric_samples};
use serde::Serialize;
use std::collections::BTreeMap;

/// How far back the error rate looks.
pub const ERROR_RATE_MINUTES: i64 = 15;

/// Everything the overview shows.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// When it was put together (Unix seconds).
    pub at: i64,
    /// Seconds between two throughput points.
    pub sample_every_seconds: u64,
    /// The window of `error_rate` and `recent`, in minutes.
    pub error_rate_minutes: i64,
    /// False when the process has no metrics recorder: no throughput, budgets or breakers.
    pub metrics: bool,
    /// Every flow the server routes.
    pub flows: Vec<FlowOverview>,
    /// Every system this process has called.
    pub systems: Vec<SystemOverview>,
}

/// One flow.
#[derive(Debug, Clone, Serialize)]
pub struct FlowOverview {
    /// The flow's name.
    pub name: String,
    /// Where its changes come from.
    pub source: Source,
    /// `paused` (set from the console), `working` (items in flight), `waiting` (items queued,
    /// none in flight) or `idle`.
    pub state: &'static str,
    /// The queue.
    pub queue: Queue,
    /// Age of the oldest waiting item in seconds; `None` when nothing waits.
    pub lag_seconds: Option<i64>,
    /// Items settled in the last [`ERROR_RATE_MINUTES`].
    pub recent: Counts,
    /// `recent.failed / (recent.done + recent.failed)`; `None` when nothing was settled.
    pub error_rate: Option<f64>,
    /// Items settled per interval over the last hour, oldest first.
    pub throughput: Vec<Point>,
}

/// A flow's source.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// `brightpearl`, `salesforce`.
    pub system: String,
    /// The object (`product`, `Contact`).
    pub object: String,
}

/// A flow's queue counts.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Queue {
    /// Waiting (including those waiting for a retry).
    pub pending: i64,
    /// Waiting for a retry time in the future.
    pub retrying: i64,
    /// Leased to a worker now.
    pub in_flight: i64,
    /// Dead letters.
    pub dead: i64,
}

/// One system's API budgets and breakers.
#[derive(Debug, Clone, Serialize)]
pub struct SystemOverview {
    /// `brightpearl`, `salesforce`.
    pub system: String,
    /// Its budgets (one per account or instance).
    pub budgets: Vec<BudgetView>,
    /// Its endpoint families' breakers.
    pub breakers: Vec<BreakerView>,
}

/// What the API last said is left of a budget.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetView {
    /// `brightpearl:<account>`, `salesforce:<instance>`.
    pub budget: String,
    /// Calls left.
    pub remaining: u64,
    /// Out of; `None` when unknown.
    pub limit: Option<u64>,
    /// The window the limit is counted over, in seconds (86400: a daily allocation).
    pub window_seconds: Option<u64>,
}

impl BudgetView {
    /// `143 of 200 left this minute`.
    pub fn describe(&self) -> String {
        let window = match self.window_seconds {
            Some(60) => " this minute".to_owned(),
            Some(86_400) => " of the daily allocation".to_owned(),
            Some(seconds) if seconds > 0 => format!(" in this {seconds} s window"),
            _ => String::new(),
        };
        match self.limit {
            Some(limit) => format!(
                "{} of {} left{window}",
                thousands(self.remaining),
                thousands(limit)
            ),
            None => format!("{} left{window}", thousands(self.remaining)),
        }
    }

    /// Below a tenth of its limit.
    pub fn low(&self) -> bool {
        self.limit
            .is_some_and(|limit| self.remaining.saturating_mul(10) < limit)
    }
}

/// `81,250` for 81250.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One endpoint family's circuit breaker.
#[derive(Debug, Clone, Serialize)]
pub struct BreakerView {
    /// The endpoint family (`product`, `sobjects`).
    pub family: String,
    /// Open (or half-open, probing): calls to it are held back.
    pub open: bool,
}

impl SystemOverview {
    /// The open breakers' families.
    pub fn open_families(&self) -> Vec<&str> {
        self.breakers
            .iter()
            .filter(|b| b.open)
            .map(|b| b.family.as_str())
            .collect()
    }

    /// `Brightpearl` for `brightpearl`.
    pub fn title(&self) -> String {
        let mut chars = self.system.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

/// Puts the overview together: the store's queue counts (an error when it does not answer),
/// the sampler's throughput and the recorder's budgets and breakers.
pub async fn overview(state: &ServerState) -> Result<Overview, ferry_store::StoreError> {
    let stats = state.store.stats(Some(&state.tenant)).await?;
    // Pausing is a console feature; a store that cannot say leaves every flow unpaused.
    let paused: Vec<String> = match state.store.flow_states(&state.tenant).await {
        Ok(states) => states
            .into_iter()
            .filter(|s| s.paused)
            .map(|s| s.flow)
            .collect(),
        Err(error) => {
            tracing::debug!(%error, "overview: paused flows unknown");
            Vec::new()
        }
    };
    let now = ferry_core::Timestamp::now();
    let at = now.as_micros() / 1_000_000;
    let ring = state.throughput.view();
    let since = at - ERROR_RATE_MINUTES * 60;
    let flows = state
        .routes
        .iter()
        .map(|route| {
            let name = route.flow.as_str();
            let q = stats.iter().find(|s| s.flow == route.flow);
            let queue = Queue {
                pending: q.map_or(0, |q| q.pending),
                retrying: q.map_or(0, |q| q.retrying),
                in_flight: q.map_or(0, |q| q.in_flight),
                dead: q.map_or(0, |q| q.dead),
            };
            let lag_seconds = q
                .and_then(|q| q.oldest_enqueued_at)
                .map(|oldest| (now.as_micros() - oldest.as_micros()).max(0) / 1_000_000);
            let recent = ring.since(name, since);
            let state = if paused.iter().any(|p| p == name) {
                "paused"
            } else if queue.in_flight > 0 {
                "working"
            } else if queue.pending > 0 {
                "waiting"
            } else {
                "idle"
            };
            FlowOverview {
                name: name.to_owned(),
                source: Source {
                    system: route.system.to_string(),
                    object: route.object.clone(),
                },
                state,
                queue,
                lag_seconds,
                recent,
                error_rate: recent.error_rate(),
                throughput: ring.series(name),
            }
        })
        .collect();
    let text = state.metrics.as_ref().map(|m| m.render());
    Ok(Overview {
        at,
        sample_every_seconds: state.throughput.every().as_secs().max(1),
        error_rate_minutes: ERROR_RATE_MINUTES,
        metrics: text.is_some(),
        flows,
        systems: text.as_deref().map(systems).unwrap_or_default(),
    })
}

/// Budgets and breakers in Prometheus text, grouped by system.
pub fn systems(text: &str) -> Vec<SystemOverview> {
    let (budgets, breakers) = api_from_prometheus(text);
    let windows: BTreeMap<String, u64> = metric_samples(text, "ferry_api_budget_window_seconds")
        .into_iter()
        .map(|s| (s.label("budget").to_owned(), s.count()))
        .collect();
    let mut systems: BTreeMap<String, SystemOverview> = BTreeMap::new();
    for budget in budgets {
        let system = budget
            .budget
            .split_once(':')
            .map_or(budget.budget.as_str(), |(s, _)| s)
            .to_owned();
        let view = BudgetView {
            window_seconds: windows.get(&budget.budget).copied(),
            budget: budget.budget,
            remaining: budget.remaining,
            limit: budget.limit,
        };
        system_entry(&mut systems, &system).budgets.push(view);
    }
    for breaker in breakers {
        system_entry(&mut systems, &breaker.api)
            .breakers
            .push(BreakerView {
                family: breaker.family,
                open: breaker.open,
            });
    }
    systems.into_values().collect()
}

fn system_entry<'a>(
    systems: &'a mut BTreeMap<String, SystemOverview>,
    system: &str,
) -> &'a mut SystemOverview {
    systems
        .entry(system.to_owned())
        .or_insert_with(|| SystemOverview {
            system: system.to_owned(),
            budgets: Vec::new(),
            breakers: Vec::new(),
        })
}

/// `GET /api/overview` (viewer): [`Overview`] as JSON.
pub(crate) async fn api_overview(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    if let Err(e) = authorize(&state, &headers, Role::Viewer) {
        return e.into_response();
    }
    match overview(&state).await {
        Ok(overview) => Json(overview).into_response(),
        Err(e) => store_error(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_and_breakers_are_grouped_by_system_and_described() {
        let text = "ferry_api_budget_remaining{budget=\"brightpearl:acme\"} 143\n\
            ferry_api_budget_limit{budget=\"brightpearl:acme\"} 200\n\
            ferry_api_budget_window_seconds{budget=\"brightpearl:acme\"} 60\n\
            ferry_api_budget_remaining{budget=\"salesforce:na1\"} 9000\n\
            ferry_api_budget_limit{budget=\"salesforce:na1\"} 100000\n\
            ferry_api_budget_window_seconds{budget=\"salesforce:na1\"} 86400\n\
            ferry_api_breaker_open{api=\"brightpearl\",family=\"product\"} 0\n\
            ferry_api_breaker_open{api=\"salesforce\",family=\"sobjects\"} 1\n";
        let systems = systems(text);
        assert_eq!(systems.len(), 2);
        assert_eq!(systems[0].title(), "Brightpearl");
        assert_eq!(
            systems[0].budgets[0].describe(),
            "143 of 200 left this minute"
        );
        assert!(!systems[0].budgets[0].low());
        assert!(systems[0].open_families().is_empty());
        assert_eq!(
            systems[1].budgets[0].describe(),
            "9,000 of 100,000 left of the daily allocation"
        );
        assert!(systems[1].budgets[0].low());
        assert_eq!(systems[1].open_families(), vec!["sobjects"]);
        let bare = BudgetView {
            budget: "x:y".into(),
            remaining: 5,
            limit: None,
            window_seconds: None,
        };
        assert_eq!(bare.describe(), "5 left");
        assert!(super::systems("").is_empty());
    }
}
