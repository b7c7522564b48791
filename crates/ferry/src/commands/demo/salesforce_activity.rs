//! The demo's Salesforce "sales reps": now and then one edits a Contact's mobile number over
//! the REST API, as a person in Salesforce would, so that live sync from Salesforce to
//! Brightpearl (change data capture → customers_to_brightpearl) shows in the summary.

use ferry_sandbox::salesforce::api::Banner;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The Contacts the reps pick from (the first ones by id that belong to an Account).
const QUERY: &str = "SELECT Id FROM Contact WHERE AccountId != null ORDER BY Id LIMIT 200";

/// The reps' task, or none.
pub struct Reps {
    /// Tells the task to stop after the edit in hand, and the task.
    task: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl Reps {
    /// No reps.
    pub fn idle() -> Reps {
        Reps { task: None }
    }

    /// Starts `per_minute` edits a minute against the org of `banner` (0: none).
    pub fn start(banner: &Banner, per_minute: u32) -> Reps {
        if per_minute == 0 {
            return Reps::idle();
        }
        let http = match ferry_http::client_builder(None).map(|b| b.build()) {
            Ok(Ok(http)) => http,
            Ok(Err(error)) => {
                tracing::warn!(%error, "no Salesforce activity: no HTTP client");
                return Reps::idle();
            }
            Err(error) => {
                tracing::warn!(%error, "no Salesforce activity: no HTTP client");
                return Reps::idle();
            }
        };
        let base = format!(
            "{}/services/data/v{}",
            banner.instance_url, banner.api_version
        );
        let token = banner.access_token.clone();
        let every = Duration::from_secs_f64(60.0 / f64::from(per_minute));
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut n: u64 = 0;
            loop {
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    _ = stopped.wait_for(|s| *s) => return,
                }
                if let Err(error) = edit_one(&http, &base, &token, n).await {
                    tracing::warn!(%error, "the demo's Salesforce edit failed");
                }
                n += 1;
            }
        });
        Reps {
            task: Some((stop, task)),
        }
    }

    /// Stops the reps (an edit in hand finishes first).
    pub async fn stop(&mut self) {
        if let Some((stop, task)) = self.task.take() {
            let _ = stop.send(true);
            let _ = task.await;
        }
    }
}

/// Edits the `n`th Contact (cycling) to a new mobile number in E.164, as Ferry writes numbers,
/// so the round trip back from Brightpearl writes nothing.
async fn edit_one(
    http: &ferry_http::reqwest::Client,
    base: &str,
    token: &str,
    n: u64,
) -> Result<(), String> {
    let text = http
        .get(format!("{base}/query?q={}", percent_encode(QUERY)))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let answer: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let ids: Vec<&str> = answer["records"]
        .as_array()
        .map(|records| records.iter().filter_map(|r| r["Id"].as_str()).collect())
        .unwrap_or_default();
    if ids.is_empty() {
        return Ok(());
    }
    let len = u64::try_from(ids.len()).unwrap_or(1);
    let id = ids[usize::try_from(n % len).unwrap_or(0)];
    let mobile = format!("+4477009{:05}", n % 100_000);
    http.patch(format!("{base}/sobjects/Contact/{id}"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(json!({"MobilePhone": mobile}).to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?;
    tracing::debug!(%id, %mobile, "the demo edited a Salesforce Contact");
    Ok(())
}

/// A query-string value with everything but letters and digits percent-encoded.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
