//! Execution history, event by event, in AWS's `GetExecutionHistory` shape.

use std::borrow::Cow;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::body::{Path, Query};
use super::errors::{ApiError, ErrorBody};
use super::executions::execution_id;
use super::{ResourceName, page_limit, rfc3339};
use crate::server::SharedState;
use baton_engine::machine::HistoryEvent;

/// Oldest first (`asc`, the default) or newest first (`desc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    #[param(inline)]
    pub order: Option<Order>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` of the previous page (in the same order).
    #[param(pattern = "^[1-9][0-9]{0,18}$")]
    pub cursor: Option<String>,
}

/// A page of history events.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    #[schema(value_type = Vec<AwsHistoryEvent>)]
    pub events: Vec<Value>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next: Option<String>,
}

/// One event as AWS's `HistoryEvent` — `type`, `id`, `previousEventId`, and the
/// `…EventDetails` member of its type — with `timestamp` as RFC 3339 text (the AWS API keeps
/// AWS's epoch seconds).
#[derive(Debug)]
pub struct AwsHistoryEvent;

impl ToSchema for AwsHistoryEvent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("HistoryEvent")
    }
}

impl PartialSchema for AwsHistoryEvent {
    fn schema() -> RefOr<Schema> {
        let schema = serde_json::json!({
            "type": "object",
            "description": "AWS's HistoryEvent; the details member is named after the type \
                (e.g. `executionStartedEventDetails`)",
            "required": ["timestamp", "type", "id", "previousEventId"],
            "properties": {
                "timestamp": {"type": "string", "format": "date-time",
                    "description": "RFC 3339, UTC, milliseconds"},
                "type": {"type": "string", "example": "ExecutionStarted"},
                "id": {"type": "integer", "minimum": 1},
                "previousEventId": {"type": "integer", "minimum": 0}
            },
            "additionalProperties": {"type": "object"}
        });
        serde_json::from_value(schema).expect("the history event schema is a valid schema")
    }
}

/// An event as the REST API shows it: AWS's shape with an RFC 3339 `timestamp`.
pub fn rest_event(event: &HistoryEvent) -> Value {
    let mut value = event.to_aws(true);
    if let Some(object) = value.as_object_mut() {
        object.insert("timestamp".into(), Value::from(rfc3339(event.timestamp_ms)));
    }
    value
}

/// The history of an execution.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/executions/{execution}/history", tag = "executions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("execution" = ResourceName, Path, description = "The execution"),
        HistoryParams,
    ),
    responses(
        (status = 200, description = "A page of events", body = HistoryPage),
        (status = 400, description = "InvalidName, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ExecutionDoesNotExist", body = ErrorBody),
    )
)]
pub async fn get_history(
    State(state): State<SharedState>,
    Path((sm, name)): Path<(String, String)>,
    Query(params): Query<HistoryParams>,
) -> Result<Json<HistoryPage>, ApiError> {
    let limit = page_limit(params.limit)?;
    let from = match params.cursor.as_deref() {
        None => 0,
        Some(c) => match c.parse::<u64>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(ApiError::bad_request("cursor is not one this API returned")),
        },
    };
    let id = execution_id(&state, &sm, &name).await?;
    let reverse = params.order.unwrap_or_default() == Order::Desc;
    // One more than asked tells whether there is a next page.
    let mut events = state.service.history(&id, from, limit + 1, reverse).await?;
    let more = events.len() > limit || events.len() == 1000;
    events.truncate(limit);
    let next = match events.last() {
        Some(last) if more && reverse && last.id > 1 => Some(last.id - 1),
        Some(last) if more && !reverse => Some(last.id + 1),
        _ => None,
    };
    Ok(Json(HistoryPage {
        events: events.iter().map(rest_event).collect(),
        next: next.map(|n| n.to_string()),
    }))
}
