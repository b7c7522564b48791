//! Fault injection: latency, 503 `SERVER_UNAVAILABLE`, `UNABLE_TO_LOCK_ROW`, outage windows and
//! dropped connections. Set by flags at start and changed at run time through
//! `/__sandbox/faults`.

use super::api::ApiError;
use super::value::now_ms;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Duration;

/// What to inject. Rates are probabilities per request (per record for lock errors).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    /// Added to every data call, in milliseconds.
    pub latency_ms: u64,
    /// Share of data calls answered 503 SERVER_UNAVAILABLE.
    pub error_rate: f64,
    /// Share of record writes failing with UNABLE_TO_LOCK_ROW.
    pub lock_rate: f64,
    /// Share of data calls whose connection is dropped mid-response.
    pub reset_rate: f64,
    /// Outage windows (ms since the epoch, start inclusive, end exclusive): every data call
    /// in one is answered 503.
    pub outages: Vec<Outage>,
}

/// A time window during which the org is down.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// Start, ms since the epoch.
    pub start_ms: i64,
    /// End, ms since the epoch.
    pub end_ms: i64,
}

impl FaultSettings {
    /// Checks rates are probabilities and windows are ordered.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("lock_rate", self.lock_rate),
            ("reset_rate", self.reset_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} is {rate}; a rate is between 0 and 1"));
            }
        }
        for outage in &self.outages {
            if outage.end_ms <= outage.start_ms {
                return Err("an outage ends before it starts; give end_ms after start_ms".into());
            }
        }
        Ok(())
    }
}

/// The current fault settings.
#[derive(Debug)]
pub struct Faults {
    settings: Mutex<FaultSettings>,
}

impl Faults {
    /// Starts with `settings`.
    pub fn new(settings: FaultSettings) -> Faults {
        Faults {
            settings: Mutex::new(settings),
        }
    }

    /// The settings in force.
    pub fn get(&self) -> FaultSettings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the settings.
    pub fn set(&self, settings: FaultSettings) {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// Applies latency, outages, 503s and dropped connections to a data call; `Some` is the
    /// response to send instead of running the call.
    pub async fn before_request(&self) -> Option<Response> {
        let settings = self.get();
        if settings.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
        }
        let now = now_ms();
        let in_outage = settings
            .outages
            .iter()
            .any(|o| o.start_ms <= now && now < o.end_ms);
        let (unavailable, reset) = {
            let mut rng = rand::rng();
            (
                in_outage || (settings.error_rate > 0.0 && rng.random_bool(settings.error_rate)),
                settings.reset_rate > 0.0 && rng.random_bool(settings.reset_rate),
            )
        };
        if unavailable {
            return Some(
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "SERVER_UNAVAILABLE",
                    "Server is temporarily unavailable, please try again later",
                )
                .into_response(),
            );
        }
        if reset {
            return Some(crate::serve::dropped_connection());
        }
        None
    }

    /// Whether this record write should fail with UNABLE_TO_LOCK_ROW.
    pub fn roll_lock(&self) -> bool {
        let rate = self.get().lock_rate;
        rate > 0.0 && rand::rng().random_bool(rate)
    }
}

/// The lock error Salesforce gives when another transaction holds the row.
pub fn lock_error() -> super::api::RecordError {
    super::api::RecordError::new(
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access to this record or 1 records",
    )
}
