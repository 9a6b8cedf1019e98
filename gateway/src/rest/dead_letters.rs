//! Dead letters: queue entries and timers a worker could not read, kept per partition with
//! the reason, so that an operator can see (and repair) them while the partition goes on.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use baton_engine::store::{DeadLetter, Store};

use super::body::Query;
use super::errors::{ApiError, ErrorBody};
use super::page_limit;
use crate::server::SharedState;
use crate::service::ServiceError;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadLetterParams {
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    #[param(pattern = "^[0-9]{1,9}(/[0-9]{1,20}-[0-9]{1,20})?$")]
    pub cursor: Option<String>,
}

/// One dead letter.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterView {
    /// Its id in the partition's dead letters.
    pub id: String,
    pub partition: u32,
    /// `queue` (a queued event) or `timer` (a timer member).
    pub source: String,
    /// The execution it was for, when that could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub execution: Option<String>,
    /// The entry or timer as stored.
    pub data: String,
    pub reason: String,
    /// An event this version does not know (written by a newer version): a worker that
    /// knows it puts it back in the queue when it takes the partition.
    pub unknown: bool,
}

impl From<DeadLetter> for DeadLetterView {
    fn from(d: DeadLetter) -> DeadLetterView {
        DeadLetterView {
            id: d.id,
            partition: d.partition,
            source: d.source,
            execution: d.execution,
            data: d.data,
            reason: d.reason,
            unknown: d.unknown,
        }
    }
}

/// A page of dead letters.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterList {
    pub dead_letters: Vec<DeadLetterView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next: Option<String>,
}

/// List dead letters, partition by partition, oldest first.
#[utoipa::path(
    get, path = "/v1/dead-letters", tag = "operations",
    params(DeadLetterParams),
    responses(
        (status = 200, description = "Dead letters", body = DeadLetterList),
        (status = 400, description = "BadRequest", body = ErrorBody),
    )
)]
pub async fn list_dead_letters(
    State(state): State<SharedState>,
    Query(params): Query<DeadLetterParams>,
) -> Result<Json<DeadLetterList>, ApiError> {
    let limit = page_limit(params.limit)?;
    let store = &state.service.store;
    // The cursor is `<partition>` or `<partition>/<id of the last one returned>`.
    let (mut partition, mut after) = match params.cursor.as_deref() {
        None => (0, None),
        Some(cursor) => {
            let (p, id) = match cursor.split_once('/') {
                Some((p, id)) => (p, Some(id.to_owned())),
                None => (cursor, None),
            };
            let p = p
                .parse::<u32>()
                .map_err(|_| ApiError::bad_request("invalid cursor"))?;
            (p, id)
        }
    };
    let mut out = Vec::new();
    while partition < store.partitions() {
        let want = limit - out.len();
        let page = store
            .dead_letters(partition, after.as_deref(), want)
            .await
            .map_err(ServiceError::from)?;
        let full = page.len() == want;
        out.extend(page.into_iter().map(DeadLetterView::from));
        if out.len() == limit {
            let next = match (full, out.last()) {
                (true, Some(last)) => format!("{partition}/{}", last.id),
                _ => (partition + 1).to_string(),
            };
            let more = full || partition + 1 < store.partitions();
            return Ok(Json(DeadLetterList {
                dead_letters: out,
                next: more.then_some(next),
            }));
        }
        partition += 1;
        after = None;
    }
    Ok(Json(DeadLetterList {
        dead_letters: out,
        next: None,
    }))
}
