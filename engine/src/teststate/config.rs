//! What TestState checks and applies besides the state itself: where a mock may be given,
//! `mock.fieldValidationMode`, `stateConfiguration`, `inspectionData.errorDetails`, and the
//! Choice without a match (`States.NoChoiceMatched`, as AWS's TestState answers).

use serde_json::{Value, json};

use baton_definitions::model::Invoke;
use baton_definitions::retry::{Recovery, error_matches, recover};
use baton_definitions::{ErrorName, Failure, State, StateKind};

use super::fanout::Fanout;
use super::{Mock, TestStateError, TestStateRequest, TestStateResponse, TestStatus};
use crate::machine::Execution;

/// `mock.fieldValidationMode`: how a mocked result is checked against the model of what the
/// state's integration answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FieldValidation {
    /// Required fields present and every field of the model's type (AWS's default).
    #[default]
    Strict,
    /// The fields present of the model's type.
    Present,
    /// Not checked.
    None,
}

/// `stateConfiguration`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateConfiguration {
    /// Retries already made by the retrier that matches the mocked error.
    pub retrier_retry_count: Option<u32>,
    /// The state inside a Map or Parallel the mocked error comes from.
    pub error_caused_by_state: Option<String>,
    /// Map iterations that failed.
    pub map_iteration_failure_count: Option<u32>,
    /// What a distributed Map's ItemReader read (Baton has no ItemReader: refused).
    pub map_item_reader_data: Option<String>,
}

fn invalid(message: impl Into<String>) -> TestStateError {
    TestStateError::Validation(message.into())
}

/// Refuses what AWS refuses, and what Baton cannot apply, before the state runs. `state` is
/// the state as it runs (a Map or Parallel runs as a Task: `fanout` is it as written).
pub(super) fn check(
    request: &TestStateRequest,
    state: &State,
    fanout: Option<&Fanout>,
) -> Result<(), TestStateError> {
    let mocked_error = matches!(request.mock, Some(Mock::Error { .. }));
    match (&request.mock, fanout) {
        (None, Some(f)) => {
            return Err(invalid(format!(
                "a {} state is tested with a mock (mock.result or mock.errorOutput) standing for its {}' results",
                f.state().type_name(),
                if f.branch_count().is_some() {
                    "branches"
                } else {
                    "iterations"
                }
            )));
        }
        (Some(_), None) if !matches!(state.kind, StateKind::Task(_)) => {
            return Err(invalid(format!(
                "a mock can only be specified for Task, Map, or Parallel states; '{}' is a {} state",
                state.name,
                state.type_name()
            )));
        }
        _ => {}
    }
    if let Some(context) = &request.context
        && !context.is_object()
    {
        return Err(invalid(
            "context must be a JSON object (the Context object)",
        ));
    }
    let config = &request.config;
    if config.map_item_reader_data.is_some() {
        return Err(invalid(
            "stateConfiguration.mapItemReaderData is for a Map with an ItemReader, which Baton does not support",
        ));
    }
    let map = fanout.is_some_and(|f| matches!(f.state().kind, StateKind::Map(_)));
    if config.map_iteration_failure_count.is_some() && !map {
        return Err(invalid(
            "stateConfiguration.mapIterationFailureCount is for a Map state",
        ));
    }
    if config.retrier_retry_count.is_some() && !mocked_error {
        return Err(invalid(
            "stateConfiguration.retrierRetryCount applies to a mocked error: give mock.errorOutput",
        ));
    }
    if let Some(name) = &config.error_caused_by_state {
        let Some(fanout) = fanout.filter(|_| mocked_error) else {
            return Err(invalid(
                "stateConfiguration.errorCausedByState is for a Map or Parallel state with mock.errorOutput",
            ));
        };
        if !fanout.inner_states().contains(name) {
            return Err(invalid(format!(
                "stateConfiguration.errorCausedByState: '{name}' is not a state of '{}'",
                fanout.name
            )));
        }
    }
    if let (Some(Mock::Result(result)), false) =
        (&request.mock, request.validation == FieldValidation::None)
    {
        validate_result(request.validation, state, fanout, result)?;
    }
    Ok(())
}

/// Checks a mocked result against what the integration answers: an array for a Map (of one
/// result a branch for a Parallel under STRICT), the HTTP Task's `{StatusCode, StatusText,
/// Headers, ResponseBody}` for `arn:aws:states:::http:invoke`. A Task on a URL answers any
/// JSON: nothing to check.
fn validate_result(
    mode: FieldValidation,
    state: &State,
    fanout: Option<&Fanout>,
    result: &Value,
) -> Result<(), TestStateError> {
    let bad = |why: String| {
        let mode = if mode == FieldValidation::Strict {
            "STRICT"
        } else {
            "PRESENT"
        };
        Err(invalid(format!(
            "mock.result does not match the state's result model (fieldValidationMode {mode}): {why}"
        )))
    };
    if let Some(fanout) = fanout {
        let Value::Array(results) = result else {
            return bad(format!(
                "a {} state's result is an array",
                fanout.state().type_name()
            ));
        };
        if let (Some(n), FieldValidation::Strict) = (fanout.branch_count(), mode)
            && results.len() != n
        {
            return bad(format!("{} results for {n} branches", results.len()));
        }
        return Ok(());
    }
    let StateKind::Task(task) = &state.kind else {
        return Ok(());
    };
    if task.invoke != Invoke::HttpInvoke {
        return Ok(());
    }
    let Value::Object(fields) = result else {
        return bad("an HTTP Task's result is an object".into());
    };
    for (name, value) in fields {
        let fits = match name.as_str() {
            "StatusCode" => value.is_u64(),
            "StatusText" => value.is_string(),
            "Headers" => value.is_object(),
            "ResponseBody" => true,
            other => return bad(format!("'{other}' is not a field of an HTTP Task's result")),
        };
        if !fits {
            return bad(format!("'{name}' has the wrong type"));
        }
    }
    if mode == FieldValidation::Strict {
        for required in ["StatusCode", "StatusText"] {
            if !fields.contains_key(required) {
                return bad(format!("the required field '{required}' is missing"));
            }
        }
    }
    Ok(())
}

/// The retries made so far by each retrier: `retrierRetryCount` for the one matching the
/// mocked error, set on the running state so the core decides with it.
pub(super) fn retries_done(
    exec: &mut Execution,
    state: &State,
    request: &TestStateRequest,
) -> Vec<u32> {
    let mut counts = vec![0; state.retry.len()];
    if let (Some(n), Some(Mock::Error { error, .. })) =
        (request.config.retrier_retry_count, &request.mock)
    {
        let error = ErrorName::parse(error.as_deref().unwrap_or(""));
        if let Some(i) = state
            .retry
            .iter()
            .position(|r| error_matches(&r.error_equals, &error))
        {
            counts[i] = n;
        }
    }
    if let Some(frame) = exec.frames.get_mut(&0)
        && frame.retries.len() == counts.len()
    {
        frame.retries.clone_from(&counts);
    }
    counts
}

/// `errorDetails`: the retrier (and its backoff) or the catcher that handled the failure.
pub(super) fn error_details(
    state: &State,
    counts: &[u32],
    failure: &Failure,
    random: f64,
) -> Option<Value> {
    match recover(&state.retry, &state.catch, counts, &failure.error, random) {
        Recovery::Retry { retrier, delay, .. } => Some(json!({
            "retryIndex": retrier,
            "retryBackoffIntervalSeconds": delay.as_secs_f64().round() as u64,
        })),
        Recovery::Catch(i) => Some(json!({"catchIndex": i})),
        Recovery::Fail => None,
    }
}

/// A Choice state without a match: AWS's TestState answers `States.NoChoiceMatched` (an
/// execution reports `States.Runtime`).
pub(super) fn no_choice_matched(state: &State, response: &mut TestStateResponse) {
    let unmatched = matches!(state.kind, StateKind::Choice(_))
        && response.status == TestStatus::Failed
        && response.error.as_deref() == Some("States.Runtime")
        && response
            .cause
            .as_deref()
            .is_some_and(|c| c.ends_with("No Matches!"));
    if unmatched {
        response.error = Some("States.NoChoiceMatched".into());
    }
}
