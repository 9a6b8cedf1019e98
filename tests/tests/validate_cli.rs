//! `baton validate FILE|-` reads JSON or YAML, from a file or standard input, and answers
//! the diagnostics `POST /v1/validate` gives (exit 1 when one is an error).

use std::io::Write;
use std::process::{Command, Stdio};

use baton_tests::baton::binary;
use serde_json::Value;

fn validate(arg: &str, stdin: &str) -> (i32, Value) {
    let mut child = Command::new(binary())
        .args(["validate", arg])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run baton validate");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    let diagnostics = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), diagnostics)
}

const YAML: &str =
    "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: B\n  B:\n    Type: Succeed\n";

#[test]
fn yaml_from_standard_input_is_valid() {
    let (code, diagnostics) = validate("-", YAML);
    assert_eq!(code, 0, "{diagnostics}");
    assert_eq!(diagnostics, serde_json::json!([]));
}

#[test]
fn yaml_and_json_files_give_the_same_errors() {
    let dir = tempfile::tempdir().unwrap();
    let broken_yaml = YAML.replace("Next: B", "Next: C");
    let yaml = dir.path().join("m.asl.yaml");
    std::fs::write(&yaml, &broken_yaml).unwrap();
    let value: Value = serde_json::json!({
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "C"}, "B": {"Type": "Succeed"}}
    });
    let json = dir.path().join("m.asl.json");
    std::fs::write(&json, value.to_string()).unwrap();
    let (code_yaml, from_yaml) = validate(yaml.to_str().unwrap(), "");
    let (code_json, from_json) = validate(json.to_str().unwrap(), "");
    assert_eq!((code_yaml, code_json), (1, 1));
    assert_eq!(from_yaml, from_json);
    let errors: Vec<&Value> = (from_yaml.as_array().unwrap().iter())
        .filter(|d| d["severity"] == "ERROR" || d["severity"] == "error")
        .collect();
    assert!(!errors.is_empty(), "{from_yaml}");
    assert!(
        from_yaml.to_string().contains("/States/A/Next"),
        "{from_yaml}"
    );
}

#[test]
fn text_that_is_neither_json_nor_yaml_is_one_clear_error() {
    let (code, diagnostics) = validate("-", "{ StartAt: [\n");
    assert_eq!(code, 1);
    let text = diagnostics.to_string();
    assert!(text.contains("neither JSON nor YAML"), "{text}");
}
