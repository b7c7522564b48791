//! The Brightpearl adapter of the flow runtime: [`BrightpearlSource`] reads contacts, products,
//! product availability, sales orders, sales credits, goods-out notes and customer payments;
//! [`BrightpearlTarget`] reads, finds and writes contacts and products. Flow authors write
//! expressions against the row shapes below (`source.…`) and name the write fields below in a
//! target's `fields`.
//!
//! # Row shapes (`Row::data`)
//!
//! Keys are Brightpearl's own (camelCase); the convenience keys are added next to them.
//! `Row::id` is the record id as text; `modified_at` and `version` come from `updatedOn`
//! (`version` is the text as Brightpearl sent it, with the account's offset).
//!
//! ## `contact`
//! The contact GET JSON (`GET /contact-service/contact/{ids}`) as Brightpearl returns it —
//! `contactId`, `salutation`, `firstName`, `lastName`, `postAddressIds`, `communication`,
//! `relationshipToAccount`, `financialDetails` (`priceListId`, `currencyId`, …), `assignment`
//! (`current.accountReference` holds Ferry's marker on contacts Ferry created), `organisation`,
//! `tradeStatus`, `createdOn`, `updatedOn`, `contactTags`, … — plus:
//!
//! | key | value |
//! |---|---|
//! | `email` | `communication.emails.PRI.email`, or `null` |
//! | `phone` | `communication.telephones.PRI`, or `null` |
//! | `mobile` | `communication.telephones.MOB`, or `null` |
//! | `website` | `communication.websites.PRI`, or `null` |
//! | `companyName` | `organisation.name` (the company the contact belongs to), or `null` for an individual |
//! | `isCustomer` | `true` unless `relationshipToAccount` says supplier or staff (the GET has no customer flag) |
//! | `customerGroup` | the name of the contact's **contact group** with the lowest group id (`Retail Customers`, `Wholesale Customers`, …), or `null` when it is in none |
//! | `customerGroups` | the names of all its contact groups, by group id |
//! | `addresses` | `{default, billing, delivery}`: each the postal-address GET JSON (`addressId`, `addressLine1`–`addressLine4` = street, locality, city, state/county, `postalCode`, `countryIsoCode` alpha-3, `countryIsoCode2` alpha-2, `countryId`), or `null` when unset |
//!
//! `customerGroup` is the contact group, not the price list: groups are how Brightpearl
//! accounts segment customers (retail, wholesale, marketplace); the price list is in
//! `financialDetails.priceListId`, and `ref.price_lists[<id>]` gives its code and currency.
//! Reading a batch costs one contact GET per 200 contacts, one postal-address GET per 200
//! distinct addresses and one `contact-group-member-search` per 500 contacts.
//!
//! ## `product`
//! The product GET JSON (`GET /product-service/product/{ids}?includeOptional=customFields`) —
//! `id`, `brandId`, `identity` (`sku`, `barcode`, `ean`, … — keys never set are absent),
//! `salesChannels`, `stock`, `status`, `customFields`, `version`, … — plus:
//!
//! | key | value |
//! |---|---|
//! | `sku` | `identity.sku`, or `null` |
//! | `name` | the product name on the Brightpearl channel (`salesChannels[].productName`) |
//! | `description` | that channel's description text, or `null` |
//! | `brandName` | the brand's name, or `null` when the brand is unknown |
//! | `categoryNames` | names of the channel's Brightpearl categories (unknown ids are left out) |
//! | `active` | `status == "LIVE"` |
//! | `prices` | `[{priceListId, code, currency, price}]`, one per price list that has a quantity-1 price, by list id; `price` is decimal text without trailing zeros (`"12.5"`), `code` the price list's code, `currency` its ISO code |
//!
//! One product GET and one product-price GET per 200 products; brands, categories and price
//! lists are read once and kept for five minutes.
//!
//! ## `product-availability`
//! `{productId, sku, total: {inStock, onHand, allocated, inTransit}, warehouses: {"<warehouse
//! id>": {inStock, onHand, allocated, inTransit}}}` (integers) from
//! `GET /warehouse-service/product-availability/{ids}`; a warehouse appears only where the
//! product has stock. The record id is the product id. Products that are not stock-tracked have
//! no availability: they are missing from reads (and scans skip them). The SKU comes from one
//! `product-search` per 500 products (a scan's own search carries it, so scans add nothing).
//!
//! ## `sales-order` and `sales-credit`
//! The order GET JSON (`GET /order-service/order/{ids}?includeOptional=customFields`) of
//! orders of type `SO` (`sales-order`) or `SC` (`sales-credit`); ids of the other kind are
//! missing from the answer. `modified_at`/`version` come from `updatedOn`, else `createdOn`
//! (a just-created order has no `updatedOn`). Added keys (`delivery` replaces the GET's
//! `{deliveryDate, shippingMethodId}`, which move to `deliveryDate` and `shippingMethodId`):
//!
//! | key | value |
//! |---|---|
//! | `id`, `type` | the order id (number); `"SO"` or `"SC"` |
//! | `reference` | text, `""` when none; `externalRef`: text or `null` |
//! | `parentOrderId` | the credit's sales order (0 none) |
//! | `statusId`, `statusName` | `orderStatus`; `cancelled`: the name contains "cancel" (any case) |
//! | `shippingStatus`, `paymentStatus`, `stockStatus` | `NST`/`SNS`/`SPS`/`ASS`; `orderPaymentStatus`; `stockStatusCode` |
//! | `placedDate` | `YYYY-MM-DD` of `placedOn` in the offset Brightpearl wrote (`null` when unset); `deliveryDate` likewise |
//! | `currency`, `exchangeRate` | `orderCurrencyCode`; the rate as decimal text (`"1"`) |
//! | `channelId`, `channelName` | `assignment.current.channelId` (0 none); the channel's name or `null` |
//! | `warehouseId`, `priceListId`, `shippingMethodId` | numbers (`shippingMethodId` `null` for none) |
//! | `customerId` | `parties.customer.contactId` |
//! | `customer`, `delivery`, `billing` | `{addressFullName, companyName, addressLine1`–`addressLine4, postalCode, country, countryIsoCode2` (alpha-2)`, countryIsoCode` (alpha-3)`, telephone, mobileTelephone, email}`, empty texts `null`; the whole party `null` when the order has none |
//! | `totals` | `{net, tax, gross}` decimal text without trailing zeros (`totalValue.net`, `.taxAmount`, `.total`) |
//! | `rows` | by `orderRowSequence`, then row id: `{rowId` (text)`, sequence, productId` (`null` for free text)`, sku, name, quantity` (`"2"`)`, unitPrice, net` (row net rounded to cents half away from zero)`, tax, gross` (net + tax)`, taxCode, discountPercentage, nominalCode, externalRef}` |
//!
//! One order GET per 200 orders; the channel list is read once and kept for five minutes.
//!
//! ## `goods-out-note`
//! The note GET JSON (`GET /warehouse-service/order/*/goods-note/goods-out/{ids}`: `status`,
//! `shipping`, `orderRows`, `events`, `sequence`, …) plus `id`, `orderId`, `warehouseId`,
//! `shipped` (bool), `shippedOn` (`YYYY-MM-DD` or `null`), `shippedAt` (the timestamp text or
//! `null`), `trackingReference` (`shipping.reference`, `null` when empty), `shippingMethodId`,
//! `shippingMethodName`, `carrier` (the method's `carrier`, else its name, else `null`),
//! `createdOn`, `rows` (`[{orderRowId` (text, as order rows' `rowId`)`, productId, quantity}]`),
//! `order` (`{id, type, parentOrderId, reference, externalRef, currency, statusId, statusName,
//! shippingStatus, paymentStatus, cancelled}` of its sales order), `notes` (every note of that
//! order, this one included, by id: `[{id, shipped, shippedOn, shippedAt, trackingReference,
//! shippingMethodId, shippingMethodName, carrier}]`) and `trackingReferences` (the distinct
//! non-empty tracking numbers of those notes, by note id). A flow can act on any one note's
//! event with the whole, current shipping picture: partial shipments, events out of order
//! or twice change nothing. `modified_at`/`version`: the latest event (`occured`), else
//! `createdOn`. Notes of external transfers (order 0) and of orders that are not sales orders
//! are missing from reads. A read costs one note GET per 500 notes, one order GET and one GET
//! of the orders' notes per 200 orders; shipping methods are kept for five minutes.
//!
//! ## `customer-payment`
//! From `customer-payment-search` filtered by `paymentId` (there is no payment GET): `{id,
//! transactionRef, transactionCode, paymentMethodCode, paymentType` (`RECEIPT`, `PAYMENT`,
//! `AUTH`, `CAPTURE`, `VOID`)`, orderId, currencyCode, currencyId, amountPaid,
//! amountAuthorized` (decimal text as Brightpearl keeps it, without trailing zeros)`, expires,
//! paymentDate` (`YYYY-MM-DD`)`, paymentDateTime, createdOn, journalId, order}` where `order`
//! is `{id, type, parentOrderId, reference, externalRef, currency, statusId, statusName,
//! shippingStatus, paymentStatus, cancelled}` (`null` when the order is gone).
//! `modified_at`/`version`: `createdOn` (payments are not edited). One search per 200 ids and
//! one order GET per 200 orders; a scan's own search carries every column, so it adds only
//! the order GET.
//!
//! ## `journal` (target reads)
//! The journal GET JSON (`GET /accounting-service/journal/{ids}`) plus `id`; one GET per 200.
//!
//! # Scans and polling
//! `scan` walks ids upwards: a `*-search` filtered to an id window above `after`, sorted by id,
//! up to 500 rows a page, then the id-set GETs of the page. `changed_since` searches
//! `updatedOn={since}/` sorted by `updatedOn`. Stock moves do not bump a product's `updatedOn`
//! and Brightpearl has no search of availability changes, so `product-availability` polling
//! returns nothing: inventory relies on the `product.modified.on-hand-modified` webhook and on
//! reconciliation scans.
//!
//! Order-side objects: `sales-order`/`sales-credit` scans walk `order-search` filtered to
//! their type (`orderTypeId` 1 or 3) and poll it by `updatedOn` and by `createdOn` (a new
//! order has no `updatedOn`): two searches. `customer-payment` walks
//! `customer-payment-search` by `paymentId` and polls `createdOn`. `goods-out-note` scans
//! walk note ids through the note GET itself (windows of 500 ids, `order/*/…/{from}-{to}`;
//! `goods-out-search` sorted by id tells where ids end), so they resume after any note id.
//! Polling notes costs three searches: `goods-out-search` by `createdOn` and by `shippedOn`
//! (a second partial shipment leaves the order part shipped and its `updatedOn` alone), and
//! sales orders by `updatedOn` (a note's creation or shipment that changes the order's
//! allocation or shipping status bumps it; then one GET of those orders' notes per 200
//! orders). A note's change time is the later of its latest event and its order's
//! `updatedOn`. A tracking-number edit changes neither: it arrives by the
//! `goods-out-note.modified` webhook, or with reconciliation.
//!
//! # Write fields (`Write::fields`)
//! Text values may be strings or numbers; `null` (or `""`) clears an optional field. Unknown
//! field names are refused with the list of known ones.
//!
//! ## `contact`
//! `salutation`, `firstName`, `lastName` (each at most 32 characters; a new contact needs one
//! of the names), `email` (primary), `phone` (primary telephone), `mobile`, `website`,
//! `companyName` (joins the company of that name, creating it; `""` leaves it), `jobTitle`,
//! `priceListId` (number), and one postal address: `addressLine1` (street; required to create
//! an address), `addressLine2` (locality), `addressLine3` (city), `addressLine4`
//! (state/county), `postalCode`, `countryIsoCode` (ISO 3166 alpha-3 such as `GBR`, as
//! Brightpearl documents; map `country_code3`).
//!
//! A create makes the address first and uses it as default, billing and delivery address.
//! Brightpearl addresses are not edited in place: when an update changes any address field,
//! a new address is created from the current default address overlaid with the written fields,
//! and the contact's default and billing addresses are pointed at it (the delivery address too
//! when it was the same as the default one), all in one contact PATCH.
//!
//! **Marker**: a create stores `Write::marker` in `assignment.current.accountReference`
//! (markers longer than 32 characters are stored as `F-` + 30 hex digits of their SHA-256).
//! Contact-search cannot filter on it, so before creating, the adapter searches contacts by the
//! write's `email` (else `lastName`, else `firstName`), reads the candidates and updates the
//! one carrying the marker instead of creating a second contact.
//!
//! ## `product`
//! `sku`, `name`, `description` (HTML fragment), `brandId` (number) or `brandName` (resolved
//! against the account's brands; a create needs one of them), `active` (bool: `LIVE` /
//! `DISCONTINUED`), `barcode`, `ean`, `upc`, `mpn`, `isbn`, `stockTracked` (bool), and
//! `prices`: `{"<priceListId>": price}` (decimal text or number) set as each list's quantity-1
//! price.
//!
//! **Marker**: products are made idempotent by their SKU: a create needs `sku`, and the adapter
//! first looks the SKU up with `product-search` and updates the product found instead of
//! creating another. `Write::marker` is not stored on products.
//!
//! ## `sales-order` and `sales-credit`
//! Created whole, header and rows in one `POST /order-service/sales-order` (or
//! `/sales-credit`). Fields: `customerId` (required, the customer contact's id), `ref` (at
//! most 64 characters), `externalRef` (at most 32; default: the marker, see below),
//! `placedOn` (ISO date or date-time), `statusId` or `statusName` (a status of the object's
//! order type, matched ignoring case against `GET /order-service/order-status`; an unknown
//! name is refused with the list of names), `channelId`, `warehouseId`, `priceListId`,
//! `currency` (ISO 4217 code; default: the price list's), `exchangeRate` (decimal text, fixed
//! on the order), `shippingMethodId`, `delivery` (an object of `addressFullName`,
//! `companyName`, `addressLine1`–`addressLine4`, `postalCode`, `countryIsoCode` — alpha-2 or
//! alpha-3, sent as the alpha-2 code the resource shows — `telephone`, `email`), and `rows`
//! (required, a list; each `{productId` or `name` (a free-text row), `quantity`, `net` (the
//! row's net total), `tax` (default `"0"`), `taxCode` (default: the account's zero-rate code,
//! the lowest-id tax code without a rate), `externalRef}`; amounts and quantities are decimal
//! text or numbers with at most 4 decimal places, sent exactly). A `sales-credit` also takes
//! `parentId`, the sales order it credits.
//!
//! Brightpearl orders are not edited by Ferry after creation: an update (`Write::id` set) may
//! carry only `statusId` / `statusName` (one `PUT /order-service/order/{id}/status`); any
//! other field is refused with `BP_ORDER_FIELD_LOCKED` naming the fields. Map order flows
//! so that only the status is compared for existing orders.
//!
//! **Marker**: `externalRef` holds the marker (markers longer than 32 characters are stored
//! as `F-` + 30 hex digits of their SHA-256), or the flow's own `externalRef`. Before
//! creating, the adapter looks the references up in `order-search` (filtered to the order
//! type): credits with a `parentId` in one search over their parents' ids, other records one
//! search per reference (order-search cannot filter a set of texts), four at a time; a record
//! found is answered instead of a second one. Found by `["externalRef"]` (the marker or the
//! flow's value) and by `["reference"]` (Brightpearl's `customerRef`, the order's `ref`).
//!
//! ## `customer-payment`
//! Created through `POST /accounting-service/customer-payment`: `orderId` (required: the sales
//! order or credit), `paymentType` (`RECEIPT`, the default, `PAYMENT` for a refund, or
//! `CAPTURE`), `paymentMethodCode` (required; checked against
//! `GET /accounting-service/payment-method`, an unknown code is refused with the list of
//! codes), `amountPaid` (required, greater than 0, decimal text with at most 2 decimal places:
//! round in the mapping; more is refused, never rounded by the adapter), `currencyIsoCode`
//! (default: the order's currency, read with one order GET for the batch), `exchangeRate`,
//! `paymentDate` (default: now), `transactionRef` (at most 64; default: the marker, hashed
//! like an order's above 64 characters), `transactionCode`, `journalRef` (at most 64).
//!
//! Payments are never changed: a write with an id is compared with the payment
//! (`customer-payment-search`; `exchangeRate` and `journalRef` are not shown there and are not
//! compared) and answers its id when nothing differs, else `BP_PAYMENT_IMMUTABLE` (delete the
//! payment in Brightpearl and retry the record to post it again). **Marker**: before
//! creating, one `customer-payment-search` over the batch's order ids finds payments already
//! posted with the same `transactionRef` and method. Found by `["transactionRef"]`.
//!
//! ## `journal`
//! A balanced two-line general journal (`JJ`) through `POST /accounting-service/journal-entry`:
//! `amount` (required, greater than 0, at most 2 decimal places) debited to `debitNominal` and
//! credited to `creditNominal` (both required nominal codes), `date` (required, the accounting
//! date), `currency` (ISO code) or `currencyId` (default: the base currency), `exchangeRate`,
//! `description`, `journalRef` (at most 64; default: the marker). Journals are not changed
//! once posted: a write with an id is compared with the journal (one journal GET) and refused
//! with `BP_JOURNAL_IMMUTABLE` when it differs. **Marker**: `journalRef`, looked up with one
//! `journal-search` per reference before posting. Found by `["journalRef"]`.
//!
//! ## Costs of order-side writes
//! Creates left after the lookups go out up to ten per `multi-message` request (one request
//! against the rate limit; a single create is a plain POST), each create refused on its own.
//! Order statuses, tax codes, payment methods and currencies are read once and kept for five
//! minutes. A batch of 10 new sales orders costs 10 searches and 1 multi-message; 10 new
//! payments cost 1 search, 1 order GET (when the currency is not mapped) and 1 multi-message.
//!
//! # Finding (`Target::find`)
//! `contact` by `["email"]` (primary email, compared case-insensitively) and by
//! `["lastName", "postalCode"]` (last name case-insensitively, postal code ignoring case and
//! spaces, against any of the contact's addresses); `product` by `["sku"]` (or `["SKU"]`).
//! One search per value tuple, then one batched read of the records found.
//!
//! # Errors
//! Transient failures (throttling, outages, unclear outcomes) keep the client's code. Refusals
//! are permanent with code `BP_<Brightpearl code>` (`BP_CMNC-400`, `BP_PRDC-014`) and a
//! message naming the record, Brightpearl's message (which names the field) and what to do.
//! Write fields the adapter can check itself (unknown names, lengths, types, missing required
//! values) are refused before any call with code `BP_INVALID_FIELD`.

mod contact;
mod lookups;
mod order_writes;
mod orders;
mod product;
mod scan;
mod write;

use super::adapters::{AdapterError, AdapterResult, Row, Source, Target, Write};
use async_trait::async_trait;
use ferry_brightpearl::Client;
use ferry_brightpearl::idset::IdSet;
use ferry_core::{System, Timestamp};
use lookups::Lookups;
use serde_json::{Value, json};
use std::sync::Arc;

/// The objects a [`BrightpearlSource`] reads.
pub const SOURCE_OBJECTS: &[&str] = &[
    "contact",
    "product",
    "product-availability",
    "sales-order",
    "sales-credit",
    "goods-out-note",
    "customer-payment",
];
/// The objects a [`BrightpearlTarget`] reads and writes.
pub const TARGET_OBJECTS: &[&str] = &[
    "contact",
    "product",
    "sales-order",
    "sales-credit",
    "customer-payment",
    "journal",
];

/// One Brightpearl object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    Contact,
    Product,
    Availability,
    /// Sales orders (order type `SO`).
    SalesOrder,
    /// Sales credits (order type `SC`): returns and refunds.
    SalesCredit,
    /// Goods-out notes (shipments of sales orders).
    GoodsOutNote,
    /// Customer payments (receipts and refunds against orders and credits).
    CustomerPayment,
    /// Accounting journals (target only).
    Journal,
}

impl Object {
    fn parse(name: &str, allowed: &[&str], role: &str) -> AdapterResult<Object> {
        let object = match name {
            "contact" => Some(Object::Contact),
            "product" => Some(Object::Product),
            "product-availability" => Some(Object::Availability),
            "sales-order" => Some(Object::SalesOrder),
            "sales-credit" => Some(Object::SalesCredit),
            "goods-out-note" => Some(Object::GoodsOutNote),
            "customer-payment" => Some(Object::CustomerPayment),
            "journal" => Some(Object::Journal),
            _ => None,
        };
        match object {
            Some(object) if allowed.contains(&name) => Ok(object),
            _ => Err(AdapterError::permanent(
                "BP_UNKNOWN_OBJECT",
                format!(
                    "Brightpearl has no {role} object {name:?}; use one of {}",
                    allowed.join(", ")
                ),
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Object::Contact => "contact",
            Object::Product => "product",
            Object::Availability => "product-availability",
            Object::SalesOrder => "sales-order",
            Object::SalesCredit => "sales-credit",
            Object::GoodsOutNote => "goods-out-note",
            Object::CustomerPayment => "customer-payment",
            Object::Journal => "journal",
        }
    }
}

/// Reads one Brightpearl object for the flows (see the module docs for the row shapes).
#[derive(Debug, Clone)]
pub struct BrightpearlSource {
    client: Client,
    object: Object,
    lookups: Arc<Lookups>,
}

impl BrightpearlSource {
    /// A source of `object`: one of [`SOURCE_OBJECTS`].
    pub fn new(client: Client, object: &str) -> Result<Self, AdapterError> {
        let object = Object::parse(object, SOURCE_OBJECTS, "source")?;
        Ok(Self {
            client,
            object,
            lookups: Arc::new(Lookups::default()),
        })
    }
}

/// Reads and writes Brightpearl contacts and products for the flows (see the module docs for
/// the write fields and markers).
#[derive(Debug, Clone)]
pub struct BrightpearlTarget {
    client: Client,
    lookups: Arc<Lookups>,
}

impl BrightpearlTarget {
    /// A target writing through `client`.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            lookups: Arc::new(Lookups::default()),
        }
    }
}

/// Brightpearl ids of `ids`; ids that are not numbers cannot exist and are left out.
fn id_set(ids: &[String]) -> IdSet {
    ids.iter()
        .filter_map(|id| id.trim().parse::<u64>().ok())
        .collect()
}

/// Reads `ids` of `object` as rows.
async fn read_rows(
    client: &Client,
    lookups: &Lookups,
    object: Object,
    ids: &IdSet,
) -> AdapterResult<Vec<Row>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    match object {
        Object::Contact => contact::read(client, ids, true).await,
        Object::Product => product::read(client, lookups, ids).await,
        Object::Availability => product::read_availability(client, ids, None).await,
        Object::SalesOrder
        | Object::SalesCredit
        | Object::GoodsOutNote
        | Object::CustomerPayment
        | Object::Journal => orders::read(client, lookups, object, ids).await,
    }
}

/// The adapter error for a failed client call about `what` (`contact 207`, `the contact
/// search`).
fn call_error(error: ferry_http::Error, what: &str) -> AdapterError {
    if error.is_transient() {
        return AdapterError::transient(error.code(), format!("Brightpearl, {what}: {error}"));
    }
    match error.rejection() {
        Some(rejection) => AdapterError::permanent(
            format!("BP_{}", rejection.code),
            format!(
                "Brightpearl refused {what}: {} (HTTP {} {}); correct the field it names in the \
                 source record or in the flow's mapping, then retry the record",
                rejection.message, rejection.status, rejection.code
            ),
        ),
        None => AdapterError::permanent(error.code(), format!("Brightpearl, {what}: {error}")),
    }
}

/// A write field refused before any call.
fn invalid_field(what: &str, field: &str, message: impl std::fmt::Display) -> AdapterError {
    AdapterError::permanent(
        "BP_INVALID_FIELD",
        format!("{what}, write field {field:?}: {message}"),
    )
}

/// Reference data for `ref.*`: rates, base currency, price lists and warehouses (three calls).
async fn reference_data(client: &Client) -> AdapterResult<Value> {
    let currencies = client
        .currencies()
        .await
        .map_err(|e| call_error(e, "the currency list"))?;
    let price_lists = client
        .price_lists()
        .await
        .map_err(|e| call_error(e, "the price-list list"))?;
    let warehouses = client
        .warehouses()
        .await
        .map_err(|e| call_error(e, "the warehouse list"))?;
    let mut rates = serde_json::Map::new();
    let mut base = Value::Null;
    for currency in &currencies {
        let rate = if currency.is_default {
            base = Value::from(currency.code.clone());
            rust_decimal::Decimal::ONE
        } else {
            match currency.exchange_rate {
                Some(rate) => rate,
                None => continue,
            }
        };
        rates.insert(
            currency.code.clone(),
            Value::from(rate.normalize().to_string()),
        );
    }
    let lists: serde_json::Map<String, Value> = price_lists
        .iter()
        .map(|list| {
            (
                list.id.to_string(),
                json!({"code": list.code, "currency": list.currency_code, "name": list.name.text}),
            )
        })
        .collect();
    let houses: serde_json::Map<String, Value> = warehouses
        .iter()
        .map(|w| (w.id.to_string(), Value::from(w.name.clone())))
        .collect();
    Ok(json!({
        "rates": rates,
        "base_currency": base,
        "price_lists": lists,
        "warehouses": houses,
    }))
}

#[async_trait]
impl Source for BrightpearlSource {
    fn system(&self) -> System {
        System::Brightpearl
    }

    fn object(&self) -> &str {
        self.object.name()
    }

    async fn read(&self, ids: &[String], fields: &[String]) -> AdapterResult<Vec<Row>> {
        // Availability rows carry the SKU only when the flow reads it: it costs a product
        // search per batch, which would double the calls of a live stock update.
        if self.object == Object::Availability && !fields.iter().any(|f| f == "sku") {
            return product::read_availability(
                &self.client,
                &id_set(ids),
                Some(std::collections::BTreeMap::new()),
            )
            .await;
        }
        read_rows(&self.client, &self.lookups, self.object, &id_set(ids)).await
    }

    async fn scan(
        &self,
        after: Option<&str>,
        limit: usize,
        _fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        let after = match after.map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse::<u64>().map_err(|_| {
                AdapterError::permanent(
                    "BP_BAD_CURSOR",
                    format!(
                        "the scan of Brightpearl {} cannot resume after {text:?}: Brightpearl ids \
                         are numbers; restart the scan from the beginning",
                        self.object.name()
                    ),
                )
            })?),
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        if self.object == Object::GoodsOutNote {
            return orders::scan_notes(&self.client, &self.lookups, after, limit).await;
        }
        let spec = scan::IdSearch::of(self.object);
        let found = scan::page_after(&self.client, &spec, after, limit)
            .await
            .map_err(|e| call_error(e, &format!("the {} scan", spec.path)))?;
        let ids: IdSet = found.iter().map(|(id, _)| *id).collect();
        let mut rows = match self.object {
            Object::Availability => {
                let skus = found
                    .into_iter()
                    .map(|(id, cells)| (id, cells.get("SKU").cloned().unwrap_or(Value::Null)))
                    .collect();
                product::read_availability(&self.client, &ids, Some(skus)).await?
            }
            // The scan's search carries every payment column: the rows need no second read.
            Object::CustomerPayment => {
                let cells = found.into_iter().map(|(_, cells)| cells).collect();
                orders::payment_rows(&self.client, cells).await?
            }
            _ => read_rows(&self.client, &self.lookups, self.object, &ids).await?,
        };
        rows.sort_by_key(|row| row.id.parse::<u64>().unwrap_or(u64::MAX));
        Ok(rows)
    }

    async fn changed_since(&self, since: Timestamp) -> AdapterResult<Vec<(String, Timestamp)>> {
        match self.object {
            // Stock moves leave product-search's updatedOn alone and no search lists
            // availability changes: inventory relies on webhooks and reconciliation.
            Object::Availability => Ok(Vec::new()),
            Object::GoodsOutNote => orders::notes_changed_since(&self.client, since).await,
            // A just-created order has no updatedOn (reference §7.1): new orders are found by
            // createdOn.
            Object::SalesOrder | Object::SalesCredit => {
                let spec = scan::IdSearch::of(self.object);
                let created = scan::IdSearch {
                    changed_column: "createdOn",
                    ..spec
                };
                let mut latest: std::collections::BTreeMap<String, Timestamp> =
                    std::collections::BTreeMap::new();
                for spec in [spec, created] {
                    let found = scan::changed_since(&self.client, &spec, since)
                        .await
                        .map_err(|e| call_error(e, &format!("the {} poll", spec.path)))?;
                    for (id, at) in found {
                        let entry = latest.entry(id).or_insert(at);
                        *entry = (*entry).max(at);
                    }
                }
                let mut out: Vec<(String, Timestamp)> = latest.into_iter().collect();
                out.sort_by_key(|(id, at)| (*at, id.parse::<u64>().unwrap_or(0)));
                Ok(out)
            }
            object => {
                let spec = scan::IdSearch::of(object);
                scan::changed_since(&self.client, &spec, since)
                    .await
                    .map_err(|e| call_error(e, &format!("the {} poll", spec.path)))
            }
        }
    }

    async fn reference(&self) -> AdapterResult<Value> {
        reference_data(&self.client).await
    }
}

#[async_trait]
impl Target for BrightpearlTarget {
    fn system(&self) -> System {
        System::Brightpearl
    }

    async fn read(
        &self,
        object: &str,
        ids: &[String],
        _fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        let object = Object::parse(object, TARGET_OBJECTS, "target")?;
        let rows = read_rows(&self.client, &self.lookups, object, &id_set(ids)).await?;
        Ok(with_write_view(object, rows))
    }

    async fn find(
        &self,
        object: &str,
        by: &[String],
        values: &[Vec<Value>],
        _fields: &[String],
    ) -> AdapterResult<Vec<Row>> {
        let object = Object::parse(object, TARGET_OBJECTS, "target")?;
        let rows = match object {
            Object::Contact => contact::find(&self.client, by, values).await?,
            Object::Product => product::find(&self.client, &self.lookups, by, values).await?,
            _ => order_writes::find(&self.client, &self.lookups, object, by, values).await?,
        };
        Ok(with_write_view(object, rows))
    }

    async fn write(&self, object: &str, writes: &[Write]) -> Vec<AdapterResult<String>> {
        let object = match Object::parse(object, TARGET_OBJECTS, "target") {
            Ok(object) => object,
            Err(e) => return writes.iter().map(|_| Err(e.clone())).collect(),
        };
        match object {
            Object::Contact => write::contacts(&self.client, writes).await,
            Object::Product => write::products(&self.client, &self.lookups, writes).await,
            _ => order_writes::write(&self.client, &self.lookups, object, writes, &[]).await,
        }
    }

    async fn write_fresh(
        &self,
        object: &str,
        writes: &[Write],
        fresh: &[bool],
    ) -> Vec<AdapterResult<String>> {
        match Object::parse(object, TARGET_OBJECTS, "target") {
            Ok(Object::Contact | Object::Product) | Err(_) => self.write(object, writes).await,
            Ok(parsed) => {
                order_writes::write(&self.client, &self.lookups, parsed, writes, fresh).await
            }
        }
    }

    async fn reference(&self) -> AdapterResult<Value> {
        reference_data(&self.client).await
    }
}

/// Adds the write fields a target row lacks at its top level (a contact's address lines are
/// under `addresses.default`), so the runtime compares a mapped record with the record as it
/// is field by field: an unchanged address is then not written again (which would make a new
/// Brightpearl address on every sync).
fn with_write_view(object: Object, mut rows: Vec<Row>) -> Vec<Row> {
    if object != Object::Contact {
        return rows;
    }
    for row in &mut rows {
        let Value::Object(data) = &mut row.data else {
            continue;
        };
        let default = data
            .get("addresses")
            .and_then(|a| a.get("default"))
            .cloned()
            .unwrap_or(Value::Null);
        for field in [
            "addressLine1",
            "addressLine2",
            "addressLine3",
            "addressLine4",
            "postalCode",
            "countryIsoCode",
        ] {
            let value = default.get(field).cloned().unwrap_or(Value::Null);
            data.entry(field.to_string()).or_insert(value);
        }
        let job = data
            .get("organisation")
            .and_then(|o| o.get("jobTitle"))
            .cloned()
            .unwrap_or(Value::Null);
        data.entry("jobTitle".to_string()).or_insert(job);
        let price_list = data
            .get("financialDetails")
            .and_then(|o| o.get("priceListId"))
            .cloned()
            .unwrap_or(Value::Null);
        data.entry("priceListId".to_string()).or_insert(price_list);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_checked_and_the_error_lists_the_supported_ones() {
        assert_eq!(
            Object::parse("product-availability", SOURCE_OBJECTS, "source").ok(),
            Some(Object::Availability)
        );
        let err = Object::parse("product-availability", TARGET_OBJECTS, "target").err();
        assert!(err.is_some_and(|e| e.message.contains("contact, product") && !e.transient));
        let err = Object::parse("order", SOURCE_OBJECTS, "source").err();
        assert!(err.is_some_and(|e| e.message.contains("product-availability")));
    }
}
