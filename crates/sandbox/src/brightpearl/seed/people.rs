//! Made-up people as a shop's customer list really holds them: names typed in any case, phone
//! numbers in every format, countries as codes or names, postcodes missing or mangled, emails
//! and phones left out. Each function returns what a person (or a web form) would have typed;
//! the contact service stores it as it stores any client's input.

use super::names::{
    EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, OTHER_TOWNS, STREETS, UK_SUFFIXES, UK_TOWNS,
    US_SUFFIXES, US_TOWNS,
};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Map, Value as Json, json};

/// Where a person lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Home {
    /// The United States.
    Us,
    /// The United Kingdom.
    Uk,
    /// Elsewhere (an entry of `OTHER_TOWNS`).
    Abroad,
}

impl Home {
    /// Where a new retail customer lives: mostly the US, a fifth the UK.
    pub(super) fn pick<R: Rng + ?Sized>(rng: &mut R) -> Home {
        match rng.random_range(0..100) {
            0..70 => Home::Us,
            70..93 => Home::Uk,
            _ => Home::Abroad,
        }
    }
}

/// A person's name as they would write it properly.
#[derive(Debug, Clone)]
pub(super) struct Name {
    pub first: String,
    pub last: String,
}

/// A random person's proper name.
pub(super) fn name<R: Rng + ?Sized>(rng: &mut R) -> Name {
    let (first, _) = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    Name {
        first: first.to_string(),
        last: last.to_string(),
    }
}

/// Lower-cases everything after the first letter: `O'Neil` → `O'neil`, `McDonald` →
/// `Mcdonald`, as a form that "fixes" capitals leaves them.
pub(super) fn sloppy_caps(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// The name as typed: mostly proper, sometimes all lower or upper case, mixed, sloppily
/// capitalised, or the whole name in the first-name box. Returns (first, last).
pub(super) fn typed_name<R: Rng + ?Sized>(rng: &mut R, name: &Name) -> (String, String) {
    let (first, last) = (name.first.as_str(), name.last.as_str());
    match rng.random_range(0..100) {
        0..70 => (first.into(), last.into()),
        70..77 => (first.to_lowercase(), last.to_lowercase()),
        77..82 => (first.to_uppercase(), last.to_uppercase()),
        82..86 => (first.to_uppercase(), last.to_lowercase()),
        86..91 => (first.to_lowercase(), sloppy_caps(last)),
        91..94 => (format!("{first} {last}"), String::new()),
        94..96 => (
            format!(
                "{}.",
                &first[..first.char_indices().nth(1).map_or(first.len(), |(i, _)| i)]
            ),
            last.into(),
        ),
        96..98 => (format!(" {first}"), format!("{last} ")),
        _ => (sloppy_caps(first), last.to_uppercase()),
    }
}

/// `text` without accents, spaces and punctuation, lower case (for email local parts).
pub(super) fn plain(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let c = match c {
                'à' | 'á' | 'â' | 'ä' | 'å' | 'Å' => 'a',
                'è' | 'é' | 'ê' | 'ë' => 'e',
                'ì' | 'í' | 'ï' => 'i',
                'ò' | 'ó' | 'ô' | 'ö' | 'ø' => 'o',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                c => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

/// An email address for `name` at one of the reserved domains, in one of the shapes people
/// choose (`first.last`, `firstlast42`, `f.last`, ...), now and then with capitals.
pub(super) fn email<R: Rng + ?Sized>(rng: &mut R, name: &Name) -> String {
    let (first, last) = (plain(&name.first), plain(&name.last));
    let initial = first.chars().next().unwrap_or('x');
    let local = match rng.random_range(0..6) {
        0 => format!("{first}.{last}"),
        1 => format!("{first}{last}{}", rng.random_range(1..99)),
        2 => format!("{initial}.{last}"),
        3 => format!("{first}_{last}"),
        4 => format!("{last}.{first}{}", rng.random_range(70..99)),
        _ => format!("{first}{}", rng.random_range(100..999)),
    };
    let domain = EMAIL_DOMAINS.choose(rng).copied().unwrap_or("example.com");
    let address = format!("{local}@{domain}");
    match rng.random_range(0..100) {
        0..4 => capitalised_email(&address),
        4..6 => address.to_uppercase(),
        _ => address,
    }
}

fn capitalised_email(address: &str) -> String {
    address
        .split('.')
        .map(sloppy_caps)
        .collect::<Vec<_>>()
        .join(".")
}

/// `address` with a typing slip: two letters swapped, one dropped, or a misspelt domain.
pub(super) fn typo_email<R: Rng + ?Sized>(rng: &mut R, address: &str) -> String {
    let Some((local, domain)) = address.split_once('@') else {
        return format!("{address}.typo@example.com");
    };
    let letters: Vec<char> = local.chars().collect();
    let slip = match rng.random_range(0..3) {
        0 if letters.len() > 3 => {
            let at = rng.random_range(0..letters.len() - 1);
            let mut swapped = letters.clone();
            swapped.swap(at, at + 1);
            format!("{}@{domain}", swapped.into_iter().collect::<String>())
        }
        1 if letters.len() > 3 => {
            let at = rng.random_range(1..letters.len());
            let dropped: String = letters
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .map(|(_, c)| *c)
                .collect();
            format!("{dropped}@{domain}")
        }
        _ => String::new(),
    };
    // Swapping two equal letters changes nothing: misspell the domain instead.
    if !slip.is_empty() && !slip.eq_ignore_ascii_case(address) {
        return slip;
    }
    let lower = domain.to_lowercase();
    if lower.contains("example") {
        format!("{local}@{}", lower.replacen("example", "exmaple", 1))
    } else {
        format!("{local}@{domain}m")
    }
}

/// A US number from the fictional 555-0100..0199 range, in one of the ways people write it.
pub(super) fn us_phone<R: Rng + ?Sized>(rng: &mut R) -> String {
    const AREAS: &[&str] = &[
        "206", "503", "415", "213", "720", "303", "512", "214", "312", "617", "212", "718", "404",
        "305", "802",
    ];
    let area = AREAS.choose(rng).copied().unwrap_or("206");
    let line = format!("01{:02}", rng.random_range(0..100));
    match rng.random_range(0..9) {
        0 => format!("+1 ({area}) 555-{line}"),
        1 => format!("({area}) 555-{line}"),
        2 => format!("{area}-555-{line}"),
        3 => format!("{area}555{line}"),
        4 => format!("{area}.555.{line}"),
        5 => format!("+1{area}555{line}"),
        6 => format!("1-{area}-555-{line}"),
        7 => format!("{area} 555 {line} ext. {}", rng.random_range(2..40)),
        _ => format!("555-{line}"),
    }
}

/// A UK number from Ofcom's drama ranges (01632 960xxx, 07700 900xxx, 020 7946 0xxx).
pub(super) fn uk_phone<R: Rng + ?Sized>(rng: &mut R, mobile: bool) -> String {
    let n = rng.random_range(0..1000);
    if mobile {
        return match rng.random_range(0..4) {
            0 => format!("07700 900{n:03}"),
            1 => format!("+447700900{n:03}"),
            2 => format!("07700-900-{n:03}"),
            _ => format!("+44 (0)7700 900{n:03}"),
        };
    }
    match rng.random_range(0..6) {
        0 => format!("01632 960{n:03}"),
        1 => format!("01632960{n:03}"),
        2 => format!("+44 1632 960{n:03}"),
        3 => format!("+44 (0)1632 960{n:03}"),
        4 => format!("0044 1632 960 {n:03}"),
        _ => format!("020 7946 0{n:03}"),
    }
}

/// A number abroad, written with its country code.
fn abroad_phone<R: Rng + ?Sized>(rng: &mut R, iso2: &str) -> String {
    let code = match iso2 {
        "CA" => "1",
        "IE" => "353",
        "DE" => "49",
        "NL" => "31",
        "FR" => "33",
        "AU" => "61",
        "NZ" => "64",
        _ => "47",
    };
    format!("+{code} 555 01{:02}", rng.random_range(0..100))
}

/// A person's telephones (main, mobile) as typed, either possibly missing.
pub(super) fn phones<R: Rng + ?Sized>(
    rng: &mut R,
    home: Home,
    iso2: &str,
) -> (Option<String>, Option<String>) {
    let main = rng.random_range(0..100) >= 18;
    let mobile = rng.random_range(0..100) < 28;
    match home {
        Home::Us => (main.then(|| us_phone(rng)), mobile.then(|| us_phone(rng))),
        Home::Uk => (
            main.then(|| uk_phone(rng, false)),
            mobile.then(|| uk_phone(rng, true)),
        ),
        Home::Abroad => (
            (main && rng.random_range(0..2) == 0).then(|| abroad_phone(rng, iso2)),
            None,
        ),
    }
}

/// The ways people name the US in a form.
const US_FORMS: &[&str] = &[
    "US",
    "USA",
    "United States",
    "United States of America",
    "U.S.A.",
    "usa",
    "America",
];
/// The ways people name the UK.
const UK_FORMS: &[&str] = &[
    "GB",
    "GBR",
    "United Kingdom",
    "UK",
    "Great Britain",
    "gb",
    "U.K.",
];

/// A postal-address body as a web form or an import would send it, and the country's ISO
/// alpha-2 code. The country is given by code or name under one of the keys the contact
/// service accepts; postcodes are sometimes missing or mangled.
pub(super) fn address<R: Rng + ?Sized>(
    rng: &mut R,
    home: Home,
) -> (Map<String, Json>, &'static str) {
    let mut body = Map::new();
    let street = STREETS.choose(rng).copied().unwrap_or("Main");
    let number = rng.random_range(1..4000);
    let (iso2, form, postcode) = match home {
        Home::Us => {
            let (city, code, state, zip, _) = US_TOWNS[rng.random_range(0..US_TOWNS.len())];
            let suffix = US_SUFFIXES.choose(rng).copied().unwrap_or("St");
            body.insert(
                "addressLine1".into(),
                json!(format!("{number} {street} {suffix}")),
            );
            let unit = match rng.random_range(0..100) {
                0..10 => format!(
                    "Apt {}{}",
                    rng.random_range(1..30),
                    ['A', 'B', 'C', 'D'][rng.random_range(0..4)]
                ),
                10..15 => format!("#{}", rng.random_range(100..900)),
                15..19 => format!("Suite {}", rng.random_range(100..500)),
                _ => String::new(),
            };
            body.insert("addressLine2".into(), json!(unit));
            let city = match rng.random_range(0..100) {
                0..5 => city.to_uppercase(),
                5..8 => city.to_lowercase(),
                _ => city.to_string(),
            };
            body.insert("addressLine3".into(), json!(city));
            let state = match rng.random_range(0..100) {
                0..68 => code.to_string(),
                68..93 => state.to_string(),
                93..96 => code.to_lowercase(),
                _ => String::new(),
            };
            body.insert("addressLine4".into(), json!(state));
            let postcode = match rng.random_range(0..100) {
                0..84 => zip.to_string(),
                84..92 => format!("{zip}-{:04}", rng.random_range(1..9999)),
                92..96 => String::new(),
                // A spreadsheet ate the leading zero.
                _ => zip.trim_start_matches('0').to_string(),
            };
            (
                "US",
                US_FORMS.choose(rng).copied().unwrap_or("US"),
                postcode,
            )
        }
        Home::Uk => {
            let (town, county, postcode) = UK_TOWNS[rng.random_range(0..UK_TOWNS.len())];
            let suffix = UK_SUFFIXES.choose(rng).copied().unwrap_or("Road");
            let line1 = if rng.random_range(0..8) == 0 {
                format!(
                    "Flat {}, {} {street} {suffix}",
                    rng.random_range(1..12),
                    rng.random_range(1..200)
                )
            } else {
                format!("{} {street} {suffix}", rng.random_range(1..200))
            };
            body.insert("addressLine1".into(), json!(line1));
            body.insert("addressLine2".into(), json!(""));
            body.insert("addressLine3".into(), json!(town));
            let county = if rng.random_range(0..6) == 0 {
                ""
            } else {
                county
            };
            body.insert("addressLine4".into(), json!(county));
            let postcode = match rng.random_range(0..100) {
                0..80 => postcode.to_string(),
                80..88 => postcode.replace(' ', ""),
                88..93 => postcode.to_lowercase(),
                93..96 => String::new(),
                _ => postcode.replace(' ', "  "),
            };
            let form = match (town, rng.random_range(0..10)) {
                ("Edinburgh" | "Glasgow" | "Inverness" | "Fort William", 0..3) => "Scotland",
                ("Cardiff" | "Betws-y-Coed", 0..3) => "Wales",
                (_, 0) => "England",
                _ => UK_FORMS.choose(rng).copied().unwrap_or("GB"),
            };
            ("GB", form, postcode)
        }
        Home::Abroad => {
            let (iso2, city, region, postcode) =
                OTHER_TOWNS[rng.random_range(0..OTHER_TOWNS.len())];
            body.insert(
                "addressLine1".into(),
                json!(format!("{} {street} Street", rng.random_range(1..300))),
            );
            body.insert("addressLine3".into(), json!(city));
            body.insert("addressLine4".into(), json!(region));
            let form = if rng.random_range(0..2) == 0 {
                iso2
            } else {
                crate::brightpearl::account::contacts::countries::by_iso2(iso2)
                    .map_or(iso2, |c| c.name)
            };
            (iso2, form, postcode.to_string())
        }
    };
    if !postcode.is_empty() {
        body.insert("postalCode".into(), json!(postcode));
    }
    // Most forms send the country as `countryIsoCode`; some integrations use the alpha-2 key.
    let key = if form.len() == 2 && rng.random_range(0..4) == 0 {
        "countryIsoCode2"
    } else {
        "countryIsoCode"
    };
    body.insert(key.into(), json!(form));
    (body, iso2)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::brightpearl::account::contacts::countries;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn every_country_form_is_one_the_contact_service_accepts() {
        for form in US_FORMS.iter().chain(UK_FORMS) {
            assert!(countries::by_code_or_name(form).is_some(), "{form}");
        }
        for form in ["England", "Scotland", "Wales"] {
            assert_eq!(countries::by_code_or_name(form).unwrap().iso2, "GB");
        }
        for (iso2, ..) in OTHER_TOWNS {
            assert!(countries::by_iso2(iso2).is_some(), "{iso2}");
        }
    }

    #[test]
    fn typed_data_is_messy_but_valid() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut lower = 0;
        for _ in 0..500 {
            let n = name(&mut rng);
            let (first, last) = typed_name(&mut rng, &n);
            assert!(!(first.trim().is_empty() && last.trim().is_empty()));
            assert!(first.chars().count() <= 32 && last.chars().count() <= 32);
            if first == first.to_lowercase() {
                lower += 1;
            }
            let e = email(&mut rng, &n);
            assert!(e.contains('@') && !e.contains(' '), "{e}");
            let t = typo_email(&mut rng, &e);
            assert_ne!(t.to_lowercase(), e.to_lowercase(), "{e}");
        }
        assert!(lower > 20, "{lower}");
        assert_eq!(sloppy_caps("O'Neil"), "O'neil");
        assert_eq!(plain("Zoë O'Brien"), "zoeobrien");
    }
}
