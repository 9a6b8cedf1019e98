//! The pure core: `apply(definition, execution, event) -> transition`.
//!
//! Nothing here does I/O: no tokio, no Redis, no HTTP. Time and randomness come in with
//! the event ([`Input`]); what must happen outside comes back as data ([`Transition`]):
//! history events, timers and tokens to commit atomically with the record, and effects to
//! run after the commit.
//!
//! # Frames and steps
//!
//! An execution runs one or more *frames*: the top level (frame 0), each running Parallel
//! branch and each running Map iteration. A frame is in one [`Step`]:
//!
//! | step | event | next |
//! |---|---|---|
//! | `Enter` | `Run` | the state runs: Pass/Choice/Succeed/Fail finish at once (next state: `Enter`, or the frame ends); Wait → `Wait`; Task → `Task`; Parallel/Map → `Children` |
//! | `Task` | `TaskResult` ok / `Callback` success | output pipeline, next state: `Enter` |
//! | `Task` | `TaskResult` error / `Callback` failure / `Timer` (timeout, heartbeat) | retry → `Backoff`; catch → `Enter` (catcher's Next); else the frame fails |
//! | `Task` (callback) | `Submitted` ok | `Task` (waiting; `TaskSubmitted` written) |
//! | `Wait` | `Timer` | next state: `Enter` |
//! | `Backoff` | `Timer` | the state's work runs again (`Task` or `Children`) |
//! | `Children` | a child frame ends | more children start; when all end: output pipeline, next state |
//! | `Children` | a child frame fails | other children are cancelled; retry / catch / fail as for a task |
//! | any | `Stop` | the execution is `ABORTED`; frames, timers and tokens are dropped |
//! | any | `Timer` 0 (`EXECUTION_TIMER`) | the execution is `TIMED_OUT` |
//!
//! A frame that ends reports to its parent (or ends the execution, for frame 0). A
//! `States.Runtime` error ends the execution at once, wherever it happens.
//!
//! # Variables
//!
//! `Assign` sets variables in the frame that runs the state, when the state exits; `$name`
//! reads the nearest frame up the `parent` chain that holds `name`. So a branch or an
//! iteration reads its outer scopes' variables, and what it assigns stays in its own frame
//! and ends with it (see `variables.rs`).

mod context;
mod details;
pub mod driver;
mod event;
mod execution;
mod fanout;
mod frames;
mod history;
mod jsonata;
mod jsonata_env;
mod map_runs;
pub mod redrive;
mod settings;
mod step;
mod task;
mod transition;
mod variables;

pub use context::Context;
pub use details::{Details, Io, StateDetails, json_text};
pub use event::{EXECUTION_TIMER, Event, Outcome, QueuedEvent};
pub use execution::{
    Children, Execution, ExecutionKind, Frame, Parent, Pinned, Status, Step, TaskStep,
};
pub use frames::{ChildrenId, Frames, Results};
pub use history::{
    DETAIL_KEYS, EVENT_KINDS, HistoryEvent, Phase, detail_key_code, details_member, error_details,
    event_kind_code, state_event,
};
pub use map_runs::{MapRun, MapRunStatus, run_uuid};
pub use settings::{DEFAULT_RETENTION_MS, PlainTokens, Settings, TokenMinter};
pub use step::{Input, MAX_VALUE_DEPTH, Machine, apply, start};
pub use transition::{
    Effect, HttpRequest, OpenToken, ResponseShape, Timer, TokenClosed, Transition,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_map_runs;
#[cfg(test)]
mod tests_redrive;
#[cfg(test)]
mod tests_variable_scopes;
#[cfg(test)]
mod tests_variables;
