//! JSON → [`crate::model`], reporting every problem at once.
//!
//! Parsing and validation are one pass over the JSON: each field is checked where it is
//! read, so every diagnostic carries the JSON Pointer of its field. Checks across states
//! (transitions, reachability) run afterwards in [`crate::validate`].

pub mod fields;
mod states;
mod tasks;

use std::collections::HashMap;

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Loc};
use crate::model::{Graph, State, StateMachine};
use fields::Obj;

/// The longest state name AWS accepts.
pub const MAX_STATE_NAME_CHARS: usize = 80;
/// The largest definition AWS accepts (1 MiB).
pub const MAX_DEFINITION_BYTES: usize = 1_048_576;
/// The deepest nesting of arrays and objects accepted: what serde_json accepts in text. A
/// value built in code and nested deeper is refused by [`parse_value`] (and
/// [`crate::Template::compile`]), so that their recursive parts stay far from the end of the
/// stack whatever the input.
pub const MAX_NESTING_DEPTH: usize = 127;

/// A definition that parsed without errors, and its warnings.
#[derive(Debug, Clone)]
pub struct Definition {
    pub machine: StateMachine,
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates definition text. On failure, every problem found (errors and
/// warnings) is returned.
pub fn parse_definition(text: &str) -> Result<Definition, Vec<Diagnostic>> {
    let mut d = Diagnostics::new();
    if text.len() > MAX_DEFINITION_BYTES {
        d.error(
            Code::SchemaValidationFailed,
            &Loc::root(),
            format!(
                "the definition is {} bytes; the limit is {MAX_DEFINITION_BYTES}",
                text.len()
            ),
        );
        return Err(d.into_vec());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => parse_value(&value),
        Err(e) => {
            d.error(
                Code::InvalidJson,
                &Loc::root(),
                format!("the definition is not valid JSON: {e}"),
            );
            Err(d.into_vec())
        }
    }
}

/// Parses and validates a definition already read as JSON.
pub fn parse_value(value: &Value) -> Result<Definition, Vec<Diagnostic>> {
    let mut cx = Cx {
        d: Diagnostics::new(),
        states: HashMap::new(),
        locs: HashMap::new(),
    };
    let root_loc = Loc::root();
    if nested_deeper_than(value, MAX_NESTING_DEPTH) {
        cx.d.error(
            Code::SchemaValidationFailed,
            &root_loc,
            format!("the definition is nested more than {MAX_NESTING_DEPTH} levels deep"),
        );
        return Err(cx.d.into_vec());
    }
    let machine = parse_machine(value, &root_loc, &mut cx);
    if let Some(machine) = &machine {
        crate::validate::check(machine, &cx.locs, &mut cx.d);
    }
    match machine {
        Some(machine) if !cx.d.has_errors() => Ok(Definition {
            machine,
            warnings: cx.d.into_vec(),
        }),
        _ => Err(cx.d.into_vec()),
    }
}

/// True when arrays and objects nest more than `max` levels deep in `value` (`[]` is one
/// level). Iterative, so it is safe on any value.
pub(crate) fn nested_deeper_than(value: &Value, max: usize) -> bool {
    // Each entry is a value and the number of arrays and objects around it.
    let mut stack = vec![(value, 0usize)];
    while let Some((value, around)) = stack.pop() {
        let is_container = matches!(value, Value::Array(_) | Value::Object(_));
        if is_container && around >= max {
            return true;
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, around + 1))),
            Value::Object(map) => stack.extend(map.values().map(|v| (v, around + 1))),
            _ => {}
        }
    }
    false
}

/// Parsing state shared by every scope of one definition.
pub(crate) struct Cx {
    pub d: Diagnostics,
    pub states: HashMap<String, State>,
    /// Where each state was defined, for diagnostics found later.
    pub locs: HashMap<String, Loc>,
}

const TOP_FIELDS: &[&str] = &[
    "Comment",
    "StartAt",
    "States",
    "TimeoutSeconds",
    "Version",
    "QueryLanguage",
];

fn parse_machine(value: &Value, loc: &Loc, cx: &mut Cx) -> Option<StateMachine> {
    let obj = Obj::new(value, loc, "a state machine definition", &mut cx.d)?;
    obj.allow_only(TOP_FIELDS, "a state machine definition", &mut cx.d);
    check_query_language(&obj, &mut cx.d);
    let comment = obj.string("Comment", &mut cx.d).map(str::to_owned);
    let timeout_seconds = obj
        .integer("TimeoutSeconds", 0, 99_999_999, &mut cx.d)
        .map(|n| n as u64);
    let version = obj.string("Version", &mut cx.d).map(str::to_owned);
    if let Some(v) = &version
        && v != "1.0"
    {
        cx.d.error(
            Code::SchemaValidationFailed,
            &obj.at("Version"),
            format!("Version must be \"1.0\", not \"{v}\""),
        );
    }
    let root = parse_graph(&obj, "a state machine definition", cx)?;
    let states = std::mem::take(&mut cx.states);
    Some(StateMachine {
        comment,
        timeout_seconds,
        version,
        root,
        states,
    })
}

/// `QueryLanguage`: JSONPath is the default; JSONata is refused for now.
pub(crate) fn check_query_language(obj: &Obj<'_>, d: &mut Diagnostics) {
    match obj.string("QueryLanguage", d) {
        None | Some("JSONPath") => {}
        Some("JSONata") => d.error(
            Code::Unsupported,
            &obj.at("QueryLanguage"),
            "QueryLanguage JSONata is not supported yet; use JSONPath (the default)",
        ),
        Some(other) => d.error(
            Code::SchemaValidationFailed,
            &obj.at("QueryLanguage"),
            format!("QueryLanguage must be JSONPath or JSONata, not '{other}'"),
        ),
    }
}

/// Reads `StartAt` and `States` of one scope.
pub(crate) fn parse_graph(obj: &Obj<'_>, what: &str, cx: &mut Cx) -> Option<Graph> {
    let start_at = obj
        .required_string("StartAt", what, &mut cx.d)
        .map(str::to_owned);
    obj.required("States", what, &mut cx.d);
    let states = obj.object("States", &mut cx.d);
    let mut names = Vec::new();
    if let Some(states) = states {
        let states_loc = obj.at("States");
        if states.is_empty() {
            cx.d.error(
                Code::SchemaValidationFailed,
                &states_loc,
                "States must hold at least one state",
            );
        }
        for (name, value) in states {
            let loc = states_loc.at(name);
            if name.chars().count() > MAX_STATE_NAME_CHARS {
                cx.d.error(
                    Code::SchemaValidationFailed,
                    &loc,
                    format!("state name '{name}' is longer than {MAX_STATE_NAME_CHARS} characters"),
                );
            }
            if name.is_empty() {
                cx.d.error(
                    Code::SchemaValidationFailed,
                    &loc,
                    "a state name cannot be empty",
                );
            }
            if cx.locs.contains_key(name) {
                cx.d.error(
                    Code::DuplicateStateName,
                    &loc,
                    format!("state name '{name}' is already used elsewhere in the state machine"),
                );
                continue;
            }
            cx.locs.insert(name.clone(), loc.clone());
            names.push(name.clone());
            if let Some(state) = states::parse_state(name, value, &loc, cx) {
                cx.states.insert(name.clone(), state);
            }
        }
    }
    Some(Graph {
        start_at: start_at?,
        states: names,
    })
}

#[cfg(test)]
mod tests;
