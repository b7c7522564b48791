//! The live half of `ferry flows check`: each flow against the Salesforce describe of the
//! objects it reads and writes, and the Brightpearl custom fields it names.

use super::Finding;
use ferry_core::System;
use ferry_mapping::{Env, FlowSpec, TargetSpec};
use ferry_salesforce::describe::{FieldDescribe, FieldType, SObjectDescribe};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The Salesforce objects a flow reads or writes.
pub(super) fn salesforce_objects(spec: &FlowSpec) -> Vec<String> {
    let mut objects = Vec::new();
    if spec.source.system == System::Salesforce {
        objects.push(spec.source.object.clone());
    }
    for target in &spec.targets {
        if target.system_for(spec.source.system) == System::Salesforce {
            objects.push(target.object.clone());
        }
    }
    objects
}

/// Values an expression can only ever produce, when it is a literal or draws from lookup
/// tables (`lookup('t', ...)`, `tables.t[...]`, with `lookup`'s literal default): these are
/// checked against the field's type, picklist and length. `None` for computed values.
fn static_values(spec: &FlowSpec, text: &str) -> Option<Vec<Value>> {
    let trimmed = text.trim();
    if let Some(literal) = literal(trimmed) {
        return Some(vec![literal]);
    }
    let mut values = Vec::new();
    let mut any = false;
    for (name, table) in &spec.tables {
        let named = text.contains(&format!("lookup('{name}'"))
            || text.contains(&format!("lookup(\"{name}\""))
            || text.contains(&format!("tables.{name}["));
        if named {
            any = true;
            values.extend(table.values().map(|v| Value::String(v.clone())));
        }
    }
    if !any {
        return None;
    }
    // lookup's default: the third argument when it is a literal.
    let mut rest = text;
    while let Some(at) = rest.find("lookup(") {
        rest = &rest[at + "lookup(".len()..];
        if let Some(end) = rest.find(')') {
            let args: Vec<&str> = rest[..end].split(',').map(str::trim).collect();
            if let Some(default) = args.get(2).and_then(|a| literal(a)) {
                values.push(default);
            }
        }
    }
    Some(values)
}

/// A literal expression's value: a quoted string, a number, `true`/`false`.
fn literal(text: &str) -> Option<Value> {
    let quoted = |q: char| {
        text.strip_prefix(q)
            .and_then(|t| t.strip_suffix(q))
            .filter(|inner| !inner.contains(q))
    };
    if let Some(inner) = quoted('\'').or_else(|| quoted('"')) {
        return Some(Value::String(inner.to_owned()));
    }
    match text {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        _ => text.parse::<i64>().ok().map(Value::from),
    }
}

fn is_text(field_type: &FieldType) -> bool {
    matches!(
        field_type,
        FieldType::String
            | FieldType::TextArea
            | FieldType::Picklist
            | FieldType::MultiPicklist
            | FieldType::Phone
            | FieldType::Email
            | FieldType::Url
    )
}

fn is_number(field_type: &FieldType) -> bool {
    matches!(
        field_type,
        FieldType::Int
            | FieldType::Long
            | FieldType::Double
            | FieldType::Currency
            | FieldType::Percent
    )
}

/// A field name close to `name` among `describe`'s fields, for "did you mean".
fn closest<'a>(name: &str, describe: &'a SObjectDescribe) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut previous = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let current = row[j + 1];
                row[j + 1] = (previous + usize::from(ca != *cb))
                    .min(row[j] + 1)
                    .min(row[j + 1] + 1);
                previous = current;
            }
        }
        row[b.len()]
    }
    let lower = name.to_ascii_lowercase();
    describe
        .fields
        .iter()
        .map(|f| {
            (
                distance(&lower, &f.name.to_ascii_lowercase()),
                f.name.as_str(),
            )
        })
        .filter(|(d, _)| *d <= 3.max(name.len() / 4))
        .min()
        .map(|(_, n)| n)
}

pub(super) fn check_salesforce(
    spec: &FlowSpec,
    describes: &BTreeMap<String, Option<SObjectDescribe>>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let finding = |error: bool, place: String, problem: String, fix: String| Finding {
        error,
        flow: spec.name.clone(),
        place,
        problem,
        fix,
    };
    let missing_object = |place: &str, object: &str| {
        finding(
            true,
            place.to_owned(),
            format!("Salesforce has no object {object}"),
            "check the API name (`ferry sf describe OBJECT`), or give the integration user access to it"
                .to_owned(),
        )
    };
    let env = Env::new();
    if spec.source.system == System::Salesforce {
        match describes.get(&spec.source.object).and_then(Option::as_ref) {
            None => findings.push(missing_object("source", &spec.source.object)),
            Some(describe) => {
                let mut paths: BTreeSet<String> = spec.source.fields.iter().cloned().collect();
                let mut texts: Vec<&str> = spec.source.when.iter().map(String::as_str).collect();
                for target in &spec.targets {
                    texts.extend(target.fields.values().map(String::as_str));
                    texts.extend(target.when.iter().map(String::as_str));
                    texts.extend(target.each.iter().map(String::as_str));
                }
                for text in texts {
                    if let Ok(expr) = env.compile(text) {
                        for path in expr.paths() {
                            if let Some(field) = path.strip_prefix("source.") {
                                paths.insert(field.to_owned());
                            }
                        }
                    }
                }
                for path in paths {
                    if let Some(problem) = source_path_problem(describe, &path, describes) {
                        findings.push(finding(
                            true,
                            format!("source.{path}"),
                            problem,
                            "fix the field name in the expression, or create the field in Salesforce"
                                .to_owned(),
                        ));
                    }
                }
                for field in spec.write_back.keys() {
                    match describe.field(field) {
                        None => findings.push(finding(
                            true,
                            format!("write_back.{field}"),
                            format!("{} has no field {field}", describe.name),
                            "fix the name in [write_back] or create the field in Salesforce"
                                .to_owned(),
                        )),
                        Some(f) if !f.updateable => findings.push(finding(
                            true,
                            format!("write_back.{field}"),
                            format!("{}.{field} cannot be updated", describe.name),
                            "write back into an updateable field, or grant the integration user edit access"
                                .to_owned(),
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
    }
    for target in &spec.targets {
        if target.system_for(spec.source.system) != System::Salesforce {
            continue;
        }
        let Some(describe) = describes.get(&target.object).and_then(Option::as_ref) else {
            findings.push(missing_object(&target.name, &target.object));
            continue;
        };
        findings.extend(check_target(spec, target, describe));
    }
    findings
}

/// Whether `path` (`Email`, `Account.Name`) names a field of `describe`, following
/// relationships to their parent objects when their describe is at hand.
fn source_path_problem(
    describe: &SObjectDescribe,
    path: &str,
    describes: &BTreeMap<String, Option<SObjectDescribe>>,
) -> Option<String> {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    match rest {
        None if describe.field(head).is_some() => None,
        None => Some(format!(
            "{} has no field {head}{}",
            describe.name,
            closest(head, describe)
                .map(|c| format!(" (did you mean {c}?)"))
                .unwrap_or_default()
        )),
        Some(rest) => {
            let relation = describe
                .fields
                .iter()
                .find(|f| f.relationship_name.as_deref() == Some(head));
            match relation {
                None => Some(format!("{} has no relationship {head}", describe.name)),
                Some(field) => {
                    let parent = field.reference_to.first()?;
                    let parent = describes.get(parent).and_then(Option::as_ref)?;
                    source_path_problem(parent, rest, describes).map(|p| format!("{head}: {p}"))
                }
            }
        }
    }
}

fn check_target(spec: &FlowSpec, target: &TargetSpec, describe: &SObjectDescribe) -> Vec<Finding> {
    let mut findings = Vec::new();
    let object = &describe.name;
    let mut push = |error: bool, field: &str, problem: String, fix: String| {
        findings.push(Finding {
            error,
            flow: spec.name.clone(),
            place: format!("{}.{field}", target.name),
            problem,
            fix,
        })
    };
    let creates = matches!(
        target.mode,
        ferry_mapping::WriteMode::Upsert | ferry_mapping::WriteMode::Create
    );
    for (name, expr) in &target.fields {
        let Some(field) = describe.field(name) else {
            push(
                true,
                name,
                format!(
                    "{object} has no field {name}{}",
                    closest(name, describe)
                        .map(|c| format!(" (did you mean {c}?)"))
                        .unwrap_or_default()
                ),
                format!(
                    "fix the field name, or create {name} on {object} in Salesforce and give the integration user access to it"
                ),
            );
            continue;
        };
        let is_key = target.key.contains(name);
        // A target keyed by `Id` names the record it updates; the id is not written.
        if name == "Id" && target.key.iter().any(|k| k == "Id") {
            continue;
        }
        if target.create_only.contains(name) && !field.updateable && field.createable {
            // Sent only on create, as the flow says.
            continue;
        }
        if field.is_read_only() {
            push(
                true,
                name,
                format!("{object}.{name} cannot be written (read-only or calculated)"),
                "remove it from the target's fields".to_owned(),
            );
        } else if !field.updateable && !is_key {
            push(
                false,
                name,
                format!("{object}.{name} can be set only when the record is created"),
                "later changes are not written; map it only if that is what you want".to_owned(),
            );
        } else if creates && !field.createable {
            push(
                false,
                name,
                format!("{object}.{name} cannot be set on create"),
                "new records get it only on their next update".to_owned(),
            );
        }
        if let Some(values) = static_values(spec, expr) {
            check_values(&mut push, object, name, field, &values);
        }
    }
    if let [key] = target.key.as_slice()
        && let Some(field) = describe.field(key)
        && !field.external_id
        && !field.id_lookup
    {
        push(
            true,
            key,
            format!("the key {object}.{key} is not an External ID field"),
            format!(
                "mark {key} as External ID (and Unique) in Salesforce, or key the target on a field that is"
            ),
        );
    }
    if creates {
        for required in describe.required_fields() {
            if !target.fields.contains_key(&required.name) && required.name != "OwnerId" {
                push(
                    true,
                    &required.name,
                    format!(
                        "{object} requires {} on create, and the target does not map it",
                        required.name
                    ),
                    format!("map {} in the target's fields", required.name),
                );
            }
        }
    }
    findings
}

fn check_values(
    push: &mut impl FnMut(bool, &str, String, String),
    object: &str,
    name: &str,
    field: &FieldDescribe,
    values: &[Value],
) {
    let ty = &field.field_type;
    for value in values {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if *ty == FieldType::Boolean
            && !matches!(value, Value::Bool(_))
            && !matches!(text.as_str(), "true" | "false")
        {
            push(
                true,
                name,
                format!("{text:?} is not true or false, and {object}.{name} is a checkbox"),
                "map it to true or false".to_owned(),
            );
            continue;
        }
        if is_number(ty) && text.parse::<f64>().is_err() {
            push(
                true,
                name,
                format!(
                    "{text:?} is not a number, and {object}.{name} is a {} field",
                    ty_name(ty)
                ),
                "map it to a number (or a field that holds one)".to_owned(),
            );
            continue;
        }
        if matches!(ty, FieldType::Picklist | FieldType::MultiPicklist)
            && !field.picklist_values.is_empty()
        {
            let allowed: Vec<&str> = field.active_values().collect();
            let parts: Vec<&str> = if *ty == FieldType::MultiPicklist {
                text.split(';').collect()
            } else {
                vec![text.as_str()]
            };
            for part in parts {
                if !allowed.contains(&part) {
                    let restricted = field.restricted_picklist;
                    push(
                        restricted,
                        name,
                        format!(
                            "{part:?} is not a value of the {}picklist {object}.{name} ({})",
                            if restricted { "restricted " } else { "" },
                            allowed.join(", ")
                        ),
                        if restricted {
                            "use one of its values, or add the value to the picklist in Salesforce"
                                .to_owned()
                        } else {
                            "Salesforce accepts it but reports and filters will not list it; use one of its values or add it to the picklist".to_owned()
                        },
                    );
                }
            }
        }
        if is_text(ty) && field.length > 0 && text.chars().count() > field.length as usize {
            push(
                true,
                name,
                format!(
                    "{text:?} is {} characters, and {object}.{name} holds at most {}",
                    text.chars().count(),
                    field.length
                ),
                "shorten the value".to_owned(),
            );
        }
    }
}

fn ty_name(ty: &FieldType) -> String {
    serde_json::to_value(ty)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{ty:?}"))
}

/// The Brightpearl custom fields a flow reads (`source.customFields.PCF_X`) or writes
/// (`PCF_X`, `customFields.PCF_X`), with the object whose fields they are and the place.
pub(super) fn custom_fields(spec: &FlowSpec) -> Vec<(String, String, String)> {
    let env = Env::new();
    let mut found = Vec::new();
    if spec.source.system == System::Brightpearl {
        let mut texts: Vec<&str> = spec.source.when.iter().map(String::as_str).collect();
        for target in &spec.targets {
            texts.extend(target.fields.values().map(String::as_str));
            texts.extend(target.when.iter().map(String::as_str));
            texts.extend(target.each.iter().map(String::as_str));
        }
        for text in texts {
            if let Ok(expr) = env.compile(text) {
                for path in expr.paths() {
                    if let Some(code) = path.split('.').find(|p| p.starts_with("PCF_")) {
                        found.push((spec.source.object.clone(), code.to_owned(), path.clone()));
                    }
                }
            }
        }
    }
    for target in &spec.targets {
        if target.system_for(spec.source.system) != System::Brightpearl {
            continue;
        }
        for name in target.fields.keys() {
            let code = name.strip_prefix("customFields.").unwrap_or(name);
            if code.starts_with("PCF_") {
                found.push((
                    target.object.clone(),
                    code.to_owned(),
                    format!("{}.{name}", target.name),
                ));
            }
        }
    }
    found
}

pub(super) fn check_brightpearl(
    spec: &FlowSpec,
    known: &BTreeMap<&str, BTreeSet<String>>,
) -> Vec<Finding> {
    custom_fields(spec)
        .into_iter()
        .filter_map(|(object, code, place)| {
            let object_key = if object == "product-availability" { "product" } else { object.as_str() };
            let codes = known.get(object_key)?;
            (!codes.contains(&code)).then(|| Finding {
                error: true,
                flow: spec.name.clone(),
                place,
                problem: format!(
                    "Brightpearl has no {object_key} custom field {code} (it has {})",
                    codes.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
                fix: "fix the code, or create the custom field in Brightpearl (Settings → Custom fields)"
                    .to_owned(),
            })
        })
        .collect()
}
