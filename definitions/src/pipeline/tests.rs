use serde_json::{Value, json};

use super::*;
use crate::diagnostics::{Diagnostics, Loc};

fn path(text: &str) -> PathField {
    PathField::Path(Path::parse(text).unwrap())
}

fn template(value: Value) -> Template {
    Template::compile(&value, &Loc::root(), &mut Diagnostics::new()).unwrap()
}

fn ctx() -> Value {
    json!({"Execution": {"Name": "e"}})
}

#[test]
fn input_path_defaults_null_and_paths() {
    let raw = json!({"a": {"b": 1}});
    assert_eq!(
        *apply_input_path(&PathField::Default, &raw, &ctx()).unwrap(),
        raw
    );
    assert_eq!(
        *apply_input_path(&PathField::Null, &raw, &ctx()).unwrap(),
        json!({})
    );
    assert_eq!(
        *apply_input_path(&path("$.a"), &raw, &ctx()).unwrap(),
        json!({"b": 1})
    );
    assert_eq!(
        *apply_input_path(&path("$$.Execution"), &raw, &ctx()).unwrap(),
        json!({"Name": "e"})
    );
}

#[test]
fn missing_input_path_is_runtime_with_aws_cause() {
    let err = apply_input_path(
        &path("$.NoSuchInputPath"),
        &json!({"int-literal": 0}),
        &ctx(),
    )
    .unwrap_err();
    assert_eq!(err.error, ErrorName::Runtime);
    assert_eq!(
        err.cause.as_deref(),
        Some("Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']")
    );
}

#[test]
fn effective_input_applies_parameters_to_the_input_path_result() {
    let io = Io {
        input_path: path("$.a"),
        parameters: Some(template(json!({"x.$": "$.b", "k": 2}))),
        ..Io::default()
    };
    assert_eq!(
        *effective_input(&io, &json!({"a": {"b": 7}}), &ctx()).unwrap(),
        json!({"x": 7, "k": 2})
    );
}

#[test]
fn result_path_merges_discards_and_replaces() {
    let raw = json!({"in": 1});
    assert_eq!(
        apply_result_path(&PathField::Default, raw.clone(), json!(5)).unwrap(),
        json!(5)
    );
    assert_eq!(
        apply_result_path(&PathField::Null, raw.clone(), json!(5)).unwrap(),
        raw
    );
    assert_eq!(
        apply_result_path(&path("$.out.v"), raw, json!(5)).unwrap(),
        json!({"in": 1, "out": {"v": 5}})
    );
}

#[test]
fn result_path_on_a_string_input_fails() {
    let err = apply_result_path(&path("$.x"), json!("abc"), json!(1)).unwrap_err();
    assert_eq!(err.error, ErrorName::ResultPathMatchFailure);
    assert_eq!(
        err.cause.as_deref(),
        Some("Unable to apply ReferencePath $.x to input \"abc\"")
    );
}

#[test]
fn output_path_selects_or_empties() {
    assert_eq!(
        apply_output_path(&path("$.a"), json!({"a": [1]}), &ctx()).unwrap(),
        json!([1])
    );
    assert_eq!(
        apply_output_path(&PathField::Null, json!({"a": [1]}), &ctx()).unwrap(),
        json!({})
    );
    let err = apply_output_path(&path("$.NoSuchOutputPath"), json!({}), &ctx()).unwrap_err();
    assert_eq!(err.error, ErrorName::Runtime);
}

#[test]
fn state_output_runs_selector_then_result_path_then_output_path() {
    let io = Io {
        result_selector: Some(template(json!({"code.$": "$.StatusCode"}))),
        result_path: path("$.http"),
        output_path: path("$.http"),
        ..Io::default()
    };
    let out = state_output(
        &io,
        json!({"order": 1}),
        json!({"StatusCode": 200, "Body": "x"}),
        &ctx(),
    )
    .unwrap();
    assert_eq!(out, json!({"code": 200}));
}

#[test]
fn json_size_counts_compact_bytes() {
    assert_eq!(json_size(&json!({"a": [1, "é"]})), r#"{"a":[1,"é"]}"#.len());
}
