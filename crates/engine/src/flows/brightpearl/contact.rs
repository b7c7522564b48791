//! Contact rows: the contact GET JSON with its postal addresses, contact groups and the
//! convenience keys (see the module docs of `flows::brightpearl`), and finding contacts by
//! email or by last name and postal code.

use super::scan::{cell_id, stamp_time};
use super::{call_error, invalid_field};
use crate::flows::adapters::{AdapterResult, Row};
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::{IdSet, MAX_IDS_PER_GET};
use ferry_brightpearl::search::{MAX_PAGE_SIZE, Search};
use futures_util::StreamExt;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The three address roles: row key and `postAddressIds` key.
pub(super) const ADDRESS_ROLES: [(&str, &str); 3] =
    [("default", "DEF"), ("billing", "BIL"), ("delivery", "DEL")];

/// Reads contacts `ids` as rows; `with_groups` adds `customerGroup(s)` (one search per 500).
pub(super) async fn read(
    client: &Client,
    ids: &IdSet,
    with_groups: bool,
) -> AdapterResult<Vec<Row>> {
    let contacts: Vec<Value> = client
        .get_many("/contact-service/contact", ids, MAX_IDS_PER_GET)
        .await
        .map_err(|e| call_error(e, &format!("the contact read of {ids}")))?;
    let address_ids: IdSet = contacts
        .iter()
        .flat_map(|c| {
            ADDRESS_ROLES
                .iter()
                .filter_map(move |(_, key)| c.pointer(&format!("/postAddressIds/{key}")))
                .filter_map(Value::as_u64)
        })
        .filter(|id| *id != 0)
        .collect();
    let addresses: BTreeMap<u64, Value> = if address_ids.is_empty() {
        BTreeMap::new()
    } else {
        client
            .get_many::<Value>(
                "/contact-service/postal-address",
                &address_ids,
                MAX_IDS_PER_GET,
            )
            .await
            .map_err(|e| call_error(e, &format!("the postal-address read of {address_ids}")))?
            .into_iter()
            .filter_map(|a| Some((a.get("addressId")?.as_u64()?, a)))
            .collect()
    };
    let groups = if with_groups {
        let found: IdSet = contacts
            .iter()
            .filter_map(|c| c.get("contactId")?.as_u64())
            .collect();
        group_names(client, &found).await?
    } else {
        BTreeMap::new()
    };
    Ok(contacts
        .into_iter()
        .filter_map(|contact| row(contact, &addresses, &groups))
        .collect())
}

/// Contact id → names of its contact groups, by group id.
async fn group_names(client: &Client, ids: &IdSet) -> AdapterResult<BTreeMap<u64, Vec<String>>> {
    let mut groups: BTreeMap<u64, BTreeMap<u64, String>> = BTreeMap::new();
    for chunk in ids.chunks(MAX_PAGE_SIZE as usize) {
        let search = Search::new(client, "contact-service/contact-group-member-search")
            .filter("contactId", &chunk.to_string())
            .columns(&["contactId", "contactGroupId", "contactGroupName"]);
        let mut rows = std::pin::pin!(search.rows());
        while let Some(row) = rows.next().await {
            let row = row.map_err(|e| call_error(e, "the contact-group membership search"))?;
            let (Some(contact), Some(group)) = (
                cell_id(row.get("contactId")),
                cell_id(row.get("contactGroupId")),
            ) else {
                continue;
            };
            if !chunk.contains(contact) {
                continue;
            }
            let name = row
                .get("contactGroupName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            groups.entry(contact).or_default().insert(group, name);
        }
    }
    Ok(groups
        .into_iter()
        .map(|(contact, names)| (contact, names.into_values().collect()))
        .collect())
}

/// A text at `pointer`, `null` when absent or empty.
fn text_at(contact: &Value, pointer: &str) -> Value {
    match contact.pointer(pointer).and_then(Value::as_str) {
        Some(text) if !text.trim().is_empty() => Value::from(text),
        _ => Value::Null,
    }
}

/// The row of one contact GET record.
fn row(
    contact: Value,
    addresses: &BTreeMap<u64, Value>,
    groups: &BTreeMap<u64, Vec<String>>,
) -> Option<Row> {
    let id = contact.get("contactId")?.as_u64()?;
    let Value::Object(mut data) = contact else {
        return None;
    };
    let view = Value::Object(data.clone());
    let updated = view
        .get("updatedOn")
        .and_then(Value::as_str)
        .map(str::to_owned);
    data.insert(
        "email".into(),
        text_at(&view, "/communication/emails/PRI/email"),
    );
    data.insert(
        "phone".into(),
        text_at(&view, "/communication/telephones/PRI"),
    );
    data.insert(
        "mobile".into(),
        text_at(&view, "/communication/telephones/MOB"),
    );
    data.insert(
        "website".into(),
        text_at(&view, "/communication/websites/PRI"),
    );
    data.insert("companyName".into(), text_at(&view, "/organisation/name"));
    let flag = |name: &str| {
        view.pointer(&format!("/relationshipToAccount/{name}"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    data.insert(
        "isCustomer".into(),
        Value::from(!flag("isSupplier") && !flag("isStaff")),
    );
    let names = groups.get(&id).cloned().unwrap_or_default();
    data.insert(
        "customerGroup".into(),
        names.first().cloned().map_or(Value::Null, Value::from),
    );
    data.insert("customerGroups".into(), Value::from(names));
    let mut by_role = Map::new();
    for (role, key) in ADDRESS_ROLES {
        let address = view
            .pointer(&format!("/postAddressIds/{key}"))
            .and_then(Value::as_u64)
            .and_then(|address| addresses.get(&address))
            .cloned()
            .unwrap_or(Value::Null);
        by_role.insert(role.into(), address);
    }
    data.insert("addresses".into(), Value::Object(by_role));
    Some(Row {
        id: id.to_string(),
        modified_at: updated.as_deref().and_then(stamp_time),
        version: updated,
        changed_by_ferry: None,
        data: Value::Object(data),
    })
}

/// A find value as text (strings as they are, numbers in decimal).
fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A postal code compared without case and spaces.
pub(super) fn postal_key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Ids of contacts whose search column `column` equals `value` (case-insensitively; the search
/// itself matches substrings).
pub(super) async fn ids_where(
    client: &Client,
    column: &str,
    value: &str,
) -> AdapterResult<BTreeSet<u64>> {
    let search = Search::new(client, "contact-service/contact-search")
        .filter(column, value)
        .columns(&["contactId", column])
        .stable_by("contactId");
    let mut rows = std::pin::pin!(search.rows());
    let mut ids = BTreeSet::new();
    while let Some(row) = rows.next().await {
        let row = row.map_err(|e| call_error(e, &format!("the contact search by {column}")))?;
        let same = row
            .get(column)
            .and_then(Value::as_str)
            .is_some_and(|found| found.trim().eq_ignore_ascii_case(value.trim()));
        if same && let Some(id) = cell_id(row.get("contactId")) {
            ids.insert(id);
        }
    }
    Ok(ids)
}

/// `Target::find` for contacts.
pub(super) async fn find(
    client: &Client,
    by: &[String],
    values: &[Vec<Value>],
) -> AdapterResult<Vec<Row>> {
    let by: Vec<&str> = by.iter().map(String::as_str).collect();
    match by.as_slice() {
        ["email"] => {
            let mut ids = BTreeSet::new();
            for tuple in values {
                if let Some(email) = tuple.first().and_then(value_text) {
                    ids.extend(ids_where(client, "primaryEmail", &email).await?);
                }
            }
            read(client, &ids.into_iter().collect(), true).await
        }
        ["lastName", "postalCode"] => {
            let mut wanted: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
            for tuple in values {
                let (Some(last), Some(postal)) = (
                    tuple.first().and_then(value_text),
                    tuple.get(1).and_then(value_text),
                ) else {
                    continue;
                };
                for id in ids_where(client, "lastName", &last).await? {
                    wanted.entry(id).or_default().insert(postal_key(&postal));
                }
            }
            let rows = read(client, &wanted.keys().copied().collect(), true).await?;
            Ok(rows
                .into_iter()
                .filter(|row| {
                    let codes = row.id.parse::<u64>().ok().and_then(|id| wanted.get(&id));
                    let Some(codes) = codes else { return false };
                    ADDRESS_ROLES.iter().any(|(role, _)| {
                        row.data
                            .pointer(&format!("/addresses/{role}/postalCode"))
                            .and_then(Value::as_str)
                            .is_some_and(|code| codes.contains(&postal_key(code)))
                    })
                })
                .collect())
        }
        _ => Err(invalid_field(
            "a Brightpearl contact lookup",
            &by.join(","),
            "contacts are found by [\"email\"] or by [\"lastName\", \"postalCode\"]; change the \
             target's match keys",
        )),
    }
}
