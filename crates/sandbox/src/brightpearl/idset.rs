//! Brightpearl's id sets: `8`, `100-200`, `1,3,5`, any mixture (`1-50,56,75-82,55,120`), and `*`
//! ("all") where a path allows it. Parsing keeps the order the client gave (multi-GET output
//! order is not promised anyway); formatting merges ascending runs into ranges the way
//! Brightpearl's OPTIONS `getUris` and webhook payloads do.

use std::fmt;

/// A parsed id set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdSet {
    /// `*`: every resource of the kind.
    All,
    /// Explicit ids, duplicates removed, in the order given.
    Ids(Vec<u64>),
}

/// Why a piece of an id set is not valid. The message is Brightpearl's style: it names the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSetError {
    /// The whole id set as sent.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for IdSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a valid id set: {}", self.text, self.reason)
    }
}

/// The most ids a range may expand to, so `1-99999999999` cannot exhaust memory. Requests that
/// need more are refused long before this by the per-resource caps.
const MAX_EXPANSION: u64 = 1_000_000;

impl IdSet {
    /// Parses `text`. `allow_all` accepts `*`.
    pub fn parse(text: &str, allow_all: bool) -> Result<IdSet, IdSetError> {
        let fail = |reason: String| IdSetError {
            text: text.to_string(),
            reason,
        };
        let trimmed = text.trim();
        if trimmed == "*" {
            return if allow_all {
                Ok(IdSet::All)
            } else {
                Err(fail("`*` is not allowed here".into()))
            };
        }
        if trimmed.is_empty() {
            return Err(fail("it is empty".into()));
        }
        let mut ids = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut expanded: u64 = 0;
        for part in trimmed.split(',') {
            let part = part.trim();
            let (low, high) = match part.split_once('-') {
                Some((low, high)) => (parse_id(low, text)?, parse_id(high, text)?),
                None => {
                    let id = parse_id(part, text)?;
                    (id, id)
                }
            };
            if high < low {
                return Err(fail(format!(
                    "the range {part} runs downwards; write it as {high}-{low}"
                )));
            }
            expanded = expanded.saturating_add(high - low + 1);
            if expanded > MAX_EXPANSION {
                return Err(fail(format!("it names more than {MAX_EXPANSION} ids")));
            }
            for id in low..=high {
                if seen.insert(id) {
                    ids.push(id);
                }
            }
        }
        Ok(IdSet::Ids(ids))
    }

    /// The explicit ids (empty for `*`).
    pub fn ids(&self) -> &[u64] {
        match self {
            IdSet::All => &[],
            IdSet::Ids(ids) => ids,
        }
    }

    /// How many ids the set names (`None` for `*`).
    pub fn len(&self) -> Option<usize> {
        match self {
            IdSet::All => None,
            IdSet::Ids(ids) => Some(ids.len()),
        }
    }

    /// Whether the set names no id (never true for a parsed set).
    pub fn is_empty(&self) -> bool {
        matches!(self, IdSet::Ids(ids) if ids.is_empty())
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: u64) -> bool {
        match self {
            IdSet::All => true,
            IdSet::Ids(ids) => ids.contains(&id),
        }
    }
}

fn parse_id(text: &str, whole: &str) -> Result<u64, IdSetError> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(id) if !text.starts_with('+') => Ok(id),
        _ => Err(IdSetError {
            text: whole.to_string(),
            reason: format!("{text:?} is not a whole number"),
        }),
    }
}

/// Formats ids (any order, duplicates allowed) as a sorted id set with ascending runs merged:
/// `[5,1,2,3,8]` → `1-3,5,8`.
pub fn format(ids: impl IntoIterator<Item = u64>) -> String {
    let mut sorted: Vec<u64> = ids.into_iter().collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if end == start {
            out.push_str(&start.to_string());
        } else {
            // Two neighbours are a range too (`320-321`), as Brightpearl writes them.
            out.push_str(&format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

/// Splits existing ids into chunks of at most `chunk` ids, each formatted as an id set: the
/// `getUris` of an OPTIONS request.
pub fn chunks(ids: impl IntoIterator<Item = u64>, chunk: usize) -> Vec<String> {
    let mut sorted: Vec<u64> = ids.into_iter().collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
        .chunks(chunk.max(1))
        .map(|part| format(part.iter().copied()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(IdSet::parse("8", false).unwrap(), IdSet::Ids(vec![8]));
        assert_eq!(
            IdSet::parse("1-3,7, 5", false).unwrap(),
            IdSet::Ids(vec![1, 2, 3, 7, 5])
        );
        assert_eq!(
            IdSet::parse("1-50,56,75-82,55,120", false).unwrap().len(),
            Some(50 + 1 + 8 + 1 + 1)
        );
        assert_eq!(IdSet::parse("*", true).unwrap(), IdSet::All);
        assert_eq!(
            IdSet::parse("2,2,1-2", false).unwrap(),
            IdSet::Ids(vec![2, 1])
        );
    }

    #[test]
    fn refuses_what_brightpearl_refuses() {
        for bad in [
            "",
            "*",
            "a",
            "5-1",
            "1,,2",
            "-3",
            "1-",
            "+4",
            "1.5",
            "99999999999999999999",
        ] {
            assert!(IdSet::parse(bad, false).is_err(), "{bad:?} accepted");
        }
        assert!(IdSet::parse("1-100000000", false).is_err());
    }

    #[test]
    fn formats_runs_and_chunks() {
        assert_eq!(format([5, 1, 2, 3, 8, 8]), "1-3,5,8");
        assert_eq!(format([320, 321]), "320-321");
        assert_eq!(format([]), "");
        let ids: Vec<u64> = (1..=450).collect();
        assert_eq!(chunks(ids, 200), ["1-200", "201-400", "401-450"]);
        assert_eq!(chunks([1, 2, 5, 8, 10, 11], 3), ["1-2,5", "8,10-11"]);
    }
}
