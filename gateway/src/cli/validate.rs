//! `baton validate [--json] FILE|-`: checks a definition, JSON or YAML (as
//! `POST /v1/validate` takes it), from a file or standard input.
//!
//! Each problem is one line, placed in the text as written (the YAML, not the JSON it
//! becomes), then a summary line:
//!
//! ```text
//! m.asl.yaml:6:5: error[SCHEMA_VALIDATION_FAILED]: field 'Nxt' is not supported in a Pass state; did you mean "Next"? (at /States/A/Nxt)
//! m.asl.yaml: invalid: 1 error, 0 warnings
//! ```
//!
//! `--json` prints the diagnostics as a JSON array instead, as `POST /v1/validate` gives
//! them (`line`, `column` and `suggestion` when known). The exit code is 1 when any
//! problem is an error (or the file cannot be read), 0 otherwise: warnings pass.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Context;
use clap::Args;

use baton_definitions::{Diagnostic, Severity, parse_definition, source};

/// `baton validate` arguments.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The definition, JSON or YAML; `-` reads standard input.
    pub file: String,
    /// Print the diagnostics as a JSON array rather than one line each.
    #[arg(long)]
    pub json: bool,
}

pub fn validate(args: &ValidateArgs) -> anyhow::Result<()> {
    let (name, bytes) = if args.file == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .context("cannot read the definition from standard input")?;
        ("<stdin>", bytes)
    } else {
        let bytes =
            std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file))?;
        (args.file.as_str(), bytes)
    };
    let diagnostics = diagnostics_of(&bytes);
    let text = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&diagnostics)?)
    } else {
        report(name, &diagnostics)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        std::process::exit(1);
    }
    Ok(())
}

/// Every problem of a definition (errors and warnings), placed in its text as written.
pub fn diagnostics_of(bytes: &[u8]) -> Vec<Diagnostic> {
    let decoded = baton_gateway::rest::body::decode_definition(bytes, false);
    let Ok(source) = std::str::from_utf8(bytes) else {
        // Not UTF-8: the one diagnostic says so, and there is no text to place it in.
        return decoded.err().into_iter().collect();
    };
    match decoded {
        // JSON, kept as written: the parser placed its diagnostics in it.
        Ok(json) if json == source => all(&json),
        // YAML, read as the JSON it stands for: place the diagnostics in the YAML.
        Ok(json) => {
            let mut diagnostics = all(&json);
            source::locate_yaml(source, &mut diagnostics);
            diagnostics
        }
        // Neither JSON nor YAML: the YAML parser's stop is the place.
        Err(unreadable) => {
            let mut diagnostics = vec![unreadable];
            source::locate_yaml(source, &mut diagnostics);
            diagnostics
        }
    }
}

fn all(json: &str) -> Vec<Diagnostic> {
    match parse_definition(json) {
        Ok(definition) => definition.warnings,
        Err(all) => all,
    }
}

/// One line per diagnostic, `NAME:LINE:COL: error[CODE]: message (at POINTER)`, and a
/// summary line.
pub fn report(name: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let place = match (d.line, d.column) {
            (Some(line), Some(column)) => format!("{name}:{line}:{column}"),
            _ => name.to_owned(),
        };
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let message = d.message.replace(['\r', '\n'], " ");
        let at = if d.location.is_empty() {
            String::new()
        } else {
            format!(" (at {})", d.location)
        };
        let _ = writeln!(
            out,
            "{place}: {severity}[{}]: {message}{at}",
            d.code.as_str()
        );
    }
    let errors = (diagnostics.iter())
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let _ = match (errors, warnings) {
        (0, 0) => writeln!(out, "{name}: valid"),
        (0, w) => writeln!(out, "{name}: valid, {}", count(w, "warning")),
        (e, w) => writeln!(
            out,
            "{name}: invalid: {}, {}",
            count(e, "error"),
            count(w, "warning")
        ),
    };
    out
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
