//! UTC instants with microsecond precision, the one time type inside Ferry.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// An instant in UTC, stored as microseconds since the Unix epoch (the same integer in SQLite and
/// PostgreSQL, so ordering and arithmetic in SQL are exact and backend-independent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The current instant.
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Wraps microseconds since the epoch.
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Converts from a `time` value (any offset; Ferry keeps UTC).
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let nanos = at.unix_timestamp_nanos() / 1_000;
        Self(i64::try_from(nanos).unwrap_or(i64::MAX))
    }

    /// Converts to a `time` value in UTC.
    pub fn to_datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// This instant moved by a duration (saturating).
    pub fn plus(self, duration: std::time::Duration) -> Self {
        let micros = i64::try_from(duration.as_micros()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(micros))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self
            .to_datetime()
            .format(&time::format_description::well_known::Rfc3339)
        {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "@{}us", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_datetime_and_displays_rfc3339() {
        let at = Timestamp::from_micros(1_700_000_000_123_456);
        assert_eq!(Timestamp::from_datetime(at.to_datetime()), at);
        assert_eq!(at.to_string(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(
            at.plus(std::time::Duration::from_millis(2)).as_micros(),
            1_700_000_000_125_456
        );
    }
}
