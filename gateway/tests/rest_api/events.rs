//! The history as Server-Sent Events (`GET …/events`): every event as the history route
//! shows it, then `end`; resumed by `Last-Event-ID` or `?after`; live; ended by a shutdown.

use std::time::Duration;

use serde_json::{Value, json};

use baton_gateway::GatewayConfig;

use crate::support::TestApi;
use crate::{hello, slow};

/// The messages of an event stream: (id, event, data).
fn messages(text: &str) -> Vec<(Option<u64>, String, Value)> {
    text.split("\n\n")
        .filter(|block| block.lines().any(|l| l.starts_with("data:")))
        .map(|block| {
            let mut id = None;
            let mut event = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            (
                id,
                event,
                serde_json::from_str(&data).expect("data is JSON"),
            )
        })
        .collect()
}

async fn stream(api: &TestApi, path: &str, last_event_id: Option<&str>) -> reqwest::Response {
    let mut request = api.http.get(format!("{}{path}", api.base));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    request.send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stream_the_history_then_end_and_resume() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/hello", &hello()).await;
    api.post(
        "/v1/state-machines/hello/executions",
        json!({"name": "one"}),
    )
    .await;
    api.until("/v1/state-machines/hello/executions/one", |v| {
        v["status"] == "SUCCEEDED"
    })
    .await;
    let (_, history) = api
        .get("/v1/state-machines/hello/executions/one/history")
        .await;
    let history = history["events"].as_array().unwrap().clone();

    let path = "/v1/state-machines/hello/executions/one/events";
    let response = stream(&api, path, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream",
        "{:?}",
        response.headers()
    );
    let all = messages(&response.text().await.unwrap());
    // Every event, as the history route shows it, then `end`.
    assert_eq!(all.len(), history.len() + 1);
    for (message, event) in all.iter().zip(&history) {
        assert_eq!(message.0, event["id"].as_u64());
        assert_eq!(message.1, "history");
        assert_eq!(&message.2, event);
    }
    assert_eq!(
        all.last().unwrap(),
        &(None, "end".into(), json!({"status": "SUCCEEDED"}))
    );

    // Resumed: after the id given, by header or query.
    let resumed = messages(&stream(&api, path, Some("3")).await.text().await.unwrap());
    assert_eq!(resumed[0].0, Some(4));
    assert_eq!(resumed.len(), history.len() - 3 + 1);
    let after = messages(
        &stream(&api, &format!("{path}?after=2"), None)
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(after[0].0, Some(3));
    // Resumed after the last event: only `end`.
    let last = history.len().to_string();
    let nothing_left = messages(&stream(&api, path, Some(&last)).await.text().await.unwrap());
    assert_eq!(nothing_left.len(), 1);
    assert_eq!(nothing_left[0].1, "end");

    let bad = stream(&api, path, Some("x")).await;
    assert_eq!(bad.status(), 400);
    let missing = stream(
        &api,
        "/v1/state-machines/hello/executions/none/events",
        None,
    )
    .await;
    assert_eq!(missing.status(), 404);
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_arrive_live_and_the_stream_ends_with_the_execution() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/cb", &crate::callback_then_end())
        .await;
    api.post("/v1/state-machines/cb/executions", json!({"name": "one"}))
        .await;
    let token = api.task_token("cb", "one").await;
    let mut response = stream(&api, "/v1/state-machines/cb/executions/one/events", None).await;
    // What is there already comes at once.
    let mut text = String::new();
    while !text.contains("TaskStarted") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), response.chunk())
            .await
            .expect("events already committed arrive")
            .unwrap()
            .expect("more");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    api.post(&format!("/v1/callbacks/{token}/success"), json!({"ok": 1}))
        .await;
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = response.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(rest.is_ok(), "the stream did not end: {text}");
    let all = messages(&text);
    let kinds: Vec<&str> = all
        .iter()
        .map(|m| m.2["type"].as_str().unwrap_or(&m.1))
        .collect();
    assert_eq!(
        &kinds[kinds.len() - 3..],
        ["TaskStateExited", "ExecutionSucceeded", "end"],
        "{kinds:?}"
    );
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_ends_open_streams() {
    let config = GatewayConfig::default();
    let shutdown = config.shutdown.clone();
    let api = TestApi::with_config(config).await;
    api.put_json("/v1/state-machines/slow", &slow()).await;
    api.post("/v1/state-machines/slow/executions", json!({"name": "one"}))
        .await;
    let response = stream(&api, "/v1/state-machines/slow/executions/one/events", None).await;
    assert_eq!(response.status(), 200);
    shutdown.cancel();
    let text = tokio::time::timeout(Duration::from_secs(5), response.text())
        .await
        .expect("the stream ends on shutdown")
        .unwrap();
    assert!(text.contains("ExecutionStarted"), "{text}");
    api.shutdown().await;
}
