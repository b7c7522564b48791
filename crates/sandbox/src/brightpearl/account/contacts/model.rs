//! The contact service's records in Brightpearl's GET shape: field names and order follow the
//! recorded `GET /contact-service/contact/{id}` (customer/get/simple_get.yml), so rendering is
//! serialising and a recorded body deserialises into [`Contact`]. Keys the recordings omit when
//! unset are `Option`s skipped when `None`.

use crate::brightpearl::wire::Stamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// A contact (customer, supplier or staff) exactly as `GET /contact/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// The id.
    pub contact_id: u64,
    /// Whether this is the primary contact of its organisation.
    #[serde(default = "yes")]
    pub is_primary_contact: bool,
    /// "Mr", "Ms", ... (at most 32 characters).
    #[serde(default)]
    pub salutation: String,
    /// At most 32 characters.
    #[serde(default)]
    pub first_name: String,
    /// At most 32 characters.
    #[serde(default)]
    pub last_name: String,
    /// Default, billing and delivery postal-address ids.
    #[serde(default)]
    pub post_address_ids: PostAddressIds,
    /// Emails, telephones, messaging and websites, keyed by type code.
    #[serde(default)]
    pub communication: Communication,
    /// The contact status (`current.contactStatusId`).
    #[serde(default)]
    pub contact_status: ContactStatus,
    /// Supplier / staff flags.
    #[serde(default)]
    pub relationship_to_account: RelationshipToAccount,
    /// Newsletter consent.
    #[serde(default)]
    pub marketing_details: MarketingDetails,
    /// Price list, nominal code, credit terms, currency.
    #[serde(default)]
    pub financial_details: FinancialDetails,
    /// Staff owner, lead source, project, team (`{"current":{}}` when none is set).
    #[serde(default)]
    pub assignment: Assignment,
    /// The organisation: its id (the contact's own id when it has no company) and name.
    #[serde(default)]
    pub organisation: Organisation,
    /// `UNKNOWN`, `RETAIL` or `TRADE`.
    #[serde(default = "unknown_trade_status")]
    pub trade_status: String,
    /// The staff contact who created it; Brightpearl spells the key `createdByid`.
    #[serde(rename = "createdByid", default)]
    pub created_by_id: u64,
    /// When it was created.
    pub created_on: Stamp,
    /// When it last changed (set on creation too: contact-search shows it equal to createdOn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<Stamp>,
    /// Tag ids as a comma list (`"9"`, `"9,16"`), `""` when untagged.
    #[serde(default)]
    pub contact_tags: String,
    /// Alternative identifiers (always `{}` in the recordings).
    #[serde(default)]
    pub aliases: Map<String, Json>,
    /// The company the contact belongs to; 0 when none.
    #[serde(default)]
    pub company_id: u64,
}

fn yes() -> bool {
    true
}

fn unknown_trade_status() -> String {
    "UNKNOWN".into()
}

impl Contact {
    /// The tag ids of `contactTags`, in the order written (unparsable pieces skipped).
    pub fn tag_ids(&self) -> Vec<u64> {
        self.contact_tags
            .split(',')
            .filter_map(|t| t.trim().parse().ok())
            .collect()
    }

    /// `first last` as an order party's `addressFullName` shows it.
    pub fn full_name(&self) -> String {
        match (self.first_name.trim(), self.last_name.trim()) {
            ("", last) => last.to_string(),
            (first, "") => first.to_string(),
            (first, last) => format!("{first} {last}"),
        }
    }

    /// The primary email, or `""`.
    pub fn primary_email(&self) -> &str {
        self.communication
            .emails
            .primary
            .as_ref()
            .map_or("", |e| e.email.as_str())
    }
}

/// `postAddressIds`: `{"DEF":418692,"BIL":418692,"DEL":418693}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostAddressIds {
    /// The default address.
    #[serde(rename = "DEF", default, skip_serializing_if = "Option::is_none")]
    pub default: Option<u64>,
    /// The billing (invoice) address.
    #[serde(rename = "BIL", default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<u64>,
    /// The delivery address.
    #[serde(rename = "DEL", default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<u64>,
}

/// `communication`: each map is keyed by Brightpearl's type codes; absent types are omitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Communication {
    /// PRI / SEC / TER.
    #[serde(default)]
    pub emails: Emails,
    /// PRI / SEC / MOB / FAX.
    #[serde(default)]
    pub telephones: Telephones,
    /// SKP.
    #[serde(default)]
    pub messaging_voips: MessagingVoips,
    /// PRI.
    #[serde(default)]
    pub websites: Websites,
}

/// `emails`: `{"PRI":{"email":"a@b.com"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// One email entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The address.
    pub email: String,
}

/// `telephones`: numbers as typed, keyed by type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// `messagingVoips`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingVoips {
    /// Skype name.
    #[serde(rename = "SKP", default, skip_serializing_if = "Option::is_none")]
    pub skype: Option<String>,
}

/// `websites`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Websites {
    /// Primary website.
    #[serde(rename = "PRI", default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
}

/// `contactStatus`: `{"current":{"contactStatusId":0}}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactStatus {
    /// The status in force.
    #[serde(default)]
    pub current: CurrentStatus,
}

/// The status in force.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentStatus {
    /// 0 when the account uses no contact statuses.
    #[serde(default)]
    pub contact_status_id: u64,
}

/// `relationshipToAccount`. Whether the contact is a customer is not part of the GET shape
/// (contact-search has `isCustomer`); it is kept on [`ContactRecord`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipToAccount {
    /// A supplier (purchase orders name it as `parties.supplier`).
    #[serde(default)]
    pub is_supplier: bool,
    /// A staff member (can own records, raise goods-out events).
    #[serde(default)]
    pub is_staff: bool,
}

/// `marketingDetails`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketingDetails {
    /// Newsletter consent.
    #[serde(default)]
    pub is_receive_email_newsletter: bool,
}

/// `financialDetails`. `nominalCode` is a string; `creditLimit` a whole number when whole;
/// `discountPercentage` a JSON number (reference §9: a string in orders, a number here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinancialDetails {
    /// The price list orders for this contact use.
    #[serde(default)]
    pub price_list_id: u64,
    /// The sales (or purchase) nominal code, as text.
    #[serde(default = "zero_code", deserialize_with = "number::text")]
    pub nominal_code: String,
    /// The tax code applied to the contact's orders, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code_id: Option<u64>,
    /// Credit limit in the contact's currency.
    #[serde(
        default,
        serialize_with = "number::whole_or_float",
        deserialize_with = "number::decimal"
    )]
    pub credit_limit: Decimal,
    /// Payment terms in days.
    #[serde(default)]
    pub credit_term_days: u32,
    /// The contact's currency.
    #[serde(default)]
    pub currency_id: u64,
    /// Default discount on the contact's orders.
    #[serde(
        default,
        serialize_with = "number::float",
        deserialize_with = "number::decimal"
    )]
    pub discount_percentage: Decimal,
    /// Credit term type (1 in the recordings).
    #[serde(default)]
    pub credit_term_type_id: u64,
    /// VAT / tax number, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
}

fn zero_code() -> String {
    "0".into()
}

impl Default for FinancialDetails {
    fn default() -> FinancialDetails {
        FinancialDetails {
            price_list_id: 0,
            nominal_code: zero_code(),
            tax_code_id: None,
            credit_limit: Decimal::ZERO,
            credit_term_days: 0,
            currency_id: 0,
            discount_percentage: Decimal::ZERO,
            credit_term_type_id: 1,
            tax_number: None,
        }
    }
}

/// `assignment`: `{"current":{...}}` with only the keys that are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The assignment in force.
    #[serde(default)]
    pub current: CurrentAssignment,
}

/// Who and what the contact is assigned to; unset keys are omitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentAssignment {
    /// The staff contact who owns the relationship.
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
    /// The account reference (customer account code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_reference: Option<String>,
}

/// `organisation`: `{"organisationId":151499}` for a contact without a company (its own id);
/// with a company also its `name` (INFERRED: the company's id and name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    /// The company id, or the contact's own id when it has none.
    #[serde(default)]
    pub organisation_id: u64,
    /// The company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The contact's job title there (contact-search `title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
}

/// A contact with what the account keeps about it beyond the GET shape: whether it is a
/// customer (contact-search `isCustomer`), its custom-field values (GET `/custom-field`), and
/// the dates contact-search shows. GET renders `contact` alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactRecord {
    /// The GET shape.
    pub contact: Contact,
    /// A customer (orders name it as `parties.customer`).
    #[serde(default)]
    pub is_customer: bool,
    /// Custom-field values by code (`PCF_CODAE`), in the form GET `/custom-field` shows them.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_fields: Map<String, Json>,
    /// When an order for the contact was last placed (orders update it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ordered_on: Option<Stamp>,
    /// When the contact was last contacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_contacted_on: Option<Stamp>,
}

impl ContactRecord {
    /// A record around `contact`; a contact that is neither supplier nor staff is a customer.
    pub fn new(contact: Contact) -> ContactRecord {
        let relationship = contact.relationship_to_account;
        ContactRecord {
            is_customer: !relationship.is_supplier && !relationship.is_staff,
            contact,
            custom_fields: Map::new(),
            last_ordered_on: None,
            last_contacted_on: None,
        }
    }
}

/// A postal address as `GET /postal-address/{id}` shows it. The country is optional (a
/// recorded supplier party has `countryId: 0` and no codes); codes are omitted then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostalAddress {
    /// The id.
    pub address_id: u64,
    /// The contact using it; 0 until a contact does (INFERRED).
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
    /// Brightpearl's country id; 0 when none.
    #[serde(default)]
    pub country_id: u64,
}

/// A company (organisation) contacts belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// The id (a contact's `companyId` and `organisation.organisationId`).
    pub id: u64,
    /// The name (a contact's `organisation.name`, contact-search `companyName`).
    pub name: String,
}

/// A contact tag, as `GET /tag` shows it (a map keyed by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// The id.
    pub tag_id: u64,
    /// The name.
    pub tag_name: String,
    /// The parent tag; 0 at the top.
    #[serde(default)]
    pub tag_parent_id: u64,
    /// `#rrggbb`.
    #[serde(default)]
    pub tag_color: String,
}

/// A contact group (channels name one as their `contactGroupId`). INFERRED shape: the recorded
/// body is hand-written `{id, name}`; contact-group-search adds a description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactGroup {
    /// The id.
    pub id: u64,
    /// The name.
    pub name: String,
    /// What the group is for.
    #[serde(default)]
    pub description: String,
}

/// A lead source (how a contact or order came in). INFERRED shape from the Singer tap's
/// `lead-source` stream: `{id, ownerId, parentId, name, isActive}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadSource {
    /// The id.
    pub id: u64,
    /// The staff contact who owns it; 0 for none.
    #[serde(default)]
    pub owner_id: u64,
    /// The parent lead source; 0 at the top.
    #[serde(default)]
    pub parent_id: u64,
    /// The name.
    pub name: String,
    /// Whether new records may use it.
    #[serde(default = "yes")]
    pub is_active: bool,
}

/// One custom field's definition, as `GET /customer/custom-field-meta-data` shows it (the same
/// shape as the recorded order metadata: `{id, code, name, customFieldType, required,
/// options?}` with options keyed by option id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldMeta {
    /// The id.
    pub id: u64,
    /// `PCF_...`, the key in custom-field maps.
    pub code: String,
    /// The label.
    pub name: String,
    /// `TEXT`, `TEXT_AREA`, `INTEGER`, `DECIMAL`, `DATE`, `YES_NO` or `SELECT`.
    pub custom_field_type: String,
    /// Whether a value is required.
    #[serde(default)]
    pub required: bool,
    /// A SELECT's options, keyed by option id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<SelectOptions>,
}

/// A SELECT's options in id order, written as Brightpearl's map
/// `{"160":{"id":160,"value":"Contrato Global"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectOptions(pub Vec<SelectOption>);

/// One option of a SELECT custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectOption {
    /// The option id (what a PATCH writes as `{"id": ...}`).
    pub id: u64,
    /// The label.
    pub value: String,
}

impl SelectOptions {
    /// The option with `id`.
    pub fn get(&self, id: u64) -> Option<&SelectOption> {
        self.0.iter().find(|o| o.id == id)
    }
}

impl Serialize for SelectOptions {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for option in &self.0 {
            map.serialize_entry(&option.id.to_string(), option)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SelectOptions {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<SelectOptions, D::Error> {
        let map = Map::<String, Json>::deserialize(deserializer)?;
        let mut options = Vec::with_capacity(map.len());
        for (_, value) in map {
            options.push(SelectOption::deserialize(value).map_err(serde::de::Error::custom)?);
        }
        options.sort_by_key(|o| o.id);
        Ok(SelectOptions(options))
    }
}

/// Numbers Brightpearl writes in contact financial details.
mod number {
    use crate::brightpearl::wire;
    use rust_decimal::Decimal;
    use rust_decimal::prelude::ToPrimitive;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value as Json;

    /// A JSON number or numeric string as a decimal.
    pub fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let value = Json::deserialize(deserializer)?;
        wire::decimal(&value)
            .ok_or_else(|| serde::de::Error::custom(format!("{value} is not a number")))
    }

    /// A string, or a number written as text (`nominalCode` arrives either way).
    pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        match Json::deserialize(deserializer)? {
            Json::String(s) => Ok(s),
            Json::Number(n) => Ok(n.to_string()),
            other => Err(serde::de::Error::custom(format!("{other} is not a code"))),
        }
    }

    /// A whole number when whole (`"creditLimit":0`), a float otherwise.
    pub fn whole_or_float<S: Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match (value.fract().is_zero(), value.to_i64()) {
            (true, Some(whole)) => serializer.serialize_i64(whole),
            _ => serializer.serialize_f64(value.to_f64().unwrap_or(0.0)),
        }
    }

    /// Always a float (`"discountPercentage":0.0`).
    pub fn float<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(value.to_f64().unwrap_or(0.0))
    }
}
