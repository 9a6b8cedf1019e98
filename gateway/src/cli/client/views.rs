//! The REST API's answers, as the client reads them. Lenient: a member the server does not
//! send (an older server, an ended execution) is empty, not an error.

use serde::Deserialize;
use serde_json::{Map, Value};

/// A state machine (`PUT`, `GET`, listings).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MachineView {
    pub name: String,
    pub arn: String,
    pub revision: u32,
    #[serde(rename = "type")]
    pub kind: String,
    pub role_arn: String,
    pub created_at: String,
    pub updated_at: String,
    pub definition: Option<Value>,
    /// Executions by status, in the server's order.
    pub execution_counts: Option<Map<String, Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MachineList {
    pub state_machines: Vec<MachineView>,
    pub next: Option<String>,
}

/// An execution (describe, start, stop) or an execution in a listing.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExecutionView {
    pub name: String,
    pub arn: String,
    pub state_machine: String,
    pub revision: u32,
    pub status: String,
    pub started_at: String,
    pub stopped_at: Option<String>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub current_states: Vec<CurrentState>,
    pub current_states_total: Option<u64>,
    pub open_callbacks: Vec<OpenCallback>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExecutionList {
    pub executions: Vec<ExecutionView>,
    pub next: Option<String>,
}

/// A state an execution is in (`RUNNING`, `WAITING_CALLBACK`, `WAITING_TIMER`, …).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CurrentState {
    pub name: String,
    pub status: String,
    pub entered_at: Option<String>,
    pub within: Vec<Within>,
}

/// One enclosing Parallel branch or Map iteration.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(default)]
pub struct Within {
    pub state: String,
    pub index: Option<u64>,
}

/// A task waiting for a callback, with its token.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct OpenCallback {
    pub state: String,
    pub token: String,
    pub since: Option<String>,
    pub within: Vec<Within>,
}

/// A page of history events (each kept as the server's JSON).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HistoryPage {
    pub events: Vec<Value>,
    pub next: Option<String>,
}

/// One problem of a definition, from an `InvalidDefinition` error.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Diagnostic {
    pub severity: String,
    pub code: String,
    pub message: String,
    /// The JSON Pointer of the field (see [`Diagnostic::at`]).
    pub pointer: Option<String>,
    /// The same, as older servers name it.
    pub location: Option<String>,
    pub line: Option<u64>,
    pub column: Option<u64>,
}

impl Diagnostic {
    /// The JSON Pointer of the field; empty for the whole document.
    pub fn at(&self) -> &str {
        self.pointer
            .as_deref()
            .or(self.location.as_deref())
            .unwrap_or_default()
    }
}

/// `Fan[3] › Inner[0]`: where a state runs inside Parallel branches and Map iterations.
pub fn within_text(within: &[Within]) -> String {
    let parts: Vec<String> = within
        .iter()
        .map(|w| match w.index {
            Some(i) => format!("{}[{i}]", w.state),
            None => w.state.clone(),
        })
        .collect();
    parts.join(" › ")
}
