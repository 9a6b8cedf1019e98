//! Tests for the intrinsic functions: one file per family, the AWS corpus, and properties.

use serde_json::{Value, json};

use super::{Intrinsic, IntrinsicError};
use crate::error::{ErrorName, Failure};
use crate::path::Env;

mod array;
mod corpus;
mod encoding;
mod math;
mod mini_sfn;
mod misc;
mod parse;
mod props;
mod string;

fn context() -> Value {
    json!({"Execution": {"Name": "exec-1", "Input": {"k": "v"}}, "StateMachine": {"Id": "arn:sm", "Name": "sm"}})
}

/// Parses (must succeed) and evaluates `call` against `input`.
fn run(call: &str, input: &Value) -> Result<Value, Failure> {
    let ctx = context();
    let intrinsic = Intrinsic::parse(call).unwrap_or_else(|e| panic!("{call}: {e}"));
    intrinsic.eval(&Env::new(input, &ctx))
}

/// The value of a call that must succeed.
fn ok(call: &str, input: &Value) -> Value {
    run(call, input).unwrap_or_else(|f| panic!("{call}: {f}"))
}

/// Asserts that a call parses, then fails at run time with States.Runtime and a cause that
/// names the call and contains `needle`.
fn fails(call: &str, input: &Value, needle: &str) -> String {
    let failure = run(call, input).expect_err(call);
    assert_eq!(failure.error, ErrorName::Runtime, "{call}");
    let cause = failure.cause.unwrap_or_default();
    let prefix = format!("The function '{}' had the following error: ", call.trim());
    assert!(cause.starts_with(&prefix), "{call}: {cause}");
    assert!(
        cause.contains(needle),
        "{call}: expected {needle:?} in {cause:?}"
    );
    cause
}

/// Asserts that a call is rejected when parsed, with `needle` in the message.
fn rejected(call: &str, needle: &str) -> IntrinsicError {
    let err = Intrinsic::parse(call).expect_err(call);
    assert!(
        err.message().contains(needle),
        "{call}: expected {needle:?} in {err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("at character {}", err.offset()))
    );
    err
}
