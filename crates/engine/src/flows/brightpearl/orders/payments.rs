//! Customer-payment rows: `customer-payment-search` rows (there is no payment GET) with the
//! order each payment is against.

use super::{date_value, decimal_text, order_summary, orders_by_id, stamp_value};
use crate::flows::adapters::{AdapterResult, Row};
use crate::flows::brightpearl::call_error;
use crate::flows::brightpearl::scan::{cell_id, stamp_time};
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::model::common::Stamp;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::str::FromStr;

/// Reads payments `ids`: one search per 200 ids, one order GET per 200 orders.
pub(super) async fn read(client: &Client, ids: &IdSet) -> AdapterResult<Vec<Row>> {
    let cells = client
        .customer_payment_rows(ids)
        .await
        .map_err(|e| call_error(e, &format!("the customer-payment search of {ids}")))?;
    payment_rows(client, cells).await
}

/// Rows of `customer-payment-search` rows (every column), sorted by payment id; the orders
/// they are against are read in one batch.
pub(in crate::flows::brightpearl) async fn payment_rows(
    client: &Client,
    cells: Vec<Map<String, Value>>,
) -> AdapterResult<Vec<Row>> {
    let order_ids: IdSet = cells
        .iter()
        .filter_map(|c| cell_id(c.get("orderId")))
        .filter(|id| *id != 0)
        .collect();
    let orders = orders_by_id(client, &order_ids, "customer payments").await?;
    let mut rows: Vec<Row> = cells
        .iter()
        .filter_map(|c| {
            let order = cell_id(c.get("orderId"))
                .and_then(|id| orders.get(&id))
                .map_or(Value::Null, order_summary);
            payment_row(c, order)
        })
        .collect();
    rows.sort_by_key(|row| row.id.parse::<u64>().unwrap_or(u64::MAX));
    rows.dedup_by(|a, b| a.id == b.id);
    Ok(rows)
}

/// A cell as text (`null` when absent or empty).
fn text(cells: &Map<String, Value>, column: &str) -> Value {
    match cells.get(column) {
        Some(Value::String(s)) if !s.trim().is_empty() => Value::from(s.clone()),
        Some(Value::Number(n)) => Value::from(n.to_string()),
        _ => Value::Null,
    }
}

/// A money cell as normalised decimal text, exactly as sent (`null` when absent).
fn money(cells: &Map<String, Value>, column: &str) -> Value {
    let amount = match cells.get(column) {
        Some(Value::String(s)) => Decimal::from_str(s.trim()).ok(),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        _ => None,
    };
    amount.map_or(Value::Null, decimal_text)
}

/// A time cell as a stamp.
fn stamp(cells: &Map<String, Value>, column: &str) -> Option<Stamp> {
    cells.get(column).and_then(Value::as_str).map(Stamp::parse)
}

/// An id cell (`null` when absent).
fn id(cells: &Map<String, Value>, column: &str) -> Value {
    cell_id(cells.get(column)).map_or(Value::Null, Value::from)
}

/// The row of one search row; `None` without a payment id.
fn payment_row(cells: &Map<String, Value>, order: Value) -> Option<Row> {
    let payment_id = cell_id(cells.get("paymentId"))?;
    let created = stamp(cells, "createdOn");
    let data = json!({
        "id": payment_id,
        "transactionRef": text(cells, "transactionRef"),
        "transactionCode": text(cells, "transactionCode"),
        "paymentMethodCode": text(cells, "paymentMethodCode"),
        "paymentType": text(cells, "paymentType"),
        "orderId": id(cells, "orderId"),
        "currencyCode": text(cells, "currencyCode"),
        "currencyId": id(cells, "currencyId"),
        "amountPaid": money(cells, "amountPaid"),
        "amountAuthorized": money(cells, "amountAuthorized"),
        "expires": stamp_value(stamp(cells, "expires").as_ref()),
        "paymentDate": date_value(stamp(cells, "paymentDate").as_ref()),
        "paymentDateTime": stamp_value(stamp(cells, "paymentDate").as_ref()),
        "createdOn": stamp_value(created.as_ref()),
        "journalId": id(cells, "journalId"),
        "order": order,
    });
    Some(Row {
        id: payment_id.to_string(),
        modified_at: created.as_ref().and_then(|s| stamp_time(s.raw())),
        version: created.map(|s| s.raw().to_owned()),
        changed_by_ferry: None,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_row_becomes_a_payment_row() {
        let cells: Map<String, Value> = serde_json::from_value(json!({
            "paymentId": 935253, "transactionRef": "SF-1", "transactionCode": null,
            "paymentMethodCode": "CARD", "paymentType": "RECEIPT", "orderId": 44,
            "currencyId": 1, "currencyCode": "GBP", "amountAuthorized": "0.00",
            "amountPaid": "100.10", "expires": null,
            "paymentDate": "2026-04-17T23:00:00.000-06:00",
            "createdOn": "2026-04-18T10:00:00.000-06:00", "journalId": 77
        }))
        .unwrap_or_default();
        let row = payment_row(&cells, Value::Null);
        let Some(row) = row else {
            panic!("the row is read");
        };
        assert_eq!(row.id, "935253");
        assert_eq!(row.data["amountPaid"], json!("100.1"));
        assert_eq!(row.data["amountAuthorized"], json!("0"));
        assert_eq!(row.data["paymentDate"], json!("2026-04-17"));
        assert_eq!(row.data["transactionCode"], Value::Null);
        assert_eq!(row.data["orderId"], json!(44));
        assert_eq!(row.data["journalId"], json!(77));
        assert_eq!(
            row.version.as_deref(),
            Some("2026-04-18T10:00:00.000-06:00")
        );
        assert!(row.modified_at.is_some());
        assert!(payment_row(&Map::new(), Value::Null).is_none());
    }
}
