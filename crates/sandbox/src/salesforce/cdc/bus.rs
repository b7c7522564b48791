//! The bus: replay ids over the change log plus injected and published events, topics,
//! retention, and the watch channel subscribers wait on. See the module docs of `cdc` for the
//! replay id design.

use super::avro::{self, ChangeSchema, PlatformSchema};
use super::event::{self, Body, Header};
use super::{
    ALL_CHANGES, Batch, BusError, BusEvent, BusSettings, GapType, OVERFLOW_RECORD_ID, Start,
    TopicInfo,
};
use crate::salesforce::api::Shared;
use crate::salesforce::changes::{Change, ChangeLog, ChangeType};
use crate::salesforce::org::{CommitHook, Org};
use crate::salesforce::schema::Schema;
use crate::salesforce::value::{self, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// The sandbox's event bus (held in `AppState` as `cdc`).
pub struct Bus {
    state: Mutex<State>,
    /// The org the change events come from (set once the shared state exists).
    shared: OnceLock<Weak<Shared>>,
    notify: watch::Sender<u64>,
    overflow_threshold: usize,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("latest", &*self.notify.borrow())
            .field("overflow_threshold", &self.overflow_threshold)
            .finish_non_exhaustive()
    }
}

pub(super) struct State {
    /// The replay id the next event gets.
    pub(super) next_id: u64,
    /// Retained events in replay order.
    pub(super) entries: VecDeque<Entry>,
    /// Change event schemas by object name.
    pub(super) schemas: HashMap<String, Arc<ChangeSchema>>,
    /// `/data/AccountChangeEvent` → `Account`.
    change_topics: HashMap<String, String>,
    /// Platform events by topic (`/event/Order_Shipped__e`).
    pub(super) platform: HashMap<String, Arc<PlatformSchema>>,
    /// Every schema ever served, by id (a redefined platform event keeps its old schema).
    pub(super) by_schema_id: HashMap<String, String>,
    retention: Duration,
    /// Bumped whenever a new org is attached (part of change event ids).
    epoch: u64,
}

pub(super) enum Entry {
    /// One committed transaction's change events: replay ids `first_replay..first_replay+count`
    /// are change-log sequence numbers `first_seq..first_seq+count`.
    Changes {
        first_replay: u64,
        first_seq: u64,
        count: u64,
        at_ms: i64,
    },
    /// An event stored whole (gap, overflow, platform event).
    Stored(Arc<Stored>),
}

impl Entry {
    fn first(&self) -> u64 {
        match self {
            Entry::Changes { first_replay, .. } => *first_replay,
            Entry::Stored(stored) => stored.event.replay_id,
        }
    }

    fn last(&self) -> u64 {
        match self {
            Entry::Changes {
                first_replay,
                count,
                ..
            } => first_replay + count.saturating_sub(1),
            Entry::Stored(stored) => stored.event.replay_id,
        }
    }

    fn at_ms(&self) -> i64 {
        match self {
            Entry::Changes { at_ms, .. } => *at_ms,
            Entry::Stored(stored) => stored.at_ms,
        }
    }
}

pub(super) struct Stored {
    pub(super) at_ms: i64,
    /// The change event's object, or the platform event's topic.
    pub(super) topic: StoredTopic,
    pub(super) event: BusEvent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum StoredTopic {
    Change(String),
    Platform(String),
}

/// Which events a topic selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Filter {
    AllChanges,
    Entity(String),
    Platform(String),
}

/// A change event picked under the locks, encoded after they are released.
enum Pending {
    Ready(BusEvent),
    Change {
        replay_id: u64,
        change: Change,
        record: Option<Vec<Value>>,
        schema: Arc<ChangeSchema>,
    },
}

impl Bus {
    /// A bus for an org with this schema (one change event schema per object).
    pub fn new(schema: &Schema, settings: BusSettings) -> Result<Bus, avro::SchemaBuildError> {
        let mut schemas = HashMap::new();
        let mut change_topics = HashMap::new();
        let mut by_schema_id = HashMap::new();
        for object in &schema.objects {
            let built = avro::change_schema(object)?;
            change_topics.insert(
                format!("/data/{}", avro::event_name(&object.name)),
                object.name.clone(),
            );
            by_schema_id.insert(built.id.clone(), built.json.clone());
            schemas.insert(object.name.clone(), Arc::new(built));
        }
        let (notify, _) = watch::channel(0);
        Ok(Bus {
            state: Mutex::new(State {
                next_id: 1,
                entries: VecDeque::new(),
                schemas,
                change_topics,
                platform: HashMap::new(),
                by_schema_id,
                retention: settings.retention,
                epoch: 0,
            }),
            shared: OnceLock::new(),
            notify,
            overflow_threshold: settings.overflow_threshold.max(1),
        })
    }

    /// Tells the bus where the org lives (once, when the shared state is built).
    pub fn bind(&self, shared: Weak<Shared>) {
        // A second bind would be a wiring bug; the first one stays.
        let _ = self.shared.set(shared);
    }

    /// Makes `org`'s change log the source of change events: the events of a previously
    /// attached org are dropped (an admin reset replaced it), the new log's changes get replay
    /// ids (equal to their sequence numbers when nothing else was added before), and every
    /// later commit reaches the bus through the org's commit hook.
    pub fn attach(self: &Arc<Self>, org: &mut Org) {
        {
            let mut state = self.lock();
            state.epoch += 1;
            state
                .entries
                .retain(|entry| matches!(entry, Entry::Stored(_)));
            let mut run: Option<(u64, u64, u64, i64)> = None; // (commit, first_seq, count, at)
            let mut runs = Vec::new();
            for change in org.changes.iter() {
                match &mut run {
                    Some((commit, _, count, _)) if *commit == change.commit_number => *count += 1,
                    _ => {
                        runs.extend(run.take());
                        run = Some((change.commit_number, change.seq, 1, change.commit_timestamp));
                    }
                }
            }
            runs.extend(run);
            if let Some((_, first_seq, _, _)) = runs.first() {
                state.next_id = state.next_id.max(*first_seq);
            }
            for (_, first_seq, count, at_ms) in runs {
                let first_replay = state.next_id;
                state.next_id += count;
                state.entries.push_back(Entry::Changes {
                    first_replay,
                    first_seq,
                    count,
                    at_ms,
                });
            }
        }
        let bus = Arc::downgrade(self);
        org.set_commit_hook(Some(CommitHook::new(move |log, first_seq| {
            if let Some(bus) = bus.upgrade() {
                bus.committed(log, first_seq);
            }
        })));
        self.notify_latest();
    }

    /// The commit hook: the transaction's changes (sequence numbers `first_seq..=last`) become
    /// events; past the overflow threshold, one `GAP_OVERFLOW` per object replaces the rest.
    fn committed(&self, log: &ChangeLog, first_seq: u64) {
        let last_seq = log.last_seq();
        if last_seq < first_seq {
            return;
        }
        let count = last_seq - first_seq + 1;
        let Some(first) = log.after(first_seq - 1, 1).next() else {
            return;
        };
        let kept = count.min(self.overflow_threshold as u64);
        {
            let mut state = self.lock();
            let first_replay = state.next_id;
            state.next_id += kept;
            state.entries.push_back(Entry::Changes {
                first_replay,
                first_seq,
                count: kept,
                at_ms: first.commit_timestamp,
            });
            if count > kept {
                let mut entities: Vec<&str> = Vec::new();
                for change in log.after(first_seq - 1 + kept, usize::MAX) {
                    if !entities.contains(&change.entity.as_str()) {
                        entities.push(&change.entity);
                    }
                }
                for (n, entity) in entities.into_iter().enumerate() {
                    let mut header = Header::of(first);
                    header.entity = entity.to_string();
                    header.record_ids = vec![OVERFLOW_RECORD_ID.to_string()];
                    header.change_type = GapType::Overflow.name();
                    header.sequence_number = (kept as u32).saturating_add(n as u32 + 1);
                    if let Err(err) = state.push_header_only(header, first.commit_timestamp) {
                        tracing::error!("{err}");
                    }
                }
            }
        }
        self.notify_latest();
    }

    /// The topic's description, if it exists. Channel names are case-sensitive.
    pub fn topic(&self, name: &str) -> Option<TopicInfo> {
        let state = self.lock();
        let filter = state.filter(name)?;
        let schema_id = match &filter {
            Filter::AllChanges => String::new(),
            Filter::Entity(entity) => state.schemas.get(entity)?.id.clone(),
            Filter::Platform(topic) => state.platform.get(topic)?.id.clone(),
        };
        Some(TopicInfo {
            name: name.to_string(),
            schema_id,
            can_publish: matches!(filter, Filter::Platform(_)),
            can_subscribe: true,
        })
    }

    /// The Avro schema JSON with this id.
    pub fn schema(&self, schema_id: &str) -> Option<String> {
        self.lock().by_schema_id.get(schema_id).cloned()
    }

    /// The change event schema of an object (its id and layout).
    pub fn change_schema(&self, entity: &str) -> Option<Arc<ChangeSchema>> {
        self.lock().schemas.get(entity).cloned()
    }

    /// The newest replay id (of the bus: a valid resume point for every topic).
    pub fn latest(&self, topic: &str) -> Result<u64, BusError> {
        let state = self.lock();
        state
            .filter(topic)
            .ok_or_else(|| BusError::UnknownTopic(topic.to_string()))?;
        Ok(state.next_id - 1)
    }

    /// A receiver whose value (the newest replay id) changes whenever an event is added.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.notify.subscribe()
    }

    /// How long events are kept from now on (the sandbox's `event_retention_hours`; tests
    /// shorten it to expire events).
    pub fn set_retention(&self, retention: Duration) {
        self.lock().retention = retention;
    }

    /// Up to `limit` events of `topic` from `start`, in replay order.
    pub fn read(&self, topic: &str, start: Start, limit: usize) -> Result<Batch, BusError> {
        let shared = self.shared.get().and_then(Weak::upgrade);
        // Lock order everywhere: the org, then the bus (the commit hook runs inside the org's
        // lock). Both are held only to pick the events; encoding happens after.
        let org = shared
            .as_ref()
            .map(|shared| shared.org.lock().unwrap_or_else(|p| p.into_inner()));
        let mut state = self.lock();
        let filter = state
            .filter(topic)
            .ok_or_else(|| BusError::UnknownTopic(topic.to_string()))?;
        state.expire(org.as_ref().map(|org| org.changes.first_seq()));
        let latest = state.next_id - 1;
        let first = state.entries.front().map_or(state.next_id, Entry::first);
        let after = match start {
            Start::Latest => latest,
            Start::Earliest => first - 1,
            Start::After(id) if id > latest => {
                return Err(BusError::ReplayInvalid {
                    replay_id: id,
                    reason: format!("it is beyond the newest event ({latest})"),
                });
            }
            Start::After(id) if id + 1 < first => {
                return Err(BusError::ReplayInvalid {
                    replay_id: id,
                    reason: format!(
                        "events after it are no longer retained (the oldest retained replay id is {first}, retention {} hours)",
                        state.retention.as_secs_f64() / 3600.0
                    ),
                });
            }
            Start::After(id) => id,
        };
        let mut pending = Vec::new();
        let begin = state.entries.partition_point(|e| e.last() <= after);
        for entry in state.entries.iter().skip(begin) {
            if pending.len() >= limit {
                break;
            }
            match entry {
                Entry::Stored(stored) => {
                    if matches(&filter, &stored.topic) {
                        pending.push(Pending::Ready(stored.event.clone()));
                    }
                }
                Entry::Changes {
                    first_replay,
                    first_seq,
                    count,
                    ..
                } => {
                    let Some(org) = org.as_ref() else { continue };
                    let skip = (after + 1).saturating_sub(*first_replay);
                    let from = first_seq + skip;
                    let take = count.saturating_sub(skip) as usize;
                    for change in org.changes.after(from - 1, take) {
                        if pending.len() >= limit {
                            break;
                        }
                        let wanted = match &filter {
                            Filter::AllChanges => true,
                            Filter::Entity(entity) => *entity == change.entity,
                            Filter::Platform(_) => false,
                        };
                        let Some(schema) = state.schemas.get(&change.entity) else {
                            continue;
                        };
                        if !wanted {
                            continue;
                        }
                        let record = (change.change_type == ChangeType::Undelete)
                            .then(|| org.get(change.record_id).map(|(_, r)| r.values.clone()))
                            .flatten();
                        pending.push(Pending::Change {
                            replay_id: first_replay + (change.seq - first_seq),
                            change: change.clone(),
                            record,
                            schema: schema.clone(),
                        });
                    }
                }
            }
        }
        let epoch = state.epoch;
        drop(state);
        drop(org);
        let mut events = Vec::with_capacity(pending.len());
        for item in pending {
            match item {
                Pending::Ready(event) => events.push(event),
                Pending::Change {
                    replay_id,
                    change,
                    record,
                    schema,
                } => match encode_change(&schema, &change, record.as_deref()) {
                    Ok(payload) => events.push(BusEvent {
                        replay_id,
                        event_id: uuid::Uuid::from_u64_pair(epoch, replay_id).to_string(),
                        schema_id: schema.id.clone(),
                        payload,
                    }),
                    // The schema is generated from the same metadata as the records, so this
                    // is a sandbox bug; skipping loudly beats stalling every subscriber.
                    Err(err) => tracing::error!(replay_id, "{err}"),
                },
            }
        }
        Ok(Batch { events, latest })
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn notify_latest(&self) {
        let latest = self.lock().next_id - 1;
        self.notify.send_replace(latest);
    }
}

impl State {
    pub(super) fn filter(&self, topic: &str) -> Option<Filter> {
        if topic == ALL_CHANGES {
            return Some(Filter::AllChanges);
        }
        if let Some(entity) = self.change_topics.get(topic) {
            return Some(Filter::Entity(entity.clone()));
        }
        self.platform
            .contains_key(topic)
            .then(|| Filter::Platform(topic.to_string()))
    }

    /// Drops what is older than the retention window, and change events whose log entries
    /// the change log no longer holds (`log_first`: its oldest sequence number).
    fn expire(&mut self, log_first: Option<u64>) {
        let cutoff =
            value::now_ms() - i64::try_from(self.retention.as_millis()).unwrap_or(i64::MAX / 2);
        while let Some(front) = self.entries.front_mut() {
            if front.at_ms() < cutoff {
                self.entries.pop_front();
                continue;
            }
            if let (
                Entry::Changes {
                    first_replay,
                    first_seq,
                    count,
                    ..
                },
                Some(log_first),
            ) = (front, log_first)
                && *first_seq < log_first
            {
                let gone = (log_first - *first_seq).min(*count);
                *first_replay += gone;
                *first_seq += gone;
                *count -= gone;
                if *count == 0 {
                    self.entries.pop_front();
                    continue;
                }
            }
            break;
        }
    }

    /// Stores a header-only change event (gap or overflow) and returns its replay id.
    pub(super) fn push_header_only(&mut self, header: Header, at_ms: i64) -> Result<u64, String> {
        let schema = self
            .schemas
            .get(&header.entity)
            .cloned()
            .ok_or_else(|| format!("{} has no change event schema", header.entity))?;
        let payload = event::encode(&schema, &header, Body::Empty, &[], &[])?;
        let replay_id = self.next_id;
        self.next_id += 1;
        self.entries.push_back(Entry::Stored(Arc::new(Stored {
            at_ms,
            topic: StoredTopic::Change(header.entity.clone()),
            event: BusEvent {
                replay_id,
                event_id: uuid::Uuid::new_v4().to_string(),
                schema_id: schema.id.clone(),
                payload,
            },
        })));
        Ok(replay_id)
    }
}

fn matches(filter: &Filter, topic: &StoredTopic) -> bool {
    match (filter, topic) {
        (Filter::AllChanges, StoredTopic::Change(_)) => true,
        (Filter::Entity(entity), StoredTopic::Change(of)) => entity == of,
        (Filter::Platform(name), StoredTopic::Platform(of)) => name == of,
        _ => false,
    }
}

/// A logged change as its event (reference §9.2 body rules).
fn encode_change(
    schema: &ChangeSchema,
    change: &Change,
    record: Option<&[Value]>,
) -> Result<Vec<u8>, String> {
    let header = Header::of(change);
    match change.change_type {
        ChangeType::Create => event::encode(
            schema,
            &header,
            Body::Named(&change.changed_fields, &change.values),
            &[],
            &[],
        ),
        ChangeType::Update => event::encode(
            schema,
            &header,
            Body::Named(&change.changed_fields, &change.values),
            &change.changed_fields,
            &change.nulled_fields,
        ),
        ChangeType::Delete => event::encode(schema, &header, Body::Empty, &[], &[]),
        ChangeType::Undelete => match record {
            Some(values) => event::encode(schema, &header, Body::Record(values), &[], &[]),
            // Purged since: what the log holds is all there is.
            None => event::encode(
                schema,
                &header,
                Body::Named(&change.changed_fields, &change.values),
                &[],
                &[],
            ),
        },
    }
}
