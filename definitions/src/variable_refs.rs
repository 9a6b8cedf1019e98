//! The variables each state reads: `DescribeStateMachine.variableReferences`.
//!
//! AWS's shape: a map from state name to the names (without `$`) of the variables that state
//! references; states that reference none are left out. A JSONata state's names come from
//! its parsed expressions ([`crate::jsonata::Jsonata::variable_references`], without the
//! reserved `$states`); a JSONPath state's from its paths (`$name…`) and intrinsic calls.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{State, StateKind, StateMachine, Wait};
use crate::parse::fields::PathField;

/// State name → the variables it reads, sorted; states reading none are absent.
pub fn variable_references(machine: &StateMachine) -> BTreeMap<String, Vec<String>> {
    machine
        .states()
        .filter_map(|state| {
            let names = of_state(state);
            (!names.is_empty()).then(|| (state.name.clone(), names.into_iter().collect()))
        })
        .collect()
}

/// The variables one state reads.
pub fn of_state(state: &State) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if let Some(j) = &state.io.jsonata {
        for template in j.templates() {
            for (_, expr) in template.expressions() {
                names.extend(expr.variable_references());
            }
        }
        // JSONPath catchers' fields are refused in a JSONata state; its catchers hold
        // their Assign in `j.catchers`.
        names.remove("states");
        return names;
    }
    let io = &state.io;
    let templates = [&io.parameters, &io.result_selector, &io.assign];
    for t in templates.into_iter().flatten() {
        names.extend(t.variable_names());
    }
    for field in [&io.input_path, &io.output_path] {
        if let PathField::Path(p) = field {
            names.extend(p.variable().map(str::to_owned));
        }
    }
    for catcher in &state.catch {
        if let Some(t) = &catcher.assign {
            names.extend(t.variable_names());
        }
    }
    match &state.kind {
        StateKind::Choice(choice) => {
            for (rule, _) in &choice.choices {
                names.extend(rule.variable_names());
            }
            for t in choice.rule_assign.iter().flatten() {
                names.extend(t.variable_names());
            }
        }
        StateKind::Task(task) => {
            if let Some(t) = &task.notify {
                names.extend(t.variable_names());
            }
        }
        StateKind::Wait(Wait::SecondsPath(p) | Wait::TimestampPath(p)) => {
            names.extend(p.variable().map(str::to_owned));
        }
        StateKind::Map(map) => {
            if let Some(p) = &map.items_path {
                names.extend(p.variable().map(str::to_owned));
            }
            if let Some(t) = &map.item_selector {
                names.extend(t.variable_names());
            }
        }
        _ => {}
    }
    names
}

/// The variables an intrinsic call's text reads: every `$name` outside string literals
/// (`$` alone and `$$` are the input and the context object, not variables).
pub fn in_intrinsic(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut quoted = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quoted => {
                chars.next();
            }
            '\'' => quoted = !quoted,
            '$' if !quoted => {
                if chars.peek().is_some_and(|(_, n)| *n == '$') {
                    chars.next();
                    continue;
                }
                let start = i + 1;
                let mut end = start;
                while let Some((j, n)) = chars.peek().copied() {
                    if n.is_alphanumeric() || n == '_' {
                        end = j + n.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                if end > start {
                    out.push(text[start..end].to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn refs(definition: serde_json::Value) -> BTreeMap<String, Vec<String>> {
        let def = crate::parse_value(&definition).expect("valid");
        variable_references(&def.machine)
    }

    #[test]
    fn intrinsic_text_names_its_variables() {
        assert_eq!(
            in_intrinsic("States.Format('{} $no', $a.b, $$.Execution.Id, $, $b_2)"),
            vec!["a".to_string(), "b_2".to_string()]
        );
    }

    #[test]
    fn jsonata_and_jsonpath_states_list_what_they_read() {
        let got = refs(json!({
            "StartAt": "P",
            "States": {
                "P": {"Type": "Pass", "Assign": {"x.$": "$y.z", "w.$": "States.Format('{}', $v)"}, "Next": "J"},
                "J": {
                    "Type": "Pass", "QueryLanguage": "JSONata",
                    "Assign": {"a": "{% $x + $states.input.n %}"},
                    "Output": {"o": "{% ($local := 1; $local + $w) %}"},
                    "Next": "C"
                },
                "C": {
                    "Type": "Choice", "QueryLanguage": "JSONata",
                    "Choices": [{"Condition": "{% $a > 1 %}", "Next": "Done"}],
                    "Default": "Done"
                },
                "Done": {"Type": "Succeed", "QueryLanguage": "JSONata", "Output": "{% $states.input %}"}
            }
        }));
        let want: BTreeMap<String, Vec<String>> = [
            ("P", vec!["v", "y"]),
            ("J", vec!["w", "x"]),
            ("C", vec!["a"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
        .collect();
        assert_eq!(got, want);
    }
}
