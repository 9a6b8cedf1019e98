//! The answer's status, output, error and next state, read from the execution after the run.

use baton_definitions::Failure;

use super::{TestStateResponse, TestStatus};
use crate::machine::{Execution, Status, Step};

/// The status, output, error and next state after the run.
pub(super) fn outcome(exec: &Execution, name: &str, failure: Option<Failure>) -> TestStateResponse {
    let mut response = TestStateResponse {
        status: TestStatus::Succeeded,
        output: None,
        error: None,
        cause: None,
        next_state: None,
        inspection_data: None,
    };
    let error_of = |f: &Failure| {
        let e = f.error.to_string();
        (!e.is_empty()).then_some(e)
    };
    match exec.status {
        Status::Succeeded => response.output = exec.output.clone(),
        Status::Running => match exec.frames.get(&0) {
            Some(frame) if matches!(frame.step, Step::Backoff { .. }) => {
                response.status = TestStatus::Retriable;
                response.error = failure.as_ref().and_then(error_of);
                response.cause = failure.and_then(|f| f.cause);
            }
            Some(frame) if frame.step == Step::Enter => {
                response.output = Some(frame.input.clone());
                response.next_state = Some(frame.state.clone());
                if let Some(f) = failure {
                    response.status = TestStatus::CaughtError;
                    response.error = error_of(&f);
                    response.cause = f.cause;
                }
            }
            _ => {
                response.status = TestStatus::Failed;
                response.error = Some("States.Runtime".into());
                response.cause = Some(format!("the state '{name}' did not finish"));
            }
        },
        _ => {
            response.status = TestStatus::Failed;
            response.error.clone_from(&exec.error);
            response.cause.clone_from(&exec.cause);
        }
    }
    response
}
