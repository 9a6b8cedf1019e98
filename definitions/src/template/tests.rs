use serde_json::{Value, json};

use super::*;

fn compile(value: Value) -> Result<Template, Vec<crate::Diagnostic>> {
    let mut d = Diagnostics::new();
    Template::compile(&value, &Loc::root().at("Parameters"), &mut d).ok_or_else(|| d.into_vec())
}

fn eval(template: Value, input: Value) -> Result<Value, Failure> {
    let ctx = json!({"Execution": {"Id": "arn:x", "Name": "n1"}});
    compile(template).unwrap().eval(&Env::new(&input, &ctx))
}

#[test]
fn evaluates_paths_and_keeps_literals() {
    let out = eval(
        json!({"a.$": "$.x", "lit": "$.x", "nested": {"b.$": "$.y[1]", "c": [1, {"d.$": "$$.Execution.Name"}]}}),
        json!({"x": {"k": 1}, "y": [1, 2]}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"a": {"k": 1}, "lit": "$.x", "nested": {"b": 2, "c": [1, {"d": "n1"}]}})
    );
}

#[test]
fn literal_templates_are_precomputed() {
    let t = compile(json!({"a": [1, 2], "b": {"c": true}})).unwrap();
    assert!(matches!(t.root, Node::Literal(_)));
    assert!(!t.uses_context());
    assert!(
        compile(json!({"a.$": "$$.Task.Token"}))
            .unwrap()
            .uses_context()
    );
}

#[test]
fn queries_give_arrays() {
    let out = eval(
        json!({"ids.$": "$.items[*].id"}),
        json!({"items": [{"id": 1}, {"id": 2}]}),
    )
    .unwrap();
    assert_eq!(out, json!({"ids": [1, 2]}));
}

#[test]
fn missing_path_is_a_runtime_failure_with_aws_message() {
    let err = eval(
        json!({"value.$": "$.no_such_jsonpath"}),
        json!({"int-literal": 0}),
    )
    .unwrap_err();
    assert_eq!(err.error, crate::ErrorName::Runtime);
    assert_eq!(
        err.cause.as_deref(),
        Some(
            "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"int-literal\":0}'"
        )
    );
}

#[test]
fn reports_every_problem_with_its_location() {
    let errs = compile(json!({"a.$": "nope", "b.$": 3, "c": {"d.$": "$.["}, "e.$": "$.x", "e": 1}))
        .unwrap_err();
    let locations: Vec<&str> = errs.iter().map(|d| d.location.as_str()).collect();
    assert_eq!(
        locations,
        [
            "/Parameters/a.$",
            "/Parameters/b.$",
            "/Parameters/c/d.$",
            "/Parameters/e"
        ]
    );
}

#[test]
fn templates_nested_too_deep_are_refused_without_recursion() {
    let mut deep = json!({"x.$": "$.a"});
    for _ in 0..5_000 {
        let mut m = Map::new();
        m.insert("k".to_owned(), deep);
        deep = Value::Object(m);
    }
    let problems = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped(s, || {
                let mut d = Diagnostics::new();
                assert!(Template::compile(&deep, &Loc::root(), &mut d).is_none());
                d.into_vec()
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow")
    });
    assert_eq!(problems[0].code, Code::InvalidPayloadTemplate);
    assert!(problems[0].message.contains("nested more than 384 levels"));
    // At the first object too deep: level 385, under 384 keys.
    assert_eq!(problems[0].location, "/k".repeat(384));
    // Dropping a value this deep recurses in serde_json itself: unwind it by hand.
    while let Value::Object(mut m) = deep {
        deep = m.remove("k").unwrap_or(Value::Null);
    }
}
