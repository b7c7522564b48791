//! Validation rules a mapped record must pass before it is written.
//!
//! [`check`] runs a target's rules over the record its mapping produced; every failure is a
//! [`Violation`] whose message names the field, the rule, the value and what to do. The engine
//! holds the record (a dead letter with that message) instead of writing it. Only `required`
//! fails on a missing value: the other rules check values that are present, so an optional
//! field may stay empty.

use crate::functions::{address, decimal, phone};
use crate::spec::{Rule, RuleSpec};
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// One rule a record failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// The target field.
    pub field: String,
    /// The rule, as written in the flow file (`email`, `max_length(80)`).
    pub rule: String,
    /// The field's value (`null` when missing).
    pub value: Value,
    /// One sentence for the operator: the field, the rule, the value, what to do.
    pub message: String,
}

/// The longest piece of a value quoted in a message.
const SHOWN_CHARS: usize = 60;

/// The most compiled patterns kept; flows declare a handful, this only bounds a pathological
/// caller.
const PATTERN_CACHE: usize = 256;

/// Checks `record` against `rules`; an empty list means it may be written.
pub fn check(rules: &[RuleSpec], record: &serde_json::Map<String, Value>) -> Vec<Violation> {
    let mut out = Vec::new();
    for spec in rules {
        let value = record.get(&spec.field).cloned().unwrap_or(Value::Null);
        if let Some(problem) = problem(&spec.rule, &value) {
            // "Email \"bob@\"": the field and its value; a missing value is just the field.
            let subject = if value.is_null() {
                spec.field.clone()
            } else {
                format!("{} {}", spec.field, show(&value))
            };
            let message = match &spec.message {
                Some(custom) => format!("{subject}: {custom}"),
                None => format!(
                    "{subject} {problem}: fix it in the source record or change the mapping"
                ),
            };
            out.push(Violation {
                field: spec.field.clone(),
                rule: rule_name(&spec.rule),
                value,
                message,
            });
        }
    }
    out
}

/// Checks the rules themselves (patterns compile, lists are not empty) before any record is
/// mapped, so that a mistake in a flow file is reported when the flow is loaded.
pub fn compile_rules(rules: &[RuleSpec]) -> Result<(), String> {
    let mut problems = Vec::new();
    for spec in rules {
        match &spec.rule {
            Rule::Pattern(p) => {
                if let Err(e) = pattern(p) {
                    problems.push(format!(
                        "field {}: the pattern {p:?} is not a valid regular expression: {e}",
                        spec.field
                    ));
                }
            }
            Rule::OneOf(list) if list.is_empty() => problems.push(format!(
                "field {}: one_of lists no values, so every value would fail",
                spec.field
            )),
            Rule::MaxLength(0) => problems.push(format!(
                "field {}: max_length 0 lets no value through; use a larger limit",
                spec.field
            )),
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The rule as a flow author wrote it.
fn rule_name(rule: &Rule) -> String {
    match rule {
        Rule::Required => "required".into(),
        Rule::Email => "email".into(),
        Rule::E164 => "e164".into(),
        Rule::Country => "country".into(),
        Rule::MaxLength(n) => format!("max_length({n})"),
        Rule::Pattern(p) => format!("pattern({p:?})"),
        Rule::OneOf(list) => format!("one_of({})", list.join(", ")),
        Rule::NonNegative => "non_negative".into(),
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A scalar as the text a rule checks; maps and lists have none.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// What is wrong with `value` under `rule`, as the end of a sentence, or `None`.
fn problem(rule: &Rule, value: &Value) -> Option<String> {
    if let Rule::Required = rule {
        return is_blank(value).then(|| "is required but empty".to_string());
    }
    if is_blank(value) {
        return None;
    }
    let Some(text) = text(value) else {
        return Some(format!(
            "is a {} where {} expects text",
            kind(value),
            rule_name(rule)
        ));
    };
    match rule {
        Rule::Required => None,
        Rule::Email => (!is_email(&text)).then(|| "is not an email address".to_string()),
        Rule::E164 => (!phone::is_e164(&text))
            .then(|| "is not an E.164 phone number (such as +441632960123)".to_string()),
        Rule::Country => address::by_alpha2(&text)
            .is_none()
            .then(|| "is not an ISO 3166-1 alpha-2 country code (such as GB)".to_string()),
        Rule::MaxLength(n) => {
            let len = text.chars().count();
            (len > *n).then(|| format!("is {len} characters long, more than the {n} allowed"))
        }
        Rule::Pattern(p) => match pattern(p) {
            Ok(re) => (!re.is_match(&text)).then(|| format!("does not match the pattern {p:?}")),
            Err(e) => Some(format!(
                "cannot be checked: the rule's pattern {p:?} is not a valid regular expression \
                 ({e}); fix the rule in the flow file"
            )),
        },
        Rule::OneOf(list) => {
            (!list.contains(&text)).then(|| format!("is not one of {}", list.join(", ")))
        }
        Rule::NonNegative => match decimal::parse(&text) {
            Some(d) if d.is_sign_negative() && !d.is_zero() => {
                Some("is negative, but must be zero or more".to_string())
            }
            Some(_) => None,
            None => Some("is not a decimal number".to_string()),
        },
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "list",
        Value::Object(_) => "map",
        _ => "value",
    }
}

/// A plausible email address: one `@`, a local part of at most 64 characters without spaces,
/// a domain of dot-separated labels (letters, digits, hyphens; not at a label's ends) with at
/// least one dot. Deliberately not RFC 5322: quoted local parts are legal and never seen in a
/// CRM, and Salesforce rejects them.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.chars().count() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| {
            tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit())
        });
    local_ok && domain_ok && text.len() <= 254
}

/// A pattern compiled to match the whole value, from a small cache.
fn pattern(p: &str) -> Result<Regex, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Result<Regex, String>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(map) = cache.lock()
        && let Some(found) = map.get(p)
    {
        return found.clone();
    }
    let compiled = regex::RegexBuilder::new(&format!("^(?:{p})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| e.to_string());
    if let Ok(mut map) = cache.lock() {
        if map.len() >= PATTERN_CACHE {
            map.clear();
        }
        map.insert(p.to_string(), compiled.clone());
    }
    compiled
}

/// A value quoted for a message: text in quotes, cut to a readable length.
fn show(value: &Value) -> String {
    let raw = match value {
        Value::Null => return "null".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut cut: String = raw.chars().take(SHOWN_CHARS).collect();
    if raw.chars().nth(SHOWN_CHARS).is_some() {
        cut.push('…');
    }
    match value {
        Value::String(_) => format!("{cut:?}"),
        _ => cut,
    }
}
