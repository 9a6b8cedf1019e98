//! JSONata states (`QueryLanguage: JSONata`): the same steps as JSONPath states, with the
//! data handled by `Arguments`, `Output` and `Assign` over `$states` (see
//! `baton_definitions::jsonata_lang`). Expressions were parsed with the definition; here
//! they are only evaluated, with the time and randomness of the event being applied.
//!
//! A failed evaluation is `States.QueryEvaluationError`: [`Cx::evaluation_failed`] adds
//! AWS's "An error occurred while executing the state …" prefix and writes the
//! `EvaluationFailed` event, then the error is retried or caught like any other.

use std::cell::RefCell;

use serde_json::{Map, Value};

use baton_definitions::jsonata::JsonataEnv;
use baton_definitions::jsonata_lang::{JEnv, JTemplate, JsonataState};
use baton_definitions::template::compact_json;
use baton_definitions::{ErrorName, Failure, State, StateKind};

use super::execution::Step;
use super::step::Cx;

/// The start of every execution-failure cause that names its state.
const PREFIX: &str = "An error occurred while executing the state";

/// The variables an `Assign` template sets.
pub(super) type Assigned = Option<Map<String, Value>>;

/// Evaluates an `Assign` template to its variables.
pub(super) fn assign(template: Option<&JTemplate>, env: &JEnv<'_>) -> Result<Assigned, Failure> {
    match template.map(|t| t.eval(env)).transpose()? {
        Some(Value::Object(map)) => Ok(Some(map)),
        _ => Ok(None),
    }
}

/// `Output` (or `default`) and `Assign`, both evaluated against the variables of before.
pub(super) fn output_and_assign(
    output: Option<&JTemplate>,
    assign_template: Option<&JTemplate>,
    env: &JEnv<'_>,
    default: &Value,
) -> Result<(Value, Assigned), Failure> {
    let out = match output {
        Some(t) => t.eval(env)?,
        None => default.clone(),
    };
    Ok((out, assign(assign_template, env)?))
}

/// A whole number ≥ `min` from a numeric field (`TimeoutSeconds`, `Seconds`, …).
pub(super) fn whole(
    template: Option<&JTemplate>,
    field: &str,
    min: i64,
    env: &JEnv<'_>,
) -> Result<Option<u64>, Failure> {
    let Some(template) = template else {
        return Ok(None);
    };
    let value = template.eval_as(env, field, "integer", |v| {
        v.as_i64().is_some_and(|n| n >= min)
            || v.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f >= min as f64)
    })?;
    Ok(Some(value.as_f64().unwrap_or(0.0) as u64))
}

impl<'m> Cx<'m> {
    /// The evaluator's clock and random source for this event.
    pub(super) fn evaluator(&self) -> RefCell<JsonataEnv> {
        RefCell::new(super::jsonata_env::new(self.now, self.random))
    }

    /// A JSONata evaluation failed in `state`: AWS's cause prefix, and `EvaluationFailed`.
    /// Other failures (and one already prefixed, from a child frame) pass unchanged.
    pub(super) fn evaluation_failed(&mut self, f: u32, state: &State, failure: Failure) -> Failure {
        let fresh = failure.error == ErrorName::QueryEvaluationError
            && state.io.jsonata.is_some()
            && !failure.cause.as_deref().unwrap_or("").starts_with(PREFIX);
        if !fresh {
            return failure;
        }
        let entered = self.exec.frames.get(&f).map_or(0, |fr| fr.entered);
        let reason = failure.cause.unwrap_or_default();
        let cause = format!(
            "{PREFIX} '{}' (entered at the event id #{entered}). {reason}",
            state.name
        );
        let location = reason
            .split_once("for the field '")
            .and_then(|(_, rest)| rest.split_once('\''))
            .map(|(field, _)| field.to_owned());
        let mut details = serde_json::json!({
            "error": ErrorName::QueryEvaluationError.to_string(),
            "cause": cause,
            "state": state.name,
        });
        if let Some(location) = location {
            details["location"] = location.into();
        }
        self.emit(f, "EvaluationFailed", details);
        Failure::new(ErrorName::QueryEvaluationError, cause)
    }

    /// Runs a JSONata Pass, Choice, Wait, Succeed or Fail state; `None` for the other
    /// types, which run through the shared Task/Parallel/Map code.
    pub(super) fn jsonata_enter(
        &mut self,
        f: u32,
        state: &'m State,
        j: &'m JsonataState,
    ) -> Option<Result<(), Failure>> {
        Some(match &state.kind {
            StateKind::Pass(_) => self.j_pass(f, state, j),
            StateKind::Choice(choice) => self.j_choice(f, state, j, choice.default.as_ref()),
            StateKind::Wait(_) => self.j_wait(f, state, j),
            StateKind::Succeed => self.j_succeed(f, state, j),
            StateKind::Fail(_) => self.j_fail(f, state, j),
            _ => return None,
        })
    }

    fn j_pass(&mut self, f: u32, state: &'m State, j: &'m JsonataState) -> Result<(), Failure> {
        let raw = self.take_input(f);
        let evaluator = self.evaluator();
        let (output, assigned) = {
            let ctx = self.context(f, state);
            let env = JEnv::new(&raw, &ctx, &evaluator);
            output_and_assign(j.output.as_ref(), j.assign.as_ref(), &env, &raw)?
        };
        self.exit_with(f, state, output, assigned)
    }

    fn j_succeed(&mut self, f: u32, state: &'m State, j: &'m JsonataState) -> Result<(), Failure> {
        let raw = self.take_input(f);
        let evaluator = self.evaluator();
        let (output, _) = {
            let ctx = self.context(f, state);
            let env = JEnv::new(&raw, &ctx, &evaluator);
            output_and_assign(j.output.as_ref(), None, &env, &raw)?
        };
        self.exit(f, state, output)
    }

    fn j_fail(&mut self, f: u32, state: &'m State, j: &'m JsonataState) -> Result<(), Failure> {
        let raw = self.take_input(f);
        let evaluator = self.evaluator();
        let (error, cause) = {
            let ctx = self.context(f, state);
            let env = JEnv::new(&raw, &ctx, &evaluator);
            let text = |t: Option<&JTemplate>, field: &str| -> Result<Option<String>, Failure> {
                Ok(
                    t.map(|t| t.eval_as(&env, field, "string", Value::is_string))
                        .transpose()?
                        .and_then(|v| v.as_str().map(str::to_owned)),
                )
            };
            (
                text(j.error.as_ref(), "Error")?,
                text(j.cause.as_ref(), "Cause")?,
            )
        };
        let failure = Failure {
            error: ErrorName::parse(error.as_deref().unwrap_or("")),
            cause,
        };
        self.fail_frame(f, failure);
        Ok(())
    }

    fn j_choice(
        &mut self,
        f: u32,
        state: &'m State,
        j: &'m JsonataState,
        default: Option<&'m String>,
    ) -> Result<(), Failure> {
        let raw = self.take_input(f);
        let evaluator = self.evaluator();
        let (next, output, assigned) = {
            let ctx = self.context(f, state);
            let env = JEnv::new(&raw, &ctx, &evaluator);
            let mut chosen = None;
            for rule in &j.rules {
                let matched =
                    rule.condition
                        .eval_as(&env, "Condition", "boolean", Value::is_boolean)?;
                if matched == Value::Bool(true) {
                    chosen = Some((&rule.next, rule.output.as_ref(), rule.assign.as_ref()));
                    break;
                }
            }
            // A rule's Output/Assign when it matches; the state's when Default is taken.
            let fallback = default.map(|d| (d, j.output.as_ref(), j.assign.as_ref()));
            let Some((next, output, assign)) = chosen.or(fallback) else {
                return Err(Failure::runtime("No Matches!"));
            };
            let (output, assigned) = output_and_assign(output, assign, &env, &raw)?;
            (next, output, assigned)
        };
        let text = self.checked_output(state, &output)?;
        self.emit_exited(f, state, text, assigned)?;
        self.goto(f, Some(next), output);
        Ok(())
    }

    fn j_wait(&mut self, f: u32, state: &'m State, j: &'m JsonataState) -> Result<(), Failure> {
        let raw = self.take_input(f);
        let evaluator = self.evaluator();
        let (due, output, assigned) = {
            let ctx = self.context(f, state);
            let env = JEnv::new(&raw, &ctx, &evaluator);
            let due = match (&j.seconds, &j.timestamp) {
                (Some(seconds), _) => {
                    let s = whole(Some(seconds), "Seconds", 0, &env)?.unwrap_or(0);
                    self.now.saturating_add((s as i64).saturating_mul(1000))
                }
                (None, Some(timestamp)) => {
                    let value = timestamp.eval_as(&env, "Timestamp", "string", Value::is_string)?;
                    let text = value.as_str().unwrap_or_default();
                    match baton_definitions::time::parse_timestamp(text) {
                        Some(ts) => ts.timestamp_millis(),
                        None => {
                            return Err(Failure::new(
                                ErrorName::QueryEvaluationError,
                                format!(
                                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"
                                ),
                            ));
                        }
                    }
                }
                (None, None) => self.now,
            };
            let (output, assigned) =
                output_and_assign(j.output.as_ref(), j.assign.as_ref(), &env, &raw)?;
            (due, output, assigned)
        };
        self.wait_until(f, state, due, output, assigned, raw)
    }

    /// `Output` and `Assign` of a Task, Map or Parallel whose work gave `result`.
    pub(super) fn j_state_output(
        &self,
        f: u32,
        state: &'m State,
        j: &JsonataState,
        raw: &Value,
        result: Value,
    ) -> Result<(Value, Assigned), Failure> {
        let evaluator = self.evaluator();
        let ctx = self.context(f, state);
        let env = JEnv::new(raw, &ctx, &evaluator).with_result(&result);
        output_and_assign(j.output.as_ref(), j.assign.as_ref(), &env, &result)
    }

    /// A JSONata catcher fired: its `Output` (default the error output) and `Assign`, with
    /// `$states.errorOutput`. A failing expression here fails the state's frame.
    pub(super) fn j_catch(
        &mut self,
        f: u32,
        state: &'m State,
        j: &'m JsonataState,
        index: usize,
        failure: &Failure,
    ) {
        let catcher = &state.catch[index];
        let raw = self.take_input(f);
        let error_output = failure.error_output();
        let evaluator = self.evaluator();
        let evaluated = {
            let ctx = self.context(f, state);
            let env = JEnv::new(&raw, &ctx, &evaluator).with_error_output(&error_output);
            let jc = j.catchers.get(index);
            output_and_assign(
                jc.and_then(|c| c.output.as_ref()),
                jc.and_then(|c| c.assign.as_ref()),
                &env,
                &error_output,
            )
        };
        let (output, assigned) = match evaluated {
            Ok(done) => done,
            Err(e) => {
                let e = self.evaluation_failed(f, state, e);
                return self.fail_frame(f, e);
            }
        };
        let text = match self.checked_output(state, &output) {
            Ok(text) => text,
            Err(e) => return self.fail_frame(f, e),
        };
        if let Err(e) = self.emit_exited(f, state, text, assigned) {
            return self.runtime(f, e);
        }
        self.frame(f).step = Step::Enter;
        self.goto(f, Some(&catcher.next), output);
    }
}

/// The effective input of a JSONata Task or Parallel (`Arguments`, default the input).
pub(super) fn arguments(j: &JsonataState, env: &JEnv<'_>) -> Result<Value, Failure> {
    match &j.arguments {
        Some(t) => t.eval(env),
        None => Ok(env.input.clone()),
    }
}

/// The items of a JSONata Map: `Items` (an array, or an expression giving one), or the
/// state input, which must then be an array.
pub(super) fn items(j: &JsonataState, env: &JEnv<'_>) -> Result<Vec<Value>, Failure> {
    match &j.items {
        Some(t) => match t.eval_as(env, "Items", "array", Value::is_array)? {
            Value::Array(items) => Ok(items),
            _ => Ok(Vec::new()),
        },
        None => match env.input {
            Value::Array(items) => Ok(items.clone()),
            other => Err(Failure::new(
                ErrorName::QueryEvaluationError,
                format!(
                    "Map state input must be an array but was: {}",
                    compact_json(other)
                ),
            )),
        },
    }
}

/// `ToleratedFailurePercentage`: a number from 0 to 100.
pub(super) fn percentage(
    template: Option<&JTemplate>,
    env: &JEnv<'_>,
) -> Result<Option<f64>, Failure> {
    let Some(template) = template else {
        return Ok(None);
    };
    let value = template.eval_as(env, "ToleratedFailurePercentage", "number", |v| {
        v.as_f64().is_some_and(|p| (0.0..=100.0).contains(&p))
    })?;
    Ok(value.as_f64())
}
