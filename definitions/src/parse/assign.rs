//! `Assign` (state-level variables): a payload template whose top-level keys name variables.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::model::{Graph, State, StateKind, StateMachine};
use crate::template::Template;

/// Longest variable name AWS accepts.
const MAX_NAME_CHARS: usize = 80;

/// Compiles an `Assign` value at `loc`: an object of variable names (a `.$` suffix makes the
/// value a path or an intrinsic, as in `Parameters`). Bad names are reported with their
/// location; `None` when anything is wrong.
pub fn parse_assign(value: &Value, loc: &Loc, d: &mut Diagnostics) -> Option<Template> {
    let Some(map) = value.as_object() else {
        d.error(
            Code::SchemaValidationFailed,
            loc,
            "'Assign' must be an object of variable names",
        );
        return None;
    };
    let errors = d.error_count();
    for key in map.keys() {
        let name = key.strip_suffix(".$").unwrap_or(key);
        if let Err(why) = check_name(name) {
            d.error(
                Code::SchemaValidationFailed,
                &loc.at(key),
                format!("'Assign': '{name}' is not a valid variable name: {why}"),
            );
        }
    }
    let template = Template::compile(value, loc, d);
    (d.error_count() == errors).then_some(template).flatten()
}

/// AWS's rule for variable names: letters, digits and `_`, not starting with a digit, at
/// most 80 characters.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err("it is longer than 80 characters");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("it starts with a digit");
    }
    if !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err("it may only hold letters, digits and '_'");
    }
    Ok(())
}

/// Warns where a Parallel branch or a Map iteration assigns a variable that an outer scope
/// assigns too: the inner value stays inside (the outer one never changes), which is
/// seldom what was meant, and AWS documents that inner scopes must not assign outer
/// variables. A warning, not an error: Baton runs it with the scoping above.
pub(crate) fn check_scopes(
    machine: &StateMachine,
    locs: &HashMap<String, Loc>,
    d: &mut Diagnostics,
) {
    check_graph(machine, &machine.root, &HashSet::new(), locs, d);
}

fn check_graph(
    machine: &StateMachine,
    graph: &Graph,
    outer: &HashSet<String>,
    locs: &HashMap<String, Loc>,
    d: &mut Diagnostics,
) {
    let states: Vec<&State> = graph
        .states
        .iter()
        .filter_map(|n| machine.state(n))
        .collect();
    let mut visible = outer.clone();
    for state in &states {
        let loc = locs.get(&state.name).cloned().unwrap_or_else(Loc::root);
        for (names, at) in assignments(state, &loc) {
            for name in names {
                if outer.contains(name) {
                    d.warning(
                        Code::SchemaValidationFailed,
                        &at,
                        format!(
                            "'Assign' sets '{name}', which an outer scope assigns: a Parallel branch or Map iteration cannot change an outer variable (this one stays inside)"
                        ),
                    );
                }
                visible.insert(name.to_owned());
            }
        }
    }
    for state in &states {
        match &state.kind {
            StateKind::Parallel(p) => {
                for branch in &p.branches {
                    check_graph(machine, branch, &visible, locs, d);
                }
            }
            StateKind::Map(m) => check_graph(machine, &m.processor, &visible, locs, d),
            _ => {}
        }
    }
}

/// The names every `Assign` of a state sets (its own, its Choice rules', its catchers'),
/// with the location of that `Assign`; JSONPath and JSONata states alike.
fn assignments<'s>(state: &'s State, loc: &Loc) -> Vec<(Vec<&'s str>, Loc)> {
    let mut out = Vec::new();
    if let Some(j) = &state.io.jsonata {
        if let Some(t) = &j.assign {
            out.push((t.top_level_names(), loc.at("Assign")));
        }
        for rule in &j.rules {
            if let Some(t) = &rule.assign {
                let at = loc.at("Choices").at(rule.index).at("Assign");
                out.push((t.top_level_names(), at));
            }
        }
        for (i, catcher) in j.catchers.iter().enumerate() {
            if let Some(t) = &catcher.assign {
                out.push((t.top_level_names(), loc.at("Catch").at(i).at("Assign")));
            }
        }
    }
    if let Some(t) = &state.io.assign {
        out.push((t.top_level_names(), loc.at("Assign")));
    }
    if let StateKind::Choice(choice) = &state.kind {
        for (i, t) in choice.rule_assign.iter().enumerate() {
            if let Some(t) = t {
                out.push((t.top_level_names(), loc.at("Choices").at(i).at("Assign")));
            }
        }
    }
    for (i, catcher) in state.catch.iter().enumerate() {
        if let Some(t) = &catcher.assign {
            out.push((t.top_level_names(), loc.at("Catch").at(i).at("Assign")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        assert!(check_name("status").is_ok());
        assert!(check_name("_x9").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("9lives").is_err());
        assert!(check_name("a-b").is_err());
        assert!(check_name("$x").is_err());
        assert!(check_name(&"a".repeat(81)).is_err());
    }

    #[test]
    fn bad_names_are_reported_at_their_key() {
        let mut d = Diagnostics::default();
        let value = serde_json::json!({"ok": 1, "1bad.$": "$.x"});
        assert!(parse_assign(&value, &Loc::root(), &mut d).is_none());
        assert_eq!(d.error_count(), 1);
        let mut d = Diagnostics::default();
        assert!(parse_assign(&serde_json::json!({"a.$": "$.x"}), &Loc::root(), &mut d).is_some());
    }

    #[test]
    fn a_jsonata_inner_assign_of_an_outer_name_is_a_warning() {
        let definition = serde_json::json!({"QueryLanguage": "JSONata", "StartAt": "Set", "States": {
            "Set": {"Type": "Pass", "Assign": {"x": 1, "z": "{% 2 %}"}, "Next": "M"},
            "M": {"Type": "Map", "End": true, "Items": [1], "ItemProcessor": {"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Default": "T",
                      "Choices": [{"Condition": "{% true %}", "Assign": {"z": "{% 3 %}"}, "Next": "T"}]},
                "T": {"Type": "Task", "Resource": "http://127.0.0.1:1/", "End": true,
                      "Assign": {"x": "{% $states.result %}"},
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"fresh": 1}, "Next": "F"}]},
                "F": {"Type": "Fail"}}}}}});
        let def = crate::parse_value(&definition).expect("valid: warnings only");
        let mut at: Vec<&str> = def.warnings.iter().map(|w| w.location.as_str()).collect();
        at.sort();
        assert_eq!(
            at,
            [
                "/States/M/ItemProcessor/States/C/Choices/0/Assign",
                "/States/M/ItemProcessor/States/T/Assign"
            ],
            "{:?}",
            def.warnings
        );
    }

    #[test]
    fn assigning_an_outer_variable_inside_is_a_warning() {
        let definition = serde_json::json!({"StartAt": "Set", "States": {
            "Set": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P"},
            "P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {
                "B": {"Type": "Pass", "Assign": {"x": 2, "y": 3}, "End": true}}}]}}});
        let def = crate::parse_value(&definition).expect("valid: a warning only");
        assert_eq!(def.warnings.len(), 1, "{:?}", def.warnings);
        assert_eq!(
            def.warnings[0].location,
            "/States/P/Branches/0/States/B/Assign"
        );
        assert!(def.warnings[0].message.contains("'x'"));
        // Sibling scopes and new names are fine.
        let definition = serde_json::json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Assign": {"x": 1}, "End": true}}},
                {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Assign": {"x": 2}, "End": true}}}]}}});
        assert!(
            crate::parse_value(&definition)
                .expect("valid")
                .warnings
                .is_empty()
        );
    }
}
