//! The sandbox's own control API under `/__sandbox/` (no authentication, no throttle): inspect
//! and dump the account, reset it, change the throttle, inject API faults and expire OAuth
//! tokens. Webhook delivery, scenarios and record loading have their own routes here too.

use super::{AppState, DataSet, new_account};
use crate::brightpearl::delivery::DeliveryFaults;
use crate::brightpearl::faults::FaultSettings;
use crate::brightpearl::wire::now_ms;
use axum::Json as JsonBody;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value as Json, json};

/// The admin routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__sandbox/state", get(summary))
        .route("/__sandbox/dump", get(dump))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/faults", get(get_faults).put(put_faults))
        .route("/__sandbox/limits", get(get_limits).put(put_limits))
        .route("/__sandbox/tokens/expire", post(expire_tokens))
        .route(
            "/__sandbox/webhooks/faults",
            get(get_delivery_faults).put(put_delivery_faults),
        )
        .route(
            "/__sandbox/webhooks/deliveries",
            get(deliveries).delete(clear_deliveries),
        )
}

/// A plain JSON answer for the admin API.
pub fn answer(status: StatusCode, body: Json) -> Response {
    (status, JsonBody(body)).into_response()
}

/// An admin error: `{"error": text}` with 400.
pub fn refuse(text: impl Into<String>) -> Response {
    answer(StatusCode::BAD_REQUEST, json!({"error": text.into()}))
}

/// Parses an admin body, with an error answer that says what was expected.
// The error is the answer itself (what every admin handler returns), not a value to inspect.
#[allow(clippy::result_large_err)]
pub fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8], example: &str) -> Result<T, Response> {
    serde_json::from_slice(bytes).map_err(|e| {
        refuse(format!(
            "the body cannot be read ({e}); send e.g. {example}"
        ))
    })
}

async fn summary(State(state): State<AppState>) -> Response {
    let account = state.account();
    let dumped = serde_json::to_value(&*account).unwrap_or(Json::Null);
    let mut counts = serde_json::Map::new();
    // Count the records of every area: each area is an object of collections.
    if let Json::Object(areas) = &dumped {
        for (area, value) in areas {
            if let Json::Object(collections) = value {
                for (name, collection) in collections {
                    let n = match collection {
                        Json::Object(map) => map.len(),
                        Json::Array(items) => items.len(),
                        _ => continue,
                    };
                    counts.insert(format!("{area}.{name}"), json!(n));
                }
            }
        }
    }
    answer(
        StatusCode::OK,
        json!({
            "account": account.settings.code,
            "settings": account.settings,
            "counts": counts,
            "requestsPerMinute": state.throttle.limit(),
            "faults": state.faults.get(),
        }),
    )
}

async fn dump(State(state): State<AppState>) -> Response {
    let account = state.account();
    match serde_json::to_value(&*account) {
        Ok(value) => answer(StatusCode::OK, value),
        Err(e) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": e.to_string()}),
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
}

async fn reset(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let body: ResetBody = if body.is_empty() {
        ResetBody {
            data: None,
            seed: None,
        }
    } else {
        match parse(&body, r#"{"data":"demo","seed":7}"#) {
            Ok(body) => body,
            Err(response) => return response,
        }
    };
    let mut options = state.options.clone();
    match body.data.as_deref() {
        None => {}
        Some("demo") => options.data = DataSet::Demo,
        Some("empty") => options.data = DataSet::Empty,
        Some(other) => {
            return refuse(format!(
                "data {other:?} is not a data set; use \"demo\" or \"empty\""
            ));
        }
    }
    if let Some(seed) = body.seed {
        options.seed = seed;
    }
    let fresh = match new_account(&options) {
        Ok(account) => account,
        Err(e) => {
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": e.to_string()}),
            );
        }
    };
    *state.account() = fresh;
    state.throttle.clear();
    state.touch();
    answer(StatusCode::OK, json!({"reset": true}))
}

async fn get_faults(State(state): State<AppState>) -> Response {
    answer(StatusCode::OK, json!(state.faults.get()))
}

async fn put_faults(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let settings: FaultSettings = match parse(
        &body,
        r#"{"latency_ms":200,"error_rate":0.05,"reset_rate":0.01,"outages":[{"start_ms":0,"end_ms":1}]}"#,
    ) {
        Ok(settings) => settings,
        Err(response) => return response,
    };
    if let Err(e) = settings.validate() {
        return refuse(e);
    }
    state.faults.set(settings.clone());
    answer(StatusCode::OK, json!(settings))
}

async fn get_limits(State(state): State<AppState>) -> Response {
    answer(
        StatusCode::OK,
        json!({"requests_per_minute": state.throttle.limit()}),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsBody {
    requests_per_minute: u32,
}

async fn put_limits(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let limits: LimitsBody = match parse(&body, r#"{"requests_per_minute":200}"#) {
        Ok(limits) => limits,
        Err(response) => return response,
    };
    state.throttle.set_limit(limits.requests_per_minute);
    answer(
        StatusCode::OK,
        json!({"requests_per_minute": limits.requests_per_minute}),
    )
}

async fn expire_tokens(State(state): State<AppState>) -> Response {
    let n = state.auth().expire_access_tokens(now_ms());
    answer(StatusCode::OK, json!({"expired": n}))
}

fn dispatcher(
    state: &AppState,
) -> Result<&crate::brightpearl::delivery::DispatcherHandle, NotRunning> {
    state.deliveries.get().ok_or(NotRunning)
}

/// The webhook dispatcher is not running (it starts with the sandbox, so this is a bug).
struct NotRunning;

impl IntoResponse for NotRunning {
    fn into_response(self) -> Response {
        answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "webhook delivery is not running; restart the sandbox"}),
        )
    }
}

async fn get_delivery_faults(State(state): State<AppState>) -> Response {
    match dispatcher(&state) {
        Ok(d) => answer(StatusCode::OK, json!(d.faults())),
        Err(not_running) => not_running.into_response(),
    }
}

async fn put_delivery_faults(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let faults: DeliveryFaults = match parse(
        &body,
        r#"{"fail_rate":0.1,"repeat_rate":0.05,"reorder":true,"delay_ms":0}"#,
    ) {
        Ok(faults) => faults,
        Err(response) => return response,
    };
    let d = match dispatcher(&state) {
        Ok(d) => d,
        Err(not_running) => return not_running.into_response(),
    };
    match d.set_faults(faults.clone()) {
        Ok(()) => answer(StatusCode::OK, json!(faults)),
        Err(e) => refuse(e),
    }
}

async fn deliveries(State(state): State<AppState>) -> Response {
    match dispatcher(&state) {
        Ok(d) => answer(
            StatusCode::OK,
            json!({"counters": d.counters(), "attempts": d.log()}),
        ),
        Err(not_running) => not_running.into_response(),
    }
}

async fn clear_deliveries(State(state): State<AppState>) -> Response {
    match dispatcher(&state) {
        Ok(d) => {
            d.clear_log();
            answer(StatusCode::OK, json!({"cleared": true}))
        }
        Err(not_running) => not_running.into_response(),
    }
}
