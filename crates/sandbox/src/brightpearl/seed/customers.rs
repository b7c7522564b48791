//! The demo's contacts, made through the contact service's own operations: extra staff,
//! suppliers, retail customers typed in by people and web forms ([`super::people`]), trade
//! accounts with several buyers each, near-duplicates of existing customers (the same person
//! registered twice), and the edits customers make over time.

use super::names::{LAST_NAMES, STAFF, SUPPLIERS, TRADE_CUSTOMERS, UK_TOWNS, US_TOWNS};
use super::people::{self, Home, Name};
use super::{Clock, Context as _, DAY_MS};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::catalogue::{
    FOREIGN_PRICE_LIST, SECOND_CURRENCY_ID, TRADE_PRICE_LIST,
};
use crate::brightpearl::account::contacts::{
    self, OWN_COMPANY_ID, SALES_STAFF_ID, countries, set_group_members,
};
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::parse_patch;
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Map, Value as Json, json};

/// Countries whose customers buy from the UK store in pounds.
const POUND_COUNTRIES: &[&str] = &["GB", "IE", "DE", "NL", "FR", "NO"];

/// Contact-service patches as plain Rust.
fn patch(account: &mut Account, id: u64, ops: Json) -> Result<(), ApiError> {
    let ops = parse_patch(ops.to_string().as_bytes())?;
    contacts::patch_contact(account, id, &ops)
}

fn patch_custom_fields(account: &mut Account, id: u64, ops: Vec<Json>) -> Result<(), ApiError> {
    if ops.is_empty() {
        return Ok(());
    }
    let ops = parse_patch(Json::Array(ops).to_string().as_bytes())?;
    contacts::patch_custom_fields(account, id, &ops).map(|_| ())
}

/// The option id of `value` in the customer custom field `code` (a SELECT).
fn option_id(account: &Account, code: &str, value: &str) -> Option<u64> {
    let field = account
        .contacts
        .customer_fields
        .values()
        .find(|f| f.code == code)?;
    field
        .options
        .as_ref()?
        .0
        .iter()
        .find(|o| o.value == value)
        .map(|o| o.id)
}

/// Adds the staff of [`STAFF`] (each with an address copied from their warehouse).
pub(super) fn staff(account: &mut Account) -> anyhow::Result<()> {
    let domain = format!("{}.example.com", account.settings.code.to_lowercase());
    for (first, last, title, warehouse) in STAFF {
        let site = account.stock.addresses.get(warehouse).cloned();
        let address = match site {
            Some(site) => Some(
                contacts::create_postal_address(
                    account,
                    &json!({"addressLine1": site.address_line1, "addressLine2": site.address_line2,
                            "addressLine3": site.address_line3, "addressLine4": site.address_line4,
                            "postalCode": site.postal_code, "countryIsoCode": site.country_iso_code}),
                )
                .at(|| format!("address of staff {first} {last}"))?,
            ),
            None => None,
        };
        let mut body = json!({
            "firstName": first, "lastName": last,
            "communication": {"emails": {"PRI": {"email": format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase())}}},
            "relationshipToAccount": {"isStaff": true, "isSupplier": false},
            "organisation": {"organisationId": OWN_COMPANY_ID, "jobTitle": title},
        });
        if let Some(address) = address {
            body["postAddressIds"] = json!({"DEF": address});
        }
        contacts::create_contact(account, &body).at(|| format!("staff {first} {last}"))?;
    }
    Ok(())
}

/// Addresses of the suppliers, in [`SUPPLIERS`] order: (line 1, town, region, postcode).
const SUPPLIER_SITES: &[(&str, &str, &str, &str)] = &[
    (
        "Unit 1204, 88 Hing Fat Street",
        "Causeway Bay",
        "Hong Kong Island",
        "",
    ),
    ("Via dell'Industria 12", "Montebelluna", "TV", "31044"),
    ("2200 NW Industrial Pkwy", "Portland", "OR", "97210"),
    (
        "Tweedside Mill, Commercial Road",
        "Hawick",
        "Scottish Borders",
        "TD9 7AA",
    ),
    ("455 Gearhart Way", "Boulder", "CO", "80301"),
    ("88 Promotional Blvd", "Newark", "NJ", "07102"),
];

/// Adds the suppliers of [`SUPPLIERS`]; returns their ids in that order.
pub(super) fn suppliers<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
) -> anyhow::Result<Vec<u64>> {
    let mut ids = Vec::with_capacity(SUPPLIERS.len());
    for ((company, first, last, iso2, makes), (line1, town, region, postcode)) in
        SUPPLIERS.iter().zip(SUPPLIER_SITES)
    {
        let address = contacts::create_postal_address(
            account,
            &json!({"addressLine1": line1, "addressLine3": town, "addressLine4": region,
                    "postalCode": postcode, "countryIsoCode2": iso2}),
        )
        .at(|| format!("address of supplier {company}"))?;
        let slug = people::plain(company.split_whitespace().next().unwrap_or(company));
        let body = json!({
            "firstName": first, "lastName": last,
            "postAddressIds": {"DEF": address},
            "communication": {
                "emails": {"PRI": {"email": format!("orders@{slug}.example.com")}, "SEC": {"email": format!("{}@{slug}.example.com", people::plain(first))}},
                "websites": {"PRI": format!("https://www.{slug}.example.com")},
            },
            "relationshipToAccount": {"isSupplier": true, "isStaff": false},
            "organisation": {"name": company, "jobTitle": "Account Manager"},
            "financialDetails": {"creditTermDays": 60, "creditLimit": 50000},
            "tradeStatus": "TRADE",
        });
        let id = contacts::create_contact(account, &body).at(|| format!("supplier {company}"))?;
        patch_custom_fields(
            account,
            id,
            vec![
                json!({"op": "add", "path": "/PCF_LEADDAYS", "value": rng.random_range(7..=45)}),
                json!({"op": "add", "path": "/PCF_SUPPREF", "value": format!("{}-{}", people::plain(makes).to_uppercase(), rng.random_range(100..999))}),
                json!({"op": "add", "path": "/PCF_MINORDER", "value": rng.random_range(5..=50) * 100}),
            ],
        )
        .at(|| format!("custom fields of supplier {company}"))?;
        ids.push(id);
    }
    Ok(ids)
}

/// The contact body of a retail customer as a web form sends it.
fn retail_body<R: Rng + ?Sized>(
    rng: &mut R,
    name: &Name,
    home: Home,
    iso2: &str,
    address: Option<u64>,
) -> Json {
    let (first, last) = people::typed_name(rng, name);
    let mut body = json!({"firstName": first, "lastName": last});
    if rng.random_range(0..100) < 12 {
        body["salutation"] = json!(
            ["Mr", "Mrs", "Ms", "Dr", "Mx", "Miss"]
                .choose(rng)
                .copied()
                .unwrap_or("Mr")
        );
    }
    if let Some(address) = address {
        body["postAddressIds"] = json!({"DEF": address});
    }
    let mut communication = Map::new();
    if rng.random_range(0..100) >= 5 {
        communication.insert(
            "emails".into(),
            json!({"PRI": {"email": people::email(rng, name)}}),
        );
    }
    let (main, mobile) = people::phones(rng, home, iso2);
    let mut phones = Map::new();
    if let Some(main) = main {
        phones.insert("PRI".into(), json!(main));
    }
    if let Some(mobile) = mobile {
        phones.insert("MOB".into(), json!(mobile));
    }
    if !phones.is_empty() {
        communication.insert("telephones".into(), Json::Object(phones));
    }
    body["communication"] = Json::Object(communication);
    let newsletter = rng.random_range(0..100) < 45;
    body["marketingDetails"] = json!({"isReceiveEmailNewsletter": newsletter});
    // Tags are kept by hand, so they drift from the newsletter flag now and then.
    let mut tags = Vec::new();
    if newsletter != (rng.random_range(0..10) == 0) {
        tags.push("3");
    }
    if rng.random_range(0..100) < 3 {
        tags.push("1");
    }
    body["contactTags"] = json!(tags.join(","));
    if POUND_COUNTRIES.contains(&iso2) {
        body["financialDetails"] =
            json!({"priceListId": FOREIGN_PRICE_LIST, "currencyId": SECOND_CURRENCY_ID});
    }
    if rng.random_range(0..10) < 7 {
        body["assignment"] = json!({"current": {"leadSourceId": rng.random_range(1..=5)}});
    }
    if rng.random_range(0..100) < 7 {
        let last = LAST_NAMES.choose(rng).copied().unwrap_or("Smith");
        let kind = [
            "Architects",
            "Dental Practice",
            "& Co",
            "Design Studio",
            "Consulting",
            "Veterinary Clinic",
        ];
        body["organisation"] =
            json!({"name": format!("{last} {}", kind.choose(rng).copied().unwrap_or("& Co"))});
    }
    body
}

/// A new retail customer as a web sign-up makes one (most with an address, a few without).
/// Returns the contact id.
pub(crate) fn new_retail_customer<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
) -> Result<u64, ApiError> {
    let home = Home::pick(rng);
    let name = people::name(rng);
    let (address, iso2) = if rng.random_range(0..40) == 0 {
        (None, if home == Home::Uk { "GB" } else { "US" })
    } else {
        let (body, iso2) = people::address(rng, home);
        (
            Some(contacts::create_postal_address(
                account,
                &Json::Object(body),
            )?),
            iso2,
        )
    };
    let body = retail_body(rng, &name, home, iso2, address);
    let id = contacts::create_contact(account, &body)?;
    if address.is_some() && rng.random_range(0..100) < 6 {
        // Ships to work, or to family.
        let (other, _) = people::address(rng, home);
        let delivery = contacts::create_postal_address(account, &Json::Object(other))?;
        contacts::set_contact_addresses(
            account,
            id,
            &json!([{"postalAddressId": delivery, "type": "DEL"}]),
        )?;
    }
    let mut fields = Vec::new();
    if rng.random_range(0..100) < 35 {
        fields.push(json!({"op": "add", "path": "/PCF_LOYALTY", "value": format!("RL{:06}", rng.random_range(0..1_000_000))}));
    }
    if rng.random_range(0..100) < 20
        && let Some(option) = option_id(
            account,
            "PCF_SEGMENT",
            if rng.random_range(0..8) == 0 {
                "VIP"
            } else {
                "Retail"
            },
        )
    {
        fields.push(json!({"op": "add", "path": "/PCF_SEGMENT", "value": {"id": option}}));
    }
    if rng.random_range(0..100) < 8 {
        let birthday = format!(
            "19{}-{:02}-{:02}",
            rng.random_range(50..=99),
            rng.random_range(1..=12),
            rng.random_range(1..=28)
        );
        fields.push(json!({"op": "add", "path": "/PCF_BIRTHDAY", "value": birthday}));
    }
    patch_custom_fields(account, id, fields)?;
    Ok(id)
}

/// The same person registering again: names swapped or shortened, a slip in the email, the
/// phone typed differently, the same street. Returns the new contact id, `None` when
/// `original` is not a customer.
pub(crate) fn near_duplicate<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    original: u64,
) -> Result<Option<u64>, ApiError> {
    let Some(record) = account
        .contacts
        .contacts
        .get(&original)
        .filter(|r| r.is_customer)
    else {
        return Ok(None);
    };
    let contact = record.contact.clone();
    let address = contact
        .post_address_ids
        .default
        .and_then(|a| account.contacts.addresses.get(&a))
        .cloned();
    let (first, last) = (contact.first_name.clone(), contact.last_name.clone());
    let nickname = super::names::FIRST_NAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(first.trim()))
        .and_then(|(_, nick)| *nick);
    let (first, last) = match rng.random_range(0..4) {
        0 if !last.is_empty() => (last, first),
        1 if nickname.is_some() => (nickname.unwrap_or_default().to_string(), last),
        2 => (first.to_uppercase(), last.to_uppercase()),
        _ => (people::sloppy_caps(&first), people::sloppy_caps(&last)),
    };
    let mut body = json!({"firstName": first, "lastName": last});
    if let Some(address) = address {
        let copy = contacts::create_postal_address(
            account,
            &json!({"addressLine1": address.address_line1, "addressLine2": address.address_line2,
                    "addressLine3": address.address_line3, "addressLine4": address.address_line4,
                    "postalCode": address.postal_code, "countryId": address.country_id}),
        )?;
        body["postAddressIds"] = json!({"DEF": copy});
    }
    let mut communication = Map::new();
    let email = contact
        .communication
        .emails
        .primary
        .as_ref()
        .map(|e| e.email.clone());
    let email = match email {
        Some(email) => people::typo_email(rng, &email),
        None => people::email(
            rng,
            &Name {
                first: first.clone(),
                last: last.clone(),
            },
        ),
    };
    communication.insert("emails".into(), json!({"PRI": {"email": email}}));
    if let Some(phone) = &contact.communication.telephones.primary {
        // Typed again without the punctuation.
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        communication.insert("telephones".into(), json!({"PRI": digits}));
    }
    body["communication"] = Json::Object(communication);
    let d = &contact.financial_details;
    body["financialDetails"] = json!({"priceListId": d.price_list_id, "currencyId": d.currency_id});
    contacts::create_contact(account, &body).map(Some)
}

/// Adds the trade accounts of [`TRADE_CUSTOMERS`], one to four buyers each, created
/// between `from_ms` and `to_ms`. Returns their contact ids.
pub(super) fn trade_customers<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    clock: &Clock,
    from_ms: i64,
    to_ms: i64,
) -> anyhow::Result<Vec<u64>> {
    let mut ids = Vec::new();
    let step = (to_ms - from_ms) / TRADE_CUSTOMERS.len().max(1) as i64;
    let titles = ["Owner", "Buyer", "Store Manager", "Accounts Payable"];
    for (n, (company, market)) in TRADE_CUSTOMERS.iter().enumerate() {
        clock.set(account, from_ms + step * n as i64);
        let uk = *market == "UK";
        let (line3, line4, postcode, country) = if uk {
            let (town, county, postcode) = UK_TOWNS[rng.random_range(0..UK_TOWNS.len())];
            (town, county, postcode, "GBR")
        } else {
            let (city, state, _, zip, _) = US_TOWNS[rng.random_range(0..US_TOWNS.len())];
            (city, state, zip, "USA")
        };
        let line1 = format!(
            "{} {} Street",
            rng.random_range(1..900),
            super::names::STREETS.choose(rng).copied().unwrap_or("Main")
        );
        let slug = people::plain(
            company
                .split_whitespace()
                .take(2)
                .collect::<String>()
                .as_str(),
        );
        let phone = if uk {
            people::uk_phone(rng, false)
        } else {
            people::us_phone(rng)
        };
        let buyers = rng.random_range(1..=4);
        for b in 0..buyers {
            let name = people::name(rng);
            let address = contacts::create_postal_address(
                account,
                &json!({"addressLine1": line1, "addressLine3": line3, "addressLine4": line4,
                        "postalCode": postcode, "countryIsoCode": country}),
            )
            .at(|| format!("address of {company}"))?;
            let email = if b == 3 {
                format!("accounts@{slug}.example.com")
            } else {
                format!("{}@{slug}.example.com", people::plain(&name.first))
            };
            let financial = if uk {
                json!({"priceListId": FOREIGN_PRICE_LIST, "currencyId": SECOND_CURRENCY_ID, "discountPercentage": 30,
                       "creditLimit": rng.random_range(2..=10) * 1000, "creditTermDays": 30,
                       "taxNumber": format!("GB{}", rng.random_range(100_000_000u64..999_999_999))})
            } else {
                json!({"priceListId": TRADE_PRICE_LIST, "creditLimit": rng.random_range(3..=15) * 1000, "creditTermDays": 30})
            };
            let body = json!({
                "firstName": name.first, "lastName": name.last,
                "isPrimaryContact": b == 0,
                "postAddressIds": {"DEF": address},
                "communication": {"emails": {"PRI": {"email": email}}, "telephones": {"PRI": phone}},
                "organisation": {"name": company, "jobTitle": titles[b.min(3)]},
                "financialDetails": financial,
                "tradeStatus": "TRADE",
                "contactTags": "2",
                "assignment": {"current": {"staffOwnerContactId": SALES_STAFF_ID, "leadSourceId": 3}},
            });
            let id = contacts::create_contact(account, &body)
                .at(|| format!("trade buyer at {company}"))?;
            if let Some(option) = option_id(account, "PCF_SEGMENT", "Trade") {
                patch_custom_fields(
                    account,
                    id,
                    vec![json!({"op": "add", "path": "/PCF_SEGMENT", "value": {"id": option}})],
                )
                .at(|| format!("segment of {company}"))?;
            }
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Adds `count` retail customers created over the two years before `until_ms` (more of them
/// recently, as a growing shop signs up), then `duplicates` near-duplicates of some of them.
/// Returns the ids of the retail customers.
pub(super) fn retail_customers<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    clock: &Clock,
    count: usize,
    duplicates: usize,
    until_ms: i64,
) -> anyhow::Result<Vec<u64>> {
    let span = 730 * DAY_MS;
    let mut times: Vec<i64> = (0..count + duplicates)
        .map(|_| until_ms - (span as f64 * (1.0 - rng.random::<f64>().sqrt())) as i64)
        .collect();
    times.sort_unstable();
    let mut ids = Vec::with_capacity(count);
    let mut duplicated = 0;
    for (n, at) in times.into_iter().enumerate() {
        clock.set(account, at);
        // Duplicates come once there is someone to duplicate, spread through the list.
        if duplicated < duplicates
            && ids.len() > 50
            && n % ((count + duplicates) / duplicates.max(1)).max(2) == 0
        {
            let original = ids[rng.random_range(0..ids.len())];
            if near_duplicate(account, rng, original)
                .at(|| format!("near-duplicate of contact {original}"))?
                .is_some()
            {
                duplicated += 1;
                continue;
            }
        }
        let id = new_retail_customer(account, rng).at(|| format!("retail customer number {n}"))?;
        ids.push(id);
    }
    Ok(ids)
}

/// Puts customers into the standard contact groups: retail, wholesale (trade accounts) and
/// marketplace (customers who came through the marketplace lead source).
pub(super) fn groups(account: &mut Account, trade: &[u64]) -> anyhow::Result<()> {
    let mut retail = Vec::new();
    let mut marketplace = Vec::new();
    for (id, record) in &account.contacts.contacts {
        if !record.is_customer || trade.contains(id) {
            continue;
        }
        retail.push(*id);
        if record.contact.assignment.current.lead_source_id == Some(4) {
            marketplace.push(*id);
        }
    }
    set_group_members(account, 1, &retail).at(|| "retail customer group".to_string())?;
    set_group_members(account, 2, trade).at(|| "wholesale customer group".to_string())?;
    set_group_members(account, 3, &marketplace).at(|| "marketplace customer group".to_string())?;
    Ok(())
}

/// A word in proper case (`o'neil` → `O'neil`, `SMITH-JONES` → `Smith-jones`).
fn proper(text: &str) -> String {
    text.split(' ')
        .map(people::sloppy_caps)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A change a customer makes (or staff make for them): a new phone number or email, a tidied
/// name, a newsletter opt-in or -out, or a move to a new address. Returns what changed.
pub(crate) fn edit_customer<R: Rng + ?Sized>(
    account: &mut Account,
    rng: &mut R,
    id: u64,
) -> Result<Json, ApiError> {
    let Some(record) = account.contacts.contacts.get(&id) else {
        return Err(contacts::write::no_contact(id));
    };
    let contact = record.contact.clone();
    let iso2 = contact
        .post_address_ids
        .default
        .and_then(|a| account.contacts.addresses.get(&a))
        .and_then(|a| countries::by_id(a.country_id))
        .map_or("US", |c| c.iso2);
    let home = match iso2 {
        "US" => Home::Us,
        "GB" => Home::Uk,
        _ => Home::Abroad,
    };
    match rng.random_range(0..5) {
        0 => {
            let phone = match home {
                Home::Uk => {
                    let mobile = rng.random_range(0..2) == 0;
                    people::uk_phone(rng, mobile)
                }
                _ => people::us_phone(rng),
            };
            patch(
                account,
                id,
                json!([{"op": "add", "path": "/communication/telephones/PRI", "value": phone}]),
            )?;
            Ok(json!({"contactId": id, "changed": "telephone", "telephone": phone}))
        }
        1 => {
            let name = Name {
                first: contact.first_name.clone(),
                last: contact.last_name.clone(),
            };
            let email = people::email(rng, &name);
            patch(
                account,
                id,
                json!([{"op": "add", "path": "/communication/emails/PRI", "value": {"email": email}}]),
            )?;
            Ok(json!({"contactId": id, "changed": "email", "email": email}))
        }
        2 if !contact.first_name.is_empty() || !contact.last_name.is_empty() => {
            let (first, last) = (
                proper(contact.first_name.trim()),
                proper(contact.last_name.trim()),
            );
            let mut ops = Vec::new();
            if !first.is_empty() {
                ops.push(json!({"op": "replace", "path": "/firstName", "value": first}));
            }
            if !last.is_empty() {
                ops.push(json!({"op": "replace", "path": "/lastName", "value": last}));
            }
            patch(account, id, Json::Array(ops))?;
            Ok(json!({"contactId": id, "changed": "name", "firstName": first, "lastName": last}))
        }
        3 => {
            let subscribed = !contact.marketing_details.is_receive_email_newsletter;
            patch(
                account,
                id,
                json!([{"op": "replace", "path": "/marketingDetails/isReceiveEmailNewsletter", "value": subscribed}]),
            )?;
            Ok(json!({"contactId": id, "changed": "newsletter", "subscribed": subscribed}))
        }
        _ => {
            let (body, _) = people::address(rng, home);
            let address = contacts::create_postal_address(account, &Json::Object(body))?;
            contacts::set_contact_addresses(
                account,
                id,
                &json!([{"postalAddressId": address, "type": "DEF"}, {"postalAddressId": address, "type": "BIL"}, {"postalAddressId": address, "type": "DEL"}]),
            )?;
            Ok(json!({"contactId": id, "changed": "address", "postalAddressId": address}))
        }
    }
}
