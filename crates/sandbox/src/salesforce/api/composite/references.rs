//! `@{refId.path}` references between Composite subrequests: substituted into a later
//! subrequest's URL and body from the earlier answers.

use serde_json::{Map, Value as Json};
use std::collections::HashMap;

/// Replaces `@{ref.path}` in a string. A string that is exactly one reference takes the
/// referenced value's JSON type.
pub(super) fn substitute(text: &str, results: &HashMap<String, Json>) -> Result<Json, String> {
    if let Some(inner) = text.strip_prefix("@{").and_then(|t| t.strip_suffix('}'))
        && !inner.contains("@{")
    {
        return lookup(inner, results);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            return Err(format!("unterminated reference in {text}"));
        };
        let value = lookup(&rest[start + 2..start + end], results)?;
        match value {
            Json::String(s) => out.push_str(&s),
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(Json::String(out))
}

/// `refAccount.id`, `refQuery.records[0].Id`.
fn lookup(path: &str, results: &HashMap<String, Json>) -> Result<Json, String> {
    let mut parts = path.split('.');
    let reference = parts.next().unwrap_or_default();
    let mut value = results.get(reference).ok_or_else(|| {
        format!("Invalid reference specified. No value for {path} found in {reference}. Provided referenceId ('{reference}') must be a previous subrequest's referenceId.")
    })?;
    for part in parts {
        let (key, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            value = value
                .get(key)
                .or_else(|| {
                    value.as_object().and_then(|m| {
                        m.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(key))
                            .map(|(_, v)| v)
                    })
                })
                .ok_or_else(|| {
                    format!(
                        "Invalid reference specified. No value for {path} found in {reference}."
                    )
                })?;
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let index: usize = index
                .trim_end_matches(']')
                .parse()
                .map_err(|_| format!("Invalid reference specified: {path}"))?;
            value = value.get(index).ok_or_else(|| {
                format!("Invalid reference specified. No value for {path} found in {reference}.")
            })?;
        }
    }
    Ok(value.clone())
}

pub(super) fn substitute_json(
    value: &Json,
    results: &HashMap<String, Json>,
) -> Result<Json, String> {
    Ok(match value {
        Json::String(s) if s.contains("@{") => substitute(s, results)?,
        Json::Array(items) => Json::Array(
            items
                .iter()
                .map(|v| substitute_json(v, results))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), substitute_json(v, results)?);
            }
            Json::Object(out)
        }
        other => other.clone(),
    })
}
