//! Product prices (reference §7.5 "Product price"): per product and price list, a map of
//! minimum quantity → unit price (4 places). GET lists every price list of the account for
//! each product, with `{}` where the product has no price on it (product_price_get.yml).

use super::super::Account;
use super::input::invalid;
use super::write::{existing, store_modified};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::kind;
use crate::brightpearl::idset::IdSet;
use crate::brightpearl::wire::{Dec4, decimal};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Quantity breaks of one product on one price list: minimum quantity → unit price.
pub type PriceBreaks = BTreeMap<u64, Dec4>;

/// One product's prices as GET returns them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductPrices<'a> {
    /// The product.
    pub product_id: u64,
    /// One entry per price list.
    pub price_lists: Vec<ListPrices<'a>>,
}

/// One price list's entry in [`ProductPrices`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPrices<'a> {
    /// The price list.
    pub price_list_id: u64,
    /// Its currency's ISO code.
    pub currency_code: &'a str,
    /// Its currency's id.
    pub currency_id: u64,
    /// Minimum quantity → unit price; `{}` when none is set.
    pub quantity_price: &'a PriceBreaks,
}

static NO_PRICES: PriceBreaks = BTreeMap::new();

/// The prices of the existing products among `products`, on the price lists in `lists` (all
/// when `None`). Products that do not exist are left out; the caller answers 404 "No Product
/// Prices Found" when none is left.
pub fn product_prices<'a>(
    account: &'a Account,
    products: &[u64],
    lists: Option<&IdSet>,
) -> Vec<ProductPrices<'a>> {
    let catalogue = &account.catalogue;
    products
        .iter()
        .filter(|id| catalogue.products.contains_key(id))
        .map(|&product_id| {
            let prices = catalogue.prices.get(&product_id);
            let price_lists = (catalogue.price_lists.values())
                .filter(|list| lists.is_none_or(|set| set.contains(list.id)))
                .map(|list| ListPrices {
                    price_list_id: list.id,
                    currency_code: &list.currency_code,
                    currency_id: list.currency_id,
                    quantity_price: prices.and_then(|p| p.get(&list.id)).unwrap_or(&NO_PRICES),
                })
                .collect();
            ProductPrices {
                product_id,
                price_lists,
            }
        })
        .collect()
}

/// Sets `product`'s prices on the given price lists, each list's breaks replacing what it
/// had (an empty map clears the list). Every price must be ≥ 0 and every minimum quantity ≥ 1.
/// Raises `product.modified` and moves the product's version (INFERRED: a repricing is a
/// product change for clients that sync on `updatedOn`).
pub fn set_prices(
    account: &mut Account,
    product: u64,
    lists: &[(u64, PriceBreaks)],
) -> Result<(), ApiError> {
    let record = existing(account, product)?.clone();
    for (list, breaks) in lists {
        if !account.catalogue.price_lists.contains_key(list) {
            return Err(invalid(
                "priceListId",
                format!("no price list {list}; GET /product-service/price-list lists them"),
            ));
        }
        if breaks.contains_key(&0) {
            return Err(invalid(
                &format!("price list {list}"),
                "quantity breaks start at 1",
            ));
        }
        if let Some((quantity, price)) = breaks.iter().find(|(_, p)| p.0 < Decimal::ZERO) {
            return Err(invalid(
                &format!("price list {list}, quantity {quantity}"),
                format!("{price} is negative; prices are 0 or more"),
            ));
        }
    }
    let prices = account.catalogue.prices.entry(product).or_default();
    for (list, breaks) in lists {
        if breaks.is_empty() {
            prices.remove(list);
        } else {
            prices.insert(*list, breaks.clone());
        }
    }
    if prices.is_empty() {
        account.catalogue.prices.remove(&product);
    }
    store_modified(account, record);
    Ok(())
}

/// `PUT /product-service/product-price/{id}/price-list`:
/// `{"priceLists":[{"priceListId":1,"quantityPrice":{"1":100,"5":450}}]}`.
pub fn put_prices(account: &mut Account, product: u64, input: &Json) -> Result<(), ApiError> {
    let lists = input
        .get("priceLists")
        .and_then(Json::as_array)
        .ok_or_else(|| {
            invalid(
                "priceLists",
                "send {\"priceLists\":[{\"priceListId\":1,\"quantityPrice\":{\"1\":10.5}}]}",
            )
        })?;
    let mut parsed = Vec::with_capacity(lists.len());
    for (at, entry) in lists.iter().enumerate() {
        let field = format!("priceLists[{at}]");
        let list = entry
            .get("priceListId")
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
            .ok_or_else(|| {
                invalid(
                    &format!("{field}.priceListId"),
                    "a price list id is required",
                )
            })?;
        let field = format!("{field}.quantityPrice");
        let map = match entry.get("quantityPrice") {
            Some(Json::Object(map)) => map,
            Some(other) => {
                return Err(invalid(
                    &field,
                    format!(
                        "an object of quantity → price is expected, not {}",
                        kind(other)
                    ),
                ));
            }
            None => return Err(invalid(&field, "send {\"1\": price} at least")),
        };
        let mut breaks = PriceBreaks::new();
        for (quantity, price) in map {
            let minimum = quantity
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|q| *q >= 1)
                .ok_or_else(|| {
                    invalid(
                        &field,
                        format!("{quantity:?} is not a quantity (a whole number ≥ 1)"),
                    )
                })?;
            let price = decimal(price).ok_or_else(|| {
                invalid(
                    &format!("{field}.{quantity}"),
                    format!("{price} is not a price"),
                )
            })?;
            breaks.insert(minimum, Dec4::new(price));
        }
        parsed.push((list, breaks));
    }
    set_prices(account, product, &parsed)
}
