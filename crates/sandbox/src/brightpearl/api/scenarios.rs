//! Scenarios and the activity simulator's controls, under `/__sandbox/`:
//!
//! - `GET /__sandbox/scenarios`: the actions that can be run, with what each does.
//! - `POST /__sandbox/scenarios/{name}` (optional body `{"seed": 7}`): runs one action now and
//!   answers what it did, the ids it touched and the webhook events it raised. An unknown name
//!   is 400 listing the names; an action with nothing to do (no unpaid order to pay) is 409.
//!   Without a seed, each call takes the next random stream of the sandbox's `--seed`, so a
//!   fresh sandbox replays the same scenarios identically.
//! - `GET /__sandbox/activity`: the simulator's rate, whether it runs, actions performed.
//! - `PUT /__sandbox/activity` `{"events_per_minute": 30}`: changes the rate at run time
//!   (0 pauses the simulator).

use super::AppState;
use super::admin::{answer, refuse};
use crate::brightpearl::activity::{self, ACTIONS, ActionError, MAX_RATE};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Deserialize;
use serde_json::json;

/// This area's admin routes (under /__sandbox/).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__sandbox/scenarios", get(list))
        .route("/__sandbox/scenarios/{name}", post(run))
        .route("/__sandbox/activity", get(get_activity).put(put_activity))
}

/// Reads an admin body, or says what was expected.
fn read<T: for<'de> Deserialize<'de>>(bytes: &[u8], example: &str) -> Result<T, String> {
    serde_json::from_slice(bytes)
        .map_err(|e| format!("the body cannot be read ({e}); send e.g. {example}"))
}

async fn list() -> Response {
    let scenarios: Vec<_> = ACTIONS
        .iter()
        .map(
            |a| json!({"name": a.name, "description": a.description, "simulator_weight": a.weight}),
        )
        .collect();
    answer(StatusCode::OK, json!({"scenarios": scenarios}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    #[serde(default)]
    seed: Option<u64>,
}

async fn run(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if !activity::is_action(&name) {
        let names: Vec<&str> = ACTIONS.iter().map(|a| a.name).collect();
        return answer(
            StatusCode::BAD_REQUEST,
            json!({
                "error": format!("{name:?} is not a scenario; use one of {}", activity::action_names()),
                "scenarios": names,
            }),
        );
    }
    let body: RunBody = if body.iter().all(u8::is_ascii_whitespace) {
        RunBody { seed: None }
    } else {
        match read(&body, r#"{"seed":7}"#) {
            Ok(body) => body,
            Err(message) => return refuse(message),
        }
    };
    let seed = body.seed.unwrap_or_else(|| {
        let n = activity::control(&state).next_scenario();
        state
            .options
            .seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(n)
    });
    let mut rng = StdRng::seed_from_u64(seed);
    let outcome = {
        let mut account = state.account();
        activity::attempt(&mut account, &name, &mut rng)
    };
    state.flush_events();
    state.touch();
    match outcome {
        Ok(mut result) => {
            result["scenario"] = json!(name);
            result["seed"] = json!(seed);
            answer(StatusCode::OK, result)
        }
        Err(ActionError::NothingToDo(why)) => answer(
            StatusCode::CONFLICT,
            json!({"error": why, "scenario": name}),
        ),
        Err(ActionError::Unknown(why)) => refuse(why),
        Err(ActionError::Refused(why)) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": why, "scenario": name}),
        ),
    }
}

async fn get_activity(State(state): State<AppState>) -> Response {
    answer(StatusCode::OK, activity::control(&state).summary())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityBody {
    events_per_minute: f64,
}

async fn put_activity(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let body: ActivityBody = match read(&body, r#"{"events_per_minute":30}"#) {
        Ok(body) => body,
        Err(message) => return refuse(message),
    };
    let rate = body.events_per_minute;
    if !rate.is_finite() || !(0.0..=MAX_RATE).contains(&rate) {
        return refuse(format!(
            "events_per_minute {rate} is out of range; send a number from 0 (paused) to {MAX_RATE}"
        ));
    }
    let control = activity::control(&state);
    control.set_rate(rate);
    let mut summary = control.summary();
    if !control.running() {
        summary["note"] = json!(
            "the simulator task is not running in this sandbox; the rate applies once it starts"
        );
    }
    answer(StatusCode::OK, summary)
}
