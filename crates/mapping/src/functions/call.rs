//! The calling convention every library function shares: positional arguments, keyword
//! arguments, and errors that name the function and the offending value.
//!
//! Every function is registered with the same Rust signature (`&State, Rest<Value>, Kwargs`)
//! and parses its own arguments here, so that a wrong argument gives a sentence a flow author
//! can act on ("dec_round: places must be a whole number from 0 to 28, got \"x\"") rather than
//! minijinja's generic conversion error.

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

/// The longest piece of a value quoted in an error message: records from the wild can hold
/// megabytes in one field, and an error message is read by a person.
const SHOWN_CHARS: usize = 60;

/// One call of a library function.
pub(crate) struct Call<'s, 'a, 'b> {
    /// The function's name, for error messages.
    pub name: &'static str,
    /// The positional arguments (the piped value first when called as a filter).
    pub args: Vec<Value>,
    /// The keyword arguments (`places=2`).
    pub kwargs: Kwargs,
    /// The evaluation state: `lookup("table", ...)` reads `tables` through it.
    pub state: &'s State<'a, 'b>,
}

/// The Rust side of one library function.
pub(crate) type Impl = fn(&Call<'_, '_, '_>) -> Result<Value, Error>;

impl Call<'_, '_, '_> {
    /// An error of this function, naming it.
    pub fn error(&self, detail: impl std::fmt::Display) -> Error {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("{}: {detail}", self.name),
        )
    }

    /// Checks the number of positional arguments.
    pub fn arity(&self, min: usize, max: usize) -> Result<(), Error> {
        let n = self.args.len();
        if n < min || n > max {
            let expected = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(self.error(format!(
                "takes {expected} argument{}, got {n}",
                if expected == "1" { "" } else { "s" }
            )));
        }
        Ok(())
    }

    /// Positional argument `i` (undefined when absent).
    pub fn arg(&self, i: usize) -> Value {
        self.args.get(i).cloned().unwrap_or(Value::UNDEFINED)
    }

    /// Positional argument `i`, or else keyword argument `name`, or undefined.
    pub fn arg_or_kw(&self, i: usize, name: &str) -> Result<Value, Error> {
        let kw: Option<Value> = self.kwargs.get(name)?;
        match (self.args.get(i), kw) {
            (Some(_), Some(_)) => Err(self.error(format!("`{name}` is given twice"))),
            (Some(v), None) => Ok(v.clone()),
            (None, Some(v)) => Ok(v),
            (None, None) => Ok(Value::UNDEFINED),
        }
    }

    /// Argument `i` as text: `None` for none/undefined; numbers and booleans as written.
    pub fn text(&self, i: usize, what: &str) -> Result<Option<String>, Error> {
        self.text_of(&self.arg(i), what)
    }

    /// A value as text (see [`Call::text`]).
    pub fn text_of(&self, value: &Value, what: &str) -> Result<Option<String>, Error> {
        text_of(value).ok_or_else(|| {
            self.error(format!(
                "{what} must be text, got a {} ({})",
                value.kind(),
                show(value)
            ))
        })
    }

    /// Argument `i` as a non-negative whole number.
    pub fn count(&self, value: &Value, what: &str, max: usize) -> Result<usize, Error> {
        let n = if value.is_integer() {
            i128::try_from(value.clone()).ok()
        } else {
            value.as_str().and_then(|s| s.trim().parse::<i128>().ok())
        };
        match n {
            Some(n) if n >= 0 && n <= max as i128 => Ok(n as usize),
            _ => Err(self.error(format!(
                "{what} must be a whole number from 0 to {max}, got {}",
                show(value)
            ))),
        }
    }
}

/// Whether a value is absent: undefined, none, or text that is only whitespace.
pub(crate) fn is_blank(value: &Value) -> bool {
    if value.is_undefined() || value.is_none() {
        return true;
    }
    match value.as_str() {
        Some(s) => s.trim().is_empty(),
        None => false,
    }
}

/// A scalar value as text; `Some(None)` for none/undefined, `None` for maps and lists.
pub(crate) fn text_of(value: &Value) -> Option<Option<String>> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Some(None),
        ValueKind::String => Some(value.as_str().map(str::to_string)),
        ValueKind::Number | ValueKind::Bool => Some(Some(value.to_string())),
        _ => None,
    }
}

/// A value quoted for an error message, cut to a readable length, control characters escaped.
pub(crate) fn show(value: &Value) -> String {
    match value.as_str() {
        Some(s) => quote(s),
        None if value.is_undefined() => "none".to_string(),
        None => cut(&value.to_string()),
    }
}

/// Text quoted for an error message (see [`show`]).
pub(crate) fn quote(s: &str) -> String {
    format!("{:?}", cut(s))
}

fn cut(s: &str) -> String {
    let mut out: String = s.chars().take(SHOWN_CHARS).collect();
    if s.chars().nth(SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Text or none as a value.
pub(crate) fn opt_text(s: Option<String>) -> Value {
    match s {
        Some(s) => Value::from(s),
        None => Value::from(()),
    }
}
