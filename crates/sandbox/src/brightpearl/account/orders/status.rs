//! Order statuses: the account-configurable list behind `orderStatus` and
//! `GET/POST /order-service/order-status`, in the recorded shape
//! (`{"statusId":1,"name":"Draft / Quote","orderTypeCode":"SO","sortOrder":0,...,"state":"draft"}`).
//!
//! The standard list every new account gets: ids 1 "Draft / Quote", 3 "New phone order",
//! 4 "Invoiced", 6 "Pending PO", 7 "Placed with supplier", 10 "Sales credit" and 12 "Purchase
//! credit" are recorded (reference §7.1); status 2 is recorded as an SO status without its name.
//! The rest of the list, every name not recorded, the colours other than Draft's and every
//! `state` other than `draft` are INFERRED. Defaults for new orders (recorded): SO 3, PO 6,
//! SC 10, PC 12.

use super::STATUS_SEQUENCE;
use super::codes::OrderType;
use super::input::{Fields, invalid};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// One order status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatus {
    /// The status id.
    pub status_id: u64,
    /// The name shown on orders.
    pub name: String,
    /// The order type it belongs to.
    pub order_type_code: OrderType,
    /// Position in lists.
    #[serde(default)]
    pub sort_order: u64,
    /// Disabled statuses cannot be given to orders.
    #[serde(default)]
    pub disabled: bool,
    /// Shown on the dashboard.
    #[serde(default)]
    pub visible: bool,
    /// `#RRGGBB`.
    pub color: String,
    /// Remind staff after this many days in the status (0 = never).
    #[serde(default)]
    pub remind_after_days: u64,
    /// Who is emailed on entering the status.
    #[serde(default)]
    pub alert_emails: Vec<String>,
    /// The email body.
    #[serde(default)]
    pub email_content: String,
    /// Whether the status is offered for batch processing.
    #[serde(default)]
    pub batch_process: bool,
    /// Lifecycle class: `draft`, `open`, `closed` or `cancelled` (only `draft` recorded).
    pub state: StatusState,
}

/// The lifecycle class of a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusState {
    /// A quote, not yet an order.
    Draft,
    /// A live order.
    Open,
    /// Completed.
    Closed,
    /// Cancelled: refused while goods-out notes or payments exist.
    Cancelled,
}

impl StatusState {
    /// The state of its wire name.
    pub fn from_name(name: &str) -> Option<StatusState> {
        match name {
            "draft" => Some(StatusState::Draft),
            "open" => Some(StatusState::Open),
            "closed" => Some(StatusState::Closed),
            "cancelled" => Some(StatusState::Cancelled),
            _ => None,
        }
    }
}

/// The statuses of a new account, id order.
pub fn standard_statuses() -> Vec<OrderStatus> {
    use OrderType::{
        PurchaseCredit as PC, PurchaseOrder as PO, SalesCredit as SC, SalesOrder as SO,
    };
    use StatusState::{Cancelled, Closed, Draft, Open};
    let list: [(u64, &str, OrderType, &str, StatusState, u64); 14] = [
        (1, "Draft / Quote", SO, "#E7E6E4", Draft, 10),
        (2, "New web order", SO, "#9FC5E8", Open, 0),
        (3, "New phone order", SO, "#A4C2F4", Open, 0),
        (4, "Invoiced", SO, "#B6D7A8", Closed, 0),
        (5, "Cancelled", SO, "#EA9999", Cancelled, 0),
        (6, "Pending PO", PO, "#FFE599", Open, 0),
        (7, "Placed with supplier", PO, "#F9CB9C", Open, 0),
        (8, "Goods received", PO, "#B6D7A8", Closed, 0),
        (9, "Cancelled PO", PO, "#EA9999", Cancelled, 0),
        (10, "Sales credit", SC, "#D5A6BD", Open, 0),
        (11, "Sales credit complete", SC, "#B6D7A8", Closed, 0),
        (12, "Purchase credit", PC, "#D5A6BD", Open, 0),
        (13, "Purchase credit complete", PC, "#B6D7A8", Closed, 0),
        (14, "On hold", SO, "#FFF2CC", Open, 0),
    ];
    list.into_iter()
        .enumerate()
        .map(
            |(i, (id, name, order_type, color, state, remind))| OrderStatus {
                status_id: id,
                name: name.to_string(),
                order_type_code: order_type,
                sort_order: i as u64,
                disabled: false,
                visible: state != Draft,
                color: color.to_string(),
                remind_after_days: remind,
                alert_emails: Vec::new(),
                email_content: String::new(),
                batch_process: false,
                state,
            },
        )
        .collect()
}

/// The status a new order of `order_type` gets when none is given (recorded: SO 3, PO 6,
/// SC 10, PC 12).
pub fn standard_default(order_type: OrderType) -> u64 {
    match order_type {
        OrderType::SalesOrder => 3,
        OrderType::PurchaseOrder => 6,
        OrderType::SalesCredit => 10,
        OrderType::PurchaseCredit => 12,
    }
}

/// Adds a status with its own id (the harness loads recorded statuses); later ids follow it.
pub fn insert_status(account: &mut Account, status: OrderStatus) {
    account.sequences.observe(STATUS_SEQUENCE, status.status_id);
    account.orders.statuses.insert(status.status_id, status);
}

/// A new order status (`POST /order-service/order-status`): `name`, `orderTypeCode` and
/// `color` (`#RRGGBB`) are required (documented); returns the id.
pub fn create_status(account: &mut Account, body: &Map<String, Json>) -> Result<u64, ApiError> {
    let top = Fields::top(body);
    let name = top
        .text("name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| invalid("name is required: the status name shown on orders"))?;
    let order_type = match top.text("orderTypeCode")? {
        None => {
            return Err(ApiError::bad_request(
                "ORDC-005",
                "You have not supplied an order type code",
            ));
        }
        Some(code) => OrderType::from_code(&code).ok_or_else(|| {
            ApiError::bad_request("ORDC-006", "You have supplied an invalid order type code")
        })?,
    };
    let color = top
        .text("color")?
        .ok_or_else(|| invalid("color is required: a hex colour such as #60a0ff"))?;
    let hex = color.strip_prefix('#').unwrap_or("");
    if !(hex.len() == 6 || hex.len() == 3) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(invalid(format!(
            "color must be a hex colour such as #60a0ff, not {color:?}"
        )));
    }
    if account
        .orders
        .statuses
        .values()
        .any(|s| s.order_type_code == order_type && s.name.eq_ignore_ascii_case(name.trim()))
    {
        return Err(invalid(format!(
            "A {} status named {name:?} already exists; statuses of one order type need distinct names",
            order_type.code()
        )));
    }
    let alert_emails = match top.get("alertEmails") {
        None => Vec::new(),
        Some(Json::Array(items)) => items
            .iter()
            .map(|e| {
                e.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| invalid("alertEmails must be an array of email addresses"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("alertEmails must be an array of email addresses")),
    };
    let first = account
        .orders
        .statuses
        .keys()
        .next_back()
        .map_or(1, |k| k + 1);
    let id = account.next_id(STATUS_SEQUENCE, first);
    let sort_order = account.orders.statuses.len() as u64;
    account.orders.statuses.insert(
        id,
        OrderStatus {
            status_id: id,
            name: name.trim().to_string(),
            order_type_code: order_type,
            sort_order,
            disabled: false,
            visible: true,
            color,
            remind_after_days: top.id("remindAfterDays")?.unwrap_or(0),
            alert_emails,
            email_content: top.text("emailContent")?.unwrap_or_default(),
            batch_process: top.flag("batchProcess")?.unwrap_or(false),
            state: StatusState::Open,
        },
    );
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_draft_status_renders_as_recorded() {
        let statuses = standard_statuses();
        let draft = serde_json::to_string(&statuses[0]).unwrap();
        assert_eq!(
            draft,
            r##"{"statusId":1,"name":"Draft / Quote","orderTypeCode":"SO","sortOrder":0,"disabled":false,"visible":false,"color":"#E7E6E4","remindAfterDays":10,"alertEmails":[],"emailContent":"","batchProcess":false,"state":"draft"}"##
        );
        for t in OrderType::ALL {
            let id = standard_default(t);
            let status = statuses.iter().find(|s| s.status_id == id).unwrap();
            assert_eq!(status.order_type_code, t);
        }
    }
}
