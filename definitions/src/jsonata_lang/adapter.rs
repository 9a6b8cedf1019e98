//! The one place that calls the evaluator ([`crate::jsonata`]): binds `$states` and the
//! variables for one evaluation.

use super::eval::JEnv;
use crate::jsonata::{Evaluated, Jsonata, JsonataError};
use serde_json::Value;

pub(super) fn evaluate(
    expr: &Jsonata,
    env: &JEnv<'_>,
    states: &Value,
) -> Result<Evaluated, JsonataError> {
    let lookup = |name: &str| -> Option<Value> {
        if name == "states" {
            return Some(states.clone());
        }
        env.context.variable(name).cloned()
    };
    let mut evaluator = env.evaluator.borrow_mut();
    expr.evaluate(&lookup, &mut evaluator)
}
