//! Alert rules, judged over snapshots: pure logic, no I/O.
//!
//! A caller (`ferry serve`) takes a [`Snapshot`] every few seconds (queue counts per flow from
//! the store, record counters per flow, the capture sources' last errors, the API budgets and
//! circuit breakers from the metrics recorder) and hands it to
//! [`evaluate`] with the [`AlertState`] kept from the previous checks. The answer is the
//! notices to send: an alert *fires* once when its condition starts to hold, stays silent while
//! it keeps holding (de-duplicated), and *recovers* once when it stops holding.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

/// The thresholds of `[alerts]`; `None` turns a rule off.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// How far back growth and rates look, in seconds.
    pub window_seconds: i64,
    /// New dead letters of a flow within the window.
    pub dead_letters_growth: Option<u64>,
    /// Age of a flow's oldest waiting item, in seconds.
    pub lag_seconds: Option<u64>,
    /// Failed / processed records of a flow within the window.
    pub error_rate: Option<f64>,
    /// Processed records within the window before the error rate is judged.
    pub error_rate_min_records: u64,
    /// Minutes a capture source has been failing.
    pub outage_minutes: Option<u64>,
    /// Fraction of an API budget's limit (0.1 = 10 %) below which what is left fires.
    pub api_budget_below: Option<f64>,
    /// Minutes an endpoint family's circuit breaker has been open (0: at the first check that
    /// sees it open).
    pub breaker_open_minutes: Option<u64>,
}

/// What one flow looks like at one check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowSample {
    /// The flow's name.
    pub flow: String,
    /// Items waiting.
    pub pending: i64,
    /// Dead letters now.
    pub dead: i64,
    /// When the oldest waiting item was enqueued (Unix seconds).
    pub oldest_pending_at: Option<i64>,
    /// Records processed since the process started (a counter that only grows).
    pub processed: u64,
    /// Records that failed since the process started (a counter that only grows).
    pub failed: u64,
}

/// What one capture source looks like at one check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSample {
    /// The source's name (`poll:brightpearl:product`, `cdc:/data/ContactChangeEvent`).
    pub name: String,
    /// Its last error, if its last run failed.
    pub error: Option<String>,
    /// When it last ran without an error (Unix seconds).
    pub last_success_at: Option<i64>,
}

/// What one API budget looks like at one check (`ferry_api_budget_remaining` and
/// `ferry_api_budget_limit`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BudgetSample {
    /// The budget (`brightpearl:<account>`, `salesforce:<instance>`).
    pub budget: String,
    /// Calls the API last said are left.
    pub remaining: u64,
    /// The budget's size (calls per window, or the daily allocation); `None` when unknown.
    pub limit: Option<u64>,
}

/// One endpoint family's circuit breaker at one check (`ferry_api_breaker_open`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BreakerSample {
    /// The system (`brightpearl`, `salesforce`).
    pub api: String,
    /// The endpoint family (`product`, `sobjects`, ...).
    pub family: String,
    /// Open (or half-open, probing).
    pub open: bool,
}

/// One check's view of the deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// When it was taken (Unix seconds).
    pub at: i64,
    /// Every flow with queue counts or counters.
    pub flows: Vec<FlowSample>,
    /// Every capture source.
    pub sources: Vec<SourceSample>,
    /// Every API budget the process has a reading of.
    pub budgets: Vec<BudgetSample>,
    /// Every circuit breaker the process has used.
    pub breakers: Vec<BreakerSample>,
}

/// Which rule an alert comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// `dead_letters_growth`
    DeadLetters,
    /// `lag_seconds`
    Lag,
    /// `error_rate`
    ErrorRate,
    /// `outage_minutes`
    Outage,
    /// `api_budget_below`
    ApiBudget,
    /// `breaker_open_minutes`
    Breaker,
}

impl Rule {
    /// The rule's config key.
    pub fn key(self) -> &'static str {
        match self {
            Self::DeadLetters => "dead_letters_growth",
            Self::Lag => "lag_seconds",
            Self::ErrorRate => "error_rate",
            Self::Outage => "outage_minutes",
            Self::ApiBudget => "api_budget_below",
            Self::Breaker => "breaker_open_minutes",
        }
    }
}

/// One alert: a rule about one flow, capture source, API budget or endpoint family.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlertKey {
    /// The rule.
    pub rule: Rule,
    /// The flow, capture source, budget (`brightpearl:<account>`) or endpoint family
    /// (`brightpearl/product`) it is about.
    pub subject: String,
}

/// Whether a notice opens or closes an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The condition started to hold.
    Firing,
    /// The condition no longer holds.
    Recovered,
}

/// A notice to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The alert.
    pub key: AlertKey,
    /// Firing or recovered.
    pub change: Change,
    /// One line for people: what holds (or held), with the numbers and the threshold.
    pub text: String,
}

impl Notice {
    /// A short subject line (for email): `[FIRING] lag_seconds: orders`.
    pub fn subject(&self) -> String {
        let tag = match self.change {
            Change::Firing => "FIRING",
            Change::Recovered => "RECOVERED",
        };
        format!("[{tag}] {}: {}", self.key.rule.key(), self.key.subject)
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} — {}", self.subject(), self.text)
    }
}

/// Counts of one flow at one check, kept to measure growth over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Point {
    at: i64,
    dead: i64,
    processed: u64,
    failed: u64,
}

/// What the evaluator remembers between checks.
#[derive(Debug, Clone, Default)]
pub struct AlertState {
    /// Per flow, the samples of the window (and the last one before it, as the baseline).
    history: BTreeMap<String, VecDeque<Point>>,
    /// The alerts firing now, with when they started (Unix seconds).
    firing: BTreeMap<AlertKey, i64>,
    /// Per source, when it was first seen failing with no success recorded since.
    failing_since: BTreeMap<String, i64>,
    /// Per endpoint family (`api/family`), when its breaker was first seen open.
    open_since: BTreeMap<String, i64>,
}

impl AlertState {
    /// The alerts firing now, with when each started (Unix seconds).
    pub fn firing(&self) -> &BTreeMap<AlertKey, i64> {
        &self.firing
    }
}

/// Judges `snapshot` against `rules`, updating `state`; returns the notices to send: one
/// `Firing` per alert that started to hold, one `Recovered` per alert that stopped.
pub fn evaluate(rules: &Rules, state: &mut AlertState, snapshot: &Snapshot) -> Vec<Notice> {
    let now = snapshot.at;
    let mut holding: BTreeMap<AlertKey, String> = BTreeMap::new();
    for flow in &snapshot.flows {
        let baseline = remember(state, rules.window_seconds, flow, now);
        let subject = || flow.flow.clone();
        if let Some(limit) = rules.dead_letters_growth {
            let grown = (flow.dead - baseline.dead).max(0);
            if u64::try_from(grown).unwrap_or(0) >= limit {
                holding.insert(
                    AlertKey {
                        rule: Rule::DeadLetters,
                        subject: subject(),
                    },
                    format!(
                        "flow {}: {grown} new dead letters in the last {} (threshold {limit}); \
                         {} dead letters in all — see `ferry dlq list --flow {}`",
                        flow.flow,
                        span(now - baseline.at),
                        flow.dead,
                        flow.flow
                    ),
                );
            }
        }
        if let (Some(limit), Some(oldest)) = (rules.lag_seconds, flow.oldest_pending_at) {
            let age = (now - oldest).max(0);
            if flow.pending > 0 && u64::try_from(age).unwrap_or(0) >= limit {
                holding.insert(
                    AlertKey {
                        rule: Rule::Lag,
                        subject: subject(),
                    },
                    format!(
                        "flow {}: the oldest of {} waiting items has waited {} (threshold {})",
                        flow.flow,
                        flow.pending,
                        span(age),
                        span(i64::try_from(limit).unwrap_or(i64::MAX))
                    ),
                );
            }
        }
        if let Some(limit) = rules.error_rate {
            // A counter that went backwards was reset (a restart): count from zero.
            let (processed, failed) = if flow.processed < baseline.processed {
                (flow.processed, flow.failed)
            } else {
                (
                    flow.processed - baseline.processed,
                    flow.failed.saturating_sub(baseline.failed),
                )
            };
            if processed > 0 && processed >= rules.error_rate_min_records.max(1) {
                let rate = failed as f64 / processed as f64;
                if rate >= limit {
                    holding.insert(
                        AlertKey {
                            rule: Rule::ErrorRate,
                            subject: subject(),
                        },
                        format!(
                            "flow {}: {failed} of {processed} records failed in the last {} \
                             ({:.1} %, threshold {:.1} %)",
                            flow.flow,
                            span(now - baseline.at),
                            rate * 100.0,
                            limit * 100.0
                        ),
                    );
                }
            }
        }
    }
    let mut still_failing = BTreeMap::new();
    for source in &snapshot.sources {
        let Some(error) = &source.error else {
            continue;
        };
        // Failing since just after its last success, or since first seen failing.
        let seen = state
            .failing_since
            .get(&source.name)
            .copied()
            .unwrap_or(now);
        let since = source.last_success_at.map_or(seen, |s| s.min(seen));
        still_failing.insert(source.name.clone(), seen);
        if let Some(minutes) = rules.outage_minutes {
            let down = (now - since).max(0);
            if down >= i64::try_from(minutes.saturating_mul(60)).unwrap_or(i64::MAX) {
                holding.insert(
                    AlertKey {
                        rule: Rule::Outage,
                        subject: source.name.clone(),
                    },
                    format!(
                        "capture source {} has been failing for {} (threshold {minutes} min): \
                         {error}",
                        source.name,
                        span(down)
                    ),
                );
            }
        }
    }
    state.failing_since = still_failing;
    if let Some(fraction) = rules.api_budget_below {
        for budget in &snapshot.budgets {
            // A budget whose size is unknown cannot be judged as a fraction of it.
            let Some(limit) = budget.limit.filter(|l| *l > 0) else {
                continue;
            };
            let threshold = limit as f64 * fraction;
            if (budget.remaining as f64) < threshold {
                holding.insert(
                    AlertKey {
                        rule: Rule::ApiBudget,
                        subject: budget.budget.clone(),
                    },
                    format!(
                        "API budget {}: {} of {limit} calls left (threshold {:.0} %, {} calls); \
                         Ferry slows down to stay within it — look for a bulk job or another \
                         integration using the same account",
                        budget.budget,
                        budget.remaining,
                        fraction * 100.0,
                        threshold.ceil()
                    ),
                );
            }
        }
    }
    let mut still_open = BTreeMap::new();
    for breaker in snapshot.breakers.iter().filter(|b| b.open) {
        let name = format!("{}/{}", breaker.api, breaker.family);
        let since = state.open_since.get(&name).copied().unwrap_or(now);
        still_open.insert(name.clone(), since);
        if let Some(minutes) = rules.breaker_open_minutes {
            let open = (now - since).max(0);
            if open >= i64::try_from(minutes.saturating_mul(60)).unwrap_or(i64::MAX) {
                holding.insert(
                    AlertKey {
                        rule: Rule::Breaker,
                        subject: name,
                    },
                    format!(
                        "circuit breaker {}/{} is open (for {} at least, threshold {minutes} \
                         min): Ferry stopped calling {} {} after repeated failures and only \
                         probes it now — check the system's status page and \
                         `ferry_api_errors_total`",
                        breaker.api,
                        breaker.family,
                        span(open),
                        breaker.api,
                        breaker.family
                    ),
                );
            }
        }
    }
    state.open_since = still_open;
    let known: std::collections::BTreeSet<&String> =
        snapshot.flows.iter().map(|f| &f.flow).collect();
    state.history.retain(|flow, _| known.contains(flow));

    let mut notices = Vec::new();
    let recovered: Vec<(AlertKey, i64)> = state
        .firing
        .iter()
        .filter(|(key, _)| !holding.contains_key(*key))
        .map(|(key, since)| (key.clone(), *since))
        .collect();
    for (key, since) in recovered {
        state.firing.remove(&key);
        let text = format!(
            "{} {}: back within its threshold after {}",
            match key.rule {
                Rule::Outage => "capture source",
                Rule::ApiBudget => "API budget",
                Rule::Breaker => "circuit breaker",
                _ => "flow",
            },
            key.subject,
            span(now - since)
        );
        notices.push(Notice {
            key,
            change: Change::Recovered,
            text,
        });
    }
    for (key, text) in holding {
        if state.firing.contains_key(&key) {
            continue;
        }
        state.firing.insert(key.clone(), now);
        notices.push(Notice {
            key,
            change: Change::Firing,
            text,
        });
    }
    notices
}

/// Adds the flow's sample to its history, drops what fell out of the window (keeping one
/// sample at or before its start as the baseline), and returns that baseline.
fn remember(state: &mut AlertState, window: i64, flow: &FlowSample, now: i64) -> Point {
    let point = Point {
        at: now,
        dead: flow.dead,
        processed: flow.processed,
        failed: flow.failed,
    };
    let history = state.history.entry(flow.flow.clone()).or_default();
    history.push_back(point);
    let start = now - window;
    while history.len() > 1 && history.get(1).is_some_and(|p| p.at <= start) {
        history.pop_front();
    }
    history.front().copied().unwrap_or(point)
}

/// `95 s`, `12 min`, `3 h 5 min`.
fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    if s < 120 {
        format!("{s} s")
    } else if s < 2 * 3600 {
        format!("{} min", s / 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

/// One series of a metric in Prometheus text: its labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSample {
    /// Label name to (unescaped) value.
    pub labels: BTreeMap<String, String>,
    /// The value (`NaN` and infinities as written).
    pub value: f64,
}

impl MetricSample {
    /// The value of label `name`, or `""`.
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }

    /// The value as a count: whole, 0 when negative or not finite.
    pub fn count(&self) -> u64 {
        if self.value.is_finite() && self.value >= 0.0 {
            self.value as u64
        } else {
            0
        }
    }
}

/// Every series of metric `name` in Prometheus text format (comments, other metrics and
/// lines that do not parse are skipped).
pub fn metric_samples(text: &str, name: &str) -> Vec<MetricSample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        let (labels, value) = if let Some(rest) = rest.strip_prefix('{') {
            match parse_labels(rest) {
                Some(parsed) => parsed,
                None => continue,
            }
        } else if rest.starts_with(' ') {
            (BTreeMap::new(), rest)
        } else {
            // Another metric whose name starts with this one.
            continue;
        };
        let Some(Ok(value)) = value.split_whitespace().next().map(str::parse::<f64>) else {
            continue;
        };
        samples.push(MetricSample { labels, value });
    }
    samples
}

/// `a="x",b="y\"z"} 3` → the labels and the text after `}`.
fn parse_labels(text: &str) -> Option<(BTreeMap<String, String>, &str)> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after));
        }
        let (name, after) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (_, c) => value.push(c),
            }
        };
        labels.insert(name.trim().to_owned(), value);
        rest = &after[end + 1..];
    }
}

/// Per flow, `(processed, failed)` from Prometheus text: the `ferry_flow_records_total`
/// counter summed over its outcomes, and its `outcome="failed"` series.
pub fn flow_counters_from_prometheus(text: &str) -> BTreeMap<String, (u64, u64)> {
    let mut counters: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for sample in metric_samples(text, "ferry_flow_records_total") {
        let Some(flow) = sample.labels.get("flow") else {
            continue;
        };
        let count = sample.count();
        let entry = counters.entry(flow.clone()).or_default();
        entry.0 += count;
        if sample.label("outcome") == "failed" {
            entry.1 += count;
        }
    }
    counters
}

/// The API budgets (`ferry_api_budget_remaining`, with `ferry_api_budget_limit` when known)
/// and circuit breakers (`ferry_api_breaker_open`) in Prometheus text.
pub fn api_from_prometheus(text: &str) -> (Vec<BudgetSample>, Vec<BreakerSample>) {
    let limits: BTreeMap<String, u64> = metric_samples(text, "ferry_api_budget_limit")
        .into_iter()
        .map(|s| (s.label("budget").to_owned(), s.count()))
        .collect();
    let budgets = metric_samples(text, "ferry_api_budget_remaining")
        .into_iter()
        .filter(|s| !s.label("budget").is_empty())
        .map(|s| BudgetSample {
            budget: s.label("budget").to_owned(),
            remaining: s.count(),
            limit: limits.get(s.label("budget")).copied(),
        })
        .collect();
    let breakers = metric_samples(text, "ferry_api_breaker_open")
        .into_iter()
        .map(|s| BreakerSample {
            api: s.label("api").to_owned(),
            family: s.label("family").to_owned(),
            open: s.value >= 1.0,
        })
        .collect();
    (budgets, breakers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            window_seconds: 600,
            dead_letters_growth: Some(3),
            lag_seconds: Some(300),
            error_rate: Some(0.1),
            error_rate_min_records: 10,
            outage_minutes: Some(5),
            api_budget_below: Some(0.1),
            breaker_open_minutes: Some(2),
        }
    }

    fn flow(name: &str, dead: i64, processed: u64, failed: u64) -> FlowSample {
        FlowSample {
            flow: name.to_owned(),
            dead,
            processed,
            failed,
            ..FlowSample::default()
        }
    }

    fn snap(at: i64, flows: Vec<FlowSample>) -> Snapshot {
        Snapshot {
            at,
            flows,
            ..Snapshot::default()
        }
    }

    fn changes(notices: &[Notice]) -> Vec<(Rule, &str, Change)> {
        notices
            .iter()
            .map(|n| (n.key.rule, n.key.subject.as_str(), n.change))
            .collect()
    }

    #[test]
    fn dead_letter_growth_fires_once_and_recovers_once() {
        let (rules, mut state) = (rules(), AlertState::default());
        assert!(evaluate(&rules, &mut state, &snap(0, vec![flow("orders", 10, 0, 0)])).is_empty());
        let fired = evaluate(
            &rules,
            &mut state,
            &snap(60, vec![flow("orders", 13, 0, 0)]),
        );
        assert_eq!(
            changes(&fired),
            vec![(Rule::DeadLetters, "orders", Change::Firing)]
        );
        assert!(fired[0].text.contains("3 new dead letters"), "{}", fired[0]);
        // Still 3 more than the baseline within the window: no second notice.
        for at in [120, 180, 540] {
            let again = evaluate(
                &rules,
                &mut state,
                &snap(at, vec![flow("orders", 13, 0, 0)]),
            );
            assert!(again.is_empty(), "at {at}: {again:?}");
        }
        // The window moved past the growth: it recovers, once.
        let recovered = evaluate(
            &rules,
            &mut state,
            &snap(700, vec![flow("orders", 13, 0, 0)]),
        );
        assert_eq!(
            changes(&recovered),
            vec![(Rule::DeadLetters, "orders", Change::Recovered)]
        );
        assert!(
            evaluate(
                &rules,
                &mut state,
                &snap(760, vec![flow("orders", 13, 0, 0)])
            )
            .is_empty()
        );
        assert!(state.firing().is_empty());
    }

    #[test]
    fn lag_needs_a_waiting_item_older_than_the_threshold() {
        let (rules, mut state) = (rules(), AlertState::default());
        let mut f = flow("products", 0, 0, 0);
        f.pending = 4;
        f.oldest_pending_at = Some(1000);
        assert!(evaluate(&rules, &mut state, &snap(1299, vec![f.clone()])).is_empty());
        let fired = evaluate(&rules, &mut state, &snap(1300, vec![f.clone()]));
        assert_eq!(
            changes(&fired),
            vec![(Rule::Lag, "products", Change::Firing)]
        );
        assert!(
            fired[0].text.contains("oldest of 4 waiting items"),
            "{}",
            fired[0]
        );
        assert!(evaluate(&rules, &mut state, &snap(1400, vec![f.clone()])).is_empty());
        f.pending = 0;
        f.oldest_pending_at = None;
        let recovered = evaluate(&rules, &mut state, &snap(1430, vec![f]));
        assert_eq!(
            changes(&recovered),
            vec![(Rule::Lag, "products", Change::Recovered)]
        );
        assert!(
            recovered[0].text.contains("after 2 min"),
            "{}",
            recovered[0]
        );
    }

    #[test]
    fn error_rate_is_judged_over_the_window_with_enough_records() {
        let (rules, mut state) = (rules(), AlertState::default());
        assert!(evaluate(&rules, &mut state, &snap(0, vec![flow("c", 0, 100, 0)])).is_empty());
        // 1 failure of 5: too few records to judge.
        assert!(evaluate(&rules, &mut state, &snap(30, vec![flow("c", 0, 105, 1)])).is_empty());
        // 3 of 20 = 15 % >= 10 %.
        let fired = evaluate(&rules, &mut state, &snap(60, vec![flow("c", 0, 120, 3)]));
        assert_eq!(
            changes(&fired),
            vec![(Rule::ErrorRate, "c", Change::Firing)]
        );
        assert!(
            fired[0].text.contains("3 of 20 records failed"),
            "{}",
            fired[0]
        );
        // Many successes later, still within the window: 3 of 100 = 3 %.
        let recovered = evaluate(&rules, &mut state, &snap(90, vec![flow("c", 0, 200, 3)]));
        assert_eq!(
            changes(&recovered),
            vec![(Rule::ErrorRate, "c", Change::Recovered)]
        );
        // A restart resets the counters: counted from zero, not an underflow.
        assert!(evaluate(&rules, &mut state, &snap(120, vec![flow("c", 0, 5, 0)])).is_empty());
    }

    #[test]
    fn an_outage_fires_after_its_minutes_and_recovers_on_success() {
        let (rules, mut state) = (rules(), AlertState::default());
        let failing = |at: i64, last_success_at: Option<i64>| Snapshot {
            at,
            flows: Vec::new(),
            sources: vec![SourceSample {
                name: "poll:brightpearl:product".to_owned(),
                error: Some("503 from Brightpearl".to_owned()),
                last_success_at,
            }],
            ..Snapshot::default()
        };
        // Never succeeded: counted from when first seen failing.
        assert!(evaluate(&rules, &mut state, &failing(1000, None)).is_empty());
        assert!(evaluate(&rules, &mut state, &failing(1299, None)).is_empty());
        let fired = evaluate(&rules, &mut state, &failing(1300, None));
        assert_eq!(
            changes(&fired),
            vec![(Rule::Outage, "poll:brightpearl:product", Change::Firing)]
        );
        assert!(
            fired[0].text.contains("503 from Brightpearl"),
            "{}",
            fired[0]
        );
        assert!(evaluate(&rules, &mut state, &failing(1400, None)).is_empty());
        let healthy = Snapshot {
            at: 1430,
            flows: Vec::new(),
            sources: vec![SourceSample {
                name: "poll:brightpearl:product".to_owned(),
                error: None,
                last_success_at: Some(1425),
            }],
            ..Snapshot::default()
        };
        let recovered = evaluate(&rules, &mut state, &healthy);
        assert_eq!(recovered.len(), 1);
        assert_eq!(recovered[0].change, Change::Recovered);
        // A success long ago counts from then: it fires at once.
        let mut fresh = AlertState::default();
        let fired = evaluate(&rules, &mut fresh, &failing(5000, Some(4000)));
        assert_eq!(fired.len(), 1);
        assert!(fired[0].text.contains("16 min"), "{}", fired[0]);
    }

    #[test]
    fn alerts_are_per_flow_and_rules_can_be_off() {
        let mut off = rules();
        off.dead_letters_growth = None;
        let mut state = AlertState::default();
        evaluate(&off, &mut state, &snap(0, vec![flow("a", 0, 0, 0)]));
        assert!(evaluate(&off, &mut state, &snap(60, vec![flow("a", 50, 0, 0)])).is_empty());
        let on = rules();
        let mut state = AlertState::default();
        evaluate(
            &on,
            &mut state,
            &snap(0, vec![flow("a", 0, 0, 0), flow("b", 0, 0, 0)]),
        );
        let fired = evaluate(
            &on,
            &mut state,
            &snap(60, vec![flow("a", 5, 0, 0), flow("b", 1, 0, 0)]),
        );
        assert_eq!(
            changes(&fired),
            vec![(Rule::DeadLetters, "a", Change::Firing)]
        );
        // A flow that is gone recovers rather than firing for ever.
        let gone = evaluate(&on, &mut state, &snap(120, vec![flow("b", 1, 0, 0)]));
        assert_eq!(
            changes(&gone),
            vec![(Rule::DeadLetters, "a", Change::Recovered)]
        );
    }

    #[test]
    fn prometheus_counters_are_read_per_flow() {
        let text = "# TYPE ferry_flow_records_total counter\n\
            ferry_flow_records_total{flow=\"orders\",outcome=\"created\"} 7\n\
            ferry_flow_records_total{outcome=\"failed\",flow=\"orders\"} 2\n\
            ferry_flow_records_total{flow=\"products\",outcome=\"unchanged\"} 4\n\
            ferry_api_calls_total{api=\"x\"} 9\n\
            ferry_flow_records_total{flow=\"bad\"} nonsense\n";
        let counters = flow_counters_from_prometheus(text);
        assert_eq!(counters.get("orders"), Some(&(9, 2)));
        assert_eq!(counters.get("products"), Some(&(4, 0)));
        assert_eq!(counters.len(), 2);
    }

    fn api(at: i64, remaining: u64, open: bool) -> Snapshot {
        Snapshot {
            at,
            budgets: vec![BudgetSample {
                budget: "brightpearl:acme".to_owned(),
                remaining,
                limit: Some(200),
            }],
            breakers: vec![BreakerSample {
                api: "brightpearl".to_owned(),
                family: "product".to_owned(),
                open,
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_low_api_budget_fires_once_and_recovers_once() {
        let (rules, mut state) = (rules(), AlertState::default());
        assert!(evaluate(&rules, &mut state, &api(0, 20, false)).is_empty());
        let fired = evaluate(&rules, &mut state, &api(30, 19, false));
        assert_eq!(
            changes(&fired),
            vec![(Rule::ApiBudget, "brightpearl:acme", Change::Firing)]
        );
        assert!(
            fired[0].text.contains("19 of 200 calls left"),
            "{}",
            fired[0]
        );
        assert!(evaluate(&rules, &mut state, &api(60, 3, false)).is_empty());
        let recovered = evaluate(&rules, &mut state, &api(90, 150, false));
        assert_eq!(
            changes(&recovered),
            vec![(Rule::ApiBudget, "brightpearl:acme", Change::Recovered)]
        );
        assert!(recovered[0].text.starts_with("API budget brightpearl:acme"));
        // Without a known limit the fraction cannot be judged.
        let mut unknown = api(120, 0, false);
        unknown.budgets[0].limit = None;
        assert!(evaluate(&rules, &mut state, &unknown).is_empty());
    }

    #[test]
    fn an_open_breaker_fires_after_its_minutes_and_recovers_when_closed() {
        let (rules, mut state) = (rules(), AlertState::default());
        assert!(evaluate(&rules, &mut state, &api(1000, 200, true)).is_empty());
        assert!(evaluate(&rules, &mut state, &api(1119, 200, true)).is_empty());
        let fired = evaluate(&rules, &mut state, &api(1120, 200, true));
        assert_eq!(
            changes(&fired),
            vec![(Rule::Breaker, "brightpearl/product", Change::Firing)]
        );
        assert!(fired[0].text.contains("is open"), "{}", fired[0]);
        assert!(evaluate(&rules, &mut state, &api(1200, 200, true)).is_empty());
        let closed = evaluate(&rules, &mut state, &api(1230, 200, false));
        assert_eq!(
            changes(&closed),
            vec![(Rule::Breaker, "brightpearl/product", Change::Recovered)]
        );
        // Opening again starts the count afresh.
        assert!(evaluate(&rules, &mut state, &api(1260, 200, true)).is_empty());
        // 0 minutes: at the first check that sees it open.
        let mut at_once = rules.clone();
        at_once.breaker_open_minutes = Some(0);
        let fired = evaluate(&at_once, &mut AlertState::default(), &api(5, 200, true));
        assert_eq!(fired.len(), 1);
    }

    #[test]
    fn budgets_and_breakers_are_read_from_prometheus_text() {
        let text = "# HELP ferry_api_budget_remaining x\n\
            ferry_api_budget_remaining{budget=\"brightpearl:acme\"} 143\n\
            ferry_api_budget_limit{budget=\"brightpearl:acme\"} 200\n\
            ferry_api_budget_remaining{budget=\"salesforce:na1\"} 90000\n\
            ferry_api_breaker_open{api=\"brightpearl\",family=\"product\"} 1\n\
            ferry_api_breaker_open{api=\"salesforce\",family=\"sobjects\"} 0\n\
            ferry_api_breaker_open_extra{api=\"x\"} 1\n";
        let (budgets, breakers) = api_from_prometheus(text);
        assert_eq!(
            budgets,
            vec![
                BudgetSample {
                    budget: "brightpearl:acme".into(),
                    remaining: 143,
                    limit: Some(200)
                },
                BudgetSample {
                    budget: "salesforce:na1".into(),
                    remaining: 90000,
                    limit: None
                },
            ]
        );
        assert_eq!(breakers.len(), 2);
        assert!(breakers[0].open && !breakers[1].open);
        let tricky = metric_samples(
            "m{a=\"x,y\",b=\"q\\\"z\"} 2.5 1700000000\nm 4\nmore{a=\"1\"} 9\n",
            "m",
        );
        assert_eq!(tricky.len(), 2);
        assert_eq!(tricky[0].label("a"), "x,y");
        assert_eq!(tricky[0].label("b"), "q\"z");
        assert_eq!(tricky[0].value, 2.5);
        assert_eq!(tricky[1].value, 4.0);
    }
}
