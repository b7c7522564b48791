//! Seed data: a fresh org as every sandbox starts (its users and the standard price book), and
//! the demo data set, a small retail business selling apparel and footwear to shops and
//! wholesalers.
//!
//! The demo data goes in through real transactions as the admin user, so every rule the org
//! enforces applies to it and every record appears in the change log, exactly as if a data
//! loader had imported it. It is deterministic: the same names, codes and counts every time
//! ([`DEMO_COUNTS`]); only dates follow the calendar (they are relative to today).

mod catalogue;

use super::api::DataSet;
use super::auth::Auth;
use super::ids::SfId;
use super::org::{Actor, Org, Txn};
use super::schema::Schema;
use super::value::{self, Value};
use anyhow::{Context as _, anyhow};
use catalogue::{
    CASES, COLOURS, FIRST_NAMES, LAST_NAMES, METHODS, PRODUCT_LINES, SEASONS, SHOP_NAMES,
    SHOP_TOWNS, STAGES, STREETS, WHOLESALERS,
};
use serde_json::{Map, Value as Json, json};
use std::sync::Arc;

/// Live records per object after [`demo`], for tests and documentation.
pub const DEMO_COUNTS: &[(&str, usize)] = &[
    ("Account", 50),
    ("Contact", 100),
    ("Product2", 40),
    // The standard price book (seeded with every org) and Wholesale.
    ("Pricebook2", 2),
    // A standard and a Wholesale entry for every product.
    ("PricebookEntry", 80),
    ("Opportunity", 30),
    ("OpportunityLineItem", 60),
    ("Order", 8),
    ("OrderItem", 20),
    ("Case", 6),
    ("Payment__c", 5),
];

/// The login name of the user demo data is created by.
pub const ADMIN_USERNAME: &str = "admin@ferry.sandbox";

/// A new org as the sandbox starts one: the admin and integration users (with fresh
/// credentials), the standard price book, and the demo data when asked for.
///
/// Users are always the first records of an org, so their ids are the same in every org this
/// builds: an org reset through `/__sandbox/reset` keeps the ids its clients know.
pub fn fresh_org(schema: Arc<Schema>, data: DataSet) -> anyhow::Result<(Org, Auth)> {
    let mut org = Org::new(schema);
    let auth = Auth::new(&mut org);
    org.seed_standard_pricebook(auth.admin().user_id);
    org.seed_organization();
    if data == DataSet::Demo {
        demo(&mut org)?;
    }
    Ok((org, auth))
}

/// Adds the demo data set (see [`DEMO_COUNTS`]) to an org that has its users.
pub fn demo(org: &mut Org) -> anyhow::Result<()> {
    let admin = admin_user(org)?;
    let standard = org.seed_standard_pricebook(admin);
    let today = value::day_of(value::now_ms());
    let actor = Actor {
        user: admin,
        api: "rest",
        version: "67.0".to_string(),
        client: None,
    };

    // One transaction per object, as an import would run.
    let accounts = {
        let mut txn = org.begin(actor.clone());
        let ids = accounts(&mut txn)?;
        txn.commit();
        ids
    };
    {
        let mut txn = org.begin(actor.clone());
        contacts(&mut txn, &accounts)?;
        txn.commit();
    }
    let prices = {
        let mut txn = org.begin(actor.clone());
        let prices = products(&mut txn, standard)?;
        txn.commit();
        prices
    };
    {
        let mut txn = org.begin(actor.clone());
        opportunities(&mut txn, &accounts, &prices, today)?;
        txn.commit();
    }
    let orders = {
        let mut txn = org.begin(actor.clone());
        let orders = orders(&mut txn, &accounts, &prices, today)?;
        txn.commit();
        orders
    };
    {
        let mut txn = org.begin(actor);
        cases(&mut txn, &accounts, today)?;
        payments(&mut txn, &orders, today)?;
        txn.commit();
    }
    Ok(())
}

/// The admin user's id, from its User record.
fn admin_user(org: &Org) -> anyhow::Result<SfId> {
    let schema = org.schema();
    let users = schema
        .object("User")
        .ok_or_else(|| anyhow!("the schema has no User object; the demo data needs one"))?;
    let username = schema
        .def(users)
        .field("Username")
        .ok_or_else(|| anyhow!("the User object has no Username field"))?;
    org.find_by_field(users, username, &Value::text(ADMIN_USERNAME.to_string()))
        .first()
        .copied()
        .ok_or_else(|| {
            anyhow!("no user {ADMIN_USERNAME}; create the org's users before the demo data")
        })
}

/// Creates one record, naming it in the error when a rule refuses it.
fn create(txn: &mut Txn<'_>, object: &str, label: &str, fields: Json) -> anyhow::Result<SfId> {
    let index = txn
        .org()
        .schema()
        .object(object)
        .ok_or_else(|| anyhow!("the schema has no {object} object; the demo data needs it"))?;
    let fields: Map<String, Json> = match fields {
        Json::Object(map) => map,
        _ => Map::new(),
    };
    txn.create(index, &fields).map_err(|err| {
        anyhow!(
            "demo {object} {label:?} was refused: {} {}",
            err.code,
            err.message
        )
    })
}

fn date(days: i32) -> String {
    value::format_date(days)
}

/// Rounds to whole pennies.
fn money(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// An account in the demo data, as later records need it.
struct DemoAccount {
    id: SfId,
    name: String,
    /// Its people's e-mail domain.
    domain: String,
    wholesale: bool,
    /// Billing street, city and postcode: where its orders ship.
    address: (String, String, String),
}

fn accounts(txn: &mut Txn<'_>) -> anyhow::Result<Vec<DemoAccount>> {
    let mut made = Vec::with_capacity(SHOP_TOWNS.len() + WHOLESALERS.len());
    for (n, (town, county, postcode)) in SHOP_TOWNS.iter().enumerate() {
        let brand = SHOP_NAMES[n % SHOP_NAMES.len()];
        let name = format!("{brand} {town}");
        let domain = format!("{}.co.uk", slug(brand));
        let street = format!("{} {}", 2 + (n * 7) % 180, STREETS[n % STREETS.len()]);
        let fields = json!({
            "Name": name,
            "Type": "Customer - Direct",
            "Industry": "Retail",
            "ExternalID__c": format!("BP-C-{}", 1001 + n),
            "AccountNumber": format!("C{:05}", 1001 + n),
            "Phone": format!("01{:03} {:06}", 100 + n * 7, 200_000 + n * 1_337),
            "Website": format!("https://www.{domain}"),
            "NumberOfEmployees": 4 + (n * 3) % 20,
            "AnnualRevenue": 150_000 + (n as i64 * 37_500) % 900_000,
            "BillingStreet": street,
            "BillingCity": town,
            "BillingState": county,
            "BillingPostalCode": postcode,
            "BillingCountry": "United Kingdom",
            "ShippingStreet": street,
            "ShippingCity": town,
            "ShippingPostalCode": postcode,
            "ShippingCountry": "United Kingdom",
        });
        let id = create(txn, "Account", &name, fields)?;
        made.push(DemoAccount {
            id,
            name,
            domain,
            wholesale: false,
            address: (street, town.to_string(), postcode.to_string()),
        });
    }
    for (n, (name, city, postcode)) in WHOLESALERS.iter().enumerate() {
        let serial = 1001 + SHOP_TOWNS.len() + n;
        let domain = format!("{}.co.uk", slug(name));
        let street = format!("Unit {} {city} Business Park", 1 + n % 12);
        let fields = json!({
            "Name": name,
            "Type": "Customer - Channel",
            "Industry": "Apparel",
            "ExternalID__c": format!("BP-C-{serial}"),
            "AccountNumber": format!("W{serial:05}"),
            "Phone": format!("0{:03} {:03} {:04}", 113 + n * 11, 400 + n * 13, 1000 + n * 271),
            "Website": format!("https://www.{domain}"),
            "NumberOfEmployees": 25 + (n * 17) % 200,
            "AnnualRevenue": 2_000_000 + (n as i64 * 450_000) % 8_000_000,
            "Description": "Wholesale customer: trade prices from the Wholesale price book.",
            "BillingStreet": street,
            "BillingCity": city,
            "BillingPostalCode": postcode,
            "BillingCountry": "United Kingdom",
        });
        let id = create(txn, "Account", name, fields)?;
        made.push(DemoAccount {
            id,
            name: name.to_string(),
            domain,
            wholesale: true,
            address: (street, city.to_string(), postcode.to_string()),
        });
    }
    Ok(made)
}

/// `Bramble & Pine` → `bramblepine`.
fn slug(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Two people per account: the manager and a colleague.
fn contacts(txn: &mut Txn<'_>, accounts: &[DemoAccount]) -> anyhow::Result<()> {
    for (n, account) in accounts.iter().enumerate() {
        let titles: [&str; 2] = if account.wholesale {
            ["Purchasing Manager", "Accounts Payable"]
        } else {
            ["Store Manager", "Assistant Manager"]
        };
        for (k, title) in titles.iter().enumerate() {
            let i = n * 2 + k;
            let first = FIRST_NAMES[(i * 7) % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i * 11) % LAST_NAMES.len()];
            let fields = json!({
                "AccountId": account.id,
                "Salutation": if i % 2 == 0 { "Ms." } else { "Mr." },
                "FirstName": first,
                "LastName": last,
                "Title": title,
                "Email": format!("{}.{}@{}", first.to_lowercase(), last.to_lowercase(), account.domain),
                "Phone": format!("07{:03} {:06}", 700 + i % 300, 100_000 + i * 4_567),
                "LeadSource": if i % 3 == 0 { "Web" } else { "Partner Referral" },
            });
            create(txn, "Contact", &format!("{first} {last}"), fields)?;
        }
    }
    Ok(())
}

/// Share of the retail price wholesalers pay.
const WHOLESALE_SHARE: f64 = 0.55;

/// A product's price book entries.
struct Prices {
    standard: SfId,
    wholesale: SfId,
    retail_price: f64,
    wholesale_price: f64,
}

/// Products, their standard prices, and the Wholesale price book with an entry for each.
fn products(txn: &mut Txn<'_>, standard: SfId) -> anyhow::Result<(SfId, SfId, Vec<Prices>)> {
    let wholesale_book = create(
        txn,
        "Pricebook2",
        "Wholesale",
        json!({
            "Name": "Wholesale",
            "IsActive": true,
            "Description": "Trade prices for wholesale customers",
        }),
    )?;
    let mut prices = Vec::with_capacity(PRODUCT_LINES.len() * COLOURS.len());
    let mut n = 0usize;
    for (name, stem, family, price, unit) in PRODUCT_LINES {
        for (colour, code) in COLOURS {
            let sku = format!("{stem}-{code}");
            let product_name = format!("{name}, {colour}");
            // Some lines run out, so stock flows have zeros to show.
            let stock = if n % 9 == 4 { 0 } else { 6 + (n * 23) % 140 };
            let product = create(
                txn,
                "Product2",
                &product_name,
                json!({
                    "Name": product_name,
                    "ProductCode": sku,
                    "StockKeepingUnit": sku,
                    "ExternalID__c": format!("BP-P-{}", 5001 + n),
                    "Family": family,
                    "QuantityUnitOfMeasure": unit,
                    "IsActive": true,
                    "AvailableStock__c": stock,
                    "Description": format!("{name} in {}.", colour.to_lowercase()),
                }),
            )?;
            // The standard price first: Salesforce refuses other entries before it.
            let standard_entry = create(
                txn,
                "PricebookEntry",
                &format!("{sku} standard price"),
                json!({
                    "Pricebook2Id": standard,
                    "Product2Id": product,
                    "UnitPrice": price,
                    "IsActive": true,
                    "UseStandardPrice": false,
                }),
            )?;
            let wholesale_price = money(price * WHOLESALE_SHARE);
            let wholesale_entry = create(
                txn,
                "PricebookEntry",
                &format!("{sku} wholesale price"),
                json!({
                    "Pricebook2Id": wholesale_book,
                    "Product2Id": product,
                    "UnitPrice": wholesale_price,
                    "IsActive": true,
                    "UseStandardPrice": false,
                }),
            )?;
            prices.push(Prices {
                standard: standard_entry,
                wholesale: wholesale_entry,
                retail_price: price,
                wholesale_price,
            });
            n += 1;
        }
    }
    Ok((standard, wholesale_book, prices))
}

/// Thirty deals across every stage, each with one to three products from the customer's
/// price book (so `Amount` is the sum of its lines, as Salesforce keeps it); closed ones closed
/// in the past, open ones close ahead.
fn opportunities(
    txn: &mut Txn<'_>,
    accounts: &[DemoAccount],
    (_, _, prices): &(SfId, SfId, Vec<Prices>),
    today: i32,
) -> anyhow::Result<()> {
    for n in 0..30usize {
        let account = &accounts[(n * 3) % accounts.len()];
        let stage = STAGES[n % STAGES.len()];
        let closed = stage.starts_with("Closed");
        let close_date = if closed {
            today - 5 - (n as i32 * 3)
        } else {
            today + 10 + (n as i32 * 4)
        };
        let name = format!("{} - {}", account.name, SEASONS[n % SEASONS.len()]);
        let opportunity = create(
            txn,
            "Opportunity",
            &name,
            json!({
                "AccountId": account.id,
                "Name": name,
                "StageName": stage,
                "CloseDate": date(close_date),
                "Type": if n % 4 == 0 { "New Customer" } else { "Existing Customer - Upgrade" },
                "LeadSource": if n % 2 == 0 { "Partner Referral" } else { "Web" },
                "ExternalID__c": format!("BP-Q-{}", 3001 + n),
            }),
        )?;
        for k in 0..1 + n % 3 {
            let product = &prices[(n * 7 + k * 11) % prices.len()];
            let (entry, unit_price) = if account.wholesale {
                (product.wholesale, product.wholesale_price)
            } else {
                (product.standard, product.retail_price)
            };
            let quantity = if account.wholesale {
                48 + 24 * k
            } else {
                6 + 4 * k
            };
            create(
                txn,
                "OpportunityLineItem",
                &format!("line {} of {name}", k + 1),
                json!({
                    "OpportunityId": opportunity,
                    "PricebookEntryId": entry,
                    "Quantity": quantity,
                    "UnitPrice": unit_price,
                }),
            )?;
        }
    }
    Ok(())
}

/// A demo order, for the payments against it.
struct DemoOrder {
    id: SfId,
    account: SfId,
    total: f64,
    number: usize,
}

/// Eight orders with two or three lines each, priced from the customer's price book. The
/// first two are activated (their items added while Draft, then only `Status` changed), with
/// shipment tracking; the rest stay Draft.
fn orders(
    txn: &mut Txn<'_>,
    accounts: &[DemoAccount],
    (standard_book, wholesale_book, prices): &(SfId, SfId, Vec<Prices>),
    today: i32,
) -> anyhow::Result<Vec<DemoOrder>> {
    let mut made = Vec::new();
    for n in 0..8usize {
        // Alternate between a shop and a wholesaler.
        let account = if n % 2 == 0 {
            &accounts[n * 3]
        } else {
            &accounts[accounts.len() - 1 - n]
        };
        let book = if account.wholesale {
            wholesale_book
        } else {
            standard_book
        };
        let number = 7001 + n;
        let activated = n < 2;
        let mut fields = json!({
            "AccountId": account.id,
            "Pricebook2Id": book,
            "EffectiveDate": date(today - 14 + n as i32),
            "Status": "Draft",
            "Type": if account.wholesale { "Wholesale" } else if n % 4 == 0 { "Web" } else { "Retail" },
            "PoNumber": format!("PO-{}", 40_100 + n * 17),
            "ExternalID__c": format!("BP-O-{number}"),
            "Description": format!("Brightpearl sales order {number}"),
            "ShippingStreet": account.address.0,
            "ShippingCity": account.address.1,
            "ShippingPostalCode": account.address.2,
            "ShippingCountry": "United Kingdom",
        });
        if activated && let Json::Object(map) = &mut fields {
            map.insert(
                "TrackingNumber__c".into(),
                json!(format!("JD0002{:09}", 210_450_000 + n * 97)),
            );
            map.insert("Carrier__c".into(), json!("DPD"));
            map.insert("ShippedDate__c".into(), json!(date(today - 12 + n as i32)));
            map.insert("FulfillmentStatus__c".into(), json!("Shipped"));
        }
        let order = create(txn, "Order", &format!("BP-O-{number}"), fields)?;
        let lines = if n % 2 == 0 { 2 } else { 3 };
        let mut total = 0.0;
        for k in 0..lines {
            let product = &prices[(n * 5 + k * 7) % prices.len()];
            let (entry, unit_price) = if account.wholesale {
                (product.wholesale, product.wholesale_price)
            } else {
                (product.standard, product.retail_price)
            };
            let quantity = if account.wholesale {
                24 + 12 * k
            } else {
                2 + k
            };
            total += unit_price * quantity as f64;
            create(
                txn,
                "OrderItem",
                &format!("line {} of BP-O-{number}", k + 1),
                json!({
                    "OrderId": order,
                    "PricebookEntryId": entry,
                    "Quantity": quantity,
                    "UnitPrice": unit_price,
                }),
            )?;
        }
        if activated {
            let object = txn
                .org()
                .schema()
                .object("Order")
                .context("the schema has no Order object")?;
            let mut status = Map::new();
            status.insert("Status".into(), json!("Activated"));
            txn.update(object, order, &status).map_err(|err| {
                anyhow!(
                    "demo Order BP-O-{number} could not be activated: {} {}",
                    err.code,
                    err.message
                )
            })?;
        }
        made.push(DemoOrder {
            id: order,
            account: account.id,
            total: money(total),
            number,
        });
    }
    Ok(made)
}

fn cases(txn: &mut Txn<'_>, accounts: &[DemoAccount], today: i32) -> anyhow::Result<()> {
    let contact_object = txn
        .org()
        .schema()
        .object("Contact")
        .context("the schema has no Contact object")?;
    let account_field = txn
        .org()
        .schema()
        .def(contact_object)
        .field("AccountId")
        .context("Contact has no AccountId field")?;
    for (n, (subject, status, origin, priority, reason, kind)) in CASES.iter().enumerate() {
        let account = &accounts[(n * 7 + 1) % accounts.len()];
        let contact = txn
            .org()
            .children(contact_object, account_field, account.id)
            .first()
            .map(|record| record.id());
        create(
            txn,
            "Case",
            subject,
            json!({
                "AccountId": account.id,
                "ContactId": contact,
                "Subject": subject,
                "Description": format!("{subject}. Reported on {}.", date(today - 3 - n as i32)),
                "Status": status,
                "Origin": origin,
                "Priority": priority,
                "Reason": reason,
                "Type": kind,
                "ExternalID__c": format!("BP-T-{}", 9001 + n),
            }),
        )?;
    }
    Ok(())
}

/// A payment for each of the first five orders (the first one is still pending).
fn payments(txn: &mut Txn<'_>, orders: &[DemoOrder], today: i32) -> anyhow::Result<()> {
    for (n, order) in orders.iter().take(METHODS.len()).enumerate() {
        create(
            txn,
            "Payment__c",
            &format!("payment for BP-O-{}", order.number),
            json!({
                "Account__c": order.account,
                "Order__c": order.id,
                "Amount__c": order.total,
                "Currency__c": "GBP",
                "PaymentDate__c": date(today - 13 + n as i32),
                "Method__c": METHODS[n],
                "Status__c": if n == 4 { "Pending" } else { "Captured" },
                "Reference__c": format!("BP-RCPT-{}", 88_000 + n * 13),
                "ExternalID__c": format!("BP-PAY-{}", 6001 + n),
            }),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_passes_the_rules_and_has_the_documented_counts() {
        let schema = Arc::new(Schema::built_in().unwrap());
        let (org, _auth) = fresh_org(schema.clone(), DataSet::Demo).unwrap();
        for (object, expected) in DEMO_COUNTS {
            let index = schema.object(object).unwrap();
            assert_eq!(org.table(index).live_count(), *expected, "{object}");
        }
        assert!(org.standard_pricebook().is_some());
        let orders = schema.object("Order").unwrap();
        let status = schema.def(orders).field("StatusCode").unwrap();
        let activated = org
            .records(orders)
            .iter()
            .filter(|r| r.get(status).as_text() == Some("Activated"))
            .count();
        assert_eq!(activated, 2);
        // Every demo record went through a committed transaction.
        let total: usize = DEMO_COUNTS.iter().map(|(_, n)| n).sum::<usize>() - 1;
        assert!(org.changes.len() >= total, "{} changes", org.changes.len());
    }

    #[test]
    fn a_fresh_org_always_gives_its_users_the_same_ids() {
        let schema = Arc::new(Schema::built_in().unwrap());
        let (_, first) = fresh_org(schema.clone(), DataSet::Empty).unwrap();
        let (_, second) = fresh_org(schema, DataSet::Demo).unwrap();
        assert_eq!(first.admin().user_id, second.admin().user_id);
        assert_eq!(first.integration().user_id, second.integration().user_id);
    }
}
