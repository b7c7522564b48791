//! Records that depend on each other (reference §6.2, §6.4): one Composite call
//! (`allOrNone=false`: a failed record fails alone and the records referring to it are not
//! run) for up to 25 records, Composite Graph for more (each group of connected records one
//! all-or-nothing graph, ≤ 500 nodes and ≤ 75 graphs a call). A record linking to another
//! gets `@{ref.id}` in the linking field; referenceIds are Ferry's own (`r<position>`), so a
//! caller's reference never has to fit Salesforce's referenceId rules.

use super::outcome::{failed, from_item_errors, unknown};
use super::planner::{Item, Outcomes, all_failed};
use super::single::{request_of, success};
use super::{Ctx, Lane, MAX_GRAPH_NODES, MAX_GRAPHS, WriteOutcome};
use crate::model::SaveError;
use ferry_http::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The referenceId of the record at batch position `index`.
fn reference_id(index: usize) -> String {
    format!("r{index}")
}

/// The subrequest writing `item`, with references to the records it links to.
fn subrequest(prefix: &str, item: &Item<'_>) -> Value {
    let request = request_of(item);
    let mut sub = Map::new();
    sub.insert("method".into(), Value::String(request.method.to_string()));
    sub.insert(
        "url".into(),
        Value::String(format!("{prefix}{}", request.path)),
    );
    sub.insert(
        "referenceId".into(),
        Value::String(reference_id(item.index)),
    );
    if let Some(mut body) = request.body {
        for link in &item.links {
            if let Some(field) = &link.field {
                body.insert(
                    field.clone(),
                    Value::String(format!("@{{{}.id}}", reference_id(link.target))),
                );
            }
        }
        sub.insert("body".into(), Value::Object(body));
    }
    Value::Object(sub)
}

/// One subresponse.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubResponse {
    #[serde(default)]
    body: Value,
    #[serde(default)]
    http_status_code: u16,
    #[serde(default)]
    reference_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeAnswer {
    #[serde(default)]
    composite_response: Vec<SubResponse>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphAnswer {
    #[serde(default)]
    graphs: Vec<GraphResult>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphResult {
    graph_id: String,
    #[serde(default)]
    graph_response: Option<CompositeAnswer>,
    #[serde(default)]
    is_successful: bool,
}

/// Outcomes of `items` (in the order they were sent, targets first) from their subresponses.
/// `rolled_back` says whether a record without its own error was undone because another
/// record of its transaction failed (a graph) rather than left alone (Composite without
/// allOrNone). A record not run because a record it links to failed gets `DEPENDENCY_FAILED`
/// with that record's transience; one undone for a sibling's failure is transient.
fn read_responses(items: &[Item<'_>], responses: Vec<SubResponse>, rolled_back: bool) -> Outcomes {
    let mut by_reference: HashMap<String, SubResponse> = responses
        .into_iter()
        .filter_map(|r| r.reference_id.clone().map(|id| (id, r)))
        .collect();
    let mut outcomes: HashMap<usize, WriteOutcome> = HashMap::new();
    let mut first_failure: Option<(usize, String)> = None;
    for item in items {
        let outcome = match by_reference.remove(&reference_id(item.index)) {
            None if rolled_back => halted(item, first_failure.as_ref()),
            None => unknown("Salesforce's Composite answer has no result for this record"),
            Some(response) if response.http_status_code < 300 => {
                success(&item.record.op, response.http_status_code, &response.body)
            }
            Some(response) => {
                let errors: Vec<SaveError> =
                    serde_json::from_value(response.body).unwrap_or_default();
                let code = errors
                    .first()
                    .map(|e| e.status_code.as_str())
                    .unwrap_or_default();
                if code == "PROCESSING_HALTED" {
                    let failed_target = item.links.iter().find_map(|l| {
                        outcomes.get(&l.target).and_then(|o| match o {
                            WriteOutcome::Failed { transient, .. } => Some((l.target, *transient)),
                            WriteOutcome::Ok { .. } => None,
                        })
                    });
                    match failed_target {
                        Some((target, transient)) => {
                            dependency_failed(items, item, target, transient)
                        }
                        None => halted(item, first_failure.as_ref()),
                    }
                } else {
                    let outcome = from_item_errors(&errors);
                    if first_failure.is_none() {
                        first_failure = Some((item.index, code.to_owned()));
                    }
                    outcome
                }
            }
        };
        outcomes.insert(item.index, outcome);
    }
    items
        .iter()
        .filter_map(|i| outcomes.remove(&i.index).map(|o| (i.index, o)))
        .collect()
}

/// A record undone because another record of its transaction failed.
fn halted(item: &Item<'_>, first_failure: Option<&(usize, String)>) -> WriteOutcome {
    let why = first_failure.map_or_else(
        || "another record of its graph failed".to_owned(),
        |(index, code)| format!("record #{index} of the batch failed with {code}"),
    );
    failed(
        "PROCESSING_HALTED",
        format!(
            "{} {:?} was rolled back because {why}; it is sent again without that record",
            item.record.object, item.record.reference
        ),
        Vec::new(),
        true,
    )
}

fn dependency_failed(
    items: &[Item<'_>],
    item: &Item<'_>,
    target: usize,
    transient: bool,
) -> WriteOutcome {
    let target_name = items
        .iter()
        .find(|i| i.index == target)
        .map(|i| format!("{} {:?}", i.record.object, i.record.reference))
        .unwrap_or_else(|| format!("record #{target}"));
    failed(
        "DEPENDENCY_FAILED",
        format!(
            "{} {:?} was not written because {target_name}, which it depends on, failed; fix \
             that record and both are written",
            item.record.object, item.record.reference
        ),
        Vec::new(),
        transient,
    )
}

/// Writes up to 25 linked records in one Composite call.
pub(crate) async fn run_composite(ctx: &Ctx<'_>, items: Vec<Item<'_>>) -> Outcomes {
    let prefix = ctx.data_prefix();
    let requests: Vec<Value> = items.iter().map(|i| subrequest(&prefix, i)).collect();
    let idempotent = items.iter().all(|i| i.record.op.is_idempotent());
    let call = ctx
        .client
        .call(Method::POST, "/composite")
        .idempotent(idempotent)
        .json(
            &json!({"allOrNone": false, "collateSubrequests": false, "compositeRequest": requests}),
        );
    let call = match call {
        Ok(call) => call,
        Err(e) => return all_failed(&items, &e),
    };
    ctx.note_call(Lane::Composite, items.len());
    let answer: CompositeAnswer = match ctx.client.send(&call).await {
        Ok(reply) => match reply.json("salesforce") {
            Ok(answer) => answer,
            Err(e) => {
                let lost = unknown(&format!("the Composite answer could not be read: {e}"));
                return items.iter().map(|i| (i.index, lost.clone())).collect();
            }
        },
        Err(e) => return all_failed(&items, &e),
    };
    read_responses(&items, answer.composite_response, false)
}

/// Packs groups into Graph calls of ≤ 500 nodes and ≤ 75 graphs, in order.
fn pack<T>(groups: Vec<Vec<T>>) -> Vec<Vec<Vec<T>>> {
    let mut payloads: Vec<Vec<Vec<T>>> = Vec::new();
    let mut nodes = 0;
    for group in groups {
        let fits = payloads
            .last()
            .is_some_and(|p| p.len() < MAX_GRAPHS && nodes + group.len() <= MAX_GRAPH_NODES);
        if !fits {
            payloads.push(Vec::new());
            nodes = 0;
        }
        nodes += group.len();
        if let Some(payload) = payloads.last_mut() {
            payload.push(group);
        }
    }
    payloads
}

/// Writes one Graph call.
async fn write_payload(ctx: &Ctx<'_>, graphs: Vec<Vec<Item<'_>>>) -> Outcomes {
    let prefix = ctx.data_prefix();
    let body: Vec<Value> = graphs
        .iter()
        .enumerate()
        .map(|(n, graph)| {
            let requests: Vec<Value> = graph.iter().map(|i| subrequest(&prefix, i)).collect();
            json!({"graphId": format!("g{n}"), "compositeRequest": requests})
        })
        .collect();
    let all: Vec<Item<'_>> = graphs.iter().flatten().cloned().collect();
    let idempotent = all.iter().all(|i| i.record.op.is_idempotent());
    let call = match ctx
        .client
        .call(Method::POST, "/composite/graph")
        .idempotent(idempotent)
        .json(&json!({"graphs": body}))
    {
        Ok(call) => call,
        Err(e) => return all_failed(&all, &e),
    };
    ctx.note_call(Lane::Graph, all.len());
    let answer: GraphAnswer = match ctx.client.send(&call).await {
        Ok(reply) => match reply.json("salesforce") {
            Ok(answer) => answer,
            Err(e) => {
                let lost = unknown(&format!("the Graph answer could not be read: {e}"));
                return all.iter().map(|i| (i.index, lost.clone())).collect();
            }
        },
        Err(e) => return all_failed(&all, &e),
    };
    let mut by_id: HashMap<String, GraphResult> = answer
        .graphs
        .into_iter()
        .map(|g| (g.graph_id.clone(), g))
        .collect();
    let mut outcomes = Vec::with_capacity(all.len());
    for (n, graph) in graphs.iter().enumerate() {
        match by_id.remove(&format!("g{n}")) {
            Some(result) => {
                let responses = result
                    .graph_response
                    .map(|r| r.composite_response)
                    .unwrap_or_default();
                outcomes.extend(read_responses(graph, responses, !result.is_successful));
            }
            None => {
                let lost = unknown("Salesforce's Graph answer has no result for this graph");
                outcomes.extend(graph.iter().map(|i| (i.index, lost.clone())));
            }
        }
    }
    outcomes
}

/// Writes groups of linked records through Composite Graph, several calls at once.
pub(crate) async fn run_graphs(ctx: &Ctx<'_>, groups: Vec<Vec<Item<'_>>>) -> Outcomes {
    let writes: Vec<_> = pack(groups)
        .into_iter()
        .map(|payload| write_payload(ctx, payload))
        .collect();
    let results: Vec<Outcomes> = super::planner::at_most(ctx.options.concurrency, writes).await;
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_are_packed_under_the_node_and_graph_limits() {
        let groups: Vec<Vec<u8>> = vec![vec![0; 300], vec![0; 200], vec![0; 1], vec![0; 500]];
        let sizes: Vec<Vec<usize>> = pack(groups)
            .iter()
            .map(|p| p.iter().map(Vec::len).collect())
            .collect();
        assert_eq!(sizes, vec![vec![300, 200], vec![1], vec![500]]);
        let many: Vec<Vec<u8>> = (0..80).map(|_| vec![0; 2]).collect();
        let counts: Vec<usize> = pack(many).iter().map(Vec::len).collect();
        assert_eq!(counts, vec![75, 5]);
    }
}
