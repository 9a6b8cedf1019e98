//! Checks across states, after every state has been read: transitions name states of the
//! same scope, every scope can reach a terminal state, and unreachable states are flagged.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::model::{Graph, State, StateKind, StateMachine};

pub(crate) fn check(machine: &StateMachine, locs: &HashMap<String, Loc>, d: &mut Diagnostics) {
    check_graph(machine, &machine.root, &Loc::root(), locs, d);
}

/// Every transition of `state`, with the pointer of the field that names it.
fn transitions(state: &State, loc: &Loc) -> Vec<(String, Loc)> {
    let mut out = Vec::new();
    if let Some(next) = &state.next {
        out.push((next.clone(), loc.at("Next")));
    }
    if let StateKind::Choice(choice) = &state.kind {
        for (i, (_, next)) in choice.choices.iter().enumerate() {
            out.push((next.clone(), loc.at("Choices").at(i).at("Next")));
        }
        if let Some(default) = &choice.default {
            out.push((default.clone(), loc.at("Default")));
        }
    }
    for (i, catcher) in state.catch.iter().enumerate() {
        out.push((catcher.next.clone(), loc.at("Catch").at(i).at("Next")));
    }
    out
}

fn check_graph(
    machine: &StateMachine,
    graph: &Graph,
    graph_loc: &Loc,
    locs: &HashMap<String, Loc>,
    d: &mut Diagnostics,
) {
    let scope: HashSet<&str> = graph.states.iter().map(String::as_str).collect();
    let start_loc = graph_loc.at("StartAt");
    if !scope.contains(graph.start_at.as_str()) {
        d.error(
            Code::MissingTransitionTarget,
            &start_loc,
            format!(
                "StartAt names '{}', which is not a state of this scope",
                graph.start_at
            ),
        );
    }
    for name in &graph.states {
        let (Some(state), Some(loc)) = (machine.state(name), locs.get(name)) else {
            continue;
        };
        for (target, field_loc) in transitions(state, loc) {
            if !scope.contains(target.as_str()) {
                let why = if machine.state(&target).is_some() || locs.contains_key(&target) {
                    "a state of another scope (branches and Map processors cannot jump in or out)"
                } else {
                    "no state"
                };
                d.error(
                    Code::MissingTransitionTarget,
                    &field_loc,
                    format!("'{target}' names {why}"),
                );
            }
        }
        match &state.kind {
            StateKind::Parallel(p) => {
                for (i, branch) in p.branches.iter().enumerate() {
                    check_graph(machine, branch, &loc.at("Branches").at(i), locs, d);
                }
            }
            StateKind::Map(m) => {
                let key = if m.legacy_iterator {
                    "Iterator"
                } else {
                    "ItemProcessor"
                };
                check_graph(machine, &m.processor, &loc.at(key), locs, d);
            }
            _ => {}
        }
    }
    if !scope.contains(graph.start_at.as_str()) {
        return;
    }
    // Reachability from StartAt.
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue = VecDeque::from([graph.start_at.as_str()]);
    let mut terminal = false;
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name) {
            continue;
        }
        let Some(state) = machine.state(name) else {
            // A state that failed to parse: assume it could end, to avoid a second error.
            terminal = true;
            continue;
        };
        terminal |= state.is_terminal();
        let empty = Loc::root();
        for (target, _) in transitions(state, &empty) {
            // A set lookup, not a scan of the scope: validation stays linear in the states.
            if let Some(t) = scope.get(target.as_str()) {
                queue.push_back(t);
            }
        }
    }
    if !terminal {
        d.error(
            Code::NoTerminalState,
            &start_loc,
            "no terminal state (End, Succeed or Fail) can be reached from StartAt",
        );
    }
    for name in &graph.states {
        if !seen.contains(name.as_str()) {
            let loc = locs.get(name).cloned().unwrap_or_default();
            d.warning(
                Code::UnreachableState,
                &loc,
                format!("state '{name}' cannot be reached from StartAt"),
            );
        }
    }
}
