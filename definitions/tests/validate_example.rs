//! The `validate` example: exit codes 0/1/2 and the JSON it prints.
//!
//! The example's source is compiled into this test as a module and driven through its
//! `run` function, with in-memory stdin/stdout/stderr. This needs no nested cargo (which
//! would wait on the build lock) and no guess at where the example binary was put, so it
//! behaves the same under `cargo test` and `cargo nextest`. One more test runs the real
//! binary when cargo has built it next to this test (as an unfiltered `cargo test` does).

#[path = "../examples/validate.rs"]
mod validate;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// What one run produced.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// Stdout as the JSON array of diagnostics; panics when it is anything else.
    fn diagnostics(&self) -> Vec<Value> {
        let value: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout));
        let Value::Array(items) = value else {
            panic!("stdout is not a JSON array: {}", self.stdout)
        };
        for item in &items {
            let keys: Vec<&str> = item
                .as_object()
                .expect("each diagnostic is an object")
                .keys()
                .map(String::as_str)
                .collect();
            // line and column when the place is known, suggestion when there is one.
            assert_eq!(
                keys[..4],
                ["severity", "code", "message", "location"],
                "{item}"
            );
            let optional = ["line", "column", "suggestion"];
            assert!(keys[4..].iter().all(|k| optional.contains(k)), "{item}");
            assert!(keys.contains(&"line") == keys.contains(&"column"), "{item}");
            assert!(matches!(
                item["severity"].as_str(),
                Some("ERROR" | "WARNING")
            ));
            assert!(item["location"].is_string() && item["message"].is_string());
        }
        items
    }

    fn codes(&self) -> Vec<String> {
        self.diagnostics()
            .iter()
            .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

fn run_args(args: &[&str], stdin: &[u8]) -> Outcome {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = validate::run(&args, &mut &stdin[..], &mut stdout, &mut stderr);
    Outcome {
        code,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// Validates `contents` written to a file.
fn run_file(contents: &[u8]) -> Outcome {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(contents).expect("write temp file");
    run_args(&[path_str(file.path())], b"")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn valid() -> Value {
    json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"x.$": "$.y"}, "ResultPath": "$.r", "Next": "B"},
        "B": {"Type": "Succeed"}
    }})
}

#[test]
fn a_valid_definition_exits_0_with_an_empty_array() {
    let out = run_file(valid().to_string().as_bytes());
    assert_eq!(out.code, validate::VALID, "{}", out.stdout);
    assert!(out.diagnostics().is_empty());
    assert_eq!(out.stdout.trim(), "[]");
    assert!(out.stderr.is_empty());
}

#[test]
fn warnings_alone_exit_0_and_are_printed() {
    let mut def = valid();
    def["States"]["Orphan"] = json!({"Type": "Succeed"});
    let text = def.to_string();
    let out = run_file(text.as_bytes());
    assert_eq!(out.code, validate::VALID);
    let items = out.diagnostics();
    assert_eq!(items.len(), 1);
    // One line of JSON: the column is where the key "Orphan" starts.
    let column = text.find("\"Orphan\"").unwrap() + 1;
    assert_eq!(
        items[0],
        json!({"severity": "WARNING", "code": "UNREACHABLE_STATE",
               "message": "state 'Orphan' cannot be reached from StartAt",
               "location": "/States/Orphan", "line": 1, "column": column})
    );
}

#[test]
fn errors_exit_1_and_every_problem_is_printed_pretty() {
    let def = json!({"StartAt": "Nope", "States": {
        "A": {"Type": "Pass", "Next": "Missing"},
        "B": {"Type": "Wait", "Seconds": -1, "End": true}
    }});
    let out = run_file(def.to_string().as_bytes());
    assert_eq!(out.code, validate::INVALID);
    let codes = out.codes();
    assert!(
        codes.contains(&"MISSING_TRANSITION_TARGET".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"SCHEMA_VALIDATION_FAILED".to_owned()),
        "{codes:?}"
    );
    assert!(
        out.stdout.starts_with("[\n  {\n    \"severity\""),
        "pretty printed"
    );
    assert!(out.stdout.ends_with("]\n"));
}

#[test]
fn json_that_is_not_a_definition_exits_1() {
    for text in ["[1, 2]", "42", "null", "{}"] {
        let out = run_file(text.as_bytes());
        assert_eq!(out.code, validate::INVALID, "{text}");
        assert!(out.codes().iter().all(|c| c == "SCHEMA_VALIDATION_FAILED"));
    }
}

#[test]
fn text_that_is_not_json_exits_2_with_one_invalid_json_diagnostic() {
    let nested = "[".repeat(100_000);
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let cases: [&[u8]; 6] = [
        b"",
        b"{\"StartAt\": ",
        b"not json",
        nested.as_bytes(),
        &garbage,
        b"\xff\xfe{}",
    ];
    for bytes in cases {
        let out = run_file(bytes);
        assert_eq!(
            out.code,
            validate::UNREADABLE,
            "{:?}",
            &bytes[..bytes.len().min(20)]
        );
        let items = out.diagnostics();
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0]["code"], "INVALID_JSON_DESCRIPTION");
        assert_eq!(items[0]["severity"], "ERROR");
        assert_eq!(items[0]["location"], "");
    }
}

#[test]
fn a_definition_over_1_mib_exits_1() {
    let mut def = valid();
    def["Comment"] = json!("x".repeat(1_100_000));
    let out = run_file(def.to_string().as_bytes());
    assert_eq!(out.code, validate::INVALID);
    assert_eq!(out.codes(), ["SCHEMA_VALIDATION_FAILED"]);
}

#[test]
fn deep_nesting_within_the_json_limit_does_not_crash() {
    // 120 levels of Parameters template and of Choice `Not`: as deep as JSON text allows.
    let mut template = json!({"leaf.$": "$.x"});
    let mut rule = json!({"Variable": "$.x", "IsPresent": true});
    for _ in 0..120 {
        template = json!({"k": template, "v.$": "States.Array($.x)"});
        rule = json!({"Not": rule});
    }
    let mut top_rule = rule;
    top_rule["Next"] = json!("B");
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": template, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [top_rule], "Default": "B"},
        "B": {"Type": "Succeed"}
    }});
    let out = run_file(def.to_string().as_bytes());
    // The Choice rule is nested deeper than Baton allows (100): a diagnostic, not a crash.
    assert_eq!(out.code, validate::INVALID);
    assert_eq!(out.codes(), ["SCHEMA_VALIDATION_FAILED"]);
    assert!(out.stdout.contains("nested at most 100 levels"));
}

#[test]
fn dash_reads_standard_input() {
    let out = run_args(&["-"], valid().to_string().as_bytes());
    assert_eq!(out.code, validate::VALID);
    assert_eq!(out.stdout.trim(), "[]");
    let out = run_args(&["-"], b"{\"States\": {}}");
    assert_eq!(out.code, validate::INVALID);
    let out = run_args(&["-"], b"{");
    assert_eq!(out.code, validate::UNREADABLE);
    assert_eq!(out.codes(), ["INVALID_JSON_DESCRIPTION"]);
}

#[test]
fn an_unreadable_file_exits_2_with_a_message_on_stderr() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.json");
    let out = run_args(&[path_str(&missing)], b"");
    assert_eq!(out.code, validate::UNREADABLE);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("cannot read") && out.stderr.contains("missing.json"));
    // A directory cannot be read as a file either.
    let out = run_args(&[path_str(dir.path())], b"");
    assert_eq!(out.code, validate::UNREADABLE);
    assert!(out.stderr.contains("cannot read"));
}

#[test]
fn wrong_arguments_exit_2_with_usage() {
    for args in [&[][..], &["a", "b"][..]] {
        let out = run_args(args, b"");
        assert_eq!(out.code, validate::UNREADABLE);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.starts_with("usage: validate FILE"));
    }
}

/// `target/<profile>/examples/validate`, beside `target/<profile>/deps/<this test>`, when
/// cargo built it and it is newer than its source.
fn built_example() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let binary = profile_dir
        .join("examples")
        .join(format!("validate{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/validate.rs");
    let built = binary.metadata().ok()?.modified().ok()?;
    let written = source.metadata().ok()?.modified().ok()?;
    (built >= written).then_some(binary)
}

#[test]
fn the_built_binary_exits_with_the_same_codes() {
    let Some(binary) = built_example() else {
        eprintln!("note: the validate example is not built next to this test; skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("valid.json", valid().to_string(), validate::VALID),
        (
            "invalid.json",
            r#"{"StartAt": "X", "States": {}}"#.to_owned(),
            validate::INVALID,
        ),
        ("broken.json", "{".to_owned(), validate::UNREADABLE),
    ];
    for (name, text, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, text).expect("write");
        let out = Command::new(&binary)
            .arg(&file)
            .stdin(Stdio::null())
            .output()
            .expect("run the example");
        assert_eq!(out.status.code(), Some(expected), "{name}");
        let stdout: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
        assert!(stdout.is_array(), "{name}");
    }
    let out = Command::new(&binary)
        .arg(dir.path().join("absent.json"))
        .output()
        .expect("run the example");
    assert_eq!(out.status.code(), Some(validate::UNREADABLE));
    assert!(out.stdout.is_empty());
    assert!(!out.stderr.is_empty());
}
