//! Lifecycle through `baton serve --redis`, with the process killed and started again in
//! between (nothing but Redis survives):
//!
//! - a state machine deleted and created again under its name is a new identity: an
//!   execution of the deleted one that was running finishes with the definition it started
//!   with, and the new machine's revisions are numbered after the old ones;
//! - a task token minted before the restart is still accepted after it (the key ring is
//!   shared through Redis; no `BATON_SIGNING_KEYS`);
//! - a state machine's own retention (`PUT …?retention=2s`) deletes its finished
//!   executions: they answer `ExecutionDoesNotExist` and are no longer listed.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;

fn pass_after_wait(seconds: u64, result: &str) -> Value {
    json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": seconds, "Next": "P"},
        "P": {"Type": "Pass", "Result": result, "End": true}}})
}

/// The task token of the execution's open callback (the definition puts it in the
/// `TaskScheduled` parameters).
async fn token(rest: &Rest, machine: &str, name: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let history = rest.history(machine, name, 100).await;
        let scheduled = history.iter().find(|e| e["type"] == "TaskScheduled");
        if let Some(event) = scheduled {
            let parameters = event["taskScheduledEventDetails"]["parameters"]
                .as_str()
                .expect("parameters");
            let parameters: Value = serde_json::from_str(parameters).expect("JSON");
            return parameters["token"].as_str().expect("token").to_owned();
        }
        assert!(Instant::now() < deadline, "{machine}/{name} never waited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recreated_machines_tokens_and_retention_across_a_restart() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let mut baton = Baton::serve_async(&["--redis", &url], &[]).await;
    let rest = Rest::new(&baton.url);

    // A machine whose execution runs for a while, then deleted and created again.
    let first = rest.put_machine("m", &pass_after_wait(3, "old")).await;
    assert_eq!(first["revision"], 1);
    rest.start("m", "run-1", &json!({})).await;
    rest.expect(rest.request(Method::DELETE, "/v1/state-machines/m"), 204)
        .await;
    let again = rest.put_machine("m", &pass_after_wait(0, "new")).await;
    assert_eq!(again["revision"], 2, "numbered after the deleted machine's");
    let (status, old) = rest
        .send(rest.request(Method::GET, "/v1/state-machines/m?revision=1"))
        .await
        .expect("send");
    assert_eq!(
        status, 404,
        "the deleted machine's revision is not the new one's: {old}"
    );

    // An execution waiting on a callback, and its token.
    rest.put_machine(
        "ask",
        &json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Callback",
            "Parameters": {"token.$": "$$.Task.Token"}, "HeartbeatSeconds": 600, "End": true}}}),
    )
    .await;
    rest.start("ask", "q-1", &json!({})).await;
    let token = token(&rest, "ask", "q-1").await;

    // A machine that keeps its finished executions 2 s.
    let request = rest
        .request(Method::PUT, "/v1/state-machines/short?retention=2s")
        .json(&json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}));
    let short = rest.expect(request, 201).await;
    assert_eq!(short["revision"], 1);

    // Killed and started again: only Redis remembers.
    baton.kill();
    let baton = Baton::serve_async(&["--redis", &url], &[]).await;
    let rest = Rest::new(&baton.url);

    let ended = rest.wait_end("m", "run-1", Duration::from_secs(30)).await;
    assert_eq!(ended["status"], "SUCCEEDED", "{ended}");
    assert_eq!(ended["output"], "old", "the definition it started with");
    rest.start("m", "run-2", &json!({})).await;
    let ended = rest.wait_end("m", "run-2", Duration::from_secs(30)).await;
    assert_eq!(ended["output"], "new");

    let (status, body) = rest
        .callback_success(&token, &json!({"approved": true}))
        .await;
    assert_eq!(status, 200, "a token minted before the restart: {body}");
    let ended = rest.wait_end("ask", "q-1", Duration::from_secs(30)).await;
    assert_eq!(ended["output"], json!({"approved": true}));

    rest.start("short", "gone-soon", &json!({})).await;
    let ended = rest
        .wait_end("short", "gone-soon", Duration::from_secs(30))
        .await;
    assert_eq!(ended["status"], "SUCCEEDED");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = rest
            .send(rest.request(Method::GET, "/v1/state-machines/short/executions/gone-soon"))
            .await
            .expect("send");
        if status == 404 {
            assert_eq!(body["error"], "ExecutionDoesNotExist", "{body}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not deleted after its retention: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed = rest
        .expect(
            rest.request(Method::GET, "/v1/state-machines/short/executions"),
            200,
        )
        .await;
    assert_eq!(listed["executions"], json!([]));
    let listed = rest
        .expect(
            rest.request(Method::GET, "/v1/state-machines/m/executions"),
            200,
        )
        .await;
    assert_eq!(
        listed["executions"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );
}
