//! The AWS conformance corpus through the pure core alone (simulated time, no store), as a
//! fast check of the stepper. The store-backed run is `conformance_stores.rs`.

use baton_definitions::parse_value;
use baton_engine::machine::driver::drive;
use baton_engine::machine::{Settings, Status};
use baton_engine::testing::conformance::{Outcome, assert_all_match, cases, compare};

#[test]
fn corpus_through_the_pure_core() {
    let Some(cases) = cases("corpus_through_the_pure_core") else {
        return;
    };
    assert!(cases.len() > 700, "corpus has {} cases", cases.len());
    let settings = Settings::default();
    let mut failures = Vec::new();
    let mut history_checked = 0;
    let mut history_differs = Vec::new();
    for case in &cases {
        let outcome = match parse_value(&case.definition) {
            Err(diagnostics) => Outcome {
                status: "INVALID".into(),
                output: None,
                error: Some(format!("{diagnostics:?}")),
                cause: None,
            },
            Ok(def) => {
                let run = drive(
                    &def.machine,
                    &settings,
                    case.kind(),
                    case.input.clone(),
                    |_| Ok(serde_json::Value::Null),
                    100_000,
                );
                if let Some(want) = &case.history_types {
                    history_checked += 1;
                    let got: Vec<&str> = run.history.iter().map(|e| e.kind.as_str()).collect();
                    let mut sorted_want: Vec<&str> = want.iter().map(String::as_str).collect();
                    let mut sorted_got = got.clone();
                    sorted_want.sort_unstable();
                    sorted_got.sort_unstable();
                    // Concurrent branches may interleave differently: compare as multisets.
                    if sorted_want != sorted_got {
                        history_differs
                            .push(format!("{}: want {want:?}\n      got  {got:?}", case.name));
                    }
                }
                let exec = run.execution;
                Outcome {
                    status: match exec.status {
                        Status::Running => "RUNNING".into(),
                        s => s.as_str().into(),
                    },
                    output: exec.output,
                    error: exec.error,
                    cause: exec.cause,
                }
            }
        };
        if let Err(why) = compare(case, &outcome) {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    eprintln!(
        "history event types: {}/{history_checked} recorded histories match (as multisets)",
        history_checked - history_differs.len()
    );
    for h in &history_differs {
        eprintln!("  {h}");
    }
    assert_all_match("pure core", cases.len(), &failures);
}
