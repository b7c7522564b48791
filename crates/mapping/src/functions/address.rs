//! Addresses: countries (ISO 3166-1 alpha-2 and alpha-3, names), states and provinces,
//! postal-code formats, and address lines.

use super::call::{Call, is_blank, opt_text, quote, show, text_of};
use super::countries::{COUNTRIES, Country};
use super::fold::key;
use minijinja::Error;
use minijinja::value::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Other names people and systems write for a country, beyond its name and codes. The UK's
/// constituent countries map to `GB`: ISO 3166-1 has one code for the United Kingdom and an
/// address in England is addressed to "GB" by every carrier and CRM.
const ALIASES: &[(&str, &str)] = &[
    ("UK", "GB"),
    ("U.K.", "GB"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
    ("United Kingdom of Great Britain and Northern Ireland", "GB"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("U.S.", "US"),
    ("America", "US"),
    ("United States of America", "US"),
    ("Republic of Ireland", "IE"),
    ("Eire", "IE"),
    ("Éire", "IE"),
    ("Holland", "NL"),
    ("Nederland", "NL"),
    ("Kingdom of the Netherlands", "NL"),
    ("Deutschland", "DE"),
    ("Federal Republic of Germany", "DE"),
    ("España", "ES"),
    ("Italia", "IT"),
    ("Österreich", "AT"),
    ("Schweiz", "CH"),
    ("Suisse", "CH"),
    ("Svizzera", "CH"),
    ("Belgique", "BE"),
    ("België", "BE"),
    ("Sverige", "SE"),
    ("Norge", "NO"),
    ("Danmark", "DK"),
    ("Suomi", "FI"),
    ("Polska", "PL"),
    ("Brasil", "BR"),
    ("México", "MX"),
    ("Nippon", "JP"),
    ("UAE", "AE"),
    ("Emirates", "AE"),
    ("Russian Federation", "RU"),
    ("Korea, Republic of", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea", "KR"),
    ("Korea, Democratic People's Republic of", "KP"),
    ("Democratic People's Republic of Korea", "KP"),
    ("Czech Republic", "CZ"),
    ("Ivory Coast", "CI"),
    ("Viet Nam", "VN"),
    ("Iran, Islamic Republic of", "IR"),
    ("Syrian Arab Republic", "SY"),
    ("Lao People's Democratic Republic", "LA"),
    ("Bolivia, Plurinational State of", "BO"),
    ("Venezuela, Bolivarian Republic of", "VE"),
    ("Tanzania, United Republic of", "TZ"),
    ("Moldova, Republic of", "MD"),
    ("Republic of Moldova", "MD"),
    ("Macedonia", "MK"),
    ("Republic of North Macedonia", "MK"),
    ("Turkey", "TR"),
    ("Swaziland", "SZ"),
    ("Burma", "MM"),
    ("Cabo Verde", "CV"),
    ("Holy See", "VA"),
    ("Vatican", "VA"),
    ("Palestine, State of", "PS"),
    ("Taiwan, Province of China", "TW"),
    ("Brunei Darussalam", "BN"),
    ("Micronesia, Federated States of", "FM"),
    ("East Timor", "TL"),
    ("Congo, The Democratic Republic of the", "CD"),
    ("Democratic Republic of the Congo", "CD"),
    ("Congo-Kinshasa", "CD"),
    ("Congo", "CG"),
    ("Congo-Brazzaville", "CG"),
    ("Hong Kong SAR", "HK"),
    ("Macau", "MO"),
    ("Falkland Islands (Malvinas)", "FK"),
    ("Saint Helena, Ascension and Tristan da Cunha", "SH"),
    ("St Helena", "SH"),
    ("St Lucia", "LC"),
    ("St Kitts and Nevis", "KN"),
    ("St Vincent and the Grenadines", "VC"),
    ("Bonaire, Sint Eustatius and Saba", "BQ"),
    ("Virgin Islands, British", "VG"),
    ("Virgin Islands, U.S.", "VI"),
    ("US Virgin Islands", "VI"),
    ("United States Minor Outlying Islands", "UM"),
    ("Reunion", "RE"),
    ("Curacao", "CW"),
    ("Aland Islands", "AX"),
    ("Sao Tome and Principe", "ST"),
    ("Gambia, The", "GM"),
    ("Bahamas, The", "BS"),
    ("Cote d'Ivoire", "CI"),
];

/// Folded name, alias, alpha-2 or alpha-3 → index into [`COUNTRIES`].
fn index() -> &'static HashMap<String, usize> {
    static INDEX: OnceLock<HashMap<String, usize>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map = HashMap::new();
        for (i, c) in COUNTRIES.iter().enumerate() {
            map.insert(key(c.alpha2), i);
            map.insert(key(c.alpha3), i);
            map.insert(key(c.name), i);
        }
        for (alias, code) in ALIASES {
            if let Some(i) = COUNTRIES.iter().position(|c| c.alpha2 == *code) {
                map.entry(key(alias)).or_insert(i);
            }
        }
        map
    })
}

/// The country a name, alpha-2 or alpha-3 code names (case, accents and punctuation ignored).
pub fn country(text: &str) -> Option<&'static Country> {
    let k = key(text);
    if k.is_empty() {
        return None;
    }
    index().get(&k).and_then(|&i| COUNTRIES.get(i))
}

/// The country of an exact alpha-2 code (`GB`), for validation.
pub fn by_alpha2(code: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.alpha2 == code)
}

fn country_arg(call: &Call, i: usize, what: &str) -> Result<Option<&'static Country>, Error> {
    let Some(text) = call.text(i, what)? else {
        return Ok(None);
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    country(&text).map(Some).ok_or_else(|| {
        call.error(format!(
            "{} is not a country name or ISO code: fix the country in the source record, or map \
             it with a lookup table",
            quote(&text)
        ))
    })
}

pub(crate) fn country_code(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(opt_text(
        country_arg(call, 0, "the country")?.map(|c| c.alpha2.to_string()),
    ))
}

pub(crate) fn country_code3(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(opt_text(
        country_arg(call, 0, "the country")?.map(|c| c.alpha3.to_string()),
    ))
}

pub(crate) fn country_name(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(opt_text(
        country_arg(call, 0, "the country")?.map(|c| c.name.to_string()),
    ))
}

/// States of the United States (with DC and the inhabited territories), provinces and
/// territories of Canada, states and territories of Australia: (country, code, name).
const STATES: &[(&str, &str, &str)] = &[
    ("US", "AL", "Alabama"),
    ("US", "AK", "Alaska"),
    ("US", "AZ", "Arizona"),
    ("US", "AR", "Arkansas"),
    ("US", "CA", "California"),
    ("US", "CO", "Colorado"),
    ("US", "CT", "Connecticut"),
    ("US", "DE", "Delaware"),
    ("US", "DC", "District of Columbia"),
    ("US", "FL", "Florida"),
    ("US", "GA", "Georgia"),
    ("US", "HI", "Hawaii"),
    ("US", "ID", "Idaho"),
    ("US", "IL", "Illinois"),
    ("US", "IN", "Indiana"),
    ("US", "IA", "Iowa"),
    ("US", "KS", "Kansas"),
    ("US", "KY", "Kentucky"),
    ("US", "LA", "Louisiana"),
    ("US", "ME", "Maine"),
    ("US", "MD", "Maryland"),
    ("US", "MA", "Massachusetts"),
    ("US", "MI", "Michigan"),
    ("US", "MN", "Minnesota"),
    ("US", "MS", "Mississippi"),
    ("US", "MO", "Missouri"),
    ("US", "MT", "Montana"),
    ("US", "NE", "Nebraska"),
    ("US", "NV", "Nevada"),
    ("US", "NH", "New Hampshire"),
    ("US", "NJ", "New Jersey"),
    ("US", "NM", "New Mexico"),
    ("US", "NY", "New York"),
    ("US", "NC", "North Carolina"),
    ("US", "ND", "North Dakota"),
    ("US", "OH", "Ohio"),
    ("US", "OK", "Oklahoma"),
    ("US", "OR", "Oregon"),
    ("US", "PA", "Pennsylvania"),
    ("US", "RI", "Rhode Island"),
    ("US", "SC", "South Carolina"),
    ("US", "SD", "South Dakota"),
    ("US", "TN", "Tennessee"),
    ("US", "TX", "Texas"),
    ("US", "UT", "Utah"),
    ("US", "VT", "Vermont"),
    ("US", "VA", "Virginia"),
    ("US", "WA", "Washington"),
    ("US", "WV", "West Virginia"),
    ("US", "WI", "Wisconsin"),
    ("US", "WY", "Wyoming"),
    ("US", "AS", "American Samoa"),
    ("US", "GU", "Guam"),
    ("US", "MP", "Northern Mariana Islands"),
    ("US", "PR", "Puerto Rico"),
    ("US", "VI", "U.S. Virgin Islands"),
    ("US", "AA", "Armed Forces Americas"),
    ("US", "AE", "Armed Forces Europe"),
    ("US", "AP", "Armed Forces Pacific"),
    ("CA", "AB", "Alberta"),
    ("CA", "BC", "British Columbia"),
    ("CA", "MB", "Manitoba"),
    ("CA", "NB", "New Brunswick"),
    ("CA", "NL", "Newfoundland and Labrador"),
    ("CA", "NS", "Nova Scotia"),
    ("CA", "NT", "Northwest Territories"),
    ("CA", "NU", "Nunavut"),
    ("CA", "ON", "Ontario"),
    ("CA", "PE", "Prince Edward Island"),
    ("CA", "QC", "Quebec"),
    ("CA", "SK", "Saskatchewan"),
    ("CA", "YT", "Yukon"),
    ("AU", "ACT", "Australian Capital Territory"),
    ("AU", "NSW", "New South Wales"),
    ("AU", "NT", "Northern Territory"),
    ("AU", "QLD", "Queensland"),
    ("AU", "SA", "South Australia"),
    ("AU", "TAS", "Tasmania"),
    ("AU", "VIC", "Victoria"),
    ("AU", "WA", "Western Australia"),
];

/// Other spellings of states (old abbreviations and local names).
const STATE_ALIASES: &[(&str, &str, &str)] = &[
    ("US", "D.C.", "DC"),
    ("US", "Washington DC", "DC"),
    ("US", "Washington D.C.", "DC"),
    ("US", "Virgin Islands", "VI"),
    ("CA", "PQ", "QC"),
    ("CA", "Québec", "QC"),
    ("CA", "Newfoundland", "NL"),
    ("CA", "NF", "NL"),
    ("CA", "Yukon Territory", "YT"),
    ("AU", "Tas", "TAS"),
    ("AU", "Vic", "VIC"),
    ("AU", "Qld", "QLD"),
];

/// The state code for `state` in `country` (alpha-2), when Ferry has that country's table.
pub fn state(country: &str, state: &str) -> Option<&'static str> {
    let k = key(state);
    STATES
        .iter()
        .find(|(c, code, name)| *c == country && (key(code) == k || key(name) == k))
        .map(|(_, code, _)| *code)
        .or_else(|| {
            STATE_ALIASES
                .iter()
                .find(|(c, alias, _)| *c == country && key(alias) == k)
                .map(|(_, _, code)| *code)
        })
}

pub(crate) fn state_code(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let Some(text) = call.text(1, "the state")? else {
        return Ok(Value::from(()));
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(Value::from(()));
    }
    let country = country_arg(call, 0, "the country")?;
    match country {
        Some(c) if matches!(c.alpha2, "US" | "CA" | "AU") => match state(c.alpha2, trimmed) {
            Some(code) => Ok(Value::from(code)),
            None => Err(call.error(format!(
                "{} is not a state or province of {}: fix the address in the source record, \
                 or map it with a lookup table",
                quote(trimmed),
                c.name
            ))),
        },
        // Ferry has no table for this country: the region passes through as written.
        _ => Ok(Value::from(trimmed)),
    }
}

/// A postal code in its country's written form. Codes that do not fit the country's format
/// come back trimmed and upper-cased (with single spaces) rather than failing: a validation
/// rule (`pattern`) decides whether such a code may be written.
pub fn postal(code: &str, country: Option<&str>) -> String {
    let upper: String = code.trim().to_uppercase();
    let compact: String = upper.chars().filter(|c| !c.is_whitespace()).collect();
    let tidy = || upper.split_whitespace().collect::<Vec<_>>().join(" ");
    let all = |s: &str, f: fn(&char) -> bool| s.chars().all(|c| f(&c));
    let digit = |c: &char| c.is_ascii_digit();
    let letter = |c: &char| c.is_ascii_uppercase();
    let alnum = |c: &char| c.is_ascii_uppercase() || c.is_ascii_digit();
    match country {
        Some("GB" | "GG" | "JE" | "IM") => {
            let n = compact.len();
            if (5..=7).contains(&n) && all(&compact, alnum) && compact.is_ascii() {
                let (out, inw) = compact.split_at(n - 3);
                let inw_ok = {
                    let b = inw.as_bytes();
                    b[0].is_ascii_digit() && b[1].is_ascii_uppercase() && b[2].is_ascii_uppercase()
                };
                if inw_ok && out.as_bytes()[0].is_ascii_uppercase() {
                    return format!("{out} {inw}");
                }
            }
            tidy()
        }
        Some("US") => {
            let digits: String = compact.chars().filter(|c| *c != '-').collect();
            if digits.len() == 5 && all(&digits, digit) {
                digits
            } else if digits.len() == 9 && all(&digits, digit) {
                format!("{}-{}", &digits[..5], &digits[5..])
            } else {
                tidy()
            }
        }
        Some("CA") => {
            let b = compact.as_bytes();
            if b.len() == 6
                && compact.is_ascii()
                && b.iter().enumerate().all(|(i, c)| {
                    if i % 2 == 0 {
                        c.is_ascii_uppercase()
                    } else {
                        c.is_ascii_digit()
                    }
                })
            {
                format!("{} {}", &compact[..3], &compact[3..])
            } else {
                tidy()
            }
        }
        Some("NL") => {
            if compact.len() == 6
                && compact.is_ascii()
                && all(&compact[..4], digit)
                && all(&compact[4..], letter)
            {
                format!("{} {}", &compact[..4], &compact[4..])
            } else {
                tidy()
            }
        }
        Some("IE") => {
            if compact.len() == 7 && compact.is_ascii() && all(&compact, alnum) {
                format!("{} {}", &compact[..3], &compact[3..])
            } else {
                tidy()
            }
        }
        Some(c @ ("DE" | "FR")) => {
            // Old continental style "D-10115" / "F-75001" carries the country in front.
            let prefix = if c == "DE" { "D-" } else { "F-" };
            let bare = compact.strip_prefix(prefix).unwrap_or(&compact);
            if bare.len() == 5 && all(bare, digit) {
                bare.to_string()
            } else {
                tidy()
            }
        }
        _ => tidy(),
    }
}

pub(crate) fn postal_code(call: &Call) -> Result<Value, Error> {
    call.arity(1, 2)?;
    let value = call.arg(0);
    let Some(mut text) = call.text(0, "the postal code")? else {
        return Ok(Value::from(()));
    };
    if text.trim().is_empty() {
        return Ok(Value::from(()));
    }
    let country = country_arg(call, 1, "the country")?.map(|c| c.alpha2);
    // A postal code stored as a number lost its leading zeros ("02134" became 2134).
    if value.is_integer() {
        let width = match country {
            Some("US" | "DE" | "FR") => 5,
            Some("AU" | "NZ" | "ZA" | "BE" | "AT" | "CH" | "DK" | "NO") => 4,
            _ => 0,
        };
        if text.len() < width {
            text = format!("{text:0>width$}");
        }
    }
    Ok(Value::from(postal(&text, country)))
}

/// A postal code as a matching key: upper case, no whitespace.
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

pub(crate) fn normalize_postal(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(opt_text(
        call.text(0, "the postal code")?
            .map(|s| normalize(&s))
            .filter(|s| !s.is_empty()),
    ))
}

/// Collects the non-blank lines of the arguments (lists are flattened one level).
fn parts(call: &Call, values: &[Value], out: &mut Vec<String>) -> Result<(), Error> {
    for value in values {
        if is_blank(value) {
            continue;
        }
        match text_of(value) {
            Some(Some(s)) => {
                for line in s.lines() {
                    let line = line.trim();
                    if !line.is_empty() {
                        out.push(line.to_string());
                    }
                }
            }
            Some(None) => {}
            None => {
                let items: Vec<Value> = value
                    .try_iter()
                    .map_err(|_| call.error(format!("cannot join {}", show(value))))?
                    .collect();
                if value.kind() == minijinja::value::ValueKind::Map {
                    return Err(call.error(format!("cannot join a map ({})", show(value))));
                }
                for item in &items {
                    match text_of(item) {
                        Some(Some(s)) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                        Some(_) => {}
                        None => return Err(call.error(format!("cannot join {}", show(item)))),
                    }
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn join_lines(call: &Call) -> Result<Value, Error> {
    let sep = match call.kwargs.get::<Option<Value>>("sep")? {
        Some(v) => call.text_of(&v, "sep")?.unwrap_or_else(|| "\n".to_string()),
        None => "\n".to_string(),
    };
    let mut lines = Vec::new();
    parts(call, &call.args, &mut lines)?;
    if lines.is_empty() {
        return Ok(Value::from(()));
    }
    Ok(Value::from(lines.join(&sep)))
}

/// Text split into exactly `n` lines: blank lines dropped, missing lines empty, lines beyond
/// the `n`th joined into the last with ", ".
pub fn split_into(text: &str, n: usize) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if n == 0 {
        return Vec::new();
    }
    if lines.len() > n {
        let rest = lines.split_off(n - 1).join(", ");
        lines.push(rest);
    }
    lines.resize(n, String::new());
    lines
}

pub(crate) fn split_lines(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let n = call.count(&call.arg(1), "the number of lines", 100)?;
    if n == 0 {
        return Err(call.error("the number of lines must be at least 1"));
    }
    let mut lines = Vec::new();
    parts(call, &call.args[..1], &mut lines)?;
    Ok(Value::from(split_into(&lines.join("\n"), n)))
}
