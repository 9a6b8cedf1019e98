//! The HTTP application: routes, limits, and graceful shutdown.

use std::future::Future;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::service::Service;
use crate::{Backend, GatewayConfig, auth, aws, edge, rest, ui};

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub service: Service<Backend>,
    pub config: GatewayConfig,
    pub metrics: Option<PrometheusHandle>,
}

pub type SharedState = Arc<AppState>;

/// The whole HTTP application.
pub fn app(state: SharedState) -> Router {
    let limit = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    // Each API surface behind its own credential check (`auth` has the table); callbacks
    // and the operations routes are outside both.
    let rest_api = rest::routes().route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::require_rest_credentials,
    ));
    let aws_api =
        Router::new()
            .route("/", post(aws::handle))
            .route_layer(middleware::from_fn_with_state(
                state.clone(),
                auth::require_aws_credentials,
            ));
    Router::new()
        .merge(rest_api)
        .merge(aws_api)
        .merge(rest::callback_routes())
        .route("/livez", get(rest::system::livez))
        .route("/readyz", get(rest::system::readyz))
        .route("/healthz", get(rest::system::healthz))
        .route("/metrics", get(rest::system::metrics))
        .route("/openapi.json", get(rest::openapi))
        .merge(ui::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refuse_oversized,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            edge::shaped_edge_errors,
        ))
        .layer(middleware::map_response(close_after_413))
        .layer(middleware::map_response(json_ends_with_newline))
        // Answers are compressed for clients that ask (a 1,000-event history page is ~196 KB
        // as JSON, ~12 KB gzipped), after the newline; the event stream and the console's
        // pre-compressed files are left as they are.
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of a request, as tower-http's default (method, URI, version at DEBUG) but with
/// the task token of callback routes left out: the token is a credential.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        uri = %loggable_uri(request.uri()),
        version = ?request.version(),
    )
}

/// `uri` with the token of `/v1/callbacks/{token}/…` and `/ui/callbacks/{token}` replaced by
/// `<token>`.
fn loggable_uri(uri: &Uri) -> String {
    let path = uri.path();
    let Some((prefix, rest)) = ["/v1/callbacks/", "/ui/callbacks/"]
        .iter()
        .find_map(|p| path.strip_prefix(p).map(|rest| (*p, rest)))
    else {
        return uri.to_string();
    };
    let tail = rest.find('/').map_or("", |i| &rest[i..]);
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    format!("{prefix}<token>{tail}{query}")
}

/// A body refused for its size is left unread, and the connection is closed after the
/// answer: saying so keeps a keep-alive client from sending its next request on it.
async fn close_after_413(mut response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A body declared larger than the limit is refused with 413 after reading and discarding
/// what the client sends — up to 4× the limit and for at most a second — so the client
/// reads the answer instead of a connection reset in the middle of its upload (the
/// connection is then closed: [`close_after_413`]). Past either bound it is closed unread.
async fn refuse_oversized(
    axum::extract::State(state): axum::extract::State<SharedState>,
    request: Request,
    next: middleware::Next,
) -> Response {
    let limit = state.config.max_body_bytes as u64;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let Some(declared) = declared.filter(|n| *n > limit) else {
        return next.run(request).await;
    };
    if declared <= limit.saturating_mul(4) {
        let mut body = request.into_body().into_data_stream();
        let deadline = tokio::time::sleep(std::time::Duration::from_secs(1));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                chunk = futures::StreamExt::next(&mut body) => match chunk {
                    Some(Ok(_)) => continue,
                    _ => break,
                },
                _ = &mut deadline => break,
            }
        }
    }
    StatusCode::PAYLOAD_TOO_LARGE.into_response()
}

/// JSON answers end with a newline, as a terminal or `curl` user expects (the AWS API's
/// `application/x-amz-json-1.0` answers are left as AWS sends them).
async fn json_ends_with_newline(response: Response) -> Response {
    let headers = response.headers();
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // An encoded body is not JSON text to append to.
    if !is_json || headers.contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the answer could not be read",
        )
            .into_response();
    };
    if bytes.ends_with(b"\n") {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    let mut with_newline = Vec::with_capacity(bytes.len() + 1);
    with_newline.extend_from_slice(&bytes);
    with_newline.push(b'\n');
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(with_newline))
}

/// Serves `app(state)` on `listener` until `shutdown` resolves; in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: SharedState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "NotFound", "message": "no such route"})),
    )
        .into_response()
}
