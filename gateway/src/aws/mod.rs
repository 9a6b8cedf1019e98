//! The AWS Step Functions JSON 1.0 API on `POST /` (being written).

pub mod sigv4;

use axum::response::IntoResponse;

pub async fn handle() -> impl IntoResponse {
    "{}"
}
