//! The fixed vocabularies of an order: its type, price mode, tax state and the four status
//! codes Brightpearl derives from rows, payments and goods-out notes. Each code knows the numeric
//! id and name order-search uses for it (`orderTypeId` 1 = `SALES_ORDER`, shipping status 1 =
//! "No stock tracked products on order").
//!
//! Recorded: order types 1–4, shipping statuses 1–4 (NST/SNS/SPS/ASS), payment status 5 =
//! NOT_APPLICABLE and stock status 13 = "Unset" (the code of an order without rows, `NON`).
//! INFERRED: the other payment and stock status ids and names, and the `SOP`/`POP`/`POA`/`APA`
//! codes (Brightpearl's pattern: N = none, P = part, A = all).

use serde::{Deserialize, Serialize};

/// SO, PO, SC or PC: the four kinds of order sharing one id sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OrderType {
    /// Sales order.
    #[serde(rename = "SO")]
    SalesOrder,
    /// Purchase order.
    #[serde(rename = "PO")]
    PurchaseOrder,
    /// Sales credit (a customer return or refund).
    #[serde(rename = "SC")]
    SalesCredit,
    /// Purchase credit (a return to the supplier).
    #[serde(rename = "PC")]
    PurchaseCredit,
}

impl OrderType {
    /// Every type, in id order.
    pub const ALL: [OrderType; 4] = [
        OrderType::SalesOrder,
        OrderType::PurchaseOrder,
        OrderType::SalesCredit,
        OrderType::PurchaseCredit,
    ];

    /// `SO`, `PO`, `SC`, `PC` (`orderTypeCode`).
    pub fn code(self) -> &'static str {
        match self {
            OrderType::SalesOrder => "SO",
            OrderType::PurchaseOrder => "PO",
            OrderType::SalesCredit => "SC",
            OrderType::PurchaseCredit => "PC",
        }
    }

    /// The type of an `orderTypeCode`, exactly as Brightpearl spells it.
    pub fn from_code(code: &str) -> Option<OrderType> {
        OrderType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// `orderTypeId` in searches (recorded 1–4).
    pub fn id(self) -> u64 {
        match self {
            OrderType::SalesOrder => 1,
            OrderType::PurchaseOrder => 2,
            OrderType::SalesCredit => 3,
            OrderType::PurchaseCredit => 4,
        }
    }

    /// The type with search id `id`.
    pub fn from_id(id: u64) -> Option<OrderType> {
        OrderType::ALL.into_iter().find(|t| t.id() == id)
    }

    /// `SALES_ORDER`, ...: the `orderTypeNames` reference entry (recorded).
    pub fn reference_name(self) -> &'static str {
        match self {
            OrderType::SalesOrder => "SALES_ORDER",
            OrderType::PurchaseOrder => "PURCHASE_ORDER",
            OrderType::SalesCredit => "SALES_CREDIT",
            OrderType::PurchaseCredit => "PURCHASE_CREDIT",
        }
    }

    /// "Sales Order", ...: the description of `GET /order-type`.
    pub fn description(self) -> &'static str {
        match self {
            OrderType::SalesOrder => "Sales Order",
            OrderType::PurchaseOrder => "Purchase Order",
            OrderType::SalesCredit => "Sales Credit",
            OrderType::PurchaseCredit => "Purchase Credit",
        }
    }

    /// Whether the other party is a supplier (`parties.supplier`, `isDropship`).
    pub fn is_purchase(self) -> bool {
        matches!(self, OrderType::PurchaseOrder | OrderType::PurchaseCredit)
    }

    /// Whether the order gives money back (a credit) rather than taking an order.
    pub fn is_credit(self) -> bool {
        matches!(self, OrderType::SalesCredit | OrderType::PurchaseCredit)
    }

    /// Which custom-field set the order uses: `sale` or `purchase` (the metadata path segment).
    pub fn custom_field_set(self) -> CustomFieldSet {
        if self.is_purchase() {
            CustomFieldSet::Purchase
        } else {
            CustomFieldSet::Sale
        }
    }
}

/// The two custom-field sets orders have (`/order-service/{sale|purchase}/custom-field-meta-data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomFieldSet {
    /// Sales orders and sales credits.
    Sale,
    /// Purchase orders and purchase credits.
    Purchase,
}

impl CustomFieldSet {
    /// The set named by a metadata path segment.
    pub fn from_path(segment: &str) -> Option<CustomFieldSet> {
        match segment {
            "sale" => Some(CustomFieldSet::Sale),
            "purchase" => Some(CustomFieldSet::Purchase),
            _ => None,
        }
    }
}

/// Whether row prices include tax (`INC`) or not (`EXC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PriceMode {
    /// Prices include tax.
    #[serde(rename = "INC")]
    Inclusive,
    /// Prices exclude tax (what orders created through the API get, as recorded).
    #[default]
    #[serde(rename = "EXC")]
    Exclusive,
}

impl PriceMode {
    /// The mode of a `priceModeCode`.
    pub fn from_code(code: &str) -> Option<PriceMode> {
        match code {
            "INC" => Some(PriceMode::Inclusive),
            "EXC" => Some(PriceMode::Exclusive),
            _ => None,
        }
    }
}

/// `state.tax`: whether the order's tax is still open or has been invoiced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TaxState {
    /// Not invoiced yet.
    #[default]
    Ready,
    /// Invoiced: the tax is fixed.
    Invoiced,
}

/// `orderPaymentStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Money is owed and nothing has been paid.
    Unpaid,
    /// Some of the total has been paid.
    PartiallyPaid,
    /// Paid in full.
    Paid,
    /// Nothing to pay (an order whose total is zero, as recorded for a new order).
    #[default]
    NotApplicable,
}

impl PaymentStatus {
    /// Every status, in id order.
    pub const ALL: [PaymentStatus; 4] = [
        PaymentStatus::Unpaid,
        PaymentStatus::PartiallyPaid,
        PaymentStatus::Paid,
        PaymentStatus::NotApplicable,
    ];

    /// The wire code (`UNPAID`), also the `orderPaymentStatusNames` entry (recorded for 5).
    pub fn code(self) -> &'static str {
        match self {
            PaymentStatus::Unpaid => "UNPAID",
            PaymentStatus::PartiallyPaid => "PARTIALLY_PAID",
            PaymentStatus::Paid => "PAID",
            PaymentStatus::NotApplicable => "NOT_APPLICABLE",
        }
    }

    /// `orderPaymentStatusId` (5 recorded for NOT_APPLICABLE; the others INFERRED).
    pub fn id(self) -> u64 {
        match self {
            PaymentStatus::Unpaid => 1,
            PaymentStatus::PartiallyPaid => 2,
            PaymentStatus::Paid => 3,
            PaymentStatus::NotApplicable => 5,
        }
    }

    /// The status with search id `id`.
    pub fn from_id(id: u64) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The status of a wire code.
    pub fn from_code(code: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// `stockStatusCode`: how much of the order's stock is in hand (sales: allocated; purchases:
/// received).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StockStatus {
    /// No stock-tracked rows (recorded for a new order; search name "Unset").
    #[default]
    #[serde(rename = "NON")]
    Unset,
    /// Sales order: none of the stock allocated.
    #[serde(rename = "SON")]
    SalesNone,
    /// Sales order: part of the stock allocated.
    #[serde(rename = "SOP")]
    SalesPart,
    /// Sales order: all of the stock allocated.
    #[serde(rename = "SOA")]
    SalesAll,
    /// Purchase order: nothing received.
    #[serde(rename = "PON")]
    PurchaseNone,
    /// Purchase order: part received.
    #[serde(rename = "POP")]
    PurchasePart,
    /// Purchase order: all received.
    #[serde(rename = "POA")]
    PurchaseAll,
}

impl StockStatus {
    /// Every status, in id order.
    pub const ALL: [StockStatus; 7] = [
        StockStatus::SalesAll,
        StockStatus::SalesPart,
        StockStatus::SalesNone,
        StockStatus::PurchaseAll,
        StockStatus::PurchasePart,
        StockStatus::PurchaseNone,
        StockStatus::Unset,
    ];

    /// The wire code (`SOA`).
    pub fn code(self) -> &'static str {
        match self {
            StockStatus::Unset => "NON",
            StockStatus::SalesNone => "SON",
            StockStatus::SalesPart => "SOP",
            StockStatus::SalesAll => "SOA",
            StockStatus::PurchaseNone => "PON",
            StockStatus::PurchasePart => "POP",
            StockStatus::PurchaseAll => "POA",
        }
    }

    /// `orderStockStatusId` (13 recorded for `NON`; the others INFERRED).
    pub fn id(self) -> u64 {
        match self {
            StockStatus::SalesAll => 1,
            StockStatus::SalesPart => 2,
            StockStatus::SalesNone => 3,
            StockStatus::PurchaseAll => 4,
            StockStatus::PurchasePart => 5,
            StockStatus::PurchaseNone => 6,
            StockStatus::Unset => 13,
        }
    }

    /// The status with search id `id`.
    pub fn from_id(id: u64) -> Option<StockStatus> {
        StockStatus::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The status of a wire code.
    pub fn from_code(code: &str) -> Option<StockStatus> {
        StockStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The `orderStockStatusNames` entry and `GET /order-stock-status` description ("Unset"
    /// recorded for `NON`).
    pub fn description(self) -> &'static str {
        match self {
            StockStatus::Unset => "Unset",
            StockStatus::SalesNone => "Sales order: no stock allocated",
            StockStatus::SalesPart => "Sales order: some stock allocated",
            StockStatus::SalesAll => "Sales order: all stock allocated",
            StockStatus::PurchaseNone => "Purchase order: nothing received",
            StockStatus::PurchasePart => "Purchase order: part received",
            StockStatus::PurchaseAll => "Purchase order: all received",
        }
    }
}

/// `allocationStatusCode`: how much of the stock-tracked quantity goods-out notes hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AllocationStatus {
    /// No allocation required (no stock-tracked sales rows).
    #[default]
    #[serde(rename = "ANR")]
    NotRequired,
    /// Nothing allocated yet.
    #[serde(rename = "ANA")]
    NoneAllocated,
    /// Part allocated.
    #[serde(rename = "APA")]
    PartAllocated,
    /// All allocated.
    #[serde(rename = "AAA")]
    AllAllocated,
}

impl AllocationStatus {
    /// The wire code (`AAA`).
    pub fn code(self) -> &'static str {
        match self {
            AllocationStatus::NotRequired => "ANR",
            AllocationStatus::NoneAllocated => "ANA",
            AllocationStatus::PartAllocated => "APA",
            AllocationStatus::AllAllocated => "AAA",
        }
    }
}

/// `shippingStatusCode` (recorded with ids 1–4 by `GET /order-shipping-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ShippingStatus {
    /// No stock-tracked products on the order.
    #[default]
    #[serde(rename = "NST")]
    NoStockTracked,
    /// Stock not shipped.
    #[serde(rename = "SNS")]
    NotShipped,
    /// Stock part shipped.
    #[serde(rename = "SPS")]
    PartShipped,
    /// All stock shipped.
    #[serde(rename = "ASS")]
    AllShipped,
}

impl ShippingStatus {
    /// Every status, in id order.
    pub const ALL: [ShippingStatus; 4] = [
        ShippingStatus::NoStockTracked,
        ShippingStatus::NotShipped,
        ShippingStatus::PartShipped,
        ShippingStatus::AllShipped,
    ];

    /// The wire code (`NST`).
    pub fn code(self) -> &'static str {
        match self {
            ShippingStatus::NoStockTracked => "NST",
            ShippingStatus::NotShipped => "SNS",
            ShippingStatus::PartShipped => "SPS",
            ShippingStatus::AllShipped => "ASS",
        }
    }

    /// `orderShippingStatusId` (recorded).
    pub fn id(self) -> u64 {
        match self {
            ShippingStatus::NoStockTracked => 1,
            ShippingStatus::NotShipped => 2,
            ShippingStatus::PartShipped => 3,
            ShippingStatus::AllShipped => 4,
        }
    }

    /// The status with id `id`.
    pub fn from_id(id: u64) -> Option<ShippingStatus> {
        ShippingStatus::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The status of a wire code.
    pub fn from_code(code: &str) -> Option<ShippingStatus> {
        ShippingStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The recorded description ("No stock tracked products on order").
    pub fn description(self) -> &'static str {
        match self {
            ShippingStatus::NoStockTracked => "No stock tracked products on order",
            ShippingStatus::NotShipped => "Stock not shipped",
            ShippingStatus::PartShipped => "Stock part shipped",
            ShippingStatus::AllShipped => "All stock shipped",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_serde_and_ids() {
        for t in OrderType::ALL {
            assert_eq!(OrderType::from_code(t.code()), Some(t));
            assert_eq!(OrderType::from_id(t.id()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.code());
        }
        for s in StockStatus::ALL {
            assert_eq!(StockStatus::from_code(s.code()), Some(s));
            assert_eq!(StockStatus::from_id(s.id()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        for s in ShippingStatus::ALL {
            assert_eq!(ShippingStatus::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::from_id(s.id()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        assert_eq!(
            serde_json::to_value(AllocationStatus::NotRequired).unwrap(),
            "ANR"
        );
        assert_eq!(
            serde_json::to_value(TaxState::Invoiced).unwrap(),
            "INVOICED"
        );
        assert_eq!(OrderType::from_code("UK"), None);
    }
}
