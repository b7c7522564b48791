//! The accounting service over a real socket: reference data (tax codes, currencies and
//! exchange rates, nominal codes, payment methods, accounting periods), customer and supplier
//! payments with every documented rule, the order's payment status following the payments,
//! journals and journal entries, and every search; shapes checked against the recordings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bp_common;
#[path = "bp_fixtures/cassette.rs"]
#[allow(dead_code)]
mod cassette;
#[path = "bp_fixtures/shape.rs"]
#[allow(dead_code)]
mod shape;

use bp_common::{Answer, TestAccount, start_empty};
use ferry_sandbox::brightpearl::account::accounting::{self, Accounting};
use ferry_sandbox::brightpearl::account::orders::{Order, PaymentStatus};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

/// Adds order `id` (`kind` SO/SC/PO/PC, in `currency`) with one row of net `net`, no tax, to
/// the sandbox's account, in the recorded GET shape; makes sure the standard accounting
/// configuration is there.
fn seed_order(t: &TestAccount, id: u64, kind: &str, currency: &str, net: &str) {
    let mut account = t.sandbox.state().account();
    if account.accounting.currencies.is_empty() {
        account.accounting = Accounting::standard(&account.settings);
    }
    let rate = account.accounting.rate_of(currency).unwrap();
    let order: Order = serde_json::from_value(json!({
        "id": id, "orderTypeCode": kind, "version": 1,
        "orderStatus": {"orderStatusId": 3, "name": "New phone order"},
        "orderPaymentStatus": "UNPAID",
        "createdOn": "2026-04-01T10:00:00.000-06:00",
        "currency": {"accountingCurrencyCode": "USD", "orderCurrencyCode": currency,
                     "exchangeRate": rate.to_string(), "fixedExchangeRate": false},
        "totalValue": {"net": net, "taxAmount": "0.00", "baseNet": net, "baseTaxAmount": "0.00",
                       "baseTotal": net, "total": net},
        "parties": {"customer": {"contactId": 200}, "supplier": {"contactId": 418}},
        "orderRows": {"1": {"orderRowSequence": "10", "productId": 1007, "productName": "Shirt",
                            "quantity": {"magnitude": "1.0000"},
                            "itemCost": {"currencyCode": currency, "value": "0.0000"},
                            "productPrice": {"currencyCode": currency, "value": net},
                            "rowValue": {"taxRate": "0.0000", "taxCode": "Z",
                                         "rowNet": {"currencyCode": currency, "value": net},
                                         "rowTax": {"currencyCode": currency, "value": "0.00"}},
                            "nominalCode": "4000"}},
        "warehouseId": 2,
    }))
    .unwrap();
    account.orders.orders.insert(id, order);
}

/// The standard configuration, for tests that only read it.
fn standard(t: &TestAccount) {
    let mut account = t.sandbox.state().account();
    if account.accounting.currencies.is_empty() {
        account.accounting = Accounting::standard(&account.settings);
    }
}

fn payment_status(t: &TestAccount, order: u64) -> PaymentStatus {
    t.sandbox
        .state()
        .account()
        .orders
        .get(order)
        .unwrap()
        .order_payment_status
}

fn error(answer: &Answer) -> String {
    format!(
        "{} {} {}",
        answer.status,
        answer.body["errors"][0]["code"].as_str().unwrap_or("?"),
        answer.body["errors"][0]["message"].as_str().unwrap_or("?")
    )
}

fn recorded(path: &str, n: usize) -> Json {
    cassette::load(path)[n].response_json.clone().unwrap()
}

#[tokio::test]
async fn tax_codes_answer_in_the_recorded_shape() {
    let t = start_empty().await;
    standard(&t);
    let all = t.get("/accounting-service/tax-code/").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.header("message-type"), Some("get-tax-code"));
    shape::assert_same_shape(&recorded("tax_code_get.yml", 0), &all.body, "tax-code/");
    let z = &all.body["response"][0];
    assert_eq!(
        *z,
        json!({"id": 1, "code": "Z", "description": "Exempt"}),
        "no rate when zero"
    );
    assert_eq!(all.body["response"][1]["rate"], json!(10.0));

    let one = t.get("/accounting-service/tax-code/1").await;
    shape::assert_same_shape(
        &recorded("tax_code_get_by_id.yml", 0),
        &one.body,
        "tax-code/1",
    );
    let some = t.get("/accounting-service/tax-code/2-4,99").await;
    assert_eq!(some.body["response"].as_array().unwrap().len(), 3);
    let none = t.get("/accounting-service/tax-code/99").await;
    assert_eq!(
        (none.status, none.body["errors"][0]["code"].as_str()),
        (404, Some("CMNC-404"))
    );
    assert_eq!(none.header("message-type"), Some("get-tax-code"));
    assert_eq!(t.get("/accounting-service/tax-code/4-1").await.status, 400);
}

#[tokio::test]
async fn currencies_and_exchange_rates() {
    let t = start_empty().await;
    standard(&t);
    // The hand-written cassettes give the URLs, statuses and message types.
    let search = t.get("/accounting-service/currency-search").await;
    assert_eq!(
        (search.status, search.header("message-type")),
        (200, Some("bulk-data-search"))
    );
    let columns: Vec<&str> = search.body["response"]["metaData"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "id",
            "title",
            "code",
            "symbol",
            "exchangeRate",
            "isDefault",
            "exchangeRateVarianceNominalCode"
        ]
    );
    assert_eq!(
        search.body["response"]["results"][0],
        json!([1, "US Dollar", "USD", "$", "1.000000", true, null])
    );
    assert_eq!(
        search.body["response"]["results"].as_array().unwrap().len(),
        4
    );
    let usd = t.get("/accounting-service/currency-search?code=USD").await;
    assert_eq!(usd.body["response"]["results"].as_array().unwrap().len(), 1);
    let bad = t
        .get("/accounting-service/currency-search?isDefault=perhaps")
        .await;
    assert_eq!(
        (bad.status, bad.body["errors"][0]["code"].as_str()),
        (500, Some("CMNC-018"))
    );

    let gbp = t.get("/accounting-service/currency/2").await;
    assert_eq!(gbp.body["response"][0]["code"], "GBP");

    let rates = t.get("/accounting-service/exchange-rate/").await;
    assert_eq!(
        (rates.status, rates.header("message-type")),
        (200, Some("get-exchange-rate"))
    );
    let first = &rates.body["response"][0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["currencyId", "rateActiveFrom", "rate", "addedById"]);
    assert!(first["rate"].is_number());

    let today = {
        let account = t.sandbox.state().account();
        account.now().text[..10].to_string()
    };
    let post = t
        .post(
            "/accounting-service/currency/2/exchange-rate",
            json!({"rateActiveFrom": today, "rate": 1.234567}),
        )
        .await;
    assert_eq!(
        (post.status, post.header("message-type")),
        (200, Some("post-exchange-rate"))
    );
    let rate_id = post.body["response"].as_u64().unwrap();
    let put = t
        .call(
            Method::PUT,
            "/accounting-service/currency/2/exchange-rate",
            Some(json!({"rateActiveFrom": today, "rate": 1.25})),
        )
        .await;
    assert_eq!(
        (put.status, put.header("message-type")),
        (200, Some("put-exchange-rate"))
    );
    assert_eq!(put.body["response"].as_u64(), Some(rate_id));
    let search = t.get("/accounting-service/currency-search?code=GBP").await;
    assert_eq!(search.body["response"]["results"][0][4], "1.250000");
    let base = t
        .post(
            "/accounting-service/currency/1/exchange-rate",
            json!({"rate": 2}),
        )
        .await;
    assert!(error(&base).contains("base currency"), "{}", error(&base));
    let unknown = t
        .post(
            "/accounting-service/currency/77/exchange-rate",
            json!({"rate": 2}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let not_json = t
        .request(Method::POST, "/accounting-service/currency/2/exchange-rate")
        .body("rate=2")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
}

#[tokio::test]
async fn nominal_codes_payment_methods_and_periods() {
    let t = start_empty().await;
    standard(&t);
    let codes = t.get("/accounting-service/nominal-code/").await;
    assert_eq!(
        (codes.status, codes.header("message-type")),
        (200, Some("get-nominal-code"))
    );
    let list = codes.body["response"].as_array().unwrap();
    for code in ["1000", "1001", "1100", "1200", "1201", "4000", "5000"] {
        assert!(list.iter().any(|n| n["code"] == code), "{code}");
    }
    let keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        &keys[..6],
        ["id", "code", "name", "type", "bank", "expense"]
    );
    let one = t.get("/accounting-service/nominal-code/1").await;
    assert_eq!(one.body["response"].as_array().unwrap().len(), 1);
    let banks = t
        .get("/accounting-service/nominal-code-search?bank=true")
        .await;
    let rows = banks.body["response"]["results"].as_array().unwrap();
    assert!(rows.len() >= 2 && rows.iter().all(|r| r[3] == true));

    let methods = t.get("/accounting-service/payment-method/").await;
    assert_eq!(methods.header("message-type"), Some("get-payment-method"));
    let codes: Vec<&str> = methods.body["response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    for code in ["CASH", "CARD", "PAYPAL", "BANK"] {
        assert!(codes.contains(&code), "{code}");
    }
    assert_eq!(
        t.get("/accounting-service/payment-method/1").await.body["response"][0]["id"],
        1
    );
    let card = t
        .get("/accounting-service/payment-method-search?code=card")
        .await;
    assert_eq!(card.body["response"]["results"][0][1], "CARD");

    let periods = t.get("/accounting-service/accounting-period").await;
    let first = &periods.body["response"][0];
    assert!(first["startDate"].is_string() && first["endDate"].is_string());
}

/// The recorded receipt, as sent (PUNTOS in CRC against order 1081505).
fn recorded_receipt() -> Json {
    cassette::load("customer_payment/post/receipt.yml")[0]
        .request_json
        .clone()
        .unwrap()
}

#[tokio::test]
async fn the_recorded_payment_cassettes_replay() {
    let t = start_empty().await;
    standard(&t);
    {
        let mut account = t.sandbox.state().account();
        accounting::create_currency(
            &mut account,
            "CRC",
            "Costa Rican Colon",
            "₡",
            Decimal::from(510),
        )
        .unwrap();
    }
    seed_order(&t, 1081505, "SO", "CRC", "1000.00");
    let method = t
        .post(
            "/accounting-service/payment-method",
            json!({"name": "Puntos", "code": "PUNTOS", "isActive": true,
               "bankAccounts": [{"currencyIsoCode": "CRC", "bankAccountNominalCode": "1200"}]}),
        )
        .await;
    assert_eq!(
        (method.status, method.header("message-type")),
        (200, Some("post-payment-method")),
        "{:?}",
        method.body
    );
    // receipt.yml: POST → {"response": id}.
    let post = t
        .post("/accounting-service/customer-payment", recorded_receipt())
        .await;
    assert_eq!(
        (post.status, post.header("message-type")),
        (200, Some("post-customer-payment"))
    );
    shape::assert_same_shape(
        &recorded("customer_payment/post/receipt.yml", 0),
        &post.body,
        "receipt",
    );
    let id = post.body["response"].as_u64().unwrap();

    // simple_search.yml: the payment's row, every column as recorded.
    let search = t
        .get("/accounting-service/customer-payment-search?orderId=1081505")
        .await;
    assert_eq!(search.header("message-type"), Some("bulk-data-search"));
    let expected = recorded("customer_payment/search/simple_search.yml", 0);
    shape::assert_same_shape(&expected, &search.body, "customer-payment-search");
    assert_eq!(
        search.body["response"]["metaData"], expected["response"]["metaData"],
        "columns and flags as recorded"
    );
    let row = &search.body["response"]["results"][0];
    assert_eq!(row[0].as_u64(), Some(id));
    let recorded_row = expected["response"]["results"][0].as_array().unwrap();
    assert_eq!(
        row.as_array().unwrap()[1..6],
        recorded_row[1..6],
        "refs, method, type, order"
    );
    assert_eq!(
        (row[7].as_str(), row[8].as_str(), row[9].as_str()),
        (Some("CRC"), Some("0.00"), Some("100.00"))
    );
    assert_eq!(row[10], Json::Null);
    assert_eq!(row[11], "2026-04-17T10:00:00.000-06:00");
    assert!(
        row[13].is_u64(),
        "PUNTOS exists, so a Sales Receipt journal was posted"
    );

    // success.yml: DELETE → {}, then the search is empty.
    let delete = t
        .call(
            Method::DELETE,
            &format!("/accounting-service/customer-payment/{id}"),
            None,
        )
        .await;
    assert_eq!(
        (delete.status, delete.header("message-type")),
        (200, Some("delete-customer-payment"))
    );
    assert_eq!(delete.body, json!({}));
    let empty = t
        .get("/accounting-service/customer-payment-search?orderId=1081505")
        .await;
    shape::assert_same_shape(
        &recorded("customer_payment/delete/success.yml", 1),
        &empty.body,
        "empty search",
    );
    assert_eq!(empty.body["response"]["metaData"].get("firstResult"), None);
    let again = t
        .call(
            Method::DELETE,
            &format!("/accounting-service/customer-payment/{id}"),
            None,
        )
        .await;
    assert_eq!(
        (again.status, again.header("message-type")),
        (404, Some("delete-customer-payment"))
    );
}

#[tokio::test]
async fn every_payment_rule_is_enforced_over_http() {
    let t = start_empty().await;
    seed_order(&t, 10, "SO", "USD", "100.00");
    seed_order(&t, 11, "PO", "USD", "100.00");
    let base = json!({"transactionRef": "REF-1", "transactionCode": "CODE-1", "paymentMethodCode": "CARD",
                      "paymentType": "RECEIPT", "orderId": 10, "currencyIsoCode": "USD", "amountPaid": 10});
    assert_eq!(
        t.post("/accounting-service/customer-payment", base.clone())
            .await
            .status,
        200
    );
    let refused = |patch: Json| {
        let mut body = base.clone();
        body["transactionRef"] = json!("REF-2");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (json!({"transactionRef": "REF-1"}), "unique"),
        (
            json!({"paymentMethodCode": "X".repeat(37)}),
            "maximum is 36",
        ),
        (json!({"transactionRef": "X".repeat(65)}), "maximum is 64"),
        (json!({"currencyIsoCode": "DOLLAR"}), "must be length 3"),
        (json!({"orderId": 4242}), "no such order"),
        (json!({"orderId": 11}), "supplier-payment"),
        (json!({"paymentType": "REFUND"}), "not valid here"),
        (
            json!({"paymentType": "AUTH", "authorizationExpiry": "2026-06-01"}),
            "amountAuthorized is required",
        ),
        (json!({"paymentType": "CAPTURE"}), "No AUTH"),
        (
            json!({"paymentMethodCode": null}),
            "paymentMethodCode is required",
        ),
    ];
    for (patch, expected) in cases {
        let answer = t
            .post(
                "/accounting-service/customer-payment",
                refused(patch.clone()),
            )
            .await;
        assert_eq!(answer.status, 400, "{patch}");
        assert!(
            error(&answer).contains(expected),
            "{patch}: {}",
            error(&answer)
        );
        assert_eq!(answer.header("message-type"), Some("post-customer-payment"));
    }
    let garbage = t
        .request(Method::POST, "/accounting-service/customer-payment")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    let count = t.get("/accounting-service/customer-payment-search").await;
    assert_eq!(
        count.body["response"]["metaData"]["resultsAvailable"], 1,
        "refusals record nothing"
    );
}

#[tokio::test]
async fn the_order_payment_status_follows_the_payments() {
    let t = start_empty().await;
    seed_order(&t, 20, "SO", "USD", "100.00");
    let pay = |reference: &str, kind: &str, amount: u32| {
        json!({"transactionRef": reference, "paymentMethodCode": "CARD", "paymentType": kind,
               "orderId": 20, "currencyIsoCode": "USD", "amountPaid": amount})
    };
    let first = t
        .create(
            "/accounting-service/customer-payment",
            pay("A", "RECEIPT", 40),
        )
        .await;
    assert_eq!(payment_status(&t, 20), PaymentStatus::PartiallyPaid);
    t.create(
        "/accounting-service/customer-payment",
        pay("B", "RECEIPT", 60),
    )
    .await;
    assert_eq!(payment_status(&t, 20), PaymentStatus::Paid);
    t.call(
        Method::DELETE,
        &format!("/accounting-service/customer-payment/{first}"),
        None,
    )
    .await;
    assert_eq!(payment_status(&t, 20), PaymentStatus::PartiallyPaid);
    t.create(
        "/accounting-service/customer-payment",
        pay("C", "PAYMENT", 60),
    )
    .await;
    assert_eq!(
        payment_status(&t, 20),
        PaymentStatus::Unpaid,
        "refunded in full"
    );
}

#[tokio::test]
async fn journals_follow_payments_and_entries() {
    let t = start_empty().await;
    seed_order(&t, 30, "SO", "USD", "100.00");
    let payment = t
        .create("/accounting-service/customer-payment", json!({"paymentMethodCode": "PAYPAL", "paymentType": "RECEIPT",
                 "orderId": 30, "currencyIsoCode": "USD", "amountPaid": "25.50", "journalRef": "paypal txn 9"}))
        .await;
    let search = t
        .get(&format!(
            "/accounting-service/customer-payment-search?paymentId={payment}"
        ))
        .await;
    let journal = search.body["response"]["results"][0][13].as_u64().unwrap();

    let get = t
        .get(&format!("/accounting-service/journal/{journal}"))
        .await;
    assert_eq!(
        (get.status, get.header("message-type")),
        (200, Some("get-journal"))
    );
    let j = &get.body["response"][0];
    assert_eq!(
        (j["journalTypeCode"].as_str(), j["orderId"].as_u64()),
        (Some("SR"), Some(30))
    );
    assert_eq!(j["debits"][0]["nominalCode"], "1202");
    assert_eq!(j["credits"][0]["transactionAmount"], "25.50");

    let lines = t
        .get(&format!(
            "/accounting-service/journal-search?journalId={journal}"
        ))
        .await;
    assert_eq!(lines.header("message-type"), Some("bulk-data-search"));
    let rows = lines.body["response"]["results"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "one row per journal line");
    let columns: Vec<&str> = lines.body["response"]["metaData"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns.len(), 24);
    assert_eq!((columns[0], columns[23]), ("journalId", "journalRowId"));
    let debit = rows.iter().find(|r| r[5] == "1202").unwrap();
    assert_eq!(
        (debit[7].as_str(), debit[8].as_str(), debit[9].as_str()),
        (Some("25.50"), Some("0.00"), Some("paypal txn 9"))
    );

    let entry = json!({"journalTypeCode": "JJ", "journalDate": "2026-03-31", "currencyId": 1, "description": "Bank charge",
                       "credits": [{"nominalCode": "1200", "transactionAmount": "2.00"}],
                       "debits": [{"nominalCode": "7900", "transactionAmount": "2.00"}]});
    let posted = t
        .post("/accounting-service/journal-entry/", entry.clone())
        .await;
    assert_eq!(
        (posted.status, posted.header("message-type")),
        (200, Some("post-journal-entry"))
    );
    let entry_id = posted.body["response"].as_u64().unwrap();
    assert!(entry_id > journal);
    let by_type = t
        .get("/accounting-service/journal-search?journalType=JJ&nominalCode=7900")
        .await;
    assert_eq!(
        by_type.body["response"]["results"][0][0].as_u64(),
        Some(entry_id)
    );
    let mut unbalanced = entry;
    unbalanced["debits"][0]["transactionAmount"] = json!("3.00");
    let refused = t
        .post("/accounting-service/journal-entry", unbalanced)
        .await;
    assert!(
        error(&refused).contains("does not balance"),
        "{}",
        error(&refused)
    );
    assert_eq!(
        t.get("/accounting-service/journal/999999").await.status,
        404
    );
    let too_many = t.get("/accounting-service/journal/1-201").await;
    assert!(
        error(&too_many).contains("at most 200"),
        "{}",
        error(&too_many)
    );
}

#[tokio::test]
async fn supplier_payments_pay_purchase_orders() {
    let t = start_empty().await;
    seed_order(&t, 40, "PO", "USD", "80.00");
    let body = json!({"transactionRef": "SUP-1", "paymentMethodCode": "BANK", "paymentType": "PAYMENT",
                      "orderId": 40, "currencyIsoCode": "USD", "amountPaid": 80});
    let post = t
        .post("/accounting-service/supplier-payment", body.clone())
        .await;
    assert_eq!(
        (post.status, post.header("message-type")),
        (200, Some("post-supplier-payment"))
    );
    assert_eq!(payment_status(&t, 40), PaymentStatus::Paid);
    let again = t.post("/accounting-service/supplier-payment", body).await;
    assert!(error(&again).contains("unique"), "{}", error(&again));
    let search = t
        .get("/accounting-service/supplier-payment-search?orderId=40")
        .await;
    let row = &search.body["response"]["results"][0];
    assert_eq!(
        (row[3].as_str(), row[7].as_str()),
        (Some("PAYMENT"), Some("80.00"))
    );
}
