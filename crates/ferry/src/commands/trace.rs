//! `ferry trace <id>`: the record trace of `GET /api/trace` and the dashboard's trace page,
//! read from the store directly (no server needed), as text or `--json`.

use crate::cli::TraceArgs;
use crate::context::Context;
use anyhow::{Result, bail};
use ferry_core::System;
use ferry_server::trace::{checked_query, record_trace};
use serde_json::Value;
use std::process::ExitCode;

/// The source objects of the enabled flows (where a record id is looked for). Flow files that
/// do not load leave them out with a warning: a trace is how one finds out what went wrong, so
/// it still searches the links, dead letters and audit log.
fn source_objects(context: &Context) -> Vec<(System, String)> {
    match ferry_engine::flows::defaults::load(&context.config, &context.config.base_dir) {
        Ok(specs) => {
            let mut objects: Vec<(System, String)> = Vec::new();
            for spec in specs.iter().filter(|s| s.enabled) {
                let object = (spec.source.system, spec.source.object.clone());
                if !objects.contains(&object) {
                    objects.push(object);
                }
            }
            objects
        }
        Err(errors) => {
            eprintln!(
                "warning: the flow definitions do not load ({} error(s); `ferry flows check` \
                 lists them), so notices and queued work are not searched: only links, dead \
                 letters and the audit log",
                errors.len()
            );
            Vec::new()
        }
    }
}

pub async fn run(context: &Context, args: &TraceArgs) -> Result<ExitCode> {
    let q = match checked_query(Some(&args.query)) {
        Ok(q) => q,
        Err(e) => bail!("{}: {}", e.code, e.message.replace("?q=", "ferry trace ")),
    };
    let tenant = context.tenant(args.tenant.as_deref())?;
    let store = context.store().await?;
    let objects = source_objects(context);
    let doc = record_trace(
        store.as_ref(),
        &tenant,
        &objects,
        q,
        args.limit.clamp(1, 1000),
    )
    .await?;
    let found = ["records", "links", "dead_letters", "audit"]
        .iter()
        .any(|key| doc[*key].as_array().is_some_and(|l| !l.is_empty()));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else if !found {
        println!(
            "Ferry knows no record with id {q:?} in tenant {tenant}: no notice, queued work, dead \
             letter, cross-reference link or audit entry names it. Check the id (a Brightpearl \
             id such as 207, or a Salesforce id of 15 or 18 characters)."
        );
    } else {
        print!("{}", text(&doc));
    }
    // Exit 2 when nothing is known, so a script can tell "no trace" from a trace.
    Ok(if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("—")
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn list<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc[key].as_array().map(Vec::as_slice).unwrap_or_default()
}

/// The trace as text: the records, links, waiting work and dead letters, then the timeline
/// oldest first.
fn text(doc: &Value) -> String {
    let mut out = format!("trace of {}\n", s(doc, "q"));
    if !list(doc, "records").is_empty() {
        out.push_str("\nrecords:\n");
        for r in list(doc, "records") {
            out.push_str(&format!(
                "  {} {} {}: {} notice(s), {} queued\n",
                s(r, "system"),
                s(r, "object"),
                s(r, "record_id"),
                r["notices"],
                r["queued"]
            ));
        }
    }
    if !list(doc, "links").is_empty() {
        out.push_str("\ncross-references:\n");
        for l in list(doc, "links") {
            out.push_str(&format!(
                "  {}: Brightpearl {} <-> Salesforce {} (updated {})\n",
                s(l, "entity"),
                s(l, "brightpearl_id"),
                s(l, "salesforce_id"),
                s(l, "updated_at")
            ));
            for (side, hash, base) in [
                ("to Salesforce", "hash_to_salesforce", "base_to_salesforce"),
                (
                    "to Brightpearl",
                    "hash_to_brightpearl",
                    "base_to_brightpearl",
                ),
            ] {
                if !l[hash].is_null() {
                    out.push_str(&format!(
                        "    last written {side}: hash {}, written {}\n",
                        shown(&l[hash]),
                        l[base]
                    ));
                }
            }
        }
    }
    if !list(doc, "queue").is_empty() {
        out.push_str("\nwaiting work:\n");
        for i in list(doc, "queue") {
            out.push_str(&format!(
                "  item #{} {} {} {}/{}: {}, {} attempt(s), due {}\n",
                i["id"],
                s(i, "flow"),
                s(i, "source"),
                s(i, "object"),
                s(i, "record_id"),
                shown(&i["state"]),
                i["attempts"],
                s(i, "due_at")
            ));
        }
    }
    if !list(doc, "dead_letters").is_empty() {
        out.push_str("\ndead letters:\n");
        for d in list(doc, "dead_letters") {
            out.push_str(&format!(
                "  #{} {} {}/{}: {} — {} (`ferry dlq show {}`)\n",
                d["id"],
                s(d, "flow"),
                s(d, "object"),
                s(d, "record_id"),
                s(d, "error_code"),
                s(d, "error_message"),
                d["id"]
            ));
        }
    }
    out.push_str("\ntimeline (oldest first):\n");
    for e in list(doc, "timeline") {
        out.push_str(&event_line(e));
    }
    out
}

fn event_line(e: &Value) -> String {
    match s(e, "kind") {
        "notice" => {
            let mut line = format!(
                "  {}  notice       {} {} {} {} (journal #{})\n",
                s(e, "observed_at"),
                s(e, "source"),
                s(e, "object"),
                s(e, "record_id"),
                s(e, "operation"),
                e["journal_id"]
            );
            match e["changes"].as_array() {
                None => line.push_str(&format!("      payload {}\n", e["payload"])),
                Some(changes) => {
                    for c in changes {
                        line.push_str(&format!(
                            "      {}: {} -> {}\n",
                            s(c, "field"),
                            shown(&c["old"]),
                            shown(&c["new"])
                        ));
                    }
                }
            }
            line
        }
        "attempt" => format!(
            "  {}  attempt      {} #{} failed: {} — {}\n",
            s(e, "at"),
            s(e, "flow"),
            e["number"],
            s(e, "code"),
            s(e, "message")
        ),
        "dead_letter" => format!(
            "  {}  dead letter  #{} {}: {} — {}\n",
            s(e, "at"),
            e["id"],
            s(e, "flow"),
            s(e, "error_code"),
            s(e, "error_message")
        ),
        "sync" => {
            let detail = &e["detail"];
            let mut line = format!(
                "  {}  sync         {} {}",
                s(e, "at"),
                s(e, "flow"),
                s(e, "outcome")
            );
            if let Some(code) = detail["code"].as_str() {
                line.push_str(&format!(": {code} — {}", s(detail, "message")));
            }
            if let Some(reason) = detail["reason"].as_str() {
                line.push_str(&format!(": {reason}"));
            }
            line.push('\n');
            for write in detail["writes"].as_array().into_iter().flatten() {
                line.push_str(&format!(
                    "      {} {} {}\n",
                    s(write, "action"),
                    s(write, "object"),
                    s(write, "id")
                ));
                for (field, value) in write["fields"].as_object().into_iter().flatten() {
                    line.push_str(&format!("        {field} = {}\n", shown(value)));
                }
            }
            line
        }
        "link" => format!(
            "  {}  written      {} Brightpearl {} <-> Salesforce {}\n",
            s(e, "at"),
            s(e, "entity"),
            s(e, "brightpearl_id"),
            s(e, "salesforce_id")
        ),
        "audit" => format!(
            "  {}  audit        #{} {} by {} on {} {}\n",
            s(e, "at"),
            e["id"],
            s(e, "action"),
            s(e, "actor"),
            s(e, "subject"),
            e["detail"]
        ),
        other => format!("  {other}: {e}\n"),
    }
}
