//! SigV4 verification (being written).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::SharedState;

pub async fn check(_state: &SharedState, _request: Request, _next: Next) -> Response {
    (
        StatusCode::FORBIDDEN,
        "signature checks are not written yet",
    )
        .into_response()
}
