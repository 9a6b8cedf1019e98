//! What an external system posts back for a task token, and the AWS `SendTask*` limits.

use std::io;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest `SendTaskSuccess` output: bytes of the UTF-8 JSON text.
pub const MAX_OUTPUT_BYTES: usize = 262_144;
/// Largest `SendTaskFailure` error name, in characters.
pub const MAX_ERROR_CHARS: usize = 256;
/// Largest `SendTaskFailure` cause, in characters.
pub const MAX_CAUSE_CHARS: usize = 32_768;
/// Shortest task token text the AWS API accepts, in characters.
pub const MIN_TOKEN_CHARS: usize = 1;
/// Longest task token text the AWS API accepts, in characters. Tokens Baton mints are at
/// most [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) characters.
pub const MAX_TOKEN_CHARS: usize = 2048;

/// A callback for a waiting task, as stored until the engine applies it.
///
/// Serialized adjacently tagged, so any JSON output survives a round trip:
/// `{"type":"success","data":<output>}`,
/// `{"type":"failure","data":{"error":"E","cause":"C"}}` (absent fields omitted),
/// `{"type":"heartbeat"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// `SendTaskSuccess`: the task's output.
    Success(Value),
    /// `SendTaskFailure`: an error name for Retry/Catch matching and a human cause.
    Failure {
        /// The error name; at most [`MAX_ERROR_CHARS`] characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The cause; at most [`MAX_CAUSE_CHARS`] characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
    },
    /// `SendTaskHeartbeat`: the task is still alive; resets its heartbeat timeout.
    Heartbeat,
}

impl CallbackOutcome {
    /// A success from the JSON text of a `SendTaskSuccess` request (see
    /// [`parse_success_output`]).
    pub fn success_from_text(text: &str) -> Result<Self, OutcomeError> {
        parse_success_output(text).map(Self::Success)
    }

    /// A failure, with the error and cause checked against their limits.
    pub fn failure(error: Option<String>, cause: Option<String>) -> Result<Self, OutcomeError> {
        let outcome = Self::Failure { error, cause };
        outcome.validate()?;
        Ok(outcome)
    }

    /// Whether this outcome ends the wait (success or failure) rather than extending it.
    pub fn is_terminal(&self) -> bool {
        !matches!(self, Self::Heartbeat)
    }

    /// Checks every limit, e.g. on an outcome built in code or loaded from storage. A
    /// success's output is measured as compact JSON, and the measuring stops at the limit.
    pub fn validate(&self) -> Result<(), OutcomeError> {
        match self {
            Self::Success(value) => {
                let mut counter = ByteCounter(0);
                match serde_json::to_writer(&mut counter, value) {
                    Ok(()) => Ok(()),
                    Err(_) => Err(OutcomeError::OutputTooLarge { len: counter.0 }),
                }
            }
            Self::Failure { error, cause } => {
                error.as_deref().map_or(Ok(()), validate_error)?;
                cause.as_deref().map_or(Ok(()), validate_cause)
            }
            Self::Heartbeat => Ok(()),
        }
    }
}

/// Why a callback's content was refused. Mapping to AWS errors at the edge:
/// [`InvalidOutput`](Self::InvalidOutput) and [`OutputTooLarge`](Self::OutputTooLarge) →
/// `InvalidOutput` (AWS itself reports an oversized field as a length-constraint
/// `ValidationException`; the gateway picks); the rest → `ValidationException`.
#[derive(Debug, thiserror::Error)]
pub enum OutcomeError {
    /// The output text is not a single JSON value (or nests deeper than serde_json's
    /// recursion limit of 128).
    #[error("output is not valid JSON: {0}")]
    InvalidOutput(#[source] serde_json::Error),
    /// The output is larger than [`MAX_OUTPUT_BYTES`].
    #[error("output is at least {len} bytes; at most {MAX_OUTPUT_BYTES} are allowed")]
    OutputTooLarge {
        /// Bytes measured (measuring stops just past the limit).
        len: usize,
    },
    /// The error name is longer than [`MAX_ERROR_CHARS`].
    #[error("error is longer than {MAX_ERROR_CHARS} characters")]
    ErrorTooLong,
    /// The cause is longer than [`MAX_CAUSE_CHARS`].
    #[error("cause is longer than {MAX_CAUSE_CHARS} characters")]
    CauseTooLong,
    /// The task token text is empty or longer than [`MAX_TOKEN_CHARS`].
    #[error("task token must be {MIN_TOKEN_CHARS} to {MAX_TOKEN_CHARS} characters")]
    TokenLength,
}

/// Parses the `output` of a `SendTaskSuccess` request. The size is checked first, on the
/// UTF-8 bytes of the text, so an oversized body is never parsed.
pub fn parse_success_output(text: &str) -> Result<Value, OutcomeError> {
    if text.len() > MAX_OUTPUT_BYTES {
        return Err(OutcomeError::OutputTooLarge { len: text.len() });
    }
    serde_json::from_str(text).map_err(OutcomeError::InvalidOutput)
}

/// Checks a `SendTaskFailure` error name: at most [`MAX_ERROR_CHARS`] characters.
pub fn validate_error(error: &str) -> Result<(), OutcomeError> {
    within_chars(error, MAX_ERROR_CHARS).ok_or(OutcomeError::ErrorTooLong)
}

/// Checks a `SendTaskFailure` cause: at most [`MAX_CAUSE_CHARS`] characters.
pub fn validate_cause(cause: &str) -> Result<(), OutcomeError> {
    within_chars(cause, MAX_CAUSE_CHARS).ok_or(OutcomeError::CauseTooLong)
}

/// Checks the length of task token text as the AWS API does (1 to 2,048 characters), before
/// it is verified.
pub fn validate_task_token_text(token: &str) -> Result<(), OutcomeError> {
    let ok = !token.is_empty() && within_chars(token, MAX_TOKEN_CHARS).is_some();
    if ok {
        Ok(())
    } else {
        Err(OutcomeError::TokenLength)
    }
}

/// `Some(())` if `text` has at most `max` characters (Unicode scalar values). Counts at most
/// `max + 1` characters, so a huge string costs no more than a short one.
fn within_chars(text: &str, max: usize) -> Option<()> {
    let fits = text.len() <= max || text.chars().take(max + 1).count() <= max;
    fits.then_some(())
}

/// Counts bytes written and fails once past [`MAX_OUTPUT_BYTES`].
struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        if self.0 > MAX_OUTPUT_BYTES {
            Err(io::Error::other("output too large"))
        } else {
            Ok(buf.len())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
