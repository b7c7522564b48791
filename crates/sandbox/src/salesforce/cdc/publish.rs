//! Events that do not come from the change log: platform event definitions and publishing,
//! and injected gap events. They take the next bus-wide replay id when they are added.

use super::avro::{self, PlatformField};
use super::bus::{Entry, Filter, Stored, StoredTopic};
use super::event::Header;
use super::{Bus, BusError, BusEvent, GapType, MAX_EVENT_BYTES, OVERFLOW_RECORD_ID, TopicInfo};
use crate::salesforce::value;
use std::sync::Arc;

impl Bus {
    /// Defines (or redefines) the platform event `name` (`Order_Shipped__e`) with these
    /// fields; its topic is `/event/<name>`.
    pub fn define_platform_event(
        &self,
        name: &str,
        fields: &[PlatformField],
    ) -> Result<TopicInfo, BusError> {
        let schema = avro::platform_schema(name, fields)
            .map_err(|err| BusError::Publish(err.to_string()))?;
        let topic = format!("/event/{name}");
        let info = TopicInfo {
            name: topic.clone(),
            schema_id: schema.id.clone(),
            can_publish: true,
            can_subscribe: true,
        };
        let mut state = self.lock();
        state
            .by_schema_id
            .insert(schema.id.clone(), schema.json.clone());
        state.platform.insert(topic, Arc::new(schema));
        Ok(info)
    }

    /// Appends platform events to `topic`: each gets a replay id, or an error naming why it
    /// was refused (wrong schema id, over 1 MB). The payload is not validated, as Salesforce
    /// does not validate it either.
    pub fn publish(
        &self,
        topic: &str,
        events: Vec<(String, String, Vec<u8>)>,
    ) -> Result<Vec<Result<u64, String>>, BusError> {
        let mut results = Vec::with_capacity(events.len());
        {
            let mut state = self.lock();
            let schema = match state.filter(topic) {
                None => return Err(BusError::UnknownTopic(topic.to_string())),
                Some(Filter::Platform(_)) => state.platform.get(topic).cloned(),
                Some(_) => {
                    return Err(BusError::Publish(format!(
                        "{topic} is a change event channel; only platform event topics (/event/<Name>__e) take published events"
                    )));
                }
            };
            let Some(schema) = schema else {
                return Err(BusError::UnknownTopic(topic.to_string()));
            };
            let now = value::now_ms();
            for (id, schema_id, payload) in events {
                if schema_id != schema.id {
                    results.push(Err(format!(
                        "schema id {schema_id:?} is not the schema of {topic} ({}); fetch it with GetTopic and GetSchema",
                        schema.id
                    )));
                    continue;
                }
                if payload.len() > MAX_EVENT_BYTES {
                    results.push(Err(format!(
                        "the event is {} bytes; the most an event may be is {MAX_EVENT_BYTES} bytes (1 MB)",
                        payload.len()
                    )));
                    continue;
                }
                let replay_id = state.next_id;
                state.next_id += 1;
                let event_id = if id.is_empty() {
                    uuid::Uuid::new_v4().to_string()
                } else {
                    id
                };
                state.entries.push_back(Entry::Stored(Arc::new(Stored {
                    at_ms: now,
                    topic: StoredTopic::Platform(topic.to_string()),
                    event: BusEvent {
                        replay_id,
                        event_id,
                        schema_id,
                        payload,
                    },
                })));
                results.push(Ok(replay_id));
            }
        }
        self.notify_latest();
        Ok(results)
    }

    /// Adds one header-only gap event for `record_ids` of `entity` (what a real org sends when
    /// it cannot deliver a change: the consumer must re-read the records). `commit_user` is
    /// the header's user. Returns the event's replay id.
    pub fn inject_gap(
        &self,
        entity: &str,
        record_ids: Vec<String>,
        gap: GapType,
        commit_user: String,
    ) -> Result<u64, BusError> {
        let replay_id = {
            let mut state = self.lock();
            if !state.schemas.contains_key(entity) {
                return Err(BusError::UnknownTopic(format!(
                    "/data/{}",
                    avro::event_name(entity)
                )));
            }
            let record_ids = if record_ids.is_empty() && gap == GapType::Overflow {
                vec![OVERFLOW_RECORD_ID.to_string()]
            } else {
                record_ids
            };
            if record_ids.is_empty() {
                return Err(BusError::Publish(format!(
                    "a {} event needs at least one record id",
                    gap.name()
                )));
            }
            let now = value::now_ms();
            let header = Header {
                entity: entity.to_string(),
                record_ids,
                change_type: gap.name(),
                change_origin: String::new(),
                transaction_key: uuid::Uuid::new_v4().to_string(),
                sequence_number: 1,
                commit_timestamp: now,
                commit_number: 0,
                commit_user,
            };
            state
                .push_header_only(header, now)
                .map_err(BusError::Publish)?
        };
        self.notify_latest();
        Ok(replay_id)
    }
}
