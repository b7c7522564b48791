//! The dashboard's first page: per flow its state, queue, lag, error rate and a throughput
//! chart of the last hour (server-rendered inline SVG, no chart library); per system its API
//! budgets and circuit breakers. htmx refreshes the live part every five seconds.

use super::session::User;
use super::{escape, problem, render};
use crate::ServerState;
use crate::overview::{ERROR_RATE_MINUTES, FlowOverview, Overview, SystemOverview};
use crate::throughput::Point;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::fmt::Write as _;

/// One flow as the page shows it.
struct FlowCard {
    name: String,
    source: String,
    state: &'static str,
    pending: i64,
    retrying: i64,
    in_flight: i64,
    dead: i64,
    /// The age of the oldest waiting item (`—` when none).
    oldest: String,
    /// `2.0 % (3 of 150)` or `—`.
    error_rate: String,
    /// Done and failed in the last hour, for the chart's caption.
    hour: String,
    /// The chart's `<svg>` markup (built here, escaped here).
    chart: String,
}

impl FlowCard {
    fn new(flow: &FlowOverview, now: i64, metrics: bool) -> Self {
        let error_rate = match flow.error_rate {
            Some(rate) => format!(
                "{:.1} % ({} of {})",
                rate * 100.0,
                flow.recent.failed,
                flow.recent.done + flow.recent.failed
            ),
            None => "—".into(),
        };
        let (done, failed) = flow
            .throughput
            .iter()
            .filter(|p| p.at > now - 3600)
            .fold((0, 0), |(d, f), p| (d + p.done, f + p.failed));
        Self {
            name: flow.name.clone(),
            source: format!("{} {}", flow.source.system, flow.source.object),
            state: flow.state,
            pending: flow.queue.pending,
            retrying: flow.queue.retrying,
            in_flight: flow.queue.in_flight,
            dead: flow.queue.dead,
            oldest: flow
                .lag_seconds
                .map_or_else(|| "—".into(), |s| format!("{s} s")),
            error_rate,
            hour: format!("{done} done, {failed} failed in the last hour"),
            chart: if metrics {
                chart_svg(&flow.name, &flow.throughput, now)
            } else {
                "<p class=\"chart-empty\">This process has no metrics recorder, so no \
                 throughput is counted.</p>"
                    .into()
            },
        }
    }
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    user: Option<User>,
    notice: Option<String>,
    flows: Vec<FlowCard>,
    systems: Vec<SystemOverview>,
    metrics: bool,
    error_rate_minutes: i64,
}

#[derive(Template)]
#[template(path = "flows_table.html")]
struct FlowsFragment {
    flows: Vec<FlowCard>,
    systems: Vec<SystemOverview>,
    metrics: bool,
    error_rate_minutes: i64,
}

fn cards(overview: &Overview) -> Vec<FlowCard> {
    overview
        .flows
        .iter()
        .map(|f| FlowCard::new(f, overview.at, overview.metrics))
        .collect()
}

async fn load(state: &ServerState) -> Result<Overview, Box<Response>> {
    crate::overview::overview(state).await.map_err(|e| {
        Box::new(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the store did not answer: {e}; reload in a moment"),
        ))
    })
}

/// `GET /ui/`: the overview.
pub(crate) async fn overview(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    let Some(user) = state.ui_sessions.user(&headers) else {
        return Redirect::to("/ui/login").into_response();
    };
    match load(&state).await {
        Ok(overview) => render(&OverviewPage {
            user: Some(user),
            notice: None,
            flows: cards(&overview),
            metrics: overview.metrics,
            error_rate_minutes: ERROR_RATE_MINUTES,
            systems: overview.systems,
        }),
        Err(response) => *response,
    }
}

/// `GET /ui/fragments/flows`: the overview's live part alone (htmx refreshes it).
pub(crate) async fn flows_fragment(
    State(state): State<ServerState>,
    headers: HeaderMap,
) -> Response {
    if state.ui_sessions.user(&headers).is_none() {
        return problem(StatusCode::UNAUTHORIZED, "log in again");
    }
    match load(&state).await {
        Ok(overview) => {
            let fragment = FlowsFragment {
                flows: cards(&overview),
                metrics: overview.metrics,
                error_rate_minutes: ERROR_RATE_MINUTES,
                systems: overview.systems,
            };
            let table = match fragment.render() {
                Ok(html) => html,
                Err(e) => {
                    return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
                }
            };
            Html(format!(
                "<div id=\"flows\" hx-get=\"/ui/fragments/flows\" hx-trigger=\"every 5s\" \
                 hx-swap=\"outerHTML\">{table}</div>"
            ))
            .into_response()
        }
        Err(response) => *response,
    }
}

/// The chart's size in SVG units; it scales to the width of its box (a 420 px phone too).
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 150.0;
/// The plot area inside the axis labels.
const LEFT: f64 = 34.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 22.0;
/// One bar per minute of the last hour.
const BARS: usize = 60;

/// The flow's items per minute over the hour before `now` (Unix seconds), as stacked bars
/// (done, failed on top) with a labelled y axis (items per minute) and x axis (minutes ago).
/// With nothing settled in the hour it says "no work yet".
pub(crate) fn chart_svg(flow: &str, points: &[Point], now: i64) -> String {
    let mut bars = [(0u64, 0u64); BARS];
    for point in points {
        let ago = now - point.at;
        if !(0..3600).contains(&ago) {
            continue;
        }
        let minute = usize::try_from(ago / 60).unwrap_or(0).min(BARS - 1);
        let bar = &mut bars[BARS - 1 - minute];
        bar.0 += point.done;
        bar.1 += point.failed;
    }
    let (done, failed) = bars
        .iter()
        .fold((0, 0), |(d, f), (bd, bf)| (d + bd, f + bf));
    let peak = bars.iter().map(|(d, f)| d + f).max().unwrap_or(0);
    let top = nice_ceiling(peak);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_h;
    let name = escape(flow);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"{name}: items per minute over the last hour\" \
         preserveAspectRatio=\"xMidYMid meet\"><title>{name}: {done} done, {failed} failed \
         in the last hour</title>"
    );
    // Grid lines and the y axis: 0, half, top (items per minute).
    for (value, y) in [(0, base), (top / 2, TOP + plot_h / 2.0), (top, TOP)] {
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{value}</text>",
            WIDTH - RIGHT,
            LEFT - 4.0,
            y + 3.5
        );
    }
    let _ = write!(
        svg,
        "<text class=\"axis unit\" x=\"{:.1}\" y=\"{:.1}\">items/min</text>",
        LEFT - 28.0,
        TOP - 8.0
    );
    // The x axis: minutes ago.
    for (label, x, anchor) in [
        ("60 min ago", LEFT, "start"),
        ("30", LEFT + plot_w / 2.0, "middle"),
        ("now", WIDTH - RIGHT, "end"),
    ] {
        let _ = write!(
            svg,
            "<text class=\"axis\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{label}</text>",
            HEIGHT - 6.0
        );
    }
    if done + failed == 0 {
        let _ = write!(
            svg,
            "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no work yet \
             in the last hour</text>",
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0 - 6.0
        );
    } else {
        let slot = plot_w / BARS as f64;
        let scale = plot_h / top as f64;
        for (i, (d, f)) in bars.iter().enumerate() {
            let x = LEFT + slot * i as f64 + 0.5;
            let w = (slot - 1.0).max(1.0);
            let done_h = *d as f64 * scale;
            let failed_h = *f as f64 * scale;
            let minutes_ago = BARS - 1 - i;
            if *d > 0 {
                let _ = write!(
                    svg,
                    "<rect class=\"done\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" \
                     height=\"{done_h:.1}\"><title>{d} done, {minutes_ago} min ago</title></rect>",
                    base - done_h
                );
            }
            if *f > 0 {
                let _ = write!(
                    svg,
                    "<rect class=\"failed\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" \
                     height=\"{failed_h:.1}\"><title>{f} failed, {minutes_ago} min ago</title>\
                     </rect>",
                    base - done_h - failed_h
                );
            }
        }
    }
    let _ = write!(
        svg,
        "<line class=\"axis-line\" x1=\"{LEFT}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>\
         </svg>",
        WIDTH - RIGHT
    );
    svg
}

/// The smallest of 1, 2, 5, 10, 20, 50, ... at or above `peak` (at least 2, so the middle
/// grid line is a whole number).
fn nice_ceiling(peak: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for factor in [2, 5, 10] {
            let candidate = step.saturating_mul(factor);
            if candidate >= peak || candidate == u64::MAX {
                return candidate;
            }
        }
        step = step.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at: i64, done: u64, failed: u64) -> Point {
        Point { at, done, failed }
    }

    #[test]
    fn an_empty_series_says_no_work_yet() {
        let svg = chart_svg("orders", &[], 10_000);
        assert!(svg.starts_with("<svg class=\"chart\""), "{svg}");
        assert!(svg.contains("no work yet"), "{svg}");
        assert!(!svg.contains("<rect"), "{svg}");
        assert!(svg.contains("items/min") && svg.contains("60 min ago") && svg.contains("now"));
        // Points with nothing settled, or older than an hour, are no work either.
        let idle = chart_svg("orders", &[point(9_990, 0, 0), point(5_000, 9, 9)], 10_000);
        assert!(idle.contains("no work yet"), "{idle}");
    }

    #[test]
    fn points_are_plotted_per_minute_with_a_labelled_axis() {
        let now = 10_000;
        let points = [
            point(now - 5, 4, 1),
            point(now - 15, 3, 0),
            point(now - 30 * 60, 7, 0),
            point(now - 59 * 60 - 30, 0, 2),
        ];
        let svg = chart_svg("orders", &points, now);
        assert!(!svg.contains("no work yet"), "{svg}");
        // Two minutes with done items, two with failures.
        assert_eq!(svg.matches("<rect class=\"done\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("<rect class=\"failed\"").count(), 2, "{svg}");
        assert!(svg.contains("7 done, 0 min ago"), "{svg}");
        assert!(svg.contains("7 done, 30 min ago"), "{svg}");
        assert!(svg.contains("2 failed, 59 min ago"), "{svg}");
        assert!(svg.contains("14 done, 3 failed in the last hour"), "{svg}");
        // The peak is 8 a minute: the axis tops at 10 with 5 in the middle.
        assert!(
            svg.contains(">10</text>") && svg.contains(">5</text>"),
            "{svg}"
        );
    }

    #[test]
    fn the_flow_name_is_escaped_and_the_axis_is_round() {
        let svg = chart_svg("a<b>&\"c", &[point(100, 1, 0)], 100);
        assert!(svg.contains("a&lt;b&gt;&amp;&quot;c"), "{svg}");
        assert!(!svg.contains("a<b>"), "{svg}");
        assert_eq!(
            [0, 1, 2, 3, 6, 11, 99, 101, 4000].map(nice_ceiling),
            [2, 2, 2, 5, 10, 20, 100, 200, 5000]
        );
    }
}
