//! Text: trimming, blanks, first non-blank, truncation, casing, slugs.

use super::call::{Call, is_blank, opt_text};
use super::fold::fold_char;
use minijinja::Error;
use minijinja::value::Value;

pub(crate) fn trim(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(opt_text(
        call.text(0, "the value")?.map(|s| s.trim().to_string()),
    ))
}

pub(crate) fn blank_to_none(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    let value = call.arg(0);
    Ok(if is_blank(&value) {
        Value::from(())
    } else {
        value
    })
}

pub(crate) fn coalesce(call: &Call) -> Result<Value, Error> {
    Ok(call
        .args
        .iter()
        .find(|v| !is_blank(v))
        .cloned()
        .unwrap_or(Value::from(())))
}

pub(crate) fn truncate_to(call: &Call) -> Result<Value, Error> {
    call.arity(2, 2)?;
    let n = call.count(&call.arg(1), "the length", usize::MAX >> 1)?;
    Ok(opt_text(
        call.text(0, "the text")?
            .map(|s| s.chars().take(n).collect::<String>()),
    ))
}

/// Words capitalised: first letter of each word upper case, the rest lower case. A letter
/// after a hyphen starts a word ("Smith-Jones"), and so does one after an apostrophe that
/// follows a single letter ("O'Neill", "d'Artagnan" → "D'Artagnan") but not after a longer
/// word ("Don't").
pub fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word_len = 0usize;
    let mut start = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
            word_len += 1;
        } else {
            start = c.is_whitespace() || c == '-' || ((c == '\'' || c == '’') && word_len == 1);
            if c.is_whitespace() || c == '-' {
                word_len = 0;
            }
            out.push(c);
        }
    }
    out
}

pub(crate) fn title_case(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(opt_text(call.text(0, "the text")?.map(|s| title(&s))))
}

/// Lower-case ASCII letters and digits separated by single hyphens ("Café Crème 2" →
/// "cafe-creme-2").
pub fn slugify(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut folded);
    }
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

pub(crate) fn slug(call: &Call) -> Result<Value, Error> {
    call.arity(1, 1)?;
    Ok(opt_text(call.text(0, "the text")?.map(|s| slugify(&s))))
}
