//! Resource events: what a data change raises, and which events a webhook may subscribe to.
//! Writes push [`Event`]s into the account's outbox; the webhook dispatcher drains it and
//! delivers to every matching subscription.

use serde::{Deserialize, Serialize};

/// What happened to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// The resource was made.
    Created,
    /// The resource changed.
    Modified,
    /// The resource was deleted.
    Destroyed,
}

impl Lifecycle {
    /// The word used in event names and `${lifecycle-event}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Created => "created",
            Lifecycle::Modified => "modified",
            Lifecycle::Destroyed => "destroyed",
        }
    }
}

/// One raised event about one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `order`, `sales-order`, `product`, `goods-out-note`, ...
    pub resource_type: String,
    /// Created, modified or destroyed.
    pub lifecycle: Lifecycle,
    /// The refinement after the lifecycle (`order-status`, `on-hand-modified`, `shipped`).
    pub specifier: Option<String>,
    /// The resource's id.
    pub id: u64,
    /// When it was raised, ms since the epoch (UTC).
    pub raised_on_ms: i64,
}

impl Event {
    /// An event without a specifier.
    pub fn new(resource_type: &str, lifecycle: Lifecycle, id: u64, raised_on_ms: i64) -> Event {
        Event {
            resource_type: resource_type.to_string(),
            lifecycle,
            specifier: None,
            id,
            raised_on_ms,
        }
    }

    /// An event with a specifier (`order.modified.order-status`).
    pub fn specific(
        resource_type: &str,
        lifecycle: Lifecycle,
        specifier: &str,
        id: u64,
        raised_on_ms: i64,
    ) -> Event {
        Event {
            specifier: Some(specifier.to_string()),
            ..Event::new(resource_type, lifecycle, id, raised_on_ms)
        }
    }

    /// `resource.lifecycle[.specifier]`: the `${full-event}` value.
    pub fn full_event(&self) -> String {
        match &self.specifier {
            Some(spec) => format!(
                "{}.{}.{}",
                self.resource_type,
                self.lifecycle.as_str(),
                spec
            ),
            None => format!("{}.{}", self.resource_type, self.lifecycle.as_str()),
        }
    }

    /// Whether a subscription to `subscribe_to` (a full event, a lifecycle event or a bare
    /// resource type) receives this event.
    pub fn matches(&self, subscribe_to: &str) -> bool {
        let full = self.full_event();
        subscribe_to == full
            || subscribe_to == self.resource_type
            || subscribe_to == format!("{}.{}", self.resource_type, self.lifecycle.as_str())
    }
}

/// Every event a webhook can subscribe to (reference §8.5: the help-centre list and the events
/// registered against a live account). Bare resource types and lifecycle events are derived.
pub const SUBSCRIBABLE: &[&str] = &[
    "drop-ship-note.created",
    "drop-ship-note.destroyed",
    "drop-ship-note.modified.shipped",
    "goods-in-note.created",
    "quarantine-release.created",
    "goods-out-note.created",
    "goods-out-note.destroyed",
    "goods-out-note.modified",
    "goods-out-note.modified.printed",
    "goods-out-note.modified.picked",
    "goods-out-note.modified.packed",
    "goods-out-note.modified.un-printed",
    "goods-out-note.modified.un-picked",
    "goods-out-note.modified.un-packed",
    "goods-out-note.modified.shipped",
    "order.modified",
    "order.modified.fully-shipped",
    "order.modified.order-status",
    "sales-order.created",
    "product.created",
    "product.destroyed",
    "product.modified",
    "product.modified.on-hand-modified",
];

/// Whether `subscribe_to` names something subscribable: one of [`SUBSCRIBABLE`], a lifecycle
/// event or resource type that one of them starts with.
pub fn is_subscribable(subscribe_to: &str) -> bool {
    SUBSCRIBABLE.iter().any(|event| {
        *event == subscribe_to
            || event
                .strip_prefix(subscribe_to)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_matching() {
        let event = Event::specific("order", Lifecycle::Modified, "order-status", 5, 0);
        assert_eq!(event.full_event(), "order.modified.order-status");
        assert!(event.matches("order"));
        assert!(event.matches("order.modified"));
        assert!(event.matches("order.modified.order-status"));
        assert!(!event.matches("order.modified.fully-shipped"));
        assert!(!event.matches("product"));
        let plain = Event::new("product", Lifecycle::Created, 1, 0);
        assert_eq!(plain.full_event(), "product.created");
    }

    #[test]
    fn subscribable_events() {
        for ok in [
            "product",
            "product.modified",
            "goods-out-note.modified.shipped",
            "order",
        ] {
            assert!(is_subscribable(ok), "{ok}");
        }
        for bad in [
            "contact.created",
            "order.created",
            "invalid-resource",
            "prod",
            "product.",
            "",
        ] {
            assert!(!is_subscribable(bad), "{bad}");
        }
    }
}
