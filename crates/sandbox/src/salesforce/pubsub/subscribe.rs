//! `Subscribe`: one bidirectional stream per subscriber. The first `FetchRequest` fixes the
//! topic and the start point; every request adds credit (`num_requested`, at most 100
//! outstanding); events go out as soon as there is credit for them; an idle stream gets an
//! empty `FetchResponse` carrying `latest_replay_id` every keepalive interval (§9.6).

use super::{
    BoxStream, REPLAY_CORRUPTED, bus_status, parse_replay, replay_bytes, status, topic_not_found,
};
use crate::salesforce::cdc::{Bus, Start};
use ferry_sfproto::{ConsumerEvent, FetchRequest, FetchResponse, ProducerEvent, ReplayPreset};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tonic::{Code, Status, Streaming};

/// The most events a subscriber may have requested and not yet received.
pub const MAX_CREDIT: i32 = 100;

/// Payload bytes per `FetchResponse` before the next events go into another one: gRPC
/// clients refuse messages over 4 MB by default (Python's grpcio among them).
const RESPONSE_BYTES: usize = 3 * 1024 * 1024;

/// Where the next read starts.
#[derive(Debug, Clone, Copy)]
enum Cursor {
    /// The oldest retained event: nothing delivered yet on an EARLIEST subscription.
    Earliest,
    /// Strictly after this replay id.
    After(u64),
}

impl Cursor {
    fn start(self) -> Start {
        match self {
            Cursor::Earliest => Start::Earliest,
            Cursor::After(id) => Start::After(id),
        }
    }
}

/// One Subscribe call.
pub(super) struct Subscription {
    bus: Arc<Bus>,
    inbound: Streaming<FetchRequest>,
    rpc_id: String,
    keepalive: Duration,
    stopped: watch::Receiver<bool>,
}

type Sender = mpsc::Sender<Result<FetchResponse, Status>>;

impl Subscription {
    pub(super) fn new(
        bus: Arc<Bus>,
        inbound: Streaming<FetchRequest>,
        rpc_id: String,
        keepalive: Duration,
        stopped: watch::Receiver<bool>,
    ) -> Subscription {
        Subscription {
            bus,
            inbound,
            rpc_id,
            keepalive,
            stopped,
        }
    }

    /// Serves the subscription on a task; the returned stream is what the client reads. A
    /// failure ends the stream with its status.
    pub(super) fn run(self) -> BoxStream<FetchResponse> {
        let (tx, rx) = mpsc::channel(4);
        tokio::spawn(async move {
            if let Err(status) = self.serve(&tx).await {
                let _ = tx.send(Err(status)).await;
            }
        });
        Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        }))
    }

    async fn serve(mut self, tx: &Sender) -> Result<(), Status> {
        let first = tokio::select! {
            message = self.inbound.message() => message,
            _ = tx.closed() => return Ok(()),
            _ = self.stopped.changed() => return Err(self.shutting_down()),
        };
        // A client that goes away (or half-closes) before asking for anything is done.
        let Ok(Some(first)) = first else {
            return Ok(());
        };
        let topic = first.topic_name.clone();
        let info = self
            .bus
            .topic(&topic)
            .ok_or_else(|| topic_not_found(&topic, &self.rpc_id))?;
        if !info.can_subscribe {
            return Err(status(
                Code::PermissionDenied,
                None,
                &format!("The topic {topic} cannot be subscribed to."),
                &self.rpc_id,
            ));
        }
        let mut cursor = self.start(&topic, &first)?;
        let mut credit = add_credit(0, first.num_requested);
        let mut inbound_open = true;
        let mut changes = self.bus.watch();
        let mut idle_since = Instant::now();
        loop {
            if credit > 0 {
                let limit = usize::try_from(credit).unwrap_or(0);
                let batch = self
                    .bus
                    .read(&topic, cursor.start(), limit)
                    .map_err(|e| bus_status(e, &self.rpc_id))?;
                if !batch.events.is_empty() {
                    for chunk in chunks(batch.events) {
                        let Some(last) = chunk.last().map(|e| e.replay_id) else {
                            continue;
                        };
                        cursor = Cursor::After(last);
                        credit -= i32::try_from(chunk.len()).unwrap_or(MAX_CREDIT);
                        let response = FetchResponse {
                            events: chunk.into_iter().map(consumer_event).collect(),
                            latest_replay_id: replay_bytes(last),
                            rpc_id: self.rpc_id.clone(),
                            pending_num_requested: credit,
                        };
                        if tx.send(Ok(response)).await.is_err() {
                            return Ok(());
                        }
                    }
                    idle_since = Instant::now();
                    continue;
                }
            } else if !inbound_open {
                // No credit and no way to get more: the subscription is over.
                return Ok(());
            }
            tokio::select! {
                message = self.inbound.message(), if inbound_open => match message {
                    Ok(Some(request)) => {
                        if !request.topic_name.is_empty() && request.topic_name != topic {
                            return Err(status(
                                Code::InvalidArgument,
                                None,
                                &format!(
                                    "This subscription is to {topic}; a later FetchRequest named {:?}. Every FetchRequest of one Subscribe call must name the same topic: open another Subscribe call for another topic.",
                                    request.topic_name
                                ),
                                &self.rpc_id,
                            ));
                        }
                        credit = add_credit(credit, request.num_requested);
                    }
                    Ok(None) => inbound_open = false,
                    // The client went away.
                    Err(_) => return Ok(()),
                },
                changed = changes.changed() => {
                    if changed.is_err() {
                        return Err(self.shutting_down());
                    }
                }
                _ = tokio::time::sleep_until(idle_since + self.keepalive) => {
                    let response = FetchResponse {
                        events: Vec::new(),
                        latest_replay_id: self.checkpoint(&topic, cursor)?,
                        rpc_id: self.rpc_id.clone(),
                        pending_num_requested: credit,
                    };
                    if tx.send(Ok(response)).await.is_err() {
                        return Ok(());
                    }
                    idle_since = Instant::now();
                }
                _ = tx.closed() => return Ok(()),
                _ = self.stopped.changed() => return Err(self.shutting_down()),
            }
        }
    }

    /// The start point of the first request.
    fn start(&self, topic: &str, first: &FetchRequest) -> Result<Cursor, Status> {
        let preset = ReplayPreset::try_from(first.replay_preset).map_err(|_| {
            status(
                Code::InvalidArgument,
                None,
                &format!(
                    "The replay preset {} is unknown: use LATEST (0), EARLIEST (1) or CUSTOM (2).",
                    first.replay_preset
                ),
                &self.rpc_id,
            )
        })?;
        match preset {
            ReplayPreset::Latest => self
                .bus
                .latest(topic)
                .map(Cursor::After)
                .map_err(|e| bus_status(e, &self.rpc_id)),
            ReplayPreset::Earliest => Ok(Cursor::Earliest),
            ReplayPreset::Custom => {
                let Some(id) = parse_replay(&first.replay_id) else {
                    return Err(status(
                        Code::InvalidArgument,
                        Some(REPLAY_CORRUPTED),
                        &format!(
                            "The replay ID {} is corrupted: use a replay id this topic sent (8 bytes), or subscribe with the LATEST or EARLIEST replay preset.",
                            hex(&first.replay_id)
                        ),
                        &self.rpc_id,
                    ));
                };
                // Checks the id now (expired, or beyond the newest event), not at the first read.
                self.bus
                    .read(topic, Start::After(id), 0)
                    .map_err(|e| bus_status(e, &self.rpc_id))?;
                Ok(Cursor::After(id))
            }
        }
    }

    /// The replay id a keepalive reports: the newest event of the topic when the subscriber
    /// has everything, otherwise the last one delivered (empty when an EARLIEST subscription
    /// has been sent nothing yet), so that a client storing it never skips an event.
    fn checkpoint(&self, topic: &str, cursor: Cursor) -> Result<Vec<u8>, Status> {
        let next = self
            .bus
            .read(topic, cursor.start(), 1)
            .map_err(|e| bus_status(e, &self.rpc_id))?;
        Ok(match cursor {
            Cursor::After(id) if next.events.is_empty() => replay_bytes(id.max(next.latest)),
            Cursor::After(id) => replay_bytes(id),
            Cursor::Earliest if next.events.is_empty() => replay_bytes(next.latest),
            Cursor::Earliest => Vec::new(),
        })
    }

    fn shutting_down(&self) -> Status {
        status(
            Code::Unavailable,
            None,
            "The sandbox is shutting down: subscribe again (with CUSTOM and the last replay id) when it is back.",
            &self.rpc_id,
        )
    }
}

/// Adds a request's credit, never beyond [`MAX_CREDIT`] outstanding.
fn add_credit(credit: i32, requested: i32) -> i32 {
    credit.saturating_add(requested.max(0)).min(MAX_CREDIT)
}

/// Splits events into responses of at most [`RESPONSE_BYTES`] of payload (at least one event
/// each).
fn chunks(
    events: Vec<crate::salesforce::cdc::BusEvent>,
) -> Vec<Vec<crate::salesforce::cdc::BusEvent>> {
    let mut out: Vec<Vec<_>> = Vec::new();
    let mut size = 0;
    for event in events {
        let len = event.payload.len();
        match out.last_mut() {
            Some(current) if size + len <= RESPONSE_BYTES => {
                current.push(event);
                size += len;
            }
            _ => {
                out.push(vec![event]);
                size = len;
            }
        }
    }
    out
}

fn consumer_event(event: crate::salesforce::cdc::BusEvent) -> ConsumerEvent {
    ConsumerEvent {
        event: Some(ProducerEvent {
            id: event.event_id,
            schema_id: event.schema_id,
            payload: event.payload,
            headers: Vec::new(),
        }),
        replay_id: replay_bytes(event.replay_id),
    }
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(empty)".to_string();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_is_capped_at_100_outstanding() {
        assert_eq!(add_credit(0, 2), 2);
        assert_eq!(add_credit(60, 60), 100);
        assert_eq!(add_credit(0, 1000), 100);
        assert_eq!(add_credit(5, -3), 5);
        assert_eq!(add_credit(i32::MAX, i32::MAX), 100);
    }
}
