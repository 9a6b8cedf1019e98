//! Test support (feature `test-util`, and this crate's own tests): where the conformance
//! corpus lives, and the rule every test that reads it follows. This module reads the file
//! system and the environment; the rest of the crate stays pure.
//!
//! The corpus is `../shared/conformance/cases` beside the workspace (executions recorded on
//! real AWS; see its README). A test that needs it and does not find it (no folder, or no
//! `.json` case in it) **fails under CI** (`CI=true` or `CI=1`): CI never passes by skipping.
//! Elsewhere it skips with a note on stderr, so a checkout without the corpus still builds
//! and tests.

use std::path::{Path, PathBuf};

/// Whether this is a CI run (`CI=true` or `CI=1`, as CI services and `.ci/run` set it).
pub fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true" | "1"))
}

/// The corpus folder: `shared/conformance/cases` beside the workspace, or the folder named
/// by `BATON_CONFORMANCE_CASES` when that is set (to run the corpus from elsewhere, or to
/// check what a run without it does).
pub fn corpus_path() -> PathBuf {
    match std::env::var_os("BATON_CONFORMANCE_CASES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/cases"),
    }
}

/// The recorded cases of variables (`Assign`): `later/variables` beside the corpus folder.
pub fn variables_path() -> PathBuf {
    corpus_path().join("../later/variables")
}

/// The `.json` files of the variables cases, sorted; panics (naming `test`) when there are
/// none, as [`corpus_files`] does.
pub fn variables_files(test: &str) -> Vec<PathBuf> {
    let dir = variables_path();
    let files = json_files(&dir);
    assert!(
        !files.is_empty(),
        "{test}: the variables cases {} hold no .json case: put `shared/conformance` beside the workspace",
        dir.display()
    );
    files
}

/// The recorded cases of JSONata states: `later/jsonata` beside the corpus folder.
pub fn jsonata_path() -> PathBuf {
    corpus_path().join("../later/jsonata")
}

/// The `.json` files of the JSONata cases, sorted; panics (naming `test`) when there are
/// none, as [`corpus_files`] does.
pub fn jsonata_files(test: &str) -> Vec<PathBuf> {
    let dir = jsonata_path();
    let files = json_files(&dir);
    assert!(
        !files.is_empty(),
        "{test}: the JSONata cases {} hold no .json case: put `shared/conformance` beside the workspace",
        dir.display()
    );
    files
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    files
}

/// The corpus's `.json` case files, sorted by name. When there are none (no folder, or an
/// empty one) this panics with what is missing: no test skips. Always `Some` (the `Option`
/// is kept for the callers' `let … else`).
pub fn corpus_files(test: &str) -> Option<Vec<PathBuf>> {
    let dir = corpus_path();
    let files = json_files(&dir);
    if !files.is_empty() {
        return Some(files);
    }
    let what = if dir.is_dir() {
        "holds no .json case"
    } else {
        "does not exist"
    };
    // No test skips: `bash .ci/test` checks for the corpus first and says where it goes.
    panic!(
        "{test}: the conformance corpus {} {what}: put `shared/conformance` beside the workspace, or name the folder in BATON_CONFORMANCE_CASES",
        dir.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_is_read_from_the_environment() {
        // Only reads: the variable belongs to whoever runs the tests.
        let expected = matches!(std::env::var("CI").as_deref(), Ok("true" | "1"));
        assert_eq!(in_ci(), expected);
    }
}
