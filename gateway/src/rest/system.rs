//! Operational routes: health and metrics (the OpenAPI document is [`super::openapi`]).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use baton_engine::store::Store;

use super::errors::ErrorBody;
use crate::server::SharedState;

/// The answer of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the store does not answer.
    #[schema(example = "ok")]
    pub status: String,
    /// Why the store did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<String>,
}

/// Whether the store answers.
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "The store answers", body = Health),
        (status = 503, description = "The store does not answer", body = Health),
    )
)]
pub async fn healthz(State(state): State<SharedState>) -> Response {
    match state.service.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
                error: None,
            }),
        )
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable".into(),
                error: Some(e.to_string()),
            }),
        )
            .into_response(),
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "The metrics", body = String, content_type = "text/plain"),
        (status = 404, description = "NotFound: metrics are off in this process", body = ErrorBody),
    )
)]
pub async fn metrics(State(state): State<SharedState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => super::errors::ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "metrics are off in this process",
        )
        .into_response(),
    }
}
