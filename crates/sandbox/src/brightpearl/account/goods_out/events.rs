//! Goods-out note lifecycle events (POST `/warehouse-service/goods-note/goods-out/{id}/event`,
//! reference §7.8): `{"events":[{"eventCode":"SHW","occured":"…","eventOwnerId":4}]}`.
//!
//! Rules (documented): all three fields are required; `If-Match` carrying the note's
//! `lastEventVersion` guards against duplicates; SHW adds the PRI, PIC and PAC events the note
//! lacks (after the SHW, as recorded in `goods_out_note/get/*.yml`); once shipped no more
//! events are accepted. INFERRED: an un-event (UPR, UPI, UPA) needs the flag it clears to be
//! set; each event takes the next account-wide event version.
//!
//! Each event raises `goods-out-note.modified.<printed|un-printed|picked|…|shipped>`; SHW
//! ships the stock and reports the order's fulfilment to the orders area.

use super::write::{not_found, report_fulfilment};
use super::{EVENT_VERSION_SEQUENCE, GoodsOutNote, NoteEvent};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::stock;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::events::Lifecycle;
use crate::brightpearl::wire::{Stamp, parse_time};
use axum::http::StatusCode;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The event codes a client may add (PLA is the creation event, added by the note itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCode {
    /// Printed.
    Printed,
    /// Unprinted.
    Unprinted,
    /// Picked.
    Picked,
    /// Unpicked.
    Unpicked,
    /// Packed.
    Packed,
    /// Unpacked.
    Unpacked,
    /// Shipped from the warehouse.
    Shipped,
}

impl EventCode {
    const ALL: [EventCode; 7] = [
        EventCode::Printed,
        EventCode::Unprinted,
        EventCode::Picked,
        EventCode::Unpicked,
        EventCode::Packed,
        EventCode::Unpacked,
        EventCode::Shipped,
    ];

    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            EventCode::Printed => "PRI",
            EventCode::Unprinted => "UPR",
            EventCode::Picked => "PIC",
            EventCode::Unpicked => "UPI",
            EventCode::Packed => "PAC",
            EventCode::Unpacked => "UPA",
            EventCode::Shipped => "SHW",
        }
    }

    /// The code's event, from its wire code.
    pub fn from_code(code: &str) -> Option<EventCode> {
        EventCode::ALL.into_iter().find(|e| e.code() == code)
    }

    /// The specifier of the webhook event it raises (`goods-out-note.modified.<this>`).
    pub fn specifier(self) -> &'static str {
        match self {
            EventCode::Printed => "printed",
            EventCode::Unprinted => "un-printed",
            EventCode::Picked => "picked",
            EventCode::Unpicked => "un-picked",
            EventCode::Packed => "packed",
            EventCode::Unpacked => "un-packed",
            EventCode::Shipped => "shipped",
        }
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("WHSC-012", message)
}

/// POST `/goods-note/goods-out/{id}/event` with its body and `If-Match` header, if any.
pub fn add_events(
    account: &mut Account,
    id: u64,
    body: &Json,
    if_match: Option<&str>,
) -> Result<(), ApiError> {
    let Some(note) = account.goods_out.get(id) else {
        return Err(not_found(id));
    };
    if let Some(expected) = if_match {
        let expected = expected.trim().trim_matches('"');
        if expected.parse::<u64>().ok() != Some(note.last_event_version) {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "WHSC-412",
                format!(
                    "If-Match {expected} does not match goods-out note {id}'s lastEventVersion {}; GET the note and retry with its current version",
                    note.last_event_version
                ),
            ));
        }
    }
    let items = match body.get("events") {
        Some(Json::Array(items)) if !items.is_empty() => items,
        _ => {
            return Err(ApiError::bad_request(
                "WHSC-010",
                "events is required: [{\"eventCode\":\"PIC\",\"occured\":\"2026-01-01T10:00:00Z\",\"eventOwnerId\":4}]",
            ));
        }
    };
    let mut events = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let at = format!("events[{index}]");
        let code = match item.get("eventCode") {
            Some(Json::String(code)) => EventCode::from_code(code.trim()).ok_or_else(|| {
                invalid(format!(
                    "{at}.eventCode {code:?} is not an event code; use one of PRI, UPR, PIC, UPI, PAC, UPA, SHW"
                ))
            })?,
            None | Some(Json::Null) => {
                return Err(ApiError::bad_request(
                    "WHSC-010",
                    format!("{at}.eventCode is required (PRI, UPR, PIC, UPI, PAC, UPA or SHW)"),
                ));
            }
            Some(other) => return Err(invalid(format!("{at}.eventCode must be a string, not {other}"))),
        };
        let occured = match item.get("occured") {
            Some(Json::String(text)) => parse_time(text).ok_or_else(|| {
                invalid(format!(
                    "{at}.occured {text:?} is not a date and time; send e.g. \"2011-07-28T19:10:45.555Z\""
                ))
            })?,
            None | Some(Json::Null) => {
                return Err(ApiError::bad_request(
                    "WHSC-010",
                    format!("{at}.occured is required (note the spelling): when the event happened"),
                ));
            }
            Some(other) => return Err(invalid(format!("{at}.occured must be a string, not {other}"))),
        };
        let owner = match item.get("eventOwnerId") {
            None | Some(Json::Null) => {
                return Err(ApiError::bad_request(
                    "WHSC-010",
                    format!("{at}.eventOwnerId is required: the staff contact who did it"),
                ));
            }
            Some(value) => value
                .as_u64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    invalid(format!(
                        "{at}.eventOwnerId must be a contact id, not {value}"
                    ))
                })?,
        };
        events.push((code, occured, owner));
    }
    apply(account, id, &events)
}

/// Adds one event to note `id` (plain Rust for the activity simulator), by `owner`, at
/// `occured_ms` (now when `None`).
pub fn add_event(
    account: &mut Account,
    id: u64,
    code: EventCode,
    owner: u64,
    occured_ms: Option<i64>,
) -> Result<(), ApiError> {
    let occured = occured_ms.unwrap_or_else(|| account.now_ms());
    apply(account, id, &[(code, occured, owner)])
}

/// Applies `events` in order to a copy of the note, then (all valid) stores it, ships the
/// stock on SHW and raises the events.
fn apply(account: &mut Account, id: u64, events: &[(EventCode, i64, u64)]) -> Result<(), ApiError> {
    let Some(current) = account.goods_out.get(id).cloned() else {
        return Err(not_found(id));
    };
    let mut note = current.clone();
    let mut raised: Vec<EventCode> = Vec::new();
    let offset = account.settings.offset_minutes;
    for &(code, occured_ms, owner) in events {
        if note.status.shipped {
            return Err(ApiError::bad_request(
                "WHSC-030",
                format!(
                    "Goods-out note {id} has shipped; no more events are accepted ({} refused)",
                    code.code()
                ),
            ));
        }
        let occured = Stamp::new(occured_ms, offset);
        check_undo(&note, id, code)?;
        record(&mut note, code, &occured, owner);
        raised.push(code);
        if code == EventCode::Shipped {
            for implied in [EventCode::Printed, EventCode::Picked, EventCode::Packed] {
                let missing = match implied {
                    EventCode::Printed => !note.status.printed,
                    EventCode::Picked => !note.status.picked,
                    _ => !note.status.packed,
                };
                if missing {
                    record(&mut note, implied, &occured, owner);
                    raised.push(implied);
                }
            }
        }
    }
    let ships = !current.status.shipped && note.status.shipped;
    if ships {
        ship_stock(account, &note)?;
    }
    let added = note.events.len() - current.events.len();
    let mut version = note.last_event_version;
    for _ in 0..added {
        version = account.next_id(EVENT_VERSION_SEQUENCE, version + 1);
    }
    note.last_event_version = version;
    let order_id = note.order_id;
    account.goods_out.notes.insert(id, note);
    for code in raised {
        account.raise_specific(
            super::write::RESOURCE,
            Lifecycle::Modified,
            code.specifier(),
            id,
        );
    }
    if ships {
        report_fulfilment(account, order_id);
    }
    Ok(())
}

/// An un-event needs the flag it clears.
fn check_undo(note: &GoodsOutNote, id: u64, code: EventCode) -> Result<(), ApiError> {
    let (set, what) = match code {
        EventCode::Unprinted => (note.status.printed, "printed"),
        EventCode::Unpicked => (note.status.picked, "picked"),
        EventCode::Unpacked => (note.status.packed, "packed"),
        _ => return Ok(()),
    };
    if set {
        Ok(())
    } else {
        Err(invalid(format!(
            "Goods-out note {id} is not {what}; {} has nothing to undo",
            code.code()
        )))
    }
}

/// Appends the event and sets or clears the flag it names, with when and by whom.
fn record(note: &mut GoodsOutNote, code: EventCode, occured: &Stamp, owner: u64) {
    note.events.push(NoteEvent {
        occured: occured.clone(),
        event_owner_id: owner,
        event_code: code.code().into(),
    });
    let s = &mut note.status;
    let on = Some(occured.clone());
    let by = Some(owner);
    match code {
        EventCode::Printed => (s.printed, s.printed_on, s.printed_by_id) = (true, on, by),
        EventCode::Unprinted => (s.printed, s.printed_on, s.printed_by_id) = (false, None, None),
        EventCode::Picked => (s.picked, s.picked_on, s.picked_by_id) = (true, on, by),
        EventCode::Unpicked => (s.picked, s.picked_on, s.picked_by_id) = (false, None, None),
        EventCode::Packed => (s.packed, s.packed_on, s.packed_by_id) = (true, on, by),
        EventCode::Unpacked => (s.packed, s.packed_on, s.packed_by_id) = (false, None, None),
        EventCode::Shipped => (s.shipped, s.shipped_on, s.shipped_by_id) = (true, on, by),
    }
}

/// Takes the note's units out of stock and out of the allocation. A refusal (the stock and
/// the notes disagree) undoes what shipped and the events it raised.
fn ship_stock(account: &mut Account, note: &GoodsOutNote) -> Result<(), ApiError> {
    let mut units: BTreeMap<u64, i64> = BTreeMap::new();
    for lines in note.order_rows.values() {
        for line in lines {
            *units.entry(line.product_id).or_default() += line.quantity;
        }
    }
    let outbox_len = account.outbox.len();
    let mut done = Vec::new();
    for (product, quantity) in units {
        if let Err(refusal) = stock::ship(account, product, note.warehouse_id, quantity) {
            for (product, quantity) in done {
                let _ = stock::receive(account, product, note.warehouse_id, quantity);
                let _ = stock::allocate(account, product, note.warehouse_id, quantity);
            }
            account.outbox.truncate(outbox_len);
            return Err(refusal);
        }
        done.push((product, quantity));
    }
    Ok(())
}
