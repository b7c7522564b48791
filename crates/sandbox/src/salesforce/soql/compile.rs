//! From syntax tree to [`Plan`]: names resolved against the schema (in any case, answered in
//! canonical case), the select list checked the way Salesforce checks it, aggregates laid out
//! in slots.

use super::SoqlError;
use super::ast::{Aggregate, FieldSet, Func, Item, OrderExpr, Path, Query};
use super::filter::{self, is_plain};
use super::plan::{
    AggregateCall, ChildQuery, Column, FieldPath, Hop, Plan, Shape, SortKey, SortTarget,
};
use crate::salesforce::schema::{FieldDef, FieldType, Schema};

/// The largest OFFSET Salesforce accepts.
pub const MAX_OFFSET: u64 = 2000;
/// The largest LIMIT `FIELDS(ALL)` and `FIELDS(CUSTOM)` accept.
pub const FIELDS_LIMIT: u64 = 200;

/// Resolves field paths starting from one object.
pub struct Resolver<'s> {
    schema: &'s Schema,
    object: usize,
    /// The query's `FROM Object alias`, if any.
    alias: Option<&'s str>,
}

impl<'s> Resolver<'s> {
    /// The definition of the field a path ends at.
    pub fn field_def(&self, path: &FieldPath) -> &'s FieldDef {
        self.schema.def(path.object).def(path.field)
    }

    /// Resolves `Name`, `Account.Name`, `Contact.Account.Name` (or `Account.Name` on Account
    /// itself, which SOQL allows).
    pub fn resolve(&self, path: &Path) -> Result<FieldPath, SoqlError> {
        let own = self.schema.def(self.object);
        let mut parts = path.parts.as_slice();
        let leading = |name: &str| parts.len() > 1 && name.eq_ignore_ascii_case(&parts[0].text);
        if self.alias.is_some_and(leading)
            || (leading(&own.name) && own.relationship(&parts[0].text).is_none())
        {
            parts = &parts[1..];
        }
        let Some((last, parents)) = parts.split_last() else {
            return Err(SoqlError::at(
                "MALFORMED_QUERY",
                path.pos(),
                "unexpected token: <EOF>",
            ));
        };
        let mut current = self.object;
        let mut hops = Vec::with_capacity(parents.len());
        let mut header = String::new();
        for part in parents {
            let def = self.schema.def(current);
            let target = def.relationship(&part.text).and_then(|field| {
                let target = def.def(field).reference_to.as_deref()?;
                Some((field, self.schema.object(target)?))
            });
            let Some((field, target)) = target else {
                return Err(SoqlError::at(
                    "INVALID_FIELD",
                    path.pos(),
                    format!(
                        "Didn't understand relationship '{}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                        part.text
                    ),
                ));
            };
            let name = def
                .def(field)
                .relationship
                .clone()
                .unwrap_or_else(|| part.text.clone());
            header.push_str(&name);
            header.push('.');
            hops.push(Hop { field, name });
            current = target;
        }
        let def = self.schema.def(current);
        let Some(field) = def.field(&last.text) else {
            return Err(no_such_column(&last.text, &def.name, path.pos()));
        };
        let name = def.def(field).name.clone();
        header.push_str(&name);
        Ok(FieldPath {
            hops,
            object: current,
            field,
            name,
            header,
        })
    }
}

fn no_such_column(name: &str, object: &str, pos: usize) -> SoqlError {
    SoqlError::at(
        "INVALID_FIELD",
        pos,
        format!(
            "No such column '{name}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
        ),
    )
}

fn malformed(pos: usize, detail: impl Into<String>) -> SoqlError {
    SoqlError::at("MALFORMED_QUERY", pos, detail)
}

/// Compiles a top-level query; `today` is the day number relative dates count from.
pub fn compile(schema: &Schema, query: &Query, today: i32) -> Result<Plan, SoqlError> {
    let Some(object) = schema.object(&query.from.text) else {
        return Err(SoqlError::at(
            "INVALID_TYPE",
            query.from.pos,
            format!(
                "sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
                query.from.text
            ),
        ));
    };
    compile_on(schema, query, object, today)
}

fn compile_on(
    schema: &Schema,
    query: &Query,
    object: usize,
    today: i32,
) -> Result<Plan, SoqlError> {
    let resolver = Resolver {
        schema,
        object,
        alias: query.alias.as_ref().map(|a| a.text.as_str()),
    };
    let aggregate = !query.group_by.is_empty()
        || query
            .select
            .iter()
            .any(|item| matches!(item, Item::Aggregate { .. }));
    let filter = match &query.filter {
        Some(cond) => Some(filter::compile(&resolver, cond, today)?),
        None => None,
    };
    let limit = query
        .limit
        .map(|(n, _)| usize::try_from(n).unwrap_or(usize::MAX));
    let offset = match query.offset {
        Some((n, _)) if n > MAX_OFFSET => {
            return Err(SoqlError::plain(
                "NUMBER_OUTSIDE_VALID_RANGE",
                format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
            ));
        }
        Some((n, _)) => n as usize,
        None => 0,
    };
    let mut plan = Plan {
        object,
        columns: Vec::new(),
        filter,
        order: Vec::new(),
        limit,
        offset,
        shape: Shape::Records,
    };
    if aggregate {
        aggregate_columns(&resolver, query, &mut plan)?;
    } else {
        record_columns(&resolver, query, &mut plan, today)?;
    }
    Ok(plan)
}

fn record_columns(
    resolver: &Resolver<'_>,
    query: &Query,
    plan: &mut Plan,
    today: i32,
) -> Result<(), SoqlError> {
    let schema = resolver.schema;
    let mut seen: Vec<String> = Vec::new();
    for item in &query.select {
        match item {
            Item::Field { path, alias } => {
                if let Some(alias) = alias {
                    return Err(malformed(
                        alias.pos,
                        format!("unexpected token: '{}'", alias.text),
                    ));
                }
                let field = resolver.resolve(path)?;
                check_duplicate(
                    &mut seen,
                    field.header.to_ascii_lowercase(),
                    path.pos(),
                    &field.header,
                )?;
                plan.columns.push(Column::Field(field));
            }
            Item::Fields(set, pos) => {
                let wide = *set != FieldSet::Standard;
                if wide && query.limit.is_none_or(|(n, _)| n > FIELDS_LIMIT) {
                    return Err(malformed(
                        *pos,
                        format!(
                            "The SOQL FIELDS function must have a LIMIT of at most {FIELDS_LIMIT}"
                        ),
                    ));
                }
                let def = schema.def(plan.object);
                for (index, field) in def.fields.iter().enumerate() {
                    let wanted = match set {
                        FieldSet::All => true,
                        FieldSet::Standard => !field.custom,
                        FieldSet::Custom => field.custom,
                    };
                    let key = field.name.to_ascii_lowercase();
                    if wanted && !seen.contains(&key) {
                        seen.push(key);
                        plan.columns.push(Column::Field(FieldPath {
                            hops: Vec::new(),
                            object: plan.object,
                            field: index,
                            name: field.name.clone(),
                            header: field.name.clone(),
                        }));
                    }
                }
            }
            Item::Subquery(sub) => {
                let parent = schema.def(plan.object);
                let Some(relationship) = parent.child_relationship(&sub.from.text) else {
                    return Err(SoqlError::at(
                        "INVALID_TYPE",
                        sub.from.pos,
                        format!(
                            "Didn't understand relationship '{}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                            sub.from.text
                        ),
                    ));
                };
                if !sub.group_by.is_empty()
                    || sub
                        .select
                        .iter()
                        .any(|i| matches!(i, Item::Aggregate { .. }))
                {
                    return Err(malformed(
                        sub.pos,
                        "Aggregate functions are not supported in a parent-to-child subquery",
                    ));
                }
                check_duplicate(
                    &mut seen,
                    relationship.name.to_ascii_lowercase(),
                    sub.from.pos,
                    &relationship.name,
                )?;
                let child = compile_on(schema, sub, relationship.child, today)?;
                plan.columns.push(Column::Children(Box::new(ChildQuery {
                    name: relationship.name.clone(),
                    field: relationship.field,
                    plan: child,
                })));
            }
            Item::Aggregate { .. } => {}
        }
    }
    for key in &query.order_by {
        let OrderExpr::Field(path) = &key.expr else {
            let OrderExpr::Aggregate(call) = &key.expr else {
                continue;
            };
            return Err(malformed(
                call.pos,
                format!("unexpected token: '{}'", call.func.name()),
            ));
        };
        let field = resolver.resolve(path)?;
        if !is_plain(resolver.field_def(&field)) {
            return Err(SoqlError::at(
                "INVALID_FIELD",
                path.pos(),
                format!("field '{}' can not be sorted in a query call", field.name),
            ));
        }
        plan.order.push(SortKey {
            target: SortTarget::Field(field),
            descending: key.descending,
            nulls_last: key.nulls_last.unwrap_or(key.descending),
        });
    }
    Ok(())
}

fn check_duplicate(
    seen: &mut Vec<String>,
    key: String,
    pos: usize,
    shown: &str,
) -> Result<(), SoqlError> {
    if seen.contains(&key) {
        return Err(SoqlError::at(
            "INVALID_FIELD",
            pos,
            format!("duplicate field selected: {shown}"),
        ));
    }
    seen.push(key);
    Ok(())
}

/// Lays out `AggregateResult` rows: the GROUP BY fields, then the aggregates.
fn aggregate_columns(
    resolver: &Resolver<'_>,
    query: &Query,
    plan: &mut Plan,
) -> Result<(), SoqlError> {
    let mut groups: Vec<FieldPath> = Vec::new();
    for path in &query.group_by {
        let field = resolver.resolve(path)?;
        let def = resolver.field_def(&field);
        if !is_plain(def)
            || matches!(
                def.field_type,
                FieldType::Double | FieldType::Currency | FieldType::Percent
            )
        {
            return Err(SoqlError::at(
                "INVALID_FIELD",
                path.pos(),
                format!("field '{}' can not be grouped in a query call", field.name),
            ));
        }
        groups.push(field);
    }
    let count_only = query
        .select
        .iter()
        .any(|i| matches!(i, Item::Aggregate { call, .. } if call.arg.is_none()));
    if count_only {
        if query.select.len() > 1 {
            return Err(malformed(
                query.pos,
                "COUNT() must be the only element in the SELECT list",
            ));
        }
        plan.shape = Shape::Count { groups };
        return Ok(());
    }
    let mut calls: Vec<AggregateCall> = Vec::new();
    let mut unnamed = 0;
    let mut names: Vec<String> = Vec::new();
    for item in &query.select {
        let (slot, name, pos) = match item {
            Item::Field { path, alias } => {
                let field = resolver.resolve(path)?;
                let Some(slot) = groups.iter().position(|g| g.same(&field)) else {
                    return Err(malformed(
                        path.pos(),
                        format!("Field must be grouped or aggregated: {}", field.name),
                    ));
                };
                let name = alias
                    .as_ref()
                    .map_or(field.name.clone(), |a| a.text.clone());
                (slot, name, path.pos())
            }
            Item::Aggregate { call, alias } => {
                let resolved = aggregate_call(resolver, call)?;
                calls.push(resolved);
                let name = match alias {
                    Some(alias) => alias.text.clone(),
                    None => {
                        unnamed += 1;
                        format!("expr{}", unnamed - 1)
                    }
                };
                (groups.len() + calls.len() - 1, name, call.pos)
            }
            Item::Fields(_, pos) => {
                return Err(malformed(
                    *pos,
                    "FIELDS() can not be used in an aggregate query",
                ));
            }
            Item::Subquery(sub) => return Err(malformed(sub.pos, "unexpected token: 'SELECT'")),
        };
        if names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            return Err(malformed(pos, format!("duplicate alias: {name}")));
        }
        names.push(name.clone());
        plan.columns.push(Column::Slot { slot, name });
    }
    for key in &query.order_by {
        let slot = match &key.expr {
            OrderExpr::Field(path) => {
                let field = resolver.resolve(path)?;
                match groups.iter().position(|g| g.same(&field)) {
                    Some(slot) => slot,
                    None => {
                        return Err(malformed(
                            path.pos(),
                            format!(
                                "Ordered field must be grouped or aggregated: {}",
                                field.name
                            ),
                        ));
                    }
                }
            }
            OrderExpr::Aggregate(call) => {
                let resolved = aggregate_call(resolver, call)?;
                match calls.iter().position(|c| same_call(c, &resolved)) {
                    Some(index) => groups.len() + index,
                    None => {
                        calls.push(resolved);
                        groups.len() + calls.len() - 1
                    }
                }
            }
        };
        plan.order.push(SortKey {
            target: SortTarget::Slot(slot),
            descending: key.descending,
            nulls_last: key.nulls_last.unwrap_or(key.descending),
        });
    }
    plan.shape = Shape::Aggregate { groups, calls };
    Ok(())
}

fn same_call(a: &AggregateCall, b: &AggregateCall) -> bool {
    a.func == b.func
        && match (&a.arg, &b.arg) {
            (Some(x), Some(y)) => x.same(y),
            (None, None) => true,
            _ => false,
        }
}

fn aggregate_call(resolver: &Resolver<'_>, call: &Aggregate) -> Result<AggregateCall, SoqlError> {
    let Some(path) = &call.arg else {
        return Err(malformed(
            call.pos,
            "COUNT() must be the only element in the SELECT list",
        ));
    };
    let field = resolver.resolve(path)?;
    let def = resolver.field_def(&field);
    let supported = match call.func {
        Func::Count | Func::CountDistinct => is_plain(def),
        Func::Sum | Func::Avg => def.field_type.is_number(),
        Func::Min | Func::Max => is_plain(def) && def.field_type != FieldType::Boolean,
    };
    if !supported {
        return Err(SoqlError::at(
            "INVALID_FIELD",
            path.pos(),
            format!(
                "field {} does not support aggregate operator {}",
                field.name,
                call.func.name()
            ),
        ));
    }
    Ok(AggregateCall {
        func: call.func,
        arg: Some(field),
    })
}
