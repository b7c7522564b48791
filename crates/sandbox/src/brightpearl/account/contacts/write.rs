//! The contact service's writes as plain Rust, for the API handlers, the demo data and the
//! activity simulator alike. Each checks everything before changing anything, stamps
//! `updatedOn` with the account's clock, and raises no webhook event (`contact.*` is not
//! subscribable).

use super::contact_body::{self, CompanyChange, Mode};
use super::input::{Problems, code, object};
use super::lists::create_company;
use super::model::{Contact, ContactRecord, Organisation};
use super::{
    CONTACT_SEQUENCE, DEFAULT_CURRENCY_ID, DEFAULT_CUSTOMER_PRICE_LIST_ID,
    DEFAULT_SUPPLIER_PRICE_LIST_ID, FIRST_CONTACT_ID, fresh_id,
};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use crate::brightpearl::api::body::{Op, PatchOp, apply_patch};
use crate::brightpearl::wire::Stamp;
use axum::http::StatusCode;
use serde_json::{Map, Value as Json};

/// 404 for a contact id that does not exist, in Brightpearl's words.
pub fn no_contact(id: u64) -> ApiError {
    ApiError::not_found(format!("No Contact Found with id {id}"))
}

/// `POST /contact-service/contact` → the new contact id. See `contact_body` for the rules.
pub fn create_contact(account: &mut Account, input: &Json) -> Result<u64, ApiError> {
    let body = object(input, "contact")?;
    let now = account.now();
    let created_by = account.settings.api_staff_id;
    let mut contact = new_contact(now.clone(), created_by);
    let mut problems = Problems::default();
    let reading = contact_body::read(
        &account.contacts,
        body,
        &mut contact,
        Mode::Create,
        &mut problems,
    );
    check_address_owners(account, &contact, None, &mut problems);
    problems.into_result()?;
    let relationship = contact.relationship_to_account;
    if !reading.price_list_given {
        contact.financial_details.price_list_id = if relationship.is_supplier {
            DEFAULT_SUPPLIER_PRICE_LIST_ID
        } else {
            DEFAULT_CUSTOMER_PRICE_LIST_ID
        };
    }
    let id = fresh_id(account, CONTACT_SEQUENCE, FIRST_CONTACT_ID, |a, id| {
        a.contacts.contacts.contains_key(&id)
    });
    contact.contact_id = id;
    contact.organisation.organisation_id = id;
    apply_company(account, &mut contact, reading.company);
    claim_addresses(account, &contact);
    let mut record = ContactRecord::new(contact);
    if let Some(is_customer) = reading.is_customer {
        record.is_customer = is_customer;
    }
    account.contacts.contacts.insert(id, record);
    Ok(id)
}

/// A contact with Brightpearl's defaults, before the body is read onto it.
fn new_contact(now: Stamp, created_by: u64) -> Contact {
    let mut contact = Contact {
        contact_id: 0,
        is_primary_contact: true,
        salutation: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        post_address_ids: Default::default(),
        communication: Default::default(),
        contact_status: Default::default(),
        relationship_to_account: Default::default(),
        marketing_details: Default::default(),
        financial_details: Default::default(),
        assignment: Default::default(),
        organisation: Organisation::default(),
        trade_status: "UNKNOWN".into(),
        created_by_id: created_by,
        created_on: now.clone(),
        updated_on: Some(now),
        contact_tags: String::new(),
        aliases: Map::new(),
        company_id: 0,
    };
    contact.financial_details.currency_id = DEFAULT_CURRENCY_ID;
    contact
}

/// Refuses addresses that already belong to another contact (INFERRED: an address is one
/// contact's; a second contact gets its own).
fn check_address_owners(
    account: &Account,
    contact: &Contact,
    before: Option<&Contact>,
    problems: &mut Problems,
) {
    let ids = contact.post_address_ids;
    let old = before.map(|c| c.post_address_ids).unwrap_or_default();
    for (key, id, was) in [
        ("DEF", ids.default, old.default),
        ("BIL", ids.billing, old.billing),
        ("DEL", ids.delivery, old.delivery),
    ] {
        let Some(id) = id.filter(|id| Some(*id) != was) else {
            continue;
        };
        if let Some(address) = account.contacts.addresses.get(&id)
            && address.contact_id != 0
            && address.contact_id != contact.contact_id
        {
            problems.add(
                code::BAD_FIELD,
                format!(
                    "postAddressIds.{key}: postal address {id} belongs to contact {}; create an address for this contact with POST /contact-service/postal-address",
                    address.contact_id
                ),
            );
        }
    }
}

/// Marks the contact's addresses as its own.
fn claim_addresses(account: &mut Account, contact: &Contact) {
    let ids = contact.post_address_ids;
    for id in [ids.default, ids.billing, ids.delivery]
        .into_iter()
        .flatten()
    {
        if let Some(address) = account.contacts.addresses.get_mut(&id)
            && address.contact_id == 0
        {
            address.contact_id = contact.contact_id;
        }
    }
}

/// Carries out a company change on `contact` (creating a named company if needed).
fn apply_company(account: &mut Account, contact: &mut Contact, change: CompanyChange) {
    let company_id = match change {
        CompanyChange::Keep => return,
        CompanyChange::Clear => None,
        CompanyChange::Join(id) => Some(id),
        CompanyChange::Named(name) => Some(create_company(account, &name)),
    };
    match company_id.and_then(|id| account.contacts.companies.get(&id)) {
        Some(company) => {
            contact.company_id = company.id;
            contact.organisation.organisation_id = company.id;
            contact.organisation.name = Some(company.name.clone());
        }
        None => {
            contact.company_id = 0;
            contact.organisation.organisation_id = contact.contact_id;
            contact.organisation.name = None;
        }
    }
}

/// How a contact PATCH path may be changed (INFERRED from the recorded order PATCH, where
/// `add` on an existing scalar is refused): fields every contact has take `replace` only;
/// entries that may be absent (an email type, a telephone type, an assignment) take `add`,
/// `replace` and `remove`; ids and dates set by Brightpearl take nothing.
fn patch_allows(op: &PatchOp) -> bool {
    let tokens: Vec<&str> = op.tokens.iter().map(String::as_str).collect();
    let optional = match tokens.as_slice() {
        [
            "salutation" | "firstName" | "lastName" | "isPrimaryContact" | "tradeStatus"
            | "contactTags",
        ] => false,
        ["postAddressIds", "DEF"] => false,
        ["postAddressIds", "BIL" | "DEL"] => true,
        ["communication", "emails", "PRI" | "SEC" | "TER"] => true,
        ["communication", "emails", "PRI" | "SEC" | "TER", "email"] => false,
        ["communication", "telephones", "PRI" | "SEC" | "MOB" | "FAX"] => true,
        ["communication", "messagingVoips", "SKP"] | ["communication", "websites", "PRI"] => true,
        ["contactStatus", "current", "contactStatusId"] => false,
        ["relationshipToAccount", "isSupplier" | "isStaff"] => false,
        ["marketingDetails", "isReceiveEmailNewsletter"] => false,
        ["financialDetails", "taxCodeId" | "taxNumber"] => true,
        [
            "financialDetails",
            "priceListId" | "nominalCode" | "creditLimit" | "creditTermDays" | "currencyId"
            | "discountPercentage" | "creditTermTypeId",
        ] => false,
        [
            "assignment",
            "current",
            "staffOwnerContactId" | "leadSourceId" | "projectId" | "teamId" | "accountReference",
        ] => true,
        ["organisation", "name" | "jobTitle"] => true,
        _ => return false,
    };
    optional || op.op == Op::Replace
}

/// `PATCH /contact-service/contact/{id}` (JSON-Patch on the GET shape). Refused op/path pairs
/// are 500 CMNC-044; values are checked as a POST checks them.
pub fn patch_contact(account: &mut Account, id: u64, ops: &[PatchOp]) -> Result<(), ApiError> {
    let record = account
        .contacts
        .contacts
        .get(&id)
        .ok_or_else(|| no_contact(id))?;
    let before = record.contact.clone();
    let mut patched = serde_json::to_value(&before).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CMNU-003",
            format!("Internal Server Error: contact {id} cannot be written out: {e}"),
        )
    })?;
    apply_patch(&mut patched, ops, &patch_allows)?;
    let Json::Object(body) = patched else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CMNC-044",
            "Invalid patch operation for given path (/)",
        ));
    };
    let mut contact = before.clone();
    let mut problems = Problems::default();
    let reading = contact_body::read(
        &account.contacts,
        &body,
        &mut contact,
        Mode::Update,
        &mut problems,
    );
    check_address_owners(account, &contact, Some(&before), &mut problems);
    problems.into_result()?;
    contact.updated_on = Some(account.now());
    apply_company(account, &mut contact, reading.company);
    claim_addresses(account, &contact);
    if let Some(record) = account.contacts.contacts.get_mut(&id) {
        if let Some(is_customer) = reading.is_customer {
            record.is_customer = is_customer;
        } else if contact.relationship_to_account != before.relationship_to_account {
            let r = contact.relationship_to_account;
            record.is_customer = record.is_customer && !r.is_staff;
        }
        record.contact = contact;
    }
    Ok(())
}

/// Records that an order was placed for `contact_id` at `when` (contact-search
/// `lastOrderedOn`); the orders area calls it. Unknown contacts are ignored.
pub fn note_order_placed(account: &mut Account, contact_id: u64, when: Stamp) {
    if let Some(record) = account.contacts.contacts.get_mut(&contact_id)
        && record.last_ordered_on.as_ref().is_none_or(|t| *t < when)
    {
        record.last_ordered_on = Some(when);
    }
}

/// Adds `record` as it stands (a recorded GET body, the demo data), keeping its id.
pub fn insert_contact(account: &mut Account, record: ContactRecord) {
    let id = record.contact.contact_id;
    account.sequences.observe(CONTACT_SEQUENCE, id);
    account.contacts.contacts.insert(id, record);
}
