//! Where a running execution is: its current states and the callbacks it waits for, read
//! from the execution's frames (the top level, Parallel branches and Map iterations).

use serde::Serialize;
use utoipa::ToSchema;

use baton_engine::machine::{Execution, Frame, Frames, Status, Step};

use super::rfc3339;

/// At most this many current states and open callbacks are listed (a large Map runs many
/// iterations at once; `currentStatesTotal` counts them all).
pub const MAX_LISTED: usize = 100;

/// What a current state is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StateActivity {
    /// Being entered, or an HTTP task in flight.
    Running,
    /// A task waiting for its task token to be answered.
    WaitingCallback,
    /// A Wait state.
    WaitingTimer,
    /// Backing off before a retry.
    Retrying,
    /// A Parallel or Map state waiting for its branches or iterations.
    WaitingChildren,
}

/// An enclosing Parallel or Map state: its name and the branch (Parallel) or item (Map)
/// index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Enclosing {
    pub state: String,
    pub index: u32,
}

/// A state an execution is in now.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CurrentState {
    pub name: String,
    pub status: StateActivity,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub entered_at: Option<String>,
    /// The enclosing Parallel and Map states, outermost first; absent at the top level.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub within: Vec<Enclosing>,
}

/// A task waiting for its task token: answer it at `/v1/callbacks/{token}/…`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenCallback {
    pub state: String,
    pub token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub within: Vec<Enclosing>,
}

/// The current states (at most [`MAX_LISTED`]), how many there are, and the open callbacks
/// (at most [`MAX_LISTED`]) of a running execution; `None` once it ended.
pub fn progress(e: &Execution) -> Option<(Vec<CurrentState>, usize, Vec<OpenCallback>)> {
    if e.status != Status::Running {
        return None;
    }
    let mut states = Vec::new();
    let mut callbacks = Vec::new();
    let mut total = 0;
    for (_, frame) in e.frames.iter() {
        total += 1;
        let status = activity(&frame.step);
        let entered_at = (frame.entered_ms > 0).then(|| rfc3339(frame.entered_ms));
        if let Step::Task(task) = &frame.step
            && let Some(token) = &task.token
            && callbacks.len() < MAX_LISTED
        {
            callbacks.push(OpenCallback {
                state: frame.state.clone(),
                token: token.clone(),
                since: entered_at.clone(),
                within: within(&e.frames, frame),
            });
        }
        if states.len() < MAX_LISTED {
            states.push(CurrentState {
                name: frame.state.clone(),
                status,
                entered_at,
                within: within(&e.frames, frame),
            });
        }
    }
    Some((states, total, callbacks))
}

fn activity(step: &Step) -> StateActivity {
    match step {
        Step::Enter => StateActivity::Running,
        Step::Task(task) if task.token.is_some() => StateActivity::WaitingCallback,
        Step::Task(_) => StateActivity::Running,
        Step::Wait { .. } => StateActivity::WaitingTimer,
        Step::Backoff { .. } => StateActivity::Retrying,
        Step::Children(_) => StateActivity::WaitingChildren,
    }
}

/// The enclosing states of `frame`, outermost first.
fn within(frames: &Frames, frame: &Frame) -> Vec<Enclosing> {
    let mut path = Vec::new();
    let mut parent = frame.parent;
    // A parent chain is as deep as the definition nests; the bound guards a corrupt record.
    while let Some(p) = parent {
        if path.len() > 64 {
            break;
        }
        let Some(enclosing) = frames.get(&p.frame) else {
            break;
        };
        path.push(Enclosing {
            state: enclosing.state.clone(),
            index: p.index,
        });
        parent = enclosing.parent;
    }
    path.reverse();
    path
}
