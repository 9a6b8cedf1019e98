//! Properties: parsing never panics on any text, and evaluating any call that parses never
//! panics on any input (failures are always `States.Runtime`).

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Number, Value, json};

use crate::error::ErrorName;
use crate::intrinsics::Intrinsic;
use crate::path::Env;

const PATHS: [&str; 12] = [
    "$",
    "$.a",
    "$.b",
    "$.c[0]",
    "$.d.e",
    "$.a[*]",
    "$$.Execution.Input",
    "$.missing",
    "$['e']",
    "$.a[-1]",
    "$$",
    "$..b",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..1100).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "[a-e{}\\\\ ,.=+'\"-]{0,12}".prop_map(Value::from),
        select(vec![
            "MD5",
            "SHA-1",
            "SHA-512",
            "{\"a\":1}",
            "[1,2]",
            "-0",
            "QUJD",
            "{} {}"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map("[a-e]", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn input() -> impl Strategy<Value = Value> {
    btree_map("[a-e]", json_value(), 0..6).prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Argument kinds, for generating calls that mostly pass the parse-time checks.
#[derive(Clone, Copy, PartialEq)]
enum K {
    Any,
    Str,
    Num,
    Int,
    Arr,
    Obj,
    Bool,
    PathOnly,
}

const SIGS: [(&str, &[K], K); 18] = [
    ("Format", &[], K::Str),
    ("StringToJson", &[K::Str], K::Any),
    ("JsonToString", &[K::PathOnly], K::Str),
    ("Array", &[K::Any, K::Any], K::Arr),
    ("ArrayPartition", &[K::Arr, K::Int], K::Arr),
    ("ArrayContains", &[K::Arr, K::Any], K::Bool),
    ("ArrayRange", &[K::Int, K::Int, K::Int], K::Arr),
    ("ArrayGetItem", &[K::Arr, K::Int], K::Any),
    ("ArrayLength", &[K::Arr], K::Int),
    ("ArrayUnique", &[K::Arr], K::Arr),
    ("Base64Encode", &[K::Str], K::Str),
    ("Base64Decode", &[K::Str], K::Str),
    ("Hash", &[K::Any, K::Str], K::Str),
    ("JsonMerge", &[K::Obj, K::Obj, K::Bool], K::Obj),
    ("MathRandom", &[K::Num, K::Num, K::Num], K::Int),
    ("MathAdd", &[K::Num, K::Num], K::Int),
    ("StringSplit", &[K::Str, K::Str], K::Arr),
    ("UUID", &[], K::Str),
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A call, well-formed most of the time, returning `want` (or anything for `K::Any`).
fn gen_call(rng: &mut StdRng, want: K, depth: u32) -> String {
    let candidates: Vec<_> = SIGS
        .iter()
        .filter(|(_, _, ret)| {
            want == K::Any || *ret == want || *ret == K::Any || (want == K::Num && *ret == K::Int)
        })
        .collect();
    let (name, params, _) = **pick(rng, &candidates);
    let mut args: Vec<String> = if name == "Format" {
        let n = rng.random_range(0..3);
        let mut args = vec![if rng.random_bool(0.8) {
            quoted(&"{} x ".repeat(n))
        } else {
            pick(rng, &PATHS).to_string()
        }];
        args.extend((0..n).map(|_| gen_arg(rng, K::Any, depth)));
        args
    } else {
        params.iter().map(|k| gen_arg(rng, *k, depth)).collect()
    };
    if rng.random_bool(0.05) {
        args.pop();
    }
    format!("States.{name}({})", args.join(", "))
}

fn gen_arg(rng: &mut StdRng, kind: K, depth: u32) -> String {
    if kind == K::PathOnly || rng.random_bool(0.35) {
        return pick(rng, &PATHS).to_string();
    }
    if depth < 5 && rng.random_bool(0.3) {
        return gen_call(rng, kind, depth + 1);
    }
    let text = |rng: &mut StdRng| -> String {
        let pool = [
            "",
            "a,b",
            "MD5",
            "SHA-1",
            "SHA-384",
            "QUJD",
            "{\"a\":[1]}",
            "-0",
            " ",
            "x{}y",
            "é\\",
        ];
        let chosen: &&str = pick(rng, &pool);
        quoted(chosen)
    };
    let ints = [
        "0",
        "1",
        "-1",
        "2",
        "1000",
        "-5",
        "9223372036854775807",
        "-9223372036854775808",
    ];
    match kind {
        K::Str => text(rng),
        K::Int => pick(rng, &ints).to_string(),
        K::Num => pick(
            rng,
            &["1.5", "-2.5", "1e3", "0.49999999999999994", "1e300", "7"],
        )
        .to_string(),
        K::Bool => pick(rng, &["false", "true"]).to_string(),
        K::Arr | K::Obj | K::PathOnly => pick(rng, &PATHS).to_string(),
        K::Any => match rng.random_range(0..4) {
            0 => text(rng),
            1 => pick(rng, &ints).to_string(),
            2 => pick(rng, &["null", "true", "1.25"]).to_string(),
            _ => gen_call(rng, K::Any, depth + 1),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_any_text(text in ".{0,64}") {
        if let Err(e) = Intrinsic::parse(&text) {
            prop_assert!(e.offset() <= text.chars().count());
        }
    }

    #[test]
    fn parse_never_panics_on_near_miss_text(text in "(States\\.|Array|Format|MathAdd|\\$|\\.|\\[|\\]|'|\"|\\\\|,|\\(|\\)| |[0-9]|-|e|\\{|\\}|true|null)*") {
        if let Err(e) = Intrinsic::parse(&text) {
            prop_assert!(e.offset() <= text.chars().count());
        }
    }

    #[test]
    fn eval_never_panics(seed in any::<u64>(), input in input()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let text = gen_call(&mut rng, K::Any, 1);
        if let Ok(intrinsic) = Intrinsic::parse(&text) {
            let ctx = json!({"Execution": {"Input": input.clone()}});
            let env = Env::new(&input, &ctx);
            if let Err(failure) = intrinsic.eval_with_rng(&env, &mut rng) {
                prop_assert_eq!(failure.error, ErrorName::Runtime);
                let cause = failure.cause.unwrap_or_default();
                prop_assert!(cause.starts_with("The function '"), "{}", cause);
            }
        }
    }
}
