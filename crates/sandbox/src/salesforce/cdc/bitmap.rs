//! The bitmap encoding of `changedFields`, `nulledFields` and `diffFields` in Pub/Sub change
//! events (reference §9.3): element 0 is `0x<hex>` with bit *i* for top-level Avro field *i*;
//! further elements are `<parent>-0x<hex>` for the children of a nested (address) record.

use std::collections::{BTreeMap, BTreeSet};

/// Field positions to encode: top-level Avro indices, and children per parent index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bits {
    /// Top-level field indices (0 is the header).
    pub top: BTreeSet<usize>,
    /// Parent index → child indices of its nested record.
    pub children: BTreeMap<usize, BTreeSet<usize>>,
}

impl Bits {
    /// Marks a field: a top-level one (`child` None) or a child of a nested record. A child
    /// marks only the child entry, as Salesforce does (`["0x400000","4-0x01"]`).
    pub fn set(&mut self, top: usize, child: Option<usize>) {
        match child {
            Some(child) => {
                self.children.entry(top).or_default().insert(child);
            }
            None => {
                self.top.insert(top);
            }
        }
    }

    /// Whether nothing is marked.
    pub fn is_empty(&self) -> bool {
        self.top.is_empty() && self.children.is_empty()
    }

    /// The wire form: empty when nothing is marked, otherwise `["0x..", "<p>-0x..", ...]`.
    pub fn encode(&self) -> Vec<String> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut out = vec![format!("0x{}", hex(&self.top))];
        for (parent, children) in &self.children {
            out.push(format!("{parent}-0x{}", hex(children)));
        }
        out
    }

    /// Reads the wire form back (for tests and tools). `None` when an element is malformed.
    pub fn decode(elements: &[String]) -> Option<Bits> {
        let mut bits = Bits::default();
        for (n, element) in elements.iter().enumerate() {
            match element.split_once('-') {
                Some((parent, hex)) if n > 0 => {
                    let parent: usize = parent.parse().ok()?;
                    let set = parse_hex(hex)?;
                    if !set.is_empty() {
                        bits.children.insert(parent, set);
                    }
                }
                None if n == 0 => bits.top = parse_hex(element)?,
                _ => return None,
            }
        }
        Some(bits)
    }
}

/// Minimal big-endian hex of a bit set, upper case, with an even number of digits.
fn hex(set: &BTreeSet<usize>) -> String {
    let Some(&highest) = set.last() else {
        return "00".into();
    };
    let mut bytes = vec![0u8; highest / 8 + 1];
    for &bit in set {
        let from_end = bit / 8;
        let len = bytes.len();
        bytes[len - 1 - from_end] |= 1 << (bit % 8);
    }
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn parse_hex(text: &str) -> Option<BTreeSet<usize>> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    if digits.is_empty() {
        return None;
    }
    let mut set = BTreeSet::new();
    for (n, c) in digits.chars().rev().enumerate() {
        let nibble = c.to_digit(16)? as usize;
        for bit in 0..4 {
            if nibble & (1 << bit) != 0 {
                set.insert(n * 4 + bit);
            }
        }
    }
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_examples_encode_as_salesforce_writes_them() {
        let mut bits = Bits::default();
        bits.set(11, None);
        bits.set(22, None);
        assert_eq!(bits.encode(), vec!["0x400800"]);
        let mut bits = Bits::default();
        bits.set(22, None);
        bits.set(4, Some(0));
        assert_eq!(bits.encode(), vec!["0x400000", "4-0x01"]);
        assert_eq!(Bits::decode(&bits.encode()), Some(bits));
    }

    #[test]
    fn hex_is_minimal_with_an_even_digit_count() {
        let mut bits = Bits::default();
        bits.set(1, None);
        assert_eq!(bits.encode(), vec!["0x02"]);
        bits.set(8, None);
        assert_eq!(bits.encode(), vec!["0x0102"]);
        assert_eq!(Bits::default().encode(), Vec::<String>::new());
        assert_eq!(Bits::decode(&["0xZZ".to_string()]), None);
        assert_eq!(Bits::decode(&["4-0x01".to_string()]), None);
    }
}
