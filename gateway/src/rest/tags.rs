//! A state machine's tags: `GET` them, `POST` some (added, or replacing a key's value),
//! `DELETE` one by key. Tags belong to the machine (every revision) and go with it; the
//! AWS API's TagResource, UntagResource and ListTagsForResource see the same tags.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use baton_engine::store::{MAX_TAGS, Store, TagOutcome};

use super::body::{Path, RawBody};
use super::errors::{ApiError, ErrorBody};
use super::{ResourceName, checked};
use crate::server::SharedState;
use crate::service::ServiceError;
use crate::service::tags::{check_tag_key, check_tag_value};

/// Tags to add, by key (keys 1–128 characters, not starting with `aws:`; values up to 256).
#[derive(Debug)]
pub struct TagMap;

impl utoipa::ToSchema for TagMap {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("TagMap")
    }
}

impl utoipa::PartialSchema for TagMap {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        let schema = serde_json::json!({
            "type": "object",
            "description": "Tags by key",
            "propertyNames": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^(?![aA][wW][sS]:)"},
            "additionalProperties": {"type": "string", "maxLength": 256},
            "maxProperties": 50
        });
        serde_json::from_value(schema).expect("the tag map schema is a valid schema")
    }
}

/// Tags by key.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tags {
    #[schema(example = json!({"team": "payments"}))]
    pub tags: BTreeMap<String, String>,
}

fn missing(name: &str) -> ApiError {
    ServiceError::StateMachineDoesNotExist(name.to_owned()).into()
}

async fn current(state: &SharedState, name: &str) -> Result<Json<Tags>, ApiError> {
    let tags = state
        .service
        .store
        .state_machine_tags(name)
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(|| missing(name))?;
    Ok(Json(Tags {
        tags: tags.into_iter().collect(),
    }))
}

/// A state machine's tags.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/tags", tag = "state machines",
    params(("name" = ResourceName, Path, description = "The state machine")),
    responses(
        (status = 200, description = "Its tags", body = Tags),
        (status = 400, description = "InvalidName", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist", body = ErrorBody),
    )
)]
pub async fn get_tags(
    State(state): State<SharedState>,
    Path(name): Path<String>,
) -> Result<Json<Tags>, ApiError> {
    let name = checked(&name)?;
    current(&state, name).await
}

/// Add tags (a key given again takes the new value): all or nothing, at most 50 in all.
#[utoipa::path(
    post, path = "/v1/state-machines/{name}/tags", tag = "state machines",
    params(("name" = ResourceName, Path, description = "The state machine")),
    request_body(content = TagMap, content_type = "application/json",
        description = "Tags by key: keys 1–128 characters, not starting with `aws:`; values up to 256"),
    responses(
        (status = 200, description = "All its tags now", body = Tags),
        (status = 400, description = "InvalidName, BadRequest, ValidationException, TooManyTags", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist", body = ErrorBody),
    )
)]
pub async fn add_tags(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    RawBody(body): RawBody,
) -> Result<Json<Tags>, ApiError> {
    let name = checked(&name)?;
    let tags: BTreeMap<String, String> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is a JSON object of tags (key: value): {e}"
        ))
    })?;
    for (key, value) in &tags {
        check_tag_key(key, "tag key")
            .and_then(|()| check_tag_value(value, key))
            .map_err(|m| ApiError::from(ServiceError::Validation(m)))?;
    }
    let tags: Vec<(String, String)> = tags.into_iter().collect();
    match state
        .service
        .store
        .tag_state_machine(name, &tags)
        .await
        .map_err(ServiceError::from)?
    {
        TagOutcome::Tagged => current(&state, name).await,
        TagOutcome::NoStateMachine => Err(missing(name)),
        TagOutcome::TooMany => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "TooManyTags",
            format!("state machine '{name}' would have more than {MAX_TAGS} tags"),
        )),
    }
}

/// Remove a tag (removing one that is not there is not an error).
#[utoipa::path(
    delete, path = "/v1/state-machines/{name}/tags/{key}", tag = "state machines",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("key" = String, Path, description = "The tag key"),
    ),
    responses(
        (status = 204, description = "Removed (or it was not there)"),
        (status = 400, description = "InvalidName", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist", body = ErrorBody),
    )
)]
pub async fn delete_tag(
    State(state): State<SharedState>,
    Path((name, key)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let name = checked(&name)?;
    if state
        .service
        .store
        .untag_state_machine(name, &[key])
        .await
        .map_err(ServiceError::from)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(missing(name))
    }
}
