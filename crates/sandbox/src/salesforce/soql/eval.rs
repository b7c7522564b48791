//! Running a plan over the org: filter by reference (no copies, no JSON), sort only what the
//! page window needs, group and aggregate.

use super::ast::Func;
use super::filter::order;
use super::plan::{AggregateCall, FieldPath, Plan, Shape, SortKey, SortTarget};
use crate::salesforce::ids::SfId;
use crate::salesforce::org::{Org, Record};
use crate::salesforce::value::Value;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// The result of a query, before rendering.
#[derive(Debug, Clone, PartialEq)]
pub enum Rows {
    /// The matching records' ids, in result order.
    Records(Vec<SfId>),
    /// `COUNT()`: how many.
    Count(usize),
    /// Aggregate rows, one value per slot.
    Aggregate(Vec<Vec<Value>>),
}

/// Runs a top-level plan.
pub fn run(org: &Org, plan: &Plan, include_deleted: bool) -> Rows {
    let candidates = org
        .records(plan.object)
        .iter()
        .filter(move |r| include_deleted || !r.is_deleted());
    match &plan.shape {
        Shape::Records => Rows::Records(
            select(org, plan, candidates)
                .iter()
                .map(|r| r.id())
                .collect(),
        ),
        Shape::Count { groups } => {
            let matched = candidates.filter(|r| passes(org, plan, r));
            let count = if groups.is_empty() {
                matched.count()
            } else {
                let mut keys = HashSet::new();
                for record in matched {
                    keys.insert(group_key(groups.iter().map(|g| g.value(org, record))));
                }
                keys.len()
            };
            Rows::Count(window_len(count, plan))
        }
        Shape::Aggregate { groups, calls } => {
            let matched: Vec<&Record> = candidates.filter(|r| passes(org, plan, r)).collect();
            Rows::Aggregate(aggregate(org, plan, groups, calls, &matched))
        }
    }
}

fn passes(org: &Org, plan: &Plan, record: &Record) -> bool {
    plan.filter.as_ref().is_none_or(|f| f.matches(org, record))
}

fn window_len(count: usize, plan: &Plan) -> usize {
    let after_offset = count.saturating_sub(plan.offset);
    plan.limit
        .map_or(after_offset, |limit| after_offset.min(limit))
}

/// Filters candidates (in their order), sorts by the plan's keys and cuts the
/// OFFSET/LIMIT window. With LIMIT, only the rows the window needs are fully sorted.
pub fn select<'o>(
    org: &'o Org,
    plan: &Plan,
    candidates: impl Iterator<Item = &'o Record>,
) -> Vec<&'o Record> {
    let end = plan.limit.map(|limit| plan.offset.saturating_add(limit));
    let matched = candidates.filter(|r| passes(org, plan, r));
    if plan.order.is_empty() {
        let rows = matched.skip(plan.offset);
        return match plan.limit {
            Some(limit) => rows.take(limit).collect(),
            None => rows.collect(),
        };
    }
    // The position breaks ties, so the order is total and paging is stable.
    let mut rows: Vec<(usize, &Record)> = matched.enumerate().collect();
    let compare = |a: &(usize, &Record), b: &(usize, &Record)| {
        compare_records(org, &plan.order, a.1, b.1).then(a.0.cmp(&b.0))
    };
    if let Some(end) = end
        && end < rows.len()
    {
        if end > 0 {
            rows.select_nth_unstable_by(end - 1, compare);
        }
        rows.truncate(end);
    }
    rows.sort_unstable_by(compare);
    let rows = rows.into_iter().skip(plan.offset).map(|(_, r)| r);
    match plan.limit {
        Some(limit) => rows.take(limit).collect(),
        None => rows.collect(),
    }
}

fn compare_records(org: &Org, keys: &[SortKey], a: &Record, b: &Record) -> Ordering {
    for key in keys {
        if let SortTarget::Field(path) = &key.target {
            let ordering = compare_values(path.value(org, a), path.value(org, b), key);
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
    }
    Ordering::Equal
}

/// Orders two values for one key: nulls where the key puts them, the rest ascending or
/// descending.
fn compare_values(a: &Value, b: &Value, key: &SortKey) -> Ordering {
    let null_side = if key.nulls_last {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => null_side,
        (false, true) => null_side.reverse(),
        (false, false) => {
            let ordering = order(a, b);
            if key.descending {
                ordering.reverse()
            } else {
                ordering
            }
        }
    }
}

/// A grouping key: equal values (text ignoring case) give equal keys.
fn group_key<'v>(values: impl Iterator<Item = &'v Value>) -> String {
    let mut key = String::new();
    for value in values {
        match value {
            Value::Null => key.push('\u{0}'),
            Value::Text(text) => {
                key.push('t');
                key.push_str(&text.to_lowercase());
            }
            other => {
                key.push('v');
                key.push_str(&other.to_csv());
            }
        }
        key.push('\u{1}');
    }
    key
}

enum Accumulator {
    Count(i64),
    Distinct(HashSet<String>),
    Sum(Option<f64>),
    Avg(f64, u64),
    Min(Value),
    Max(Value),
}

impl Accumulator {
    fn new(func: Func) -> Accumulator {
        match func {
            Func::Count => Accumulator::Count(0),
            Func::CountDistinct => Accumulator::Distinct(HashSet::new()),
            Func::Sum => Accumulator::Sum(None),
            Func::Avg => Accumulator::Avg(0.0, 0),
            Func::Min => Accumulator::Min(Value::Null),
            Func::Max => Accumulator::Max(Value::Null),
        }
    }

    fn add(&mut self, value: &Value) {
        if value.is_null() {
            return;
        }
        match self {
            Accumulator::Count(n) => *n += 1,
            Accumulator::Distinct(seen) => {
                seen.insert(group_key(std::iter::once(value)));
            }
            Accumulator::Sum(sum) => {
                *sum = Some(sum.unwrap_or(0.0) + value.as_f64().unwrap_or(0.0))
            }
            Accumulator::Avg(sum, n) => {
                *sum += value.as_f64().unwrap_or(0.0);
                *n += 1;
            }
            Accumulator::Min(best) => {
                if best.is_null() || order(value, best) == Ordering::Less {
                    *best = value.clone();
                }
            }
            Accumulator::Max(best) => {
                if best.is_null() || order(value, best) == Ordering::Greater {
                    *best = value.clone();
                }
            }
        }
    }

    fn finish(self) -> Value {
        match self {
            Accumulator::Count(n) => Value::Int(n),
            Accumulator::Distinct(seen) => Value::Int(seen.len() as i64),
            Accumulator::Sum(sum) => sum.map_or(Value::Null, Value::Number),
            Accumulator::Avg(_, 0) => Value::Null,
            Accumulator::Avg(sum, n) => Value::Number(sum / n as f64),
            Accumulator::Min(value) | Accumulator::Max(value) => value,
        }
    }
}

/// Groups the matched records and computes each group's row: grouped values, then aggregates.
/// Without GROUP BY there is exactly one row, even over no records.
fn aggregate(
    org: &Org,
    plan: &Plan,
    groups: &[FieldPath],
    calls: &[AggregateCall],
    matched: &[&Record],
) -> Vec<Vec<Value>> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows: Vec<(Vec<Value>, Vec<Accumulator>)> = Vec::new();
    let new_group = |record: Option<&Record>| {
        let values = groups
            .iter()
            .map(|g| record.map_or(Value::Null, |r| g.value(org, r).clone()))
            .collect();
        (
            values,
            calls.iter().map(|c| Accumulator::new(c.func)).collect(),
        )
    };
    if groups.is_empty() {
        rows.push(new_group(None));
    }
    for record in matched {
        let slot = if groups.is_empty() {
            0
        } else {
            let key = group_key(groups.iter().map(|g| g.value(org, record)));
            *index.entry(key).or_insert_with(|| {
                rows.push(new_group(Some(record)));
                rows.len() - 1
            })
        };
        for (call, accumulator) in calls.iter().zip(rows[slot].1.iter_mut()) {
            match &call.arg {
                Some(path) => accumulator.add(path.value(org, record)),
                None => accumulator.add(&Value::Bool(true)),
            }
        }
    }
    let mut out: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|(mut values, accumulators)| {
            values.extend(accumulators.into_iter().map(Accumulator::finish));
            values
        })
        .collect();
    if !plan.order.is_empty() {
        out.sort_by(|a, b| {
            for key in &plan.order {
                if let SortTarget::Slot(slot) = key.target {
                    let ordering = compare_values(&a[slot], &b[slot], key);
                    if ordering != Ordering::Equal {
                        return ordering;
                    }
                }
            }
            Ordering::Equal
        });
    }
    let rows = out.into_iter().skip(plan.offset);
    match plan.limit {
        Some(limit) => rows.take(limit).collect(),
        None => rows.collect(),
    }
}
