//! Baton's own REST API under `/v1`, and its OpenAPI 3.1 document at `GET /openapi.json`.
//!
//! | Method and path | Does | Success |
//! |---|---|---|
//! | `PUT /v1/state-machines/{name}?type&roleArn` | create from a JSON or YAML definition, or store a new revision | 201 created, 200 new revision (or unchanged) |
//! | `GET /v1/state-machines?limit&cursor` | list, by name | 200 |
//! | `GET /v1/state-machines/{name}?revision` | describe, with the definition | 200 |
//! | `DELETE /v1/state-machines/{name}` | delete (idempotent) | 204 |
//! | `POST /v1/validate` | check a definition without saving it | 200 `{valid, diagnostics}` |
//! | `POST /v1/test-state` | run one state without an execution: AWS's `TestState`, same body and answer ([`test_state`]) | 200 |
//! | `GET /v1/state-machines/{name}/tags` · `POST` (add) · `DELETE …/tags/{key}` | a machine's tags ([`tags`]) | 200 `{tags}`, 204 |
//! | `POST /v1/state-machines/{name}/versions` · `GET` (list) · `GET`/`DELETE …/versions/{n}` | publish the latest revision as a version, list, describe, delete ([`versions`]) | 201 (200 when it had one), 200, 204 |
//! | `POST /v1/state-machines/{name}/aliases` · `GET` (list) · `GET`/`PUT`/`DELETE …/aliases/{alias}` | aliases routing starts to one or two versions by weight ([`aliases`]) | 201, 200, 204 |
//! | `POST /v1/state-machines/{name}/executions?wait` | start (idempotent by name and input), on the latest revision, `{"version": n}` or `{"alias": "prod"}` | 201, 200 existing; with `wait`: 200 ended, 202 still running |
//! | `GET /v1/state-machines/{name}/executions?status&namePrefix&startedAfter&startedBefore&version&alias&limit&cursor` | list, newest first, filtered (a name prefix scans a bounded number of entries per page: a short or empty page can still have a `next`) | 200 |
//! | `GET /v1/state-machines/{name}/executions/{execution}` | describe | 200 |
//! | `POST /v1/state-machines/{name}/executions/{execution}/stop` | stop (ends `ABORTED`) | 200 |
//! | `GET /v1/state-machines/{name}/executions/{execution}/history?order&limit&cursor` | history events | 200 |
//! | `GET /v1/state-machines/{name}/executions/{execution}/map-runs?limit&cursor` · `…/map-runs/{id}` | the runs of its distributed Maps with their item counts ([`map_runs`]) | 200 |
//! | `GET /v1/state-machines/{name}/executions/{execution}/events?after` | history events as Server-Sent Events, live, resumable ([`events`]) | 200 `text/event-stream` |
//! | `POST /v1/callbacks/{token}/success` · `/failure` · `/heartbeat` | answer a waiting task (no bearer token: the task token is the capability) | 200 `{}` |
//! | `GET /v1/callbacks/{token}` | what the token's task waits for, and whether it still takes an answer ([`callback_info`]) | 200 |
//! | `GET /v1/dead-letters?limit&cursor` | queue entries and timers that could not be read, with the reason | 200 |
//! | `GET /livez`, `GET /readyz` (`/healthz`), `GET /metrics`, `GET /openapi.json` | operations ([`system`]) | 200 |
//!
//! Errors and their statuses: [`errors`]. Bodies: [`body`].

pub mod aliases;
pub mod body;
pub mod callback_info;
pub mod callbacks;
pub mod dead_letters;
pub mod errors;
pub mod events;
pub mod executions;
pub mod history;
pub mod machines;
pub mod map_runs;
pub mod numbers;
pub mod openapi;
pub mod progress;
pub mod redrive;
pub mod system;
pub mod tags;
pub mod test_state;
pub mod versions;
pub mod views;

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::server::SharedState;
use crate::service::names::check_name;
use errors::ApiError;

/// A state machine or execution name: 1–80 characters, none of them whitespace, control
/// characters or ``< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`` (AWS's rule).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(
    example = "orders",
    min_length = 1,
    max_length = 80,
    pattern = r##"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff<>{}\[\]?*"#%\\^|~`$&,;:/]+$"##
)]
pub struct ResourceName(pub String);

/// The API routes (behind bearer authentication when it is configured).
pub fn routes() -> Router<SharedState> {
    api_router().split_for_parts().0
}

/// The callback routes: the task token in the path is the credential.
pub fn callback_routes() -> Router<SharedState> {
    callback_router().split_for_parts().0
}

/// This document (OpenAPI 3.1).
#[utoipa::path(
    get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub async fn openapi() -> impl IntoResponse {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| openapi::document().to_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str())
}

fn api_router() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .routes(routes!(machines::list_state_machines))
        .routes(routes!(
            machines::put_state_machine,
            machines::get_state_machine,
            machines::delete_state_machine
        ))
        .routes(routes!(machines::validate))
        .routes(routes!(test_state::test_state))
        .routes(routes!(tags::get_tags, tags::add_tags))
        .routes(routes!(tags::delete_tag))
        .routes(routes!(versions::publish_version, versions::list_versions))
        .routes(routes!(versions::get_version, versions::delete_version))
        .routes(routes!(aliases::create_alias, aliases::list_aliases))
        .routes(routes!(
            aliases::get_alias,
            aliases::update_alias,
            aliases::delete_alias
        ))
        .routes(routes!(
            executions::start_execution,
            executions::list_executions
        ))
        .routes(routes!(executions::describe_execution))
        .routes(routes!(executions::stop_execution))
        .routes(routes!(redrive::redrive_execution))
        .routes(routes!(history::get_history))
        .routes(routes!(map_runs::list_map_runs))
        .routes(routes!(map_runs::describe_map_run))
        .routes(routes!(events::execution_events))
        .routes(routes!(dead_letters::list_dead_letters))
}

fn system_router() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .routes(routes!(system::livez))
        .routes(routes!(system::readyz))
        .routes(routes!(system::healthz))
        .routes(routes!(system::metrics))
        .routes(routes!(openapi))
}

fn callback_router() -> OpenApiRouter<SharedState> {
    OpenApiRouter::new()
        .routes(routes!(callback_info::describe_callback))
        .routes(routes!(callbacks::success))
        .routes(routes!(callbacks::failure))
        .routes(routes!(callbacks::heartbeat))
}

/// Milliseconds since the epoch as RFC 3339 (UTC, milliseconds).
pub fn rfc3339(ms: i64) -> String {
    baton_definitions::time::format_timestamp_ms(ms)
}

/// A name from the path, checked by AWS's rule.
pub fn checked(name: &str) -> Result<&str, ApiError> {
    check_name(name)?;
    Ok(name)
}

/// The page size: 1–1000, 100 when absent.
pub fn page_limit(limit: Option<u32>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(100),
        Some(n @ 1..=1000) => Ok(n as usize),
        Some(n) => Err(ApiError::bad_request(format!(
            "limit must be 1 to 1000, not {n}"
        ))),
    }
}
