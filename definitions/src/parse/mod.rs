//! JSON → [`crate::model`], reporting every problem at once.
//!
//! Parsing and validation are one pass over the JSON: each field is checked where it is
//! read, so every diagnostic carries the JSON Pointer of its field. Checks across states
//! (transitions, reachability) run afterwards in [`crate::validate`].

pub mod assign;
mod depth;
pub mod fields;
pub(crate) mod guess;
mod scopes;
mod states;
mod tasks;

use std::collections::HashMap;

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Loc};
use crate::jsonata_lang::QueryLanguage;
use crate::model::{Graph, State, StateMachine};
use fields::Obj;

pub(crate) use depth::value_too_deep;
pub use depth::{MAX_NESTING_DEPTH, MAX_STATE_DEPTH, check_json, nested_deeper_than, read_json};

/// The longest state name AWS accepts.
pub const MAX_STATE_NAME_CHARS: usize = 80;
/// The largest definition AWS accepts (1 MiB).
pub const MAX_DEFINITION_BYTES: usize = 1_048_576;

/// A definition that parsed without errors, and its warnings.
#[derive(Debug, Clone)]
pub struct Definition {
    pub machine: StateMachine,
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates definition text. On failure, every problem found (errors and
/// warnings) is returned. Every diagnostic has its line and column in `text` (see
/// [`crate::source`]).
pub fn parse_definition(text: &str) -> Result<Definition, Vec<Diagnostic>> {
    match parse_unplaced(text) {
        Ok(mut definition) => {
            crate::source::locate_json(text, &mut definition.warnings);
            Ok(definition)
        }
        Err(mut diagnostics) => {
            crate::source::locate_json(text, &mut diagnostics);
            Err(diagnostics)
        }
    }
}

fn parse_unplaced(text: &str) -> Result<Definition, Vec<Diagnostic>> {
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
    match read_json(text) {
        Ok(value) => parse_value(&value),
        Err(problem) => Err(vec![problem]),
    }
}

/// Parses and validates a definition already read as JSON. A value nested deeper than
/// [`MAX_NESTING_DEPTH`] (possible when built in code) is refused as text would be.
pub fn parse_value(value: &Value) -> Result<Definition, Vec<Diagnostic>> {
    let root_loc = Loc::root();
    if let Some(loc) = value_too_deep(value, MAX_NESTING_DEPTH, &root_loc) {
        return Err(vec![depth::too_deep(&loc)]);
    }
    let mut cx = Cx {
        d: Diagnostics::new(),
        states: HashMap::new(),
        locs: HashMap::new(),
        guesses: HashMap::new(),
        depth: 0,
        language: QueryLanguage::JsonPath,
    };
    let machine = parse_machine(value, &root_loc, &mut cx);
    if let Some(machine) = &machine {
        crate::validate::check(machine, &cx.locs, &cx.guesses, &mut cx.d);
        assign::check_scopes(machine, &cx.locs, &mut cx.d);
    }
    match machine {
        Some(machine) if !cx.d.has_errors() => Ok(Definition {
            machine,
            warnings: cx.d.into_vec(),
        }),
        _ => Err(cx.d.into_vec()),
    }
}

/// Parsing state shared by every scope of one definition.
pub(crate) struct Cx {
    pub d: Diagnostics,
    pub states: HashMap<String, State>,
    /// Where each state was defined, for diagnostics found later.
    pub locs: HashMap<String, Loc>,
    /// The transitions written in each state that had errors (see [`guess`]).
    pub guesses: HashMap<String, guess::Guess>,
    /// How many Parallel and Map states enclose the scope being read.
    pub depth: usize,
    /// The top-level `QueryLanguage`: the default of every state, nested ones included.
    pub language: QueryLanguage,
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
    cx.language = check_query_language(&obj, &mut cx.d).unwrap_or_default();
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

/// `QueryLanguage`: `None` when absent (JSONPath, or the machine's language for a state).
pub(crate) fn check_query_language(obj: &Obj<'_>, d: &mut Diagnostics) -> Option<QueryLanguage> {
    match obj.string("QueryLanguage", d)? {
        "JSONPath" => Some(QueryLanguage::JsonPath),
        "JSONata" => Some(QueryLanguage::Jsonata),
        other => {
            d.error(
                Code::SchemaValidationFailed,
                &obj.at("QueryLanguage"),
                format!("QueryLanguage must be JSONPath or JSONata, not '{other}'"),
            );
            None
        }
    }
}

/// Reads `StartAt` and `States` of one scope. Recursive through nested scopes (see
/// [`scopes`]), so this frame is kept small: the work per state is done out of line.
pub(crate) fn parse_graph(obj: &Obj<'_>, what: &str, cx: &mut Cx) -> Option<Graph> {
    let (start_at, states) = read_graph(obj, what, cx);
    let mut names = Vec::new();
    if let Some(states) = states {
        let states_loc = obj.at("States");
        for (name, value) in states {
            let loc = states_loc.at(name);
            if !register_state(name, &loc, cx) {
                continue;
            }
            names.push(name.clone());
            states::parse_state(name, value, &loc, cx);
        }
    }
    Some(Graph {
        start_at: start_at?,
        states: names,
    })
}

type States = serde_json::Map<String, Value>;

/// `StartAt` and the `States` object of one scope.
#[inline(never)]
fn read_graph<'a>(obj: &Obj<'a>, what: &str, cx: &mut Cx) -> (Option<String>, Option<&'a States>) {
    let start_at = obj
        .required_string("StartAt", what, &mut cx.d)
        .map(str::to_owned);
    obj.required("States", what, &mut cx.d);
    let states = obj.object("States", &mut cx.d);
    if states.is_some_and(States::is_empty) {
        cx.d.error(
            Code::SchemaValidationFailed,
            &obj.at("States"),
            "States must hold at least one state",
        );
    }
    (start_at, states)
}

/// Checks a state name and records where the state is; false for a name already used.
#[inline(never)]
fn register_state(name: &str, loc: &Loc, cx: &mut Cx) -> bool {
    if name.chars().count() > MAX_STATE_NAME_CHARS {
        cx.d.error(
            Code::SchemaValidationFailed,
            loc,
            format!("state name '{name}' is longer than {MAX_STATE_NAME_CHARS} characters"),
        );
    }
    if name.is_empty() {
        cx.d.error(
            Code::SchemaValidationFailed,
            loc,
            "a state name cannot be empty",
        );
    }
    if cx.locs.contains_key(name) {
        cx.d.error(
            Code::DuplicateStateName,
            loc,
            format!("state name '{name}' is already used elsewhere in the state machine"),
        );
        return false;
    }
    cx.locs.insert(name.to_owned(), loc.clone());
    true
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_suggest;
