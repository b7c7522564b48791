//! Salesforce record ids: 15 case-sensitive characters (3-character key prefix, 2-character
//! pod, 1 reserved, 9-character base-62 serial) and the 18-character form whose last three
//! characters encode the case of the first fifteen.

use std::fmt;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The pod characters this sandbox puts in every id it mints (positions 4–5), and the
/// reserved character (position 6).
pub const POD: &str = "8c0";

/// A record id in its canonical 18-character form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SfId([u8; 18]);

/// Why a string is not an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Not 15 or 18 characters of `[0-9A-Za-z]`.
    Malformed,
    /// 18 characters whose last three do not match the first fifteen.
    BadChecksum,
}

impl SfId {
    /// Parses a 15- or 18-character id. An 18-character id must carry the right suffix.
    pub fn parse(text: &str) -> Result<SfId, IdError> {
        let bytes = text.as_bytes();
        if !(bytes.len() == 15 || bytes.len() == 18) || !bytes.iter().all(u8::is_ascii_alphanumeric)
        {
            return Err(IdError::Malformed);
        }
        let mut base = [0u8; 15];
        base.copy_from_slice(&bytes[..15]);
        let id = SfId::from_base(base);
        if bytes.len() == 18 && !id.0[15..].eq_ignore_ascii_case(&bytes[15..]) {
            return Err(IdError::BadChecksum);
        }
        Ok(id)
    }

    /// Builds the 18-character id from its 15-character base.
    pub fn from_base(base: [u8; 15]) -> SfId {
        let mut full = [0u8; 18];
        full[..15].copy_from_slice(&base);
        for chunk in 0..3 {
            let mut bits = 0usize;
            for i in 0..5 {
                if base[chunk * 5 + i].is_ascii_uppercase() {
                    bits |= 1 << i;
                }
            }
            full[15 + chunk] = SUFFIX[bits];
        }
        SfId(full)
    }

    /// Mints the id with this prefix and serial number.
    pub fn mint(prefix: &str, serial: u64) -> SfId {
        let mut base = [b'0'; 15];
        base[..3].copy_from_slice(&prefix.as_bytes()[..3]);
        base[3..6].copy_from_slice(POD.as_bytes());
        let mut n = serial;
        for slot in base[6..].iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        SfId::from_base(base)
    }

    /// The serial number of an id minted by [`SfId::mint`] (`None` for foreign ids).
    pub fn serial(&self) -> Option<u64> {
        let mut n = 0u64;
        for &c in &self.0[6..15] {
            let digit = BASE62.iter().position(|&b| b == c)? as u64;
            n = n.checked_mul(62)?.checked_add(digit)?;
        }
        Some(n)
    }

    /// The three-character key prefix.
    pub fn prefix(&self) -> &str {
        self.as_str().get(..3).unwrap_or_default()
    }

    /// The 18-character form.
    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The 15-character form.
    pub fn short(&self) -> &str {
        self.as_str().get(..15).unwrap_or_default()
    }
}

impl fmt::Display for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for SfId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for SfId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SfId::parse(&text).map_err(|_| serde::de::Error::custom(format!("not a record id: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_known_ids() {
        for (short, long) in [
            ("00558000001N0Ke", "00558000001N0KeAAK"),
            ("001D000000IRFma", "001D000000IRFmaIAH"),
            ("0015f00002J9YYE", "0015f00002J9YYEAA3"),
        ] {
            assert_eq!(SfId::parse(short).unwrap().as_str(), long);
            assert_eq!(SfId::parse(long).unwrap().short(), short);
        }
        assert_eq!(SfId::parse("001D000000IRFmaXXX"), Err(IdError::BadChecksum));
        assert_eq!(SfId::parse("001D000000IRFm"), Err(IdError::Malformed));
        assert_eq!(SfId::parse("001D000000IRF-a"), Err(IdError::Malformed));
    }

    #[test]
    fn minted_ids_round_trip_their_serial() {
        for serial in [0, 1, 61, 62, 1_000_000, 13_537_086_546_263_551] {
            let id = SfId::mint("001", serial);
            assert_eq!(id.prefix(), "001");
            assert_eq!(id.serial(), Some(serial));
            assert_eq!(SfId::parse(id.as_str()).unwrap(), id);
        }
    }
}
