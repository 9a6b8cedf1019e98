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
    /// Where the problem is in the source text (1-based line), when known: see
    /// [`crate::source`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Where the problem is on that line (1-based, in characters), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The name probably meant ("did you mean …?"): a field, a state or a state type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// Which part of the member at `location` the problem is about.
    #[serde(skip)]
    pub anchor: Anchor,
}

/// The part of a member a diagnostic points at in the source text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Anchor {
    /// The value; for an object or array that is a member, its key (the line that opens
    /// it), which reads better than its first brace or its first field.
    #[default]
    Value,
    /// The key: a field that should not be there, or whose name is wrong.
    Key,
}

impl Diagnostic {
    /// A diagnostic at `location`, not yet placed in the source text.
    pub fn new(
        severity: Severity,
        code: Code,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            location: location.into(),
            line: None,
            column: None,
            suggestion: None,
            anchor: Anchor::Value,
        }
    }

    /// Adds "did you mean …?" to the message and keeps the suggestion.
    pub fn suggesting(mut self, suggestion: Option<&str>) -> Diagnostic {
        if let Some(s) = suggestion {
            self.message = format!("{}; did you mean \"{s}\"?", self.message);
            self.suggestion = Some(s.to_owned());
        }
        self
    }

    /// Points at the key of the member rather than its value.
    pub fn at_key(mut self) -> Diagnostic {
        self.anchor = Anchor::Key;
        self
    }
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
    errors: usize,
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
        self.add(Diagnostic::new(severity, code, loc.as_str(), message));
    }

    /// Adds a diagnostic built with [`Diagnostic::new`] (a suggestion, a key anchor).
    pub fn add(&mut self, diagnostic: Diagnostic) {
        if diagnostic.severity == Severity::Error {
            self.errors += 1;
        }
        self.items.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// How many errors so far (to tell whether reading a part found any).
    pub fn error_count(&self) -> usize {
        self.errors
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
