//! Query results on the wire: records as the REST API nests them (parents as objects with
//! their own `attributes`, children as nested query results), `AggregateResult` rows, and the
//! flat columns Bulk API CSV uses.

use super::eval;
use super::plan::{ChildQuery, Column, FieldPath, Plan};
use crate::salesforce::ids::SfId;
use crate::salesforce::org::{Org, Record};
use crate::salesforce::value::Value;
use serde_json::{Map, Value as Json};

/// A record with the plan's columns, in select-list order.
pub fn record_json(
    org: &Org,
    plan: &Plan,
    object: usize,
    record: &Record,
    version_path: &str,
    include_deleted: bool,
) -> Json {
    let mut map = Map::with_capacity(plan.columns.len() + 1);
    map.insert(
        "attributes".into(),
        org.attributes(object, Some(record.id()), version_path),
    );
    for column in &plan.columns {
        match column {
            Column::Field(path) => put_field(org, &mut map, object, record, path, 0, version_path),
            Column::Children(child) => {
                let value = children_json(org, child, record.id(), version_path, include_deleted);
                map.insert(child.name.clone(), value);
            }
            Column::Slot { .. } => {}
        }
    }
    Json::Object(map)
}

/// Puts `path` (from hop `depth` on) into `map`, nesting parents: every column through the
/// same relationship lands in the same parent object; an empty relationship is `null`.
fn put_field(
    org: &Org,
    map: &mut Map<String, Json>,
    object: usize,
    record: &Record,
    path: &FieldPath,
    depth: usize,
    version_path: &str,
) {
    let Some(hop) = path.hops.get(depth) else {
        map.insert(
            path.name.clone(),
            org.field_json(object, record, path.field),
        );
        return;
    };
    let parent = record.get(hop.field).as_id().and_then(|id| org.get(id));
    let Some((parent_object, parent_record)) = parent else {
        map.entry(hop.name.clone()).or_insert(Json::Null);
        return;
    };
    let entry = map.entry(hop.name.clone()).or_insert_with(|| {
        let mut nested = Map::new();
        nested.insert(
            "attributes".into(),
            org.attributes(parent_object, Some(parent_record.id()), version_path),
        );
        Json::Object(nested)
    });
    if let Json::Object(nested) = entry {
        put_field(
            org,
            nested,
            parent_object,
            parent_record,
            path,
            depth + 1,
            version_path,
        );
    }
}

/// A parent-to-child subquery's result for one parent: `null` when there are no children.
fn children_json(
    org: &Org,
    child: &ChildQuery,
    parent: SfId,
    version_path: &str,
    include_deleted: bool,
) -> Json {
    let object = child.plan.object;
    let mut candidates: Vec<&Record> = if include_deleted {
        org.records(object)
            .iter()
            .filter(|r| r.get(child.field).as_id() == Some(parent))
            .collect()
    } else {
        org.children(object, child.field, parent)
    };
    // Ids are minted in sequence, so id order is creation order.
    candidates.sort_unstable_by_key(|r| r.id());
    let rows = eval::select(org, &child.plan, candidates.into_iter());
    if rows.is_empty() {
        return Json::Null;
    }
    let records: Vec<Json> = rows
        .iter()
        .map(|r| record_json(org, &child.plan, object, r, version_path, include_deleted))
        .collect();
    let mut map = Map::new();
    map.insert("totalSize".into(), Json::from(records.len()));
    map.insert("done".into(), Json::Bool(true));
    map.insert("records".into(), Json::Array(records));
    Json::Object(map)
}

/// An `AggregateResult` row.
pub fn aggregate_json(plan: &Plan, row: &[Value]) -> Json {
    let mut attributes = Map::new();
    attributes.insert("type".into(), Json::String("AggregateResult".into()));
    let mut map = Map::with_capacity(plan.columns.len() + 1);
    map.insert("attributes".into(), Json::Object(attributes));
    for column in &plan.columns {
        if let Column::Slot { slot, name } = column {
            map.insert(
                name.clone(),
                row.get(*slot).map_or(Json::Null, Value::to_json),
            );
        }
    }
    Json::Object(map)
}

/// Column names: `Name`, `Account.Name`, a child relationship's name, an aggregate's name.
pub fn csv_header(plan: &Plan) -> Vec<String> {
    plan.columns
        .iter()
        .map(|column| match column {
            Column::Field(path) => path.header.clone(),
            Column::Children(child) => child.name.clone(),
            Column::Slot { name, .. } => name.clone(),
        })
        .collect()
}

/// A record's cells (empty for null; child results and compound fields have no CSV form).
pub fn csv_record(org: &Org, plan: &Plan, record: &Record) -> Vec<String> {
    plan.columns
        .iter()
        .map(|column| match column {
            Column::Field(path) => path.value(org, record).to_csv(),
            Column::Children(_) | Column::Slot { .. } => String::new(),
        })
        .collect()
}

/// An aggregate row's cells.
pub fn csv_aggregate(plan: &Plan, row: &[Value]) -> Vec<String> {
    plan.columns
        .iter()
        .map(|column| match column {
            Column::Slot { slot, .. } => row.get(*slot).map_or(String::new(), Value::to_csv),
            _ => String::new(),
        })
        .collect()
}
