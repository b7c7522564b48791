//! `ferry sf query`, `ferry sf describe` and `ferry sf limits`: read the configured Salesforce
//! org by hand.

use crate::cli::{SalesforceCommand, SfDescribeArgs, SfLimitsArgs, SfQueryArgs};
use crate::context::Context;
use crate::output::{self, Flow, Format, RowWriter};
use anyhow::{Context as _, Result, bail};
use ferry_salesforce::describe::{FieldDescribe, SObjectDescribe};
use serde_json::{Map, Value, json};
use std::io::Write as _;
use std::process::ExitCode;

/// Runs a `ferry salesforce …` command.
pub async fn run(ctx: &Context, command: SalesforceCommand) -> Result<ExitCode> {
    match command {
        SalesforceCommand::Query(args) => output::quiet_on_closed_pipe(query(ctx, &args).await),
        SalesforceCommand::Describe(args) => {
            output::quiet_on_closed_pipe(describe(ctx, &args).await)
        }
        SalesforceCommand::Limits(args) => output::quiet_on_closed_pipe(limits(ctx, &args).await),
    }
}

async fn query(ctx: &Context, args: &SfQueryArgs) -> Result<ExitCode> {
    if args.soql.trim().is_empty() {
        bail!("the SOQL statement is empty: give one, e.g. \"SELECT Id, Name FROM Account\"");
    }
    let client = crate::connectors::salesforce(ctx).await?;
    let mut query = ferry_salesforce::query::Query::<Value>::typed(&client, &args.soql);
    if args.all {
        query = query.include_deleted();
    }
    let failed =
        || "the query failed; check the SOQL (`ferry sf describe OBJECT` lists the fields)";
    // The columns come from the first record (every record of a query has the same fields);
    // the first page is read before anything is printed.
    let first = query
        .next_page()
        .await
        .with_context(failed)?
        .unwrap_or_default();
    if first.is_empty() {
        if args.format == Format::Table {
            writeln!(std::io::stdout().lock(), "(0 rows)").context("writing the output")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let columns: Vec<String> = first
        .first()
        .map(|record| flatten(record).into_iter().map(|(name, _)| name).collect())
        .unwrap_or_default();
    let mut writer = RowWriter::new(
        args.format,
        std::io::stdout().lock(),
        columns,
        args.limit_rows,
    )?;
    let mut page = first;
    'pages: loop {
        for record in &page {
            if push_record(&mut writer, record)? == Flow::Full {
                break 'pages;
            }
        }
        match query.next_page().await.with_context(failed)? {
            Some(next) => page = next,
            None => break,
        }
    }
    writer.finish(query.total_size())?;
    Ok(ExitCode::SUCCESS)
}

/// A record's fields as columns: nested relationship records become `Parent.Field`, the
/// `attributes` member (type and URL) is left out.
pub fn flatten(record: &Value) -> Vec<(String, Value)> {
    fn walk(prefix: &str, value: &Map<String, Value>, out: &mut Vec<(String, Value)>) {
        for (key, cell) in value {
            if key == "attributes" {
                continue;
            }
            let name = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match cell {
                // A relationship record (has `attributes`); a subquery's result (has
                // `records`) stays one JSON cell.
                Value::Object(inner) if inner.contains_key("attributes") => {
                    walk(&name, inner, out);
                }
                other => out.push((name, other.clone())),
            }
        }
    }
    let mut out = Vec::new();
    if let Some(object) = record.as_object() {
        walk("", object, &mut out);
    }
    out
}

/// The record without `attributes` members, for JSON output.
fn without_attributes(record: &Value) -> Value {
    match record {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != "attributes")
                .map(|(key, value)| (key.clone(), without_attributes(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_attributes).collect()),
        other => other.clone(),
    }
}

/// Writes one record's cells in `writer`'s columns (a column the record lacks, such as a
/// field behind an empty relationship, is empty).
fn push_record(writer: &mut RowWriter<impl std::io::Write>, record: &Value) -> Result<Flow> {
    let fields = flatten(record);
    let cells: Vec<Value> = writer
        .columns()
        .iter()
        .map(|column| {
            fields
                .iter()
                .find(|(name, _)| name == column)
                .map(|(_, value)| value.clone())
                .unwrap_or(Value::Null)
        })
        .collect();
    writer.push(&cells, Some(&without_attributes(record)))
}

/// How many picklist values `describe` shows before it abbreviates.
const PICKLIST_SHOWN: usize = 3;

fn describe_row(field: &FieldDescribe) -> Vec<Value> {
    let access = format!(
        "{}{}",
        if field.createable { "c" } else { "-" },
        if field.updateable { "u" } else { "-" }
    );
    let values: Vec<&str> = field.active_values().collect();
    // The count goes first: a long cell is cut at the table's width.
    let picklist = if values.len() > PICKLIST_SHOWN {
        format!(
            "{} values: {}, …",
            values.len(),
            values[..PICKLIST_SHOWN].join(", ")
        )
    } else {
        values.join(", ")
    };
    vec![
        json!(field.name),
        json!(field.field_type.as_str()),
        if field.length > 0 {
            json!(field.length)
        } else {
            Value::Null
        },
        json!(if field.nillable { "yes" } else { "no" }),
        json!(access),
        json!(if field.external_id { "yes" } else { "" }),
        json!(field.reference_to.join(", ")),
        json!(picklist),
    ]
}

async fn describe(ctx: &Context, args: &SfDescribeArgs) -> Result<ExitCode> {
    let object = ferry_salesforce::soql::Ident::object(&args.object)?;
    let client = crate::connectors::salesforce(ctx).await?;
    let path = format!("/sobjects/{}/describe", object.as_str());
    let raw: Value = client
        .get_json(&path)
        .await
        .with_context(|| format!("describing {}", object.as_str()))?;
    if args.format == Format::Json {
        output::write_pretty(&mut std::io::stdout().lock(), &raw)?;
        return Ok(ExitCode::SUCCESS);
    }
    let described: SObjectDescribe = serde_json::from_value(raw.clone())
        .with_context(|| format!("the describe of {} could not be read", object.as_str()))?;
    let rows: Vec<Vec<Value>> = described.fields.iter().map(describe_row).collect();
    output::write_all(
        args.format,
        &[
            "field",
            "type",
            "length",
            "nillable",
            "create/update",
            "external id",
            "reference to",
            "picklist values",
        ],
        &rows,
        &raw,
    )?;
    Ok(ExitCode::SUCCESS)
}

async fn limits(ctx: &Context, args: &SfLimitsArgs) -> Result<ExitCode> {
    let client = crate::connectors::salesforce(ctx).await?;
    let summary = ferry_salesforce::limits::summary(&client)
        .await
        .context("reading the org's limits")?;
    let daily = summary.daily_api_requests;
    let ferry = json!({
        "daily": {
            "used": daily.map(|d| d.used()),
            "max": daily.map(|d| d.max),
            "ceiling_percent": summary.ceiling_percent,
            "ceiling": summary.ceiling_calls,
            "left_below_ceiling": summary.left_below_ceiling,
        },
        "run": {
            "used": summary.budget.used_by_run,
            "ceiling": summary.run_limit,
        },
    });
    if args.format == Format::Json {
        output::write_pretty(
            &mut std::io::stdout().lock(),
            &json!({ "org": summary.all, "ferry": ferry }),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<Value>> = summary
        .all
        .0
        .iter()
        .map(|(name, limit)| {
            vec![
                json!(name),
                json!(limit.used()),
                json!(limit.max),
                json!(limit.remaining),
            ]
        })
        .collect();
    output::write_all(
        args.format,
        &["limit", "used", "max", "remaining"],
        &rows,
        &Value::Null,
    )?;
    if args.format == Format::Table {
        writeln!(std::io::stdout().lock(), "\nFerry's budget").context("writing the output")?;
        let run_ceiling = summary
            .run_limit
            .map_or_else(|| json!("none"), |c| json!(c));
        output::write_all(
            Format::Table,
            &["budget", "used", "max", "ferry ceiling", "left for ferry"],
            &[
                vec![
                    json!(format!("DailyApiRequests ({}%)", summary.ceiling_percent)),
                    json!(daily.map(|d| d.used())),
                    json!(daily.map(|d| d.max)),
                    json!(summary.ceiling_calls),
                    json!(summary.left_below_ceiling),
                ],
                vec![
                    json!("this run"),
                    json!(summary.budget.used_by_run),
                    Value::Null,
                    run_ceiling,
                    Value::Null,
                ],
            ],
            &Value::Null,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationships_flatten_and_attributes_go() {
        let record = json!({
            "attributes": {"type": "Contact"},
            "Id": "003",
            "Account": {"attributes": {"type": "Account"}, "Name": "Acme", "Owner": {"attributes": {}, "Alias": "jd"}},
            "Cases": {"totalSize": 0, "done": true, "records": []},
            "Email": null
        });
        let names: Vec<String> = flatten(&record).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "Id",
                "Account.Name",
                "Account.Owner.Alias",
                "Cases",
                "Email"
            ]
        );
        assert_eq!(
            without_attributes(&record)["Account"],
            json!({"Name": "Acme", "Owner": {"Alias": "jd"}})
        );
    }
}
