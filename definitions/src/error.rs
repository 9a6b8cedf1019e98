//! ASL error names and the runtime failure value (`{"Error", "Cause"}`).
//!
//! Error names are a typed enum ([`ErrorName`]); user and service errors that do not start
//! with `States.` are kept as [`ErrorName::Custom`]. Matching against `ErrorEquals` lives in
//! [`crate::retry`].

use std::fmt;

use serde_json::{Value, json};

/// An ASL error name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorName {
    /// `States.ALL` — only meaningful in `ErrorEquals`.
    All,
    /// `States.Runtime` — never retried, not caught by `States.ALL`.
    Runtime,
    /// `States.Timeout`.
    Timeout,
    /// `States.TaskFailed`.
    TaskFailed,
    /// `States.HeartbeatTimeout`.
    HeartbeatTimeout,
    /// `States.Permissions`.
    Permissions,
    /// `States.ResultPathMatchFailure`.
    ResultPathMatchFailure,
    /// `States.ParameterPathFailure` (reserved by AWS, reported as `States.Runtime`).
    ParameterPathFailure,
    /// `States.IntrinsicFailure` (reserved by AWS, reported as `States.Runtime`).
    IntrinsicFailure,
    /// `States.NoChoiceMatched` (reserved by AWS, reported as `States.Runtime`).
    NoChoiceMatched,
    /// `States.BranchFailed`.
    BranchFailed,
    /// `States.ExceedToleratedFailureThreshold`.
    ExceedToleratedFailureThreshold,
    /// `States.ItemReaderFailed`.
    ItemReaderFailed,
    /// `States.ResultWriterFailed`.
    ResultWriterFailed,
    /// `States.QueryEvaluationError`.
    QueryEvaluationError,
    /// `States.DataLimitExceeded` — terminal, not caught by `States.ALL`.
    DataLimitExceeded,
    /// `States.Http.Socket`.
    HttpSocket,
    /// `States.Http.StatusCode.NNN`.
    HttpStatusCode(u16),
    /// Any other name (user errors, `SendTaskFailure` errors, and unknown `States.*` names).
    Custom(String),
}

impl ErrorName {
    /// Parses a name as written in a definition or sent by a service.
    pub fn parse(name: &str) -> ErrorName {
        match name {
            "States.ALL" => ErrorName::All,
            "States.Runtime" => ErrorName::Runtime,
            "States.Timeout" => ErrorName::Timeout,
            "States.TaskFailed" => ErrorName::TaskFailed,
            "States.HeartbeatTimeout" => ErrorName::HeartbeatTimeout,
            "States.Permissions" => ErrorName::Permissions,
            "States.ResultPathMatchFailure" => ErrorName::ResultPathMatchFailure,
            "States.ParameterPathFailure" => ErrorName::ParameterPathFailure,
            "States.IntrinsicFailure" => ErrorName::IntrinsicFailure,
            "States.NoChoiceMatched" => ErrorName::NoChoiceMatched,
            "States.BranchFailed" => ErrorName::BranchFailed,
            "States.ExceedToleratedFailureThreshold" => ErrorName::ExceedToleratedFailureThreshold,
            "States.ItemReaderFailed" => ErrorName::ItemReaderFailed,
            "States.ResultWriterFailed" => ErrorName::ResultWriterFailed,
            "States.QueryEvaluationError" => ErrorName::QueryEvaluationError,
            "States.DataLimitExceeded" => ErrorName::DataLimitExceeded,
            "States.Http.Socket" => ErrorName::HttpSocket,
            other => match other.strip_prefix("States.Http.StatusCode.") {
                Some(code) if code.len() == 3 => match code.parse::<u16>() {
                    Ok(c) => ErrorName::HttpStatusCode(c),
                    Err(_) => ErrorName::Custom(other.to_owned()),
                },
                _ => ErrorName::Custom(other.to_owned()),
            },
        }
    }

    /// True for names that `States.ALL` does not match and that are never retried.
    pub fn is_terminal(&self) -> bool {
        matches!(self, ErrorName::Runtime | ErrorName::DataLimitExceeded)
    }

    /// True for predefined names (`States.*`), which a definition's `ErrorEquals` may use.
    pub fn is_predefined(&self) -> bool {
        !matches!(self, ErrorName::Custom(_))
    }
}

impl fmt::Display for ErrorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorName::All => "States.ALL",
            ErrorName::Runtime => "States.Runtime",
            ErrorName::Timeout => "States.Timeout",
            ErrorName::TaskFailed => "States.TaskFailed",
            ErrorName::HeartbeatTimeout => "States.HeartbeatTimeout",
            ErrorName::Permissions => "States.Permissions",
            ErrorName::ResultPathMatchFailure => "States.ResultPathMatchFailure",
            ErrorName::ParameterPathFailure => "States.ParameterPathFailure",
            ErrorName::IntrinsicFailure => "States.IntrinsicFailure",
            ErrorName::NoChoiceMatched => "States.NoChoiceMatched",
            ErrorName::BranchFailed => "States.BranchFailed",
            ErrorName::ExceedToleratedFailureThreshold => "States.ExceedToleratedFailureThreshold",
            ErrorName::ItemReaderFailed => "States.ItemReaderFailed",
            ErrorName::ResultWriterFailed => "States.ResultWriterFailed",
            ErrorName::QueryEvaluationError => "States.QueryEvaluationError",
            ErrorName::DataLimitExceeded => "States.DataLimitExceeded",
            ErrorName::HttpSocket => "States.Http.Socket",
            ErrorName::HttpStatusCode(code) => return write!(f, "States.Http.StatusCode.{code}"),
            ErrorName::Custom(name) => name,
        };
        f.write_str(s)
    }
}

/// A failed state: an error name and an optional cause, as AWS reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: ErrorName,
    /// `None` when no cause was given (a Fail state without `Cause`).
    pub cause: Option<String>,
}

impl Failure {
    pub fn new(error: ErrorName, cause: impl Into<String>) -> Failure {
        Failure {
            error,
            cause: Some(cause.into()),
        }
    }

    /// A `States.Runtime` failure: the message AWS gives after the state prefix.
    pub fn runtime(cause: impl Into<String>) -> Failure {
        Failure::new(ErrorName::Runtime, cause)
    }

    /// The Error Output object given to a Catcher: `{"Error": …, "Cause": …}`.
    pub fn error_output(&self) -> Value {
        match &self.cause {
            Some(cause) => json!({"Error": self.error.to_string(), "Cause": cause}),
            None => json!({"Error": self.error.to_string()}),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{}: {}", self.error, cause),
            None => write!(f, "{}", self.error),
        }
    }
}

impl std::error::Error for Failure {}

/// `Result` with [`Failure`] as the error type.
pub type Result<T, E = Failure> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "States.ALL",
            "States.Runtime",
            "States.Timeout",
            "States.TaskFailed",
            "States.HeartbeatTimeout",
            "States.Permissions",
            "States.ResultPathMatchFailure",
            "States.ParameterPathFailure",
            "States.IntrinsicFailure",
            "States.NoChoiceMatched",
            "States.BranchFailed",
            "States.ExceedToleratedFailureThreshold",
            "States.ItemReaderFailed",
            "States.ResultWriterFailed",
            "States.QueryEvaluationError",
            "States.DataLimitExceeded",
            "States.Http.Socket",
            "States.Http.StatusCode.404",
            "MyError",
            "States.Http.StatusCode.4044",
        ] {
            assert_eq!(ErrorName::parse(name).to_string(), name);
        }
        assert_eq!(
            ErrorName::parse("States.Http.StatusCode.503"),
            ErrorName::HttpStatusCode(503)
        );
        assert!(matches!(
            ErrorName::parse("States.Http.StatusCode.abc"),
            ErrorName::Custom(_)
        ));
    }

    #[test]
    fn terminal_names() {
        assert!(ErrorName::Runtime.is_terminal());
        assert!(ErrorName::DataLimitExceeded.is_terminal());
        assert!(!ErrorName::Timeout.is_terminal());
    }

    #[test]
    fn error_output_omits_missing_cause() {
        let f = Failure {
            error: ErrorName::Custom("E".into()),
            cause: None,
        };
        assert_eq!(f.error_output(), json!({"Error": "E"}));
        assert_eq!(
            Failure::runtime("x").error_output(),
            json!({"Error": "States.Runtime", "Cause": "x"})
        );
    }
}
