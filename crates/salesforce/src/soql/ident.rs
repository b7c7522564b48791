//! Salesforce API names (objects, fields, relationship paths). They are validated, never
//! escaped: SOQL has no quoting for names, so the only safe name is one that cannot contain
//! anything but a name.

use super::SoqlError;
use std::fmt;

/// The suffixes Salesforce appends after a double underscore: custom objects and fields (`c`),
/// relationships (`r`), platform events (`e`), external objects (`x`), custom metadata (`mdt`),
/// big objects (`b`), knowledge (`kav`, `ka`), sharing and history tables, change events, and
/// person-account fields (`pc`, `pr`).
const SUFFIXES: &[&str] = &[
    "c",
    "r",
    "e",
    "x",
    "mdt",
    "b",
    "kav",
    "ka",
    "share",
    "history",
    "feed",
    "changeevent",
    "pc",
    "pr",
    "xo",
    "chn",
    "dlm",
];

/// Longest single name part we accept. Salesforce's own limit is 40 characters for a custom
/// name plus a 15-character namespace and a suffix; this leaves room without allowing abuse.
const MAX_SEGMENT: usize = 80;

/// Most dots in a path: five parent relationships and the field (Salesforce's limit).
const MAX_SEGMENTS: usize = 6;

/// A validated object name, field name or relationship path (`Account.Owner.Name`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident(String);

impl Ident {
    /// Validates a field name or relationship path (`Name`, `ExternalID__c`, `Account.Name`).
    pub fn field(name: &str) -> Result<Ident, SoqlError> {
        Ident::checked(name, "field", MAX_SEGMENTS)
    }

    /// Validates an object name (`Account`, `Payment__c`): one segment, no dots.
    pub fn object(name: &str) -> Result<Ident, SoqlError> {
        Ident::checked(name, "object", 1)
    }

    fn checked(name: &str, role: &'static str, max_segments: usize) -> Result<Ident, SoqlError> {
        let refuse = |reason: String| SoqlError::InvalidIdentifier {
            role,
            name: name.to_string(),
            reason,
        };
        if name.is_empty() {
            return Err(refuse("it is empty".into()));
        }
        let segments: Vec<&str> = name.split('.').collect();
        if segments.len() > max_segments {
            return Err(refuse(if max_segments == 1 {
                "an object name has no dots".into()
            } else {
                format!("a path has at most {max_segments} parts (five relationships and a field)")
            }));
        }
        for segment in segments {
            check_segment(segment).map_err(refuse)?;
        }
        Ok(Ident(name.to_string()))
    }

    /// The name as written (Salesforce matches names case-insensitively).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One dot-free part: `Name`, `Account`, `ns__Field__c`, `Geo__Latitude__s`.
fn check_segment(segment: &str) -> Result<(), String> {
    if segment.is_empty() {
        return Err("it has an empty part between dots".into());
    }
    if segment.len() > MAX_SEGMENT {
        return Err(format!("a part is longer than {MAX_SEGMENT} characters"));
    }
    if let Some(bad) = segment
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(format!(
            "it contains {bad:?}; only letters a-z, digits and underscores are allowed"
        ));
    }
    let parts: Vec<&str> = segment.split("__").collect();
    for part in &parts {
        check_part(part)?;
    }
    let suffix = |part: &str| SUFFIXES.iter().any(|s| part.eq_ignore_ascii_case(s));
    let geo = |part: &str| {
        part.eq_ignore_ascii_case("latitude") || part.eq_ignore_ascii_case("longitude")
    };
    let ok = match parts.as_slice() {
        [_] => true,
        // Field__c, Rel__r
        [_, last] => suffix(last),
        // ns__Field__c, Location__Latitude__s
        [_, middle, last] => suffix(last) || (geo(middle) && last.eq_ignore_ascii_case("s")),
        // ns__Location__Latitude__s
        [_, _, middle, last] => geo(middle) && last.eq_ignore_ascii_case("s"),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(
            "a double underscore may only introduce a namespace prefix or a suffix such as \
             __c or __r"
                .into(),
        )
    }
}

/// A part between double underscores: starts with a letter, no trailing underscore (which
/// would make a triple underscore or end the name with one).
fn check_part(part: &str) -> Result<(), String> {
    match part.chars().next() {
        None => Err("it has an underscore where a name part should be".into()),
        Some(first) if !first.is_ascii_alphabetic() => Err(format!(
            "a name (or the part after a double underscore) must start with a letter, not {first:?}"
        )),
        Some(_) if part.ends_with('_') => Err("it ends with an underscore".into()),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_standard_custom_namespaced_and_paths() {
        for name in [
            "Id",
            "Name",
            "ExternalID__c",
            "Account.Name",
            "Account.Owner.Name",
            "Parent__r.Ext_Id__c",
            "npsp__Field__c",
            "Location__Latitude__s",
            "ns__Location__Longitude__s",
            "Payment__ChangeEvent",
            "Billing_Street_2",
        ] {
            assert!(Ident::field(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn refuses_everything_else_with_the_rule() {
        for (name, rule) in [
            ("", "empty"),
            ("1Name", "start with a letter"),
            ("_Name", "start with a letter"),
            ("Name_", "ends with an underscore"),
            ("Na me", "contains ' '"),
            ("Name'", "contains '\\''"),
            ("a..b", "empty part"),
            ("a.", "empty part"),
            ("a___c", "start with a letter"),
            ("a__zz", "double underscore"),
            ("a__b__c__d", "double underscore"),
            ("Nämé", "contains 'ä'"),
            ("a.b.c.d.e.f.g", "at most 6 parts"),
        ] {
            let error = Ident::field(name).unwrap_err().to_string();
            assert!(error.contains(rule), "{name}: {error}");
        }
        assert!(Ident::object("Account.Name").is_err());
    }
}
