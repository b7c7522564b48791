//! The contact service's data: contacts (customers, suppliers, staff), their postal addresses,
//! companies, tags, contact groups, lead sources and custom fields (values per contact, and
//! the customer / supplier field definitions).
//!
//! Contacts raise no webhook events (`contact.*` is not subscribable, reference §8.5); writes
//! stamp `updatedOn`, which clients poll through contact-search.
//!
//! Layout: `model` (the GET-shape records), `countries` (the country table, shared with order
//! parties), `party` (the address block an order carries for a contact), `input` and
//! `contact_body` (reading and checking request bodies), the operations the API, the demo data
//! and the activity simulator call — `write` (contacts), `addresses`, `lists` (companies, tags,
//! groups, lead sources), `custom_fields` —, `search` (the contact-search catalogue and rows),
//! and `standard` (what every account has).

pub mod addresses;
mod contact_body;
pub mod countries;
pub mod custom_fields;
mod input;
pub mod lists;
pub mod model;
pub mod party;
pub mod search;
mod standard;
pub mod write;

pub use addresses::{
    create_postal_address, insert_postal_address, set_address_country, set_contact_addresses,
};
pub use custom_fields::{CustomFieldKind, add_custom_field, patch_custom_fields};
pub use lists::{
    create_company, create_contact_group, create_lead_source, create_tag, create_tag_from,
    set_group_members, tag_contacts,
};
pub use model::{
    Assignment, Communication, Company, Contact, ContactGroup, ContactRecord, ContactStatus,
    CurrentAssignment, CurrentStatus, CustomFieldMeta, Email, Emails, FinancialDetails, LeadSource,
    MarketingDetails, MessagingVoips, Organisation, PostAddressIds, PostalAddress,
    RelationshipToAccount, SelectOption, SelectOptions, Tag, Telephones, Websites,
};
pub use party::{AddressKind, PartyAddress};
pub use standard::{OWN_ADDRESS_ID, OWN_COMPANY_ID};
pub use write::{create_contact, insert_contact, no_contact, note_order_placed, patch_contact};

use super::{Account, Sequences};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Id sequence of contacts (customers, suppliers and staff share it).
pub const CONTACT_SEQUENCE: &str = "contact";
/// The first contact id a new account hands out (the recorded demo customer is 200).
pub const FIRST_CONTACT_ID: u64 = 200;
/// Id sequence of postal addresses.
pub const ADDRESS_SEQUENCE: &str = "postal-address";
/// The first postal-address id a new account hands out.
pub const FIRST_ADDRESS_ID: u64 = 100;
/// Id sequence of companies.
pub const COMPANY_SEQUENCE: &str = "company";
/// Id sequence of tags.
pub const TAG_SEQUENCE: &str = "contact-tag";
/// Id sequence of contact groups.
pub const GROUP_SEQUENCE: &str = "contact-group";
/// Id sequence of lead sources.
pub const LEAD_SOURCE_SEQUENCE: &str = "lead-source";
/// Id sequence of contact custom-field definitions (customer and supplier share it).
pub const CUSTOM_FIELD_SEQUENCE: &str = "contact-custom-field";
/// Id sequence of SELECT options of contact custom fields.
pub const CUSTOM_FIELD_OPTION_SEQUENCE: &str = "contact-custom-field-option";

/// The staff contact id the API acts as by default (`Settings::api_staff_id`).
pub const OWNER_STAFF_ID: u64 = 4;
/// The staff contact who runs the warehouse (picks, packs and ships in the demo).
pub const WAREHOUSE_STAFF_ID: u64 = 203;
/// The staff contact who handles sales (owns customers and orders in the demo).
pub const SALES_STAFF_ID: u64 = 206;

/// The price list a new customer gets when none is given: 2, the first SELL list of a new
/// Brightpearl account (1 is the cost list; both recorded customers have 2). INFERRED.
pub const DEFAULT_CUSTOMER_PRICE_LIST_ID: u64 = 2;
/// The price list a new supplier gets: 1, the cost (BUY) list. INFERRED.
pub const DEFAULT_SUPPLIER_PRICE_LIST_ID: u64 = 1;
/// The currency a new contact gets: 1, the account's base currency. INFERRED.
pub const DEFAULT_CURRENCY_ID: u64 = 1;

/// Everything the contact service holds.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contacts {
    /// Contacts by id.
    pub contacts: BTreeMap<u64, ContactRecord>,
    /// Postal addresses by id.
    pub addresses: BTreeMap<u64, PostalAddress>,
    /// Companies by id.
    pub companies: BTreeMap<u64, Company>,
    /// Tags by id.
    pub tags: BTreeMap<u64, Tag>,
    /// Contact groups by id.
    pub groups: BTreeMap<u64, ContactGroup>,
    /// Members of each contact group (group id → contact ids).
    pub group_members: BTreeMap<u64, BTreeSet<u64>>,
    /// Lead sources by id.
    pub lead_sources: BTreeMap<u64, LeadSource>,
    /// Custom fields of customer contacts, by id.
    pub customer_fields: BTreeMap<u64, CustomFieldMeta>,
    /// Custom fields of supplier contacts, by id.
    pub supplier_fields: BTreeMap<u64, CustomFieldMeta>,
}

impl Contacts {
    /// The contact `id` in its GET shape.
    pub fn contact(&self, id: u64) -> Option<&Contact> {
        self.contacts.get(&id).map(|r| &r.contact)
    }

    /// Whether `id` is a staff contact (owners of records, goods-out event owners).
    pub fn is_staff(&self, id: u64) -> bool {
        self.contact(id)
            .is_some_and(|c| c.relationship_to_account.is_staff)
    }

    /// Whether `id` is a supplier (a purchase order's `parties.supplier`).
    pub fn is_supplier(&self, id: u64) -> bool {
        self.contact(id)
            .is_some_and(|c| c.relationship_to_account.is_supplier)
    }

    /// Whether `id` is a customer (a sales order's `parties.customer`).
    pub fn is_customer(&self, id: u64) -> bool {
        self.contacts.get(&id).is_some_and(|r| r.is_customer)
    }

    /// Ids of the staff contacts, ascending.
    pub fn staff_ids(&self) -> Vec<u64> {
        self.contacts
            .iter()
            .filter(|(_, r)| r.contact.relationship_to_account.is_staff)
            .map(|(id, _)| *id)
            .collect()
    }

    /// The company called `name` (ignoring case and surrounding space).
    pub fn company_named(&self, name: &str) -> Option<&Company> {
        let name = name.trim().to_lowercase();
        self.companies
            .values()
            .find(|c| c.name.trim().to_lowercase() == name)
    }

    /// Records in `sequences` every id in use, so new ids follow loaded ones.
    pub fn observe_sequences(&self, sequences: &mut Sequences) {
        let last = |ids: Option<&u64>| ids.copied().unwrap_or(0);
        sequences.observe(CONTACT_SEQUENCE, last(self.contacts.keys().next_back()));
        sequences.observe(ADDRESS_SEQUENCE, last(self.addresses.keys().next_back()));
        sequences.observe(COMPANY_SEQUENCE, last(self.companies.keys().next_back()));
        sequences.observe(TAG_SEQUENCE, last(self.tags.keys().next_back()));
        sequences.observe(GROUP_SEQUENCE, last(self.groups.keys().next_back()));
        sequences.observe(
            LEAD_SOURCE_SEQUENCE,
            last(self.lead_sources.keys().next_back()),
        );
        let field_ids = self
            .customer_fields
            .keys()
            .chain(self.supplier_fields.keys());
        sequences.observe(CUSTOM_FIELD_SEQUENCE, field_ids.max().copied().unwrap_or(0));
        let option_ids = (self.customer_fields.values())
            .chain(self.supplier_fields.values())
            .filter_map(|f| f.options.as_ref())
            .flat_map(|o| o.0.iter().map(|o| o.id));
        sequences.observe(CUSTOM_FIELD_OPTION_SEQUENCE, option_ids.max().unwrap_or(0));
    }
}

/// The next id of `sequence` that `taken` does not already hold. Ids of the standard records
/// and of loaded ones are skipped even when the account's sequences were never told of them
/// (`Contacts::observe_sequences`), so a write can never overwrite a record.
pub(crate) fn fresh_id(
    account: &mut Account,
    sequence: &str,
    first: u64,
    taken: impl Fn(&Account, u64) -> bool,
) -> u64 {
    loop {
        let id = account.next_id(sequence, first);
        if !taken(account, id) {
            return id;
        }
    }
}
