//! Compiled mapping expressions.
//!
//! An expression is minijinja's expression syntax (`source.firstName | trim | title`,
//! `phone_e164(source.communication.telephones.PRI, "GB")`), evaluated against a JSON context
//! the engine builds: `source` (the current source record), `targets` (what earlier targets of
//! the same record wrote, with their ids), `tables` (the flow's lookup tables), `vars` (the
//! flow's settings), `ref` (reference data such as `ref.rates` and `ref.pricebooks`) and `now`.
//! Undefined attributes are lenient and chain (`source.missing` and `source.missing.deeper` are
//! `none`) because records from the wild omit keys, whole nested objects included; functions
//! that need a value say which one was missing.

use crate::MappingError;
use minijinja::{Environment, Expression};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The expression environment: the function library of [`crate::functions`], registered once.
#[derive(Clone, Copy)]
pub struct Env {
    inner: &'static Environment<'static>,
    /// The names of the environment's functions (the library and minijinja's globals).
    functions: &'static BTreeSet<String>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Env")
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    /// The environment with Ferry's function library. One per process: the library is pure and
    /// everything record-specific travels in the context, so it is built once and shared.
    pub fn new() -> Self {
        static ENV: OnceLock<Environment<'static>> = OnceLock::new();
        let inner = ENV.get_or_init(|| {
            let mut env = Environment::new();
            env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
            crate::functions::register(&mut env);
            env
        });
        static FUNCTIONS: OnceLock<BTreeSet<String>> = OnceLock::new();
        let functions =
            FUNCTIONS.get_or_init(|| inner.globals().map(|(name, _)| name.to_string()).collect());
        Self { inner, functions }
    }

    /// Compiles one expression; a syntax error names the expression and the position.
    pub fn compile(&self, source: &str) -> Result<Expr, MappingError> {
        let compiled = self
            .inner
            .compile_expression_owned(source.to_string())
            .map_err(|e| MappingError::Compile {
                expr: source.to_string(),
                reason: describe(&e),
            })?;
        // minijinja finds an unknown function only when the call runs; a flow file should fail
        // when it is loaded, not on the first record that reaches the call.
        if let Some(name) = called_names(source)
            .into_iter()
            .find(|name| !self.is_function(name))
        {
            return Err(MappingError::Compile {
                expr: source.to_string(),
                reason: format!(
                    "unknown function `{name}`: the functions are listed in docs/mapping-functions.md"
                ),
            });
        }
        Ok(Expr {
            source: source.to_string(),
            compiled,
            functions: self.functions,
        })
    }

    fn is_function(&self, name: &str) -> bool {
        self.functions.contains(name)
    }
}

/// A compiled expression. Cheap to evaluate many times.
pub struct Expr {
    source: String,
    compiled: Expression<'static, 'static>,
    /// The environment's function names: [`Expr::paths`] leaves them out.
    functions: &'static BTreeSet<String>,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

impl Expr {
    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates against `ctx` (a JSON object with `source`, `targets`, `tables`, ...). An
    /// undefined result is JSON `null`.
    pub fn eval(&self, ctx: &Value) -> Result<Value, MappingError> {
        let value = self
            .compiled
            .eval(minijinja::Value::from_serialize(ctx))
            .map_err(|e| MappingError::Eval {
                expr: self.source.clone(),
                reason: describe(&e),
            })?;
        if value.is_undefined() || value.is_none() {
            return Ok(Value::Null);
        }
        serde_json::to_value(&value).map_err(|e| MappingError::Eval {
            expr: self.source.clone(),
            reason: format!("the result cannot be written as JSON: {e}"),
        })
    }

    /// Evaluates a target field: `Some(value)` to write (`null` clears the field), or `None`
    /// when the result is undefined — an inline `if` without `else` whose condition is false
    /// (`source.street if source.street`) leaves the field out of the write.
    pub fn eval_field(&self, ctx: &Value) -> Result<Option<Value>, MappingError> {
        let value = self
            .compiled
            .eval(minijinja::Value::from_serialize(ctx))
            .map_err(|e| MappingError::Eval {
                expr: self.source.clone(),
                reason: describe(&e),
            })?;
        if value.is_undefined() {
            return Ok(None);
        }
        if value.is_none() {
            return Ok(Some(Value::Null));
        }
        serde_json::to_value(&value)
            .map(Some)
            .map_err(|e| MappingError::Eval {
                expr: self.source.clone(),
                reason: format!("the result cannot be written as JSON: {e}"),
            })
    }

    /// Evaluates as a condition: `none`, `false`, `0`, `""` and empty lists are false.
    pub fn truthy(&self, ctx: &Value) -> Result<bool, MappingError> {
        let value = self
            .compiled
            .eval(minijinja::Value::from_serialize(ctx))
            .map_err(|e| MappingError::Eval {
                expr: self.source.clone(),
                reason: describe(&e),
            })?;
        Ok(value.is_true())
    }

    /// The dotted paths the expression reads (`source.firstName`, `source.Account.Name`):
    /// the source readers fetch these fields and `ferry flows check` checks they exist.
    pub fn paths(&self) -> BTreeSet<String> {
        self.compiled
            .undeclared_variables(true)
            .into_iter()
            .filter(|path| !self.functions.contains(path))
            .collect()
    }
}

/// The names called as functions in an expression (`name(`), outside string literals, not as
/// filters (`| name(`), tests (`is name(`) or methods (`.name(`).
fn called_names(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut names = Vec::new();
    let mut previous = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            previous = "literal".into();
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            // Keywords before a bracket (`x if (a) else b`, `not (a)`) are not calls.
            let keyword = matches!(
                word.as_str(),
                "if" | "else" | "and" | "or" | "not" | "in" | "is" | "true" | "false" | "none"
            );
            let called = chars.get(j) == Some(&'(') && !keyword;
            if called && !matches!(previous.as_str(), "|" | "." | "is" | "not") {
                names.push(word.clone());
            }
            previous = word;
        } else {
            if !c.is_whitespace() {
                previous = c.to_string();
            }
            i += 1;
        }
    }
    names
}

/// A minijinja error as one sentence with its cause chain. The library's own errors
/// (invalid operation) already name the function and the value, so only their detail is kept;
/// minijinja's "(in <expression>:1)" suffix is dropped because the caller names the expression.
fn describe(error: &minijinja::Error) -> String {
    let mut text = match (error.kind(), error.detail()) {
        (minijinja::ErrorKind::InvalidOperation, Some(detail)) => detail.to_string(),
        (kind, Some(detail)) => format!("{kind}: {detail}"),
        (kind, None) => kind.to_string(),
    };
    if let Some(line) = error
        .line()
        .filter(|_| error.name() != Some("<expression>"))
    {
        text.push_str(&format!(" (line {line})"));
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
