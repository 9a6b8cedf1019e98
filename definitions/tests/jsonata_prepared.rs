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

use baton_definitions::jsonata::{Binding, Jsonata, JsonataEnv, Need, Prepared};

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

/// Field paths present in `value` (through arrays), as JSONata path text, up to `depth`.
fn paths(value: &serde_json::Value, prefix: &str, depth: usize, out: &mut Vec<String>) {
    if depth == 0 || out.len() > 40 {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{prefix}.`{}`", k.replace('`', ""));
                if k.contains('`') {
                    continue;
                }
                out.push(path.clone());
                paths(v, &path, depth - 1, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter().take(3) {
                paths(item, prefix, depth, out);
            }
        }
        _ => {}
    }
}

/// Variables read in part (`$v.a.b`): the pruned binding gives what the whole one gives,
/// over expressions built from the field paths of the corpus's inputs (mixing paths,
/// predicates, parents, whole reads and functions, several on one `Prepared`).
#[test]
fn variables_read_in_part_match_whole_bindings() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jsonata");
    let text = std::fs::read_to_string(dir.join("curated.txt")).expect("read curated.txt");
    let mut cases = corpus::curated(&text);
    cases.extend(generate::cases(1_600, 0x5EED_0001));
    let mut plain_env = JsonataEnv::new(NOW_MILLIS, 7);
    let mut prepared_env = JsonataEnv::new(NOW_MILLIS, 7);
    let (mut compared, mut pruned) = (0, 0);
    for value in cases.iter().filter_map(|c| c.input.as_ref()) {
        let mut found = Vec::new();
        paths(value, "$v", 4, &mut found);
        found.dedup();
        if compared >= 20_000 {
            break;
        }
        let lookup = |name: &str| (name == "v").then_some(Binding::Value(value));
        let bindings = |name: &str| (name == "v").then(|| value.clone());
        for (i, p) in found.iter().enumerate() {
            let q = &found[(i * 7 + 3) % found.len()];
            // One `Prepared` per group: the narrow reads come first, then reads that widen
            // the binding (a parent operator, `$v` whole) rebuild it.
            let prepared = Prepared::new();
            for text in [
                p.clone(),
                format!("{{\"x\": {p}, \"y\": {q}}}"),
                format!("$count({p})"),
                format!("{p}[0]"),
                format!("$string({p})"),
                format!("{p}.%"),
                format!("$keys({p}) & {q}"),
                format!("{p}[$ = {q}]"),
                format!("$exists({q}) ? {p} : $v"),
            ] {
                let Ok(expr) = Jsonata::parse(&text) else {
                    continue;
                };
                let plain = expr.evaluate(&bindings, &mut plain_env);
                let ours =
                    expr.evaluate_prepared(&prepared, &lookup, expr.needs(), &mut prepared_env);
                assert_eq!(ours, plain, "{text} over {value}");
                compared += 1;
                if matches!(expr.needs().of_variable("v"), Need::Fields(_)) {
                    pruned += 1;
                }
            }
        }
    }
    println!("read in part: {compared} expressions compared, {pruned} with $v pruned");
    assert!(
        compared >= 10_000 && pruned >= 5_000,
        "{compared} / {pruned}"
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
