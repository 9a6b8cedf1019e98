//! Aliases of a state machine: create, list, describe, update (`PUT`), delete. An alias
//! routes starts to one or two versions by weight; an execution starts through one with
//! `{"alias": "prod"}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use baton_engine::store::{AliasRecord, Route};

use super::body::{JsonBody, Path, Query};
use super::errors::{ApiError, ErrorBody};
use super::numbers::{present, whole_u32};
use super::{ResourceName, checked, page_limit, rfc3339};
use crate::server::SharedState;
use crate::service::ServiceError;

/// One version an alias routes to, and its share of the starts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteView {
    #[serde(deserialize_with = "whole_u32")]
    #[schema(minimum = 1, maximum = 2147483647, example = 3)]
    pub version: u32,
    /// Percent of the starts; the weights of an alias add up to 100.
    #[serde(deserialize_with = "whole_u32")]
    #[schema(minimum = 0, maximum = 100, example = 90)]
    pub weight: u32,
}

/// A new alias.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAlias {
    /// 1–80 of `a-z A-Z 0-9 _ - .`, not all digits.
    #[schema(
        example = "prod",
        pattern = r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$",
        max_length = 80
    )]
    pub name: String,
    #[serde(default, deserialize_with = "present")]
    #[schema(max_length = 256, nullable = false)]
    pub description: Option<String>,
    /// One or two versions of this state machine.
    #[schema(min_items = 1, max_items = 2)]
    pub routes: Vec<RouteView>,
}

/// What to change; at least one of the two.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAlias {
    #[serde(default, deserialize_with = "present")]
    #[schema(max_length = 256, nullable = false)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(min_items = 1, max_items = 2, nullable = false)]
    pub routes: Option<Vec<RouteView>>,
}

/// An alias.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliasView {
    #[schema(example = "prod")]
    pub name: String,
    #[schema(example = "arn:aws:states:us-east-1:123456789012:stateMachine:orders:prod")]
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub description: Option<String>,
    pub routes: Vec<RouteView>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A page of aliases, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AliasList {
    pub aliases: Vec<AliasView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only the aliases that route to this version.
    #[param(minimum = 1, maximum = 2147483647)]
    pub version: Option<u32>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    #[param(pattern = "^[0-9]{1,9}$")]
    pub cursor: Option<String>,
}

fn view(state: &SharedState, machine: &str, a: AliasRecord) -> AliasView {
    AliasView {
        arn: state.service.alias_arn(machine, &a.name),
        name: a.name,
        description: a.description,
        routes: (a.routes.iter())
            .map(|r| RouteView {
                version: r.version,
                weight: r.weight,
            })
            .collect(),
        created_at: rfc3339(a.created_ms),
        updated_at: rfc3339(a.updated_ms),
    }
}

fn routes(views: &[RouteView]) -> Vec<Route> {
    (views.iter())
        .map(|r| Route {
            version: r.version,
            weight: r.weight,
        })
        .collect()
}

fn check_description(description: Option<&str>) -> Result<(), ApiError> {
    if description.is_some_and(|d| d.chars().count() > 256) {
        return Err(
            ServiceError::Validation("description is at most 256 characters".into()).into(),
        );
    }
    Ok(())
}

/// Create an alias (the same name, description and routes again: the same alias).
#[utoipa::path(
    post, path = "/v1/state-machines/{name}/aliases", tag = "versions",
    params(("name" = ResourceName, Path, description = "The state machine")),
    request_body(content = CreateAlias, content_type = "application/json"),
    responses(
        (status = 201, description = "Created (or it existed, the same)", body = AliasView),
        (status = 400, description = "InvalidName, BadRequest, ValidationException (routes), ServiceQuotaExceededException (100 aliases)", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ResourceNotFound (a version)", body = ErrorBody),
        (status = 409, description = "ConflictException: the name is taken by another configuration", body = ErrorBody),
    )
)]
pub async fn create_alias(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<CreateAlias>,
) -> Result<(StatusCode, Json<AliasView>), ApiError> {
    let machine = checked(&name)?;
    check_description(body.description.as_deref())?;
    let alias = (state.service)
        .create_alias(
            machine,
            &body.name,
            body.description.as_deref(),
            routes(&body.routes),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view(&state, machine, alias))))
}

/// The aliases of a state machine, newest first.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/aliases", tag = "versions",
    params(("name" = ResourceName, Path, description = "The state machine"), ListParams),
    responses(
        (status = 200, description = "A page of aliases", body = AliasList),
        (status = 400, description = "InvalidName, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ResourceNotFound (the version)", body = ErrorBody),
    )
)]
pub async fn list_aliases(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Json<AliasList>, ApiError> {
    let machine = checked(&name)?;
    let limit = page_limit(params.limit)?;
    let offset = match params.cursor.as_deref().map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Err(ApiError::bad_request("cursor is not one this API returned")),
    };
    let (aliases, next) = (state.service)
        .list_aliases(machine, params.version, offset, limit)
        .await?;
    Ok(Json(AliasList {
        aliases: aliases
            .into_iter()
            .map(|a| view(&state, machine, a))
            .collect(),
        next: next.map(|n| n.to_string()),
    }))
}

/// An alias.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/aliases/{alias}", tag = "versions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("alias" = String, Path, description = "The alias"),
    ),
    responses(
        (status = 200, description = "The alias", body = AliasView),
        (status = 400, description = "InvalidName", body = ErrorBody),
        (status = 404, description = "ResourceNotFound", body = ErrorBody),
    )
)]
pub async fn get_alias(
    State(state): State<SharedState>,
    Path((name, alias)): Path<(String, String)>,
) -> Result<Json<AliasView>, ApiError> {
    let machine = checked(&name)?;
    let alias = state.service.describe_alias(machine, &alias).await?;
    Ok(Json(view(&state, machine, alias)))
}

/// Change an alias's description, routes, or both.
#[utoipa::path(
    put, path = "/v1/state-machines/{name}/aliases/{alias}", tag = "versions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("alias" = String, Path, description = "The alias"),
    ),
    request_body(content = UpdateAlias, content_type = "application/json"),
    responses(
        (status = 200, description = "The alias now", body = AliasView),
        (status = 400, description = "InvalidName, BadRequest, ValidationException", body = ErrorBody),
        (status = 404, description = "ResourceNotFound (the alias or a version)", body = ErrorBody),
    )
)]
pub async fn update_alias(
    State(state): State<SharedState>,
    Path((name, alias)): Path<(String, String)>,
    JsonBody(body): JsonBody<UpdateAlias>,
) -> Result<Json<AliasView>, ApiError> {
    let machine = checked(&name)?;
    check_description(body.description.as_deref())?;
    if body.description.is_none() && body.routes.is_none() {
        return Err(ServiceError::Validation("give a description, routes, or both".into()).into());
    }
    let alias = (state.service)
        .update_alias(
            machine,
            &alias,
            body.description.as_deref(),
            body.routes.as_deref().map(routes),
        )
        .await?;
    Ok(Json(view(&state, machine, alias)))
}

/// Delete an alias (the versions it routes to stay).
#[utoipa::path(
    delete, path = "/v1/state-machines/{name}/aliases/{alias}", tag = "versions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("alias" = String, Path, description = "The alias"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "InvalidName", body = ErrorBody),
        (status = 404, description = "ResourceNotFound", body = ErrorBody),
    )
)]
pub async fn delete_alias(
    State(state): State<SharedState>,
    Path((name, alias)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let machine = checked(&name)?;
    state.service.delete_alias(machine, &alias).await?;
    Ok(StatusCode::NO_CONTENT)
}
