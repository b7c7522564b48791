//! Throughput over time, per flow: how many queue items the workers settled in each interval
//! of the last hour, for the dashboard's chart and `GET /api/overview`.
//!
//! **Where the numbers come from.** The workers of this process count every item they settle
//! in `ferry_worker_items_total{flow, outcome}`. A [`Sampler`] started with the server reads
//! that counter from the process's Prometheus recorder every [`SAMPLE_EVERY`] and keeps the
//! difference to the previous reading in a ring of [`KEEP`] points per flow. An item is *done*
//! when it `succeeded`; it *failed* when it was `retried` or `dead_lettered` (each failed
//! attempt counts); `lost` (a lease that passed to another worker) is neither. The counter was
//! chosen over the store because it is exact (one increment per settled item), costs no query,
//! and is the same number Prometheus and Grafana show. What it cannot see: items settled by a
//! `ferry worker` in another process (that process has its own `/metrics`).
//!
//! [`Throughput`] is the pure part (points in, series out); [`Sampler`] shares one between the
//! sampling task and the handlers.

use ferry_engine::alerts::metric_samples;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the sampler reads the counters: one point per flow per interval.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// Points kept per flow: an hour at one point per ten seconds.
pub const KEEP: usize = 360;

/// Settled items of one flow: a counter reading, or what one interval added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Items that succeeded.
    pub done: u64,
    /// Failed attempts: items retried or dead-lettered.
    pub failed: u64,
}

impl Counts {
    /// Failed / (done + failed); `None` when nothing was settled.
    pub fn error_rate(self) -> Option<f64> {
        let all = self.done + self.failed;
        (all > 0).then(|| self.failed as f64 / all as f64)
    }
}

/// What one interval added, ending at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    /// The end of the interval (Unix seconds).
    pub at: i64,
    /// Items that succeeded in the interval.
    pub done: u64,
    /// Failed attempts in the interval.
    pub failed: u64,
}

/// Per flow, the settled counts of `ferry_worker_items_total` in Prometheus text.
pub fn worker_counts(text: &str) -> BTreeMap<String, Counts> {
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    for sample in metric_samples(text, "ferry_worker_items_total") {
        let flow = sample.label("flow");
        if flow.is_empty() {
            continue;
        }
        let entry = counts.entry(flow.to_owned()).or_default();
        match sample.label("outcome") {
            "succeeded" => entry.done += sample.count(),
            "retried" | "dead_lettered" => entry.failed += sample.count(),
            _ => {}
        }
    }
    counts
}

/// The ring of points per flow, made from successive counter readings.
#[derive(Debug, Clone)]
pub struct Throughput {
    /// Points kept per flow.
    keep: usize,
    /// The previous reading and when it was taken: the next point is the difference.
    last: Option<(i64, BTreeMap<String, Counts>)>,
    /// Per flow, the newest `keep` points, oldest first.
    series: BTreeMap<String, VecDeque<Point>>,
}

impl Default for Throughput {
    fn default() -> Self {
        Self::new(KEEP)
    }
}

impl Throughput {
    /// An empty ring keeping `keep` points per flow.
    pub fn new(keep: usize) -> Self {
        Self {
            keep: keep.max(1),
            last: None,
            series: BTreeMap::new(),
        }
    }

    /// Takes a counter reading at `at` (Unix seconds). The first reading is the baseline; each
    /// later one adds a point per flow (0 for a flow that settled nothing). A counter that went
    /// down was reset (the recorder was replaced): its whole reading counts as the interval's.
    pub fn record(&mut self, at: i64, counters: &BTreeMap<String, Counts>) {
        if let Some((_, last)) = &self.last {
            let flows: BTreeSet<&String> = counters.keys().chain(self.series.keys()).collect();
            let mut points = Vec::with_capacity(flows.len());
            for flow in flows {
                let now = counters.get(flow).copied().unwrap_or_default();
                let before = last.get(flow).copied().unwrap_or_default();
                let added = if now.done < before.done || now.failed < before.failed {
                    now
                } else {
                    Counts {
                        done: now.done - before.done,
                        failed: now.failed - before.failed,
                    }
                };
                points.push((
                    flow.clone(),
                    Point {
                        at,
                        done: added.done,
                        failed: added.failed,
                    },
                ));
            }
            for (flow, point) in points {
                let series = self.series.entry(flow).or_default();
                series.push_back(point);
                while series.len() > self.keep {
                    series.pop_front();
                }
            }
        }
        self.last = Some((at, counters.clone()));
    }

    /// The flow's points, oldest first (empty before the second reading).
    pub fn series(&self, flow: &str) -> Vec<Point> {
        self.series
            .get(flow)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// What the flow's points after `since` (Unix seconds) add up to.
    pub fn since(&self, flow: &str, since: i64) -> Counts {
        self.series
            .get(flow)
            .into_iter()
            .flatten()
            .filter(|p| p.at > since)
            .fold(Counts::default(), |sum, p| Counts {
                done: sum.done + p.done,
                failed: sum.failed + p.failed,
            })
    }
}

/// A [`Throughput`] shared by the sampling task (the only writer) and the handlers (readers).
/// Cheap to clone: clones share the ring.
#[derive(Debug, Clone)]
pub struct Sampler {
    /// How often the task reads the counters.
    every: Duration,
    ring: Arc<Mutex<Throughput>>,
}

impl Default for Sampler {
    fn default() -> Self {
        Self::new(SAMPLE_EVERY, KEEP)
    }
}

impl Sampler {
    /// A sampler reading every `every`, keeping `keep` points per flow (tests sample faster).
    pub fn new(every: Duration, keep: usize) -> Self {
        Self {
            every: every.max(Duration::from_millis(10)),
            ring: Arc::new(Mutex::new(Throughput::new(keep))),
        }
    }

    /// How often it samples.
    pub fn every(&self) -> Duration {
        self.every
    }

    /// Takes the counters from Prometheus text read at `at` (Unix seconds).
    pub fn sample(&self, at: i64, text: &str) {
        let counts = worker_counts(text);
        self.lock().record(at, &counts);
    }

    /// A copy of the ring, for one page or answer.
    pub fn view(&self) -> Throughput {
        self.lock().clone()
    }

    /// Samples `handle`'s counters every [`Self::every`] until the task is aborted (the
    /// server aborts it when it stops).
    pub(crate) fn start(&self, handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
        let sampler = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(sampler.every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let at = ferry_core::Timestamp::now().as_micros() / 1_000_000;
                sampler.sample(at, &handle.render());
            }
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Throughput> {
        // Plain numbers: a panic elsewhere cannot leave them inconsistent.
        self.ring
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(pairs: &[(&str, u64, u64)]) -> BTreeMap<String, Counts> {
        pairs
            .iter()
            .map(|(flow, done, failed)| {
                (
                    (*flow).to_owned(),
                    Counts {
                        done: *done,
                        failed: *failed,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn points_are_the_differences_between_readings() {
        let mut ring = Throughput::new(360);
        ring.record(0, &reading(&[("orders", 5, 1)]));
        assert!(
            ring.series("orders").is_empty(),
            "the first reading is the baseline"
        );
        ring.record(10, &reading(&[("orders", 12, 1)]));
        ring.record(20, &reading(&[("orders", 12, 4), ("products", 3, 0)]));
        assert_eq!(
            ring.series("orders"),
            vec![
                Point {
                    at: 10,
                    done: 7,
                    failed: 0
                },
                Point {
                    at: 20,
                    done: 0,
                    failed: 3
                }
            ]
        );
        // A flow first counted after the baseline started from 0.
        assert_eq!(
            ring.series("products"),
            vec![Point {
                at: 20,
                done: 3,
                failed: 0
            }]
        );
        // A flow that stops appearing still gets (empty) points: its chart keeps moving.
        ring.record(30, &reading(&[("products", 4, 0)]));
        assert_eq!(ring.series("orders").len(), 3);
        assert_eq!(ring.since("orders", 0), Counts { done: 7, failed: 3 });
        assert_eq!(ring.since("orders", 10), Counts { done: 0, failed: 3 });
        assert_eq!(ring.since("nothing", 0), Counts::default());
    }

    #[test]
    fn the_ring_keeps_its_size_and_survives_a_reset() {
        let mut ring = Throughput::new(3);
        for i in 0..10u64 {
            ring.record(i as i64 * 10, &reading(&[("a", i * 2, 0)]));
        }
        let points = ring.series("a");
        assert_eq!(
            points.iter().map(|p| p.at).collect::<Vec<_>>(),
            vec![70, 80, 90]
        );
        assert!(points.iter().all(|p| p.done == 2));
        // The counter went back (a new recorder): its reading is the interval's.
        ring.record(100, &reading(&[("a", 1, 0)]));
        assert_eq!(ring.series("a").last().map(|p| p.done), Some(1));
    }

    #[test]
    fn worker_counts_read_done_and_failed_per_flow() {
        let text = "# TYPE ferry_worker_items_total counter\n\
            ferry_worker_items_total{flow=\"orders\",outcome=\"succeeded\"} 9\n\
            ferry_worker_items_total{flow=\"orders\",outcome=\"retried\"} 2\n\
            ferry_worker_items_total{flow=\"orders\",outcome=\"dead_lettered\"} 1\n\
            ferry_worker_items_total{flow=\"orders\",outcome=\"lost\"} 4\n\
            ferry_worker_items_total{flow=\"\",outcome=\"succeeded\"} 4\n\
            ferry_flow_records_total{flow=\"orders\",outcome=\"created\"} 9\n";
        let counts = worker_counts(text);
        assert_eq!(counts.len(), 1);
        assert_eq!(counts["orders"], Counts { done: 9, failed: 3 });
        assert_eq!(counts["orders"].error_rate(), Some(0.25));
        assert_eq!(Counts::default().error_rate(), None);
    }

    #[test]
    fn the_sampler_shares_its_ring() {
        let sampler = Sampler::new(Duration::from_secs(1), 10);
        let clone = sampler.clone();
        sampler.sample(
            0,
            "ferry_worker_items_total{flow=\"a\",outcome=\"succeeded\"} 1\n",
        );
        clone.sample(
            1,
            "ferry_worker_items_total{flow=\"a\",outcome=\"succeeded\"} 4\n",
        );
        assert_eq!(sampler.view().since("a", 0).done, 3);
    }
}
