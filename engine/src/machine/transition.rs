//! What one transition asks of the outside world: history to append, timers and tokens to
//! record (committed atomically with the new record), and effects to run after the commit.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::history::HistoryEvent;

/// An HTTP request a task or a callback notification sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// How to read the answer.
    pub shape: ResponseShape,
    /// `Idempotency-Key`: `<execution id>/<state name>/<attempt>`.
    pub idempotency_key: String,
    /// Seconds before the call fails with `States.Timeout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// How an HTTP answer becomes a task result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseShape {
    /// `"Resource": "http://…"`: the JSON body (or its text).
    Body,
    /// `arn:aws:states:::http:invoke`: `{StatusCode, StatusText, Headers, ResponseBody}`.
    Invoke,
}

/// Work to do after the transition is committed.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a task's HTTP request; answer with [`super::Event::TaskResult`] (or, for a
    /// callback notification, [`super::Event::Submitted`]) naming the same frame, state and
    /// attempt.
    Http {
        frame: u32,
        state: String,
        attempt: u32,
        request: HttpRequest,
        notify: bool,
    },
}

/// A durable timer, keyed by execution and timer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub id: u64,
    pub due_ms: i64,
}

/// An open callback: the store accepts success, failure or heartbeat for it until closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenToken {
    /// `<state>/<attempt>`.
    pub key: String,
    /// The heartbeat timer and its period, moved forward by each heartbeat.
    pub heartbeat: Option<(u64, u64)>,
}

/// Why a token stopped being accepted.
///
/// Only `Answered` may close a token whose callback the store has accepted but the
/// execution has not applied yet: any other close of such a token is refused by the
/// commit (`CommitError::CallbackPending`), so that a callback answered 200 always takes
/// effect, whatever raced with it (a timeout, a stop, a failed sibling branch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClosed {
    /// Its callback (success or failure) was applied — a later message gets `TaskTimedOut`.
    Answered,
    /// Its task ended otherwise (its notification failed) — a later message gets
    /// `TaskTimedOut`.
    Done,
    /// It timed out (heartbeat or timeout) — a later message gets `TaskTimedOut`.
    TimedOut,
    /// Its task was cancelled (a failed sibling branch, a stopped execution) — a later
    /// message gets `TaskDoesNotExist`.
    Gone,
}

/// Everything one transition produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Transition {
    pub history: Vec<HistoryEvent>,
    pub effects: Vec<Effect>,
    pub timers_set: Vec<Timer>,
    pub timers_cleared: Vec<u64>,
    pub tokens_opened: Vec<OpenToken>,
    pub tokens_closed: Vec<(String, TokenClosed)>,
    /// The execution reached a final status.
    pub finished: bool,
}

impl Transition {
    /// True when the transition changed nothing (a stale event).
    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
            && self.timers_set.is_empty()
            && self.timers_cleared.is_empty()
            && self.tokens_opened.is_empty()
            && self.tokens_closed.is_empty()
            && !self.finished
    }
}
