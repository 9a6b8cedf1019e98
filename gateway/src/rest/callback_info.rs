//! `GET /v1/callbacks/{token}`: what a task token waits for, for the person or service
//! holding it (the console's approval page). No bearer token: the task token is the
//! capability, and the answer shows only its own execution and state.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Path;
use super::callbacks::TaskTokenText;
use super::errors::{ApiError, ErrorBody};
use super::rfc3339;
use super::views::ExecutionStatus;
use crate::server::SharedState;
use crate::service::TokenState;

/// Where the token's task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallbackOutcome {
    /// Open: `success`, `failure` and `heartbeat` are taken.
    Waiting,
    /// Already answered (success or failure).
    Answered,
    /// Timed out (`TimeoutSeconds` or `HeartbeatSeconds` passed).
    TimedOut,
    /// Closed (answered or timed out; the recent history does not say which).
    Closed,
    /// The execution ended.
    ExecutionEnded,
}

/// The execution a token belongs to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenExecution {
    pub name: String,
    pub state_machine: String,
    pub arn: String,
    pub status: ExecutionStatus,
    #[schema(format = DateTime)]
    pub started_at: String,
}

/// What a task token waits for.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallbackView {
    pub execution: TokenExecution,
    /// The state waiting.
    pub state: String,
    pub attempt: u32,
    /// True while an answer is taken.
    pub waiting: bool,
    pub outcome: CallbackOutcome,
    /// The state's input (while waiting).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value, nullable = false)]
    pub input: Option<Value>,
    /// What the task was given (its `Parameters` applied), while waiting.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value, nullable = false)]
    pub parameters: Option<Value>,
    /// When the state began waiting.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub since: Option<String>,
}

/// What the task of this token waits for, and whether it still takes an answer.
#[utoipa::path(
    get, path = "/v1/callbacks/{token}", tag = "callbacks",
    params(("token" = TaskTokenText, Path, description = "The task token")),
    responses(
        (status = 200, description = "The token's task", body = CallbackView),
        (status = 400, description = "InvalidToken", body = ErrorBody),
        (status = 404, description = "TaskDoesNotExist: the execution no longer exists", body = ErrorBody),
    )
)]
pub async fn describe_callback(
    State(state): State<SharedState>,
    Path(token): Path<String>,
) -> Result<Json<CallbackView>, ApiError> {
    let info = state.service.callback_info(&token).await?;
    let e = &info.execution;
    let outcome = match info.token_state {
        TokenState::Waiting => CallbackOutcome::Waiting,
        TokenState::Answered => CallbackOutcome::Answered,
        TokenState::TimedOut => CallbackOutcome::TimedOut,
        TokenState::Closed => CallbackOutcome::Closed,
        TokenState::ExecutionEnded => CallbackOutcome::ExecutionEnded,
    };
    Ok(Json(CallbackView {
        execution: TokenExecution {
            name: e.name.clone(),
            state_machine: e.state_machine.clone(),
            arn: state.service.settings.execution_arn(&e.id),
            status: e.status.into(),
            started_at: rfc3339(e.start_ms),
        },
        state: info.state,
        attempt: info.attempt,
        waiting: outcome == CallbackOutcome::Waiting,
        outcome,
        input: info.input,
        parameters: info.parameters,
        since: info.since_ms.map(rfc3339),
    }))
}
