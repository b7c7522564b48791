//! The syntax tree of a SOQL query, as written: names unresolved, literals untyped. The
//! parser builds it; `compile` resolves it against the schema.

use super::dates::RelativeDate;

/// A name as written, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// The text.
    pub text: String,
    /// Byte offset in the query.
    pub pos: usize,
}

/// A dotted field path: `Name`, `Account.Name`, `Contact.Account.Owner.Name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The segments, first to last.
    pub parts: Vec<Name>,
}

impl Path {
    /// Where the path starts.
    pub fn pos(&self) -> usize {
        self.parts.first().map_or(0, |p| p.pos)
    }

    /// The path as written.
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `COUNT(field)` (or `COUNT()` without a field).
    Count,
    /// `COUNT_DISTINCT(field)`
    CountDistinct,
    /// `SUM(field)`
    Sum,
    /// `AVG(field)`
    Avg,
    /// `MIN(field)`
    Min,
    /// `MAX(field)`
    Max,
}

impl Func {
    /// The function with this name (any case).
    pub fn from_name(name: &str) -> Option<Func> {
        Some(match name.to_ascii_uppercase().as_str() {
            "COUNT" => Func::Count,
            "COUNT_DISTINCT" => Func::CountDistinct,
            "SUM" => Func::Sum,
            "AVG" => Func::Avg,
            "MIN" => Func::Min,
            "MAX" => Func::Max,
            _ => return None,
        })
    }

    /// The function's name as SOQL spells it.
    pub fn name(self) -> &'static str {
        match self {
            Func::Count => "COUNT",
            Func::CountDistinct => "COUNT_DISTINCT",
            Func::Sum => "SUM",
            Func::Avg => "AVG",
            Func::Min => "MIN",
            Func::Max => "MAX",
        }
    }
}

/// An aggregate call: `SUM(Amount)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// The function.
    pub func: Func,
    /// Where the call starts.
    pub pos: usize,
    /// Its field (`None` only for `COUNT()`).
    pub arg: Option<Path>,
}

/// Which fields `FIELDS(...)` stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSet {
    /// `FIELDS(ALL)`
    All,
    /// `FIELDS(STANDARD)`
    Standard,
    /// `FIELDS(CUSTOM)`
    Custom,
}

/// One entry of the select list.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A field or parent field, with an alias (aggregate queries only).
    Field {
        /// The path.
        path: Path,
        /// `alias` after it.
        alias: Option<Name>,
    },
    /// An aggregate function, with an alias.
    Aggregate {
        /// The call.
        call: Aggregate,
        /// `alias` after it.
        alias: Option<Name>,
    },
    /// `FIELDS(ALL)` and friends.
    Fields(FieldSet, usize),
    /// A parent-to-child subquery.
    Subquery(Box<Query>),
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, and its text.
    Number(f64, String),
    /// A quoted string, escapes not yet decoded.
    Str(String),
    /// An unquoted date.
    Date(i32),
    /// An unquoted datetime.
    DateTime(i64),
    /// `TODAY`, `LAST_N_DAYS:7` ...
    Relative(RelativeDate),
}

/// A literal and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The literal.
    pub literal: Literal,
    /// Byte offset in the query.
    pub pos: usize,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `LIKE`
    Like,
    /// `IN (...)`
    In,
    /// `NOT IN (...)`
    NotIn,
    /// `INCLUDES (...)`
    Includes,
    /// `EXCLUDES (...)`
    Excludes,
}

impl Op {
    /// Whether the operator takes a parenthesised list.
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::NotIn | Op::Includes | Op::Excludes)
    }
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// All of these.
    And(Vec<Cond>),
    /// Any of these.
    Or(Vec<Cond>),
    /// Not this.
    Not(Box<Cond>),
    /// `path op value(s)`.
    Test {
        /// The field.
        path: Path,
        /// The operator.
        op: Op,
        /// Where the operator is.
        op_pos: usize,
        /// One value, or the list of `IN`, `INCLUDES` ...
        values: Vec<Value>,
    },
}

/// What an ORDER BY key orders by.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderExpr {
    /// A field.
    Field(Path),
    /// An aggregate (aggregate queries).
    Aggregate(Aggregate),
}

/// One ORDER BY key.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderKey {
    /// What to order by.
    pub expr: OrderExpr,
    /// `DESC`.
    pub descending: bool,
    /// `NULLS LAST` (`Some(true)`), `NULLS FIRST` (`Some(false)`), or the default.
    pub nulls_last: Option<bool>,
}

/// A parsed query (or subquery).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Where `SELECT` is.
    pub pos: usize,
    /// The select list.
    pub select: Vec<Item>,
    /// The object (or, in a subquery, the child relationship).
    pub from: Name,
    /// `FROM Contact c`: the alias field paths may start with.
    pub alias: Option<Name>,
    /// The WHERE clause.
    pub filter: Option<Cond>,
    /// GROUP BY fields.
    pub group_by: Vec<Path>,
    /// ORDER BY keys.
    pub order_by: Vec<OrderKey>,
    /// LIMIT and where it is.
    pub limit: Option<(u64, usize)>,
    /// OFFSET and where it is.
    pub offset: Option<(u64, usize)>,
}
