use serde_json::json;

use super::{ok, rejected};
use crate::intrinsics::{Intrinsic, MAX_DEPTH, looks_like_intrinsic};

#[test]
fn recognises_intrinsic_text() {
    assert!(looks_like_intrinsic("States.Array()"));
    assert!(looks_like_intrinsic("  \n States.Format('x')"));
    assert!(!looks_like_intrinsic("$.a"));
    assert!(!looks_like_intrinsic("states.Array()"));
    assert!(!looks_like_intrinsic(""));
}

#[test]
fn keeps_text_and_knows_string_results() {
    let i = Intrinsic::parse("States.Format('{}', $.a)").unwrap();
    assert_eq!(i.text(), "States.Format('{}', $.a)");
    assert_eq!(i.to_string(), i.text());
    assert_eq!(i.name(), "States.Format");
    for call in [
        "States.Format('x')",
        "States.JsonToString($)",
        "States.ArrayGetItem($.a, 0)",
        "States.Base64Encode('x')",
        "States.Base64Decode('eA==')",
        "States.Hash('x', 'MD5')",
        "States.UUID()",
    ] {
        assert!(Intrinsic::parse(call).unwrap().returns_string(), "{call}");
    }
    for call in [
        "States.Array()",
        "States.MathAdd(1, 2)",
        "States.StringToJson('1')",
    ] {
        assert!(!Intrinsic::parse(call).unwrap().returns_string(), "{call}");
    }
}

#[test]
fn literals_whitespace_and_numbers() {
    let input = json!({});
    assert_eq!(
        ok(
            " States.Array( 1 , -2,1.5,\t2e3, -1.5E-2, 0, -0 ,true,false,null, 'a b' ) ",
            &input
        ),
        json!([1, -2, 1.5, 2000.0, -0.015, 0, 0, true, false, null, "a b"])
    );
    assert_eq!(ok("States.Array()", &input), json!([]));
    assert_eq!(ok("States.Array ( )", &input), json!([]));
    assert_eq!(
        ok("States.Array(99999999999999999999)", &input),
        json!([1e20])
    );
}

#[test]
fn string_escapes() {
    let input = json!({});
    assert_eq!(
        ok(r"States.Array('it\'s', 'a\\b', '\{\}')", &input),
        json!(["it's", "a\\b", "{}"])
    );
    // Other escapes are kept as written; a real newline is just a character.
    assert_eq!(
        ok(r#"States.Array('a\nb', 'q\"')"#, &input),
        json!(["a\\nb", "q\\\""])
    );
    assert_eq!(ok("States.Array('a\nb')", &input), json!(["a\nb"]));
    // Unescaped braces are fine outside States.Format.
    assert_eq!(
        ok("States.StringToJson('{\"a\": [1]}')", &input),
        json!({"a": [1]})
    );
}

#[test]
fn paths_end_at_top_level_comma_or_paren() {
    let input = json!({"a": {"x,y": 1, "p)q": 2, "list": [10, 20]}, "b c": 3, "items": [{"id": "i"}, {"id": "j"}]});
    assert_eq!(
        ok(
            "States.Array($.a['x,y'], $.a[\"p)q\"], $.a.list[0], $.a.list[-1], $['b c'] )",
            &input
        ),
        json!([1, 2, 10, 20, 3])
    );
    assert_eq!(
        ok("States.Array($.items[*].id)", &input),
        json!([["i", "j"]])
    );
    assert_eq!(
        ok("States.Array($.items[?(@.id == 'j')].id)", &input),
        json!([["j"]])
    );
    assert_eq!(
        ok("States.Array($, $$.Execution.Name)", &json!(1)),
        json!([1, "exec-1"])
    );
}

#[test]
fn nesting_is_limited() {
    let nest = |depth: usize| {
        let mut text = "States.Array(1)".to_owned();
        for _ in 1..depth {
            text = format!("States.Array({text})");
        }
        text
    };
    let deepest = ok(&nest(MAX_DEPTH), &json!({}));
    assert_eq!(
        deepest.to_string(),
        format!("{}1{}", "[".repeat(10), "]".repeat(10))
    );
    let err = rejected(&nest(MAX_DEPTH + 1), "nested at most 10 deep");
    assert_eq!(err.offset(), 13 * MAX_DEPTH);
    // Nesting far deeper is rejected too, without exhausting the stack.
    rejected(&nest(10_000), "nested at most 10 deep");
}

#[test]
fn syntax_errors_name_the_offset() {
    assert_eq!(
        rejected("States.Nope(1)", "unknown intrinsic function 'States.Nope'").offset(),
        7
    );
    assert_eq!(
        rejected("States.array()", "unknown intrinsic function").offset(),
        7
    );
    assert_eq!(rejected("Foo.Array()", "States.Name").offset(), 0);
    assert_eq!(rejected("States.Array(1", "missing ')'").offset(), 14);
    assert_eq!(
        rejected("States.Array(1) x", "unexpected text").offset(),
        16
    );
    assert_eq!(
        rejected("States.Array(1 2)", "expected ',' or ')'").offset(),
        15
    );
    assert_eq!(
        rejected("States.Array(1,)", "where an argument was expected").offset(),
        15
    );
    assert_eq!(
        rejected("States.Array('abc)", "unterminated string").offset(),
        13
    );
    rejected("States.Array('abc\\", "unterminated escape");
    rejected("States.Array", "expected '('");
    rejected("States.Array(yes)", "unexpected 'yes'");
    rejected("States.Array(truex)", "unexpected 'truex'");
    rejected("States.Array(#)", "unexpected '#'");
    rejected("States.Array(1.)", "after '.'");
    rejected("States.Array(-)", "expected digits");
    rejected("States.Array(1e)", "exponent");
    rejected("States.Array(1e999)", "out of range");
    rejected("States.Array(12abc)", "expected ',' or ')'");
    rejected("States.Array($.a[)", "invalid path");
    rejected("States.Array($.a.)", "invalid path '$.a.'");
    rejected("States.Array($9var)", "invalid path '$9var'");
    assert!(Intrinsic::parse("States.Array($var, $var.a[0])").is_ok());
    rejected("", "States.Name");
    // Offsets count characters, not bytes.
    assert_eq!(
        rejected("States.Format('é', 'x')", "placeholder").offset(),
        14
    );
    assert_eq!(
        rejected("States.Array('é', yes)", "unexpected").offset(),
        18
    );
}

#[test]
fn arity_and_literal_kinds_are_checked_at_parse_time() {
    rejected(
        "States.MathAdd(1)",
        "States.MathAdd takes exactly 2 arguments, but 1 was given",
    );
    rejected("States.UUID(1)", "exactly 0");
    rejected("States.Format()", "at least 1");
    rejected("States.MathRandom(1)", "2 to 3");
    rejected("States.StringToJson()", "exactly 1 argument,");
    assert_eq!(
        rejected(
            "States.MathAdd('a', 1)",
            "argument 1 of States.MathAdd must be a number, but the literal is a string"
        )
        .offset(),
        15
    );
    rejected(
        "States.MathAdd(1, null)",
        "argument 2 of States.MathAdd must be a number, but it is null",
    );
    rejected(
        "States.StringSplit(null, ',')",
        "must be a string, but it is null",
    );
    rejected("States.ArrayLength('abc')", "must be an array");
    rejected(
        "States.ArrayGetItem($.a, 1.5)",
        "must be an integer, but the literal is a number",
    );
    rejected(
        "States.ArrayRange(1, true, 1)",
        "must be an integer, but the literal is a boolean",
    );
    rejected("States.JsonMerge($.a, 'x', false)", "must be an object");
    rejected("States.JsonMerge($.a, $.b, 'no')", "must be a boolean");
    rejected("States.Format(1)", "must be a string");
    rejected("States.JsonToString('x')", "must be a path");
    rejected("States.JsonToString(States.Array())", "must be a path");
    // Nested calls are checked by what they return.
    rejected(
        "States.MathAdd(States.Format('1'), 1)",
        "but States.Format returns a string",
    );
    rejected(
        "States.ArrayLength(States.MathAdd(1, 2))",
        "States.MathAdd returns an integer",
    );
    Intrinsic::parse("States.MathAdd(States.ArrayLength($.a), States.StringToJson('1'))").unwrap();
    Intrinsic::parse("States.ArrayGetItem($.a, 2.0)").unwrap();
}

#[test]
fn impossible_literal_values_are_rejected_at_parse_time() {
    let err = rejected(
        "States.Format('{} and {}', $.a)",
        "2 placeholders '{}', but 1 value was given",
    );
    assert_eq!(err.offset(), 14);
    rejected(
        "States.Format('x', 1)",
        "0 placeholders '{}', but 1 value was given",
    );
    rejected(
        r"States.Format('\{\} {}')",
        "1 placeholder '{}', but 0 values were given",
    );
    Intrinsic::parse(r"States.Format('\{\} {}', 1)").unwrap();
    Intrinsic::parse("States.Format($.template, 1, 2, 3)").unwrap();
    assert_eq!(
        rejected("States.Hash($.a, 'MD6')", "unknown hash algorithm 'MD6'").offset(),
        17
    );
    rejected(
        "States.JsonMerge($.a, $.b, true)",
        "deep merge is not supported",
    );
    rejected(
        "States.ArrayRange(1, 5, 0)",
        "step of States.ArrayRange must not be 0",
    );
    rejected("States.ArrayPartition($.a, 0)", "greater than 0");
    rejected("States.ArrayPartition($.a, -2)", "greater than 0");
    rejected("States.ArrayGetItem($.a, -1)", "must not be negative");
}

#[test]
fn parsed_calls_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync + Clone + std::fmt::Debug>() {}
    shareable::<Intrinsic>();
    shareable::<crate::intrinsics::IntrinsicError>();
}
