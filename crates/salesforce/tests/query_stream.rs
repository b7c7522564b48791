//! Streaming queries against the Salesforce sandbox: 5,000 Accounts read back exactly once in
//! pages of 2,000 (3 pages), as records, as a typed stream, and through `/queryAll`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ferry_http::{Error, Method};
use ferry_salesforce::Client;
use ferry_salesforce::query::Query;
use ferry_sandbox::salesforce::api::{DataSet, Options};
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::json;
use std::collections::HashSet;

const ACCOUNTS: usize = 5_000;

/// Creates `count` Accounts through sObject Collections (200 per call) and returns their ids.
async fn create_accounts(client: &Client, count: usize) -> HashSet<String> {
    let mut ids = HashSet::new();
    for chunk_start in (0..count).step_by(200) {
        let records: Vec<_> = (chunk_start..(chunk_start + 200).min(count))
            .map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("Stream {i:05}")}))
            .collect();
        let call = client
            .call(Method::POST, "/composite/sobjects")
            .json(&json!({"allOrNone": true, "records": records}))
            .unwrap();
        let results: Vec<serde_json::Value> = client
            .send(&call)
            .await
            .unwrap()
            .json("salesforce")
            .unwrap();
        for result in results {
            assert_eq!(result["success"], true, "{result}");
            ids.insert(result["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(ids.len(), count);
    ids
}

async fn empty_org() -> (ferry_sandbox::salesforce::Sandbox, Client) {
    common::sandbox(Options {
        data: DataSet::Empty,
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn five_thousand_accounts_come_back_once_each_in_three_pages() {
    let (sandbox, client) = empty_org().await;
    let created = create_accounts(&client, ACCOUNTS).await;
    let calls_before = client.transport().stats().requests;

    let mut query = Query::new(&client, "SELECT Id, Name FROM Account ORDER BY Name")
        .batch_size(2000)
        .unwrap();
    assert_eq!(query.total_size(), None);
    let mut seen = HashSet::new();
    let mut page_sizes = Vec::new();
    while let Some(page) = query.next_page().await.unwrap() {
        page_sizes.push(page.len());
        for record in page {
            assert_eq!(record.object_type(), Some("Account"));
            let id = record.id().unwrap().to_owned();
            assert!(seen.insert(id.clone()), "{id} came back twice");
        }
    }
    assert_eq!(page_sizes, vec![2000, 2000, 1000]);
    assert_eq!(query.total_size(), Some(ACCOUNTS as u64));
    assert_eq!(query.pages_read(), 3);
    assert_eq!(query.records_read(), ACCOUNTS as u64);
    assert!(query.is_done());
    assert_eq!(seen, created);
    // Once done, nothing more is fetched.
    assert!(query.next_page().await.unwrap().is_none());
    assert_eq!(client.transport().stats().requests - calls_before, 3);
    sandbox.stop().await.unwrap();
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Account {
    id: String,
    name: String,
}

#[tokio::test]
async fn records_stream_typed_and_smaller_batches_follow_next_records_url() {
    let (sandbox, client) = empty_org().await;
    let created = create_accounts(&client, 1_100).await;

    let accounts: Vec<Account> = Query::<Account>::typed(&client, "SELECT Id, Name FROM Account")
        .batch_size(500)
        .unwrap()
        .records()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(accounts.len(), 1_100);
    let ids: HashSet<String> = accounts.iter().map(|a| a.id.clone()).collect();
    assert_eq!(ids, created);
    assert!(accounts.iter().all(|a| a.name.starts_with("Stream ")));

    let pages: Vec<usize> = Query::new(&client, "SELECT Id FROM Account")
        .batch_size(500)
        .unwrap()
        .pages()
        .map_ok(|page| page.len())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages, vec![500, 500, 100]);

    // A stream that is dropped part-way fetches no further pages.
    let before = client.transport().stats().requests;
    let first_two: Vec<_> = Query::new(&client, "SELECT Id FROM Account")
        .batch_size(200)
        .unwrap()
        .records()
        .take(250)
        .collect()
        .await;
    assert_eq!(first_two.len(), 250);
    assert_eq!(client.transport().stats().requests - before, 2);
    sandbox.stop().await.unwrap();
}

#[tokio::test]
async fn query_all_returns_deleted_records_and_bad_queries_fail_clearly() {
    let (sandbox, client) = empty_org().await;
    let created = create_accounts(&client, 3).await;
    let gone = created.iter().next().unwrap().clone();
    client
        .send(&client.call(Method::DELETE, &format!("/sobjects/Account/{gone}")))
        .await
        .unwrap();

    let live: Vec<_> = Query::new(&client, "SELECT Id FROM Account")
        .records()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(live.len(), 2);
    let all: Vec<_> = Query::new(&client, "SELECT Id, IsDeleted FROM Account")
        .include_deleted()
        .records()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let deleted = all.iter().find(|r| r.id() == Some(gone.as_str())).unwrap();
    assert_eq!(deleted.get("IsDeleted"), Some(&json!(true)));

    let error = Query::new(&client, "SELECT Nope__c FROM Account")
        .next_page_once()
        .await;
    let rejection = error.rejection().expect("a refusal");
    assert_eq!(rejection.code, "INVALID_FIELD");
    assert!(matches!(
        Query::new(&client, "SELECT Id FROM Account").batch_size(100),
        Err(Error::Config { .. })
    ));
    sandbox.stop().await.unwrap();
}

/// Reads one page and expects it to fail.
trait FirstPageError {
    async fn next_page_once(self) -> Error;
}

impl FirstPageError for Query {
    async fn next_page_once(mut self) -> Error {
        self.next_page().await.expect_err("the query is refused")
    }
}
