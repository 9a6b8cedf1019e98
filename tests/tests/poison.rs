//! Poison: a queue entry that cannot be read, a timer member that cannot be read and an
//! event from a newer version are written straight into one partition of a running
//! `baton serve --redis` (with `redis-cli`-level commands). The partition goes on: every
//! execution in it finishes; the first two are dead letters with their reasons
//! (`GET /v1/dead-letters`, `baton_dead_letters_total`), and the unknown event is kept for
//! a newer worker (`unknown: true`), not dropped.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use baton_engine::store::partition_of;
use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;

/// `baton serve`'s default.
const PARTITIONS: u32 = 256;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poisoned_entries_are_dead_lettered_and_the_partition_goes_on() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let baton = Baton::serve_async(&["--redis", &url], &[]).await;
    let rest = Rest::new(&baton.url);
    rest.put_machine(
        "poison",
        &json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
            "P": {"Type": "Pass", "Result": {"ok": true}, "End": true}}}),
    )
    .await;
    // Twenty executions of one partition, and the poison in that partition's keys.
    let p = partition_of("poison:n0", PARTITIONS);
    let names: Vec<String> = (0..)
        .map(|i| format!("n{i}"))
        .filter(|n| partition_of(&format!("poison:{n}"), PARTITIONS) == p)
        .take(20)
        .collect();
    let base = format!("baton:{{p{p}}}:");
    let raw = |args: &[&str]| redis.command(args).expect("redis");
    let queue = format!("{base}q");
    raw(&[
        "XADD",
        &queue,
        "*",
        "x",
        "poison:n0",
        "e",
        "{\"e\":\"timer\",\"timer\":\"x\"}",
    ]);
    raw(&[
        "XADD",
        &queue,
        "*",
        "x",
        "poison:n0",
        "e",
        "{\"e\":\"from-a-newer-version\"}",
    ]);
    raw(&["ZADD", &format!("{base}t"), "0", "not-a-timer-member"]);
    for name in &names {
        rest.start("poison", name, &json!({"name": name})).await;
    }

    let deadline = Instant::now() + Duration::from_secs(30);
    for name in &names {
        let left = deadline.saturating_duration_since(Instant::now());
        let view = rest.wait_end("poison", name, left).await;
        assert_eq!(view["status"], "SUCCEEDED", "{view}");
        assert_eq!(view["output"], json!({"ok": true}));
    }

    let body = rest
        .expect(
            rest.request(Method::GET, "/v1/dead-letters?limit=1000"),
            200,
        )
        .await;
    let dead = body["deadLetters"].as_array().expect("deadLetters").clone();
    let summary: Vec<(String, bool, String)> = dead
        .iter()
        .map(|d| {
            (
                d["source"].as_str().unwrap_or_default().to_owned(),
                d["unknown"].as_bool().unwrap_or_default(),
                d["data"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    println!("dead letters: {summary:?}");
    assert_eq!(dead.len(), 3, "{body}");
    assert!(dead.iter().all(|d| d["partition"] == p), "{body}");
    let find = |source: &str, unknown: bool| -> &Value {
        dead.iter()
            .find(|d| d["source"] == source && d["unknown"] == unknown)
            .unwrap_or_else(|| panic!("no {source} dead letter (unknown: {unknown}): {body}"))
    };
    let corrupt = find("queue", false);
    assert_eq!(corrupt["execution"], "poison:n0");
    assert!(
        corrupt["reason"]
            .as_str()
            .unwrap()
            .contains("cannot be read"),
        "{corrupt}"
    );
    let newer = find("queue", true);
    assert_eq!(
        newer["data"], "{\"e\":\"from-a-newer-version\"}",
        "kept as written"
    );
    let timer = find("timer", false);
    assert_eq!(timer["data"], "not-a-timer-member");

    let metrics_text = || async {
        (rest.http.get(format!("{}/metrics", baton.url)).send().await)
            .expect("metrics")
            .text()
            .await
            .expect("text")
    };
    let value = |metrics: &str, name: &str| -> Option<f64> {
        metrics
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    let metrics = metrics_text().await;
    let counter = |source| format!("baton_dead_letters_total{{source=\"{source}\"}}");
    assert_eq!(value(&metrics, &counter("queue")), Some(2.0), "{metrics}");
    assert_eq!(value(&metrics, &counter("timer")), Some(1.0), "{metrics}");
    // The partition's gauge follows at its next sweep.
    let gauge = format!("baton_dead_letters{{partition=\"{p}\"}}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = metrics_text().await;
        if value(&metrics, &gauge) == Some(3.0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{gauge} never reached 3: {metrics}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(baton);
}
