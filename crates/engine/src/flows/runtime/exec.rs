//! Running a flow over a batch of records: the I/O half (reads, finds, writes, links) around
//! the pure mapping ([`super::plan`]) and comparison ([`super::compare`]).

use super::compare::{Decision, decide, match_key};
use super::plan::{content_hash, context, key_values, link_value, map_target};
use super::{CompiledTarget, Flow};
use crate::flows::adapters::{AdapterError, Row, Write};
use ferry_core::{Direction, Failure, System, Timestamp, XrefLink};
use ferry_mapping::WriteMode;
use ferry_store::{LinkWrite, NewLink, NewSyncEntry};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// How long reference data (exchange rates, price books) is reused.
const REFERENCE_TTL: Duration = Duration::from_secs(300);

/// What a sync would do with one record (see [`Flow::preview`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Preview {
    /// What the sync would come to (created, updated, unchanged, skipped) or why it fails.
    #[serde(serialize_with = "outcome_json")]
    pub outcome: RecordOutcome,
    /// The source record as the flow reads it.
    pub source: Value,
    /// Per target record: `target`, `object`, `id` (when it exists), `fields` (the mapped
    /// values), `current` (the target's values of those fields), `changed` (the fields a
    /// sync would write; absent when held), `note`.
    pub targets: Vec<Value>,
}

fn outcome_json<S: serde::Serializer>(outcome: &RecordOutcome, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    let value = match &outcome.result {
        Ok(change) => json!({"id": outcome.id, "result": format!("{change:?}")}),
        Err(f) => json!({"id": outcome.id, "error": {"code": f.code, "message": f.message}}),
    };
    value.serialize(s)
}

/// One target record of a preview.
fn preview_entry(
    target: &CompiledTarget,
    plan: &Planned,
    fields: &Map<String, Value>,
    changed: Option<Vec<String>>,
    note: &str,
) -> Value {
    let current: Map<String, Value> = match &plan.existing {
        Some(existing) => fields
            .keys()
            .map(|f| {
                (
                    f.clone(),
                    existing.data.get(f).cloned().unwrap_or(Value::Null),
                )
            })
            .collect(),
        None => Map::new(),
    };
    json!({
        "target": target.spec.name,
        "object": target.spec.object,
        "id": plan.existing_id,
        "fields": fields,
        "current": current,
        "changed": changed,
        "note": note,
    })
}

/// Each record's outcome, source and preview entries.
fn outcomes_of(recs: Vec<Rec>) -> Vec<(RecordOutcome, Value, Vec<Value>)> {
    recs.into_iter()
        .map(|rec| {
            let result = if let Some(f) = rec.failed {
                Err(f)
            } else if let Some(reason) = rec.skipped {
                Ok(Change::Skipped(reason))
            } else if rec.created {
                Ok(Change::Created)
            } else if rec.updated {
                Ok(Change::Updated)
            } else {
                Ok(Change::Unchanged)
            };
            (
                RecordOutcome {
                    id: rec.row.id,
                    result,
                },
                rec.row.data,
                rec.preview,
            )
        })
        .collect()
}

/// What happened to one source record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    /// The source record's id.
    pub id: String,
    /// What the flow did, or why it could not.
    pub result: Result<Change, Failure>,
}

/// What a flow did with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// At least one target record was created.
    Created,
    /// Target records were updated (only the differing fields).
    Updated,
    /// Every target already held the mapped values: nothing was written.
    Unchanged,
    /// The flow does not apply to this record (its `when` is false).
    Skipped(String),
    /// The source record is gone; its targets were deactivated as the flow says.
    Deactivated,
    /// The source record is gone and the flow keeps its targets.
    Gone,
}

/// A difference reconciliation found between a source record and its target record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Drift {
    /// The source record's id.
    pub record: String,
    /// The flow's target name.
    pub target: String,
    /// The target object.
    pub object: String,
    /// The target record's id, when it exists.
    pub target_id: Option<String>,
    /// The target record does not exist.
    pub missing: bool,
    /// The fields whose values differ (empty when missing).
    pub fields: Vec<String>,
}

/// One record's progress through the targets.
struct Rec {
    row: Row,
    targets: Map<String, Value>,
    written: Map<String, Value>,
    failed: Option<Failure>,
    skipped: Option<String>,
    created: bool,
    updated: bool,
    link: Option<XrefLink>,
    /// What each target held after the last sync in this direction (target name → fields).
    base_in: Map<String, Value>,
    /// What each target holds after this sync, saved as the next base.
    base_out: Map<String, Value>,
    /// Ids of target records this run created (no link, no key or match found them first):
    /// a later target keyed by one of them (a price book entry of a new product) cannot
    /// exist yet, so it is not looked up.
    fresh: Vec<String>,
    /// What the flow's lookups found for this record (lookup name → key → record(s)).
    lookups: Map<String, Value>,
    /// Fields a target's lock kept from being written (target.field), for the log.
    locked: Vec<String>,
    /// The sync status went out with the write-back (one update of the source record).
    status_sent: bool,
    /// In a preview: per target record, what would be written (see [`Flow::preview`]).
    preview: Vec<Value>,
    /// The target records this sync wrote: target, object, id, action, fields sent (the sync
    /// log the record trace shows).
    log: Vec<Value>,
}

/// One mapped target record of one source record.
struct Planned {
    rec: usize,
    fields: Map<String, Value>,
    existing: Option<Row>,
    existing_id: Option<String>,
    /// Found by a match rule (not by its link or key).
    matched: bool,
}

impl Flow {
    /// Reads the current records and runs them through the flow.
    pub async fn sync_ids(&self, ids: &[String]) -> Vec<RecordOutcome> {
        match self.source.read(ids, &self.source_fields).await {
            Ok(rows) => {
                let found: std::collections::HashSet<&str> =
                    rows.iter().map(|r| r.id.as_str()).collect();
                let gone: Vec<String> = ids
                    .iter()
                    .filter(|id| !found.contains(id.as_str()))
                    .cloned()
                    .collect();
                let mut outcomes = self.run(rows, false).await.0;
                outcomes.extend(self.deleted(&gone).await);
                outcomes
            }
            Err(e) => ids
                .iter()
                .map(|id| RecordOutcome {
                    id: id.clone(),
                    result: Err(read_failure(&self.spec.source.object, &e)),
                })
                .collect(),
        }
    }

    /// Runs records already read (the initial load's pages) through the flow.
    pub async fn sync_rows(&self, rows: Vec<Row>) -> Vec<RecordOutcome> {
        self.run(rows, false).await.0
    }

    /// Maps records and compares them with their targets without writing: reconciliation.
    /// Records that cannot be mapped (or are skipped) give no drift; their outcomes say why.
    pub async fn compare(&self, rows: Vec<Row>) -> Vec<Drift> {
        self.run(rows, true).await.1
    }

    /// Maps and compares; reports outcomes and (in a dry run) drifts.
    pub(crate) async fn compare_with_outcomes(
        &self,
        rows: Vec<Row>,
    ) -> (Vec<RecordOutcome>, Vec<Drift>) {
        self.run(rows, true).await
    }

    /// The context values shared by every record: vars, tables, reference data, now.
    async fn base_context(&self) -> Result<Value, AdapterError> {
        let reference = {
            let cached = self.reference.lock().ok().and_then(|g| g.clone());
            match cached {
                Some((at, value)) if at.elapsed() < REFERENCE_TTL => value,
                _ => {
                    let mut merged = Map::new();
                    let mut add = |value: Value| {
                        if let Value::Object(map) = value {
                            merged.extend(map);
                        }
                    };
                    add(self.source.reference().await?);
                    let mut seen = Vec::new();
                    for target in &self.targets {
                        if !seen.contains(&target.system) {
                            seen.push(target.system);
                            add(target.writer.reference().await?);
                        }
                    }
                    let value = Value::Object(merged);
                    if let Ok(mut guard) = self.reference.lock() {
                        *guard = Some((Instant::now(), value.clone()));
                    }
                    value
                }
            }
        };
        let now = Timestamp::now()
            .to_datetime()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Ok(json!({
            "vars": self.spec.vars,
            "tables": self.spec.tables,
            "ref": reference,
            "now": now,
        }))
    }

    async fn run(&self, rows: Vec<Row>, dry: bool) -> (Vec<RecordOutcome>, Vec<Drift>) {
        let (recs, drifts) = self.run_recs(rows, dry, false).await;
        (
            outcomes_of(recs).into_iter().map(|(o, _, _)| o).collect(),
            drifts,
        )
    }

    /// Maps records, identifies and compares their target records, and writes nothing:
    /// per record, the outcome a sync would have, the source as read and, per target
    /// record, the mapped fields, the target's current values and what would change. The
    /// console's mapping editor shows this for a sample record.
    pub async fn preview(&self, rows: Vec<Row>) -> Vec<Preview> {
        let (recs, _) = self.run_recs(rows, true, true).await;
        outcomes_of(recs)
            .into_iter()
            .map(|(mut outcome, source, targets)| {
                // A dry run writes nothing, so say what the writes would have been.
                if outcome.result == Ok(Change::Unchanged) {
                    if targets.iter().any(|t| t["note"] == "create") {
                        outcome.result = Ok(Change::Created);
                    } else if targets
                        .iter()
                        .any(|t| t["changed"].as_array().is_some_and(|c| !c.is_empty()))
                    {
                        outcome.result = Ok(Change::Updated);
                    }
                }
                Preview {
                    outcome,
                    source,
                    targets,
                }
            })
            .collect()
    }

    async fn run_recs(&self, rows: Vec<Row>, dry: bool, preview: bool) -> (Vec<Rec>, Vec<Drift>) {
        let mut recs: Vec<Rec> = rows
            .into_iter()
            .map(|row| Rec {
                row,
                targets: Map::new(),
                written: Map::new(),
                failed: None,
                skipped: None,
                created: false,
                updated: false,
                link: None,
                base_in: Map::new(),
                base_out: Map::new(),
                fresh: Vec::new(),
                lookups: Map::new(),
                locked: Vec::new(),
                status_sent: false,
                preview: Vec::new(),
                log: Vec::new(),
            })
            .collect();
        let base = match self.base_context().await {
            Ok(base) => base,
            Err(e) => {
                let failure = failure_with(
                    &e,
                    format!(
                        "flow {}: reading reference data failed: {}",
                        self.name, e.message
                    ),
                );
                for rec in &mut recs {
                    rec.failed = Some(failure.clone());
                }
                return (recs, Vec::new());
            }
        };
        self.filter(&mut recs, &base);
        self.load_links(&mut recs).await;
        if !self.lookups.is_empty() {
            let mut views: Vec<super::lookups::LookupRec<'_>> = recs
                .iter_mut()
                .filter(|r| r.skipped.is_none())
                .map(|r| super::lookups::LookupRec {
                    id: &r.row.id,
                    source: &r.row.data,
                    link: r
                        .link
                        .as_ref()
                        .map(|l| link_value(&l.brightpearl_id, &l.salesforce_id)),
                    lookups: &mut r.lookups,
                    failed: &mut r.failed,
                })
                .collect();
            self.run_lookups(&mut views, &base).await;
        }
        let mut drifts = Vec::new();
        for target in &self.targets {
            self.run_target(target, &mut recs, &base, dry, preview, &mut drifts)
                .await;
        }
        if !dry {
            self.write_back(&mut recs, &base).await;
            self.commit(&mut recs).await;
            self.notify(&recs, &base).await;
            self.write_status(&mut recs).await;
            for rec in recs.iter().filter(|r| !r.locked.is_empty()) {
                tracing::info!(
                    flow = %self.name,
                    record = %rec.row.id,
                    fields = %rec.locked.join(", "),
                    "the target is locked (an activated Order): these fields were left as they are"
                );
            }
            metrics_for(self.name.as_str(), &recs);
            self.log_syncs(&recs).await;
            self.stats.count(recs.iter().map(|r| {
                if r.failed.is_some() {
                    3
                } else if r.skipped.is_some() {
                    4
                } else if r.created {
                    0
                } else if r.updated {
                    1
                } else {
                    2
                }
            }));
        }
        (recs, drifts)
    }

    fn filter(&self, recs: &mut [Rec], base: &Value) {
        let Some(when) = &self.when else { return };
        for rec in recs.iter_mut() {
            let ctx = context(&rec.row.data, &rec.targets, base, None, &rec.lookups);
            match when.truthy(&ctx) {
                Ok(true) => {}
                Ok(false) => {
                    rec.skipped = Some(format!(
                        "the flow's source condition `{}` is false for this record",
                        when.source()
                    ));
                }
                Err(e) => {
                    rec.failed = Some(Failure::permanent(
                        "MAPPING_ERROR",
                        format!(
                            "flow {}, record {}: the source condition failed: {e}",
                            self.name, rec.row.id
                        ),
                    ))
                }
            }
        }
    }

    /// The primary link (the first target with a cross-reference entity) of each record.
    async fn load_links(&self, recs: &mut [Rec]) {
        let Some(entity) = self.targets.iter().find_map(|t| t.xref.clone()) else {
            return;
        };
        for rec in recs.iter_mut().filter(|r| active(r)) {
            match self.link_of(&entity, &rec.row.id).await {
                Ok(link) => {
                    let base = link.as_ref().and_then(|l| match self.spec.source.system {
                        System::Brightpearl => l.base_to_salesforce.as_deref(),
                        System::Salesforce => l.base_to_brightpearl.as_deref(),
                    });
                    if let Some(Ok(Value::Object(base))) = base.map(serde_json::from_str) {
                        rec.base_in = base;
                    }
                    rec.link = link;
                }
                Err(failure) => rec.failed = Some(failure),
            }
        }
    }

    async fn link_of(&self, entity: &str, source_id: &str) -> Result<Option<XrefLink>, Failure> {
        let found = match self.spec.source.system {
            System::Brightpearl => {
                self.store
                    .link_by_brightpearl(&self.tenant, entity, source_id)
                    .await
            }
            System::Salesforce => {
                self.store
                    .link_by_salesforce(&self.tenant, entity, source_id)
                    .await
            }
        };
        found.map_err(|e| {
            Failure::transient(
                "STORE_ERROR",
                format!("reading the cross-reference of {source_id} failed: {e}"),
            )
        })
    }

    /// The id on the target side of a link.
    fn other_side(&self, link: &XrefLink) -> String {
        match self.spec.source.system {
            System::Brightpearl => link.salesforce_id.clone(),
            System::Salesforce => link.brightpearl_id.clone(),
        }
    }

    async fn run_target(
        &self,
        target: &CompiledTarget,
        recs: &mut [Rec],
        base: &Value,
        dry: bool,
        preview: bool,
        drifts: &mut Vec<Drift>,
    ) {
        let object = target.spec.object.as_str();
        let base_ctx = base;
        // 1. Map (pure).
        let mut planned: Vec<Planned> = Vec::new();
        for (index, rec) in recs.iter_mut().enumerate().filter(|(_, r)| active(r)) {
            let link = rec
                .link
                .as_ref()
                .map(|l| link_value(&l.brightpearl_id, &l.salesforce_id));
            let ctx = context(
                &rec.row.data,
                &rec.targets,
                base,
                link.as_ref(),
                &rec.lookups,
            );
            match map_target(target, &ctx, &rec.row.id, self.name.as_str()) {
                Ok(records) => planned.extend(records.into_iter().map(|fields| Planned {
                    rec: index,
                    fields,
                    existing: None,
                    existing_id: None,
                    matched: false,
                })),
                Err(message) => {
                    rec.failed = Some(Failure::permanent("MAPPING_ERROR", message));
                }
            }
        }
        if planned.is_empty() {
            return;
        }
        let mut read_fields: Vec<String> = target.fields.iter().map(|(f, _)| f.clone()).collect();
        if let Some(lock) = &target.lock {
            for path in lock.paths() {
                if let Some(field) = path.strip_prefix("existing.")
                    && !read_fields.iter().any(|f| f == field)
                {
                    read_fields.push(field.to_string());
                }
            }
        }
        read_fields.retain(|f| f != "Id" && !target.spec.lists.contains_key(f));
        // 2. Identify: the link, then the key, then the match rules.
        if let Some(entity) = &target.xref
            && target.each.is_none()
        {
            for plan in planned.iter_mut() {
                let rec = &recs[plan.rec];
                let link = if self.targets.iter().find_map(|t| t.xref.as_ref()) == Some(entity) {
                    rec.link.clone()
                } else {
                    self.link_of(entity, &rec.row.id).await.unwrap_or_default()
                };
                plan.existing_id = link.as_ref().map(|l| self.other_side(l));
            }
            let ids: Vec<String> = planned
                .iter()
                .filter_map(|p| p.existing_id.clone())
                .collect();
            if !ids.is_empty() {
                match target.writer.read(object, &ids, &read_fields).await {
                    Ok(rows) => {
                        let by_id: HashMap<String, Row> =
                            rows.into_iter().map(|r| (r.id.clone(), r)).collect();
                        for plan in planned.iter_mut() {
                            if let Some(id) = &plan.existing_id {
                                // A linked record deleted in the target is found again by key
                                // or match, or created.
                                plan.existing = by_id.get(id).cloned();
                                if plan.existing.is_none() {
                                    plan.existing_id = None;
                                }
                            }
                        }
                    }
                    Err(e) => {
                        fail_all(recs, &planned, &e, "reading the linked records", object);
                        return;
                    }
                }
            }
        }
        let key = &target.spec.key;
        if key.len() == 1 && key[0] == "Id" {
            // Addressed by id (`Id = "targets.order.Id"`): read the records this run did not
            // create itself, so only differing fields are written.
            let mut read_ids = Vec::new();
            for plan in planned.iter_mut() {
                if plan.existing_id.is_none()
                    && let Some(id) = plan.fields.get("Id").and_then(Value::as_str)
                    && !id.is_empty()
                {
                    plan.existing_id = Some(id.to_string());
                    if !recs[plan.rec].fresh.iter().any(|f| f == id) {
                        read_ids.push(id.to_string());
                    }
                }
            }
            if !read_ids.is_empty() {
                match target.writer.read(object, &read_ids, &read_fields).await {
                    Ok(rows) => {
                        let by_id: HashMap<String, Row> =
                            rows.into_iter().map(|r| (r.id.clone(), r)).collect();
                        for plan in planned.iter_mut() {
                            if let Some(id) = &plan.existing_id {
                                plan.existing = by_id.get(id).cloned();
                            }
                        }
                    }
                    Err(e) => {
                        fail_all(recs, &planned, &e, "reading the records by id", object);
                        return;
                    }
                }
            }
        } else if !key.is_empty() {
            let lookups: Vec<usize> = (0..planned.len())
                .filter(|&i| {
                    planned[i].existing.is_none()
                        && active(&recs[planned[i].rec])
                        && !keyed_by_fresh(&planned[i].fields, key, &recs[planned[i].rec].fresh)
                })
                .collect();
            if let Err(e) = self
                .find_into(target, &mut planned, &lookups, key, &read_fields, false)
                .await
            {
                fail_all(recs, &planned, &e, "looking records up by key", object);
                return;
            }
        }
        if target.spec.mode != WriteMode::Update {
            for group in &target.spec.match_on {
                let lookups: Vec<usize> = (0..planned.len())
                    .filter(|&i| {
                        let p = &planned[i];
                        p.existing.is_none()
                            && active(&recs[p.rec])
                            && group
                                .iter()
                                .all(|f| p.fields.get(f).is_some_and(|v| !match_key(v).is_empty()))
                    })
                    .collect();
                if lookups.is_empty() {
                    continue;
                }
                match self
                    .find_into(target, &mut planned, &lookups, group, &read_fields, true)
                    .await
                {
                    Ok(ambiguous) => {
                        for (i, candidates) in ambiguous {
                            let rec = &mut recs[planned[i].rec];
                            rec.failed = Some(Failure::permanent(
                                "AMBIGUOUS_MATCH",
                                format!(
                                    "flow {}, record {}: {} existing {object} records match on {} \
                                     ({}): merge the duplicates in the target, or link one by \
                                     setting its {} to this record's key, then retry",
                                    self.name,
                                    rec.row.id,
                                    candidates.len(),
                                    group.join(" + "),
                                    candidates.join(", "),
                                    key.first().map(String::as_str).unwrap_or("external id"),
                                ),
                            ));
                        }
                    }
                    Err(e) => {
                        fail_all(recs, &planned, &e, "looking for duplicates", object);
                        return;
                    }
                }
            }
        }
        self.refuse_claimed_matches(target, recs, &planned).await;
        // 3. Compare and build the writes.
        let mut writes: Vec<(usize, Write)> = Vec::new();
        let mut base_updates: Vec<(usize, Map<String, Value>)> = Vec::new();
        let mut previews: Vec<(usize, Value)> = Vec::new();
        for (i, plan) in planned.iter().enumerate() {
            let rec = &recs[plan.rec];
            if !active(rec) {
                continue;
            }
            let by_id = key.len() == 1 && key[0] == "Id";
            if plan.existing.is_none()
                && target.spec.mode == WriteMode::Update
                && !(by_id && plan.existing_id.is_some())
            {
                if dry {
                    if preview {
                        let note = format!(
                            "no {object} exists for it yet: it would wait for the flows it \
                             depends on"
                        );
                        let entry = preview_entry(target, plan, &plan.fields, None, &note);
                        previews.push((plan.rec, entry));
                        continue;
                    }
                    drifts.push(self.drift(target, rec, None, Vec::new()));
                    continue;
                }
                let failure = Failure::transient(
                    "DEPENDENCY_MISSING",
                    format!(
                        "flow {}, record {}: no {object} exists for it yet ({}); it waits for \
                         the flows it depends on ({}) and is retried",
                        self.name,
                        rec.row.id,
                        describe_key(key, &plan.fields),
                        if self.spec.depends_on.is_empty() {
                            "none declared".to_string()
                        } else {
                            self.spec.depends_on.join(", ")
                        }
                    ),
                );
                recs[plan.rec].failed = Some(failure);
                continue;
            }
            if target.spec.mode == WriteMode::Create && plan.existing_id.is_some() {
                // Made once; the target system owns it from then on.
                continue;
            }
            let mut plan_fields = plan.fields.clone();
            if by_id {
                plan_fields.remove("Id");
            }
            if plan.existing_id.is_some() {
                for field in &target.spec.create_only {
                    plan_fields.remove(field);
                }
            }
            if let (Some(lock), Some(spec)) = (&target.lock, &target.spec.lock) {
                let mut ctx = context(&rec.row.data, &rec.targets, base_ctx, None, &rec.lookups);
                if let Value::Object(map) = &mut ctx {
                    map.insert(
                        "existing".into(),
                        plan.existing
                            .as_ref()
                            .map_or(Value::Null, |e| e.data.clone()),
                    );
                }
                if lock.truthy(&ctx).unwrap_or(false) {
                    let rec = &mut recs[plan.rec];
                    if plan.existing_id.is_none() {
                        rec.locked
                            .push(format!("{} (not created)", target.spec.name));
                        continue;
                    }
                    let closed: Vec<String> = plan_fields
                        .keys()
                        .filter(|f| !spec.is_open(f))
                        .cloned()
                        .collect();
                    for field in closed {
                        let differs = plan.existing.as_ref().is_some_and(|e| {
                            !super::compare::same(
                                e.data.get(&field).unwrap_or(&Value::Null),
                                plan_fields.get(&field).unwrap_or(&Value::Null),
                            )
                        });
                        if differs {
                            rec.locked.push(format!("{}.{field}", target.spec.name));
                        }
                        plan_fields.remove(&field);
                    }
                }
            }
            let rec = &recs[plan.rec];
            let base = rec
                .base_in
                .get(&target.spec.name)
                .and_then(Value::as_object)
                .cloned();
            let eq = |field: &str, a: &Value, b: &Value| -> bool {
                if super::compare::same(a, b) {
                    return true;
                }
                let Some((_, expr)) = target.compare.iter().find(|(f, _)| f == field) else {
                    return false;
                };
                let through = |value: &Value| {
                    let mut ctx = base_ctx.as_object().cloned().unwrap_or_default();
                    ctx.insert("value".into(), value.clone());
                    ctx.insert("source".into(), rec.row.data.clone());
                    expr.eval(&Value::Object(ctx)).ok()
                };
                match (through(a), through(b)) {
                    (Some(x), Some(y)) => super::compare::same(&x, &y),
                    _ => false,
                }
            };
            let decision = decide(
                &plan_fields,
                plan.existing.as_ref(),
                |field| self.spec.ownership.policy(&target.spec.name, field),
                rec.row.modified_at,
                base.as_ref(),
                &eq,
            );
            if target.each.is_none() && !matches!(decision, Decision::Review(_)) {
                // After this sync the target holds the written values, and its own where
                // they were kept: the base of the next comparison.
                let mut after = Map::new();
                for (field, want) in &plan_fields {
                    let written = match &decision {
                        Decision::Write(w) => w.contains_key(field),
                        _ => false,
                    };
                    let value = match plan.existing.as_ref().and_then(|e| e.data.get(field)) {
                        Some(have) if !written => have.clone(),
                        _ => want.clone(),
                    };
                    after.insert(field.clone(), value);
                }
                base_updates.push((plan.rec, after));
            }
            if preview {
                let (changed, note) = match &decision {
                    Decision::Unchanged => {
                        (Some(Vec::new()), "unchanged: nothing to write".to_owned())
                    }
                    Decision::Review(reason) => (None, format!("held for review: {reason}")),
                    Decision::Write(fields) => (
                        Some(fields.keys().cloned().collect()),
                        if plan.existing_id.is_some() {
                            "update".to_owned()
                        } else {
                            "create".to_owned()
                        },
                    ),
                };
                let entry = preview_entry(target, plan, &plan_fields, changed, &note);
                previews.push((plan.rec, entry));
                if !matches!(decision, Decision::Review(_)) {
                    continue;
                }
            }
            match decision {
                Decision::Unchanged => {}
                Decision::Review(reason) => {
                    recs[plan.rec].failed = Some(Failure::permanent(
                        "CONFLICT_REVIEW",
                        format!(
                            "flow {}, record {}, {object} {}: {reason}",
                            self.name,
                            rec.row.id,
                            plan.existing_id.as_deref().unwrap_or("")
                        ),
                    ));
                }
                Decision::Write(fields) => {
                    if dry {
                        let changed: Vec<String> = fields.keys().cloned().collect();
                        drifts.push(self.drift(target, rec, plan.existing_id.clone(), changed));
                        continue;
                    }
                    let upsert_key = match (&plan.existing_id, key.as_slice(), target.system) {
                        (None, [single], System::Salesforce) => plan
                            .fields
                            .get(single)
                            .filter(|v| !v.is_null())
                            .map(|v| (single.clone(), v.clone())),
                        _ => None,
                    };
                    let mut fields = fields;
                    if let Some((k, _)) = &upsert_key {
                        // Salesforce takes the key from the URL, not the body.
                        fields.remove(k);
                    }
                    let marker = (plan.existing_id.is_none()
                        && target.system == System::Brightpearl)
                        .then(|| format!("ferry:{}:{}", self.spec.entity, rec.row.id));
                    writes.push((
                        i,
                        Write {
                            id: plan.existing_id.clone(),
                            upsert_key,
                            fields,
                            marker,
                        },
                    ));
                }
            }
        }
        for (rec, entry) in previews {
            recs[rec].preview.push(entry);
        }
        for (rec, after) in base_updates {
            recs[rec]
                .base_out
                .insert(target.spec.name.clone(), Value::Object(after));
        }
        // 4. Write. Records of one batch that stand for the same target record (contacts of
        // one company share its Account) are written once, by the first of them; the others
        // take its id. Sending both would make Salesforce refuse the pair as a duplicate key.
        let mut ids: BTreeMap<usize, String> = BTreeMap::new();
        let mut shared: Vec<(usize, usize)> = Vec::new();
        {
            let mut first_of: HashMap<String, usize> = HashMap::new();
            let mut kept = Vec::with_capacity(writes.len());
            for (i, write) in writes.drain(..) {
                let identity = match (&write.id, &write.upsert_key) {
                    (Some(id), _) => Some(format!("id:{id}")),
                    (None, Some((field, value))) => {
                        Some(format!("key:{field}={}", match_key(value)))
                    }
                    _ => None,
                };
                match identity {
                    Some(identity) => match first_of.get(&identity) {
                        Some(&first) => shared.push((i, first)),
                        None => {
                            first_of.insert(identity, i);
                            kept.push((i, write));
                        }
                    },
                    None => kept.push((i, write)),
                }
            }
            writes = kept;
        }
        if !writes.is_empty() {
            let batch: Vec<Write> = writes.iter().map(|(_, w)| w.clone()).collect();
            let results = if batch.iter().any(|w| w.marker.is_some() && w.id.is_none()) {
                let fresh = self
                    .record_intents(&batch, &recs_ids(recs, &planned, &writes))
                    .await;
                target.writer.write_fresh(object, &batch, &fresh).await
            } else {
                target.writer.write(object, &batch).await
            };
            for (n, (i, write)) in writes.iter().enumerate() {
                let rec = &mut recs[planned[*i].rec];
                match results.get(n) {
                    Some(Ok(id)) => {
                        ids.insert(*i, id.clone());
                        let mut sent = write.fields.clone();
                        if let Some((field, value)) = &write.upsert_key {
                            sent.insert(field.clone(), value.clone());
                        }
                        rec.log.push(json!({
                            "target": target.spec.name,
                            "object": object,
                            "id": id,
                            "action": if write.id.is_some() { "update" } else { "create" },
                            "fields": sent,
                        }));
                        if write.id.is_some() {
                            rec.updated = true;
                        } else {
                            // An upsert by key may have updated a record made by an earlier
                            // attempt; either way the record now exists.
                            rec.created = true;
                            rec.fresh.push(id.clone());
                        }
                    }
                    Some(Err(e)) => {
                        rec.failed = Some(failure_with(
                            e,
                            format!(
                                "flow {}, record {}: writing {object} failed: {}",
                                self.name, rec.row.id, e.message
                            ),
                        ));
                    }
                    None => {
                        rec.failed = Some(Failure::transient(
                            "NO_OUTCOME",
                            format!(
                                "flow {}, record {}: the {object} write gave no answer for it; \
                                 it is retried",
                                self.name, rec.row.id
                            ),
                        ));
                    }
                }
            }
        }
        for (i, first) in shared {
            let first_rec = planned[first].rec;
            let outcome = recs[first_rec].failed.clone();
            let first_id = recs[first_rec].row.id.clone();
            let rec = &mut recs[planned[i].rec];
            match (ids.get(&first).cloned(), outcome) {
                (Some(id), _) => {
                    ids.insert(i, id);
                    rec.updated = true;
                }
                (None, Some(failure)) if rec.failed.is_none() => {
                    rec.failed = Some(Failure {
                        message: format!(
                            "flow {}, record {}: shares its {object} with record {} whose write \
                             failed: {}",
                            self.name, rec.row.id, first_id, failure.message
                        ),
                        ..failure
                    });
                }
                _ => {}
            }
        }
        // 5. Remember what each target holds now, for later targets and the links.
        for (i, plan) in planned.into_iter().enumerate() {
            let rec = &mut recs[plan.rec];
            if rec.failed.is_some() {
                continue;
            }
            let id = ids.get(&i).cloned().or(plan.existing_id.clone());
            // What the target holds now: its current record (read by the lookup, so fields
            // such as an Order's StatusCode are there for later targets) with this write over it.
            let mut held = match plan.existing.as_ref().map(|e| &e.data) {
                Some(Value::Object(current)) => current.clone(),
                _ => Map::new(),
            };
            held.extend(plan.fields.clone());
            if let Some(id) = &id {
                held.insert("Id".into(), Value::String(id.clone()));
            }
            if target.each.is_some() {
                match rec
                    .targets
                    .entry(target.spec.name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    Value::Array(list) => list.push(Value::Object(held)),
                    other => *other = Value::Array(vec![Value::Object(held)]),
                }
            } else {
                rec.targets
                    .insert(target.spec.name.clone(), Value::Object(held));
            }
            rec.written.insert(
                format!("{}#{}", target.spec.name, rec.written.len()),
                Value::Object(plan.fields),
            );
            if dry {
                continue;
            }
            if let (Some(entity), Some(id)) = (&target.xref, &id) {
                let (brightpearl_id, salesforce_id) = match self.spec.source.system {
                    System::Brightpearl => (rec.row.id.clone(), id.clone()),
                    System::Salesforce => (id.clone(), rec.row.id.clone()),
                };
                let link = NewLink {
                    tenant: self.tenant.clone(),
                    entity: entity.clone(),
                    brightpearl_id,
                    salesforce_id,
                };
                match self.store.link(&link).await {
                    Ok(made) => {
                        let primary = self.targets.iter().find_map(|t| t.xref.as_ref());
                        if primary == Some(entity) {
                            rec.link = Some(made);
                        }
                    }
                    Err(e) => {
                        rec.failed = Some(Failure::permanent(
                            "LINK_CONFLICT",
                            format!(
                                "flow {}, record {}: {object} {id} was written but cannot be \
                                 linked: {e}. Another source record is already linked to it: \
                                 they are probably duplicates; merge them in the source system, \
                                 then retry",
                                self.name, rec.row.id
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// Looks up existing target records for the planned records at `lookups` by `fields`;
    /// fills `existing`. With `matching`, values compare normalised and a record matching
    /// several is returned as ambiguous (plan index, candidate ids).
    async fn find_into(
        &self,
        target: &CompiledTarget,
        planned: &mut [Planned],
        lookups: &[usize],
        fields: &[String],
        read_fields: &[String],
        matching: bool,
    ) -> Result<Vec<(usize, Vec<String>)>, AdapterError> {
        let mut values: Vec<Vec<Value>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &i in lookups {
            let tuple = key_values(&planned[i].fields, fields);
            if tuple.iter().any(Value::is_null) {
                continue;
            }
            if seen.insert(tuple_key(&tuple)) {
                values.push(tuple);
            }
        }
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let mut wanted: Vec<String> = read_fields.to_vec();
        for f in fields {
            if !wanted.contains(f) {
                wanted.push(f.clone());
            }
        }
        let rows = target
            .writer
            .find(&target.spec.object, fields, &values, &wanted)
            .await?;
        let mut by_key: HashMap<String, Vec<Row>> = HashMap::new();
        for row in rows {
            let tuple: Vec<Value> = fields
                .iter()
                .map(|f| row.data.get(f).cloned().unwrap_or(Value::Null))
                .collect();
            by_key.entry(tuple_key(&tuple)).or_default().push(row);
        }
        let mut ambiguous = Vec::new();
        for &i in lookups {
            let tuple = key_values(&planned[i].fields, fields);
            if tuple.iter().any(Value::is_null) {
                continue;
            }
            let Some(found) = by_key.get(&tuple_key(&tuple)) else {
                continue;
            };
            if matching && found.len() > 1 {
                ambiguous.push((i, found.iter().map(|r| r.id.clone()).collect()));
                continue;
            }
            if let Some(row) = found.first() {
                planned[i].existing_id = Some(row.id.clone());
                planned[i].existing = Some(row.clone());
                planned[i].matched = matching;
            }
        }
        Ok(ambiguous)
    }

    /// A record found by a match rule that already stands for another source record (its key
    /// holds another value, it is linked to another record, or another record of this batch
    /// matched it first) is not taken over: the two source records are probably one customer
    /// entered twice, which a person must resolve. Linking both would make them overwrite
    /// each other's key on every sync.
    async fn refuse_claimed_matches(
        &self,
        target: &CompiledTarget,
        recs: &mut [Rec],
        planned: &[Planned],
    ) {
        let object = target.spec.object.as_str();
        let mut taken: HashMap<String, String> = HashMap::new();
        for plan in planned.iter().filter(|p| p.matched) {
            let (Some(id), Some(existing)) = (&plan.existing_id, &plan.existing) else {
                continue;
            };
            if !active(&recs[plan.rec]) {
                continue;
            }
            let source_id = recs[plan.rec].row.id.clone();
            let mut owner: Option<String> = None;
            if let [key] = target.spec.key.as_slice() {
                let theirs = existing.data.get(key).cloned().unwrap_or(Value::Null);
                let ours = plan.fields.get(key).cloned().unwrap_or(Value::Null);
                if !super::compare::same(&theirs, &Value::Null)
                    && !super::compare::same(&theirs, &ours)
                {
                    owner = Some(format!("{key} = {theirs}"));
                }
            }
            if owner.is_none()
                && let Some(entity) = &target.xref
            {
                let linked = match self.spec.source.system {
                    System::Brightpearl => {
                        self.store
                            .link_by_salesforce(&self.tenant, entity, id)
                            .await
                    }
                    System::Salesforce => {
                        self.store
                            .link_by_brightpearl(&self.tenant, entity, id)
                            .await
                    }
                };
                if let Ok(Some(link)) = linked {
                    let other = match self.spec.source.system {
                        System::Brightpearl => link.brightpearl_id,
                        System::Salesforce => link.salesforce_id,
                    };
                    if other != source_id {
                        owner = Some(format!("linked to source record {other}"));
                    }
                }
            }
            if owner.is_none() {
                match taken.get(id) {
                    Some(first) => owner = Some(format!("matched first by record {first}")),
                    None => {
                        taken.insert(id.clone(), source_id.clone());
                    }
                }
            }
            if let Some(owner) = owner {
                recs[plan.rec].failed = Some(Failure::permanent(
                    "POSSIBLE_DUPLICATE",
                    format!(
                        "flow {}, record {source_id}: it matches {object} {id}, which already \
                         stands for another record ({owner}); the two source records are \
                         probably the same customer entered twice: merge them in the source \
                         system (or change the value they share), then retry",
                        self.name
                    ),
                ));
            }
        }
    }

    fn drift(
        &self,
        target: &CompiledTarget,
        rec: &Rec,
        target_id: Option<String>,
        fields: Vec<String>,
    ) -> Drift {
        Drift {
            record: rec.row.id.clone(),
            target: target.spec.name.clone(),
            object: target.spec.object.clone(),
            missing: target_id.is_none(),
            target_id,
            fields,
        }
    }

    async fn write_back(&self, recs: &mut [Rec], base: &Value) {
        let Some(writer) = &self.source_writer else {
            return;
        };
        let mut writes = Vec::new();
        let mut owners = Vec::new();
        for (index, rec) in recs.iter_mut().enumerate().filter(|(_, r)| active(r)) {
            let link = rec
                .link
                .as_ref()
                .map(|l| link_value(&l.brightpearl_id, &l.salesforce_id));
            let ctx = context(
                &rec.row.data,
                &rec.targets,
                base,
                link.as_ref(),
                &rec.lookups,
            );
            let mut fields = Map::new();
            for (field, expr) in &self.write_back {
                match expr.eval(&ctx) {
                    Ok(value) => {
                        let current = rec.row.data.get(field);
                        if current.is_none_or(|c| !super::compare::same(c, &value)) {
                            fields.insert(field.clone(), value);
                        }
                    }
                    Err(e) => {
                        rec.failed = Some(Failure::permanent(
                            "MAPPING_ERROR",
                            format!(
                                "flow {}, record {}, write-back {field}: {e}",
                                self.name, rec.row.id
                            ),
                        ));
                    }
                }
            }
            if !fields.is_empty() && rec.failed.is_none() {
                // The sync status rides along: one update of the source record, not two.
                let status = self.success_status(rec);
                rec.status_sent = true;
                fields.extend(status);
                owners.push(index);
                writes.push(Write {
                    id: Some(rec.row.id.clone()),
                    upsert_key: None,
                    fields,
                    marker: None,
                });
            }
        }
        if writes.is_empty() {
            return;
        }
        let results = writer.write(&self.spec.source.object, &writes).await;
        for (n, index) in owners.into_iter().enumerate() {
            if let Some(Err(e)) = results.get(n) {
                recs[index].failed = Some(Failure::transient(
                    e.code.clone(),
                    format!(
                        "flow {}, record {}: the target was written but the write-back to the \
                         source failed: {}",
                        self.name, recs[index].row.id, e.message
                    ),
                ));
            }
        }
    }

    /// Records the intent to create each marked record before the create is sent, in one
    /// store transaction; returns which creates are fresh (no intent was recorded before, so
    /// no earlier attempt can have made the record). When the ledger cannot be read, none is.
    async fn record_intents(&self, batch: &[Write], record_ids: &[String]) -> Vec<bool> {
        let mut effects = Vec::new();
        let mut at = Vec::new();
        for (n, write) in batch.iter().enumerate() {
            if let (Some(marker), None) = (&write.marker, &write.id) {
                at.push(n);
                effects.push(ferry_store::NewEffect {
                    tenant: self.tenant.clone(),
                    key: format!("create:{marker}"),
                    flow: self.name.clone(),
                    record_id: record_ids.get(n).cloned().unwrap_or_default(),
                    detail: json!({ "marker": marker }),
                });
            }
        }
        let mut fresh = vec![false; batch.len()];
        match self.store.apply_effects(&effects).await {
            Ok(outcomes) => {
                for (n, outcome) in at.into_iter().zip(outcomes) {
                    fresh[n] = matches!(outcome, ferry_store::EffectOutcome::Applied { .. });
                }
            }
            Err(e) => {
                tracing::warn!(flow = %self.name, error = %e,
                    "recording create intents failed; every create looks its marker up");
            }
        }
        fresh
    }

    /// Hands related records to the flows named in `notify` (after a successful sync).
    async fn notify(&self, recs: &[Rec], base: &Value) {
        for notify in &self.notify {
            let mut ids = std::collections::BTreeSet::new();
            for rec in recs.iter().filter(|r| active(r)) {
                let ctx = context(&rec.row.data, &rec.targets, base, None, &rec.lookups);
                if let Ok(value) = notify.ids.eval(&ctx) {
                    ids.extend(super::lookups::id_list(value));
                }
            }
            if ids.is_empty() {
                continue;
            }
            let ids: Vec<String> = ids.into_iter().collect();
            if let Err(e) = self.enqueue(&notify.flow, &ids).await {
                tracing::warn!(flow = %self.name, other = %notify.flow, error = %e,
                    "handing records to another flow failed; its polling and reconciliation catch up");
            }
        }
    }

    /// The `[status]` fields of a record that synced: the time when something was written
    /// (or an error is cleared), the error cleared when one shows.
    fn success_status(&self, rec: &Rec) -> Map<String, Value> {
        let status = &self.spec.status;
        let mut fields = Map::new();
        let shows_error = status
            .error
            .as_ref()
            .and_then(|f| rec.row.data.get(f))
            .and_then(Value::as_str)
            .is_some_and(|e| !e.is_empty());
        if let Some(field) = &status.error
            && shows_error
        {
            fields.insert(field.clone(), Value::Null);
        }
        if let Some(field) = &status.synced_at
            && (rec.created || rec.updated || shows_error)
        {
            let now = Timestamp::now()
                .to_datetime()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            fields.insert(field.clone(), Value::from(now));
        }
        fields
    }

    /// Writes each record's sync result into the source fields named by `[status]`: the time
    /// after a write, the error (or the reason it waits) when it differs from what is there.
    async fn write_status(&self, recs: &mut [Rec]) {
        let status = &self.spec.status;
        let Some(writer) = &self.source_writer else {
            return;
        };
        if status.synced_at.is_none() && status.error.is_none() {
            return;
        }
        let mut writes = Vec::new();
        let mut owners = Vec::new();
        for (index, rec) in recs.iter().enumerate() {
            if rec.skipped.is_some() || (rec.status_sent && rec.failed.is_none()) {
                continue;
            }
            let mut fields = Map::new();
            let current_error = status
                .error
                .as_ref()
                .and_then(|f| rec.row.data.get(f))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match &rec.failed {
                Some(failure) => {
                    if let Some(field) = &status.error {
                        // The record is the one it is shown on: its flow and id go.
                        let prefix = format!("flow {}, record {}: ", self.name, rec.row.id);
                        let message = failure
                            .message
                            .strip_prefix(&prefix)
                            .unwrap_or(&failure.message);
                        let text: String = format!("{}: {message}", failure.code)
                            .chars()
                            .take(255)
                            .collect();
                        if text != current_error {
                            fields.insert(field.clone(), Value::from(text));
                        }
                    }
                }
                None => fields = self.success_status(rec),
            }
            if !fields.is_empty() {
                owners.push(index);
                writes.push(Write {
                    id: Some(rec.row.id.clone()),
                    upsert_key: None,
                    fields,
                    marker: None,
                });
            }
        }
        if writes.is_empty() {
            return;
        }
        let results = writer.write(&self.spec.source.object, &writes).await;
        for (n, index) in owners.into_iter().enumerate() {
            if let Some(Err(e)) = results.get(n) {
                // The sync itself stands; only its display failed.
                tracing::warn!(flow = %self.name, record = %recs[index].row.id, error = %e,
                    "writing the sync status to the source record failed");
            }
        }
    }

    /// Records the content hash and source version on each record's primary link.
    async fn commit(&self, recs: &mut [Rec]) {
        let Some(entity) = self.targets.iter().find_map(|t| t.xref.clone()) else {
            return;
        };
        let direction = match self.spec.source.system {
            System::Brightpearl => Direction::ToSalesforce,
            System::Salesforce => Direction::ToBrightpearl,
        };
        for rec in recs.iter_mut().filter(|r| active(r)) {
            let Some(link) = &rec.link else { continue };
            let write = LinkWrite {
                tenant: self.tenant.clone(),
                entity: entity.clone(),
                brightpearl_id: link.brightpearl_id.clone(),
                direction,
                content_hash: content_hash(&rec.written),
                source_version: rec.row.version.clone(),
                base: (!rec.base_out.is_empty())
                    .then(|| Value::Object(rec.base_out.clone()).to_string()),
            };
            if let Err(e) = self.store.record_write(&write).await {
                rec.failed = Some(Failure::transient(
                    "STORE_ERROR",
                    format!(
                        "flow {}, record {}: written, but recording the write failed: {e}",
                        self.name, rec.row.id
                    ),
                ));
            }
        }
    }

    /// Records what this batch's syncs did in the store's sync log (the record trace). A log
    /// that cannot be written is a warning, never a failure of the records: they were synced.
    async fn log_syncs(&self, recs: &[Rec]) {
        let entries: Vec<NewSyncEntry> = recs
            .iter()
            .map(|rec| {
                let (outcome, detail) = if let Some(f) = &rec.failed {
                    (
                        "failed",
                        json!({"code": f.code, "message": f.message, "writes": rec.log}),
                    )
                } else if let Some(reason) = &rec.skipped {
                    ("skipped", json!({"reason": reason}))
                } else {
                    let outcome = if rec.created {
                        "created"
                    } else if rec.updated {
                        "updated"
                    } else {
                        "unchanged"
                    };
                    (outcome, json!({"writes": rec.log, "locked": rec.locked}))
                };
                NewSyncEntry {
                    tenant: self.tenant.clone(),
                    flow: self.name.clone(),
                    source: self.spec.source.system,
                    object: self.spec.source.object.clone(),
                    record_id: rec.row.id.clone(),
                    outcome: outcome.to_owned(),
                    detail,
                }
            })
            .collect();
        if let Err(error) = self.store.log_syncs(&entries).await {
            tracing::warn!(flow = %self.name, %error, "could not record the syncs in the sync log");
        }
    }

    /// Source records that no longer exist: targets with `on_delete = { set = … }` get those
    /// fields (deactivate rather than delete); the others keep their records.
    async fn deleted(&self, ids: &[String]) -> Vec<RecordOutcome> {
        let mut outcomes: Vec<RecordOutcome> = ids
            .iter()
            .map(|id| RecordOutcome {
                id: id.clone(),
                result: Ok(Change::Gone),
            })
            .collect();
        if ids.is_empty() {
            return outcomes;
        }
        for target in &self.targets {
            let ferry_mapping::spec::OnDelete::Set(set) = &target.spec.on_delete else {
                continue;
            };
            let Some(entity) = &target.xref else { continue };
            let mut writes = Vec::new();
            let mut owners = Vec::new();
            for (n, id) in ids.iter().enumerate() {
                match self.link_of(entity, id).await {
                    Ok(Some(link)) => {
                        owners.push(n);
                        writes.push(Write {
                            id: Some(self.other_side(&link)),
                            upsert_key: None,
                            fields: set.clone().into_iter().collect(),
                            marker: None,
                        });
                    }
                    Ok(None) => {}
                    Err(f) => outcomes[n].result = Err(f),
                }
            }
            if writes.is_empty() {
                continue;
            }
            let results = target.writer.write(&target.spec.object, &writes).await;
            for (k, n) in owners.into_iter().enumerate() {
                outcomes[n].result = match results.get(k) {
                    Some(Ok(_)) => Ok(Change::Deactivated),
                    Some(Err(e)) => Err(e.to_failure()),
                    None => Err(Failure::transient(
                        "NO_OUTCOME",
                        "the deactivation gave no answer; it is retried",
                    )),
                };
            }
        }
        outcomes
    }
}

/// The source record id of each write of a batch.
fn recs_ids(recs: &[Rec], planned: &[Planned], writes: &[(usize, Write)]) -> Vec<String> {
    writes
        .iter()
        .map(|(i, _)| recs[planned[*i].rec].row.id.clone())
        .collect()
}

fn active(rec: &Rec) -> bool {
    rec.failed.is_none() && rec.skipped.is_none()
}

/// Whether any of `fields` of a mapped record holds the id of a record created in this run.
fn keyed_by_fresh(mapped: &Map<String, Value>, fields: &[String], fresh: &[String]) -> bool {
    !fresh.is_empty()
        && fields.iter().any(|f| {
            mapped
                .get(f)
                .and_then(Value::as_str)
                .is_some_and(|v| fresh.iter().any(|id| id == v))
        })
}

fn tuple_key(values: &[Value]) -> String {
    values
        .iter()
        .map(match_key)
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

fn describe_key(key: &[String], fields: &Map<String, Value>) -> String {
    if key.is_empty() {
        return "no key".into();
    }
    key.iter()
        .map(|k| format!("{k} = {}", fields.get(k).unwrap_or(&Value::Null)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fail_all(recs: &mut [Rec], planned: &[Planned], e: &AdapterError, doing: &str, object: &str) {
    for plan in planned {
        let rec = &mut recs[plan.rec];
        if rec.failed.is_none() {
            rec.failed = Some(failure_with(
                e,
                format!("{doing} ({object}) failed: {}", e.message),
            ));
        }
    }
}

fn read_failure(object: &str, e: &AdapterError) -> Failure {
    failure_with(
        e,
        format!("reading the source {object} failed: {}", e.message),
    )
}

/// The queue's failure for an adapter error (its kind and code), told in the flow's words.
fn failure_with(e: &AdapterError, message: String) -> Failure {
    Failure {
        message,
        ..e.to_failure()
    }
}

fn metrics_for(flow: &str, recs: &[Rec]) {
    for rec in recs {
        let outcome = if rec.failed.is_some() {
            "failed"
        } else if rec.skipped.is_some() {
            "skipped"
        } else if rec.created {
            "created"
        } else if rec.updated {
            "updated"
        } else {
            "unchanged"
        };
        metrics::counter!("ferry_flow_records_total", "flow" => flow.to_string(), "outcome" => outcome)
            .increment(1);
    }
}
