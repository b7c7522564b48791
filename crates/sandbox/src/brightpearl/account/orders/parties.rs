//! The parties of a new order: the customer's (or supplier's) own, billing and delivery
//! addresses from the contact service, the account's own address for purchases, and the
//! address fields a request lays over them. Recorded (order_get_one_po.yml): a purchase's
//! delivery and billing parties are the account's own company and address, the billing party
//! carrying the supplier's contact id; a sale's come from the customer's addresses, only the
//! delivery party without `contactId`.

use super::create::NewOrder;
use super::input::{Fields, INVALID, invalid, name_of};
use super::model::{Parties, Party};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::contacts::{
    AddressKind, OWN_ADDRESS_ID, OWN_COMPANY_ID, countries,
};
use crate::brightpearl::api::ApiError;
use serde_json::{Map, Value as Json};

/// The parties block: the contact's addresses (or, for purchases, the account's own address
/// for delivery and billing), with any addresses the request gave laid over them.
pub(super) fn parties_for(account: &Account, input: &NewOrder) -> Result<Parties, ApiError> {
    let contacts = &account.contacts;
    let id = input.contact_id;
    let Some(mut main) = contacts.party(id, AddressKind::Default) else {
        return Err(invalid(format!("contact {id} does not exist")));
    };
    let (mut delivery, mut billing) = if input.order_type.is_purchase() {
        let own = own_party(account);
        let mut billing = own.clone();
        billing.contact_id = Some(id);
        (own, billing)
    } else {
        let mut delivery = contacts
            .party(id, AddressKind::Delivery)
            .unwrap_or_default();
        delivery.contact_id = None;
        let billing = contacts.party(id, AddressKind::Billing).unwrap_or_default();
        (delivery, billing)
    };
    if let Some(billing_id) = input.billing_contact_id.filter(|b| *b != id) {
        billing = contacts
            .party(billing_id, AddressKind::Billing)
            .ok_or_else(|| {
                invalid(format!(
                    "parties.billing.contactId {billing_id} is not a contact; use an existing contact id"
                ))
            })?;
    }
    if let Some(over) = &input.contact_address {
        let at = if input.order_type.is_purchase() {
            "parties.supplier"
        } else {
            "parties.customer"
        };
        overlay(&mut main, over, at)?;
    }
    if let Some(over) = &input.delivery_address {
        overlay(&mut delivery, over, "parties.delivery")?;
    }
    if let Some(over) = &input.billing_address {
        overlay(&mut billing, over, "parties.billing")?;
    }
    let (customer, supplier) = if input.order_type.is_purchase() {
        (None, Some(main))
    } else {
        (Some(main), None)
    };
    Ok(Parties {
        customer,
        supplier,
        delivery,
        billing,
    })
}

/// The account's own company at its own address (a purchase's delivery and billing party).
pub(super) fn own_party(account: &Account) -> Party {
    let contacts = &account.contacts;
    let company = contacts
        .companies
        .get(&OWN_COMPANY_ID)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let mut party = Party {
        address_full_name: company.clone(),
        company_name: company,
        ..Party::default()
    };
    if let Some(address) = contacts.addresses.get(&OWN_ADDRESS_ID) {
        party.address_line1 = address.address_line1.clone();
        party.address_line2 = address.address_line2.clone();
        party.address_line3 = address.address_line3.clone();
        party.address_line4 = address.address_line4.clone();
        party.postal_code = address.postal_code.clone();
        party.set_country(countries::by_id(address.country_id));
    }
    party
}

/// Lays the address fields of a request over `party`: text fields replace, a country given by
/// `countryIsoCode` (2 or 3 letters), `countryId` or `country` (a name) sets every country key.
pub(super) fn overlay(
    party: &mut Party,
    over: &Map<String, Json>,
    at: &str,
) -> Result<(), ApiError> {
    let fields = Fields { map: over, at };
    let text_fields: [(&str, &mut String); 11] = [
        ("addressFullName", &mut party.address_full_name),
        ("companyName", &mut party.company_name),
        ("addressLine1", &mut party.address_line1),
        ("addressLine2", &mut party.address_line2),
        ("addressLine3", &mut party.address_line3),
        ("addressLine4", &mut party.address_line4),
        ("postalCode", &mut party.postal_code),
        ("telephone", &mut party.telephone),
        ("mobileTelephone", &mut party.mobile_telephone),
        ("fax", &mut party.fax),
        ("email", &mut party.email),
    ];
    for (key, slot) in text_fields {
        if let Some(text) = fields.text(key)? {
            *slot = text;
        }
    }
    let country = if let Some(code) = fields.text("countryIsoCode")? {
        Some((
            countries::by_code_or_name(&code),
            name_of(at, "countryIsoCode"),
            code,
        ))
    } else if let Some(code) = fields.text("countryIsoCode3")? {
        Some((
            countries::by_iso3(&code),
            name_of(at, "countryIsoCode3"),
            code,
        ))
    } else if let Some(id) = fields.id("countryId")? {
        Some((
            countries::by_id(id),
            name_of(at, "countryId"),
            id.to_string(),
        ))
    } else {
        fields
            .text("country")?
            .map(|name| (countries::by_name(&name), name_of(at, "country"), name))
    };
    if let Some((found, field, sent)) = country {
        match found {
            Some(country) => party.set_country(Some(country)),
            None => {
                return Err(ApiError::bad_request(
                    INVALID,
                    format!(
                        "{field} {sent:?} is not a country the account knows; send an ISO 3166 code such as GBR or GB"
                    ),
                ));
            }
        }
    }
    Ok(())
}
