//! SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat. The model's limits are checked
//! first, with AWS's `ValidationException`: `output` at most 262,144 bytes, `error` 256
//! and `cause` 32,768 characters, `taskToken` 2,048 characters.

use serde_json::{Value, json};

use baton_callbacks::{MAX_CAUSE_CHARS, MAX_ERROR_CHARS, MAX_OUTPUT_BYTES};

use super::errors::AwsError;
use super::shapes::Input;
use crate::server::SharedState;

/// `taskToken`: 1..=2048 characters.
fn token(input: &Input) -> Result<&str, AwsError> {
    let token = input.required("taskToken")?;
    if token.chars().count() > 2048 {
        return Err(AwsError::constraint(
            "taskToken",
            "…",
            "Member must have length less than or equal to 2048",
        ));
    }
    Ok(token)
}

pub async fn success(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let token = token(input)?;
    let output = input.required_payload("output", MAX_OUTPUT_BYTES)?;
    state.service.send_task_success(token, output).await?;
    Ok(json!({}))
}

pub async fn failure(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let token = token(input)?;
    let error = input.bounded("error", MAX_ERROR_CHARS)?.map(str::to_owned);
    let cause = input.bounded("cause", MAX_CAUSE_CHARS)?.map(str::to_owned);
    state.service.send_task_failure(token, error, cause).await?;
    Ok(json!({}))
}

pub async fn heartbeat(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    state.service.send_task_heartbeat(token(input)?).await?;
    Ok(json!({}))
}
