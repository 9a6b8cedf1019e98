//! Baton's REST API under `/v1` (being written).

use axum::Router;
use axum::response::IntoResponse;

use crate::server::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
}

pub fn callback_routes() -> Router<SharedState> {
    Router::new()
}

pub async fn openapi() -> impl IntoResponse {
    "{}"
}
