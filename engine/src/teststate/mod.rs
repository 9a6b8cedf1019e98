//! `TestState`: runs one state on an input through the pure core, without an execution and
//! without the store. A Task calls its real endpoint unless a mock is given (as AWS's
//! TestState calls the real service); a mock answers it (a callback at once). Retry and
//! Catch decide as in an execution: the status tells which (`RETRIABLE`, `CAUGHT_ERROR`).
//!
//! JSONata states run too: their inspection data is `input`, `afterArguments` (Task),
//! `result` and `variables`, and a failed expression (`States.QueryEvaluationError`) is
//! retried or caught like any error (`RETRIABLE`, `CAUGHT_ERROR`).
//!
//! Every state type runs. Map and Parallel need a mock, as on AWS: the mocked result stands
//! for the iterations' / branches' results (see `fanout`). `.waitForTaskToken` tasks need a
//! mock, as on AWS. `context` is laid over the Context object, `stateConfiguration` and
//! `mock.fieldValidationMode` are applied as `config` describes.

mod config;
mod definition;
mod fanout;
mod inspect;
mod jsonata;
mod outcome;

use serde_json::{Map, Value};

use baton_definitions::{ErrorName, Failure, StateKind};

use crate::http::HttpInvoker;
use crate::machine::{
    Effect, Event, Execution, Input, Machine, Outcome, PlainTokens, Settings, Step, Transition,
    apply, start,
};

pub use config::{FieldValidation, StateConfiguration};
pub use definition::SINGLE_STATE_NAME;

/// How much the answer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Inspection {
    /// Output, status and next state.
    Info,
    /// And each step of the data flow.
    Debug,
    /// And the HTTP request and response.
    Trace,
}

/// A mocked answer for the state's task.
#[derive(Debug, Clone, PartialEq)]
pub enum Mock {
    Result(Value),
    Error {
        error: Option<String>,
        cause: Option<String>,
    },
}

/// One TestState call.
#[derive(Debug, Clone)]
pub struct TestStateRequest {
    /// One state, or a whole machine with `state_name`.
    pub definition: String,
    pub state_name: Option<String>,
    pub input: Value,
    pub inspection: Inspection,
    /// Variables in scope (`$name`).
    pub variables: Map<String, Value>,
    pub mock: Option<Mock>,
    /// `mock.fieldValidationMode` (AWS's default: `STRICT`).
    pub validation: FieldValidation,
    /// `context`: a JSON object laid over the Context object (`$$`, `$states.context`).
    pub context: Option<Value>,
    /// `stateConfiguration`.
    pub config: StateConfiguration,
}

/// AWS's `TestExecutionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    Succeeded,
    Failed,
    Retriable,
    CaughtError,
}

impl TestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Succeeded => "SUCCEEDED",
            TestStatus::Failed => "FAILED",
            TestStatus::Retriable => "RETRIABLE",
            TestStatus::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// What a TestState call answers.
#[derive(Debug, Clone, PartialEq)]
pub struct TestStateResponse {
    pub status: TestStatus,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    /// DEBUG and TRACE: `inspectionData` as AWS shapes it.
    pub inspection_data: Option<Value>,
}

/// Why a TestState call was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TestStateError {
    #[error("{0}")]
    InvalidDefinition(String),
    #[error("{0}")]
    Validation(String),
}

/// What the HTTP call of the state's task did (TRACE).
#[derive(Debug, Default)]
struct Exchange {
    request: Option<crate::machine::HttpRequest>,
    result: Option<Result<Value, Failure>>,
}

/// Runs the request's state once.
pub async fn run(
    request: &TestStateRequest,
    settings: &Settings,
    http: Option<&HttpInvoker>,
) -> Result<TestStateResponse, TestStateError> {
    let (definition, name, fanout) =
        definition::machine(&request.definition, request.state_name.as_deref())?;
    let state = definition
        .state(&name)
        .expect("checked by definition::machine");
    config::check(request, state, fanout.as_ref())?;
    if let StateKind::Task(task) = &state.kind
        && task.wait_for_callback
        && request.mock.is_none()
    {
        return Err(TestStateError::Validation(
            "a .waitForTaskToken or Callback state is tested with a mock (mock.result or mock.errorOutput)".into(),
        ));
    }
    let settings = &Settings {
        context_overlay: request.context.clone(),
        ..settings.clone()
    };
    let machine = Machine {
        definition: &definition,
        settings,
        tokens: &PlainTokens,
    };
    let now = crate::clock::now_ms();
    let id = format!("TestState:{}", uuid::Uuid::new_v4());
    let (mut exec, _) = start(
        &machine,
        id,
        "TestState".into(),
        0,
        request.input.clone(),
        now,
    );
    if let Some(frame) = exec.frames.get_mut(&0) {
        frame.state.clone_from(&name);
        frame.variables = request.variables.clone();
    }
    let input = Input {
        now_ms: now,
        random: 0.5,
    };
    // A JSONata state's `Arguments`, over the state's input and the given variables.
    let after_arguments = (request.inspection >= Inspection::Debug)
        .then(|| jsonata::after_arguments(&machine, &exec, state, &request.input, input))
        .flatten();
    let mut history = Vec::new();
    let mut exchange = Exchange::default();
    let mut failure: Option<Failure> = None;
    let mut tx = apply(&machine, &mut exec, Event::Run { frame: 0 }, input);
    // A Map's failed iterations over its tolerance fail it, whatever the mock says.
    let mock = fanout::effective_mock(&machine, &exec, fanout.as_ref(), request)?;
    let request = &TestStateRequest {
        mock,
        ..request.clone()
    };
    let counts = config::retries_done(&mut exec, state, request);
    // At most a few steps: the task's answer (after a notification), a Wait's timer.
    for _ in 0..4 {
        history.append(&mut tx.history);
        let Some(event) = next_event(&exec, &tx, request, http, &mut exchange, &mut failure).await
        else {
            break;
        };
        tx = apply(&machine, &mut exec, event, input);
    }
    history.append(&mut tx.history);
    // A JSONata expression that failed (retried or caught) is in its `EvaluationFailed`.
    let failure = failure.or_else(|| jsonata::evaluation_failure(&history));
    let details = failure
        .as_ref()
        .and_then(|f| config::error_details(state, &counts, f, input.random));
    let mut response = outcome::outcome(&exec, &name, failure);
    config::no_choice_matched(state, &mut response);
    if request.inspection >= Inspection::Debug {
        let mut data = inspect::data(&machine, &exec, state, request, &history, &exchange);
        if let Value::Object(members) = &mut data {
            if let Some(after) = after_arguments {
                members.insert("afterArguments".into(), after);
            }
            if let Some(fanout) = &fanout {
                fanout::inspection(&machine, &exec, fanout, request, members);
            }
            let handled = matches!(
                response.status,
                TestStatus::Retriable | TestStatus::CaughtError
            );
            if let (true, Some(details)) = (handled, details) {
                members.insert("errorDetails".into(), details);
            }
        }
        response.inspection_data = Some(data);
    }
    Ok(response)
}

/// The event that answers what the last transition asked for, if any.
async fn next_event(
    exec: &Execution,
    tx: &Transition,
    request: &TestStateRequest,
    http: Option<&HttpInvoker>,
    exchange: &mut Exchange,
    failure: &mut Option<Failure>,
) -> Option<Event> {
    let frame = exec.frames.get(&0)?;
    match &frame.step {
        Step::Wait { timer, .. } => Some(Event::Timer { timer: *timer }),
        Step::Task(step) => {
            let mocked = request.mock.as_ref().map(mock_result);
            if let Some(Effect::Http {
                state,
                attempt,
                request: http_request,
                notify,
                ..
            }) = tx.effects.first()
            {
                let attempt = *attempt;
                if *notify {
                    // Not sent: the mock answers the callback after it.
                    return Some(Event::Submitted {
                        frame: 0,
                        state: state.clone(),
                        attempt,
                        result: Ok(Value::Object(Map::new())),
                    });
                }
                exchange.request = Some(http_request.clone());
                let result = match (mocked, http) {
                    (Some(result), _) => result,
                    (None, Some(http)) => http.invoke(http_request).await,
                    (None, None) => Err(Failure::runtime("no HTTP client")),
                };
                exchange.result = Some(result.clone());
                if let Err(f) = &result {
                    *failure = Some(f.clone());
                }
                return Some(Event::TaskResult {
                    frame: 0,
                    state: state.clone(),
                    attempt,
                    result,
                });
            }
            let result = mocked?;
            if let Err(f) = &result {
                *failure = Some(f.clone());
            }
            let outcome = match result {
                Ok(output) => Outcome::Success { output },
                Err(f) => Outcome::Failure {
                    error: Some(f.error.to_string()),
                    cause: f.cause,
                },
            };
            Some(Event::Callback {
                state: frame.state.clone(),
                attempt: step.attempt,
                outcome,
            })
        }
        _ => None,
    }
}

fn mock_result(mock: &Mock) -> Result<Value, Failure> {
    match mock {
        Mock::Result(value) => Ok(value.clone()),
        Mock::Error { error, cause } => Err(Failure {
            error: ErrorName::parse(error.as_deref().unwrap_or("")),
            cause: cause.clone(),
        }),
    }
}

#[cfg(test)]
mod tests;
