use serde_json::json;

use super::{fails, ok};

#[test]
fn array_builds_from_any_values() {
    let input = json!({"a": {"b": [1]}, "s": "x"});
    assert_eq!(
        ok("States.Array($.a, $.s, 1, null)", &input),
        json!([{"b": [1]}, "x", 1, null])
    );
    assert_eq!(ok("States.Array(States.Array())", &input), json!([[]]));
    fails(
        "States.Array($.missing)",
        &input,
        "The JsonPath argument for the field '$.missing' could not be found in the input '{\"a\":{\"b\":[1]},\"s\":\"x\"}'",
    );
    fails(
        "States.Array($$.Nope)",
        &input,
        "could not be found in the context object",
    );
}

#[test]
fn partition() {
    let input = json!({"a": [1, 2, 3, 4, 5], "e": [], "n": 2, "zero": 0, "f": 2.5, "s": "x"});
    assert_eq!(
        ok("States.ArrayPartition($.a, 2)", &input),
        json!([[1, 2], [3, 4], [5]])
    );
    assert_eq!(
        ok("States.ArrayPartition($.a, $.n)", &input),
        json!([[1, 2], [3, 4], [5]])
    );
    assert_eq!(
        ok("States.ArrayPartition($.a, 9)", &input),
        json!([[1, 2, 3, 4, 5]])
    );
    assert_eq!(
        ok("States.ArrayPartition($.a, 9223372036854775807)", &input),
        json!([[1, 2, 3, 4, 5]])
    );
    assert_eq!(ok("States.ArrayPartition($.e, 3)", &input), json!([]));
    assert_eq!(
        ok("States.ArrayPartition($.a, 2.0)", &input),
        json!([[1, 2], [3, 4], [5]])
    );
    fails(
        "States.ArrayPartition($.a, $.zero)",
        &input,
        "chunk size (argument 2 of States.ArrayPartition) must be greater than 0, but it is 0",
    );
    fails(
        "States.ArrayPartition($.a, $.f)",
        &input,
        "argument 2 of States.ArrayPartition must be an integer, but it is the number 2.5",
    );
    fails(
        "States.ArrayPartition($.s, 1)",
        &input,
        "argument 1 of States.ArrayPartition must be an array, but it is the string \"x\"",
    );
    fails(
        "States.ArrayPartition($.a, $.s)",
        &input,
        "must be an integer",
    );
}

#[test]
fn contains_uses_deep_equality() {
    let input = json!({"a": [[1, 2], {"k": 1, "j": [null]}, 1, "s", true, null], "o": {"j": [null], "k": 1}});
    assert_eq!(ok("States.ArrayContains($.a, $.a[0])", &input), json!(true));
    assert_eq!(ok("States.ArrayContains($.a, $.o)", &input), json!(true));
    assert_eq!(ok("States.ArrayContains($.a, 1)", &input), json!(true));
    assert_eq!(ok("States.ArrayContains($.a, 1.0)", &input), json!(false));
    assert_eq!(ok("States.ArrayContains($.a, 's')", &input), json!(true));
    assert_eq!(ok("States.ArrayContains($.a, null)", &input), json!(true));
    assert_eq!(ok("States.ArrayContains($.a, false)", &input), json!(false));
    assert_eq!(
        ok("States.ArrayContains($.a[0], States.Array(1))", &input),
        json!(false)
    );
    fails(
        "States.ArrayContains($.o, 1)",
        &input,
        "must be an array, but it is the object {\"j\":[null],\"k\":1}",
    );
}

#[test]
fn range() {
    let input = json!({"big": 9223372036854775807_i64, "small": -9223372036854775807_i64, "f": 1.5, "zero": 0});
    assert_eq!(
        ok("States.ArrayRange(1, 9, 2)", &input),
        json!([1, 3, 5, 7, 9])
    );
    assert_eq!(
        ok("States.ArrayRange(0, 10, 3)", &input),
        json!([0, 3, 6, 9])
    );
    assert_eq!(ok("States.ArrayRange(5, 5, 1)", &input), json!([5]));
    assert_eq!(ok("States.ArrayRange(5, 1, 1)", &input), json!([]));
    assert_eq!(ok("States.ArrayRange(5, 1, -2)", &input), json!([5, 3, 1]));
    assert_eq!(
        ok("States.ArrayRange(1, 1000, 1)", &input)
            .as_array()
            .map(Vec::len),
        Some(1000)
    );
    assert_eq!(
        ok("States.ArrayRange($.big, $.big, 1)", &input),
        json!([9223372036854775807_i64])
    );
    fails(
        "States.ArrayRange(1, 1001, 1)",
        &input,
        "the range would have 1001 items, but States.ArrayRange returns at most 1000",
    );
    fails(
        "States.ArrayRange($.small, $.big, 1)",
        &input,
        "returns at most 1000",
    );
    fails(
        "States.ArrayRange(1, 5, $.zero)",
        &input,
        "the step (argument 3 of States.ArrayRange) must not be 0",
    );
    fails(
        "States.ArrayRange(1, $.f, 1)",
        &input,
        "argument 2 of States.ArrayRange must be an integer, but it is the number 1.5",
    );
    fails(
        "States.ArrayRange(1, $.nope, 1)",
        &input,
        "'$.nope' could not be found",
    );
}

#[test]
fn get_item() {
    let input =
        json!({"a": ["x", {"y": 1}], "i": 1, "neg": -1, "f": 0.5, "big": 18446744073709551615_u64});
    assert_eq!(ok("States.ArrayGetItem($.a, 0)", &input), json!("x"));
    assert_eq!(ok("States.ArrayGetItem($.a, $.i)", &input), json!({"y": 1}));
    fails(
        "States.ArrayGetItem($.a, 2)",
        &input,
        "the index 2 is out of bounds for an array of 2 items",
    );
    fails(
        "States.ArrayGetItem($.a, $.neg)",
        &input,
        "the index -1 is out of bounds",
    );
    fails(
        "States.ArrayGetItem($.a, $.f)",
        &input,
        "must be an integer, but it is the number 0.5",
    );
    fails(
        "States.ArrayGetItem($.a, $.big)",
        &input,
        "is out of range: the number 18446744073709551615",
    );
    fails(
        "States.ArrayGetItem($.i, 0)",
        &input,
        "must be an array, but it is the number 1",
    );
    fails(
        "States.ArrayGetItem(States.Array(), 0)",
        &input,
        "out of bounds for an array of 0 items",
    );
}

#[test]
fn length_and_unique() {
    let input = json!({"a": [null, null, true, true, false, 1, 1, 1.0, 0, -0.0, 0.0, "h", "h", [], [], [null], [null],
        {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1, "b": 1}], "s": "abc"});
    assert_eq!(ok("States.ArrayLength($.a)", &input), json!(20));
    assert_eq!(ok("States.ArrayLength(States.Array())", &input), json!(0));
    assert_eq!(
        ok("States.ArrayUnique($.a)", &input),
        json!([null, true, false, 1, 1.0, 0, -0.0, "h", [], [null], {"a": 1, "b": 2}, {"a": 1, "b": 1}])
    );
    assert_eq!(ok("States.ArrayUnique(States.Array())", &input), json!([]));
    fails(
        "States.ArrayLength($.s)",
        &input,
        "argument 1 of States.ArrayLength must be an array, but it is the string \"abc\"",
    );
    fails("States.ArrayUnique($.s)", &input, "must be an array");
    fails("States.ArrayLength($.none)", &input, "could not be found");
}

#[test]
fn unique_handles_many_items_quickly() {
    let items: Vec<i64> = (0..100_000).map(|i| i % 1000).collect();
    let input = json!({"a": items});
    let out = ok("States.ArrayUnique($.a)", &input);
    assert_eq!(out.as_array().map(Vec::len), Some(1000));
}
