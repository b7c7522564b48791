//! SOQL's tokens. The lexer never fails: text it cannot read becomes an [`Tok::Invalid`] token
//! at its position, so the parser reports whichever problem comes first in the query, as
//! Salesforce does.

use crate::salesforce::value::{parse_date, parse_datetime};

/// One token and where it starts (a byte offset into the query).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What was read.
    pub tok: Tok,
    /// Byte offset of its first character.
    pub pos: usize,
}

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword, as written.
    Ident(String),
    /// A quoted string: the text between the quotes, escapes validated but not yet decoded.
    Str(String),
    /// A number, as written.
    Number(String),
    /// An unquoted date literal (days since the epoch).
    Date(i32),
    /// An unquoted datetime literal (milliseconds since the epoch).
    DateTime(i64),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `:`
    Colon,
    /// A comparison operator: `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
    Cmp(&'static str),
    /// The end of the query.
    Eof,
    /// Text the lexer could not read: the whole error message to give.
    Invalid(String),
}

impl Tok {
    /// How an error message shows this token.
    pub fn shown(&self) -> String {
        match self {
            Tok::Ident(text) | Tok::Number(text) => text.clone(),
            Tok::Str(raw) => format!("'{raw}'"),
            Tok::Date(days) => crate::salesforce::value::format_date(*days),
            Tok::DateTime(ms) => crate::salesforce::value::format_datetime(*ms),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Dot => ".".into(),
            Tok::Colon => ":".into(),
            Tok::Cmp(op) => (*op).into(),
            Tok::Eof => "<EOF>".into(),
            Tok::Invalid(message) => message.clone(),
        }
    }
}

/// Splits a query into tokens, ending with [`Tok::Eof`] or at the first [`Tok::Invalid`].
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        let Some(&byte) = bytes.get(at) else {
            tokens.push(Token {
                tok: Tok::Eof,
                pos: start,
            });
            return tokens;
        };
        let (tok, end) = match byte {
            b'(' => (Tok::LParen, at + 1),
            b')' => (Tok::RParen, at + 1),
            b',' => (Tok::Comma, at + 1),
            b'.' => (Tok::Dot, at + 1),
            b':' => (Tok::Colon, at + 1),
            b'=' => (Tok::Cmp("="), at + 1),
            b'!' if bytes.get(at + 1) == Some(&b'=') => (Tok::Cmp("!="), at + 2),
            b'<' if bytes.get(at + 1) == Some(&b'>') => (Tok::Cmp("<>"), at + 2),
            b'<' if bytes.get(at + 1) == Some(&b'=') => (Tok::Cmp("<="), at + 2),
            b'<' => (Tok::Cmp("<"), at + 1),
            b'>' if bytes.get(at + 1) == Some(&b'=') => (Tok::Cmp(">="), at + 2),
            b'>' => (Tok::Cmp(">"), at + 1),
            b'\'' => string(text, at),
            b'0'..=b'9' => number_or_date(text, at),
            b'-' | b'+' if bytes.get(at + 1).is_some_and(u8::is_ascii_digit) => {
                number_or_date(text, at)
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let mut end = at + 1;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                (Tok::Ident(text[at..end].to_string()), end)
            }
            _ => {
                let shown: String = text[at..].chars().take(1).collect();
                (
                    Tok::Invalid(format!("unexpected token: '{shown}'")),
                    text.len(),
                )
            }
        };
        let invalid = matches!(tok, Tok::Invalid(_));
        tokens.push(Token { tok, pos: start });
        if invalid {
            return tokens;
        }
        at = end;
    }
}

/// A quoted string starting at `start` (the opening quote).
fn string(text: &str, start: usize) -> (Tok, usize) {
    let bytes = text.as_bytes();
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\'' => return (Tok::Str(text[start + 1..at].to_string()), at + 1),
            b'\\' => {
                let Some(&next) = bytes.get(at + 1) else {
                    break;
                };
                match next {
                    b'n' | b'N' | b'r' | b'R' | b't' | b'T' | b'b' | b'B' | b'f' | b'F' | b'"'
                    | b'\'' | b'\\' | b'_' | b'%' => at += 2,
                    b'u' | b'U' => {
                        let hex = text
                            .get(at + 2..at + 6)
                            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                        if hex.is_none() {
                            return (bad_escape(text, start, at), text.len());
                        }
                        at += 6;
                    }
                    _ => return (bad_escape(text, start, at), text.len()),
                }
            }
            _ => at += 1,
        }
    }
    let shown: String = text[start..].chars().take(40).collect();
    (
        Tok::Invalid(format!("unterminated string literal: {shown}")),
        text.len(),
    )
}

fn bad_escape(text: &str, start: usize, at: usize) -> Tok {
    let sequence: String = text[at..].chars().take(2).collect();
    let literal: String = text[start..].chars().take(40).collect();
    Tok::Invalid(format!(
        "Invalid string literal {literal}. Illegal character sequence '{sequence}' in string literal."
    ))
}

/// A number, or an unquoted date (`2024-01-31`) or datetime (`2024-01-31T10:00:00Z`).
fn number_or_date(text: &str, start: usize) -> (Tok, usize) {
    let bytes = text.as_bytes();
    let digits = |from: usize, count: usize| {
        (from..from + count).all(|i| bytes.get(i).is_some_and(u8::is_ascii_digit))
    };
    let is_date = bytes[start].is_ascii_digit()
        && digits(start, 4)
        && bytes.get(start + 4) == Some(&b'-')
        && digits(start + 5, 2)
        && bytes.get(start + 7) == Some(&b'-')
        && digits(start + 8, 2);
    if is_date {
        let mut end = start + 10;
        if matches!(bytes.get(end), Some(b'T') | Some(b't')) {
            while end < bytes.len()
                && (bytes[end].is_ascii_digit() || b"Tt:.Zz+-".contains(&bytes[end]))
            {
                end += 1;
            }
            let literal = &text[start..end];
            return match parse_datetime(&literal.to_ascii_uppercase()) {
                Some(ms) => (Tok::DateTime(ms), end),
                None => (
                    Tok::Invalid(format!("unexpected token: '{literal}'")),
                    text.len(),
                ),
            };
        }
        let literal = &text[start..end];
        return match parse_date(literal) {
            Some(days) => (Tok::Date(days), end),
            None => (
                Tok::Invalid(format!("unexpected token: '{literal}'")),
                text.len(),
            ),
        };
    }
    let mut end = start + 1;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end += 1;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
    }
    (Tok::Number(text[start..end].to_string()), end)
}

/// How a string literal is used: as a value, or as a LIKE pattern (where `\%` and `\_` stay
/// escaped so that they match a literal `%` and `_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// A plain value.
    Value,
    /// A LIKE pattern: `\%`, `\_` and `\\` are kept as two characters.
    Pattern,
}

/// Decodes the escapes of a string literal the lexer validated.
pub fn decode(raw: &str, mode: Decode) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else { break };
        match next {
            'n' | 'N' => out.push('\n'),
            'r' | 'R' => out.push('\r'),
            't' | 'T' => out.push('\t'),
            'b' | 'B' => out.push('\u{8}'),
            'f' | 'F' => out.push('\u{c}'),
            'u' | 'U' => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
            '%' | '_' | '\\' if mode == Decode::Pattern => {
                out.push('\\');
                out.push(next);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        tokenize(text).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn reads_literals_operators_and_names() {
        assert_eq!(
            kinds("a.B >= 2024-01-31 AND c<>'x\\'y' OR d <= -1.5"),
            vec![
                Tok::Ident("a".into()),
                Tok::Dot,
                Tok::Ident("B".into()),
                Tok::Cmp(">="),
                Tok::Date(parse_date("2024-01-31").unwrap()),
                Tok::Ident("AND".into()),
                Tok::Ident("c".into()),
                Tok::Cmp("<>"),
                Tok::Str("x\\'y".into()),
                Tok::Ident("OR".into()),
                Tok::Ident("d".into()),
                Tok::Cmp("<="),
                Tok::Number("-1.5".into()),
                Tok::Eof,
            ]
        );
        let stamp = parse_datetime("2024-01-01T00:00:00Z").unwrap();
        for text in [
            "2024-01-01T00:00:00Z",
            "2024-01-01T01:00:00+01:00",
            "2024-01-01T00:00:00.000+0000",
        ] {
            assert_eq!(kinds(text)[0], Tok::DateTime(stamp), "{text}");
        }
    }

    #[test]
    fn bad_text_becomes_one_invalid_token_at_its_place() {
        let tokens = tokenize("Name = 'open");
        assert_eq!(tokens.last().unwrap().pos, 7);
        assert!(matches!(tokens.last().unwrap().tok, Tok::Invalid(_)));
        assert!(
            matches!(kinds("x = 'a\\qb'").last().unwrap(), Tok::Invalid(m) if m.contains("Illegal character sequence '\\q'"))
        );
        assert!(matches!(
            kinds("x = 2024-13-45").last().unwrap(),
            Tok::Invalid(_)
        ));
        assert!(
            matches!(kinds("x # y").last().unwrap(), Tok::Invalid(m) if m == "unexpected token: '#'")
        );
    }

    #[test]
    fn decodes_escapes_for_values_and_patterns() {
        assert_eq!(decode("a\\'b\\nc\\\\", Decode::Value), "a'b\nc\\");
        assert_eq!(decode("50\\%\\_x", Decode::Value), "50%_x");
        assert_eq!(decode("50\\%\\_x", Decode::Pattern), "50\\%\\_x");
        assert_eq!(decode("\\u00e9", Decode::Value), "é");
    }
}
