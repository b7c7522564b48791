//! The default flows: every one parses and passes the static checks, and their mappings give
//! the right Salesforce and Brightpearl values for realistic rows (built from recorded
//! Brightpearl answers plus the adapters' documented convenience keys). Also `[flows]`: a
//! folder of flow files replaces and adds flows, `enabled`/`disabled` override, and mistakes
//! are reported with the file and line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_engine::flows::defaults::{self, DEFAULTS};
use ferry_mapping::{Env, FlowSpec};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

/// The JSON body of the first response with a body in a VCR cassette (bodies recorded as
/// single-quoted YAML scalars, possibly folded over several lines).
fn cassette_body(relative: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(relative)).unwrap();
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("string: '{"));
    let first = lines.next().expect("a JSON body");
    let mut scalar = first
        .trim_start()
        .trim_start_matches("string: '")
        .to_owned();
    while !scalar.ends_with('\'') || scalar.ends_with("''") {
        scalar.push(' ');
        scalar.push_str(lines.next().expect("the end of the scalar").trim());
    }
    scalar.pop();
    serde_json::from_str(&scalar.replace("''", "'")).unwrap()
}

fn spec(name: &str) -> FlowSpec {
    let text = DEFAULTS.iter().find(|(n, _)| *n == name).unwrap().1;
    FlowSpec::parse(text, name).unwrap()
}

/// Evaluates every field of target `name` against `ctx` (the context the runtime builds),
/// after checking its `when` holds.
fn map(spec: &FlowSpec, name: &str, ctx: &Value) -> Map<String, Value> {
    let env = Env::new();
    let target = spec.targets.iter().find(|t| t.name == name).unwrap();
    if let Some(when) = &target.when {
        assert!(
            env.compile(when).unwrap().truthy(ctx).unwrap(),
            "{name}.when {when:?} is false"
        );
    }
    target
        .fields
        .iter()
        .map(|(field, expr)| {
            let value = env
                .compile(expr)
                .unwrap()
                .eval(ctx)
                .unwrap_or_else(|e| panic!("{}.{name}.{field}: {e}", spec.name));
            (field.clone(), value)
        })
        .collect()
}

fn when(spec: &FlowSpec, name: &str, ctx: &Value) -> bool {
    let target = spec.targets.iter().find(|t| t.name == name).unwrap();
    target
        .when
        .as_ref()
        .is_none_or(|w| Env::new().compile(w).unwrap().truthy(ctx).unwrap())
}

fn context(spec: &FlowSpec, source: Value, targets: Value, reference: Value) -> Value {
    json!({
        "source": source,
        "targets": targets,
        "vars": spec.vars,
        "tables": spec.tables,
        "ref": reference,
        "link": null,
        "now": "2026-11-27T09:00:00Z",
    })
}

/// A contact row as the Brightpearl adapter documents it: the recorded contact GET plus the
/// convenience keys and the postal addresses.
fn contact_row() -> Value {
    let body = cassette_body("brightpearl/customer/get/simple_get.yml");
    let mut contact = body["response"][0].clone();
    assert_eq!(contact["contactId"], 151499);
    let default = json!({"addressId": 418692, "contactId": 151499, "addressLine1": "34 Lime St",
        "addressLine2": "Barton", "addressLine3": "Sheffield", "addressLine4": "South Yorkshire",
        "postalCode": "s14rt", "countryIsoCode": "GBR", "countryIsoCode2": "GB", "countryId": 222});
    let delivery = json!({"addressId": 418693, "contactId": 151499, "addressLine1": "Unit 4, Canal Wharf",
        "addressLine2": "", "addressLine3": "Leeds", "addressLine4": "West Yorkshire",
        "postalCode": "LS11 5PZ", "countryIsoCode": "GBR", "countryId": 222});
    let extra = json!({
        "email": contact["communication"]["emails"]["PRI"]["email"],
        "phone": contact["communication"]["telephones"]["PRI"],
        "mobile": "07700 900123",
        "website": "https://www.hartley-sons.example.com",
        "companyName": null,
        "isCustomer": true,
        "customerGroup": "Wholesale Customers",
        "customerGroups": ["Wholesale Customers"],
        "addresses": {"default": default, "billing": default, "delivery": delivery},
    });
    for (k, v) in extra.as_object().unwrap() {
        contact[k] = v.clone();
    }
    contact
}

#[test]
fn every_default_parses_and_passes_the_static_checks() {
    let names: Vec<&str> = DEFAULTS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "customers_to_salesforce",
            "customers_to_brightpearl",
            "products_to_salesforce",
            "products_to_brightpearl",
            "inventory_to_salesforce",
            "orders_to_salesforce",
            "shipments_to_salesforce",
            "opportunities_to_brightpearl",
            "credits_to_salesforce",
            "returns_to_brightpearl",
            "payments_to_brightpearl",
            "payments_to_salesforce",
            "activated_orders_to_brightpearl",
        ]
    );
    let mut specs = Vec::new();
    for (name, text) in DEFAULTS {
        let spec = FlowSpec::parse(text, name).unwrap();
        assert_eq!(&spec.name, name);
        assert_eq!(defaults::compile_check(&spec), [], "{name}");
        specs.push(spec);
    }
    assert_eq!(defaults::check_set(&specs), []);
    let enabled: Vec<_> = specs.iter().map(|s| (s.name.as_str(), s.enabled)).collect();
    assert!(enabled.contains(&("products_to_brightpearl", false)));
    assert_eq!(enabled.iter().filter(|(_, on)| *on).count(), 11);
    assert_eq!(
        spec("inventory_to_salesforce").depends_on,
        ["products_to_salesforce"]
    );
}

#[test]
fn a_person_becomes_an_account_named_after_them_and_a_contact() {
    let spec = spec("customers_to_salesforce");
    let ctx = context(&spec, contact_row(), json!({}), json!({}));
    assert!(!when(&spec, "shared_account", &ctx));
    assert!(!when(&spec, "account", &ctx));
    let account = map(&spec, "person_account", &ctx);
    assert_eq!(account["ExternalID__c"], "bp-contact-151499");
    assert_eq!(account["Name"], "john Doe");
    assert_eq!(account["Type"], "Channel Partner / Reseller");
    assert_eq!(account["Phone"], "+50685698589");
    assert_eq!(account["Website"], "https://www.hartley-sons.example.com");
    assert_eq!(account["BillingStreet"], "34 Lime St\nBarton");
    assert_eq!(account["BillingCity"], "Sheffield");
    assert_eq!(account["BillingState"], "South Yorkshire");
    assert_eq!(account["BillingPostalCode"], "S1 4RT");
    assert_eq!(account["BillingCountry"], "GB");
    assert_eq!(account["ShippingStreet"], "Unit 4, Canal Wharf");
    assert_eq!(account["ShippingCity"], "Leeds");
    assert_eq!(account["ShippingPostalCode"], "LS11 5PZ");
    // Only the alpha-3 code on the delivery address: still written as alpha-2.
    assert_eq!(account["ShippingCountry"], "GB");

    let targets = json!({"person_account": {"Id": "001000000000001AAA"}});
    let ctx = context(&spec, contact_row(), targets, json!({}));
    let contact = map(&spec, "contact", &ctx);
    assert_eq!(contact["ExternalID__c"], "151499");
    assert_eq!(contact["AccountId"], "001000000000001AAA");
    assert_eq!(contact["FirstName"], "john");
    assert_eq!(contact["LastName"], "Doe");
    assert_eq!(contact["Salutation"], Value::Null);
    assert_eq!(contact["Email"], "test@gmail.com");
    assert_eq!(contact["Phone"], "+50685698589");
    assert_eq!(contact["MobilePhone"], "+447700900123");
    assert_eq!(contact["MailingPostalCode"], "S1 4RT");
    assert_eq!(contact["MailingCountry"], "GB");
    assert_eq!(contact["MailingCity"], "Sheffield");
}

#[test]
fn an_organisation_gets_a_business_account_and_individuals_may_share_one() {
    let spec = spec("customers_to_salesforce");
    let mut row = contact_row();
    row["companyName"] = json!("  Hartley & Sons Ltd ");
    row["customerGroup"] = json!("Retail Customers");
    let ctx = context(&spec, row, json!({}), json!({}));
    let account = map(&spec, "account", &ctx);
    assert_eq!(account["ExternalID__c"], "bp-org-hartley-sons-ltd");
    assert_eq!(account["Name"], "Hartley & Sons Ltd");
    assert_eq!(account["Type"], "Customer - Direct");
    assert!(!when(&spec, "shared_account", &ctx));
    assert!(!when(&spec, "person_account", &ctx));
    assert_eq!(
        account.len(),
        3,
        "only the company's own fields on a shared business Account"
    );

    let mut shared = spec.clone();
    shared
        .vars
        .insert("individual_account".into(), json!("shared"));
    let mut row = contact_row();
    row["customerGroup"] = Value::Null;
    let ctx = context(&shared, row.clone(), json!({}), json!({}));
    assert!(!when(&shared, "account", &ctx));
    assert!(!when(&shared, "person_account", &ctx));
    let account = map(&shared, "shared_account", &ctx);
    assert_eq!(account["ExternalID__c"], "bp-individuals");
    assert_eq!(account["Name"], "Individual Customers");
    assert_eq!(
        account.len(),
        3,
        "no one customer's details on the shared Account"
    );
    let targets = json!({"shared_account": {"Id": "001000000000002AAA"}});
    let ctx = context(&shared, row, targets, json!({}));
    assert_eq!(
        map(&shared, "contact", &ctx)["AccountId"],
        "001000000000002AAA"
    );
}

/// A Salesforce Contact row as the Salesforce adapter documents it: the SOQL record without
/// `attributes`, parents nested.
fn sf_contact(account: Value) -> Value {
    json!({
        "Id": "003000000000001AAA", "AccountId": "001000000000001AAA", "Salutation": "Ms.",
        "FirstName": " Priya ", "LastName": "Sharma", "Email": "priya.sharma@example.com",
        "Phone": "(415) 555-0132", "MobilePhone": null,
        "MailingStreet": "500 Howard St\nSuite 300", "MailingCity": "San Francisco",
        "MailingState": "CA", "MailingPostalCode": "94105", "MailingCountry": "United States",
        "ExternalID__c": null, "Account": account,
    })
}

#[test]
fn a_salesforce_contact_becomes_a_brightpearl_contact_with_its_company() {
    let spec = spec("customers_to_brightpearl");
    let business = json!({"Name": "Hartley & Sons Ltd", "Website": "https://hartley.example.com",
                          "ExternalID__c": "bp-org-hartley-sons-ltd"});
    let ctx = context(&spec, sf_contact(business), json!({}), json!({}));
    let contact = map(&spec, "contact", &ctx);
    assert_eq!(contact["firstName"], "Priya");
    assert_eq!(contact["lastName"], "Sharma");
    assert_eq!(contact["salutation"], "Ms.");
    assert_eq!(contact["email"], "priya.sharma@example.com");
    assert_eq!(contact["phone"], "+14155550132");
    assert_eq!(contact["mobile"], Value::Null);
    assert_eq!(contact["companyName"], "Hartley & Sons Ltd");
    assert_eq!(contact["website"], "https://hartley.example.com");
    assert_eq!(contact["addressLine1"], "500 Howard St");
    assert_eq!(contact["addressLine2"], "Suite 300");
    assert_eq!(contact["addressLine3"], "San Francisco");
    assert_eq!(contact["addressLine4"], "CA");
    assert_eq!(contact["postalCode"], "94105");
    assert_eq!(contact["countryIsoCode"], "USA");

    // A person's own Account, the shared Account, or an unkeyed Account named after the
    // person is not a company.
    for account in [
        json!({"Name": "Priya Sharma", "ExternalID__c": "bp-contact-151499"}),
        json!({"Name": "Individual Customers", "ExternalID__c": "bp-individuals"}),
        json!({"Name": "Priya Sharma", "ExternalID__c": null}),
    ] {
        let ctx = context(&spec, sf_contact(account.clone()), json!({}), json!({}));
        assert_eq!(map(&spec, "contact", &ctx)["companyName"], "", "{account}");
    }
    let write_back = Env::new()
        .compile(&spec.write_back["ExternalID__c"])
        .unwrap()
        .eval(&context(
            &spec,
            json!({}),
            json!({"contact": {"Id": "207"}}),
            json!({}),
        ))
        .unwrap();
    assert_eq!(write_back, "207");
}

/// A product row as the Brightpearl adapter documents it: the recorded product GET plus the
/// convenience keys, with prices from the recorded product-price GET.
fn product_row() -> Value {
    let mut product = cassette_body("brightpearl/product_get_one.yml")["response"][0].clone();
    assert_eq!(product["id"], 1007);
    let prices = cassette_body("brightpearl/product_price_get.yml");
    let codes = [(1, "COST"), (2, "RETAIL"), (3, "TRADE"), (4, "RETAIL EUR")];
    let mut rows = Vec::new();
    for list in prices["response"][0]["priceLists"].as_array().unwrap() {
        let id = list["priceListId"].as_u64().unwrap();
        let Some(price) = list["quantityPrice"]["1"].as_str() else {
            continue;
        };
        let code = codes
            .iter()
            .find(|(i, _)| *i == id)
            .map_or("OTHER", |(_, c)| c);
        let price = price.trim_end_matches('0').trim_end_matches('.');
        rows.push(json!({"priceListId": id, "code": code, "currency": list["currencyCode"], "price": price}));
    }
    // The recording prices list 1 only; the demo account prices retail and trade too.
    rows.push(json!({"priceListId": 2, "code": "RETAIL", "currency": "GBP", "price": "24.5"}));
    rows.push(json!({"priceListId": 3, "code": "TRADE", "currency": "GBP", "price": "12.25"}));
    let extra = json!({
        "sku": product["identity"]["sku"],
        "name": product["salesChannels"][0]["productName"],
        "description": "<p>Heavyweight organic cotton.</p>",
        "brandName": "Fernwood",
        "categoryNames": ["Summer Sale", "Shirts & Tops"],
        "active": product["status"] == "LIVE",
        "prices": rows,
    });
    for (k, v) in extra.as_object().unwrap() {
        product[k] = v.clone();
    }
    product
}

#[test]
fn a_product_becomes_product2_with_standard_and_mapped_price_book_entries() {
    let spec = spec("products_to_salesforce");
    let reference = json!({"standard_pricebook": "01s000000000001AAA",
                           "pricebooks": {"Standard Price Book": "01s000000000001AAA", "Wholesale": "01s000000000002AAA"}});
    let row = product_row();
    let ctx = context(&spec, row.clone(), json!({}), reference.clone());
    let product = map(&spec, "product", &ctx);
    assert_eq!(product["ExternalID__c"], "1007");
    assert_eq!(product["ProductCode"], "TEST001");
    assert_eq!(product["Name"], row["name"]);
    assert_eq!(product["IsActive"], true);
    assert_eq!(product["Family"], "Apparel");
    assert_eq!(product["Description"], "<p>Heavyweight organic cotton.</p>");

    let targets = json!({"product": {"Id": "01t000000000001AAA"}});
    let ctx = context(&spec, row.clone(), targets, reference.clone());
    let standard = map(&spec, "standard_price", &ctx);
    assert_eq!(standard["Pricebook2Id"], "01s000000000001AAA");
    assert_eq!(standard["Product2Id"], "01t000000000001AAA");
    assert_eq!(standard["UnitPrice"], "24.5");
    assert_eq!(standard["IsActive"], true);

    let price = spec.targets.iter().find(|t| t.name == "price").unwrap();
    let env = Env::new();
    let targets = json!({"product": {"Id": "01t000000000001AAA"}, "standard_price": {"Id": "01u000000000001AAA"}});
    let ctx = context(&spec, row.clone(), targets, reference.clone());
    assert!(when(&spec, "price", &ctx));
    let items = env
        .compile(price.each.as_deref().unwrap())
        .unwrap()
        .eval(&ctx)
        .unwrap();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 1, "only TRADE is mapped: {items:?}");
    let mut item_ctx = ctx.clone();
    item_ctx["item"] = items[0].clone();
    let entry = map(&spec, "price", &item_ctx);
    assert_eq!(entry["Pricebook2Id"], "01s000000000002AAA");
    assert_eq!(entry["UnitPrice"], "12.25");
    assert_eq!(entry["UseStandardPrice"], false);

    // No category in the table: the brand decides; neither: Other.
    let mut row = product_row();
    row["categoryNames"] = json!([]);
    row["brandName"] = json!("Tidewater");
    let family = |row: &Value| {
        map(
            &spec,
            "product",
            &context(&spec, row.clone(), json!({}), reference.clone()),
        )["Family"]
            .clone()
    };
    assert_eq!(family(&row), "Footwear");
    row["brandName"] = Value::Null;
    assert_eq!(family(&row), "Other");
    // Without a standard price no entry is written (Salesforce would refuse the others).
    let mut row = product_row();
    row["prices"] = json!([{"priceListId": 3, "code": "TRADE", "currency": "GBP", "price": "12"}]);
    let ctx = context(
        &spec,
        row,
        json!({"product": {"Id": "01t000000000001AAA"}}),
        reference,
    );
    assert!(!when(&spec, "standard_price", &ctx));
    assert!(!when(&spec, "price", &ctx));
}

#[test]
fn availability_sums_on_hand_over_the_configured_warehouses() {
    let spec = spec("inventory_to_salesforce");
    let body = cassette_body("brightpearl/product_availability_get.yml");
    let mut row = body["response"]["1532"].clone();
    row["productId"] = json!(1532);
    row["warehouses"]["7"] = json!({"inStock": 10, "onHand": 9, "allocated": 1, "inTransit": 0});
    let ctx = context(&spec, row.clone(), json!({}), json!({}));
    let product = map(&spec, "product", &ctx);
    assert_eq!(product["ExternalID__c"], "1532");
    assert_eq!(product["AvailableStock__c"], "57");
    let mut only = spec.clone();
    only.vars.insert("warehouses".into(), json!(["2"]));
    let ctx = context(&only, row, json!({}), json!({}));
    assert_eq!(map(&only, "product", &ctx)["AvailableStock__c"], "48");
}

#[test]
fn a_salesforce_product_becomes_a_brightpearl_product() {
    let spec = spec("products_to_brightpearl");
    let row = json!({"Id": "01t000000000001AAA", "ProductCode": " TEE-ORG-BLK-M ",
        "Name": "Organic Cotton T-Shirt", "Description": "", "IsActive": true, "Family": "Footwear"});
    let product = map(&spec, "product", &context(&spec, row, json!({}), json!({})));
    assert_eq!(product["sku"], "TEE-ORG-BLK-M");
    assert_eq!(product["name"], "Organic Cotton T-Shirt");
    assert_eq!(product["description"], Value::Null);
    assert_eq!(product["active"], true);
    assert_eq!(product["brandName"], "Tidewater");
}

fn config(text: &str) -> ferry_config::Config {
    ferry_config::parse(
        &format!("[store]\nurl = \"sqlite://x.db\"\n{text}"),
        "ferry.toml",
        Path::new("/nowhere"),
        &[],
    )
    .unwrap()
}

#[test]
fn a_flow_folder_replaces_and_adds_flows_and_the_lists_override_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    std::fs::create_dir(&flows).unwrap();
    let inventory = DEFAULTS
        .iter()
        .find(|(n, _)| *n == "inventory_to_salesforce")
        .unwrap()
        .1;
    std::fs::write(
        flows.join("inventory.toml"),
        inventory.replace("warehouses = []", "warehouses = [\"2\"]"),
    )
    .unwrap();
    std::fs::write(
        flows.join("leads.toml"),
        "name = \"leads_to_brightpearl\"\nentity = \"lead\"\n[source]\nsystem = \"salesforce\"\n\
         object = \"Lead\"\n[[targets]]\nname = \"contact\"\nobject = \"contact\"\n\
         [targets.fields]\nlastName = \"source.LastName\"\n",
    )
    .unwrap();
    std::fs::write(flows.join("notes.txt"), "not a flow").unwrap();
    let config = config(
        "[flows]\ndir = \"flows\"\nenabled = [\"products_to_brightpearl\"]\n\
         disabled = [\"customers_to_brightpearl\", \"opportunities_to_brightpearl\"]\n",
    );
    let loaded = defaults::load_detailed(&config, dir.path()).unwrap();
    let names: Vec<_> = loaded
        .iter()
        .map(|f| (f.spec.name.as_str(), f.spec.enabled))
        .collect();
    assert_eq!(
        names,
        [
            ("customers_to_salesforce", true),
            ("customers_to_brightpearl", false),
            ("products_to_salesforce", true),
            ("products_to_brightpearl", true),
            ("inventory_to_salesforce", true),
            ("orders_to_salesforce", true),
            ("shipments_to_salesforce", true),
            ("opportunities_to_brightpearl", false),
            ("credits_to_salesforce", true),
            ("returns_to_brightpearl", true),
            ("payments_to_brightpearl", true),
            ("payments_to_salesforce", true),
            ("activated_orders_to_brightpearl", false),
            ("leads_to_brightpearl", true),
        ]
    );
    let replaced = &loaded[4];
    assert_eq!(replaced.spec.vars["warehouses"], json!(["2"]));
    assert_eq!(
        replaced.origin.to_string(),
        format!(
            "{} (replaces the default)",
            flows.join("inventory.toml").display()
        )
    );
    assert_eq!(defaults::load(&config, dir.path()).unwrap().len(), 14);
}

#[test]
fn mistakes_name_the_file_and_line_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    std::fs::create_dir(&flows).unwrap();
    let file = flows.join("broken.toml");
    std::fs::write(
        &file,
        "name = \"broken\"\nentity = \"customer\"\n[source]\nsystem = \"brightpearl\"\n\
         object = \"contact\"\n\n[[targets]]\nname = \"contact\"\nobject = \"Contact\"\n\
         key = [\"ExternalID__c\"]\n[targets.fields]\nLastName = \"source.lastName\"\n\
         AccountId = \"targets.account.Id\"\nEmail = \"source.email | \"\n\
         Type = \"lookup('types', source.customerGroup)\"\n",
    )
    .unwrap();
    let settings = config("[flows]\ndir = \"flows\"\ndisabled = [\"inventory\"]\n");
    let errors = defaults::load(&settings, dir.path()).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let at = file.display();
    let expected = [
        format!(
            "{at}:10: target contact: key field ExternalID__c is not mapped: add `ExternalID__c = \"...\"` to its fields (the key identifies the record, so it needs a value)"
        ),
        format!(
            "{at}:13: target contact: field AccountId: reads targets.account, but the flow has no target account (targets: )"
        ),
        format!(
            "{at}:15: target contact: field Type: looks up table \"types\", which is not declared: add [tables.types] (tables: )"
        ),
    ];
    for line in &expected {
        assert!(shown.contains(line), "missing {line:?} in {shown:#?}");
    }
    assert!(
        shown.iter().any(|l| l.starts_with(&format!(
            "{at}:14: target contact: field Email: expression `source.email | ` does not compile"
        ))),
        "{shown:#?}"
    );
    assert!(shown.contains(&"ferry.toml [flows] disabled: \"inventory\" is not a flow; the flows are customers_to_salesforce, customers_to_brightpearl, products_to_salesforce, products_to_brightpearl, inventory_to_salesforce, orders_to_salesforce, shipments_to_salesforce, opportunities_to_brightpearl, credits_to_salesforce, returns_to_brightpearl, payments_to_brightpearl, payments_to_salesforce, activated_orders_to_brightpearl, broken. Fix the name or remove it (`ferry flows list` shows them)".to_owned()), "{shown:#?}");

    std::fs::write(&file, "name = \"broken\"\nentity = 3\n").unwrap();
    let errors = defaults::load(&config(""), dir.path());
    assert!(errors.is_ok(), "no dir configured: the folder is not read");
    let errors = defaults::load(&config("[flows]\ndir = \"flows\"\n"), dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].to_string().contains("line 2"), "{}", errors[0]);

    let errors = defaults::load(&config("[flows]\ndir = \"missing\"\n"), dir.path()).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        format!(
            "ferry.toml [flows] dir: the flow folder {} does not exist: create it, or fix or remove [flows] dir",
            dir.path().join("missing").display()
        )
    );

    let errors = defaults::load(
        &config("[flows]\ndisabled = [\"products_to_salesforce\"]\n"),
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "flow inventory_to_salesforce: depends on products_to_salesforce, which is disabled: its records would wait forever. Enable products_to_salesforce or disable inventory_to_salesforce too (ferry.toml [flows])"
    );
}

#[test]
fn compile_check_finds_order_item_and_ownership_mistakes() {
    let mut spec = spec("products_to_salesforce");
    // The price entries read the product; moving them first breaks that.
    spec.targets.swap(0, 2);
    spec.ownership
        .fields
        .insert("product.Colour__c".into(), ferry_mapping::Policy::Newest);
    spec.targets[1]
        .fields
        .insert("Name".into(), "item.code".into());
    let errors: Vec<String> = defaults::compile_check(&spec)
        .iter()
        .map(|e| e.message.clone())
        .collect();
    for expected in [
        "target price: field Product2Id: reads targets.product, which is written later: a target may read only targets declared before it; move it after target product",
        "target price: when: reads targets.standard_price, which is written later: a target may read only targets declared before it; move it after target standard_price",
        "target standard_price: field Name: reads item, which exists only in a target with `each`: add `each` or read source instead",
        "ownership names \"product.Colour__c\", which no target maps: write \"target.Field\" with a mapped field (targets: price, standard_price, product)",
    ] {
        assert!(
            errors.contains(&expected.to_owned()),
            "missing {expected:?} in {errors:#?}"
        );
    }
}
