//! Typed SOQL literals. Text is the only kind a caller controls character by character, so it
//! is the only kind that is escaped; every other kind is rendered from a typed value and
//! cannot carry a quote.

use super::SoqlError;
use rust_decimal::Decimal;
use std::fmt;
use time::{Date, OffsetDateTime, UtcOffset};

/// Escapes text for the inside of a SOQL string literal (the quotes are not added).
///
/// Backslash, both quotes, newline, carriage return, tab, backspace and form feed become their
/// backslash escapes; everything else (including other Unicode) is kept as it is, which SOQL
/// accepts between quotes. The result can never end the literal early: every `'` it contains
/// is preceded by an odd run of backslashes.
pub fn escape_text(text: &str) -> String {
    escape(text, false)
}

/// Escapes text for a LIKE pattern that must match literally: [`escape_text`] plus `\_` and
/// `\%`, so the wildcards in `text` stand for themselves.
pub fn escape_like(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, like: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '_' if like => out.push_str("\\_"),
            '%' if like => out.push_str("\\%"),
            other => out.push(other),
        }
    }
    out
}

/// A Salesforce record id: 15 characters (case-sensitive) or 18 (with the case checksum).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(String);

impl RecordId {
    /// Validates an id: 15 or 18 ASCII letters and digits; an 18-character id must carry the
    /// checksum that matches its first 15 characters.
    pub fn new(value: &str) -> Result<RecordId, SoqlError> {
        let refuse = |reason: &str| SoqlError::InvalidId {
            value: value.to_string(),
            reason: reason.to_string(),
        };
        if value.len() != 15 && value.len() != 18 {
            return Err(refuse("it must be 15 or 18 characters long"));
        }
        if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(refuse("it may only contain letters and digits"));
        }
        if value.len() == 18 && value[15..] != checksum(&value[..15]) {
            return Err(refuse(
                "its last three characters do not match the checksum of the first fifteen \
                 (was its case changed?)",
            ));
        }
        Ok(RecordId(value.to_string()))
    }

    /// The 18-character form (Salesforce always returns this one).
    pub fn to_18(&self) -> String {
        if self.0.len() == 18 {
            self.0.clone()
        } else {
            format!("{}{}", self.0, checksum(&self.0))
        }
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The 3-character suffix of an 18-character id: one character per 5-character chunk, whose
/// bits say which characters of the chunk are upper case.
fn checksum(id15: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            char::from(ALPHABET[bits & 31])
        })
        .collect()
}

/// A relative date literal (`TODAY`, `LAST_N_DAYS:30` ...), evaluated by Salesforce in the
/// org's time zone at query time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLiteral {
    /// `YESTERDAY`
    Yesterday,
    /// `TODAY`
    Today,
    /// `TOMORROW`
    Tomorrow,
    /// `LAST_WEEK`
    LastWeek,
    /// `THIS_WEEK`
    ThisWeek,
    /// `NEXT_WEEK`
    NextWeek,
    /// `LAST_MONTH`
    LastMonth,
    /// `THIS_MONTH`
    ThisMonth,
    /// `NEXT_MONTH`
    NextMonth,
    /// `THIS_YEAR`
    ThisYear,
    /// `LAST_N_DAYS:n`
    LastNDays(u32),
    /// `NEXT_N_DAYS:n`
    NextNDays(u32),
    /// `N_DAYS_AGO:n`
    NDaysAgo(u32),
    /// `LAST_N_MONTHS:n`
    LastNMonths(u32),
}

impl fmt::Display for DateLiteral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateLiteral::Yesterday => f.write_str("YESTERDAY"),
            DateLiteral::Today => f.write_str("TODAY"),
            DateLiteral::Tomorrow => f.write_str("TOMORROW"),
            DateLiteral::LastWeek => f.write_str("LAST_WEEK"),
            DateLiteral::ThisWeek => f.write_str("THIS_WEEK"),
            DateLiteral::NextWeek => f.write_str("NEXT_WEEK"),
            DateLiteral::LastMonth => f.write_str("LAST_MONTH"),
            DateLiteral::ThisMonth => f.write_str("THIS_MONTH"),
            DateLiteral::NextMonth => f.write_str("NEXT_MONTH"),
            DateLiteral::ThisYear => f.write_str("THIS_YEAR"),
            DateLiteral::LastNDays(n) => write!(f, "LAST_N_DAYS:{n}"),
            DateLiteral::NextNDays(n) => write!(f, "NEXT_N_DAYS:{n}"),
            DateLiteral::NDaysAgo(n) => write!(f, "N_DAYS_AGO:{n}"),
            DateLiteral::LastNMonths(n) => write!(f, "LAST_N_MONTHS:{n}"),
        }
    }
}

/// A typed SOQL value. Build one with the constructors; the enum is not exhaustive so that a
/// value can only exist in a form that renders safely.
#[derive(Debug, Clone, PartialEq)]
pub struct Value(pub(crate) Kind);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Text(String),
    Int(i64),
    Decimal(Decimal),
    Bool(bool),
    Null,
    Date(Date),
    DateTime(OffsetDateTime),
    Id(RecordId),
    Relative(DateLiteral),
}

const MIN_YEAR: i32 = 1700;
const MAX_YEAR: i32 = 4000;

impl Value {
    /// Any text; it is escaped when rendered.
    pub fn text(text: impl Into<String>) -> Value {
        Value(Kind::Text(text.into()))
    }

    /// A whole number.
    pub fn int(n: i64) -> Value {
        Value(Kind::Int(n))
    }

    /// A decimal number (money, quantities): rendered exactly, never through a float.
    pub fn decimal(n: Decimal) -> Value {
        Value(Kind::Decimal(n))
    }

    /// `true` or `false`.
    pub fn bool(b: bool) -> Value {
        Value(Kind::Bool(b))
    }

    /// `null`: with `=`/`!=` it tests whether a field is empty.
    pub fn null() -> Value {
        Value(Kind::Null)
    }

    /// A date, rendered `YYYY-MM-DD` (unquoted, as SOQL wants).
    pub fn date(date: Date) -> Result<Value, SoqlError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
            return Err(SoqlError::DateOutOfRange {
                value: date.to_string(),
            });
        }
        Ok(Value(Kind::Date(date)))
    }

    /// A point in time, converted to UTC and rendered `YYYY-MM-DDThh:mm:ssZ`. Sub-second
    /// precision is dropped (SOQL literals carry whole seconds), so a watermark query should
    /// compare with `>=` and tolerate seeing the boundary second again.
    pub fn datetime(at: OffsetDateTime) -> Result<Value, SoqlError> {
        let utc = at.to_offset(UtcOffset::UTC);
        if !(MIN_YEAR..=MAX_YEAR).contains(&utc.year()) {
            return Err(SoqlError::DateOutOfRange {
                value: utc.to_string(),
            });
        }
        Ok(Value(Kind::DateTime(utc)))
    }

    /// A record id, validated (15 or 18 characters with a correct checksum).
    pub fn id(id: &str) -> Result<Value, SoqlError> {
        Ok(Value(Kind::Id(RecordId::new(id)?)))
    }

    /// A relative date literal such as `TODAY` or `LAST_N_DAYS:7`.
    pub fn relative(literal: DateLiteral) -> Value {
        Value(Kind::Relative(literal))
    }

    /// True for [`Value::null`].
    pub fn is_null(&self) -> bool {
        matches!(self.0, Kind::Null)
    }
}

impl From<RecordId> for Value {
    fn from(id: RecordId) -> Value {
        Value(Kind::Id(id))
    }
}

impl From<DateLiteral> for Value {
    fn from(literal: DateLiteral) -> Value {
        Value(Kind::Relative(literal))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Text(text) => write!(f, "'{}'", escape_text(text)),
            Kind::Int(n) => write!(f, "{n}"),
            // Decimal's Display never uses an exponent.
            Kind::Decimal(n) => write!(f, "{n}"),
            Kind::Bool(b) => write!(f, "{b}"),
            Kind::Null => f.write_str("null"),
            Kind::Date(d) => write!(
                f,
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ),
            Kind::DateTime(t) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            Kind::Id(id) => write!(f, "'{id}'"),
            Kind::Relative(literal) => write!(f, "{literal}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape_text("a'b\"c\\d\ne\rf\tg\u{8}h\u{c}i_%é"),
            "a\\'b\\\"c\\\\d\\ne\\rf\\tg\\bh\\fi_%é"
        );
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn renders_each_kind() {
        use std::str::FromStr;
        assert_eq!(Value::text("O'Brien").to_string(), "'O\\'Brien'");
        assert_eq!(Value::int(-3).to_string(), "-3");
        let amount = Decimal::from_str("12.500").unwrap();
        assert_eq!(Value::decimal(amount).to_string(), "12.500");
        assert_eq!(Value::bool(true).to_string(), "true");
        assert_eq!(Value::null().to_string(), "null");
        assert_eq!(
            Value::date(date!(2024 - 01 - 05)).unwrap().to_string(),
            "2024-01-05"
        );
        assert_eq!(
            Value::datetime(datetime!(2024-01-05 01:02:03.999 +02:00))
                .unwrap()
                .to_string(),
            "2024-01-04T23:02:03Z"
        );
        assert!(Value::date(date!(1600 - 01 - 01)).is_err());
        assert_eq!(
            Value::relative(DateLiteral::LastNDays(7)).to_string(),
            "LAST_N_DAYS:7"
        );
        assert_eq!(
            Value::id("001D000000IRFma").unwrap().to_string(),
            "'001D000000IRFma'"
        );
    }

    #[test]
    fn ids_are_checked_with_their_checksum() {
        for (id15, id18) in [
            ("00558000001N0Ke", "00558000001N0KeAAK"),
            ("001D000000IRFma", "001D000000IRFmaIAH"),
            ("0015f00002J9YYE", "0015f00002J9YYEAA3"),
        ] {
            assert_eq!(RecordId::new(id15).unwrap().to_18(), id18);
            assert!(RecordId::new(id18).is_ok());
        }
        assert!(RecordId::new("001D000000IRFmaIAA").is_err());
        assert!(RecordId::new("001D000000IRFm'").is_err());
        assert!(RecordId::new("001").is_err());
    }
}
