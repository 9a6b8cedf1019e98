//! `GET /metrics` of a `baton serve --redis` process after a run with an HTTP task and a
//! callback: every metric the issue names is there, with the values the run implies.

use std::time::Duration;

use serde_json::json;

use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use baton_tests::services::Service;

/// The value of the first sample line that starts with `name` (labels included).
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_cover_executions_transitions_tasks_callbacks_and_the_store() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let task = Service::start(|_| (200, json!({"ok": true}))).await;
    let notify = Service::start(|_| (200, json!({}))).await;
    let baton = Baton::serve_async(&["--redis", &redis.url()], &[]).await;
    let api = Rest::new(&baton.url);
    api.put_machine(
        "m",
        &json!({"StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": task.url("/t"), "ResultPath": "$.call", "Next": "Ask"},
            "Ask": {"Type": "Callback", "Notify": {"ApiEndpoint": notify.url("/n"), "Method": "POST",
                    "RequestBody": {"token.$": "$$.Task.Token"}}, "ResultPath": "$.answer", "End": true}}}),
    )
    .await;
    api.start("m", "run-1", &json!({"n": 1})).await;
    let request = notify
        .wait_for(Duration::from_secs(20), |r| r.path == "/n")
        .await
        .expect("notified");
    let token = request.body["token"].as_str().expect("token").to_owned();
    assert_eq!(
        api.callback_success(&token, &json!({"yes": true})).await.0,
        200
    );
    let done = api.wait_end("m", "run-1", Duration::from_secs(20)).await;
    assert_eq!(done["status"], "SUCCEEDED");

    let text = reqwest::get(format!("{}/metrics", baton.url))
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert_eq!(
        sample(&text, "baton_executions_started_total"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "baton_executions_finished_total{status=\"SUCCEEDED\"}"
        ),
        Some(1.0),
        "{text}"
    );
    // Call, Ask (start, notify answer, callback): at least four committed transitions.
    assert!(
        sample(&text, "baton_transitions_total").unwrap_or(0.0) >= 4.0,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "baton_task_duration_seconds_count{kind=\"task\",outcome=\"ok\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "baton_task_duration_seconds_count{kind=\"notify\",outcome=\"ok\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "baton_callback_resume_seconds_count"),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(&text, "baton_store_commit_seconds_count").unwrap_or(0.0) >= 4.0,
        "{text}"
    );
    assert!(
        text.contains("baton_task_duration_seconds_bucket{"),
        "histograms have buckets: {text}"
    );
}
