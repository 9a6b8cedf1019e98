//! Errors made below the handlers — the body limit (413), the request timeout (408), a
//! caught panic (500), a wrong method (405), a refused bearer token (401) — come out of
//! axum and tower-http as plain text or empty bodies. [`shaped_edge_errors`] rewrites them
//! into the error shape of the API the request was for, keeping the status and headers
//! (`Allow`, `WWW-Authenticate`; `Connection: close` after 413 is added outside it):
//!
//! | path | shape |
//! |---|---|
//! | `/` (AWS JSON 1.0) | `{"__type": "<namespace>#<Name>", "message": …}`, `application/x-amz-json-1.0`, `x-amzn-ErrorType`, `x-amzn-RequestId` ([`AwsError::edge`]) |
//! | everything else | `{"error": CODE, "message": …}`, `application/json` ([`rest::errors::edge_body`]) |
//!
//! A response already in its API's shape is left alone.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::aws::errors::{AMZ_JSON, AwsError};
use crate::server::SharedState;
use crate::{aws, rest};

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The middleware (see the module docs).
pub async fn shaped_edge_errors(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let aws = request.uri().path() == "/";
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let shaped = if aws {
        content_type(response.headers()).starts_with(AMZ_JSON)
    } else {
        content_type(response.headers()).starts_with("application/json")
    };
    if shaped {
        return response;
    }
    let limit = state.config.max_body_bytes;
    let (mut parts, _) = response.into_parts();
    let fresh = if aws {
        let mut fresh = AwsError::edge(status, limit).into_response();
        aws::with_request_id(&mut fresh);
        fresh
    } else {
        rest::errors::edge_body(status, limit).into_response()
    };
    // The new body's own headers replace the old body's; the others are kept.
    let (fresh_parts, body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &fresh_parts.headers {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}
