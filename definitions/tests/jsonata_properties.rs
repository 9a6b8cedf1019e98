//! Parsing and evaluating JSONata never panics: arbitrary text, and text made of JSONata's
//! own tokens (which gets much further into the evaluator), give a value or an error.

use baton_definitions::jsonata::{Jsonata, JsonataEnv};
use proptest::prelude::*;
use serde_json::json;

const TOKENS: &[&str] = &[
    "$",
    "$$",
    "$x",
    "$states",
    ".",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    ";",
    "?",
    "+",
    "-",
    "*",
    "/",
    "%",
    "&",
    "=",
    "!=",
    "<",
    ">",
    "and",
    "or",
    "in",
    "..",
    "**",
    "^(",
    "#$i",
    "@$v",
    "~>",
    ":=",
    "|",
    "function($a){",
    "$sum(",
    "$map(",
    "$string(",
    "$substring(",
    "$formatNumber(",
    "$fromMillis(",
    "$range(",
    "$partition(",
    "$hash(",
    "$parse(",
    "1",
    "0",
    "-1",
    "1e308",
    "0.5",
    "'a'",
    "\"b\"",
    "true",
    "null",
    "a",
    "b",
    "items",
    "/x+/",
];

fn run(source: &str) {
    if let Ok(expr) = Jsonata::parse(source) {
        let mut env = JsonataEnv::new(0, 1);
        env.limits.timeout_ms = 200;
        let input = json!({"a": 1, "b": [1, "x", {"c": null}], "items": [{"price": 2}]});
        let _ = expr.evaluate_with_input(
            Some(&input),
            &|name| (name == "x").then(|| json!([1, 2])),
            &mut env,
        );
        let _ = expr.variable_references();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(source in "\\PC{0,40}") {
        run(&source);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(0..TOKENS.len(), 0..24)) {
        let source: Vec<&str> = tokens.iter().map(|&i| TOKENS[i]).collect();
        run(&source.join(" "));
    }
}

#[test]
fn deeply_nested_expressions_are_refused_or_evaluated_without_crashing() {
    for depth in [100, 1_000] {
        run(&format!("{}1{}", "(".repeat(depth), ")".repeat(depth)));
        run(&format!("{}1{}", "[".repeat(depth), "]".repeat(depth)));
        run(&format!("{}1", "1+".repeat(depth)));
    }
}
