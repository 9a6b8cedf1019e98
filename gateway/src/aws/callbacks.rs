//! SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.

use serde_json::{Value, json};

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
    let output = input.required("output")?;
    state.service.send_task_success(token, output).await?;
    Ok(json!({}))
}

pub async fn failure(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let token = token(input)?;
    let error = input.bounded("error", 256)?.map(str::to_owned);
    let cause = input.bounded("cause", 32_768)?.map(str::to_owned);
    state.service.send_task_failure(token, error, cause).await?;
    Ok(json!({}))
}

pub async fn heartbeat(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    state.service.send_task_heartbeat(token(input)?).await?;
    Ok(json!({}))
}
