//! The one place that calls the evaluator ([`crate::jsonata`]): binds `$states` and the
//! variables for one evaluation.

use super::eval::JEnv;
use super::template::Reads;
use crate::jsonata::{Evaluated, Jsonata, JsonataError};
use serde_json::Value;

/// Evaluates `expr` with no context value (`$` is undefined, as in AWS): `$states` holds
/// the members `reads` names, other `$name`s are the variables in scope.
pub(super) fn evaluate(
    expr: &Jsonata,
    env: &JEnv<'_>,
    reads: Reads,
) -> Result<Evaluated, JsonataError> {
    let lookup = |name: &str| -> Option<Value> {
        if name == "states" {
            return Some(env.states(reads));
        }
        env.context.variable(name).cloned()
    };
    let mut evaluator = env.evaluator.borrow_mut();
    expr.evaluate(&lookup, &mut evaluator)
}
