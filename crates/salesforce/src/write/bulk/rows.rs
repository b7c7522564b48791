//! Records as Bulk API 2.0 CSV (reference §7.1 "CSV rules"), and result files mapped back to
//! the records they answer.
//!
//! Writing: every cell quoted (`"` doubled), LF line ends, `#N/A` for null (and for an empty
//! string, which a blank cell would leave unchanged), a parent named by external id as a
//! `Rel.ExtField` column. Reading: result rows carry the uploaded columns after `sf__Id` and
//! `sf__Created`/`sf__Error`, in no guaranteed order, so each row is matched to a record by
//! its uploaded cells (the whole row; else its key column: the external id, or `Id`).

use super::super::outcome::failed;
use super::super::planner::{Item, Outcomes};
use super::super::{WriteOp, WriteOutcome};
use serde_json::Value;
use std::collections::HashMap;

/// The columns of one group's CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Columns {
    /// Header names in order; the key column (external id or `Id`) first when there is one.
    names: Vec<String>,
    /// Lower-cased name → position (Salesforce matches headers case-insensitively).
    position: HashMap<String, usize>,
    /// True when the first column identifies the record (upsert, update, delete).
    keyed: bool,
}

/// The column a field's value goes to: `Name`, or `Account.ExternalID__c` for a parent
/// named by external id.
fn column_of(name: &str, value: &Value) -> Option<String> {
    match value {
        Value::Object(map) if map.len() == 1 => map.keys().next().map(|k| format!("{name}.{k}")),
        Value::Object(_) | Value::Array(_) => None,
        _ => Some(name.to_owned()),
    }
}

/// Whether a field of the record's map is carried elsewhere (the key column) or not at all.
fn skipped(op: &WriteOp, name: &str) -> bool {
    name.eq_ignore_ascii_case("attributes")
        || name.eq_ignore_ascii_case("Id")
        || matches!(op, WriteOp::Delete { .. })
        || matches!(op, WriteOp::Upsert { external_id_field, .. } if name.eq_ignore_ascii_case(external_id_field))
}

impl Columns {
    /// The columns every item of the group needs.
    pub(crate) fn of(items: &[Item<'_>]) -> Columns {
        let mut columns = Columns {
            names: Vec::new(),
            position: HashMap::new(),
            keyed: false,
        };
        match items.first().map(|i| &i.record.op) {
            Some(WriteOp::Upsert {
                external_id_field, ..
            }) => {
                columns.add(external_id_field);
                columns.keyed = true;
            }
            Some(WriteOp::Update { .. } | WriteOp::Delete { .. }) => {
                columns.add("Id");
                columns.keyed = true;
            }
            Some(WriteOp::Create) | None => {}
        }
        for item in items {
            for (name, value) in item.fields.iter() {
                if !skipped(&item.record.op, name)
                    && let Some(column) = column_of(name, value)
                {
                    columns.add(&column);
                }
            }
        }
        columns
    }

    fn add(&mut self, name: &str) {
        let lower = name.to_ascii_lowercase();
        if !self.position.contains_key(&lower) {
            self.position.insert(lower, self.names.len());
            self.names.push(name.to_owned());
        }
    }

    /// The header line.
    pub(crate) fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_line(&mut out, self.names.iter().map(String::as_str));
        out
    }

    /// The record's cells, or why it cannot be sent as CSV.
    pub(crate) fn cells(&self, item: &Item<'_>) -> Result<Vec<String>, WriteOutcome> {
        let mut cells = vec![String::new(); self.names.len()];
        match &item.record.op {
            WriteOp::Upsert { external_id, .. } => cells[0] = external_id.clone(),
            WriteOp::Update { id } | WriteOp::Delete { id } => cells[0] = id.clone(),
            WriteOp::Create => {}
        }
        for (name, value) in item.fields.iter() {
            if skipped(&item.record.op, name) {
                continue;
            }
            let unsupported = || {
                failed(
                    "UNSUPPORTED_VALUE",
                    format!(
                        "{} {:?}: field {name} holds {value}, which Bulk API 2.0 cannot carry; \
                         send a text, number, boolean, null or a parent by one external id \
                         ({{\"ExternalID__c\": \"…\"}})",
                        item.record.object, item.record.reference
                    ),
                    vec![name.clone()],
                    false,
                )
            };
            let column = column_of(name, value).ok_or_else(unsupported)?;
            let cell = match value {
                Value::Object(map) => map.values().next().and_then(cell_of),
                other => cell_of(other),
            }
            .ok_or_else(unsupported)?;
            if let Some(&at) = self.position.get(&column.to_ascii_lowercase()) {
                cells[at] = cell;
            }
        }
        Ok(cells)
    }
}

/// A scalar as a cell: null and "" become `#N/A` (set to null), since a blank cell means
/// "leave unchanged".
fn cell_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("#N/A".into()),
        Value::String(s) if s.is_empty() => Some("#N/A".into()),
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// Appends one CSV line, every cell quoted.
pub(crate) fn write_line<'s>(out: &mut Vec<u8>, cells: impl IntoIterator<Item = &'s str>) {
    for (n, cell) in cells.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.push(b'"');
        for byte in cell.bytes() {
            if byte == b'"' {
                out.push(b'"');
            }
            out.push(byte);
        }
        out.push(b'"');
    }
    out.push(b'\n');
}

/// The text that identifies an uploaded row.
fn row_key<'s>(cells: impl IntoIterator<Item = &'s str>) -> String {
    cells.into_iter().collect::<Vec<_>>().join("\u{1f}")
}

/// One job's records and how to find them in its result files.
#[derive(Debug, Default)]
pub(crate) struct Matcher {
    /// Whole-row key → positions in the batch (a stack: identical rows are interchangeable).
    by_row: HashMap<String, Vec<usize>>,
    /// Key-column value → positions, when the first column identifies the record.
    by_key: HashMap<String, Vec<usize>>,
    /// Positions already answered.
    answered: std::collections::HashSet<usize>,
}

impl Matcher {
    /// Remembers an uploaded row.
    pub(crate) fn add(&mut self, columns: &Columns, index: usize, cells: &[String]) {
        self.by_row
            .entry(row_key(cells.iter().map(String::as_str)))
            .or_default()
            .push(index);
        if columns.keyed
            && let Some(first) = cells.first()
        {
            self.by_key.entry(first.clone()).or_default().push(index);
        }
    }

    fn claim(&mut self, row: &str, key: Option<&str>) -> Option<usize> {
        let answered = &mut self.answered;
        let mut take = |stack: Option<&mut Vec<usize>>| -> Option<usize> {
            let stack = stack?;
            while let Some(index) = stack.pop() {
                if answered.insert(index) {
                    return Some(index);
                }
            }
            None
        };
        take(self.by_row.get_mut(row)).or_else(|| key.and_then(|k| take(self.by_key.get_mut(k))))
    }

    /// Whether a position has been answered.
    pub(crate) fn is_answered(&self, index: usize) -> bool {
        self.answered.contains(&index)
    }

    /// Reads a `successfulResults` or `failedResults` file and returns the outcome of every
    /// row it can place.
    pub(crate) fn read(
        &mut self,
        columns: &Columns,
        op: &WriteOp,
        body: &[u8],
    ) -> Result<Outcomes, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(body);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| format!("the result file's header row cannot be read: {e}"))?
            .iter()
            .map(str::to_owned)
            .collect();
        let find = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
        let id_at = find("sf__Id");
        let created_at = find("sf__Created");
        let error_at = find("sf__Error");
        // Where each of our columns sits in the result file.
        let ours: Vec<Option<usize>> = columns
            .names
            .iter()
            .map(|name| {
                header.iter().enumerate().position(|(at, h)| {
                    Some(at) != id_at
                        && Some(at) != created_at
                        && Some(at) != error_at
                        && h.eq_ignore_ascii_case(name)
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| format!("a result row cannot be read: {e}"))?;
            let cell = |at: Option<usize>| at.and_then(|a| record.get(a)).unwrap_or_default();
            let row = row_key(ours.iter().map(|&at| cell(at)));
            let key = columns.keyed.then(|| cell(ours.first().copied().flatten()));
            let Some(index) = self.claim(&row, key) else {
                continue;
            };
            let id = cell(id_at);
            let outcome = match error_at {
                Some(at) => parse_error(record.get(at).unwrap_or_default()),
                None if id.is_empty() => super::super::outcome::unknown(
                    "Bulk API listed the row as successful without its id",
                ),
                None => WriteOutcome::Ok {
                    id: id.to_owned(),
                    created: match op {
                        WriteOp::Create => true,
                        WriteOp::Upsert { .. } => cell(created_at).eq_ignore_ascii_case("true"),
                        WriteOp::Update { .. } | WriteOp::Delete { .. } => false,
                    },
                },
            };
            outcomes.push((index, outcome));
        }
        Ok(outcomes)
    }
}

/// `sf__Error` (`CODE:message:Field1,Field2 --`) as a failure.
pub(crate) fn parse_error(text: &str) -> WriteOutcome {
    let text = text.trim();
    let (code, rest) = text.split_once(':').unwrap_or((text, ""));
    let rest = rest.trim_end().trim_end_matches("--").trim_end();
    let (message, fields) = match rest.strip_suffix(':') {
        Some(message) => (message, ""),
        None => match rest.rsplit_once(':') {
            // Fields are API names: no spaces; anything else belongs to the message.
            Some((message, fields))
                if !fields.is_empty()
                    && fields.split(',').all(|f| {
                        !f.is_empty()
                            && f.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                    }) =>
            {
                (message, fields)
            }
            _ => (rest, ""),
        },
    };
    let code = if code.is_empty() {
        "UNKNOWN_ERROR"
    } else {
        code
    };
    failed(
        code,
        message,
        fields
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
        super::super::TRANSIENT_CODES.contains(&code),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::RecordWrite;
    use serde_json::{Map, json};
    use std::borrow::Cow;

    fn item(record: &RecordWrite, index: usize) -> Item<'_> {
        Item {
            index,
            record,
            fields: Cow::Borrowed(&record.fields),
            links: Vec::new(),
        }
    }

    fn fields(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn cells_are_quoted_and_nulls_are_na() {
        let a = RecordWrite::upsert(
            "a",
            "Contact",
            "ExternalID__c",
            "K-1",
            fields(
                json!({"LastName": "O\"Brien, \"Jr\"\nII", "Email": null, "Phone": "", "Account": {"ExternalID__c": "A-1"}, "NumberOfEmployees": 12, "ExternalID__c": "K-1"}),
            ),
        );
        let b = RecordWrite::upsert(
            "b",
            "Contact",
            "ExternalID__c",
            "K-2",
            fields(json!({"lastname": "B"})),
        );
        let items = vec![item(&a, 0), item(&b, 1)];
        let columns = Columns::of(&items);
        assert_eq!(
            String::from_utf8_lossy(&columns.header()),
            "\"ExternalID__c\",\"LastName\",\"Email\",\"Phone\",\"Account.ExternalID__c\",\"NumberOfEmployees\"\n"
        );
        let mut line = Vec::new();
        let cells = columns.cells(&items[0]).unwrap_or_default();
        write_line(&mut line, cells.iter().map(String::as_str));
        assert_eq!(
            String::from_utf8_lossy(&line),
            "\"K-1\",\"O\"\"Brien, \"\"Jr\"\"\nII\",\"#N/A\",\"#N/A\",\"A-1\",\"12\"\n"
        );
        let cells = columns.cells(&items[1]).unwrap_or_default();
        assert_eq!(cells, vec!["K-2", "B", "", "", "", ""]);
        let bad = RecordWrite::upsert(
            "c",
            "Contact",
            "ExternalID__c",
            "K-3",
            fields(json!({"Tags": ["x"]})),
        );
        assert!(
            matches!(columns.cells(&item(&bad, 2)), Err(WriteOutcome::Failed { code, .. }) if code == "UNSUPPORTED_VALUE")
        );
    }

    #[test]
    fn result_rows_find_their_records_in_any_order() {
        let a = RecordWrite::new(
            "a",
            "Account",
            WriteOp::Create,
            fields(json!({"Name": "Same"})),
        );
        let b = RecordWrite::new(
            "b",
            "Account",
            WriteOp::Create,
            fields(json!({"Name": "Same"})),
        );
        let c = RecordWrite::new(
            "c",
            "Account",
            WriteOp::Create,
            fields(json!({"Name": "Other"})),
        );
        let items = vec![item(&a, 0), item(&b, 1), item(&c, 2)];
        let columns = Columns::of(&items);
        let mut matcher = Matcher::default();
        for i in &items {
            let cells = columns.cells(i).unwrap_or_default();
            matcher.add(&columns, i.index, &cells);
        }
        let ok = b"\"sf__Id\",\"sf__Created\",\"Name\"\n\"001A\",\"true\",\"Other\"\n\"001B\",\"true\",\"Same\"\n";
        let outcomes = matcher
            .read(&columns, &WriteOp::Create, ok)
            .unwrap_or_default();
        assert_eq!(outcomes.len(), 2);
        assert_eq!(
            outcomes[0],
            (
                2,
                WriteOutcome::Ok {
                    id: "001A".into(),
                    created: true
                }
            )
        );
        let bad = b"sf__Id,sf__Error,Name\n,REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --,Same\n";
        let outcomes = matcher
            .read(&columns, &WriteOp::Create, bad)
            .unwrap_or_default();
        assert_eq!(outcomes.len(), 1);
        assert!(
            matches!(&outcomes[0].1, WriteOutcome::Failed { code, fields, .. } if code == "REQUIRED_FIELD_MISSING" && fields == &vec!["Name".to_owned()])
        );
        assert!((0..3).all(|i| matcher.is_answered(i)));
    }

    #[test]
    fn sf_errors_split_into_code_message_and_fields() {
        assert_eq!(
            parse_error(
                "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
            ),
            failed(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [LastName]",
                vec!["LastName".into()],
                false
            )
        );
        assert_eq!(
            parse_error("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"),
            failed(
                "UNABLE_TO_LOCK_ROW",
                "unable to obtain exclusive access to this record",
                Vec::new(),
                true
            )
        );
        assert_eq!(
            parse_error("STRING_TOO_LONG:Name: data value too large:Name,Site --"),
            failed(
                "STRING_TOO_LONG",
                "Name: data value too large",
                vec!["Name".into(), "Site".into()],
                false
            )
        );
    }
}
