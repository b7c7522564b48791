//! Errors over HTTP: each code with Salesforce's message shape, and hostile or random input
//! refused as `MALFORMED_QUERY` (never a panic, never a stack overflow).

use super::common;
use super::support::{self, insert, query};
use serde_json::json;

#[tokio::test]
async fn errors_have_salesforces_codes_and_messages() {
    let org = common::start_empty().await;
    let reply = query(&org, "SELECT Id FROM Foo").await;
    reply.assert_exact(
        "INVALID_TYPE",
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    query(&org, "SELECT Foo FROM Account").await.assert_exact(
        "INVALID_FIELD",
        "\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    query(&org, "SELECT Id FROM Account WHERE").await.assert_exact(
        "MALFORMED_QUERY",
        "\nSELECT Id FROM Account WHERE\n                            ^\nERROR at Row:1:Column:29\nunexpected token: <EOF>",
    );
    query(
        &org,
        "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'",
    )
    .await
    .assert_error("MALFORMED_QUERY", "unexpected token: 'OR'");
    query(&org, "SELECT Acount.Name FROM Contact").await.assert_error(
        "INVALID_FIELD",
        "Didn't understand relationship 'Acount' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    query(&org, "SELECT Id, (SELECT Id FROM Contact) FROM Account")
        .await
        .assert_error(
            "INVALID_TYPE",
            "Didn't understand relationship 'Contact' in FROM part of query call.",
        );
    query(&org, "SELECT Id FROM Account WHERE Id = 'nope'")
        .await
        .assert_error("INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: nope");
    query(&org, "SELECT Id FROM Account WHERE NumberOfEmployees = 'ten'").await.assert_error(
        "INVALID_FIELD",
        "value of filter criterion for field 'NumberOfEmployees' must be of type int and should not be enclosed in quotes",
    );
    query(&org, "SELECT Id FROM Account WHERE Name = 5").await.assert_error(
        "INVALID_FIELD",
        "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
    );
    query(&org, "SELECT Id FROM Account WHERE Description = 'x'")
        .await
        .assert_error(
            "INVALID_FIELD",
            "field 'Description' can not be filtered in a query call",
        );
    query(&org, "SELECT Id, id FROM Account")
        .await
        .assert_error("INVALID_FIELD", "duplicate field selected: Id");
    query(&org, "SELECT Id FROM Account LIMIT 10 OFFSET 2001")
        .await
        .assert_exact(
            "NUMBER_OUTSIDE_VALID_RANGE",
            "Maximum SOQL offset allowed is 2000",
        );
    query(&org, "SELECT FIELDS(ALL) FROM Account")
        .await
        .assert_error(
            "MALFORMED_QUERY",
            "The SOQL FIELDS function must have a LIMIT of at most 200",
        );
    let missing = support::get(&org, "/services/data/v59.0/query").await;
    missing.assert_exact("MALFORMED_QUERY", "A query string has to be specified");
    let (status, _) = org.call("POST", "/query", Some(json!({}))).await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn hostile_queries_are_refused_as_malformed() {
    let org = common::start_empty().await;
    insert(&org, "Account", json!({"Name": "Secret"}));
    let injected = format!("SELECT Name FROM Account WHERE Name = '{}'", "' OR 1=1 --");
    query(&org, &injected)
        .await
        .assert_error("MALFORMED_QUERY", "unexpected token: '1'");
    query(&org, "SELECT Name FROM Account WHERE Name = 'open")
        .await
        .assert_error("MALFORMED_QUERY", "unterminated string literal: 'open");
    query(&org, "SELECT Name FROM Account WHERE Name = 'a\\qb'")
        .await
        .assert_error(
            "MALFORMED_QUERY",
            "Illegal character sequence '\\q' in string literal",
        );
    let deep = format!(
        "SELECT Id FROM Account WHERE {}Name = 'a'{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    query(&org, &deep)
        .await
        .assert_error("MALFORMED_QUERY", "nested too deeply");
    let escaped = query(
        &org,
        "SELECT Name FROM Account WHERE Name = '\\' OR Name != \\''",
    )
    .await
    .ok();
    assert_eq!(
        escaped["totalSize"], 0,
        "escaped quotes stay inside the literal"
    );
    query(&org, "SELECT Id FROM Account; DELETE FROM Account")
        .await
        .assert_error("MALFORMED_QUERY", "unexpected token: ';'");
    query(&org, "SELECT Id FROM Account WHERE Name = :name")
        .await
        .assert_error("MALFORMED_QUERY", "unexpected token: ':'");
}

#[test]
fn random_and_mangled_queries_never_panic() {
    support::fuzz(20_000);
}
