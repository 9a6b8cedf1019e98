use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::{context, fails, ok};
use crate::intrinsics::Intrinsic;
use crate::intrinsics::math::java_round;
use crate::path::Env;

#[test]
fn rounding_is_java_math_round() {
    let cases = [
        (1.49, 1),
        (1.5, 2),
        (-1.5, -1),
        (-1.51, -2),
        (2.5, 3),
        (-2.5, -2),
        (-0.5, 0),
        (0.49999999999999994, 0),
    ];
    for (f, want) in cases {
        assert_eq!(java_round(f), Some(want), "{f}");
    }
    assert_eq!(java_round(9.3e18), None);
    assert_eq!(java_round(-9.223_372_036_854_776e18), Some(i64::MIN));
    assert_eq!(java_round(f64::NAN), None);
}

#[test]
fn add() {
    let input = json!({"a": 1.5, "b": -1.5, "max": 9223372036854775807_i64, "huge": 1e300, "s": "1", "u": 18446744073709551615_u64});
    assert_eq!(ok("States.MathAdd(1, 2)", &input), json!(3));
    assert_eq!(ok("States.MathAdd($.a, $.b)", &input), json!(1));
    assert_eq!(ok("States.MathAdd(-9, 3)", &input), json!(-6));
    assert_eq!(
        ok("States.MathAdd($.max, -1)", &input),
        json!(9223372036854775806_i64)
    );
    assert_eq!(
        ok(
            "States.MathAdd(States.ArrayLength(States.Array(1, 2)), -1)",
            &input
        ),
        json!(1)
    );
    fails(
        "States.MathAdd($.max, 1)",
        &input,
        "the sum of 9223372036854775807 and 1 is out of range",
    );
    fails(
        "States.MathAdd($.huge, 1)",
        &input,
        "argument 1 of States.MathAdd is out of range: the number 1.0E300",
    );
    fails("States.MathAdd($.u, 0)", &input, "is out of range");
    fails(
        "States.MathAdd($.s, 1)",
        &input,
        "argument 1 of States.MathAdd must be a number, but it is the string \"1\"",
    );
    fails("States.MathAdd(1, $.none)", &input, "could not be found");
}

#[test]
fn random_stays_in_range() {
    let input = json!({"s": 12.5, "e": 44.51});
    for _ in 0..200 {
        let n = ok("States.MathRandom($.s, $.e)", &input).as_i64().unwrap();
        assert!((13..45).contains(&n), "{n}");
        let n = ok("States.MathRandom(-99999, -9999)", &input)
            .as_i64()
            .unwrap();
        assert!((-99999..-9999).contains(&n), "{n}");
    }
    assert_eq!(ok("States.MathRandom(7, 7)", &input), json!(7));
    assert_eq!(ok("States.MathRandom(7, 7.4)", &input), json!(7));
}

#[test]
fn random_with_seed_repeats_and_rng_is_injectable() {
    let input = json!({});
    let first = ok("States.MathRandom(0, 1000000, 3)", &input);
    for _ in 0..20 {
        assert_eq!(ok("States.MathRandom(0, 1000000, 3)", &input), first);
    }
    let values: Vec<Value> = (0..20)
        .map(|s| ok(&format!("States.MathRandom(0, 1000000, {s})"), &input))
        .collect();
    assert!(
        values.iter().any(|v| *v != values[0]),
        "different seeds give different values"
    );
    let call = Intrinsic::parse("States.MathRandom(0, 1000000)").unwrap();
    let ctx = context();
    let env = Env::new(&input, &ctx);
    let a = call
        .eval_with_rng(&env, &mut StdRng::seed_from_u64(9))
        .unwrap();
    let b = call
        .eval_with_rng(&env, &mut StdRng::seed_from_u64(9))
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn random_errors() {
    let input = json!({"s": "x", "big": 1e300});
    fails(
        "States.MathRandom(10, 1)",
        &input,
        "the start (10) of States.MathRandom must not be greater than its end (1)",
    );
    fails(
        "States.MathRandom($.s, 1)",
        &input,
        "argument 1 of States.MathRandom must be a number, but it is the string \"x\"",
    );
    fails(
        "States.MathRandom(1, 5, $.s)",
        &input,
        "argument 3 of States.MathRandom must be a number",
    );
    fails(
        "States.MathRandom(1, $.big)",
        &input,
        "argument 2 of States.MathRandom is out of range",
    );
}
