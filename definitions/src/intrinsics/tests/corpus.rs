//! The AWS-recorded corpus (`shared/conformance/cases`): every case made of Pass states (and
//! Fail states) that calls intrinsics in `Parameters` (or `ErrorPath`/`CausePath`) is run here
//! with a tiny Pass/Fail interpreter around [`Intrinsic::eval`], and must give AWS's result.
//!
//! The context object holds the placeholders the corpus uses for run-specific values
//! (`<ArnPart_0idx>` for the state machine name, …), so the cases that read `$$` match
//! exactly. `States.MathRandom` and `States.UUID` results are checked by shape.

use serde_json::Value;

use super::mini_sfn::{Outcome, run_case};
use crate::intrinsics::looks_like_intrinsic;

/// How many corpus cases use intrinsics in Pass/Fail states (README: 131 in
/// `intrinsic_functions`, of which all but the two Map cases qualify, plus none elsewhere).
const EXPECTED_CASES: usize = 131;

#[test]
fn corpus_cases_match_aws() {
    let Some(files) = crate::testing::corpus_files("corpus_cases_match_aws") else {
        return;
    };
    let mut ran = Vec::new();
    let mut differences = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap();
        let name = case["name"].as_str().unwrap_or_default().to_owned();
        if !qualifies(&case["definition"]) {
            continue;
        }
        match run_case(&case).and_then(|outcome| compare(&case, outcome)) {
            Ok(()) => ran.push(name),
            Err(why) => differences.push(format!("{name}: {why}")),
        }
    }
    eprintln!("{} corpus cases with intrinsics match AWS", ran.len());
    assert!(
        differences.is_empty(),
        "{} cases differ from AWS:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(
        ran.len() >= EXPECTED_CASES,
        "only {} cases ran: {ran:?}",
        ran.len()
    );
}

/// Only Pass and Fail states, and at least one intrinsic in `Parameters`, `ErrorPath` or
/// `CausePath`.
fn qualifies(definition: &Value) -> bool {
    let Some(states) = definition["States"].as_object() else {
        return false;
    };
    let simple = states
        .values()
        .all(|s| matches!(s["Type"].as_str(), Some("Pass" | "Fail")));
    let uses = states.values().any(|s| {
        has_intrinsic(&s["Parameters"])
            || ["ErrorPath", "CausePath"]
                .iter()
                .any(|f| s[*f].as_str().is_some_and(looks_like_intrinsic))
    });
    simple && uses
}

fn has_intrinsic(template: &Value) -> bool {
    match template {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (k.ends_with(".$") && v.as_str().is_some_and(looks_like_intrinsic)) || has_intrinsic(v)
        }),
        Value::Array(items) => items.iter().any(has_intrinsic),
        _ => false,
    }
}

fn compare(case: &Value, outcome: Outcome) -> Result<(), String> {
    let expected = &case["expected"];
    match (expected["status"].as_str(), outcome) {
        (Some("SUCCEEDED"), Outcome::Succeeded(actual)) => {
            matches(&actual, &expected["output"], &case["input"])
        }
        (Some("FAILED"), Outcome::Failed { error, cause }) => {
            let want_cause = expected["cause"].as_str().map(str::to_owned);
            if expected["error"] == error.as_str() && want_cause == cause {
                Ok(())
            } else {
                Err(format!(
                    "got error {error:?} cause {cause:?}, expected {expected}"
                ))
            }
        }
        (status, Outcome::Succeeded(actual)) => {
            Err(format!("got output {actual}, expected {status:?}"))
        }
        (status, Outcome::Failed { error, cause }) => {
            Err(format!("got {error}: {cause:?}, expected {status:?}"))
        }
    }
}

/// Equality, except that placeholders for random values only check the shape.
fn matches(actual: &Value, expected: &Value, input: &Value) -> Result<(), String> {
    let ok = match (actual, expected) {
        (_, Value::String(p)) if p == "RandomNumberGenerated" => {
            let args = &input["FunctionInput"];
            let low = args["fst"].as_f64().map_or(i64::MIN, |f| f.round() as i64);
            let high = args["snd"].as_f64().map_or(i64::MAX, |f| f.round() as i64);
            actual.as_i64().is_some_and(|n| (low..=high).contains(&n))
        }
        (Value::String(s), Value::String(p)) if p == "generated-uuid" => {
            uuid::Uuid::parse_str(s).is_ok_and(|u| u.get_version_num() == 4)
        }
        (Value::Object(a), Value::Object(e)) if a.len() == e.len() => {
            for (key, want) in e {
                let got = a.get(key).ok_or_else(|| format!("missing key {key}"))?;
                matches(got, want, input)?;
            }
            true
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (got, want) in a.iter().zip(e) {
                matches(got, want, input)?;
            }
            true
        }
        (a, e) => a == e,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("got {actual}, expected {expected}"))
    }
}

/// Runs one case by name, for debugging: `CASE=generic__format_1__00 cargo test -p
/// baton-definitions one_corpus_case -- --ignored --nocapture`.
#[test]
#[ignore = "debugging aid; set CASE"]
fn one_corpus_case() {
    let name = std::env::var("CASE").expect("set CASE to a case name");
    let path = crate::testing::corpus_path().join(format!("{name}.json"));
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    match run_case(&case) {
        Ok(Outcome::Succeeded(output)) => eprintln!("output: {output}"),
        Ok(Outcome::Failed { error, cause }) => eprintln!("failed: {error}: {cause:?}"),
        Err(why) => eprintln!("error: {why}"),
    }
    eprintln!("expected: {}", case["expected"]);
    let outcome = run_case(&case).unwrap();
    compare(&case, outcome).unwrap();
}
