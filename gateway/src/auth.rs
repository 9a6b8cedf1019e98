//! Authentication of the API surfaces. One rule: when any credential is configured
//! (`--auth-token` or `--aws-credentials`), every API route needs one; nothing is left open
//! because only the other kind was configured.
//!
//! | surface | nothing configured | `--auth-token` | `--aws-credentials` | both |
//! |---|---|---|---|---|
//! | REST `/v1/…` (not callbacks) | open | bearer | SigV4 | bearer or SigV4 |
//! | AWS endpoint `POST /` (every operation, SendTask* included) | open | bearer | SigV4 | bearer or SigV4 |
//! | REST callbacks `/v1/callbacks/{token}/…` | open | open | open | open |
//! | `/livez`, `/readyz`, `/healthz`, `/metrics`, `/openapi.json` | open | open | open | open |
//!
//! REST callbacks stay open by design: the signed task token in the path is the capability.
//! The AWS endpoint's SendTaskSuccess/Failure/Heartbeat need a credential, as on AWS.
//!
//! Refusals: on REST, 401 `Unauthorized` (with `WWW-Authenticate`) when no accepted
//! credential was presented, and a bad SigV4 signature is 403 with the AWS exception name as
//! `error`; on the AWS endpoint, a bad or missing signature is 403 in AWS's shape
//! ([`crate::aws::sigv4`]) when AWS credentials are configured, and a missing or wrong
//! bearer token is 401 `MissingAuthenticationTokenException`.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::aws::errors::AwsError;
use crate::aws::sigv4::{self, canonical::ALGORITHM};
use crate::config::GatewayConfig;
use crate::server::SharedState;

/// Compares without leaking where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the `Authorization` header presents.
enum Presented<'a> {
    Nothing,
    Bearer(&'a str),
    SigV4,
    Other,
}

fn presented(headers: &HeaderMap) -> Presented<'_> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Presented::Nothing;
    };
    let Ok(text) = value.to_str() else {
        return Presented::Other;
    };
    if let Some(token) = text.strip_prefix("Bearer ") {
        Presented::Bearer(token)
    } else if text.starts_with(ALGORITHM) {
        Presented::SigV4
    } else {
        Presented::Other
    }
}

fn token_accepted(config: &GatewayConfig, token: &str) -> bool {
    config
        .auth_tokens
        .iter()
        .any(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
}

/// The REST API (`/v1`, callbacks apart): a bearer token or a SigV4 signature.
pub async fn require_rest_credentials(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let config = &state.config;
    if !config.requires_credentials() {
        return next.run(request).await;
    }
    match presented(request.headers()) {
        Presented::Bearer(token) if token_accepted(config, token) => next.run(request).await,
        Presented::SigV4 if !config.aws_credentials.is_empty() => {
            match sigv4::verified(&state, request).await {
                Ok(request) => next.run(request).await,
                Err(e) => rest_error(e.status, e.name, &e.message, None),
            }
        }
        _ if config.auth_tokens.is_empty() => rest_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "this route needs an AWS SigV4 signature (AWS4-HMAC-SHA256, service `states`) made \
             with one of the --aws-credentials; start baton with --auth-token to use bearer tokens",
            Some(ALGORITHM),
        ),
        _ => rest_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "this route needs Authorization: Bearer <token>",
            Some("Bearer"),
        ),
    }
}

/// The AWS endpoint (`POST /`): a SigV4 signature or a bearer token.
pub async fn require_aws_credentials(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let config = &state.config;
    if !config.requires_credentials() {
        return next.run(request).await;
    }
    let bearer = match presented(request.headers()) {
        Presented::Bearer(token) if !config.auth_tokens.is_empty() => Some(token),
        _ => None,
    };
    match bearer {
        Some(token) if token_accepted(config, token) => next.run(request).await,
        None if !config.aws_credentials.is_empty() => sigv4::check(&state, request, next).await,
        _ => {
            let mut response = AwsError {
                status: StatusCode::UNAUTHORIZED,
                ..AwsError::new(
                    "MissingAuthenticationTokenException",
                    "this server needs Authorization: Bearer <token> (or a SigV4 signature when it has AWS credentials)",
                )
            }
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            crate::aws::with_request_id(&mut response);
            response
        }
    }
}

fn rest_error(
    status: StatusCode,
    code: &str,
    message: &str,
    challenge: Option<&'static str>,
) -> Response {
    let mut response = (status, Json(json!({"error": code, "message": message}))).into_response();
    if let Some(challenge) = challenge {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static(challenge),
        );
    }
    response
}
