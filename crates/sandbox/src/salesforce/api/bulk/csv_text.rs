//! CSV as Bulk API 2.0 reads and writes it: UTF-8, a header row of field names, one of six
//! column delimiters, LF or CRLF line endings, `"` quoting with `""` escapes. Values are not
//! trimmed. Everything the sandbox writes is quoted, as Salesforce's result files are.

use axum::body::Bytes;

/// The column delimiter of a job's CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delimiter {
    Backquote,
    Caret,
    Comma,
    Pipe,
    Semicolon,
    Tab,
}

impl Delimiter {
    /// `COMMA`, `TAB`, ... as job descriptions name them.
    pub(super) fn parse(name: &str) -> Option<Delimiter> {
        Some(match name {
            "BACKQUOTE" => Delimiter::Backquote,
            "CARET" => Delimiter::Caret,
            "COMMA" => Delimiter::Comma,
            "PIPE" => Delimiter::Pipe,
            "SEMICOLON" => Delimiter::Semicolon,
            "TAB" => Delimiter::Tab,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Delimiter::Backquote => "BACKQUOTE",
            Delimiter::Caret => "CARET",
            Delimiter::Comma => "COMMA",
            Delimiter::Pipe => "PIPE",
            Delimiter::Semicolon => "SEMICOLON",
            Delimiter::Tab => "TAB",
        }
    }

    fn byte(self) -> u8 {
        match self {
            Delimiter::Backquote => b'`',
            Delimiter::Caret => b'^',
            Delimiter::Comma => b',',
            Delimiter::Pipe => b'|',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

/// The line ending of a job's CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineEnding {
    Lf,
    Crlf,
}

impl LineEnding {
    /// `LF` or `CRLF`.
    pub(super) fn parse(name: &str) -> Option<LineEnding> {
        match name {
            "LF" => Some(LineEnding::Lf),
            "CRLF" => Some(LineEnding::Crlf),
            _ => None,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            LineEnding::Lf => "LF",
            LineEnding::Crlf => "CRLF",
        }
    }

    fn text(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::Crlf => "\r\n",
        }
    }
}

/// How a job's CSV is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Format {
    pub(super) delimiter: Delimiter,
    pub(super) line_ending: LineEnding,
}

/// The uploaded data of a job: the header row and the data rows, cells as uploaded.
#[derive(Debug, Default)]
pub(super) struct Table {
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
}

/// The upload without a UTF-8 byte order mark.
fn without_bom(upload: &[u8]) -> &[u8] {
    upload.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(upload)
}

fn reader(upload: &[u8], format: Format) -> ::csv::Reader<&[u8]> {
    let terminator = match format.line_ending {
        // CRLF also ends a record at a bare CR or LF; an LF job keeps a stray CR in the cell,
        // as Salesforce does (the line-ending check catches the common case first).
        LineEnding::Crlf => ::csv::Terminator::CRLF,
        LineEnding::Lf => ::csv::Terminator::Any(b'\n'),
    };
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(format.delimiter.byte())
        .terminator(terminator)
        .from_reader(without_bom(upload))
}

/// Salesforce fails a job whose data does not use the line ending the job declared; the first
/// line break tells.
fn check_line_ending(upload: &[u8], format: Format) -> Result<(), String> {
    let upload = without_bom(upload);
    let Some(at) = upload.iter().position(|b| *b == b'\n') else {
        return Ok(());
    };
    let crlf = at > 0 && upload[at - 1] == b'\r';
    let expected_crlf = format.line_ending == LineEnding::Crlf;
    if crlf == expected_crlf {
        Ok(())
    } else {
        Err(format!(
            "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {}",
            format.line_ending.name()
        ))
    }
}

fn read_error(error: &::csv::Error, row: usize) -> String {
    match error.kind() {
        ::csv::ErrorKind::Utf8 { .. } => {
            format!(
                "InvalidBatch : Failed to parse CSV: row {row} is not valid UTF-8; upload UTF-8 data"
            )
        }
        _ => format!("InvalidBatch : Failed to parse CSV at row {row}: {error}"),
    }
}

/// The header row of one upload (`None` for an upload with no data at all).
pub(super) fn header(upload: &[u8], format: Format) -> Result<Option<Vec<String>>, String> {
    let mut reader = reader(upload, format);
    match reader.records().next() {
        None => Ok(None),
        Some(Ok(record)) => Ok(Some(record.iter().map(str::to_string).collect())),
        Some(Err(error)) => Err(read_error(&error, 1)),
    }
}

/// Reads every upload of a job: each starts with the same header row, then data rows. An
/// error is the job's `errorMessage`.
pub(super) fn parse(uploads: &[Bytes], format: Format) -> Result<Table, String> {
    let mut table = Table::default();
    let mut have_header = false;
    for upload in uploads {
        check_line_ending(upload, format)?;
        let mut reader = reader(upload, format);
        let mut first = true;
        for record in reader.records() {
            let row_number = table.rows.len() + 2;
            let record = record.map_err(|e| read_error(&e, row_number))?;
            let cells: Vec<String> = record.iter().map(str::to_string).collect();
            if first {
                first = false;
                if !have_header {
                    table.header = cells;
                    have_header = true;
                } else if cells != table.header {
                    return Err(format!(
                        "InvalidBatch : Field names differ between uploads: [{}] then [{}]",
                        table.header.join(", "),
                        cells.join(", ")
                    ));
                }
                continue;
            }
            if cells.len() != table.header.len() {
                return Err(format!(
                    "InvalidBatch : Wrong number of columns in row {row_number}: the header row has {} and this row has {}",
                    table.header.len(),
                    cells.len()
                ));
            }
            table.rows.push(cells);
        }
    }
    Ok(table)
}

/// The uploads joined into one CSV text: the first upload whole, the others without their
/// header row (what `unprocessedrecords` shows of a job that was never read).
pub(super) fn concat(uploads: &[Bytes]) -> Vec<u8> {
    let mut out = Vec::with_capacity(uploads.iter().map(|u| u.len()).sum());
    for (i, upload) in uploads.iter().enumerate() {
        let upload = without_bom(upload);
        if i == 0 {
            out.extend_from_slice(upload);
        } else {
            let body = upload
                .iter()
                .position(|b| *b == b'\n')
                .map_or(&[][..], |at| &upload[at + 1..]);
            out.extend_from_slice(body);
        }
    }
    out
}

/// Writes CSV in a job's format, every cell quoted.
#[derive(Debug)]
pub(super) struct Writer {
    out: String,
    format: Format,
}

impl Writer {
    pub(super) fn new(format: Format) -> Writer {
        Writer {
            out: String::new(),
            format,
        }
    }

    /// Appends one row.
    pub(super) fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        encode_row(&mut self.out, self.format, cells);
    }

    /// The CSV text.
    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// One row, quoted, with its line ending.
pub(super) fn encode_row<S: AsRef<str>>(
    out: &mut String,
    format: Format,
    cells: impl IntoIterator<Item = S>,
) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(char::from(format.delimiter.byte()));
        }
        out.push('"');
        for c in cell.as_ref().chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push_str(format.line_ending.text());
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMA_LF: Format = Format {
        delimiter: Delimiter::Comma,
        line_ending: LineEnding::Lf,
    };

    #[test]
    fn uploads_share_one_header_and_quoted_cells_keep_their_text() {
        let uploads = [
            Bytes::from_static(b"\xEF\xBB\xBFName,Phone\n\"A, \"\"quoted\"\"\",1\n"),
            Bytes::from_static(b"Name,Phone\nB, 2 \n"),
        ];
        let table = parse(&uploads, COMMA_LF).unwrap();
        assert_eq!(table.header, ["Name", "Phone"]);
        assert_eq!(table.rows, [["A, \"quoted\"", "1"], ["B", " 2 "]]);
        let mut writer = Writer::new(COMMA_LF);
        writer.row(&table.rows[0]);
        assert_eq!(writer.finish(), "\"A, \"\"quoted\"\"\",\"1\"\n");
    }

    #[test]
    fn a_line_ending_other_than_the_jobs_fails_the_job() {
        let crlf = [Bytes::from_static(b"Name\r\nA\r\n")];
        let error = parse(&crlf, COMMA_LF).unwrap_err();
        assert_eq!(
            error,
            "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
        );
        let tab_crlf = Format {
            delimiter: Delimiter::Tab,
            line_ending: LineEnding::Crlf,
        };
        let table = parse(&[Bytes::from_static(b"Name\tPhone\r\nA\t1\r\n")], tab_crlf).unwrap();
        assert_eq!(table.rows, [["A", "1"]]);
    }

    #[test]
    fn rows_must_have_as_many_cells_as_the_header() {
        let error = parse(&[Bytes::from_static(b"Name,Phone\nA,1,2\n")], COMMA_LF).unwrap_err();
        assert!(
            error.starts_with("InvalidBatch : Wrong number of columns in row 2"),
            "{error}"
        );
    }
}
