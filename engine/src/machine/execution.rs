//! The persisted execution record: everything resuming needs, nothing more.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::frames::{Frames, Results};

/// Execution status, as AWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "RUNNING" => Status::Running,
            "SUCCEEDED" => Status::Succeeded,
            "FAILED" => Status::Failed,
            "TIMED_OUT" => Status::TimedOut,
            "ABORTED" => Status::Aborted,
            _ => return None,
        })
    }

    pub fn is_final(self) -> bool {
        self != Status::Running
    }
}

/// How an execution was started; changes only what `$$.Execution` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ExecutionKind {
    #[default]
    Standard,
    /// An EXPRESS state machine started with `StartExecution`.
    Express,
    /// An EXPRESS state machine started with `StartSyncExecution`.
    ExpressSync,
}

impl ExecutionKind {
    fn is_standard(&self) -> bool {
        *self == ExecutionKind::Standard
    }
}

/// One execution. Serialized, it is the record's *head*: every field but `input` and
/// `frames`, which the store keeps apart (see `store::record`) so that a transition writes
/// the frames it changed and not the whole record. Field names are short: the head is
/// written on every transition. (Records of earlier versions held `input` and `frames`
/// inline; they still deserialize.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// `<state machine>:<execution name>`; unique, and the tail of the execution ARN.
    pub id: String,
    #[serde(rename = "sm")]
    pub state_machine: String,
    /// The definition version the execution runs (fixed at start).
    #[serde(rename = "rev")]
    pub revision: u32,
    pub name: String,
    #[serde(default, skip_serializing)]
    pub input: Value,
    #[serde(rename = "st")]
    pub status: Status,
    #[serde(rename = "t0")]
    pub start_ms: i64,
    #[serde(rename = "t1", default, skip_serializing_if = "Option::is_none")]
    pub stop_ms: Option<i64>,
    /// A `null` output is kept as `Some(Value::Null)` through serialization.
    #[serde(
        rename = "out",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub output: Option<Value>,
    #[serde(rename = "err", default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(rename = "cause", default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Commits so far: the version checked by every commit.
    pub seq: u64,
    /// History events written so far (the id of the last one).
    #[serde(rename = "ev")]
    pub events: u64,
    /// Running frames: the top level (0), Parallel branches and Map iterations.
    #[serde(rename = "f", default, skip_serializing)]
    pub frames: Frames,
    #[serde(rename = "nf", default)]
    pub next_frame: u32,
    /// Task attempts so far per state name (for idempotency keys and task tokens).
    #[serde(rename = "at", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attempts: BTreeMap<String, u32>,
    #[serde(rename = "nt", default)]
    pub next_timer: u64,
    #[serde(
        rename = "k",
        default,
        skip_serializing_if = "ExecutionKind::is_standard"
    )]
    pub kind: ExecutionKind,
    /// When a finished execution is deleted (its stop time plus the retention period).
    #[serde(rename = "xp", default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<i64>,
    /// The published version (and the alias) it was started through; `None` when started
    /// on the machine's latest revision.
    #[serde(rename = "pin", default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<Pinned>,
    /// The mock configuration's test case the execution runs (`StartExecution` on
    /// `<state machine ARN>#<test case>`): the worker answers the states it mocks from it
    /// (see `crate::mock`). The pure core never reads it.
    #[serde(rename = "tc", default, skip_serializing_if = "Option::is_none")]
    pub test_case: Option<String>,
    /// Times the execution was redriven (`RedriveExecution`; see `redrive.rs`).
    #[serde(rename = "rc", default, skip_serializing_if = "is_zero")]
    pub redrive_count: u32,
    /// When it was last redriven.
    #[serde(rename = "rt", default, skip_serializing_if = "Option::is_none")]
    pub redrive_ms: Option<i64>,
    /// Client tokens of the latest redrives with their times (AWS's idempotency: the last
    /// 10, for 15 minutes).
    #[serde(rename = "rk", default, skip_serializing_if = "Vec::is_empty")]
    pub redrive_tokens: Vec<(String, i64)>,
    /// The runs of its distributed Maps, with their counts (see `map_runs.rs`).
    #[serde(rename = "mr", default, skip_serializing_if = "Vec::is_empty")]
    pub map_runs: Vec<super::map_runs::MapRun>,
}

/// The version an execution runs, and the alias that chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pinned {
    #[serde(rename = "v")]
    pub version: u32,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where a child frame reports its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parent {
    pub frame: u32,
    /// Branch index (Parallel) or item index (Map).
    pub index: u32,
}

/// One thread of control: the current state of a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Parent>,
    /// The current state.
    #[serde(rename = "s")]
    pub state: String,
    /// The raw input of the current state. (The store keeps the input of a frame in
    /// `Children` apart: it does not change while the children run.)
    #[serde(rename = "in", default, skip_serializing_if = "Value::is_null")]
    pub input: Value,
    /// Event id of the current state's `…StateEntered` (0 before entering).
    #[serde(rename = "en", default)]
    pub entered: u64,
    #[serde(rename = "et", default)]
    pub entered_ms: i64,
    /// The last history event of this frame (`previousEventId` of the next one).
    #[serde(rename = "le", default)]
    pub last_event: u64,
    #[serde(rename = "x")]
    pub step: Step,
    /// A distributed Map iteration: its events are not written to the history (AWS runs it
    /// as a child execution with its own).
    #[serde(rename = "q", default, skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
    /// Retries made by each retrier in this state visit.
    #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<u32>,
    /// Variables set by `Assign` in this scope (the top level, a branch or an iteration);
    /// outer scopes' variables are read through `parent`.
    #[serde(rename = "v", default, skip_serializing_if = "Map::is_empty")]
    pub variables: Map<String, Value>,
}

/// What a frame is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Step {
    /// Runnable: enter `state`.
    #[serde(rename = "E")]
    Enter,
    /// A task attempt is in flight or waiting for its callback.
    #[serde(rename = "T")]
    Task(Box<TaskStep>),
    /// A Wait state, until this timer fires. `raw` is the state's raw input (the frame's
    /// `input` holds its output meanwhile), for a redrive that enters it again.
    #[serde(rename = "W")]
    Wait {
        timer: u64,
        #[serde(rename = "ri", default, skip_serializing_if = "Option::is_none")]
        raw: Option<Box<Value>>,
    },
    /// Waiting before retrying the state's work.
    #[serde(rename = "B")]
    Backoff { timer: u64 },
    /// A Parallel or Map state waiting for its children.
    #[serde(rename = "C")]
    Children(Box<Children>),
}

/// An open task attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStep {
    #[serde(rename = "a")]
    pub attempt: u32,
    /// The task token of a callback attempt.
    #[serde(rename = "tk", default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The request to (re)send after a crash: the HTTP call or the callback notification.
    #[serde(rename = "rq", default, skip_serializing_if = "Option::is_none")]
    pub request: Option<super::HttpRequest>,
    /// True once the request's answer was recorded (a callback waits after it).
    #[serde(rename = "sb", default)]
    pub submitted: bool,
    #[serde(rename = "to", default, skip_serializing_if = "Option::is_none")]
    pub timeout_timer: Option<u64>,
    #[serde(rename = "hb", default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_timer: Option<u64>,
}

/// Progress of a Parallel or Map state.
///
/// Serialized, only its counters are written (with the frame, on every change); the bulk
/// — results, items, the selector input, the running children — is stored apart and put
/// back by the store when it loads the record: results one by one as they are set, items
/// and the selector input once, the running children derived from the frames' parents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Children {
    /// Unique in the execution (taken from `next_frame`): names the stored bulk.
    #[serde(rename = "id", default)]
    pub id: u32,
    /// How many results (branches or items).
    #[serde(rename = "len", default)]
    pub size: u32,
    /// Results by branch or item index; `None` while not finished.
    #[serde(rename = "res", default, skip_serializing)]
    pub results: Results,
    /// Map: every item; those from index `next` on are still to start. Parallel: empty.
    #[serde(rename = "items", default, skip_serializing)]
    pub items: Vec<Value>,
    /// Map: the effective input, which `ItemSelector` reads.
    #[serde(rename = "ein", default, skip_serializing)]
    pub selector_input: Option<Value>,
    #[serde(rename = "n", default)]
    pub next: u32,
    /// Frames of running children, in the order they started.
    #[serde(rename = "run", default, skip_serializing)]
    pub running: Vec<u32>,
    #[serde(rename = "max", default)]
    pub max_concurrency: u32,
    #[serde(rename = "fail", default)]
    pub failed: u32,
    #[serde(rename = "tc", default, skip_serializing_if = "Option::is_none")]
    pub tolerated_count: Option<u64>,
    #[serde(rename = "tp", default, skip_serializing_if = "Option::is_none")]
    pub tolerated_percentage: Option<f64>,
    /// The Map Run event id (distributed Map), whose children write no history.
    /// A distributed Map: iterations write no history; Map Run events are written instead.
    #[serde(rename = "dist", default)]
    pub distributed: bool,
}

impl Execution {
    /// A new execution whose top frame is about to enter `start_at`. History starts with
    /// `ExecutionStarted`, which the caller writes with the record.
    pub fn new(
        id: String,
        state_machine: String,
        revision: u32,
        name: String,
        input: Value,
        start_at: &str,
        now_ms: i64,
    ) -> Execution {
        let frames = Frames::from_iter([(
            0,
            Frame {
                parent: None,
                state: start_at.to_owned(),
                input: input.clone(),
                entered: 0,
                entered_ms: now_ms,
                last_event: 1,
                step: Step::Enter,
                quiet: false,
                retries: Vec::new(),
                variables: Map::new(),
            },
        )]);
        Execution {
            id,
            state_machine,
            revision,
            name,
            input,
            status: Status::Running,
            start_ms: now_ms,
            stop_ms: None,
            output: None,
            error: None,
            cause: None,
            seq: 0,
            events: 1,
            frames,
            next_frame: 1,
            attempts: BTreeMap::new(),
            next_timer: 1,
            kind: ExecutionKind::Standard,
            expires_ms: None,
            pinned: None,
            test_case: None,
            redrive_count: 0,
            redrive_ms: None,
            redrive_tokens: Vec::new(),
            map_runs: Vec::new(),
        }
    }

    /// A copy of everything but `input` and `frames` (which stay empty): what the store
    /// writes as the record's head on every transition.
    pub fn head(&self) -> Execution {
        let Execution {
            id,
            state_machine,
            revision,
            name,
            input: _,
            status,
            start_ms,
            stop_ms,
            output,
            error,
            cause,
            seq,
            events,
            frames: _,
            next_frame,
            attempts,
            next_timer,
            kind,
            expires_ms,
            pinned,
            test_case,
            redrive_count,
            redrive_ms,
            redrive_tokens,
            map_runs,
        } = self;
        Execution {
            id: id.clone(),
            state_machine: state_machine.clone(),
            revision: *revision,
            name: name.clone(),
            input: Value::Null,
            status: *status,
            start_ms: *start_ms,
            stop_ms: *stop_ms,
            output: output.clone(),
            error: error.clone(),
            cause: cause.clone(),
            seq: *seq,
            events: *events,
            frames: Frames::default(),
            next_frame: *next_frame,
            attempts: attempts.clone(),
            next_timer: *next_timer,
            kind: *kind,
            expires_ms: *expires_ms,
            pinned: pinned.clone(),
            test_case: test_case.clone(),
            redrive_count: *redrive_count,
            redrive_ms: *redrive_ms,
            redrive_tokens: redrive_tokens.clone(),
            map_runs: map_runs.clone(),
        }
    }

    /// Frames ready to run, in id order. A finished execution has none (the frames an
    /// unsuccessful one keeps are where a redrive resumes).
    pub fn runnable(&self) -> Option<u32> {
        if self.status.is_final() {
            return None;
        }
        self.frames
            .iter()
            .find(|(_, f)| f.step == Step::Enter)
            .map(|(id, _)| *id)
    }

    /// True when nothing can progress without an outside event (a timer, a callback or an
    /// HTTP answer).
    pub fn is_parked(&self) -> bool {
        self.runnable().is_none()
    }

    /// Frames with an HTTP request in flight (to resend after a crash).
    pub fn in_flight(&self) -> impl Iterator<Item = (u32, &TaskStep)> {
        self.frames.iter().filter_map(|(id, f)| match &f.step {
            Step::Task(t) if t.request.is_some() && !t.submitted => Some((*id, &**t)),
            _ => None,
        })
    }
}

impl Frame {
    /// A copy without what the store keeps apart: for a frame in `Children`, its input
    /// and the children's bulk (results, items, selector input, running list).
    pub fn slim(&self) -> Frame {
        let Step::Children(c) = &self.step else {
            return self.clone();
        };
        Frame {
            parent: self.parent,
            state: self.state.clone(),
            input: Value::Null,
            entered: self.entered,
            entered_ms: self.entered_ms,
            last_event: self.last_event,
            step: Step::Children(Box::new(c.clone_counters())),
            quiet: self.quiet,
            retries: self.retries.clone(),
            variables: self.variables.clone(),
        }
    }
}

impl Children {
    /// The counters, with empty bulk.
    fn clone_counters(&self) -> Children {
        Children {
            id: self.id,
            size: self.size,
            results: Results::default(),
            items: Vec::new(),
            selector_input: None,
            next: self.next,
            running: Vec::new(),
            max_concurrency: self.max_concurrency,
            failed: self.failed,
            tolerated_count: self.tolerated_count,
            tolerated_percentage: self.tolerated_percentage,
            distributed: self.distributed,
        }
    }
}

/// A field that is present, even as `null` (serde reads a `null` `Option` as `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    <Value as serde::Deserialize>::deserialize(d).map(Some)
}
