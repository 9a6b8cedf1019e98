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
        let ours = expr.evaluate_prepared(&prepared, &lookup, expr.needs(), &mut prepared_env);
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
fn only_what_is_read_is_bound() {
    let input = serde_json::json!({"a": 1, "b": {"c": 2, "d": [{"e": 3, "f": 4}, {"e": 5}]}});
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
    let mut env = JsonataEnv::new(NOW_MILLIS, 1);
    let eval = |prepared: &Prepared, text: &str, with: &[&str], env: &mut JsonataEnv| {
        let expr = Jsonata::parse(text).expect("parses");
        let mut needs = expr.needs().clone();
        for other in with {
            needs.add(Jsonata::parse(other).expect("parses").needs());
        }
        expr.evaluate_prepared(prepared, &lookup, &needs, env)
            .expect("evaluates")
            .into_value()
    };
    // `$states` read whole: every member, whole.
    let prepared = Prepared::new();
    assert_eq!(
        eval(&prepared, "$keys($states)", &[], &mut env),
        Some(serde_json::json!(["input", "context"]))
    );
    // Read in part: the evaluator sees only the fields named (shown by a second
    // expression of the same set that reads `$states` whole — it widens the set, so here
    // it is evaluated on a fresh Prepared with the narrow set only).
    let narrow = Prepared::new();
    assert_eq!(
        eval(&narrow, "$states.input.b.d.e", &[], &mut env),
        Some(serde_json::json!([3, 5]))
    );
    // A later expression needing more (here: `$states` whole) gets it: the evaluator is
    // rebuilt with the union.
    assert_eq!(
        eval(&narrow, "$states.input", &[], &mut env),
        Some(input.clone())
    );
    assert_eq!(
        eval(
            &narrow,
            "$states.context.Execution.Id & $states.input.a",
            &[],
            &mut env
        ),
        Some(serde_json::json!("e1"))
    );
    // A parent operator reads everything whole.
    let parent = Prepared::new();
    assert_eq!(
        eval(&parent, "$states.input.b.d.%.c", &[], &mut env),
        Some(serde_json::json!([2, 2]))
    );
}
