//! `GET /metrics` of a `baton serve --redis` process after a run with an HTTP task and a
//! callback: every metric the issue names is there, with the values the run implies; and
//! `baton worker --listen` serves liveness, readiness and its own metrics.

use std::time::Duration;

use serde_json::json;

use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::metrics::{sample, scrape};
use baton_tests::rest::Rest;
use baton_tests::services::Service;

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

    let text = scrape(&baton.url).await;
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
    assert!(
        sample(&text, "baton_lease_acquired_total").unwrap_or(0.0) >= 16.0,
        "every partition was acquired: {text}"
    );
    assert_eq!(
        sample(&text, "baton_http_requests_in_flight"),
        Some(0.0),
        "{text}"
    );

    // The partitions' gauges follow at their next sweep (every 2 s), and every partition's
    // once the process has taken all 256 (one lease request each, at its first heartbeat).
    // A sweep that read its partition before the execution ended can set its gauges after
    // one that read it after: wait for both statuses to settle.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text = scrape(&baton.url).await;
        let succeeded = total(&text, "baton_executions{", "status=\"SUCCEEDED\"");
        let running = total(&text, "baton_executions{", "status=\"RUNNING\"");
        let everywhere = ["baton_timer_lag_ms{", "baton_actors{"]
            .iter()
            .all(|name| count(&text, name) == 256);
        if succeeded == 1.0 && running == 0.0 && everywhere {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(total(&text, "baton_executions{", "status=\"RUNNING\""), 0.0);
    assert_eq!(total(&text, "baton_queue_pending_entries{", ""), 0.0);
    assert_eq!(total(&text, "baton_dead_letters{", ""), 0.0);
    for name in ["baton_timer_lag_ms{", "baton_actors{"] {
        assert_eq!(
            count(&text, name),
            256,
            "{name} for every partition (256 by default): {text}"
        );
    }

    // A worker process with --listen: liveness, readiness, and its own metrics once it has
    // taken partitions from the serve process.
    let url = redis.url();
    let mut worker = tokio::task::spawn_blocking(move || {
        Baton::worker(&["--redis", &url, "--listen", "127.0.0.1:0"], &[])
    })
    .await
    .expect("worker");
    let line = tokio::task::block_in_place(|| {
        worker.wait_for_line("baton worker listening on ", Duration::from_secs(60))
    })
    .expect("the worker listens");
    let worker_url = line
        .split("listening on ")
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_owned();
    for (path, status) in [("/livez", 200), ("/readyz", 200), ("/healthz", 200)] {
        let answer = reqwest::get(format!("{worker_url}{path}"))
            .await
            .expect("get");
        assert_eq!(answer.status().as_u16(), status, "{path}");
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = scrape(&worker_url).await;
        if sample(&text, "baton_lease_acquired_total").unwrap_or(0.0) >= 1.0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker took nothing: {text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(redis);
    let answer = reqwest::get(format!("{worker_url}/readyz"))
        .await
        .expect("get");
    assert_eq!(answer.status().as_u16(), 503, "not ready without Redis");
    let answer = reqwest::get(format!("{worker_url}/livez"))
        .await
        .expect("get");
    assert_eq!(answer.status().as_u16(), 200, "alive without Redis");
}

/// The sum of the samples of `name` (a prefix, labels included) whose line contains `with`.
fn total(text: &str, name: &str, with: &str) -> f64 {
    (text.lines())
        .filter(|l| l.starts_with(name) && l.contains(with))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// How many series of `name` (a prefix) there are.
fn count(text: &str, name: &str) -> usize {
    text.lines().filter(|l| l.starts_with(name)).count()
}
