//! The flows Ferry ships, and the set of flows a deployment runs.
//!
//! Five default flow files live in `crates/engine/flows/` and are compiled into the binary
//! ([`DEFAULTS`]). `ferry.toml`'s `[flows]` section changes the set ([`load`]):
//! - `dir`: a folder of the user's own `*.toml` flow files. A file whose `name` is a default
//!   flow's replaces that default entirely; any other name adds a flow.
//! - `enabled` / `disabled`: names whose own `enabled` is overridden. A name that is not a
//!   flow is an error listing the flows there are.
//!
//! [`compile_check`] is the static half of `ferry flows check`: everything that can be known
//! from the flow file alone (names, expressions, references between targets, keys, rules,
//! ownership). The live half (fields against the Salesforce describe and Brightpearl's
//! custom-field metadata) needs the network and lives in the binary.

use ferry_core::FlowName;
use ferry_mapping::spec::Rule;
use ferry_mapping::{Env, FlowSpec, SpecError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The default flows: (name, the flow file's text).
pub const DEFAULTS: &[(&str, &str)] = &[
    (
        "customers_to_salesforce",
        include_str!("../../flows/customers_to_salesforce.toml"),
    ),
    (
        "customers_to_brightpearl",
        include_str!("../../flows/customers_to_brightpearl.toml"),
    ),
    (
        "products_to_salesforce",
        include_str!("../../flows/products_to_salesforce.toml"),
    ),
    (
        "products_to_brightpearl",
        include_str!("../../flows/products_to_brightpearl.toml"),
    ),
    (
        "inventory_to_salesforce",
        include_str!("../../flows/inventory_to_salesforce.toml"),
    ),
    (
        "orders_to_salesforce",
        include_str!("../../flows/orders_to_salesforce.toml"),
    ),
    (
        "shipments_to_salesforce",
        include_str!("../../flows/shipments_to_salesforce.toml"),
    ),
    (
        "opportunities_to_brightpearl",
        include_str!("../../flows/opportunities_to_brightpearl.toml"),
    ),
    (
        "credits_to_salesforce",
        include_str!("../../flows/credits_to_salesforce.toml"),
    ),
    (
        "returns_to_brightpearl",
        include_str!("../../flows/returns_to_brightpearl.toml"),
    ),
    (
        "payments_to_brightpearl",
        include_str!("../../flows/payments_to_brightpearl.toml"),
    ),
    (
        "payments_to_salesforce",
        include_str!("../../flows/payments_to_salesforce.toml"),
    ),
    (
        "activated_orders_to_brightpearl",
        include_str!("../../flows/activated_orders_to_brightpearl.toml"),
    ),
];

/// Where a flow came from, for `ferry flows list` and for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// One of [`DEFAULTS`], unchanged.
    Default,
    /// A file of the `[flows] dir` folder (replacing a default when `replaces` is true).
    File {
        /// The file.
        path: PathBuf,
        /// Whether it replaces the default flow of the same name.
        replaces: bool,
    },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, replaces } => {
                write!(f, "{}", path.display())?;
                if *replaces {
                    f.write_str(" (replaces the default)")?;
                }
                Ok(())
            }
        }
    }
}

/// A flow with where it came from and the text it was read from (for error lines).
#[derive(Debug, Clone)]
pub struct LoadedFlow {
    /// The flow, with its final `enabled`.
    pub spec: FlowSpec,
    /// Where it came from.
    pub origin: Origin,
    /// The flow file's text.
    pub text: String,
}

impl LoadedFlow {
    /// How errors name the flow's file (`flows/customers.toml`, `default flow NAME`).
    pub fn origin_label(&self) -> String {
        match &self.origin {
            Origin::Default => format!("default flow {}", self.spec.name),
            Origin::File { path, .. } => path.display().to_string(),
        }
    }
}

/// Every flow of this deployment (defaults plus `[flows] dir` files, `enabled`/`disabled`
/// applied), each with its final `enabled`. Every problem is reported at once, each naming
/// the file and, where it can be found, the line.
pub fn load(
    config: &ferry_config::Config,
    config_dir: &Path,
) -> Result<Vec<FlowSpec>, Vec<SpecError>> {
    load_detailed(config, config_dir).map(|flows| flows.into_iter().map(|f| f.spec).collect())
}

/// [`load`], keeping each flow's origin and text (for `ferry flows list|check`).
pub fn load_detailed(
    config: &ferry_config::Config,
    config_dir: &Path,
) -> Result<Vec<LoadedFlow>, Vec<SpecError>> {
    let mut errors = Vec::new();
    let mut flows: Vec<LoadedFlow> = Vec::new();
    for (name, text) in DEFAULTS {
        match FlowSpec::parse(text, &format!("default flow {name}")) {
            Ok(spec) => flows.push(LoadedFlow {
                spec,
                origin: Origin::Default,
                text: (*text).to_owned(),
            }),
            Err(e) => errors.push(e),
        }
    }
    if let Some(dir) = &config.flows.dir {
        let dir_path = if Path::new(dir).is_absolute() {
            PathBuf::from(dir)
        } else {
            config_dir.join(dir)
        };
        match read_dir(&dir_path) {
            Ok(files) => {
                let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
                for (path, text) in files {
                    let origin = path.display().to_string();
                    let spec = match FlowSpec::parse(&text, &origin) {
                        Ok(spec) => spec,
                        Err(e) => {
                            errors.push(e);
                            continue;
                        }
                    };
                    if let Some(first) = seen.get(&spec.name) {
                        errors.push(SpecError {
                            origin: at_line(&origin, &text, None, "name"),
                            message: format!(
                                "flow {:?} is also declared in {}: flow names must be unique; \
                                 rename one of them",
                                spec.name,
                                first.display()
                            ),
                        });
                        continue;
                    }
                    seen.insert(spec.name.clone(), path.clone());
                    match flows.iter_mut().find(|f| f.spec.name == spec.name) {
                        Some(default) => {
                            *default = LoadedFlow {
                                spec,
                                origin: Origin::File {
                                    path,
                                    replaces: true,
                                },
                                text,
                            }
                        }
                        None => flows.push(LoadedFlow {
                            spec,
                            origin: Origin::File {
                                path,
                                replaces: false,
                            },
                            text,
                        }),
                    }
                }
            }
            Err(message) => errors.push(SpecError {
                origin: "ferry.toml [flows] dir".to_owned(),
                message,
            }),
        }
    }
    let known: Vec<String> = flows.iter().map(|f| f.spec.name.clone()).collect();
    for (key, names, value) in [
        ("enabled", &config.flows.enabled, true),
        ("disabled", &config.flows.disabled, false),
    ] {
        for name in names {
            match flows.iter_mut().find(|f| &f.spec.name == name) {
                Some(flow) => flow.spec.enabled = value,
                None => errors.push(SpecError {
                    origin: format!("ferry.toml [flows] {key}"),
                    message: format!(
                        "{name:?} is not a flow; the flows are {}. Fix the name or remove it \
                         (`ferry flows list` shows them)",
                        known.join(", ")
                    ),
                }),
            }
        }
    }
    for flow in &flows {
        // Disabled flows are checked too: turning one on must not reveal old mistakes.
        for problem in check(&flow.spec) {
            let origin = at_line(
                &flow.origin_label(),
                &flow.text,
                problem.target.as_deref(),
                problem.key.as_deref().unwrap_or("name"),
            );
            errors.push(SpecError {
                origin,
                message: problem.message,
            });
        }
    }
    errors.extend(check_set(
        &flows.iter().map(|f| f.spec.clone()).collect::<Vec<_>>(),
    ));
    if errors.is_empty() {
        Ok(flows)
    } else {
        Err(errors)
    }
}

/// The `*.toml` files of `dir`, in name order, with their text.
fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "the flow folder {} does not exist: create it, or fix or remove [flows] dir",
                dir.display()
            )
        } else {
            format!("cannot read the flow folder {}: {e}", dir.display())
        }
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| format!("cannot read the flow folder {}: {e}", dir.display()))?;
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            std::fs::read_to_string(&path)
                .map(|text| (path.clone(), text))
                .map_err(|e| format!("cannot read flow file {}: {e}", path.display()))
        })
        .collect()
}

/// Checks across flows: every `depends_on` names a flow, an enabled flow's dependencies are
/// enabled, and dependencies do not form a cycle.
pub fn check_set(specs: &[FlowSpec]) -> Vec<SpecError> {
    let mut errors = Vec::new();
    let by_name: BTreeMap<&str, &FlowSpec> = specs.iter().map(|s| (s.name.as_str(), s)).collect();
    for spec in specs {
        for dependency in &spec.depends_on {
            match by_name.get(dependency.as_str()) {
                None => errors.push(SpecError {
                    origin: format!("flow {}", spec.name),
                    message: format!(
                        "depends_on names {dependency:?}, which is not a flow; the flows are {}",
                        by_name.keys().copied().collect::<Vec<_>>().join(", ")
                    ),
                }),
                Some(other) if spec.enabled && !other.enabled => errors.push(SpecError {
                    origin: format!("flow {}", spec.name),
                    message: format!(
                        "depends on {dependency}, which is disabled: its records would wait \
                         forever. Enable {dependency} or disable {} too (ferry.toml [flows])",
                        spec.name
                    ),
                }),
                Some(_) => {}
            }
        }
    }
    // A cycle: follow depends_on from each flow; meeting it again is a loop.
    for spec in specs {
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(spec.name.as_str(), vec![])];
        let mut visited = BTreeSet::new();
        while let Some((name, path)) = stack.pop() {
            let Some(flow) = by_name.get(name) else {
                continue;
            };
            for dependency in &flow.depends_on {
                let mut next = path.clone();
                next.push(name);
                if dependency == &spec.name {
                    next.push(dependency);
                    errors.push(SpecError {
                        origin: format!("flow {}", spec.name),
                        message: format!(
                            "depends_on forms a cycle ({}): remove one of the dependencies",
                            next.join(" → ")
                        ),
                    });
                    stack.clear();
                    break;
                }
                if visited.insert(dependency.as_str()) {
                    stack.push((dependency.as_str(), next));
                }
            }
        }
    }
    errors
}

/// One problem found by the static checks, with where in the flow file it is.
struct Problem {
    /// The target it concerns (`[[targets]]` with this `name`), if any.
    target: Option<String>,
    /// The key whose line the error points at.
    key: Option<String>,
    /// What is wrong and what to do.
    message: String,
}

/// The static checks of one flow: valid name, unique target names, every expression compiles,
/// `targets.X` reads only earlier targets, `item` only under `each`, `vars.X` and lookup tables
/// exist, key, match and rule fields are mapped, ownership names real target fields, and
/// `depends_on` is not the flow itself. Each error's origin is `flow NAME`.
pub fn compile_check(spec: &FlowSpec) -> Vec<SpecError> {
    check(spec)
        .into_iter()
        .map(|p| SpecError {
            origin: format!("flow {}", spec.name),
            message: p.message,
        })
        .collect()
}

fn check(spec: &FlowSpec) -> Vec<Problem> {
    let mut problems = Vec::new();
    let flow_problem = |key: &str, message: String| Problem {
        target: None,
        key: Some(key.to_owned()),
        message,
    };
    if let Err(e) = FlowName::new(spec.name.as_str()) {
        problems.push(flow_problem(
            "name",
            format!(
                "name {:?} is not a valid flow name ({e}): use lowercase letters, digits, '_' \
                 and '-'",
                spec.name
            ),
        ));
    }
    if spec.entity.trim().is_empty() {
        problems.push(flow_problem(
            "entity",
            "entity is empty: name what the records are (customer, product, ...)".to_owned(),
        ));
    }
    if spec.targets.is_empty() {
        problems.push(flow_problem(
            "name",
            "the flow has no [[targets]]: add at least one".to_owned(),
        ));
    }
    if spec.depends_on.contains(&spec.name) {
        problems.push(flow_problem(
            "depends_on",
            "depends_on names the flow itself: remove it".to_owned(),
        ));
    }
    let env = Env::new();
    let ctx = Ctx { spec };
    if let Some(when) = &spec.source.when {
        ctx.expression(
            &env,
            &mut problems,
            None,
            "when",
            "source.when",
            when,
            0,
            false,
        );
    }
    let mut names: Vec<&str> = Vec::new();
    for (index, target) in spec.targets.iter().enumerate() {
        let name = target.name.as_str();
        let problem = |key: &str, message: String| Problem {
            target: Some(name.to_owned()),
            key: Some(key.to_owned()),
            message: format!("target {name}: {message}"),
        };
        if !is_identifier(name) {
            problems.push(problem(
                "name",
                "the name must be a lowercase identifier (letters, digits, '_'; `targets.NAME` \
                 reads it)"
                    .to_owned(),
            ));
        }
        if names.contains(&name) {
            problems.push(problem(
                "name",
                "another target has this name: target names must be unique in a flow".to_owned(),
            ));
        }
        names.push(name);
        let has_each = target.each.is_some();
        if let Some(when) = &target.when {
            ctx.expression(
                &env,
                &mut problems,
                Some(name),
                "when",
                "when",
                when,
                index,
                has_each,
            );
        }
        if let Some(each) = &target.each {
            ctx.expression(
                &env,
                &mut problems,
                Some(name),
                "each",
                "each",
                each,
                index,
                false,
            );
        }
        if target.fields.is_empty() {
            problems.push(problem(
                "fields",
                "no fields are mapped: add [targets.fields]".to_owned(),
            ));
        }
        for (field, expr) in &target.fields {
            ctx.expression(
                &env,
                &mut problems,
                Some(name),
                field,
                &format!("field {field}"),
                expr,
                index,
                has_each,
            );
        }
        for key in &target.key {
            if !target.fields.contains_key(key) {
                problems.push(problem(
                    "key",
                    format!(
                        "key field {key} is not mapped: add `{key} = \"...\"` to its fields \
                         (the key identifies the record, so it needs a value)"
                    ),
                ));
            }
        }
        for group in &target.match_on {
            if group.is_empty() {
                problems.push(problem(
                    "match",
                    "a match group is empty: remove it".to_owned(),
                ));
            }
            for field in group {
                if !target.fields.contains_key(field) {
                    problems.push(problem(
                        "match",
                        format!(
                            "match field {field} is not mapped: duplicate detection compares \
                             mapped values, so map {field} or remove it from match"
                        ),
                    ));
                }
            }
        }
        for rule in &target.rules {
            if !target.fields.contains_key(&rule.field) {
                problems.push(problem(
                    "rules",
                    format!(
                        "a {} rule checks field {}, which is not mapped: map it or remove the \
                         rule",
                        rule_name(&rule.rule),
                        rule.field
                    ),
                ));
            }
            if let Some(message) = rule_problem(&rule.rule) {
                problems.push(problem(
                    "rules",
                    format!("the rule on {}: {message}", rule.field),
                ));
            }
        }
        if let ferry_mapping::spec::OnDelete::Set(fields) = &target.on_delete
            && fields.is_empty()
        {
            problems.push(problem(
                "on_delete",
                "on_delete sets no field: name the fields to set (`{ set = { IsActive = false } }`) \
                 or remove it"
                    .to_owned(),
            ));
        }
        for (list, spec_list) in &target.lists {
            ctx.expression(
                &env,
                &mut problems,
                Some(name),
                list,
                &format!("list {list} each"),
                &spec_list.each,
                index,
                has_each,
            );
            for (key, expr) in &spec_list.fields {
                ctx.expression(
                    &env,
                    &mut problems,
                    Some(name),
                    list,
                    &format!("list {list} field {key}"),
                    expr,
                    index,
                    true,
                );
            }
        }
        if let Some(lock) = &target.lock {
            ctx.expression(
                &env,
                &mut problems,
                Some(name),
                "lock",
                "lock.when",
                &lock.when,
                index,
                has_each,
            );
        }
        for field in &target.create_only {
            if !target.fields.contains_key(field) {
                problems.push(problem(
                    "create_only",
                    format!("create_only names {field}, which is not mapped: map it or remove it"),
                ));
            }
        }
        if let Some(xref) = &target.xref
            && xref.trim().is_empty()
        {
            problems.push(problem(
                "xref",
                "xref is empty: name a cross-reference entity, or write \"none\"".to_owned(),
            ));
        }
    }
    for owned in spec.ownership.fields.keys() {
        let exists = match owned.split_once('.') {
            Some((target, field)) => spec
                .targets
                .iter()
                .any(|t| t.name == target && t.fields.contains_key(field)),
            None => spec.targets.iter().any(|t| t.fields.contains_key(owned)),
        };
        if !exists {
            problems.push(Problem {
                target: None,
                key: Some(owned.clone()),
                message: format!(
                    "ownership names {owned:?}, which no target maps: write \"target.Field\" \
                     with a mapped field (targets: {})",
                    names.join(", ")
                ),
            });
        }
    }
    let mut lookup_names: Vec<&str> = Vec::new();
    for lookup in &spec.lookups {
        if lookup_names.contains(&lookup.name.as_str()) {
            problems.push(flow_problem(
                "lookups",
                format!("two lookups are named {}: rename one", lookup.name),
            ));
        }
        lookup_names.push(&lookup.name);
        if lookup.by.is_empty() {
            problems.push(flow_problem(
                "lookups",
                format!(
                    "lookup {} has no `by` fields: name the fields to compare",
                    lookup.name
                ),
            ));
        }
        let exprs = [
            Some(("values", &lookup.values)),
            lookup.ensure.as_ref().map(|e| ("ensure.ids", &e.ids)),
            lookup.require.as_ref().map(|r| ("require", r)),
        ];
        for (what, expr) in exprs.into_iter().flatten() {
            ctx.expression(
                &env,
                &mut problems,
                None,
                "lookups",
                &format!("lookup {} {what}", lookup.name),
                expr,
                0,
                false,
            );
        }
    }
    for notify in &spec.notify {
        ctx.expression(
            &env,
            &mut problems,
            None,
            "notify",
            &format!("notify {} ids", notify.flow),
            &notify.ids,
            spec.targets.len(),
            false,
        );
    }
    for (field, expr) in &spec.write_back {
        ctx.expression(
            &env,
            &mut problems,
            None,
            field,
            &format!("write_back {field}"),
            expr,
            spec.targets.len(),
            false,
        );
    }
    problems
}

/// What expression checks need of the flow.
struct Ctx<'a> {
    spec: &'a FlowSpec,
}

impl Ctx<'_> {
    /// Compiles `text` and checks what it reads: `targets.X` of targets before `index`,
    /// `item` only when `has_each`, `vars.X` declared, `lookup("T", ...)` tables declared.
    #[allow(clippy::too_many_arguments)]
    fn expression(
        &self,
        env: &Env,
        problems: &mut Vec<Problem>,
        target: Option<&str>,
        key: &str,
        what: &str,
        text: &str,
        index: usize,
        has_each: bool,
    ) {
        let prefix = match target {
            Some(name) => format!("target {name}: {what}"),
            None => what.to_owned(),
        };
        let mut push = |message: String| {
            problems.push(Problem {
                target: target.map(str::to_owned),
                key: Some(key.to_owned()),
                message: format!("{prefix}: {message}"),
            })
        };
        let expr = match env.compile(text) {
            Ok(expr) => expr,
            Err(e) => {
                push(format!("{e}"));
                return;
            }
        };
        let earlier: Vec<&str> = self.spec.targets[..index.min(self.spec.targets.len())]
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        for path in expr.paths() {
            let mut parts = path.split('.');
            match (parts.next(), parts.next()) {
                (Some("targets"), Some(name)) if !earlier.contains(&name) => {
                    let later = self.spec.targets.iter().any(|t| t.name == name);
                    push(if later {
                        format!(
                            "reads targets.{name}, which is written later: a target may read \
                             only targets declared before it; move it after target {name}"
                        )
                    } else {
                        format!(
                            "reads targets.{name}, but the flow has no target {name} (targets: \
                             {})",
                            earlier.join(", ")
                        )
                    });
                }
                (Some("item"), _) if !has_each => push(
                    "reads item, which exists only in a target with `each`: add `each` or read \
                     source instead"
                        .to_owned(),
                ),
                (Some("vars"), Some(name)) if !self.spec.vars.contains_key(name) => push(format!(
                    "reads vars.{name}, which is not set: add `{name} = ...` under [vars]"
                )),
                (Some("tables"), Some(name)) if !self.spec.tables.contains_key(name) => push(
                    format!("reads tables.{name}, which is not declared: add [tables.{name}]"),
                ),
                (Some("lookups"), Some(name))
                    if !self.spec.lookups.iter().any(|l| l.name == name) =>
                {
                    push(format!(
                        "reads lookups.{name}, which is not declared: add a [[lookups]] entry \
                         named {name}"
                    ))
                }
                (Some(root), _)
                    if !matches!(
                        root,
                        "source"
                            | "targets"
                            | "item"
                            | "index"
                            | "vars"
                            | "tables"
                            | "ref"
                            | "link"
                            | "now"
                            | "lookups"
                            | "existing"
                            | "found"
                    ) && !is_function_call(text, root) =>
                {
                    push(format!(
                        "reads {root}, which is not part of the context: expressions read \
                         source, targets, item, vars, tables, ref, link, lookups and now"
                    ))
                }
                _ => {}
            }
        }
        for table in lookup_tables(text) {
            if !self.spec.tables.contains_key(&table) {
                push(format!(
                    "looks up table {table:?}, which is not declared: add [tables.{table}] \
                     (tables: {})",
                    self.spec
                        .tables
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
}

/// Whether `name` is called as a function in `text` (`phone_e164(...)`): minijinja reports
/// called names among the variables an expression reads, but they are the function library.
fn is_function_call(text: &str, name: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + name.len()..].trim_start().chars().next();
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && after == Some('(')
        {
            return true;
        }
        rest = &rest[at + name.len()..];
    }
    matches!(name, "none" | "true" | "false" | "None" | "True" | "False")
}

/// The table names of `lookup("NAME", ...)` calls in an expression's text.
fn lookup_tables(text: &str) -> Vec<String> {
    let mut tables = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("lookup(") {
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        rest = &rest[at + "lookup(".len()..];
        if preceded_by_ident {
            continue;
        }
        let arg = rest.trim_start();
        let Some(quote) = arg.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = arg[1..].find(quote) {
            tables.push(arg[1..1 + end].to_owned());
        }
    }
    tables
}

fn rule_name(rule: &Rule) -> &'static str {
    match rule {
        Rule::Required => "required",
        Rule::Email => "email",
        Rule::E164 => "e164",
        Rule::Country => "country",
        Rule::MaxLength(_) => "max_length",
        Rule::Pattern(_) => "pattern",
        Rule::OneOf(_) => "one_of",
        Rule::NonNegative => "non_negative",
    }
}

/// What is wrong with a rule's own parameters, if anything.
fn rule_problem(rule: &Rule) -> Option<String> {
    match rule {
        Rule::MaxLength(0) => Some("max_length 0 refuses every value; use at least 1".to_owned()),
        Rule::OneOf(values) if values.is_empty() => {
            Some("one_of lists no values, so every value fails: list the allowed values".to_owned())
        }
        Rule::Pattern(pattern) if pattern.is_empty() => {
            Some("the pattern is empty: write the regular expression values must match".to_owned())
        }
        _ => None,
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `origin:LINE` for the line of `key` (inside the `[[targets]]` block named `target`, when
/// given) in a flow file's text; `origin` alone when the key cannot be found.
fn at_line(origin: &str, text: &str, target: Option<&str>, key: &str) -> String {
    match line_of(text, target, key) {
        Some(line) => format!("{origin}:{line}"),
        None => origin.to_owned(),
    }
}

fn line_of(text: &str, target: Option<&str>, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let is_key = |line: &str| {
        let trimmed = line.trim_start();
        let name = trimmed.split('=').next().unwrap_or_default().trim();
        trimmed.contains('=') && name.trim_matches('"') == key
    };
    let (start, end) = match target {
        None => (0, lines.len()),
        Some(target) => {
            // The `[[targets]]` block whose `name = "target"`, up to the next `[[targets]]`.
            let mut found = None;
            let mut block_start = None;
            for (n, line) in lines.iter().enumerate() {
                if line.trim() == "[[targets]]" {
                    if let Some(start) = found {
                        return lines[start..n]
                            .iter()
                            .position(|l| is_key(l))
                            .map(|p| start + p + 1)
                            .or(Some(start + 1));
                    }
                    block_start = Some(n);
                }
                let trimmed = line.trim();
                if block_start.is_some()
                    && found.is_none()
                    && trimmed.starts_with("name")
                    && trimmed
                        .split('=')
                        .nth(1)
                        .map(|v| v.trim().trim_matches('"'))
                        == Some(target)
                {
                    found = block_start;
                }
            }
            match found {
                Some(start) => (start, lines.len()),
                None => (0, lines.len()),
            }
        }
    };
    lines[start..end]
        .iter()
        .position(|l| is_key(l))
        .map(|p| start + p + 1)
        .or(target.map(|_| start + 1))
}
