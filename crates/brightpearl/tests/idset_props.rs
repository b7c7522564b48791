//! Id-set properties over arbitrary ids and caps: chunking loses, duplicates and reorders
//! nothing, every chunk keeps its id cap and text bound, and text round-trips.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferry_brightpearl::idset::{IdSet, MAX_TEXT_LEN};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Ids that make runs (small, dense values) mixed with scattered large ones, so chunks end on
/// both the id cap and the text bound.
fn ids() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(
        prop_oneof![
            3 => 1u64..600,
            2 => 1u64..5_000_000,
            1 => any::<u64>(),
        ],
        0..1500,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn chunks_cover_the_input_once_in_order_within_bounds(
        ids in ids(),
        cap in 1usize..600,
        max_text in prop_oneof![Just(MAX_TEXT_LEN), 0usize..300],
    ) {
        let want: BTreeSet<u64> = ids.iter().copied().collect();
        let set = IdSet::from_ids(ids.iter().copied());
        prop_assert_eq!(set.len(), want.len() as u64);
        let chunks = set.chunks_within(cap, max_text);
        let bound = max_text.max(42);
        let mut seen = Vec::new();
        let mut previous_last: Option<u64> = None;
        for chunk in &chunks {
            prop_assert!(!chunk.is_empty(), "no empty chunks");
            prop_assert!(chunk.len() <= cap as u64, "chunk {} holds {} > {cap}", chunk, chunk.len());
            let text = chunk.to_string();
            prop_assert!(text.len() <= bound, "chunk text {} chars > {bound}", text.len());
            if let Some(last) = previous_last {
                prop_assert!(chunk.first().unwrap() > last, "chunks are ordered and disjoint");
            }
            previous_last = chunk.last();
            seen.extend(chunk.iter());
            // Each chunk's text reads back as the same chunk.
            prop_assert_eq!(&IdSet::parse(&text).unwrap(), chunk);
        }
        let got: Vec<u64> = seen;
        let want: Vec<u64> = want.into_iter().collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn text_round_trips(ids in ids()) {
        let set = IdSet::from_ids(ids);
        if set.is_empty() {
            prop_assert!(IdSet::parse(&set.to_string()).is_err(), "empty text is refused");
        } else {
            prop_assert_eq!(IdSet::parse(&set.to_string()).unwrap(), set);
        }
    }

    #[test]
    fn default_chunks_fill_to_the_cap_for_dense_ids(start in 1u64..1_000_000, n in 1u64..2_000) {
        let set = IdSet::from_ids(start..start + n);
        let chunks = set.chunks(200);
        prop_assert_eq!(chunks.len() as u64, n.div_ceil(200));
        prop_assert!(chunks.iter().all(|c| c.runs().len() == 1), "a dense range stays one run per chunk");
    }

    #[test]
    fn parse_never_panics_and_accepts_any_order(text in "[0-9,\\- *a]{0,40}") {
        if let Ok(set) = IdSet::parse(&text) {
            prop_assert_eq!(IdSet::parse(&set.to_string()).unwrap(), set);
        }
    }
}
