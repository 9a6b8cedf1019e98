use serde_json::json;

use super::{fails, ok};

#[test]
fn format_prints_values_like_aws() {
    let input = json!({"s": "x", "n": null, "i": 1, "neg": -6, "f": 1.1, "whole": 1.0, "big": 1e20, "tiny": 0.00001,
        "mid": 1234567.5, "t": true, "o": {"Arg1": 1, "Arg2": [], "s": "v", "n": null, "o": {"k": [1.5, "a"]}}, "a": [1, "b", null]});
    assert_eq!(
        ok("States.Format('{}-{}-{}', $.s, $.n, $.t)", &input),
        json!("x-null-true")
    );
    assert_eq!(
        ok("States.Format('{} {} {}', $.i, $.neg, $.f)", &input),
        json!("1 -6 1.1")
    );
    assert_eq!(
        ok(
            "States.Format('{} {} {} {}', $.whole, $.big, $.tiny, $.mid)",
            &input
        ),
        json!("1.0 1.0E20 1.0E-5 1234567.5")
    );
    assert_eq!(
        ok("States.Format('{}', $.o)", &input),
        json!("{Arg1=1, Arg2=[], s=v, n=null, o={k=[1.5, a]}}")
    );
    assert_eq!(
        ok("States.Format('{}', $.a)", &input),
        json!("[1, b, null]")
    );
    assert_eq!(
        ok("States.Format('no placeholders')", &input),
        json!("no placeholders")
    );
    assert_eq!(ok("States.Format('{}{}', 'a', 2)", &input), json!("a2"));
    assert_eq!(
        ok("States.Format('{}', States.Array(1, 'x'))", &input),
        json!("[1, x]")
    );
}

#[test]
fn format_escapes_and_templates_from_paths() {
    let input = json!({"t": "Hello {}, {}!", "lone": "a { b } {}", "bad": 3, "name": "Ann"});
    assert_eq!(
        ok(r"States.Format('\{\} is {} \\ it\'s', 'x')", &input),
        json!("{} is x \\ it's")
    );
    assert_eq!(ok(r"States.Format('\{{}\}', 'x')", &input), json!("{x}"));
    assert_eq!(
        ok("States.Format($.t, $.name, 2)", &input),
        json!("Hello Ann, 2!")
    );
    assert_eq!(ok("States.Format($.lone, 1)", &input), json!("a { b } 1"));
    fails(
        "States.Format($.t, $.name)",
        &input,
        "the template has 2 placeholders '{}', but 1 value was given",
    );
    fails(
        "States.Format($.bad)",
        &input,
        "argument 1 of States.Format must be a string, but it is the number 3",
    );
    fails(
        "States.Format('{}', $.missing)",
        &input,
        "'$.missing' could not be found",
    );
}

#[test]
fn split() {
    let input = json!({"s": "This.is+a,test=string", "d": ".+,=", "n": 5});
    assert_eq!(
        ok("States.StringSplit($.s, $.d)", &input),
        json!(["This", "is", "a", "test", "string"])
    );
    assert_eq!(
        ok("States.StringSplit(',,a,,b,,', ',')", &input),
        json!(["a", "b"])
    );
    assert_eq!(ok("States.StringSplit(',,,', ',')", &input), json!([]));
    assert_eq!(ok("States.StringSplit('', ',')", &input), json!([]));
    assert_eq!(ok("States.StringSplit('abc', '')", &input), json!(["abc"]));
    assert_eq!(
        ok("States.StringSplit('aébéc', 'é')", &input),
        json!(["a", "b", "c"])
    );
    fails(
        "States.StringSplit($.n, ',')",
        &input,
        "argument 1 of States.StringSplit must be a string, but it is the number 5",
    );
    fails(
        "States.StringSplit('a', $.n)",
        &input,
        "argument 2 of States.StringSplit must be a string",
    );
}

#[test]
fn string_to_json() {
    let input = json!({"o": "{\"a\": [1, 2.5, \"x\"]}", "blank": " \n", "bad": "{oops", "n": 1, "trail": "1 2"});
    assert_eq!(
        ok("States.StringToJson($.o)", &input),
        json!({"a": [1, 2.5, "x"]})
    );
    assert_eq!(ok("States.StringToJson($.blank)", &input), json!(null));
    assert_eq!(ok("States.StringToJson('')", &input), json!(null));
    assert_eq!(ok("States.StringToJson(' -0 ')", &input), json!(0));
    assert!(ok("States.StringToJson('[-0]')", &input)[0].is_i64());
    assert!(ok("States.StringToJson('[0.0, -0.0]')", &input)[1].is_f64());
    assert_eq!(
        ok("States.StringToJson('[0.0]')", &input).to_string(),
        "[0.0]"
    );
    assert_eq!(ok("States.StringToJson('\"s\"')", &input), json!("s"));
    fails(
        "States.StringToJson($.bad)",
        &input,
        "the string is not valid JSON",
    );
    fails("States.StringToJson($.trail)", &input, "not valid JSON");
    fails(
        "States.StringToJson($.n)",
        &input,
        "must be a string, but it is the number 1",
    );
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    fails(
        "States.StringToJson($.d)",
        &json!({"d": deep}),
        "not valid JSON",
    );
}

#[test]
fn json_to_string() {
    let input = json!({"o": {"name": "Foo", "year": 2020, "f": 1.0, "e": 1e-7, "q": "a\"b\n\u{1}é"}, "n": null, "s": "x"});
    assert_eq!(
        ok("States.JsonToString($.o)", &input),
        json!(
            "{\"name\":\"Foo\",\"year\":2020,\"f\":1.0,\"e\":1.0E-7,\"q\":\"a\\\"b\\n\\u0001é\"}"
        )
    );
    assert_eq!(ok("States.JsonToString($.n)", &input), json!("null"));
    assert_eq!(ok("States.JsonToString($.s)", &input), json!("\"x\""));
    fails("States.JsonToString($.none)", &input, "could not be found");
}

#[test]
fn doubles_print_like_java() {
    use crate::intrinsics::java::double_to_string;
    let cases = [
        (1.0, "1.0"),
        (100.0, "100.0"),
        (1.1, "1.1"),
        (9_999_999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (123_456.789, "123456.789"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (-1.5e-10, "-1.5E-10"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1.0E21"),
        (1.234_5e100, "1.2345E100"),
        (f64::MAX, "1.7976931348623157E308"),
        (5e-324, "4.9E-324"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
    ];
    for (f, java) in cases {
        assert_eq!(double_to_string(f), java, "{f:e}");
    }
}
