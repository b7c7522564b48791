//! The contact service's writes as plain Rust, for the API handlers, the demo data and the
//! activity simulator alike. Each checks everything before changing anything, stamps
//! `updatedOn` with the account's clock, and raises no webhook event (`contact.*` is not
//! subscribable).

use super::contact_body::{self, CompanyChange, Mode};
use super::countries::{self, Country};
use super::input::{Problems, code, known_keys, object, optional_id, short_text, text, whole};
use super::model::{
    Company, Contact, ContactGroup, ContactRecord, LeadSource, Organisation, PostalAddress, Tag,
};
use super::{
    ADDRESS_SEQUENCE, COMPANY_SEQUENCE, CONTACT_SEQUENCE, DEFAULT_CURRENCY_ID,
    DEFAULT_CUSTOMER_PRICE_LIST_ID, DEFAULT_SUPPLIER_PRICE_LIST_ID, FIRST_ADDRESS_ID,
    FIRST_CONTACT_ID, GROUP_SEQUENCE, LEAD_SOURCE_SEQUENCE, TAG_SEQUENCE,
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
    let id = account.next_id(ADDRESS_SEQUENCE, FIRST_ADDRESS_ID);
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
    let id = account.next_id(CONTACT_SEQUENCE, FIRST_CONTACT_ID);
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

/// The company called `name`, created if there is none → its id.
pub fn create_company(account: &mut Account, name: &str) -> u64 {
    let name = name.trim();
    if let Some(company) = account.contacts.company_named(name) {
        return company.id;
    }
    let id = account.next_id(COMPANY_SEQUENCE, 1);
    account.contacts.companies.insert(
        id,
        Company {
            id,
            name: name.to_string(),
        },
    );
    id
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

/// Adds `address` as it stands, keeping its id.
pub fn insert_postal_address(account: &mut Account, address: PostalAddress) {
    let id = address.address_id;
    account.sequences.observe(ADDRESS_SEQUENCE, id);
    account.contacts.addresses.insert(id, address);
}

/// A new tag → its id. Names are unique (ignoring case); a parent must exist.
pub fn create_tag(
    account: &mut Account,
    name: &str,
    color: &str,
    parent_id: u64,
) -> Result<u64, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::bad_request(
            code::BAD_FIELD,
            format!("tagName {name:?} must be 1 to 64 characters"),
        ));
    }
    let lower = name.to_lowercase();
    if let Some(tag) = (account.contacts.tags.values()).find(|t| t.tag_name.to_lowercase() == lower)
    {
        return Err(ApiError::bad_request(
            code::BAD_FIELD,
            format!(
                "tag {name:?} exists already (id {}); use that id",
                tag.tag_id
            ),
        ));
    }
    if parent_id != 0 && !account.contacts.tags.contains_key(&parent_id) {
        return Err(ApiError::bad_request(
            code::NO_SUCH_RECORD,
            format!("tagParentId {parent_id} is not a tag; use 0 for a top-level tag"),
        ));
    }
    let id = account.next_id(TAG_SEQUENCE, 1);
    account.contacts.tags.insert(
        id,
        Tag {
            tag_id: id,
            tag_name: name.to_string(),
            tag_parent_id: parent_id,
            tag_color: color.to_string(),
        },
    );
    Ok(id)
}

/// `POST /contact-service/tag` `{"tagName", "tagColor"?, "tagParentId"?}` → the tag id.
pub fn create_tag_from(account: &mut Account, input: &Json) -> Result<u64, ApiError> {
    let body = object(input, "tag")?;
    let mut problems = Problems::default();
    known_keys(
        body,
        &["tagName", "tagColor", "tagParentId"],
        "",
        &mut problems,
    );
    let name = text(body.get("tagName"), "tagName", &mut problems).unwrap_or_default();
    let color = text(body.get("tagColor"), "tagColor", &mut problems).unwrap_or_default();
    let color = color.trim();
    let is_hex = color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !color.is_empty() && !is_hex {
        problems.add(
            code::BAD_FIELD,
            format!("tagColor {color:?} must be a colour like \"#ff0000\""),
        );
    }
    let parent = whole(body.get("tagParentId"), "tagParentId", &mut problems).unwrap_or(0);
    problems.into_result()?;
    create_tag(account, &name, color, parent)
}

/// Adds tag `tag_id` to (or removes it from) each of `contact_ids`; all must exist.
pub fn tag_contacts(
    account: &mut Account,
    contact_ids: &[u64],
    tag_id: u64,
    add: bool,
) -> Result<(), ApiError> {
    if !account.contacts.tags.contains_key(&tag_id) {
        return Err(ApiError::not_found(format!(
            "No Tag Found with id {tag_id}; GET /contact-service/tag lists the tags"
        )));
    }
    if let Some(missing) =
        (contact_ids.iter()).find(|id| !account.contacts.contacts.contains_key(id))
    {
        return Err(no_contact(*missing));
    }
    let now = account.now();
    for id in contact_ids {
        let Some(record) = account.contacts.contacts.get_mut(id) else {
            continue;
        };
        let contact = &mut record.contact;
        let mut tags = contact.tag_ids();
        let had = tags.contains(&tag_id);
        match (add, had) {
            (true, false) => tags.push(tag_id),
            (false, true) => tags.retain(|t| *t != tag_id),
            _ => continue,
        }
        contact.contact_tags = tags
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        contact.updated_on = Some(now.clone());
    }
    Ok(())
}

/// A new contact group → its id.
pub fn create_contact_group(account: &mut Account, name: &str, description: &str) -> u64 {
    let id = account.next_id(GROUP_SEQUENCE, 1);
    account.contacts.groups.insert(
        id,
        ContactGroup {
            id,
            name: name.trim().to_string(),
            description: description.trim().to_string(),
        },
    );
    id
}

/// Makes `contact_ids` members of group `group_id` (added to those already there).
pub fn set_group_members(
    account: &mut Account,
    group_id: u64,
    contact_ids: &[u64],
) -> Result<(), ApiError> {
    if !account.contacts.groups.contains_key(&group_id) {
        return Err(ApiError::not_found(format!(
            "No Contact Group Found with id {group_id}"
        )));
    }
    if let Some(missing) = contact_ids
        .iter()
        .find(|id| !account.contacts.contacts.contains_key(id))
    {
        return Err(no_contact(*missing));
    }
    (account.contacts.group_members.entry(group_id).or_default())
        .extend(contact_ids.iter().copied());
    Ok(())
}

/// A new lead source → its id.
pub fn create_lead_source(account: &mut Account, name: &str, parent_id: u64) -> u64 {
    let id = account.next_id(LEAD_SOURCE_SEQUENCE, 1);
    account.contacts.lead_sources.insert(
        id,
        LeadSource {
            id,
            owner_id: 0,
            parent_id,
            name: name.trim().to_string(),
            is_active: true,
        },
    );
    id
}
