//! Redrive an execution: it continues from the states that did not succeed, on its own
//! revision or (Baton only) on another revision of its state machine.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::ResourceName;
use super::body::{Path, Query};
use super::errors::{ApiError, ErrorBody};
use super::executions::execution_id;
use super::views::{ExecutionView, execution_view};
use crate::server::SharedState;
use crate::service::RedriveRevision;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RedriveParams {
    /// The revision to continue on: a number, or `latest`; the execution's own when absent.
    /// Every state the execution resumes in must exist there, in the same scope (and a
    /// Parallel or Map it resumes inside must still be one).
    #[param(example = "latest", pattern = "^(latest|[1-9][0-9]{0,8})$")]
    pub revision: Option<String>,
}

impl RedriveParams {
    fn revision(&self) -> Result<RedriveRevision, ApiError> {
        match self.revision.as_deref() {
            None => Ok(RedriveRevision::Own),
            Some("latest") => Ok(RedriveRevision::Latest),
            Some(n) => match n.parse::<u32>() {
                Ok(n) if n > 0 => Ok(RedriveRevision::Number(n)),
                _ => Err(ApiError::bad_request(format!(
                    "revision must be a revision number or 'latest', not {n:?}"
                ))),
            },
        }
    }
}

/// Redrive a `FAILED`, `TIMED_OUT` or `ABORTED` execution (AWS's `RedriveExecution`):
/// what succeeded is not run again; failed states run again with their original input;
/// in a Parallel only the branches that did not succeed, in a Map only the iterations
/// that did not succeed or did not start.
#[utoipa::path(
    post, path = "/v1/state-machines/{name}/executions/{execution}/redrive", tag = "executions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("execution" = ResourceName, Path, description = "The execution"),
        RedriveParams,
    ),
    responses(
        (status = 200, description = "The execution, running again", body = ExecutionView),
        (status = 400, description = "InvalidName, BadRequest, ValidationException (no such revision)", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ExecutionDoesNotExist", body = ErrorBody),
        (status = 409, description = "ExecutionNotRedrivable, ExecutionLimitExceeded, RedriveStateMissing (with `diagnostics`: a JSON Pointer into the revision's definition where the state must be)", body = ErrorBody),
    )
)]
pub async fn redrive_execution(
    State(state): State<SharedState>,
    Path((sm, name)): Path<(String, String)>,
    Query(params): Query<RedriveParams>,
) -> Result<Json<ExecutionView>, ApiError> {
    let revision = params.revision()?;
    let id = execution_id(&state, &sm, &name).await?;
    let exec = (state.service)
        .redrive_execution(&id, revision, None)
        .await?;
    Ok(Json(execution_view(&state, exec)))
}
