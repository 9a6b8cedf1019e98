//! The JSONata differential test: every expression of the corpus (curated + generated, at
//! least 2,000) is evaluated by Baton's evaluator (`baton_definitions::jsonata`) and by npm
//! `jsonata@2.0.6`, the version AWS runs (tests/jsonata-diff/run.js under Node). Results must
//! be identical (value, undefined, function, or error code and message) except for the
//! differences listed with their reason in `tests/jsonata/known_differences.json`; a listed
//! difference that no longer differs must be removed from the list.
//!
//! Node and the npm package are required (`cd tests/jsonata-diff && npm ci`, done by
//! .ci/prereqs): without them the test fails.

#[path = "jsonata/corpus.rs"]
mod corpus;
#[path = "jsonata/generate.rs"]
mod generate;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use baton_definitions::jsonata::{Evaluated, Jsonata, JsonataEnv};
use serde_json::Value;

use corpus::Case;

/// The environment both sides evaluate in (run.js fixes Date and Math.random to these).
const NOW_MILLIS: i64 = 1_700_000_000_123;
const SEED: u64 = 42;
const GENERATED: usize = 1_600;

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Compact JSON text (keys in order, numbers as serde_json prints them).
    Value(String),
    Undefined,
    Function,
    Error {
        code: String,
        message: String,
    },
    Panic(String),
}

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/jsonata-diff")
}

fn cases() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jsonata");
    let text = std::fs::read_to_string(dir.join("curated.txt")).expect("read curated.txt");
    let mut cases = corpus::curated(&text);
    cases.extend(generate::cases(GENERATED, 0x5EED_0001));
    cases
}

fn run_reference(cases: &[Case]) -> BTreeMap<String, Outcome> {
    let dir = reference_dir();
    assert!(
        dir.join("node_modules/jsonata/package.json").exists(),
        "npm jsonata is not installed: run `npm ci` in {} (.ci/prereqs does)",
        dir.display()
    );
    // Kept after the run, to replay a case by hand.
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jsonata-diff-cases.jsonl");
    let lines: Vec<String> = cases.iter().map(|c| c.to_json().to_string()).collect();
    std::fs::write(&file, lines.join("\n")).expect("write cases");
    let output = Command::new("node")
        .arg(dir.join("run.js"))
        .arg(&file)
        .output()
        .expect("node is required for the JSONata differential test (install Node 18+)");
    assert!(
        output.status.success(),
        "run.js failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut out = BTreeMap::new();
    for line in String::from_utf8(output.stdout).expect("utf-8").lines() {
        let v: Value = serde_json::from_str(line).expect("run.js prints JSON lines");
        let id = v["id"].as_str().expect("id").to_string();
        let outcome = if let Some(value) = v.get("value") {
            Outcome::Value(value.to_string())
        } else if v.get("undefined").is_some() {
            Outcome::Undefined
        } else if v.get("function").is_some() {
            Outcome::Function
        } else {
            Outcome::Error {
                code: v["error"]["code"].as_str().unwrap_or("").to_string(),
                message: v["error"]["message"].as_str().unwrap_or("").to_string(),
            }
        };
        out.insert(id, outcome);
    }
    out
}

fn run_ours(case: &Case) -> Outcome {
    let result = std::panic::catch_unwind(|| {
        let expr = Jsonata::parse(&case.expr)?;
        let mut env = JsonataEnv::new(NOW_MILLIS, SEED);
        expr.evaluate_with_input(
            case.input.as_ref(),
            &|name| case.bindings.get(name).cloned(),
            &mut env,
        )
    });
    match result {
        Err(panic) => Outcome::Panic(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        ),
        Ok(Err(e)) => Outcome::Error {
            code: e.code,
            message: e.message,
        },
        Ok(Ok(Evaluated::Value(v))) => Outcome::Value(v.to_string()),
        Ok(Ok(Evaluated::Undefined)) => Outcome::Undefined,
        Ok(Ok(Evaluated::Function)) => Outcome::Function,
    }
}

fn known_differences() -> BTreeMap<String, String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jsonata/known_differences.json");
    let list: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read known_differences.json"))
            .expect("known_differences.json is a JSON array");
    list.into_iter()
        .map(|d| {
            let id = d["id"]
                .as_str()
                .expect("a known difference has an id")
                .to_string();
            let reason = d["reason"]
                .as_str()
                .expect("a known difference has a reason");
            assert!(
                !reason.trim().is_empty(),
                "known difference {id} gives no reason"
            );
            (id, reason.to_string())
        })
        .collect()
}

/// Rewrites known_differences.json with the current differences: listed reasons are kept,
/// new entries get a reason from [`classify`] to be reviewed by hand
/// (`BATON_JSONATA_WRITE_KNOWN=1 cargo test -p baton-definitions --test jsonata_differential`).
fn write_known(
    cases: &[Case],
    reference: &BTreeMap<String, Outcome>,
    known: &BTreeMap<String, String>,
) {
    let mut list = Vec::new();
    for case in cases {
        let ours = run_ours(case);
        let theirs = &reference[&case.id];
        if &ours == theirs {
            continue;
        }
        let reason = known
            .get(&case.id)
            .cloned()
            .unwrap_or_else(|| classify(case, theirs, &ours));
        list.push(serde_json::json!({"id": case.id, "reason": reason}));
    }
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jsonata/known_differences.json");
    let text = serde_json::to_string_pretty(&list).expect("json") + "\n";
    std::fs::write(path, text).expect("write known_differences.json");
}

fn classify(case: &Case, theirs: &Outcome, ours: &Outcome) -> String {
    match (theirs, ours) {
        (_, Outcome::Error { code, .. }) if case.expr.contains("$eval") && code == "T1006" => {
            "AWS refuses $eval; Baton makes it an undefined function (T1006)".to_string()
        }
        (Outcome::Error { code: a, .. }, Outcome::Error { code: b, .. }) if a == b => {
            let detail = match a.as_str() {
                "T0410" | "T0411" | "T0412" => {
                    "jsonata-core's message names the argument's expected type, not the function"
                }
                "T2009" => "jsonata-core's message leaves out the two values",
                "T2010" => "jsonata-core's message names the operand types, not the operator",
                c if c.starts_with('S') => {
                    "jsonata-core's syntax-error message words the token differently"
                }
                _ => "jsonata-core words the message differently",
            };
            format!("error message: same code {a}; {detail}")
        }
        _ => "UNREVIEWED".to_string(),
    }
}

#[test]
fn baton_jsonata_matches_jsonata_js_2_0_6() {
    let cases = cases();
    let mut seen = BTreeSet::new();
    for c in &cases {
        assert!(seen.insert(c.id.clone()), "duplicate case id {}", c.id);
    }
    let reference = run_reference(&cases);
    assert_eq!(reference.len(), cases.len(), "run.js answered every case");
    let known = known_differences();

    let mut identical = 0;
    let mut unexplained = Vec::new();
    let mut explained = 0;
    for case in &cases {
        let theirs = &reference[&case.id];
        let ours = run_ours(case);
        if &ours == theirs {
            identical += 1;
            continue;
        }
        let listed = known.contains_key(&case.id);
        println!(
            "{} {}\n    expr:   {}\n    jsonata-js: {:?}\n    baton:      {:?}{}",
            if listed { "KNOWN" } else { "DIFF " },
            case.id,
            case.expr,
            theirs,
            ours,
            known
                .get(&case.id)
                .map(|r| format!("\n    reason: {r}"))
                .unwrap_or_default()
        );
        if listed && !matches!(ours, Outcome::Panic(_)) {
            explained += 1;
        } else {
            unexplained.push(case.id.clone());
        }
    }
    let differing: BTreeSet<&String> = cases
        .iter()
        .filter(|c| run_ours(c) != reference[&c.id])
        .map(|c| &c.id)
        .collect();
    let stale: Vec<&String> = known.keys().filter(|id| !differing.contains(id)).collect();
    if std::env::var_os("BATON_JSONATA_WRITE_KNOWN").is_some() {
        write_known(&cases, &reference, &known);
    }
    println!(
        "JSONata differential: total {}, identical {}, known differences {}, unexplained {}, stale known entries {}",
        cases.len(),
        identical,
        explained,
        unexplained.len(),
        stale.len()
    );
    assert!(cases.len() >= 2_000, "the corpus has at least 2,000 cases");
    assert!(
        unexplained.is_empty(),
        "unexplained differences: {unexplained:#?}"
    );
    assert!(
        stale.is_empty(),
        "known differences that no longer differ: {stale:#?}"
    );
}
