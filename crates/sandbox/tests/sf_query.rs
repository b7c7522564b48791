//! SOQL over HTTP: `/query`, `/queryAll` and their cursors, against records created through
//! the org's transactions. Every operator, relative dates, ordering with nulls, paging,
//! relationships, subqueries, aggregates, each error's code and message shape, and hostile
//! input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "sf_query/errors.rs"]
mod errors;
#[path = "sf_query/shapes.rs"]
mod shapes;
#[path = "sf_query/support.rs"]
mod support;

use serde_json::{Value as Json, json};
use support::{Query, delete, ids_of, insert, names_of, query, query_all};

#[tokio::test]
async fn comparison_operators_filter_like_salesforce() {
    let org = common::start_empty().await;
    let acme = insert(
        &org,
        "Account",
        json!({"Name": "Acme", "NumberOfEmployees": 50, "AnnualRevenue": 1000.5, "Type": "Customer - Direct"}),
    );
    insert(
        &org,
        "Account",
        json!({"Name": "acme labs", "NumberOfEmployees": 10, "Type": "Prospect"}),
    );
    insert(
        &org,
        "Account",
        json!({"Name": "Globex", "NumberOfEmployees": 200, "AnnualRevenue": 5.0}),
    );
    insert(&org, "Account", json!({"Name": "O'Brien & Sons"}));
    let names = |soql: &str| {
        let org = &org;
        let soql = format!("SELECT Name FROM Account WHERE {soql} ORDER BY Name");
        async move { names_of(&query(org, &soql).await.ok()) }
    };
    assert_eq!(names("Name = 'ACME'").await, ["Acme"], "= ignores case");
    assert_eq!(
        names("Name != 'acme'").await,
        ["acme labs", "Globex", "O'Brien & Sons"]
    );
    assert_eq!(
        names("Name <> 'acme'").await,
        ["acme labs", "Globex", "O'Brien & Sons"]
    );
    assert_eq!(names("NumberOfEmployees < 50").await, ["acme labs"]);
    assert_eq!(
        names("NumberOfEmployees <= 50").await,
        ["Acme", "acme labs"]
    );
    assert_eq!(names("NumberOfEmployees > 50").await, ["Globex"]);
    assert_eq!(names("NumberOfEmployees >= 50").await, ["Acme", "Globex"]);
    assert_eq!(names("AnnualRevenue = 1000.5").await, ["Acme"]);
    assert_eq!(names("Name IN ('globex', 'Nobody')").await, ["Globex"]);
    assert_eq!(
        names("Name NOT IN ('Globex', 'Acme')").await,
        ["acme labs", "O'Brien & Sons"]
    );
    assert_eq!(names("Name LIKE 'acme%'").await, ["Acme", "acme labs"]);
    assert_eq!(names("Name LIKE '_lobe_'").await, ["Globex"]);
    assert_eq!(
        names("Name LIKE '%\\'%'").await,
        ["O'Brien & Sons"],
        "escaped quote"
    );
    assert_eq!(names("Name = 'O\\'Brien & Sons'").await, ["O'Brien & Sons"]);
    assert_eq!(
        names("AnnualRevenue = null").await,
        ["acme labs", "O'Brien & Sons"]
    );
    assert_eq!(names("AnnualRevenue != null").await, ["Acme", "Globex"]);
    assert_eq!(
        names("Type != 'Prospect'").await,
        ["Acme", "Globex", "O'Brien & Sons"],
        "!= keeps nulls"
    );
    assert_eq!(
        names("Type NOT IN ('Prospect')").await,
        ["Acme", "Globex", "O'Brien & Sons"]
    );
    assert_eq!(
        names("Type = ''").await,
        ["Globex", "O'Brien & Sons"],
        "empty text is null"
    );
    assert_eq!(
        names("IsDeleted = false AND NumberOfEmployees > 10").await,
        ["Acme", "Globex"]
    );
    assert_eq!(
        names("(Name = 'Acme' OR Name = 'Globex') AND NumberOfEmployees > 60").await,
        ["Globex"]
    );
    assert_eq!(
        names("NOT Name LIKE 'acme%'").await,
        ["Globex", "O'Brien & Sons"]
    );
    assert_eq!(
        names("NOT (Name = 'Acme' OR NumberOfEmployees = null)").await,
        ["acme labs", "Globex"]
    );
    let short = &acme[..15];
    assert_eq!(
        names(&format!("Id = '{short}'")).await,
        ["Acme"],
        "15-character ids match"
    );
    assert_eq!(names(&format!("Id IN ('{acme}')")).await, ["Acme"]);
}

#[tokio::test]
async fn multipicklists_support_includes_excludes_and_set_equality() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.toml");
    std::fs::write(
        &schema,
        "[objects.Account]\nfields = [{ name = \"Regions__c\", type = \"multipicklist\", values = [\"North\", \"South\", \"East\", \"West\"] }]\n",
    )
    .unwrap();
    let org = common::start_with(ferry_sandbox::salesforce::api::Options {
        data: ferry_sandbox::salesforce::api::DataSet::Empty,
        schema_file: Some(schema),
        ..Default::default()
    })
    .await;
    insert(
        &org,
        "Account",
        json!({"Name": "NE", "Regions__c": "North;East"}),
    );
    insert(&org, "Account", json!({"Name": "S", "Regions__c": "South"}));
    insert(&org, "Account", json!({"Name": "None"}));
    let names = |condition: &str| {
        let soql = format!("SELECT Name FROM Account WHERE {condition} ORDER BY Name");
        let org = &org;
        async move { names_of(&query(org, &soql).await.ok()) }
    };
    assert_eq!(names("Regions__c INCLUDES ('north')").await, ["NE"]);
    assert_eq!(
        names("Regions__c INCLUDES ('East;North', 'South')").await,
        ["NE", "S"]
    );
    assert_eq!(
        names("Regions__c INCLUDES ('North;South')").await,
        Vec::<String>::new()
    );
    assert_eq!(names("Regions__c EXCLUDES ('South')").await, ["NE", "None"]);
    assert_eq!(
        names("Regions__c = 'East;North'").await,
        ["NE"],
        "= compares the set"
    );
    let error = query(&org, "SELECT Id FROM Account WHERE Name INCLUDES ('x')").await;
    error.assert_error(
        "INVALID_QUERY_FILTER_OPERATOR",
        "includes operator only valid on multipicklist fields",
    );
}

#[tokio::test]
async fn date_literals_and_relative_dates_cover_whole_utc_days() {
    let org = common::start_empty().await;
    let today = support::today();
    for offset in [-40, -5, -1, 0, 1, 5] {
        let date = support::date(today + offset);
        insert(
            &org,
            "Opportunity",
            json!({"Name": format!("d{offset}"), "StageName": "Prospecting", "CloseDate": date}),
        );
    }
    let names = |condition: String| {
        let soql = format!("SELECT Name FROM Opportunity WHERE {condition} ORDER BY CloseDate");
        let org = &org;
        async move { names_of(&query(org, &soql).await.ok()) }
    };
    let offsets = |list: &[i32]| list.iter().map(|o| format!("d{o}")).collect::<Vec<_>>();
    assert_eq!(names("CloseDate = TODAY".into()).await, offsets(&[0]));
    assert_eq!(names("CloseDate = YESTERDAY".into()).await, offsets(&[-1]));
    assert_eq!(names("CloseDate = TOMORROW".into()).await, offsets(&[1]));
    assert_eq!(
        names("CloseDate = LAST_N_DAYS:5".into()).await,
        offsets(&[-5, -1, 0])
    );
    assert_eq!(
        names("CloseDate = NEXT_N_DAYS:5".into()).await,
        offsets(&[1, 5])
    );
    assert_eq!(names("CloseDate > TODAY".into()).await, offsets(&[1, 5]));
    assert_eq!(
        names("CloseDate <= TODAY".into()).await,
        offsets(&[-40, -5, -1, 0])
    );
    assert_eq!(
        names("CloseDate < LAST_N_DAYS:5".into()).await,
        offsets(&[-40])
    );
    assert_eq!(
        names("CloseDate != TODAY AND CloseDate >= YESTERDAY".into()).await,
        offsets(&[-1, 1, 5])
    );
    let fixed = support::date(today - 5);
    assert_eq!(names(format!("CloseDate = {fixed}")).await, offsets(&[-5]));
    assert_eq!(names(format!("CloseDate < {fixed}")).await, offsets(&[-40]));
    for (literal, (start, end)) in support::calendar_ranges(today) {
        let expected: Vec<i32> = [-40, -5, -1, 0, 1, 5]
            .into_iter()
            .filter(|o| (start..end).contains(&(today + o)))
            .collect();
        assert_eq!(
            names(format!("CloseDate = {literal}")).await,
            offsets(&expected),
            "{literal}"
        );
    }
    // A datetime field against relative dates: the whole UTC day.
    let created = |condition: &str| {
        let soql = format!("SELECT Id FROM Opportunity WHERE {condition}");
        let org = &org;
        async move { query(org, &soql).await.ok()["totalSize"].clone() }
    };
    assert_eq!(created("CreatedDate = TODAY").await, 6);
    assert_eq!(created("CreatedDate = LAST_N_DAYS:1").await, 6);
    assert_eq!(created("CreatedDate < TODAY").await, 0);
    assert_eq!(created("CreatedDate = YESTERDAY").await, 0);
    assert_eq!(created("CreatedDate > 2000-01-01T00:00:00Z").await, 6);
    assert_eq!(created("CreatedDate > 2000-01-01T01:00:00+01:00").await, 6);
    assert_eq!(
        created("CreatedDate < 2000-01-01T00:00:00.000+0000").await,
        0
    );
    // A fixed date is not a datetime: Salesforce refuses it.
    query(&org, "SELECT Id FROM Opportunity WHERE CreatedDate > 2024-01-01").await.assert_error(
        "INVALID_FIELD",
        "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
    );
}

#[tokio::test]
async fn order_by_places_nulls_and_breaks_ties_with_later_keys() {
    let org = common::start_empty().await;
    for (name, employees, kind) in [
        ("b", Some(2), "Prospect"),
        ("a", None, "Prospect"),
        ("c", Some(1), "Other"),
        ("d", Some(2), "Other"),
    ] {
        insert(
            &org,
            "Account",
            json!({"Name": name, "NumberOfEmployees": employees, "Type": kind}),
        );
    }
    let order = |clause: &str| {
        let soql = format!("SELECT Name FROM Account ORDER BY {clause}");
        let org = &org;
        async move { names_of(&query(org, &soql).await.ok()) }
    };
    assert_eq!(
        order("NumberOfEmployees, Name").await,
        ["a", "c", "b", "d"],
        "ASC: nulls first"
    );
    assert_eq!(
        order("NumberOfEmployees DESC, Name").await,
        ["b", "d", "c", "a"],
        "DESC: nulls last"
    );
    assert_eq!(
        order("NumberOfEmployees ASC NULLS LAST, Name DESC").await,
        ["c", "d", "b", "a"]
    );
    assert_eq!(
        order("NumberOfEmployees DESC NULLS FIRST, Name").await,
        ["a", "b", "d", "c"]
    );
    assert_eq!(order("Type, Name DESC").await, ["d", "c", "b", "a"]);
    assert_eq!(order("Name LIMIT 2 OFFSET 1").await, ["b", "c"]);
    let page = query(&org, "SELECT Name FROM Account ORDER BY Name LIMIT 2")
        .await
        .ok();
    assert_eq!(page["totalSize"], 2, "totalSize counts the limited result");
}

#[tokio::test]
async fn pages_follow_next_records_url_with_the_total_on_every_page() {
    let org = common::start_empty().await;
    let ids = support::insert_accounts(&org, 450, |n| json!({"Name": format!("Acct {n:03}")}));
    let first = Query::new("SELECT Name FROM Account ORDER BY Name")
        .batch_size(200)
        .run(&org)
        .await
        .ok();
    assert_eq!(
        (first["totalSize"].clone(), first["done"].clone()),
        (json!(450), json!(false))
    );
    assert_eq!(first["records"].as_array().unwrap().len(), 200);
    let next = first["nextRecordsUrl"].as_str().unwrap().to_string();
    let locator = next
        .strip_prefix("/services/data/v59.0/query/")
        .expect("a query locator path");
    let (cursor, offset) = locator.rsplit_once('-').unwrap();
    assert!(
        cursor.starts_with("01g") && cursor.len() == 18 && offset == "200",
        "{next}"
    );
    let second = support::get(&org, &next).await.ok();
    assert_eq!(
        (second["totalSize"].clone(), second["done"].clone()),
        (json!(450), json!(false))
    );
    assert_eq!(names_of(&second)[0], "Acct 200");
    let third = support::get(&org, second["nextRecordsUrl"].as_str().unwrap())
        .await
        .ok();
    assert_eq!(
        (third["totalSize"].clone(), third["done"].clone()),
        (json!(450), json!(true))
    );
    assert_eq!(names_of(&third).len(), 50);
    assert_eq!(names_of(&third).last().unwrap(), "Acct 449");
    assert!(
        third.get("nextRecordsUrl").is_none(),
        "no nextRecordsUrl when done"
    );
    // A page is rendered when it is fetched: a rename since the query shows.
    support::update(&org, &ids[200], json!({"Name": "Acct 200 renamed"}));
    let again = support::get(&org, &next).await.ok();
    assert_eq!(names_of(&again)[0], "Acct 200 renamed");
    assert_eq!(again["records"].as_array().unwrap().len(), 200);
    // Out-of-range batch sizes are clamped: 5 → 200, 5000 → 2000.
    let small = Query::new("SELECT Id FROM Account")
        .batch_size(5)
        .run(&org)
        .await
        .ok();
    assert_eq!(small["records"].as_array().unwrap().len(), 200);
    let large = Query::new("SELECT Id FROM Account")
        .batch_size(5000)
        .run(&org)
        .await
        .ok();
    assert_eq!(
        (
            large["records"].as_array().unwrap().len(),
            large["done"].clone()
        ),
        (450, json!(true))
    );
    // Unknown locators.
    for bad in [
        "01g8c0000000099AAA-200",
        "nonsense",
        &format!("{cursor}-9999"),
    ] {
        support::get(&org, &format!("/services/data/v59.0/query/{bad}"))
            .await
            .assert_error("INVALID_QUERY_LOCATOR", "invalid query locator");
    }
}

#[tokio::test]
async fn query_all_includes_deleted_rows_and_pages_through_either_path() {
    let org = common::start_empty().await;
    let ids = support::insert_accounts(&org, 250, |n| json!({"Name": format!("A{n:03}")}));
    delete(&org, &ids[0]);
    delete(&org, &ids[1]);
    let live = query(&org, "SELECT Id, IsDeleted FROM Account").await.ok();
    assert_eq!(live["totalSize"], 248);
    let all = Query::new("SELECT Id, IsDeleted FROM Account ORDER BY Name")
        .batch_size(200)
        .all()
        .run(&org)
        .await
        .ok();
    assert_eq!(all["totalSize"], 250);
    assert_eq!(all["records"][0]["IsDeleted"], true);
    assert_eq!(all["records"][2]["IsDeleted"], false);
    let next = all["nextRecordsUrl"].as_str().unwrap();
    assert!(
        next.starts_with("/services/data/v59.0/queryAll/01g"),
        "{next}"
    );
    let locator = next.rsplit('/').next().unwrap();
    // JSF rebuilds `/query/{locator}` even for a queryAll cursor.
    let rebuilt = support::get(&org, &format!("/services/data/v59.0/query/{locator}"))
        .await
        .ok();
    assert_eq!(
        (rebuilt["totalSize"].clone(), rebuilt["done"].clone()),
        (json!(250), json!(true))
    );
    assert_eq!(rebuilt["records"].as_array().unwrap().len(), 50);
    let deleted = query_all(&org, "SELECT Id FROM Account WHERE IsDeleted = true")
        .await
        .ok();
    assert_eq!(ids_of(&deleted), [ids[0].clone(), ids[1].clone()]);
}

#[tokio::test]
async fn parent_fields_nest_with_attributes_in_canonical_case() {
    let org = common::start_empty().await;
    let account = insert(
        &org,
        "Account",
        json!({"Name": "Acme", "ExternalID__c": "EXT-1"}),
    );
    let contact = insert(
        &org,
        "Contact",
        json!({"LastName": "Doe", "AccountId": account}),
    );
    insert(&org, "Contact", json!({"LastName": "Orphan"}));
    insert(
        &org,
        "Case",
        json!({"Subject": "Broken", "ContactId": contact}),
    );
    let reply = query(&org, "select lastname, account.name, ACCOUNT.externalid__c, account.owner.name from contact order by lastname").await.ok();
    let doe = &reply["records"][0];
    let keys: Vec<&str> = doe
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["attributes", "LastName", "Account"]);
    assert_eq!(
        doe["attributes"],
        json!({"type": "Contact", "url": format!("/services/data/v59.0/sobjects/Contact/{contact}")})
    );
    assert_eq!(doe["Account"]["attributes"]["type"], "Account");
    assert_eq!(
        doe["Account"]["attributes"]["url"],
        format!("/services/data/v59.0/sobjects/Account/{account}")
    );
    assert_eq!(doe["Account"]["Name"], "Acme");
    assert_eq!(doe["Account"]["ExternalID__c"], "EXT-1");
    assert_eq!(doe["Account"]["Owner"]["attributes"]["type"], "User");
    assert!(doe["Account"]["Owner"]["Name"].is_string(), "{doe}");
    assert_eq!(
        reply["records"][1]["Account"],
        Json::Null,
        "an empty parent is null"
    );
    let by_parent = query(
        &org,
        "SELECT Id FROM Contact WHERE Account.ExternalID__c = 'ext-1'",
    )
    .await
    .ok();
    assert_eq!(ids_of(&by_parent), [contact]);
    let two_levels = query(&org, "SELECT Contact.Account.Name FROM Case")
        .await
        .ok();
    assert_eq!(
        two_levels["records"][0]["Contact"]["Account"]["Name"],
        "Acme"
    );
    let aliased = query(
        &org,
        "SELECT c.LastName, c.Account.Name FROM Contact c WHERE c.LastName = 'Doe'",
    )
    .await
    .ok();
    assert_eq!(aliased["records"][0]["LastName"], "Doe");
    assert_eq!(aliased["records"][0]["Account"]["Name"], "Acme");
    let own_prefix = query(&org, "SELECT Account.Name FROM Account").await.ok();
    assert_eq!(
        own_prefix["records"][0]["Name"], "Acme",
        "a leading object name is allowed"
    );
}

#[tokio::test]
async fn child_subqueries_nest_results_or_null() {
    let org = common::start_empty().await;
    let with = insert(&org, "Account", json!({"Name": "With"}));
    insert(&org, "Account", json!({"Name": "Without"}));
    for name in ["Zed", "Amy", "Bob"] {
        insert(
            &org,
            "Contact",
            json!({"LastName": name, "AccountId": with}),
        );
    }
    let reply = query(
        &org,
        "SELECT Name, (SELECT LastName FROM contacts WHERE LastName != 'Bob' ORDER BY LastName) FROM Account ORDER BY Name",
    )
    .await
    .ok();
    let children = &reply["records"][0]["Contacts"];
    assert_eq!(
        (children["totalSize"].clone(), children["done"].clone()),
        (json!(2), json!(true))
    );
    assert_eq!(names_of_field(children, "LastName"), ["Amy", "Zed"]);
    assert_eq!(children["records"][0]["attributes"]["type"], "Contact");
    assert_eq!(
        reply["records"][1]["Contacts"],
        Json::Null,
        "no children: null"
    );
}

fn names_of_field(result: &Json, field: &str) -> Vec<String> {
    result["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn counts_and_grouped_aggregates() {
    let org = common::start_empty().await;
    let account = insert(&org, "Account", json!({"Name": "Buyer"}));
    for (amount, stage, account) in [
        (100.0, "Prospecting", Some(&account)),
        (250.5, "Closed Won", Some(&account)),
        (400.0, "Prospecting", None),
    ] {
        insert(
            &org,
            "Opportunity",
            json!({"Name": "Deal", "StageName": stage, "CloseDate": "2030-01-31", "Amount": amount, "AccountId": account}),
        );
    }
    let count = query(&org, "SELECT COUNT() FROM Opportunity WHERE Amount > 150")
        .await
        .ok();
    assert_eq!(count, json!({"totalSize": 2, "done": true, "records": []}));
    let counted = query(&org, "SELECT COUNT(Id) FROM Opportunity").await.ok();
    assert_eq!(
        counted["records"],
        json!([{"attributes": {"type": "AggregateResult"}, "expr0": 3}])
    );
    let aliased = query(
        &org,
        "SELECT COUNT(AccountId) n, MAX(Amount) FROM Opportunity",
    )
    .await
    .ok();
    assert_eq!(aliased["records"][0]["n"], 2);
    assert_eq!(
        aliased["records"][0]["expr0"], 400.0,
        "exprN counts only unaliased aggregates"
    );
    let grouped = query(
        &org,
        "SELECT StageName, COUNT(Id), SUM(Amount), MIN(Amount) low, MAX(Amount) FROM Opportunity GROUP BY StageName ORDER BY SUM(Amount) DESC",
    )
    .await
    .ok();
    assert_eq!(grouped["totalSize"], 2);
    assert_eq!(
        grouped["records"][0],
        json!({"attributes": {"type": "AggregateResult"}, "StageName": "Prospecting", "expr0": 2, "expr1": 500.0, "low": 100.0, "expr2": 400.0})
    );
    assert_eq!(grouped["records"][1]["StageName"], "Closed Won");
    query(
        &org,
        "SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName",
    )
    .await
    .assert_error(
        "MALFORMED_QUERY",
        "Field must be grouped or aggregated: Name",
    );
    query(&org, "SELECT SUM(Name) FROM Opportunity")
        .await
        .assert_error(
            "INVALID_FIELD",
            "field Name does not support aggregate operator SUM",
        );
}

#[tokio::test]
async fn the_sync_query_pages_a_large_table_in_modstamp_order() {
    let org = common::start_empty().await;
    let ids = support::insert_accounts(&org, 20_000, |n| json!({"Name": format!("Bulk {n}")}));
    let started = std::time::Instant::now();
    let soql = "SELECT Id, Name, SystemModstamp FROM Account WHERE SystemModstamp > 2000-01-01T00:00:00Z ORDER BY SystemModstamp, Id LIMIT 2000";
    let page = query(&org, soql).await.ok();
    let elapsed = started.elapsed();
    assert_eq!(
        (page["totalSize"].clone(), page["done"].clone()),
        (json!(2000), json!(true))
    );
    let records = page["records"].as_array().unwrap();
    let keys: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["SystemModstamp"].as_str().unwrap().to_string(),
                r["Id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] <= w[1]),
        "ordered by SystemModstamp, Id"
    );
    assert_eq!(keys[0].1, ids[0]);
    // The whole table without LIMIT still pages in 2000s.
    let whole = query(&org, "SELECT Id FROM Account WHERE SystemModstamp > 2000-01-01T00:00:00Z ORDER BY SystemModstamp, Id").await.ok();
    assert_eq!(
        (whole["totalSize"].clone(), whole["done"].clone()),
        (json!(20_000), json!(false))
    );
    assert!(
        elapsed < std::time::Duration::from_secs(5),
        "sync query took {elapsed:?}"
    );
}
