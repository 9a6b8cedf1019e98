//! The conformance corpus (`../shared/conformance/cases`): executions recorded from real
//! AWS Step Functions, and how to compare Baton's outcome with them.

use serde::Deserialize;
use serde_json::Value;

/// One recorded execution.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub name: String,
    pub definition: Value,
    pub input: Value,
    pub expected: Expected,
    #[serde(default)]
    pub history_types: Option<Vec<String>>,
    #[serde(default)]
    pub fuzzy: bool,
    #[serde(default)]
    pub input_substitutions: Option<serde_json::Map<String, Value>>,
    /// `EXPRESS` for express cases (absent: STANDARD).
    #[serde(default)]
    pub state_machine_type: Option<String>,
}

impl Case {
    /// How AWS started the recorded execution.
    pub fn kind(&self) -> crate::machine::ExecutionKind {
        use crate::machine::ExecutionKind;
        match self.state_machine_type.as_deref() {
            Some("EXPRESS") if self.name.starts_with("express_sync") => ExecutionKind::ExpressSync,
            Some("EXPRESS") => ExecutionKind::Express,
            _ => ExecutionKind::Standard,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Expected {
    pub status: String,
    /// `None` when absent; a recorded `null` output is `Some(Value::Null)`.
    #[serde(default, deserialize_with = "present")]
    pub output: Option<Value>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
}

/// A field that is present, even as `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// What Baton produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: String,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// Every case of the corpus, sorted by name, then the variables cases (`later/variables`,
/// which every run includes now that Baton runs `Assign`) and the JSONata cases
/// (`later/jsonata`), with time-relative inputs filled
/// in; `test` names the caller in messages. When the corpus is missing or empty this panics under CI
/// and returns `None` (after a note) elsewhere: see [`baton_definitions::testing`]. A case
/// that cannot be read panics: a case silently dropped would shrink the total.
pub fn cases(test: &str) -> Option<Vec<Case>> {
    let mut files = baton_definitions::testing::corpus_files(test)?;
    files.extend(baton_definitions::testing::variables_files(test));
    files.extend(baton_definitions::testing::jsonata_files(test));
    Some(read_cases(&files))
}

/// The recorded cases of JSONata states (`later/jsonata`), sorted by name; panics when
/// there are none.
pub fn jsonata_cases(test: &str) -> Vec<Case> {
    read_cases(&baton_definitions::testing::jsonata_files(test))
}

/// The recorded cases of variables (`Assign`, `later/variables`), sorted by name; panics
/// when there are none.
pub fn variables_cases(test: &str) -> Vec<Case> {
    read_cases(&baton_definitions::testing::variables_files(test))
}

fn read_cases(files: &[std::path::PathBuf]) -> Vec<Case> {
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
            let mut case: Case = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not a case: {e}", path.display()));
            case.input = substitute_input(&case);
            case
        })
        .collect()
}

/// Prints `<label>: <passed>/<total> cases match` and every failure, then asserts that
/// there are none: every case must match, not most.
pub fn assert_all_match(label: &str, total: usize, failures: &[String]) {
    let passed = total - failures.len();
    eprintln!("{label}: {passed}/{total} cases match");
    for f in failures {
        eprintln!("  {f}");
    }
    assert!(
        failures.is_empty(),
        "{label}: {} of {total} cases differ:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// Fills time-relative inputs (`<timestamp>`: UTC now + `offset_days`, formatted).
fn substitute_input(case: &Case) -> Value {
    let Some(subs) = &case.input_substitutions else {
        return case.input.clone();
    };
    let mut text = serde_json::to_string(&case.input).unwrap_or_default();
    for (placeholder, spec) in subs {
        let format = spec
            .get("strftime")
            .and_then(Value::as_str)
            .unwrap_or("%Y-%m-%dT%H:%M:%SZ");
        let days = spec.get("offset_days").and_then(Value::as_i64).unwrap_or(0);
        let when = chrono::Utc::now() + chrono::Duration::days(days);
        let formatted = when.format(&format.replace("%f", "%6f")).to_string();
        text = text.replace(placeholder, &formatted);
    }
    serde_json::from_str(&text).unwrap_or_else(|_| case.input.clone())
}

/// Placeholders the snapshot tool put in place of run-specific text.
const PLACEHOLDERS: &[&str] = &[
    "<ArnPart_0idx>",
    "<ExecArnPart_0idx>",
    "<ExpressExecArn_Part1_0idx>",
    "<ExpressExecArn_Part2_0idx>",
    "<SyncExecArn_Part1_0idx>",
    "<SyncExecArn_Part2_0idx>",
    "<partition>",
    "<region>",
    "<json-input:1>",
    "<timestamp>",
    "<uuid:1>",
    "111111111111",
];

/// Whole values that stand for anything of their kind.
const WILDCARDS: &[&str] = &[
    "snf_role_arn",
    "sfn_role_arn",
    "date",
    "start-time",
    "entered-time",
    "RandomNumberGenerated",
    "generated-uuid",
];

/// Compares a recorded outcome with Baton's; `Err` says what differs.
pub fn compare(case: &Case, got: &Outcome) -> Result<(), String> {
    let want = &case.expected;
    if want.status != got.status {
        return Err(format!(
            "status: want {} got {} ({:?}: {:?})",
            want.status, got.status, got.error, got.cause
        ));
    }
    if want.status == "SUCCEEDED" {
        let (Some(w), Some(g)) = (&want.output, &got.output) else {
            return Err(format!(
                "output: want {:?} got {:?}",
                want.output, got.output
            ));
        };
        if !value_matches(w, g, case.fuzzy) {
            return Err(format!("output: want {w} got {g}"));
        }
        return Ok(());
    }
    if want.status == "FAILED" {
        if !opt_matches(&want.error, &got.error, case.fuzzy) {
            return Err(format!("error: want {:?} got {:?}", want.error, got.error));
        }
        if !opt_matches(&want.cause, &got.cause, case.fuzzy) {
            return Err(format!("cause: want {:?} got {:?}", want.cause, got.cause));
        }
    }
    Ok(())
}

fn opt_matches(want: &Option<String>, got: &Option<String>, fuzzy: bool) -> bool {
    match (want, got) {
        (None, None) => true,
        (None, Some(g)) => g.is_empty(),
        (Some(w), None) => w.is_empty(),
        (Some(w), Some(g)) => text_matches(w, g, fuzzy || w.contains('<')),
    }
}

/// JSON equality where placeholders in `want` match any text.
pub fn value_matches(want: &Value, got: &Value, fuzzy: bool) -> bool {
    match (want, got) {
        (Value::String(w), _) if fuzzy && WILDCARDS.contains(&w.as_str()) => true,
        (Value::String(w), Value::String(g)) => text_matches(w, g, fuzzy),
        (Value::Array(w), Value::Array(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|(w, g)| value_matches(w, g, fuzzy))
        }
        (Value::Object(w), Value::Object(g)) => {
            w.len() == g.len()
                && w.iter()
                    .all(|(k, v)| g.get(k).is_some_and(|gv| value_matches(v, gv, fuzzy)))
        }
        _ => want == got,
    }
}

/// String equality where placeholders in `want` match any run of characters.
pub fn text_matches(want: &str, got: &str, fuzzy: bool) -> bool {
    if want == got {
        return true;
    }
    if !fuzzy {
        return false;
    }
    if WILDCARDS.contains(&want) {
        return true;
    }
    // Split `want` into literal pieces around placeholders and match them in order.
    let mut pieces = vec![want.to_owned()];
    for placeholder in PLACEHOLDERS {
        pieces = pieces
            .iter()
            .flat_map(|p| p.split(placeholder).map(str::to_owned).collect::<Vec<_>>())
            .collect();
    }
    if pieces.len() == 1 {
        return false;
    }
    let mut rest = got;
    for (i, piece) in pieces.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(piece.as_str()) else {
                return false;
            };
            rest = r;
        } else if i == pieces.len() - 1 {
            return rest.ends_with(piece.as_str());
        } else {
            let Some(at) = rest.find(piece.as_str()) else {
                return false;
            };
            rest = &rest[at + piece.len()..];
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_match_any_text() {
        assert!(text_matches(
            "arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>",
            "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
            true
        ));
        assert!(!text_matches("arn:<partition>:x", "arn:aws:y", true));
        assert!(text_matches("a <json-input:1> b", "a {\"x\":1} b", true));
        assert!(!text_matches("abc", "abd", true));
        assert!(value_matches(
            &json!({"t": "date", "n": "RandomNumberGenerated"}),
            &json!({"t": "2024", "n": 5}),
            true
        ));
        assert!(!value_matches(
            &json!({"t": "date"}),
            &json!({"t": "2024"}),
            false
        ));
        assert!(!value_matches(&json!([1]), &json!([1.0]), false));
    }
}
