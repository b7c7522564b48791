//! The contact service over HTTP: contacts (GET by id set with the recorded `pagination` and
//! `sorting` siblings, OPTIONS, POST, PATCH), their custom fields and postal addresses,
//! contact-search, and the reference lists (tags, contact groups, lead sources, companies,
//! custom-field definitions).
//!
//! Not-found forms follow reference §9: a contact GET naming no existing contact is 404
//! CMNC-404 "No Contact Found"; one naming some returns those. Caps (INFERRED code): more than
//! 200 contact or address ids in one GET is 400 CMNC-400 naming the limit and OPTIONS, which
//! returns the URIs to use instead.

use super::body::{json_body, parse_patch};
use super::params::{get_uris, parse_ids, query_pairs, search_reply};
use super::{ApiError, ApiResult, AppState, Reply, WithMessageType};
use crate::brightpearl::account::contacts::search::{
    COMPANY_SEARCH, CONTACT_GROUP_MEMBER_SEARCH, CONTACT_GROUP_SEARCH, CONTACT_SEARCH,
};
use crate::brightpearl::account::contacts::{self, Contact, CustomFieldKind, no_contact};
use crate::brightpearl::search::{self, Cell, Row};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::routing::{get, post, put};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// The most contacts (and postal addresses) one GET returns (reference §5).
pub const MAX_IDS_PER_GET: usize = 200;

/// This area's routes, relative to the account.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/contact-service/contact",
            get(list_contacts).post(post_contact).options(options_all),
        )
        .route(
            "/contact-service/contact/{ids}",
            get(get_contacts)
                .patch(patch_contact)
                .options(options_contacts),
        )
        .route(
            "/contact-service/contact/{ids}/custom-field",
            get(get_custom_fields).patch(patch_custom_fields),
        )
        .route(
            "/contact-service/contact/{ids}/postal-address",
            put(put_contact_addresses),
        )
        .route(
            "/contact-service/contact/{ids}/tag/{tag}",
            post(add_tag).delete(remove_tag),
        )
        .route(
            "/contact-service/postal-address",
            post(post_address).get(addresses_need_ids),
        )
        .route("/contact-service/postal-address/{ids}", get(get_addresses))
        .route("/contact-service/contact-search", get(contact_search))
        .route(
            "/contact-service/customer/custom-field-meta-data",
            get(customer_meta_all),
        )
        .route(
            "/contact-service/customer/custom-field-meta-data/{ids}",
            get(customer_meta),
        )
        .route(
            "/contact-service/supplier/custom-field-meta-data",
            get(supplier_meta_all),
        )
        .route(
            "/contact-service/supplier/custom-field-meta-data/{ids}",
            get(supplier_meta),
        )
        .route("/contact-service/tag", get(tags_all).post(post_tag))
        .route("/contact-service/tag/{ids}", get(tags))
        .route("/contact-service/contact-group", get(groups_all))
        .route("/contact-service/contact-group/{ids}", get(groups))
        .route("/contact-service/contact-group-search", get(group_search))
        .route(
            "/contact-service/contact-group-member-search",
            get(group_member_search),
        )
        .route("/contact-service/lead-source", get(lead_sources_all))
        .route("/contact-service/lead-source/{ids}", get(lead_sources))
        .route("/contact-service/company", get(companies_all))
        .route("/contact-service/company/{ids}", get(companies))
        .route("/contact-service/company-search", get(company_search))
}

/// The ids of a GET, ascending, refusing more than [`MAX_IDS_PER_GET`].
fn capped_ids(text: &str, what: &str, service_path: &str) -> Result<Vec<u64>, ApiError> {
    let mut ids = super::params::capped_ids(
        text,
        MAX_IDS_PER_GET,
        what,
        &format!("/contact-service/{service_path}"),
    )?;
    ids.sort_unstable();
    Ok(ids)
}

/// A single id of a path that takes one (PATCH, custom fields, address PUT).
fn single_id(text: &str, what: &str) -> Result<u64, ApiError> {
    text.trim().parse().map_err(|_| {
        ApiError::not_found(format!(
            "Cannot find the resource: {text:?} is not one {what} id; this call takes a single id such as /contact/207"
        ))
    })
}

/// `pagination` beside a contact GET's `response` (recorded).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    more_pages_available: bool,
    results_returned: usize,
    first_result: usize,
    last_result: usize,
}

/// `sorting` beside a contact GET's `response` (recorded).
#[derive(Serialize)]
struct Sorting {
    field: &'static str,
    direction: &'static str,
}

/// `{"response":[…],"pagination":{…},"sorting":[…]}`.
#[derive(Serialize)]
struct ContactPage<'a> {
    response: Vec<&'a Contact>,
    pagination: Pagination,
    sorting: [Sorting; 1],
}

fn contact_page(contacts: Vec<&Contact>, first_result: usize, more: bool) -> Reply {
    let returned = contacts.len();
    Reply::body(
        "get-contact",
        &ContactPage {
            response: contacts,
            pagination: Pagination {
                more_pages_available: more,
                results_returned: returned,
                first_result,
                last_result: first_result + returned - 1,
            },
            sorting: [Sorting {
                field: "contactId",
                direction: "ASC",
            }],
        },
    )
}

fn no_contact_found() -> ApiError {
    ApiError::not_found("No Contact Found")
}

async fn get_contacts(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-contact";
    let ids = capped_ids(&ids, "contact", "contact").tagged(MT)?;
    let account = state.account();
    let found: Vec<&Contact> = ids
        .iter()
        .filter_map(|id| account.contacts.contact(*id))
        .collect();
    if found.is_empty() {
        return Err(no_contact_found().message_type(MT));
    }
    Ok(contact_page(found, 1, false))
}

/// GET `/contact` without ids: every contact, 200 per page (`firstResult`, `pageSize`), in id
/// order with the same siblings (INFERRED).
async fn list_contacts(State(state): State<AppState>, uri: Uri) -> ApiResult {
    const MT: &str = "get-contact";
    let query = query_pairs(uri.query()).map_err(|e| e.message_type(MT))?;
    let mut first_result = 1usize;
    let mut page_size = MAX_IDS_PER_GET;
    for (name, value) in &query {
        let parsed = value.trim().parse::<usize>().ok().filter(|n| *n >= 1);
        match (name.as_str(), parsed) {
            ("firstResult", Some(n)) => first_result = n,
            ("pageSize", Some(n)) => page_size = n.min(MAX_IDS_PER_GET),
            _ => {
                return Err(ApiError::bad_request(
                    "CMNC-400",
                    format!(
                        "{name}={value} is not understood here; GET /contact-service/contact takes firstResult and pageSize (whole numbers from 1), or use contact-search to filter"
                    ),
                )
                .message_type(MT));
            }
        }
    }
    let account = state.account();
    let all = &account.contacts.contacts;
    let page: Vec<&Contact> = (all.values())
        .skip(first_result - 1)
        .take(page_size)
        .map(|r| &r.contact)
        .collect();
    if page.is_empty() {
        return Err(no_contact_found().message_type(MT));
    }
    let more = first_result - 1 + page.len() < all.len();
    Ok(contact_page(page, first_result, more))
}

async fn options_all(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    let ids = account.contacts.contacts.keys().copied();
    Ok(Reply::ok(
        "options-contact",
        get_uris(ids, MAX_IDS_PER_GET, "contact"),
    ))
}

async fn options_contacts(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "options-contact";
    let set = parse_ids(&ids, "contact").tagged(MT)?;
    let account = state.account();
    let existing =
        (set.ids().iter().copied()).filter(|id| account.contacts.contacts.contains_key(id));
    Ok(Reply::ok(
        MT,
        get_uris(existing, MAX_IDS_PER_GET, "contact"),
    ))
}

async fn post_contact(State(state): State<AppState>, body: Bytes) -> ApiResult {
    const MT: &str = "post-contact";
    let body = json_body(&body).tagged(MT)?;
    let id = contacts::create_contact(&mut state.account(), &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, id))
}

async fn patch_contact(
    State(state): State<AppState>,
    Path(ids): Path<String>,
    body: Bytes,
) -> ApiResult {
    const MT: &str = "patch-contact";
    let id = single_id(&ids, "contact").tagged(MT)?;
    let ops = parse_patch(&body).tagged(MT)?;
    let mut account = state.account();
    contacts::patch_contact(&mut account, id, &ops).tagged(MT)?;
    state.touch();
    let contact = account.contacts.contact(id).ok_or_else(|| no_contact(id));
    Ok(Reply::ok(MT, contact.tagged(MT)?))
}

async fn get_custom_fields(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-custom-fields";
    let id = single_id(&ids, "contact").tagged(MT)?;
    let account = state.account();
    let record = account.contacts.contacts.get(&id);
    let record = record.ok_or_else(|| no_contact(id)).tagged(MT)?;
    Ok(Reply::ok(MT, &record.custom_fields))
}

async fn patch_custom_fields(
    State(state): State<AppState>,
    Path(ids): Path<String>,
    body: Bytes,
) -> ApiResult {
    const MT: &str = "patch-custom-fields";
    let id = single_id(&ids, "contact").tagged(MT)?;
    let ops = parse_patch(&body).tagged(MT)?;
    let values = contacts::patch_custom_fields(&mut state.account(), id, &ops).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, values))
}

async fn put_contact_addresses(
    State(state): State<AppState>,
    Path(ids): Path<String>,
    body: Bytes,
) -> ApiResult {
    const MT: &str = "put-contact-postal-address";
    let id = single_id(&ids, "contact").tagged(MT)?;
    let body = json_body(&body).tagged(MT)?;
    contacts::set_contact_addresses(&mut state.account(), id, &body).tagged(MT)?;
    state.touch();
    Ok(Reply::empty(MT))
}

/// POST / DELETE `/contact/{ids}/tag/{tagId}`: tags or untags contacts → `{}` (INFERRED).
async fn add_tag(
    State(state): State<AppState>,
    Path((ids, tag)): Path<(String, String)>,
) -> ApiResult {
    tag_contacts(state, &ids, &tag, true, "post-contact-tag")
}

async fn remove_tag(
    State(state): State<AppState>,
    Path((ids, tag)): Path<(String, String)>,
) -> ApiResult {
    tag_contacts(state, &ids, &tag, false, "delete-contact-tag")
}

fn tag_contacts(state: AppState, ids: &str, tag: &str, add: bool, mt: &'static str) -> ApiResult {
    let set = parse_ids(ids, "contact").tagged(mt)?;
    let tag = single_id(tag, "tag").tagged(mt)?;
    let mut account = state.account();
    contacts::tag_contacts(&mut account, set.ids(), tag, add).tagged(mt)?;
    state.touch();
    Ok(Reply::empty(mt))
}

async fn post_address(State(state): State<AppState>, body: Bytes) -> ApiResult {
    const MT: &str = "post-postal-address";
    let body = json_body(&body).tagged(MT)?;
    let id = contacts::create_postal_address(&mut state.account(), &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, id))
}

async fn addresses_need_ids() -> ApiResult {
    Err(ApiError::bad_request(
        "CMNC-400",
        "A postal-address GET needs an id set: GET /contact-service/postal-address/{idset}; a contact's ids are in its postAddressIds",
    )
    .message_type("get-postal-address"))
}

async fn get_addresses(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-postal-address";
    let ids = capped_ids(&ids, "postal address", "postal-address").tagged(MT)?;
    let account = state.account();
    let found: Vec<_> = (ids.iter())
        .filter_map(|id| account.contacts.addresses.get(id))
        .collect();
    if found.is_empty() {
        return Err(ApiError::not_found("No Postal Address Found").message_type(MT));
    }
    Ok(Reply::ok(MT, found))
}

fn no_reference(_: &str, _: &Cell<'_>) -> Option<Json> {
    None
}

async fn contact_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    let query = query_pairs(uri.query())?;
    let account = state.account();
    let offset = account.settings.offset_minutes;
    let rows = account.contacts.search_rows();
    search_reply(search::run(
        &CONTACT_SEARCH,
        rows,
        &query,
        offset,
        &no_reference,
    ))
}

async fn company_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    let query = query_pairs(uri.query())?;
    let account = state.account();
    let rows = account.contacts.companies.values().map(|c| Row {
        cells: vec![c.id.into(), Cell::text(c.name.clone())],
    });
    let offset = account.settings.offset_minutes;
    search_reply(search::run(
        &COMPANY_SEARCH,
        rows,
        &query,
        offset,
        &no_reference,
    ))
}

async fn group_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    let query = query_pairs(uri.query())?;
    let account = state.account();
    let rows = account.contacts.group_rows();
    let offset = account.settings.offset_minutes;
    search_reply(search::run(
        &CONTACT_GROUP_SEARCH,
        rows,
        &query,
        offset,
        &no_reference,
    ))
}

async fn group_member_search(State(state): State<AppState>, uri: Uri) -> ApiResult {
    let query = query_pairs(uri.query())?;
    let account = state.account();
    let rows = account.contacts.member_rows();
    let offset = account.settings.offset_minutes;
    search_reply(search::run(
        &CONTACT_GROUP_MEMBER_SEARCH,
        rows,
        &query,
        offset,
        &no_reference,
    ))
}

/// The records of `map` named by `ids` (all of them without), in id order; an id set naming
/// none is 404 `No {what} Found` (INFERRED, after the contact GET).
fn pick<'a, T>(
    map: &'a BTreeMap<u64, T>,
    ids: Option<&str>,
    what: &str,
) -> Result<Vec<&'a T>, ApiError> {
    let Some(ids) = ids else {
        return Ok(map.values().collect());
    };
    let set = parse_ids(ids, &what.to_lowercase())?;
    let mut wanted = set.ids().to_vec();
    wanted.sort_unstable();
    let found: Vec<&T> = wanted.iter().filter_map(|id| map.get(id)).collect();
    if found.is_empty() {
        return Err(ApiError::not_found(format!("No {what} Found")));
    }
    Ok(found)
}

fn meta(state: &AppState, kind: CustomFieldKind, ids: Option<&str>) -> ApiResult {
    const MT: &str = "get-custom-fields-metadata";
    let account = state.account();
    let fields = pick(account.contacts.custom_fields(kind), ids, "Custom Field").tagged(MT)?;
    Ok(Reply::ok(MT, fields))
}

async fn customer_meta_all(State(state): State<AppState>) -> ApiResult {
    meta(&state, CustomFieldKind::Customer, None)
}

async fn customer_meta(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    meta(&state, CustomFieldKind::Customer, Some(&ids))
}

async fn supplier_meta_all(State(state): State<AppState>) -> ApiResult {
    meta(&state, CustomFieldKind::Supplier, None)
}

async fn supplier_meta(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    meta(&state, CustomFieldKind::Supplier, Some(&ids))
}

/// Tags answer as a map keyed by tag id (hand-written recording, reference §7.7).
fn tag_map(state: &AppState, ids: Option<&str>) -> ApiResult {
    const MT: &str = "get-tag";
    let account = state.account();
    let tags = pick(&account.contacts.tags, ids, "Tag").tagged(MT)?;
    let mut map = Map::new();
    for tag in tags {
        let value = serde_json::to_value(tag).unwrap_or(Json::Null);
        map.insert(tag.tag_id.to_string(), value);
    }
    Ok(Reply::ok(MT, map))
}

async fn tags_all(State(state): State<AppState>) -> ApiResult {
    tag_map(&state, None)
}

async fn tags(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    tag_map(&state, Some(&ids))
}

/// POST `/tag` `{"tagName":"VIP","tagColor":"#ff0000","tagParentId":0}` → the tag id
/// (INFERRED body, from the GET shape).
async fn post_tag(State(state): State<AppState>, body: Bytes) -> ApiResult {
    const MT: &str = "post-tag";
    let body = json_body(&body).tagged(MT)?;
    let mut account = state.account();
    let id = contacts::create_tag_from(&mut account, &body).tagged(MT)?;
    state.touch();
    Ok(Reply::ok(MT, id))
}

async fn groups_all(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    Ok(Reply::ok(
        "get-contact-group",
        pick(&account.contacts.groups, None, "Contact Group")?,
    ))
}

async fn groups(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-contact-group";
    let account = state.account();
    let found = pick(&account.contacts.groups, Some(&ids), "Contact Group").tagged(MT)?;
    Ok(Reply::ok(MT, found))
}

async fn lead_sources_all(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    let all = pick(&account.contacts.lead_sources, None, "Lead Source")?;
    Ok(Reply::ok("get-lead-source", all))
}

async fn lead_sources(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-lead-source";
    let account = state.account();
    let found = pick(&account.contacts.lead_sources, Some(&ids), "Lead Source").tagged(MT)?;
    Ok(Reply::ok(MT, found))
}

async fn companies_all(State(state): State<AppState>) -> ApiResult {
    let account = state.account();
    Ok(Reply::ok(
        "get-company",
        pick(&account.contacts.companies, None, "Company")?,
    ))
}

async fn companies(State(state): State<AppState>, Path(ids): Path<String>) -> ApiResult {
    const MT: &str = "get-company";
    let account = state.account();
    let found = pick(&account.contacts.companies, Some(&ids), "Company").tagged(MT)?;
    Ok(Reply::ok(MT, found))
}
