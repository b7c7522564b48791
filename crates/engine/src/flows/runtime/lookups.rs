//! What a flow needs besides its source record: batched lookups of related records
//! (`lookups.NAME[key]`), and work handed to other flows (a missing customer made by the
//! customer flow, an order refreshed after its shipment).

use super::Flow;
use super::plan::context;
use crate::flows::adapters::{Row, Target};
use ferry_core::{ChangeNotice, Failure, FlowName, Operation, System, Timestamp};
use ferry_mapping::Expr;
use ferry_mapping::spec::{LookupSpec, Missing};
use ferry_store::{AppendBatch, RoutedNotice};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// A compiled lookup.
pub(crate) struct CompiledLookup {
    pub(crate) spec: LookupSpec,
    pub(crate) system: System,
    pub(crate) reader: Arc<dyn Target>,
    pub(crate) values: Expr,
    pub(crate) ensure_ids: Option<Expr>,
    pub(crate) require: Option<Expr>,
}

/// A compiled `notify` entry.
pub(crate) struct CompiledNotify {
    pub(crate) flow: String,
    pub(crate) ids: Expr,
}

/// The key a looked-up value is filed under: text as it is, numbers and booleans as their
/// text, several fields joined by `|`.
pub(crate) fn lookup_key(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// The value tuples an evaluated `values` expression asks for.
fn tuples(value: Value, width: usize) -> Vec<Vec<Value>> {
    let items = match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        other => vec![other],
    };
    // One field: a list of values (a single value was wrapped above). Several fields: a list
    // of lists, or one list that is itself the tuple.
    if width == 1 {
        return items
            .into_iter()
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
            .map(|v| vec![v])
            .collect();
    }
    if items.iter().all(|v| !v.is_array()) && items.len() == width {
        return vec![items];
    }
    items
        .into_iter()
        .filter_map(|v| match v {
            Value::Array(tuple) if tuple.len() == width && !tuple.iter().any(Value::is_null) => {
                Some(tuple)
            }
            _ => None,
        })
        .collect()
}

/// A found row's value of a `by` field: the exact key, else the key ignoring case (Brightpearl
/// rows say `sku` where a flow may look up by `SKU`), else a dotted path.
fn field_of(row: &Row, field: &str) -> Value {
    if let Some(v) = row.data.get(field) {
        return v.clone();
    }
    if let Value::Object(map) = &row.data
        && let Some((_, v)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(field))
    {
        return v.clone();
    }
    let mut at = &row.data;
    for part in field.split('.') {
        match at.get(part) {
            Some(next) => at = next,
            None => return Value::Null,
        }
    }
    at.clone()
}

/// Per-record state the lookups need and fill.
pub(crate) struct LookupRec<'a> {
    pub(crate) id: &'a str,
    pub(crate) source: &'a Value,
    pub(crate) link: Option<Value>,
    pub(crate) lookups: &'a mut Map<String, Value>,
    pub(crate) failed: &'a mut Option<Failure>,
}

impl Flow {
    /// Runs the flow's lookups for the active records of a batch, in declaration order (a
    /// lookup may read an earlier one's results).
    pub(crate) async fn run_lookups(&self, recs: &mut [LookupRec<'_>], base: &Value) {
        for lookup in &self.lookups {
            let name = lookup.spec.name.as_str();
            let width = lookup.spec.by.len();
            // 1. What each record asks for.
            let mut asks: Vec<Vec<Vec<Value>>> = Vec::with_capacity(recs.len());
            let mut all: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for rec in recs.iter_mut() {
                if rec.failed.is_some() {
                    asks.push(Vec::new());
                    continue;
                }
                let ctx = context(
                    rec.source,
                    &Map::new(),
                    base,
                    rec.link.as_ref(),
                    rec.lookups,
                );
                match lookup.values.eval(&ctx) {
                    Ok(value) => {
                        let wanted = tuples(value, width);
                        for tuple in &wanted {
                            all.entry(lookup_key(tuple))
                                .or_insert_with(|| tuple.clone());
                        }
                        asks.push(wanted);
                    }
                    Err(e) => {
                        *rec.failed = Some(Failure::permanent(
                            "MAPPING_ERROR",
                            format!(
                                "flow {}, record {}: the values of lookup {name} failed: {e} — \
                                 fix the flow's lookup",
                                self.name, rec.id
                            ),
                        ));
                        asks.push(Vec::new());
                    }
                }
            }
            // 2. One batched find.
            let mut found: HashMap<String, Vec<Value>> = HashMap::new();
            if !all.is_empty() {
                let values: Vec<Vec<Value>> = all.values().cloned().collect();
                let mut fields = lookup.spec.fields.clone();
                for f in &lookup.spec.by {
                    if !fields.contains(f) {
                        fields.push(f.clone());
                    }
                }
                // By id: a read, which every adapter supports for every object it writes.
                let by_id = matches!(lookup.spec.by.as_slice(), [f] if f == "Id" || f == "id");
                let answer = if by_id {
                    let ids: Vec<String> = values.iter().map(|t| lookup_key(t)).collect();
                    fields.retain(|f| f != "Id" && f != "id");
                    lookup
                        .reader
                        .read(&lookup.spec.object, &ids, &fields)
                        .await
                        .map(|rows| {
                            rows.into_iter()
                                .map(|mut row| {
                                    if let Value::Object(map) = &mut row.data {
                                        map.insert(
                                            lookup.spec.by[0].clone(),
                                            Value::from(row.id.clone()),
                                        );
                                    }
                                    row
                                })
                                .collect::<Vec<_>>()
                        })
                } else {
                    lookup
                        .reader
                        .find(&lookup.spec.object, &lookup.spec.by, &values, &fields)
                        .await
                };
                match answer {
                    Ok(rows) => {
                        for row in rows {
                            if let Some(require) = &lookup.require {
                                let mut ctx = base.as_object().cloned().unwrap_or_default();
                                ctx.insert("found".into(), row.data.clone());
                                if !require.truthy(&Value::Object(ctx)).unwrap_or(false) {
                                    continue;
                                }
                            }
                            let tuple: Vec<Value> =
                                lookup.spec.by.iter().map(|f| field_of(&row, f)).collect();
                            let mut data = row.data.clone();
                            if let Value::Object(map) = &mut data {
                                map.entry("Id")
                                    .or_insert_with(|| Value::from(row.id.clone()));
                            }
                            // Text compares ignoring case in Salesforce: file the row under the
                            // key that was asked for when they differ only in case.
                            let key = lookup_key(&tuple);
                            let key = if all.contains_key(&key) {
                                key
                            } else {
                                all.keys()
                                    .find(|k| k.eq_ignore_ascii_case(&key))
                                    .cloned()
                                    .unwrap_or(key)
                            };
                            found.entry(key).or_default().push(data);
                        }
                    }
                    Err(e) => {
                        for (rec, wanted) in recs.iter_mut().zip(&asks) {
                            if rec.failed.is_none() && !wanted.is_empty() {
                                *rec.failed = Some(Failure {
                                    message: format!(
                                        "flow {}, record {}: lookup {name} ({} {}) failed: {}",
                                        self.name,
                                        rec.id,
                                        lookup.system,
                                        lookup.spec.object,
                                        e.message
                                    ),
                                    ..e.to_failure()
                                });
                            }
                        }
                        continue;
                    }
                }
            }
            // 3. File each record's results; settle what is missing.
            let mut ensure: BTreeSet<String> = BTreeSet::new();
            for (rec, wanted) in recs.iter_mut().zip(asks) {
                if rec.failed.is_some() {
                    continue;
                }
                let mut mine = Map::new();
                let mut missing = Vec::new();
                for tuple in &wanted {
                    let key = lookup_key(tuple);
                    match found.get(&key) {
                        Some(rows) if lookup.spec.many => {
                            mine.insert(key, Value::Array(rows.clone()));
                        }
                        Some(rows) => {
                            mine.insert(key, rows[0].clone());
                        }
                        None => {
                            if lookup.spec.many {
                                mine.insert(key.clone(), Value::Array(Vec::new()));
                            }
                            missing.push(key);
                        }
                    }
                }
                rec.lookups.insert(name.to_string(), Value::Object(mine));
                if missing.is_empty() || lookup.spec.missing == Missing::Ignore {
                    continue;
                }
                let what = format!(
                    "{} {} with {} = {}",
                    lookup.system,
                    lookup.spec.object,
                    lookup.spec.by.join(" + "),
                    missing.join(", ")
                );
                let told = lookup
                    .spec
                    .message
                    .clone()
                    .unwrap_or_else(|| format!("lookup {name} found nothing"));
                let mut asked = String::new();
                let mut held_there = false;
                if let Some(ids) = &lookup.ensure_ids {
                    let ctx = context(
                        rec.source,
                        &Map::new(),
                        base,
                        rec.link.as_ref(),
                        rec.lookups,
                    );
                    let ids = ids.eval(&ctx).map(id_list).unwrap_or_default();
                    let flow = lookup.spec.ensure.as_ref().map_or("", |e| e.flow.as_str());
                    let held = self.held_in(flow, &ids).await;
                    if !held.is_empty() {
                        // Asking again would only dead-letter it again, and waiting cannot
                        // help: this record is held too, naming where its dependency is.
                        held_there = true;
                        asked = format!(
                            "; flow {flow} holds it as a dead letter ({}): fix it there and \
                             retry it, then retry this record",
                            held.join("; ")
                        );
                    } else if !ids.is_empty() {
                        asked =
                            format!("; flow {flow} was asked to create it ({})", ids.join(", "));
                        ensure.extend(ids);
                    }
                }
                *rec.failed = Some(match lookup.spec.missing {
                    _ if held_there => Failure::permanent(
                        "DEPENDENCY_HELD",
                        format!(
                            "flow {}, record {}: no {what}: {told}{asked}",
                            self.name, rec.id
                        ),
                    ),
                    Missing::Fail => Failure::permanent(
                        "LOOKUP_MISSING",
                        format!(
                            "flow {}, record {}: no {what}: {told}; fix it in the source or \
                             create the missing record, then retry",
                            self.name, rec.id
                        ),
                    ),
                    _ => Failure::transient(
                        "DEPENDENCY_MISSING",
                        format!(
                            "flow {}, record {}: waiting: no {what} yet: {told}{asked}; it is \
                             retried",
                            self.name, rec.id
                        ),
                    ),
                });
            }
            if let Some(spec) = &lookup.spec.ensure
                && !ensure.is_empty()
            {
                let ids: Vec<String> = ensure.into_iter().collect();
                if let Err(e) = self.enqueue(&spec.flow, &ids).await {
                    tracing::warn!(flow = %self.name, other = %spec.flow, error = %e,
                        "asking another flow to create a dependency failed; the records wait and retry");
                }
            }
        }
    }

    /// The records of `ids` that `flow` holds as dead letters, as "id (code)"; a dead letter
    /// is not re-asked for (at most a few are checked per record).
    async fn held_in(&self, flow: &str, ids: &[String]) -> Vec<String> {
        let Ok(name) = FlowName::new(flow.to_string()) else {
            return Vec::new();
        };
        let mut held = Vec::new();
        for id in ids.iter().take(5) {
            let filter = ferry_core::DeadLetterFilter {
                tenant: Some(self.tenant.clone()),
                flow: Some(name.clone()),
                record_id: Some(id.clone()),
                ..Default::default()
            };
            if let Ok(found) = self.store.list_dead(&filter, 1).await
                && let Some(dead) = found.first()
            {
                held.push(format!("{id}: {}", dead.error_code));
            }
        }
        held
    }

    /// Journals work for `flow` (another flow of this set) for its source records `ids`.
    pub(crate) async fn enqueue(&self, flow: &str, ids: &[String]) -> Result<(), String> {
        let Some((system, object)) = self.peers.get().and_then(|p| p.get(flow)).cloned() else {
            return Err(format!(
                "flow {flow} is not enabled: enable it, or remove it from flow {}",
                self.name
            ));
        };
        let name = FlowName::new(flow.to_string()).map_err(|e| e.to_string())?;
        let notices = ids
            .iter()
            .map(|id| RoutedNotice {
                notice: ChangeNotice {
                    tenant: self.tenant.clone(),
                    source: system,
                    object: object.clone(),
                    record_id: id.clone(),
                    operation: Operation::Update,
                    observed_at: Timestamp::now(),
                    origin: Some(format!("ferry:{}", self.name)),
                    payload: Value::Object(Map::new()),
                },
                flows: vec![name.clone()],
            })
            .collect();
        self.store
            .append(AppendBatch {
                notices,
                checkpoints: Vec::new(),
            })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Ids from an evaluated expression: one id or a list of them (numbers as text; empty and null
/// left out).
pub(crate) fn id_list(value: Value) -> Vec<String> {
    let items = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_become_tuples_of_the_lookup_width() {
        assert_eq!(tuples(json!("A1"), 1), vec![vec![json!("A1")]]);
        assert_eq!(
            tuples(json!(["A1", null, "", 7]), 1),
            vec![vec![json!("A1")], vec![json!(7)]]
        );
        assert_eq!(
            tuples(json!(["p", "q"]), 2),
            vec![vec![json!("p"), json!("q")]]
        );
        assert_eq!(
            tuples(json!([["p", "q"], ["r"], ["s", null], ["t", "u"]]), 2),
            vec![vec![json!("p"), json!("q")], vec![json!("t"), json!("u")]]
        );
        assert!(tuples(Value::Null, 1).is_empty());
    }

    #[test]
    fn keys_are_text_and_ids_are_listed() {
        assert_eq!(lookup_key(&[json!("SKU-1")]), "SKU-1");
        assert_eq!(lookup_key(&[json!(207), json!("x")]), "207|x");
        assert_eq!(id_list(json!([207, "", "801x", null])), vec!["207", "801x"]);
        assert_eq!(id_list(json!("5")), vec!["5"]);
    }

    #[test]
    fn found_fields_are_read_exactly_then_ignoring_case_then_by_path() {
        let row = Row {
            id: "1".into(),
            modified_at: None,
            version: None,
            changed_by_ferry: None,
            data: json!({"sku": "A", "Product2": {"ProductCode": "P"}}),
        };
        assert_eq!(field_of(&row, "sku"), json!("A"));
        assert_eq!(field_of(&row, "SKU"), json!("A"));
        assert_eq!(field_of(&row, "Product2.ProductCode"), json!("P"));
        assert_eq!(field_of(&row, "nope"), Value::Null);
    }
}
