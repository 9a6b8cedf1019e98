//! Every definition that real AWS ran to SUCCEEDED or FAILED (the conformance corpus,
//! `shared/conformance/cases`; see its README) must pass our validator: no ERROR
//! diagnostics. A case that fails here is a validator bug until shown otherwise.
//!
//! Only `cases/` is read. `later/` holds features we refuse on purpose (JSONata), and
//! this test must not need it. (`later/variables` is run by the engine's conformance
//! tests, now that variables are supported.)

use std::fs;
use std::path::{Path, PathBuf};

use baton_definitions::testing::{corpus_files, corpus_path};
use baton_definitions::{Severity, parse_definition};
use serde_json::Value;

/// The `.json` files of one corpus folder, sorted; `None` when the folder is absent.
fn case_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).ok()?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Some(files)
}

/// Validates one case's definition as text, as an upload would be. `Ok(false)` for a case
/// that does not count (TIMED_OUT); `Err` holds the case name and its errors, one a line.
fn check_case(path: &Path) -> Result<bool, String> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let text = fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let case: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: not JSON: {e}"))?;
    let status = case.pointer("/expected/status").and_then(Value::as_str);
    if !matches!(status, Some("SUCCEEDED" | "FAILED")) {
        return Ok(false);
    }
    let definition = case
        .get("definition")
        .ok_or_else(|| format!("{name}: no 'definition'"))?;
    match parse_definition(&definition.to_string()) {
        Ok(_) => Ok(true),
        Err(diagnostics) => {
            let errors: Vec<String> = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("    {d}"))
                .collect();
            if errors.is_empty() {
                // Refusal always comes with an error; say so if that ever breaks.
                return Err(format!("{name}: rejected without an error diagnostic"));
            }
            Err(format!("{name}:\n{}", errors.join("\n")))
        }
    }
}

/// How a corpus folder fared: the cases checked and a report for each offender.
struct Report {
    checked: usize,
    offenders: Vec<String>,
}

/// Validates every SUCCEEDED/FAILED case of `cases`; `None` when the folder is absent.
fn validate_corpus(cases: &Path) -> Option<Report> {
    let files = case_files(cases)?;
    let mut report = Report {
        checked: 0,
        offenders: Vec::new(),
    };
    for path in &files {
        match check_case(path) {
            Ok(true) => report.checked += 1,
            Ok(false) => {}
            Err(offender) => report.offenders.push(offender),
        }
    }
    Some(report)
}

#[test]
fn corpus_definitions_have_no_errors() {
    if corpus_files("corpus_definitions_have_no_errors").is_none() {
        return;
    }
    let dir = corpus_path();
    let report = validate_corpus(&dir).expect("the corpus folder");
    let Report { checked, offenders } = report;
    eprintln!(
        "{checked} corpus definitions validated, {} rejected",
        offenders.len()
    );
    assert!(
        offenders.is_empty(),
        "{} of {} corpus definitions that AWS ran have validation errors:\n{}",
        offenders.len(),
        checked + offenders.len(),
        offenders.join("\n")
    );
    // Guard against a silently empty run (a renamed field, a moved folder).
    assert!(
        checked > 0,
        "no SUCCEEDED/FAILED case found in {}",
        dir.display()
    );
}

/// `cases/` alone is enough: a copy of it, with no `later/` beside it, gives the same result.
#[test]
fn later_folder_is_not_required() {
    let Some(files) = corpus_files("later_folder_is_not_required") else {
        return;
    };
    let cases = corpus_path();
    let scratch = tempfile::tempdir().expect("temp dir");
    let copy = scratch.path().join("cases");
    fs::create_dir(&copy).expect("create cases/");
    for path in &files {
        fs::copy(path, copy.join(path.file_name().expect("file name"))).expect("copy case");
    }
    assert!(!scratch.path().join("later").exists());
    let original = validate_corpus(&cases).expect("cases/");
    let copied = validate_corpus(&copy).expect("copied cases/");
    assert_eq!(copied.checked, original.checked);
    assert_eq!(copied.offenders, original.offenders);
}
