//! Changes to an order's header: the JSON-Patch of `PATCH /order/{id}`, the status change of
//! `PUT /order/{id}/status`, and order notes.
//!
//! Recorded (order_patch.yml): `replace` of `/delivery/deliveryDate` (absent before: replace
//! works on optional fields that are unset) and `/reference` answers the whole order, with the
//! date read as UTC midnight, and leaves `version` at 1 and `updatedOn` absent: a header patch
//! is not a versioned change. `add` on `/reference` is 500 CMNC-044. A status PUT answers `{}`
//! and may carry an `orderNote`.
//!
//! INFERRED: the patchable paths beyond the two recorded ones (below); a patch still raises
//! `order.modified` so webhook consumers see it; moving to a status whose state is `closed`
//! sets `closedOn`, leaving it clears it; the cancelled state is refused while goods-out notes
//! or payments exist (reference §7.1); a note needs `text` and, through the note endpoint,
//! `addedOn` (live-tested client).

use super::create::check_status;
use super::derived::{ORDER_RESOURCE, missing, touch};
use super::input::{Fields, invalid};
use super::model::*;
use super::parties::overlay;
use super::status::StatusState;
use super::{NOTE_SEQUENCE, OrderNote};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::{Op, PatchOp};
use crate::brightpearl::events::Lifecycle;
use crate::brightpearl::wire::{Stamp, decimal, parse_time};
use serde_json::{Map, Value as Json};

/// Address keys a patch may replace under `/parties/delivery/` and `/parties/billing/`.
const ADDRESS_KEYS: &[&str] = &[
    "addressFullName",
    "companyName",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "addressLine4",
    "postalCode",
    "country",
    "countryIsoCode",
    "countryIsoCode3",
    "countryId",
    "telephone",
    "mobileTelephone",
    "fax",
    "email",
];

/// Keys of `/assignment/current/` a patch may replace.
const ASSIGNMENT_KEYS: &[&str] = &[
    "staffOwnerContactId",
    "projectId",
    "channelId",
    "leadSourceId",
    "teamId",
];

/// Whether `PATCH /order/{id}` accepts `op` (only `replace`, on the header fields below).
pub fn order_patch_allowed(op: &PatchOp) -> bool {
    if op.op != Op::Replace {
        return false;
    }
    let tokens: Vec<&str> = op.tokens.iter().map(String::as_str).collect();
    match tokens.as_slice() {
        ["reference" | "externalRef" | "placedOn" | "warehouseId" | "parentOrderId"] => true,
        ["delivery", "deliveryDate" | "shippingMethodId"] => true,
        ["invoices", "0", "taxDate" | "dueDate"] => true,
        ["parties", "delivery" | "billing", key] => ADDRESS_KEYS.contains(key),
        ["assignment", "current", key] => ASSIGNMENT_KEYS.contains(key),
        _ => false,
    }
}

/// Applies a JSON-Patch to the header of `order_id` and answers the whole order. Nothing
/// changes unless every operation applies.
pub fn patch_order(
    account: &mut Account,
    order_id: u64,
    ops: &[PatchOp],
) -> Result<Order, ApiError> {
    let mut order = account
        .orders
        .get(order_id)
        .ok_or_else(|| missing(order_id))?
        .clone();
    let offset = account.settings.offset_minutes;
    for op in ops {
        if !order_patch_allowed(op) {
            return Err(op.refused());
        }
        let tokens: Vec<&str> = op.tokens.iter().map(String::as_str).collect();
        let value = &op.value;
        let field = op.path.trim_start_matches('/').replace('/', ".");
        let text = || -> Result<String, ApiError> {
            match value {
                Json::String(s) => Ok(s.clone()),
                Json::Number(n) => Ok(n.to_string()),
                other => Err(invalid(format!("{field} must be text, not {other}"))),
            }
        };
        let id = || -> Result<u64, ApiError> {
            decimal(value)
                .filter(|d| d.fract().is_zero() && *d >= rust_decimal::Decimal::ZERO)
                .and_then(|d| u64::try_from(d).ok())
                .ok_or_else(|| {
                    invalid(format!(
                        "{field} must be a whole number (an id), not {value}"
                    ))
                })
        };
        let time = || -> Result<Option<Stamp>, ApiError> {
            match value {
                Json::Null => Ok(None),
                Json::String(s) if s.trim().is_empty() => Ok(None),
                Json::String(s) => parse_time(s).map(|ms| Some(Stamp::new(ms, offset))).ok_or_else(|| {
                    invalid(format!(
                        "{field} must be an ISO-8601 date or datetime such as 2022-01-20, not {s:?}"
                    ))
                }),
                other => Err(invalid(format!("{field} must be a date text, not {other}"))),
            }
        };
        match tokens.as_slice() {
            ["reference"] => order.reference = text()?,
            ["externalRef"] => order.external_ref = Some(text()?).filter(|s| !s.is_empty()),
            ["placedOn"] => order.placed_on = time()?,
            ["warehouseId"] => {
                let warehouse = id()?;
                if account.stock.warehouse(warehouse).is_none() {
                    return Err(invalid(format!(
                        "warehouseId {warehouse} is not a warehouse; see GET /warehouse-service/warehouse"
                    )));
                }
                order.warehouse_id = warehouse;
            }
            ["parentOrderId"] => {
                let parent = id()?;
                if parent != 0 && (parent == order_id || account.orders.get(parent).is_none()) {
                    return Err(invalid(format!(
                        "parentOrderId {parent} is not another order of this account"
                    )));
                }
                order.parent_order_id = parent;
            }
            ["delivery", "deliveryDate"] => order.delivery.delivery_date = time()?,
            ["delivery", "shippingMethodId"] => {
                let method = id()?;
                if method != 0 && account.stock.shipping_method(method).is_none() {
                    return Err(invalid(format!(
                        "delivery.shippingMethodId {method} is not a shipping method; see GET /warehouse-service/shipping-method"
                    )));
                }
                order.delivery.shipping_method_id = method;
            }
            ["invoices", "0", key] => {
                if order.invoices.is_empty() {
                    order.invoices.push(Invoice::default());
                }
                let stamp = time()?;
                if let Some(invoice) = order.invoices.first_mut() {
                    if *key == "taxDate" {
                        invoice.tax_date = stamp;
                    } else {
                        invoice.due_date = stamp;
                    }
                }
            }
            ["parties", which, key] => {
                let mut over = Map::new();
                over.insert((*key).to_string(), value.clone());
                let party = if *which == "delivery" {
                    &mut order.parties.delivery
                } else {
                    &mut order.parties.billing
                };
                overlay(party, &over, &format!("parties.{which}"))?;
            }
            ["assignment", "current", key] => {
                let value = id()?;
                let current = &mut order.assignment.current;
                match *key {
                    "staffOwnerContactId" => current.staff_owner_contact_id = value,
                    "projectId" => current.project_id = value,
                    "channelId" => {
                        if value != 0 && !account.catalogue.channels.contains_key(&value) {
                            return Err(invalid(format!(
                                "assignment.current.channelId {value} is not a channel; see GET /product-service/channel"
                            )));
                        }
                        current.channel_id = value;
                    }
                    "leadSourceId" => current.lead_source_id = value,
                    _ => current.team_id = value,
                }
            }
            _ => return Err(op.refused()),
        }
    }
    account.orders.orders.insert(order_id, order.clone());
    account.raise(ORDER_RESOURCE, Lifecycle::Modified, order_id);
    Ok(order)
}

/// A note to add to an order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewNote {
    /// The text.
    pub text: String,
    /// Visible to the customer.
    pub is_public: bool,
    /// The staff contact adding it; the API user when `None`.
    pub contact_id: Option<u64>,
    /// When (UTC ms); now when `None`.
    pub added_on_ms: Option<i64>,
    /// An attached file.
    pub file_id: Option<u64>,
}

impl NewNote {
    /// Reads a note body: `{text, isPublic, contactId, addedOn, fileId}`. `addedOn` is required
    /// when `require_added_on` (the note endpoint; a status change's note is dated now).
    pub fn from_json(
        body: &Map<String, Json>,
        at: &str,
        require_added_on: bool,
    ) -> Result<NewNote, ApiError> {
        let fields = Fields { map: body, at };
        let name = |key: &str| super::input::name_of(at, key);
        let text = fields
            .text("text")?
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| invalid(format!("{} is required: the note's text", name("text"))))?;
        let added_on_ms = fields.time("addedOn")?;
        if require_added_on && added_on_ms.is_none() {
            return Err(invalid(format!(
                "{} is required: when the note was written, e.g. \"2026-01-05T10:00:00+00:00\"",
                name("addedOn")
            )));
        }
        Ok(NewNote {
            text,
            is_public: fields.flag("isPublic")?.unwrap_or(false),
            contact_id: fields.id("contactId")?,
            added_on_ms,
            file_id: fields.id("fileId")?,
        })
    }
}

/// Adds a note to `order_id`; returns the note id. Notes do not change the order's version.
pub fn add_note(account: &mut Account, order_id: u64, note: &NewNote) -> Result<u64, ApiError> {
    if account.orders.get(order_id).is_none() {
        return Err(missing(order_id));
    }
    let contact_id = note.contact_id.unwrap_or(account.settings.api_staff_id);
    if account.contacts.contact(contact_id).is_none() {
        return Err(invalid(format!(
            "contactId {contact_id} is not a contact; notes are written by a staff contact (the API user is {})",
            account.settings.api_staff_id
        )));
    }
    Ok(insert_note(account, order_id, note, contact_id, None))
}

fn insert_note(
    account: &mut Account,
    order_id: u64,
    note: &NewNote,
    contact_id: u64,
    status: Option<u64>,
) -> u64 {
    let id = account.next_id(NOTE_SEQUENCE, 1);
    let added_on = account.stamp(note.added_on_ms.unwrap_or_else(|| account.now_ms()));
    account.orders.notes.insert(
        id,
        OrderNote {
            id,
            order_id,
            text: note.text.clone(),
            is_public: note.is_public,
            contact_id,
            added_on,
            file_id: note.file_id,
            order_status_id: status,
        },
    );
    id
}

/// The notes of `order_id`, oldest first.
pub fn notes_of(account: &Account, order_id: u64) -> Vec<&OrderNote> {
    account
        .orders
        .notes
        .values()
        .filter(|n| n.order_id == order_id)
        .collect()
}

/// Moves `order_id` to status `status_id`, adding `note` if given. A change of status bumps
/// the version and raises `order.modified.order-status` (and `order.modified`).
pub fn set_status(
    account: &mut Account,
    order_id: u64,
    status_id: u64,
    note: Option<&NewNote>,
) -> Result<(), ApiError> {
    let order = account
        .orders
        .get(order_id)
        .ok_or_else(|| missing(order_id))?;
    let status = check_status(account, order.order_type_code, status_id)?;
    if status.state == StatusState::Cancelled && status_id != order.order_status.order_status_id {
        let has_notes = account.goods_out.of_order(order_id).next().is_some();
        let has_payments = account
            .accounting
            .customer_payments
            .values()
            .any(|p| p.order_id == order_id)
            || account.orders.amount_paid.contains_key(&order_id);
        if has_notes || has_payments {
            let what = if has_notes {
                "goods-out notes"
            } else {
                "payments"
            };
            return Err(invalid(format!(
                "Order {order_id} cannot be cancelled (status {status_id} {}): it has {what}. Delete them (or refund) first",
                status.name
            )));
        }
    }
    let name = status.name.clone();
    let closing = status.state == StatusState::Closed;
    let changed = order.order_status.order_status_id != status_id;
    if let Some(note) = note {
        let contact = note.contact_id.unwrap_or(account.settings.api_staff_id);
        insert_note(account, order_id, note, contact, Some(status_id));
    }
    if !changed {
        return Ok(());
    }
    let now = account.now();
    if let Some(order) = account.orders.orders.get_mut(&order_id) {
        order.order_status = OrderStatusRef {
            order_status_id: status_id,
            name,
        };
        order.closed_on = if closing {
            order.closed_on.clone().or(Some(now))
        } else {
            None
        };
    }
    touch(account, order_id);
    account.raise_specific(
        ORDER_RESOURCE,
        Lifecycle::Modified,
        "order-status",
        order_id,
    );
    Ok(())
}
