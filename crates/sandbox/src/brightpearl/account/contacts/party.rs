//! The address block an order carries for each party (`parties.customer`, `.supplier`,
//! `.billing`, `.delivery`), built from a contact and one of its postal addresses. Key order
//! and omissions follow the recorded order GETs (order_get_one.yml, order_get_one_po.yml):
//! `contactId` only on the customer/supplier and billing parties; `country`, `countryIsoCode`
//! (2 letters here, unlike postal addresses) and `countryIsoCode3` only when the address has a
//! country (`countryId` 0 otherwise).

use super::Contacts;
use super::countries::{self, Country};
use super::model::{Contact, PostalAddress};
use serde::{Deserialize, Serialize};

/// Which of a contact's addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// `DEF`.
    Default,
    /// `BIL`, falling back to the default address.
    Billing,
    /// `DEL`, falling back to the default address.
    Delivery,
}

/// One party of an order in the order GET shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyAddress {
    /// The contact (customer, supplier and billing parties; not delivery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<u64>,
    /// The person's name.
    #[serde(default)]
    pub address_full_name: String,
    /// The company's name, `""` when none.
    #[serde(default)]
    pub company_name: String,
    /// Street.
    #[serde(default)]
    pub address_line1: String,
    /// Suburb.
    #[serde(default)]
    pub address_line2: String,
    /// City.
    #[serde(default)]
    pub address_line3: String,
    /// State / county.
    #[serde(default)]
    pub address_line4: String,
    /// Postal code.
    #[serde(default)]
    pub postal_code: String,
    /// The country's name (`United Kingdom`), when there is a country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Primary telephone.
    #[serde(default)]
    pub telephone: String,
    /// Mobile.
    #[serde(default)]
    pub mobile_telephone: String,
    /// Fax.
    #[serde(default)]
    pub fax: String,
    /// Primary email.
    #[serde(default)]
    pub email: String,
    /// Brightpearl's country id; 0 when none.
    #[serde(default)]
    pub country_id: u64,
    /// ISO alpha-2 (`GB`): in a party block `countryIsoCode` is the 2-letter code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_iso_code: Option<String>,
    /// ISO alpha-3 (`GBR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_iso_code3: Option<String>,
}

impl PartyAddress {
    /// Sets the country fields from `country` (or clears them).
    pub fn set_country(&mut self, country: Option<&Country>) {
        match country {
            Some(c) => {
                self.country = Some(c.name.to_string());
                self.country_id = c.id;
                self.country_iso_code = Some(c.iso2.to_string());
                self.country_iso_code3 = Some(c.iso3.to_string());
            }
            None => {
                self.country = None;
                self.country_id = 0;
                self.country_iso_code = None;
                self.country_iso_code3 = None;
            }
        }
    }

    /// The block for `contact` at `address` (either may be missing), without `contactId`.
    pub fn from_parts(
        contact: &Contact,
        company_name: &str,
        address: Option<&PostalAddress>,
    ) -> PartyAddress {
        let telephones = &contact.communication.telephones;
        let mut party = PartyAddress {
            contact_id: None,
            address_full_name: contact.full_name(),
            company_name: company_name.to_string(),
            telephone: telephones.primary.clone().unwrap_or_default(),
            mobile_telephone: telephones.mobile.clone().unwrap_or_default(),
            fax: telephones.fax.clone().unwrap_or_default(),
            email: contact.primary_email().to_string(),
            ..PartyAddress::default()
        };
        if let Some(address) = address {
            party.address_line1 = address.address_line1.clone();
            party.address_line2 = address.address_line2.clone();
            party.address_line3 = address.address_line3.clone();
            party.address_line4 = address.address_line4.clone();
            party.postal_code = address.postal_code.clone();
            party.set_country(countries::by_id(address.country_id));
        }
        party
    }
}

impl Contacts {
    /// The id of `contact_id`'s address of `kind` (billing and delivery fall back to default).
    pub fn address_id_of(&self, contact_id: u64, kind: AddressKind) -> Option<u64> {
        let ids = self.contacts.get(&contact_id)?.contact.post_address_ids;
        match kind {
            AddressKind::Default => ids.default,
            AddressKind::Billing => ids.billing.or(ids.default),
            AddressKind::Delivery => ids.delivery.or(ids.default),
        }
    }

    /// The name of `contact`'s company, `""` when it has none.
    pub fn company_name_of(&self, contact: &Contact) -> &str {
        self.companies
            .get(&contact.company_id)
            .map_or("", |c| c.name.as_str())
    }

    /// The party block an order shows for `contact_id` at its address of `kind`, with
    /// `contactId` set (drop it for the delivery party). `None` when there is no such contact.
    pub fn party(&self, contact_id: u64, kind: AddressKind) -> Option<PartyAddress> {
        let record = self.contacts.get(&contact_id)?;
        let address = self
            .address_id_of(contact_id, kind)
            .and_then(|id| self.addresses.get(&id));
        let mut party = PartyAddress::from_parts(
            &record.contact,
            self.company_name_of(&record.contact),
            address,
        );
        party.contact_id = Some(contact_id);
        Some(party)
    }
}
