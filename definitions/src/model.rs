//! The compiled state machine. Built only by [`crate::parse`], so every value here has been
//! validated: names resolve, paths and templates are compiled.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::choice::ChoiceRule;
use crate::intrinsics::Intrinsic;
use crate::parse::fields::PathField;
use crate::path::Path;
use crate::retry::{Catcher, Retrier};
use crate::template::Template;

/// A whole definition.
#[derive(Debug, Clone)]
pub struct StateMachine {
    pub comment: Option<String>,
    /// Execution-level `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    pub version: Option<String>,
    /// The top-level `StartAt` and `States`.
    pub root: Graph,
    pub(crate) states: HashMap<String, State>,
}

impl StateMachine {
    /// The state with this name, in any scope (names are unique across the machine).
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.get(name)
    }

    /// Every state, in no particular order.
    pub fn states(&self) -> impl Iterator<Item = &State> {
        self.states.values()
    }
}

/// One `StartAt` + `States` block: the top level, a Parallel branch or a Map processor.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub start_at: String,
    /// The names of the states of this block, in definition order.
    pub states: Vec<String>,
}

/// One state and the fields every state type shares.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub comment: Option<String>,
    pub kind: StateKind,
    /// `Next`; `None` for `End: true` and for Choice, Succeed and Fail.
    pub next: Option<String>,
    pub io: Io,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

impl State {
    /// The history event prefix of this state type (`Pass`, `Task`, …).
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }

    /// True for `End: true`, Succeed and Fail.
    pub fn is_terminal(&self) -> bool {
        match &self.kind {
            StateKind::Succeed | StateKind::Fail(_) => true,
            StateKind::Choice(_) => false,
            _ => self.next.is_none(),
        }
    }
}

/// The input/output pipeline fields. Fields a state type does not have stay at their
/// defaults.
#[derive(Debug, Clone, Default)]
pub struct Io {
    pub input_path: PathField,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: PathField,
    pub output_path: PathField,
    /// `Assign`: variables set when the state exits (evaluated before the assignments of
    /// this state take effect; see the engine).
    pub assign: Option<Template>,
    /// The JSONata fields of a JSONata state (`QueryLanguage: JSONata`); `None` for a
    /// JSONPath state, whose fields are the ones above.
    pub jsonata: Option<Box<crate::jsonata_lang::JsonataState>>,
}

#[derive(Debug, Clone)]
pub enum StateKind {
    Pass(Pass),
    Task(Task),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Parallel),
    Map(Map),
}

#[derive(Debug, Clone)]
pub struct Pass {
    /// `Result`: the virtual task result.
    pub result: Option<Value>,
}

/// What a Task does with its effective input.
#[derive(Debug, Clone, PartialEq)]
pub enum Invoke {
    /// `"Resource": "http(s)://…"`: POST the effective input as JSON.
    Url(String),
    /// `arn:aws:states:::http:invoke`: the effective input is the request
    /// (`ApiEndpoint`, `Method`, `Headers`, `QueryParameters`, `RequestBody`).
    HttpInvoke,
    /// A callback that sends nothing (a `Callback` state without `Notify`, or a
    /// `.waitForTaskToken` resource Baton does not call).
    Nothing,
}

/// Integer seconds given directly or by a reference path (`TimeoutSeconds(Path)`, …).
#[derive(Debug, Clone, PartialEq)]
pub enum Seconds {
    Fixed(u64),
    Path(Path),
}

#[derive(Debug, Clone)]
pub struct Task {
    /// `Resource` as written (`Callback` for the Callback state).
    pub resource: String,
    pub invoke: Invoke,
    /// The `Callback` state's `Notify`: an HTTP request template evaluated over the
    /// effective input, with `$$.Task.Token` available.
    pub notify: Option<Template>,
    /// `.waitForTaskToken` or the `Callback` state: wait for a task token.
    pub wait_for_callback: bool,
    pub timeout: Option<Seconds>,
    pub heartbeat: Option<Seconds>,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub choices: Vec<(ChoiceRule, String)>,
    /// The `Assign` of each rule, by the rule's index in `choices`.
    pub rule_assign: Vec<Option<Template>>,
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    Seconds(u64),
    Timestamp(DateTime<FixedOffset>),
    SecondsPath(Path),
    TimestampPath(Path),
}

/// A Fail state's `Error`/`Cause` source.
#[derive(Debug, Clone)]
pub enum Dynamic {
    Literal(String),
    Path(Path),
    Intrinsic(Box<Intrinsic>),
}

#[derive(Debug, Clone, Default)]
pub struct Fail {
    pub error: Option<Dynamic>,
    pub cause: Option<Dynamic>,
}

#[derive(Debug, Clone)]
pub struct Parallel {
    pub branches: Vec<Graph>,
}

/// A whole number given directly or by a reference path.
#[derive(Debug, Clone, PartialEq)]
pub enum Count {
    Fixed(u64),
    Path(Path),
}

/// A percentage given directly or by a reference path.
#[derive(Debug, Clone, PartialEq)]
pub enum Percent {
    Fixed(f64),
    Path(Path),
}

#[derive(Debug, Clone)]
pub struct Map {
    pub processor: Graph,
    pub items_path: Option<Path>,
    /// `ItemSelector`, or the legacy `Parameters` of a Map.
    pub item_selector: Option<Template>,
    pub max_concurrency: Option<Count>,
    pub tolerated_failure_count: Option<Count>,
    pub tolerated_failure_percentage: Option<Percent>,
    /// `ProcessorConfig.Mode: DISTRIBUTED` (run inline, with Map Run events).
    pub distributed: bool,
    pub label: Option<String>,
    /// Written with the legacy `Iterator` field instead of `ItemProcessor`.
    pub legacy_iterator: bool,
}
