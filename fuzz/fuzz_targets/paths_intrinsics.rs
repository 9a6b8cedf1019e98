//! Arbitrary text → `Path::parse` and `Intrinsic::parse`, and what parses is evaluated.
//!
//! The first line is the expression; the rest, when it is JSON, is the input (else a fixed
//! sample). A reference path must also round-trip: written into the input, then selected.
#![no_main]

use baton_definitions::intrinsics::Intrinsic;
use baton_definitions::{Env, Path};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (expr, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let input: Value = serde_json::from_str(rest)
        .unwrap_or_else(|_| json!({"a": {"b": [1, 2, {"c": "x"}]}, "n": 3, "s": "a,b"}));
    let context = json!({"Execution": {"Id": "arn:x"}, "Task": {"Token": "t"}});
    let env = Env::new(&input, &context);

    if let Ok(path) = Path::parse(expr) {
        let _ = path.select(&env);
        let _ = path.normalized();
        if path.is_definite() {
            let marker = json!({"fuzz": "marker"});
            if let Ok(written) = path.write(input.clone(), marker.clone()) {
                let after = Env::new(&written, &context);
                assert_eq!(
                    path.select(&after),
                    Some(marker),
                    "write then select of '{expr}'"
                );
            }
        }
    }
    if let Ok(call) = Intrinsic::parse(expr) {
        let _ = call.eval(&env);
        let _ = call.returns_string();
    }
});
