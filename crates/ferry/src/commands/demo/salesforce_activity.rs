//! The demo's Salesforce "sales reps": now and then one acts over the REST API, as a person in
//! Salesforce would, so that live sync from Salesforce to Brightpearl shows in the summary. In
//! turn: a rep edits a Contact's mobile number (customers_to_brightpearl), wins a deal — an
//! Opportunity with two products, then Closed Won (opportunities_to_brightpearl makes the
//! Brightpearl order) — and records a card payment on an activated Order that came from
//! Brightpearl (payments_to_brightpearl posts it).

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
                let done = match n % 3 {
                    0 => edit_one(&http, &base, &token, n / 3).await,
                    1 => win_deal(&http, &base, &token, n / 3).await,
                    _ => take_payment(&http, &base, &token, n / 3).await,
                };
                if let Err(error) = done {
                    tracing::warn!(%error, "the demo's Salesforce activity failed");
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
    let records = query(http, base, token, QUERY).await?;
    let Some(contact) = nth(&records, n) else {
        return Ok(());
    };
    let id = contact["Id"].as_str().unwrap_or_default();
    let mobile = format!("+4477009{:05}", n % 100_000);
    send(
        http,
        token,
        ferry_http::reqwest::Method::PATCH,
        &format!("{base}/sobjects/Contact/{id}"),
        json!({"MobilePhone": mobile}),
    )
    .await?;
    tracing::debug!(%id, %mobile, "the demo edited a Salesforce Contact");
    Ok(())
}

/// Wins a deal for the `n`th Account whose Contact is in Brightpearl: an Opportunity, two
/// products from the standard price book, then Closed Won (as a rep would: lines first).
async fn win_deal(
    http: &ferry_http::reqwest::Client,
    base: &str,
    token: &str,
    n: u64,
) -> Result<(), String> {
    let contacts = query(
        http,
        base,
        token,
        "SELECT AccountId FROM Contact WHERE ExternalID__c != null AND AccountId != null \
         ORDER BY Id LIMIT 200",
    )
    .await?;
    let entries = query(
        http,
        base,
        token,
        "SELECT Id, Pricebook2Id, UnitPrice FROM PricebookEntry WHERE IsActive = true \
         AND Pricebook2.IsStandard = true ORDER BY Id LIMIT 100",
    )
    .await?;
    let (Some(contact), Some(first), Some(second)) = (
        nth(&contacts, n),
        nth(&entries, 2 * n),
        nth(&entries, 2 * n + 1),
    ) else {
        return Ok(());
    };
    let today = ferry_core::Timestamp::now().to_string();
    let opportunity = send(
        http,
        token,
        ferry_http::reqwest::Method::POST,
        &format!("{base}/sobjects/Opportunity"),
        json!({"Name": format!("Demo deal {}", n + 1), "AccountId": contact["AccountId"],
               "StageName": "Proposal/Price Quote", "CloseDate": today.get(..10).unwrap_or("2026-01-01"),
               "Pricebook2Id": first["Pricebook2Id"]}),
    )
    .await?;
    let id = opportunity["id"].as_str().unwrap_or_default().to_string();
    for (entry, quantity) in [(first, 1 + n % 3), (second, 2)] {
        send(
            http,
            token,
            ferry_http::reqwest::Method::POST,
            &format!("{base}/sobjects/OpportunityLineItem"),
            json!({"OpportunityId": id, "PricebookEntryId": entry["Id"], "Quantity": quantity,
                   "UnitPrice": entry["UnitPrice"]}),
        )
        .await?;
    }
    send(
        http,
        token,
        ferry_http::reqwest::Method::PATCH,
        &format!("{base}/sobjects/Opportunity/{id}"),
        json!({"StageName": "Closed Won"}),
    )
    .await?;
    tracing::debug!(%id, "the demo won a Salesforce deal");
    Ok(())
}

/// Records a card payment of half the amount of the `n`th recent activated Order that came
/// from Brightpearl, in the order's currency.
async fn take_payment(
    http: &ferry_http::reqwest::Client,
    base: &str,
    token: &str,
    n: u64,
) -> Result<(), String> {
    let orders = query(
        http,
        base,
        token,
        "SELECT Id, AccountId, TotalAmount, Currency__c FROM Order WHERE ExternalID__c != null \
         AND StatusCode = 'Activated' AND TotalAmount > 1 ORDER BY Id DESC LIMIT 50",
    )
    .await?;
    let Some(order) = nth(&orders, n) else {
        return Ok(());
    };
    // Money is decimal: half the total, to the cent.
    let total = match &order["TotalAmount"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Ok(()),
    };
    let Ok(total) = total.parse::<rust_decimal::Decimal>() else {
        return Ok(());
    };
    let amount = (total / rust_decimal::Decimal::TWO)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_string();
    send(
        http,
        token,
        ferry_http::reqwest::Method::POST,
        &format!("{base}/sobjects/Payment__c"),
        json!({"Order__c": order["Id"], "Account__c": order["AccountId"], "Amount__c": amount,
               "Currency__c": order["Currency__c"], "Method__c": "Card",
               "Status__c": "Captured",
               "PaymentDate__c": ferry_core::Timestamp::now().to_string().get(..10)}),
    )
    .await?;
    tracing::debug!(order = %order["Id"], %amount, "the demo took a Salesforce payment");
    Ok(())
}

/// The records a SOQL query answers (its first page).
async fn query(
    http: &ferry_http::reqwest::Client,
    base: &str,
    token: &str,
    soql: &str,
) -> Result<Vec<Value>, String> {
    let text = http
        .get(format!("{base}/query?q={}", percent_encode(soql)))
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
    Ok(answer["records"].as_array().cloned().unwrap_or_default())
}

/// A write; its JSON answer (`{}` when it has none).
async fn send(
    http: &ferry_http::reqwest::Client,
    token: &str,
    method: ferry_http::reqwest::Method,
    url: &str,
    body: Value,
) -> Result<Value, String> {
    let text = http
        .request(method, url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    Ok(serde_json::from_str(&text).unwrap_or_else(|_| json!({})))
}

/// The `n`th record, cycling; none when there are none.
fn nth(records: &[Value], n: u64) -> Option<&Value> {
    let len = u64::try_from(records.len()).ok().filter(|l| *l > 0)?;
    records.get(usize::try_from(n % len).ok()?)
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
