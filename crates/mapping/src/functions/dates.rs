//! Dates and times: every instant is read with its offset and written in UTC.
//!
//! Accepted input: RFC 3339 / ISO 8601 with `Z` or an offset with or without a colon
//! (Brightpearl `2026-11-27T10:00:00.000+01:00`, Salesforce `2026-11-27T09:00:00.000+0000`),
//! a space instead of `T`, no seconds fraction or any number of its digits; a date and time
//! without an offset is read as UTC; a bare date (`2026-11-27`) is midnight UTC.

use super::call::{Call, quote};
use minijinja::Error;
use minijinja::value::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// Parses an offset: `Z`, `UTC`, `+01:00`, `+0100`, `+01`, `-05:30`.
pub fn offset(text: &str) -> Option<UtcOffset> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("gmt")
    {
        return Some(UtcOffset::UTC);
    }
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1i8, &t[1..]),
        b'-' => (-1i8, &t[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let h: i8 = digits.get(..2)?.parse().ok()?;
    let m: i8 = digits
        .get(2..)
        .filter(|s| !s.is_empty())
        .map_or(Some(0), |s| s.parse().ok())?;
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

/// Reads an instant (see the module's accepted forms).
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    let t = text.trim();
    if t.is_empty() || t.len() > 64 || !t.is_ascii() {
        return None;
    }
    if t.len() == 10 {
        let date = Date::parse(t, format_description!("[year]-[month]-[day]")).ok()?;
        return Some(date.midnight().assume_utc());
    }
    let mut s = t.replacen(' ', "T", 1);
    // Split off the offset: a trailing Z, or the last + or - after the time.
    let tpos = s.find('T')?;
    let (main, off) = if s.ends_with(['Z', 'z']) {
        let main = s[..s.len() - 1].to_string();
        (main, UtcOffset::UTC)
    } else if let Some(i) = s[tpos..].rfind(['+', '-']).map(|i| i + tpos) {
        let off = offset(&s[i..])?;
        (s[..i].to_string(), off)
    } else {
        (std::mem::take(&mut s), UtcOffset::UTC)
    };
    // Seconds are optional in the wild ("2026-11-27T10:00").
    let main = if main.len() == 16 {
        format!("{main}:00")
    } else {
        main
    };
    let (h, m, _) = off.as_hms();
    let sign = if off.is_negative() { '-' } else { '+' };
    let rfc = format!(
        "{main}{sign}{:02}:{:02}",
        h.unsigned_abs(),
        m.unsigned_abs()
    );
    OffsetDateTime::parse(&rfc, &Rfc3339).ok()
}

fn instant(call: &Call, i: usize) -> Result<Option<OffsetDateTime>, Error> {
    let Some(text) = call.text(i, "the date")? else {
        return Ok(None);
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse(&text).map(Some).ok_or_else(|| {
        call.error(format!(
            "{} is not a date and time (expected ISO 8601, such as 2026-11-27T10:00:00+01:00): \
             fix it in the source record",
            quote(&text)
        ))
    })
}

/// An instant as RFC 3339 UTC text with milliseconds: `2026-11-27T09:00:00.000Z`.
pub fn utc_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
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

pub(crate) fn to_utc(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(instant(call, 0)?.map_or(Value::from(()), |t| Value::from(utc_text(t))))
}

pub(crate) fn sf_datetime(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(instant(call, 0)?.map_or(Value::from(()), |t| {
        let mut s = utc_text(t);
        s.pop();
        Value::from(format!("{s}+0000"))
    }))
}

pub(crate) fn date_only(call: &Call) -> Result<Value, Error> {
    call.arity(1, 2)?;
    let Some(t) = instant(call, 0)? else {
        return Ok(Value::from(()));
    };
    let off = match call.text(1, "the UTC offset")? {
        Some(o) if !o.trim().is_empty() => offset(&o).ok_or_else(|| {
            call.error(format!(
                "{} is not a UTC offset (such as +01:00 or Z)",
                quote(&o)
            ))
        })?,
        _ => UtcOffset::UTC,
    };
    let d = t.to_offset(off).date();
    Ok(Value::from(format!(
        "{:04}-{:02}-{:02}",
        d.year(),
        u8::from(d.month()),
        d.day()
    )))
}

pub(crate) fn format_date(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let format = call.text(1, "the format")?.unwrap_or_default();
    // The time crate's parser trips a debug assertion on some malformed descriptions (a
    // panic in debug builds): a format from a flow file must give an error, never a panic.
    let parsed = std::panic::catch_unwind(|| {
        time::format_description::parse_borrowed::<2>(&format).map_err(|e| e.to_string())
    })
    .unwrap_or_else(|_| Err("it cannot be parsed".to_owned()));
    let items = parsed.map_err(|e| {
        call.error(format!(
            "the format {} is not a time format description ({e}); see \
             https://time-rs.github.io/book/api/format-description.html",
            quote(&format)
        ))
    })?;
    let Some(t) = instant(call, 0)? else {
        return Ok(Value::from(()));
    };
    t.to_offset(UtcOffset::UTC)
        .format(&items)
        .map(Value::from)
        .map_err(|e| call.error(format!("cannot format with {}: {e}", quote(&format))))
}

pub(crate) fn newer(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let (a, b) = (instant(call, 0)?, instant(call, 1)?);
    Ok(Value::from(match (a, b) {
        (Some(a), Some(b)) => a > b,
        (Some(_), None) => true,
        (None, _) => false,
    }))
}
