//! Postal addresses: creating them (any country form a client sends), and attaching them to a
//! contact (`PUT /contact/{id}/postal-address`).

use super::countries::{self, Country};
use super::input::{Problems, code, known_keys, object, optional_id, short_text, text, whole};
use super::model::PostalAddress;
use super::write::no_contact;
use super::{ADDRESS_SEQUENCE, FIRST_ADDRESS_ID, fresh_id};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use serde_json::{Map, Value as Json};

/// `POST /contact-service/postal-address`: `{addressLine1 (required), addressLine2..4,
/// postalCode, countryIsoCode (3 or 2 letters) | countryIsoCode2 | countryId, contactId?}` →
/// the new address id.
pub fn create_postal_address(account: &mut Account, input: &Json) -> Result<u64, ApiError> {
    let body = object(input, "postal address")?;
    let mut problems = Problems::default();
    known_keys(
        body,
        &[
            "addressLine1",
            "addressLine2",
            "addressLine3",
            "addressLine4",
            "postalCode",
            "countryIsoCode",
            "countryIsoCode2",
            "countryId",
            "contactId",
        ],
        "",
        &mut problems,
    );
    let line = |key: &str, problems: &mut Problems| {
        short_text(body.get(key), key, 100, problems)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let address_line1 = line("addressLine1", &mut problems);
    if address_line1.is_empty() {
        problems.add(
            code::REQUIRED,
            "addressLine1 is required: give the street line of the address",
        );
    }
    let address_line2 = line("addressLine2", &mut problems);
    let address_line3 = line("addressLine3", &mut problems);
    let address_line4 = line("addressLine4", &mut problems);
    let postal_code = short_text(body.get("postalCode"), "postalCode", 20, &mut problems)
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let country = read_country(body, &mut problems);
    let contact_id = optional_id(body.get("contactId"), "contactId", &mut problems).flatten();
    if let Some(id) = contact_id
        && !account.contacts.contacts.contains_key(&id)
    {
        problems.add(
            code::NO_SUCH_RECORD,
            format!("contactId {id} is not a contact; leave it out and attach the address with PUT /contact-service/contact/{{id}}/postal-address"),
        );
    }
    problems.into_result()?;
    let id = fresh_id(account, ADDRESS_SEQUENCE, FIRST_ADDRESS_ID, |a, id| {
        a.contacts.addresses.contains_key(&id)
    });
    let mut address = PostalAddress {
        address_id: id,
        contact_id: contact_id.unwrap_or(0),
        address_line1,
        address_line2,
        address_line3,
        address_line4,
        postal_code,
        country_iso_code: None,
        country_iso_code2: None,
        country_id: 0,
    };
    set_address_country(&mut address, country);
    account.contacts.addresses.insert(id, address);
    Ok(id)
}

/// Sets an address's three country fields from `country` (or clears them).
pub fn set_address_country(address: &mut PostalAddress, country: Option<&Country>) {
    address.country_id = country.map_or(0, |c| c.id);
    address.country_iso_code = country.map(|c| c.iso3.to_string());
    address.country_iso_code2 = country.map(|c| c.iso2.to_string());
}

/// The country an address body names, by `countryIsoCode` (alpha-3 as documented, alpha-2 as
/// many clients send, or a name), `countryIsoCode2` or `countryId`; all given must agree.
fn read_country(body: &Map<String, Json>, problems: &mut Problems) -> Option<&'static Country> {
    let mut found: Vec<(&str, &'static Country)> = Vec::new();
    for key in ["countryIsoCode", "countryIsoCode2"] {
        let Some(code_text) = text(body.get(key), key, problems) else {
            continue;
        };
        if code_text.trim().is_empty() {
            continue;
        }
        match countries::by_code_or_name(&code_text) {
            Some(country) => found.push((key, country)),
            None => problems.add(
                code::BAD_COUNTRY,
                format!("{key} {code_text:?} is not a country Brightpearl knows; send an ISO 3166 code such as \"GBR\" or \"GB\""),
            ),
        }
    }
    if let Some(id) = whole(body.get("countryId"), "countryId", problems).filter(|id| *id != 0) {
        match countries::by_id(id) {
            Some(country) => found.push(("countryId", country)),
            None => problems.add(
                code::BAD_COUNTRY,
                format!("countryId {id} is not a country Brightpearl knows; send countryIsoCode (\"GBR\") instead"),
            ),
        }
    }
    let (first_key, first) = *found.first()?;
    for (key, other) in &found[1..] {
        if other.id != first.id {
            problems.add(
                code::BAD_COUNTRY,
                format!(
                    "{first_key} says {} but {key} says {}; send one country",
                    first.name, other.name
                ),
            );
        }
    }
    Some(first)
}

/// `PUT /contact-service/contact/{id}/postal-address`:
/// `[{"postalAddressId":220,"type":"DEL"},{"postalAddressId":221}]`. Each address becomes the
/// contact's; one with a `type` (DEF, BIL, DEL) fills that slot.
pub fn set_contact_addresses(account: &mut Account, id: u64, input: &Json) -> Result<(), ApiError> {
    let before = account
        .contacts
        .contacts
        .get(&id)
        .ok_or_else(|| no_contact(id))?
        .contact
        .clone();
    let Json::Array(items) = input else {
        return Err(ApiError::bad_request(
            "CMNC-010",
            "You must supply a JSON formatted body with your request: a list such as [{\"postalAddressId\":220,\"type\":\"DEL\"}]",
        ));
    };
    let mut problems = Problems::default();
    let mut contact = before.clone();
    let mut linked = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path = format!("[{index}]");
        let Some(entry) = item.as_object() else {
            problems.wrong_type(&path, "an object", item);
            continue;
        };
        known_keys(entry, &["postalAddressId", "type"], &path, &mut problems);
        let Some(address_id) = whole(
            entry.get("postalAddressId"),
            &format!("{path}.postalAddressId"),
            &mut problems,
        ) else {
            problems.add(
                code::REQUIRED,
                format!("{path}.postalAddressId is required"),
            );
            continue;
        };
        match account.contacts.addresses.get(&address_id) {
            None => problems.add(
                code::NO_SUCH_ADDRESS,
                format!("{path}.postalAddressId {address_id} does not exist; create it with POST /contact-service/postal-address"),
            ),
            Some(a) if a.contact_id != 0 && a.contact_id != id => problems.add(
                code::BAD_FIELD,
                format!("{path}: postal address {address_id} belongs to contact {}", a.contact_id),
            ),
            Some(_) => linked.push(address_id),
        }
        let kind =
            text(entry.get("type"), &format!("{path}.type"), &mut problems).unwrap_or_default();
        let slots = &mut contact.post_address_ids;
        match kind.trim().to_uppercase().as_str() {
            "" => {}
            "DEF" => slots.default = Some(address_id),
            "BIL" => slots.billing = Some(address_id),
            "DEL" => slots.delivery = Some(address_id),
            other => problems.add(
                code::BAD_FIELD,
                format!("{path}.type {other:?} is not an address type; use DEF, BIL or DEL"),
            ),
        }
    }
    problems.into_result()?;
    contact.updated_on = Some(account.now());
    for address_id in linked {
        if let Some(address) = account.contacts.addresses.get_mut(&address_id) {
            address.contact_id = id;
        }
    }
    if let Some(record) = account.contacts.contacts.get_mut(&id) {
        record.contact = contact;
    }
    Ok(())
}

/// Adds `address` as it stands, keeping its id.
pub fn insert_postal_address(account: &mut Account, address: PostalAddress) {
    let id = address.address_id;
    account.sequences.observe(ADDRESS_SEQUENCE, id);
    account.contacts.addresses.insert(id, address);
}
