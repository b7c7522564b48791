//! WHERE clauses: literals typed against the field they are compared with (as Salesforce
//! checks them), and the tests evaluated on each record without allocating.
//!
//! SOQL semantics kept here: text compares ignoring case; `!=` and `NOT IN` match nulls; an
//! empty string means null; a relative date literal is a range of whole UTC days, against a
//! date field or a datetime field alike.

use super::SoqlError;
use super::ast::{Cond, Literal, Op, Path, Value as LiteralAt};
use super::compile::Resolver;
use super::lexer::{Decode, decode};
use super::plan::FieldPath;
use crate::salesforce::ids::SfId;
use crate::salesforce::org::{Org, Record};
use crate::salesforce::schema::{FieldDef, FieldType};
use crate::salesforce::value::Value;
use std::cmp::Ordering;

const DAY_MS: i64 = 86_400_000;

/// A compiled WHERE clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// All must hold.
    And(Vec<Filter>),
    /// One must hold.
    Or(Vec<Filter>),
    /// Must not hold.
    Not(Box<Filter>),
    /// A test of one field.
    Test(FieldPath, Test),
}

/// A test of one field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `= null` (true) or `!= null` (false).
    IsNull(bool),
    /// A comparison with a value.
    Compare(Op, Value),
    /// A comparison with a relative date: the range `[start, end)`.
    Range(Op, Value, Value),
    /// `IN` (false) or `NOT IN` (true) a list (which may hold null).
    In(Vec<Value>, bool),
    /// `LIKE` a pattern.
    Like(Pattern),
    /// `INCLUDES` (false) or `EXCLUDES` (true): any of these sets of values.
    Includes(Vec<Vec<String>>, bool),
    /// A multipicklist `=` (false) or `!=` (true): exactly this set of values.
    SameSet(Vec<String>, bool),
}

impl Filter {
    /// Whether a record passes.
    pub fn matches(&self, org: &Org, record: &Record) -> bool {
        match self {
            Filter::And(all) => all.iter().all(|f| f.matches(org, record)),
            Filter::Or(any) => any.iter().any(|f| f.matches(org, record)),
            Filter::Not(inner) => !inner.matches(org, record),
            Filter::Test(path, test) => test.matches(path.value(org, record)),
        }
    }
}

impl Test {
    /// Whether a value passes.
    pub fn matches(&self, value: &Value) -> bool {
        match self {
            Test::IsNull(want) => value.is_null() == *want,
            Test::Compare(Op::Eq, literal) => !value.is_null() && equal(value, literal),
            Test::Compare(Op::Ne, literal) => value.is_null() || !equal(value, literal),
            Test::Compare(op, literal) => {
                if value.is_null() || literal.is_null() {
                    return false;
                }
                let ordering = order(value, literal);
                match op {
                    Op::Lt => ordering == Ordering::Less,
                    Op::Le => ordering != Ordering::Greater,
                    Op::Gt => ordering == Ordering::Greater,
                    _ => ordering != Ordering::Less,
                }
            }
            Test::Range(op, start, end) => {
                if value.is_null() {
                    return *op == Op::Ne;
                }
                let after_start = order(value, start) != Ordering::Less;
                let before_end = order(value, end) == Ordering::Less;
                match op {
                    Op::Eq => after_start && before_end,
                    Op::Ne => !(after_start && before_end),
                    Op::Lt => !after_start,
                    Op::Le => before_end,
                    Op::Gt => !before_end,
                    _ => after_start,
                }
            }
            Test::In(list, negated) => {
                let hit = list.iter().any(|item| match item {
                    Value::Null => value.is_null(),
                    item => !value.is_null() && equal(value, item),
                });
                hit != *negated
            }
            Test::Like(pattern) => value.as_text().is_some_and(|text| pattern.matches(text)),
            Test::Includes(sets, excludes) => {
                let hit = value.as_text().is_some_and(|text| {
                    sets.iter().any(|set| {
                        set.iter()
                            .all(|want| picks(text).any(|have| same_text(have, want)))
                    })
                });
                hit != *excludes
            }
            Test::SameSet(set, negated) => {
                let same = value.as_text().is_some_and(|text| {
                    picks(text).all(|have| set.iter().any(|want| same_text(have, want)))
                        && set
                            .iter()
                            .all(|want| picks(text).any(|have| same_text(have, want)))
                });
                same != *negated
            }
        }
    }
}

/// The values of a multipicklist.
fn picks(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn same_text(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// SOQL equality: text ignoring case, numbers by value.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Text(a), Value::Text(b)) => same_text(a, b),
        _ => a.compare(b) == Ordering::Equal,
    }
}

/// SOQL ordering: text ignoring case, the rest as [`Value::compare`].
pub fn order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Text(a), Value::Text(b)) => {
            if a.is_ascii() && b.is_ascii() {
                a.bytes()
                    .map(|c| c.to_ascii_lowercase())
                    .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
            } else {
                a.chars()
                    .flat_map(char::to_lowercase)
                    .cmp(b.chars().flat_map(char::to_lowercase))
            }
        }
        _ => a.compare(b),
    }
}

/// A LIKE pattern: `%` any run, `_` one character, case-insensitive.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern(Vec<Piece>);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    AnyRun,
    AnyOne,
    Char(char),
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

impl Pattern {
    /// Builds a pattern from a literal decoded with [`Decode::Pattern`].
    pub fn new(pattern: &str) -> Pattern {
        let mut pieces = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            pieces.push(match c {
                '%' => Piece::AnyRun,
                '_' => Piece::AnyOne,
                '\\' => match chars.next() {
                    Some(next) => Piece::Char(fold(next)),
                    None => Piece::Char('\\'),
                },
                c => Piece::Char(fold(c)),
            });
        }
        Pattern(pieces)
    }

    /// Whether the text matches. Greedy with one backtrack point: linear in practice,
    /// quadratic at worst, never exponential.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().map(fold).collect();
        let pieces = &self.0;
        let (mut t, mut p) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match pieces.get(p) {
                Some(Piece::AnyRun) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(Piece::AnyOne) => {
                    t += 1;
                    p += 1;
                }
                Some(Piece::Char(c)) if *c == text[t] => {
                    t += 1;
                    p += 1;
                }
                _ => match star {
                    Some((star_p, star_t)) => {
                        p = star_p + 1;
                        t = star_t + 1;
                        star = Some((star_p, star_t + 1));
                    }
                    None => return false,
                },
            }
        }
        pieces[p..].iter().all(|piece| *piece == Piece::AnyRun)
    }
}

/// Compiles a condition against the object `resolver` resolves on; relative dates are taken
/// relative to the day `today`.
pub fn compile(resolver: &Resolver<'_>, cond: &Cond, today: i32) -> Result<Filter, SoqlError> {
    Ok(match cond {
        Cond::And(all) => Filter::And(
            all.iter()
                .map(|c| compile(resolver, c, today))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Or(any) => Filter::Or(
            any.iter()
                .map(|c| compile(resolver, c, today))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Not(inner) => Filter::Not(Box::new(compile(resolver, inner, today)?)),
        Cond::Test {
            path,
            op,
            op_pos,
            values,
        } => {
            let field_path = resolver.resolve(path)?;
            let field = resolver.field_def(&field_path);
            let test = test(field, path, *op, *op_pos, values, today)?;
            Filter::Test(field_path, test)
        }
    })
}

fn cannot(what: &str, field: &FieldDef, pos: usize) -> SoqlError {
    SoqlError::at(
        "INVALID_FIELD",
        pos,
        format!("field '{}' can not be {what} in a query call", field.name),
    )
}

/// Long text and compound fields cannot be filtered, sorted or grouped.
pub fn is_plain(field: &FieldDef) -> bool {
    !(field.field_type == FieldType::Address
        || (field.field_type == FieldType::TextArea && field.length > 255))
}

fn test(
    field: &FieldDef,
    path: &Path,
    op: Op,
    op_pos: usize,
    values: &[LiteralAt],
    today: i32,
) -> Result<Test, SoqlError> {
    if !is_plain(field) {
        return Err(cannot("filtered", field, path.pos()));
    }
    let multi = field.field_type == FieldType::MultiPicklist;
    let bad_operator = |what: &str| {
        SoqlError::at(
            "INVALID_QUERY_FILTER_OPERATOR",
            op_pos,
            format!(
                "{what} operator only valid on {}",
                if what == "LIKE" {
                    "string fields"
                } else {
                    "multipicklist fields"
                }
            ),
        )
    };
    match op {
        Op::In | Op::NotIn => {
            let list = values
                .iter()
                .map(|v| typed(field, v))
                .collect::<Result<_, _>>()?;
            Ok(Test::In(list, op == Op::NotIn))
        }
        Op::Includes | Op::Excludes => {
            if !multi {
                return Err(bad_operator(if op == Op::Includes {
                    "includes"
                } else {
                    "excludes"
                }));
            }
            let sets = values
                .iter()
                .map(|v| {
                    text_literal(field, v).map(|text| picks(&text).map(str::to_string).collect())
                })
                .collect::<Result<_, _>>()?;
            Ok(Test::Includes(sets, op == Op::Excludes))
        }
        Op::Like => {
            if !field.field_type.is_text() {
                return Err(bad_operator("LIKE"));
            }
            match values.first().map(|v| (&v.literal, v)) {
                Some((Literal::Str(raw), _)) => {
                    Ok(Test::Like(Pattern::new(&decode(raw, Decode::Pattern))))
                }
                Some((_, value)) => Err(type_error(field, value.pos)),
                None => Err(SoqlError::at(
                    "MALFORMED_QUERY",
                    op_pos,
                    "unexpected token: LIKE",
                )),
            }
        }
        _ => {
            let Some(value) = values.first() else {
                return Err(SoqlError::at(
                    "MALFORMED_QUERY",
                    op_pos,
                    "unexpected token: <EOF>",
                ));
            };
            if let Literal::Relative(relative) = value.literal {
                let (start, end) = relative.range(today);
                return match field.field_type {
                    FieldType::Date => Ok(Test::Range(op, Value::Date(start), Value::Date(end))),
                    FieldType::DateTime => Ok(Test::Range(
                        op,
                        Value::DateTime(i64::from(start) * DAY_MS),
                        Value::DateTime(i64::from(end) * DAY_MS),
                    )),
                    _ => Err(type_error(field, value.pos)),
                };
            }
            let literal = typed(field, value)?;
            if literal.is_null() && matches!(op, Op::Eq | Op::Ne) {
                return Ok(Test::IsNull(op == Op::Eq));
            }
            if multi && matches!(op, Op::Eq | Op::Ne) {
                let set = literal
                    .as_text()
                    .map(|t| picks(t).map(str::to_string).collect())
                    .unwrap_or_default();
                return Ok(Test::SameSet(set, op == Op::Ne));
            }
            Ok(Test::Compare(op, literal))
        }
    }
}

/// The name Salesforce gives a field's type in filter errors.
fn type_name(field: &FieldDef) -> &'static str {
    match field.field_type {
        FieldType::DateTime => "dateTime",
        FieldType::Id | FieldType::Reference => "id",
        other if other.is_text() => "string",
        other => other.describe_name(),
    }
}

fn type_error(field: &FieldDef, pos: usize) -> SoqlError {
    let quoted = matches!(type_name(field), "string" | "id");
    SoqlError::at(
        "INVALID_FIELD",
        pos,
        format!(
            "value of filter criterion for field '{}' must be of type {} and should {}be enclosed in quotes",
            field.name,
            type_name(field),
            if quoted { "" } else { "not " }
        ),
    )
}

fn text_literal(field: &FieldDef, value: &LiteralAt) -> Result<String, SoqlError> {
    match &value.literal {
        Literal::Str(raw) => Ok(decode(raw, Decode::Value)),
        _ => Err(type_error(field, value.pos)),
    }
}

/// A literal as a value of the field's type, or the error Salesforce gives for the mismatch.
fn typed(field: &FieldDef, value: &LiteralAt) -> Result<Value, SoqlError> {
    let literal = &value.literal;
    if *literal == Literal::Null {
        return Ok(Value::Null);
    }
    let mismatch = || type_error(field, value.pos);
    Ok(match field.field_type {
        FieldType::Id | FieldType::Reference => {
            let text = text_literal(field, value)?;
            if text.is_empty() {
                return Ok(Value::Null);
            }
            match SfId::parse(&text) {
                Ok(id) => Value::Id(id),
                Err(_) => {
                    return Err(SoqlError::at(
                        "INVALID_QUERY_FILTER_OPERATOR",
                        value.pos,
                        format!("invalid ID field: {text}"),
                    ));
                }
            }
        }
        FieldType::Boolean => match literal {
            Literal::Bool(b) => Value::Bool(*b),
            _ => return Err(mismatch()),
        },
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
            match literal {
                Literal::Number(n, _) => Value::Number(*n),
                _ => return Err(mismatch()),
            }
        }
        FieldType::Date => match literal {
            Literal::Date(days) => Value::Date(*days),
            _ => return Err(mismatch()),
        },
        FieldType::DateTime => match literal {
            Literal::DateTime(ms) => Value::DateTime(*ms),
            _ => return Err(mismatch()),
        },
        FieldType::Address => return Err(mismatch()),
        _ => {
            let text = text_literal(field, value)?;
            if text.is_empty() {
                Value::Null
            } else {
                Value::text(text)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_ignoring_case_with_escapes() {
        let like = |pattern: &str, text: &str| {
            Pattern::new(&decode(pattern, Decode::Pattern)).matches(text)
        };
        assert!(like("acme%", "ACME Corp"));
        assert!(like("%corp", "Acme Corp"));
        assert!(like("a_me%", "Acme"));
        assert!(!like("a_me", "Acmes"));
        assert!(like("%", ""));
        assert!(like("50\\%", "50%"));
        assert!(!like("50\\%", "500"));
        assert!(like("%a%b%c%", "xxaxxbxxcxx"));
        assert!(!like(&"%a".repeat(50), &"a".repeat(40)));
        assert!(like("é%", "Élan"));
    }

    #[test]
    fn comparisons_follow_soql_null_and_case_rules() {
        let text = |t: &str| Value::text(t);
        assert!(Test::Compare(Op::Eq, text("acme")).matches(&text("ACME")));
        assert!(Test::Compare(Op::Ne, text("acme")).matches(&Value::Null));
        assert!(!Test::Compare(Op::Gt, text("a")).matches(&Value::Null));
        assert!(Test::In(vec![Value::Null, text("x")], true).matches(&text("y")));
        assert!(!Test::In(vec![Value::Null], true).matches(&Value::Null));
        let sets = vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["c".to_string()],
        ];
        assert!(Test::Includes(sets.clone(), false).matches(&text("b;A")));
        assert!(Test::Includes(sets.clone(), false).matches(&text("c")));
        assert!(!Test::Includes(sets.clone(), false).matches(&text("a")));
        assert!(Test::Includes(sets, true).matches(&Value::Null));
        assert!(Test::SameSet(vec!["a".into(), "b".into()], false).matches(&text("b;a")));
        let range = Test::Range(Op::Gt, Value::Date(10), Value::Date(11));
        assert!(range.matches(&Value::Date(11)) && !range.matches(&Value::Date(10)));
    }
}
