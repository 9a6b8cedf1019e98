//! TestState for JSONata states: `afterArguments`, and the failure of an expression that was
//! retried or caught (the core records it in `EvaluationFailed`).

use std::cell::RefCell;

use serde_json::Value;

use baton_definitions::jsonata::JsonataEnv;
use baton_definitions::jsonata_lang::JEnv;
use baton_definitions::template::compact_json;
use baton_definitions::{ErrorName, Failure, State, StateKind};

use crate::machine::{Context, Execution, HistoryEvent, Input, Machine};

/// `afterArguments` of a JSONata Task as JSON text: its `Arguments` evaluated over the
/// input, the variables given and the context of the state entered now (the input itself
/// without `Arguments`). `None` for other states and when an expression fails (the
/// failure is the answer's error).
pub(super) fn after_arguments(
    machine: &Machine<'_>,
    exec: &Execution,
    state: &State,
    input: &Value,
    now: Input,
) -> Option<Value> {
    let j = state.io.jsonata.as_ref()?;
    if !matches!(state.kind, StateKind::Task(_)) {
        return None;
    }
    let Some(arguments) = &j.arguments else {
        return Some(Value::String(compact_json(input)));
    };
    let mut ctx = Context::new(machine.settings, exec, &state.name, now.now_ms);
    ctx.frame = exec.frames.contains_key(&0).then_some(0);
    // The seed the core derives from the same `random` (its evaluations see the same).
    let seed = (now.random * u64::MAX as f64) as u64;
    let evaluator = RefCell::new(JsonataEnv::new(now.now_ms, seed));
    let env = JEnv::new(input, &ctx, &evaluator);
    arguments
        .eval(&env)
        .ok()
        .map(|v| Value::String(compact_json(&v)))
}

/// The last `EvaluationFailed` of the run as a failure (error and AWS's cause).
pub(super) fn evaluation_failure(history: &[HistoryEvent]) -> Option<Failure> {
    let event = history
        .iter()
        .rev()
        .find(|e| e.kind == "EvaluationFailed")?;
    Some(Failure::new(
        ErrorName::QueryEvaluationError,
        event.details.value()["cause"].as_str().unwrap_or_default(),
    ))
}
