//! Received events: replay ids, the typed `ChangeEventHeader` (reference §9.2), bitmap fields
//! turned into names (§9.3), and the `changeOrigin` client id used for echo suppression.

use super::avro::{EventSchema, SchemaField};
use serde_json::{Map, Value};
use std::fmt;

/// A replay id: opaque bytes, kept exactly as received (Salesforce's are not contiguous and
/// not always 8 bytes long; never compute with them). Stored in checkpoints as lowercase hex.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct ReplayId(pub Vec<u8>);

impl ReplayId {
    /// Lowercase hex, the checkpoint form.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses the checkpoint form; `None` when `text` is not even-length hex.
    pub fn from_hex(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || !text.len().is_multiple_of(2) {
            return None;
        }
        (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .map(Self)
    }

    /// True when no id was given (the server sends empty bytes before any event exists).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ReplayId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplayId({})", self.to_hex())
    }
}

impl fmt::Display for ReplayId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// `changeType` (§9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeType {
    /// A record was created.
    Create,
    /// A record was updated.
    Update,
    /// A record was deleted.
    Delete,
    /// A record was restored from the recycle bin.
    Undelete,
    /// Reserved by Salesforce.
    Snapshot,
    /// A create whose event could not be generated: re-read the records.
    GapCreate,
    /// An update whose event could not be generated: re-read the records.
    GapUpdate,
    /// A delete whose event could not be generated: re-read the records.
    GapDelete,
    /// An undelete whose event could not be generated: re-read the records.
    GapUndelete,
    /// A transaction over 100,000 changes: resync the whole object.
    GapOverflow,
}

impl ChangeType {
    /// Parses the wire symbol.
    pub fn parse(symbol: &str) -> Option<Self> {
        Some(match symbol {
            "CREATE" => Self::Create,
            "UPDATE" => Self::Update,
            "DELETE" => Self::Delete,
            "UNDELETE" => Self::Undelete,
            "SNAPSHOT" => Self::Snapshot,
            "GAP_CREATE" => Self::GapCreate,
            "GAP_UPDATE" => Self::GapUpdate,
            "GAP_DELETE" => Self::GapDelete,
            "GAP_UNDELETE" => Self::GapUndelete,
            "GAP_OVERFLOW" => Self::GapOverflow,
            _ => return None,
        })
    }

    /// The wire symbol.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Undelete => "UNDELETE",
            Self::Snapshot => "SNAPSHOT",
            Self::GapCreate => "GAP_CREATE",
            Self::GapUpdate => "GAP_UPDATE",
            Self::GapDelete => "GAP_DELETE",
            Self::GapUndelete => "GAP_UNDELETE",
            Self::GapOverflow => "GAP_OVERFLOW",
        }
    }

    /// True for `GAP_CREATE` … `GAP_UNDELETE` (not overflow).
    pub fn is_gap(self) -> bool {
        matches!(
            self,
            Self::GapCreate | Self::GapUpdate | Self::GapDelete | Self::GapUndelete
        )
    }
}

/// The `ChangeEventHeader` of a change event, typed, with the bitmap fields turned into names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEventHeader {
    /// The object's API name.
    pub entity_name: String,
    /// The records the event covers (several when identical changes were merged).
    pub record_ids: Vec<String>,
    /// What happened.
    pub change_type: ChangeType,
    /// Who caused it: `com/salesforce/api/rest/62.0;client=ferry`, or empty.
    pub change_origin: String,
    /// The same for every change of one transaction.
    pub transaction_key: String,
    /// 1-based order within the transaction.
    pub sequence_number: i64,
    /// Commit time, epoch milliseconds.
    pub commit_timestamp: i64,
    /// The system change number (diagnostic).
    pub commit_number: i64,
    /// The user who committed.
    pub commit_user: String,
    /// Fields that changed (`Industry`, `BillingAddress.Street`).
    pub changed_fields: Vec<String>,
    /// Fields set to null.
    pub nulled_fields: Vec<String>,
    /// Fields sent as diffs (long text).
    pub diff_fields: Vec<String>,
}

impl ChangeEventHeader {
    /// Reads the header from a decoded payload; bitmap fields are decoded against `schema`.
    /// `None` when the payload has no `ChangeEventHeader` (a platform event).
    pub fn from_fields(
        fields: &Map<String, Value>,
        schema: &EventSchema,
    ) -> Option<Result<Self, String>> {
        let header = fields.get("ChangeEventHeader")?.as_object()?;
        Some(Self::from_header(header, schema.fields()))
    }

    /// Reads a decoded `ChangeEventHeader` object; `fields` is the event schema's field list.
    pub fn from_header(
        header: &Map<String, Value>,
        fields: &[SchemaField],
    ) -> Result<Self, String> {
        let text = |name: &str| {
            header
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let number = |name: &str| header.get(name).and_then(Value::as_i64).unwrap_or(0);
        let list = |name: &str| -> Vec<String> {
            header
                .get(name)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let symbol = text("changeType");
        let change_type = ChangeType::parse(&symbol).ok_or_else(|| {
            format!("ChangeEventHeader.changeType {symbol:?} is not a change type Ferry knows")
        })?;
        let entity_name = text("entityName");
        if entity_name.is_empty() {
            return Err("ChangeEventHeader.entityName is missing".into());
        }
        let bitmap = |name: &str| {
            decode_bitmap(&list(name), fields)
                .map_err(|e| format!("ChangeEventHeader.{name} of {entity_name}: {e}"))
        };
        Ok(Self {
            record_ids: list("recordIds"),
            change_type,
            change_origin: text("changeOrigin"),
            transaction_key: text("transactionKey"),
            sequence_number: number("sequenceNumber"),
            commit_timestamp: number("commitTimestamp"),
            commit_number: number("commitNumber"),
            commit_user: text("commitUser"),
            changed_fields: bitmap("changedFields")?,
            nulled_fields: bitmap("nulledFields")?,
            diff_fields: bitmap("diffFields")?,
            entity_name,
        })
    }
}

/// Turns a bitmap field (§9.3) into field names: element 0 is `0x<hex>` over the top-level
/// fields (bit i = field i, LSB first), later elements are `<parent>-0x<hex>` over the children
/// of the compound field at index `parent`, named `Parent.Child`. Names come out in schema
/// order. An already-decoded list (plain names, as CometD sends) is returned as is.
pub fn decode_bitmap(entries: &[String], fields: &[SchemaField]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let entry = entry.trim();
        let (parent, hex) = match entry.split_once("-0x").or_else(|| entry.split_once("-0X")) {
            Some((parent, hex)) => (Some(parent), hex),
            None => match entry
                .strip_prefix("0x")
                .or_else(|| entry.strip_prefix("0X"))
            {
                Some(hex) => (None, hex),
                // Not a bitmap: a field name already.
                None => {
                    names.push(entry.to_owned());
                    continue;
                }
            },
        };
        let bits = set_bits(hex).ok_or_else(|| format!("element {n} {entry:?} is not hex"))?;
        match parent {
            None => {
                for bit in bits {
                    let field = fields.get(bit).ok_or_else(|| {
                        format!(
                            "bit {bit} of {entry:?} is past the schema's {} fields",
                            fields.len()
                        )
                    })?;
                    names.push(field.name.clone());
                }
            }
            Some(parent) => {
                let index: usize = parent
                    .parse()
                    .map_err(|_| format!("element {n} {entry:?} has no parent index"))?;
                let field = fields.get(index).ok_or_else(|| {
                    format!(
                        "parent {index} of {entry:?} is past the schema's {} fields",
                        fields.len()
                    )
                })?;
                for bit in bits {
                    let child = field.children.get(bit).ok_or_else(|| {
                        format!(
                            "bit {bit} of {entry:?} is past the {} fields of {}",
                            field.children.len(),
                            field.name
                        )
                    })?;
                    names.push(format!("{}.{child}", field.name));
                }
            }
        }
    }
    Ok(names)
}

/// The set bits of a big-endian hex number of any length, lowest first.
fn set_bits(hex: &str) -> Option<Vec<usize>> {
    if hex.is_empty() {
        return None;
    }
    let mut bits = Vec::new();
    for (position, digit) in hex.chars().rev().enumerate() {
        let nibble = digit.to_digit(16)?;
        for b in 0..4 {
            if nibble & (1 << b) != 0 {
                bits.push(position * 4 + b);
            }
        }
    }
    Some(bits)
}

/// The client id in a `changeOrigin` (`…;client=ferry` or `…;client=SfdcInternalAPI/`), with the
/// trailing `/` real orgs add removed.
pub fn origin_client(change_origin: &str) -> Option<&str> {
    change_origin
        .split(';')
        .find_map(|part| part.trim().strip_prefix("client="))
        .map(|client| client.trim_end_matches('/'))
}

/// True when the change was caused by a caller whose `Sforce-Call-Options` client id is exactly
/// `client_name`: Ferry's own write coming back (echo suppression).
pub fn is_echo(change_origin: &str, client_name: &str) -> bool {
    origin_client(change_origin).is_some_and(|client| client == client_name)
}

/// One event as received and decoded.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its replay id, as received.
    pub replay_id: ReplayId,
    /// The producer's event id.
    pub id: String,
    /// The schema it was encoded with.
    pub schema_id: String,
    /// The decoded payload, in schema order (change events include `ChangeEventHeader`).
    pub fields: Map<String, Value>,
    /// The typed header, for change events.
    pub header: Option<ChangeEventHeader>,
}
