//! Evaluating JSONata expressions of a state: the `$states` binding, variables, and AWS's
//! `States.QueryEvaluationError` causes.

use std::cell::RefCell;

use serde_json::{Map, Value};

use super::template::Reads;
use crate::error::{ErrorName, Failure};
use crate::jsonata::{Evaluated, Jsonata, JsonataEnv};
use crate::parse::fields::type_name;
use crate::path::ContextObject;
use crate::template::compact_json;

/// What a JSONata expression of one state sees: `$states.input`, `$states.context`,
/// `$states.result`, `$states.errorOutput`, the variables in scope, the time and a source
/// of randomness (from the pure core's `Input`).
pub struct JEnv<'a> {
    pub input: &'a Value,
    pub result: Option<&'a Value>,
    pub error_output: Option<&'a Value>,
    /// The context object and the variables (`$name`).
    pub context: &'a dyn ContextObject,
    /// The evaluator's clock and random source, shared by the expressions of one step.
    pub evaluator: &'a RefCell<JsonataEnv>,
}

impl<'a> JEnv<'a> {
    pub fn new(
        input: &'a Value,
        context: &'a dyn ContextObject,
        evaluator: &'a RefCell<JsonataEnv>,
    ) -> JEnv<'a> {
        JEnv {
            input,
            result: None,
            error_output: None,
            context,
            evaluator,
        }
    }

    pub fn with_result(mut self, result: &'a Value) -> JEnv<'a> {
        self.result = Some(result);
        self
    }

    pub fn with_error_output(mut self, error_output: &'a Value) -> JEnv<'a> {
        self.error_output = Some(error_output);
        self
    }

    /// The `$states` object, with only the members `reads` names.
    pub fn states(&self, reads: Reads) -> Value {
        let mut states = Map::new();
        if reads.input {
            states.insert("input".into(), self.input.clone());
        }
        if reads.context {
            states.insert("context".into(), self.context.context_value().clone());
        }
        if let (true, Some(result)) = (reads.result, self.result) {
            states.insert("result".into(), result.clone());
        }
        if let (true, Some(error_output)) = (reads.error_output, self.error_output) {
            states.insert("errorOutput".into(), error_output.clone());
        }
        Value::Object(states)
    }
}

/// The text of an expression as AWS quotes it in causes.
pub fn shown_source(expr: &Jsonata) -> &str {
    expr.source().trim()
}

fn query_error(expr: &Jsonata, field: &str, what: String) -> Failure {
    Failure::new(
        ErrorName::QueryEvaluationError,
        format!(
            "The JSONata expression '{}' specified for the field '{field}' {what}",
            shown_source(expr)
        ),
    )
}

/// Evaluates one expression for `field`: a value, or `States.QueryEvaluationError`.
pub fn evaluate(
    expr: &Jsonata,
    field: &str,
    reads: Reads,
    env: &JEnv<'_>,
) -> Result<Value, Failure> {
    match super::adapter::evaluate(expr, env, reads) {
        Ok(Evaluated::Value(value)) => Ok(value),
        Ok(Evaluated::Undefined) => Err(query_error(
            expr,
            field,
            "returned nothing (undefined).".into(),
        )),
        Ok(Evaluated::Function) => Err(query_error(
            expr,
            field,
            "returned an unsupported result type.".into(),
        )),
        Err(e) => Err(query_error(
            expr,
            field,
            format!("threw an error during evaluation. {}", aws_message(&e)),
        )),
    }
}

/// The failure for an expression that gave a value of the wrong JSON type.
pub fn unexpected_type(expr: &Jsonata, field: &str, expected: &str, value: &Value) -> Failure {
    query_error(
        expr,
        field,
        format!(
            "returned an unexpected result type. Expected '{expected}', but was '{}' for value: {}",
            type_name(value),
            compact_json(value)
        ),
    )
}

impl std::fmt::Debug for JEnv<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JEnv").finish_non_exhaustive()
    }
}

/// `CODE: message` as jsonata-js words it: T1006's message names no function there.
fn aws_message(e: &crate::jsonata::JsonataError) -> String {
    const T1006: &str = "Attempted to invoke a non-function";
    if e.code == "T1006" && e.message.starts_with(T1006) {
        return format!("T1006: {T1006}");
    }
    e.to_string()
}
