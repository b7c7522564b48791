//! People's names: splitting a full name into first and last, joining them.

use super::call::{Call, opt_text};
use minijinja::Error;
use minijinja::value::Value;
use std::collections::BTreeMap;

/// Words that begin a family name ("Ludwig van Beethoven", "Jan van der Berg", "Maria de la
/// Cruz"): the last name starts at the first of them after the first word.
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "dos", "das", "la", "le",
    "ter", "ten", "bin", "ibn", "al", "el", "st", "st.", "mac", "ap",
];

/// Words after a family name that belong to it ("Smith Jr.").
const SUFFIXES: &[&str] = &[
    "jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d.", "md", "m.d.", "esq", "esq.",
];

/// Salutations before a first name; split off into `salutation`.
const SALUTATIONS: &[&str] = &[
    "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "mx", "mx.", "dr", "dr.", "prof", "prof.",
    "sir", "dame",
];

/// A full name split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name {
    /// A salutation written before the name ("Dr."), if any.
    pub salutation: Option<String>,
    /// Given names ("Mary Ann"); none for a single name.
    pub first: Option<String>,
    /// The family name with its particles and suffixes ("van der Berg", "Smith Jr.").
    pub last: Option<String>,
}

fn is_in(word: &str, list: &[&str]) -> bool {
    let lower = word.to_lowercase();
    list.contains(&lower.as_str())
}

fn joined(words: &[&str]) -> Option<String> {
    if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    }
}

/// Splits a full name. "Last, First" (a comma) is read as family name first; a single word
/// is a last name (Salesforce requires `LastName`, not `FirstName`).
pub fn split(full: &str) -> Name {
    let full = full.trim();
    if let Some((before, after)) = full.split_once(',') {
        let after_words: Vec<&str> = after.split_whitespace().collect();
        let is_suffix = !after_words.is_empty() && after_words.iter().all(|w| is_in(w, SUFFIXES));
        if !is_suffix && !after_words.is_empty() && !before.trim().is_empty() {
            let mut words = after_words;
            let salutation = take_salutation(&mut words);
            return Name {
                salutation,
                first: joined(&words),
                last: joined(&before.split_whitespace().collect::<Vec<_>>()),
            };
        }
        // "Smith, Jr." or a stray comma: read it as written without the comma.
        let text = format!("{} {}", before.trim(), after.trim());
        return split(text.trim());
    }
    let mut words: Vec<&str> = full.split_whitespace().collect();
    let salutation = take_salutation(&mut words);
    let mut suffix_from = words.len();
    while suffix_from > 1 && is_in(words[suffix_from - 1], SUFFIXES) {
        suffix_from -= 1;
    }
    let core = &words[..suffix_from];
    let suffixes = &words[suffix_from..];
    if core.len() <= 1 {
        return Name {
            salutation,
            first: None,
            last: joined(&words),
        };
    }
    // The family name starts at the first particle followed by another word, else it is the
    // last word.
    let start = (1..core.len() - 1)
        .find(|&i| is_in(core[i], PARTICLES))
        .unwrap_or(core.len() - 1);
    let mut last: Vec<&str> = core[start..].to_vec();
    last.extend_from_slice(suffixes);
    Name {
        salutation,
        first: joined(&core[..start]),
        last: joined(&last),
    }
}

fn take_salutation(words: &mut Vec<&str>) -> Option<String> {
    if words.len() > 1 && is_in(words[0], SALUTATIONS) {
        Some(words.remove(0).to_string())
    } else {
        None
    }
}

fn full_arg(call: &Call) -> Result<Name, Error> {
    call.arity(1, 1)?;
    Ok(call
        .text(0, "the name")?
        .map(|s| split(&s))
        .unwrap_or_default())
}

pub(crate) fn split_name(call: &Call) -> Result<Value, Error> {
    let name = full_arg(call)?;
    let mut map = BTreeMap::new();
    map.insert("salutation", opt_text(name.salutation));
    map.insert("first", opt_text(name.first));
    map.insert("last", opt_text(name.last));
    Ok(Value::from(map))
}

pub(crate) fn first_name(call: &Call) -> Result<Value, Error> {
    Ok(opt_text(full_arg(call)?.first))
}

pub(crate) fn last_name(call: &Call) -> Result<Value, Error> {
    Ok(opt_text(full_arg(call)?.last))
}

pub(crate) fn join_name(call: &Call) -> Result<Value, Error> {
    call.arity(1, 3)?;
    let mut words = Vec::new();
    for i in 0..call.args.len() {
        if let Some(s) = call.text(i, "a name part")? {
            words.extend(s.split_whitespace().map(str::to_string));
        }
    }
    Ok(opt_text(if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    }))
}
