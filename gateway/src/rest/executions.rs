//! Executions: start (optionally waiting for the end), list, describe, stop.
//!
//! Executions live under their state machine: once it is deleted, these routes answer 404
//! `StateMachineDoesNotExist` for its executions (running ones still finish).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use baton_callbacks::{validate_cause, validate_error};
use baton_engine::machine::Status;
use baton_engine::store::ExecutionFilter;

use super::body::{JsonBody, Path, Query};
use super::errors::{ApiError, ErrorBody};
use super::views::{ExecutionList, ExecutionStatus, ExecutionView, execution_view, summary};
use super::{ResourceName, checked, page_limit};
use crate::server::SharedState;
use crate::service::qualified::Target;
use crate::service::{PinFilter, ServiceError, StartOptions};

/// The most seconds `wait` takes (the server's sync timeout may cut it shorter).
pub const MAX_WAIT_SECONDS: u32 = 3600;

/// What to start. An empty body starts an execution with a random name and input `{}`.
/// (Its schema, [`start_request_schema`], says that `version` and `alias` exclude each
/// other.)
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// Unique among the state machine's executions; a random UUID when absent. Starting
    /// again with the same name and input while it runs returns the running execution.
    #[serde(default)]
    pub name: Option<ResourceName>,
    /// The input: any JSON value (default `{}`), at most 256 KiB.
    #[serde(default = "empty_object")]
    pub input: Value,
    /// Run this published version (instead of the latest revision).
    #[serde(default, deserialize_with = "super::numbers::whole_u32_opt")]
    pub version: Option<u32>,
    /// Run the version this alias picks (by its weights). Not with `version`.
    #[serde(default, deserialize_with = "super::numbers::present")]
    pub alias: Option<String>,
    /// Run a test case of the mock configuration (`baton serve --mock-config`): the states
    /// it mocks are answered from it, the others run for real (the AWS API's
    /// `<state machine ARN>#<test case>`).
    #[serde(
        default,
        rename = "testCase",
        deserialize_with = "super::numbers::present"
    )]
    pub test_case: Option<String>,
}

impl utoipa::ToSchema for StartRequest {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("StartRequest")
    }
}

impl utoipa::PartialSchema for StartRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        start_request_schema()
    }
}

/// `StartRequest`: a name and an input, and at most one of `version` and `alias`.
fn start_request_schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::schema::{
        AdditionalProperties, ObjectBuilder, OneOfBuilder, SchemaType, Type,
    };
    use utoipa::openapi::{Ref, RefOr, Schema};
    let branch = |extra: Option<(&str, Schema)>| {
        let mut name = Ref::from_schema_name("ResourceName");
        name.description = "Unique among the state machine's executions; a random UUID when \
             absent. Starting again with the same name and input while it runs returns the \
             running execution."
            .to_owned();
        let input = ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .description(Some(
                "The input: any JSON value (default `{}`), at most 256 KiB.",
            ))
            .default(Some(serde_json::json!({})));
        let test_case = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .description(Some(
                "Run a test case of the mock configuration (`baton serve --mock-config`): the \
             states it mocks are answered from it, the others run for real (the AWS API's \
             `<state machine ARN>#<test case>`).",
            ));
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
            .property("name", name)
            .property("input", input)
            .property("testCase", test_case);
        if let Some((key, schema)) = extra {
            object = object.property(key, schema).required(key);
        }
        Schema::from(object.build())
    };
    let version = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(2_147_483_647))
        .description(Some(
            "Run this published version instead of the latest revision.",
        ))
        .build();
    let alias = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(80))
        .pattern(Some(r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$"))
        .examples(["prod"])
        .description(Some("Run the version this alias picks, by its weights."))
        .build();
    let schema = OneOfBuilder::new()
        .description(Some(
            "What to start. An empty body starts an execution with a random name and input \
             `{}` on the latest revision; `version` or `alias` (not both) starts it on a \
             published version.",
        ))
        .item(branch(None))
        .item(branch(Some(("version", Schema::from(version)))))
        .item(branch(Some(("alias", Schema::from(alias)))))
        .build();
    RefOr::T(Schema::OneOf(schema))
}

impl StartRequest {
    /// What to run: the latest revision, a version or an alias.
    fn target(&self) -> Result<Target, ApiError> {
        match (self.version, &self.alias) {
            (None, None) => Ok(Target::Latest),
            (Some(n), None) => Ok(Target::Version(n)),
            (None, Some(alias)) => Ok(Target::Alias(alias.clone())),
            (Some(_), Some(_)) => Err(ApiError::bad_request("give version or alias, not both")),
        }
    }
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

impl Default for StartRequest {
    fn default() -> StartRequest {
        StartRequest {
            name: None,
            input: empty_object(),
            version: None,
            alias: None,
            test_case: None,
        }
    }
}

/// An error name and cause (stopping an execution, failing a task). Both optional (absent,
/// not `null`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorCause {
    #[serde(default, deserialize_with = "super::numbers::present")]
    #[schema(max_length = 256, nullable = false)]
    pub error: Option<String>,
    #[serde(default, deserialize_with = "super::numbers::present")]
    #[schema(max_length = 32768, nullable = false)]
    pub cause: Option<String>,
}

impl ErrorCause {
    /// AWS's length limits (256 and 32,768 characters).
    pub fn check(&self) -> Result<(), ApiError> {
        let error = self.error.as_deref().map_or(Ok(()), validate_error);
        let cause = self.cause.as_deref().map_or(Ok(()), validate_cause);
        error
            .and(cause)
            .map_err(|e| ServiceError::Validation(e.to_string()).into())
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartParams {
    /// Wait up to this many seconds (cut to the server's sync timeout, 30 s by default) for
    /// the execution to end: 200 when it ended, 202 when it still runs.
    #[param(minimum = 0, maximum = 3600)]
    pub wait: Option<u32>,
}

/// The filters combine; a cursor goes on with the filters it was returned for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only executions with this status.
    #[param(inline)]
    pub status: Option<ExecutionStatus>,
    /// Only executions whose name starts with this. Executions are indexed by start time,
    /// so other names are read and skipped: a request reads at most 20 × `limit` index
    /// entries (or a first batch from each partition, when that is more), and when they
    /// run out the page
    /// holds fewer than `limit` executions, maybe none, with a `next` to go on.
    #[serde(rename = "namePrefix")]
    #[param(rename = "namePrefix", max_length = 80, example = "order-")]
    pub name_prefix: Option<String>,
    /// Only executions started at this time or later (RFC 3339 with an offset).
    #[serde(rename = "startedAfter")]
    #[param(rename = "startedAfter", format = DateTime, example = "2026-12-06T07:30:00Z")]
    pub started_after: Option<String>,
    /// Only executions started before this time (RFC 3339 with an offset).
    #[serde(rename = "startedBefore")]
    #[param(rename = "startedBefore", format = DateTime, example = "2026-12-07T00:00:00+01:00")]
    pub started_before: Option<String>,
    /// Only executions started on this version (directly or through an alias). Like
    /// `namePrefix`, read and skipped: a page may be short, even empty, with a `next`.
    #[param(minimum = 1, maximum = 2147483647)]
    pub version: Option<u32>,
    /// Only executions started through this alias (read and skipped, as `version`; with
    /// `version`, those the alias sent to it).
    #[param(pattern = r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$", max_length = 80)]
    pub alias: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,18}\|[^|]+$")]
    pub cursor: Option<String>,
}

impl ListParams {
    /// The store's filter; a 400 naming the parameter when one is not valid.
    fn filter(&self) -> Result<ExecutionFilter, ApiError> {
        if let Some(prefix) = &self.name_prefix
            && prefix.chars().count() > 80
        {
            return Err(ApiError::bad_request(
                "namePrefix must be at most 80 characters (names are)",
            ));
        }
        Ok(ExecutionFilter {
            status: self.status.map(Status::from),
            name_prefix: self.name_prefix.clone(),
            started_from_ms: time_param("startedAfter", self.started_after.as_deref())?,
            started_before_ms: time_param("startedBefore", self.started_before.as_deref())?,
        })
    }
}

/// An RFC 3339 time as the first whole millisecond at or after it (start times are whole
/// milliseconds: "at or after" and "before" keep their meaning).
fn time_param(name: &str, value: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(text) = value else {
        return Ok(None);
    };
    let time = chrono::DateTime::parse_from_rfc3339(text).map_err(|e| {
        ApiError::bad_request(format!(
            "{name} must be an RFC 3339 time with an offset, such as 2026-12-06T07:30:00Z \
             or 2026-12-06T08:30:00.250+01:00; {text:?}: {e}"
        ))
    })?;
    let partial_ms = time.timestamp_subsec_nanos() % 1_000_000 != 0;
    Ok(Some(time.timestamp_millis() + i64::from(partial_ms)))
}

/// The id of execution `name` of state machine `sm`, once both names are valid and the
/// state machine exists.
pub async fn execution_id(state: &SharedState, sm: &str, name: &str) -> Result<String, ApiError> {
    checked(sm)?;
    checked(name)?;
    state.service.describe_state_machine(sm).await?;
    Ok(format!("{sm}:{name}"))
}

/// Start an execution.
#[utoipa::path(
    post, path = "/v1/state-machines/{name}/executions", tag = "executions",
    params(("name" = ResourceName, Path, description = "The state machine"), StartParams),
    request_body(content = StartRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "With `wait`: the execution ended. Without: it was already running (same name and input)", body = ExecutionView),
        (status = 201, description = "Started", body = ExecutionView),
        (status = 202, description = "With `wait`: still running when the wait ended", body = ExecutionView),
        (status = 400, description = "InvalidName, InvalidExecutionInput, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist (the machine, the version or the alias)", body = ErrorBody),
        (status = 409, description = "ExecutionAlreadyExists: the name is taken (by an ended execution, or with another input)", body = ErrorBody),
        (status = 413, description = "PayloadTooLarge", body = ErrorBody),
    )
)]
pub async fn start_execution(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    Query(params): Query<StartParams>,
    JsonBody(body): JsonBody<StartRequest>,
) -> Result<(StatusCode, Json<ExecutionView>), ApiError> {
    let sm = checked(&name)?;
    let wait = match params.wait {
        None => None,
        Some(w @ 0..=MAX_WAIT_SECONDS) => {
            Some(Duration::from_secs(w.into()).min(state.config.sync_timeout))
        }
        Some(w) => {
            return Err(ApiError::bad_request(format!(
                "wait must be 0 to {MAX_WAIT_SECONDS} seconds, not {w}"
            )));
        }
    };
    let target = body.target()?;
    let options = StartOptions {
        name: body.name.map(|n| n.0),
        input: Some(body.input.to_string()),
        sync: false,
        target,
        test_case: body.test_case,
    };
    let (exec, created) = state.service.start_execution_new(sm, options).await?;
    let Some(wait) = wait else {
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        return Ok((status, Json(execution_view(&state, exec))));
    };
    let exec = state.service.wait_for_end(&exec.id, wait).await?;
    let status = if exec.status.is_final() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(execution_view(&state, exec))))
}

/// List a state machine's executions, newest first.
///
/// Filters: `status`, `namePrefix`, and start times from `startedAfter` (inclusive) to
/// `startedBefore` (exclusive). A page holds at most `limit` executions; with `namePrefix`
/// it may hold fewer, even none, and still have a `next`: follow it until it is absent.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/executions", tag = "executions",
    params(("name" = ResourceName, Path, description = "The state machine"), ListParams),
    responses(
        (status = 200, description = "A page of executions", body = ExecutionList),
        (status = 400, description = "InvalidName, BadRequest (a parameter out of range, a time that is not RFC 3339, a cursor this API did not return)", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ResourceNotFound (the version or alias)", body = ErrorBody),
    )
)]
pub async fn list_executions(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Json<ExecutionList>, ApiError> {
    let sm = checked(&name)?;
    let limit = page_limit(params.limit)?;
    if let Some(cursor) = &params.cursor {
        let valid = cursor
            .split_once('|')
            .is_some_and(|(start, id)| start.parse::<i64>().is_ok() && !id.is_empty());
        if !valid {
            return Err(ApiError::bad_request("cursor is not one this API returned"));
        }
    }
    let filter = params.filter()?;
    let pin = PinFilter {
        version: params.version,
        alias: params.alias.clone(),
    };
    let page = state
        .service
        .list_executions_of(sm, &pin, &filter, params.cursor.as_deref(), limit)
        .await?;
    Ok(Json(ExecutionList {
        executions: page.executions.iter().map(|e| summary(&state, e)).collect(),
        next: page.next,
    }))
}

/// Describe an execution.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/executions/{execution}", tag = "executions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("execution" = ResourceName, Path, description = "The execution"),
    ),
    responses(
        (status = 200, description = "The execution", body = ExecutionView),
        (status = 400, description = "InvalidName", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ExecutionDoesNotExist", body = ErrorBody),
    )
)]
pub async fn describe_execution(
    State(state): State<SharedState>,
    Path((sm, name)): Path<(String, String)>,
) -> Result<Json<ExecutionView>, ApiError> {
    let id = execution_id(&state, &sm, &name).await?;
    let exec = state.service.describe_execution(&id).await?;
    Ok(Json(execution_view(&state, exec)))
}

/// Stop a running execution; it ends `ABORTED`. An ended execution is returned unchanged.
#[utoipa::path(
    post, path = "/v1/state-machines/{name}/executions/{execution}/stop", tag = "executions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("execution" = ResourceName, Path, description = "The execution"),
    ),
    request_body(content = ErrorCause, content_type = "application/json"),
    responses(
        (status = 200, description = "The execution, stopped", body = ExecutionView),
        (status = 400, description = "InvalidName, ValidationException, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ExecutionDoesNotExist", body = ErrorBody),
        (status = 413, description = "PayloadTooLarge", body = ErrorBody),
    )
)]
pub async fn stop_execution(
    State(state): State<SharedState>,
    Path((sm, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<ErrorCause>,
) -> Result<Json<ExecutionView>, ApiError> {
    let id = execution_id(&state, &sm, &name).await?;
    body.check()?;
    let exec = state
        .service
        .stop_execution(&id, body.error, body.cause)
        .await?;
    Ok(Json(execution_view(&state, exec)))
}
