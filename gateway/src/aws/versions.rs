//! Versions: PublishStateMachineVersion, ListStateMachineVersions,
//! DeleteStateMachineVersion, and DescribeStateMachine on a version ARN. (CreateStateMachine
//! and UpdateStateMachine publish with `publish: true`: [`super::machines`].)

use serde_json::{Value, json};

use baton_engine::store::{StateMachineRecord, VersionRecord};

use super::errors::AwsError;
use super::shapes::{Input, epoch, object};
use crate::server::SharedState;
use crate::service::ServiceError;
use crate::service::names::state_machine_name;
use crate::service::qualified::version_target;

/// `VersionDescription`: at most 256 characters.
pub fn version_description(input: &Input, member: &str) -> Result<Option<String>, AwsError> {
    Ok(input.bounded(member, 256)?.map(str::to_owned))
}

/// A `nextToken` of a listing that pages by number: the last one of the previous page.
pub fn number_token(input: &Input) -> Result<Option<u32>, AwsError> {
    let Some(token) = input.str("nextToken")? else {
        return Ok(None);
    };
    match token.parse::<u32>() {
        Ok(n) => Ok(Some(n)),
        Err(_) => Err(ServiceError::InvalidToken(format!(
            "'{token}' is not a token of this listing"
        ))
        .into()),
    }
}

pub async fn publish(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let name = state_machine_name(input.required("stateMachineArn")?)?;
    let revision = input.str("revisionId")?;
    let description = version_description(input, "description")?;
    let (v, _) = (state.service)
        .publish_version(&name, revision, description.as_deref())
        .await?;
    Ok(json!({
        "creationDate": epoch(v.created_ms),
        "stateMachineVersionArn": state.service.version_arn(&name, v.version),
    }))
}

pub async fn list(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let name = state_machine_name(input.required("stateMachineArn")?)?;
    let limit = input.max_results(100, 1000)?;
    let after = number_token(input)?;
    let (versions, next) = state.service.list_versions(&name, after, limit).await?;
    let items: Vec<Value> = (versions.iter())
        .map(|v| {
            json!({
                "stateMachineVersionArn": state.service.version_arn(&name, v.version),
                "creationDate": epoch(v.created_ms),
            })
        })
        .collect();
    Ok(object([
        ("stateMachineVersions", Value::Array(items)),
        (
            "nextToken",
            next.map_or(Value::Null, |n| n.to_string().into()),
        ),
    ]))
}

pub async fn delete(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let (name, version) = version_target(input.required("stateMachineVersionArn")?)?;
    state.service.delete_version(&name, version).await?;
    Ok(json!({}))
}

/// DescribeStateMachine of a version: the revision it pins, under the version's ARN, with
/// its description and creation date.
pub fn described_version(
    state: &SharedState,
    version: &VersionRecord,
    record: &StateMachineRecord,
) -> Value {
    object([
        (
            "stateMachineArn",
            state
                .service
                .version_arn(&record.name, version.version)
                .into(),
        ),
        ("name", record.name.clone().into()),
        ("status", "ACTIVE".into()),
        ("definition", record.definition.clone().into()),
        ("roleArn", record.role_arn.clone().into()),
        ("type", record.kind.clone().into()),
        ("creationDate", epoch(version.created_ms)),
        ("revisionId", record.revision.to_string().into()),
        (
            "description",
            version.description.clone().map_or(Value::Null, Value::from),
        ),
        (
            "loggingConfiguration",
            json!({"level": "OFF", "includeExecutionData": false}),
        ),
        ("tracingConfiguration", json!({"enabled": false})),
    ])
}
