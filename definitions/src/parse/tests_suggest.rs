//! "Did you mean …?" and one diagnostic per mistake: no "missing field" next to a
//! misspelt one, no unreachable states behind a transition that could not be read.

use serde_json::{Value, json};

use super::*;
use crate::{Anchor, Severity};

fn all(definition: &Value) -> Vec<Diagnostic> {
    match parse_value(definition) {
        Ok(def) => def.warnings,
        Err(all) => all,
    }
}

/// The one diagnostic of `definition`, which must be an error at `location` suggesting
/// `suggestion`.
#[track_caller]
fn one_error(definition: Value, location: &str, suggestion: &str) -> Diagnostic {
    let found = all(&definition);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = found.into_iter().next().unwrap();
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.location, location);
    assert_eq!(d.suggestion.as_deref(), Some(suggestion), "{d:?}");
    assert!(
        d.message
            .ends_with(&format!("did you mean \"{suggestion}\"?")),
        "{}",
        d.message
    );
    d
}

/// A -> B -> C -> D -> E -> F -> G, G ends; `a` replaces state A.
fn chain(a: Value) -> Value {
    let mut states = serde_json::Map::new();
    states.insert("A".into(), a);
    for (name, next) in [("B", "C"), ("C", "D"), ("D", "E"), ("E", "F"), ("F", "G")] {
        states.insert(name.into(), json!({"Type": "Pass", "Next": next}));
    }
    states.insert("G".into(), json!({"Type": "Succeed"}));
    json!({"StartAt": "A", "States": states})
}

#[test]
fn a_misspelt_next_is_one_error_at_its_key() {
    let d = one_error(
        chain(json!({"Type": "Pass", "Nxt": "B"})),
        "/States/A/Nxt",
        "Next",
    );
    assert_eq!(d.code, Code::SchemaValidationFailed);
    assert_eq!(d.anchor, Anchor::Key);
    assert_eq!(
        d.message,
        "field 'Nxt' is not supported in a Pass state; did you mean \"Next\"?"
    );
    // Whatever it names, and wherever: still one error.
    one_error(
        chain(json!({"Type": "Pass", "next": 3})),
        "/States/A/next",
        "Next",
    );
    one_error(
        chain(json!({"Type": "Pass", "Edn": true, "Next": "B"})),
        "/States/A/Edn",
        "End",
    );
}

#[test]
fn misspelt_required_fields_are_one_error() {
    let task = json!({"Type": "Task", "Resouce": "http://127.0.0.1:1/x", "Next": "B"});
    one_error(chain(task), "/States/A/Resouce", "Resource");
    let timeout = json!({"Type": "Task", "Resource": "http://127.0.0.1:1/x",
        "TimeoutSecond": 5, "Next": "B"});
    one_error(chain(timeout), "/States/A/TimeoutSecond", "TimeoutSeconds");
    one_error(
        chain(json!({"Tpye": "Pass", "Next": "B"})),
        "/States/A/Tpye",
        "Type",
    );
    let catch = json!({"Type": "Task", "Resource": "http://127.0.0.1:1/x", "End": true,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Nxt": "B"}]});
    one_error(chain(catch), "/States/A/Catch/0/Nxt", "Next");
    let retry = json!({"Type": "Task", "Resource": "http://127.0.0.1:1/x", "Next": "B",
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempt": 2}]});
    one_error(chain(retry), "/States/A/Retry/0/MaxAttempt", "MaxAttempts");
    let top = json!({"StartAt": "A", "Sates": {"A": {"Type": "Succeed"}}});
    one_error(top, "/Sates", "States");
}

#[test]
fn misspelt_lists_and_processors_are_one_error() {
    let choice = json!({"Type": "Choice", "Choice": [
        {"Variable": "$.x", "IsPresent": true, "Next": "B"}]});
    one_error(chain(choice), "/States/A/Choice", "Choices");
    let map = json!({"Type": "Map", "Next": "B", "ItemProcesor": {"StartAt": "I",
        "States": {"I": {"Type": "Succeed"}}}});
    one_error(chain(map), "/States/A/ItemProcesor", "ItemProcessor");
    let parallel = json!({"Type": "Parallel", "Next": "B", "Branch": []});
    one_error(chain(parallel), "/States/A/Branch", "Branches");
    // Refused fields (JSONata, variables) are not suggested: "Outptu" is not "Output".
    let pass = json!({"Type": "Pass", "Next": "B", "Outptu": 1});
    let found = all(&chain(pass));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].suggestion, None);
}

#[test]
fn unknown_types_suggest_the_nearest_type() {
    let d = one_error(
        chain(json!({"Type": "Taks", "Resource": "http://127.0.0.1:1/x", "Next": "B"})),
        "/States/A/Type",
        "Task",
    );
    assert_eq!(d.anchor, Anchor::Value);
    one_error(
        chain(json!({"Type": "pass", "Next": "B"})),
        "/States/A/Type",
        "Pass",
    );
    let far = all(&chain(json!({"Type": "Banana", "Next": "B"})));
    assert_eq!(far.len(), 1, "{far:?}");
    assert_eq!(far[0].suggestion, None);
    assert!(
        far[0].message.contains("use Pass, Task"),
        "{}",
        far[0].message
    );
}

#[test]
fn unknown_state_names_suggest_the_nearest_state() {
    let d = one_error(
        chain(json!({"Type": "Pass", "Next": "b"})),
        "/States/A/Next",
        "B",
    );
    assert_eq!(d.code, Code::MissingTransitionTarget);
    let mut start = chain(json!({"Type": "Pass", "Next": "B"}));
    start["StartAt"] = json!("a");
    one_error(start, "/StartAt", "A");
    let choice = json!({"Type": "Choice", "Default": "Bee",
        "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}]});
    let mut definition = chain(choice);
    definition["States"]["Bee"] = json!({"Type": "Pass", "Next": "B"});
    definition["States"]["A"]["Default"] = json!("Beee");
    one_error(definition, "/States/A/Default", "Bee");
    let catch = json!({"Type": "Task", "Resource": "http://127.0.0.1:1/x", "End": true,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "BB"}]});
    one_error(chain(catch), "/States/A/Catch/0/Next", "B");
}

#[test]
fn misspelt_choice_fields_are_one_error() {
    let choice = json!({"Type": "Choice",
        "Choices": [{"Variable": "$.x", "StringEqual": "y", "Next": "B"}], "Defualt": "B"});
    let found = all(&chain(choice));
    let at: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|d| (d.location.as_str(), d.suggestion.as_deref()))
        .collect();
    assert_eq!(
        at,
        [
            ("/States/A/Defualt", Some("Default")),
            ("/States/A/Choices/0/StringEqual", Some("StringEquals")),
        ],
        "{found:#?}"
    );
}

#[test]
fn unreadable_transitions_hide_unreachable_states_but_genuine_ones_are_warned() {
    // A transition of the wrong type: where it goes cannot be told.
    let found = all(&chain(json!({"Type": "Pass", "Next": 7})));
    assert_eq!(found.len(), 1, "{found:#?}");
    // A catcher dropped for its ErrorEquals still leads to its Next.
    let catch = json!({"Type": "Task", "Resource": "http://127.0.0.1:1/x", "Next": "G",
        "Catch": [{"ErrorEquals": [], "Next": "B"}]});
    let found = all(&chain(catch));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].location, "/States/A/Catch/0/ErrorEquals");
    // A misspelt Next still leads where it says: a state nothing reaches is still warned.
    let mut definition = chain(json!({"Type": "Pass", "Nxt": "B"}));
    definition["States"]["Orphan"] = json!({"Type": "Succeed"});
    let found = all(&definition);
    let codes: Vec<(&str, &str)> = found
        .iter()
        .map(|d| (d.code.as_str(), d.location.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("SCHEMA_VALIDATION_FAILED", "/States/A/Nxt"),
            ("UNREACHABLE_STATE", "/States/Orphan"),
        ]
    );
    // Without errors, unreachable states are warned as before.
    let mut valid = chain(json!({"Type": "Pass", "Next": "B"}));
    valid["States"]["Orphan"] = json!({"Type": "Succeed"});
    let def = parse_value(&valid).unwrap();
    assert_eq!(def.warnings.len(), 1);
    assert_eq!(def.warnings[0].code, Code::UnreachableState);
}

#[test]
fn a_loop_with_an_unreadable_way_out_is_not_called_endless() {
    let definition = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Next": 1}
    }});
    let found = all(&definition);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].location, "/States/B/Next");
}

#[test]
fn text_diagnostics_carry_their_place() {
    let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"Nxt\": \"B\"},\n    \"B\": {\"Type\": \"Succeed\"}\n  }\n}";
    let found = parse_definition(text).unwrap_err();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!((found[0].line, found[0].column), (Some(4), Some(27)));
    let broken = parse_definition("{\n  \"StartAt\": \"A\",\n  oops\n}").unwrap_err();
    assert_eq!((broken[0].line, broken[0].column), (Some(3), Some(3)));
}
