//! Reading a contact body (POST) or a patched contact (PATCH) onto a [`Contact`]. Both go
//! through the same reader so that a value a POST refuses, a PATCH refuses too.
//!
//! Rules where the reference is silent (INFERRED):
//! - Unknown fields are refused by name, not ignored. On POST the read-only fields (`contactId`,
//!   `createdByid`, `createdOn`, `updatedOn`, `companyId`, `aliases`) are refused too; a PATCH
//!   cannot reach them (CMNC-044).
//! - References to other records (addresses, tags, lead source, staff owner) are checked when
//!   they change, so a contact loaded with a reference the account lacks can still be edited.
//! - Emails are `{"email": "..."}` as GET shows them, or a bare string; an empty one removes
//!   the entry. Telephones may be numbers. `relationshipToAccount.isCustomer` is accepted to say
//!   whether a supplier is also a customer (contact-search's `isCustomer`).
//! - A new contact needs a first or last name. BIL and DEL default to DEF (and DEF to BIL or
//!   DEL) when only some are given.

use super::Contacts;
use super::input::{
    Problems, boolean, code, known_keys, nested, number, optional_id, short_text, text, whole,
};
use super::model::{Communication, Contact, Email};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

/// Creating or updating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// POST: every field is new; read-only fields are refused.
    Create,
    /// PATCH: the whole patched record; read-only fields are skipped.
    Update,
}

/// What the body asks of the contact's company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyChange {
    /// Nothing said: keep the company (none for a new contact).
    Keep,
    /// Leave any company.
    Clear,
    /// Belong to this existing company.
    Join(u64),
    /// Belong to the company of this name, creating it if there is none.
    Named(String),
}

/// What reading found beyond the contact's own fields.
#[derive(Debug)]
pub struct Reading {
    /// The company change.
    pub company: CompanyChange,
    /// `relationshipToAccount.isCustomer`, when given.
    pub is_customer: Option<bool>,
    /// Whether `financialDetails.priceListId` was given (a new supplier defaults differently).
    pub price_list_given: bool,
}

const FIELDS: &[&str] = &[
    "contactId",
    "isPrimaryContact",
    "salutation",
    "firstName",
    "lastName",
    "postAddressIds",
    "communication",
    "contactStatus",
    "relationshipToAccount",
    "marketingDetails",
    "financialDetails",
    "assignment",
    "organisation",
    "tradeStatus",
    "createdByid",
    "createdOn",
    "updatedOn",
    "contactTags",
    "aliases",
    "companyId",
];

const READ_ONLY: &[&str] = &[
    "contactId",
    "createdByid",
    "createdOn",
    "updatedOn",
    "companyId",
    "aliases",
];

/// The longest salutation, first or last name (reference §7.7).
pub const MAX_NAME: usize = 32;

/// The trade statuses a contact may have.
pub const TRADE_STATUSES: &[&str] = &["UNKNOWN", "RETAIL", "TRADE"];

/// Reads `body` onto `target`, noting every problem.
pub fn read(
    contacts: &Contacts,
    body: &Map<String, Json>,
    target: &mut Contact,
    mode: Mode,
    problems: &mut Problems,
) -> Reading {
    known_keys(body, FIELDS, "", problems);
    if mode == Mode::Create {
        for key in READ_ONLY.iter().filter(|k| body.contains_key(**k)) {
            problems.add(
                code::BAD_FIELD,
                format!("{key} is set by Brightpearl; leave it out of the new contact"),
            );
        }
    }
    let mut reading = Reading {
        company: CompanyChange::Keep,
        is_customer: None,
        price_list_given: false,
    };
    if let Some(v) = boolean(body.get("isPrimaryContact"), "isPrimaryContact", problems) {
        target.is_primary_contact = v;
    }
    for (key, slot) in [
        ("salutation", &mut target.salutation),
        ("firstName", &mut target.first_name),
        ("lastName", &mut target.last_name),
    ] {
        if let Some(v) = short_text(body.get(key), key, MAX_NAME, problems) {
            *slot = v.trim().to_string();
        }
    }
    if target.first_name.is_empty() && target.last_name.is_empty() {
        problems.add(
            code::REQUIRED,
            "A contact needs a firstName or a lastName; give at least one",
        );
    }
    read_addresses(contacts, body, target, problems);
    if let Some(map) = nested(body.get("communication"), "communication", problems) {
        target.communication = read_communication(map, problems);
    }
    if let Some(status) = nested(body.get("contactStatus"), "contactStatus", problems) {
        known_keys(status, &["current"], "contactStatus", problems);
        if let Some(current) = nested(status.get("current"), "contactStatus.current", problems) {
            known_keys(
                current,
                &["contactStatusId"],
                "contactStatus.current",
                problems,
            );
            let path = "contactStatus.current.contactStatusId";
            if let Some(id) = whole(current.get("contactStatusId"), path, problems) {
                target.contact_status.current.contact_status_id = id;
            }
        }
    }
    let path = "relationshipToAccount";
    if let Some(rel) = nested(body.get(path), path, problems) {
        known_keys(
            rel,
            &["isSupplier", "isStaff", "isCustomer"],
            path,
            problems,
        );
        let r = &mut target.relationship_to_account;
        if let Some(v) = boolean(
            rel.get("isSupplier"),
            "relationshipToAccount.isSupplier",
            problems,
        ) {
            r.is_supplier = v;
        }
        if let Some(v) = boolean(
            rel.get("isStaff"),
            "relationshipToAccount.isStaff",
            problems,
        ) {
            r.is_staff = v;
        }
        reading.is_customer = boolean(
            rel.get("isCustomer"),
            "relationshipToAccount.isCustomer",
            problems,
        );
    }
    if let Some(m) = nested(body.get("marketingDetails"), "marketingDetails", problems) {
        known_keys(
            m,
            &["isReceiveEmailNewsletter"],
            "marketingDetails",
            problems,
        );
        let path = "marketingDetails.isReceiveEmailNewsletter";
        if let Some(v) = boolean(m.get("isReceiveEmailNewsletter"), path, problems) {
            target.marketing_details.is_receive_email_newsletter = v;
        }
    }
    if let Some(f) = nested(body.get("financialDetails"), "financialDetails", problems) {
        reading.price_list_given = f.get("priceListId").is_some_and(|v| !v.is_null());
        read_financial(f, target, problems);
    }
    if let Some(a) = nested(body.get("assignment"), "assignment", problems) {
        known_keys(a, &["current"], "assignment", problems);
        if let Some(current) = nested(a.get("current"), "assignment.current", problems) {
            read_assignment(contacts, current, target, problems);
        }
    }
    if let Some(o) = nested(body.get("organisation"), "organisation", problems) {
        reading.company = read_organisation(contacts, o, target, mode, problems);
    }
    if let Some(status) = text(body.get("tradeStatus"), "tradeStatus", problems) {
        let status = status.trim().to_uppercase();
        if status != target.trade_status && !TRADE_STATUSES.contains(&status.as_str()) {
            problems.add(
                code::BAD_FIELD,
                format!(
                    "tradeStatus {status:?} is not a trade status; use one of {}",
                    TRADE_STATUSES.join(", ")
                ),
            );
        } else {
            target.trade_status = status;
        }
    }
    if let Some(tags) = body.get("contactTags") {
        read_tags(contacts, tags, target, problems);
    }
    reading
}

fn read_addresses(
    contacts: &Contacts,
    body: &Map<String, Json>,
    target: &mut Contact,
    problems: &mut Problems,
) {
    let Some(ids) = nested(body.get("postAddressIds"), "postAddressIds", problems) else {
        return;
    };
    known_keys(ids, &["DEF", "BIL", "DEL"], "postAddressIds", problems);
    let current = target.post_address_ids;
    let mut read = |key: &str, was: Option<u64>| -> Option<u64> {
        let path = format!("postAddressIds.{key}");
        let id = optional_id(ids.get(key), &path, problems)??;
        if Some(id) != was && !contacts.addresses.contains_key(&id) {
            problems.add(
                code::NO_SUCH_ADDRESS,
                format!(
                    "{path} names postal address {id}, which does not exist; create it first with POST /contact-service/postal-address"
                ),
            );
        }
        Some(id)
    };
    let def = read("DEF", current.default);
    let bil = read("BIL", current.billing);
    let del = read("DEL", current.delivery);
    let first = def.or(bil).or(del);
    let slots = &mut target.post_address_ids;
    slots.default = def.or(first);
    slots.billing = if ids.contains_key("BIL") {
        bil
    } else {
        bil.or(slots.default)
    };
    slots.delivery = if ids.contains_key("DEL") {
        del
    } else {
        del.or(slots.default)
    };
}

fn read_communication(map: &Map<String, Json>, problems: &mut Problems) -> Communication {
    let path = "communication";
    known_keys(
        map,
        &["emails", "telephones", "messagingVoips", "websites"],
        path,
        problems,
    );
    let mut out = Communication::default();
    if let Some(emails) = nested(map.get("emails"), "communication.emails", problems) {
        known_keys(
            emails,
            &["PRI", "SEC", "TER"],
            "communication.emails",
            problems,
        );
        let e = &mut out.emails;
        for (key, slot) in [
            ("PRI", &mut e.primary),
            ("SEC", &mut e.secondary),
            ("TER", &mut e.tertiary),
        ] {
            *slot = read_email(
                emails.get(key),
                &format!("communication.emails.{key}"),
                problems,
            );
        }
    }
    let phones_path = "communication.telephones";
    if let Some(phones) = nested(map.get("telephones"), phones_path, problems) {
        known_keys(phones, &["PRI", "SEC", "MOB", "FAX"], phones_path, problems);
        let t = &mut out.telephones;
        for (key, slot) in [
            ("PRI", &mut t.primary),
            ("SEC", &mut t.secondary),
            ("MOB", &mut t.mobile),
            ("FAX", &mut t.fax),
        ] {
            *slot = read_phone(phones.get(key), &format!("{phones_path}.{key}"), problems);
        }
    }
    let voip_path = "communication.messagingVoips";
    if let Some(voips) = nested(map.get("messagingVoips"), voip_path, problems) {
        known_keys(voips, &["SKP"], voip_path, problems);
        out.messaging_voips.skype = non_empty(text(
            voips.get("SKP"),
            &format!("{voip_path}.SKP"),
            problems,
        ));
    }
    let web_path = "communication.websites";
    if let Some(sites) = nested(map.get("websites"), web_path, problems) {
        known_keys(sites, &["PRI"], web_path, problems);
        out.websites.primary =
            non_empty(text(sites.get("PRI"), &format!("{web_path}.PRI"), problems));
    }
    out
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn read_email(value: Option<&Json>, path: &str, problems: &mut Problems) -> Option<Email> {
    let address = match value? {
        Json::Object(map) => {
            known_keys(map, &["email"], path, problems);
            text(map.get("email"), &format!("{path}.email"), problems)
        }
        other => text(Some(other), path, problems),
    };
    let address = non_empty(address)?;
    if !super::input::is_email(&address) {
        problems.add(
            code::BAD_EMAIL,
            format!("{path} {address:?} is not an email address (name@domain.tld)"),
        );
        return None;
    }
    Some(Email { email: address })
}

fn read_phone(value: Option<&Json>, path: &str, problems: &mut Problems) -> Option<String> {
    match value? {
        Json::Number(n) => Some(n.to_string()),
        other => non_empty(text(Some(other), path, problems)),
    }
}

fn read_financial(f: &Map<String, Json>, target: &mut Contact, problems: &mut Problems) {
    let path = "financialDetails";
    known_keys(
        f,
        &[
            "priceListId",
            "nominalCode",
            "taxCodeId",
            "creditLimit",
            "creditTermDays",
            "currencyId",
            "discountPercentage",
            "creditTermTypeId",
            "taxNumber",
        ],
        path,
        problems,
    );
    let d = &mut target.financial_details;
    if let Some(v) = whole(
        f.get("priceListId"),
        "financialDetails.priceListId",
        problems,
    ) {
        d.price_list_id = v;
    }
    match f.get("nominalCode") {
        Some(Json::Number(n)) if n.as_u64().is_some() => d.nominal_code = n.to_string(),
        Some(Json::String(s)) if !s.trim().is_empty() && s.trim().chars().all(|c| c.is_ascii_digit()) => {
            d.nominal_code = s.trim().to_string();
        }
        Some(Json::Null) | None => {}
        Some(other) => problems.add(
            code::BAD_FIELD,
            format!("financialDetails.nominalCode must be a nominal code of digits (\"4000\"), not {other}"),
        ),
    }
    if let Some(v) = optional_id(f.get("taxCodeId"), "financialDetails.taxCodeId", problems) {
        d.tax_code_id = v;
    }
    if let Some(v) = number(
        f.get("creditLimit"),
        "financialDetails.creditLimit",
        problems,
    ) {
        if v < Decimal::ZERO {
            problems.add(
                code::BAD_FIELD,
                format!("financialDetails.creditLimit must not be negative, not {v}"),
            );
        } else {
            d.credit_limit = v;
        }
    }
    if let Some(v) = whole(
        f.get("creditTermDays"),
        "financialDetails.creditTermDays",
        problems,
    ) {
        d.credit_term_days = u32::try_from(v).unwrap_or(u32::MAX);
    }
    if let Some(v) = whole(f.get("currencyId"), "financialDetails.currencyId", problems) {
        d.currency_id = v;
    }
    if let Some(v) = number(
        f.get("discountPercentage"),
        "financialDetails.discountPercentage",
        problems,
    ) {
        if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED {
            problems.add(
                code::BAD_FIELD,
                format!("financialDetails.discountPercentage must be between 0 and 100, not {v}"),
            );
        } else {
            d.discount_percentage = v;
        }
    }
    if let Some(v) = whole(
        f.get("creditTermTypeId"),
        "financialDetails.creditTermTypeId",
        problems,
    ) {
        d.credit_term_type_id = v;
    }
    if let Some(v) = text(f.get("taxNumber"), "financialDetails.taxNumber", problems) {
        d.tax_number = non_empty(Some(v));
    }
}

fn read_assignment(
    contacts: &Contacts,
    current: &Map<String, Json>,
    target: &mut Contact,
    problems: &mut Problems,
) {
    let path = "assignment.current";
    known_keys(
        current,
        &[
            "staffOwnerContactId",
            "leadSourceId",
            "projectId",
            "teamId",
            "accountReference",
        ],
        path,
        problems,
    );
    let a = &mut target.assignment.current;
    let owner_path = "assignment.current.staffOwnerContactId";
    if let Some(owner) = optional_id(current.get("staffOwnerContactId"), owner_path, problems) {
        if let Some(id) = owner.filter(|id| Some(*id) != a.staff_owner_contact_id)
            && !contacts.is_staff(id)
        {
            problems.add(
                code::NO_SUCH_RECORD,
                format!(
                    "{owner_path} {id} is not a staff contact; use one of {:?}",
                    contacts.staff_ids()
                ),
            );
        }
        a.staff_owner_contact_id = owner;
    }
    let lead_path = "assignment.current.leadSourceId";
    if let Some(lead) = optional_id(current.get("leadSourceId"), lead_path, problems) {
        if let Some(id) = lead.filter(|id| Some(*id) != a.lead_source_id)
            && !contacts.lead_sources.contains_key(&id)
        {
            problems.add(
                code::NO_SUCH_RECORD,
                format!(
                    "{lead_path} {id} is not a lead source; GET /contact-service/lead-source lists them"
                ),
            );
        }
        a.lead_source_id = lead;
    }
    if let Some(v) = optional_id(
        current.get("projectId"),
        "assignment.current.projectId",
        problems,
    ) {
        a.project_id = v;
    }
    if let Some(v) = optional_id(current.get("teamId"), "assignment.current.teamId", problems) {
        a.team_id = v;
    }
    let reference_path = "assignment.current.accountReference";
    if let Some(v) = short_text(
        current.get("accountReference"),
        reference_path,
        MAX_NAME,
        problems,
    ) {
        a.account_reference = non_empty(Some(v));
    }
}

fn read_organisation(
    contacts: &Contacts,
    o: &Map<String, Json>,
    target: &mut Contact,
    mode: Mode,
    problems: &mut Problems,
) -> CompanyChange {
    known_keys(
        o,
        &["organisationId", "name", "jobTitle"],
        "organisation",
        problems,
    );
    if let Some(title) = short_text(o.get("jobTitle"), "organisation.jobTitle", 64, problems) {
        target.organisation.job_title = non_empty(Some(title));
    }
    let name = short_text(o.get("name"), "organisation.name", 64, problems);
    if let Some(name) = name {
        let name = name.trim().to_string();
        let current = contacts
            .companies
            .get(&target.company_id)
            .map(|c| c.name.as_str());
        return match (name.is_empty(), current) {
            (true, _) => CompanyChange::Clear,
            (false, Some(current)) if current == name => CompanyChange::Keep,
            (false, _) => CompanyChange::Named(name),
        };
    }
    if mode == Mode::Create
        && let Some(id) = optional_id(
            o.get("organisationId"),
            "organisation.organisationId",
            problems,
        )
        .flatten()
    {
        if contacts.companies.contains_key(&id) {
            return CompanyChange::Join(id);
        }
        problems.add(
            code::NO_SUCH_RECORD,
            format!(
                "organisation.organisationId {id} is not a company; give organisation.name to create or join one by name"
            ),
        );
    }
    CompanyChange::Keep
}

fn read_tags(contacts: &Contacts, value: &Json, target: &mut Contact, problems: &mut Problems) {
    let mut ids = Vec::new();
    match value {
        Json::String(s) => {
            for piece in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match piece.parse::<u64>() {
                    Ok(id) => ids.push(id),
                    Err(_) => problems.add(
                        code::BAD_FIELD,
                        format!("contactTags {s:?} must be tag ids separated by commas (\"1,5\"); {piece:?} is not one"),
                    ),
                }
            }
        }
        Json::Array(items) => {
            for item in items {
                if let Some(id) = whole(Some(item), "contactTags[]", problems) {
                    ids.push(id);
                }
            }
        }
        Json::Null => {}
        other => problems.wrong_type("contactTags", "tag ids (\"1,5\" or [1,5])", other),
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    let had = target.tag_ids();
    for id in ids.iter().filter(|id| !had.contains(id)) {
        if !contacts.tags.contains_key(id) {
            problems.add(
                code::NO_SUCH_RECORD,
                format!("contactTags names tag {id}, which does not exist; GET /contact-service/tag lists the tags"),
            );
        }
    }
    target.contact_tags = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
}
