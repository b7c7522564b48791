//! `/order-service/order`: GET (id sets up to 200, unknown ids silently left out, so an unknown
//! single id is `{"response":[]}` as recorded; `includeOptional=customFields,nullCustomFields`),
//! OPTIONS (`getUris` over existing ids in 200-id chunks), POST, PATCH (JSON-Patch → the whole
//! order as an object), rows, status, notes and custom fields.

use super::{MAX_IDS_PER_GET, id_set, single_id};
use crate::brightpearl::account::orders::{self, Fields, NewNote, Order, custom_fields_rendering};
use crate::brightpearl::api::body::{json_object, parse_patch};
use crate::brightpearl::api::{ApiResult, AppState, Reply, WithMessageType};
use crate::brightpearl::idset;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::Value as Json;

const GET: &str = "get-order";
const POST: &str = "post-order";
const PATCH: &str = "patch-order";
const OPTIONS: &str = "options-order";
const POST_ROW: &str = "post-order-row";
const PATCH_ROW: &str = "patch-order-row";
const DELETE_ROW: &str = "delete-order-row";
const PUT_STATUS: &str = "put-order-status";
const POST_NOTE: &str = "post-order-note";
const GET_NOTE: &str = "get-order-note";
const GET_FIELDS: &str = "get-custom-fields";
const PATCH_FIELDS: &str = "patch-custom-fields";

/// Which optional blocks a GET asked for.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Optional {
    pub custom_fields: bool,
    pub null_custom_fields: bool,
}

impl Optional {
    /// Reads `includeOptional=customFields,nullCustomFields` (other values are ignored).
    pub fn from_query(raw: Option<&str>) -> Optional {
        let mut optional = Optional::default();
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
        for (key, value) in pairs {
            if key != "includeOptional" {
                continue;
            }
            for part in value.split(',') {
                match part.trim() {
                    "customFields" => optional.custom_fields = true,
                    "nullCustomFields" => optional.null_custom_fields = true,
                    _ => {}
                }
            }
        }
        optional
    }
}

/// `GET /order/{ids}`.
pub(super) async fn get_orders(
    State(state): State<AppState>,
    Path(ids): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let set = id_set(&ids, Some(MAX_IDS_PER_GET), "order").tagged(GET)?;
    let optional = Optional::from_query(raw.as_deref());
    let account = state.account();
    let found = set.ids().iter().filter_map(|id| account.orders.get(*id));
    if optional.custom_fields || optional.null_custom_fields {
        let rendered: Vec<Order> = found
            .map(|o| {
                custom_fields_rendering(
                    &account,
                    o,
                    optional.custom_fields,
                    optional.null_custom_fields,
                )
            })
            .collect();
        Ok(Reply::ok(GET, rendered))
    } else {
        let found: Vec<&Order> = found.collect();
        Ok(Reply::ok(GET, found))
    }
}

/// `getUris` of the existing orders among `wanted` (all when `None`).
fn get_uris(state: &AppState, wanted: Option<&idset::IdSet>) -> Json {
    let account = state.account();
    let ids: Vec<u64> = match wanted {
        None => account.orders.orders.keys().copied().collect(),
        Some(set) => set
            .ids()
            .iter()
            .copied()
            .filter(|id| account.orders.orders.contains_key(id))
            .collect(),
    };
    drop(account);
    crate::brightpearl::api::params::get_uris(ids, MAX_IDS_PER_GET, "order")
}

/// `OPTIONS /order`: every order.
pub(super) async fn options_all(State(state): State<AppState>) -> ApiResult {
    Ok(Reply::ok(OPTIONS, get_uris(&state, None)))
}

/// `OPTIONS /order/{ids}`.
pub(super) async fn options_ids(
    State(state): State<AppState>,
    Path(ids): Path<String>,
) -> ApiResult {
    let set = id_set(&ids, None, "order").tagged(OPTIONS)?;
    Ok(Reply::ok(OPTIONS, get_uris(&state, Some(&set))))
}

/// `POST /order` → the new id.
pub(super) async fn post_order(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let body = json_object(&body, "order").tagged(POST)?;
    let id = orders::create_order(&mut state.account(), &body).tagged(POST)?;
    Ok(Reply::ok(POST, id))
}

/// `PATCH /order/{id}` → the whole order (an object).
pub(super) async fn patch_order(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "order").tagged(PATCH)?;
    let ops = parse_patch(&body).tagged(PATCH)?;
    let order = orders::patch_order(&mut state.account(), id, &ops).tagged(PATCH)?;
    Ok(Reply::ok(PATCH, order))
}

/// `POST /order/{id}/row` → the row id.
pub(super) async fn post_row(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "order").tagged(POST_ROW)?;
    let body = json_object(&body, "order row").tagged(POST_ROW)?;
    let row = orders::add_row_json(&mut state.account(), id, &body).tagged(POST_ROW)?;
    Ok(Reply::ok(POST_ROW, row))
}

/// `PATCH /order/{id}/row/{row}` → the row.
pub(super) async fn patch_row(
    State(state): State<AppState>,
    Path((id, row)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "order").tagged(PATCH_ROW)?;
    let row = single_id(&row, "order row").tagged(PATCH_ROW)?;
    let ops = parse_patch(&body).tagged(PATCH_ROW)?;
    let patched = orders::patch_row(&mut state.account(), id, row, &ops).tagged(PATCH_ROW)?;
    Ok(Reply::ok(PATCH_ROW, patched))
}

/// `DELETE /order/{id}/row/{row}` → `{}`.
pub(super) async fn delete_row(
    State(state): State<AppState>,
    Path((id, row)): Path<(String, String)>,
) -> ApiResult {
    let id = single_id(&id, "order").tagged(DELETE_ROW)?;
    let row = single_id(&row, "order row").tagged(DELETE_ROW)?;
    orders::delete_row(&mut state.account(), id, row).tagged(DELETE_ROW)?;
    Ok(Reply::empty(DELETE_ROW))
}

/// `PUT /order/{id}/status` `{orderStatusId, orderNote?}` → `{}`.
pub(super) async fn put_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "order").tagged(PUT_STATUS)?;
    let body = json_object(&body, "status change").tagged(PUT_STATUS)?;
    let fields = Fields::top(&body);
    let status = fields.id("orderStatusId").tagged(PUT_STATUS)?.ok_or_else(|| {
        orders::invalid("orderStatusId is required: the id of the new status (GET /order-service/order-status)")
            .message_type(PUT_STATUS)
    })?;
    let note = match fields.object("orderNote").tagged(PUT_STATUS)? {
        Some(note) => Some(NewNote::from_json(note, "orderNote", false).tagged(PUT_STATUS)?),
        None => None,
    };
    orders::set_status(&mut state.account(), id, status, note.as_ref()).tagged(PUT_STATUS)?;
    Ok(Reply::empty(PUT_STATUS))
}

/// `POST /order/{id}/note` → the note id.
pub(super) async fn post_note(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "order").tagged(POST_NOTE)?;
    let body = json_object(&body, "order note").tagged(POST_NOTE)?;
    let note = NewNote::from_json(&body, "", true).tagged(POST_NOTE)?;
    orders::add_note(&mut state.account(), id, &note)
        .map(|id| Reply::ok(POST_NOTE, id))
        .tagged(POST_NOTE)
}

/// `GET /order/{id}/note` → the order's notes.
pub(super) async fn get_notes(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id = single_id(&id, "order").tagged(GET_NOTE)?;
    let account = state.account();
    if account.orders.get(id).is_none() {
        return Err(orders::missing(id).message_type(GET_NOTE));
    }
    Ok(Reply::ok(GET_NOTE, orders::notes_of(&account, id)))
}

/// `GET /order/{id}/custom-field` → the fields with a value (a single id only).
pub(super) async fn get_custom_fields(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    let id = single_id(&id, "order").tagged(GET_FIELDS)?;
    let account = state.account();
    if account.orders.get(id).is_none() {
        return Err(orders::missing(id).message_type(GET_FIELDS));
    }
    Ok(Reply::ok(GET_FIELDS, orders::values_of(&account, id)))
}

/// `PATCH /order/{id}/custom-field` → the whole map.
pub(super) async fn patch_custom_fields(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id = single_id(&id, "order").tagged(PATCH_FIELDS)?;
    let ops = parse_patch(&body).tagged(PATCH_FIELDS)?;
    let values =
        orders::patch_custom_fields(&mut state.account(), id, &ops).tagged(PATCH_FIELDS)?;
    Ok(Reply::ok(PATCH_FIELDS, values))
}
