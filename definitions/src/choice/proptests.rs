//! Property tests: parsing and evaluation never panic, and `StringMatches` agrees with a
//! naive reference matcher.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use super::pattern::{DanglingEscape, Pattern};
use super::*;

const KEYS: &[&str] = &[
    "Variable",
    "Next",
    "Comment",
    "And",
    "Or",
    "Not",
    "Assign",
    "Condition",
    "a",
    "b",
    "StringEquals",
    "StringLessThanPath",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThanEqualsPath",
    "BooleanEquals",
    "BooleanEqualsPath",
    "TimestampEquals",
    "TimestampLessThanEqualsPath",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
];

const STRINGS: &[&str] = &[
    "$",
    "$.a",
    "$.b",
    "$.a.b",
    "$.a[0]",
    "$['a']",
    "$$.Execution.Input.a",
    "$.a[*]",
    "$..a",
    "$x",
    "a",
    "$.",
    "",
    "*",
    "\\",
    "a\\*",
    "a*b",
    "2016-03-14T01:59:00Z",
    "2016-03-14T01:59:00.5+01:00",
    "2016-03-14 01:59:00",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(STRINGS).prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((select(KEYS).prop_map(String::from), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn timestamp() -> impl Strategy<Value = Value> {
    (0i64..4_000_000_000, 0u32..3, -2i32..3).prop_map(|(secs, frac, offset_hours)| {
        let utc = chrono::DateTime::from_timestamp(secs, frac * 250_000_000).unwrap();
        let offset = chrono::FixedOffset::east_opt(offset_hours * 3600).unwrap();
        Value::from(
            utc.with_timezone(&offset)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        )
    })
}

/// A data-test rule that parses without problems.
fn data_test() -> impl Strategy<Value = Value> {
    let var = select(&["$", "$.a", "$.b", "$.a.b", "$.a[0]", "$$.Execution.Input.b"][..]);
    let path_op = select(
        &[
            "StringEqualsPath",
            "StringLessThanPath",
            "NumericEqualsPath",
            "NumericGreaterThanPath",
            "BooleanEqualsPath",
            "TimestampEqualsPath",
            "TimestampGreaterThanEqualsPath",
        ][..],
    );
    let operator = prop_oneof![
        (
            select(&["StringEquals", "StringLessThan", "StringGreaterThanEquals"][..]),
            "[ab]{0,3}"
        )
            .prop_map(|(op, s)| (op, Value::from(s))),
        (
            select(
                &[
                    "NumericEquals",
                    "NumericLessThanEquals",
                    "NumericGreaterThan"
                ][..]
            ),
            -3i64..3
        )
            .prop_map(|(op, n)| (op, Value::from(n))),
        (
            select(
                &[
                    "TimestampEquals",
                    "TimestampLessThan",
                    "TimestampGreaterThan"
                ][..]
            ),
            timestamp()
        ),
        any::<bool>().prop_map(|b| ("BooleanEquals", Value::from(b))),
        (
            select(
                &[
                    "IsNull",
                    "IsPresent",
                    "IsNumeric",
                    "IsString",
                    "IsBoolean",
                    "IsTimestamp"
                ][..]
            ),
            any::<bool>()
        )
            .prop_map(|(op, b)| (op, Value::from(b))),
        "([ab*]|\\\\\\*|\\\\\\\\){0,5}".prop_map(|p| ("StringMatches", Value::from(p))),
        (path_op, select(&["$.a", "$.b", "$.a.b", "$"][..]))
            .prop_map(|(op, p)| (op, Value::from(p))),
    ];
    (var, operator).prop_map(|(var, (op, operand))| json!({"Variable": var, op: operand}))
}

fn valid_rule() -> impl Strategy<Value = Value> {
    data_test().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(|r| json!({"And": r})),
            prop::collection::vec(inner.clone(), 1..4).prop_map(|r| json!({"Or": r})),
            inner.prop_map(|r| json!({"Not": r})),
        ]
    })
}

fn input() -> impl Strategy<Value = Value> {
    let value = prop_oneof![arb_json(), timestamp(), "[ab]{0,3}".prop_map(Value::from)];
    (prop::option::of(value.clone()), prop::option::of(value)).prop_map(|(a, b)| {
        let mut m = Map::new();
        if let Some(a) = a {
            m.insert("a".into(), a);
        }
        if let Some(b) = b {
            m.insert("b".into(), b);
        }
        Value::Object(m)
    })
}

/// Whether the pattern text ends in a backslash that escapes nothing.
fn reference_dangling(p: &[char]) -> bool {
    let mut i = 0;
    while i < p.len() {
        if p[i] == '\\' {
            if i + 1 == p.len() {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The obvious exponential definition of `StringMatches`, straight from the pattern text.
fn reference_matches(p: &[char], s: &[char]) -> bool {
    match p {
        [] => s.is_empty(),
        ['*', rest @ ..] => (0..=s.len()).any(|k| reference_matches(rest, &s[k..])),
        ['\\', c, rest @ ..] | [c, rest @ ..] => {
            s.first() == Some(c) && reference_matches(rest, &s[1..])
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics(value in arb_json(), top_level in any::<bool>(), input in arb_json()) {
        let mut d = Diagnostics::new();
        let parsed = ChoiceRule::parse(&value, &Loc::root().at("r"), top_level, &mut d);
        prop_assert_eq!(parsed.is_some(), !d.has_errors());
        if let Some((rule, next)) = parsed {
            prop_assert_eq!(next.is_some(), top_level);
            let _ = rule.eval(&Env::new(&input, &input));
        }
    }

    #[test]
    fn eval_never_panics(rule in valid_rule(), input in input()) {
        let mut d = Diagnostics::new();
        let parsed = ChoiceRule::parse(&rule, &Loc::root(), false, &mut d);
        prop_assert!(d.items().is_empty(), "{} {:?}", rule, d.items());
        let (rule, _) = parsed.unwrap();
        let context = json!({"Execution": {"Input": input}});
        let env = Env::new(&input, &context);
        let result = rule.eval(&env);
        if let Err(failure) = &result {
            prop_assert_eq!(&failure.error, &crate::error::ErrorName::Runtime);
        }
        let negated = ChoiceRule { node: Node::Not(Box::new(rule)) };
        prop_assert_eq!(negated.eval(&env).map(|b| !b), result);
    }

    #[test]
    fn string_matches_agrees_with_reference(p in "[ab*\\\\]{0,8}", s in "[ab*\\\\]{0,10}") {
        let pc: Vec<char> = p.chars().collect();
        let sc: Vec<char> = s.chars().collect();
        let expected = if reference_dangling(&pc) {
            Err(DanglingEscape)
        } else {
            Ok(reference_matches(&pc, &sc))
        };
        let actual = Pattern::compile(&p).map(|pattern| pattern.matches(&s));
        prop_assert_eq!(actual, expected, "pattern {:?} on {:?}", p, s);
    }
}
