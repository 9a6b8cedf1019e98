//! What a task token is waiting for: the approval page `/ui/callbacks/{token}` shows it to
//! the person holding the token. The token is the capability: it is verified first, and
//! only its own execution and state are shown.

use std::collections::HashMap;

use serde_json::Value;

use baton_engine::machine::{Execution, HistoryEvent, Status, Step};
use baton_engine::store::Store;

use super::{Result, Service, ServiceError};

/// Where the task of a token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Open: an answer is taken.
    Waiting,
    /// Answered with success or failure.
    Answered,
    /// Its timeout or heartbeat timeout passed.
    TimedOut,
    /// Closed, and the recent history does not say how.
    Closed,
    /// The execution ended.
    ExecutionEnded,
}

/// The token's task.
#[derive(Debug)]
pub struct CallbackInfo {
    pub execution: Execution,
    pub state: String,
    pub attempt: u32,
    pub token_state: TokenState,
    /// The state's input (while waiting).
    pub input: Option<Value>,
    /// The effective input the task was given (`Parameters` applied), when found.
    pub parameters: Option<Value>,
    /// When the waiting state was entered (ms).
    pub since_ms: Option<i64>,
}

/// How many recent events are read to tell an answered task from a timed-out one.
const SCAN: usize = 1000;

impl<S: Store> Service<S> {
    pub async fn callback_info(&self, token_text: &str) -> Result<CallbackInfo> {
        let token = self.verify(token_text)?;
        let exec = self
            .store
            .load_execution(token.execution_id())
            .await?
            .ok_or(ServiceError::TaskDoesNotExist)?;
        // The open task's input, entry time and first and last events, read before the
        // record moves into the answer.
        let waiting = exec
            .frames
            .values()
            .find(|f| matches!(&f.step, Step::Task(t) if t.token.as_deref() == Some(token_text)))
            .map(|f| {
                (
                    f.input.clone(),
                    f.entered_ms,
                    f.entered.max(1),
                    f.last_event,
                )
            });
        let events = match waiting {
            Some((_, _, from, last)) => {
                let span = (last + 1).saturating_sub(from).clamp(1, 1000) as usize;
                self.store.history(&exec.id, from, span, false).await?
            }
            None => {
                self.store
                    .history(&exec.id, exec.events, SCAN, true)
                    .await?
            }
        };
        let mut info = CallbackInfo {
            state: token.state().to_owned(),
            attempt: token.attempt(),
            token_state: TokenState::Closed,
            input: None,
            parameters: None,
            since_ms: None,
            execution: exec,
        };
        if let Some((input, entered_ms, _, _)) = waiting {
            info.token_state = TokenState::Waiting;
            info.input = Some(input);
            info.since_ms = (entered_ms > 0).then_some(entered_ms);
            info.parameters = events
                .iter()
                .rev()
                .find(|e| e.kind == "TaskScheduled")
                .and_then(|e| e.details.value().get("parameters").cloned())
                .and_then(|p| match p {
                    Value::String(text) => serde_json::from_str(&text).ok(),
                    other => Some(other),
                });
            return Ok(info);
        }
        // Answered or timed out says more than the end that followed (a second approver
        // learns the request was answered); an end with neither is the reason.
        info.token_state = match closed_how(&events, token.state()) {
            TokenState::Closed if info.execution.status != Status::Running => {
                TokenState::ExecutionEnded
            }
            how => how,
        };
        Ok(info)
    }
}

/// The newest task outcome in `recent` (newest first) whose state is `state`.
fn closed_how(recent: &[HistoryEvent], state: &str) -> TokenState {
    let by_id: HashMap<u64, &HistoryEvent> = recent.iter().map(|e| (e.id, e)).collect();
    for event in recent {
        let how = match event.kind.as_ref() {
            "TaskSucceeded" | "TaskFailed" => TokenState::Answered,
            "TaskTimedOut" => TokenState::TimedOut,
            _ => continue,
        };
        if entered_state(&by_id, event) == Some(state) {
            return how;
        }
    }
    TokenState::Closed
}

/// The name of the state whose `…StateEntered` event `event` follows.
fn entered_state<'a>(
    by_id: &HashMap<u64, &'a HistoryEvent>,
    event: &HistoryEvent,
) -> Option<&'a str> {
    let mut id = event.previous_event_id;
    for _ in 0..64 {
        let e = by_id.get(&id)?;
        if e.kind.ends_with("StateEntered") {
            return e.details.name();
        }
        id = e.previous_event_id;
    }
    None
}
