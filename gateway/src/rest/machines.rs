//! State machines: create or revise (`PUT`), describe, list, delete, and validate.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use baton_engine::store::Store;

use super::body::{DefinitionBody, Path, Query, place_in_yaml};
use super::errors::{ApiError, DiagnosticView, ErrorBody};
use super::openapi::Definition;
use super::views::{
    MachineType, StateMachineList, StateMachineView, ValidationResult, machine_view,
};
use super::{ResourceName, checked, page_limit};
use crate::server::SharedState;
use crate::service::{MachineKind, ServiceError};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PutParams {
    /// Only when creating; an existing state machine keeps its type. Default `STANDARD`.
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    pub kind: Option<MachineType>,
    /// The role shown in `$$.Execution.RoleArn`. Kept on updates when absent.
    #[serde(rename = "roleArn")]
    #[param(rename = "roleArn", min_length = 1, max_length = 256)]
    pub role_arn: Option<String>,
    /// How long finished executions of this machine are kept before they are deleted
    /// (`90d`, `12h`, `30m`, `3s`; humantime). Applies to executions started after the
    /// change; kept on updates when absent. Default: the server's `--retention`.
    #[param(example = "7d")]
    pub retention: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetParams {
    /// A past revision; the latest when absent.
    #[param(minimum = 1)]
    pub revision: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
}

/// Create a state machine, or store a new revision of it.
///
/// The body is the definition itself, JSON or YAML (stored as JSON). Sending the latest
/// definition and role again changes nothing (200, same revision).
#[utoipa::path(
    put, path = "/v1/state-machines/{name}", tag = "state machines",
    params(("name" = ResourceName, Path, description = "The state machine"), PutParams),
    request_body(description = "The definition (Amazon States Language), JSON or YAML", content(
        (Definition = "application/json"),
        (Definition = "application/yaml"),
        (Definition = "application/x-yaml"),
        (Definition = "text/yaml"),
    )),
    responses(
        (status = 200, description = "A new revision, or unchanged", body = StateMachineView),
        (status = 201, description = "Created (revision 1)", body = StateMachineView),
        (status = 400, description = "InvalidDefinition (with `diagnostics`), InvalidName, BadRequest, ValidationException", body = ErrorBody),
        (status = 409, description = "ConflictException: the type of an existing state machine cannot change", body = ErrorBody),
        (status = 413, description = "PayloadTooLarge", body = ErrorBody),
    )
)]
pub async fn put_state_machine(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    Query(params): Query<PutParams>,
    DefinitionBody(definition, yaml): DefinitionBody,
) -> Result<(StatusCode, Json<StateMachineView>), ApiError> {
    let yaml = yaml.as_deref();
    let name = checked(&name)?;
    if let Some(role) = &params.role_arn
        && !(1..=256).contains(&role.chars().count())
    {
        return Err(ApiError::from(ServiceError::Validation(
            "roleArn must be 1 to 256 characters".into(),
        )));
    }
    let retention = params
        .retention
        .as_deref()
        .map(parse_retention)
        .transpose()?;
    let definition = definition.map_err(|mut d| {
        place_in_yaml(yaml, std::slice::from_mut(&mut d));
        ApiError::invalid_definition(d.message.clone(), std::slice::from_ref(&d))
    })?;
    let service = &state.service;
    for _ in 0..3 {
        let Some(current) = service
            .store
            .get_state_machine(name)
            .await
            .map_err(ServiceError::from)?
        else {
            let kind = params.kind.unwrap_or(MachineType::Standard).into();
            match service
                .create_state_machine(
                    name,
                    &definition,
                    params.role_arn.as_deref(),
                    kind,
                    retention,
                )
                .await
            {
                Ok(record) => {
                    return Ok((
                        StatusCode::CREATED,
                        Json(machine_view(&state, record, false)),
                    ));
                }
                // Created concurrently: this request becomes an update.
                Err(ServiceError::StateMachineAlreadyExists(_)) => continue,
                Err(e) => return Err(placed(e, yaml).into()),
            }
        };
        if let Some(kind) = params.kind
            && MachineKind::from(kind).as_str() != current.kind
        {
            return Err(ServiceError::Conflict(format!(
                "state machine '{name}' is {}; delete it to change its type",
                current.kind
            ))
            .into());
        }
        let role = params.role_arn.as_deref();
        if current.definition == definition
            && role.is_none_or(|r| r == current.role_arn)
            && retention.is_none_or(|r| Some(r) == current.retention_ms)
        {
            return Ok((StatusCode::OK, Json(machine_view(&state, current, false))));
        }
        let record = service
            .update_state_machine(name, Some(&definition), role, retention.map(Some))
            .await
            .map_err(|e| placed(e, yaml))?;
        return Ok((StatusCode::OK, Json(machine_view(&state, record, false))));
    }
    Err(ServiceError::Conflict(format!(
        "state machine '{name}' is changing concurrently; try again"
    ))
    .into())
}

/// Describe a state machine, with its definition.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}", tag = "state machines",
    params(("name" = ResourceName, Path, description = "The state machine"), GetParams),
    responses(
        (status = 200, description = "The state machine", body = StateMachineView),
        (status = 400, description = "InvalidName, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist (or no such revision)", body = ErrorBody),
    )
)]
pub async fn get_state_machine(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    Query(params): Query<GetParams>,
) -> Result<Json<StateMachineView>, ApiError> {
    let name = checked(&name)?;
    let service = &state.service;
    let record = match params.revision {
        None => service.describe_state_machine(name).await?,
        Some(0) => return Err(ApiError::bad_request("revision must be 1 or more")),
        Some(n) => service
            .state_machine_revision(name, n)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "StateMachineDoesNotExist",
                    format!("state machine '{name}' has no revision {n}"),
                )
            })?,
    };
    Ok(Json(machine_view(&state, record, true)))
}

/// List state machines by name.
#[utoipa::path(
    get, path = "/v1/state-machines", tag = "state machines",
    params(ListParams),
    responses(
        (status = 200, description = "A page of state machines", body = StateMachineList),
        (status = 400, description = "BadRequest (limit out of range)", body = ErrorBody),
    )
)]
pub async fn list_state_machines(
    State(state): State<SharedState>,
    Query(params): Query<ListParams>,
) -> Result<Json<StateMachineList>, ApiError> {
    let limit = page_limit(params.limit)?;
    let (page, next) = state
        .service
        .list_state_machines(params.cursor.as_deref(), limit)
        .await?;
    Ok(Json(StateMachineList {
        state_machines: page
            .into_iter()
            .map(|r| machine_view(&state, r, false))
            .collect(),
        next,
    }))
}

/// Delete a state machine. Deleting one that does not exist is not an error.
///
/// Its executions are no longer reachable under `/v1/state-machines/{name}`; running ones
/// still finish, and callbacks still reach them.
#[utoipa::path(
    delete, path = "/v1/state-machines/{name}", tag = "state machines",
    params(("name" = ResourceName, Path, description = "The state machine")),
    responses(
        (status = 204, description = "Deleted (or there was nothing to delete)"),
        (status = 400, description = "InvalidName", body = ErrorBody),
    )
)]
pub async fn delete_state_machine(
    State(state): State<SharedState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let name = checked(&name)?;
    state.service.delete_state_machine(name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Check a definition (JSON or YAML) without saving it.
///
/// Any document gets an answer: unreadable ones have an `INVALID_JSON_DESCRIPTION` diagnostic.
#[utoipa::path(
    post, path = "/v1/validate", tag = "state machines",
    request_body(description = "The definition, JSON or YAML", content(
        (Value = "application/json"),
        (Value = "application/yaml"),
        (Value = "application/x-yaml"),
        (Value = "text/yaml"),
    )),
    responses(
        (status = 200, description = "Every problem found, errors and warnings", body = ValidationResult),
        (status = 413, description = "PayloadTooLarge", body = ErrorBody),
    )
)]
pub async fn validate(
    State(state): State<SharedState>,
    DefinitionBody(definition, yaml): DefinitionBody,
) -> Json<ValidationResult> {
    let mut diagnostics = match definition {
        Ok(text) => state.service.validate(&text),
        Err(unreadable) => vec![unreadable],
    };
    place_in_yaml(yaml.as_deref(), &mut diagnostics);
    Json(ValidationResult {
        valid: !diagnostics
            .iter()
            .any(|d| d.severity == baton_definitions::Severity::Error),
        diagnostics: diagnostics.iter().map(DiagnosticView::from).collect(),
    })
}

/// `e` with its definition diagnostics placed in the YAML the user sent, if it was YAML.
fn placed(mut e: ServiceError, yaml: Option<&str>) -> ServiceError {
    if let ServiceError::InvalidDefinition { diagnostics, .. } = &mut e {
        place_in_yaml(yaml, diagnostics);
    }
    e
}

/// A retention period: a humantime duration of at least one second.
fn parse_retention(text: &str) -> Result<u64, ApiError> {
    let duration = humantime::parse_duration(text).map_err(|e| {
        ApiError::bad_request(format!(
            "retention must be a duration such as 90d, 12h or 30s: {e}"
        ))
    })?;
    if duration < std::time::Duration::from_secs(1) {
        return Err(ApiError::bad_request("retention must be at least 1s"));
    }
    Ok(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}
