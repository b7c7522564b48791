//! Typed calls the flow adapters need beyond [`crate::resources`]: the reference lists a
//! mapping reads (currencies with their rates, brands, categories), and the contact and product
//! writes (postal-address and contact creates, contact JSON-Patch, product create and partial
//! update, product prices).
//!
//! Creates are sent once (`idempotent(false)`): an unclear failure comes back as
//! [`Error::Ambiguous`], and the caller looks for its idempotency marker before sending again.

use crate::Client;
use crate::model::accounting::Currency;
#[cfg(doc)]
use crate::model::catalogue::NewProduct;
use crate::model::catalogue::{Brand, Category, ProductPriceUpdate};
use crate::model::common::PatchOp;
#[cfg(doc)]
use crate::model::contacts::NewContact;
use crate::model::contacts::NewPostalAddress;
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
