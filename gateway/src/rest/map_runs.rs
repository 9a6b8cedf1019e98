//! Map Runs of an execution: the runs of its distributed Maps (`ProcessorConfig.Mode:
//! DISTRIBUTED`) with their item counts — AWS's `ListMapRuns` and `DescribeMapRun`. A run
//! is named in the path by the uuid that ends its Map Run ARN.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use baton_engine::machine::{Execution, MapRun};

use super::body::{Path, Query};
use super::errors::{ApiError, ErrorBody};
use super::executions::execution_id;
use super::{ResourceName, page_limit, rfc3339};
use crate::server::SharedState;
use crate::service::ServiceError;

/// Items of a Map Run by what became of them (AWS's `MapRunItemCounts`; Baton runs one
/// iteration per item, so AWS's `executionCounts` are the same numbers).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MapRunCounts {
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub aborted: u64,
    pub total: u64,
}

/// A Map Run.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MapRunView {
    /// The uuid that ends the ARN: the run's id in the path.
    #[schema(example = "3c39a231-69bb-8d89-8607-9e124eddbb0b")]
    pub id: String,
    #[schema(
        example = "arn:aws:states:us-east-1:123456789012:mapRun:orders/Each:3c39a231-69bb-8d89-8607-9e124eddbb0b"
    )]
    pub map_run_arn: String,
    pub execution_arn: String,
    /// The Map's `Label`, or its state name.
    pub label: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED` or `ABORTED`.
    #[schema(example = "RUNNING")]
    pub status: String,
    #[schema(format = DateTime)]
    pub start_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub stop_date: Option<String>,
    /// `MaxConcurrency` (0: not set).
    pub max_concurrency: u64,
    pub tolerated_failure_count: u64,
    pub tolerated_failure_percentage: f64,
    pub item_counts: MapRunCounts,
    pub redrive_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub redrive_date: Option<String>,
}

fn view(state: &SharedState, exec: &Execution, run: &MapRun) -> MapRunView {
    let settings = &state.service.settings;
    MapRunView {
        id: run.uuid(&exec.id),
        map_run_arn: run.arn(settings, exec),
        execution_arn: settings.context_execution_arn(exec),
        label: run.label.clone(),
        status: run.status.as_str().to_owned(),
        start_date: rfc3339(run.start_ms),
        stop_date: run.stop_ms.map(rfc3339),
        max_concurrency: run.max_concurrency,
        tolerated_failure_count: run.tolerated_count,
        tolerated_failure_percentage: run.tolerated_percentage,
        item_counts: MapRunCounts {
            pending: run.pending(),
            running: run.running(),
            succeeded: run.succeeded,
            failed: run.failed,
            aborted: run.aborted,
            total: run.total,
        },
        redrive_count: run.redrive_count,
        redrive_date: run.redrive_ms.map(rfc3339),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapRunParams {
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    #[param(pattern = "^[0-9]{1,9}$")]
    pub cursor: Option<String>,
}

/// A page of Map Runs, in the order they started.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MapRunPage {
    pub map_runs: Vec<MapRunView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next: Option<String>,
}

/// The Map Runs of an execution.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/executions/{execution}/map-runs", tag = "executions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("execution" = ResourceName, Path, description = "The execution"),
        MapRunParams,
    ),
    responses(
        (status = 200, description = "A page of Map Runs", body = MapRunPage),
        (status = 400, description = "InvalidName, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ExecutionDoesNotExist", body = ErrorBody),
    )
)]
pub async fn list_map_runs(
    State(state): State<SharedState>,
    Path((sm, name)): Path<(String, String)>,
    Query(params): Query<MapRunParams>,
) -> Result<Json<MapRunPage>, ApiError> {
    let limit = page_limit(params.limit)?;
    let from = match params.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request("cursor is not one this API returned"))?,
    };
    let id = execution_id(&state, &sm, &name).await?;
    let exec = state.service.describe_execution(&id).await?;
    let runs = exec.map_runs.iter().skip(from).take(limit);
    let map_runs: Vec<MapRunView> = runs.map(|run| view(&state, &exec, run)).collect();
    let end = from + map_runs.len();
    let next = (end < exec.map_runs.len()).then(|| end.to_string());
    Ok(Json(MapRunPage { map_runs, next }))
}

/// A Map Run of an execution, with its item counts.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/executions/{execution}/map-runs/{id}", tag = "executions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("execution" = ResourceName, Path, description = "The execution"),
        ("id" = String, Path, description = "The uuid that ends the Map Run ARN",
            pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "The Map Run", body = MapRunView),
        (status = 400, description = "InvalidName", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ExecutionDoesNotExist, ResourceNotFound (no such Map Run)", body = ErrorBody),
    )
)]
pub async fn describe_map_run(
    State(state): State<SharedState>,
    Path((sm, name, run)): Path<(String, String, String)>,
) -> Result<Json<MapRunView>, ApiError> {
    let id = execution_id(&state, &sm, &name).await?;
    let exec = state.service.describe_execution(&id).await?;
    let wanted = run.to_ascii_lowercase();
    let found = (exec.map_runs.iter()).find(|r| r.uuid(&exec.id) == wanted);
    match found {
        Some(found) => Ok(Json(view(&state, &exec, found))),
        None => Err(ServiceError::ResourceNotFound(format!(
            "Map Run '{run}' of execution '{name}'"
        ))
        .into()),
    }
}
