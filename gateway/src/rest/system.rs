//! Operational routes: liveness, readiness and metrics (the OpenAPI document is
//! [`super::openapi`]). They are served by `baton serve` and by `baton worker --listen`.
//!
//! | route | answers 200 when | depends on Redis |
//! |---|---|---|
//! | `GET /livez` | the process serves requests | no: a Redis outage must not restart every process |
//! | `GET /readyz` | the store answers a PING within 1 s | yes |
//! | `GET /healthz` | as `/readyz` (kept for earlier setups) | yes |

use std::time::Duration;

use axum::Json;
use axum::extract::{FromRef, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use utoipa::ToSchema;

use baton_engine::store::Store;

use super::errors::ErrorBody;
use crate::Backend;
use crate::server::SharedState;

/// What the operational routes need: the store and the metrics.
#[derive(Debug, Clone)]
pub struct Ops {
    pub store: Backend,
    pub metrics: Option<PrometheusHandle>,
}

impl FromRef<SharedState> for Ops {
    fn from_ref(state: &SharedState) -> Ops {
        Ops {
            store: state.service.store.clone(),
            metrics: state.metrics.clone(),
        }
    }
}

/// How long readiness waits for the store.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// The answer of the health routes.
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

fn health(status: StatusCode, error: Option<String>) -> Response {
    let word = if status.is_success() {
        "ok"
    } else {
        "unavailable"
    };
    (
        status,
        Json(Health {
            status: word.into(),
            error,
        }),
    )
        .into_response()
}

/// Liveness: the process serves requests. Does not depend on the store.
#[utoipa::path(
    get, path = "/livez", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health))
)]
pub async fn livez() -> Response {
    health(StatusCode::OK, None)
}

/// Readiness: the store answers within a second.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "The store answers", body = Health),
        (status = 503, description = "The store does not answer", body = Health),
    )
)]
pub async fn readyz(State(ops): State<Ops>) -> Response {
    match tokio::time::timeout(READY_TIMEOUT, ops.store.ping()).await {
        Ok(Ok(())) => health(StatusCode::OK, None),
        Ok(Err(e)) => health(StatusCode::SERVICE_UNAVAILABLE, Some(e.to_string())),
        Err(_) => health(
            StatusCode::SERVICE_UNAVAILABLE,
            Some(format!("the store did not answer within {READY_TIMEOUT:?}")),
        ),
    }
}

/// Readiness, under its earlier name.
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "The store answers", body = Health),
        (status = 503, description = "The store does not answer", body = Health),
    )
)]
pub async fn healthz(state: State<Ops>) -> Response {
    readyz(state).await
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "The metrics", body = String, content_type = "text/plain"),
        (status = 404, description = "NotFound: metrics are off in this process", body = ErrorBody),
    )
)]
pub async fn metrics(State(ops): State<Ops>) -> Response {
    match &ops.metrics {
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

/// The operational routes alone, for `baton worker --listen`.
pub fn ops_app(ops: Ops) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(ops)
}
