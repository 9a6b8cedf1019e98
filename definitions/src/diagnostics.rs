//! Validation diagnostics, shaped as AWS `ValidateStateMachineDefinition` returns them:
//! severity, a stable code, a plain message and a JSON Pointer to the offending field.

use std::fmt;

use serde::Serialize;

/// How bad a problem is. A definition with any `Error` cannot be saved or run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable diagnostic codes. AWS uses `SCHEMA_VALIDATION_FAILED` for most problems; the more
/// specific codes follow AWS's ASL validator where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    /// Not JSON, or not a JSON object at the top.
    InvalidJson,
    /// Unknown field, missing field, wrong type, value out of range, conflicting fields.
    SchemaValidationFailed,
    /// `StartAt`, `Next` or `Default` names no state in its scope.
    MissingTransitionTarget,
    /// Two states share a name (names are unique across the whole machine).
    DuplicateStateName,
    /// No terminal state can be reached from `StartAt`.
    NoTerminalState,
    /// A state that no transition reaches (warning).
    UnreachableState,
    /// A path that does not parse, or a reference path where one is required.
    InvalidJsonPath,
    /// A malformed intrinsic function call.
    InvalidIntrinsic,
    /// A payload template problem (keys that clash after `.$` is stripped, bad `.$` values).
    InvalidPayloadTemplate,
    /// A Retry/Catch `ErrorEquals` problem (`States.ALL` not alone or not last, unknown name).
    InvalidErrorEquals,
    /// A feature Baton does not run yet (JSONata, service integrations, ItemReader …).
    Unsupported,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidJson => "INVALID_JSON_DESCRIPTION",
            Code::SchemaValidationFailed => "SCHEMA_VALIDATION_FAILED",
            Code::MissingTransitionTarget => "MISSING_TRANSITION_TARGET",
            Code::DuplicateStateName => "DUPLICATE_STATE_NAME",
            Code::NoTerminalState => "NO_TERMINAL_STATE",
            Code::UnreachableState => "UNREACHABLE_STATE",
            Code::InvalidJsonPath => "INVALID_JSON_PATH",
            Code::InvalidIntrinsic => "INVALID_INTRINSIC_FUNCTION",
            Code::InvalidPayloadTemplate => "INVALID_PAYLOAD_TEMPLATE",
            Code::InvalidErrorEquals => "INVALID_ERROR_EQUALS",
            Code::Unsupported => "UNSUPPORTED_FEATURE",
        }
    }
}

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    #[serde(serialize_with = "serialize_code")]
    pub code: Code,
    pub message: String,
    /// JSON Pointer (RFC 6901) to the field, e.g. `/States/Charge/Retry/0/BackoffRate`.
    pub location: String,
}

fn serialize_code<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{severity} {} at {}: {}",
            self.code.as_str(),
            self.location,
            self.message
        )
    }
}

/// A JSON Pointer under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loc(String);

impl Loc {
    /// The pointer to the whole document (`""`).
    pub fn root() -> Loc {
        Loc(String::new())
    }

    /// The pointer to a member or element below this one.
    pub fn at(&self, token: impl fmt::Display) -> Loc {
        let token = token.to_string();
        let mut out = String::with_capacity(self.0.len() + token.len() + 1);
        out.push_str(&self.0);
        out.push('/');
        for c in token.chars() {
            match c {
                '~' => out.push_str("~0"),
                '/' => out.push_str("~1"),
                c => out.push(c),
            }
        }
        Loc(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Collects every problem of a definition.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn error(&mut self, code: Code, loc: &Loc, message: impl Into<String>) {
        self.push(Severity::Error, code, loc, message.into());
    }

    pub fn warning(&mut self, code: Code, loc: &Loc, message: impl Into<String>) {
        self.push(Severity::Warning, code, loc, message.into());
    }

    fn push(&mut self, severity: Severity, code: Code, loc: &Loc, message: String) {
        self.items.push(Diagnostic {
            severity,
            code,
            message,
            location: loc.as_str().to_owned(),
        });
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_tokens() {
        let loc = Loc::root().at("States").at("a/b~c").at(0);
        assert_eq!(loc.as_str(), "/States/a~1b~0c/0");
    }

    #[test]
    fn serializes_like_aws() {
        let mut d = Diagnostics::new();
        d.error(
            Code::MissingTransitionTarget,
            &Loc::root().at("StartAt"),
            "no state named X",
        );
        let json = serde_json::to_value(d.items()).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"severity": "ERROR", "code": "MISSING_TRANSITION_TARGET",
                "message": "no state named X", "location": "/StartAt"}])
        );
        assert!(d.has_errors());
    }
}
