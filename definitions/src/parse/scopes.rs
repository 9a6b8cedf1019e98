//! Parallel and Map states, and the scopes nested in them (branches, processors).
//!
//! A state is read in two steps: its own fields, then its nested scopes. Only the second
//! step recurses, from a small stack frame, and no deeper than [`MAX_STATE_DEPTH`].

use serde_json::{Map as JsonMap, Value};

use super::fields::Obj;
use super::states::template;
use super::{Cx, MAX_STATE_DEPTH, parse_graph};
use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::model::{Count, Graph, Io, Map, Parallel, Percent, State, StateKind};

/// A scope nested in a state, not read yet: a Parallel branch or a Map processor.
pub(super) struct Scope<'a> {
    map: &'a JsonMap<String, Value>,
    loc: Loc,
    /// What the scope is, for messages: "a branch", "ItemProcessor" or "Iterator".
    what: &'static str,
}

/// Reads the scopes nested in `state` into it. False when the state cannot be built (a Map
/// whose processor could not be read).
pub(super) fn read_scopes(state: &mut State, scopes: Vec<Scope<'_>>, cx: &mut Cx) -> bool {
    match &mut state.kind {
        StateKind::Parallel(parallel) => {
            parallel.branches = scopes.iter().filter_map(|s| read_scope(s, cx)).collect();
            true
        }
        StateKind::Map(map) => match scopes.first().and_then(|s| read_scope(s, cx)) {
            Some(processor) => {
                map.processor = processor;
                true
            }
            None => false,
        },
        _ => true,
    }
}

/// Reads one nested scope, one level deeper than the scope of its state. Past
/// [`MAX_STATE_DEPTH`] it is refused at its first state and not read, so the parser never
/// recurses deeper than that.
fn read_scope(scope: &Scope<'_>, cx: &mut Cx) -> Option<Graph> {
    let depth = cx.depth + 1;
    if depth > MAX_STATE_DEPTH {
        too_deep(scope, depth, &mut cx.d);
        return None;
    }
    let obj = Obj {
        map: scope.map,
        loc: &scope.loc,
    };
    cx.depth = depth;
    let graph = parse_graph(&obj, scope.what, cx);
    cx.depth = depth - 1;
    graph
}

/// The error for a scope nested `depth` deep, past [`MAX_STATE_DEPTH`]: at its first state.
#[inline(never)]
fn too_deep(scope: &Scope<'_>, depth: usize, d: &mut Diagnostics) {
    let first = scope.map.get("States").and_then(Value::as_object);
    let (loc, what) = match first.and_then(|states| states.keys().next()) {
        Some(name) => (scope.loc.at("States").at(name), format!("state '{name}'")),
        None => (scope.loc.clone(), scope.what.to_owned()),
    };
    d.error(
        Code::SchemaValidationFailed,
        &loc,
        format!(
            "{what} is nested in {depth} Parallel and Map states; at most {MAX_STATE_DEPTH} \
             may be nested in each other"
        ),
    );
}

/// A Parallel state but its branches, which are returned to be read later.
pub(super) fn parse_parallel<'a>(
    obj: &Obj<'a>,
    d: &mut Diagnostics,
) -> Option<(Parallel, Vec<Scope<'a>>)> {
    obj.required("Branches", "a Parallel state", d);
    let branches = obj.array("Branches", d)?;
    if branches.is_empty() {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at("Branches"),
            "Branches must hold at least one branch",
        );
    }
    let mut scopes = Vec::with_capacity(branches.len());
    for (i, value) in branches.iter().enumerate() {
        let loc = obj.at("Branches").at(i);
        let Some(branch) = Obj::new(value, &loc, "a branch", d) else {
            continue;
        };
        branch.allow_only(
            &["StartAt", "States", "Comment", "QueryLanguage"],
            "a branch",
            d,
        );
        let Some(map) = value.as_object() else {
            continue;
        };
        scopes.push(Scope {
            map,
            loc,
            what: "a branch",
        });
    }
    let parallel = Parallel {
        branches: Vec::new(),
    };
    Some((parallel, scopes))
}

pub(super) const MAP_FIELDS: &[&str] = &[
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "ItemSelector",
    "Parameters",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "Label",
];

/// A Map state but its processor, which is returned to be read later.
pub(super) fn parse_map<'a>(
    obj: &Obj<'a>,
    io: &mut Io,
    jsonata: bool,
    d: &mut Diagnostics,
) -> Option<(Map, Scope<'a>)> {
    obj.at_most_one_of(&["ItemProcessor", "Iterator"], d);
    obj.at_most_one_of(&["ItemSelector", "Parameters"], d);
    obj.at_most_one_of(&["MaxConcurrency", "MaxConcurrencyPath"], d);
    obj.at_most_one_of(&["ToleratedFailureCount", "ToleratedFailureCountPath"], d);
    obj.at_most_one_of(
        &[
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        ],
        d,
    );
    let items_path = obj.reference_path("ItemsPath", d);
    // A JSONata Map's selector and numbers (maybe expressions) are in its JSONata fields.
    let (item_selector, max_concurrency, tolerated_failure_count, tolerated_failure_percentage) =
        if jsonata {
            (None, None, None, None)
        } else {
            (
                template(obj, "ItemSelector", d).or_else(|| template(obj, "Parameters", d)),
                count(obj, "MaxConcurrency", d),
                count(obj, "ToleratedFailureCount", d),
                match obj.number("ToleratedFailurePercentage", 0.0, 100.0, d) {
                    Some(p) => Some(Percent::Fixed(p)),
                    None => obj
                        .reference_path("ToleratedFailurePercentagePath", d)
                        .map(Percent::Path),
                },
            )
        };
    let label = obj.string("Label", d).map(str::to_owned);
    io.parameters = None;
    let key = if obj.has("ItemProcessor") {
        "ItemProcessor"
    } else {
        "Iterator"
    };
    // A misspelt `ItemProcesor` is reported as an unknown field, with a suggestion.
    let misspelt = obj.has_near_miss("ItemProcessor") || obj.has_near_miss("Iterator");
    if !misspelt {
        obj.required(key, "a Map state", d);
    }
    let loc = obj.at(key);
    let value = obj.get(key)?;
    let processor = Obj::new(value, &loc, key, d)?;
    processor.allow_only(
        &[
            "StartAt",
            "States",
            "Comment",
            "ProcessorConfig",
            "QueryLanguage",
        ],
        key,
        d,
    );
    let mut distributed = false;
    if let Some(config) = processor.get("ProcessorConfig") {
        let config_loc = processor.at("ProcessorConfig");
        if let Some(config) = Obj::new(config, &config_loc, "ProcessorConfig", d) {
            config.allow_only(&["Mode", "ExecutionType"], "ProcessorConfig", d);
            match config.string("Mode", d) {
                None | Some("INLINE") => {}
                Some("DISTRIBUTED") => distributed = true,
                Some(other) => d.error(
                    Code::SchemaValidationFailed,
                    &config.at("Mode"),
                    format!("Mode must be INLINE or DISTRIBUTED, not '{other}'"),
                ),
            }
            if let Some(t) = config.string("ExecutionType", d)
                && t != "STANDARD"
                && t != "EXPRESS"
            {
                d.error(
                    Code::SchemaValidationFailed,
                    &config.at("ExecutionType"),
                    "ExecutionType must be STANDARD or EXPRESS",
                );
            }
        }
    }
    let scope = Scope {
        map: value.as_object()?,
        loc,
        what: key,
    };
    let map = Map {
        processor: Graph {
            start_at: String::new(),
            states: Vec::new(),
        },
        items_path,
        item_selector,
        max_concurrency,
        tolerated_failure_count,
        tolerated_failure_percentage,
        distributed,
        label,
        legacy_iterator: key == "Iterator",
    };
    Some((map, scope))
}

fn count(obj: &Obj<'_>, key: &str, d: &mut Diagnostics) -> Option<Count> {
    match obj.integer(key, 0, 99_999_999, d) {
        Some(n) => Some(Count::Fixed(n as u64)),
        None => obj
            .reference_path(&format!("{key}Path"), d)
            .map(Count::Path),
    }
}
