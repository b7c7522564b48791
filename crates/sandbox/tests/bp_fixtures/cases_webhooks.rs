//! Conformance cases: integration-service webhooks. Nothing to seed: every cassette creates
//! what it reads or deletes, or names a webhook that does not exist.

use super::replay::Env;

#[tokio::test]
async fn webhook_post_create() {
    Env::start().await.conform("webhook/post/create.yml").await;
}

#[tokio::test]
async fn webhook_post_error_invalid_params() {
    Env::start()
        .await
        .conform("webhook/post/error_invalid_params.yml")
        .await;
}

#[tokio::test]
async fn webhook_get_single() {
    Env::start().await.conform("webhook/get/single.yml").await;
}

#[tokio::test]
async fn webhook_get_not_found() {
    Env::start()
        .await
        .conform("webhook/get/not_found.yml")
        .await;
}

#[tokio::test]
async fn webhook_delete_success() {
    Env::start()
        .await
        .conform("webhook/delete/success.yml")
        .await;
}

#[tokio::test]
async fn webhook_delete_not_found() {
    Env::start()
        .await
        .conform("webhook/delete/not_found.yml")
        .await;
}
