//! Definition errors: each is reported with its JSON Pointer, and a broken rule is `None`.

use serde_json::{Value, json};

use super::*;
use crate::diagnostics::Code;

const AT: &str = "/States/Pick/Choices/0";

fn loc() -> Loc {
    Loc::root().at("States").at("Pick").at("Choices").at(0)
}

/// Parses a top-level rule and returns `(code, location)` of every problem.
fn problems(rule: Value) -> Vec<(Code, String)> {
    let mut d = Diagnostics::new();
    let parsed = ChoiceRule::parse(&rule, &loc(), true, &mut d);
    let items: Vec<(Code, String)> = d
        .items()
        .iter()
        .map(|i| (i.code, i.location.clone()))
        .collect();
    assert_eq!(
        parsed.is_none(),
        !items.is_empty(),
        "{rule}: {:?}",
        d.items()
    );
    items
}

fn one(rule: Value, code: Code, at: &str) {
    assert_eq!(
        problems(rule.clone()),
        vec![(code, format!("{AT}{at}"))],
        "{rule}"
    );
}

const SCHEMA: Code = Code::SchemaValidationFailed;

#[test]
fn valid_rules_return_next() {
    let mut d = Diagnostics::new();
    let rule = json!({"Variable": "$.a", "StringEquals": "x", "Next": "N", "Comment": "c"});
    let (_, next) = ChoiceRule::parse(&rule, &loc(), true, &mut d).unwrap();
    assert_eq!(next.as_deref(), Some("N"));
    let nested = json!({"Not": {"Variable": "$$.Execution.Id", "IsPresent": true}});
    let (_, next) = ChoiceRule::parse(&nested, &loc(), false, &mut d).unwrap();
    assert_eq!(next, None);
    assert!(d.items().is_empty());
    for rule in [
        json!({"Variable": "$", "IsNull": false, "Next": "N"}),
        json!({"Variable": "$['a b'][0]", "NumericEqualsPath": "$.b", "Next": "N"}),
        json!({"Variable": "$.a", "TimestampLessThan": "2016-03-14T01:59:00.5+01:00", "Next": "N"}),
        json!({"Variable": "$.a", "StringMatches": r"log-\*-\\*", "Next": "N"}),
        json!({"Or": [{"Variable": "$.a", "BooleanEquals": true},
                      {"And": [{"Variable": "$.b", "IsString": true}]}], "Next": "N"}),
    ] {
        assert_eq!(problems(rule), vec![]);
    }
}

#[test]
fn top_level_needs_next_and_nested_must_not_have_it() {
    one(json!({"Variable": "$.a", "IsNull": true}), SCHEMA, "");
    one(
        json!({"Variable": "$.a", "IsNull": true, "Next": 3}),
        SCHEMA,
        "/Next",
    );
    one(
        json!({"Not": {"Variable": "$.a", "IsNull": true, "Next": "X"}, "Next": "N"}),
        SCHEMA,
        "/Not/Next",
    );
    one(
        json!({"And": [{"Variable": "$.a", "IsNull": true},
                       {"Variable": "$.b", "IsNull": true, "Next": "X"}], "Next": "N"}),
        SCHEMA,
        "/And/1/Next",
    );
}

#[test]
fn exactly_one_operator() {
    one(json!({"Variable": "$.a", "Next": "N"}), SCHEMA, "");
    one(json!({"Next": "N"}), SCHEMA, "");
    one(
        json!({"Variable": "$.a", "StringEquals": "x", "IsNull": true, "Next": "N"}),
        SCHEMA,
        "/IsNull",
    );
    one(
        json!({"And": [{"Variable": "$.a", "IsNull": true}], "Not": {"Variable": "$.a", "IsNull": true}, "Next": "N"}),
        SCHEMA,
        "/Not",
    );
    one(
        json!({"And": [{"Variable": "$.b", "IsNull": true}], "Variable": "$.a", "Next": "N"}),
        SCHEMA,
        "/Variable",
    );
}

#[test]
fn variable_must_be_a_reference_path() {
    one(json!({"StringEquals": "x", "Next": "N"}), SCHEMA, "");
    one(
        json!({"Variable": 1, "StringEquals": "x", "Next": "N"}),
        SCHEMA,
        "/Variable",
    );
    one(
        json!({"Variable": "a", "StringEquals": "x", "Next": "N"}),
        Code::InvalidJsonPath,
        "/Variable",
    );
    one(
        json!({"Variable": "$.a[*]", "StringEquals": "x", "Next": "N"}),
        Code::InvalidJsonPath,
        "/Variable",
    );
    one(
        json!({"Variable": "$.a.", "StringEquals": "x", "Next": "N"}),
        Code::InvalidJsonPath,
        "/Variable",
    );
    // Variables (`$name`) are paths too; a name may not start with a digit.
    assert!(problems(json!({"Variable": "$myVar", "StringEquals": "x", "Next": "N"})).is_empty());
    assert!(
        problems(json!({"Variable": "$.a", "StringEqualsPath": "$other", "Next": "N"})).is_empty()
    );
    one(
        json!({"Variable": "$9a", "StringEquals": "x", "Next": "N"}),
        Code::InvalidJsonPath,
        "/Variable",
    );
    one(
        json!({"Variable": "$.a", "StringEqualsPath": "x", "Next": "N"}),
        Code::InvalidJsonPath,
        "/StringEqualsPath",
    );
    one(
        json!({"Variable": "$.a", "NumericEqualsPath": 3, "Next": "N"}),
        SCHEMA,
        "/NumericEqualsPath",
    );
}

#[test]
fn operand_types() {
    for (op, bad) in [
        ("StringEquals", json!(1)),
        ("StringLessThanEquals", json!(null)),
        ("NumericEquals", json!("1")),
        ("NumericGreaterThan", json!(true)),
        ("BooleanEquals", json!("true")),
        ("TimestampEquals", json!(1)),
        ("TimestampEquals", json!("2016-03-14")),
        ("TimestampGreaterThanEquals", json!("2016-03-14t01:59:00z")),
        ("TimestampLessThan", json!("2016-13-14T01:59:00Z")),
        ("IsNull", json!("true")),
        ("IsPresent", json!(1)),
        ("IsTimestamp", json!(null)),
        ("StringMatches", json!(1)),
        ("StringMatches", json!(r"abc\")),
    ] {
        one(
            json!({"Variable": "$.a", op: bad, "Next": "N"}),
            SCHEMA,
            &format!("/{op}"),
        );
    }
}

#[test]
fn logic_operands() {
    one(json!({"And": [], "Next": "N"}), SCHEMA, "/And");
    one(json!({"Or": {}, "Next": "N"}), SCHEMA, "/Or");
    one(json!({"Not": [], "Next": "N"}), SCHEMA, "/Not");
    one(json!({"Not": "x", "Next": "N"}), SCHEMA, "/Not");
    one(json!({"Or": [1], "Next": "N"}), SCHEMA, "/Or/0");
    one(
        json!({"Or": [{"Variable": "$.a", "IsNull": true}, {"Variable": "$.a", "NumericEquals": "1"}], "Next": "N"}),
        SCHEMA,
        "/Or/1/NumericEquals",
    );
    one(
        json!({"Not": {"And": [{"Not": {"Variable": "$.a", "Bogus": 1, "IsNull": true}}]}, "Next": "N"}),
        SCHEMA,
        "/Not/And/0/Not/Bogus",
    );
}

#[test]
fn unknown_and_unsupported_fields() {
    one(
        json!({"Variable": "$.a", "IsNull": true, "Next": "N", "Extra": 1}),
        SCHEMA,
        "/Extra",
    );
    one(
        json!({"Variable": "$.a", "IsNull": true, "Next": "N", "Comment": 1}),
        SCHEMA,
        "/Comment",
    );
    let nested_assign =
        json!({"Not": {"Variable": "$.a", "IsNull": true, "Assign": {}}, "Next": "N"});
    one(nested_assign, SCHEMA, "/Not/Assign");
}

#[test]
fn unknown_operators_leave_the_rule_without_one() {
    let at = |s: &str| format!("{AT}{s}");
    // Near an operator: one error, suggesting it (not "needs one operator" as well).
    assert_eq!(
        problems(json!({"Variable": "$.a", "StringMatchesPath": "$.b", "Next": "N"})),
        vec![(SCHEMA, at("/StringMatchesPath"))]
    );
    assert_eq!(
        problems(json!({"Variable": "$.a", "StringContains": "$.b", "Next": "N"})),
        vec![(SCHEMA, at("/StringContains")), (SCHEMA, at(""))]
    );
    assert_eq!(
        problems(json!({"Condition": "{% true %}", "Next": "N"})),
        vec![(Code::Unsupported, at("/Condition")), (SCHEMA, at(""))]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let rule = json!({
        "And": [
            {"Variable": "$.a", "NumericEquals": "x"},
            {"Variable": "nope", "IsNull": true, "Next": "X"},
            {"Variable": "$.c", "TimestampEquals": "today"}
        ],
        "Extra": true
    });
    let mut found = problems(rule);
    found.sort_by(|a, b| a.1.cmp(&b.1));
    let at = |s: &str| format!("{AT}{s}");
    assert_eq!(
        found,
        vec![
            (SCHEMA, at("")),
            (SCHEMA, at("/And/0/NumericEquals")),
            (SCHEMA, at("/And/1/Next")),
            (Code::InvalidJsonPath, at("/And/1/Variable")),
            (SCHEMA, at("/And/2/TimestampEquals")),
            (SCHEMA, at("/Extra")),
        ]
    );
}

#[test]
fn nesting_depth_is_bounded() {
    let mut rule = json!({"Variable": "$.a", "IsNull": true});
    for _ in 0..parse::MAX_DEPTH {
        rule = json!({"Not": rule});
    }
    let mut d = Diagnostics::new();
    assert!(ChoiceRule::parse(&rule, &Loc::root(), false, &mut d).is_some());
    let deeper = json!({"Not": rule});
    assert!(ChoiceRule::parse(&deeper, &Loc::root(), false, &mut d).is_none());
    assert_eq!(d.items().len(), 1);
}

#[test]
fn not_an_object() {
    one(json!([]), SCHEMA, "");
    one(json!("rule"), SCHEMA, "");
}
