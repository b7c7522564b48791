//! Phone numbers to E.164 (`+441632960123`).
//!
//! Written from the ITU calling-code table ([`super::countries`]) and the national dialling
//! rules of Ferry's main markets, instead of a full numbering-plan library: Ferry normalises
//! numbers for matching and for Salesforce's phone fields, it does not route calls. What it
//! knows per country:
//! - the trunk prefix dialled before national numbers (`0` in the UK, `1` in the NANP, `8` in
//!   Russia and Kazakhstan), which E.164 drops; Italy and Spain have none (Italy's leading `0`
//!   is part of the number and is kept);
//! - the length of the national significant number, where it is fixed or bounded.
//!
//! Numbers written internationally (`+`, `00`, and `011` from the NANP) keep their own country.
//! Extensions (`x123`, `ext. 123`, `#123`) are dropped: E.164 has no extensions.

use super::call::{Call, quote};
use super::countries::COUNTRIES;
use minijinja::Error;
use minijinja::value::Value;

/// The dialling rules Ferry knows for one calling code.
struct Plan {
    /// The calling code.
    code: &'static str,
    /// The national trunk prefix, if any.
    trunk: Option<&'static str>,
    /// Allowed lengths of the national significant number.
    nsn: (usize, usize),
}

const PLANS: &[Plan] = &[
    Plan {
        code: "44",
        trunk: Some("0"),
        nsn: (9, 10),
    },
    Plan {
        code: "353",
        trunk: Some("0"),
        nsn: (7, 9),
    },
    Plan {
        code: "49",
        trunk: Some("0"),
        nsn: (6, 13),
    },
    Plan {
        code: "33",
        trunk: Some("0"),
        nsn: (9, 9),
    },
    Plan {
        code: "39",
        trunk: None,
        nsn: (6, 11),
    },
    Plan {
        code: "34",
        trunk: None,
        nsn: (9, 9),
    },
    Plan {
        code: "31",
        trunk: Some("0"),
        nsn: (9, 9),
    },
    Plan {
        code: "32",
        trunk: Some("0"),
        nsn: (8, 9),
    },
    Plan {
        code: "61",
        trunk: Some("0"),
        nsn: (9, 9),
    },
    Plan {
        code: "64",
        trunk: Some("0"),
        nsn: (8, 10),
    },
    Plan {
        code: "1",
        trunk: Some("1"),
        nsn: (10, 10),
    },
    Plan {
        code: "27",
        trunk: Some("0"),
        nsn: (9, 9),
    },
    Plan {
        code: "91",
        trunk: Some("0"),
        nsn: (10, 10),
    },
    Plan {
        code: "7",
        trunk: Some("8"),
        nsn: (10, 10),
    },
    Plan {
        code: "43",
        trunk: Some("0"),
        nsn: (4, 13),
    },
    Plan {
        code: "41",
        trunk: Some("0"),
        nsn: (9, 9),
    },
    Plan {
        code: "46",
        trunk: Some("0"),
        nsn: (7, 9),
    },
    Plan {
        code: "45",
        trunk: None,
        nsn: (8, 8),
    },
    Plan {
        code: "47",
        trunk: None,
        nsn: (8, 8),
    },
    Plan {
        code: "351",
        trunk: None,
        nsn: (9, 9),
    },
    Plan {
        code: "30",
        trunk: None,
        nsn: (10, 10),
    },
    Plan {
        code: "352",
        trunk: None,
        nsn: (4, 11),
    },
    Plan {
        code: "65",
        trunk: None,
        nsn: (8, 8),
    },
    Plan {
        code: "852",
        trunk: None,
        nsn: (8, 8),
    },
];

fn plan(code: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.code == code)
}

/// The calling code `digits` starts with (calling codes are a prefix code: at most one fits).
fn calling_code(digits: &str) -> Option<&'static str> {
    (1..=3).filter(|&n| n <= digits.len()).find_map(|n| {
        let prefix = digits.get(..n)?;
        COUNTRIES
            .iter()
            .find(|c| c.calling_code == prefix)
            .map(|c| c.calling_code)
    })
}

/// Why a number could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// Letters or symbols that are not part of a written phone number.
    NotANumber,
    /// No `+`/`00` and no default country to read a national number with.
    NoCountry,
    /// The default country is not a country.
    UnknownCountry(String),
    /// No country has this calling code.
    UnknownCallingCode,
    /// The number has the wrong length for its country.
    Length {
        /// The calling code.
        code: &'static str,
        /// The digits after it.
        got: usize,
        /// The allowed lengths.
        expected: (usize, usize),
    },
}

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhoneError::NotANumber => f.write_str("has characters a phone number cannot have"),
            PhoneError::NoCountry => {
                f.write_str("has no country code (+44 ...) and no default country was given")
            }
            PhoneError::UnknownCountry(c) => write!(
                f,
                "has a default country {} that is not a country",
                quote(c)
            ),
            PhoneError::UnknownCallingCode => {
                f.write_str("starts with no known country calling code")
            }
            PhoneError::Length {
                code,
                got,
                expected: (min, max),
            } => {
                if min == max {
                    write!(f, "has {got} digits after +{code}, expected {min}")
                } else {
                    write!(f, "has {got} digits after +{code}, expected {min} to {max}")
                }
            }
        }
    }
}

/// Cuts an extension off: "x123", "ext 123", "ext. 123", "extension 123", "#123".
fn without_extension(text: &str) -> &str {
    let lower = text.to_ascii_lowercase();
    let mut cut = text.len();
    for marker in ["extension", "ext", "#", "x"] {
        if let Some(i) = lower.find(marker) {
            // Only after some digits: a leading "x" is not an extension.
            if text[..i].chars().any(|c| c.is_ascii_digit()) {
                cut = cut.min(i);
            }
        }
    }
    &text[..cut]
}

/// A phone number in E.164, reading national numbers as `default_country` (alpha-2) numbers.
pub fn e164(text: &str, default_country: Option<&str>) -> Result<String, PhoneError> {
    let text = without_extension(text.trim());
    // "+44 (0)20 ..." writes the trunk prefix in brackets for callers inside the country.
    let text = text.replace("(0)", "");
    let mut plus = false;
    let mut digits = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty()
                && !plus
                && text[..]
                    .chars()
                    .take(i)
                    .all(|c| c.is_whitespace() || c == '(') =>
            {
                plus = true
            }
            ' ' | '-' | '.' | '(' | ')' | '/' => {}
            c if c.is_whitespace() => {}
            // Full-width and other Unicode digits are not accepted: they are not what any of
            // Ferry's systems store and usually mean the field holds something else.
            _ => return Err(PhoneError::NotANumber),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::NotANumber);
    }
    let default = match default_country {
        Some(code) => Some(
            COUNTRIES
                .iter()
                .find(|c| c.alpha2.eq_ignore_ascii_case(code.trim()) && !c.calling_code.is_empty())
                .ok_or_else(|| PhoneError::UnknownCountry(code.to_string()))?,
        ),
        None => None,
    };
    let international = if plus {
        Some(digits.as_str())
    } else if let Some(rest) = digits.strip_prefix("00") {
        Some(rest)
    } else if default.is_some_and(|c| c.calling_code == "1") {
        digits.strip_prefix("011")
    } else {
        None
    };
    let (code, nsn): (&str, String) = match international {
        Some(rest) => {
            let code = calling_code(rest).ok_or(PhoneError::UnknownCallingCode)?;
            let mut nsn = rest[code.len()..].to_string();
            // "+44 020 ..." repeats the trunk prefix after the calling code.
            if let Some(p) = plan(code)
                && p.trunk == Some("0")
                && nsn.starts_with('0')
            {
                nsn.remove(0);
            }
            (code, nsn)
        }
        None => {
            let country = default.ok_or(PhoneError::NoCountry)?;
            let code = country.calling_code;
            let plan = plan(code);
            let mut nsn = digits.clone();
            match plan {
                Some(p) => {
                    let (min, max) = p.nsn;
                    // A trunk prefix 0 is always dropped (no national number of those
                    // plans starts with 0, so a wrong length is reported, not kept); others
                    // only when what remains fits (Russia's "8 800 ..." is a number, not "8").
                    if let Some(trunk) = p.trunk
                        && nsn.starts_with(trunk)
                        && (trunk == "0" || (min..=max).contains(&(nsn.len() - trunk.len())))
                    {
                        nsn.drain(..trunk.len());
                    } else if !(min..=max).contains(&nsn.len())
                        && nsn.starts_with(code)
                        && (min..=max).contains(&(nsn.len() - code.len()))
                    {
                        // "44 1632 960123": the country code without its "+".
                        nsn.drain(..code.len());
                    }
                }
                None => {
                    // Most of the world dials national numbers with a trunk prefix 0.
                    if nsn.starts_with('0') {
                        nsn.remove(0);
                    }
                }
            }
            (code, nsn)
        }
    };
    let (min, max) = plan(code).map_or((4, 15 - code.len()), |p| p.nsn);
    if nsn.len() < min || nsn.len() > max || code.len() + nsn.len() > 15 {
        return Err(PhoneError::Length {
            code,
            got: nsn.len(),
            expected: (min, max),
        });
    }
    if code == "1" && !matches!(nsn.as_bytes().first(), Some(b'2'..=b'9')) {
        return Err(PhoneError::NotANumber);
    }
    Ok(format!("+{code}{nsn}"))
}

/// Whether `text` is already a valid E.164 number as [`e164`] writes them.
pub fn is_e164(text: &str) -> bool {
    text.starts_with('+')
        && text[1..].chars().all(|c| c.is_ascii_digit())
        && e164(text, None).is_ok_and(|n| n == text)
}

/// `phone(number, default_country)`: E.164 when the number can be read, otherwise the number
/// as written (trimmed): for CRM phone fields, where an odd number (or an odd default country
/// from the record) should not hold a customer.
pub(crate) fn phone(call: &Call) -> Result<Value, Error> {
    call.arity(1, 2)?;
    match phone_e164(call) {
        Ok(value) => Ok(value),
        Err(_) => Ok(Value::from(
            call.text(0, "the phone number")?.unwrap_or_default().trim(),
        )),
    }
}

pub(crate) fn phone_e164(call: &Call) -> Result<Value, Error> {
    call.arity(1, 2)?;
    let Some(text) = call.text(0, "the phone number")? else {
        return Ok(Value::from(()));
    };
    if text.trim().is_empty() {
        return Ok(Value::from(()));
    }
    let default = call.text(1, "the default country")?;
    let default = default.as_deref().map(str::trim).filter(|s| !s.is_empty());
    // Accept a country name or alpha-3 for the default country too.
    let default = match default {
        Some(d) => Some(
            super::address::country(d)
                .map(|c| c.alpha2)
                .ok_or_else(|| {
                    call.error(format!("the default country {} is not a country", quote(d)))
                })?,
        ),
        None => None,
    };
    e164(&text, default).map(Value::from).map_err(|e| {
        call.error(format!(
            "{} is not a phone number that can be written as E.164: it {e}; fix it in the \
             source record{}",
            quote(&text),
            if default.is_none() {
                " or pass a default country"
            } else {
                ""
            }
        ))
    })
}
