//! What every account's contact service holds before any business data: the account's own
//! company and address, its staff, and the base tags, contact groups, lead sources and custom
//! fields. Ids are fixed so the other areas can name them (staff 4 is the API user,
//! `Settings::api_staff_id`); `observe_sequences` makes later ids follow them.

use super::model::{
    Communication, Company, Contact, ContactGroup, ContactRecord, CustomFieldMeta, Email,
    FinancialDetails, LeadSource, Organisation, PostAddressIds, PostalAddress,
    RelationshipToAccount, SelectOption, SelectOptions, Tag,
};
use super::{
    Contacts, DEFAULT_CURRENCY_ID, OWNER_STAFF_ID, SALES_STAFF_ID, WAREHOUSE_STAFF_ID, countries,
};
use crate::brightpearl::account::Settings;
use crate::brightpearl::wire::{Stamp, parse_time};
use std::collections::BTreeMap;

/// The account's own company.
pub const OWN_COMPANY_ID: u64 = 1;
/// The account's own address (head office and main warehouse).
pub const OWN_ADDRESS_ID: u64 = 1;

impl Contacts {
    /// The configuration every account has (what `--data empty` serves).
    pub fn standard(settings: &Settings) -> Contacts {
        let opened = parse_time("2019-03-04T15:00:00Z").unwrap_or(0);
        let opened = Stamp::new(opened, settings.offset_minutes);
        let mut contacts = Contacts::default();
        let us = countries::by_iso2("US");
        contacts.addresses.insert(
            OWN_ADDRESS_ID,
            PostalAddress {
                address_id: OWN_ADDRESS_ID,
                contact_id: OWNER_STAFF_ID,
                address_line1: "1200 Commerce Street".into(),
                address_line2: "Suite 400".into(),
                address_line3: "Dallas".into(),
                address_line4: "TX".into(),
                postal_code: "75202".into(),
                country_iso_code: us.map(|c| c.iso3.to_string()),
                country_iso_code2: us.map(|c| c.iso2.to_string()),
                country_id: us.map_or(0, |c| c.id),
            },
        );
        let company = format!("{} Retail", title_case(&settings.code));
        contacts.companies.insert(
            OWN_COMPANY_ID,
            Company {
                id: OWN_COMPANY_ID,
                name: company.clone(),
            },
        );
        let domain = format!("{}.example.com", settings.code.to_lowercase());
        for (id, first, last, title) in [
            (OWNER_STAFF_ID, "Alex", "Morgan", "Owner"),
            (WAREHOUSE_STAFF_ID, "Sam", "Okafor", "Warehouse Manager"),
            (SALES_STAFF_ID, "Priya", "Shah", "Sales Manager"),
        ] {
            let contact = Contact {
                contact_id: id,
                is_primary_contact: id == OWNER_STAFF_ID,
                salutation: String::new(),
                first_name: first.into(),
                last_name: last.into(),
                post_address_ids: PostAddressIds {
                    default: Some(OWN_ADDRESS_ID),
                    billing: Some(OWN_ADDRESS_ID),
                    delivery: Some(OWN_ADDRESS_ID),
                },
                communication: Communication {
                    emails: super::model::Emails {
                        primary: Some(Email {
                            email: format!("{}@{domain}", first.to_lowercase()),
                        }),
                        ..Default::default()
                    },
                    telephones: super::model::Telephones {
                        primary: Some("+1 214 555 0100".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
                contact_status: Default::default(),
                relationship_to_account: RelationshipToAccount {
                    is_supplier: false,
                    is_staff: true,
                },
                marketing_details: Default::default(),
                financial_details: FinancialDetails {
                    currency_id: DEFAULT_CURRENCY_ID,
                    ..FinancialDetails::default()
                },
                assignment: Default::default(),
                organisation: Organisation {
                    organisation_id: OWN_COMPANY_ID,
                    name: Some(company.clone()),
                    job_title: Some(title.into()),
                },
                trade_status: "UNKNOWN".into(),
                created_by_id: OWNER_STAFF_ID,
                created_on: opened.clone(),
                updated_on: Some(opened.clone()),
                contact_tags: String::new(),
                aliases: Default::default(),
                company_id: OWN_COMPANY_ID,
            };
            contacts.contacts.insert(id, ContactRecord::new(contact));
        }
        for (id, name, color) in [
            (1, "VIP", "#e74c3c"),
            (2, "Wholesale", "#2980b9"),
            (3, "Newsletter", "#27ae60"),
            (4, "Trade show lead", "#8e44ad"),
            (5, "Do not contact", "#7f8c8d"),
        ] {
            contacts.tags.insert(
                id,
                Tag {
                    tag_id: id,
                    tag_name: name.into(),
                    tag_parent_id: 0,
                    tag_color: color.into(),
                },
            );
        }
        for (id, name, description) in [
            (1, "Retail Customers", "Customers buying at retail prices"),
            (
                2,
                "Wholesale Customers",
                "Trade accounts on the wholesale price list",
            ),
            (
                3,
                "Marketplace Customers",
                "Customers who ordered through a marketplace",
            ),
        ] {
            contacts.groups.insert(
                id,
                ContactGroup {
                    id,
                    name: name.into(),
                    description: description.into(),
                },
            );
        }
        for (id, name) in [
            (1, "Website"),
            (2, "Referral"),
            (3, "Trade show"),
            (4, "Marketplace"),
            (5, "Social media"),
        ] {
            contacts.lead_sources.insert(
                id,
                LeadSource {
                    id,
                    owner_id: 0,
                    parent_id: 0,
                    name: name.into(),
                    is_active: true,
                },
            );
        }
        contacts.customer_fields = fields(&[
            (1, "PCF_LOYALTY", "Loyalty number", "TEXT", &[]),
            (2, "PCF_BIRTHDAY", "Birthday", "DATE", &[]),
            (
                3,
                "PCF_SEGMENT",
                "Segment",
                "SELECT",
                &[(1, "Retail"), (2, "Trade"), (3, "VIP")],
            ),
            (4, "PCF_TAXEXMT", "Tax exempt", "YES_NO", &[]),
            (5, "PCF_ACCTNO", "Legacy account number", "INTEGER", &[]),
            (6, "PCF_NOTES", "Customer notes", "TEXT_AREA", &[]),
        ]);
        contacts.supplier_fields = fields(&[
            (7, "PCF_LEADDAYS", "Lead time (days)", "INTEGER", &[]),
            (8, "PCF_SUPPREF", "Our account reference", "TEXT", &[]),
            (9, "PCF_MINORDER", "Minimum order value", "DECIMAL", &[]),
        ]);
        contacts
    }
}

type FieldSpec<'a> = (u64, &'a str, &'a str, &'a str, &'a [(u64, &'a str)]);

fn fields(specs: &[FieldSpec<'_>]) -> BTreeMap<u64, CustomFieldMeta> {
    specs
        .iter()
        .map(|(id, code, name, field_type, options)| {
            let options = (!options.is_empty()).then(|| {
                SelectOptions(
                    options
                        .iter()
                        .map(|(id, value)| SelectOption {
                            id: *id,
                            value: (*value).into(),
                        })
                        .collect(),
                )
            });
            let meta = CustomFieldMeta {
                id: *id,
                code: (*code).into(),
                name: (*name).into(),
                custom_field_type: (*field_type).into(),
                required: false,
                options,
            };
            (*id, meta)
        })
        .collect()
}

/// `ferrydemo` → `Ferrydemo`.
fn title_case(code: &str) -> String {
    let mut chars = code.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
