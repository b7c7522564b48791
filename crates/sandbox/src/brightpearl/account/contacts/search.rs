//! The contact service's searches: their column catalogues and the rows its records give.
//!
//! contact-search is as recorded (customer/search/simple_search.yml, 21 columns in that order),
//! with the extra filters `allEmail`, `allPhone`, `tagIds` and `companyIds` (reference §6.5).
//! Cells (INFERRED where unrecorded): emails and telephones are `""` when unset, as recorded;
//! `companyName` and `exactCompanyName` are the company's name and `null` without one;
//! `title` is the job title (`null` when unset, as recorded); `isPrimary` is
//! `isPrimaryContact`; `nominalCode` is the financial nominal code as a number. `allEmail` is a
//! case-insensitive substring of any email (the old docs: "contained in any of the contact's
//! email addresses"); `allPhone` matches any telephone whole.
//!
//! company-search, contact-group-search and contact-group-member-search follow the Singer
//! tap's column lists (INFERRED types).

use super::Contacts;
use super::model::{ContactGroup, ContactRecord, Email};
use crate::brightpearl::search::{Catalogue, Cell, Column, DataType, Record};
use serde_json::Value as Json;
use std::borrow::Cow;

/// `GET /contact-service/contact-search`.
pub static CONTACT_SEARCH: Catalogue = Catalogue {
    name: "contact-search",
    columns: &[
        Column::new("contactId", DataType::IdSet),
        Column::new("primaryEmail", DataType::SearchString),
        Column::new("secondaryEmail", DataType::SearchString),
        Column::new("tertiaryEmail", DataType::SearchString),
        Column::new("firstName", DataType::SearchString),
        Column::new("lastName", DataType::SearchString),
        Column::new("isSupplier", DataType::Boolean).unsortable(),
        Column::new("companyName", DataType::SearchString),
        Column::new("isStaff", DataType::Boolean).unsortable(),
        Column::new("isCustomer", DataType::Boolean).unsortable(),
        Column::new("createdOn", DataType::Period),
        Column::new("updatedOn", DataType::Period),
        Column::new("lastContactedOn", DataType::Period),
        Column::new("lastOrderedOn", DataType::Period),
        Column::new("nominalCode", DataType::Integer),
        Column::new("isPrimary", DataType::Boolean),
        Column::new("pri", DataType::String).unsortable(),
        Column::new("sec", DataType::String).unsortable(),
        Column::new("mob", DataType::String).unsortable(),
        Column::new("exactCompanyName", DataType::String),
        Column::new("title", DataType::String),
    ],
    extra_filters: &[
        Column::new("allEmail", DataType::SearchString).unsortable(),
        Column::new("allPhone", DataType::String).unsortable(),
        Column::new("tagIds", DataType::IdSet).unsortable(),
        Column::new("companyIds", DataType::IdSet).unsortable(),
    ],
};

/// A contact as contact-search reads it (the company name needs the account).
pub struct ContactRow<'a> {
    /// The contact.
    pub record: &'a ContactRecord,
    /// Its company's name, if any.
    pub company_name: Option<&'a str>,
}

impl Contacts {
    /// Every contact as a contact-search row, by id.
    pub fn search_rows(&self) -> impl Iterator<Item = ContactRow<'_>> {
        self.contacts.values().map(|record| ContactRow {
            record,
            company_name: self
                .companies
                .get(&record.contact.company_id)
                .map(|c| c.name.as_str()),
        })
    }
}

fn text_or_empty(value: Option<&String>) -> Cell<'_> {
    Cell::text(value.map_or("", String::as_str))
}

fn email(value: &Option<Email>) -> Cell<'_> {
    Cell::text(value.as_ref().map_or("", |e| e.email.as_str()))
}

impl Record for ContactRow<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        let record = self.record;
        let c = &record.contact;
        let emails = &c.communication.emails;
        let phones = &c.communication.telephones;
        match column {
            0 => c.contact_id.into(),
            1 => email(&emails.primary),
            2 => email(&emails.secondary),
            3 => email(&emails.tertiary),
            4 => Cell::text(c.first_name.as_str()),
            5 => Cell::text(c.last_name.as_str()),
            6 => c.relationship_to_account.is_supplier.into(),
            7 | 19 => self.company_name.into(),
            8 => c.relationship_to_account.is_staff.into(),
            9 => record.is_customer.into(),
            10 => Cell::Time(c.created_on.ms),
            11 => c
                .updated_on
                .as_ref()
                .map_or(Cell::Null, |t| Cell::Time(t.ms)),
            12 => record
                .last_contacted_on
                .as_ref()
                .map_or(Cell::Null, |t| Cell::Time(t.ms)),
            13 => record
                .last_ordered_on
                .as_ref()
                .map_or(Cell::Null, |t| Cell::Time(t.ms)),
            14 => c
                .financial_details
                .nominal_code
                .trim()
                .parse::<i64>()
                .map_or(Cell::Null, Cell::Int),
            15 => c.is_primary_contact.into(),
            16 => text_or_empty(phones.primary.as_ref()),
            17 => text_or_empty(phones.secondary.as_ref()),
            18 => text_or_empty(phones.mobile.as_ref()),
            20 => c.organisation.job_title.as_deref().into(),
            21 => Cell::Json(Cow::Owned(Json::Array(
                [&emails.primary, &emails.secondary, &emails.tertiary]
                    .into_iter()
                    .flatten()
                    .map(|e| Json::from(e.email.as_str()))
                    .collect(),
            ))),
            22 => Cell::Json(Cow::Owned(Json::Array(
                [
                    &phones.primary,
                    &phones.secondary,
                    &phones.mobile,
                    &phones.fax,
                ]
                .into_iter()
                .flatten()
                .map(|p| Json::from(p.as_str()))
                .collect(),
            ))),
            23 => Cell::Json(Cow::Owned(Json::Array(
                c.tag_ids().into_iter().map(Json::from).collect(),
            ))),
            24 => match c.company_id {
                0 => Cell::Null,
                id => id.into(),
            },
            _ => Cell::Null,
        }
    }
}

/// `GET /contact-service/company-search`.
pub static COMPANY_SEARCH: Catalogue = Catalogue {
    name: "company-search",
    columns: &[
        Column::new("companyId", DataType::IdSet),
        Column::new("name", DataType::SearchString),
    ],
    extra_filters: &[],
};

/// `GET /contact-service/contact-group-search`.
pub static CONTACT_GROUP_SEARCH: Catalogue = Catalogue {
    name: "contact-group-search",
    columns: &[
        Column::new("contactGroupId", DataType::IdSet),
        Column::new("name", DataType::SearchString),
        Column::new("description", DataType::SearchString),
        Column::new("numberOfMembers", DataType::Integer),
    ],
    extra_filters: &[],
};

/// A contact group as contact-group-search reads it.
pub struct GroupRow<'a> {
    /// The group.
    pub group: &'a ContactGroup,
    /// How many contacts are in it.
    pub members: usize,
}

impl Record for GroupRow<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        match column {
            0 => self.group.id.into(),
            1 => Cell::text(self.group.name.as_str()),
            2 => Cell::text(self.group.description.as_str()),
            3 => (self.members as u64).into(),
            _ => Cell::Null,
        }
    }
}

/// `GET /contact-service/contact-group-member-search`.
pub static CONTACT_GROUP_MEMBER_SEARCH: Catalogue = Catalogue {
    name: "contact-group-member-search",
    columns: &[
        Column::new("contactId", DataType::IdSet),
        Column::new("firstName", DataType::SearchString),
        Column::new("lastName", DataType::SearchString),
        Column::new("contactGroupId", DataType::IdSet),
        Column::new("contactGroupName", DataType::SearchString),
        Column::new("contactGroupDescription", DataType::SearchString),
    ],
    extra_filters: &[],
};

/// One membership as contact-group-member-search reads it.
pub struct MemberRow<'a> {
    /// The member.
    pub record: &'a ContactRecord,
    /// The group.
    pub group: &'a ContactGroup,
}

impl Record for MemberRow<'_> {
    fn cell(&self, column: usize) -> Cell<'_> {
        let c = &self.record.contact;
        match column {
            0 => c.contact_id.into(),
            1 => Cell::text(c.first_name.as_str()),
            2 => Cell::text(c.last_name.as_str()),
            3 => self.group.id.into(),
            4 => Cell::text(self.group.name.as_str()),
            5 => Cell::text(self.group.description.as_str()),
            _ => Cell::Null,
        }
    }
}

impl Contacts {
    /// Every contact group as a contact-group-search row.
    pub fn group_rows(&self) -> impl Iterator<Item = GroupRow<'_>> {
        self.groups.values().map(|group| GroupRow {
            group,
            members: self.group_members.get(&group.id).map_or(0, |m| m.len()),
        })
    }

    /// Every membership as a contact-group-member-search row, by group then contact.
    pub fn member_rows(&self) -> impl Iterator<Item = MemberRow<'_>> {
        self.groups.values().flat_map(move |group| {
            (self.group_members.get(&group.id).into_iter().flatten())
                .filter_map(move |id| self.contacts.get(id))
                .map(move |record| MemberRow { record, group })
        })
    }
}
