#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use apache_avro::types::Value as Avro;

/// A change event schema laid out as reference §9.4 describes (header first, then the
/// object's fields as nullable unions, the address a nested record).
const ACCOUNT_SCHEMA: &str = r#"{
  "type": "record", "name": "AccountChangeEvent", "namespace": "com.sforce.eventbus",
  "fields": [
    {"name": "ChangeEventHeader", "type": {"type": "record", "name": "ChangeEventHeader", "fields": [
      {"name": "entityName", "type": "string"},
      {"name": "recordIds", "type": {"type": "array", "items": "string"}},
      {"name": "changeType", "type": {"type": "enum", "name": "ChangeType", "symbols":
        ["CREATE","DELETE","GAP_CREATE","GAP_DELETE","GAP_UNDELETE","GAP_UPDATE","GAP_OVERFLOW","SNAPSHOT","UNDELETE","UPDATE"]}},
      {"name": "changeOrigin", "type": "string"},
      {"name": "transactionKey", "type": "string"},
      {"name": "sequenceNumber", "type": "int"},
      {"name": "commitTimestamp", "type": "long"},
      {"name": "commitNumber", "type": "long"},
      {"name": "commitUser", "type": "string"},
      {"name": "nulledFields", "type": {"type": "array", "items": "string"}},
      {"name": "diffFields", "type": {"type": "array", "items": "string"}},
      {"name": "changedFields", "type": {"type": "array", "items": "string"}}
    ]}},
    {"name": "Name", "type": ["null", "string"], "default": null},
    {"name": "Type", "type": ["null", "string"], "default": null},
    {"name": "BillingAddress", "type": ["null", {"type": "record", "name": "Address", "fields": [
      {"name": "Street", "type": ["null", "string"], "default": null},
      {"name": "City", "type": ["null", "string"], "default": null}
    ]}], "default": null},
    {"name": "ShippingAddress", "type": ["null", "Address"], "default": null},
    {"name": "AnnualRevenue", "type": ["null", "double"], "default": null},
    {"name": "LastModifiedDate", "type": ["null", "long"], "default": null}
  ]
}"#;

fn schema() -> EventSchema {
    EventSchema::parse("AccountSchemaId0000000", ACCOUNT_SCHEMA).unwrap()
}

fn strings(items: &[&str]) -> Avro {
    Avro::Array(
        items
            .iter()
            .map(|s| Avro::String((*s).to_owned()))
            .collect(),
    )
}

fn encode(change_type: (u32, &str), origin: &str, changed: &[&str], name: Option<&str>) -> Vec<u8> {
    let schema = schema();
    let header = Avro::Record(vec![
        ("entityName".into(), Avro::String("Account".into())),
        ("recordIds".into(), strings(&["001000000000001AAA"])),
        (
            "changeType".into(),
            Avro::Enum(change_type.0, change_type.1.into()),
        ),
        ("changeOrigin".into(), Avro::String(origin.into())),
        ("transactionKey".into(), Avro::String("tx-1".into())),
        ("sequenceNumber".into(), Avro::Int(2)),
        ("commitTimestamp".into(), Avro::Long(1_712_693_965_000)),
        ("commitNumber".into(), Avro::Long(1_082_985_383_811)),
        (
            "commitUser".into(),
            Avro::String("005000000000001AAA".into()),
        ),
        ("nulledFields".into(), strings(&["0x04"])),
        ("diffFields".into(), strings(&[])),
        ("changedFields".into(), strings(changed)),
    ]);
    let address = Avro::Union(
        1,
        Box::new(Avro::Record(vec![
            (
                "Street".into(),
                Avro::Union(1, Box::new(Avro::String("1 Main".into()))),
            ),
            ("City".into(), Avro::Union(0, Box::new(Avro::Null))),
        ])),
    );
    let record = Avro::Record(vec![
        ("ChangeEventHeader".into(), header),
        (
            "Name".into(),
            match name {
                Some(n) => Avro::Union(1, Box::new(Avro::String(n.into()))),
                None => Avro::Union(0, Box::new(Avro::Null)),
            },
        ),
        ("Type".into(), Avro::Union(0, Box::new(Avro::Null))),
        ("BillingAddress".into(), address),
        (
            "ShippingAddress".into(),
            Avro::Union(0, Box::new(Avro::Null)),
        ),
        (
            "AnnualRevenue".into(),
            Avro::Union(1, Box::new(Avro::Double(12.5))),
        ),
        (
            "LastModifiedDate".into(),
            Avro::Union(1, Box::new(Avro::Long(1_712_693_965_000))),
        ),
    ]);
    apache_avro::to_avro_datum(schema.avro(), record).unwrap()
}

#[test]
fn schema_fields_know_compound_children_also_through_references() {
    let s = schema();
    let names: Vec<_> = s.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ChangeEventHeader",
            "Name",
            "Type",
            "BillingAddress",
            "ShippingAddress",
            "AnnualRevenue",
            "LastModifiedDate"
        ]
    );
    assert_eq!(s.fields()[3].children, ["Street", "City"]);
    // ShippingAddress refers to the Address record by name.
    assert_eq!(s.fields()[4].children, ["Street", "City"]);
    assert!(s.fields()[1].children.is_empty());
}

#[test]
fn bitmaps_become_field_names_including_nested_ones() {
    let s = schema();
    let check = |entries: &[&str], expect: &[&str]| {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        assert_eq!(
            decode_bitmap(&entries, s.fields()).unwrap(),
            expect,
            "{entries:?}"
        );
    };
    check(&["0x42"], &["Name", "LastModifiedDate"]);
    check(
        &["0x40", "3-0x01"],
        &["LastModifiedDate", "BillingAddress.Street"],
    );
    check(
        &["0x40", "4-0x03"],
        &[
            "LastModifiedDate",
            "ShippingAddress.Street",
            "ShippingAddress.City",
        ],
    );
    // Leading zeros and upper case, as real orgs send.
    check(
        &["0x0000004A"],
        &["Name", "BillingAddress", "LastModifiedDate"],
    );
    check(&[], &[]);
    // Already names (CometD style) pass through.
    check(&["Name"], &["Name"]);
    let entries = vec!["0x100".to_owned()];
    let err = decode_bitmap(&entries, s.fields()).unwrap_err();
    assert!(err.contains("bit 8"), "{err}");
    let entries = vec!["1-0x01".to_owned()];
    assert!(
        decode_bitmap(&entries, s.fields()).is_err(),
        "Name has no children"
    );
    let entries = vec!["0xZZ".to_owned()];
    assert!(decode_bitmap(&entries, s.fields()).is_err());
}

#[test]
fn wide_bitmaps_past_128_bits_decode() {
    let fields: Vec<SchemaField> = (0..200)
        .map(|i| SchemaField {
            name: format!("F{i}"),
            children: vec![],
        })
        .collect();
    // Bit 199 and bit 0.
    let mut hex = String::from("0x8");
    hex.push_str(&"0".repeat(48));
    hex.push('1');
    let names = decode_bitmap(&[hex], &fields).unwrap();
    assert_eq!(names, ["F0", "F199"]);
}

#[test]
fn payloads_decode_with_the_schema_and_the_header_is_typed() {
    let s = schema();
    let payload = encode(
        (9, "UPDATE"),
        "com/salesforce/api/rest/62.0;client=ferry/",
        &["0x42", "3-0x01"],
        Some("Acme"),
    );
    let fields = s.decode(&payload).unwrap();
    assert_eq!(fields["Name"], "Acme");
    assert_eq!(fields["Type"], serde_json::Value::Null);
    assert_eq!(fields["BillingAddress"]["Street"], "1 Main");
    assert_eq!(fields["AnnualRevenue"], 12.5);
    let header = ChangeEventHeader::from_fields(&fields, &s)
        .unwrap()
        .unwrap();
    assert_eq!(header.entity_name, "Account");
    assert_eq!(header.record_ids, ["001000000000001AAA"]);
    assert_eq!(header.change_type, ChangeType::Update);
    assert_eq!(header.transaction_key, "tx-1");
    assert_eq!(header.sequence_number, 2);
    assert_eq!(header.commit_timestamp, 1_712_693_965_000);
    assert_eq!(header.commit_number, 1_082_985_383_811);
    assert_eq!(header.commit_user, "005000000000001AAA");
    assert_eq!(
        header.changed_fields,
        ["Name", "LastModifiedDate", "BillingAddress.Street"]
    );
    assert_eq!(header.nulled_fields, ["Type"]);
    assert!(header.diff_fields.is_empty());
    assert!(is_echo(&header.change_origin, "ferry"));

    let gap = encode((6, "GAP_OVERFLOW"), "", &[], None);
    let fields = s.decode(&gap).unwrap();
    let header = ChangeEventHeader::from_fields(&fields, &s)
        .unwrap()
        .unwrap();
    assert_eq!(header.change_type, ChangeType::GapOverflow);
    assert!(!header.change_type.is_gap());
    assert!(ChangeType::GapUpdate.is_gap());
}

#[test]
fn truncated_payloads_are_errors_not_panics() {
    let s = schema();
    let payload = encode((0, "CREATE"), "", &[], Some("Acme"));
    for cut in [0, 1, 5, payload.len() / 2, payload.len() - 1] {
        assert!(s.decode(&payload[..cut]).is_err(), "cut at {cut}");
    }
    assert!(EventSchema::parse("x", "{not json").is_err());
    assert!(EventSchema::parse("x", r#""string""#).is_err());
}

#[test]
fn echoes_match_the_client_token_exactly() {
    assert_eq!(
        origin_client("com/salesforce/api/rest/59.0;client=ferry"),
        Some("ferry")
    );
    assert_eq!(
        origin_client("com/salesforce/api/soap/60.0;client=SfdcInternalAPI/"),
        Some("SfdcInternalAPI")
    );
    assert_eq!(origin_client("com/salesforce/api/rest/59.0"), None);
    assert_eq!(origin_client(""), None);
    assert!(is_echo(
        "com/salesforce/api/rest/59.0;client=ferry",
        "ferry"
    ));
    assert!(is_echo(
        "com/salesforce/api/rest/59.0;client=ferry/",
        "ferry"
    ));
    assert!(!is_echo(
        "com/salesforce/api/rest/59.0;client=ferry-staging",
        "ferry"
    ));
    assert!(!is_echo(
        "com/salesforce/api/rest/59.0;client=notferry",
        "ferry"
    ));
    assert!(!is_echo("com/salesforce/api/rest/59.0", "ferry"));
    assert!(!is_echo("", "ferry"));
}

#[test]
fn replay_ids_round_trip_through_hex() {
    let id = ReplayId(vec![0, 0, 0, 0, 0, 0x5a, 0x94, 0xf0]);
    assert_eq!(id.to_hex(), "00000000005a94f0");
    assert_eq!(ReplayId::from_hex(&id.to_hex()), Some(id));
    assert_eq!(ReplayId::from_hex("abc"), None);
    assert_eq!(ReplayId::from_hex("zz"), None);
    assert_eq!(ReplayId::from_hex(""), None);
}

#[test]
fn org_ids_come_from_identity_urls() {
    assert_eq!(
        org_id_from_identity(
            "https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA"
        ),
        Some("00D000000000001AAA")
    );
    assert_eq!(org_id_from_identity("https://x/"), None);
}

#[tokio::test]
async fn settings_are_checked() {
    let session: Arc<dyn Session> = Arc::new(crate::auth::FixedSession::new(
        "http://127.0.0.1:1",
        secrecy::SecretString::from("t"),
    ));
    let err = PubSub::new(PubSubSettings::new("ftp://x", "00D"), session.clone()).unwrap_err();
    assert!(err.to_string().contains("https://"), "{err}");
    let err = PubSub::new(PubSubSettings::new("http://127.0.0.1:1", " "), session).unwrap_err();
    assert!(err.to_string().contains("tenant_id"), "{err}");
}
