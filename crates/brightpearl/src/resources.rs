//! Typed reads and writes of the resources Ferry syncs, over [`Client`].
//!
//! Reads by id take an [`IdSet`] of any size: [`Client::get_many`] cuts it into chunks under
//! the resource's cap (reference §5) and keeps a few chunks in flight at once. Brightpearl
//! answers unknown ids differently per resource (reference §9: orders `[]`, contacts 404
//! `CMNC-404`); both read as "nothing found" here, so a chunk of deleted records is simply empty.

use crate::Client;
use crate::client::response_of;
use crate::idset::{IdSet, MAX_GOODS_OUT_NOTE_IDS, MAX_IDS_PER_GET};
use crate::model::accounting::{CustomerPayment, NewCustomerPayment};
use crate::model::catalogue::{Channel, PriceList, Product, ProductPrice};
use crate::model::contacts::Contact;
use crate::model::goods_out::GoodsOutNote;
use crate::model::orders::Order;
use crate::model::sales_orders::SalesOrder;
use crate::model::stock::{ProductAvailability, ShippingMethod, Warehouse};
use crate::search::Search;
use ferry_http::{Error, Method, Reply};
use futures_util::{StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Chunks of one id-set read in flight at once: enough to hide latency, few enough that one
/// read does not take the whole account's rate budget from the other flows.
pub const CHUNKS_IN_FLIGHT: usize = 4;

impl Client {
    /// GETs `resource_path/{ids}` for every id in `ids`, at most `cap` ids per request and
    /// [`CHUNKS_IN_FLIGHT`] requests at once, for resources that answer a list
    /// (`/product-service/product`, `/order-service/order`, `/contact-service/contact`). A
    /// query string on `resource_path` (`?includeOptional=customFields`) is kept. Records come
    /// in the order received (Brightpearl does not keep the order of the id set); ids that do
    /// not exist are simply missing. Any other failure fails the whole read.
    pub async fn get_many<T: DeserializeOwned>(
        &self,
        resource_path: &str,
        ids: &IdSet,
        cap: usize,
    ) -> Result<Vec<T>, Error> {
        let chunks = self
            .chunked(resource_path, ids, cap, |reply| {
                let list: Option<Vec<T>> = optional_list(reply)?;
                Ok(list.unwrap_or_default())
            })
            .await?;
        Ok(chunks.into_iter().flatten().collect())
    }

    /// Like [`Client::get_many`] for resources that answer a map keyed by id
    /// (`/warehouse-service/product-availability`, goods-out notes): `(id, record)` pairs in
    /// ascending id order.
    pub async fn get_many_keyed<T: DeserializeOwned>(
        &self,
        resource_path: &str,
        ids: &IdSet,
        cap: usize,
    ) -> Result<Vec<(u64, T)>, Error> {
        let chunks = self
            .chunked(resource_path, ids, cap, |reply| {
                let map: Option<BTreeMap<u64, T>> = optional_list(reply)?;
                Ok(map.unwrap_or_default())
            })
            .await?;
        let mut all: BTreeMap<u64, T> = BTreeMap::new();
        for chunk in chunks {
            all.extend(chunk);
        }
        Ok(all.into_iter().collect())
    }

    async fn chunked<R>(
        &self,
        resource_path: &str,
        ids: &IdSet,
        cap: usize,
        read: impl Fn(&Reply) -> Result<R, Error>,
    ) -> Result<Vec<R>, Error> {
        let (path, query) = match resource_path.split_once('?') {
            Some((path, query)) => (path, format!("?{query}")),
            None => (resource_path, String::new()),
        };
        let path = path.trim_end_matches('/');
        let read = &read;
        futures_util::stream::iter(ids.chunks(cap))
            .map(|chunk| {
                let call = self.call(Method::GET, &format!("{path}/{chunk}{query}"));
                async move {
                    match self.send(&call).await {
                        Ok(reply) => read(&reply).map(Some),
                        Err(e) if is_not_found(&e) => Ok(None),
                        Err(e) => Err(e),
                    }
                }
            })
            .buffered(CHUNKS_IN_FLIGHT)
            .try_filter_map(|chunk| async move { Ok(chunk) })
            .try_collect()
            .await
    }

    /// Products by id (`includeOptional=customFields`).
    pub async fn products(&self, ids: &IdSet) -> Result<Vec<Product>, Error> {
        self.get_many(
            "/product-service/product?includeOptional=customFields",
            ids,
            MAX_IDS_PER_GET,
        )
        .await
    }

    /// Contacts by id.
    pub async fn contacts(&self, ids: &IdSet) -> Result<Vec<Contact>, Error> {
        self.get_many("/contact-service/contact", ids, MAX_IDS_PER_GET)
            .await
    }

    /// Orders of any type by id (`includeOptional=customFields`).
    pub async fn orders(&self, ids: &IdSet) -> Result<Vec<Order>, Error> {
        self.get_many(
            "/order-service/order?includeOptional=customFields",
            ids,
            MAX_IDS_PER_GET,
        )
        .await
    }

    /// Sales orders by id, through the sales-order resource.
    pub async fn sales_orders(&self, ids: &IdSet) -> Result<Vec<SalesOrder>, Error> {
        self.get_many("/order-service/sales-order", ids, MAX_IDS_PER_GET)
            .await
    }

    /// Goods-out notes by note id, whatever their order (`order/*/goods-note/goods-out/{ids}`).
    pub async fn goods_out_notes(&self, ids: &IdSet) -> Result<Vec<(u64, GoodsOutNote)>, Error> {
        self.get_many_keyed(
            "/warehouse-service/order/*/goods-note/goods-out",
            ids,
            MAX_GOODS_OUT_NOTE_IDS,
        )
        .await
    }

    /// The goods-out notes of some orders (`order/{orderIds}/goods-note/goods-out`).
    pub async fn goods_out_notes_of_orders(
        &self,
        order_ids: &IdSet,
    ) -> Result<Vec<(u64, GoodsOutNote)>, Error> {
        // The id set sits in the order position here, so the path is built per chunk.
        let mut all = BTreeMap::new();
        let chunks = order_ids.chunks(MAX_IDS_PER_GET);
        let mut replies = futures_util::stream::iter(chunks)
            .map(|chunk| {
                let path = format!("/warehouse-service/order/{chunk}/goods-note/goods-out");
                async move {
                    match self.get::<BTreeMap<u64, GoodsOutNote>>(&path).await {
                        Ok(notes) => Ok(notes),
                        Err(e) if is_not_found(&e) => Ok(BTreeMap::new()),
                        Err(e) => Err(e),
                    }
                }
            })
            .buffered(CHUNKS_IN_FLIGHT);
        while let Some(notes) = replies.next().await {
            all.extend(notes?);
        }
        Ok(all.into_iter().collect())
    }

    /// Availability of products by product id; products that are not stock-tracked are left
    /// out by Brightpearl.
    pub async fn product_availability(
        &self,
        product_ids: &IdSet,
    ) -> Result<Vec<(u64, ProductAvailability)>, Error> {
        self.get_many_keyed(
            "/warehouse-service/product-availability",
            product_ids,
            MAX_IDS_PER_GET,
        )
        .await
    }

    /// Prices of products on every price list.
    pub async fn product_prices(&self, product_ids: &IdSet) -> Result<Vec<ProductPrice>, Error> {
        self.get_many(
            "/product-service/product-price",
            product_ids,
            MAX_IDS_PER_GET,
        )
        .await
    }

    /// Every warehouse.
    pub async fn warehouses(&self) -> Result<Vec<Warehouse>, Error> {
        self.get("/warehouse-service/warehouse").await
    }

    /// Every price list.
    pub async fn price_lists(&self) -> Result<Vec<PriceList>, Error> {
        self.get("/product-service/price-list").await
    }

    /// The customer payments of some orders (there is no payment GET: this reads
    /// `customer-payment-search`, every page).
    pub async fn customer_payments_of_orders(
        &self,
        order_ids: &IdSet,
    ) -> Result<Vec<CustomerPayment>, Error> {
        let mut all = Vec::new();
        for chunk in order_ids.chunks(MAX_IDS_PER_GET) {
            let search = Search::new(self, "accounting-service/customer-payment-search")
                .filter("orderId", &chunk.to_string())
                .stable_by("paymentId");
            let mut rows = std::pin::pin!(search.rows_as::<CustomerPayment>());
            while let Some(row) = rows.next().await {
                all.push(row?);
            }
        }
        Ok(all)
    }

    /// Records a customer payment and returns its id. Not repeated on an unclear failure
    /// ([`Error::Ambiguous`]): look it up by `transaction_ref` before sending it again.
    pub async fn create_customer_payment(
        &self,
        payment: &NewCustomerPayment,
    ) -> Result<u64, Error> {
        let call = self
            .call(Method::POST, "/accounting-service/customer-payment")
            .json(payment)?
            .idempotent(false);
        let reply = self.send(&call).await?;
        response_of(&reply)
    }
}

/// Reads for the order-to-cash objects: raw JSON where callers keep the record as Brightpearl
/// sent it, typed lists for the reference data they name things from.
impl Client {
    /// Orders of any type by id as the GET JSON (`includeOptional=customFields`), for callers
    /// that keep every key Brightpearl sends.
    pub async fn orders_json(&self, ids: &IdSet) -> Result<Vec<serde_json::Value>, Error> {
        self.get_many(
            "/order-service/order?includeOptional=customFields",
            ids,
            MAX_IDS_PER_GET,
        )
        .await
    }

    /// Every sales channel (`GET /product-service/channel`).
    pub async fn channels(&self) -> Result<Vec<Channel>, Error> {
        self.get("/product-service/channel").await
    }

    /// Every shipping method (`GET /warehouse-service/shipping-method`).
    pub async fn shipping_methods(&self) -> Result<Vec<ShippingMethod>, Error> {
        self.get("/warehouse-service/shipping-method").await
    }

    /// Customer payments by payment id, as `customer-payment-search` rows (column name →
    /// cell; there is no payment GET): one search per 200 ids, every page.
    pub async fn customer_payment_rows(
        &self,
        payment_ids: &IdSet,
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, Error> {
        let mut all = Vec::new();
        for chunk in payment_ids.chunks(MAX_IDS_PER_GET) {
            let search = Search::new(self, "accounting-service/customer-payment-search")
                .filter("paymentId", &chunk.to_string())
                .stable_by("paymentId");
            let mut rows = std::pin::pin!(search.rows());
            while let Some(row) = rows.next().await {
                all.push(row?);
            }
        }
        Ok(all)
    }

    /// Journals by id as the GET JSON (`GET /accounting-service/journal/{ids}`).
    pub async fn journals_json(&self, ids: &IdSet) -> Result<Vec<serde_json::Value>, Error> {
        self.get_many("/accounting-service/journal", ids, MAX_IDS_PER_GET)
            .await
    }
}

/// The `response` of a read, `None` when it is absent or empty.
fn optional_list<T: DeserializeOwned>(reply: &Reply) -> Result<Option<T>, Error> {
    crate::client::optional_response_of(reply)
}

/// Brightpearl's "nothing found" refusal (404 `CMNC-404`, "No Contact Found").
fn is_not_found(error: &Error) -> bool {
    error
        .rejection()
        .is_some_and(|r| r.status == 404 && r.code == "CMNC-404")
}
