//! Evaluation of every operator: match, no match, wrong type, missing variable.

use serde_json::{Value, json};

use super::*;
use crate::error::ErrorName;

fn compile(rule: Value) -> ChoiceRule {
    let mut d = Diagnostics::new();
    let parsed = ChoiceRule::parse(&rule, &Loc::root(), false, &mut d);
    assert!(d.items().is_empty(), "{rule}: {:?}", d.items());
    parsed.expect("rule parses").0
}

fn eval(rule: Value, input: Value) -> Result<bool, Failure> {
    let context = json!({"Execution": {"Input": input, "Name": "exec-1"}});
    compile(rule).eval(&Env::new(&input, &context))
}

/// `{"Variable": "$.v", op: operand}` against `{"v": value, "other": other}`.
fn test(op: &str, operand: Value, value: Value) -> bool {
    let rule = json!({"Variable": "$.v", op: operand});
    eval(rule, json!({"v": value})).unwrap()
}

/// The same comparison through the `…Path` form, with the operand at `$.other`.
fn test_path(op: &str, operand: Value, value: Value) -> bool {
    let rule = json!({"Variable": "$.v", format!("{op}Path"): "$.other"});
    eval(rule, json!({"v": value, "other": operand})).unwrap()
}

fn both(op: &str, operand: Value, value: Value) -> bool {
    let direct = test(op, operand.clone(), value.clone());
    assert_eq!(
        direct,
        test_path(op, operand, value),
        "{op} and {op}Path disagree"
    );
    direct
}

const WRONG_TYPES: [&str; 6] = ["null", "true", "0", "\"x\"", "[]", "{}"];

fn wrong_types_are_false(op: &str, operand: Value, keep: &str) {
    for w in WRONG_TYPES.iter().filter(|w| **w != keep) {
        let value: Value = serde_json::from_str(w).unwrap();
        assert!(!both(op, operand.clone(), value), "{op} against {w}");
    }
}

#[test]
fn string_comparisons() {
    let s = |x: &str| json!(x);
    assert!(both("StringEquals", s("abc"), s("abc")));
    assert!(!both("StringEquals", s("abc"), s("abd")));
    assert!(!both("StringEquals", s("abc"), s("ABC")));
    assert!(both("StringLessThan", s("b"), s("a")));
    assert!(!both("StringLessThan", s("a"), s("a")));
    assert!(both("StringGreaterThan", s("a"), s("b")));
    assert!(!both("StringGreaterThan", s("ab"), s("a")));
    assert!(both("StringLessThanEquals", s("a"), s("a")));
    assert!(!both("StringLessThanEquals", s("a"), s("b")));
    assert!(both("StringGreaterThanEquals", s("a"), s("a")));
    assert!(!both("StringGreaterThanEquals", s("b"), s("a")));
    for op in ["StringEquals", "StringLessThan", "StringGreaterThanEquals"] {
        wrong_types_are_false(op, s("0"), "\"x\"");
    }
    // A timestamp is still a string.
    assert!(both(
        "StringEquals",
        s("2016-03-14T01:59:00Z"),
        s("2016-03-14T01:59:00Z")
    ));
}

#[test]
fn numeric_comparisons() {
    assert!(both("NumericEquals", json!(1), json!(1.0)));
    assert!(both("NumericEquals", json!(2.22), json!(2.22)));
    assert!(!both("NumericEquals", json!(1), json!(1.1)));
    assert!(both("NumericLessThan", json!(1), json!(0)));
    assert!(!both("NumericLessThan", json!(1), json!(1)));
    assert!(both("NumericGreaterThan", json!(-1.5), json!(0)));
    assert!(!both("NumericGreaterThan", json!(0), json!(0.0)));
    assert!(both("NumericLessThanEquals", json!(0), json!(0.0)));
    assert!(!both("NumericLessThanEquals", json!(0), json!(1)));
    assert!(both("NumericGreaterThanEquals", json!(1e3), json!(1000)));
    assert!(!both("NumericGreaterThanEquals", json!(1), json!(0)));
    for op in [
        "NumericEquals",
        "NumericLessThan",
        "NumericGreaterThanEquals",
    ] {
        wrong_types_are_false(op, json!(0), "0");
    }
    assert!(!both("NumericEquals", json!(0), json!("0")));
    assert!(!both("NumericEquals", json!(0), json!(false)));
}

#[test]
fn timestamp_comparisons() {
    let t1 = json!("2012-10-09T19:00:55Z");
    let t2 = json!("2012-10-09T19:00:56Z");
    assert!(both("TimestampEquals", t1.clone(), t1.clone()));
    assert!(both(
        "TimestampEquals",
        t1.clone(),
        json!("2012-10-09T20:00:55+01:00")
    ));
    assert!(both(
        "TimestampEquals",
        t1.clone(),
        json!("2012-10-09T19:00:55.000Z")
    ));
    assert!(!both("TimestampEquals", t1.clone(), t2.clone()));
    assert!(both("TimestampLessThan", t2.clone(), t1.clone()));
    assert!(!both("TimestampLessThan", t1.clone(), t2.clone()));
    assert!(both("TimestampGreaterThan", t1.clone(), t2.clone()));
    assert!(!both("TimestampGreaterThan", t1.clone(), t1.clone()));
    assert!(both("TimestampLessThanEquals", t1.clone(), t1.clone()));
    assert!(!both("TimestampLessThanEquals", t1.clone(), t2.clone()));
    assert!(both("TimestampGreaterThanEquals", t1.clone(), t1.clone()));
    assert!(!both("TimestampGreaterThanEquals", t2, t1.clone()));
    for op in [
        "TimestampEquals",
        "TimestampLessThan",
        "TimestampGreaterThanEquals",
    ] {
        wrong_types_are_false(op, t1.clone(), "");
        for not_a_timestamp in [
            "2012-10-09T19:00:55",
            "2012-10-09",
            "2023-02-24 12:15:56.832957",
        ] {
            assert!(!both(op, t1.clone(), json!(not_a_timestamp)));
        }
    }
    // A `…Path` operand that is not a timestamp is false too.
    assert!(!test_path("TimestampEquals", json!("yesterday"), t1));
}

#[test]
fn boolean_equals() {
    assert!(both("BooleanEquals", json!(true), json!(true)));
    assert!(both("BooleanEquals", json!(false), json!(false)));
    assert!(!both("BooleanEquals", json!(true), json!(false)));
    wrong_types_are_false("BooleanEquals", json!(false), "true");
    assert!(!both("BooleanEquals", json!(false), json!(0)));
    assert!(!both("BooleanEquals", json!(true), json!("true")));
    // BooleanEqualsPath whose operand is not a boolean is false.
    assert!(!test_path("BooleanEquals", json!("true"), json!(true)));
}

#[test]
fn string_matches() {
    assert!(test("StringMatches", json!("foo*.log"), json!("foo23.log")));
    assert!(!test(
        "StringMatches",
        json!("foo*.log"),
        json!("foo23.txt")
    ));
    assert!(test("StringMatches", json!(r"a\*"), json!("a*")));
    assert!(!test("StringMatches", json!(r"a\*"), json!("ab")));
    assert!(!test("StringMatches", json!("*"), json!(1)));
    assert!(!test("StringMatches", json!("*"), json!(null)));
}

#[test]
fn type_tests() {
    let cases = [
        ("IsNull", json!(null), json!(0)),
        ("IsNumeric", json!(1.5), json!("1.5")),
        ("IsString", json!(""), json!(["a"])),
        ("IsBoolean", json!(false), json!("false")),
        (
            "IsTimestamp",
            json!("2016-03-14T01:59:00Z"),
            json!("2016-03-14T01:59:00"),
        ),
        ("IsPresent", json!(null), json!(false)),
    ];
    for (op, yes, no) in cases {
        assert!(test(op, json!(true), yes.clone()), "{op}: {yes}");
        assert!(!test(op, json!(false), yes.clone()), "{op}: {yes}");
        if op != "IsPresent" {
            assert!(!test(op, json!(true), no.clone()), "{op}: {no}");
            assert!(test(op, json!(false), no.clone()), "{op}: {no}");
        }
    }
    assert!(!test("IsTimestamp", json!(true), json!(1_600_000_000)));
}

#[test]
fn missing_variable_fails_except_is_present() {
    let input = json!({"other": 1});
    for (op, operand) in [
        ("StringEquals", json!("a")),
        ("NumericEquals", json!(1)),
        ("NumericLessThanPath", json!("$.other")),
        ("TimestampEquals", json!("2016-03-14T01:59:00Z")),
        ("BooleanEquals", json!(true)),
        ("StringMatches", json!("*")),
        ("IsNull", json!(true)),
        ("IsNumeric", json!(false)),
        ("IsString", json!(false)),
        ("IsBoolean", json!(false)),
        ("IsTimestamp", json!(false)),
    ] {
        let failure =
            eval(json!({"Variable": "$.missing", op: operand}), input.clone()).unwrap_err();
        assert_eq!(failure.error, ErrorName::Runtime, "{op}");
        assert_eq!(
            failure.cause.as_deref(),
            Some(
                "Invalid path '$.missing': The choice state's condition path references an invalid value."
            )
        );
    }
    let present = |expected: bool, path: &str| {
        eval(
            json!({"Variable": path, "IsPresent": expected}),
            input.clone(),
        )
        .unwrap()
    };
    assert!(present(false, "$.missing"));
    assert!(!present(true, "$.missing"));
    assert!(present(true, "$.other"));
    assert!(present(false, "$.other.deeper"));
    assert!(present(true, "$"));
}

#[test]
fn missing_path_operand_fails() {
    let rule = json!({"Variable": "$.v", "StringEqualsPath": "$.nope"});
    let failure = eval(rule, json!({"v": "a"})).unwrap_err();
    assert_eq!(failure.error, ErrorName::Runtime);
    assert!(failure.cause.unwrap().starts_with("Invalid path '$.nope'"));
    // The operand is read even when the variable has the wrong type.
    let rule = json!({"Variable": "$.v", "NumericEqualsPath": "$.nope"});
    assert!(eval(rule, json!({"v": "a"})).is_err());
}

#[test]
fn context_object_paths() {
    let rule = json!({"Variable": "$$.Execution.Name", "StringEquals": "exec-1"});
    assert!(eval(rule, json!({})).unwrap());
    let rule = json!({"Variable": "$.n", "NumericEqualsPath": "$$.Execution.Input.n"});
    assert!(eval(rule, json!({"n": 3})).unwrap());
}

#[test]
fn logic_and_short_circuit() {
    let t = json!({"Variable": "$.a", "IsPresent": true});
    let f = json!({"Variable": "$.a", "IsPresent": false});
    let boom = json!({"Variable": "$.missing", "IsNull": true});
    let input = json!({"a": 1});
    assert!(eval(json!({"And": [t, t]}), input.clone()).unwrap());
    assert!(!eval(json!({"And": [t, f]}), input.clone()).unwrap());
    assert!(!eval(json!({"And": [f, boom]}), input.clone()).unwrap());
    assert!(eval(json!({"And": [t, boom]}), input.clone()).is_err());
    assert!(eval(json!({"Or": [f, t]}), input.clone()).unwrap());
    assert!(!eval(json!({"Or": [f, f]}), input.clone()).unwrap());
    assert!(eval(json!({"Or": [t, boom]}), input.clone()).unwrap());
    assert!(eval(json!({"Or": [f, boom]}), input.clone()).is_err());
    assert!(eval(json!({"Not": f}), input.clone()).unwrap());
    assert!(!eval(json!({"Not": {"Not": f}}), input.clone()).unwrap());
    // The usual guard: IsPresent before a comparison.
    let guarded = json!({"And": [{"Variable": "$.x", "IsPresent": true},
                                 {"Variable": "$.x", "NumericGreaterThan": 0}]});
    assert!(!eval(guarded, input).unwrap());
}

#[test]
fn choose_takes_the_first_match_then_default() {
    let parse_top = |v: Value| {
        let mut d = Diagnostics::new();
        ChoiceRule::parse(&v, &Loc::root(), true, &mut d).unwrap()
    };
    let (r1, n1) = parse_top(json!({"Variable": "$.n", "NumericLessThan": 0, "Next": "Neg"}));
    let (r2, n2) = parse_top(json!({"Variable": "$.n", "NumericLessThan": 10, "Next": "Small"}));
    let choices = vec![(r1, n1.unwrap()), (r2, n2.unwrap())];
    let ctx = json!({});
    let run = |input: Value, default| {
        choose(&choices, default, &Env::new(&input, &ctx)).map(str::to_owned)
    };
    assert_eq!(run(json!({"n": -1}), None).unwrap(), "Neg");
    assert_eq!(run(json!({"n": 5}), None).unwrap(), "Small");
    assert_eq!(run(json!({"n": 50}), Some("Big")).unwrap(), "Big");
    let failure = run(json!({"n": 50}), None).unwrap_err();
    assert_eq!(failure, Failure::runtime(NO_CHOICE_MATCHED_CAUSE));
    assert!(run(json!({}), Some("Big")).is_err());
}
