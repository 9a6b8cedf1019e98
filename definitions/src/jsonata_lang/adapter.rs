//! The one place that calls the evaluator ([`crate::jsonata`]): binds `$states` and the
//! variables for one evaluation.
//!
//! The bindings of one [`JEnv`] are prepared once ([`crate::jsonata::Prepared`]): of
//! `$states` and the variables, only what the template's expressions read is converted
//! (`$states.input.order.id` converts `input.order.id`, not the whole input), once, and
//! the expressions share one evaluator.

use super::eval::JEnv;
use crate::jsonata::{Binding, Evaluated, Jsonata, JsonataError, Needs};

/// Evaluates `expr` with no context value (`$` is undefined, as in AWS): `$states` holds
/// what `needs` (the union of the needs of the template's expressions) reads of its
/// members, other `$name`s are the variables in scope.
pub(super) fn evaluate(
    expr: &Jsonata,
    env: &JEnv<'_>,
    needs: &Needs,
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
    let mut evaluator = env.evaluator.borrow_mut();
    expr.evaluate_prepared(&env.prepared, &lookup, needs, &mut evaluator)
}
