//! Reading Brightpearl sales orders, sales credits, goods-out notes, customer payments and
//! journals as flow rows (row shapes and costs: the adapter's module documentation).
//!
//! Orders and credits are one id-set GET per 200 orders (`/order-service/order/{ids}`), the
//! wrong kind dropped; goods-out notes are in `notes.rs`, payments in `payments.rs`.

mod notes;
mod payments;

pub(super) use notes::{notes_changed_since, scan_notes};
pub(super) use payments::payment_rows;

use super::Object;
use super::call_error;
use super::lookups::Lookups;
use super::scan::stamp_time;
use crate::flows::adapters::{AdapterError, AdapterResult, Row};
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::model::common::Stamp;
use ferry_brightpearl::model::orders::{Order, OrderRow, OrderTypeCode, PartyAddress};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The product id Brightpearl gives free-text rows (reference §7.1).
const FREE_TEXT_PRODUCT: u64 = 1000;

/// Reads `ids` of an order-side object as rows.
pub(super) async fn read(
    client: &Client,
    lookups: &Lookups,
    object: Object,
    ids: &IdSet,
) -> AdapterResult<Vec<Row>> {
    match object {
        Object::SalesOrder => read_orders(client, lookups, ids, OrderTypeCode::SalesOrder).await,
        Object::SalesCredit => read_orders(client, lookups, ids, OrderTypeCode::SalesCredit).await,
        Object::GoodsOutNote => notes::read(client, lookups, ids).await,
        Object::CustomerPayment => payments::read(client, ids).await,
        Object::Journal => read_journals(client, ids).await,
        Object::Contact | Object::Product | Object::Availability => Err(AdapterError::permanent(
            "BP_UNKNOWN_OBJECT",
            format!(
                "Brightpearl {} is not an order-side object; this is a defect in Ferry's \
                 Brightpearl adapter, please report it",
                object.name()
            ),
        )),
    }
}

/// Reads orders `ids` and keeps those of type `kind` as rows.
async fn read_orders(
    client: &Client,
    lookups: &Lookups,
    ids: &IdSet,
    kind: OrderTypeCode,
) -> AdapterResult<Vec<Row>> {
    let what = if kind == OrderTypeCode::SalesCredit {
        "sales credit"
    } else {
        "sales order"
    };
    let raw = client
        .orders_json(ids)
        .await
        .map_err(|e| call_error(e, &format!("the {what} read of {ids}")))?;
    let orders = typed_orders(raw)?;
    let orders: Vec<(Value, Order)> = orders
        .into_iter()
        .filter(|(_, order)| order.order_type_code == kind)
        .collect();
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let channels = if orders.iter().any(|(_, o)| o.channel_id() != 0) {
        lookups.channels(client).await?
    } else {
        Default::default()
    };
    let mut rows: Vec<Row> = orders
        .into_iter()
        .map(|(raw, order)| order_row(raw, &order, &channels))
        .collect();
    rows.sort_by_key(|row| row.id.parse::<u64>().unwrap_or(u64::MAX));
    Ok(rows)
}

/// Each order GET record with its typed reading; a record Ferry cannot read fails the batch
/// with its id and the reason.
fn typed_orders(raw: Vec<Value>) -> AdapterResult<Vec<(Value, Order)>> {
    raw.into_iter()
        .map(
            |record| match serde_json::from_value::<Order>(record.clone()) {
                Ok(order) => Ok((record, order)),
                Err(e) => {
                    let id = record.get("id").map_or("?".into(), Value::to_string);
                    Err(AdapterError::permanent(
                        "BP_UNREADABLE",
                        format!(
                            "Brightpearl order {id} came back in a shape Ferry cannot read ({e}); \
                         check the order in Brightpearl, and report this with the order id if \
                         it looks normal there"
                        ),
                    ))
                }
            },
        )
        .collect()
}

/// Decimal text without trailing zeros (`"12.5"`, `"0"`).
pub(super) fn decimal_text(value: Decimal) -> Value {
    Value::from(value.normalize().to_string())
}

/// `value` rounded to cents, half away from zero.
pub(super) fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The calendar date of a stamp in the offset Brightpearl wrote it with (`YYYY-MM-DD`).
pub(super) fn date_of(stamp: &Stamp) -> Option<String> {
    let at = stamp.parsed()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        at.year(),
        u8::from(at.month()),
        at.day()
    ))
}

/// A stamp's date as JSON (`null` when absent or unreadable).
pub(super) fn date_value(stamp: Option<&Stamp>) -> Value {
    stamp.and_then(date_of).map_or(Value::Null, Value::from)
}

/// A stamp's text as JSON (`null` when absent).
pub(super) fn stamp_value(stamp: Option<&Stamp>) -> Value {
    stamp.map_or(Value::Null, |s| Value::from(s.raw()))
}

/// Text as JSON, `null` when empty.
pub(super) fn text_or_null(text: &str) -> Value {
    if text.trim().is_empty() {
        Value::Null
    } else {
        Value::from(text)
    }
}

/// An id as JSON, `null` for 0 (Brightpearl's "none").
fn id_or_null(id: u64) -> Value {
    if id == 0 {
        Value::Null
    } else {
        Value::from(id)
    }
}

/// `SO`, `SC`, … as text.
pub(super) fn type_code(kind: OrderTypeCode) -> &'static str {
    match kind {
        OrderTypeCode::SalesOrder => "SO",
        OrderTypeCode::PurchaseOrder => "PO",
        OrderTypeCode::SalesCredit => "SC",
        OrderTypeCode::PurchaseCredit => "PC",
        OrderTypeCode::Unknown => "",
    }
}

/// Whether an order status name means cancelled.
pub(super) fn is_cancelled(status_name: &str) -> bool {
    status_name.to_lowercase().contains("cancel")
}

/// A party's address as the row shows it, `null` when the order has no such party.
fn address(party: Option<&PartyAddress>) -> Value {
    let Some(p) = party else {
        return Value::Null;
    };
    json!({
        "addressFullName": text_or_null(&p.address_full_name),
        "companyName": text_or_null(&p.company_name),
        "addressLine1": text_or_null(&p.address_line1),
        "addressLine2": text_or_null(&p.address_line2),
        "addressLine3": text_or_null(&p.address_line3),
        "addressLine4": text_or_null(&p.address_line4),
        "postalCode": text_or_null(&p.postal_code),
        "country": p.country.as_deref().map_or(Value::Null, text_or_null),
        "countryIsoCode2": p.country_iso_code.as_deref().map_or(Value::Null, text_or_null),
        "countryIsoCode": p.country_iso_code3.as_deref().map_or(Value::Null, text_or_null),
        "telephone": text_or_null(&p.telephone),
        "mobileTelephone": text_or_null(&p.mobile_telephone),
        "email": text_or_null(&p.email),
    })
}

/// The order rows as the row shows them: by `orderRowSequence`, then row id.
fn order_lines(rows: &BTreeMap<u64, OrderRow>) -> Value {
    let mut lines: Vec<(Option<u64>, u64, &OrderRow)> = rows
        .iter()
        .map(|(id, row)| (row.order_row_sequence.trim().parse().ok(), *id, row))
        .collect();
    lines.sort_by_key(|(sequence, id, _)| (sequence.unwrap_or(u64::MAX), *id));
    Value::Array(
        lines
            .into_iter()
            .map(|(sequence, id, row)| {
                let net = cents(row.row_value.row_net.value);
                let tax = row.row_value.row_tax.value;
                let product = match row.product_id {
                    0 | FREE_TEXT_PRODUCT => Value::Null,
                    id => Value::from(id),
                };
                json!({
                    "rowId": id.to_string(),
                    "sequence": sequence,
                    "productId": product,
                    "sku": row.product_sku.as_deref().map_or(Value::Null, text_or_null),
                    "name": row.product_name,
                    "quantity": decimal_text(row.quantity.magnitude),
                    "unitPrice": row.product_price.as_ref().map_or(Value::Null, |p| decimal_text(p.value)),
                    "net": decimal_text(net),
                    "tax": decimal_text(tax),
                    "gross": decimal_text(net + tax),
                    "taxCode": text_or_null(&row.row_value.tax_code),
                    "discountPercentage": row.discount_percentage.map_or(Value::Null, decimal_text),
                    "nominalCode": text_or_null(&row.nominal_code),
                    "externalRef": row.external_ref.as_deref().map_or(Value::Null, text_or_null),
                })
            })
            .collect(),
    )
}

/// The row of one order GET record (`raw`, read as `order`).
fn order_row(raw: Value, order: &Order, channels: &BTreeMap<u64, String>) -> Row {
    let mut data = match raw {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let status = &order.order_status.name;
    let channel = order.channel_id();
    let changed = order.updated_on.as_ref().or(order.created_on.as_ref());
    let put = |data: &mut Map<String, Value>, key: &str, value: Value| {
        data.insert(key.to_owned(), value);
    };
    put(&mut data, "id", Value::from(order.id));
    put(
        &mut data,
        "type",
        Value::from(type_code(order.order_type_code)),
    );
    put(&mut data, "reference", Value::from(order.reference.clone()));
    put(
        &mut data,
        "externalRef",
        order
            .external_ref
            .as_deref()
            .map_or(Value::Null, text_or_null),
    );
    put(
        &mut data,
        "parentOrderId",
        Value::from(order.parent_order_id),
    );
    put(
        &mut data,
        "statusId",
        Value::from(order.order_status.order_status_id),
    );
    put(&mut data, "statusName", Value::from(status.clone()));
    put(
        &mut data,
        "shippingStatus",
        Value::from(order.shipping_status_code.clone()),
    );
    put(
        &mut data,
        "paymentStatus",
        Value::from(order.order_payment_status.clone()),
    );
    put(
        &mut data,
        "stockStatus",
        Value::from(order.stock_status_code.clone()),
    );
    put(
        &mut data,
        "placedDate",
        date_value(order.placed_on.as_ref()),
    );
    put(
        &mut data,
        "currency",
        Value::from(order.currency.order_currency_code.clone()),
    );
    put(
        &mut data,
        "exchangeRate",
        order
            .currency
            .exchange_rate
            .map_or(Value::Null, decimal_text),
    );
    put(&mut data, "channelId", Value::from(channel));
    put(
        &mut data,
        "channelName",
        channels
            .get(&channel)
            .map_or(Value::Null, |name| Value::from(name.clone())),
    );
    put(&mut data, "warehouseId", Value::from(order.warehouse_id));
    put(&mut data, "priceListId", Value::from(order.price_list_id));
    put(
        &mut data,
        "customerId",
        order
            .parties
            .customer
            .as_ref()
            .and_then(|c| c.contact_id)
            .map_or(Value::Null, Value::from),
    );
    put(
        &mut data,
        "customer",
        address(order.parties.customer.as_ref()),
    );
    put(
        &mut data,
        "delivery",
        address(order.parties.delivery.as_ref()),
    );
    put(
        &mut data,
        "billing",
        address(order.parties.billing.as_ref()),
    );
    put(
        &mut data,
        "shippingMethodId",
        id_or_null(order.delivery.shipping_method_id),
    );
    put(
        &mut data,
        "deliveryDate",
        date_value(order.delivery.delivery_date.as_ref()),
    );
    put(
        &mut data,
        "totals",
        json!({
            "net": decimal_text(order.total_value.net),
            "tax": decimal_text(order.total_value.tax_amount),
            "gross": decimal_text(order.total_value.total),
        }),
    );
    put(&mut data, "rows", order_lines(&order.order_rows));
    put(&mut data, "cancelled", Value::Bool(is_cancelled(status)));
    Row {
        id: order.id.to_string(),
        modified_at: changed.and_then(|s| stamp_time(s.raw())),
        version: changed.map(|s| s.raw().to_owned()),
        changed_by_ferry: None,
        data: Value::Object(data),
    }
}

/// The order context other rows carry (`order` of a goods-out note or payment).
pub(super) fn order_summary(order: &Order) -> Value {
    json!({
        "id": order.id,
        "type": type_code(order.order_type_code),
        "parentOrderId": order.parent_order_id,
        "reference": order.reference,
        "externalRef": order.external_ref.as_deref().map_or(Value::Null, text_or_null),
        "currency": order.currency.order_currency_code,
        "statusId": order.order_status.order_status_id,
        "statusName": order.order_status.name,
        "shippingStatus": order.shipping_status_code,
        "paymentStatus": order.order_payment_status,
        "cancelled": is_cancelled(&order.order_status.name),
    })
}

/// Orders `ids` of any type by id (one GET per 200), for the context of other rows.
pub(super) async fn orders_by_id(
    client: &Client,
    ids: &IdSet,
    what: &str,
) -> AdapterResult<BTreeMap<u64, Order>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let orders = client
        .orders(ids)
        .await
        .map_err(|e| call_error(e, &format!("the order read of {ids} for {what}")))?;
    Ok(orders.into_iter().map(|o| (o.id, o)).collect())
}

/// Journals `ids` as rows: the GET JSON plus `id`; `modified_at` from `createdOn`.
async fn read_journals(client: &Client, ids: &IdSet) -> AdapterResult<Vec<Row>> {
    let journals = client
        .journals_json(ids)
        .await
        .map_err(|e| call_error(e, &format!("the journal read of {ids}")))?;
    let mut rows: Vec<Row> = journals
        .into_iter()
        .filter_map(|journal| {
            let id = journal.get("id")?.as_u64()?;
            let created = journal
                .get("createdOn")
                .and_then(Value::as_str)
                .map(str::to_owned);
            Some(Row {
                id: id.to_string(),
                modified_at: created.as_deref().and_then(stamp_time),
                version: created,
                changed_by_ferry: None,
                data: journal,
            })
        })
        .collect();
    rows.sort_by_key(|row| row.id.parse::<u64>().unwrap_or(u64::MAX));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap_or_default()
    }

    #[test]
    fn money_is_normalised_and_cents_round_half_away_from_zero() {
        assert_eq!(decimal_text(d("12.5000")), json!("12.5"));
        assert_eq!(decimal_text(d("10.0000")), json!("10"));
        assert_eq!(decimal_text(d("0.00")), json!("0"));
        assert_eq!(decimal_text(d("-0.00")), json!("0"));
        assert_eq!(cents(d("9.0909")), d("9.09"));
        assert_eq!(cents(d("0.125")), d("0.13"));
        assert_eq!(cents(d("-0.125")), d("-0.13"));
        assert_eq!(cents(d("2.3449")), d("2.34"));
    }

    #[test]
    fn dates_keep_the_offset_brightpearl_wrote() {
        let late = Stamp::parse("2022-01-26T23:30:00.000-06:00");
        assert_eq!(date_of(&late).as_deref(), Some("2022-01-26"));
        assert_eq!(date_value(None), Value::Null);
        assert_eq!(date_value(Some(&Stamp::parse("not a date"))), Value::Null);
    }

    #[test]
    fn rows_sort_by_sequence_then_id_and_free_text_has_no_product() {
        let rows: BTreeMap<u64, OrderRow> = serde_json::from_value(json!({
            "7": {"orderRowSequence": "20", "productId": 1007, "productName": "Shirt",
                  "productSku": "SH-1", "quantity": {"magnitude": "2.0000"},
                  "productPrice": {"currencyCode": "GBP", "value": "10.0000"},
                  "discountPercentage": "0.00",
                  "rowValue": {"taxCode": "T", "rowNet": {"value": "16.6667"},
                               "rowTax": {"value": "3.33"}}},
            "9": {"orderRowSequence": "10", "productId": 1000, "productName": "Gift note",
                  "quantity": {"magnitude": "1.0000"},
                  "rowValue": {"taxCode": "", "rowNet": {"value": "0.0000"},
                               "rowTax": {"value": "0.00"}}},
            "3": {"orderRowSequence": "20", "productId": 1008, "productName": "Hat",
                  "quantity": {"magnitude": "1.0000"},
                  "rowValue": {"taxCode": "T", "rowNet": {"value": "5.0050"},
                               "rowTax": {"value": "1.00"}}}
        }))
        .unwrap_or_default();
        let lines = order_lines(&rows);
        let ids: Vec<&str> = lines
            .as_array()
            .map(|a| a.iter().filter_map(|l| l["rowId"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(ids, ["9", "3", "7"]);
        assert_eq!(lines[0]["productId"], Value::Null);
        assert_eq!(lines[0]["sku"], Value::Null);
        assert_eq!(lines[0]["taxCode"], Value::Null);
        assert_eq!(lines[1]["net"], json!("5.01"));
        assert_eq!(lines[1]["gross"], json!("6.01"));
        assert_eq!(lines[2]["quantity"], json!("2"));
        assert_eq!(lines[2]["unitPrice"], json!("10"));
        assert_eq!(lines[2]["net"], json!("16.67"));
        assert_eq!(lines[2]["tax"], json!("3.33"));
        assert_eq!(lines[2]["gross"], json!("20"));
        assert_eq!(lines[2]["discountPercentage"], json!("0"));
        assert_eq!(lines[2]["sequence"], json!(20));
    }

    #[test]
    fn cancelled_statuses_are_recognised_by_name() {
        assert!(is_cancelled("Cancelled"));
        assert!(is_cancelled("Order CANCELED by customer"));
        assert!(!is_cancelled("Invoiced"));
    }

    #[test]
    fn a_missing_party_is_null_and_empty_fields_are_null() {
        assert_eq!(address(None), Value::Null);
        let party = PartyAddress {
            address_line1: "1 High St".into(),
            country_iso_code: Some("GB".into()),
            country_iso_code3: Some("GBR".into()),
            ..PartyAddress::default()
        };
        let shown = address(Some(&party));
        assert_eq!(shown["addressLine1"], json!("1 High St"));
        assert_eq!(shown["addressLine2"], Value::Null);
        assert_eq!(shown["countryIsoCode2"], json!("GB"));
        assert_eq!(shown["countryIsoCode"], json!("GBR"));
    }
}
