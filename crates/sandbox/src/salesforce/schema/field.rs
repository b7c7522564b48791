//! Fields: their types, what describe says about them, and what deleting a parent does.

use super::build::label_for;
use serde::Deserialize;

/// A field's data type, as describe reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// A record id (only the `Id` field).
    Id,
    /// Text up to `length`.
    String,
    /// Long text up to `length`.
    TextArea,
    /// true / false.
    Boolean,
    /// Whole number.
    Int,
    /// Floating-point number.
    Double,
    /// Money (a JSON number on the wire).
    Currency,
    /// Percentage.
    Percent,
    /// Calendar date, `yyyy-MM-dd`.
    Date,
    /// Instant, `yyyy-MM-ddTHH:mm:ss.SSS+0000`.
    DateTime,
    /// One value from a list.
    Picklist,
    /// Several values from a list, joined with `;`.
    MultiPicklist,
    /// The id of another record.
    Reference,
    /// Phone number (text).
    Phone,
    /// Email address (text, checked).
    Email,
    /// URL (text).
    Url,
    /// Compound address (read-only, computed from its component fields).
    Address,
}

impl FieldType {
    /// The name describe reports.
    pub fn describe_name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::String => "string",
            FieldType::TextArea => "textarea",
            FieldType::Boolean => "boolean",
            FieldType::Int => "int",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Picklist => "picklist",
            FieldType::MultiPicklist => "multipicklist",
            FieldType::Reference => "reference",
            FieldType::Phone => "phone",
            FieldType::Email => "email",
            FieldType::Url => "url",
            FieldType::Address => "address",
        }
    }

    /// The SOAP type describe reports.
    pub fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Int => "xsd:int",
            FieldType::Double | FieldType::Currency | FieldType::Percent => "xsd:double",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            FieldType::Address => "urn:address",
            _ => "xsd:string",
        }
    }

    /// Whether values are text (length-checked, LIKE-able).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::TextArea
                | FieldType::Picklist
                | FieldType::MultiPicklist
                | FieldType::Phone
                | FieldType::Email
                | FieldType::Url
        )
    }

    /// Whether values are numbers.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent
        )
    }
}

/// What deleting a parent record does to the records that refer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDelete {
    /// The reference is cleared (a lookup).
    #[default]
    Clear,
    /// The child is deleted with the parent (master-detail).
    Cascade,
    /// The parent cannot be deleted while children exist.
    Restrict,
}

/// One field of an object.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// API name, canonical casing.
    pub name: String,
    /// Label shown in describe.
    pub label: String,
    /// Data type.
    pub field_type: FieldType,
    /// Maximum characters for text types (0 otherwise).
    pub length: u32,
    /// Digits for numbers.
    pub precision: u32,
    /// Digits after the point for numbers.
    pub scale: u32,
    /// Must have a value on create (unless defaulted).
    pub required: bool,
    /// Can be set on create.
    pub createable: bool,
    /// Can be changed on update.
    pub updateable: bool,
    /// Values are unique across the object.
    pub unique: bool,
    /// Usable as an upsert key.
    pub external_id: bool,
    /// Uniqueness and equality respect case (ids do; text keys do not by default).
    pub case_sensitive: bool,
    /// Picklist values, in order.
    pub values: Vec<String>,
    /// Only listed values are accepted.
    pub restricted: bool,
    /// Value used on create when none is given.
    pub default: Option<toml::Value>,
    /// Target object of a reference.
    pub reference_to: Option<String>,
    /// Name of the parent relationship (`Account` for `AccountId`).
    pub relationship: Option<String>,
    /// Name of the relationship from the parent's side (`Contacts`).
    pub child_relationship: Option<String>,
    /// Auto-number display format, e.g. `{00000100}` or `PAY-{000000}`.
    pub auto_number: Option<String>,
    /// What deleting the referenced parent does to this record.
    pub on_delete: OnDelete,
    /// The object's name field.
    pub name_field: bool,
    /// A custom field (`__c`).
    pub custom: bool,
    /// For a compound address: the prefix of its component fields (`Billing`).
    pub address_prefix: Option<String>,
    /// For a component of a compound address: the compound field's index and the component's
    /// lowerCamel key in it.
    pub compound_of: Option<(usize, &'static str)>,
    /// A system field the org maintains (Id, audit fields).
    pub system: bool,
}

impl FieldDef {
    pub(super) fn new(name: &str, field_type: FieldType) -> FieldDef {
        FieldDef {
            name: name.to_string(),
            label: label_for(name),
            field_type,
            length: 0,
            precision: 0,
            scale: 0,
            required: false,
            createable: true,
            updateable: true,
            unique: false,
            external_id: false,
            case_sensitive: false,
            values: Vec::new(),
            restricted: false,
            default: None,
            reference_to: None,
            relationship: None,
            child_relationship: None,
            auto_number: None,
            on_delete: OnDelete::Clear,
            name_field: false,
            custom: name.ends_with("__c"),
            address_prefix: None,
            compound_of: None,
            system: false,
        }
    }

    /// Nillable as describe says: booleans never are; required fields are not.
    pub fn nillable(&self) -> bool {
        !(self.required
            || self.field_type == FieldType::Boolean
            || self.field_type == FieldType::Id)
    }

    /// Read-only for API callers (neither createable nor updateable).
    pub fn read_only(&self) -> bool {
        !self.createable && !self.updateable
    }
}
