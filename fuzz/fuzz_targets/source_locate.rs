//! Arbitrary bytes → the diagnostics' places (`baton_definitions::source`): the text read
//! as JSON and as YAML, with the pointers of its own diagnostics and of a few fixed
//! fields. Checks that nothing panics and that every place is inside the text.
#![no_main]

use baton_definitions::source::{locate, locate_json, locate_yaml};
use baton_definitions::{Code, Diagnostic, Severity, parse_definition};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut diagnostics = match parse_definition(&text) {
        Ok(definition) => definition.warnings,
        Err(all) => all,
    };
    for pointer in ["", "/States", "/States/A/Next", "/States/A/Retry/0", "/0/a"] {
        diagnostics.push(Diagnostic::new(
            Severity::Error,
            Code::SchemaValidationFailed,
            pointer,
            "x",
        ));
    }
    let lines = text.split('\n').count();
    for place in [locate_json, locate_yaml, locate] {
        place(&text, &mut diagnostics);
        for d in &diagnostics {
            assert_eq!(d.line.is_some(), d.column.is_some());
            if let Some(line) = d.line {
                assert!((1..=lines).contains(&line), "line {line} of {lines}");
            }
            assert!(d.column.is_none_or(|c| c >= 1));
        }
    }
});
