//! The account's lists rows name things from (brands, categories and price lists for products;
//! sales channels for orders; shipping methods for goods-out notes), read once and kept for a
//! few minutes so that a batch read costs no extra calls.

use super::call_error;
use crate::flows::adapters::AdapterResult;
use ferry_brightpearl::Client;
use ferry_brightpearl::model::stock::ShippingMethod;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the lists are trusted: a brand or price list added in Brightpearl shows up in
/// product rows after at most this long.
const KEEP_FOR: Duration = Duration::from_secs(300);

/// Names by id.
#[derive(Debug, Default)]
pub(super) struct Lists {
    /// Brand id → name.
    pub brands: BTreeMap<u64, String>,
    /// Brightpearl category id → name.
    pub categories: BTreeMap<u64, String>,
    /// Price list id → (code, currency code).
    pub price_lists: BTreeMap<u64, (String, String)>,
}

impl Lists {
    /// The id of the brand named `name` (case-insensitive, trimmed).
    pub fn brand_named(&self, name: &str) -> Option<u64> {
        let name = name.trim();
        self.brands
            .iter()
            .find(|(_, n)| n.trim().eq_ignore_ascii_case(name))
            .map(|(id, _)| *id)
    }
}

/// The cache. Two readers that find it stale at once both fetch; the later one wins, which is
/// harmless (the lists are the same).
#[derive(Debug, Default)]
pub(super) struct Lookups {
    /// (when fetched, the lists); shared by every batch of the adapter.
    cached: Mutex<Option<(Instant, Arc<Lists>)>>,
    /// Sales channel id → name (order rows' `channelName`).
    channels: Kept<BTreeMap<u64, String>>,
    /// Shipping method id → method (goods-out note rows' method name and carrier).
    shipping_methods: Kept<BTreeMap<u64, ShippingMethod>>,
}

/// One list kept for [`KEEP_FOR`]: (when fetched, the list).
type Kept<T> = Mutex<Option<(Instant, Arc<T>)>>;

/// The list in `slot` when fresh.
fn fresh<T>(slot: &Kept<T>) -> Option<Arc<T>> {
    let cached = slot.lock().ok()?;
    let (at, list) = cached.as_ref()?;
    (at.elapsed() < KEEP_FOR).then(|| list.clone())
}

/// Keeps `list` in `slot` and returns it.
fn keep<T>(slot: &Kept<T>, list: T) -> Arc<T> {
    let list = Arc::new(list);
    if let Ok(mut cached) = slot.lock() {
        *cached = Some((Instant::now(), list.clone()));
    }
    list
}

impl Lookups {
    /// The lists, fetched (three calls) when missing or older than [`KEEP_FOR`].
    pub async fn get(&self, client: &Client) -> AdapterResult<Arc<Lists>> {
        if let Ok(cached) = self.cached.lock()
            && let Some((at, lists)) = cached.as_ref()
            && at.elapsed() < KEEP_FOR
        {
            return Ok(lists.clone());
        }
        let brands = client
            .brands()
            .await
            .map_err(|e| call_error(e, "the brand list"))?;
        let categories = client
            .categories()
            .await
            .map_err(|e| call_error(e, "the category list"))?;
        let price_lists = client
            .price_lists()
            .await
            .map_err(|e| call_error(e, "the price-list list"))?;
        let lists = Arc::new(Lists {
            brands: brands.into_iter().map(|b| (b.id, b.name)).collect(),
            categories: categories.into_iter().map(|c| (c.id, c.name)).collect(),
            price_lists: price_lists
                .into_iter()
                .map(|p| (p.id, (p.code, p.currency_code)))
                .collect(),
        });
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some((Instant::now(), lists.clone()));
        }
        Ok(lists)
    }

    /// Sales channel names by id (one call when missing or older than [`KEEP_FOR`]).
    pub async fn channels(&self, client: &Client) -> AdapterResult<Arc<BTreeMap<u64, String>>> {
        if let Some(list) = fresh(&self.channels) {
            return Ok(list);
        }
        let channels = client
            .channels()
            .await
            .map_err(|e| call_error(e, "the sales-channel list"))?;
        Ok(keep(
            &self.channels,
            channels.into_iter().map(|c| (c.id, c.name)).collect(),
        ))
    }

    /// Shipping methods by id (one call when missing or older than [`KEEP_FOR`]).
    pub async fn shipping_methods(
        &self,
        client: &Client,
    ) -> AdapterResult<Arc<BTreeMap<u64, ShippingMethod>>> {
        if let Some(list) = fresh(&self.shipping_methods) {
            return Ok(list);
        }
        let methods = client
            .shipping_methods()
            .await
            .map_err(|e| call_error(e, "the shipping-method list"))?;
        Ok(keep(
            &self.shipping_methods,
            methods.into_iter().map(|m| (m.id, m)).collect(),
        ))
    }
}
