//! The state machine a TestState request runs: a whole definition and the state it names,
//! or one state alone, wrapped into a machine whose transition targets are stubs.

use serde_json::{Map, Value, json};

use baton_definitions::{StateKind, StateMachine, parse_value};

use super::TestStateError;
use super::fanout::{Fanout, as_mocked_task};

/// The name a state given alone runs under (`$$.State.Name`).
pub const SINGLE_STATE_NAME: &str = "TestState";

/// The machine, the name of the state to run, and for a Map or Parallel state the machine
/// as written (the state runs as a mocked Task: see `fanout`).
pub fn machine(
    definition: &str,
    state_name: Option<&str>,
) -> Result<(StateMachine, String, Option<Fanout>), TestStateError> {
    let value: Value = serde_json::from_str(definition).map_err(|e| {
        TestStateError::InvalidDefinition(format!("the definition is not JSON: {e}"))
    })?;
    let whole = value.get("States").is_some();
    let (machine_value, name) = match (whole, state_name) {
        (true, Some(name)) => (value, name.to_owned()),
        (true, None) => {
            return Err(TestStateError::Validation(
                "the definition is a whole state machine: name the state to test with stateName"
                    .into(),
            ));
        }
        (false, Some(_)) => {
            return Err(TestStateError::Validation(
                "stateName needs a whole state machine definition (with States)".into(),
            ));
        }
        (false, None) => (wrap(value)?, SINGLE_STATE_NAME.to_owned()),
    };
    let machine = parse(&machine_value)?;
    let Some(state) = machine.state(&name) else {
        return Err(TestStateError::Validation(format!(
            "the state machine has no state named '{name}'"
        )));
    };
    if !matches!(state.kind, StateKind::Map(_) | StateKind::Parallel(_)) {
        return Ok((machine, name, None));
    }
    let mut rewritten = machine_value;
    let Some(written) = find_state(&mut rewritten, &name) else {
        return Err(TestStateError::Validation(format!(
            "TestState runs a Map or Parallel state of the top level; '{name}' is nested"
        )));
    };
    *written = as_mocked_task(written);
    let run = parse(&rewritten)?;
    Ok((run, name.clone(), Some(Fanout { machine, name })))
}

fn parse(value: &Value) -> Result<StateMachine, TestStateError> {
    let parsed = parse_value(value).map_err(|diagnostics| {
        let first: Vec<String> = diagnostics.iter().take(3).map(|d| d.to_string()).collect();
        TestStateError::InvalidDefinition(first.join("; "))
    })?;
    Ok(parsed.machine)
}

/// The top-level state `name` of a machine's JSON.
fn find_state<'v>(machine: &'v mut Value, name: &str) -> Option<&'v mut Value> {
    machine.get_mut("States")?.get_mut(name)
}

/// `{"StartAt": "TestState", "States": {"TestState": state, <every target>: Succeed}}`.
fn wrap(state: Value) -> Result<Value, TestStateError> {
    let Some(obj) = state.as_object() else {
        return Err(TestStateError::InvalidDefinition(
            "the definition must be a state (an object with Type) or a state machine".into(),
        ));
    };
    let mut states = Map::new();
    for target in targets(obj) {
        if target != SINGLE_STATE_NAME {
            states.insert(target, json!({"Type": "Succeed"}));
        }
    }
    states.insert(SINGLE_STATE_NAME.to_owned(), state.clone());
    let mut machine = json!({"StartAt": SINGLE_STATE_NAME, "States": states});
    if let Some(language) = obj.get("QueryLanguage") {
        machine["QueryLanguage"] = language.clone();
    }
    Ok(machine)
}

/// The states a state may go to: `Next`, `Default`, each Choice rule's and catcher's `Next`.
fn targets(state: &Map<String, Value>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |v: Option<&Value>| {
        if let Some(name) = v.and_then(Value::as_str) {
            found.push(name.to_owned());
        }
    };
    add(state.get("Next"));
    add(state.get("Default"));
    for list in ["Choices", "Catch"] {
        for item in state
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(item.get("Next"));
        }
    }
    found
}
