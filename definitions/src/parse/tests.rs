use serde_json::{Value, json};

use super::*;
use crate::Severity;

fn problems(definition: Value) -> Vec<(Severity, &'static str, String)> {
    match parse_value(&definition) {
        Ok(def) => def
            .warnings
            .into_iter()
            .map(|d| (d.severity, d.code.as_str(), d.location))
            .collect(),
        Err(all) => all
            .into_iter()
            .map(|d| (d.severity, d.code.as_str(), d.location))
            .collect(),
    }
}

fn has(problems: &[(Severity, &str, String)], code: &str, location: &str) -> bool {
    problems.iter().any(|(_, c, l)| *c == code && l == location)
}

#[track_caller]
fn assert_problem(definition: Value, code: &str, location: &str) {
    let found = problems(definition);
    assert!(
        has(&found, code, location),
        "expected {code} at {location}, got {found:?}"
    );
}

fn machine(states: Value) -> Value {
    json!({"StartAt": "A", "States": states})
}

#[test]
fn a_valid_machine_parses() {
    let def = parse_value(&json!({
        "Comment": "ok", "StartAt": "A", "TimeoutSeconds": 30, "Version": "1.0",
        "States": {
            "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "B"},
            "B": {"Type": "Choice", "Choices": [{"Variable": "$.r.x", "NumericEquals": 1, "Next": "C"}], "Default": "D"},
            "C": {"Type": "Wait", "Seconds": 1, "Next": "E"},
            "D": {"Type": "Fail", "Error": "E", "Cause": "c"},
            "E": {"Type": "Parallel", "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}], "Next": "F"},
            "F": {"Type": "Map", "ItemsPath": "$", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "Next": "G"},
            "G": {"Type": "Task", "Resource": "http://127.0.0.1:1/x", "Retry": [{"ErrorEquals": ["States.ALL"]}], "Next": "H"},
            "H": {"Type": "Callback", "Notify": {"ApiEndpoint": "http://x/n", "Method": "POST", "RequestBody": {"token.$": "$$.Task.Token"}}, "HeartbeatSeconds": 5, "End": true}
        }
    }))
    .unwrap();
    assert!(def.warnings.is_empty(), "{:?}", def.warnings);
    assert_eq!(def.machine.timeout_seconds, Some(30));
    assert!(def.machine.state("I").is_some());
    assert_eq!(def.machine.state("A").unwrap().next.as_deref(), Some("B"));
}

#[test]
fn reports_every_problem_at_once() {
    let found = problems(machine(json!({
        "A": {"Type": "Pass", "Next": "Nowhere", "Bogus": 1},
        "B": {"Type": "Wait", "End": true},
        "C": {"Type": "Pass", "End": "yes"}
    })));
    assert!(has(&found, "MISSING_TRANSITION_TARGET", "/States/A/Next"));
    assert!(has(&found, "SCHEMA_VALIDATION_FAILED", "/States/A/Bogus"));
    assert!(has(&found, "SCHEMA_VALIDATION_FAILED", "/States/B"));
    assert!(has(&found, "SCHEMA_VALIDATION_FAILED", "/States/C/End"));
}

#[test]
fn transition_targets_must_exist() {
    assert_problem(
        json!({"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}),
        "MISSING_TRANSITION_TARGET",
        "/StartAt",
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "Z"}], "Default": "Y"}}),
        ),
        "MISSING_TRANSITION_TARGET",
        "/States/A/Choices/0/Next",
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "A"}], "Default": "Y"}}),
        ),
        "MISSING_TRANSITION_TARGET",
        "/States/A/Default",
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Task", "Resource": "http://x", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Q"}]}}),
        ),
        "MISSING_TRANSITION_TARGET",
        "/States/A/Catch/0/Next",
    );
}

#[test]
fn branches_cannot_jump_out() {
    assert_problem(
        machine(json!({
            "A": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}}}]}
        })),
        "MISSING_TRANSITION_TARGET",
        "/States/A/Branches/0/States/B/Next",
    );
}

#[test]
fn needs_a_reachable_terminal_state() {
    assert_problem(
        machine(json!({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}})),
        "NO_TERMINAL_STATE",
        "/StartAt",
    );
}

#[test]
fn unreachable_states_are_warnings() {
    let def = parse_value(&machine(
        json!({"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}),
    ))
    .unwrap();
    assert_eq!(def.warnings.len(), 1);
    assert_eq!(def.warnings[0].severity, Severity::Warning);
    assert_eq!(def.warnings[0].code.as_str(), "UNREACHABLE_STATE");
    assert_eq!(def.warnings[0].location, "/States/B");
}

#[test]
fn next_with_end_is_an_error() {
    assert_problem(
        machine(json!({"A": {"Type": "Pass", "Next": "B", "End": true}, "B": {"Type": "Succeed"}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/End",
    );
}

#[test]
fn wait_needs_exactly_one_duration() {
    assert_problem(
        machine(json!({"A": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Wait", "Timestamp": "yesterday", "End": true}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Timestamp",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Wait", "SecondsPath": "$.a[*]", "End": true}})),
        "INVALID_JSON_PATH",
        "/States/A/SecondsPath",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Wait", "Seconds": -1, "End": true}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Seconds",
    );
}

#[test]
fn malformed_paths_templates_and_intrinsics() {
    assert_problem(
        machine(json!({"A": {"Type": "Pass", "InputPath": "a.b", "End": true}})),
        "INVALID_JSON_PATH",
        "/States/A/InputPath",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Pass", "ResultPath": "$.a[*]", "End": true}})),
        "INVALID_JSON_PATH",
        "/States/A/ResultPath",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Pass", "Parameters": {"x.$": "nope"}, "End": true}})),
        "INVALID_PAYLOAD_TEMPLATE",
        "/States/A/Parameters/x.$",
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Pass", "Parameters": {"x": {"y.$": "States.Nope(1)"}}, "End": true}}),
        ),
        "INVALID_INTRINSIC_FUNCTION",
        "/States/A/Parameters/x/y.$",
    );
}

#[test]
fn error_equals_rules() {
    let states = |retry: Value| {
        machine(json!({"A": {"Type": "Task", "Resource": "http://x", "End": true, "Retry": retry}}))
    };
    assert_problem(
        states(json!([{"ErrorEquals": ["States.ALL", "X"]}])),
        "INVALID_ERROR_EQUALS",
        "/States/A/Retry/0/ErrorEquals/0",
    );
    assert_problem(
        states(json!([{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])),
        "INVALID_ERROR_EQUALS",
        "/States/A/Retry/0/ErrorEquals/0",
    );
    assert_problem(
        states(json!([{"ErrorEquals": ["X"], "MaxAttempts": -1}])),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Retry/0/MaxAttempts",
    );
    assert_problem(
        states(json!([{"ErrorEquals": ["X"], "BackoffRate": 0.9}])),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Retry/0/BackoffRate",
    );
}

#[test]
fn long_and_duplicate_state_names() {
    let long = "N".repeat(81);
    assert_problem(
        json!({"StartAt": long, "States": {long.clone(): {"Type": "Succeed"}}}),
        "SCHEMA_VALIDATION_FAILED",
        &format!("/States/{long}"),
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]}}),
        ),
        "DUPLICATE_STATE_NAME",
        "/States/A/Branches/0/States/A",
    );
}

#[test]
fn problems_inside_map_and_parallel_have_nested_pointers() {
    assert_problem(
        machine(
            json!({"A": {"Type": "Map", "End": true, "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Next": "Q"}}}}}),
        ),
        "MISSING_TRANSITION_TARGET",
        "/States/A/Iterator/States/I/Next",
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Task", "Resource": "http://x", "End": true, "Retry": [{"ErrorEquals": ["E"], "BackoffRate": 0}]}}}}}),
        ),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/ItemProcessor/States/I/Retry/0/BackoffRate",
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Wait", "End": true}}}]}}),
        ),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Branches/0/States/B",
    );
}

#[test]
fn query_languages_are_read_and_variables_are_checked() {
    parse_definition(
        r#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#,
    )
    .expect("JSONata is a query language Baton runs");
    assert_problem(
        json!({"QueryLanguage": "XPath", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
        "SCHEMA_VALIDATION_FAILED",
        "/QueryLanguage",
    );
    // Variables are read; Succeed and Fail have no Assign, and names are checked.
    assert!(
        parse_value(&machine(
            json!({"A": {"Type": "Pass", "Assign": {"x": 1, "y.$": "$x"}, "End": true}})
        ))
        .is_ok()
    );
    assert_problem(
        machine(json!({"A": {"Type": "Succeed", "Assign": {"x": 1}}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Assign",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Pass", "Assign": {"x-y": 1}, "End": true}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Assign/x-y",
    );
    // ResultPath writes into the input, never into a variable.
    assert_problem(
        machine(json!({"A": {"Type": "Pass", "ResultPath": "$x", "End": true}})),
        "INVALID_JSON_PATH",
        "/States/A/ResultPath",
    );
}

#[test]
fn mistyped_and_missing_fields() {
    assert_problem(
        json!({"States": {"A": {"Type": "Succeed"}}}),
        "SCHEMA_VALIDATION_FAILED",
        "",
    );
    assert_problem(
        json!({"StartAt": 3, "States": {"A": {"Type": "Succeed"}}}),
        "SCHEMA_VALIDATION_FAILED",
        "/StartAt",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Pass", "Comment": 1, "End": true}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Comment",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Teleport"}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Type",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Task", "End": true}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A",
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": true}}),
        ),
        "UNSUPPORTED_FEATURE",
        "/States/A/Resource",
    );
    assert_problem(
        machine(
            json!({"A": {"Type": "Task", "Resource": "http://x", "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": true}}),
        ),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/HeartbeatSeconds",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Fail", "Error": "x", "ErrorPath": "$.e"}})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/ErrorPath",
    );
    assert_problem(
        machine(json!({"A": {"Type": "Fail", "CausePath": "States.ArrayLength($.a)"}})),
        "INVALID_INTRINSIC_FUNCTION",
        "/States/A/CausePath",
    );
}

#[test]
fn not_json_is_reported() {
    let found = parse_definition("{ nope").unwrap_err();
    assert_eq!(found[0].code.as_str(), "INVALID_JSON_DESCRIPTION");
    let found = parse_definition("[]").unwrap_err();
    assert_eq!(found[0].code.as_str(), "SCHEMA_VALIDATION_FAILED");
}

/// `depth` Parallel states, each the only state of the branch of the one above; built
/// without `json!` (which re-serializes its arguments, recursively).
fn nested_parallels(depth: usize) -> Value {
    let object = |pairs: Vec<(&str, Value)>| {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    };
    let mut graph = json!({"StartAt": "L", "States": {"L": {"Type": "Succeed"}}});
    for i in 0..depth {
        let name = format!("P{i}");
        let state = object(vec![
            ("Type", json!("Parallel")),
            ("Branches", Value::Array(vec![graph])),
            ("End", json!(true)),
        ]);
        graph = object(vec![
            ("StartAt", json!(name)),
            ("States", object(vec![(name.as_str(), state)])),
        ]);
    }
    graph
}

/// Runs `f` on a thread with a stack of `kib` KiB: a regression there is a crash, not a
/// failure.
fn on_stack<T: Send>(kib: usize, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(kib * 1024)
            .spawn_scoped(s, f)
            .expect("spawn")
            .join()
            .expect("no panic")
    })
}

#[test]
fn values_nested_too_deep_are_refused_without_recursion() {
    // 300 Parallels are 1200 levels of JSON: text that deep is refused before it is read, a
    // `Value` built in code is refused here, at its first array or object too deep. Parsing
    // it used to recurse once per level and overflowed the stack.
    let deep = nested_parallels(300);
    let problems = on_stack(256, || parse_value(&deep).unwrap_err());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].code, Code::SchemaValidationFailed);
    // State P(299 - k) is at level 3 + 4k, and the branch below state P204 (k = 95) at 385.
    let expected: String = (0..96)
        .map(|k| format!("/States/P{}/Branches/0", 299 - k))
        .collect();
    assert_eq!(problems[0].location, expected);
    assert!(problems[0].message.contains("more than 384 levels"));
}

#[test]
fn text_and_values_too_deep_get_the_same_diagnostic() {
    let deep = nested_parallels(100);
    let text = deep.to_string();
    let mut from_text = on_stack(256, || parse_definition(&text).unwrap_err());
    // Text gives the place in the text too (one line: the column of the value too deep).
    assert_eq!(from_text[0].line, Some(1));
    let column = from_text[0].column.expect("a column");
    assert!(text[column - 1..].starts_with("{\"StartAt\""), "{column}");
    from_text[0].line = None;
    from_text[0].column = None;
    assert_eq!(from_text, parse_value(&deep).unwrap_err());
    assert_eq!(from_text[0].location.matches("/Branches/0").count(), 96);
}
