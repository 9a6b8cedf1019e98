//! Map Run operations: DescribeMapRun, ListMapRuns and UpdateMapRun (refused).
//!
//! A Map Run is a run of a distributed Map (`ProcessorConfig.Mode: DISTRIBUTED`); Baton runs
//! its iterations inline, one per item, so `executionCounts` (AWS's child executions) are
//! the item counts. `ListMapRuns` pages with tokens `m1.<index>.<tag>`, where the tag binds
//! the token to the execution.

use serde_json::{Value, json};

use baton_engine::machine::{Execution, MapRun, Settings};

use super::errors::AwsError;
use super::shapes::{Input, epoch, execution_arn, object};
use crate::server::SharedState;
use crate::service::ServiceError;
use crate::service::names::execution_id;

/// `itemCounts` (and `executionCounts`) of a run.
fn counts(run: &MapRun) -> Value {
    json!({
        "pending": run.pending(),
        "running": run.running(),
        "succeeded": run.succeeded,
        "failed": run.failed,
        "timedOut": 0,
        "aborted": run.aborted,
        "total": run.total,
        "resultsWritten": 0,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    })
}

/// `DescribeMapRunOutput`.
pub fn description(settings: &Settings, exec: &Execution, run: &MapRun) -> Value {
    object([
        ("mapRunArn", run.arn(settings, exec).into()),
        ("executionArn", execution_arn(settings, exec).into()),
        ("status", run.status.as_str().into()),
        ("startDate", epoch(run.start_ms)),
        ("stopDate", run.stop_ms.map_or(Value::Null, epoch)),
        ("maxConcurrency", run.max_concurrency.into()),
        (
            "toleratedFailurePercentage",
            run.tolerated_percentage.into(),
        ),
        ("toleratedFailureCount", run.tolerated_count.into()),
        ("itemCounts", counts(run)),
        ("executionCounts", counts(run)),
        ("redriveCount", run.redrive_count.into()),
        ("redriveDate", run.redrive_ms.map_or(Value::Null, epoch)),
    ])
}

/// `MapRunListItem`.
pub fn list_item(settings: &Settings, exec: &Execution, run: &MapRun) -> Value {
    object([
        ("executionArn", execution_arn(settings, exec).into()),
        ("mapRunArn", run.arn(settings, exec).into()),
        (
            "stateMachineArn",
            settings.state_machine_arn(&exec.state_machine).into(),
        ),
        ("startDate", epoch(run.start_ms)),
        ("stopDate", run.stop_ms.map_or(Value::Null, epoch)),
    ])
}

/// FNV-1a over the execution id.
fn tag(execution: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in execution.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

pub fn encode_token(execution: &str, index: usize) -> String {
    format!("m1.{index}.{:08x}", tag(execution))
}

/// The index a token names, if it is a token of this execution's listing.
pub fn decode_token(token: &str, execution: &str) -> Option<usize> {
    let mut parts = token.split('.');
    let (Some("m1"), Some(index), Some(check), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let index: usize = index.parse().ok()?;
    let fits = check.len() == 8 && u32::from_str_radix(check, 16).ok() == Some(tag(execution));
    fits.then_some(index)
}

/// One page of an execution's runs, oldest first, and the token of the next.
pub fn page<'e>(
    exec: &'e Execution,
    token: Option<&str>,
    limit: usize,
) -> Result<(Vec<&'e MapRun>, Option<String>), ServiceError> {
    let from = match token {
        None => 0,
        Some(token) => decode_token(token, &exec.id).ok_or_else(|| {
            ServiceError::InvalidToken(format!("'{token}' is not a token of this Map Run listing"))
        })?,
    };
    let runs: Vec<&MapRun> = exec.map_runs.iter().skip(from).take(limit).collect();
    let end = from + runs.len();
    let next = (end < exec.map_runs.len()).then(|| encode_token(&exec.id, end));
    Ok((runs, next))
}

pub async fn describe(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.bounded("mapRunArn", 2000)?;
    let arn = arn.ok_or_else(|| AwsError::missing("mapRunArn"))?;
    let (exec, run) = state.service.describe_map_run(arn).await?;
    Ok(description(&state.service.settings, &exec, &run))
}

pub async fn list(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let id = execution_id(input.required("executionArn")?)?;
    let limit = input.max_results(100, 1000)?;
    let token = input.bounded("nextToken", 1024)?;
    let exec = state.service.describe_execution(&id).await?;
    let settings = &state.service.settings;
    let (runs, next) = page(&exec, token, limit)?;
    let items: Vec<Value> = runs.iter().map(|r| list_item(settings, &exec, r)).collect();
    Ok(object([
        ("mapRuns", Value::Array(items)),
        ("nextToken", next.map_or(Value::Null, Value::from)),
    ]))
}

/// Baton does not change a running Map Run: its concurrency and failure tolerance are
/// fixed when it starts. The ARN is checked and the run looked up first, so a bad or
/// unknown ARN answers as AWS does.
pub async fn update(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.bounded("mapRunArn", 2000)?;
    let arn = arn.ok_or_else(|| AwsError::missing("mapRunArn"))?;
    state.service.describe_map_run(arn).await?;
    Err(AwsError::validation(format!(
        "UpdateMapRun is not supported by Baton: the Map Run '{arn}' keeps the MaxConcurrency and tolerated failures it started with"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_stay_in_their_listing() {
        let token = encode_token("orders:run-1", 3);
        assert_eq!(decode_token(&token, "orders:run-1"), Some(3));
        assert_eq!(decode_token(&token, "orders:run-2"), None);
        for bad in ["", "m1", "m1.x.00000000", "m2.1.00000000", "m1.1.1.1"] {
            assert_eq!(decode_token(bad, "orders:run-1"), None, "{bad}");
        }
    }
}
