//! Retry and Catch: matching an error against `ErrorEquals`, and the delay before a retry.

use std::time::Duration;

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::error::ErrorName;
use crate::parse::fields::{Obj, PathField};

/// `JitterStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    #[default]
    None,
    Full,
}

/// One element of `Retry`.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    pub error_equals: Vec<ErrorName>,
    pub interval_seconds: u64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
}

/// One element of `Catch`. `next` names a state of the same scope.
#[derive(Debug, Clone)]
pub struct Catcher {
    pub error_equals: Vec<ErrorName>,
    pub next: String,
    pub result_path: PathField,
    /// `Assign`, evaluated over the error output (`{Error, Cause}`).
    pub assign: Option<crate::template::Template>,
}

/// True when `error` is matched by one of `names`.
///
/// `States.ALL` matches everything but `States.Runtime` and `States.DataLimitExceeded`;
/// `States.TaskFailed` matches every error but those and `States.Timeout`. `States.Runtime`
/// is matched by nothing: AWS always fails the execution with it.
pub fn error_matches(names: &[ErrorName], error: &ErrorName) -> bool {
    if *error == ErrorName::Runtime {
        return false;
    }
    names.iter().any(|name| match name {
        ErrorName::All => !error.is_terminal(),
        ErrorName::TaskFailed => !error.is_terminal() && *error != ErrorName::Timeout,
        other => other == error,
    })
}

impl Retrier {
    /// The delay before retry number `attempt` (1-based), from `IntervalSeconds`,
    /// `BackoffRate` and `MaxDelaySeconds`; with `FULL` jitter, `random` (in `[0, 1)`)
    /// scales it down uniformly.
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(1_000) as i32;
        let mut seconds = self.interval_seconds as f64 * self.backoff_rate.powi(exponent);
        if let Some(max) = self.max_delay_seconds {
            seconds = seconds.min(max as f64);
        }
        // Never beyond a year (the longest execution) even without MaxDelaySeconds.
        seconds = seconds.min(31_622_400.0);
        if self.jitter == Jitter::Full {
            seconds *= random.clamp(0.0, 1.0);
        }
        Duration::from_millis((seconds * 1000.0).round() as u64)
    }
}

/// What to do with an error, given the retriers and how often each has fired in this state.
#[derive(Debug, Clone, PartialEq)]
pub enum Recovery {
    /// Retry after this delay; `retrier` is the index whose counter was used.
    Retry {
        retrier: usize,
        attempt: u32,
        delay: Duration,
    },
    /// Go to catcher `index`.
    Catch(usize),
    /// Fail the state.
    Fail,
}

/// Decides between retry, catch and failure. `counts[i]` is how many retries retrier `i`
/// has made in this state visit; the caller increments it on `Retry`.
pub fn recover(
    retriers: &[Retrier],
    catchers: &[Catcher],
    counts: &[u32],
    error: &ErrorName,
    random: f64,
) -> Recovery {
    if let Some((i, retrier)) = retriers
        .iter()
        .enumerate()
        .find(|(_, r)| error_matches(&r.error_equals, error))
    {
        let done = counts.get(i).copied().unwrap_or(0);
        if done < retrier.max_attempts {
            let attempt = done + 1;
            return Recovery::Retry {
                retrier: i,
                attempt,
                delay: retrier.delay(attempt, random),
            };
        }
    }
    match catchers
        .iter()
        .position(|c| error_matches(&c.error_equals, error))
    {
        Some(i) => Recovery::Catch(i),
        None => Recovery::Fail,
    }
}

const RETRIER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
];
const CATCHER_FIELDS: &[&str] = &["ErrorEquals", "Next", "ResultPath", "Comment", "Assign"];

/// Parses `Retry` (an array at `loc`).
pub fn parse_retry(value: &Value, loc: &Loc, d: &mut Diagnostics) -> Vec<Retrier> {
    let Some(items) = array(value, loc, "Retry", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let loc = loc.at(i);
        let Some(obj) = Obj::new(item, &loc, "a retrier", d) else {
            continue;
        };
        obj.allow_only(RETRIER_FIELDS, "a retrier", d);
        let error_equals = parse_error_equals(&obj, i + 1 == items.len(), d);
        let interval_seconds = obj
            .integer("IntervalSeconds", 1, 99_999_999, d)
            .unwrap_or(1) as u64;
        let max_attempts = obj.integer("MaxAttempts", 0, 99_999_999, d).unwrap_or(3) as u32;
        let backoff_rate = obj.number("BackoffRate", 1.0, f64::MAX, d).unwrap_or(2.0);
        let max_delay_seconds = obj
            .integer("MaxDelaySeconds", 1, 31_622_400, d)
            .map(|n| n as u64);
        let jitter = match obj.string("JitterStrategy", d) {
            None | Some("NONE") => Jitter::None,
            Some("FULL") => Jitter::Full,
            Some(other) => {
                d.error(
                    Code::SchemaValidationFailed,
                    &obj.at("JitterStrategy"),
                    format!("JitterStrategy must be FULL or NONE, not '{other}'"),
                );
                Jitter::None
            }
        };
        if let Some(error_equals) = error_equals {
            out.push(Retrier {
                error_equals,
                interval_seconds,
                max_attempts,
                backoff_rate,
                max_delay_seconds,
                jitter,
            });
        }
    }
    out
}

/// Parses `Catch` (an array at `loc`).
pub fn parse_catch(value: &Value, loc: &Loc, d: &mut Diagnostics) -> Vec<Catcher> {
    let Some(items) = array(value, loc, "Catch", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let loc = loc.at(i);
        let Some(obj) = Obj::new(item, &loc, "a catcher", d) else {
            continue;
        };
        obj.allow_only(CATCHER_FIELDS, "a catcher", d);
        let error_equals = parse_error_equals(&obj, i + 1 == items.len(), d);
        let next = obj.required_string("Next", "a catcher", d);
        let result_path = obj.path_field("ResultPath", true, d);
        let assign = obj
            .get("Assign")
            .and_then(|a| crate::parse::assign::parse_assign(a, &obj.at("Assign"), d));
        if let (Some(error_equals), Some(next)) = (error_equals, next) {
            out.push(Catcher {
                error_equals,
                next: next.to_owned(),
                result_path,
                assign,
            });
        }
    }
    out
}

fn array<'a>(
    value: &'a Value,
    loc: &Loc,
    what: &str,
    d: &mut Diagnostics,
) -> Option<&'a Vec<Value>> {
    match value.as_array() {
        Some(items) => Some(items),
        None => {
            d.error(
                Code::SchemaValidationFailed,
                loc,
                format!("{what} must be an array"),
            );
            None
        }
    }
}

fn parse_error_equals(obj: &Obj<'_>, last: bool, d: &mut Diagnostics) -> Option<Vec<ErrorName>> {
    let loc = obj.at("ErrorEquals");
    let items = obj.required("ErrorEquals", "a retrier or catcher", d)?;
    let Some(items) = items.as_array() else {
        d.error(
            Code::SchemaValidationFailed,
            &loc,
            "ErrorEquals must be an array of error names",
        );
        return None;
    };
    if items.is_empty() {
        d.error(
            Code::SchemaValidationFailed,
            &loc,
            "ErrorEquals must name at least one error",
        );
        return None;
    }
    let mut names = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(text) = item.as_str() else {
            d.error(
                Code::SchemaValidationFailed,
                &loc.at(i),
                "an error name must be a string",
            );
            continue;
        };
        let name = ErrorName::parse(text);
        if let ErrorName::Custom(custom) = &name
            && custom.starts_with("States.")
        {
            d.error(
                Code::InvalidErrorEquals,
                &loc.at(i),
                format!("'{custom}' is not a predefined error name"),
            );
        }
        if name == ErrorName::All {
            if items.len() > 1 {
                d.error(
                    Code::InvalidErrorEquals,
                    &loc.at(i),
                    "States.ALL must appear alone in ErrorEquals",
                );
            } else if !last {
                d.error(
                    Code::InvalidErrorEquals,
                    &loc.at(i),
                    "States.ALL must be in the last retrier or catcher",
                );
            }
        }
        names.push(name);
    }
    Some(names)
}

#[cfg(test)]
mod tests;
