//! Callbacks with real task tokens: heartbeat, success, failure, and their error cases.

use reqwest::Method;
use serde_json::json;

use baton_callbacks::{KeyRing, TaskClaims};

use crate::support::TestApi;
use crate::{callback, callback_then_end};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_then_success_then_closed_then_gone() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/cb", &callback()).await;
    api.post("/v1/state-machines/cb/executions", json!({"name": "one"}))
        .await;
    let token = api.task_token("cb", "one").await;

    let (status, body) = api
        .send(
            Method::POST,
            &format!("/v1/callbacks/{token}/heartbeat"),
            None,
            None,
        )
        .await;
    assert_eq!((status, body), (200, json!({})));
    let (status, body) = api
        .post(
            &format!("/v1/callbacks/{token}/success"),
            json!({"approved": true}),
        )
        .await;
    assert_eq!((status, body), (200, json!({})));

    // The task moves on with the output (to the Wait state, which holds it).
    api.until(
        "/v1/state-machines/cb/executions/one/history?order=desc&limit=1",
        |h| h["events"][0]["type"] == "WaitStateEntered",
    )
    .await;
    let (_, history) = api
        .get("/v1/state-machines/cb/executions/one/history?limit=1000")
        .await;
    let succeeded = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "TaskSucceeded")
        .expect("TaskSucceeded");
    assert_eq!(
        succeeded["taskSucceededEventDetails"]["output"],
        "{\"approved\":true}"
    );

    // Answered already: the task is closed.
    let (status, e) = api
        .post(&format!("/v1/callbacks/{token}/success"), json!(1))
        .await;
    assert_eq!((status, e["error"].as_str()), (409, Some("TaskTimedOut")));

    // The execution ended: the task does not exist any more.
    api.post("/v1/state-machines/cb/executions/one/stop", json!({}))
        .await;
    let (status, e) = api
        .send(
            Method::POST,
            &format!("/v1/callbacks/{token}/heartbeat"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("TaskDoesNotExist"))
    );
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_fails_the_execution() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/cb", &callback_then_end())
        .await;
    api.post("/v1/state-machines/cb/executions", json!({"name": "two"}))
        .await;
    let token = api.task_token("cb", "two").await;
    let path = format!("/v1/callbacks/{token}/failure");

    let (status, e) = api.post(&path, json!({"error": "x".repeat(257)})).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("ValidationException"))
    );
    let (status, e) = api.post(&path, json!({"error": "E", "extra": 1})).await;
    assert_eq!((status, e["error"].as_str()), (400, Some("BadRequest")));

    let (status, body) = api
        .post(
            &path,
            json!({"error": "Payment.Declined", "cause": "card expired"}),
        )
        .await;
    assert_eq!((status, body), (200, json!({})));
    let failed = api
        .until("/v1/state-machines/cb/executions/two", |e| {
            e["status"] == "FAILED"
        })
        .await;
    assert_eq!(failed["error"], "Payment.Declined");
    assert_eq!(failed["cause"], "card expired");
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_and_outputs_are_400() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/cb", &callback()).await;
    api.post("/v1/state-machines/cb/executions", json!({"name": "three"}))
        .await;
    let token = api.task_token("cb", "three").await;

    // Garbage, and a well-formed token signed with a key this server does not have.
    let foreign = KeyRing::generate()
        .mint(&TaskClaims::new("cb:three", "Ask", 1))
        .expect("mint");
    for bad in ["garbage", foreign.as_str()] {
        for action in ["success", "failure", "heartbeat"] {
            let (status, e) = api
                .post(&format!("/v1/callbacks/{bad}/{action}"), json!({}))
                .await;
            assert_eq!(
                (status, e["error"].as_str()),
                (400, Some("InvalidToken")),
                "{action}"
            );
        }
    }

    let success = format!("/v1/callbacks/{token}/success");
    for body in [&b"not json"[..], b""] {
        let (status, e) = api
            .send(
                Method::POST,
                &success,
                Some("application/json"),
                Some(body.to_vec()),
            )
            .await;
        assert_eq!((status, e["error"].as_str()), (400, Some("InvalidOutput")));
    }
    // The task is still open after those refusals.
    let (status, _) = api.post(&success, json!("done")).await;
    assert_eq!(status, 200);
    api.shutdown().await;
}
