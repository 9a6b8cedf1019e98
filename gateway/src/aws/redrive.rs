//! `RedriveExecution`, and the redrive members of `DescribeExecution` and
//! `ListExecutions`.

use serde_json::{Map, Value, json};

use baton_engine::machine::Execution;
use baton_engine::machine::redrive::redrivable;
use baton_engine::store::Store;
use baton_engine::worker::now_ms;

use super::errors::AwsError;
use super::shapes::{Input, epoch};
use crate::server::SharedState;
use crate::service::RedriveRevision;
use crate::service::names::execution_id;

/// `RedriveExecution {executionArn, clientToken?}` → `{redriveDate}`: always on the
/// execution's own revision.
pub async fn redrive(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let id = execution_id(input.required("executionArn")?)?;
    let token = input.bounded("clientToken", 64)?;
    if token == Some("") {
        return Err(AwsError::validation(
            "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let exec = (state.service)
        .redrive_execution(&id, RedriveRevision::Own, token)
        .await?;
    Ok(json!({"redriveDate": epoch(exec.redrive_ms.unwrap_or_else(now_ms))}))
}

/// `redriveCount` and `redriveDate` of an `ExecutionListItem`.
pub fn add_redrive_members(members: &mut Map<String, Value>, exec: &Execution) {
    members.insert("redriveCount".into(), exec.redrive_count.into());
    if let Some(at) = exec.redrive_ms {
        members.insert("redriveDate".into(), epoch(at));
    }
}

/// `redriveStatus` and `redriveStatusReason` of `DescribeExecution`.
pub fn add_redrive_status<S: Store>(
    members: &mut Map<String, Value>,
    exec: &Execution,
    service: &crate::service::Service<S>,
) {
    let max = service.settings.max_history_events;
    match redrivable(exec, now_ms(), max) {
        Ok(()) => {
            members.insert("redriveStatus".into(), "REDRIVABLE".into());
        }
        Err(why) => {
            members.insert("redriveStatus".into(), "NOT_REDRIVABLE".into());
            members.insert("redriveStatusReason".into(), why.reason().into());
        }
    }
}

/// `ListExecutions`'s `redriveFilter`: whether an execution passes.
pub fn passes(filter: Option<&str>, exec: &Execution) -> bool {
    match filter {
        Some("REDRIVEN") => exec.redrive_count > 0,
        Some("NOT_REDRIVEN") => exec.redrive_count == 0,
        _ => true,
    }
}
