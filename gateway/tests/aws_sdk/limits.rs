//! Request sizes as AWS has them, through the SDK: definitions up to 1 MiB (however many
//! quotes they hold, so however much their escaping grows the body), inputs and callback
//! outputs up to 256 KiB, each refused above that with `ValidationException` before anything
//! is stored; and a body over the server's limit refused with 413 in the AWS error shape,
//! which the SDK parses.

use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sfn::types::{ExecutionStatus, StateMachineType};

use crate::callbacks::token_of;
use crate::common::{Harness, ROLE};

const MIB: usize = 1_048_576;
const PAYLOAD: usize = 262_144;
const WAIT_FOR_TOKEN: &str = r#"{"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters": {"state": "Ask", "token.$": "$$.Task.Token"}, "End": true}}}"#;
const SUCCEED: &str = r#"{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}"#;

/// A valid definition of exactly `len` bytes whose Pass `Result` is a string of `\"` pairs
/// (each two bytes here, four once escaped into the request body), padded with `a`.
fn quoted_definition(len: usize) -> String {
    let head = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": ""#;
    let tail = r#"", "End": true}}}"#;
    let room = len - head.len() - tail.len();
    let quotes = "\\\"".repeat(room / 2);
    let pad = "a".repeat(room - quotes.len());
    let text = format!("{head}{quotes}{pad}{tail}");
    assert_eq!(text.len(), len);
    serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON");
    text
}

/// JSON text of exactly `len` bytes: `{"p": "aaa…"}`.
fn padded_json(len: usize) -> String {
    let text = format!(r#"{{"p": "{}"}}"#, "a".repeat(len - 9));
    assert_eq!(text.len(), len);
    text
}

const TOO_LONG: &str =
    "failed to satisfy constraint: Member must have length less than or equal to";

/// The error code and message of an SDK error, which must be a parsed service error.
fn code_of<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> (String, String) {
    assert!(
        matches!(e, SdkError::ServiceError(_)),
        "not a service error: {e:?}"
    );
    (
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definitions_up_to_one_mib_are_accepted_and_larger_refused() {
    let h = Harness::start().await;
    let c = &h.client;
    // Escaped into the body this is about 2 MiB: still read, and accepted.
    let at_limit = quoted_definition(MIB);
    let created = c
        .create_state_machine()
        .name("one-mib")
        .definition(&at_limit)
        .role_arn(ROLE)
        .send()
        .await
        .expect("a 1 MiB definition is accepted");
    let described = c
        .describe_state_machine()
        .state_machine_arn(created.state_machine_arn())
        .send()
        .await
        .unwrap();
    assert!(
        described.definition() == at_limit,
        "the definition is not the one sent"
    );

    let over = quoted_definition(MIB + 1);
    let e = c
        .create_state_machine()
        .name("over")
        .definition(&over)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    let (code, message) = code_of(&e);
    assert_eq!(code, "ValidationException", "{message}");
    assert_eq!(
        message,
        format!("1 validation error detected: Value at 'definition' {TOO_LONG} 1048576")
    );
    let e = c
        .describe_state_machine()
        .state_machine_arn(created.state_machine_arn().replace("one-mib", "over"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("StateMachineDoesNotExist"));

    let e = c
        .update_state_machine()
        .state_machine_arn(created.state_machine_arn())
        .definition(&over)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).0, "ValidationException");
    let e = c
        .validate_state_machine_definition()
        .definition(&over)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).0, "ValidationException");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_up_to_256_kib_are_accepted_and_larger_refused() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("inputs", SUCCEED).await;
    let run = h
        .start_execution(&sm, "at-limit", &padded_json(PAYLOAD))
        .await;
    assert_eq!(h.wait_done(&run).await.status, ExecutionStatus::Succeeded);

    let e = c
        .start_execution()
        .state_machine_arn(&sm)
        .name("over")
        .input(padded_json(PAYLOAD + 1))
        .send()
        .await
        .unwrap_err();
    let (code, message) = code_of(&e);
    assert_eq!(code, "ValidationException", "{message}");
    assert_eq!(
        message,
        format!("1 validation error detected: Value at 'input' {TOO_LONG} 262144")
    );
    let e = c
        .describe_execution()
        .execution_arn(run.replace("at-limit", "over"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ExecutionDoesNotExist"));

    let express = c
        .create_state_machine()
        .name("express")
        .definition(SUCCEED)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let e = c
        .start_sync_execution()
        .state_machine_arn(&express)
        .input(padded_json(PAYLOAD + 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).0, "ValidationException");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_outputs_errors_and_causes_have_aws_limits() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("callbacks", WAIT_FOR_TOKEN).await;
    let run = h.start_execution(&sm, "big-output", "{}").await;
    let token = token_of(&h, &run, "Ask").await;

    let e = c
        .send_task_success()
        .task_token(&token)
        .output(padded_json(PAYLOAD + 1))
        .send()
        .await
        .unwrap_err();
    let (code, message) = code_of(&e);
    assert_eq!(code, "ValidationException", "{message}");
    assert_eq!(
        message,
        format!("1 validation error detected: Value at 'output' {TOO_LONG} 262144")
    );
    for (error, cause, member) in [
        ("e".repeat(257), String::new(), "error"),
        (String::new(), "c".repeat(32_769), "cause"),
    ] {
        let mut call = c.send_task_failure().task_token(&token);
        if !error.is_empty() {
            call = call.error(error);
        }
        if !cause.is_empty() {
            call = call.cause(cause);
        }
        let e = call.send().await.unwrap_err();
        let (code, message) = code_of(&e);
        assert_eq!(code, "ValidationException", "{message}");
        assert!(
            message.contains(&format!("Value at '{member}' {TOO_LONG}")),
            "{message}"
        );
    }
    // None of that reached the task: an output at the limit still completes it.
    let output = padded_json(PAYLOAD);
    c.send_task_success()
        .task_token(&token)
        .output(&output)
        .send()
        .await
        .expect("an output of 262,144 bytes is accepted");
    let done = h.wait_done(&run).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    let got: serde_json::Value = serde_json::from_str(done.output().unwrap()).unwrap();
    let want: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert!(got == want, "the output is not the one sent");
    h.stop().await;
}

/// A body over the server's limit never reaches a handler: the HTTP layer refuses it
/// from its `Content-Length`. The answer is still AWS's error shape, so the SDK reports a
/// `ValidationException` (with status 413) rather than an unparseable response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_a_413_the_sdk_parses() {
    let h = Harness::start().await;
    let c = &h.client;
    let limit = h.state.config.max_body_bytes;
    // Every character doubles when escaped: the body is over the limit.
    let definition = quoted_definition(limit / 2 + 1024);
    let e = c
        .create_state_machine()
        .name("huge")
        .definition(&definition)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    let (code, message) = code_of(&e);
    assert_eq!(code, "ValidationException", "{message}");
    assert!(
        message.contains(&format!("larger than {limit} bytes")),
        "{message}"
    );
    let raw = e.raw_response().expect("a response");
    assert_eq!(raw.status().as_u16(), 413);
    assert_eq!(raw.headers().get("connection"), Some("close"));
    assert_eq!(
        raw.headers().get("content-type"),
        Some("application/x-amz-json-1.0")
    );
    // The server is still fine.
    let listed = c.list_state_machines().send().await.unwrap();
    assert!(listed.state_machines().is_empty());
    h.stop().await;
}
