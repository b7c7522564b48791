//! WHERE conditions. A condition is built from a validated field name, an operator chosen from
//! a closed set and a typed [`Value`], so its rendering can only ever be one SOQL expression.
//! Problems found while building (a bad field name, `< null`) are kept inside the condition
//! and reported when the query is built, so conditions compose without `?` at every step.

use super::value::{escape_like, escape_text};
use super::{Ident, SoqlError, Value};
use std::fmt::{self, Write};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A LIKE pattern (case-insensitive in Salesforce). The constructors say where wildcards go;
/// the caller's text is always escaped, so `%` and `_` inside it match themselves unless
/// [`Pattern::wildcards`] is used on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(String);

impl Pattern {
    /// Matches `text` exactly (ignoring case).
    pub fn exact(text: &str) -> Pattern {
        Pattern(escape_like(text))
    }

    /// Matches values that start with `text`.
    pub fn starts_with(text: &str) -> Pattern {
        Pattern(format!("{}%", escape_like(text)))
    }

    /// Matches values that end with `text`.
    pub fn ends_with(text: &str) -> Pattern {
        Pattern(format!("%{}", escape_like(text)))
    }

    /// Matches values that contain `text`.
    pub fn contains(text: &str) -> Pattern {
        Pattern(format!("%{}%", escape_like(text)))
    }

    /// A pattern whose `%` (any run) and `_` (one character) are wildcards; quotes and
    /// backslashes are still escaped.
    pub fn wildcards(pattern: &str) -> Pattern {
        Pattern(escape_text(pattern))
    }
}

/// One WHERE condition, or a group of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond(pub(crate) Node);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Compare {
        field: Ident,
        op: Op,
        value: Value,
    },
    Like {
        field: Ident,
        pattern: Pattern,
    },
    In {
        field: Ident,
        values: Vec<Value>,
        negated: bool,
    },
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Invalid(SoqlError),
}

impl Cond {
    fn compare(field: &str, op: Op, value: Value) -> Cond {
        let field = match Ident::field(field) {
            Ok(field) => field,
            Err(error) => return Cond(Node::Invalid(error)),
        };
        if value.is_null() && !matches!(op, Op::Eq | Op::Ne) {
            return Cond(Node::Invalid(SoqlError::InvalidCondition {
                field: field.to_string(),
                reason: format!(
                    "`{} null` is not valid SOQL; use Cond::is_null or Cond::not_null",
                    op.symbol()
                ),
            }));
        }
        Cond(Node::Compare { field, op, value })
    }

    /// `field = value` (`= null` tests for an empty field).
    pub fn eq(field: &str, value: Value) -> Cond {
        Cond::compare(field, Op::Eq, value)
    }

    /// `field != value`.
    pub fn ne(field: &str, value: Value) -> Cond {
        Cond::compare(field, Op::Ne, value)
    }

    /// `field < value`.
    pub fn lt(field: &str, value: Value) -> Cond {
        Cond::compare(field, Op::Lt, value)
    }

    /// `field <= value`.
    pub fn le(field: &str, value: Value) -> Cond {
        Cond::compare(field, Op::Le, value)
    }

    /// `field > value`.
    pub fn gt(field: &str, value: Value) -> Cond {
        Cond::compare(field, Op::Gt, value)
    }

    /// `field >= value`.
    pub fn ge(field: &str, value: Value) -> Cond {
        Cond::compare(field, Op::Ge, value)
    }

    /// `field = null`: the field is empty.
    pub fn is_null(field: &str) -> Cond {
        Cond::compare(field, Op::Eq, Value::null())
    }

    /// `field != null`: the field has a value.
    pub fn not_null(field: &str) -> Cond {
        Cond::compare(field, Op::Ne, Value::null())
    }

    /// `field LIKE 'pattern'`.
    pub fn like(field: &str, pattern: Pattern) -> Cond {
        match Ident::field(field) {
            Ok(field) => Cond(Node::Like { field, pattern }),
            Err(error) => Cond(Node::Invalid(error)),
        }
    }

    fn list(field: &str, values: impl IntoIterator<Item = Value>, negated: bool) -> Cond {
        match Ident::field(field) {
            Ok(field) => Cond(Node::In {
                field,
                values: values.into_iter().collect(),
                negated,
            }),
            Err(error) => Cond(Node::Invalid(error)),
        }
    }

    /// `field IN (v1, v2, ...)`. An empty list is refused when the query is built (SOQL has
    /// no empty list); for long lists see [`super::Soql::in_chunks`].
    pub fn is_in(field: &str, values: impl IntoIterator<Item = Value>) -> Cond {
        Cond::list(field, values, false)
    }

    /// `field NOT IN (v1, v2, ...)`.
    pub fn not_in(field: &str, values: impl IntoIterator<Item = Value>) -> Cond {
        Cond::list(field, values, true)
    }

    /// All of these hold (`a AND b AND c`).
    pub fn all(conds: impl IntoIterator<Item = Cond>) -> Cond {
        Cond(Node::All(conds.into_iter().collect()))
    }

    /// Any of these holds (`a OR b OR c`).
    pub fn any(conds: impl IntoIterator<Item = Cond>) -> Cond {
        Cond(Node::Any(conds.into_iter().collect()))
    }

    /// The opposite of this condition (`NOT (...)`).
    pub fn negate(self) -> Cond {
        Cond(Node::Not(Box::new(self)))
    }

    /// This condition and `other` (flattens into an existing AND group).
    pub fn and(self, other: Cond) -> Cond {
        match self.0 {
            Node::All(mut conds) => {
                conds.push(other);
                Cond(Node::All(conds))
            }
            node => Cond(Node::All(vec![Cond(node), other])),
        }
    }

    /// This condition or `other` (flattens into an existing OR group).
    pub fn or(self, other: Cond) -> Cond {
        match self.0 {
            Node::Any(mut conds) => {
                conds.push(other);
                Cond(Node::Any(conds))
            }
            node => Cond(Node::Any(vec![Cond(node), other])),
        }
    }

    /// The first problem found while building this condition, if any.
    pub fn check(&self) -> Result<(), SoqlError> {
        match &self.0 {
            Node::Invalid(error) => Err(error.clone()),
            Node::Compare { .. } | Node::Like { .. } => Ok(()),
            Node::In { field, values, .. } if values.is_empty() => {
                Err(SoqlError::InvalidCondition {
                    field: field.to_string(),
                    reason: "the IN list is empty, which SOQL cannot express; skip the query \
                             when there is nothing to look up"
                        .into(),
                })
            }
            Node::In { .. } => Ok(()),
            Node::All(conds) if conds.is_empty() => Err(SoqlError::EmptyGroup("AND")),
            Node::Any(conds) if conds.is_empty() => Err(SoqlError::EmptyGroup("OR")),
            Node::All(conds) | Node::Any(conds) => conds.iter().try_for_each(Cond::check),
            Node::Not(inner) => inner.check(),
        }
    }

    /// Writes the condition; only called on checked conditions.
    pub(crate) fn write(&self, out: &mut String) -> fmt::Result {
        match &self.0 {
            Node::Compare { field, op, value } => write!(out, "{field} {} {value}", op.symbol()),
            Node::Like { field, pattern } => write!(out, "{field} LIKE '{}'", pattern.0),
            Node::In {
                field,
                values,
                negated,
            } => {
                write!(out, "{field} {}IN (", if *negated { "NOT " } else { "" })?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write!(out, "{value}")?;
                }
                out.push(')');
                Ok(())
            }
            Node::All(conds) => write_group(out, conds, " AND "),
            Node::Any(conds) => write_group(out, conds, " OR "),
            Node::Not(inner) => {
                out.push_str("NOT (");
                inner.write(out)?;
                out.push(')');
                Ok(())
            }
            // Unreachable after `check`; rendering nothing keeps this total without panicking.
            Node::Invalid(_) => Ok(()),
        }
    }
}

/// A group's members joined by `AND`/`OR`; nested groups are parenthesised so that the
/// reader never needs SOQL's precedence rules (and neither does a parser).
fn write_group(out: &mut String, conds: &[Cond], joiner: &str) -> fmt::Result {
    if let [only] = conds {
        return only.write(out);
    }
    for (i, cond) in conds.iter().enumerate() {
        if i > 0 {
            out.push_str(joiner);
        }
        let nested = matches!(&cond.0, Node::All(c) | Node::Any(c) if c.len() > 1);
        if nested {
            out.push('(');
        }
        cond.write(out)?;
        if nested {
            out.push(')');
        }
    }
    Ok(())
}

impl std::ops::Not for Cond {
    type Output = Cond;

    fn not(self) -> Cond {
        self.negate()
    }
}
