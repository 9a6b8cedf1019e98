//! Where a state that had errors was meant to go, read from its JSON as written.
//!
//! A state with an error may be dropped, or keep only the transitions that could be read:
//! a `Catch` entry whose `ErrorEquals` is wrong is dropped with its `Next`, a misspelt
//! `Nxt` is no transition at all. The states it leads to would then look unreachable, a
//! cascade of warnings for one mistake. So the reachability check ([`crate::validate`])
//! also follows these guesses, and reports no unreachable state in a scope where a
//! transition cannot be told at all.

use serde_json::{Map, Value};

use crate::suggest;

/// The transitions of one state with errors.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Guess {
    /// State names the state probably goes to, as written (they may name no state).
    pub targets: Vec<String>,
    /// Some transition cannot be told (a `Next` that is not a string, a `Catch` that is
    /// not an array, a Choice rule without `Next` …).
    pub unreadable: bool,
}

/// The transition fields of a state, and of each `Choices` and `Catch` entry.
const STATE_TRANSITIONS: &[&str] = &["Next", "Default"];
const ENTRY_TRANSITIONS: &[&str] = &["Next"];

/// The transitions written in `state` (any JSON; never fails).
pub(crate) fn guess(state: &Value) -> Guess {
    let mut g = Guess::default();
    let Some(obj) = state.as_object() else {
        return g;
    };
    transitions(obj, STATE_TRANSITIONS, &mut g);
    for list in ["Choices", "Catch"] {
        let written = obj
            .iter()
            .find(|(key, _)| *key == list || suggest::is_near(key, list));
        match written.map(|(_, value)| value) {
            None => {}
            Some(Value::Array(entries)) => {
                for entry in entries {
                    match entry.as_object() {
                        Some(entry) if transitions(entry, ENTRY_TRANSITIONS, &mut g) => {}
                        _ => g.unreadable = true,
                    }
                }
            }
            Some(_) => g.unreadable = true,
        }
    }
    g
}

/// Adds the fields of `obj` named in `names`, or misspelling one, to `g`; true when there
/// was one.
fn transitions(obj: &Map<String, Value>, names: &[&str], g: &mut Guess) -> bool {
    let mut found = false;
    for (key, value) in obj {
        if !names.iter().any(|n| key == n || suggest::is_near(key, n)) {
            continue;
        }
        found = true;
        match value {
            Value::String(target) => g.targets.push(target.clone()),
            _ => g.unreadable = true,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_next_default_choices_and_catch_misspelt_or_not() {
        let g = guess(&json!({
            "Type": "Task", "Nxt": "B", "Default": "C",
            "Choices": [{"Next": "D"}], "Catch": [{"ErrorEquals": 1, "Next": "E"}]
        }));
        assert_eq!(g.targets, ["B", "C", "D", "E"]);
        let g = guess(&json!({"Type": "Choice", "Choice": [{"Nxt": "F"}]}));
        assert_eq!((g.targets, g.unreadable), (vec!["F".to_owned()], false));
        assert!(!g.unreadable);
    }

    #[test]
    fn a_transition_that_cannot_be_told_is_unreadable() {
        for state in [
            json!({"Next": 3}),
            json!({"Choices": {}}),
            json!({"Choices": [{"Variable": "$.x"}]}),
            json!({"Catch": ["x"]}),
        ] {
            assert!(guess(&state).unreadable, "{state}");
        }
        assert_eq!(guess(&json!([1])), Guess::default());
        assert_eq!(guess(&json!({"Type": "Succeed"})), Guess::default());
    }
}
