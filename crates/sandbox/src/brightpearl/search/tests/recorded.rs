//! The recorded searches (reference §6.4), replayed: the recorded rows go in, and the body that
//! comes out must be the recorded one, `response` byte for byte.

use yaml_rust2::{Yaml, YamlLoader};

use super::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/brightpearl/"
);

/// order-search as recorded in order_search.yml (reference §6.5), declared the way a resource
/// module declares it.
pub(in crate::brightpearl::search) static ORDER_SEARCH: Catalogue = Catalogue {
    name: "order-search",
    columns: &[
        Column::new("orderId", DataType::IdSet),
        Column::new("orderTypeId", DataType::IdSet).with_reference(&["orderTypeNames"]),
        Column::new("contactId", DataType::Integer),
        Column::new("orderStatusId", DataType::Integer).with_reference(&["orderStatusNames"]),
        Column::new("orderStockStatusId", DataType::Integer)
            .with_reference(&["orderStockStatusNames"]),
        Column::new("createdOn", DataType::Period),
        Column::new("createdById", DataType::Integer),
        Column::new("customerRef", DataType::String),
        Column::new("orderPaymentStatusId", DataType::Integer)
            .with_reference(&["orderPaymentStatusNames"]),
        Column::new("updatedOn", DataType::Period),
        Column::new("parentOrderId", DataType::IdSet),
        Column::new("orderShippingStatusId", DataType::Integer)
            .with_reference(&["orderShippingStatusNames"]),
        Column::new("externalRef", DataType::String),
        Column::new("installedIntegrationInstanceId", DataType::Integer),
        Column::new("warehouseId", DataType::IdSet),
        Column::new("staffOwnerContactId", DataType::Integer),
        Column::new("taxDate", DataType::Period),
        Column::new("departmentId", DataType::Integer),
        Column::new("deliveryDate", DataType::Period),
    ],
    extra_filters: &[Column::new("channelId", DataType::IdSet).unsortable()],
};

/// The start of product-search (product_search.yml), enough for its bad-parameter recording.
pub(in crate::brightpearl::search) static PRODUCT_SEARCH: Catalogue = Catalogue {
    name: "product-search",
    columns: &[
        Column::new("productId", DataType::IdSet).with_reference(&["productCategoryMembership"]),
        Column::new("productName", DataType::SearchString),
    ],
    extra_filters: &[],
};

/// One recorded request and response.
struct Recording {
    query: Vec<(String, String)>,
    body: Json,
}

/// The `index`th interaction of a cassette.
fn recording(cassette: &str, index: usize) -> Recording {
    let path = format!("{FIXTURES}{cassette}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let interaction = &docs[0]["http_interactions"][index];
    let uri = interaction["request"]["uri"].as_str().unwrap();
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let body = match &interaction["response"]["body"]["string"] {
        Yaml::String(s) => serde_json::from_str(s).unwrap(),
        other => panic!("{cassette}: no body string: {other:?}"),
    };
    Recording { query, body }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// The catalogue the recording describes (leaked: catalogues are static).
fn catalogue_of(body: &Json) -> &'static Catalogue {
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let columns: Vec<Column> = body["response"]["metaData"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let data_type = [
                DataType::Integer,
                DataType::IdSet,
                DataType::String,
                DataType::SearchString,
                DataType::Boolean,
                DataType::StringSet,
                DataType::Period,
                DataType::DateTime,
                DataType::FreeTextQuery,
            ]
            .into_iter()
            .find(|t| c["reportDataType"] == t.wire_name())
            .unwrap();
            let names: Vec<&'static str> = c["referenceData"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| leak(n.as_str().unwrap()))
                .collect();
            Column {
                name: leak(c["name"].as_str().unwrap()),
                data_type,
                reference_data: Box::leak(names.into_boxed_slice()),
                sortable: c["sortable"].as_bool().unwrap(),
                filterable: c["filterable"].as_bool().unwrap(),
                free_text: c["isFreeTextSearchable"].as_bool().unwrap(),
                required: c["required"].as_bool().unwrap(),
            }
        })
        .collect();
    Box::leak(Box::new(Catalogue {
        name: "recorded-search",
        columns: Box::leak(columns.into_boxed_slice()),
        extra_filters: &[],
    }))
}

/// The recorded results as rows: PERIOD strings become times, the rest keep their JSON type.
fn rows_of(body: &Json, catalogue: &Catalogue) -> Vec<Row> {
    body["response"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| Row {
            cells: row
                .as_array()
                .unwrap()
                .iter()
                .zip(catalogue.columns)
                .map(|(value, column)| match value {
                    Json::Null => Cell::Null,
                    Json::Bool(b) => Cell::Bool(*b),
                    Json::Number(n) => Cell::Int(n.as_i64().unwrap()),
                    Json::String(s) if column.data_type == DataType::Period => {
                        Cell::Time(parse_time(s).unwrap())
                    }
                    Json::String(s) => Cell::from(s.clone()),
                    other => panic!("unexpected cell {other}"),
                })
                .collect(),
        })
        .collect()
}

/// A row no recorded filter matches: the filtered cell is changed and the id made new.
fn decoy(template: &Row, catalogue: &Catalogue, filter: &str, id: i64) -> Row {
    let mut row = template.clone();
    row.cells[0] = Cell::Int(id);
    let at = catalogue.index(filter).unwrap();
    row.cells[at] = match catalogue.columns[at].data_type {
        DataType::Integer | DataType::IdSet => Cell::Int(987_654_321),
        _ => Cell::from("no such value"),
    };
    row
}

/// Replays `cassette`'s search over its own rows plus decoys, with `decoy_template` when the
/// recording returned none.
fn replay(cassette: &str, index: usize, decoy_template: Option<Row>) {
    let Recording { query, body } = recording(cassette, index);
    let catalogue = catalogue_of(&body);
    let mut rows = rows_of(&body, catalogue);
    let template = rows.first().cloned().or(decoy_template).unwrap();
    for (n, (filter, _)) in query.iter().enumerate() {
        rows.insert(
            0,
            decoy(&template, catalogue, filter, 900_000_000 + n as i64),
        );
        rows.push(decoy(&template, catalogue, filter, 1 + n as i64));
    }
    let recorded_reference = body["reference"].clone();
    let lookup = |name: &str, cell: &Cell<'_>| {
        let key = match cell {
            Cell::Int(i) => i.to_string(),
            Cell::Text(s) => s.to_string(),
            other => panic!("{other:?} keys a reference"),
        };
        recorded_reference[name].get(&key).cloned()
    };
    let out = run(catalogue, rows, &query, -360, &lookup).unwrap();
    assert_eq!(
        out.as_object().unwrap().keys().collect::<Vec<_>>(),
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        "{cassette}"
    );
    assert_eq!(
        serde_json::to_string(&out["response"]).unwrap(),
        serde_json::to_string(&body["response"]).unwrap(),
        "{cassette}"
    );
    // The recording's reference maps are in hash order; ours are ascending. Same content.
    assert_eq!(out["reference"], body["reference"], "{cassette}");
}

#[test]
fn order_search_replays_byte_for_byte() {
    replay("order_search.yml", 0, None);
}

#[test]
fn product_search_replays_byte_for_byte() {
    replay("product_search.yml", 0, None);
}

#[test]
fn contact_search_replays_byte_for_byte() {
    replay("customer/search/simple_search.yml", 0, None);
}

#[test]
fn customer_payment_search_replays_byte_for_byte() {
    replay("customer_payment/search/simple_search.yml", 0, None);
}

#[test]
fn an_empty_customer_payment_search_replays_byte_for_byte() {
    // The search after the delete found nothing; the earlier recording's row is the decoy.
    let earlier = recording("customer_payment/search/simple_search.yml", 0);
    let template = rows_of(&earlier.body, catalogue_of(&earlier.body)).remove(0);
    replay("customer_payment/delete/success.yml", 1, Some(template));
}

#[test]
fn a_declared_catalogue_renders_the_recorded_metadata() {
    let recorded = recording("order_search.yml", 0).body;
    let rows = rows_of(&recorded, &ORDER_SEARCH);
    let out = run(
        &ORDER_SEARCH,
        rows,
        &pairs("customerRef=#0001"),
        -360,
        &|_, _| None,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&out["response"]["metaData"]).unwrap(),
        serde_json::to_string(&recorded["response"]["metaData"]).unwrap()
    );
    assert_eq!(out["response"]["results"], recorded["response"]["results"]);
    // The extra filter narrows without being returned.
    let out = run(
        &ORDER_SEARCH,
        rows_of(&recorded, &ORDER_SEARCH),
        &pairs("channelId=1"),
        -360,
        &|_, _| None,
    )
    .unwrap();
    assert_eq!(out["response"]["metaData"]["resultsAvailable"], 0);
}
