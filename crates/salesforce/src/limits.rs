//! The org's allocations (`GET /limits`) beside Ferry's own view of its budget, for
//! `ferry sf limits` and the dashboard.

use crate::Client;
use crate::model::{Limit, Limits};
use ferry_http::Error;
use ferry_http::budget::Snapshot;
use std::fmt;

/// Reads `GET /limits` (costs one API call, like any other).
pub async fn fetch(client: &Client) -> Result<Limits, Error> {
    client.get_json("/limits").await
}

/// What the org allows, what Ferry allows itself, and what is left.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsSummary {
    /// `DailyApiRequests` as `/limits` reported it.
    pub daily_api_requests: Option<Limit>,
    /// `salesforce.daily_api_percent`.
    pub ceiling_percent: u8,
    /// Ferry's ceiling in calls (the allocation × the percent), when the allocation is known.
    pub ceiling_calls: Option<u64>,
    /// Calls Ferry may still make before its ceiling (never below zero).
    pub left_below_ceiling: Option<u64>,
    /// `salesforce.run_api_calls`, if set.
    pub run_limit: Option<u64>,
    /// The client's budget as this process sees it (calls this run made, among others).
    pub budget: Snapshot,
    /// Every allocation `/limits` reported.
    pub all: Limits,
}

/// Fetches `/limits` and sets it beside the client's budget.
pub async fn summary(client: &Client) -> Result<LimitsSummary, Error> {
    let all = fetch(client).await?;
    let settings = client.settings();
    let percent = settings.daily_api_percent.clamp(1, 100);
    let daily = all.daily_api_requests().copied();
    let ceiling_calls =
        daily.map(|d| u64::try_from(d.max).unwrap_or_default() * u64::from(percent) / 100);
    let left_below_ceiling = daily
        .zip(ceiling_calls)
        .map(|(d, ceiling)| ceiling.saturating_sub(u64::try_from(d.used()).unwrap_or_default()));
    Ok(LimitsSummary {
        daily_api_requests: daily,
        ceiling_percent: percent,
        ceiling_calls,
        left_below_ceiling,
        run_limit: settings.run_api_calls,
        budget: client.transport().budget().snapshot(),
        all,
    })
}

impl fmt::Display for LimitsSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.daily_api_requests, self.ceiling_calls) {
            (Some(daily), Some(ceiling)) => writeln!(
                f,
                "Daily API requests: {} of {} used; Ferry's ceiling {} ({}%), {} left below it",
                daily.used(),
                daily.max,
                ceiling,
                self.ceiling_percent,
                self.left_below_ceiling.unwrap_or_default()
            )?,
            _ => writeln!(f, "Daily API requests: not reported by this org")?,
        }
        match self.run_limit {
            Some(limit) => writeln!(f, "This run: {} of {limit} calls", self.budget.used_by_run)?,
            None => writeln!(
                f,
                "This run: {} calls (no run limit)",
                self.budget.used_by_run
            )?,
        }
        for (name, limit) in &self.all.0 {
            writeln!(f, "  {name}: {} of {} used", limit.used(), limit.max)?;
        }
        Ok(())
    }
}
