//! The one place that calls the evaluator ([`crate::jsonata`]): binds `$states` and the
//! variables for one evaluation.
//!
//! The bindings of one [`JEnv`] are prepared once ([`crate::jsonata::Prepared`]): `$states`
//! members and variables are converted at most once, and only when an expression reads
//! them, and the expressions of the environment share one evaluator.

use super::eval::JEnv;
use super::template::Reads;
use crate::jsonata::{Binding, Evaluated, Jsonata, JsonataError};

/// Evaluates `expr` with no context value (`$` is undefined, as in AWS): `$states` holds
/// the members `reads` names, other `$name`s are the variables in scope.
pub(super) fn evaluate(
    expr: &Jsonata,
    env: &JEnv<'_>,
    reads: Reads,
) -> Result<Evaluated, JsonataError> {
    let member = |name: &str| env.states_member(name);
    let lookup = |name: &str| -> Option<Binding<'_>> {
        if name == "states" {
            return Some(Binding::Members {
                names: env.states_members(),
                member: &member,
            });
        }
        env.context.variable(name).map(Binding::Value)
    };
    let wanted = |member: &str| match member {
        "input" => reads.input,
        "context" => reads.context,
        "result" => reads.result,
        "errorOutput" => reads.error_output,
        _ => false,
    };
    let mut evaluator = env.evaluator.borrow_mut();
    expr.evaluate_prepared(&env.prepared, &lookup, &wanted, &mut evaluator)
}
