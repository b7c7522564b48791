use super::*;
use serde_json::json;
use time::macros::datetime;

fn account() -> SObjectDescribe {
    serde_json::from_value(json!({
        "name": "Account",
        "label": "Account",
        "keyPrefix": "001",
        "createable": true,
        "somethingNew": {"nested": [1, 2]},
        "fields": [
            {"name": "Id", "type": "id", "length": 18, "nillable": false, "createable": false,
             "updateable": false, "defaultedOnCreate": true, "idLookup": true},
            {"name": "Name", "type": "string", "length": 255, "nillable": false,
             "createable": true, "updateable": true},
            {"name": "Type", "type": "picklist", "length": 255, "nillable": true,
             "createable": true, "updateable": true,
             "picklistValues": [
                {"value": "Customer", "label": "Customer", "active": true, "defaultValue": false},
                {"value": "Partner", "label": "Partner", "active": true, "defaultValue": false},
                {"value": "Old", "label": "Old", "active": false, "defaultValue": false}]},
            {"name": "ExternalID__c", "type": "string", "length": 64, "nillable": true,
             "createable": true, "updateable": true, "externalId": true, "unique": true},
            {"name": "AnnualRevenue", "type": "currency", "precision": 18, "scale": 2,
             "nillable": true, "createable": true, "updateable": true},
            {"name": "Geo", "type": "hologram"}
        ]
    }))
    .unwrap()
}

fn with_field(
    mut describe: SObjectDescribe,
    name: &str,
    change: impl Fn(&mut FieldDescribe),
) -> SObjectDescribe {
    let field = describe.fields.iter_mut().find(|f| f.name == name).unwrap();
    change(field);
    describe
}

#[test]
fn decodes_tolerantly_and_looks_fields_up_in_any_case() {
    let describe = account();
    assert_eq!(describe.key_prefix.as_deref(), Some("001"));
    assert_eq!(describe.field("externalid__C").unwrap().length, 64);
    assert_eq!(
        describe.field("geo").unwrap().field_type,
        FieldType::Other("hologram".into())
    );
    assert_eq!(
        describe.field("Geo").unwrap().field_type.to_string(),
        "hologram"
    );
    assert_eq!(describe.field("Id").unwrap().field_type, FieldType::Id);
    let required: Vec<_> = describe
        .required_fields()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(required, ["Name"]);
    let keys: Vec<_> = describe
        .external_id_fields()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(keys, ["ExternalID__c"]);
    let values: Vec<_> = describe.field("Type").unwrap().active_values().collect();
    assert_eq!(values, ["Customer", "Partner"]);
    assert!(describe.field("Missing").is_none());
    let empty: SObjectDescribe = serde_json::from_str("{}").unwrap();
    assert!(empty.fields.is_empty());
}

#[test]
fn fingerprint_ignores_order_and_labels_and_sees_schema() {
    let describe = account();
    let mut shuffled = describe.clone();
    shuffled.fields.reverse();
    for field in &mut shuffled.fields {
        field.label = format!("relabelled {}", field.label);
        field.picklist_values.reverse();
    }
    assert_eq!(describe.fingerprint(), shuffled.fingerprint());
    let fingerprint = describe.fingerprint();
    assert_eq!(fingerprint.to_string().len(), 64);
    assert_eq!(
        fingerprint
            .to_string()
            .parse::<SchemaFingerprint>()
            .unwrap(),
        fingerprint
    );
    assert!("xyz".parse::<SchemaFingerprint>().is_err());
    let json = serde_json::to_string(&fingerprint).unwrap();
    assert_eq!(
        serde_json::from_str::<SchemaFingerprint>(&json).unwrap(),
        fingerprint
    );

    let changes: Vec<SObjectDescribe> = vec![
        with_field(account(), "Name", |f| f.length = 80),
        with_field(account(), "Name", |f| f.field_type = FieldType::TextArea),
        with_field(account(), "Name", |f| f.updateable = false),
        with_field(account(), "Type", |f| f.nillable = false),
        with_field(account(), "Type", |f| f.picklist_values[1].active = false),
        with_field(account(), "AnnualRevenue", |f| f.scale = 0),
        with_field(account(), "Name", |f| f.name = "Name2".into()),
    ];
    for changed in changes {
        assert_ne!(changed.fingerprint(), fingerprint);
        assert!(!drift(&account(), &changed).is_empty());
    }
}

#[test]
fn drift_names_object_field_and_what_to_do() {
    let old = account();
    let mut new = with_field(account(), "Name", |f| f.length = 80);
    new = with_field(new, "Type", |f| {
        f.picklist_values.remove(0);
        f.picklist_values.push(PicklistValue {
            value: "Reseller".into(),
            active: true,
            ..PicklistValue::default()
        });
    });
    new = with_field(new, "ExternalID__c", |f| {
        f.nillable = false;
        f.updateable = false;
    });
    new = with_field(new, "AnnualRevenue", |f| f.field_type = FieldType::Double);
    new.fields.retain(|f| f.name != "Geo");
    new.fields.push(FieldDescribe {
        name: "Tier__c".into(),
        field_type: FieldType::Picklist,
        ..FieldDescribe::default()
    });
    let sentences: Vec<String> = drift(&old, &new).iter().map(ToString::to_string).collect();
    assert_eq!(
        sentences,
        [
            "Account.AnnualRevenue changed type from currency to double; check the mapping's transform for it",
            "Account.ExternalID__c can no longer be written on update; stop mapping it there or restore the integration user's edit access",
            "Account.ExternalID__c is now required on create; map a value for it or give it a default",
            "Account.Geo no longer exists or is hidden from the integration user; remove it from the mapping or restore its field-level access",
            "Account.Name now holds at most 80 characters (was 255); longer values will be refused",
            "Account.Tier__c was added (type picklist); map it if the sync needs it",
            "Account.Type no longer accepts the picklist value \"Customer\"; update the value translation table",
            "Account.Type accepts a new picklist value \"Reseller\"",
        ]
    );
    let breaking: Vec<bool> = drift(&old, &new).iter().map(Drift::is_breaking).collect();
    assert_eq!(breaking, [true, true, true, true, true, false, true, false]);
    assert!(drift(&old, &old).is_empty());
}

#[test]
fn cache_reports_drift_against_the_previous_describe() {
    let mut cache = DescribeCache::new();
    let t0 = datetime!(2024-05-01 10:00 UTC);
    assert!(cache.is_stale("Account", t0, time::Duration::hours(1)));
    assert!(cache.insert(account(), t0).is_empty());
    assert_eq!(
        cache.get("ACCOUNT").unwrap().fingerprint,
        account().fingerprint()
    );
    assert!(!cache.is_stale(
        "account",
        t0 + time::Duration::minutes(59),
        time::Duration::hours(1)
    ));
    assert!(cache.is_stale(
        "account",
        t0 + time::Duration::minutes(61),
        time::Duration::hours(1)
    ));
    // Same schema again: no drift, fresh timestamp.
    let t1 = t0 + time::Duration::hours(2);
    assert!(cache.insert(account(), t1).is_empty());
    assert_eq!(cache.get("Account").unwrap().fetched_at, t1);
    let changed = with_field(account(), "Name", |f| f.length = 100);
    let drift = cache.insert(changed, t1);
    assert_eq!(drift.len(), 1);
    assert_eq!(drift[0].field, "Name");
    assert_eq!(cache.len(), 1);
    assert!(cache.remove("account").is_some());
    assert!(cache.is_empty());
}
