//! Writing Brightpearl sales orders, sales credits, customer payments and journals for the
//! flows (write fields, markers and costs: the adapter's module documentation).
//!
//! Every create is idempotent by a reference Brightpearl keeps and can search: the order's
//! `externalRef`, the payment's `transactionRef`, the journal's `journalRef` (each the write's
//! marker unless the flow maps its own). Before creating, the batch's references are looked up
//! (one search per batch where an id-set column narrows it, else one per reference, a few at a
//! time); what is found is answered instead of being created again. The creates left go out
//! up to ten per `multi-message` request (one request against the rate limit).

mod fields;
mod journals;
mod payments;
mod sales;

use super::lookups::Lookups;
use super::{Object, call_error, invalid_field};
use crate::flows::adapters::{AdapterError, AdapterResult, Row, Write};
use ferry_brightpearl::Client;
use ferry_brightpearl::search::Search;
use ferry_http::Method;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Searches (or single creates) of one batch in flight at once.
const IN_FLIGHT: usize = 4;
/// Most creates one multi-message carries.
const PER_MULTI_MESSAGE: usize = 10;
/// How long the account's lists (order statuses, tax codes, payment methods, currencies) are
/// trusted: a status or method added in Brightpearl is seen after at most this long.
const KEEP_LISTS_FOR: Duration = Duration::from_secs(300);

/// Finds records of an order-side object by field values (see the module docs of
/// `flows::brightpearl` for the supported keys).
pub(super) async fn find(
    client: &Client,
    lookups: &Lookups,
    object: Object,
    by: &[String],
    values: &[Vec<Value>],
) -> AdapterResult<Vec<Row>> {
    let rows = match object {
        Object::SalesOrder | Object::SalesCredit => sales::find(client, object, by, values).await?,
        Object::CustomerPayment => payments::find(client, by, values).await?,
        Object::Journal => journals::find(client, by, values).await?,
        _ => {
            return Err(AdapterError::permanent(
                "BP_UNSUPPORTED",
                format!(
                    "Brightpearl {} records cannot be found by field values",
                    object.name()
                ),
            ));
        }
    };
    with_reads(client, lookups, object, rows).await
}

/// Writes a batch of an order-side object; one result per write, in order. `fresh[i]`: no
/// earlier attempt to create write `i` was recorded, so its marker needs no lookup (see
/// `Target::write_fresh`); missing entries count as not fresh.
pub(super) async fn write(
    client: &Client,
    _lookups: &Lookups,
    object: Object,
    writes: &[Write],
    fresh: &[bool],
) -> Vec<AdapterResult<String>> {
    match object {
        Object::SalesOrder | Object::SalesCredit => {
            sales::write(client, object, writes, fresh).await
        }
        Object::CustomerPayment => payments::write(client, writes).await,
        Object::Journal => journals::write(client, writes, fresh).await,
        _ => writes
            .iter()
            .map(|_| {
                Err(AdapterError::permanent(
                    "BP_UNKNOWN_OBJECT",
                    format!(
                        "Brightpearl {} records are not written by Ferry; use one of \
                         sales-order, sales-credit, customer-payment, journal",
                        object.name()
                    ),
                ))
            })
            .collect(),
    }
}

/// The found rows as the adapter reads them (`Target::read`'s shape), so that a find and a
/// read of the same record compare alike; while the reads of `object` are not available the
/// search rows themselves are answered (they carry the id and the searched columns).
async fn with_reads(
    client: &Client,
    lookups: &Lookups,
    object: Object,
    rows: Vec<Row>,
) -> AdapterResult<Vec<Row>> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let ids = rows
        .iter()
        .filter_map(|r| r.id.parse::<u64>().ok())
        .collect();
    match super::read_rows(client, lookups, object, &ids).await {
        Ok(read) => Ok(read),
        Err(e) if e.code == "BP_UNSUPPORTED" => Ok(rows),
        Err(e) => Err(e),
    }
}

/// The text Brightpearl keeps for an idempotency reference: `text` when it fits in `max`
/// characters, else `F-` and the first `max - 2` hex digits of its SHA-256 (stable, so a retry
/// looks up what the first attempt stored).
pub(super) fn stored_ref(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    format!("F-{}", &digest[..max.saturating_sub(2).min(digest.len())])
}

/// The record a write names, for messages.
pub(super) fn describe(object: &str, write: &Write) -> String {
    match (&write.id, &write.marker) {
        (Some(id), _) => format!("{object} {id}"),
        (None, Some(marker)) => format!("the new {object} with marker {marker:?}"),
        (None, None) => format!("a new {object}"),
    }
}

/// A write's id as a Brightpearl id.
pub(super) fn write_id(id: &str, what: &str) -> AdapterResult<u64> {
    id.trim().parse().map_err(|_| {
        AdapterError::permanent(
            "BP_BAD_ID",
            format!(
                "{what}: {id:?} is not a Brightpearl id (a number); repair the cross-reference"
            ),
        )
    })
}

/// A search's rows (every page) with these filters and columns.
pub(super) async fn search_rows(
    client: &Client,
    path: &str,
    filters: &[(&str, String)],
    columns: &[&str],
    what: &str,
) -> AdapterResult<Vec<Map<String, Value>>> {
    let mut search = Search::new(client, path).columns(columns);
    for (column, value) in filters {
        search = search.filter(column, value);
    }
    search
        .rows()
        .try_collect()
        .await
        .map_err(|e| call_error(e, what))
}

/// The rows of one search per value, a few at a time, all together.
pub(super) async fn search_each(
    client: &Client,
    path: &str,
    searches: Vec<Vec<(&str, String)>>,
    columns: &[&str],
    what: &str,
) -> AdapterResult<Vec<Map<String, Value>>> {
    let pending: Vec<_> = searches
        .iter()
        .map(|filters| search_rows(client, path, filters, columns, what))
        .collect();
    let pages: Vec<AdapterResult<Vec<Map<String, Value>>>> = futures_util::stream::iter(pending)
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    let mut all = Vec::new();
    for page in pages {
        all.extend(page?);
    }
    Ok(all)
}

/// A search cell as an id.
pub(super) fn cell_id(row: &Map<String, Value>, column: &str) -> Option<u64> {
    match row.get(column)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A search cell as text.
pub(super) fn cell_text(row: &Map<String, Value>, column: &str) -> Option<String> {
    match row.get(column)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Search rows as found rows, one per id (the first row of an id wins), in id order.
pub(super) fn rows_by_id(rows: Vec<Map<String, Value>>, id_column: &str) -> Vec<Row> {
    let mut by_id: std::collections::BTreeMap<u64, Map<String, Value>> = Default::default();
    for row in rows {
        if let Some(id) = cell_id(&row, id_column) {
            by_id.entry(id).or_insert(row);
        }
    }
    by_id
        .into_iter()
        .map(|(id, cells)| search_row(id, cells))
        .collect()
}

/// A row built from a search answer: the id and the cells.
pub(super) fn search_row(id: u64, cells: Map<String, Value>) -> Row {
    Row {
        id: id.to_string(),
        modified_at: None,
        version: None,
        changed_by_ferry: None,
        data: Value::Object(cells),
    }
}

/// The text of the single value of a find tuple, or `None` for an empty value.
pub(super) fn find_value(tuple: &[Value]) -> Option<String> {
    match tuple.first()? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Refuses find keys other than `supported` (each a one-field key).
pub(super) fn check_find_key<'a>(
    object: &str,
    by: &[String],
    supported: &[&'a str],
) -> AdapterResult<&'a str> {
    if let [key] = by
        && let Some(found) = supported.iter().find(|s| s.eq_ignore_ascii_case(key))
    {
        return Ok(found);
    }
    Err(invalid_field(
        &format!("a Brightpearl {object} lookup"),
        &by.join(","),
        format!(
            "{object} records are found by {}; change the target's match keys",
            supported
                .iter()
                .map(|s| format!("[\"{s}\"]"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    ))
}

/// Sends creates (`(path, body, what)`): one alone as a single POST, more in multi-messages
/// of up to ten. One result per create, in order: the new id, or the refusal of that create.
pub(super) async fn create_all(
    client: &Client,
    creates: Vec<(&'static str, Value, String)>,
) -> Vec<AdapterResult<u64>> {
    let chunks: Vec<Vec<(&'static str, Value, String)>> = creates
        .chunks(PER_MULTI_MESSAGE)
        .map(<[_]>::to_vec)
        .collect();
    let pending: Vec<_> = chunks
        .into_iter()
        .map(|chunk| create_chunk(client, chunk))
        .collect();
    let done: Vec<Vec<AdapterResult<u64>>> = futures_util::stream::iter(pending)
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    done.into_iter().flatten().collect()
}

async fn create_chunk(
    client: &Client,
    chunk: Vec<(&'static str, Value, String)>,
) -> Vec<AdapterResult<u64>> {
    if let [(path, body, what)] = chunk.as_slice() {
        return vec![
            client
                .create_at(path, body)
                .await
                .map_err(|e| call_error(e, what)),
        ];
    }
    let messages: Vec<(Method, String, Value)> = chunk
        .iter()
        .map(|(path, body, _)| (Method::POST, (*path).to_owned(), body.clone()))
        .collect();
    match client.multi_message(&messages).await {
        Ok(answers) => answers
            .into_iter()
            .zip(&chunk)
            .map(|(answer, (path, _, what))| match answer {
                Ok(Some(Value::Number(n))) if n.as_u64().is_some() => {
                    Ok(n.as_u64().unwrap_or_default())
                }
                Ok(other) => Err(AdapterError::transient(
                    "BAD_RESPONSE",
                    format!(
                        "Brightpearl, {what}: POST {path} answered {} instead of the new id; \
                         the record may exist, so the retry looks it up first",
                        other.map_or("nothing".to_owned(), |v| v.to_string())
                    ),
                )),
                Err(e) => Err(call_error(e, what)),
            })
            .collect(),
        Err(e) => {
            let error = call_error(e, "a batch of creates (multi-message)");
            chunk
                .iter()
                .map(|(_, _, what)| {
                    Err(AdapterError {
                        message: format!("{what}: {}", error.message),
                        ..error.clone()
                    })
                })
                .collect()
        }
    }
}

/// The cache of the account's lists, shared by every adapter of the process and keyed by the
/// account's URL and the list's name.
type ListCache = Mutex<HashMap<(String, &'static str), (Instant, Arc<dyn Any + Send + Sync>)>>;

fn list_cache() -> &'static ListCache {
    static CACHE: OnceLock<ListCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// One of the account's lists, fetched when missing or older than [`KEEP_LISTS_FOR`].
pub(super) async fn cached_list<T, F>(
    client: &Client,
    name: &'static str,
    fetch: impl FnOnce() -> F,
) -> AdapterResult<Arc<Vec<T>>>
where
    T: Send + Sync + 'static,
    F: Future<Output = Result<Vec<T>, ferry_http::Error>>,
{
    let key = (client.url(""), name);
    if let Ok(cache) = list_cache().lock()
        && let Some((at, list)) = cache.get(&key)
        && at.elapsed() < KEEP_LISTS_FOR
        && let Ok(list) = list.clone().downcast::<Vec<T>>()
    {
        return Ok(list);
    }
    let list = Arc::new(
        fetch()
            .await
            .map_err(|e| call_error(e, &format!("the {name} list")))?,
    );
    if let Ok(mut cache) = list_cache().lock() {
        cache.insert(key, (Instant::now(), list.clone()));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_references_become_stable_hashes_of_the_limit() {
        assert_eq!(stored_ref("ferry:order:006abc", 32), "ferry:order:006abc");
        let long = stored_ref(&"x".repeat(80), 32);
        assert_eq!(long.len(), 32);
        assert!(long.starts_with("F-"));
        assert_eq!(long, stored_ref(&"x".repeat(80), 32));
        assert_eq!(stored_ref(&"x".repeat(80), 64).len(), 64);
        assert_ne!(stored_ref(&"y".repeat(80), 32), long);
    }

    #[test]
    fn find_keys_are_checked() {
        let by = vec!["ExternalRef".to_owned()];
        assert_eq!(
            check_find_key("sales-order", &by, &["externalRef", "reference"]).ok(),
            Some("externalRef")
        );
        let err = check_find_key("journal", &["x".to_owned()], &["journalRef"]).err();
        assert!(err.is_some_and(
            |e| e.code == "BP_INVALID_FIELD" && e.message.contains("[\"journalRef\"]")
        ));
    }
}
