//! Brightpearl's wire formats for times and money. Times are stored as UTC milliseconds and
//! shown with the account's offset and milliseconds (`2022-01-26T09:37:37.000-06:00`); webhook
//! `raisedOn` is UTC with a `Z`. Money is a decimal string with a fixed number of places (2 for
//! totals and tax, 4 for row values, prices and quantities, 6 for exchange rates); requests may
//! send numbers or strings.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value as Json;
use time::{
    Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset,
    format_description::well_known::Rfc3339,
};

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn to_datetime(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `ms` in the account's offset (minutes east of UTC), with milliseconds:
/// `2022-01-26T09:37:37.000-06:00`.
pub fn format_time(ms: i64, offset_minutes: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    let t = to_datetime(ms).to_offset(offset);
    let (h, m) = (offset_minutes.abs() / 60, offset_minutes.abs() % 60);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{sign}{h:02}:{m:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `ms` in UTC with milliseconds and `Z`: `2022-09-19T10:20:41.691Z` (webhook `raisedOn`).
pub fn format_utc(ms: i64) -> String {
    let t = to_datetime(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses a date or datetime as Brightpearl accepts them: `2022-01-20` (UTC midnight),
/// `2022-01-20T10:00:00` (UTC), with fractional seconds, `Z` or an offset (`+01:00`, `+0100`).
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() == 10 {
        let date = Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()?;
        return Some(
            PrimitiveDateTime::new(date, Time::MIDNIGHT)
                .assume_utc()
                .unix_timestamp()
                * 1000,
        );
    }
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    // `+0100` offsets and offset-less datetimes: normalise and retry.
    let (body, offset) = split_offset(text);
    let body = if body.contains('.') || body.len() != 16 {
        body.to_string()
    } else {
        format!("{body}:00")
    };
    let offset = offset.unwrap_or_else(|| "Z".to_string());
    OffsetDateTime::parse(&format!("{body}{offset}"), &Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Splits `2022-01-20T10:00:00+0100` into the local part and `+01:00`.
fn split_offset(text: &str) -> (&str, Option<String>) {
    if let Some(body) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return (body, Some("Z".into()));
    }
    let Some(t_at) = text.find('T') else {
        return (text, None);
    };
    let tail = &text[t_at..];
    match tail.rfind(['+', '-']) {
        Some(at) => {
            let split = t_at + at;
            let zone = &text[split..];
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return (text, None);
            }
            (
                &text[..split],
                Some(format!("{}{}:{}", &zone[..1], &digits[..2], &digits[2..])),
            )
        }
        None => (text, None),
    }
}

/// A decimal rounded half away from zero to `places`, written with exactly that many places.
pub fn money(value: Decimal, places: u32) -> String {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    rounded.to_string()
}

/// A JSON number or numeric string as a decimal (`100`, `100.5`, `"100.50"`).
pub fn decimal(value: &Json) -> Option<Decimal> {
    match value {
        Json::Number(n) => n
            .to_string()
            .parse::<Decimal>()
            .ok()
            .or_else(|| n.as_f64().and_then(Decimal::from_f64_retain)),
        Json::String(s) => s.trim().parse::<Decimal>().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_round_trip_in_the_account_offset() {
        let ms = parse_time("2022-01-26T15:37:37Z").unwrap();
        assert_eq!(format_time(ms, -360), "2022-01-26T09:37:37.000-06:00");
        assert_eq!(format_time(ms, 60), "2022-01-26T16:37:37.000+01:00");
        assert_eq!(format_utc(ms + 691), "2022-01-26T15:37:37.691Z");
        // A date is UTC midnight, shown in the account's offset (the recorded PATCH quirk).
        let date = parse_time("2022-01-20").unwrap();
        assert_eq!(format_time(date, -360), "2022-01-19T18:00:00.000-06:00");
        assert_eq!(parse_time("2022-01-26T09:37:37.000-06:00"), Some(ms));
        assert_eq!(parse_time("2022-01-26T16:37:37+0100"), Some(ms));
        assert_eq!(parse_time("2022-01-26T15:37:37"), Some(ms));
        assert_eq!(parse_time("2022-01-26T15:37"), Some(ms - 37_000));
        for bad in ["", "yesterday", "2022-13-01", "2022-01-26T25:00:00Z"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn money_has_fixed_places() {
        let d = decimal(&json!(9.0909)).unwrap();
        assert_eq!(money(d, 2), "9.09");
        assert_eq!(money(d, 4), "9.0909");
        assert_eq!(money(decimal(&json!("1")).unwrap(), 6), "1.000000");
        assert_eq!(money(decimal(&json!(0.125)).unwrap(), 2), "0.13");
        assert_eq!(decimal(&json!("abc")), None);
        assert_eq!(decimal(&json!(true)), None);
    }
}

/// A point in time as Brightpearl shows it: kept as UTC milliseconds for comparisons and as
/// the text rendered in the account's offset for the wire. Serialises as the text; deserialises
/// from any accepted time text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// UTC milliseconds.
    pub ms: i64,
    /// `2022-01-26T09:37:37.000-06:00`.
    pub text: String,
}

impl Stamp {
    /// `ms` shown in the account's offset.
    pub fn new(ms: i64, offset_minutes: i32) -> Stamp {
        Stamp {
            ms,
            text: format_time(ms, offset_minutes),
        }
    }
}

impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Stamp) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Stamp {
    fn cmp(&self, other: &Stamp) -> std::cmp::Ordering {
        self.ms.cmp(&other.ms)
    }
}

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Stamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        match parse_time(&text) {
            Some(ms) => Ok(Stamp { ms, text }),
            None => Err(serde::de::Error::custom(format!(
                "{text:?} is not a date or time"
            ))),
        }
    }
}

/// A decimal written with exactly `P` places as a JSON string (`"9.09"`, `"10.0000"`), read
/// from a string or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Dec<const P: u32>(pub Decimal);

/// Totals and tax: 2 places.
pub type Dec2 = Dec<2>;
/// Row values, prices and quantities: 4 places.
pub type Dec4 = Dec<4>;
/// Exchange rates: 6 places.
pub type Dec6 = Dec<6>;

impl<const P: u32> Dec<P> {
    /// The value rounded to `P` places.
    pub fn new(value: Decimal) -> Dec<P> {
        Dec(value.round_dp_with_strategy(P, RoundingStrategy::MidpointAwayFromZero))
    }
}

impl<const P: u32> std::fmt::Display for Dec<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&money(self.0, P))
    }
}

impl<const P: u32> serde::Serialize for Dec<P> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&money(self.0, P))
    }
}

impl<'de, const P: u32> serde::Deserialize<'de> for Dec<P> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Dec<P>, D::Error> {
        let value = Json::deserialize(deserializer)?;
        decimal(&value)
            .map(Dec::new)
            .ok_or_else(|| serde::de::Error::custom(format!("{value} is not a number")))
    }
}
