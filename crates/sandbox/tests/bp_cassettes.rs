//! The recorded Brightpearl traffic as a conformance suite for the sandbox. This first pass
//! holds the harness (the VCR loader `bp_fixtures/cassette.rs`, the shape comparison
//! `bp_fixtures/shape.rs`) and checks that the loader understands every cassette; the plan
//! below lists, for every cassette, what it exercises and what the sandbox must hold before a
//! case replays it.
//!
//! How a case replays a cassette: seed the records named below, then for each interaction in
//! order send `method` to the sandbox's `base_url` + `interaction.target()` (OAuth: the
//! sandbox's token URL) with the recorded body and the sandbox's own credentials in place of
//! the `<APP-REF>`/`<DEV-REF>`/`<Bearer TOKEN>` placeholders, and compare: the status; the
//! headers that matter (`Content-Type`, `Message-Type`, both throttle headers present and
//! numeric, a `Ruid` UUID, `Brightpearl-Installed-Integration-Instance-Id` on every OAuth-app
//! response except 401s); and the body with `shape::assert_same_shape`. Ids a write returns
//! feed the later interactions of the same cassette (the recorded `329` is ours `N`).
//! Hand-written cassettes compare status and headers only: their bodies are toy data, so the
//! body shape comes from the reference (§ given on the line) instead.
//!
//! The account the 2022 recordings (`barulu`, ws-use) ran against: times at offset -06:00,
//! accounting currency USD, staff contact 4 is the API user, installed integration instance 11,
//! default statuses SO 3 "New phone order" / PO 6 "Pending PO" / SC 10 "Sales credit" / PC 12
//! "Purchase credit", default warehouse 2, default price list 1 (`priceModeCode` EXC on
//! created orders). The 2025–26 recordings (`unimart`, euw1; `<ACCOUNT>`/`<DEV-REF>` where
//! sanitised) use instance 34 (50 for the 2026 payment calls) and offset -06:00 too.
//!
//! The cases live in `bp_fixtures/cases_<area>.rs` (driver: `bp_fixtures/replay.rs`; records
//! go in through the admin `POST /__sandbox/load`). Every API call is replayed with an OAuth
//! token from a real authorize → token flow, as every recording used OAuth.
//!
//! Where the comparison is relaxed, and why: hand-written cassettes compare the envelope only
//! (a search may add `reference`, which every real recorded search has); the order
//! custom-field PATCH compares keys without their order (the map is keyed by field codes, and
//! the recorded order follows no rule the recordings show). Everything else is compared with
//! key order, as Brightpearl wrote it.
//!
//! ## Cassettes the sandbox cannot honour
//! Each would be a line `* `path` · reason`;
//! `every_cassette_has_a_case_or_a_reason_it_cannot_be_honoured` checks that every cassette has
//! a case or such a line (and never both). None at present: every cassette has a case.
//!
//! Each line: `cassette` · real or hand-written · requests → statuses · what to seed.
//!
//! ## OAuth and authentication
//! - `auth_request_token.yml` · real · POST /token/barulu (form: authorization_code, client_id `clientID`, client_secret, redirect_uri) → 200 `{access_token, refresh_token, installation_instance_id, api_domain, token_type, expires_in}` · seed: OAuth app `clientID` with its secret and a fresh authorization code issued for `https://example.test/brightpearl_oauth_redirect` (tokens in the recording are `SANDBOX-…` placeholders, so Content-Length does not match)
//! - `auth_request_token_error_invalid_client.yml` · real · POST /token/barulu with an unknown client or wrong secret → 400 `{"error":"invalid_client"}` · seed: nothing (or an app whose secret differs)
//! - `auth_request_token_error_invalid_code.yml` · real · POST /token/barulu with a code never issued or already used → 400 `invalid_grant` "The auth token has either expired or does not exist" · seed: the app, no such code
//! - `auth_request_token_error_redirect_uri_mismatch.yml` · real · POST /token/barulu with a redirect_uri other than the code's → 400 `invalid_grant` "Redirect uri does not match that used to request auth token" · seed: a code issued for another redirect URI
//! - `auth_use_refresh_token.yml` · real · POST /token/barulu (form: refresh_token, client_id `cliendID` (sic), no secret) → 200 without `installation_instance_id`, a new refresh token · seed: a refresh token issued to that client
//! - `client/search_error.yml` · real · GET /product-service/product-search?SKU=XXX with an unknown bearer token → 401 `{"response":"Invalid instance token: <token as sent>"}`, Message-Type api-proxy · seed: nothing
//! - `client_error_expired.yml` · real · GET /order-service/order/1, GET /product-service/product/1 with an expired token → 401 `{"response":"Authorization token expired"}` twice · seed: a token past `expires_in` (admin expiry)
//! - `client_error_invalid.yml` · real · GET /order-service/order/1, GET /product-service/product/1 with token `INVALID_STUFF` → 401 "Invalid instance token: INVALID_STUFF" twice · seed: nothing
//!
//! ## Orders
//! - `order_get_one.yml` · real · GET /order-service/order/1 → 200 `[order]` · seed: order 1 (SO, status 4 "Invoiced", state.tax INVOICED, UNPAID, SOA/AAA/ASS, closedOn set, invoice SI-1001, INC price mode, warehouse 2, channel 0, one row id 1: product 1007 "Nice Shirt for Summer" SKU TEST001, qty 1, item cost 5, price 10, net 9.0909, tax 0.91 at tax code T 10%, nominal 4000), contact 200 "Demo Customer" / "Customer Company Ltd." / 34 Lime St, Barton, Sheffield, South Yorkshire S1 4RT, United Kingdom (222, GB/GBR), 01245 845632, demo@test.com, as customer, billing and delivery party
//! - `order_get_one_with_custom_fields.yml` · real · GET /order-service/order/1?includeOptional=customFields → 200, adds `customFields` after `warehouseId` · seed: order 1 as above with channel 1 and custom field PCF_P_NUMBER = "DEMO Number"
//! - `order_get_one_po.yml` · real · GET /order-service/order/312 → 200 `[PO]` with `parties.supplier` and `isDropship` · seed: order 312 (PO "#T75", status 6 "Pending PO", READY, UNPAID, PON/ANR/SNS, EXC, delivery date 2021-08-31, fixed exchange rate, rows 378 (product 1569 GUANTO-0 "Guanto", qty 4, cost 100, price 0, net 400, tax 52 at code "13" 13%, nominal 1201) and 380 (product 1577 GUANTO-SUPER2 "Gloves of power V2 X", qty 5, net 500, tax 65)), supplier contact 418 "Hori Seller" / "Test Seller Hori" (countryId 0, no country keys), delivery and billing to "Barulu", Costa Rica (282, CR/CRI)
//! - `order_get_multiple.yml` · real · GET /order-service/order/1,320,321 → 200 `[320, 1, 321]` (not request order) · seed: order 1 as above; orders 320 and 321 (SO, parentOrderId 1, status 4, READY, SON/ANA/SNS, channel 1, one row each: 396 product 1569 at VAT 13%, 397 product 1532 at VAT, value 0) for contact 200
//! - `order_get_empty_not_found.yml` · real · GET /order-service/order/999 → 200 `{"response":[]}` · seed: no order 999
//! - `order_options.yml` · real · OPTIONS /order-service/order/1-100,320,321 → 200 `{"getUris":["/order/1-2,5,8,10-41,43-44,46-100,320-321"]}` · seed: orders with exactly those ids in 1-100 (none of 3, 4, 6, 7, 9, 42, 45) plus 320 and 321
//! - `order_post_so.yml` · real · POST /order-service/order `{reference "#0001", SO, customer 200}` → 200 `{"response":322}` · seed: contact 200
//! - `order_post_po.yml` · real · POST /order-service/order `{PO, supplier 418}` → 200 id · seed: contact 418 (supplier)
//! - `order_post_sc.yml` · real · POST /order-service/order with `orderTypeCode` twice ("SO" then "SC": the last wins, order 324 is a sales credit) → 200 id · seed: contact 200; the sandbox must accept duplicate JSON keys
//! - `order_post_pc.yml` · real · POST /order-service/order with `orderTypeCode` "PO" then "PC", supplier 418 → 200 id (a purchase credit) · seed: contact 418; duplicate keys as above
//! - `order_post_error_missing_required.yml` · real · POST /order-service/order `{reference}` → 400 ORDC-005 "You have not supplied an order type code" · seed: nothing
//! - `order_post_error_unknown.yml` · real · POST /order-service/order with orderTypeCode "UK" → 400 ORDC-006 "You have supplied an invalid order type code" · seed: contact 200
//! - `order_post_error_wrong_party.yml` · real · POST /order-service/order PO with a customer party → 400 ORDC-022 "Suppllier ID Required." · seed: contact 200
//! - `order_patch.yml` · real · POST /order-service/order (SO, customer 200) → id; PATCH /order-service/order/{id} replace /delivery/deliveryDate "2022-01-20" and /reference → 200 full order object (not an array): version 1, status 3, NOT_APPLICABLE, NON/ANR/NST, EXC, `invoices:[{"invoiceReference":""}]`, `orderRows:{}`, deliveryDate 2022-01-19T18:00:00.000-06:00, no updatedOn · seed: contact 200 with its addresses, the account defaults above
//! - `order_patch_error_operation.yml` · real · POST /order-service/order → id; PATCH add /reference → 500 CMNC-044 "Invalid patch operation (add) for given path (/reference)" · seed: contact 200
//! - `order_row_post.yml` · real · POST /order-service/order → id; POST /order-service/order/{id}/row (free text "Brightpearl Product", qty 5, tax code "13", net 100, tax 13) → 200 row id · seed: contact 200, tax code "13" (13%)
//! - `order_row_patch.yml` · real · POST order; POST row; PATCH /order-service/order/{id}/row/{row} replace /rowValue/rowNet/value 200 → 200 row object: productId 1000 (the free-text placeholder), rowTax recalculated to 26.00, itemCost 0 · seed: contact 200, tax code "13" (13%, tax class 9), placeholder product 1000
//! - `order_row_delete.yml` · real · POST order; POST row; DELETE /order-service/order/{id}/row/{row} → 200 `{}` · seed: contact 200, tax code "13"
//! - `order_status_update_put.yml` · real · POST order; PUT /order-service/order/{id}/status `{orderStatusId 2}` → 200 `{}` · seed: contact 200, SO status 2
//! - `order_search.yml` · real · GET /order-service/order-search?customerRef=%230001 → 200 four rows (SO 322 status 3, PO 323 status 6 for contact 418 with a deliveryDate, SC 324 status 10, PC 325 status 12; stock status 13 "Unset", payment status 5, shipping status 1, createdById 4, warehouse 2, taxDate 2022-01-25T18:00 -06:00, updatedOn null) and `reference` with the five name maps · seed: those four orders with reference "#0001" and no other order with it; contacts 200 and 418
//! - `order_search_bad_param.yml` · real · GET /order-service/order-search?orderStatusId=BAD%20PARAM → 500 CMNC-018 "The filter orderStatusId=BAD PARAM cannot be parsed as: INTEGER" · seed: nothing
//! - `order_status_get.yml` · real · GET /order-service/order-status/1 → 200 `[{statusId 1 "Draft / Quote", SO, color #E7E6E4, remindAfterDays 10, state draft, …}]` · seed: order status 1 as recorded
//! - `order_status_post.yml` · real · POST /order-service/order-status `{name, orderTypeCode SO, color}` → 200 new status id · seed: nothing
//! - `order_shipping_status_get.yml` · real · GET /order-service/order-shipping-status → 200 the four fixed statuses NST/SNS/SPS/ASS (ids 1–4) · seed: nothing (built in)
//! - `order_type_get.yml` · hand-written · GET /order-service/order-type/ → 200 list · seed: the four order types (real shape `{id, code, description}`, reference §7.10)
//! - `order_type_get_by_id.yml` · hand-written · GET /order-service/order-type/1 → 200 `[one]` · seed: as above
//! - `order_stock_status_get.yml` · hand-written · GET /order-service/order-stock-status/ → 200 list · seed: the stock statuses (real shape `{id, code, description}`, reference §7.10)
//! - `order_stock_status_get_by_id.yml` · hand-written · GET /order-service/order-stock-status/1 → 200 `[one]` · seed: as above
//! - `order/custom_field/patch.yml` · real · PATCH /order-service/order/516491/custom-field add /PCF_REICUOTA `{"id":137}` → 200 the whole custom-field map (selects as `{id, value}`, texts as strings) · seed: order 516491 with PCF_ETAORIG, PCF_ZONA (select option 64 "SJ.1"), PCF_MENSAJER, PCF_FECHADE, PCF_TEAM "Team A"; sale custom-field metadata for PCF_REICUOTA (select with option 137 "FormularioBAC"), PCF_ZONA and the text fields
//! - `order/custom_field_metadata/get/single.yml` · real · GET /order-service/sale/custom-field-meta-data/131 → 200 `[{id 131, code PCF_TIPONEG, SELECT, required false, options keyed by option id 156–160}]` · seed: sale custom field 131 with those five options
//!
//! ## Goods-out notes
//! - `goods_out_note/get/all_for_order.yml` · real · GET /warehouse-service/order/988116/goods-note/goods-out/ → 200 map keyed by GON id · seed: order 988116 (SO with rows 2975384–2975387 for products 498969, 489065, 497476, 506939, one each), GON 12447605 in warehouse 2, shipped (status flags and `*On`/`*ById` set by staff 4), shipping method 49, empty reference, location 2, created by 203, events PLA (203) then SHW, PRI, PIC, PAC (4), lastEventVersion set
//! - `goods_out_note/get/by_gon_id.yml` · real · GET /warehouse-service/order/*/goods-note/goods-out/12447605 → 200 the same map · seed: as above
//!
//! ## Products, prices, availability
//! - `product_get_one.yml` · real · GET /product-service/product/1007 → 200 `[product]` · seed: product 1007 (brand 74, type 1, identity only sku TEST001 and barcode "", no productGroupId, stock-tracked, tax code 2 T, not taxable, channel "Brightpearl" name "Nice Shirt for Summer", category 296, warehouses 2 and 3, nominal codes 1001/5000/4000, LIVE, version 1594021716000)
//! - `product_get_one_with_custom_fields.yml` · real · GET /product-service/product/1007?includeOptional=customFields → 200, adds `customFields` after `composition` · seed: product 1007 with PCF_SERIALIS = true
//! - `product_get_multiple.yml` · real · GET /product-service/product/1007,1532,1569 → 200 three products · seed: product 1007 as above; 1532 (brand 83, group 212, SKU GUANTO-1, "Test seller gloves", category 299, tax VAT id 4); 1569 (brand 83, group 213, all six identity keys, "Guanto", categories 299 and 302, tax VAT)
//! - `product_options.yml` · real · OPTIONS /product-service/product/1-100,320,321 → 200 `{"getUris":[]}` · seed: no product with an id in that set
//! - `product_post.yml` · real · POST /product-service/product (brand 74, tax T, channel Brightpearl, category 296) → 200 new id · seed: brand 74, tax code 2 "T", category 296
//! - `product_post_error_missing_required.yml` · real · POST /product-service/product with brandId null → 400 PRDC-014 "You must supply a brand ID." · seed: nothing
//! - `product_put.yml` · real · POST /product-service/product → id; PUT /product-service/product/{id} (new channel product name) → 200 `{}` · seed: brand 74, tax code T, category 296
//! - `product_search.yml` · real · GET /product-service/product-search?productName=Test%20Product → 200 44 rows (substring match) and `reference.productCategoryMembership` · seed: products 1494–1511, 1533–1556, 1560, 1579 with names containing "Test Product" (e.g. "Anthony Test Product"), their SKUs, barcodes, EAN/UPC/MPN where set, categories 296–303, brands 74/76/77/83/84, types 1/3, groups (200 or none), primary supplier 366/389 or none; no other product matching
//! - `product_search_bad_param.yml` · real · GET /product-service/product-search?productId=BAD%20PARAM → 500 CMNC-018 "…cannot be parsed as: IDSET" · seed: nothing
//! - `product_price_get.yml` · real · GET /product-service/product-price/1007 → 200 `[{productId, priceLists:[4 lists]}]` · seed: product 1007; price lists 1–3 in CRC (currency 5) and 4 in USD (currency 1); price 10.0000 at quantity 1 on list 1, none on the others
//! - `product_price_get_not_found.yml` · real · GET /product-service/product-price/1 → 404 CMNC-404 "No Product Prices Found" · seed: no product 1
//! - `product_price_options.yml` · real · OPTIONS /product-service/product-price/1-100,320,321 → 200 `{"getUris":[]}` · seed: no product in that set
//! - `product_price_put.yml` · real · PUT /product-service/product-price/1007/price-list `{priceLists:[{priceListId 1, quantityPrice {"1":100,"5":450}}]}` → 200 `{}` · seed: product 1007, price list 1
//! - `price_list_get.yml` · real · GET /product-service/price-list/1 → 200 `[{id 1, name {languageCode, text "Cost CRC", format PLAINTEXT}, code "COST CRC", CRC, "₡", currency 5, BUY, gross false}]` (base64 body) · seed: price list 1 as recorded
//! - `product_availability_get.yml` · real · GET /warehouse-service/product-availability/1007,1532 → 200 map keyed by product id, then by warehouse · seed: product 1007 with 4 in stock in warehouse 2; product 1532 with 60 in stock and 12 allocated in warehouse 2 (onHand 48); both stock-tracked, nothing in other warehouses
//! - `brand_get.yml` · hand-written · GET /product-service/brand/ (trailing slash) → 200 list · seed: brands (real shape `{id, name, description?}`, reference §7.10)
//! - `brand_get_by_id.yml` · hand-written · GET /product-service/brand/1 → 200 `[one]` · seed: brand 1
//! - `channel_get.yml` · hand-written · GET /product-service/channel/ → 200 list · seed: channels (real shape reference §7.10)
//! - `channel_get_by_id.yml` · hand-written · GET /product-service/channel/1 → 200 `[one]` · seed: channel 1
//! - `product_category_get.yml` · hand-written · GET /product-service/brightpearl-category/ → 200 list · seed: categories (real shape `{id, name, parentId, active, createdOn, createdById, updatedOn, updatedBy}`, reference §7.10)
//! - `product_category_get_by_id.yml` · hand-written · GET /product-service/brightpearl-category/1 → 200 `[one]` · seed: category 1
//! - `product_type_get.yml` · hand-written · GET /product-service/product-type/ → 200 list · seed: product types
//! - `product_type_get_by_id.yml` · hand-written · GET /product-service/product-type/1 → 200 `[one]` · seed: product type 1
//!
//! ## Contacts
//! - `customer/get/simple_get.yml` · real · GET /contact-service/contact/151499 → 200 `[contact]` plus top-level `pagination` and `sorting` · seed: contact 151499 ("john" "Doe", addresses DEF/BIL 418692 and DEL 418693, PRI email test@gmail.com, PRI telephone +50685698589, price list 2, currency 2, nominal "0", credit term type 1, tag 9, organisation 151499, created 2025-02-21)
//! - `customer/get/multiple_get.yml` · real · GET /contact-service/contact/81011,151499 → 200 two contacts, pagination 1–2 (base64 body) · seed: contact 151499 as above and contact 81011 ("Víctor" "Vanegas", addresses 200917/200918, vicvans20@gmail.com, 123123123, created 2022-09-07)
//! - `customer/get/empty_not_found.yml` · real · GET /contact-service/contact/1 → 404 CMNC-404 "No Contact Found" · seed: no contact 1
//! - `customer/options/simple_options.yml` · real · OPTIONS /contact-service/contact/81011,151499 → 200 `{"getUris":["/contact/81011,151499"]}` · seed: contacts 81011 and 151499
//! - `customer/patch/simple_patch.yml` · real · PATCH /contact-service/contact/151499 replace /firstName and /lastName → 200 the contact as an object (not an array) · seed: contact 151499
//! - `customer/search/simple_search.yml` · real · GET /contact-service/contact-search?primaryEmail=foo@business.com → 200 two rows (72433, 72435), 21 columns, `reference:{}` · seed: contacts 72433 and 72435 (primary email foo@business.com, "TEST" "Factura Business", company "TEST COMPANY", customers, not suppliers or staff, created 2022-05-17, PRI phones "+506 2 812 1276" and "88888899") and no other contact with that email
//! - `customer/custom_field/get/simple_get.yml` · real · GET /contact-service/contact/151499/custom-field → 200 `{"PCF_CODAE":1234567890}` · seed: contact 151499 with customer custom field PCF_CODAE (a number) = 1234567890
//! - `customer/custom_field/patch/simple_patch.yml` · real · PATCH /contact-service/contact/151499/custom-field add /PCF_CODAE "1234567890" (a string) → 200 the map with the number 1234567890 · seed: contact 151499, customer custom-field metadata PCF_CODAE of a numeric type
//! - `contact_group_get.yml` · hand-written · GET /contact-service/contact-group/ → 200 list · seed: contact groups
//! - `contact_group_get_by_id.yml` · hand-written · GET /contact-service/contact-group/1 → 200 `[one]` · seed: contact group 1
//! - `contact_tag_get.yml` · hand-written · GET /contact-service/tag/ → 200 map keyed by tag id · seed: tags 16 and 23
//! - `contact_tag_get_by_id.yml` · hand-written · GET /contact-service/tag/16 → 200 map with one tag · seed: tag 16
//! - `lead_source_get.yml` · hand-written · GET /contact-service/lead-source/ → 200 list · seed: lead sources
//! - `lead_source_get_by_id.yml` · hand-written · GET /contact-service/lead-source/1 → 200 `[one]` · seed: lead source 1
//!
//! ## Accounting
//! - `customer_payment/post/receipt.yml` · real · POST /accounting-service/customer-payment (RECEIPT, method PUNTOS, order 1081505, CRC, 100.0) → 200 new payment id · seed: order 1081505 (SO in CRC), payment method PUNTOS, currency CRC (id 2 on that account)
//! - `customer_payment/search/simple_search.yml` · real · GET /accounting-service/customer-payment-search?orderId=1081505 → 200 one row (payment 935253, refs, PUNTOS, RECEIPT, currency 2 CRC, amountAuthorized "0.00", amountPaid "100.00", expires null, paymentDate, createdOn, journal 3113824), 14 columns, `reference:{}` · seed: order 1081505 and that payment with its journal
//! - `customer_payment/delete/success.yml` · real · DELETE /accounting-service/customer-payment/935253 → 200 `{}`; GET customer-payment-search?orderId=1081505 → 200 no rows, no firstResult/lastResult · seed: payment 935253, the only one on order 1081505
//! - `tax_code_get.yml` · real · GET /accounting-service/tax-code/ → 200 eleven codes, `rate` omitted when zero · seed: tax codes 1 Z Exempt, 2 T Taxable 10, 3 N Non Taxable, 4 VAT 13, 5 IVA 10, 6 IV2 2, 8 T13 13, 9 "13" 13, 10 I1, 11 I2 2, 12 I0
//! - `tax_code_get_by_id.yml` · real · GET /accounting-service/tax-code/1 → 200 `[{id 1, code Z, description Exempt}]` · seed: tax code 1
//! - `currency_search.yml` · hand-written · GET /accounting-service/currency-search → 200 search envelope · seed: currencies (columns per reference §6.5)
//! - `currency_search_by_code.yml` · hand-written · GET /accounting-service/currency-search?code=USD → 200 one row · seed: currency USD
//! - `exchange_rate_get.yml` · hand-written · GET /accounting-service/exchange-rate/ → 200 list · seed: exchange rates for currencies 2 and 3
//! - `exchange_rate_post.yml` · hand-written · POST /accounting-service/currency/2/exchange-rate `{rateActiveFrom, rate}` → 200 id · seed: currency 2
//! - `exchange_rate_put.yml` · hand-written · PUT /accounting-service/currency/2/exchange-rate `{rateActiveFrom, rate}` → 200 · seed: currency 2 with a rate
//! - `nominal_code_get.yml` · hand-written · GET /accounting-service/nominal-code/ → 200 list · seed: nominal codes
//! - `nominal_code_get_by_id.yml` · hand-written · GET /accounting-service/nominal-code/1001 → 200 `[one]` · seed: nominal code 1001
//! - `payment_method_get.yml` · hand-written · GET /accounting-service/payment-method/ → 200 list · seed: payment methods
//! - `payment_method_get_by_id.yml` · hand-written · GET /accounting-service/payment-method/1 → 200 `[one]` · seed: payment method 1
//!
//! ## Warehouses
//! - `warehouse_get.yml` · hand-written · GET /warehouse-service/warehouse/ → 200 list · seed: warehouses (real shape reference §7.8)
//! - `warehouse_get_by_id.yml` · hand-written · GET /warehouse-service/warehouse/1 → 200 `[one]` · seed: warehouse 1
//! - `shipping_method_get.yml` · hand-written · GET /warehouse-service/shipping-method/ → 200 list · seed: shipping methods (real shape reference §7.8)
//! - `shipping_method_get_by_id.yml` · hand-written · GET /warehouse-service/shipping-method/1 → 200 `[one]` · seed: shipping method 1
//!
//! ## Webhooks
//! - `webhook/post/create.yml` · real · POST /integration-service/webhook (goods-in-note.created, POST, JSON body template, idSetAccepted, QoS 1) → 200 new id; DELETE /integration-service/webhook/{id} → 200 `{}` · seed: nothing
//! - `webhook/post/error_invalid_params.yml` · real · POST /integration-service/webhook subscribing to "invalid-resource" → 400 INTC-064 "invalid-resource either does not exist or cannot be subscribed too" · seed: nothing
//! - `webhook/get/single.yml` · real · POST webhook → id; GET /integration-service/webhook/{id} → 200 `[{id, subscribeTo, httpMethod, uriTemplate, bodyTemplate, contentType, idSetAccepted, qualityOfService}]`; DELETE → 200 `{}` · seed: nothing
//! - `webhook/get/not_found.yml` · real · GET /integration-service/webhook/99999 → 404 CMNC-404 "No webhooks available in ID Set 99999" (Message-Type get-webhook) · seed: no webhook 99999
//! - `webhook/delete/success.yml` · real · POST webhook → id; DELETE /integration-service/webhook/{id} → 200 `{}` · seed: nothing
//! - `webhook/delete/not_found.yml` · real · DELETE /integration-service/webhook/99999 → 404 CMNC-404 "Cannot find webhook: 99999" (Message-Type delete-webhook) · seed: no webhook 99999

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;
#[path = "bp_fixtures/cassette.rs"]
mod cassette;
#[path = "bp_fixtures/replay.rs"]
mod replay;
#[path = "bp_fixtures/shape.rs"]
mod shape;

#[path = "bp_fixtures/cases_accounting.rs"]
mod cases_accounting;
#[path = "bp_fixtures/cases_auth.rs"]
mod cases_auth;
#[path = "bp_fixtures/cases_contacts.rs"]
mod cases_contacts;
#[path = "bp_fixtures/cases_goods_out.rs"]
mod cases_goods_out;
#[path = "bp_fixtures/cases_hand_written.rs"]
mod cases_hand_written;
#[path = "bp_fixtures/cases_orders.rs"]
mod cases_orders;
#[path = "bp_fixtures/cases_products.rs"]
mod cases_products;
#[path = "bp_fixtures/cases_webhooks.rs"]
mod cases_webhooks;

/// The source of every case file: a cassette has a case when its path appears in one as a
/// string literal.
const CASE_SOURCES: &[&str] = &[
    include_str!("bp_fixtures/cases_accounting.rs"),
    include_str!("bp_fixtures/cases_auth.rs"),
    include_str!("bp_fixtures/cases_contacts.rs"),
    include_str!("bp_fixtures/cases_goods_out.rs"),
    include_str!("bp_fixtures/cases_hand_written.rs"),
    include_str!("bp_fixtures/cases_orders.rs"),
    include_str!("bp_fixtures/cases_products.rs"),
    include_str!("bp_fixtures/cases_webhooks.rs"),
];

/// The cassettes the cases replay: every `"….yml"` literal in the case files.
fn with_cases() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for source in CASE_SOURCES {
        for piece in source.split('"').skip(1).step_by(2) {
            if piece.ends_with(".yml") && !piece.contains(' ') {
                found.insert(piece.to_string());
            }
        }
    }
    found
}

/// The cassettes this file's doc comment says the sandbox cannot honour (`//! * `path` …`).
fn not_honoured() -> BTreeSet<String> {
    include_str!("bp_cassettes.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//! * `"))
        .map(|rest| {
            rest.split_once('`')
                .expect("a closing backquote")
                .0
                .to_string()
        })
        .collect()
}

#[test]
fn every_cassette_has_a_case_or_a_reason_it_cannot_be_honoured() {
    let on_disk: BTreeSet<String> = cassette::all().into_iter().map(|(p, _)| p).collect();
    let cases = with_cases();
    let excused = not_honoured();
    let neither: Vec<_> = on_disk
        .iter()
        .filter(|p| !cases.contains(*p) && !excused.contains(*p))
        .collect();
    let both: Vec<_> = cases.intersection(&excused).collect();
    let unknown: Vec<_> = cases
        .union(&excused)
        .filter(|p| !on_disk.contains(*p))
        .collect();
    assert!(
        neither.is_empty() && both.is_empty() && unknown.is_empty(),
        "without a case or a reason: {neither:?}; with a case and listed as not honoured: {both:?}; no such cassette: {unknown:?}"
    );
}

use cassette::{Interaction, is_hand_written};
use serde_json::Value;
use std::collections::BTreeSet;

/// The cassettes named in this file's plan, with whether each line says hand-written.
fn planned() -> Vec<(String, bool)> {
    include_str!("bp_cassettes.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//! - `"))
        .map(|rest| {
            let (path, tail) = rest.split_once('`').expect("a closing backquote");
            let hand_written = tail.starts_with(" · hand-written · ");
            assert!(
                hand_written || tail.starts_with(" · real · "),
                "plan line for {path}: say `real` or `hand-written` after the name"
            );
            (path.to_string(), hand_written)
        })
        .collect()
}

#[test]
fn the_plan_names_every_cassette_once_and_labels_it_like_the_readme() {
    let on_disk: BTreeSet<String> = cassette::all().into_iter().map(|(p, _)| p).collect();
    let plan = planned();
    let named: BTreeSet<String> = plan.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(
        named.len(),
        plan.len(),
        "a cassette is named twice in the plan"
    );
    let missing: Vec<_> = on_disk.difference(&named).collect();
    let stale: Vec<_> = named.difference(&on_disk).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "plan out of date: not in the plan {missing:?}; no such cassette {stale:?}"
    );
    for (path, hand_written) in plan {
        assert_eq!(
            hand_written,
            is_hand_written(&path),
            "{path}: the plan and the README disagree on whether it is hand-written"
        );
    }
}

#[test]
fn hand_written_cassettes_carry_the_readme_signals_and_real_ones_do_not() {
    // README: a Date of exactly midnight, no Ruid, a throttle period of always 25000.
    for (path, interactions) in cassette::all() {
        for (n, i) in interactions.iter().enumerate() {
            let date = i.response_header("Date").unwrap_or("");
            let signals = date.ends_with(" 00:00:00 GMT")
                && i.response_header("Ruid").is_none()
                && i.next_throttle_period_ms() == Some(25000);
            assert_eq!(
                signals,
                is_hand_written(&path),
                "{path} #{}: Date {date:?}, Ruid {:?}, throttle period {:?}",
                n + 1,
                i.response_header("Ruid"),
                i.next_throttle_period_ms()
            );
        }
    }
}

/// Everything a case will rely on, for one interaction; the problems found.
fn understood(path: &str, i: &Interaction) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let real = !is_hand_written(path);
    need(
        ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(&i.method.as_str()),
        format!("method {}", i.method),
    );
    need(
        [
            "ws-use.brightpearl.com",
            "euw1.brightpearlconnect.com",
            "oauth.brightpearl.com",
        ]
        .contains(&i.host.as_str()),
        format!("host {}", i.host),
    );
    need(
        !i.account.is_empty() && !i.account.contains('/'),
        format!("account {:?}", i.account),
    );
    // The split is lossless: the URL comes back from its parts.
    let rebuilt = if i.is_oauth() {
        format!("https://{}{}", i.host, i.target())
    } else {
        format!("https://{}/public-api/{}{}", i.host, i.account, i.target())
    };
    need(rebuilt == i.url, format!("{} rebuilt as {rebuilt}", i.url));
    if i.is_oauth() {
        need(
            i.path == format!("/token/{}", i.account),
            format!("OAuth path {}", i.path),
        );
    } else {
        let service = i.path.split('/').nth(1).unwrap_or("");
        need(
            service.ends_with("-service"),
            format!("path {} does not start with a service", i.path),
        );
    }
    let parts = i.raw_query.split('&').filter(|p| !p.is_empty()).count();
    need(
        parts == i.query.len() && i.query.iter().all(|(k, _)| !k.is_empty()),
        format!("query {:?} → {:?}", i.raw_query, i.query),
    );

    // Requests: the OAuth-app headers on API calls, a typed body exactly on writes.
    if i.is_oauth() {
        need(
            i.request_header("Authorization").is_none(),
            "an OAuth token request with an Authorization header".into(),
        );
    } else {
        for name in [
            "Authorization",
            "brightpearl-app-ref",
            "brightpearl-dev-ref",
        ] {
            need(
                i.request_header(name).is_some(),
                format!("no request header {name}"),
            );
        }
    }
    let writes = ["POST", "PUT", "PATCH"].contains(&i.method.as_str());
    need(
        writes == i.request_body.is_some(),
        format!("{} with body {:?}", i.method, i.request_body),
    );
    if i.request_body.is_some() {
        need(
            i.request_json.is_some() != i.request_form.is_some(),
            format!(
                "body neither JSON nor form (Content-Type {:?})",
                i.request_header("content-type")
            ),
        );
        need(
            i.is_oauth() == i.request_form.is_some(),
            "a form body outside OAuth, or JSON to the token endpoint".into(),
        );
    }

    // Responses: status, headers, a JSON body in the right envelope.
    need(
        [200, 400, 401, 404, 500].contains(&i.status),
        format!("status {}", i.status),
    );
    need(
        i.response_header("content-type") == Some("application/json;charset=UTF-8"),
        format!("Content-Type {:?}", i.response_header("Content-Type")),
    );
    if i.is_oauth() {
        need(
            i.message_type().is_none() && i.requests_remaining().is_none(),
            "throttle or Message-Type headers on the OAuth host".into(),
        );
    } else {
        need(
            i.message_type().is_some_and(|m| !m.is_empty()),
            "no Message-Type".into(),
        );
        need(
            i.requests_remaining().is_some_and(|r| r <= 199),
            format!(
                "Brightpearl-Requests-Remaining {:?}",
                i.response_header("Brightpearl-Requests-Remaining")
            ),
        );
        need(
            i.next_throttle_period_ms().is_some_and(|p| p <= 60_000),
            format!(
                "Brightpearl-Next-Throttle-Period {:?}",
                i.response_header("Brightpearl-Next-Throttle-Period")
            ),
        );
        if real {
            let ruid = i.response_header("Ruid").unwrap_or("");
            need(
                uuid::Uuid::parse_str(ruid).is_ok(),
                format!("Ruid {ruid:?} is not a UUID"),
            );
            need(
                (i.status == 401)
                    == i.response_header("Brightpearl-Installed-Integration-Instance-Id")
                        .is_none(),
                "the installed-integration header on a 401, or missing elsewhere".into(),
            );
        }
    }
    // Content-Length, when recorded, proves the body decoded byte for byte. The OAuth bodies
    // had their tokens replaced and the hand-written ones invented it, so only real API calls.
    if let Some(length) = i.response_header("Content-Length")
        && real
        && !i.is_oauth()
    {
        need(
            length.parse::<usize>().ok() == Some(i.response_body.len()),
            format!(
                "Content-Length {length} but the body decoded to {} bytes",
                i.response_body.len()
            ),
        );
    }
    match &i.response_json {
        None => need(false, format!("body is not JSON: {}", i.response_body)),
        Some(body) => need(
            envelope_fits(i, body),
            format!("status {} with body {body}", i.status),
        ),
    }
    problems
}

/// Brightpearl's envelopes (reference §4.1, §2.3): `response` (searches add `reference`,
/// contact GETs `pagination` and `sorting`), `{}` for void writes, `errors` on failures, a
/// `response` string on 401s; OAuth answers with its own keys.
fn envelope_fits(i: &Interaction, body: &Value) -> bool {
    let Some(map) = body.as_object() else {
        return false;
    };
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    match (i.is_oauth(), i.status) {
        (true, 200) => map.contains_key("access_token") && map.contains_key("refresh_token"),
        (true, _) => map.get("error").is_some_and(Value::is_string),
        (false, 200) => {
            keys.is_empty()
                || (keys.first() == Some(&"response")
                    && keys[1..]
                        .iter()
                        .all(|k| ["reference", "pagination", "sorting"].contains(k)))
        }
        (false, 401) => keys == ["response"] && map["response"].is_string(),
        (false, _) => {
            keys == ["errors"]
                && map["errors"].as_array().is_some_and(|errors| {
                    !errors.is_empty()
                        && errors.iter().all(|e| {
                            e.get("code").is_some_and(Value::is_string)
                                && e.get("message").is_some_and(Value::is_string)
                        })
                })
        }
    }
}

#[test]
fn every_cassette_loads_and_every_interaction_is_understood() {
    let cassettes = cassette::all();
    assert!(
        cassettes.len() >= 100,
        "only {} cassettes found under {}",
        cassettes.len(),
        cassette::fixtures_dir().display()
    );
    let mut problems = Vec::new();
    let mut interactions = 0;
    for (path, recorded) in &cassettes {
        if recorded.is_empty() {
            problems.push(format!("{path}: no interactions"));
        }
        for (n, i) in recorded.iter().enumerate() {
            interactions += 1;
            problems.extend(
                understood(path, i)
                    .into_iter()
                    .map(|p| format!("{path} #{}: {p}", n + 1)),
            );
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in {interactions} interactions:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn folded_base64_and_non_ascii_bodies_decode_exactly() {
    // Folded single-quoted YAML: a line break inside a JSON string is one space.
    let order = &cassette::load("order_get_one.yml")[0];
    let body = order.response_json.as_ref().unwrap();
    let customer = &body["response"][0]["parties"]["customer"];
    assert_eq!(customer["addressFullName"], "Demo Customer");
    assert_eq!(customer["telephone"], "01245 845632");
    assert_eq!(
        body["response"][0]["orderRows"]["1"]["productName"],
        "Nice Shirt for Summer"
    );
    // `!binary` base64 bodies holding UTF-8.
    let contacts = &cassette::load("customer/get/multiple_get.yml")[0];
    assert!(
        contacts
            .response_body
            .starts_with("{\"response\":[{\"contactId\":81011")
    );
    assert_eq!(
        contacts.response_json.as_ref().unwrap()["response"][0]["firstName"],
        "Víctor"
    );
    let price_list = &cassette::load("price_list_get.yml")[0];
    assert_eq!(
        price_list.response_json.as_ref().unwrap()["response"][0]["currencySymbol"],
        "₡"
    );
    assert_eq!(price_list.response_header("content-length"), Some("208"));
    // A base64 body written VCR's other way (`base64_string`, preserve_exact_body_bytes).
    let yaml = "http_interactions:\n- request:\n    method: get\n    uri: https://euw1.brightpearlconnect.com/public-api/acme/product-service/brand/\n    body:\n      encoding: US-ASCII\n      string: ''\n    headers: {}\n  response:\n    status:\n      code: 200\n      message: OK\n    headers:\n      Content-Type:\n      - application/json;charset=UTF-8\n    body:\n      encoding: ASCII-8BIT\n      base64_string: |\n        eyJyZXNwb25zZSI6W119\n";
    let parsed = cassette::parse_cassette(yaml).unwrap();
    assert_eq!(parsed[0].response_body, "{\"response\":[]}");
    assert_eq!(parsed[0].request_body, None);
    assert_eq!(parsed[0].path, "/product-service/brand/");
}

#[test]
fn urls_split_into_host_account_path_and_decoded_query() {
    let search = &cassette::load("order_search.yml")[0];
    assert_eq!(
        (
            search.host.as_str(),
            search.account.as_str(),
            search.path.as_str()
        ),
        (
            "ws-use.brightpearl.com",
            "barulu",
            "/order-service/order-search"
        )
    );
    assert_eq!(
        search.query,
        [("customerRef".to_string(), "#0001".to_string())]
    );
    assert_eq!(
        search.target(),
        "/order-service/order-search?customerRef=%230001"
    );
    let products = &cassette::load("product_search.yml")[0];
    assert_eq!(
        products.query,
        [("productName".into(), "Test Product".into())]
    );
    let gon = &cassette::load("goods_out_note/get/by_gon_id.yml")[0];
    assert_eq!(gon.account, "unimart");
    assert_eq!(
        gon.path,
        "/warehouse-service/order/*/goods-note/goods-out/12447605"
    );
    let brand = &cassette::load("brand_get.yml")[0];
    assert_eq!(
        (brand.account.as_str(), brand.path.as_str()),
        ("<ACCOUNT>", "/product-service/brand/")
    );
    let token = &cassette::load("auth_request_token.yml")[0];
    assert!(token.is_oauth());
    assert_eq!(
        (
            token.host.as_str(),
            token.account.as_str(),
            token.path.as_str()
        ),
        ("oauth.brightpearl.com", "barulu", "/token/barulu")
    );
}

#[test]
fn request_bodies_parse_as_json_or_form() {
    let token = &cassette::load("auth_request_token.yml")[0];
    let form = token.request_form.as_ref().unwrap();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("grant_type"), Some("authorization_code"));
    assert_eq!(
        field("redirect_uri"),
        Some("https://example.test/brightpearl_oauth_redirect")
    );
    let refresh = &cassette::load("auth_use_refresh_token.yml")[0];
    assert!(
        refresh
            .request_form
            .as_ref()
            .unwrap()
            .iter()
            .all(|(k, _)| k != "client_secret")
    );
    // Duplicate keys: the last one wins, as Brightpearl read it (order 324 is a sales credit).
    let credit = &cassette::load("order_post_sc.yml")[0];
    assert!(
        credit
            .request_body
            .as_ref()
            .unwrap()
            .matches("orderTypeCode")
            .count()
            == 2
    );
    assert_eq!(credit.request_json.as_ref().unwrap()["orderTypeCode"], "SC");
    let patch = &cassette::load("order_row_patch.yml")[2];
    assert_eq!(patch.method, "PATCH");
    assert_eq!(
        patch.request_json.as_ref().unwrap()[0]["path"],
        "/rowValue/rowNet/value"
    );
}

#[test]
fn multi_step_cassettes_keep_their_order() {
    let steps = cassette::load("order_row_delete.yml");
    let calls: Vec<(&str, &str, u16)> = steps
        .iter()
        .map(|i| (i.method.as_str(), i.path.as_str(), i.status))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST", "/order-service/order", 200),
            ("POST", "/order-service/order/336/row", 200),
            ("DELETE", "/order-service/order/336/row/402", 200),
        ]
    );
    assert_eq!(steps[0].response_json.as_ref().unwrap()["response"], 336);
    assert_eq!(steps[2].response_body, "{}");
    assert_eq!(steps[1].requests_remaining(), Some(198));
}

#[test]
fn every_real_body_has_its_own_shape_and_the_comparator_sees_real_differences() {
    for (path, recorded) in cassette::all() {
        if is_hand_written(&path) {
            continue;
        }
        for (n, i) in recorded.iter().enumerate() {
            let body = i.response_json.as_ref().unwrap();
            shape::assert_same_shape(body, body, &format!("{path} #{}", n + 1));
        }
    }
    // Order 1 with and without includeOptional=customFields: exactly one key apart.
    let plain = cassette::load("order_get_one.yml")[0]
        .response_json
        .clone()
        .unwrap();
    let with_fields = cassette::load("order_get_one_with_custom_fields.yml")[0]
        .response_json
        .clone()
        .unwrap();
    assert_eq!(
        shape::differences(&plain, &with_fields, shape::KeyOrder::Checked),
        ["response[].customFields: not in the recording"]
    );
    assert_eq!(
        shape::differences(&with_fields, &plain, shape::KeyOrder::Checked),
        ["response[].customFields: missing"]
    );
    // A PO where an SO was recorded: the party is named differently.
    let po = cassette::load("order_get_one_po.yml")[0]
        .response_json
        .clone()
        .unwrap();
    let found = shape::differences(&plain, &po, shape::KeyOrder::Ignored);
    assert!(
        found
            .iter()
            .any(|d| d == "response[].parties.customer: missing"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|d| d == "response[].parties.supplier: not in the recording"),
        "{found:?}"
    );
    // One contact against the two-contact GET: same shape, values aside.
    let one = cassette::load("customer/get/simple_get.yml")[0]
        .response_json
        .clone()
        .unwrap();
    let two = cassette::load("customer/get/multiple_get.yml")[0]
        .response_json
        .clone()
        .unwrap();
    shape::assert_same_shape(&one, &two, "contact 151499 vs 81011,151499");
}

#[test]
fn the_replay_check_reports_every_kind_of_difference() {
    use reqwest::header::{HeaderMap, HeaderValue};
    let path = "webhook/get/not_found.yml";
    let recorded = &cassette::load(path)[0];
    // A faithful answer passes.
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    headers.insert("message-type", HeaderValue::from_static("get-webhook"));
    headers.insert("brightpearl-requests-remaining", HeaderValue::from(199));
    headers.insert("brightpearl-next-throttle-period", HeaderValue::from(60000));
    headers.insert(
        "brightpearl-installed-integration-instance-id",
        HeaderValue::from(13),
    );
    let good = bp_common::Answer {
        status: 404,
        headers: headers.clone(),
        body: recorded.response_json.clone().unwrap(),
    };
    assert_eq!(replay::check(path, recorded, &good), Vec::<String>::new());
    // Each departure is named.
    let mut bad_headers = headers;
    bad_headers.insert("message-type", HeaderValue::from_static("webhook-get"));
    bad_headers.insert("brightpearl-requests-remaining", HeaderValue::from(200));
    bad_headers.remove("brightpearl-next-throttle-period");
    bad_headers.remove("brightpearl-installed-integration-instance-id");
    bad_headers.insert("content-type", HeaderValue::from_static("application/json"));
    let bad = bp_common::Answer {
        status: 200,
        headers: bad_headers,
        body: serde_json::json!({"response": []}),
    };
    let found = replay::check(path, recorded, &bad).join("\n");
    for expected in [
        "status 200 where Brightpearl answered 404",
        "Content-Type Some(\"application/json\")",
        "Message-Type Some(\"webhook-get\") where Brightpearl sent Some(\"get-webhook\")",
        "Brightpearl-Requests-Remaining Some(200)",
        "Brightpearl-Next-Throttle-Period None",
        "no Brightpearl-Installed-Integration-Instance-Id header",
        "errors: missing",
        "response: not in the recording",
    ] {
        assert!(found.contains(expected), "{expected:?} not in:\n{found}");
    }
}

#[tokio::test]
async fn loading_refuses_bad_records_whole_and_moves_the_sequences_past_loaded_ids() {
    use reqwest::Method;
    let env = replay::Env::start().await;
    let load = |kind: &str, records: Value| {
        env.account.admin(
            Method::POST,
            "/load",
            Some(serde_json::json!({"kind": kind, "records": records})),
        )
    };
    let product = replay::recorded_response("product_get_one.yml", 0)[0].clone();
    // One bad record refuses the call, names the record and the GET shape, loads nothing.
    let refused = load(
        "product",
        serde_json::json!([product, {"id": "not a number"}]),
    )
    .await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    let message = refused.body["error"].as_str().unwrap();
    assert!(
        message.contains("record 1 is not a product")
            && message.contains("GET /product-service/product/{id}"),
        "{message}"
    );
    assert_eq!(
        env.account
            .get("/product-service/product/1007")
            .await
            .status,
        404
    );
    // Unknown kinds and id-less records without their ids are refused with what to send.
    let unknown = load("orders", serde_json::json!([])).await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body["error"]
            .as_str()
            .unwrap()
            .contains("use one of contact,")
    );
    let note = replay::recorded_response("goods_out_note/get/all_for_order.yml", 0);
    let listed = load("goods-out-note", serde_json::json!([note["12447605"]])).await;
    assert_eq!(listed.status, 400);
    assert!(
        listed.body["error"]
            .as_str()
            .unwrap()
            .contains("map of id → record"),
        "{:?}",
        listed.body
    );
    // A loaded record is served as loaded, and new ids follow it.
    env.load("product", serde_json::json!([product])).await;
    let served = env.account.get("/product-service/product/1007").await;
    assert_eq!(served.body["response"][0], product);
    let webhook = replay::recorded_response("webhook/get/single.yml", 1)[0].clone();
    env.load("webhook", serde_json::json!([webhook])).await;
    let created = env
        .account
        .create(
            "/integration-service/webhook",
            replay::recorded_request("webhook/get/single.yml", 0),
        )
        .await;
    assert_eq!(
        created, 123,
        "the recorded webhook is 122; the next id follows it"
    );
}
