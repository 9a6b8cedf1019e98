//! Versions of a state machine: publish the latest revision, list, describe (with the
//! definition it pins), delete. The AWS API's PublishStateMachineVersion and the others
//! see the same versions; an execution starts on one with `{"version": n}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use baton_definitions::parse::read_json;
use baton_engine::store::{StateMachineRecord, VersionRecord};

use super::body::{JsonBody, Path, Query};
use super::errors::{ApiError, ErrorBody};
use super::numbers::{MAX_VERSION, present, whole_u32_opt};
use super::{ResourceName, checked, page_limit, rfc3339};
use crate::server::SharedState;
use crate::service::ServiceError;

/// What to publish. An empty body publishes the latest revision.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Publish only when the latest revision is this one (409 otherwise).
    #[serde(default, deserialize_with = "whole_u32_opt")]
    #[schema(minimum = 1, nullable = false)]
    pub revision: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    #[schema(max_length = 256, nullable = false)]
    pub description: Option<String>,
}

/// A published version: an immutable snapshot of one revision.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    /// 1, 2, … per state machine, never reused.
    #[schema(minimum = 1, example = 3)]
    pub version: u32,
    #[schema(example = "arn:aws:states:us-east-1:123456789012:stateMachine:orders:3")]
    pub arn: String,
    /// The revision it pins.
    pub revision: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub description: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The definition it runs, as JSON. Only on `GET …/versions/{version}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object, nullable = false)]
    pub definition: Option<serde_json::Value>,
    /// The role of the revision. Only on `GET …/versions/{version}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub role_arn: Option<String>,
}

/// A page of versions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionList {
    pub versions: Vec<VersionView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    #[param(pattern = "^[0-9]{1,9}$")]
    pub cursor: Option<String>,
}

/// A version number from the path: 1 to [`MAX_VERSION`].
fn version_param(version: u32) -> Result<u32, ApiError> {
    if (1..=MAX_VERSION).contains(&version) {
        Ok(version)
    } else {
        Err(ApiError::bad_request(format!(
            "a version is 1 to {MAX_VERSION}, not {version}"
        )))
    }
}

pub fn version_view(
    state: &SharedState,
    name: &str,
    v: VersionRecord,
    record: Option<StateMachineRecord>,
) -> VersionView {
    VersionView {
        arn: state.service.version_arn(name, v.version),
        version: v.version,
        revision: v.revision,
        description: v.description,
        created_at: rfc3339(v.created_ms),
        definition: (record.as_ref()).map(|r| read_json(&r.definition).unwrap_or_default()),
        role_arn: record.map(|r| r.role_arn),
    }
}

/// Publish the latest revision as a version (or get the version it already has).
#[utoipa::path(
    post, path = "/v1/state-machines/{name}/versions", tag = "versions",
    params(("name" = ResourceName, Path, description = "The state machine")),
    request_body(content = PublishRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Published", body = VersionView),
        (status = 200, description = "The latest revision had this version already", body = VersionView),
        (status = 400, description = "InvalidName, BadRequest, ValidationException, ServiceQuotaExceededException (1,000 versions)", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist", body = ErrorBody),
        (status = 409, description = "ConflictException: the latest revision is not `revision`", body = ErrorBody),
    )
)]
pub async fn publish_version(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<PublishRequest>,
) -> Result<(StatusCode, Json<VersionView>), ApiError> {
    let name = checked(&name)?;
    if body
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 256)
    {
        return Err(
            ServiceError::Validation("description is at most 256 characters".into()).into(),
        );
    }
    let revision = body.revision.map(|r| r.to_string());
    let (v, new) = (state.service)
        .publish_version(name, revision.as_deref(), body.description.as_deref())
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(version_view(&state, name, v, None))))
}

/// The versions of a state machine, newest first.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/versions", tag = "versions",
    params(("name" = ResourceName, Path, description = "The state machine"), ListParams),
    responses(
        (status = 200, description = "A page of versions", body = VersionList),
        (status = 400, description = "InvalidName, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist", body = ErrorBody),
    )
)]
pub async fn list_versions(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Json<VersionList>, ApiError> {
    let name = checked(&name)?;
    let limit = page_limit(params.limit)?;
    let after = match params.cursor.as_deref().map(str::parse::<u32>) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return Err(ApiError::bad_request("cursor is not one this API returned")),
    };
    let (versions, next) = state.service.list_versions(name, after, limit).await?;
    Ok(Json(VersionList {
        versions: (versions.into_iter())
            .map(|v| version_view(&state, name, v, None))
            .collect(),
        next: next.map(|n| n.to_string()),
    }))
}

/// A version, with the definition it pins.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/versions/{version}", tag = "versions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("version" = u32, Path, description = "The version number", minimum = 1, maximum = 2147483647),
    ),
    responses(
        (status = 200, description = "The version", body = VersionView),
        (status = 400, description = "InvalidName, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist (the machine or the version)", body = ErrorBody),
    )
)]
pub async fn get_version(
    State(state): State<SharedState>,
    Path((name, version)): Path<(String, u32)>,
) -> Result<Json<VersionView>, ApiError> {
    let name = checked(&name)?;
    let version = version_param(version)?;
    let (v, record) = state.service.describe_version(name, version).await?;
    Ok(Json(version_view(&state, name, v, Some(record))))
}

/// Delete a version (its running executions go on). Refused while an alias routes to it;
/// deleting one that does not exist is not an error.
#[utoipa::path(
    delete, path = "/v1/state-machines/{name}/versions/{version}", tag = "versions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("version" = u32, Path, description = "The version number", minimum = 1, maximum = 2147483647),
    ),
    responses(
        (status = 204, description = "Deleted (or it did not exist)"),
        (status = 400, description = "InvalidName, BadRequest", body = ErrorBody),
        (status = 409, description = "ConflictException: an alias routes to it", body = ErrorBody),
    )
)]
pub async fn delete_version(
    State(state): State<SharedState>,
    Path((name, version)): Path<(String, u32)>,
) -> Result<StatusCode, ApiError> {
    let name = checked(&name)?;
    let version = version_param(version)?;
    state.service.delete_version(name, version).await?;
    Ok(StatusCode::NO_CONTENT)
}
