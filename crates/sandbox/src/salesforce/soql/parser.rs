//! A recursive-descent parser from tokens to the query's syntax tree. Names are not resolved
//! here (see `compile`); keywords are matched in any case. Nesting is bounded, so hostile
//! input gets `MALFORMED_QUERY`, never a stack overflow.

use super::SoqlError;
use super::ast::{
    Aggregate, Cond, FieldSet, Func, Item, Literal, Name, Op, OrderExpr, OrderKey, Path, Query,
    Value,
};
use super::dates::{self, RelativeDate};
use super::lexer::{Tok, Token, tokenize};

/// How deep parentheses and `NOT`s may nest in a condition.
pub const MAX_DEPTH: usize = 100;

/// Parses a whole query.
pub fn parse(text: &str) -> Result<Query, SoqlError> {
    let mut parser = Parser {
        tokens: tokenize(text),
        at: 0,
        depth: 0,
    };
    let query = parser.query(false)?;
    match parser.peek().tok {
        Tok::Eof => Ok(query),
        _ => Err(parser.unexpected()),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

const CLAUSE_KEYWORDS: &[&str] = &[
    "FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "OFFSET", "HAVING", "WITH", "FOR", "USING",
];

impl Parser {
    fn peek(&self) -> &Token {
        // `tokenize` always ends with Eof or Invalid, and nothing moves past either.
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.at + ahead).min(self.tokens.len() - 1)].tok
    }

    fn is_kw(&self, keyword: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(word) if word.eq_ignore_ascii_case(keyword))
    }

    fn eat_kw(&mut self, keyword: &str) -> bool {
        let found = self.is_kw(keyword);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect_kw(&mut self, keyword: &str) -> Result<usize, SoqlError> {
        let pos = self.peek().pos;
        if self.eat_kw(keyword) {
            Ok(pos)
        } else {
            Err(self.unexpected())
        }
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let found = &self.peek().tok == tok;
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, tok: &Tok) -> Result<(), SoqlError> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// `unexpected token: 'X'` at the current token.
    fn unexpected(&self) -> SoqlError {
        let token = self.peek();
        let detail = match &token.tok {
            Tok::Invalid(message) => message.clone(),
            Tok::Eof => "unexpected token: <EOF>".to_string(),
            other => format!("unexpected token: '{}'", other.shown()),
        };
        SoqlError::at("MALFORMED_QUERY", token.pos, detail)
    }

    fn name(&mut self) -> Result<Name, SoqlError> {
        match &self.peek().tok {
            Tok::Ident(text) => {
                let name = Name {
                    text: text.clone(),
                    pos: self.peek().pos,
                };
                self.at += 1;
                Ok(name)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn path(&mut self) -> Result<Path, SoqlError> {
        let mut parts = vec![self.name()?];
        while self.eat(&Tok::Dot) {
            parts.push(self.name()?);
        }
        Ok(Path { parts })
    }

    fn query(&mut self, inner: bool) -> Result<Query, SoqlError> {
        let pos = self.expect_kw("SELECT")?;
        let mut select = vec![self.item(inner)?];
        while self.eat(&Tok::Comma) {
            select.push(self.item(inner)?);
        }
        self.expect_kw("FROM")?;
        let from = self.name()?;
        let alias = self.alias()?;
        let filter = if self.eat_kw("WHERE") {
            Some(self.condition()?)
        } else {
            None
        };
        if self.eat_kw("WITH") {
            // Sharing and security modes change nothing in a single-user sandbox.
            let mode = self.name()?;
            let known = ["SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"];
            if !known.iter().any(|k| mode.text.eq_ignore_ascii_case(k)) {
                self.at -= 1;
                return Err(self.unexpected());
            }
        }
        let mut group_by = Vec::new();
        if self.eat_kw("GROUP") {
            self.expect_kw("BY")?;
            group_by.push(self.path()?);
            while self.eat(&Tok::Comma) {
                group_by.push(self.path()?);
            }
        }
        let mut order_by = Vec::new();
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            order_by.push(self.order_key()?);
            while self.eat(&Tok::Comma) {
                order_by.push(self.order_key()?);
            }
        }
        let limit = if self.eat_kw("LIMIT") {
            Some(self.count()?)
        } else {
            None
        };
        let offset = if self.eat_kw("OFFSET") {
            Some(self.count()?)
        } else {
            None
        };
        if !inner && self.eat_kw("FOR") && !(self.eat_kw("VIEW") || self.eat_kw("REFERENCE")) {
            return Err(self.unexpected());
        }
        Ok(Query {
            pos,
            select,
            from,
            alias,
            filter,
            group_by,
            order_by,
            limit,
            offset,
        })
    }

    fn count(&mut self) -> Result<(u64, usize), SoqlError> {
        let token = self.peek().clone();
        match &token.tok {
            Tok::Number(text) if !text.contains(['.', '-', '+']) => {
                self.at += 1;
                let n = text.parse::<u64>().unwrap_or(u64::MAX);
                Ok((n, token.pos))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn item(&mut self, inner: bool) -> Result<Item, SoqlError> {
        if !inner && self.peek().tok == Tok::LParen && self.peek_at(1).is_select() {
            self.at += 1;
            let query = self.query(true)?;
            self.expect(&Tok::RParen)?;
            return Ok(Item::Subquery(Box::new(query)));
        }
        if let (Tok::Ident(name), Tok::LParen) = (&self.peek().tok, self.peek_at(1)) {
            let (name, pos) = (name.clone(), self.peek().pos);
            if name.eq_ignore_ascii_case("FIELDS") {
                self.at += 2;
                let set = self.name()?;
                let set = match set.text.to_ascii_uppercase().as_str() {
                    "ALL" => FieldSet::All,
                    "STANDARD" => FieldSet::Standard,
                    "CUSTOM" => FieldSet::Custom,
                    _ => {
                        self.at -= 1;
                        return Err(self.unexpected());
                    }
                };
                self.expect(&Tok::RParen)?;
                return Ok(Item::Fields(set, pos));
            }
            let call = self.aggregate()?;
            let alias = self.alias()?;
            return Ok(Item::Aggregate { call, alias });
        }
        let path = self.path()?;
        let alias = self.alias()?;
        Ok(Item::Field { path, alias })
    }

    fn alias(&mut self) -> Result<Option<Name>, SoqlError> {
        match &self.peek().tok {
            Tok::Ident(word) if !CLAUSE_KEYWORDS.iter().any(|k| word.eq_ignore_ascii_case(k)) => {
                Ok(Some(self.name()?))
            }
            _ => Ok(None),
        }
    }

    fn aggregate(&mut self) -> Result<Aggregate, SoqlError> {
        let name = self.name()?;
        let Some(func) = Func::from_name(&name.text) else {
            return Err(SoqlError::at(
                "MALFORMED_QUERY",
                name.pos,
                format!("unknown function: {}", name.text),
            ));
        };
        self.expect(&Tok::LParen)?;
        let arg = if func == Func::Count && self.peek().tok == Tok::RParen {
            None
        } else {
            Some(self.path()?)
        };
        self.expect(&Tok::RParen)?;
        Ok(Aggregate {
            func,
            pos: name.pos,
            arg,
        })
    }

    fn order_key(&mut self) -> Result<OrderKey, SoqlError> {
        let expr = match (&self.peek().tok, self.peek_at(1)) {
            (Tok::Ident(_), Tok::LParen) => OrderExpr::Aggregate(self.aggregate()?),
            _ => OrderExpr::Field(self.path()?),
        };
        let descending = if self.eat_kw("DESC") {
            true
        } else {
            self.eat_kw("ASC");
            false
        };
        let nulls_last = if self.eat_kw("NULLS") {
            if self.eat_kw("LAST") {
                Some(true)
            } else {
                self.expect_kw("FIRST")?;
                Some(false)
            }
        } else {
            None
        };
        Ok(OrderKey {
            expr,
            descending,
            nulls_last,
        })
    }

    /// A condition: terms joined by one connective. SOQL needs parentheses to mix AND and OR.
    fn condition(&mut self) -> Result<Cond, SoqlError> {
        let first = self.unary()?;
        let connective = if self.is_kw("AND") {
            "AND"
        } else if self.is_kw("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut terms = vec![first];
        while self.eat_kw(connective) {
            terms.push(self.unary()?);
        }
        if self.is_kw("AND") || self.is_kw("OR") {
            return Err(self.unexpected());
        }
        Ok(if connective == "AND" {
            Cond::And(terms)
        } else {
            Cond::Or(terms)
        })
    }

    fn unary(&mut self) -> Result<Cond, SoqlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SoqlError::at(
                "MALFORMED_QUERY",
                self.peek().pos,
                format!(
                    "The condition is nested too deeply: at most {MAX_DEPTH} levels of parentheses and NOT are allowed"
                ),
            ));
        }
        let result = if self.eat_kw("NOT") {
            self.unary().map(|inner| Cond::Not(Box::new(inner)))
        } else if self.eat(&Tok::LParen) {
            self.condition()
                .and_then(|cond| self.expect(&Tok::RParen).map(|()| cond))
        } else {
            self.test()
        };
        self.depth -= 1;
        result
    }

    fn test(&mut self) -> Result<Cond, SoqlError> {
        let path = self.path()?;
        let op_pos = self.peek().pos;
        let op = match self.peek().tok.clone() {
            Tok::Cmp(symbol) => {
                self.at += 1;
                match symbol {
                    "=" => Op::Eq,
                    "!=" | "<>" => Op::Ne,
                    "<" => Op::Lt,
                    "<=" => Op::Le,
                    ">" => Op::Gt,
                    _ => Op::Ge,
                }
            }
            _ if self.eat_kw("LIKE") => Op::Like,
            _ if self.eat_kw("IN") => Op::In,
            _ if self.eat_kw("INCLUDES") => Op::Includes,
            _ if self.eat_kw("EXCLUDES") => Op::Excludes,
            _ if self.is_kw("NOT")
                && matches!(self.peek_at(1), Tok::Ident(w) if w.eq_ignore_ascii_case("IN")) =>
            {
                self.at += 2;
                Op::NotIn
            }
            _ => return Err(self.unexpected()),
        };
        let values = if op.takes_list() {
            self.expect(&Tok::LParen)?;
            let mut values = vec![self.value()?];
            while self.eat(&Tok::Comma) {
                values.push(self.value()?);
            }
            self.expect(&Tok::RParen)?;
            values
        } else {
            vec![self.value()?]
        };
        Ok(Cond::Test {
            path,
            op,
            op_pos,
            values,
        })
    }

    fn value(&mut self) -> Result<Value, SoqlError> {
        let token = self.peek().clone();
        let literal = match &token.tok {
            Tok::Str(raw) => Literal::Str(raw.clone()),
            Tok::Number(text) => match text.parse::<f64>() {
                Ok(n) if n.is_finite() => Literal::Number(n, text.clone()),
                _ => return Err(self.unexpected()),
            },
            Tok::Date(days) => Literal::Date(*days),
            Tok::DateTime(ms) => Literal::DateTime(*ms),
            Tok::Ident(word) => match word.to_ascii_uppercase().as_str() {
                "NULL" => Literal::Null,
                "TRUE" => Literal::Bool(true),
                "FALSE" => Literal::Bool(false),
                _ if dates::takes_number(word) => {
                    self.at += 1;
                    self.expect(&Tok::Colon)?;
                    let (n, _) = self.count()?;
                    let n = u32::try_from(n).unwrap_or(u32::MAX);
                    let relative =
                        RelativeDate::parse(word, Some(n)).ok_or_else(|| self.unexpected())?;
                    return Ok(Value {
                        literal: Literal::Relative(relative),
                        pos: token.pos,
                    });
                }
                _ => match RelativeDate::parse(word, None) {
                    Some(relative) => Literal::Relative(relative),
                    None => return Err(self.unexpected()),
                },
            },
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        Ok(Value {
            literal,
            pos: token.pos,
        })
    }
}

impl Tok {
    fn is_select(&self) -> bool {
        matches!(self, Tok::Ident(word) if word.eq_ignore_ascii_case("SELECT"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sync_query() {
        let query = parse(
            "select Id, Account.Name, (SELECT Id FROM Contacts) FROM Contact \
             WHERE SystemModstamp > 2024-01-01T00:00:00Z AND (Name LIKE 'a%' OR NOT Id IN ('x')) \
             ORDER BY SystemModstamp, Id DESC NULLS LAST LIMIT 2000 OFFSET 10",
        )
        .unwrap();
        assert_eq!(query.select.len(), 3);
        assert_eq!(query.from.text, "Contact");
        assert!(matches!(query.filter, Some(Cond::And(ref terms)) if terms.len() == 2));
        assert_eq!(query.order_by.len(), 2);
        assert!(query.order_by[1].descending);
        assert_eq!(query.order_by[1].nulls_last, Some(true));
        assert_eq!(query.limit.map(|l| l.0), Some(2000));
        assert_eq!(query.offset.map(|l| l.0), Some(10));
    }

    #[test]
    fn refuses_mixed_connectives_without_parentheses() {
        let err = parse("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'")
            .unwrap_err();
        assert_eq!(err.detail, "unexpected token: 'OR'");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!(
            "SELECT Id FROM Account WHERE {}Name = 'a'{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        let err = parse(&deep).unwrap_err();
        assert_eq!(err.code, "MALFORMED_QUERY");
        let nots = format!(
            "SELECT Id FROM Account WHERE {}Name = 'a'",
            "NOT ".repeat(10_000)
        );
        assert_eq!(parse(&nots).unwrap_err().code, "MALFORMED_QUERY");
    }
}
