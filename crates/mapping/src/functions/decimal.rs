//! Decimal arithmetic and currency conversion. Money is decimal text in and decimal text out
//! (`"12.50"`), computed with [`rust_decimal::Decimal`]: no value ever passes through a binary
//! float, except a JSON number with a fraction that arrives as one, which is read from its
//! shortest round-trip text (`12.1` is `12.1`, not `12.0999999999999996447`).

use super::call::{Call, is_blank, quote, show};
use minijinja::Error;
use minijinja::value::{Value, ValueKind};
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Decimal text: trimmed, an optional sign, digits with an optional fraction, or scientific
/// notation; thousands separators (`1,234.50`) only in groups of three.
pub fn parse(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() || t.len() > 64 {
        return None;
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let plain: String;
    let t = if t.contains(',') {
        let (int, frac) = t.split_once('.').map_or((t, None), |(i, f)| (i, Some(f)));
        let unsigned = int.strip_prefix('-').unwrap_or(int);
        let groups: Vec<&str> = unsigned.split(',').collect();
        let grouped = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups[1..].iter().all(|g| g.len() == 3);
        if !grouped {
            return None;
        }
        plain = match frac {
            Some(f) => format!("{}.{f}", int.replace(',', "")),
            None => int.replace(',', ""),
        };
        plain.as_str()
    } else {
        t
    };
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'E' | '+'))
    {
        return None;
    }
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        Decimal::from_str(t).ok()
    }
}

/// A value as a decimal: JSON numbers and decimal text; `Ok(None)` for none and blank text.
pub fn of_value(value: &Value) -> Result<Option<Decimal>, String> {
    if is_blank(value) {
        return Ok(None);
    }
    match value.kind() {
        ValueKind::Number => {
            if value.is_integer() {
                let n = i128::try_from(value.clone()).map_err(|e| e.to_string())?;
                Decimal::try_from_i128_with_scale(n, 0)
                    .map(Some)
                    .map_err(|_| format!("{} is too large for a decimal", show(value)))
            } else {
                let f = f64::try_from(value.clone()).map_err(|e| e.to_string())?;
                if !f.is_finite() {
                    return Err(format!("{} is not a finite number", show(value)));
                }
                // The shortest text that reads back as the same float: what the JSON said.
                parse(&format!("{f}"))
                    .map(Some)
                    .ok_or_else(|| format!("{} does not fit a decimal", show(value)))
            }
        }
        ValueKind::String => {
            let s = value.as_str().unwrap_or_default();
            parse(s)
                .map(Some)
                .ok_or_else(|| format!("{} is not a decimal number", quote(s)))
        }
        _ => Err(format!("{} is not a decimal number", show(value))),
    }
}

fn arg(call: &Call, i: usize, what: &str) -> Result<Decimal, Error> {
    match of_value(&call.arg(i)) {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(call.error(format!(
            "{what} is missing: the source record has no value there; give a default with \
             coalesce(..., \"0\") if that is intended"
        ))),
        Err(e) => Err(call.error(format!("{what}: {e}"))),
    }
}

fn out(d: Decimal) -> Value {
    Value::from(d.to_string())
}

fn overflow(call: &Call) -> Error {
    call.error("the result is too large for a decimal (more than 28 digits)")
}

pub(crate) fn dec(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    match of_value(&call.arg(0)) {
        Ok(Some(d)) => Ok(out(d)),
        Ok(None) => Ok(Value::from(())),
        Err(e) => Err(call.error(format!("{e}: fix it in the source record"))),
    }
}

pub(crate) fn dec_add(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let (a, b) = (
        arg(call, 0, "the first value")?,
        arg(call, 1, "the second value")?,
    );
    a.checked_add(b).map(out).ok_or_else(|| overflow(call))
}

pub(crate) fn dec_sub(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let (a, b) = (
        arg(call, 0, "the first value")?,
        arg(call, 1, "the second value")?,
    );
    a.checked_sub(b).map(out).ok_or_else(|| overflow(call))
}

pub(crate) fn dec_mul(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let (a, b) = (
        arg(call, 0, "the first value")?,
        arg(call, 1, "the second value")?,
    );
    a.checked_mul(b).map(out).ok_or_else(|| overflow(call))
}

pub(crate) fn dec_div(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let (a, b) = (arg(call, 0, "the dividend")?, arg(call, 1, "the divisor")?);
    if b.is_zero() {
        return Err(call.error(format!(
            "division by zero ({a} / {}): check the divisor's source field",
            show(&call.arg(1))
        )));
    }
    a.checked_div(b)
        .map(|d| out(d.normalize()))
        .ok_or_else(|| overflow(call))
}

/// Rounds half away from zero (2.345 → 2.35, -2.345 → -2.35) to exactly `places` decimals:
/// the rule of invoices and of Brightpearl's and Salesforce's currency fields.
pub fn round(d: Decimal, places: u32) -> Decimal {
    let mut r = d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(places);
    r
}

pub(crate) fn dec_round(call: &Call) -> Result<Value, Error> {
    call.arity(1, 2)?;
    let places = call.arg_or_kw(1, "places")?;
    let places = if places.is_undefined() || places.is_none() {
        2
    } else {
        call.count(&places, "places", 28)? as u32
    };
    if is_blank(&call.arg(0)) {
        return Ok(Value::from(()));
    }
    Ok(out(round(arg(call, 0, "the value")?, places)))
}

pub(crate) fn dec_cmp(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let (a, b) = (
        arg(call, 0, "the first value")?,
        arg(call, 1, "the second value")?,
    );
    Ok(Value::from(a.cmp(&b) as i64))
}

/// Follows a dotted path (`total.available`) into a value.
fn path(value: &Value, path: &str) -> Value {
    let mut v = value.clone();
    for part in path.split('.') {
        v = v.get_attr(part).unwrap_or(Value::UNDEFINED);
    }
    v
}

pub(crate) fn sum_over(call: &Call) -> Result<Value, Error> {
    call.arity(1, 3)?;
    let collection = call.arg(0);
    let keys = call.arg(1);
    let field = call.text(2, "the field")?;
    let mut selected: Vec<(String, Value)> = Vec::new();
    let wanted: Option<Vec<String>> = if is_blank(&keys) {
        None
    } else if keys.kind() == ValueKind::Seq {
        let mut list = Vec::new();
        for k in keys.try_iter()? {
            if let Some(s) = call.text_of(&k, "a key")? {
                list.push(s.trim().to_string());
            }
        }
        if list.is_empty() { None } else { Some(list) }
    } else {
        Some(vec![call.text_of(&keys, "the keys")?.unwrap_or_default()])
    };
    match collection.kind() {
        ValueKind::Undefined | ValueKind::None => return Ok(Value::from("0")),
        ValueKind::Map => match &wanted {
            Some(list) => {
                for k in list {
                    selected.push((
                        k.clone(),
                        collection.get_attr(k).unwrap_or(Value::UNDEFINED),
                    ));
                }
            }
            None => {
                for k in collection.try_iter()? {
                    let item = collection.get_item(&k).unwrap_or(Value::UNDEFINED);
                    selected.push((k.to_string(), item));
                }
            }
        },
        ValueKind::Seq => {
            if wanted.is_some() {
                return Err(call
                    .error("keys select entries of a map; to sum a list, pass none as the keys"));
            }
            for (i, item) in collection.try_iter()?.enumerate() {
                selected.push((i.to_string(), item));
            }
        }
        _ => {
            return Err(call.error(format!(
                "the collection must be a map or a list, got {}",
                show(&collection)
            )));
        }
    }
    let mut total = Decimal::ZERO;
    for (k, item) in selected {
        let v = match &field {
            Some(f) => path(&item, f),
            None => item,
        };
        // A warehouse without the field (or not listed at all) holds nothing.
        match of_value(&v) {
            Ok(Some(d)) => total = total.checked_add(d).ok_or_else(|| overflow(call))?,
            Ok(None) => {}
            Err(e) => return Err(call.error(format!("entry {}: {e}", quote(&k)))),
        }
    }
    Ok(out(total))
}

/// Reads `rates[code]` (case-insensitive code); the base currency is 1 when not listed.
fn rate(call: &Call, rates: &Value, code: &str, base: Option<&str>) -> Result<Decimal, Error> {
    let mut found = rates.get_attr(code).unwrap_or(Value::UNDEFINED);
    if found.is_undefined()
        && let Ok(iter) = rates.try_iter()
    {
        for k in iter {
            if k.as_str()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case(code))
            {
                found = rates.get_item(&k).unwrap_or(Value::UNDEFINED);
                break;
            }
        }
    }
    if is_blank(&found) {
        if base.is_some_and(|b| b.eq_ignore_ascii_case(code)) {
            return Ok(Decimal::ONE);
        }
        return Err(call.error(format!(
            "there is no exchange rate for currency {}: add it to Brightpearl's exchange rates \
             or check the currency code in the source record",
            quote(code)
        )));
    }
    let r = of_value(&found).map_err(|e| call.error(format!("the rate of {code}: {e}")))?;
    match r {
        Some(r) if r > Decimal::ZERO => Ok(r),
        _ => Err(call.error(format!(
            "the exchange rate of {} is {}, which cannot convert: fix the rate in Brightpearl",
            quote(code),
            show(&found)
        ))),
    }
}

pub(crate) fn convert(call: &Call) -> Result<Value, Error> {
    call.arity(3, 5)?;
    if is_blank(&call.arg(0)) {
        return Ok(Value::from(()));
    }
    let amount = arg(call, 0, "the amount")?;
    let from = call
        .text(1, "the currency to convert from")?
        .unwrap_or_default();
    let to = call
        .text(2, "the currency to convert to")?
        .unwrap_or_default();
    let (from, to) = (from.trim().to_uppercase(), to.trim().to_uppercase());
    if from.is_empty() || to.is_empty() {
        return Err(call.error("both currencies are needed: the source record has none"));
    }
    let rates = call.arg_or_kw(3, "rates")?;
    let base = call.arg_or_kw(4, "base")?;
    let base = call.text_of(&base, "the base currency")?;
    if from == to {
        return Ok(out(round(amount, 2)));
    }
    if !matches!(rates.kind(), ValueKind::Map) {
        return Err(call.error(format!(
            "the rates must be a map of currency code to rate (ref.rates), got {}",
            show(&rates)
        )));
    }
    let rate_from = rate(call, &rates, &from, base.as_deref())?;
    let rate_to = rate(call, &rates, &to, base.as_deref())?;
    // amount ÷ rate[from] × rate[to], multiplied first to keep the most digits; rounded once.
    // Dividing first only when multiplying first would overflow 28 digits.
    let result = amount
        .checked_mul(rate_to)
        .and_then(|x| x.checked_div(rate_from))
        .or_else(|| {
            amount
                .checked_div(rate_from)
                .and_then(|x| x.checked_mul(rate_to))
        })
        .ok_or_else(|| overflow(call))?;
    Ok(out(round(result, 2)))
}
