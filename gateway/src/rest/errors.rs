//! Errors of the REST API. Every error has one JSON shape,
//! `{"error": CODE, "message": "…"}`, plus `diagnostics` (every located problem) when a
//! definition is invalid. `CODE` is [`ServiceError::code`] or one of the edge codes below.
//!
//! | Status | Codes |
//! |---|---|
//! | 400 | `BadRequest` (malformed JSON, query or path), `InvalidDefinition` (+ `diagnostics`), `InvalidName`, `InvalidArn`, `InvalidExecutionInput`, `InvalidOutput`, `InvalidToken`, `ValidationException`, `ServiceQuotaExceededException` (1,000 versions or 100 aliases per machine) |
//! | 401 | `Unauthorized` (API routes when the server runs with `--auth-token` or `--aws-credentials`; see [`crate::auth`]) |
//! | 404 | `NotFound` (no such route), `StateMachineDoesNotExist`, `ExecutionDoesNotExist`, `TaskDoesNotExist`, `ResourceNotFound` (a version or alias) |
//! | 405 | `MethodNotAllowed` (the `Allow` header lists the methods) |
//! | 408 | `RequestTimeout` |
//! | 409 | `StateMachineAlreadyExists`, `ExecutionAlreadyExists`, `TaskTimedOut` (the task is closed), `ConflictException`, `ExecutionNotRedrivable`, `ExecutionLimitExceeded` (redriven 1,000 times), `RedriveStateMissing` (+ `diagnostics`: where the state must be in the revision given) |
//! | 413 | `PayloadTooLarge` (a body over [`crate::config::MAX_REQUEST_BYTES`]) |
//! | 500 | `InternalError` |
//! | 503 | `ServiceUnavailable`: the store refuses or cannot serve for now (unreachable, out of memory, read-only); nothing was changed, retry |
//!
//! Handlers return [`ApiError`]; plain-text errors made below the handlers (the body limit,
//! the timeout, a caught panic, 405) are rewritten to the same shape by [`crate::edge`].

use axum::Json;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use baton_definitions::{Diagnostic, Severity};

use crate::service::ServiceError;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: an AWS exception name (`StateMachineDoesNotExist`, `InvalidToken`, …)
    /// or an HTTP-level one (`BadRequest`, `NotFound`, `PayloadTooLarge`, …).
    #[schema(example = "StateMachineDoesNotExist")]
    pub error: String,
    /// What went wrong, for people.
    pub message: String,
    /// `InvalidDefinition`: every problem of the definition, located; `RedriveStateMissing`:
    /// where the state the execution resumes in must be, in the revision given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub diagnostics: Option<Vec<DiagnosticView>>,
}

/// `ERROR` (the definition cannot be saved) or `WARNING`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum DiagnosticSeverity {
    Error,
    Warning,
}

/// One problem of a definition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiagnosticView {
    pub severity: DiagnosticSeverity,
    /// A stable code such as `SCHEMA_VALIDATION_FAILED` or `MISSING_TRANSITION_TARGET`.
    #[schema(example = "MISSING_TRANSITION_TARGET")]
    pub code: String,
    pub message: String,
    /// A JSON Pointer (RFC 6901) to the field; empty for the whole document.
    #[schema(example = "/States/Charge/Next")]
    pub location: String,
    /// The 1-based line of the problem in the definition as sent (JSON or YAML), when
    /// known: at the key of a misplaced or misspelt field, at the value of a bad value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 12)]
    pub line: Option<usize>,
    /// The 1-based column (in characters) on that line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 7)]
    pub column: Option<usize>,
    /// The name probably meant, when the problem is a misspelt field, state name or state
    /// type (the message says "did you mean …?" too).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "Next")]
    pub suggestion: Option<String>,
}

impl From<&Diagnostic> for DiagnosticView {
    fn from(d: &Diagnostic) -> DiagnosticView {
        DiagnosticView {
            severity: match d.severity {
                Severity::Error => DiagnosticSeverity::Error,
                Severity::Warning => DiagnosticSeverity::Warning,
            },
            code: d.code.as_str().to_owned(),
            message: d.message.clone(),
            location: d.location.clone(),
            line: d.line,
            column: d.column,
            suggestion: d.suggestion.clone(),
        }
    }
}

/// An error response: a status and an [`ErrorBody`].
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error: code.to_owned(),
                message: message.into(),
                diagnostics: None,
            },
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// An invalid definition, with every diagnostic (errors and warnings).
    pub fn invalid_definition(message: String, diagnostics: &[Diagnostic]) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, "InvalidDefinition", message);
        e.body.diagnostics = Some(diagnostics.iter().map(DiagnosticView::from).collect());
        e
    }

    /// An extractor's rejection: its status, with the code that status has here.
    fn rejection(status: StatusCode, text: String) -> ApiError {
        ApiError::new(status, edge_code(status), text)
    }
}

/// The code of an error made by the HTTP layer rather than the service.
fn edge_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "BadRequest",
        StatusCode::UNAUTHORIZED => "Unauthorized",
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowed",
        StatusCode::REQUEST_TIMEOUT => "RequestTimeout",
        StatusCode::PAYLOAD_TOO_LARGE => "PayloadTooLarge",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaType",
        s if s.is_server_error() => "InternalError",
        _ => "BadRequest",
    }
}

/// The status of each service error (the table in the module docs).
pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::StateMachineDoesNotExist(_)
        | ServiceError::ExecutionDoesNotExist(_)
        | ServiceError::TaskDoesNotExist
        | ServiceError::ResourceNotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::StateMachineAlreadyExists(_)
        | ServiceError::ExecutionAlreadyExists(_)
        | ServiceError::TaskTimedOut
        | ServiceError::ExecutionNotRedrivable(_)
        | ServiceError::ExecutionLimitExceeded(_)
        | ServiceError::RedriveStateMissing { .. }
        | ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::InvalidDefinition { .. }
        | ServiceError::InvalidName(_)
        | ServiceError::InvalidArn(_)
        | ServiceError::InvalidExecutionInput(_)
        | ServiceError::InvalidOutput(_)
        | ServiceError::InvalidToken(_)
        | ServiceError::Validation(_)
        | ServiceError::QuotaExceeded(_) => StatusCode::BAD_REQUEST,
        ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        match &e {
            ServiceError::InvalidDefinition {
                message,
                diagnostics,
            } => ApiError::invalid_definition(message.clone(), diagnostics),
            ServiceError::RedriveStateMissing { pointer, .. } => {
                let mut error = ApiError::new(status_of(&e), e.code(), e.to_string());
                error.body.diagnostics = Some(vec![DiagnosticView {
                    severity: DiagnosticSeverity::Error,
                    code: "REDRIVE_STATE_MISSING".into(),
                    message: e.to_string(),
                    location: pointer.clone(),
                    line: None,
                    column: None,
                    suggestion: None,
                }]);
                error
            }
            _ => ApiError::new(status_of(&e), e.code(), e.to_string()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::rejection(r.status(), r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::rejection(r.status(), r.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> ApiError {
        ApiError::rejection(r.status(), r.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// The [`ApiError`] for an error made below the handlers (the body limit, the request
/// timeout, a caught panic, a wrong method), which [`crate::edge`] puts in place of axum's
/// plain text. `limit` is the server's largest request body.
pub fn edge_body(status: StatusCode, limit: usize) -> ApiError {
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is larger than {limit} bytes")
        }
        StatusCode::METHOD_NOT_ALLOWED => "this route does not take that method".to_owned(),
        StatusCode::REQUEST_TIMEOUT => "the request took too long".to_owned(),
        s => s.canonical_reason().unwrap_or("error").to_owned(),
    };
    ApiError::new(status, edge_code(status), message)
}
