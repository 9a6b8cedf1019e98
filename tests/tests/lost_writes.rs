//! A store that loses commits it acknowledged (what a Redis failover without
//! `--redis-wait-replicas`, or a restart without AOF, does) is noticed and survived: the
//! record is put back, under the running execution, to a version older than the one its
//! worker was told was committed. The worker's next commit is refused; it reads the record
//! again, counts the versions lost in `baton_acknowledged_commits_lost_total` and logs them,
//! and runs the execution on from the stored record: the lost task's request goes out again
//! with the same idempotency key, and the execution succeeds.

use std::time::Duration;

use serde_json::json;

use baton_engine::testing::redis_server::RedisServer;
use baton_engine::testing::resp::Reply;
use baton_tests::baton::Baton;
use baton_tests::metrics::{sample, scrape};
use baton_tests::rest::Rest;
use baton_tests::services::Service;

/// Each Task request is answered this long after it arrives: the test acts in between.
const TASK_TIME: Duration = Duration::from_secs(2);

fn texts(reply: Reply) -> Vec<String> {
    match reply {
        Reply::Array(Some(items)) => items
            .into_iter()
            .map(|r| r.text().expect("a text"))
            .collect(),
        other => panic!("expected an array, got {other:?}"),
    }
}

/// The record and history keys of execution `id`, found by pattern.
fn keys_of(redis: &RedisServer, id: &str) -> (String, String) {
    let one = |kind: &str| {
        let found =
            texts((redis.command(&["KEYS", &format!("baton:*:{kind}:{id}")])).expect("KEYS"));
        assert_eq!(found.len(), 1, "one {kind} key for {id}: {found:?}");
        found[0].clone()
    };
    (one("x"), one("h"))
}

/// The record hash's fields and values, and the history's events, as stored now.
fn snapshot(redis: &RedisServer, record: &str, history: &str) -> (Vec<String>, Vec<String>) {
    let fields = texts(redis.command(&["HGETALL", record]).expect("HGETALL"));
    let events = texts(
        redis
            .command(&["LRANGE", history, "0", "-1"])
            .expect("LRANGE"),
    );
    (fields, events)
}

/// Puts the record and history back as `snapshot` found them.
fn put_back(
    redis: &RedisServer,
    record: &str,
    history: &str,
    (fields, events): &(Vec<String>, Vec<String>),
) {
    let mut hset = vec!["HSET", record];
    hset.extend(fields.iter().map(String::as_str));
    let mut rpush = vec!["RPUSH", history];
    rpush.extend(events.iter().map(String::as_str));
    for command in [vec!["DEL", record, history], hset, rpush] {
        let reply = redis.command(&command).expect("a command");
        assert!(!matches!(reply, Reply::Error(_)), "{command:?}: {reply:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_commits_lost_by_the_store_are_counted_and_the_execution_recovers() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let service = Service::start_slow(TASK_TIME, |r| (200, json!({"path": r.path}))).await;
    let mut baton = Baton::serve_async(&["--redis", &redis.url()], &[]).await;
    let api = Rest::new(&baton.url);
    api.put_machine(
        "lost",
        &json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": service.url("/a"), "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Task", "Resource": service.url("/b"), "ResultPath": "$.b", "End": true}}}),
    )
    .await;
    api.start("lost", "e1", &json!({})).await;

    // A's request is out: its commit is acknowledged; keep the record as it is now.
    let wait = Duration::from_secs(20);
    let a = service.wait_for(wait, |r| r.path == "/a").await;
    assert!(a.is_some(), "A was called");
    let (record, history) = keys_of(&redis, "lost:e1");
    let before = snapshot(&redis, &record, &history);
    // A answered, B's request out: two more versions committed and acknowledged.
    let b = service.wait_for(wait, |r| r.path == "/b").await;
    assert!(b.is_some(), "B was called");
    let after = snapshot(&redis, &record, &history);
    assert!(after.1.len() > before.1.len(), "B's commit added events");
    // The store loses them.
    put_back(&redis, &record, &history, &before);

    let done = api.wait_end("lost", "e1", Duration::from_secs(30)).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["output"]["b"]["path"], "/b", "{done}");
    let calls = service.received();
    let a_calls: Vec<_> = calls.iter().filter(|r| r.path == "/a").collect();
    assert_eq!(a_calls.len(), 2, "A's request went out again: {calls:?}");
    assert_eq!(
        a_calls[0].idempotency_key, a_calls[1].idempotency_key,
        "with the same idempotency key"
    );

    let text = scrape(&baton.url).await;
    let lost = sample(&text, "baton_acknowledged_commits_lost_total")
        .unwrap_or_else(|| panic!("no baton_acknowledged_commits_lost_total in:\n{text}"));
    // From "A requested" to "B requested": A's result and B's entry.
    assert!(lost >= 1.0, "versions lost counted: {lost}");
    println!("versions lost, counted by the worker: {lost}");
    let warned =
        (baton.output().iter()).any(|l| l.contains("the store lost commits it had acknowledged"));
    assert!(warned, "the loss is logged");
}
