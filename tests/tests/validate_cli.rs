//! `baton validate [--json] FILE|-` reads JSON or YAML, from a file or standard input, and
//! prints the diagnostics `POST /v1/validate` gives: one line each,
//! `FILE:LINE:COL: error[CODE]: message (at POINTER)`, placed in the text as written, and a
//! summary line; or, with `--json`, the JSON array. Exit 1 when one is an error.

use std::io::Write;
use std::process::{Command, Stdio};

use baton_tests::baton::binary;
use serde_json::{Value, json};

/// What one run of `baton validate` gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Stdout as JSON (a `--json` run).
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", self.stdout, self.stderr))
    }
}

fn validate(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(binary())
        .arg("validate")
        .args(args)
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
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` to a file named `name` in a new temporary directory.
fn file(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

const VALID_YAML: &str =
    "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: B\n  B:\n    Type: Succeed\n";

/// Seven states in a chain, the first with `Nxt` for `Next`.
const NXT_YAML: &str = "\
StartAt: A
States:
  A:
    Type: Pass
    Nxt: B
  B: {Type: Pass, Next: C}
  C: {Type: Pass, Next: D}
  D: {Type: Pass, Next: E}
  E: {Type: Pass, Next: F}
  F: {Type: Pass, Next: G}
  G: {Type: Succeed}
";

/// A misspelt field, a bad value and a misspelt state name, in JSON.
const ORDER_JSON: &str = r#"{
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "http://127.0.0.1:1/charge",
      "TimeoutSecond": 30,
      "Next": "Wait"
    },
    "Wait": {"Type": "Wait", "Seconds": -1, "Next": "Ship"},
    "Ship": {"Type": "Pass", "Next": "Dnoe"},
    "Done": {"Type": "Succeed"}
  }
}
"#;

/// A misspelt type, a misspelt field in a sequence item and one in a flow mapping, in YAML.
const ORDER_YAML: &str = "\
Comment: order
StartAt: Charge
States:
  Charge:
    Type: Taks
    Resource: http://127.0.0.1:1/charge
    Next: Notify
  Notify:
    Type: Task
    Resource: http://127.0.0.1:1/notify
    Retry:
      - ErrorEquals: [States.ALL]
        MaxAttemps: 2
    Next: Ship
  Ship: {Type: Pass, Nxt: Done}
  Done:
    Type: Succeed
";

#[test]
fn valid_yaml_from_standard_input_exits_0() {
    let run = validate(&["-"], VALID_YAML);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "<stdin>: valid\n"),
        "{}",
        run.stderr
    );
    let run = validate(&["--json", "-"], VALID_YAML);
    assert_eq!((run.code, run.json()), (0, json!([])));
}

#[test]
fn yaml_from_a_file_and_from_standard_input_give_the_same_lines() {
    let (_dir, path) = file("m.asl.yaml", NXT_YAML);
    let from_file = validate(&[&path], "");
    let from_stdin = validate(&["-"], NXT_YAML);
    assert_eq!((from_file.code, from_stdin.code), (1, 1));
    let expected = "5:5: error[SCHEMA_VALIDATION_FAILED]: field 'Nxt' is not supported in a Pass \
                    state; did you mean \"Next\"? (at /States/A/Nxt)\n";
    assert_eq!(
        from_file.stdout,
        format!("{path}:{expected}{path}: invalid: 1 error, 0 warnings\n")
    );
    assert_eq!(
        from_stdin.stdout,
        format!("<stdin>:{expected}<stdin>: invalid: 1 error, 0 warnings\n")
    );
}

#[test]
fn a_misspelt_next_is_exactly_one_diagnostic() {
    // Without the fix: the unknown field, "needs Next or End", and six unreachable states.
    let run = validate(&["--json", "-"], NXT_YAML);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.json(),
        json!([{
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "field 'Nxt' is not supported in a Pass state; did you mean \"Next\"?",
            "location": "/States/A/Nxt",
            "line": 5,
            "column": 5,
            "suggestion": "Next"
        }])
    );
}

#[test]
fn a_json_file_gets_exact_lines_and_columns() {
    let (_dir, path) = file("order.json", ORDER_JSON);
    let run = validate(&[&path], "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected = [
        "7:7: error[SCHEMA_VALIDATION_FAILED]: field 'TimeoutSecond' is not supported in a Task \
         state; did you mean \"TimeoutSeconds\"? (at /States/Charge/TimeoutSecond)",
        "10:41: error[SCHEMA_VALIDATION_FAILED]: field 'Seconds' must be between 0 and \
         99999999, not -1 (at /States/Wait/Seconds)",
        "11:38: error[MISSING_TRANSITION_TARGET]: 'Dnoe' names no state; did you mean \"Done\"? \
         (at /States/Ship/Next)",
    ];
    let mut lines: Vec<String> = expected.iter().map(|l| format!("{path}:{l}")).collect();
    lines.push(format!("{path}: invalid: 3 errors, 0 warnings"));
    assert_eq!(run.stdout, lines.join("\n") + "\n");
    // Each place is where the key (of the misspelt field) or the value (else) starts.
    let text: Vec<&str> = ORDER_JSON.lines().collect();
    assert!(text[6][6..].starts_with("\"TimeoutSecond\""));
    assert!(text[9][40..].starts_with("-1"));
    assert!(text[10][37..].starts_with("\"Dnoe\""));
}

#[test]
fn a_yaml_file_gets_exact_lines_and_columns_in_the_yaml() {
    let (_dir, path) = file("order.asl.yaml", ORDER_YAML);
    let run = validate(&["--json", &path], "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let places: Vec<(String, i64, i64, String)> = (run.json().as_array().unwrap().iter())
        .map(|d| {
            (
                d["location"].as_str().unwrap().to_owned(),
                d["line"].as_i64().unwrap(),
                d["column"].as_i64().unwrap(),
                d["suggestion"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("/States/Charge/Type", 5, 11, "Task"),
        ("/States/Notify/Retry/0/MaxAttemps", 13, 9, "MaxAttempts"),
        ("/States/Ship/Nxt", 15, 22, "Next"),
    ];
    let expected: Vec<(String, i64, i64, String)> = expected
        .iter()
        .map(|(p, l, c, s)| ((*p).to_owned(), *l, *c, (*s).to_owned()))
        .collect();
    assert_eq!(places, expected, "{}", run.stdout);
    let text: Vec<&str> = ORDER_YAML.lines().collect();
    assert!(text[4][10..].starts_with("Taks"));
    assert!(text[12][8..].starts_with("MaxAttemps"));
    assert!(text[14][21..].starts_with("Nxt"));
}

#[test]
fn misspelt_fields_state_names_and_types_get_suggestions() {
    let definition = json!({"StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Next": "Chrage"},
        "Charge": {"Type": "Task", "Resouce": "http://127.0.0.1:1/c", "Next": "Ship"},
        "Ship": {"Type": "Paralel", "End": true}
    }});
    let run = validate(&["--json", "-"], &definition.to_string());
    assert_eq!(run.code, 1);
    let found: Vec<Value> = (run.json().as_array().unwrap().iter())
        .map(|d| json!([d["code"], d["location"], d["suggestion"]]))
        .collect();
    assert_eq!(
        found,
        [
            json!([
                "SCHEMA_VALIDATION_FAILED",
                "/States/Charge/Resouce",
                "Resource"
            ]),
            json!(["SCHEMA_VALIDATION_FAILED", "/States/Ship/Type", "Parallel"]),
            json!(["MISSING_TRANSITION_TARGET", "/States/Start/Next", "Charge"]),
        ]
    );
    assert!(
        run.stdout.contains(r#"did you mean \"Resource\"?"#),
        "{}",
        run.stdout
    );
}

#[test]
fn a_genuinely_unreachable_state_is_still_warned_and_exits_0() {
    let yaml = "StartAt: A\nStates:\n  A: {Type: Pass, End: true}\n  Lost:\n    Type: Succeed\n";
    let run = validate(&["-"], yaml);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "<stdin>:4:3: warning[UNREACHABLE_STATE]: state 'Lost' cannot be reached from StartAt \
         (at /States/Lost)\n<stdin>: valid, 1 warning\n"
    );
    // Next to a misspelt Next (which still leads where it says), too.
    let with_typo = NXT_YAML.replace(
        "  G: {Type: Succeed}\n",
        "  G: {Type: Succeed}\n  H: {Type: Succeed}\n",
    );
    let run = validate(&["--json", "-"], &with_typo);
    let codes: Vec<Value> = (run.json().as_array().unwrap().iter())
        .map(|d| json!([d["code"], d["location"], d["line"]]))
        .collect();
    assert_eq!(
        codes,
        [
            json!(["SCHEMA_VALIDATION_FAILED", "/States/A/Nxt", 5]),
            json!(["UNREACHABLE_STATE", "/States/H", 12]),
        ]
    );
}

#[test]
fn json_output_has_the_api_shape() {
    let run = validate(&["--json", "-"], ORDER_JSON);
    assert_eq!(run.code, 1);
    for d in run.json().as_array().unwrap() {
        let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        let with_suggestion = [
            "severity",
            "code",
            "message",
            "location",
            "line",
            "column",
            "suggestion",
        ];
        assert!(
            keys == with_suggestion || keys == with_suggestion[..6],
            "{d}"
        );
        assert!(d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1);
        assert!(matches!(d["severity"].as_str(), Some("ERROR" | "WARNING")));
    }
    // JSON and YAML of the same definition: the same problems, each placed in its text.
    let value: Value = serde_yaml_ng::from_str(ORDER_YAML).unwrap();
    let from_json = validate(
        &["--json", "-"],
        &serde_json::to_string_pretty(&value).unwrap(),
    );
    let from_yaml = validate(&["--json", "-"], ORDER_YAML);
    let strip = |run: &Run| -> Vec<Value> {
        (run.json().as_array().unwrap().iter())
            .map(|d| json!([d["code"], d["location"], d["message"], d["suggestion"]]))
            .collect()
    };
    assert_eq!(strip(&from_json), strip(&from_yaml));
    assert_ne!(from_json.json()[0]["line"], from_yaml.json()[0]["line"]);
}

#[test]
fn text_that_is_neither_json_nor_yaml_is_one_error_with_its_place() {
    let run = validate(&["-"], "{ StartAt: [\n");
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with(
            "<stdin>:2:1: error[INVALID_JSON_DESCRIPTION]: the definition is neither JSON nor YAML"
        ),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "<stdin>: invalid: 1 error, 0 warnings");
    // Broken JSON that YAML reads differently is placed where the YAML parser stopped too.
    let run = validate(&["--json", "-"], "{\"StartAt\": \"A\",\n \"States\": {]}");
    assert_eq!(run.code, 1);
    assert_eq!(run.json()[0]["code"], "INVALID_JSON_DESCRIPTION");
    assert_eq!(run.json()[0]["line"], 2, "{}", run.stdout);
}

#[test]
fn a_file_that_cannot_be_read_exits_1_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let run = validate(&[missing.to_str().unwrap()], "");
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
    assert!(run.stderr.contains("missing.json"), "{}", run.stderr);
}
