//! What can go wrong in a client command, and the exit code of each.

use std::fmt;

use serde_json::Value;

/// Exit codes of the client commands (also in `baton --help`).
pub mod exit {
    /// The request worked; for `watch`, the execution SUCCEEDED.
    pub const OK: i32 = 0;
    /// The server answered with an error, or the command's own input is unusable.
    pub const ERROR: i32 = 1;
    // 2 is clap's: the command line itself is wrong.
    /// The server could not be reached (or the connection kept dropping).
    pub const UNREACHABLE: i32 = 3;
    /// `watch`: the execution FAILED.
    pub const FAILED: i32 = 4;
    /// `watch`: the execution TIMED_OUT.
    pub const TIMED_OUT: i32 = 5;
    /// `watch`: the execution was ABORTED (stopped).
    pub const ABORTED: i32 = 6;

    /// The exit code of a watched execution's final status.
    pub fn of_status(status: &str) -> i32 {
        match status {
            "SUCCEEDED" => OK,
            "FAILED" => FAILED,
            "TIMED_OUT" => TIMED_OUT,
            "ABORTED" => ABORTED,
            _ => ERROR,
        }
    }
}

/// An error answer of the server: `{"error": code, "message": …}`.
#[derive(Debug)]
pub struct ApiFailure {
    pub code: String,
    pub message: String,
    /// The whole answer (for `--json` and the diagnostics of `InvalidDefinition`).
    pub body: Value,
    /// The answer's text as sent.
    pub raw: String,
}

/// The failure of a client command.
#[derive(Debug)]
pub enum CliError {
    /// The server answered with an error status.
    Api(Box<ApiFailure>),
    /// No answer: connection refused, name not resolved, timed out, dropped.
    Unreachable { endpoint: String, detail: String },
    /// The answer is not what the API promises (not JSON, wrong shape).
    Protocol(String),
    /// The command's own input: an unreadable file, text that is not JSON, a bad endpoint.
    Input(String),
}

impl CliError {
    /// An error answer the client makes itself, in the server's shape.
    pub fn api(code: &str, message: String) -> CliError {
        let body = serde_json::json!({"error": code, "message": message});
        CliError::Api(Box::new(ApiFailure {
            code: code.to_owned(),
            message,
            raw: body.to_string(),
            body,
        }))
    }

    /// The server's error code, for an error answer.
    pub fn code(&self) -> Option<&str> {
        match self {
            CliError::Api(failure) => Some(&failure.code),
            _ => None,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Unreachable { .. } => exit::UNREACHABLE,
            _ => exit::ERROR,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Api(failure) => write!(f, "{}: {}", failure.code, failure.message),
            CliError::Unreachable { endpoint, detail } => {
                write!(f, "cannot reach the baton server at {endpoint}: {detail}")
            }
            CliError::Protocol(m) | CliError::Input(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CliError {}

/// The innermost cause of an error chain (`Connection refused (os error 111)` rather than
/// reqwest's `error sending request for url (…)`).
pub fn root_cause(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
