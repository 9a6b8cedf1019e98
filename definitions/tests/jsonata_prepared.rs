//! `Jsonata::evaluate_prepared` (bindings converted once, one evaluator shared by many
//! expressions) gives what `Jsonata::evaluate` gives, over the whole differential corpus
//! (curated + generated; no Node needed): every case without a context value is evaluated
//! both ways, the prepared way with ONE `Prepared` shared by all the consecutive cases that
//! have the same bindings, so state left in a reused evaluator would show.

#[path = "jsonata/corpus.rs"]
#[allow(dead_code)] // `Case::to_json` serves the differential test only
mod corpus;
#[path = "jsonata/generate.rs"]
mod generate;

use std::path::PathBuf;

use baton_definitions::jsonata::{Binding, Jsonata, JsonataEnv, Prepared};

const NOW_MILLIS: i64 = 1_700_000_000_123;

#[test]
fn prepared_evaluation_matches_plain_evaluation() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jsonata");
    let text = std::fs::read_to_string(dir.join("curated.txt")).expect("read curated.txt");
    let mut cases = corpus::curated(&text);
    cases.extend(generate::cases(1_600, 0x5EED_0001));

    let mut plain_env = JsonataEnv::new(NOW_MILLIS, 42);
    let mut prepared_env = JsonataEnv::new(NOW_MILLIS, 42);
    let mut prepared = Prepared::new();
    let mut previous = None;
    let (mut compared, mut shared) = (0, 0);
    for case in &cases {
        let Ok(expr) = Jsonata::parse(&case.expr) else {
            continue;
        };
        let key = (case.input.clone(), case.bindings.clone());
        if previous.as_ref() == Some(&key) {
            shared += 1;
        } else {
            prepared = match &case.input {
                Some(input) => match Prepared::with_input(input) {
                    Ok(p) => p,
                    Err(_) => continue,
                },
                None => Prepared::new(),
            };
            previous = Some(key);
        }
        let plain = expr.evaluate_with_input(
            case.input.as_ref(),
            &|name| case.bindings.get(name).cloned(),
            &mut plain_env,
        );
        let lookup = |name: &str| case.bindings.get(name).map(Binding::Value);
        let ours = expr.evaluate_prepared(&prepared, &lookup, &|_| true, &mut prepared_env);
        assert_eq!(ours, plain, "case {}: {}", case.id, case.expr);
        assert_eq!(prepared_env, plain_env, "random state after {}", case.id);
        compared += 1;
    }
    println!("prepared vs plain: {compared} cases compared, {shared} on a shared Prepared");
    assert!(
        compared >= 1_500 && shared >= 1_000,
        "{compared} / {shared}"
    );
}

#[test]
fn members_are_built_only_when_wanted() {
    let input = serde_json::json!({"a": 1});
    let context = serde_json::json!({"Execution": {"Id": "e"}});
    let member = |m: &str| match m {
        "input" => Some(&input),
        "context" => Some(&context),
        _ => None,
    };
    let lookup = |name: &str| {
        (name == "states").then(|| Binding::Members {
            names: vec!["input", "context"],
            member: &member,
        })
    };
    let prepared = Prepared::new();
    let mut env = JsonataEnv::new(NOW_MILLIS, 1);
    let only_input = |m: &str| m == "input";
    let keys = Jsonata::parse("$keys($states)").expect("parses");
    let got = keys
        .evaluate_prepared(&prepared, &lookup, &only_input, &mut env)
        .expect("evaluates");
    assert_eq!(got.into_value(), Some(serde_json::json!("input")));
    // A later expression wanting more gets them (the evaluator is rebuilt).
    let got = keys
        .evaluate_prepared(&prepared, &lookup, &|_| true, &mut env)
        .expect("evaluates");
    assert_eq!(
        got.into_value(),
        Some(serde_json::json!(["input", "context"]))
    );
    let id = Jsonata::parse("$states.context.Execution.Id & $states.input.a").expect("parses");
    let got = id
        .evaluate_prepared(&prepared, &lookup, &only_input, &mut env)
        .expect("evaluates");
    assert_eq!(got.into_value(), Some(serde_json::json!("e1")));
}
