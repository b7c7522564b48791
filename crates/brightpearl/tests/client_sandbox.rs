//! The Brightpearl client against the Brightpearl sandbox over real sockets: id-set reads in
//! chunks, a search walked to its end, webhook registration sync, and the three ways to
//! authenticate (account token, staff token, OAuth with a renewal after expiry).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Bp, demo, options, start};
use ferry_brightpearl::idset::IdSet;
use ferry_brightpearl::model::orders::OrderSearchRow;
use ferry_brightpearl::model::webhooks::NewWebhook;
use ferry_brightpearl::search::{Direction, Search};
use ferry_brightpearl::webhooks::{self, desired_for};
use ferry_brightpearl::{Client, Error};
use ferry_http::Method;
use ferry_sandbox::brightpearl::api::DataSet;
use futures_util::TryStreamExt;
use secrecy::ExposeSecret;
use std::collections::BTreeSet;

/// Every id of a search's id column, walked page by page.
async fn all_ids(client: &Client, path: &str, id_column: &str) -> Vec<u64> {
    let rows: Vec<_> = Search::new(client, path)
        .columns(&[id_column])
        .stable_by(id_column)
        .page_size(250)
        .rows()
        .try_collect()
        .await
        .unwrap();
    rows.iter()
        .map(|row| row[id_column].as_u64().unwrap())
        .collect()
}

/// 400 existing ids (with gaps) and 50 that do not exist, so the reads take three
/// chunks of 200 and the last holds only unknown ids.
fn asked(existing: &[u64]) -> (IdSet, BTreeSet<u64>) {
    assert!(
        existing.len() >= 500,
        "the demo has enough records: {}",
        existing.len()
    );
    // Gaps (every fifth id left out) so the id set has many runs.
    let wanted: BTreeSet<u64> = existing
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 != 4)
        .take(400)
        .map(|(_, id)| *id)
        .collect();
    let unknown = (90_000_000..90_000_050).collect::<Vec<u64>>();
    let ids = IdSet::from_ids(wanted.iter().copied().chain(unknown));
    assert_eq!(ids.chunks(200).len(), 3);
    (ids, wanted)
}

#[tokio::test]
async fn id_set_reads_return_exactly_the_records_asked_for_across_chunks() {
    let bp = demo().await;
    let client = bp.client();

    let product_ids = all_ids(&client, "product-service/product-search", "productId").await;
    let (ids, wanted) = asked(&product_ids);
    let before = client.transport().stats().requests;
    let products = client.products(&ids).await.unwrap();
    let got: Vec<u64> = products.iter().map(|p| p.id).collect();
    assert_eq!(got.len(), wanted.len(), "no record twice or missing");
    assert_eq!(got.iter().copied().collect::<BTreeSet<_>>(), wanted);
    assert_eq!(
        client.transport().stats().requests - before,
        3,
        "one GET per chunk"
    );

    let contact_ids = all_ids(&client, "contact-service/contact-search", "contactId").await;
    let (ids, wanted) = asked(&contact_ids);
    // The chunk of unknown ids answers 404 CMNC-404 ("No Contact Found"): nothing found.
    let contacts = client.contacts(&ids).await.unwrap();
    let got: Vec<u64> = contacts.iter().map(|c| c.contact_id).collect();
    assert_eq!(got.len(), wanted.len());
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), wanted);

    let order_ids = all_ids(&client, "order-service/order-search", "orderId").await;
    let (ids, wanted) = asked(&order_ids);
    let orders = client.orders(&ids).await.unwrap();
    let got: Vec<u64> = orders.iter().map(|o| o.id).collect();
    assert_eq!(got.len(), wanted.len());
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), wanted);

    // Keyed answers: availability of the stock-tracked products among those asked.
    let availability = client
        .product_availability(&IdSet::from_ids(product_ids.iter().copied().take(300)))
        .await
        .unwrap();
    assert!(!availability.is_empty());
    assert!(availability.iter().all(|(id, _)| product_ids.contains(id)));
    assert!(!client.warehouses().await.unwrap().is_empty());
    assert!(!client.price_lists().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_order_search_pages_to_the_end_and_yields_every_row_once() {
    let bp = demo().await;
    let client = bp.client();
    let mut search = Search::new(&client, "order-service/order-search")
        // A period with an offset: `+` must be encoded or the server reads a space.
        .filter("updatedOn", "2000-01-01T00:00:00+00:00/")
        .columns(&["orderId", "orderTypeId", "updatedOn"])
        .sort("orderId", Direction::Asc)
        .page_size(100);
    let mut seen = BTreeSet::new();
    let mut available = None;
    let mut pages = 0;
    while let Some(page) = search.next_page().await.unwrap() {
        pages += 1;
        available.get_or_insert(page.response.meta_data.results_available);
        for row in page.rows_as::<OrderSearchRow>().unwrap() {
            assert!(seen.insert(row.order_id), "order {} twice", row.order_id);
        }
    }
    let available = available.unwrap();
    assert!(available > 1000, "the demo has many orders: {available}");
    assert_eq!(seen.len() as u64, available);
    assert_eq!(pages, available.div_ceil(100));
    assert_eq!(search.requests(), pages);

    // The same walk as a typed stream, kept stable by id.
    let rows: Vec<OrderSearchRow> = Search::new(&client, "order-service/order-search")
        .filter("updatedOn", "2000-01-01T00:00:00+00:00/")
        .columns(&["orderId", "orderTypeId"])
        .stable_by("orderId")
        .page_size(500)
        .rows_as()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len() as u64, available);

    // A filter the server cannot parse is an explicit, unretried error.
    let mut bad = Search::new(&client, "order-service/order-search").filter("orderId", "x-y");
    let err = bad.next_page().await.unwrap_err();
    assert_eq!(err.code(), "CMNC-018", "{err}");
}

/// Walks customer-payment-search 100 rows a page; after the first page, deletes three of the
/// payments already seen (later rows move up by three). Returns the ids yielded.
async fn walk_while_deleting(client: &Client, stable: bool) -> (Vec<u64>, BTreeSet<u64>) {
    let path = "accounting-service/customer-payment-search";
    let mut search = Search::new(client, path)
        .columns(&["paymentId"])
        .page_size(100);
    search = if stable {
        search.stable_by("paymentId")
    } else {
        search.sort("paymentId", Direction::Asc)
    };
    let mut seen = Vec::new();
    let mut deleted = BTreeSet::new();
    while let Some(page) = search.next_page().await.unwrap() {
        let ids: Vec<u64> = (0..page.len())
            .map(|r| page.cell(r, "paymentId").unwrap().as_u64().unwrap())
            .collect();
        if seen.is_empty() {
            for id in [ids[10], ids[20], ids[30]] {
                client
                    .delete(&format!("/accounting-service/customer-payment/{id}"))
                    .await
                    .unwrap();
                deleted.insert(id);
            }
        }
        seen.extend(ids);
    }
    (seen, deleted)
}

#[tokio::test]
async fn a_stable_walk_neither_repeats_nor_skips_rows_when_rows_leave_the_set() {
    let bp = demo().await;
    let client = bp.client();
    let before = all_ids(
        &client,
        "accounting-service/customer-payment-search",
        "paymentId",
    )
    .await;
    assert!(before.len() > 300, "{}", before.len());

    let (seen, deleted) = walk_while_deleting(&client, true).await;
    let unique: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    let want: BTreeSet<u64> = before.iter().copied().collect();
    assert_eq!(
        unique, want,
        "every payment that existed at the start, the deleted included"
    );
    assert_eq!(deleted.len(), 3);

    // The same walk without `stable_by` skips three rows: what the step-back repairs.
    let bp = demo().await;
    let client = bp.client();
    let (naive, _) = walk_while_deleting(&client, false).await;
    assert_eq!(
        naive.len(),
        before.len() - 3,
        "offset paging skips the rows that moved up"
    );
}

#[tokio::test]
async fn webhook_sync_creates_is_idempotent_removes_stale_ours_and_keeps_foreign() {
    let bp = start(options(DataSet::Empty)).await;
    let client = bp.client();
    let intake = "http://127.0.0.1:9/webhooks/brightpearl?token=t0ken";
    let post = |hook: NewWebhook| {
        let client = client.clone();
        async move {
            client
                .write::<u64>(Method::POST, webhooks::PATH, &hook, false)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let foreign = post(NewWebhook::standard(
        "order.modified",
        "https://other-integration.example/hooks",
    ))
    .await;
    let stale = post(NewWebhook::standard(
        "goods-in-note.created",
        format!("{intake}&v=old"),
    ))
    .await;

    let events = [
        "order.modified",
        "product.modified.on-hand-modified",
        "goods-out-note.modified.shipped",
    ];
    let desired = desired_for(intake, &events);
    let first = webhooks::apply(&client, &desired, intake).await.unwrap();
    assert_eq!(first.created.len(), 3, "{first:?}");
    assert_eq!(
        first.deleted.iter().map(|h| h.id).collect::<Vec<_>>(),
        [stale]
    );
    assert!(first.kept.is_empty());
    assert_eq!(
        first.foreign.iter().map(|h| h.id).collect::<Vec<_>>(),
        [foreign]
    );

    let second = webhooks::apply(&client, &desired, intake).await.unwrap();
    assert!(second.unchanged(), "{second:?}");
    assert_eq!(second.kept.len(), 3);
    assert_eq!(second.foreign.len(), 1);

    let listed = webhooks::list(&client).await.unwrap();
    let ids: BTreeSet<u64> = listed.iter().map(|h| h.id).collect();
    let mut want: BTreeSet<u64> = first.created.iter().map(|(id, _)| *id).collect();
    want.insert(foreign);
    assert_eq!(ids, want);
    let subscribed: BTreeSet<&str> = listed
        .iter()
        .filter(|h| h.id != foreign)
        .map(|h| h.subscribe_to.as_str())
        .collect();
    assert_eq!(subscribed, events.into_iter().collect());

    // Fewer events wanted: only ours that are no longer wanted go.
    let fewer = desired_for(intake, &events[..1]);
    let third = webhooks::apply(&client, &fewer, intake).await.unwrap();
    assert_eq!(third.deleted.len(), 2);
    assert_eq!(third.kept.len(), 1);
    assert_eq!(webhooks::list(&client).await.unwrap().len(), 2);
}

async fn can_read(client: &Client) {
    let warehouses = client.warehouses().await.unwrap();
    assert!(!warehouses.is_empty());
}

#[tokio::test]
async fn account_and_staff_tokens_both_authenticate_and_a_wrong_token_is_refused_once() {
    let bp: Bp = start(options(DataSet::Empty)).await;
    can_read(&bp.client()).await;
    can_read(&bp.staff_client()).await;

    let wrong = ferry_brightpearl::auth::StaticToken::account(
        &bp.banner.app_ref,
        &common::secret("not-the-token"),
    )
    .unwrap();
    let client = bp.client_with(std::sync::Arc::new(wrong), 200, common::fast_transport());
    let err = client.warehouses().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
    assert_eq!(
        client.transport().stats().requests,
        1,
        "a fixed token is not retried"
    );
}

#[tokio::test]
async fn oauth_renews_once_after_the_token_expires_and_saves_the_rotated_refresh_token() {
    let bp = start(options(DataSet::Empty)).await;
    let oauth = bp.oauth_client().await;
    can_read(&oauth.client).await;
    assert!(oauth.store.saved.lock().unwrap().is_empty());

    assert!(bp.expire_tokens().await >= 1);
    can_read(&oauth.client).await;
    let stats = oauth.client.transport().stats();
    assert_eq!(stats.renewals, 1);
    let saved = oauth.store.saved.lock().unwrap().clone();
    assert_eq!(saved.len(), 1, "the rotated refresh token is saved once");
    assert_ne!(saved[0], oauth.first_refresh, "the refresh token rotates");
    assert_eq!(
        oauth.session.tokens().refresh_token.expose_secret(),
        saved[0].as_str()
    );
    // The renewed session keeps working without renewing again.
    for _ in 0..3 {
        can_read(&oauth.client).await;
    }
    assert_eq!(oauth.client.transport().stats().renewals, 1);
}
