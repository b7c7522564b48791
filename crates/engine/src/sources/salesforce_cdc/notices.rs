//! From change events to change notices, and the signals that ask for more than one record's
//! re-read (pure: no I/O, tested without a server).
//!
//! Signals are journaled as notices, not sent on a channel: a signal must survive a crash just
//! like a change does, and the journal is the one durable hand-over to the planner. A signal
//! notice carries `payload.signal` (`reread`, `resync`, `reconcile`); object-wide signals use
//! the record id [`ALL_RECORDS`], so repeated signals for one object coalesce into one work
//! item per flow.

use ferry_core::{ChangeNotice, Operation, System, TenantId, Timestamp};
use ferry_salesforce::pubsub::{ChangeType, Event, is_echo};
use serde_json::{Value, json};

/// The record id of a notice about a whole object (resync, reconcile).
pub const ALL_RECORDS: &str = "*";

/// What the planner must do beyond the ordinary per-record change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// Events may have been missed (the replay id expired): compare the object with its
    /// counterpart and repair drift.
    Reconcile {
        /// The Salesforce object.
        object: String,
    },
    /// Salesforce could not describe these changes (GAP_* events): re-read the records.
    Reread {
        /// The Salesforce object.
        object: String,
        /// The records.
        record_ids: Vec<String>,
    },
    /// A transaction too large for events (GAP_OVERFLOW): re-sync the whole object.
    Resync {
        /// The Salesforce object.
        object: String,
    },
}

impl Signal {
    /// The `payload.signal` marker.
    pub fn marker(&self) -> &'static str {
        match self {
            Self::Reconcile { .. } => "reconcile",
            Self::Reread { .. } => "reread",
            Self::Resync { .. } => "resync",
        }
    }

    /// Reads a signal back from a journaled notice (`None` for an ordinary change).
    pub fn from_notice(notice: &ChangeNotice) -> Option<Self> {
        let object = notice.object.clone();
        match notice.payload.get("signal")?.as_str()? {
            "reconcile" => Some(Self::Reconcile { object }),
            "resync" => Some(Self::Resync { object }),
            "reread" => Some(Self::Reread {
                object,
                record_ids: vec![notice.record_id.clone()],
            }),
            _ => None,
        }
    }

    /// The notices that journal this signal; `detail` is merged into each payload.
    pub fn notices(
        &self,
        tenant: &TenantId,
        observed_at: Timestamp,
        detail: Value,
    ) -> Vec<ChangeNotice> {
        let notice = |object: &str, record_id: &str, operation| {
            let mut payload = json!({ "signal": self.marker() });
            if let (Value::Object(target), Value::Object(extra)) = (&mut payload, &detail) {
                for (k, v) in extra {
                    target.insert(k.clone(), v.clone());
                }
            }
            ChangeNotice {
                tenant: tenant.clone(),
                source: System::Salesforce,
                object: object.to_owned(),
                record_id: record_id.to_owned(),
                operation,
                observed_at,
                origin: None,
                payload,
            }
        };
        match self {
            Self::Reconcile { object } | Self::Resync { object } => {
                vec![notice(object, ALL_RECORDS, Operation::Update)]
            }
            Self::Reread { object, record_ids } => record_ids
                .iter()
                .map(|id| notice(object, id, Operation::Update))
                .collect(),
        }
    }
}

/// What one event becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped {
    /// Ferry's own write coming back: dropped (counted).
    Echo,
    /// Not a change event (no `ChangeEventHeader`): nothing to journal.
    NotAChange,
    /// Notices to journal (one per record id), and the signal they carry, if any.
    Notices(Vec<ChangeNotice>, Option<Signal>),
}

/// Maps one decoded event. Gap and overflow events are never treated as echoes: they say
/// Salesforce lost track of *some* change, whoever made it.
pub fn map_event(event: &Event, tenant: &TenantId, client_name: &str) -> Mapped {
    let Some(header) = &event.header else {
        return Mapped::NotAChange;
    };
    let observed_at = Timestamp::from_micros(header.commit_timestamp.saturating_mul(1000));
    let replay_id = event.replay_id.to_hex();
    let object = header.entity_name.clone();
    let operation = match header.change_type {
        ChangeType::Create | ChangeType::GapCreate => Operation::Create,
        ChangeType::Update | ChangeType::Snapshot | ChangeType::GapUpdate => Operation::Update,
        ChangeType::Delete | ChangeType::GapDelete => Operation::Delete,
        ChangeType::Undelete | ChangeType::GapUndelete => Operation::Undelete,
        ChangeType::GapOverflow => {
            let signal = Signal::Resync { object };
            let detail = json!({
                "changeType": header.change_type.as_str(),
                "transactionKey": header.transaction_key,
                "replayId": replay_id,
            });
            let notices = signal.notices(tenant, observed_at, detail);
            return Mapped::Notices(notices, Some(signal));
        }
    };
    if header.change_type.is_gap() {
        let signal = Signal::Reread {
            object,
            record_ids: header.record_ids.clone(),
        };
        let detail = json!({
            "changeType": header.change_type.as_str(),
            "transactionKey": header.transaction_key,
            "replayId": replay_id,
        });
        let mut notices = signal.notices(tenant, observed_at, detail);
        for notice in &mut notices {
            notice.operation = operation;
        }
        return Mapped::Notices(notices, Some(signal));
    }
    if is_echo(&header.change_origin, client_name) {
        return Mapped::Echo;
    }
    let origin = (!header.change_origin.is_empty()).then(|| header.change_origin.clone());
    let payload = json!({
        "changeType": header.change_type.as_str(),
        "changedFields": header.changed_fields,
        "nulledFields": header.nulled_fields,
        "transactionKey": header.transaction_key,
        "sequenceNumber": header.sequence_number,
        "replayId": replay_id,
    });
    let notices = header
        .record_ids
        .iter()
        .map(|record_id| ChangeNotice {
            tenant: tenant.clone(),
            source: System::Salesforce,
            object: object.clone(),
            record_id: record_id.clone(),
            operation,
            observed_at,
            origin: origin.clone(),
            payload: payload.clone(),
        })
        .collect();
    Mapped::Notices(notices, None)
}

/// The object a single-object channel carries (`/data/AccountChangeEvent` → `Account`,
/// `/data/Employee__ChangeEvent` → `Employee__c`); `None` for `/data/ChangeEvents` and custom
/// channels, whose objects come from the configuration.
pub fn channel_object(topic: &str) -> Option<String> {
    let name = topic.strip_prefix("/data/")?.strip_suffix("ChangeEvent")?;
    if name.is_empty() {
        return None;
    }
    Some(match name.strip_suffix("__") {
        Some(custom) => format!("{custom}__c"),
        None => name.to_owned(),
    })
}
