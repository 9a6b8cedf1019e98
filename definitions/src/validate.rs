//! Checks across states, after every state has been read: transitions name states of the
//! same scope, every scope can reach a terminal state, and unreachable states are flagged.
//!
//! One mistake gives one diagnostic. A transition to a misspelt state name is an error
//! with the nearest name as a suggestion, and reachability follows the suggestion. The
//! transitions of a state that had errors are guessed from its JSON
//! ([`crate::parse::guess`]); where one cannot be told at all, the scope reports neither
//! unreachable states nor a missing terminal state, which could both be wrong.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Loc, Severity};
use crate::model::{Graph, State, StateKind, StateMachine};
use crate::parse::guess::Guess;
use crate::suggest;

/// How many state names may be compared to misspelt ones in one definition, in all: keeps
/// a definition with thousands of bad transitions linear (later ones get no suggestion).
const SUGGESTION_BUDGET: usize = 200_000;

/// What one definition's checks share.
struct Check<'m> {
    machine: &'m StateMachine,
    locs: &'m HashMap<String, Loc>,
    guesses: &'m HashMap<String, Guess>,
    budget: usize,
}

pub(crate) fn check(
    machine: &StateMachine,
    locs: &HashMap<String, Loc>,
    guesses: &HashMap<String, Guess>,
    d: &mut Diagnostics,
) {
    let mut cx = Check {
        machine,
        locs,
        guesses,
        budget: SUGGESTION_BUDGET,
    };
    check_graph(&mut cx, &machine.root, &Loc::root(), d);
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
        let jsonata_rules = state.io.jsonata.iter().flat_map(|j| j.rules.iter());
        for rule in jsonata_rules {
            out.push((
                rule.next.clone(),
                loc.at("Choices").at(rule.index).at("Next"),
            ));
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

/// Where one state of a scope can go.
#[derive(Default)]
struct Edges<'g> {
    to: Vec<&'g str>,
    /// It may end the execution (a state that failed to parse counts as one).
    terminal: bool,
    /// Some transition of it cannot be told.
    unknown: bool,
}

/// One scope: the states, its StartAt, and the scopes nested in its states.
fn check_graph<'g>(cx: &mut Check<'g>, graph: &'g Graph, graph_loc: &Loc, d: &mut Diagnostics) {
    let scope: HashSet<&str> = graph.states.iter().map(String::as_str).collect();
    let start_loc = graph_loc.at("StartAt");
    let start_known = scope.contains(graph.start_at.as_str());
    // No states: `States` is missing, misspelt, not an object or empty, which is reported
    // already; StartAt cannot name one of them.
    if !start_known && !graph.states.is_empty() {
        let nearest = cx.nearest_state(&graph.start_at, graph);
        let message = format!(
            "StartAt names '{}', which is not a state of this scope",
            graph.start_at
        );
        d.add(
            Diagnostic::new(
                Severity::Error,
                Code::MissingTransitionTarget,
                start_loc.as_str(),
                message,
            )
            .suggesting(nearest),
        );
    }
    let mut edges: HashMap<&str, Edges<'g>> = HashMap::with_capacity(graph.states.len());
    for name in &graph.states {
        let Some(loc) = cx.locs.get(name) else {
            continue;
        };
        let mut e = Edges::default();
        match cx.machine.state(name) {
            Some(state) => {
                e.terminal = state.is_terminal();
                for (target, field_loc) in transitions(state, loc) {
                    if let Some(t) = scope.get(target.as_str()) {
                        e.to.push(t);
                    } else {
                        let nearest = cx.missing_target(&target, &field_loc, graph, d);
                        e.push_guess(nearest);
                    }
                }
                check_nested(cx, state, loc, d);
            }
            // A state that failed to parse: assume it could end, to avoid a second error.
            None => e.terminal = true,
        }
        if let Some(guess) = cx.guesses.get(name) {
            e.unknown |= guess.unreadable;
            for target in &guess.targets {
                let resolved = match scope.get(target.as_str()) {
                    Some(t) => Some(*t),
                    None => cx.nearest_state(target, graph),
                };
                e.push_guess(resolved);
            }
        }
        edges.insert(name, e);
    }
    if start_known {
        check_reachability(graph, &edges, cx.locs, &start_loc, d);
    }
}

impl<'g> Edges<'g> {
    /// A transition resolved to a state of the scope, or one that cannot be told.
    fn push_guess(&mut self, target: Option<&'g str>) {
        match target {
            Some(t) => self.to.push(t),
            None => self.unknown = true,
        }
    }
}

/// The scopes nested in `state` (Parallel branches, a Map processor).
fn check_nested<'g>(cx: &mut Check<'g>, state: &'g State, loc: &Loc, d: &mut Diagnostics) {
    match &state.kind {
        StateKind::Parallel(p) => {
            for (i, branch) in p.branches.iter().enumerate() {
                check_graph(cx, branch, &loc.at("Branches").at(i), d);
            }
        }
        StateKind::Map(m) => {
            let key = if m.legacy_iterator {
                "Iterator"
            } else {
                "ItemProcessor"
            };
            check_graph(cx, &m.processor, &loc.at(key), d);
        }
        _ => {}
    }
}

impl<'g> Check<'g> {
    /// The state of `graph` nearest to a misspelt `name`, while the budget lasts.
    fn nearest_state(&mut self, name: &str, graph: &'g Graph) -> Option<&'g str> {
        let cost = graph.states.len();
        if cost > self.budget {
            return None;
        }
        self.budget -= cost;
        suggest::nearest(name, graph.states.iter().map(String::as_str))
    }

    /// Reports a transition to a state not in `graph`; returns the state probably meant.
    fn missing_target(
        &mut self,
        target: &str,
        field_loc: &Loc,
        graph: &'g Graph,
        d: &mut Diagnostics,
    ) -> Option<&'g str> {
        let elsewhere = self.machine.state(target).is_some() || self.locs.contains_key(target);
        let (why, nearest) = if elsewhere {
            (
                "a state of another scope (branches and Map processors cannot jump in or out)",
                None,
            )
        } else {
            ("no state", self.nearest_state(target, graph))
        };
        d.add(
            Diagnostic::new(
                Severity::Error,
                Code::MissingTransitionTarget,
                field_loc.as_str(),
                format!("'{target}' names {why}"),
            )
            .suggesting(nearest),
        );
        nearest
    }
}

/// Reachability from StartAt: a terminal state must be reachable, and every state should
/// be. Neither is reported when a transition on the way cannot be told.
fn check_reachability(
    graph: &Graph,
    edges: &HashMap<&str, Edges<'_>>,
    locs: &HashMap<String, Loc>,
    start_loc: &Loc,
    d: &mut Diagnostics,
) {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue = VecDeque::from([graph.start_at.as_str()]);
    let mut terminal = false;
    let mut unknown = false;
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name) {
            continue;
        }
        let Some(e) = edges.get(name) else {
            continue;
        };
        terminal |= e.terminal;
        unknown |= e.unknown;
        queue.extend(e.to.iter().copied());
    }
    if unknown {
        return;
    }
    if !terminal {
        d.error(
            Code::NoTerminalState,
            start_loc,
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
