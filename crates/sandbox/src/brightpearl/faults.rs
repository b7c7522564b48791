//! Fault injection for the API: latency, 503s, outage windows and dropped connections, set by
//! flags at start and at run time through `/__sandbox/faults`. (Webhook delivery faults live
//! with the dispatcher, `delivery::DeliveryFaults`.)

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Duration;

/// What to inject into API calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSettings {
    /// Added to every API call, in milliseconds.
    pub latency_ms: u64,
    /// Share of API calls answered 503 (a gateway outage, not throttling).
    pub error_rate: f64,
    /// Share of API calls whose connection is dropped mid-response.
    pub reset_rate: f64,
    /// Windows (ms since the epoch; start inclusive, end exclusive) in which every call is 503.
    pub outages: Vec<Outage>,
}

/// A time window during which the account is down.
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
            ("reset_rate", self.reset_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} is {rate}; a rate is between 0 and 1"));
            }
        }
        if self.outages.iter().any(|o| o.end_ms <= o.start_ms) {
            return Err("an outage ends before it starts; give end_ms after start_ms".into());
        }
        Ok(())
    }
}

/// What the fault roll decided for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Run the call.
    Nothing,
    /// Answer 503 (outage or random error).
    Unavailable,
    /// Drop the connection.
    Reset,
}

/// The settings in force.
#[derive(Debug, Default)]
pub struct Faults {
    settings: Mutex<FaultSettings>,
}

/// The body of an injected outage 503: a load balancer's page, not JSON, as a real outage
/// answers (clients must not mistake it for throttling).
pub const OUTAGE_BODY: &str = "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>";

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

    /// Sleeps the latency, then rolls for an outage, an error or a reset.
    pub async fn roll(&self, now_ms: i64) -> Injected {
        let settings = self.get();
        if settings.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
        }
        if settings
            .outages
            .iter()
            .any(|o| o.start_ms <= now_ms && now_ms < o.end_ms)
        {
            return Injected::Unavailable;
        }
        let mut rng = rand::rng();
        if settings.error_rate > 0.0 && rng.random_bool(settings.error_rate) {
            return Injected::Unavailable;
        }
        if settings.reset_rate > 0.0 && rng.random_bool(settings.reset_rate) {
            return Injected::Reset;
        }
        Injected::Nothing
    }
}
