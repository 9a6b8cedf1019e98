//! Execution operations: StartExecution, StartSyncExecution, DescribeExecution,
//! ListExecutions and StopExecution.

use serde_json::{Value, json};

use baton_engine::machine::{Execution, QueuedEvent, Status};
use baton_engine::store::{ExecutionFilter, Store};
use baton_engine::worker::now_ms;

use super::errors::AwsError;
use super::shapes::{Input, epoch, execution_arn, execution_item, json_text, object};
use crate::server::SharedState;
use crate::service::names::{execution_id, state_machine_name};
use crate::service::{MAX_PAYLOAD_BYTES, MachineKind, ServiceError, StartOptions};

const STATUSES: &[&str] = &[
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "TIMED_OUT",
    "ABORTED",
    "PENDING_REDRIVE",
];

fn start_options(
    input: &Input,
    sync: bool,
    test_case: Option<&str>,
) -> Result<StartOptions, AwsError> {
    Ok(StartOptions {
        name: input.str("name")?.map(str::to_owned),
        input: input
            .payload("input", MAX_PAYLOAD_BYTES)?
            .map(str::to_owned),
        sync,
        test_case: test_case.map(str::to_owned),
    })
}

/// `<state machine ARN>#<test case>` (Step Functions Local's way to run a test case of the
/// mock configuration): the ARN and the test case.
fn split_test_case(arn: &str) -> (&str, Option<&str>) {
    match arn.split_once('#') {
        Some((arn, case)) => (arn, Some(case)),
        None => (arn, None),
    }
}

pub async fn start(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let (arn, test_case) = split_test_case(input.required("stateMachineArn")?);
    let machine = state_machine_name(arn)?;
    let options = start_options(input, false, test_case)?;
    let exec = state.service.start_execution(&machine, options).await?;
    Ok(json!({
        "executionArn": execution_arn(&state.service.settings, &exec),
        "startDate": epoch(exec.start_ms),
    }))
}

/// Runs an EXPRESS execution to its end (or the configured sync timeout) and returns its
/// outcome; HTTP 200 even when the execution failed.
pub async fn start_sync(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let (arn, test_case) = split_test_case(input.required("stateMachineArn")?);
    let machine = state_machine_name(arn)?;
    let record = state.service.describe_state_machine(&machine).await?;
    if MachineKind::parse(Some(&record.kind))? != MachineKind::Express {
        return Err(AwsError::new(
            "StateMachineTypeNotSupported",
            format!(
                "This operation is not supported by this type of state machine: '{arn}' is STANDARD"
            ),
        ));
    }
    let options = start_options(input, true, test_case)?;
    let started = state.service.start_execution(&machine, options).await?;
    let timeout = state.config.sync_timeout;
    let mut exec = state.service.wait_for_end(&started.id, timeout).await?;
    let mut timed_out = None;
    if !exec.status.is_final() {
        // The caller stops waiting; so does the execution.
        let cause = format!("the execution did not end within {} s", timeout.as_secs());
        state
            .service
            .store
            .send_event(
                &exec.id,
                QueuedEvent::Stop {
                    error: Some("States.Timeout".into()),
                    cause: Some(cause.clone()),
                },
            )
            .await
            .map_err(ServiceError::from)?;
        exec.stop_ms = Some(now_ms());
        timed_out = Some(cause);
    }
    let stop_ms = exec.stop_ms.unwrap_or_else(now_ms);
    let status = match (exec.status, &timed_out) {
        (_, Some(_)) | (Status::TimedOut, _) => "TIMED_OUT",
        (Status::Succeeded, _) => "SUCCEEDED",
        _ => "FAILED",
    };
    let (error, cause) = match timed_out {
        Some(cause) => (Some("States.Timeout".to_owned()), Some(cause)),
        None => (exec.error.clone(), exec.cause.clone()),
    };
    let billed_ms = ((stop_ms - exec.start_ms).max(0) as u64)
        .div_ceil(100)
        .max(1)
        * 100;
    Ok(object([
        (
            "executionArn",
            execution_arn(&state.service.settings, &exec).into(),
        ),
        (
            "stateMachineArn",
            state.service.settings.state_machine_arn(&machine).into(),
        ),
        ("name", exec.name.clone().into()),
        ("startDate", epoch(exec.start_ms)),
        ("stopDate", epoch(stop_ms)),
        ("status", status.into()),
        ("error", error.map_or(Value::Null, Value::from)),
        ("cause", cause.map_or(Value::Null, Value::from)),
        ("input", json_text(&exec.input)),
        ("inputDetails", json!({"included": true})),
        (
            "output",
            exec.output.as_ref().map_or(Value::Null, json_text),
        ),
        (
            "outputDetails",
            exec.output
                .as_ref()
                .map_or(Value::Null, |_| json!({"included": true})),
        ),
        (
            "billingDetails",
            json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed_ms}),
        ),
    ]))
}

/// `DescribeExecutionOutput`.
fn described(state: &SharedState, exec: &Execution) -> Value {
    let mut out = execution_item(&state.service.settings, exec);
    if let Value::Object(members) = &mut out {
        members.insert("input".into(), json_text(&exec.input));
        members.insert("inputDetails".into(), json!({"included": true}));
        if let Some(output) = &exec.output {
            members.insert("output".into(), json_text(output));
            members.insert("outputDetails".into(), json!({"included": true}));
        }
        if let Some(error) = &exec.error {
            members.insert("error".into(), error.clone().into());
        }
        if let Some(cause) = &exec.cause {
            members.insert("cause".into(), cause.clone().into());
        }
    }
    out
}

pub async fn describe(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let id = execution_id(input.required("executionArn")?)?;
    let exec = state.service.describe_execution(&id).await?;
    Ok(described(state, &exec))
}

pub async fn list(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let arn = match (input.str("stateMachineArn")?, input.str("mapRunArn")?) {
        (Some(arn), None) => arn,
        (None, Some(map_run)) => {
            return Err(
                ServiceError::InvalidArn(format!("{map_run} (Baton has no Map Runs)")).into(),
            );
        }
        (Some(_), Some(_)) => {
            return Err(AwsError::validation(
                "give either stateMachineArn or mapRunArn, not both",
            ));
        }
        (None, None) => return Err(AwsError::missing("stateMachineArn")),
    };
    let machine = state_machine_name(arn)?;
    let filter = input.one_of("statusFilter", STATUSES)?;
    let limit = input.max_results(100, 1000)?;
    let cursor = input.str("nextToken")?;
    if let Some(token) = cursor
        && !is_listing_token(token, &machine)
    {
        return Err(ServiceError::InvalidToken(format!(
            "'{token}' is not a token of this listing"
        ))
        .into());
    }
    let nothing = filter == Some("PENDING_REDRIVE")
        || input.one_of("redriveFilter", &["REDRIVEN", "NOT_REDRIVEN"])? == Some("REDRIVEN");
    if nothing {
        state.service.describe_state_machine(&machine).await?;
        return Ok(json!({"executions": []}));
    }
    let status = ExecutionFilter::status(filter.and_then(Status::parse));
    let page = state
        .service
        .list_executions(&machine, &status, cursor, limit)
        .await?;
    let settings = &state.service.settings;
    let items: Vec<Value> = page
        .executions
        .iter()
        .map(|e| execution_item(settings, e))
        .collect();
    Ok(object([
        ("executions", Value::Array(items)),
        ("nextToken", page.next.map_or(Value::Null, Value::from)),
    ]))
}

/// The stores' listing cursor: `<start ms>|<state machine>:<execution name>`.
fn is_listing_token(token: &str, machine: &str) -> bool {
    token.split_once('|').is_some_and(|(start, id)| {
        !start.is_empty()
            && start.bytes().all(|b| b.is_ascii_digit())
            && id
                .strip_prefix(machine)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|name| !name.is_empty())
    })
}

pub async fn stop(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let id = execution_id(input.required("executionArn")?)?;
    let error = input.bounded("error", 256)?.map(str::to_owned);
    let cause = input.bounded("cause", 32_768)?.map(str::to_owned);
    let exec = state.service.stop_execution(&id, error, cause).await?;
    Ok(json!({"stopDate": epoch(exec.stop_ms.unwrap_or_else(now_ms))}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_tokens_belong_to_their_state_machine() {
        assert!(is_listing_token("1700000000000|orders:run-1", "orders"));
        assert!(!is_listing_token("1700000000000|other:run-1", "orders"));
        assert!(!is_listing_token("1700000000000|ordersX:run-1", "orders"));
        assert!(!is_listing_token("x|orders:run-1", "orders"));
        assert!(!is_listing_token("garbage", "orders"));
    }
}
