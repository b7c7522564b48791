//! Unit tests of the accounting operations on an account built in memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::brightpearl::account::orders::Order;
use crate::brightpearl::api::ApiError;
use serde_json::{Value as Json, json};

/// An account with the standard accounting configuration and the clock frozen.
fn account() -> Account {
    let mut account = Account::new(Settings::default());
    account.accounting = Accounting::standard(&account.settings);
    account.frozen_now_ms = parse_time("2026-04-17T16:00:00Z");
    account
}

/// Adds order `id` of `kind` (SO, SC, PO, PC) in `currency` with total `total`.
fn add_order(account: &mut Account, id: u64, kind: &str, currency: &str, total: &str) {
    let order: Order = serde_json::from_value(json!({
        "id": id, "orderTypeCode": kind, "version": 1,
        "orderStatus": {"orderStatusId": 3},
        "createdOn": "2026-04-01T10:00:00.000-06:00",
        "currency": {"accountingCurrencyCode": "USD", "orderCurrencyCode": currency,
                     "exchangeRate": account.accounting.rate_of(currency).unwrap().to_string()},
        "totalValue": {"net": total, "taxAmount": "0", "baseNet": total, "baseTaxAmount": "0",
                       "baseTotal": total, "total": total},
        "parties": {"customer": {"contactId": 200}, "supplier": {"contactId": 418}},
    }))
    .unwrap();
    account.orders.orders.insert(id, order);
}

fn code(result: Result<u64, ApiError>) -> String {
    let error = result.unwrap_err();
    format!("{} {}", error.errors[0].code, error.errors[0].message)
}

#[test]
fn the_standard_account_has_currencies_tax_codes_and_a_chart() {
    let a = account();
    let base = a.accounting.base_currency().unwrap();
    assert_eq!(
        (base.id, base.code.as_str(), base.exchange_rate.0),
        (1, "USD", Decimal::ONE)
    );
    for code in ["GBP", "EUR", "CAD"] {
        let c = a.accounting.currency_by_code(code).unwrap();
        assert!(!c.is_default && c.exchange_rate.0 > Decimal::ZERO, "{code}");
        assert_eq!(
            a.accounting.rate_at(c.id, a.now_ms()),
            Some(c.exchange_rate.0)
        );
    }
    assert_eq!(a.accounting.tax_rate("T"), Some(Decimal::from(10)));
    assert_eq!(a.accounting.tax_rate("t"), Some(Decimal::from(10)));
    assert_eq!(a.accounting.tax_rate("Z"), Some(Decimal::ZERO));
    assert_eq!(a.accounting.tax_rate("VAT"), Some(Decimal::from(20)));
    // "13" is a code in the recorded account; "2" is no code, so it is the id of T.
    assert_eq!(a.accounting.tax_code_by_code_or_id("13").unwrap().id, 9);
    assert_eq!(a.accounting.tax_rate("2"), Some(Decimal::from(10)));
    assert_eq!(a.accounting.tax_rate("NOPE"), None);
    for code in ["1000", "1001", "1100", "1200", "1201", "4000", "5000"] {
        assert!(a.accounting.nominal_code(code).is_some(), "{code}");
    }
    for code in ["CASH", "CARD", "PAYPAL", "BANK"] {
        let method = a.accounting.payment_method_by_code(code).unwrap();
        assert!(method.bank_nominal_code("GBP").is_some(), "{code}");
    }
    assert!(a.accounting.period_at(a.now_ms()).is_some());

    // A GBP-based account re-bases every rate on the pound.
    let settings = Settings {
        base_currency: "GBP".into(),
        ..Settings::default()
    };
    let gbp = Accounting::standard(&settings);
    assert_eq!(gbp.base_currency().unwrap().code, "GBP");
    assert_eq!(gbp.rate_of("GBP"), Some(Decimal::ONE));
    assert!(gbp.rate_of("USD").unwrap() > Decimal::ONE);
}

#[test]
fn tax_codes_render_as_recorded_with_zero_rates_left_out() {
    let a = account();
    let z = serde_json::to_value(a.accounting.tax_code(1).unwrap()).unwrap();
    assert_eq!(z, json!({"id": 1, "code": "Z", "description": "Exempt"}));
    let t = serde_json::to_value(a.accounting.tax_code(2).unwrap()).unwrap();
    assert_eq!(
        t,
        json!({"id": 2, "code": "T", "description": "Taxable", "rate": 10.0})
    );
    // A recorded body loads back.
    let loaded: TaxCode = serde_json::from_value(
        json!({"id": 4, "code": "VAT", "description": "VAT", "rate": 13.0000}),
    )
    .unwrap();
    assert_eq!(loaded.rate, Decimal::from(13));
}

#[test]
fn exchange_rates_are_added_replaced_and_take_effect_from_their_date() {
    let mut a = account();
    let eur = a.accounting.currency_by_code("EUR").unwrap().id;
    let before = a.accounting.rate_of("EUR").unwrap();
    // A rate from next year does not change today's rate.
    let future = add_exchange_rate(
        &mut a,
        eur,
        &json!({"rateActiveFrom": "2027-01-01", "rate": 1.5}),
    )
    .unwrap();
    assert_eq!(a.accounting.rate_of("EUR"), Some(before));
    // One active from today does.
    let today = add_exchange_rate(
        &mut a,
        eur,
        &json!({"rateActiveFrom": "2026-04-17", "rate": "1.234567"}),
    )
    .unwrap();
    assert!(today > future);
    assert_eq!(a.accounting.rate_of("EUR"), Some(Decimal::new(1_234567, 6)));
    // PUT with the same date replaces it and answers its id.
    let again = set_exchange_rate(
        &mut a,
        eur,
        &json!({"rateActiveFrom": "2026-04-17", "rate": 1.25}),
    )
    .unwrap();
    assert_eq!(again, today);
    assert_eq!(a.accounting.rate_of("EUR"), Some(Decimal::new(125, 2)));
    let current = current_exchange_rates(&a.accounting, a.now_ms());
    assert_eq!(current.len(), 3, "one per currency but the base");
    assert!(
        current
            .iter()
            .any(|r| r.currency_id == eur && r.rate == Decimal::new(125, 2))
    );

    let refused = |a: &mut Account, id: u64, body: Json| code(add_exchange_rate(a, id, &body));
    assert!(refused(&mut a, 1, json!({"rate": 2})).contains("base currency"));
    assert!(refused(&mut a, 99, json!({"rate": 2})).starts_with("CMNC-404"));
    assert!(refused(&mut a, eur, json!({})).contains("rate is required"));
    assert!(refused(&mut a, eur, json!({"rate": 0})).contains("greater than 0"));
    assert!(
        refused(&mut a, eur, json!({"rate": 1, "rateActiveFrom": "soon"})).contains("not a date")
    );
}

#[test]
fn currencies_can_be_added_for_seeding() {
    let mut a = account();
    let crc = create_currency(&mut a, "crc", "Costa Rican Colon", "₡", Decimal::from(510)).unwrap();
    assert_eq!(a.accounting.currency_by_code("CRC").unwrap().id, crc);
    assert!(
        a.accounting
            .payment_method_by_code("CARD")
            .unwrap()
            .bank_accounts
            .iter()
            .any(|b| b.currency_iso_code == "CRC")
    );
    assert!(
        code(create_currency(&mut a, "CRC", "x", "x", Decimal::ONE)).contains("already exists")
    );
    assert!(code(create_currency(&mut a, "CR", "x", "x", Decimal::ONE)).contains("three letters"));
}

#[test]
fn journal_entries_balance_in_open_periods_on_active_codes() {
    let mut a = account();
    let body = json!({
        "journalTypeCode": "JJ", "journalDate": "2026-03-31", "currencyId": 3,
        "description": "Accrual",
        "credits": [{"nominalCode": "4000", "transactionAmount": "10.00"},
                    {"nominalCode": "4010", "transactionAmount": 5}],
        "debits": [{"nominalCode": "1200", "transactionAmount": "15.00", "taxCode": "T"}],
    });
    let id = create_journal_entry(&mut a, &body).unwrap();
    let journal = a.accounting.journals.get(&id).unwrap();
    assert_eq!(
        journal.exchange_rate.0,
        a.accounting.rate_of("EUR").unwrap()
    );
    let credits: Decimal = journal.credits.iter().map(|l| l.base_amount.0).sum();
    let debits: Decimal = journal.debits.iter().map(|l| l.base_amount.0).sum();
    assert_eq!(credits, debits, "balanced in the base currency too");
    assert_eq!(journal.debits[0].transaction_amount.0, Decimal::from(15));
    let rows: Vec<_> = journal_rows(&a.accounting).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].tax_code_id, Some(2));

    let refused = |a: &mut Account, patch: Json| {
        let mut body = body.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        code(create_journal_entry(a, &body))
    };
    assert!(refused(&mut a, json!({"journalTypeCode": "XX"})).contains("not a journal type"));
    assert!(
        refused(&mut a, json!({"journalTypeCode": null})).contains("journalTypeCode is required")
    );
    assert!(refused(&mut a, json!({"journalDate": "1999-01-01"})).contains("accounting period"));
    assert!(refused(&mut a, json!({"currencyId": 42})).contains("not a currency"));
    assert!(refused(&mut a, json!({"currencyId": 1, "exchangeRate": 2})).contains("must be 1"));
    assert!(
        refused(
            &mut a,
            json!({"debits": [{"nominalCode": "1200", "transactionAmount": 14}]})
        )
        .contains("does not balance")
    );
    assert!(
        refused(
            &mut a,
            json!({"debits": [{"nominalCode": "9999", "transactionAmount": 15}]})
        )
        .contains("chart of accounts")
    );
    assert!(refused(&mut a, json!({"debits": []})).contains("at least one"));
    assert_eq!(a.accounting.journals.len(), 1, "refusals change nothing");
}

fn receipt(order: u64, reference: &str, amount: f64) -> Json {
    json!({"transactionRef": reference, "transactionCode": reference, "paymentMethodCode": "CARD",
           "paymentType": "RECEIPT", "orderId": order, "currencyIsoCode": "USD",
           "amountPaid": amount, "paymentDate": "2026-04-17T10:00:00-06:00"})
}

#[test]
fn a_receipt_posts_a_sales_receipt_journal_and_counts_as_paid() {
    let mut a = account();
    add_order(&mut a, 10, "SO", "USD", "100.00");
    let id = create_customer_payment(&mut a, &receipt(10, "R-1", 40.0)).unwrap();
    let payment = a.accounting.customer_payments.get(&id).unwrap().clone();
    assert_eq!(
        (payment.currency_id, payment.amount_paid.0),
        (1, Decimal::from(40))
    );
    assert_eq!(payment.payment_date.text, "2026-04-17T10:00:00.000-06:00");
    let journal = a
        .accounting
        .journals
        .get(&payment.journal_id.unwrap())
        .unwrap();
    assert_eq!(journal.journal_type_code, "SR");
    assert_eq!(
        journal.debits[0].nominal_code, "1201",
        "the card method's bank"
    );
    assert_eq!(journal.credits[0].nominal_code, "1100", "debtors");
    assert_eq!((journal.order_id, journal.contact_id), (10, 200));
    let order = a.orders.get(10).unwrap().clone();
    assert_eq!(net_paid(&a, &order), Decimal::from(40));

    // A refund takes it back; an unknown method records the payment without a journal.
    let refund = json!({"paymentMethodCode": "SHOPIFY", "paymentType": "PAYMENT", "orderId": 10,
                        "currencyIsoCode": "USD", "amountPaid": "15"});
    let refund = create_customer_payment(&mut a, &refund).unwrap();
    assert_eq!(a.accounting.customer_payments[&refund].journal_id, None);
    assert_eq!(net_paid(&a, &order), Decimal::from(25));
    // Payments in another currency count at their rate.
    let gbp = a.accounting.rate_of("GBP").unwrap();
    let body = json!({"paymentMethodCode": "CASH", "paymentType": "RECEIPT", "orderId": 10,
                      "currencyIsoCode": "GBP", "amountPaid": (gbp * Decimal::from(10)).to_string()});
    create_customer_payment(&mut a, &body).unwrap();
    assert_eq!(net_paid(&a, &order), Decimal::from(35));

    delete_customer_payment(&mut a, id).unwrap();
    assert!(
        !a.accounting
            .journals
            .contains_key(&payment.journal_id.unwrap())
    );
    assert_eq!(net_paid(&a, &order), Decimal::from(-5));
    assert!(
        delete_customer_payment(&mut a, id).unwrap_err().errors[0]
            .message
            .contains(&id.to_string())
    );
}

#[test]
fn customer_payments_follow_the_documented_rules() {
    let mut a = account();
    add_order(&mut a, 10, "SO", "USD", "100.00");
    add_order(&mut a, 11, "PO", "USD", "100.00");
    create_customer_payment(&mut a, &receipt(10, "R-1", 1.0)).unwrap();
    let refused = |a: &mut Account, patch: Json| {
        let mut body = receipt(10, "R-2", 1.0);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        code(create_customer_payment(a, &body))
    };
    assert!(refused(&mut a, json!({"transactionRef": "R-1"})).starts_with("ACCC-013"));
    // The same reference with another method is a different pair.
    assert!(
        create_customer_payment(&mut a, &{
            let mut b = receipt(10, "R-1", 1.0);
            b["paymentMethodCode"] = json!("CASH");
            b
        })
        .is_ok()
    );
    assert!(
        refused(&mut a, json!({"paymentMethodCode": null}))
            .contains("paymentMethodCode is required")
    );
    assert!(
        refused(&mut a, json!({"paymentMethodCode": "M".repeat(37)})).contains("maximum is 36")
    );
    assert!(refused(&mut a, json!({"transactionRef": "R".repeat(65)})).contains("maximum is 64"));
    assert!(refused(&mut a, json!({"transactionCode": "C".repeat(65)})).contains("maximum is 64"));
    assert!(refused(&mut a, json!({"paymentType": "GIFT"})).contains("not valid here"));
    assert!(refused(&mut a, json!({"paymentType": null})).contains("paymentType is required"));
    assert!(refused(&mut a, json!({"orderId": null})).contains("orderId is required"));
    assert!(refused(&mut a, json!({"orderId": 999})).contains("no such order"));
    assert!(refused(&mut a, json!({"orderId": 11})).contains("supplier-payment"));
    assert!(refused(&mut a, json!({"currencyIsoCode": "US"})).contains("must be length 3"));
    assert!(
        refused(&mut a, json!({"currencyIsoCode": "XYZ"}))
            .contains("not a currency of this account")
    );
    assert!(refused(&mut a, json!({"exchangeRate": 0})).contains("greater than 0"));
    assert!(refused(&mut a, json!({"amountPaid": -1})).contains("must not be negative"));
    assert!(refused(&mut a, json!({"amountPaid": 0})).contains("greater than 0"));
    assert!(refused(&mut a, json!({"paymentDate": "tomorrow"})).contains("paymentDate"));
    assert!(code(create_customer_payment(&mut a, &json!([1]))).starts_with("CMNC-010"));
}

#[test]
fn auth_capture_and_void_follow_the_transaction_code() {
    let mut a = account();
    add_order(&mut a, 10, "SO", "USD", "100.00");
    let auth = |amount: Option<f64>, expiry: Option<&str>| {
        let mut body = json!({"transactionRef": "T-AUTH", "transactionCode": "T", "paymentMethodCode": "CARD",
                              "paymentType": "AUTH", "orderId": 10, "currencyIsoCode": "USD"});
        if let Some(amount) = amount {
            body["amountAuthorized"] = json!(amount);
        }
        if let Some(expiry) = expiry {
            body["authorizationExpiry"] = json!(expiry);
        }
        body
    };
    assert!(
        code(create_customer_payment(
            &mut a,
            &auth(None, Some("2026-05-01"))
        ))
        .contains("amountAuthorized is required")
    );
    assert!(
        code(create_customer_payment(&mut a, &auth(Some(100.0), None)))
            .contains("authorizationExpiry is required")
    );
    let auth_id =
        create_customer_payment(&mut a, &auth(Some(100.0), Some("2026-05-01T00:00:00Z"))).unwrap();
    let recorded = &a.accounting.customer_payments[&auth_id];
    assert_eq!(
        (
            recorded.amount_authorized.0,
            recorded.amount_paid.0,
            recorded.journal_id
        ),
        (Decimal::from(100), Decimal::ZERO, None)
    );
    assert!(recorded.expires.is_some());
    let order = a.orders.get(10).unwrap().clone();
    assert_eq!(
        net_paid(&a, &order),
        Decimal::ZERO,
        "an AUTH moves no money"
    );

    let capture = |reference: &str, code: &str, amount: f64| {
        json!({"transactionRef": reference, "transactionCode": code, "paymentMethodCode": "CARD",
               "paymentType": "CAPTURE", "orderId": 10, "currencyIsoCode": "USD", "amountPaid": amount})
    };
    assert!(
        code(create_customer_payment(
            &mut a,
            &capture("C0", "OTHER", 10.0)
        ))
        .contains("No AUTH")
    );
    create_customer_payment(&mut a, &capture("C1", "T", 60.0)).unwrap();
    assert!(
        code(create_customer_payment(&mut a, &capture("C2", "T", 50.0)))
            .contains("capture at most 40")
    );
    assert!(
        code(delete_customer_payment(&mut a, auth_id).map(|_| 0)).contains("delete those first")
    );
    let void = json!({"transactionRef": "V", "transactionCode": "T", "paymentMethodCode": "CARD",
                      "paymentType": "VOID", "orderId": 10, "currencyIsoCode": "USD", "amountAuthorized": 40});
    create_customer_payment(&mut a, &void).unwrap();
    assert!(
        code(create_customer_payment(&mut a, &capture("C3", "T", 1.0))).contains("already voided")
    );
    assert_eq!(net_paid(&a, &order), Decimal::from(60));
}

#[test]
fn supplier_payments_pay_purchases_with_a_purchase_payment_journal() {
    let mut a = account();
    add_order(&mut a, 11, "PO", "USD", "100.00");
    add_order(&mut a, 10, "SO", "USD", "100.00");
    let body = json!({"transactionRef": "P-1", "paymentMethodCode": "BANK", "paymentType": "PAYMENT",
                      "orderId": 11, "currencyIsoCode": "USD", "amountPaid": 100});
    let id = create_supplier_payment(&mut a, &body).unwrap();
    let payment = &a.accounting.supplier_payments[&id];
    let journal = &a.accounting.journals[&payment.journal_id.unwrap()];
    assert_eq!(journal.journal_type_code, "PP");
    assert_eq!(
        (
            journal.debits[0].nominal_code.as_str(),
            journal.credits[0].nominal_code.as_str()
        ),
        ("2100", "1200")
    );
    let order = a.orders.get(11).unwrap().clone();
    assert_eq!(net_paid(&a, &order), Decimal::from(100));
    assert!(code(create_supplier_payment(&mut a, &body)).starts_with("ACCC-013"));
    let mut wrong = body.clone();
    wrong["orderId"] = json!(10);
    wrong["transactionRef"] = json!("P-2");
    assert!(code(create_supplier_payment(&mut a, &wrong)).contains("customer-payment"));
    wrong["orderId"] = json!(11);
    wrong["paymentType"] = json!("AUTH");
    assert!(code(create_supplier_payment(&mut a, &wrong)).contains("not valid here"));
    // Customer and supplier payments share one id sequence.
    add_order(&mut a, 12, "SO", "USD", "1.00");
    let next = create_customer_payment(&mut a, &receipt(12, "R", 1.0)).unwrap();
    assert!(next > id);
}

#[test]
fn create_payment_pays_in_the_order_currency() {
    let mut a = account();
    add_order(&mut a, 10, "SO", "GBP", "50.00");
    let id = create_payment(&mut a, 10, "PAYPAL", Decimal::from(50), None).unwrap();
    let payment = &a.accounting.customer_payments[&id];
    assert_eq!(payment.currency_code, "GBP");
    assert_eq!(payment.payment_date.ms, a.now_ms());
    let order = a.orders.get(10).unwrap().clone();
    assert_eq!(net_paid(&a, &order), Decimal::from(50));
}
