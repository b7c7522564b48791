//! The contact service's reference lists as plain-Rust writes: companies, tags (and tagging
//! contacts), contact groups and their members, lead sources.

use super::input::{Problems, code, known_keys, object, text, whole};
use super::model::{Company, ContactGroup, LeadSource, Tag};
use super::write::no_contact;
use super::{COMPANY_SEQUENCE, GROUP_SEQUENCE, LEAD_SOURCE_SEQUENCE, TAG_SEQUENCE, fresh_id};
use crate::brightpearl::account::Account;
use crate::brightpearl::api::ApiError;
use serde_json::Value as Json;

/// The company called `name`, created if there is none → its id.
pub fn create_company(account: &mut Account, name: &str) -> u64 {
    let name = name.trim();
    if let Some(company) = account.contacts.company_named(name) {
        return company.id;
    }
    let id = fresh_id(account, COMPANY_SEQUENCE, 1, |a, id| {
        a.contacts.companies.contains_key(&id)
    });
    account.contacts.companies.insert(
        id,
        Company {
            id,
            name: name.to_string(),
        },
    );
    id
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
    let id = fresh_id(account, TAG_SEQUENCE, 1, |a, id| {
        a.contacts.tags.contains_key(&id)
    });
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
    let id = fresh_id(account, GROUP_SEQUENCE, 1, |a, id| {
        a.contacts.groups.contains_key(&id)
    });
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
    let id = fresh_id(account, LEAD_SOURCE_SEQUENCE, 1, |a, id| {
        a.contacts.lead_sources.contains_key(&id)
    });
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
