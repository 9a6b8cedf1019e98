//! Validates a state machine definition the way AWS `ValidateStateMachineDefinition` does.
//!
//! ```text
//! cargo run -p baton-definitions --example validate -- FILE   # or - for stdin
//! ```
//!
//! Prints the diagnostics as a pretty JSON array on stdout
//! (`[{"severity", "code", "message", "location", "line"?, "column"?, "suggestion"?}]`)
//! and exits with
//! - 0: the definition is valid (the array holds only warnings, or nothing);
//! - 1: it has errors;
//! - 2: it is not JSON (one `INVALID_JSON_DESCRIPTION` diagnostic is printed), or FILE
//!   cannot be read or the arguments are wrong (a message on stderr, nothing on stdout).
//!
//! The logic is [`run`], so that tests drive it without a process.

use std::io::{self, Read, Write};

use baton_definitions::{Code, Diagnostic, Severity, parse_definition};

/// The definition is valid (warnings allowed).
pub const VALID: i32 = 0;
/// The definition has errors.
pub const INVALID: i32 = 1;
/// The input is not JSON, cannot be read, or the arguments are wrong.
pub const UNREADABLE: i32 = 2;

const USAGE: &str = "usage: validate FILE   (FILE may be - to read standard input)";

/// Runs the validator over `args` (without the program name) and returns the exit code.
/// Never panics: write errors (a closed pipe) are ignored.
pub fn run(
    args: &[String],
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let [file] = args else {
        let _ = writeln!(stderr, "{USAGE}");
        return UNREADABLE;
    };
    let bytes = match read_input(file, stdin) {
        Ok(bytes) => bytes,
        Err(e) => {
            let name = if file == "-" { "standard input" } else { file };
            let _ = writeln!(stderr, "validate: cannot read {name}: {e}");
            return UNREADABLE;
        }
    };
    let (code, diagnostics) = validate_bytes(&bytes);
    let json = serde_json::to_string_pretty(&diagnostics).unwrap_or_else(|_| "[]".to_owned());
    let _ = writeln!(stdout, "{json}");
    let _ = stdout.flush();
    code
}

/// The exit code and diagnostics for definition bytes.
pub fn validate_bytes(bytes: &[u8]) -> (i32, Vec<Diagnostic>) {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let diagnostic = Diagnostic::new(
                Severity::Error,
                Code::InvalidJson,
                "",
                format!("the definition is not valid JSON: it is not UTF-8 text ({e})"),
            );
            return (UNREADABLE, vec![diagnostic]);
        }
    };
    match parse_definition(text) {
        Ok(definition) => (VALID, definition.warnings),
        Err(diagnostics) => {
            let not_json = diagnostics.iter().any(|d| d.code == Code::InvalidJson);
            (if not_json { UNREADABLE } else { INVALID }, diagnostics)
        }
    }
}

fn read_input(file: &str, stdin: &mut dyn Read) -> io::Result<Vec<u8>> {
    if file == "-" {
        let mut bytes = Vec::new();
        stdin.read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(file)
    }
}

#[allow(dead_code)] // unused when tests include this file as a module
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = run(
        &args,
        &mut io::stdin().lock(),
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    );
    std::process::exit(code);
}
