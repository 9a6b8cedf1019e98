//! A synchronous driver for the pure core: runs an execution to its end with simulated
//! time, answering HTTP effects with a caller-supplied function. Used by tests and by the
//! in-process conformance check; the real runtime is [`crate::worker`].

use std::collections::BTreeMap;

use serde_json::Value;

use baton_definitions::{Failure, StateMachine};

use super::{
    Effect, Event, Execution, HistoryEvent, Input, Machine, PlainTokens, Settings, Status, apply,
    start,
};

/// The end of a driven execution.
#[derive(Debug, Clone)]
pub struct Driven {
    pub execution: Execution,
    pub history: Vec<HistoryEvent>,
}

/// Runs `definition` on `input`, answering HTTP requests with `answer` (callbacks get
/// their answer as a callback success). Time jumps to the next timer when nothing else can
/// happen. Stops after `max_steps` transitions.
pub fn drive(
    definition: &StateMachine,
    settings: &Settings,
    kind: super::ExecutionKind,
    input: Value,
    mut answer: impl FnMut(&Effect) -> Result<Value, Failure>,
    max_steps: usize,
) -> Driven {
    let machine = Machine {
        definition,
        settings,
        tokens: &PlainTokens,
    };
    let mut now = 1_700_000_000_000i64;
    let (mut exec, first) = start(&machine, "sm:exec".into(), "exec".into(), 1, input, now);
    exec.kind = kind;
    let mut history = first.history;
    let mut timers: BTreeMap<u64, i64> =
        first.timers_set.iter().map(|t| (t.id, t.due_ms)).collect();
    let mut effects = Vec::new();
    for _ in 0..max_steps {
        if exec.status != Status::Running {
            break;
        }
        let event = if let Some(frame) = exec.runnable() {
            Event::Run { frame }
        } else if !effects.is_empty() {
            let effect: Effect = effects.remove(0);
            let Effect::Http {
                frame,
                state,
                attempt,
                notify,
                ..
            } = &effect;
            let result = answer(&effect);
            if *notify {
                // Notify answered; the callback itself follows as the task result.
                let submitted = Event::Submitted {
                    frame: *frame,
                    state: state.clone(),
                    attempt: *attempt,
                    result: Ok(Value::Null),
                };
                let tx = apply(
                    &machine,
                    &mut exec,
                    submitted,
                    Input {
                        now_ms: now,
                        random: 0.5,
                    },
                );
                history.extend(tx.history);
                let outcome = match result {
                    Ok(output) => super::Outcome::Success { output },
                    Err(f) => super::Outcome::Failure {
                        error: Some(f.error.to_string()),
                        cause: f.cause,
                    },
                };
                Event::Callback {
                    state: state.clone(),
                    attempt: *attempt,
                    outcome,
                }
            } else {
                Event::TaskResult {
                    frame: *frame,
                    state: state.clone(),
                    attempt: *attempt,
                    result,
                }
            }
        } else if let Some((&timer, &due)) = timers.iter().min_by_key(|(_, due)| **due) {
            timers.remove(&timer);
            now = now.max(due);
            Event::Timer { timer }
        } else {
            break;
        };
        let tx = apply(
            &machine,
            &mut exec,
            event,
            Input {
                now_ms: now,
                random: 0.5,
            },
        );
        history.extend(tx.history);
        for t in tx.timers_cleared {
            timers.remove(&t);
        }
        for t in tx.timers_set {
            timers.insert(t.id, t.due_ms);
        }
        effects.extend(tx.effects);
        now += 1;
    }
    Driven {
        execution: exec,
        history,
    }
}
