//! Validation of JSONata states: which fields each language takes, where problems are
//! reported, and expressions parsed at definition time.

use serde_json::{Value, json};

use crate::{Diagnostic, Severity, parse_value};

fn errors(definition: Value) -> Vec<Diagnostic> {
    match parse_value(&definition) {
        Ok(def) => panic!("expected errors, got a definition ({:?})", def.warnings),
        Err(d) => d
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect(),
    }
}

fn one(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state}})
}

fn at(diagnostics: &[Diagnostic], location: &str) -> Diagnostic {
    diagnostics
        .iter()
        .find(|d| d.location == location)
        .cloned()
        .unwrap_or_else(|| panic!("no diagnostic at {location}: {diagnostics:?}"))
}

#[test]
fn jsonata_states_refuse_jsonpath_fields_where_they_are() {
    let d = errors(one(
        json!({"Type": "Pass", "QueryLanguage": "JSONata", "End": true,
        "InputPath": "$.a", "ResultPath": "$.b", "Parameters": {"x.$": "$"}}),
    ));
    assert_eq!(d.len(), 3, "{d:?}");
    for field in ["InputPath", "ResultPath", "Parameters"] {
        let e = at(&d, &format!("/States/S/{field}"));
        assert_eq!(e.code.as_str(), "SCHEMA_VALIDATION_FAILED");
        assert!(e.message.contains("JSONPath field"), "{}", e.message);
        assert!(
            e.suggestion.is_none(),
            "no 'did you mean' for the other language's field"
        );
    }
    let d = errors(
        json!({"QueryLanguage": "JSONata", "StartAt": "W", "States": {
        "W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}}),
    );
    assert!(
        at(&d, "/States/W/SecondsPath")
            .message
            .contains("JSONPath field")
    );
}

#[test]
fn jsonpath_states_refuse_jsonata_fields_where_they_are() {
    let d = errors(one(
        json!({"Type": "Pass", "End": true, "Output": {"a": 1}}),
    ));
    assert_eq!(d.len(), 1, "{d:?}");
    let e = at(&d, "/States/S/Output");
    assert!(e.message.contains("JSONata field"), "{}", e.message);
    let d = errors(json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Condition": true, "Next": "E"}], "Default": "E"},
        "E": {"Type": "Succeed"}}}));
    assert!(
        d.iter()
            .any(|e| e.location.starts_with("/States/C/Choices/0")),
        "{d:?}"
    );
}

#[test]
fn misspelt_fields_suggest_the_states_own_language() {
    let d = errors(one(
        json!({"Type": "Pass", "QueryLanguage": "JSONata", "End": true,
        "Outptu": {"a": 1}}),
    ));
    assert_eq!(
        at(&d, "/States/S/Outptu").suggestion.as_deref(),
        Some("Output")
    );
    let d = errors(one(
        json!({"Type": "Task", "QueryLanguage": "JSONata", "End": true,
        "Resource": "arn:aws:states:::http:invoke",
        "Arguments": {"ApiEndpoint": "http://x", "Method": "GET"}, "Argumnets": {}}),
    ));
    assert_eq!(
        at(&d, "/States/S/Argumnets").suggestion.as_deref(),
        Some("Arguments")
    );
}

#[test]
fn syntax_errors_are_reported_at_their_string() {
    let d = errors(one(
        json!({"Type": "Pass", "QueryLanguage": "JSONata", "End": true,
        "Output": {"a": [1, "{% $states.input.( %}"]}}),
    ));
    assert_eq!(d.len(), 1, "{d:?}");
    let e = at(&d, "/States/S/Output/a/1");
    assert!(e.message.contains("does not parse"), "{}", e.message);
}

#[test]
fn arguments_cannot_read_the_result() {
    let d = errors(one(
        json!({"Type": "Task", "QueryLanguage": "JSONata", "End": true,
        "Resource": "http://localhost/x", "Arguments": {"r": "{% $states.result %}"}}),
    ));
    assert!(
        at(&d, "/States/S/Arguments")
            .message
            .contains("$states.result")
    );
}

#[test]
fn a_jsonata_machine_cannot_hold_jsonpath_states() {
    let d = errors(
        json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}),
    );
    assert!(
        at(&d, "/States/P/QueryLanguage")
            .message
            .contains("JSONata")
    );
    // The other way round is allowed, and a Map's language does not pass to its states.
    let ok = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "QueryLanguage": "JSONata",
        "Items": [1], "End": true, "ItemProcessor": {"StartAt": "In", "States": {
            "In": {"Type": "Pass", "InputPath": "$", "End": true}}}}}});
    parse_value(&ok).expect("JSONPath states inside a JSONata Map of a JSONPath machine");
}

#[test]
fn choice_rules_take_conditions_and_jsonpath_operators_are_refused() {
    let d = errors(
        json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "E", "Choices": [
            {"Condition": "{% true %}", "Next": "E"},
            {"Variable": "$.x", "BooleanEquals": true, "Next": "E"},
            {"Condition": "yes", "Next": "E"},
            {"Condition": true, "Next": "Nowhere"}]},
        "E": {"Type": "Succeed"}}}),
    );
    assert!(
        at(&d, "/States/C/Choices/1/Variable")
            .message
            .contains("Condition")
    );
    assert!(
        at(&d, "/States/C/Choices/2/Condition")
            .message
            .contains("boolean")
    );
    assert_eq!(
        at(&d, "/States/C/Choices/3/Next").code.as_str(),
        "MISSING_TRANSITION_TARGET"
    );
}

#[test]
fn numeric_fields_take_numbers_or_expressions() {
    let d = errors(one(
        json!({"Type": "Wait", "QueryLanguage": "JSONata", "End": true,
        "Seconds": "ten"}),
    ));
    assert!(at(&d, "/States/S/Seconds").message.contains("expression"));
    let ok = one(
        json!({"Type": "Task", "QueryLanguage": "JSONata", "End": true,
        "Resource": "http://localhost/x", "TimeoutSeconds": "{% $states.input.t %}",
        "HeartbeatSeconds": 5}),
    );
    let def = parse_value(&ok).expect("valid");
    let state = def.machine.state("S").expect("state");
    let j = state.io.jsonata.as_ref().expect("JSONata fields");
    assert!(j.timeout.as_ref().and_then(|t| t.as_literal()).is_none());
    assert_eq!(
        j.heartbeat.as_ref().and_then(|t| t.as_literal()),
        Some(&json!(5))
    );
}

#[test]
fn only_whole_expression_strings_are_evaluated() {
    let def = parse_value(&one(
        json!({"Type": "Pass", "QueryLanguage": "JSONata", "End": true,
        "Output": {"a": " {% 1 %} ", "b.$": "$.x", "c": "{% 1 + 1 %}"}}),
    ))
    .expect("valid");
    let state = def.machine.state("S").expect("state");
    let output = state
        .io
        .jsonata
        .as_ref()
        .and_then(|j| j.output.as_ref())
        .expect("Output");
    let exprs: Vec<&str> = output.expressions().iter().map(|(f, _)| *f).collect();
    assert_eq!(exprs, ["Output/c"]);
}
