//! Unit tests of the wrapper: conversions, errors, limits, the AWS functions.

use serde_json::{Value, json};

use super::*;

fn env() -> JsonataEnv {
    JsonataEnv::new(1_700_000_000_123, 42)
}

fn eval_in(expr: &str, input: Value) -> Result<Evaluated, JsonataError> {
    let parsed = Jsonata::parse(expr)?;
    parsed.evaluate_with_input(Some(&input), &|_| None, &mut env())
}

fn value(expr: &str) -> Value {
    match eval_in(expr, json!({})) {
        Ok(Evaluated::Value(v)) => v,
        other => panic!("{expr}: {other:?}"),
    }
}

#[test]
fn integers_stay_integers() {
    assert_eq!(value("1.0").to_string(), "1");
    assert_eq!(value("2 * 3").to_string(), "6");
    assert_eq!(value("-0").to_string(), "0");
    assert_eq!(value("0.1 + 0.2").to_string(), "0.30000000000000004");
    assert_eq!(value("9007199254740993").to_string(), "9007199254740992");
}

#[test]
fn is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<Jsonata>();
}

#[test]
fn states_variable_and_references() {
    let expr = Jsonata::parse("{ 'total': $sum($states.input.items.price), 'id': $states.input.id, 'v': $myVar, 'l': ($x := 2; $x) }").unwrap();
    assert_eq!(
        expr.variable_references(),
        vec!["myVar".to_string(), "states".to_string()]
    );
    let states = json!({"input": {"id": "a", "items": [{"price": 1.5}, {"price": 2}]}});
    let got = expr
        .evaluate(
            &|n| match n {
                "states" => Some(states.clone()),
                "myVar" => Some(json!(7)),
                _ => None,
            },
            &mut env(),
        )
        .unwrap();
    assert_eq!(
        got,
        Evaluated::Value(json!({"total": 3.5, "id": "a", "v": 7, "l": 2}))
    );
}
