//! Response shapes of state machines and executions, and how records become them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use baton_definitions::parse::read_json;
use baton_engine::machine::{Execution, Status};
use baton_engine::store::StateMachineRecord;

use super::errors::DiagnosticView;
use super::machines::ExecutionCountsView;
use super::progress::{CurrentState, OpenCallback, progress};
use super::rfc3339;
use crate::server::SharedState;
use crate::service::MachineKind;

/// `STANDARD` (durable, up to a year) or `EXPRESS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum MachineType {
    Standard,
    Express,
}

impl From<MachineType> for MachineKind {
    fn from(t: MachineType) -> MachineKind {
        match t {
            MachineType::Standard => MachineKind::Standard,
            MachineType::Express => MachineKind::Express,
        }
    }
}

/// A state machine (its latest revision, or the one asked for).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateMachineView {
    #[schema(example = "orders")]
    pub name: String,
    #[schema(example = "arn:aws:states:us-east-1:123456789012:stateMachine:orders")]
    pub arn: String,
    /// 1 for the first definition, then one more for each change.
    #[schema(minimum = 1)]
    pub revision: u32,
    #[serde(rename = "type")]
    pub kind: MachineType,
    pub role_arn: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When this revision was stored.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// The definition as JSON (also when it was uploaded as YAML). Only on `GET`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object, nullable = false)]
    pub definition: Option<Value>,
    /// The state machine's executions by status, of every revision (those not deleted
    /// yet). Only on `GET`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub execution_counts: Option<ExecutionCountsView>,
}

/// A page of state machines, by name.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateMachineList {
    pub state_machines: Vec<StateMachineView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next: Option<String>,
}

/// The outcome of `POST /v1/validate`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationResult {
    /// True when there is no `ERROR` diagnostic (warnings allowed).
    pub valid: bool,
    pub diagnostics: Vec<DiagnosticView>,
}

pub fn machine_view(
    state: &SharedState,
    r: StateMachineRecord,
    with_definition: bool,
) -> StateMachineView {
    StateMachineView {
        arn: state.service.settings.state_machine_arn(&r.name),
        kind: if r.kind == "EXPRESS" {
            MachineType::Express
        } else {
            MachineType::Standard
        },
        definition: with_definition.then(|| read_json(&r.definition).unwrap_or_default()),
        name: r.name,
        revision: r.revision,
        role_arn: r.role_arn,
        created_at: rfc3339(r.created_ms),
        updated_at: rfc3339(r.updated_ms),
        execution_counts: None,
    }
}

/// Where an execution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl From<Status> for ExecutionStatus {
    fn from(s: Status) -> ExecutionStatus {
        match s {
            Status::Running => ExecutionStatus::Running,
            Status::Succeeded => ExecutionStatus::Succeeded,
            Status::Failed => ExecutionStatus::Failed,
            Status::TimedOut => ExecutionStatus::TimedOut,
            Status::Aborted => ExecutionStatus::Aborted,
        }
    }
}

impl From<ExecutionStatus> for Status {
    fn from(s: ExecutionStatus) -> Status {
        match s {
            ExecutionStatus::Running => Status::Running,
            ExecutionStatus::Succeeded => Status::Succeeded,
            ExecutionStatus::Failed => Status::Failed,
            ExecutionStatus::TimedOut => Status::TimedOut,
            ExecutionStatus::Aborted => Status::Aborted,
        }
    }
}

/// An execution in a listing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionSummary {
    #[schema(example = "order-42")]
    pub name: String,
    #[schema(example = "arn:aws:states:us-east-1:123456789012:execution:orders:order-42")]
    pub arn: String,
    /// The state machine's name.
    pub state_machine: String,
    /// The state machine revision it runs.
    pub revision: u32,
    pub status: ExecutionStatus,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub stopped_at: Option<String>,
    /// The version it was started on (directly or through an alias).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub version: Option<u32>,
    /// The alias it was started through.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub alias: Option<String>,
    /// How many times it was redriven (absent: never).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub redrive_count: Option<u32>,
    /// When it was last redriven.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub redriven_at: Option<String>,
}

/// An execution, with its input and (once ended) its output or error.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionView {
    #[serde(flatten)]
    pub summary: ExecutionSummary,
    /// The input, as JSON.
    pub input: Value,
    /// The output, as JSON (`SUCCEEDED` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value, nullable = false)]
    pub output: Option<Value>,
    /// The error name (`FAILED`, `TIMED_OUT`, `ABORTED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub cause: Option<String>,
    /// A running execution's current states (at most 100): the top level's, and those of
    /// the Parallel branches and Map iterations running.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub current_states: Option<Vec<CurrentState>>,
    /// How many current states there are (more than listed in a large Map).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub current_states_total: Option<usize>,
    /// A running execution's tasks waiting for their task token (at most 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub open_callbacks: Option<Vec<OpenCallback>>,
}

/// A page of executions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExecutionList {
    pub executions: Vec<ExecutionSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next: Option<String>,
}

pub fn summary(state: &SharedState, e: &Execution) -> ExecutionSummary {
    ExecutionSummary {
        name: e.name.clone(),
        arn: state.service.settings.execution_arn(&e.id),
        state_machine: e.state_machine.clone(),
        revision: e.revision,
        status: e.status.into(),
        started_at: rfc3339(e.start_ms),
        stopped_at: e.stop_ms.map(rfc3339),
        version: e.pinned.as_ref().map(|p| p.version),
        alias: e.pinned.as_ref().and_then(|p| p.alias.clone()),
        redrive_count: (e.redrive_count > 0).then_some(e.redrive_count),
        redriven_at: e.redrive_ms.map(rfc3339),
    }
}

pub fn execution_view(state: &SharedState, e: Execution) -> ExecutionView {
    let (current_states, current_states_total, open_callbacks) = match progress(&e) {
        Some((states, total, callbacks)) => (Some(states), Some(total), Some(callbacks)),
        None => (None, None, None),
    };
    ExecutionView {
        summary: summary(state, &e),
        input: e.input,
        output: e.output,
        error: e.error,
        cause: e.cause,
        current_states,
        current_states_total,
        open_callbacks,
    }
}
