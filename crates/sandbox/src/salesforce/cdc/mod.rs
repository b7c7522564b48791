//! Change data capture and platform events: the sandbox's event bus (reference §9).
//!
//! Every committed change in the org's [`ChangeLog`](super::changes::ChangeLog) is a change
//! event on `/data/ChangeEvents` and on its object's channel (`/data/AccountChangeEvent`,
//! `/data/Foo__ChangeEvent` for `Foo__c`). Payloads are raw Avro binary written with the schema
//! [`Bus::schema`] returns ([`avro`]), with the header bitmaps of [`bitmap`]. Gap events can be
//! injected, transactions over the overflow threshold end in `GAP_OVERFLOW` events, and
//! platform events (`/event/Name__e`) can be defined and published.
//!
//! **Replay ids.** One bus-wide sequence orders everything: change events, injected gap and
//! overflow events and platform events share it, so "events after id N" is one question for
//! every topic. Change events are not copied: the bus keeps one *segment* per committed
//! transaction mapping a run of replay ids onto a run of change-log sequence numbers (when
//! nothing else was ever added, replay id = change-log seq). Injected events take the next id
//! when they are added. A topic's events are read by walking the sequence and keeping the
//! ones of that topic. After an admin reset (a new org whose log starts again at 1) the old
//! org's events are gone and new ones continue the sequence, so a replay id never means two
//! events. Injected and platform events live in memory only (not in the state file).
//!
//! **Not merged.** Salesforce may merge identical changes to several records of one
//! transaction into one event with several `recordIds`; the sandbox sends one event per record
//! (consumers must handle both, and one id per event is the common case).

pub mod avro;
pub mod bitmap;
mod bus;
pub mod event;
mod publish;

pub use bus::Bus;

/// Where a read starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// After the newest event: only what comes next.
    Latest,
    /// The oldest retained event.
    Earliest,
    /// Events with a replay id greater than this one.
    After(u64),
}

/// What a topic is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// The channel name, e.g. `/data/AccountChangeEvent`.
    pub name: String,
    /// The topic's schema id (empty for `/data/ChangeEvents`, whose events each carry the
    /// schema of their object).
    pub schema_id: String,
    /// Platform events can be published; change events cannot.
    pub can_publish: bool,
    /// Every topic can be subscribed to.
    pub can_subscribe: bool,
}

/// One event as a subscriber receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusEvent {
    /// Bus-wide, increasing (8 big-endian bytes on the wire).
    pub replay_id: u64,
    /// The event's id (the publisher's id for platform events; stable for change events).
    pub event_id: String,
    /// The schema the payload was written with.
    pub schema_id: String,
    /// Raw Avro binary.
    pub payload: Vec<u8>,
}

/// The answer to a read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Events in replay order.
    pub events: Vec<BusEvent>,
    /// The newest replay id of the bus: a valid place to resume this topic from (no event of
    /// the topic lies between the last one returned and it unless it is in `events`).
    pub latest: u64,
}

/// Why the bus refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusError {
    /// No such channel.
    #[error(
        "topic {0} does not exist: use /data/ChangeEvents, /data/<Object>ChangeEvent, /data/<Custom>__ChangeEvent or a defined /event/<Name>__e"
    )]
    UnknownTopic(String),
    /// The replay id cannot be resumed from.
    #[error("replay id {replay_id} is not valid: {reason}; resubscribe with EARLIEST or LATEST")]
    ReplayInvalid {
        /// The id given.
        replay_id: u64,
        /// Older than retention, or beyond the newest event.
        reason: String,
    },
    /// The topic cannot take these events.
    #[error("cannot publish: {0}")]
    Publish(String),
}

/// A change type for injected gap events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum GapType {
    /// `GAP_CREATE`.
    #[serde(rename = "GAP_CREATE")]
    Create,
    /// `GAP_UPDATE`.
    #[serde(rename = "GAP_UPDATE")]
    Update,
    /// `GAP_DELETE`.
    #[serde(rename = "GAP_DELETE")]
    Delete,
    /// `GAP_UNDELETE`.
    #[serde(rename = "GAP_UNDELETE")]
    Undelete,
    /// `GAP_OVERFLOW`.
    #[serde(rename = "GAP_OVERFLOW")]
    Overflow,
}

impl GapType {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            GapType::Create => "GAP_CREATE",
            GapType::Update => "GAP_UPDATE",
            GapType::Delete => "GAP_DELETE",
            GapType::Undelete => "GAP_UNDELETE",
            GapType::Overflow => "GAP_OVERFLOW",
        }
    }
}

/// The bus's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusSettings {
    /// How long events are kept (Salesforce: 72 hours).
    pub retention: std::time::Duration,
    /// A transaction with more changes than this gets this many events, then one
    /// `GAP_OVERFLOW` per object (Salesforce: 100,000).
    pub overflow_threshold: usize,
}

impl Default for BusSettings {
    fn default() -> BusSettings {
        BusSettings {
            retention: std::time::Duration::from_secs(72 * 3600),
            overflow_threshold: 100_000,
        }
    }
}

/// The record id an overflow event carries.
pub const OVERFLOW_RECORD_ID: &str = "000000000000000AAA";
/// The channel of every change event.
pub const ALL_CHANGES: &str = "/data/ChangeEvents";
/// The largest platform event payload accepted.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;
