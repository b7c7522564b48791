//! The plan: check the records, resolve dependencies, choose lanes, run them, and resend what
//! failed for a passing reason. The choices (validation, links, components, lanes) are pure
//! functions tested without I/O; [`run`] strings them together with the lanes.

use super::outcome::{self, failed, may_resubmit};
use super::{
    Ctx, Dependency, Lane, LaneChoice, MAX_COMPOSITE_SUBREQUESTS, MAX_GRAPH_NODES, RecordWrite,
    WriteOp, WriteOutcome, bulk, collections, composite, single,
};
use crate::soql::{Ident, RecordId};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

/// One record on its way to a lane.
#[derive(Debug, Clone)]
pub(crate) struct Item<'a> {
    /// Its position in the batch.
    pub(crate) index: usize,
    /// The record.
    pub(crate) record: &'a RecordWrite,
    /// Its fields, with the ids of records it depends on filled in once known.
    pub(crate) fields: Cow<'a, Map<String, Value>>,
    /// Records of this wave it must follow (Composite/Graph turn them into references).
    pub(crate) links: Vec<Link>,
}

/// A dependency on a record written in the same call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The field to set to the target's id (`None`: order only).
    pub(crate) field: Option<String>,
    /// The target's position in the batch.
    pub(crate) target: usize,
}

/// Outcomes by batch position.
pub(crate) type Outcomes = Vec<(usize, WriteOutcome)>;

/// What a record's dependencies became after checking them against the batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Deps {
    /// Fields set from a target whose id is known without writing it (update, delete).
    known: Vec<(String, String)>,
    /// Targets that must be written first.
    links: Vec<Link>,
}

/// Checks a record's names and ids before anything is sent (they go into URLs).
fn validate(record: &RecordWrite) -> Result<(), WriteOutcome> {
    let what = || format!("{} {:?}", record.object, record.reference);
    if let Err(e) = Ident::object(&record.object) {
        return Err(failed(
            "INVALID_TYPE",
            format!("{}: {e}", what()),
            Vec::new(),
            false,
        ));
    }
    match &record.op {
        WriteOp::Upsert {
            external_id_field,
            external_id,
        } => {
            if Ident::field(external_id_field).is_err() || external_id_field.contains('.') {
                return Err(failed(
                    "INVALID_FIELD",
                    format!(
                        "{}: {external_id_field:?} is not a field's API name; name the object's \
                         external id field (for example ExternalID__c)",
                        what()
                    ),
                    vec![external_id_field.clone()],
                    false,
                ));
            }
            if external_id.is_empty() {
                return Err(failed(
                    "REQUIRED_FIELD_MISSING",
                    format!(
                        "{}: the external id {external_id_field} is empty; an upsert needs the \
                         value that identifies the record",
                        what()
                    ),
                    vec![external_id_field.clone()],
                    false,
                ));
            }
        }
        WriteOp::Update { id } | WriteOp::Delete { id } => {
            if let Err(e) = RecordId::new(id) {
                return Err(failed(
                    "MALFORMED_ID",
                    format!("{}: {e}", what()),
                    vec!["Id".into()],
                    false,
                ));
            }
        }
        WriteOp::Create => {}
    }
    Ok(())
}

/// Resolves every record's dependencies to batch positions. A reference that names no
/// record, or several, fails the record.
fn link_batch(batch: &[RecordWrite]) -> Vec<Result<Deps, WriteOutcome>> {
    let mut by_reference: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, record) in batch.iter().enumerate() {
        by_reference
            .entry(record.reference.as_str())
            .or_default()
            .push(i);
    }
    batch
        .iter()
        .enumerate()
        .map(|(i, record)| {
            validate(record)?;
            let mut deps = Deps::default();
            for dependency in &record.depends_on {
                let target = dependency.target();
                let found = by_reference.get(target).map(Vec::as_slice).unwrap_or(&[]);
                let &[t] = found else {
                    let (code, why) = if found.is_empty() {
                        (
                            "UNKNOWN_REFERENCE",
                            "no record of the batch has that reference",
                        )
                    } else {
                        (
                            "AMBIGUOUS_REFERENCE",
                            "several records of the batch have that reference",
                        )
                    };
                    return Err(failed(
                        code,
                        format!(
                            "{} {:?} depends on {target:?}, but {why}; put the record it depends \
                             on in the same batch under a unique reference",
                            record.object, record.reference
                        ),
                        Vec::new(),
                        false,
                    ));
                };
                if t == i {
                    return Err(failed(
                        "DEPENDENCY_CYCLE",
                        format!(
                            "{} {:?} depends on itself; remove that dependency",
                            record.object, record.reference
                        ),
                        Vec::new(),
                        false,
                    ));
                }
                let field = match dependency {
                    Dependency::IdOf { field, .. } => Some(field.clone()),
                    Dependency::After { .. } => None,
                };
                match (&field, &batch[t].op) {
                    (Some(field), WriteOp::Update { id } | WriteOp::Delete { id }) => {
                        deps.known.push((field.clone(), id.clone()));
                    }
                    _ => deps.links.push(Link { field, target: t }),
                }
            }
            Ok(deps)
        })
        .collect()
}

/// The lane a group of `n` independent records takes.
pub(crate) fn lane_for(choice: LaneChoice, resubmission: bool, n: usize, threshold: usize) -> Lane {
    if let LaneChoice::Force(lane @ (Lane::Single | Lane::Collections | Lane::Bulk)) = choice
        && !resubmission
    {
        return lane;
    }
    if n <= 1 {
        Lane::Single
    } else if n <= threshold {
        Lane::Collections
    } else {
        Lane::Bulk
    }
}

/// Records that share one call shape: the same operation, object and external id field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GroupKey {
    op: &'static str,
    object: String,
    external_id_field: Option<String>,
}

fn group_key(record: &RecordWrite) -> GroupKey {
    GroupKey {
        op: record.op.bulk_name(),
        object: record.object.clone(),
        external_id_field: match &record.op {
            WriteOp::Upsert {
                external_id_field, ..
            } => Some(external_id_field.clone()),
            _ => None,
        },
    }
}

/// Groups items by [`GroupKey`], in order of first appearance.
pub(crate) fn groups(items: Vec<Item<'_>>) -> Vec<Vec<Item<'_>>> {
    let mut position: HashMap<GroupKey, usize> = HashMap::new();
    let mut groups: Vec<Vec<Item<'_>>> = Vec::new();
    for item in items {
        let key = group_key(item.record);
        let at = *position.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(item);
    }
    groups
}

/// How one wave splits its items.
#[derive(Debug, Default)]
struct Wave<'a> {
    /// Items with no link inside the wave.
    independent: Vec<Item<'a>>,
    /// Groups of linked items, each in an order where targets come first.
    dependent: Vec<Vec<Item<'a>>>,
    /// Items of groups too big for a graph that must wait for their targets.
    later: Vec<usize>,
    /// Items caught in a dependency cycle.
    cyclic: Vec<usize>,
}

/// Splits the wave's items into independent ones and connected groups (union-find over the
/// links). Groups too big for one graph go out in waves: now only their members without links.
fn split_wave(items: Vec<Item<'_>>) -> Wave<'_> {
    let position: HashMap<usize, usize> = items
        .iter()
        .enumerate()
        .map(|(p, item)| (item.index, p))
        .collect();
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (p, item) in items.iter().enumerate() {
        for link in &item.links {
            if let Some(&q) = position.get(&link.target) {
                let (a, b) = (find(&mut parent, p), find(&mut parent, q));
                parent[a] = b;
            }
        }
    }
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots_in_order = Vec::new();
    for p in 0..items.len() {
        let root = find(&mut parent, p);
        let entry = members.entry(root).or_default();
        if entry.is_empty() {
            roots_in_order.push(root);
        }
        entry.push(p);
    }
    let mut slots: Vec<Option<Item<'_>>> = items.into_iter().map(Some).collect();
    let mut wave = Wave::default();
    for root in roots_in_order {
        let group = members.remove(&root).unwrap_or_default();
        if group.len() == 1 {
            if let Some(item) = group.first().and_then(|&p| slots[p].take()) {
                wave.independent.push(item);
            }
            continue;
        }
        if group.len() > MAX_GRAPH_NODES {
            for p in group {
                let ready = slots[p].as_ref().is_some_and(|item| item.links.is_empty());
                match slots[p].take() {
                    Some(item) if ready => wave.independent.push(item),
                    Some(item) => wave.later.push(item.index),
                    None => {}
                }
            }
            continue;
        }
        let group_items: Vec<Item<'_>> = group.iter().filter_map(|&p| slots[p].take()).collect();
        match topological(group_items) {
            Ok(ordered) => wave.dependent.push(ordered),
            Err(indices) => wave.cyclic.extend(indices),
        }
    }
    wave
}

/// Orders a group so that every target comes before the items linking to it; on a cycle,
/// the positions of the whole group.
fn topological(items: Vec<Item<'_>>) -> Result<Vec<Item<'_>>, Vec<usize>> {
    let mut remaining = items;
    let mut ordered: Vec<Item<'_>> = Vec::with_capacity(remaining.len());
    let mut placed: BTreeSet<usize> = BTreeSet::new();
    let inside: BTreeSet<usize> = remaining.iter().map(|i| i.index).collect();
    while !remaining.is_empty() {
        let (ready, rest): (Vec<_>, Vec<_>) = remaining.into_iter().partition(|item| {
            item.links
                .iter()
                .all(|l| placed.contains(&l.target) || !inside.contains(&l.target))
        });
        if ready.is_empty() {
            let mut all: Vec<usize> = ordered.iter().map(|i| i.index).collect();
            all.extend(rest.iter().map(|i| i.index));
            return Err(all);
        }
        placed.extend(ready.iter().map(|i| i.index));
        ordered.extend(ready);
        remaining = rest;
    }
    Ok(ordered)
}

/// Writes `batch`: one outcome per record, in input order.
pub(crate) async fn run(ctx: &Ctx<'_>, batch: &[RecordWrite]) -> Vec<WriteOutcome> {
    let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; batch.len()];
    let mut deps: Vec<Deps> = Vec::with_capacity(batch.len());
    for (i, linked) in link_batch(batch).into_iter().enumerate() {
        match linked {
            Ok(d) => deps.push(d),
            Err(outcome) => {
                outcomes[i] = Some(outcome);
                deps.push(Deps::default());
            }
        }
    }
    let mut pending: BTreeSet<usize> = (0..batch.len())
        .filter(|&i| outcomes[i].is_none())
        .collect();
    let mut round = 0u32;
    loop {
        write_round(ctx, batch, &deps, pending, &mut outcomes, round > 0).await;
        if round >= ctx.options.max_resubmits {
            break;
        }
        let again: BTreeSet<usize> = (0..batch.len())
            .filter(|&i| {
                outcomes[i]
                    .as_ref()
                    .is_some_and(|o| may_resubmit(&batch[i], o))
            })
            .collect();
        if again.is_empty() {
            break;
        }
        round += 1;
        tokio::time::sleep(ctx.options.resubmit_delay * round).await;
        for &i in &again {
            outcomes[i] = None;
        }
        ctx.with_report(|r| {
            r.resubmitted += again.len();
            r.resubmit_rounds = round;
        });
        pending = again;
    }
    debug_assert!(
        outcomes.iter().all(Option::is_some),
        "every record of the batch has an outcome"
    );
    outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                failed(
                    "INTERNAL",
                    "Ferry's write planner gave this record no outcome; it was probably not \
                     written. Please report this; the record is retried",
                    Vec::new(),
                    true,
                )
            })
        })
        .collect()
}

/// One round: every record of `pending`, in waves until none is left.
async fn write_round(
    ctx: &Ctx<'_>,
    batch: &[RecordWrite],
    deps: &[Deps],
    mut waiting: BTreeSet<usize>,
    outcomes: &mut [Option<WriteOutcome>],
    resubmission: bool,
) {
    while !waiting.is_empty() {
        fail_dependents_of_failures(batch, deps, &mut waiting, outcomes);
        let items: Vec<Item<'_>> = waiting
            .iter()
            .map(|&i| item(batch, deps, &waiting, outcomes, i))
            .collect();
        if items.is_empty() {
            break;
        }
        let wave = split_wave(items);
        for &i in &wave.cyclic {
            outcomes[i] = Some(failed(
                "DEPENDENCY_CYCLE",
                format!(
                    "{} {:?} is part of a dependency cycle in the batch (records that each wait \
                     for another); break the cycle, e.g. write one of them without the reference \
                     and update it afterwards",
                    batch[i].object, batch[i].reference
                ),
                Vec::new(),
                false,
            ));
        }
        let progress = !wave.independent.is_empty() || !wave.dependent.is_empty();
        let mut done: Vec<usize> = wave.cyclic.clone();
        done.extend(wave.independent.iter().map(|i| i.index));
        done.extend(wave.dependent.iter().flatten().map(|i| i.index));
        for group in groups(wave.independent) {
            let threshold = ctx.options.bulk_threshold.unwrap_or(usize::MAX);
            let lane = lane_for(ctx.options.lane, resubmission, group.len(), threshold);
            settle(outcomes, run_lane(ctx, lane, group).await);
        }
        if !wave.dependent.is_empty() {
            let nodes: usize = wave.dependent.iter().map(Vec::len).sum();
            let results = if nodes <= MAX_COMPOSITE_SUBREQUESTS {
                composite::run_composite(ctx, wave.dependent.into_iter().flatten().collect()).await
            } else {
                composite::run_graphs(ctx, wave.dependent).await
            };
            settle(outcomes, results);
        }
        for i in done {
            waiting.remove(&i);
        }
        if !progress {
            for &i in &wave.later {
                outcomes[i] = Some(failed(
                    "DEPENDENCY_CYCLE",
                    format!(
                        "{} {:?} waits for records that wait for it (a dependency cycle); break \
                         the cycle",
                        batch[i].object, batch[i].reference
                    ),
                    Vec::new(),
                    false,
                ));
                waiting.remove(&i);
            }
        }
    }
}

/// Runs one group of independent records through `lane`; Bulk records whose job failed as a
/// whole go through Collections.
async fn run_lane<'a>(ctx: &Ctx<'_>, lane: Lane, group: Vec<Item<'a>>) -> Outcomes {
    match lane {
        Lane::Single => single::run(ctx, group).await,
        Lane::Bulk => {
            let (mut results, fallback) = bulk::run(ctx, group).await;
            if !fallback.is_empty() {
                ctx.with_report(|r| r.bulk_fallbacks += fallback.len());
                results.extend(collections::run(ctx, fallback).await);
            }
            results
        }
        Lane::Collections | Lane::Composite | Lane::Graph => collections::run(ctx, group).await,
    }
}

/// Records outcomes.
fn settle(outcomes: &mut [Option<WriteOutcome>], results: Outcomes) {
    for (i, outcome) in results {
        debug_assert!(outcomes[i].is_none(), "record {i} got two outcomes");
        outcomes[i] = Some(outcome);
    }
}

/// Fails waiting records whose target failed (and, in turn, their own dependents), with the
/// target's transience: a record waiting for a locked parent is resent with it.
fn fail_dependents_of_failures(
    batch: &[RecordWrite],
    deps: &[Deps],
    waiting: &mut BTreeSet<usize>,
    outcomes: &mut [Option<WriteOutcome>],
) {
    loop {
        let mut newly = Vec::new();
        for &i in waiting.iter() {
            let failed_target = deps[i].links.iter().find_map(|l| {
                if waiting.contains(&l.target) {
                    return None;
                }
                match &outcomes[l.target] {
                    Some(WriteOutcome::Failed {
                        code, transient, ..
                    }) => Some((l.target, code.clone(), *transient)),
                    Some(WriteOutcome::Ok { .. }) => None,
                    None => Some((l.target, "NOT_WRITTEN".to_owned(), true)),
                }
            });
            if let Some((t, code, transient)) = failed_target {
                newly.push((i, t, code, transient));
            }
        }
        if newly.is_empty() {
            return;
        }
        for (i, t, code, transient) in newly {
            waiting.remove(&i);
            outcomes[i] = Some(failed(
                "DEPENDENCY_FAILED",
                format!(
                    "{} {:?} was not written because {} {:?}, which it depends on, failed with \
                     {code}; fix that record and both are written",
                    batch[i].object, batch[i].reference, batch[t].object, batch[t].reference
                ),
                Vec::new(),
                transient,
            ));
        }
    }
}

/// The item for record `i`: ids of written targets filled in, links to waiting ones kept.
fn item<'a>(
    batch: &'a [RecordWrite],
    deps: &[Deps],
    waiting: &BTreeSet<usize>,
    outcomes: &[Option<WriteOutcome>],
    i: usize,
) -> Item<'a> {
    let record = &batch[i];
    let mut fields = Cow::Borrowed(&record.fields);
    for (field, id) in &deps[i].known {
        fields
            .to_mut()
            .insert(field.clone(), Value::String(id.clone()));
    }
    let mut links = Vec::new();
    for link in &deps[i].links {
        if waiting.contains(&link.target) {
            links.push(link.clone());
        } else if let (Some(field), Some(WriteOutcome::Ok { id, .. })) =
            (&link.field, &outcomes[link.target])
        {
            fields
                .to_mut()
                .insert(field.clone(), Value::String(id.clone()));
        }
    }
    Item {
        index: i,
        record,
        fields,
        links,
    }
}

/// The outcome for an item whose call failed as a whole.
pub(crate) fn all_failed(items: &[Item<'_>], error: &ferry_http::Error) -> Outcomes {
    let failure = outcome::from_call_error(error);
    items.iter().map(|i| (i.index, failure.clone())).collect()
}

#[cfg(test)]
mod tests;

/// Runs `futures` with at most `limit` of them at once; results in completion order.
///
/// A loop over `FuturesUnordered` rather than `StreamExt::buffer_unordered`: a stream that
/// keeps a closure over borrowed items across awaits hides from rustc that the whole write is
/// `Send` (rust-lang/rust#102211), and callers (the flow runtime's adapters) need it to be.
pub(crate) async fn at_most<F: std::future::Future>(
    limit: usize,
    futures: Vec<F>,
) -> Vec<F::Output> {
    use futures_util::StreamExt;
    let mut waiting = futures.into_iter();
    let mut running = futures_util::stream::FuturesUnordered::new();
    for future in waiting.by_ref().take(limit.max(1)) {
        running.push(future);
    }
    let mut done = Vec::new();
    while let Some(result) = running.next().await {
        done.push(result);
        if let Some(future) = waiting.next() {
            running.push(future);
        }
    }
    done
}
