//! Admin endpoints of the event bus (beside `/__sandbox/...` in `admin`; no authentication,
//! JSON in and out, `{"error": "..."}` with 400 when the request cannot be done).
//!
//! | Endpoint | Does |
//! |---|---|
//! | `POST /__sandbox/cdc/gaps` | Body `{"object": "Account", "record_ids": ["001..."], "change_type": "GAP_UPDATE"}` (`GAP_CREATE`, `GAP_UPDATE`, `GAP_DELETE`, `GAP_UNDELETE`, `GAP_OVERFLOW`; an overflow without ids gets `000000000000000AAA`): adds one header-only gap event on `/data/ChangeEvents` and the object's channel, as a real org sends when it cannot deliver a change. Answers `{"replay_id": N}`. |
//! | `POST /__sandbox/cdc/platform-events` | Body `{"name": "Order_Shipped__e", "fields": [{"name": "OrderId__c", "type": "string"}]}` (types: string, boolean, int, long, double, date, datetime): defines (or redefines) a platform event; its topic is `/event/<name>`. Answers `{"topic", "schema_id", "schema"}`. |

use super::AppState;
use crate::salesforce::cdc::avro::PlatformField;
use crate::salesforce::cdc::{BusError, GapType};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

/// Routes of the event bus's admin API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__sandbox/cdc/gaps", post(gaps))
        .route("/__sandbox/cdc/platform-events", post(platform_event))
}

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": message})),
    )
        .into_response()
}

fn parse<T: serde::de::DeserializeOwned>(
    body: &Bytes,
    endpoint: &str,
    example: &str,
) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|err| {
        format!("{endpoint}: the body is not what this endpoint takes ({err}); send e.g. {example}")
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GapRequest {
    object: String,
    #[serde(default)]
    record_ids: Vec<String>,
    change_type: GapType,
}

async fn gaps(State(state): State<AppState>, body: Bytes) -> Response {
    const ENDPOINT: &str = "POST /__sandbox/cdc/gaps";
    const EXAMPLE: &str =
        r#"{"object":"Account","record_ids":["001000000000001AAA"],"change_type":"GAP_UPDATE"}"#;
    let request: GapRequest = match parse(&body, ENDPOINT, EXAMPLE) {
        Ok(request) => request,
        Err(message) => return bad_request(message),
    };
    let user = state.auth().admin().user_id.to_string();
    match state.cdc.inject_gap(
        &request.object,
        request.record_ids,
        request.change_type,
        user,
    ) {
        Ok(replay_id) => axum::Json(json!({"replay_id": replay_id})).into_response(),
        Err(BusError::UnknownTopic(_)) => bad_request(format!(
            "{ENDPOINT}: object {:?} is not in the sandbox's schema; use an object API name such as Account",
            request.object
        )),
        Err(err) => bad_request(format!("{ENDPOINT}: {err}")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformEventRequest {
    name: String,
    #[serde(default)]
    fields: Vec<PlatformField>,
}

async fn platform_event(State(state): State<AppState>, body: Bytes) -> Response {
    const ENDPOINT: &str = "POST /__sandbox/cdc/platform-events";
    const EXAMPLE: &str =
        r#"{"name":"Order_Shipped__e","fields":[{"name":"OrderId__c","type":"string"}]}"#;
    let request: PlatformEventRequest = match parse(&body, ENDPOINT, EXAMPLE) {
        Ok(request) => request,
        Err(message) => return bad_request(message),
    };
    match state
        .cdc
        .define_platform_event(&request.name, &request.fields)
    {
        Ok(topic) => axum::Json(json!({
            "topic": topic.name,
            "schema_id": topic.schema_id,
            "schema": state.cdc.schema(&topic.schema_id),
        }))
        .into_response(),
        Err(err) => bad_request(format!("{ENDPOINT}: {err}")),
    }
}
