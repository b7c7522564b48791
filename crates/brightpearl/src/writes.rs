//! Typed calls the flow adapters need beyond [`crate::resources`]: the reference lists a
//! mapping reads (currencies with their rates, brands, categories), and the contact and product
//! writes (postal-address and contact creates, contact JSON-Patch, product create and partial
//! update, product prices), and the order-side writes (creates of sales orders, credits,
//! payments and journals, order status, the lists they name, and multi-message batches).
//!
//! Creates are sent once (`idempotent(false)`): an unclear failure comes back as
//! [`Error::Ambiguous`], and the caller looks for its idempotency marker before sending again.

use crate::Client;
use crate::model::accounting::{Currency, PaymentMethod, TaxCode};
#[cfg(doc)]
use crate::model::catalogue::NewProduct;
use crate::model::catalogue::{Brand, Category, ProductPriceUpdate};
use crate::model::common::PatchOp;
#[cfg(doc)]
use crate::model::contacts::NewContact;
use crate::model::contacts::NewPostalAddress;
use crate::model::orders::OrderStatus;
use ferry_http::{Error, Method};
use serde::Serialize;
use serde_json::Value;

impl Client {
    /// Every currency, with its exchange rate against the base currency and the base flag.
    pub async fn currencies(&self) -> Result<Vec<Currency>, Error> {
        self.get("/accounting-service/currency").await
    }

    /// Every brand.
    pub async fn brands(&self) -> Result<Vec<Brand>, Error> {
        self.get("/product-service/brand").await
    }

    /// Every Brightpearl category.
    pub async fn categories(&self) -> Result<Vec<Category>, Error> {
        self.get("/product-service/brightpearl-category").await
    }

    /// Creates a postal address and returns its id (attach it to a contact afterwards).
    pub async fn create_postal_address(&self, address: &NewPostalAddress) -> Result<u64, Error> {
        created(
            self.write(
                Method::POST,
                "/contact-service/postal-address",
                address,
                false,
            )
            .await?,
            "POST /contact-service/postal-address",
        )
    }

    /// Creates a contact from a [`NewContact`] (or an equivalent JSON body, for callers that
    /// send only the keys they set) and returns its id.
    pub async fn create_contact(&self, contact: &impl Serialize) -> Result<u64, Error> {
        created(
            self.write(Method::POST, "/contact-service/contact", contact, false)
                .await?,
            "POST /contact-service/contact",
        )
    }

    /// Applies JSON-Patch operations to contact `id`; answers the contact as it now is.
    /// Sending the same patch twice gives the same contact, so it is retried freely.
    pub async fn patch_contact(&self, id: u64, ops: &[PatchOp]) -> Result<Option<Value>, Error> {
        self.write(
            Method::PATCH,
            &format!("/contact-service/contact/{id}"),
            &ops,
            true,
        )
        .await
    }

    /// Points contact `id`'s address slots at addresses: `(address id, "DEF" | "BIL" | "DEL")`.
    /// Setting the same slots twice gives the same contact, so it is retried freely.
    pub async fn set_contact_addresses(&self, id: u64, slots: &[(u64, &str)]) -> Result<(), Error> {
        let body: Vec<Value> = slots
            .iter()
            .map(|(address, kind)| serde_json::json!({"postalAddressId": address, "type": kind}))
            .collect();
        self.write::<Value>(
            Method::PUT,
            &format!("/contact-service/contact/{id}/postal-address"),
            &body,
            true,
        )
        .await
        .map(|_| ())
    }

    /// Creates a product from a [`NewProduct`] (or an equivalent JSON body) and returns its id.
    pub async fn create_product(&self, product: &impl Serialize) -> Result<u64, Error> {
        created(
            self.write(Method::POST, "/product-service/product", product, false)
                .await?,
            "POST /product-service/product",
        )
    }

    /// Changes product `id` with a partial body (only the keys given change).
    pub async fn update_product(&self, id: u64, body: &Value) -> Result<(), Error> {
        self.write::<Value>(
            Method::PUT,
            &format!("/product-service/product/{id}"),
            body,
            true,
        )
        .await
        .map(|_| ())
    }

    /// Sets product `id`'s prices on the lists named in `prices` (others are kept).
    pub async fn set_product_prices(
        &self,
        id: u64,
        prices: &ProductPriceUpdate,
    ) -> Result<(), Error> {
        self.write::<Value>(
            Method::PUT,
            &format!("/product-service/product-price/{id}/price-list"),
            prices,
            true,
        )
        .await
        .map(|_| ())
    }
}

/// The id a create answered, or a decode error naming the call.
fn created(id: Option<u64>, label: &str) -> Result<u64, Error> {
    id.ok_or_else(|| Error::Decode {
        api: "brightpearl",
        label: label.to_owned(),
        message: "the create answered no id".into(),
        snippet: String::new(),
    })
}

/// Most messages one multi-message carries (reference §7.12).
const MAX_MESSAGES: usize = 10;

impl Client {
    /// Every order status of every order type (`GET /order-service/order-status`).
    pub async fn order_statuses(&self) -> Result<Vec<OrderStatus>, Error> {
        self.get("/order-service/order-status").await
    }

    /// Every tax code (`GET /accounting-service/tax-code`).
    pub async fn tax_codes(&self) -> Result<Vec<TaxCode>, Error> {
        self.get("/accounting-service/tax-code").await
    }

    /// Every payment method (`GET /accounting-service/payment-method`).
    pub async fn payment_methods(&self) -> Result<Vec<PaymentMethod>, Error> {
        self.get("/accounting-service/payment-method").await
    }

    /// Sends a create once (`POST path`, not repeated on an unclear failure) and returns the id
    /// it answered: sales orders, sales credits, customer payments, journal entries. On
    /// [`Error::Ambiguous`] the caller looks for its idempotency reference before sending again.
    pub async fn create_at(&self, path: &str, body: &Value) -> Result<u64, Error> {
        created(
            self.write(Method::POST, path, body, false).await?,
            &format!("POST {path}"),
        )
    }

    /// Sets order `id`'s status (`PUT /order-service/order/{id}/status`); setting the same
    /// status twice changes nothing, so it is retried freely.
    pub async fn set_order_status(&self, id: u64, status_id: u64) -> Result<(), Error> {
        self.write::<Value>(
            Method::PUT,
            &format!("/order-service/order/{id}/status"),
            &serde_json::json!({"orderStatusId": status_id}),
            true,
        )
        .await
        .map(|_| ())
    }

    /// Sends 2 to 10 writes, each `(method, path, body)` (POST, PUT, PATCH or DELETE: a batch
    /// takes no GETs), as one request (`POST /multi-message`, one request
    /// against the rate limit), one after the other, continuing past failures. Answers each
    /// message's `response` (`Some(id)` for creates, `None` for `{}`) or its own error: a
    /// refusal as [`Error::Rejected`], a server failure (whose effect is unknown) as
    /// [`Error::Ambiguous`]. The request itself is sent once: an unclear failure of the whole
    /// batch is [`Error::Ambiguous`] for the caller to look up.
    pub async fn multi_message(
        &self,
        messages: &[(Method, String, Value)],
    ) -> Result<Vec<Result<Option<Value>, Error>>, Error> {
        if !(2..=MAX_MESSAGES).contains(&messages.len()) {
            return Err(Error::Config {
                message: format!(
                    "a Brightpearl multi-message carries 2 to {MAX_MESSAGES} messages, not {}",
                    messages.len()
                ),
            });
        }
        let body = serde_json::json!({
            "processingMode": "SEQUENTIAL",
            "onFail": "CONTINUE",
            "messages": messages.iter().enumerate().map(|(i, (method, path, body))| serde_json::json!({
                "label": format!("m{i}"),
                "uri": path,
                "httpMethod": method.as_str(),
                "body": body,
            })).collect::<Vec<_>>(),
        });
        let call = self
            .call(Method::POST, "/multi-message")
            .json(&body)?
            .idempotent(false);
        let reply = self.send(&call).await?;
        let answer: MultiAnswer = crate::client::response_of(&reply)?;
        let mut out = Vec::with_capacity(messages.len());
        for (i, (method, path, _)) in messages.iter().enumerate() {
            let label = format!("{method} {path}");
            let processed = answer
                .processed_messages
                .iter()
                .find(|p| p.label == format!("m{i}"));
            out.push(match processed {
                None => Err(Error::Ambiguous {
                    api: "brightpearl",
                    label,
                    cause: "the multi-message answer does not list this message as processed"
                        .into(),
                }),
                Some(p) => inner_answer(p, label),
            });
        }
        Ok(out)
    }
}

/// The `response` of `POST /multi-message`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MultiAnswer {
    #[serde(default)]
    processed_messages: Vec<Processed>,
}

/// One processed message: its status and its answer as a JSON string.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Processed {
    label: String,
    status_code: u16,
    #[serde(default)]
    body: ProcessedBody,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ProcessedBody {
    #[serde(default)]
    content: String,
}

/// One message's answer as a single call would have given it.
fn inner_answer(p: &Processed, label: String) -> Result<Option<Value>, Error> {
    let content: Option<Value> = if p.body.content.trim().is_empty() {
        None
    } else {
        serde_json::from_str(&p.body.content).ok()
    };
    if (200..300).contains(&p.status_code) {
        return Ok(content.and_then(|c| c.get("response").cloned()));
    }
    let errors = content
        .as_ref()
        .and_then(|c| c.get("errors"))
        .and_then(Value::as_array);
    let first_code = errors
        .and_then(|e| e.first())
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let message = errors
        .map(|e| {
            e.iter()
                .filter_map(|x| x.get("message").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| p.body.content.chars().take(200).collect());
    let code = first_code.unwrap_or_else(|| format!("HTTP_{}", p.status_code));
    let refusal_as_500 = ["CMNC-018", "CMNC-044", "CMNC-010"].contains(&code.as_str());
    if p.status_code >= 500 && !refusal_as_500 {
        return Err(Error::Ambiguous {
            api: "brightpearl",
            label,
            cause: format!("HTTP {} {code}: {message}", p.status_code),
        });
    }
    Err(Error::Rejected(Box::new(ferry_http::Rejection {
        api: "brightpearl",
        label,
        status: p.status_code,
        code,
        message,
        body: bytes::Bytes::from(p.body.content.clone()),
    })))
}
