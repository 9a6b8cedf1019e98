//! `POST /v1/test-state`: AWS's `TestState` on the REST API, with the same body and the same
//! answer (see `crate::aws::test_state`); errors are `{error, message}` with AWS's names.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::body::RawBody;
use super::errors::{ApiError, ErrorBody};
use crate::aws::shapes::Input;
use crate::server::SharedState;

/// How much the answer shows.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum InspectionLevelName {
    Info,
    Debug,
    Trace,
}

/// `mock.errorOutput`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MockErrorBody {
    #[schema(example = "Custom.Busy", max_length = 256)]
    pub error: Option<String>,
    #[schema(max_length = 32768)]
    pub cause: Option<String>,
}

/// How a mocked result is checked: `STRICT` (the default), `PRESENT` or `NONE`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum FieldValidationModeName {
    Strict,
    Present,
    None,
}

/// A mocked answer: `result` (JSON text) or `errorOutput`, not both.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MockBody {
    #[schema(example = "{\"ok\": true}", max_length = 262144)]
    pub result: Option<String>,
    pub error_output: Option<MockErrorBody>,
    pub field_validation_mode: Option<FieldValidationModeName>,
}

/// `stateConfiguration`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateConfigurationBody {
    #[schema(minimum = 0, maximum = 4294967295u64)]
    pub retrier_retry_count: Option<u64>,
    #[schema(min_length = 1, max_length = 80)]
    pub error_caused_by_state: Option<String>,
    #[schema(minimum = 0, maximum = 4294967295u64)]
    pub map_iteration_failure_count: Option<u64>,
    #[schema(max_length = 262144)]
    pub map_item_reader_data: Option<String>,
}

/// The request: AWS's `TestState` input.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestStateBody {
    /// One state, or a whole machine with `stateName`.
    #[schema(
        example = "{\"Type\": \"Pass\", \"Result\": 1, \"End\": true}",
        min_length = 1,
        max_length = 1048576
    )]
    pub definition: String,
    /// The state's input, JSON text.
    #[schema(example = "{\"a\": 1}", max_length = 262144)]
    pub input: Option<String>,
    pub inspection_level: Option<InspectionLevelName>,
    /// A JSON object of variables in scope, as JSON text.
    #[schema(max_length = 262144)]
    pub variables: Option<String>,
    #[schema(min_length = 1, max_length = 80)]
    pub state_name: Option<String>,
    pub mock: Option<MockBody>,
    /// A JSON object laid over the Context object; only with `mock`.
    #[schema(max_length = 262144)]
    pub context: Option<String>,
    pub state_configuration: Option<StateConfigurationBody>,
    /// Accepted, unused.
    #[schema(max_length = 256)]
    pub role_arn: Option<String>,
    /// Accepted, unused.
    pub reveal_secrets: Option<bool>,
}

/// `SUCCEEDED`, `FAILED`, `RETRIABLE` or `CAUGHT_ERROR`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TestStatusName {
    Succeeded,
    Failed,
    Retriable,
    CaughtError,
}

/// The answer: AWS's `TestState` output.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestStateView {
    pub status: TestStatusName,
    /// The state's output, JSON text.
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    /// `DEBUG` and `TRACE`: each step of the data flow (members as AWS's `InspectionData`).
    #[schema(value_type = Option<Object>)]
    pub inspection_data: Option<Value>,
}

/// Run one state on an input without an execution (AWS's `TestState`): a Task calls its
/// endpoint unless `mock` answers it; a Map or Parallel needs a mock standing for its
/// iterations' or branches' results.
#[utoipa::path(
    post, path = "/v1/test-state", tag = "state machines",
    request_body(content = TestStateBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The state's status, output or error, next state and inspection data", body = TestStateView),
        (status = 400, description = "InvalidDefinition, InvalidExecutionInput, ValidationException, SerializationException", body = ErrorBody),
        (status = 413, description = "PayloadTooLarge", body = ErrorBody),
    )
)]
pub async fn test_state(
    State(state): State<SharedState>,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    let error = |e: crate::aws::errors::AwsError| {
        let status = if e.status.is_client_error() {
            e.status
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(status, e.name, e.message)
    };
    let input = Input::parse(&body).map_err(error)?;
    crate::aws::test_state::test_state(&state, &input)
        .await
        .map(Json)
        .map_err(error)
}
