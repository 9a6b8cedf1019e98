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

fn error(expr: &str) -> JsonataError {
    match eval_in(expr, json!({})) {
        Err(e) => e,
        other => panic!("{expr}: expected an error, got {other:?}"),
    }
}

#[test]
fn numbers_convert_like_json_stringify() {
    assert_eq!(value("1e21"), json!(1e21));
    assert_eq!(
        value("123456789 * 1000000000"),
        json!(123_456_789_000_000_000_i64)
    );
    assert_eq!(value("-2.5"), json!(-2.5));
    assert_eq!(value("[1/0]"), json!([null]));
    assert_eq!(convert::number(-0.0).to_string(), "0");
    assert_eq!(convert::number(1e300).to_string(), "1e+300");
    assert_eq!(
        convert::number(18_446_744_073_709_551_615.0),
        json!(1.8446744073709552e19)
    );
}

#[test]
fn results_drop_undefined_and_functions_and_order_keys_like_javascript() {
    assert_eq!(value("{'a': nothing, 'b': 1}"), json!({"b": 1}));
    assert_eq!(value("{'f': function() {1}, 'b': 1}"), json!({"b": 1}));
    let v = value("{'b': 1, '10': 2, '2': 3, 'a': 4}");
    assert_eq!(v.to_string(), r#"{"2":3,"10":2,"b":1,"a":4}"#);
    assert_eq!(
        eval_in("function($x) { $x }", json!({})).unwrap(),
        Evaluated::Function
    );
    assert_eq!(eval_in("nothing", json!({})).unwrap(), Evaluated::Undefined);
}

#[test]
fn errors_print_code_and_message() {
    let e = error("$notAFunction()");
    assert_eq!(e.to_string(), "T1006: Attempted to invoke a non-function");
    let e = error("'a' + 1");
    assert_eq!(e.code, "T2001");
    assert_eq!(
        e.message,
        "The left side of the \"+\" operator must evaluate to a number"
    );
    assert_eq!(error("$number('x')").code, "D3030");
    let e = Jsonata::parse("1 +").unwrap_err();
    assert_eq!(e.code, "S0207");
    assert_eq!(Jsonata::parse("a ?: b").unwrap_err().code, "S0211");
    assert_eq!(Jsonata::parse("a ?? b").unwrap_err().code, "S0211");
    assert_eq!(error("$eval('1')").code, "T1006");
}

#[test]
fn limits_stop_runaway_expressions() {
    let deep = error("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))");
    assert!(deep.code == "D1011" || deep.code == "U1001", "{deep}");
    let long = error("$count([1..10000000])");
    assert!(["D2014", "D2015"].contains(&long.code.as_str()), "{long}");
    let mut env = env();
    env.limits.timeout_ms = 50;
    let slow = Jsonata::parse("$count([1..900000].($ * 2).($ + 1).($ - 1).($ / 2))").unwrap();
    let started = std::time::Instant::now();
    let result = slow.evaluate_with_input(Some(&json!({})), &|_| None, &mut env);
    assert!(started.elapsed().as_secs() < 20);
    if let Err(e) = result {
        assert_eq!(e.code, "D1012", "{e}");
    }
}

#[test]
fn time_and_randomness_come_from_the_env() {
    assert_eq!(value("$millis()"), json!(1_700_000_000_123_i64));
    assert_eq!(value("$now()"), json!("2023-11-14T22:13:20.123Z"));
    assert_eq!(value("$now('[Y0001]-[M01]-[D01]')"), json!("2023-11-14"));
    assert_eq!(
        value("$map([1, 2], $millis)"),
        json!([1_700_000_000_123_i64, 1_700_000_000_123_i64])
    );
    let expr = Jsonata::parse("[$random(), $random(), $uuid()]").unwrap();
    let mut a = env();
    let first = expr.evaluate(&|_| None, &mut a).unwrap();
    let mut b = env();
    assert_eq!(
        expr.evaluate(&|_| None, &mut b).unwrap(),
        first,
        "same seed, same values"
    );
    let second = expr.evaluate(&|_| None, &mut a).unwrap();
    assert_ne!(first, second, "the state advances");
    let Evaluated::Value(Value::Array(items)) = first else {
        panic!()
    };
    let r = items[0].as_f64().unwrap();
    assert!((0.0..1.0).contains(&r));
    let id = items[2].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4", "version 4: {id}");
}

#[test]
fn aws_partition() {
    assert_eq!(
        value("$partition([1,2,3,4,5,6,7,8,9], 3)"),
        json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    );
    assert_eq!(value("$partition([1,2,3,4], 3)"), json!([[1, 2, 3], [4]]));
    assert_eq!(value("$partition([], 2)"), json!([]));
    assert_eq!(error("$partition([1], 0)").code, "D3137");
    assert_eq!(error("$partition([1], 'x')").code, "T0410");
}

#[test]
fn aws_range_includes_the_end() {
    assert_eq!(value("$range(0, 10, 2)"), json!([0, 2, 4, 6, 8, 10]));
    assert_eq!(value("$range(1, 5)"), json!([1, 2, 3, 4, 5]));
    assert_eq!(value("$range(5, 1, -2)"), json!([5, 3, 1]));
    assert_eq!(value("$range(5, 1, 1)"), json!([]));
    assert_eq!(error("$range(0, 10, 0)").code, "D3137");
    assert_eq!(error("$range(0, 1.5, 1)").code, "D3137");
    assert_eq!(error("$range(0, 100000000, 1)").code, "D2014");
}

#[test]
fn aws_hash() {
    assert_eq!(
        value("$hash('', 'MD5')"),
        json!("d41d8cd98f00b204e9800998ecf8427e")
    );
    assert_eq!(
        value("$hash('abc', 'SHA-1')"),
        json!("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
    assert_eq!(
        value("$hash('abc', 'SHA-256')"),
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(value("$length($hash('abc', 'SHA-384'))"), json!(96));
    assert_eq!(value("$length($hash('abc', 'SHA-512'))"), json!(128));
    assert_eq!(error("$hash('abc', 'SHA-3')").code, "D3137");
    assert_eq!(error("$hash(1, 'MD5')").code, "T0410");
}

#[test]
fn aws_random_with_a_seed_is_deterministic() {
    let a = value("$random(7)");
    assert_eq!(value("$random(7)"), a);
    assert_ne!(value("$random(8)"), a);
    let r = a.as_f64().unwrap();
    assert!((0.0..1.0).contains(&r));
    assert_eq!(error("$random('x')").code, "T0410");
}

#[test]
fn aws_parse() {
    assert_eq!(
        value("$parse('{\"a\": [1, 2.5, null]}')"),
        json!({"a": [1, 2.5, null]})
    );
    assert_eq!(value("$parse('\"s\"')"), json!("s"));
    assert_eq!(error("$parse('{bad')").code, "D3140");
    assert_eq!(error("$parse(1)").code, "T0410");
}

#[test]
fn deep_input_is_an_error_not_a_crash() {
    let mut v = json!(1);
    for _ in 0..500 {
        v = json!([v]);
    }
    let e = eval_in("$", v).unwrap_err();
    assert_eq!(e.code, "D1001");
}
