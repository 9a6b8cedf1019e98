//! The AWS Step Functions API (AWS JSON 1.0) on `POST /`: the operation is named by
//! `X-Amz-Target: AWSStepFunctions.<Operation>`, the input is a JSON object, and the answer
//! is `application/x-amz-json-1.0` shaped as the AWS model (botocore `stepfunctions`
//! 2016-11-23) has it. Errors are AWS exceptions ([`errors::AwsError`]). Requests are
//! checked for SigV4 signatures by [`sigv4::check`] when AWS credentials are configured.
//!
//! | family | operations |
//! |---|---|
//! | [`machines`] | CreateStateMachine, UpdateStateMachine, DescribeStateMachine, DeleteStateMachine, ListStateMachines, ValidateStateMachineDefinition, DescribeStateMachineForExecution |
//! | [`executions`] | StartExecution, StartSyncExecution, DescribeExecution, ListExecutions, StopExecution |
//! | [`history`] | GetExecutionHistory |
//! | [`callbacks`] | SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat |
//! | [`tags`] | TagResource, UntagResource, ListTagsForResource (and CreateStateMachine `tags`) |
//! | [`versions`] | PublishStateMachineVersion, ListStateMachineVersions, DeleteStateMachineVersion (and `publish` on create and update, DescribeStateMachine on a version ARN) |
//! | [`aliases`] | CreateStateMachineAlias, DescribeStateMachineAlias, UpdateStateMachineAlias, DeleteStateMachineAlias, ListStateMachineAliases |
//! | [`test_state`] | TestState |
//! | [`map_runs`] | DescribeMapRun, ListMapRuns, UpdateMapRun (refused) |

pub mod aliases;
pub mod callbacks;
pub mod errors;
pub mod executions;
pub mod express;
pub mod history;
pub mod machines;
pub mod map_runs;
pub mod redrive;
pub mod shapes;
pub mod sigv4;
pub mod tags;
pub mod test_state;
pub mod versions;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::server::SharedState;
use errors::{AMZ_JSON, AwsError};
use shapes::Input;

/// `X-Amz-Target` is `AWSStepFunctions.<Operation>`.
const TARGET_PREFIX: &str = "AWSStepFunctions.";

/// The operations Baton serves.
pub const OPERATIONS: &[&str] = &[
    "CreateStateMachine",
    "UpdateStateMachine",
    "DescribeStateMachine",
    "DeleteStateMachine",
    "ListStateMachines",
    "ValidateStateMachineDefinition",
    "DescribeStateMachineForExecution",
    "StartExecution",
    "StartSyncExecution",
    "DescribeExecution",
    "ListExecutions",
    "StopExecution",
    "RedriveExecution",
    "GetExecutionHistory",
    "SendTaskSuccess",
    "SendTaskFailure",
    "SendTaskHeartbeat",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "PublishStateMachineVersion",
    "ListStateMachineVersions",
    "DeleteStateMachineVersion",
    "CreateStateMachineAlias",
    "DescribeStateMachineAlias",
    "UpdateStateMachineAlias",
    "DeleteStateMachineAlias",
    "ListStateMachineAliases",
    "TestState",
    "DescribeMapRun",
    "ListMapRuns",
    "UpdateMapRun",
];

/// `POST /`.
pub async fn handle(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let operation: Option<&'static str> = target
        .strip_prefix(TARGET_PREFIX)
        .and_then(|op| OPERATIONS.iter().find(|known| **known == op).copied());
    let result = match operation {
        None => Err(AwsError::unknown_operation(target)),
        Some(op) => match body
            .map_err(|r| unreadable(r, state.config.max_body_bytes))
            .and_then(|b| Input::parse(&b))
        {
            Ok(input) => dispatch(&state, op, &input).await,
            Err(e) => Err(e),
        },
    };
    let outcome = match &result {
        Ok(_) => "ok",
        Err(e) => e.name,
    };
    metrics::counter!(
        "baton_aws_requests_total",
        "operation" => operation.unwrap_or("unknown"),
        "outcome" => outcome
    )
    .increment(1);
    let mut response = match result {
        Ok(value) => ([(header::CONTENT_TYPE, AMZ_JSON)], value.to_string()).into_response(),
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!(operation = operation.unwrap_or(target), error = %e.message, "AWS API call failed");
            }
            e.into_response()
        }
    };
    with_request_id(&mut response);
    response
}

/// The body could not be read: over the body limit (`limit`) without a `Content-Length`
/// that said so up front, or cut off.
fn unreadable(rejection: BytesRejection, limit: usize) -> AwsError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AwsError::too_large(limit),
        status => AwsError {
            status,
            ..AwsError::serialization(rejection.body_text())
        },
    }
}

/// Every response carries `x-amzn-RequestId`.
pub fn with_request_id(response: &mut Response) {
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
}

async fn dispatch(state: &SharedState, operation: &str, input: &Input) -> Result<Value, AwsError> {
    match operation {
        "CreateStateMachine" => machines::create(state, input).await,
        "UpdateStateMachine" => machines::update(state, input).await,
        "DescribeStateMachine" => machines::describe(state, input).await,
        "DeleteStateMachine" => machines::delete(state, input).await,
        "ListStateMachines" => machines::list(state, input).await,
        "ValidateStateMachineDefinition" => machines::validate(state, input).await,
        "DescribeStateMachineForExecution" => machines::describe_for_execution(state, input).await,
        "StartExecution" => executions::start(state, input).await,
        "StartSyncExecution" => executions::start_sync(state, input).await,
        "DescribeExecution" => executions::describe(state, input).await,
        "ListExecutions" => executions::list(state, input).await,
        "StopExecution" => executions::stop(state, input).await,
        "RedriveExecution" => redrive::redrive(state, input).await,
        "GetExecutionHistory" => history::get(state, input).await,
        "SendTaskSuccess" => callbacks::success(state, input).await,
        "SendTaskFailure" => callbacks::failure(state, input).await,
        "SendTaskHeartbeat" => callbacks::heartbeat(state, input).await,
        "TagResource" => tags::tag(state, input).await,
        "UntagResource" => tags::untag(state, input).await,
        "ListTagsForResource" => tags::list(state, input).await,
        "PublishStateMachineVersion" => versions::publish(state, input).await,
        "ListStateMachineVersions" => versions::list(state, input).await,
        "DeleteStateMachineVersion" => versions::delete(state, input).await,
        "CreateStateMachineAlias" => aliases::create(state, input).await,
        "DescribeStateMachineAlias" => aliases::describe(state, input).await,
        "UpdateStateMachineAlias" => aliases::update(state, input).await,
        "DeleteStateMachineAlias" => aliases::delete(state, input).await,
        "ListStateMachineAliases" => aliases::list(state, input).await,
        "TestState" => test_state::test_state(state, input).await,
        "DescribeMapRun" => map_runs::describe(state, input).await,
        "ListMapRuns" => map_runs::list(state, input).await,
        "UpdateMapRun" => map_runs::update(state, input).await,
        other => Err(AwsError::unknown_operation(other)),
    }
}
