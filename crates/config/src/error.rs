//! Config errors: one line that says where, what, and what to do.

use crate::secret::LITERAL_SECRET;
use std::fmt;

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// A configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// Where, when it is in a file (environment problems name the variable in the message).
    pub location: Option<Location>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// The `[table]` header in force at a byte offset.
fn section_at(text: &str, offset: usize) -> Option<String> {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let line_end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
    let before = &text[..line_end];
    before.lines().rev().find_map(|line| {
        let t = line.trim();
        t.strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .map(|name| name.trim().to_owned())
    })
}

/// The closest candidate to `word`, if any is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(word, c), c))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Backquoted words in a serde message: "unknown field `x`, expected one of `a`, `b`".
fn backquoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

impl ConfigError {
    /// Turns a TOML or serde error into a located, actionable one.
    pub(crate) fn from_toml(err: &toml::de::Error, text: &str, file: &str) -> Self {
        Self::from_toml_inner(err, text, file, false)
    }

    /// A TOML syntax error (the text is not TOML at all).
    pub(crate) fn from_syntax(err: &toml::de::Error, text: &str, file: &str) -> Self {
        Self::from_toml_inner(err, text, file, true)
    }

    fn from_toml_inner(err: &toml::de::Error, text: &str, file: &str, syntax: bool) -> Self {
        let (line, column) = match err.span() {
            Some(span) => {
                let (l, c) = line_column(text, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        let location = Some(Location {
            file: file.to_owned(),
            line,
            column,
        });
        let raw = err.message().trim();
        let in_table = err
            .span()
            .and_then(|s| section_at(text, s.start))
            .map(|s| format!(" in [{s}]"))
            .unwrap_or_else(|| " at the top level".to_owned());

        let message = if syntax {
            format!("invalid TOML: {}", raw.replace('\n', "; "))
        } else if let Some(rest) = raw.strip_prefix("unknown field ") {
            let words = backquoted(rest);
            let (unknown, valid) = words
                .split_first()
                .map(|(u, v)| (*u, v.to_vec()))
                .unwrap_or(("", vec![]));
            let best = closest(unknown, valid.iter().copied());
            let section = err.span().and_then(|s| section_at(text, s.start));
            if section.as_deref() == Some(unknown) {
                match best {
                    Some(best) => format!("unknown section [{unknown}]: did you mean [{best}]?"),
                    None => format!(
                        "unknown section [{unknown}]: valid sections: {}",
                        valid.join(", ")
                    ),
                }
            } else {
                match best {
                    Some(best) => {
                        format!("unknown key \"{unknown}\"{in_table}: did you mean \"{best}\"?")
                    }
                    None => format!(
                        "unknown key \"{unknown}\"{in_table}: valid keys here: {}",
                        valid.join(", ")
                    ),
                }
            }
        } else if let Some(rest) = raw.strip_prefix("unknown variant ") {
            let words = backquoted(rest);
            let (unknown, valid) = words
                .split_first()
                .map(|(u, v)| (*u, v.to_vec()))
                .unwrap_or(("", vec![]));
            match closest(unknown, valid.iter().copied()) {
                Some(best) => format!(
                    "\"{unknown}\" is not a valid value{in_table}: did you mean \"{best}\"?"
                ),
                None => format!(
                    "\"{unknown}\" is not a valid value{in_table}: use one of {}",
                    valid.join(", ")
                ),
            }
        } else if let Some(rest) = raw.strip_prefix("missing field ") {
            let field = backquoted(rest).first().copied().unwrap_or(rest);
            format!("required key \"{field}\" is missing{in_table}; add `{field} = ...`")
        } else if raw.contains(LITERAL_SECRET) {
            raw.to_owned()
        } else if raw.starts_with("invalid type") {
            format!("wrong type{in_table}: {raw}")
        } else {
            raw.replace('\n', "; ")
        };
        Self { location, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, text.find('=').unwrap_or(0)), (1, 3));
        assert_eq!(line_column(text, 10), (2, 4));
    }

    #[test]
    fn closest_finds_typos_only() {
        let keys = ["concurrency", "batch_size", "lease_seconds"];
        assert_eq!(closest("concurency", keys), Some("concurrency"));
        assert_eq!(closest("batchsize", keys), Some("batch_size"));
        assert_eq!(closest("colour", keys), None);
    }
}
