//! Arbitrary bytes → `parse_definition`, then, for a definition that parses, every state's
//! data pipeline over a fixed input. Checks that nothing panics and that the result agrees
//! with its diagnostics.
#![no_main]

use baton_definitions::pipeline::{effective_input, state_output};
use baton_definitions::{Severity, parse_definition};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 is replaced rather than skipped, so every input reaches the parser.
    let text = String::from_utf8_lossy(data);
    match parse_definition(&text) {
        Ok(definition) => {
            assert!(
                definition
                    .warnings
                    .iter()
                    .all(|d| d.severity == Severity::Warning),
                "a definition that parses carries only warnings"
            );
            let input = json!({"a": 1, "b": [1, "x", {"c": null}], "s": "hello", "t": "2024-01-01T00:00:00Z"});
            let context =
                json!({"Execution": {"Id": "arn:x", "Input": {}}, "State": {"Name": "S"}});
            for state in definition.machine.states() {
                if let Ok(effective) = effective_input(&state.io, &input, &context) {
                    let result = effective.into_owned();
                    let _ = state_output(&state.io, input.clone(), result, &context);
                }
            }
        }
        Err(diagnostics) => {
            assert!(
                diagnostics.iter().any(|d| d.severity == Severity::Error),
                "a refused definition has at least one error"
            );
            let _ = serde_json::to_string(&diagnostics).expect("diagnostics serialize");
        }
    }
});
