//! Arbitrary text → `Jsonata::parse`, and what parses is evaluated (with `$states` and a
//! user variable bound) and its references listed.
//!
//! The first line is the expression; the rest, when it is JSON, is the input (else a fixed
//! sample). Checks: no panic, no stack overflow, no hang beyond the limits; an error has a
//! code; evaluation is deterministic given the environment.
#![no_main]

use baton_definitions::jsonata::{Jsonata, JsonataEnv};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (expr, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let input: Value = serde_json::from_str(rest)
        .unwrap_or_else(|_| json!({"a": {"b": [1, 2, {"c": "x"}]}, "n": 3.5, "s": "a,b"}));
    let parsed = match Jsonata::parse(expr) {
        Ok(p) => p,
        Err(e) => {
            assert!(!e.code.is_empty(), "a syntax error has a code: {e:?}");
            return;
        }
    };
    let _ = parsed.variable_references();
    let states = json!({"input": input, "context": {"Execution": {"Id": "arn:x"}}});
    let vars = |name: &str| match name {
        "states" => Some(states.clone()),
        "v" => Some(json!([1, "two", {"three": 3}])),
        _ => None,
    };
    let mut env = JsonataEnv::new(1_700_000_000_000, 7);
    env.limits.timeout_ms = 200;
    let first = parsed.evaluate(&vars, &mut env);
    if let Err(e) = &first {
        assert!(!e.code.is_empty(), "an evaluation error has a code: {e:?}");
        return;
    }
    let mut again = JsonataEnv::new(1_700_000_000_000, 7);
    again.limits.timeout_ms = 200;
    if let Ok(second) = parsed.evaluate(&vars, &mut again) {
        assert_eq!(first.ok(), Some(second), "same environment, same result: {expr}");
    }
});
