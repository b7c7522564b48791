//! Reading records: by id, in id order, by change time, and by field values (key lookups and
//! duplicate detection). Every query is built with the client's SOQL builder; no value is ever
//! formatted into SOQL here.

use crate::flows::adapters::{AdapterError, AdapterResult, Row};
use ferry_core::Timestamp;
use ferry_salesforce::Client;
use ferry_salesforce::model::Record;
use ferry_salesforce::query::Query as Pages;
use ferry_salesforce::soql::{Cond, Ident, LengthLimit, Order, Query, Soql, SoqlError, Value};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};
use std::collections::HashSet;
use std::str::FromStr;

/// The fields every row carries whatever the mapping reads: the id, the change time (versions,
/// ownership, polling) and who changed it (echo detection).
const ALWAYS: [&str; 3] = ["Id", "SystemModstamp", "LastModifiedById"];

/// Most `(a AND b)` groups in one `OR` query. Salesforce documents no count, but very wide
/// filters are refused as too complicated long before the length limit on some objects.
const MAX_OR_GROUPS: usize = 200;

/// Reads records of any object of one org.
#[derive(Debug, Clone)]
pub(super) struct Reader {
    client: Client,
    /// The integration user's id, to tell Ferry's own changes in `changed_by_ferry`.
    integration_user: Option<String>,
}

impl Reader {
    pub(super) fn new(client: Client) -> Self {
        Self {
            client,
            integration_user: None,
        }
    }

    pub(super) fn set_integration_user(&mut self, user_id: Option<String>) {
        self.integration_user = user_id.filter(|id| !id.trim().is_empty());
    }

    /// The current records of `object` with these ids. Text that cannot be a Salesforce id
    /// names no record, so it is left out (the record reads as absent) instead of failing
    /// the whole batch.
    pub(super) async fn read(
        &self,
        object: &str,
        ids: &[String],
        fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        let mut seen = HashSet::new();
        let mut values = Vec::new();
        for id in ids {
            match Value::id(id) {
                Ok(value) => {
                    if seen.insert(id.as_str()) {
                        values.push(value);
                    }
                }
                Err(error) => {
                    tracing::warn!(object, id = %id, %error, "not a Salesforce id: read as absent");
                }
            }
        }
        let base = Soql::select(selection(object, fields)?).from(object);
        let queries = base
            .in_chunks("Id", values, LengthLimit::get())
            .map_err(|e| query_error(object, e))?;
        let mut rows = Vec::new();
        for query in &queries {
            rows.extend(self.rows(query).await?);
        }
        Ok(rows)
    }

    /// One page of `object` in ascending id order, after `after`.
    pub(super) async fn scan(
        &self,
        object: &str,
        after: Option<&str>,
        limit: usize,
        fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut soql = Soql::select(selection(object, fields)?).from(object);
        if let Some(after) = after {
            let after = Value::id(after).map_err(|e| {
                AdapterError::permanent(
                    "SF_INVALID_ID",
                    format!(
                        "cannot scan {object} after {after:?}: {e}. Restart the scan from the \
                         beginning"
                    ),
                )
            })?;
            soql = soql.filter(Cond::gt("Id", after));
        }
        let query = soql
            .order_by("Id", Order::Asc)
            .limit(u32::try_from(limit).unwrap_or(u32::MAX))
            .build()
            .map_err(|e| query_error(object, e))?;
        self.rows(&query).await
    }

    /// Ids changed at or after `since`, oldest first, read page by page.
    pub(super) async fn changed_since(
        &self,
        object: &str,
        since: Timestamp,
    ) -> AdapterResult<Vec<(String, Timestamp)>> {
        // SOQL datetimes carry whole seconds: the literal is `since` floored, and the rows of
        // that second before `since` are dropped below.
        let from = Value::datetime(since.to_datetime()).map_err(|e| query_error(object, e))?;
        let query = Soql::select(["Id", "SystemModstamp"])
            .from(object)
            .filter(Cond::ge("SystemModstamp", from))
            .order_by("SystemModstamp", Order::Asc)
            .order_by("Id", Order::Asc)
            .build()
            .map_err(|e| query_error(object, e))?;
        let mut pages = Pages::new(&self.client, &query);
        let mut changed = Vec::new();
        while let Some(page) = pages.next_page().await? {
            for record in page {
                let id = record_id(object, &record)?;
                let at = record
                    .datetime("SystemModstamp")
                    .map(Timestamp::from_datetime)
                    .ok_or_else(|| bad_answer(object, &id, "no readable SystemModstamp"))?;
                if at >= since {
                    changed.push((id, at));
                }
            }
        }
        Ok(changed)
    }

    /// Records of `object` whose `by` fields equal one of the `values` tuples.
    ///
    /// A tuple with an empty component (`null`, `""`) matches nothing: Salesforce stores empty
    /// text as null, and "every contact without an e-mail" is never a duplicate of anything.
    pub(super) async fn find(
        &self,
        object: &str,
        by: &[String],
        values: &[Vec<Json>],
        fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        if by.is_empty() {
            return Err(AdapterError::permanent(
                "SF_INVALID_LOOKUP",
                format!(
                    "a lookup of {object} names no field to compare; give the flow's `match` \
                     (or key) at least one field"
                ),
            ));
        }
        for field in by {
            Ident::field(field).map_err(|e| {
                AdapterError::permanent(
                    "SF_INVALID_FIELD",
                    format!("cannot look up {object} by {field:?}: {e}"),
                )
            })?;
        }
        let tuples = lookup_tuples(object, by, values)?;
        if tuples.is_empty() {
            return Ok(Vec::new());
        }
        let base = Soql::select(selection(object, fields)?).from(object);
        let queries = match by {
            [field] => base.in_chunks(field, tuples.into_iter().flatten(), LengthLimit::get()),
            _ => or_chunks(&base, by, tuples, LengthLimit::get()),
        }
        .map_err(|e| query_error(object, e))?;
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for query in &queries {
            for row in self.rows(query).await? {
                // Text compares ignoring case, so two tuples of one batch can find the same
                // record in two chunks.
                if seen.insert(row.id.clone()) {
                    rows.push(row);
                }
            }
        }
        Ok(rows)
    }

    /// `{"pricebooks": {Name: Id}, "standard_pricebook": Id}` (null when the org has none).
    pub(super) async fn price_books(&self) -> AdapterResult<Json> {
        let query = Soql::select(["Id", "Name", "IsStandard"])
            .from("Pricebook2")
            .order_by("Name", Order::Asc)
            .order_by("Id", Order::Asc)
            .build()
            .map_err(|e| query_error("Pricebook2", e))?;
        let mut pages = Pages::new(&self.client, &query);
        let mut books = Map::new();
        let mut standard = Json::Null;
        while let Some(page) = pages.next_page().await? {
            for record in page {
                let id = record_id("Pricebook2", &record)?;
                if record.get("IsStandard").and_then(Json::as_bool) == Some(true) {
                    standard = Json::String(id.clone());
                }
                match record.text("Name") {
                    Some(name) if !books.contains_key(name) => {
                        books.insert(name.to_owned(), Json::String(id));
                    }
                    Some(name) => tracing::warn!(
                        name,
                        id,
                        "two price books share a name; flows see the first by id"
                    ),
                    None => {}
                }
            }
        }
        let mut reference = Map::new();
        reference.insert("pricebooks".into(), Json::Object(books));
        reference.insert("standard_pricebook".into(), standard);
        Ok(Json::Object(reference))
    }

    /// Every page of `query` as rows.
    async fn rows(&self, query: &Query) -> AdapterResult<Vec<Row>> {
        let mut pages = Pages::new(&self.client, query);
        let mut rows = Vec::new();
        while let Some(page) = pages.next_page().await? {
            for record in page {
                rows.push(self.row(record)?);
            }
        }
        Ok(rows)
    }

    fn row(&self, record: Record) -> AdapterResult<Row> {
        let object = record.object_type().unwrap_or("record").to_owned();
        let id = record_id(&object, &record)?;
        let version = record.text("SystemModstamp").map(str::to_owned);
        let modified_at = record
            .datetime("SystemModstamp")
            .map(Timestamp::from_datetime);
        let changed_by_ferry = match (&self.integration_user, record.text("LastModifiedById")) {
            (Some(user), Some(by)) => Some(same_id(user, by)),
            _ => None,
        };
        let mut data = Json::Object(record.fields);
        strip_attributes(&mut data);
        Ok(Row {
            id,
            modified_at,
            version,
            changed_by_ferry,
            data,
        })
    }
}

/// `Id`, `SystemModstamp`, `LastModifiedById` and the mapping's paths, each validated.
///
/// Expressions name methods on values too (`source.Email.lower()` reads as the path
/// `Email.lower`), so a path is cut before its first part that cannot be a Salesforce name
/// or that looks like a method: lower-case first letter and no `__` (Salesforce answers
/// relationship and field names in their canonical, capitalised casing; namespaced ones carry
/// `__`). A path whose first part is not a name at all is refused.
fn selection(object: &str, fields: &[String]) -> AdapterResult<Vec<String>> {
    let mut selected: Vec<String> = ALWAYS.iter().map(|f| (*f).to_owned()).collect();
    for path in fields.iter().filter(|p| !p.is_empty()) {
        let valid: Vec<&str> = path
            .split('.')
            .enumerate()
            .take_while(|(i, part)| Ident::field(part).is_ok() && (*i == 0 || !is_method(part)))
            .map(|(_, part)| part)
            .collect();
        if valid.is_empty() {
            let reason = Ident::field(path)
                .err()
                .map_or_else(String::new, |e| e.to_string());
            return Err(AdapterError::permanent(
                "SF_INVALID_FIELD",
                format!(
                    "the flow reads `source.{path}` from {object}, which Salesforce cannot \
                     select: {reason}. Fix the field's name in the flow's mapping"
                ),
            ));
        }
        let field = valid.join(".");
        if Ident::field(&field).is_err() {
            return Err(AdapterError::permanent(
                "SF_INVALID_FIELD",
                format!(
                    "the flow reads `source.{path}` from {object}, which goes through more \
                     relationships than SOQL allows (five); shorten the path"
                ),
            ));
        }
        if !selected.iter().any(|s| s.eq_ignore_ascii_case(&field)) {
            selected.push(field);
        }
    }
    Ok(selected)
}

/// True for a path part that reads like a method of the expression language (`lower`,
/// `startswith`) rather than a Salesforce name.
fn is_method(part: &str) -> bool {
    part.starts_with(|c: char| c.is_ascii_lowercase()) && !part.contains("__")
}

/// The lookup's tuples as SOQL values: checked for shape, empty ones dropped, repeats
/// removed.
fn lookup_tuples(
    object: &str,
    by: &[String],
    values: &[Vec<Json>],
) -> AdapterResult<Vec<Vec<Value>>> {
    let mut tuples = Vec::new();
    let mut seen = HashSet::new();
    'tuples: for tuple in values {
        if tuple.len() != by.len() {
            return Err(AdapterError::permanent(
                "SF_INVALID_LOOKUP",
                format!(
                    "a lookup of {object} by {} got {} value(s) instead of {}: {}",
                    by.join(", "),
                    tuple.len(),
                    by.len(),
                    Json::Array(tuple.clone())
                ),
            ));
        }
        let mut converted = Vec::with_capacity(tuple.len());
        for (field, value) in by.iter().zip(tuple) {
            match soql_value(value) {
                Some(Ok(value)) => converted.push(value),
                Some(Err(kind)) => {
                    return Err(AdapterError::permanent(
                        "SF_INVALID_LOOKUP",
                        format!(
                            "cannot look up {object} by {field} = {value}: {kind} cannot be \
                             compared in SOQL; map the key to text, a number or a boolean"
                        ),
                    ));
                }
                None => continue 'tuples,
            }
        }
        let key: Vec<String> = converted.iter().map(ToString::to_string).collect();
        if seen.insert(key) {
            tuples.push(converted);
        }
    }
    Ok(tuples)
}

/// A JSON value as a SOQL value; `None` for an empty one, `Err` (the JSON kind) for one that
/// has no SOQL form.
fn soql_value(value: &Json) -> Option<Result<Value, &'static str>> {
    match value {
        Json::Null => None,
        Json::String(text) if text.trim().is_empty() => None,
        Json::String(text) => Some(Ok(Value::text(text.clone()))),
        Json::Bool(b) => Some(Ok(Value::bool(*b))),
        Json::Number(n) => Some(match n.as_i64() {
            Some(n) => Ok(Value::int(n)),
            None => {
                let text = n.to_string();
                Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .map(Value::decimal)
                    .map_err(|_| "a number this large")
            }
        }),
        Json::Array(_) => Some(Err("a list")),
        Json::Object(_) => Some(Err("an object")),
    }
}

/// Queries for `(by₁ = v₁ AND by₂ = v₂) OR (...)` over every tuple, each under `limit`.
fn or_chunks(
    base: &Soql,
    by: &[String],
    tuples: Vec<Vec<Value>>,
    limit: LengthLimit,
) -> Result<Vec<Query>, SoqlError> {
    let group = |tuple: &[Value]| {
        Cond::all(
            by.iter()
                .zip(tuple)
                .map(|(field, value)| Cond::eq(field, value.clone())),
        )
    };
    // Rendering is additive: a query's length is the bare query's, " WHERE ", each group in
    // parentheses and " OR " between them. A group's own text is read off a query holding it
    // alone.
    let bare = base.build()?;
    let skeleton = bare.as_str().len() + " WHERE ".len();
    let base_length = limit.measure(bare.as_str()) + limit.measure(" WHERE ");
    let wrap = limit.measure("()");
    let separator = limit.measure(" OR ");
    let mut queries = Vec::new();
    let mut chunk: Vec<Cond> = Vec::new();
    let mut length = base_length;
    for tuple in &tuples {
        let cond = group(tuple);
        let alone = base.clone().filter(cond.clone()).build()?;
        let own = limit.measure(alone.as_str().get(skeleton..).unwrap_or_default()) + wrap;
        if base_length + own > limit.max() {
            return Err(SoqlError::TooLong {
                length: base_length + own,
                max: limit.max(),
            });
        }
        let extra = if chunk.is_empty() {
            own
        } else {
            own + separator
        };
        if !chunk.is_empty() && (length + extra > limit.max() || chunk.len() >= MAX_OR_GROUPS) {
            queries.push(finish(base, std::mem::take(&mut chunk), limit)?);
            length = base_length + own;
        } else {
            length += extra;
        }
        chunk.push(cond);
    }
    if !chunk.is_empty() {
        queries.push(finish(base, chunk, limit)?);
    }
    Ok(queries)
}

/// One OR query, checked against `limit`.
fn finish(base: &Soql, groups: Vec<Cond>, limit: LengthLimit) -> Result<Query, SoqlError> {
    let query = base.clone().filter(Cond::any(groups)).build()?;
    let length = limit.measure(query.as_str());
    if length > limit.max() {
        return Err(SoqlError::TooLong {
            length,
            max: limit.max(),
        });
    }
    Ok(query)
}

/// Removes `attributes` (type and URL) from a record and every record nested in it.
fn strip_attributes(value: &mut Json) {
    match value {
        Json::Object(map) => {
            if map.get("attributes").is_some_and(Json::is_object) {
                map.remove("attributes");
            }
            map.values_mut().for_each(strip_attributes);
        }
        Json::Array(items) => items.iter_mut().for_each(strip_attributes),
        _ => {}
    }
}

/// Salesforce ids compare on their first 15 characters (case-sensitive); the 18-character
/// form only adds a checksum.
fn same_id(a: &str, b: &str) -> bool {
    match (a.get(..15), b.get(..15)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

fn record_id(object: &str, record: &Record) -> AdapterResult<String> {
    record
        .id()
        .map(str::to_owned)
        .ok_or_else(|| bad_answer(object, "?", "no Id"))
}

fn bad_answer(object: &str, id: &str, what: &str) -> AdapterError {
    AdapterError::transient(
        "SF_BAD_RESPONSE",
        format!(
            "Salesforce answered a query on {object} with a record ({id}) that has {what}; \
             Ferry reads it again later. If this repeats, check the integration user's \
             field-level security on {object}"
        ),
    )
}

fn query_error(object: &str, error: SoqlError) -> AdapterError {
    AdapterError::permanent(
        "SF_INVALID_QUERY",
        format!("the query on {object} was refused before it was sent: {error}"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn selection_keeps_the_fixed_fields_once_and_cuts_method_calls() {
        let fields = [
            "Email".to_owned(),
            "id".to_owned(),
            "Account.Name".to_owned(),
            "Email.lower".to_owned(),
            "Account.npsp__Tier__c".to_owned(),
        ];
        assert_eq!(
            selection("Contact", &fields).unwrap(),
            [
                "Id",
                "SystemModstamp",
                "LastModifiedById",
                "Email",
                "Account.Name",
                "Account.npsp__Tier__c"
            ]
        );
        let error = selection("Contact", &["Name'--".to_owned()]).unwrap_err();
        assert_eq!(error.code, "SF_INVALID_FIELD");
        assert!(
            error.message.contains("source.Name'--"),
            "{}",
            error.message
        );
    }

    #[test]
    fn tuples_skip_empty_values_and_refuse_objects() {
        let by = ["LastName".to_owned(), "MailingPostalCode".to_owned()];
        let tuples = lookup_tuples(
            "Contact",
            &by,
            &[
                vec![json!("O'Brien"), json!("N1 9GU")],
                vec![json!("O'Brien"), json!("N1 9GU")],
                vec![json!("Smith"), json!(null)],
                vec![json!("Jones"), json!(" ")],
                vec![json!("Lee"), json!(12345)],
            ],
        )
        .unwrap();
        assert_eq!(tuples.len(), 2);
        assert_eq!(tuples[1][1].to_string(), "12345");
        assert!(lookup_tuples("Contact", &by, &[vec![json!("a")]]).is_err());
        assert!(lookup_tuples("Contact", &by, &[vec![json!("a"), json!({"b": 1})]]).is_err());
    }

    #[test]
    fn or_chunks_stay_under_the_limit_and_keep_every_tuple() {
        let base = Soql::select(["Id"]).from("Contact");
        let by = ["LastName".to_owned(), "MailingPostalCode".to_owned()];
        let tuples: Vec<Vec<Value>> = (0..500)
            .map(|i| {
                vec![
                    Value::text(format!("O'Brien \\ \"{i}\"")),
                    Value::text(format!("N{i} 9GU")),
                ]
            })
            .collect();
        let limit = LengthLimit::Url(4_000);
        let queries = or_chunks(&base, &by, tuples, limit).unwrap();
        assert!(queries.len() > 3, "{}", queries.len());
        let mut groups = 0;
        for query in &queries {
            assert!(limit.measure(query.as_str()) <= 4_000);
            groups += query.as_str().matches("LastName = ").count();
        }
        assert_eq!(groups, 500);
        assert!(queries[0].as_str().contains(
            "(LastName = 'O\\'Brien \\\\ \\\"0\\\"' AND MailingPostalCode = 'N0 9GU') OR ("
        ));
    }

    #[test]
    fn attributes_are_removed_at_every_depth_and_ids_compare_on_15() {
        let mut record = json!({
            "attributes": {"type": "Contact"},
            "Email": "a@b.c",
            "Account": {"attributes": {"type": "Account"}, "Name": "Acme"}
        });
        strip_attributes(&mut record);
        assert_eq!(
            record,
            json!({"Email": "a@b.c", "Account": {"Name": "Acme"}})
        );
        assert!(same_id("005000000000001AAA", "005000000000001"));
        assert!(!same_id("005000000000001AAA", "005000000000002AAA"));
    }
}
