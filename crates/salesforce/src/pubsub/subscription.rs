//! One `Subscribe` stream with flow control, decoding and reconnects (reference §9.6).

use super::error::{Failure, classify};
use super::event::{ChangeEventHeader, Event, ReplayId};
use super::{PubSub, PubSubError, status_error};
use ferry_sfproto::{ConsumerEvent, FetchRequest, FetchResponse, ReplayPreset};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Streaming;

/// Where a subscription starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// New events only (the tip of the stream).
    Latest,
    /// The oldest retained event.
    Earliest,
    /// The events strictly after this replay id (`CUSTOM`).
    After(ReplayId),
}

impl Replay {
    fn fetch(&self, topic: &str, num_requested: i32) -> FetchRequest {
        let (preset, replay_id) = match self {
            Self::Latest => (ReplayPreset::Latest, Vec::new()),
            Self::Earliest => (ReplayPreset::Earliest, Vec::new()),
            Self::After(id) => (ReplayPreset::Custom, id.0.clone()),
        };
        FetchRequest {
            topic_name: topic.to_owned(),
            replay_preset: preset as i32,
            replay_id,
            num_requested,
            auth_refresh: String::new(),
        }
    }
}

/// What one response brought.
#[derive(Debug, Clone)]
pub enum Received {
    /// Decoded events, in replay order.
    Events {
        /// The events.
        events: Vec<Event>,
        /// The topic's newest replay id when the server answered.
        latest_replay_id: ReplayId,
        /// Credit the server still holds for this stream.
        pending_num_requested: i32,
    },
    /// No events: a keepalive.
    Keepalive {
        /// The topic's newest replay id.
        latest_replay_id: ReplayId,
        /// Credit the server still holds. When it is above zero the server was withholding
        /// nothing, so every event up to `latest_replay_id` has already been delivered.
        pending_num_requested: i32,
    },
}

/// One live subscription. Call [`Subscription::next`] in a loop; each call first tops up the
/// credit (only once the previous answer was handled), then waits for the next response.
pub struct Subscription {
    client: PubSub,
    topic: String,
    /// Where a reconnect starts: the caller's start until something arrives, then after the
    /// newest event handed out (or a keepalive's latest id when nothing was withheld).
    resume: Replay,
    /// Events per request.
    batch: i32,
    /// Credit the server holds for us, as it last reported.
    credit: i32,
    /// The request half of the stream (later FetchRequests only add credit).
    requests: mpsc::Sender<FetchRequest>,
    /// The response half.
    responses: Streaming<FetchResponse>,
    /// The credentials' generation the stream was opened with.
    generation: u64,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.topic)
            .field("resume", &self.resume)
            .field("credit", &self.credit)
            .finish_non_exhaustive()
    }
}

type Stream = (mpsc::Sender<FetchRequest>, Streaming<FetchResponse>, u64);

impl Subscription {
    /// Opens the stream, renewing the session once if the server refuses it and retrying
    /// transient failures with backoff.
    pub(crate) async fn open(
        client: PubSub,
        topic: String,
        start: Replay,
    ) -> Result<Self, PubSubError> {
        let batch = i32::from(client.settings.batch_size.clamp(1, super::MAX_BATCH));
        let (requests, responses, generation) =
            connect_with_retry(&client, &topic, &start, batch, None).await?;
        Ok(Self {
            client,
            topic,
            resume: start,
            batch,
            credit: batch,
            requests,
            responses,
            generation,
        })
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Where a reconnect would start now.
    pub fn position(&self) -> &Replay {
        &self.resume
    }

    /// The next response: events (decoded) or a keepalive. Reconnects after stream failures
    /// from the newest event already handed out, so nothing is skipped and nothing repeated.
    pub async fn next(&mut self) -> Result<Received, PubSubError> {
        let mut renewed = false;
        let mut failures: u32 = 0;
        loop {
            // Ask for more only when the server's credit runs low: fewer, fuller batches.
            if self.credit <= self.batch / 2 {
                let more = self.batch - self.credit.max(0);
                let request = FetchRequest {
                    topic_name: self.topic.clone(),
                    num_requested: more,
                    ..Default::default()
                };
                if self.requests.send(request).await.is_ok() {
                    self.credit = self.batch;
                }
                // A closed request half means the stream ended: the read below reports it.
            }
            let status = match self.responses.message().await {
                Ok(Some(response)) => return self.receive(response).await,
                Ok(None) => tonic::Status::unavailable("the server ended the Subscribe stream"),
                Err(status) => status,
            };
            let failure = classify(&status);
            match failure {
                Failure::Auth if !renewed && self.client.session.renewable() => {
                    renewed = true;
                    self.client.session.renew(self.generation).await?;
                }
                Failure::Transient => {
                    failures += 1;
                    if failures >= self.client.settings.retry.max_attempts {
                        return Err(PubSubError::GaveUp {
                            what: format!("Subscribe {}", self.topic),
                            attempts: failures,
                            last: status.message().to_owned(),
                        });
                    }
                    tracing::warn!(topic = %self.topic, code = ?status.code(), message = status.message(),
                        "the Subscribe stream failed; reconnecting");
                    tokio::time::sleep(self.client.backoff(failures)).await;
                }
                failure => {
                    return Err(status_error(
                        failure,
                        &format!("Subscribe {}", self.topic),
                        &self.topic,
                        self.custom_id(),
                        &status,
                    ));
                }
            }
            let (requests, responses, generation) = connect_with_retry(
                &self.client,
                &self.topic,
                &self.resume,
                self.batch,
                Some(renewed),
            )
            .await?;
            self.requests = requests;
            self.responses = responses;
            self.generation = generation;
            self.credit = self.batch;
        }
    }

    fn custom_id(&self) -> Option<ReplayId> {
        match &self.resume {
            Replay::After(id) => Some(id.clone()),
            _ => None,
        }
    }

    async fn receive(&mut self, response: FetchResponse) -> Result<Received, PubSubError> {
        self.credit = response.pending_num_requested;
        let latest = ReplayId(response.latest_replay_id);
        if response.events.is_empty() {
            if self.credit > 0 && !latest.is_empty() {
                self.resume = Replay::After(latest.clone());
            }
            return Ok(Received::Keepalive {
                latest_replay_id: latest,
                pending_num_requested: response.pending_num_requested,
            });
        }
        let mut events = Vec::with_capacity(response.events.len());
        for consumer in response.events {
            events.push(self.decode(consumer).await?);
        }
        if let Some(last) = events.last() {
            self.resume = Replay::After(last.replay_id.clone());
        }
        Ok(Received::Events {
            events,
            latest_replay_id: latest,
            pending_num_requested: response.pending_num_requested,
        })
    }

    /// Decodes one event against its schema (fetched once per schema id).
    pub async fn decode(&self, consumer: ConsumerEvent) -> Result<Event, PubSubError> {
        let replay_id = ReplayId(consumer.replay_id);
        let decode_error = |message: String| PubSubError::Decode {
            topic: self.topic.clone(),
            replay_id: replay_id.clone(),
            message,
        };
        let producer = consumer
            .event
            .ok_or_else(|| decode_error("the ConsumerEvent carries no event".into()))?;
        let schema = self.client.get_schema(&producer.schema_id).await?;
        let fields = schema.decode(&producer.payload).map_err(decode_error)?;
        let header = ChangeEventHeader::from_fields(&fields, &schema)
            .transpose()
            .map_err(decode_error)?;
        Ok(Event {
            replay_id,
            id: producer.id,
            schema_id: producer.schema_id,
            fields,
            header,
        })
    }
}

/// Opens a stream; `renewed` says whether the caller already renewed the session for this
/// failure (`None`: a fresh subscription, which may renew once itself).
async fn connect_with_retry(
    client: &PubSub,
    topic: &str,
    start: &Replay,
    batch: i32,
    renewed: Option<bool>,
) -> Result<Stream, PubSubError> {
    let mut renewed = renewed.unwrap_or(false);
    let mut failures: u32 = 0;
    loop {
        let (requests, receiver) = mpsc::channel(8);
        // The first request fixes topic and start; the channel has room, so this cannot wait.
        requests
            .send(start.fetch(topic, batch))
            .await
            .map_err(|_| PubSubError::Config {
                message: "the Subscribe request channel closed before use".into(),
            })?;
        let (request, generation) = client.request(ReceiverStream::new(receiver)).await?;
        let status = match client.grpc.clone().subscribe(request).await {
            Ok(response) => return Ok((requests, response.into_inner(), generation)),
            Err(status) => status,
        };
        let failure = classify(&status);
        match failure {
            Failure::Auth if !renewed && client.session.renewable() => {
                renewed = true;
                client.session.renew(generation).await?;
            }
            Failure::Transient => {
                failures += 1;
                if failures >= client.settings.retry.max_attempts {
                    return Err(PubSubError::GaveUp {
                        what: format!("Subscribe {topic}"),
                        attempts: failures,
                        last: status.message().to_owned(),
                    });
                }
                tokio::time::sleep(client.backoff(failures)).await;
            }
            failure => {
                let replay_id = match start {
                    Replay::After(id) => Some(id.clone()),
                    _ => None,
                };
                return Err(status_error(
                    failure,
                    &format!("Subscribe {topic}"),
                    topic,
                    replay_id,
                    &status,
                ));
            }
        }
    }
}
