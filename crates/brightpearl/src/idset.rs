//! Id sets (reference §5): Brightpearl's way to name many records in one path segment —
//! `1-5,7,9-10` — and the chunking that keeps each GET under the resource's cap and each URL a
//! sane length.
//!
//! An [`IdSet`] is always sorted, deduplicated and run-merged, so its text is the shortest the
//! grammar allows and two sets holding the same ids are equal whatever order they were built in.

use std::fmt;

/// Ids one GET may name on most resources (order, sales order, contact, product: "single
/// request limit currently set at 200").
pub const MAX_IDS_PER_GET: usize = 200;
/// Ids one goods-out-note GET may name.
pub const MAX_GOODS_OUT_NOTE_IDS: usize = 500;
/// The longest id-set text one chunk may render to. Scattered ids (`1,5,9,…`) make long text
/// for few ids; proxies and servers commonly refuse URLs past 2–8 KB, so a chunk is cut here
/// even before it reaches its id cap.
pub const MAX_TEXT_LEN: usize = 2_000;
/// The longest text one run can need (`u64::MAX-u64::MAX` plus a comma): every text bound is
/// raised to at least this, so that any run fits in a chunk of its own.
const LONGEST_RUN_TEXT: usize = 20 + 1 + 20 + 1;

/// A set of record ids, kept as sorted, disjoint, non-adjacent inclusive runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct IdSet {
    /// `(first, last)` with `first <= last`; each run starts at least two past the previous
    /// run's end (adjacent runs are merged).
    runs: Vec<(u64, u64)>,
}

/// Why a text is not an id set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the id set {text:?} cannot be read: element {position} ({element:?}) {reason}; write ids \
     as digits and ranges as low-high, separated by commas (e.g. 1-5,7,9)"
)]
pub struct IdSetError {
    /// The text (cut to 100 characters).
    pub text: String,
    /// 1-based position of the bad element among the comma-separated ones.
    pub position: usize,
    /// The bad element.
    pub element: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl IdSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The set of `ids`, in any order, duplicates allowed.
    pub fn from_ids(ids: impl IntoIterator<Item = u64>) -> Self {
        let mut ids: Vec<u64> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for id in ids {
            match runs.last_mut() {
                Some((_, last)) if last.checked_add(1) == Some(id) => *last = id,
                _ => runs.push((id, id)),
            }
        }
        Self { runs }
    }

    /// Reads Brightpearl's id-set text: single ids, ascending ranges `a-b`, comma-separated, in
    /// any order, overlaps allowed (`5,1-3,2` is `1-3,5`). Spaces around elements are
    /// tolerated; `*` ("all") is not an id set and is refused.
    pub fn parse(text: &str) -> Result<Self, IdSetError> {
        let fail = |position: usize, element: &str, reason: &'static str| IdSetError {
            text: text.chars().take(100).collect(),
            position,
            element: element.chars().take(50).collect(),
            reason,
        };
        if text.trim().is_empty() {
            return Err(fail(1, "", "is empty: an id set names at least one id"));
        }
        let mut runs = Vec::new();
        for (i, element) in text.split(',').enumerate() {
            let position = i + 1;
            let trimmed = element.trim();
            let number = |part: &str| -> Result<u64, IdSetError> {
                let part = part.trim();
                if part.is_empty() {
                    return Err(fail(position, element, "has an empty id"));
                }
                if !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(fail(position, element, "is not a number"));
                }
                part.parse::<u64>()
                    .map_err(|_| fail(position, element, "is too large for an id"))
            };
            match trimmed.split_once('-') {
                None => {
                    let id = number(trimmed)?;
                    runs.push((id, id));
                }
                Some((low, high)) => {
                    let (low, high) = (number(low)?, number(high)?);
                    if high < low {
                        return Err(fail(
                            position,
                            element,
                            "is a descending range, which Brightpearl refuses",
                        ));
                    }
                    runs.push((low, high));
                }
            }
        }
        Ok(Self::from_runs(runs))
    }

    /// Normalises runs in any order, overlapping or adjacent.
    fn from_runs(mut runs: Vec<(u64, u64)>) -> Self {
        runs.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(runs.len());
        for (first, last) in runs {
            match merged.last_mut() {
                Some((_, end)) if first <= end.saturating_add(1) => *end = (*end).max(last),
                _ => merged.push((first, last)),
            }
        }
        Self { runs: merged }
    }

    /// How many ids the set holds.
    pub fn len(&self) -> u64 {
        self.runs.iter().map(|(a, b)| b - a + 1).sum()
    }

    /// Whether the set holds no id.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: u64) -> bool {
        let at = self.runs.partition_point(|(_, last)| *last < id);
        self.runs.get(at).is_some_and(|(first, _)| *first <= id)
    }

    /// The runs, ascending, as inclusive `(first, last)` pairs.
    pub fn runs(&self) -> &[(u64, u64)] {
        &self.runs
    }

    /// The smallest id.
    pub fn first(&self) -> Option<u64> {
        self.runs.first().map(|(a, _)| *a)
    }

    /// The largest id.
    pub fn last(&self) -> Option<u64> {
        self.runs.last().map(|(_, b)| *b)
    }

    /// Every id, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().flat_map(|(a, b)| *a..=*b)
    }

    /// The set cut into chunks of at most `max_ids` ids ([`MAX_IDS_PER_GET`],
    /// [`MAX_GOODS_OUT_NOTE_IDS`]) whose text is at most [`MAX_TEXT_LEN`] characters, in
    /// ascending order. Empty for an empty set.
    pub fn chunks(&self, max_ids: usize) -> Vec<IdSet> {
        self.chunks_within(max_ids, MAX_TEXT_LEN)
    }

    /// Like [`IdSet::chunks`] with another text bound (raised to at least 42 characters, the
    /// longest one run can need).
    pub fn chunks_within(&self, max_ids: usize, max_text: usize) -> Vec<IdSet> {
        let max_ids = u64::try_from(max_ids.max(1)).unwrap_or(u64::MAX);
        let max_text = max_text.max(LONGEST_RUN_TEXT);
        let mut chunks = Vec::new();
        let mut current: Vec<(u64, u64)> = Vec::new();
        let (mut count, mut text) = (0u64, 0usize);
        for &(first, last) in &self.runs {
            let mut from = first;
            loop {
                let room = max_ids - count;
                // `last - from` cannot overflow; the piece holds `take` ids.
                let take = (last - from).saturating_add(1).min(room);
                let to = from + (take - 1);
                let piece = run_text_len(from, to) + usize::from(!current.is_empty());
                if !current.is_empty() && text + piece > max_text {
                    chunks.push(IdSet {
                        runs: std::mem::take(&mut current),
                    });
                    (count, text) = (0, 0);
                    continue;
                }
                current.push((from, to));
                count += take;
                text += piece;
                if count == max_ids {
                    chunks.push(IdSet {
                        runs: std::mem::take(&mut current),
                    });
                    (count, text) = (0, 0);
                }
                if to == last {
                    break;
                }
                from = to + 1;
            }
        }
        if !current.is_empty() {
            chunks.push(IdSet { runs: current });
        }
        chunks
    }
}

/// The length of `a` or `a-b`.
fn run_text_len(first: u64, last: u64) -> usize {
    let digits = |n: u64| n.checked_ilog10().map_or(1, |d| d as usize + 1);
    if first == last {
        digits(first)
    } else {
        digits(first) + 1 + digits(last)
    }
}

impl fmt::Display for IdSet {
    /// `1-5,7,9-10`; the empty set renders as the empty string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (first, last)) in self.runs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if first == last {
                write!(f, "{first}")?;
            } else {
                write!(f, "{first}-{last}")?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for IdSet {
    type Err = IdSetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl FromIterator<u64> for IdSet {
    fn from_iter<I: IntoIterator<Item = u64>>(ids: I) -> Self {
        Self::from_ids(ids)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn builds_sorted_merged_text() {
        let set = IdSet::from_ids([9, 1, 2, 3, 4, 5, 7, 10, 3, 5]);
        assert_eq!(set.to_string(), "1-5,7,9-10");
        assert_eq!(set.len(), 8);
        assert!(set.contains(7) && !set.contains(6) && !set.contains(11));
        assert_eq!(
            IdSet::from_ids([u64::MAX, 0]).to_string(),
            format!("0,{}", u64::MAX)
        );
        assert_eq!(IdSet::new().to_string(), "");
    }

    #[test]
    fn parses_the_grammar_and_says_what_is_wrong() {
        assert_eq!(
            IdSet::parse("1-50,56,75-82,55,120").unwrap().to_string(),
            "1-50,55-56,75-82,120"
        );
        assert_eq!(IdSet::parse(" 3 , 1-2 ").unwrap().to_string(), "1-3");
        let cases = [
            ("", "is empty"),
            ("1,,2", "has an empty id"),
            ("1,x", "is not a number"),
            ("5-3", "descending range"),
            ("*", "is not a number"),
            ("1-", "has an empty id"),
            ("99999999999999999999999", "too large"),
        ];
        for (text, want) in cases {
            let err = IdSet::parse(text).unwrap_err();
            assert!(err.to_string().contains(want), "{text}: {err}");
        }
        let err = IdSet::parse("1,2,abc").unwrap_err();
        assert_eq!((err.position, err.element.as_str()), (3, "abc"));
    }

    #[test]
    fn chunks_respect_the_id_cap_and_split_runs() {
        let set = IdSet::parse("1-450,500").unwrap();
        let chunks: Vec<String> = set.chunks(200).iter().map(ToString::to_string).collect();
        assert_eq!(chunks, ["1-200", "201-400", "401-450,500"]);
        assert_eq!(set.chunks(MAX_GOODS_OUT_NOTE_IDS).len(), 1);
        assert!(IdSet::new().chunks(200).is_empty());
    }

    #[test]
    fn chunks_respect_the_text_bound() {
        let scattered = IdSet::from_ids((0..200).map(|i| 1_000_000 + i * 2));
        let chunks = scattered.chunks_within(200, 100);
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(chunk.to_string().len() <= 100, "{chunk}");
        }
        assert_eq!(chunks.iter().map(IdSet::len).sum::<u64>(), 200);
    }
}
