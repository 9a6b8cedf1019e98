//! History events, with AWS's `type` names and event details.

use std::borrow::Cow;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::details::Details;

/// One history event. `details` is the `…EventDetails` object; its member name follows
/// from the type ([`details_member`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub id: u64,
    #[serde(rename = "prev")]
    pub previous_event_id: u64,
    /// Milliseconds since the Unix epoch.
    #[serde(rename = "ts")]
    pub timestamp_ms: i64,
    /// The type: a name of [`EVENT_KINDS`] (borrowed from it when Baton writes it).
    #[serde(rename = "type")]
    pub kind: Cow<'static, str>,
    #[serde(rename = "d", default, skip_serializing_if = "Details::is_null")]
    pub details: Details,
}

/// The event types Baton writes, numbered by position. The stores keep an event's number
/// instead of its name (the Redis store persists it: this list only grows at its end, and
/// a number keeps its name); a type not listed is kept by name.
pub const EVENT_KINDS: [&str; 51] = [
    "ExecutionStarted",
    "ExecutionSucceeded",
    "ExecutionFailed",
    "ExecutionAborted",
    "ExecutionTimedOut",
    "ExecutionRedriven",
    "TaskStateEntered",
    "TaskStateExited",
    "TaskScheduled",
    "TaskStarted",
    "TaskSubmitted",
    "TaskSubmitFailed",
    "TaskSucceeded",
    "TaskFailed",
    "TaskTimedOut",
    "TaskStateAborted",
    "PassStateEntered",
    "PassStateExited",
    "ChoiceStateEntered",
    "ChoiceStateExited",
    "WaitStateEntered",
    "WaitStateExited",
    "SucceedStateEntered",
    "SucceedStateExited",
    "FailStateEntered",
    "FailStateExited",
    "ParallelStateEntered",
    "ParallelStateExited",
    "ParallelStateStarted",
    "ParallelStateSucceeded",
    "ParallelStateFailed",
    "ParallelStateAborted",
    "MapStateEntered",
    "MapStateExited",
    "MapStateStarted",
    "MapStateSucceeded",
    "MapStateFailed",
    "MapStateAborted",
    "MapIterationStarted",
    "MapIterationSucceeded",
    "MapIterationFailed",
    "MapIterationAborted",
    "MapRunStarted",
    "MapRunSucceeded",
    "MapRunFailed",
    "MapRunAborted",
    "MapRunRedriven",
    "EvaluationFailed",
    "WaitStateAborted",
    "ChoiceStateAborted",
    "PassStateAborted",
];

/// The detail keys the stores keep as a number instead of a name, as [`EVENT_KINDS`] (the
/// Redis store persists the numbers: this list only grows at its end).
#[rustfmt::skip]
pub const DETAIL_KEYS: [&str; 20] = [
    "name", "input", "output", "error", "cause", "resource", "resourceType", "parameters",
    "index", "length", "mapRunArn", "redriveCount", "roleArn", "stateMachineArn",
    "assignedVariables", "timeoutInSeconds", "heartbeatInSeconds", "region", "location",
    "inputDetails",
];

/// Each word's position in `words`. (foldhash, not SipHash: the stores look up every
/// event's type and detail keys, and these maps hold no outside input.)
fn positions(words: &[&'static str]) -> foldhash::HashMap<&'static str, usize> {
    (words.iter().enumerate())
        .map(|(i, word)| (*word, i))
        .collect()
}

static DETAIL_KEY_CODES: LazyLock<foldhash::HashMap<&'static str, usize>> =
    LazyLock::new(|| positions(&DETAIL_KEYS));

/// The number of a detail key in [`DETAIL_KEYS`].
pub fn detail_key_code(key: &str) -> Option<usize> {
    DETAIL_KEY_CODES.get(key).copied()
}

static EVENT_KIND_CODES: LazyLock<foldhash::HashMap<&'static str, usize>> =
    LazyLock::new(|| positions(&EVENT_KINDS));

/// The number of an event type in [`EVENT_KINDS`].
pub fn event_kind_code(kind: &str) -> Option<usize> {
    EVENT_KIND_CODES.get(kind).copied()
}

/// The member of AWS's `HistoryEvent` that holds the details of an event type.
pub fn details_member(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "ExecutionStarted" => "executionStartedEventDetails",
        "ExecutionSucceeded" => "executionSucceededEventDetails",
        "ExecutionFailed" => "executionFailedEventDetails",
        "ExecutionAborted" => "executionAbortedEventDetails",
        "ExecutionTimedOut" => "executionTimedOutEventDetails",
        "ExecutionRedriven" => "executionRedrivenEventDetails",
        "MapRunRedriven" => "mapRunRedrivenEventDetails",
        "TaskScheduled" => "taskScheduledEventDetails",
        "TaskStarted" => "taskStartedEventDetails",
        "TaskSubmitted" => "taskSubmittedEventDetails",
        "TaskSubmitFailed" => "taskSubmitFailedEventDetails",
        "TaskSucceeded" => "taskSucceededEventDetails",
        "TaskFailed" => "taskFailedEventDetails",
        "TaskTimedOut" => "taskTimedOutEventDetails",
        "MapStateStarted" => "mapStateStartedEventDetails",
        "MapIterationStarted" => "mapIterationStartedEventDetails",
        "MapIterationSucceeded" => "mapIterationSucceededEventDetails",
        "MapIterationFailed" => "mapIterationFailedEventDetails",
        "MapIterationAborted" => "mapIterationAbortedEventDetails",
        "MapRunStarted" => "mapRunStartedEventDetails",
        "MapRunFailed" => "mapRunFailedEventDetails",
        "EvaluationFailed" => "evaluationFailedEventDetails",
        k if k.ends_with("StateEntered") => "stateEnteredEventDetails",
        k if k.ends_with("StateExited") => "stateExitedEventDetails",
        _ => return None,
    })
}

impl HistoryEvent {
    /// The event as AWS's `GetExecutionHistory` returns it (timestamp in epoch seconds).
    /// Without `include_data`, input and output payloads are left out.
    pub fn to_aws(&self, include_data: bool) -> Value {
        let mut out = Map::new();
        out.insert(
            "timestamp".into(),
            Value::from(self.timestamp_ms as f64 / 1000.0),
        );
        out.insert("type".into(), Value::from(&*self.kind));
        out.insert("id".into(), Value::from(self.id));
        out.insert(
            "previousEventId".into(),
            Value::from(self.previous_event_id),
        );
        let details = self.details.value();
        if let (Some(member), Value::Object(details)) = (details_member(&self.kind), &*details) {
            // Stored events leave out `inputDetails`/`outputDetails` (Baton never truncates
            // payloads); they are added here.
            let mut details = details.clone();
            for key in ["input", "output"] {
                if !details.contains_key(key) {
                    continue;
                }
                let flag = if include_data {
                    serde_json::json!({"truncated": false})
                } else {
                    details.remove(key);
                    serde_json::json!({"included": false})
                };
                details.insert(format!("{key}Details"), flag);
            }
            // `assignedVariables` (variables a state set) is data too.
            if details.contains_key("assignedVariables") {
                if include_data {
                    details.insert(
                        "assignedVariablesDetails".into(),
                        serde_json::json!({"truncated": false}),
                    );
                } else {
                    details.remove("assignedVariables");
                }
            }
            out.insert(member.into(), Value::Object(details));
        }
        Value::Object(out)
    }
}

/// What happened to a state: the end of its event type's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Entered,
    Exited,
    Aborted,
}

/// The `<type>State<phase>` names of [`EVENT_KINDS`], by type, in [`Phase`]'s order.
static STATE_EVENTS: LazyLock<foldhash::HashMap<&'static str, [Option<&'static str>; 3]>> =
    LazyLock::new(|| {
        let mut names = foldhash::HashMap::<&'static str, [Option<&'static str>; 3]>::default();
        for kind in EVENT_KINDS {
            let Some((type_name, phase)) = kind.split_once("State") else {
                continue;
            };
            let phase = match phase {
                "Entered" => Phase::Entered,
                "Exited" => Phase::Exited,
                "Aborted" => Phase::Aborted,
                _ => continue,
            };
            names.entry(type_name).or_default()[phase as usize] = Some(kind);
        }
        names
    });

/// `<type>State<phase>` (e.g. `PassStateEntered`), borrowed from [`EVENT_KINDS`] when it
/// is there (every state's entered and exited are), so that writing it allocates nothing.
pub fn state_event(type_name: &str, phase: Phase) -> Cow<'static, str> {
    match STATE_EVENTS
        .get(type_name)
        .and_then(|names| names[phase as usize])
    {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("{type_name}State{phase:?}")),
    }
}

/// `{"error": …, "cause": …}` with absent members left out.
pub fn error_details(error: &str, cause: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("error".into(), Value::from(error));
    if let Some(cause) = cause {
        m.insert("cause".into(), Value::from(cause));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_event_names_are_borrowed_from_the_table_when_there() {
        let types = [
            "Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "New",
        ];
        for type_name in types {
            for phase in [Phase::Entered, Phase::Exited, Phase::Aborted] {
                let name = format!("{type_name}State{phase:?}");
                let kind = state_event(type_name, phase);
                assert_eq!(kind, name);
                let listed = event_kind_code(&name).is_some();
                assert_eq!(matches!(kind, Cow::Borrowed(_)), listed, "{name}");
            }
        }
    }
}
