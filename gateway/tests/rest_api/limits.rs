//! Request sizes as AWS has them, through the REST API: definitions up to 1 MiB, inputs and
//! callback outputs up to 256 KiB, each refused above that with a 400 and the REST code
//! (`InvalidDefinition` with a diagnostic, `InvalidExecutionInput`, `InvalidOutput`,
//! `ValidationException`) before anything is stored.

use reqwest::Method;
use serde_json::{Value, json};

use super::callback_then_end;
use super::support::TestApi;

const MIB: usize = 1_048_576;
const PAYLOAD: usize = 262_144;

/// A valid definition of exactly `len` bytes whose Pass `Result` is a string of `\"` pairs.
fn quoted_definition(len: usize) -> String {
    let head = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": ""#;
    let tail = r#"", "End": true}}}"#;
    let room = len - head.len() - tail.len();
    let quotes = "\\\"".repeat(room / 2);
    let pad = "a".repeat(room - quotes.len());
    let text = format!("{head}{quotes}{pad}{tail}");
    assert_eq!(text.len(), len);
    text
}

/// A JSON value whose compact text is exactly `len` bytes: `{"p":"aaa…"}`.
fn padded(len: usize) -> Value {
    let value = json!({"p": "a".repeat(len - 8)});
    assert_eq!(value.to_string().len(), len);
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definitions_up_to_one_mib() {
    let api = TestApi::start().await;
    let at_limit = quoted_definition(MIB);
    let (status, body) = api
        .put_text(
            "/v1/state-machines/big",
            Some("application/json"),
            &at_limit,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = api
        .put_text(
            "/v1/state-machines/over",
            Some("application/json"),
            &quoted_definition(MIB + 1),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("InvalidDefinition"))
    );
    let diagnostic = &body["diagnostics"][0];
    assert_eq!(diagnostic["code"], "SCHEMA_VALIDATION_FAILED");
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("the limit is 1048576"),
        "{diagnostic}"
    );
    let (status, _) = api.get("/v1/state-machines/over").await;
    assert_eq!(status, 404);
    let (status, body) = api
        .send(
            Method::POST,
            "/v1/validate",
            Some("application/json"),
            Some(quoted_definition(MIB + 1).into_bytes()),
        )
        .await;
    assert_eq!((status, body["valid"].as_bool()), (200, Some(false)));
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_up_to_256_kib() {
    let api = TestApi::start().await;
    api.put_json(
        "/v1/state-machines/m",
        &json!({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
    )
    .await;
    let (status, body) = api
        .post(
            "/v1/state-machines/m/executions",
            json!({"name": "at-limit", "input": padded(PAYLOAD)}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = api
        .post(
            "/v1/state-machines/m/executions",
            json!({"name": "over", "input": padded(PAYLOAD + 1)}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("InvalidExecutionInput")),
        "{body}"
    );
    let (status, _) = api.get("/v1/state-machines/m/executions/over").await;
    assert_eq!(status, 404);
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_outputs_up_to_256_kib() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/cb", &callback_then_end())
        .await;
    api.post("/v1/state-machines/cb/executions", json!({"name": "one"}))
        .await;
    let token = api.task_token("cb", "one").await;
    let success = format!("/v1/callbacks/{token}/success");
    let (status, body) = api.post(&success, padded(PAYLOAD + 1)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("InvalidOutput")),
        "{body}"
    );
    let failure = format!("/v1/callbacks/{token}/failure");
    for bad in [
        json!({"error": "e".repeat(257)}),
        json!({"cause": "c".repeat(32_769)}),
    ] {
        let (status, body) = api.post(&failure, bad).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("ValidationException")),
            "{body}"
        );
    }
    // The refusals left the task open: an output at the limit completes it.
    let (status, body) = api.post(&success, padded(PAYLOAD)).await;
    assert_eq!(status, 200, "{body}");
    let done = api
        .until("/v1/state-machines/cb/executions/one", |e| {
            e["status"] == "SUCCEEDED"
        })
        .await;
    assert!(
        done["output"] == padded(PAYLOAD),
        "the output is not the one sent"
    );
    api.shutdown().await;
}
