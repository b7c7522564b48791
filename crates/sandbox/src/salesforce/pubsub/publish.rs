//! `Publish` and `PublishStream`: platform events (`/event/<Name>__e`) published by clients.
//! Each event gets its own `PublishResult` (correlation key = the event's id); change data
//! capture topics cannot be published to. The server does not validate the Avro payload, as
//! Salesforce does not.

use super::{BoxStream, bus_status, replay_bytes, status, topic_not_found};
use crate::salesforce::cdc::{Bus, MAX_EVENT_BYTES};
use ferry_sfproto::{Error, ErrorCode, PublishRequest, PublishResponse, PublishResult};
use std::sync::Arc;
use tokio::sync::watch;
use tonic::{Code, Status, Streaming};

/// Publishes one request's events.
pub(super) fn publish(
    bus: &Bus,
    request: PublishRequest,
    rpc_id: String,
) -> Result<PublishResponse, Status> {
    let topic = bus
        .topic(&request.topic_name)
        .ok_or_else(|| topic_not_found(&request.topic_name, &rpc_id))?;
    if !topic.can_publish {
        return Err(status(
            Code::PermissionDenied,
            None,
            &format!(
                "The topic {} is a change data capture channel: only Salesforce publishes its events. Publish to a platform event topic (/event/<Name>__e).",
                topic.name
            ),
            &rpc_id,
        ));
    }
    let mut results: Vec<Option<PublishResult>> = Vec::with_capacity(request.events.len());
    let mut accepted = Vec::new();
    let mut slots = Vec::new();
    let mut keys = Vec::with_capacity(request.events.len());
    for (index, event) in request.events.into_iter().enumerate() {
        // A client may leave the id empty; Salesforce then makes one up.
        let key = if event.id.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            event.id
        };
        keys.push(key.clone());
        if event.payload.len() > MAX_EVENT_BYTES {
            results.push(Some(failed(
                key,
                format!(
                    "The event is {} bytes; the most an event may be is {MAX_EVENT_BYTES} bytes (1 MB). Publish less data per event.",
                    event.payload.len()
                ),
            )));
            continue;
        }
        results.push(None);
        slots.push(index);
        accepted.push((key, event.schema_id, event.payload));
    }
    let outcomes = if accepted.is_empty() {
        Vec::new()
    } else {
        bus.publish(&topic.name, accepted)
            .map_err(|e| bus_status(e, &rpc_id))?
    };
    if outcomes.len() != slots.len() {
        return Err(status(
            Code::Internal,
            None,
            &format!(
                "The event bus answered {} results for {} events; nothing can be said about which were published. Read the topic before publishing again.",
                outcomes.len(),
                slots.len()
            ),
            &rpc_id,
        ));
    }
    for (slot, outcome) in slots.into_iter().zip(outcomes) {
        let key = keys.get(slot).cloned().unwrap_or_default();
        let result = match outcome {
            Ok(replay_id) => PublishResult {
                replay_id: replay_bytes(replay_id),
                error: None,
                correlation_key: key,
            },
            Err(message) => failed(key, message),
        };
        if let Some(place) = results.get_mut(slot) {
            *place = Some(result);
        }
    }
    Ok(PublishResponse {
        results: results.into_iter().flatten().collect(),
        schema_id: topic.schema_id,
        rpc_id,
    })
}

fn failed(correlation_key: String, msg: String) -> PublishResult {
    PublishResult {
        replay_id: Vec::new(),
        error: Some(Error {
            code: ErrorCode::Publish as i32,
            msg,
        }),
        correlation_key,
    }
}

/// `PublishStream`: one `PublishResponse` per request, in order; a request that fails as a
/// whole (unknown topic, a change event channel) ends the stream with its status.
pub(super) fn stream(
    bus: Arc<Bus>,
    inbound: Streaming<PublishRequest>,
    rpc_id: String,
    stopped: watch::Receiver<bool>,
) -> BoxStream<PublishResponse> {
    let state = Some((bus, inbound, stopped));
    Box::pin(futures_util::stream::unfold(state, move |state| {
        let rpc_id = rpc_id.clone();
        async move {
            let (bus, mut inbound, mut stopped) = state?;
            let message = tokio::select! {
                message = inbound.message() => message,
                _ = stopped.changed() => {
                    let status = status(Code::Unavailable, None, "The sandbox is shutting down: publish again when it is back.", &rpc_id);
                    return Some((Err(status), None));
                }
            };
            match message {
                Ok(Some(request)) => {
                    let response = publish(&bus, request, rpc_id);
                    let go_on = response.is_ok();
                    Some((response, go_on.then_some((bus, inbound, stopped))))
                }
                // The client finished (or went away).
                Ok(None) | Err(_) => None,
            }
        }
    }))
}
