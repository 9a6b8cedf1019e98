//! JSONata, the query language of `"QueryLanguage": "JSONata"` states: one `{% %}` expression
//! parsed once ([`Jsonata::parse`]) and evaluated many times ([`Jsonata::evaluate`]).
//!
//! AWS runs jsonata-js 2.0.6 with every built-in except `$eval`, plus six functions of its
//! own (`$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid`, `$parse`). This module
//! wraps the `jsonata-core` crate (a Rust port of jsonata-js) and makes it behave like that:
//!
//! - values cross as `serde_json::Value` ([`convert`]): integral numbers come back as JSON
//!   integers (`1.0` → `1`, `-0` → `0`), as `JSON.stringify` would print them;
//! - errors carry jsonata-js's code and message ([`JsonataError`], [`errors`]);
//! - `$eval` is refused; the AWS functions are added ([`aws`]);
//! - nothing reads a clock or the OS's randomness: `$now`, `$millis`, `$random`, `$uuid` and
//!   `$shuffle` take the time and a seeded random state from [`JsonataEnv`] ([`host`]);
//! - evaluation is bounded: depth, sequence length and a wall-clock backstop
//!   ([`JsonataLimits`]); hostile expressions give an error, never a hang or a crash.
//!
//! Where jsonata-core differs from jsonata-js 2.0.6 and the wrapper cannot fix it, the
//! difference is listed in `definitions/tests/jsonata/known_differences.json`, checked by
//! the differential test `definitions/tests/jsonata_differential.rs`.

mod aws;
mod calls;
mod convert;
mod errors;
mod fixes;
mod host;
mod refs;
mod rewrite;
mod scope;
mod stringify;
mod syntax;

use std::fmt;
use std::sync::Arc;

use jsonata_core::ast::AstNode;
use serde_json::Value;

pub use convert::{from_json, to_json};

/// One parsed `{% %}` expression: the text between the markers.
///
/// Cheap to clone (the syntax tree is shared); `Send + Sync`.
#[derive(Clone)]
pub struct Jsonata {
    source: Arc<str>,
    ast: Arc<AstNode>,
    /// Every variable name the expression mentions (without `$`), bound before evaluation.
    mentioned: Arc<[String]>,
    /// The free ones: what [`Jsonata::variable_references`] reports.
    free: Arc<[String]>,
}

/// What an expression gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluated {
    /// A JSON value.
    Value(Value),
    /// Nothing: a path that matched nothing, a function without result, …
    Undefined,
    /// A function (lambda or built-in): not representable as JSON.
    Function,
}

impl Evaluated {
    /// The value, if there is one.
    pub fn into_value(self) -> Option<Value> {
        match self {
            Evaluated::Value(v) => Some(v),
            Evaluated::Undefined | Evaluated::Function => None,
        }
    }
}

/// A JSONata error as jsonata-js reports it: `code` (`"T1006"`, `"S0201"`, `"D3030"`, …),
/// `message` without the code, and the character offset jsonata-js gives, when known.
///
/// `Display` prints `CODE: message`, as AWS does in `States.QueryEvaluationError` causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonataError {
    pub code: String,
    pub message: String,
    pub position: Option<usize>,
}

impl JsonataError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> JsonataError {
        JsonataError {
            code: code.into(),
            message: message.into(),
            position: None,
        }
    }
}

impl fmt::Display for JsonataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for JsonataError {}

/// Bounds on one evaluation. The defaults suit Step Functions payloads (256 KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonataLimits {
    /// Nested evaluation depth (recursion), jsonata-js's `stack` option: error D1011 beyond.
    pub max_depth: usize,
    /// Longest sequence a step, `..` range or function may build: error D2015 beyond.
    pub max_sequence: usize,
    /// Wall-clock backstop in milliseconds (error D1012): the only limit that reads a clock,
    /// and only to stop; it never changes a result that finishes in time.
    pub timeout_ms: u64,
}

impl Default for JsonataLimits {
    fn default() -> JsonataLimits {
        JsonataLimits {
            max_depth: 1_000,
            max_sequence: 1_000_000,
            timeout_ms: 2_000,
        }
    }
}

/// What an evaluation may take from the world: the time and a random state. The caller
/// fills them (the engine from its clock and a seed it records), so evaluation is a pure
/// function of its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonataEnv {
    /// `$now()` and `$millis()`: milliseconds since the Unix epoch.
    pub now_millis: i64,
    /// State of the random generator behind `$random()`, `$uuid()` and `$shuffle`;
    /// advanced by each draw, so consecutive evaluations get fresh numbers.
    pub random_state: u64,
    pub limits: JsonataLimits,
}

impl JsonataEnv {
    pub fn new(now_millis: i64, random_seed: u64) -> JsonataEnv {
        JsonataEnv {
            now_millis,
            random_state: random_seed,
            limits: JsonataLimits::default(),
        }
    }
}

impl Jsonata {
    /// Parse an expression (the text between `{%` and `%}`). Syntax errors carry
    /// jsonata-js's code (`S0201`, `S0203`, …).
    pub fn parse(source: &str) -> Result<Jsonata, JsonataError> {
        let ast =
            jsonata_core::parser::parse(source).map_err(|e| errors::from_parser(&e, source))?;
        refs::refuse_later_syntax(&ast)?;
        syntax::refuse(&ast)?;
        let free = scope::free_variables(&ast);
        let ast = refs::prepare(ast);
        let (mentioned, _) = refs::variables(&ast);
        Ok(Jsonata {
            source: Arc::from(source),
            ast: Arc::new(ast),
            mentioned: mentioned.into(),
            free: free.into(),
        })
    }

    /// The expression's text, as given to [`Jsonata::parse`].
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Names (without `$`) of the variables the expression reads from outside: `states`
    /// and user variables, not those it binds itself (`:=`, lambda parameters, `@$x`,
    /// `#$i`) nor built-in functions.
    pub fn variable_references(&self) -> Vec<String> {
        self.free.to_vec()
    }

    /// Evaluate with no context value (`$` is undefined), as AWS does: `$states` and the
    /// user variables come from `vars`, which is asked for each name the expression reads
    /// (without `$`; `None` leaves it undefined).
    pub fn evaluate(
        &self,
        vars: &dyn Fn(&str) -> Option<Value>,
        env: &mut JsonataEnv,
    ) -> Result<Evaluated, JsonataError> {
        self.evaluate_with_input(None, vars, env)
    }

    /// Evaluate against a context value `input` (`$` and bare field names read it).
    pub fn evaluate_with_input(
        &self,
        input: Option<&Value>,
        vars: &dyn Fn(&str) -> Option<Value>,
        env: &mut JsonataEnv,
    ) -> Result<Evaluated, JsonataError> {
        host::evaluate(self, input, vars, env)
    }
}

impl fmt::Debug for Jsonata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Jsonata").field(&self.source).finish()
    }
}

impl PartialEq for Jsonata {
    fn eq(&self, other: &Jsonata) -> bool {
        self.source == other.source
    }
}

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod tests;
