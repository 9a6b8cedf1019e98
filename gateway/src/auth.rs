//! Authentication of API routes: bearer tokens (`--auth-token`), and AWS SigV4 signatures on
//! the AWS endpoint when AWS credentials are configured. Callback routes carry their own
//! capability (the task token) and are not behind this layer.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::SharedState;

/// Compares without leaking where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn is_aws_request(headers: &HeaderMap) -> bool {
    headers.contains_key("x-amz-target")
}

/// Lets a request through when it carries an accepted credential.
pub async fn require_credentials(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let config = &state.config;
    let headers = request.headers();
    if is_aws_request(headers) && !config.aws_credentials.is_empty() {
        return crate::aws::sigv4::check(&state, request, next).await;
    }
    if config.auth_tokens.is_empty() {
        return next.run(request).await;
    }
    match bearer(headers) {
        Some(token) if config.auth_tokens.iter().any(|t| constant_time_eq(t.as_bytes(), token.as_bytes())) => {
            next.run(request).await
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": "Unauthorized", "message": "this route needs Authorization: Bearer <token>"})),
        )
            .into_response(),
    }
}
