//! How the connector tools print records: aligned tables for people, JSON and CSV for
//! scripts. One [`RowWriter`] serves every command that prints rows, so a flag means the same
//! thing everywhere.
//!
//! JSON and CSV are streamed (one row is written as it arrives, so a query over millions of
//! records runs in constant memory); a table has to know every cell's width before it prints
//! the first line, so it buffers up to [`TABLE_ROW_CAP`] rows and says so when there were more.

use anyhow::{Context as _, Result};
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;

/// The most rows a table holds before it stops (and says so).
pub const TABLE_ROW_CAP: usize = 1000;

/// The widest a table cell is printed; longer text is cut and ends in `…`.
const MAX_CELL_WIDTH: usize = 48;

/// The output format of a command that prints records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned table for reading.
    Table,
    /// JSON: one object per line for record streams (JSON Lines), one document otherwise.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Whether the caller should fetch more rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    More,
    /// The output is full (the table's cap or `--limit-rows`): stop fetching.
    Full,
}

/// Writes rows of one shape (fixed columns) in a [`Format`].
pub struct RowWriter<W: Write> {
    format: Format,
    /// Where table and JSON output go.
    out: Option<W>,
    columns: Vec<String>,
    /// The table's rows so far, as printed text (table format only).
    buffered: Vec<Vec<String>>,
    /// Where CSV output goes (the csv crate buffers a few kilobytes, then writes through).
    csv: Option<csv::Writer<W>>,
    /// Rows accepted.
    written: u64,
    /// The most rows to accept (`--limit-rows`).
    limit: Option<u64>,
    /// True when the table stopped at its cap with rows left over.
    truncated: bool,
}

impl<W: Write> RowWriter<W> {
    /// A writer with these columns, accepting at most `limit` rows.
    pub fn new(format: Format, out: W, columns: Vec<String>, limit: Option<u64>) -> Result<Self> {
        let (out, csv) = if format == Format::Csv {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(&columns)
                .context("writing the CSV header")?;
            (None, Some(csv))
        } else {
            (Some(out), None)
        };
        Ok(Self {
            format,
            out,
            columns,
            buffered: Vec::new(),
            csv,
            written: 0,
            limit,
            truncated: false,
        })
    }

    /// The columns.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Writes one row. `cells` follow [`RowWriter::columns`]; `json` is the record as JSON
    /// output prints it (`None`: an object of the columns and cells, in column order).
    pub fn push(&mut self, cells: &[Value], json: Option<&Value>) -> Result<Flow> {
        if self.is_full() {
            return Ok(Flow::Full);
        }
        match self.format {
            Format::Table => {
                if self.buffered.len() >= TABLE_ROW_CAP {
                    self.truncated = true;
                    return Ok(Flow::Full);
                }
                self.buffered
                    .push(cells.iter().map(|c| cell_text(c, true)).collect());
            }
            Format::Json => {
                let line = match json {
                    Some(value) => serde_json::to_string(value)?,
                    None => object_line(&self.columns, cells)?,
                };
                if let Some(out) = self.out.as_mut() {
                    writeln!(out, "{line}").context("writing the output")?;
                }
            }
            Format::Csv => {
                if let Some(csv) = self.csv.as_mut() {
                    let record: Vec<String> = (0..self.columns.len())
                        .map(|i| {
                            cells
                                .get(i)
                                .map(|c| cell_text(c, false))
                                .unwrap_or_default()
                        })
                        .collect();
                    csv.write_record(&record).context("writing a CSV row")?;
                }
            }
        }
        self.written += 1;
        Ok(if self.is_full() {
            Flow::Full
        } else {
            Flow::More
        })
    }

    fn is_full(&self) -> bool {
        self.limit.is_some_and(|limit| self.written >= limit)
    }

    /// Finishes the output. `available` is how many rows the source holds in all, when it says
    /// (a table that stopped early tells the reader how many it left out).
    pub fn finish(mut self, available: Option<u64>) -> Result<()> {
        if let (Format::Table, Some(out)) = (self.format, self.out.as_mut()) {
            let rows = std::mem::take(&mut self.buffered);
            write_table(out, &self.columns, &rows)?;
            let shown = rows.len() as u64;
            let note = match (self.truncated, available) {
                (true, Some(total)) => format!(
                    "({shown} of {total} rows shown: a table stops at {TABLE_ROW_CAP}; use \
                     --format csv or --format json for every row)"
                ),
                (true, None) => format!(
                    "(the first {shown} rows shown: a table stops at {TABLE_ROW_CAP}; use \
                     --format csv or --format json for every row)"
                ),
                (false, Some(total)) if total > shown => {
                    format!("({shown} of {total} rows shown)")
                }
                _ => format!("({shown} row{})", if shown == 1 { "" } else { "s" }),
            };
            writeln!(out, "{note}").context("writing the output")?;
        }
        if let Some(out) = self.out.as_mut() {
            out.flush().context("writing the output")?;
        }
        if let Some(csv) = self.csv.as_mut() {
            csv.flush().context("writing the output")?;
        }
        Ok(())
    }
}

/// A reader that closed the pipe (`ferry sf query … | head`) ends the command quietly and
/// successfully, as other command-line tools do, instead of reporting a write error.
pub fn quiet_on_closed_pipe(result: Result<ExitCode>) -> Result<ExitCode> {
    match result {
        Err(err) if is_closed_pipe(&err) => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().or_else(|| {
            match cause.downcast_ref::<csv::Error>().map(csv::Error::kind) {
                Some(csv::ErrorKind::Io(io)) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `{"col": cell, …}` in column order.
fn object_line(columns: &[String], cells: &[Value]) -> Result<String> {
    let mut line = String::from("{");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&serde_json::to_string(column)?);
        line.push(':');
        line.push_str(&serde_json::to_string(
            cells.get(i).unwrap_or(&Value::Null),
        )?);
    }
    line.push('}');
    Ok(line)
}

/// A cell as text: strings bare, `null` empty, anything else as compact JSON. In a table,
/// line breaks become spaces so a row stays on one line.
pub fn cell_text(value: &Value, for_table: bool) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if for_table {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        text
    }
}

/// Cuts `text` to `width` characters, marking the cut with `…`.
fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Prints an aligned table: a header, a rule, the rows. Cells wider than the cell limit are
/// cut; the last column is not padded.
pub fn write_table(out: &mut impl Write, columns: &[String], rows: &[Vec<String>]) -> Result<()> {
    let cut: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| truncate(c, MAX_CELL_WIDTH)).collect())
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in &cut {
        for (i, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(i) {
                *width = (*width).max(cell.chars().count());
            }
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            if i + 1 < widths.len() {
                text.extend(std::iter::repeat_n(
                    ' ',
                    width.saturating_sub(cell.chars().count()),
                ));
            }
        }
        text.trim_end().to_owned()
    };
    writeln!(out, "{}", line(&mut columns.iter().map(String::as_str)))
        .context("writing the output")?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "{}", line(&mut rule.iter().map(String::as_str)))
        .context("writing the output")?;
    for row in &cut {
        writeln!(out, "{}", line(&mut row.iter().map(String::as_str)))
            .context("writing the output")?;
    }
    Ok(())
}

/// Prints a whole JSON document, indented.
pub fn write_pretty(out: &mut impl Write, value: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    writeln!(out, "{text}").context("writing the output")
}

/// Prints a small, already complete set of rows in `format` (describe, limits): JSON prints
/// `json` as one document.
pub fn write_all(
    format: Format,
    columns: &[&str],
    rows: &[Vec<Value>],
    json: &Value,
) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => write_pretty(&mut out, json),
        Format::Table => {
            let text: Vec<Vec<String>> = rows
                .iter()
                .map(|row| row.iter().map(|c| cell_text(c, true)).collect())
                .collect();
            let columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
            write_table(&mut out, &columns, &text)
        }
        Format::Csv => {
            let columns = columns.iter().map(|c| (*c).to_owned()).collect();
            let mut writer = RowWriter::new(Format::Csv, out, columns, None)?;
            for row in rows {
                writer.push(row, None)?;
            }
            writer.finish(None)
        }
    }
}

/// A list of JSON objects as table columns and rows, when it is "flat enough" to read as a
/// table: every item an object, and the union of their keys (in first-seen order) as the
/// columns. Nested values print as compact JSON in their cell.
pub fn objects_as_rows(items: &[Value]) -> Option<(Vec<String>, Vec<Vec<Value>>)> {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        for key in item.as_object()?.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| item.get(c).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect();
    Some((columns, rows))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn tables_align_and_cut_long_cells() {
        let mut out = Vec::new();
        let mut writer =
            RowWriter::new(Format::Table, &mut out, cols(&["Id", "Name"]), None).unwrap();
        writer.push(&[json!(1), json!("Short")], None).unwrap();
        writer
            .push(&[json!(22), json!("x".repeat(80))], None)
            .unwrap();
        writer.finish(None).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Id  Name");
        assert_eq!(
            lines[1],
            "--  ------------------------------------------------"
        );
        assert_eq!(lines[2], "1   Short");
        assert!(lines[3].ends_with('…'));
        assert_eq!(lines[3].chars().count(), 4 + MAX_CELL_WIDTH);
        assert_eq!(lines[4], "(2 rows)");
    }

    #[test]
    fn csv_quotes_hostile_cells_and_json_keeps_column_order() {
        let mut out = Vec::new();
        let mut writer = RowWriter::new(Format::Csv, &mut out, cols(&["b", "a"]), None).unwrap();
        writer
            .push(&[json!("x,\"y\"\nz"), Value::Null], None)
            .unwrap();
        writer.finish(None).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "b,a\n\"x,\"\"y\"\"\nz\",\n"
        );

        let mut out = Vec::new();
        let mut writer = RowWriter::new(Format::Json, &mut out, cols(&["b", "a"]), None).unwrap();
        writer.push(&[json!(1), json!(true)], None).unwrap();
        writer.finish(None).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\"b\":1,\"a\":true}\n");
    }

    #[test]
    fn limits_stop_the_source_and_the_table_says_what_it_left_out() {
        let mut out = Vec::new();
        let mut writer = RowWriter::new(Format::Csv, &mut out, cols(&["n"]), Some(2)).unwrap();
        assert_eq!(writer.push(&[json!(1)], None).unwrap(), Flow::More);
        assert_eq!(writer.push(&[json!(2)], None).unwrap(), Flow::Full);
        assert_eq!(writer.push(&[json!(3)], None).unwrap(), Flow::Full);
        writer.finish(None).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "n\n1\n2\n");

        let mut out = Vec::new();
        let mut writer = RowWriter::new(Format::Table, &mut out, cols(&["n"]), None).unwrap();
        let mut n = 0;
        while writer.push(&[json!(n)], None).unwrap() == Flow::More {
            n += 1;
        }
        assert_eq!(n, TABLE_ROW_CAP);
        writer.finish(Some(5000)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with(&format!(
            "({TABLE_ROW_CAP} of 5000 rows shown: a table stops at {TABLE_ROW_CAP}; use \
             --format csv or --format json for every row)\n"
        )));
    }

    #[test]
    fn lists_of_objects_become_rows() {
        let items = vec![json!({"id": 1, "name": "a"}), json!({"id": 2, "sku": "S"})];
        let (columns, rows) = objects_as_rows(&items).unwrap();
        assert_eq!(columns, cols(&["id", "name", "sku"]));
        assert_eq!(rows[1], vec![json!(2), Value::Null, json!("S")]);
        assert!(objects_as_rows(&[json!(1)]).is_none());
    }
}
