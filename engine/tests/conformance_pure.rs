//! The AWS conformance corpus through the pure core alone (simulated time, no store), as a
//! fast check of the stepper. The store-backed run is `conformance_stores.rs`.

use baton_definitions::parse_value;
use baton_engine::machine::driver::drive;
use baton_engine::machine::{Settings, Status};
use baton_engine::testing::conformance::{
    Case, Outcome, assert_all_match, cases, compare, jsonata_cases, variables_cases,
};

#[test]
fn corpus_through_the_pure_core() {
    let Some(cases) = cases("corpus_through_the_pure_core") else {
        return;
    };
    assert!(cases.len() > 870, "corpus has {} cases", cases.len());
    run_all("pure core", &cases);
}

/// The recorded variables (`Assign`) cases alone (the corpus run above includes them), so
/// that a variables regression is named as one.
#[test]
fn variables_through_the_pure_core() {
    let cases = variables_cases("variables_through_the_pure_core");
    assert!(cases.len() >= 24, "variables has {} cases", cases.len());
    run_all("pure core, variables", &cases);
}

/// The recorded JSONata cases alone (the corpus run above includes them).
#[test]
fn jsonata_through_the_pure_core() {
    let cases = jsonata_cases("jsonata_through_the_pure_core");
    assert!(cases.len() >= 116, "jsonata has {} cases", cases.len());
    run_all("pure core, jsonata", &cases);
}

/// Runs every case, prints how the histories compare, and asserts every outcome matches.
fn run_all(label: &str, cases: &[Case]) {
    let settings = Settings::default();
    let mut failures = Vec::new();
    let mut history_checked = 0;
    let mut history_differs = Vec::new();
    for case in cases {
        let (outcome, history) = run(case, &settings);
        if let Some(history) = history {
            history_checked += 1;
            if let Err(why) = history {
                history_differs.push(why);
            }
        }
        if let Err(why) = compare(case, &outcome) {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    eprintln!(
        "{label}: history event types: {}/{history_checked} recorded histories match (as multisets)",
        history_checked - history_differs.len()
    );
    for h in &history_differs {
        eprintln!("  {h}");
    }
    assert_all_match(label, cases.len(), &failures);
}

/// One case's outcome, and how its history's event types compare (when recorded).
fn run(case: &Case, settings: &Settings) -> (Outcome, Option<Result<(), String>>) {
    let def = match parse_value(&case.definition) {
        Ok(def) => def,
        Err(diagnostics) => {
            let outcome = Outcome {
                status: "INVALID".into(),
                output: None,
                error: Some(format!("{diagnostics:?}")),
                cause: None,
            };
            return (outcome, None);
        }
    };
    let run = drive(
        &def.machine,
        settings,
        case.kind(),
        case.input.clone(),
        |_| Ok(serde_json::Value::Null),
        100_000,
    );
    let history = case.history_types.as_ref().map(|want| {
        let got: Vec<&str> = run.history.iter().map(|e| e.kind.as_ref()).collect();
        let mut sorted_want: Vec<&str> = want.iter().map(String::as_str).collect();
        let mut sorted_got = got.clone();
        sorted_want.sort_unstable();
        sorted_got.sort_unstable();
        // Concurrent branches may interleave differently: compare as multisets.
        if sorted_want == sorted_got {
            Ok(())
        } else {
            Err(format!("{}: want {want:?}\n      got  {got:?}", case.name))
        }
    });
    let exec = run.execution;
    let outcome = Outcome {
        status: match exec.status {
            Status::Running => "RUNNING".into(),
            s => s.as_str().into(),
        },
        output: exec.output,
        error: exec.error,
        cause: exec.cause,
    };
    (outcome, Some(history).flatten())
}
