//! What moves an execution forward.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use baton_definitions::Failure;

/// The id of the execution-level timeout timer (`TimeoutSeconds` of the state machine).
pub const EXECUTION_TIMER: u64 = 0;

/// An event applied to an execution by [`super::apply`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Run the frame's pending step (frames in [`super::Step::Enter`]).
    Run { frame: u32 },
    /// A task's HTTP answer, for the attempt `attempt` of state `state` in frame `frame`
    /// (what its [`super::Effect::Http`] named): an answer for any other step is stale and
    /// changes nothing.
    TaskResult {
        frame: u32,
        state: String,
        attempt: u32,
        result: Result<Value, Failure>,
    },
    /// The answer to a callback notification (`TaskSubmitted`), or its failure; named as a
    /// [`Event::TaskResult`] is.
    Submitted {
        frame: u32,
        state: String,
        attempt: u32,
        result: Result<Value, Failure>,
    },
    /// A callback for the task attempt `<state>/<attempt>`.
    Callback {
        state: String,
        attempt: u32,
        outcome: Outcome,
    },
    /// A durable timer fired.
    Timer { timer: u64 },
    /// `StopExecution`.
    Stop {
        error: Option<String>,
        cause: Option<String>,
    },
}

/// A callback's message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Success {
        output: Value,
    },
    Failure {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
    },
}

/// Events that arrive through the store's queue (durable), as stored there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "e", rename_all = "snake_case")]
pub enum QueuedEvent {
    /// Look at the execution: a new execution, or one to resume.
    Wake,
    Timer {
        timer: u64,
    },
    Callback {
        state: String,
        attempt: u32,
        outcome: Outcome,
    },
    Stop {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
    },
}

impl QueuedEvent {
    /// The machine event, or `None` for a plain wake-up.
    pub fn into_event(self) -> Option<Event> {
        match self {
            QueuedEvent::Wake => None,
            QueuedEvent::Timer { timer } => Some(Event::Timer { timer }),
            QueuedEvent::Callback {
                state,
                attempt,
                outcome,
            } => Some(Event::Callback {
                state,
                attempt,
                outcome,
            }),
            QueuedEvent::Stop { error, cause } => Some(Event::Stop { error, cause }),
        }
    }
}
