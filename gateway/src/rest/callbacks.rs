//! Callbacks: answers to a task waiting for its task token (`.waitForTaskToken` tasks and
//! `Callback` states). No bearer token: the signed task token in the path is the
//! capability, so the service that got the token can answer without an API credential.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::{JsonBody, Path, RawBody};
use super::errors::{ApiError, ErrorBody};
use super::executions::ErrorCause;
use crate::server::SharedState;
use crate::service::ServiceError;

/// A task token as Baton mints it: `bt1_` and base64url, 52 to 1,010 characters.
#[derive(Debug, ToSchema)]
#[schema(
    min_length = 52,
    max_length = 1010,
    pattern = "^bt1_[A-Za-z0-9_-]+$",
    example = "bt1_AQEAAAABAAEAAWEBYsdhZrgTfAFcwzJpc3NbSH8Bnmah1Yq4Yf1Z"
)]
pub struct TaskTokenText(pub String);

/// An empty object: the callback was accepted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {}

fn utf8(bytes: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes)
        .map_err(|_| ServiceError::InvalidOutput("the output is not UTF-8".into()).into())
}

/// The task succeeds; the body is its output (any JSON value, at most 256 KiB).
#[utoipa::path(
    post, path = "/v1/callbacks/{token}/success", tag = "callbacks",
    params(("token" = TaskTokenText, Path, description = "The task token")),
    request_body(content = Value, content_type = "application/json", description = "The task's output"),
    responses(
        (status = 200, description = "Accepted", body = Accepted),
        (status = 400, description = "InvalidToken, InvalidOutput (not JSON, or over 256 KiB)", body = ErrorBody),
        (status = 404, description = "TaskDoesNotExist: the execution ended or the attempt was cancelled", body = ErrorBody),
        (status = 409, description = "TaskTimedOut: the task already timed out or was answered", body = ErrorBody),
        (status = 413, description = "PayloadTooLarge", body = ErrorBody),
    )
)]
pub async fn success(
    State(state): State<SharedState>,
    Path(token): Path<String>,
    RawBody(body): RawBody,
) -> Result<Json<Accepted>, ApiError> {
    state
        .service
        .send_task_success(&token, utf8(&body)?)
        .await?;
    Ok(Json(Accepted {}))
}

/// The task fails with this error and cause, which its Retry and Catch see.
#[utoipa::path(
    post, path = "/v1/callbacks/{token}/failure", tag = "callbacks",
    params(("token" = TaskTokenText, Path, description = "The task token")),
    request_body(content = ErrorCause, content_type = "application/json"),
    responses(
        (status = 200, description = "Accepted", body = Accepted),
        (status = 400, description = "InvalidToken, ValidationException, BadRequest", body = ErrorBody),
        (status = 404, description = "TaskDoesNotExist: the execution ended or the attempt was cancelled", body = ErrorBody),
        (status = 409, description = "TaskTimedOut: the task already timed out or was answered", body = ErrorBody),
        (status = 413, description = "PayloadTooLarge", body = ErrorBody),
    )
)]
pub async fn failure(
    State(state): State<SharedState>,
    Path(token): Path<String>,
    JsonBody(body): JsonBody<ErrorCause>,
) -> Result<Json<Accepted>, ApiError> {
    body.check()?;
    state
        .service
        .send_task_failure(&token, body.error, body.cause)
        .await?;
    Ok(Json(Accepted {}))
}

/// The task is still working: resets its `HeartbeatSeconds` clock. No body.
#[utoipa::path(
    post, path = "/v1/callbacks/{token}/heartbeat", tag = "callbacks",
    params(("token" = TaskTokenText, Path, description = "The task token")),
    responses(
        (status = 200, description = "Accepted", body = Accepted),
        (status = 400, description = "InvalidToken", body = ErrorBody),
        (status = 404, description = "TaskDoesNotExist: the execution ended or the attempt was cancelled", body = ErrorBody),
        (status = 409, description = "TaskTimedOut: the task already timed out or was answered", body = ErrorBody),
        (status = 413, description = "PayloadTooLarge", body = ErrorBody),
    )
)]
pub async fn heartbeat(
    State(state): State<SharedState>,
    Path(token): Path<String>,
) -> Result<Json<Accepted>, ApiError> {
    state.service.send_task_heartbeat(&token).await?;
    Ok(Json(Accepted {}))
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    #[test]
    fn the_token_schema_matches_the_callbacks_crate() {
        let schema = serde_json::to_value(TaskTokenText::schema()).unwrap();
        assert_eq!(schema["minLength"], baton_callbacks::MIN_TOKEN_LEN);
        assert_eq!(schema["maxLength"], baton_callbacks::MAX_TOKEN_LEN);
        let prefix = format!("^{}", baton_callbacks::TOKEN_PREFIX);
        assert!(schema["pattern"].as_str().unwrap().starts_with(&prefix));
    }
}
