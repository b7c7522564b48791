//! Contacts (customers, suppliers, staff) in the shape `GET /contact-service/contact/{ids}`
//! returns them (customer/get/*.yml), their postal addresses, companies, tags, groups and lead
//! sources, the contact-search row, and the bodies the client writes.

use super::common::{CustomFields, Stamp, decimal, text};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A contact. Brightpearl spells the creator `createdByid` (lower-case "id"); both spellings
/// are read.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// The contact id.
    pub contact_id: u64,
    /// Whether it is its organisation's primary contact.
    #[serde(default)]
    pub is_primary_contact: bool,
    /// Mr, Ms, … (at most 32 characters).
    #[serde(default)]
    pub salutation: String,
    /// First name (at most 32 characters).
    #[serde(default)]
    pub first_name: String,
    /// Last name (at most 32 characters).
    #[serde(default)]
    pub last_name: String,
    /// Ids of the default, billing and delivery postal addresses.
    #[serde(default)]
    pub post_address_ids: PostAddressIds,
    /// Emails, phones, messaging and websites by type code.
    #[serde(default)]
    pub communication: Communication,
    /// The contact status.
    #[serde(default)]
    pub contact_status: ContactStatus,
    /// Supplier / staff flags (a customer is neither; contact-search has `isCustomer`).
    #[serde(default)]
    pub relationship_to_account: RelationshipToAccount,
    /// Newsletter consent.
    #[serde(default)]
    pub marketing_details: MarketingDetails,
    /// Price list, credit terms, currency, discount.
    #[serde(default)]
    pub financial_details: ContactFinancialDetails,
    /// Staff owner, lead source, project, team (only the keys that are set).
    #[serde(default)]
    pub assignment: ContactAssignment,
    /// The company the contact belongs to (its own id when none).
    #[serde(default)]
    pub organisation: Organisation,
    /// `UNKNOWN`, `RETAIL`, `TRADE` ….
    #[serde(default)]
    pub trade_status: String,
    /// The staff contact who created it.
    #[serde(rename = "createdByid", alias = "createdById", default)]
    pub created_by_id: u64,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<Stamp>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<Stamp>,
    /// Tag ids as Brightpearl renders them (a comma list in a string, `"9"`).
    #[serde(
        default,
        deserialize_with = "text::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_tags: Option<String>,
    /// Alternative names.
    #[serde(default)]
    pub aliases: Map<String, Value>,
    /// The company id, 0 for none.
    #[serde(default)]
    pub company_id: u64,
    /// Custom-field values, with `includeOptional=customFields`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<CustomFields>,
}

impl Contact {
    /// The primary email, if any.
    pub fn primary_email(&self) -> Option<&str> {
        self.communication
            .emails
            .primary
            .as_ref()
            .map(|e| e.email.as_str())
    }

    /// Whether this is a customer (neither supplier nor staff).
    pub fn is_customer(&self) -> bool {
        !self.relationship_to_account.is_supplier && !self.relationship_to_account.is_staff
    }
}

/// `postAddressIds`: `{"DEF": 418692, "BIL": 418692, "DEL": 418693}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct PostAddressIds {
    /// The default address.
    #[serde(rename = "DEF", default, skip_serializing_if = "Option::is_none")]
    pub default: Option<u64>,
    /// The billing address.
    #[serde(rename = "BIL", default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<u64>,
    /// The delivery address.
    #[serde(rename = "DEL", default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<u64>,
}

/// `communication`: maps keyed by Brightpearl's type codes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Communication {
    /// `PRI`, `SEC`, `TER` emails.
    #[serde(default)]
    pub emails: Emails,
    /// `PRI`, `SEC`, `MOB`, `FAX` numbers.
    #[serde(default)]
    pub telephones: Telephones,
    /// `SKP` (Skype).
    #[serde(default)]
    pub messaging_voips: Map<String, Value>,
    /// `PRI` website.
    #[serde(default)]
    pub websites: Map<String, Value>,
}

/// `communication.emails`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Emails {
    /// Primary.
    #[serde(rename = "PRI", default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<Email>,
    /// Secondary.
    #[serde(rename = "SEC", default, skip_serializing_if = "Option::is_none")]
    pub secondary: Option<Email>,
    /// Tertiary.
    #[serde(rename = "TER", default, skip_serializing_if = "Option::is_none")]
    pub tertiary: Option<Email>,
}

/// One email entry `{"email": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Email {
    /// The address as typed.
    #[serde(default)]
    pub email: String,
}

/// `communication.telephones`: numbers as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Telephones {
    /// Primary.
    #[serde(rename = "PRI", default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Secondary.
    #[serde(rename = "SEC", default, skip_serializing_if = "Option::is_none")]
    pub secondary: Option<String>,
    /// Mobile.
    #[serde(rename = "MOB", default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// Fax.
    #[serde(rename = "FAX", default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
}

/// `contactStatus`: `{"current": {"contactStatusId": 0}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct ContactStatus {
    /// The status in force.
    #[serde(default)]
    pub current: CurrentContactStatus,
}

/// The status in force.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentContactStatus {
    /// The status id (0 = none).
    #[serde(default)]
    pub contact_status_id: u64,
}

/// `relationshipToAccount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipToAccount {
    /// A supplier.
    #[serde(default)]
    pub is_supplier: bool,
    /// A staff member.
    #[serde(default)]
    pub is_staff: bool,
}

/// `marketingDetails`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketingDetails {
    /// Whether the contact accepts the newsletter.
    #[serde(default)]
    pub is_receive_email_newsletter: bool,
}

/// `financialDetails` of a contact. Unlike orders, amounts here are JSON numbers.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactFinancialDetails {
    /// The price list the contact's orders use.
    #[serde(default)]
    pub price_list_id: u64,
    /// The sales (or purchase) nominal code, as text (`"0"` for none).
    #[serde(default, deserialize_with = "text::deserialize")]
    pub nominal_code: String,
    /// The tax code for the contact's orders, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code_id: Option<u64>,
    /// Credit limit in the contact's currency.
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub credit_limit: Option<Decimal>,
    /// Payment terms in days.
    #[serde(default)]
    pub credit_term_days: u32,
    /// The contact's currency.
    #[serde(default)]
    pub currency_id: u64,
    /// Default discount, percent.
    #[serde(
        default,
        with = "decimal::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount_percentage: Option<Decimal>,
    /// Credit term type.
    #[serde(default)]
    pub credit_term_type_id: u64,
    /// VAT / tax number, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
}

/// `assignment`: `{"current": {…}}`, with only the keys that are set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct ContactAssignment {
    /// The assignment in force.
    #[serde(default)]
    pub current: CurrentContactAssignment,
}

/// Who and what a contact is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentContactAssignment {
    /// The staff owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_owner_contact_id: Option<u64>,
    /// How the contact found the business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_source_id: Option<u64>,
    /// Project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<u64>,
    /// Team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<u64>,
    /// The customer account code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_reference: Option<String>,
}

/// `organisation`: the company (or the contact's own id when it has none).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    /// The company id, or the contact's own id.
    #[serde(default)]
    pub organisation_id: u64,
    /// The company name (INFERRED key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The contact's job title there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
}

/// A postal address (GET `/contact-service/postal-address/{ids}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostalAddress {
    /// The address id.
    pub address_id: u64,
    /// The contact using it.
    #[serde(default)]
    pub contact_id: u64,
    /// Street.
    #[serde(default)]
    pub address_line1: String,
    /// Suburb / locality.
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
    /// ISO alpha-3 (`GBR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_iso_code: Option<String>,
    /// ISO alpha-2 (`GB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_iso_code2: Option<String>,
    /// Brightpearl's country id (0 when none).
    #[serde(default)]
    pub country_id: u64,
}

/// A company contacts belong to (GET `/contact-service/company/{ids}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Company {
    /// The company id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
}

/// A contact tag (GET `/contact-service/tag` answers a map of these keyed by tag id).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactTag {
    /// The tag id.
    pub tag_id: u64,
    /// Its name.
    #[serde(default)]
    pub tag_name: String,
    /// The parent tag (0 = none).
    #[serde(default)]
    pub tag_parent_id: u64,
    /// Display colour (`#ff0000`).
    #[serde(default)]
    pub tag_color: String,
}

/// A contact group (GET `/contact-service/contact-group`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ContactGroup {
    /// The group id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A lead source (GET `/contact-service/lead-source`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadSource {
    /// The lead source id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The parent lead source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u64>,
    /// The staff owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<u64>,
    /// Whether it can be chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

/// One row of `contact-search` (reference §6.5), read with `SearchPage::rows_as`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactSearchRow {
    /// The contact id.
    pub contact_id: u64,
    /// Primary email.
    #[serde(default)]
    pub primary_email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Company name.
    #[serde(default)]
    pub company_name: Option<String>,
    /// A supplier.
    #[serde(default)]
    pub is_supplier: Option<bool>,
    /// A customer.
    #[serde(default)]
    pub is_customer: Option<bool>,
    /// Staff.
    #[serde(default)]
    pub is_staff: Option<bool>,
    /// Created.
    #[serde(default)]
    pub created_on: Option<Stamp>,
    /// Last change.
    #[serde(default)]
    pub updated_on: Option<Stamp>,
    /// Primary phone.
    #[serde(default)]
    pub pri: Option<String>,
    /// Mobile phone.
    #[serde(default)]
    pub mob: Option<String>,
}

/// POST `/contact-service/contact`: a new contact (create its addresses first).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    /// Mr, Ms, ….
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salutation: Option<String>,
    /// First name (at most 32 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name (at most 32 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Address ids from postal-address POSTs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_address_ids: Option<PostAddressIds>,
    /// Emails and phones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communication: Option<Communication>,
    /// `{"name": "Company"}` for a company contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<NewOrganisation>,
    /// Supplier / staff flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relationship_to_account: Option<RelationshipToAccount>,
    /// Price list, terms, currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub financial_details: Option<ContactFinancialDetails>,
    /// Newsletter consent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketing_details: Option<MarketingDetails>,
    /// Staff owner, lead source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment: Option<ContactAssignment>,
}

/// `organisation` of a new contact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NewOrganisation {
    /// The company name.
    pub name: String,
}

/// POST `/contact-service/postal-address`: `addressLine1` is required.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPostalAddress {
    /// Street (required).
    pub address_line1: String,
    /// Suburb / locality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// State / county.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line4: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO alpha-3 as documented (alpha-2 is accepted too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_iso_code: Option<String>,
}
