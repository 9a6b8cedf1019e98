//! 1,000 callbacks sent at the moment their heartbeat times out: every 200 answer means
//! the execution took that output; every other answer is `TaskTimedOut`, and then the
//! execution did not take it.
//!
//! Each execution enters a `Callback` state with `HeartbeatSeconds: 1`; its `Notify` posts
//! the task token to a service here, which sends `POST /v1/callbacks/{token}/success` (a
//! body unique to the execution) one heartbeat after the notification arrived, shifted by
//! an offset spread evenly over ±50 ms, so that about half land before the deadline and
//! half after. A `Catch` on `States.HeartbeatTimeout` leads to a 2 s `Wait`, so the
//! execution still runs when late callbacks arrive (their answer must be `TaskTimedOut`,
//! not `TaskDoesNotExist`) and its output shows which way it went. Run against `baton
//! serve` on the embedded store and on Redis.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use baton_tests::services::{Received, Service};

const EXECUTIONS: usize = 1000;
const MACHINE: &str = "race";
const HEARTBEAT: Duration = Duration::from_secs(1);
/// Callback offsets from the heartbeat deadline, evenly over `-SPREAD_MS..=SPREAD_MS`.
const SPREAD_MS: i64 = 50;
/// Each outcome must occur this often, or the test does not test the race.
const AT_LEAST: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_at_the_heartbeat_deadline_on_the_embedded_store() {
    race("embedded store", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_at_the_heartbeat_deadline_on_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    race("redis", &["--redis", &redis.url()]).await;
    drop(redis);
}

/// Where execution `n`'s callback lands, relative to its heartbeat deadline.
fn offset_ms(n: usize) -> i64 {
    -SPREAD_MS + (n as i64 * 2 * SPREAD_MS) / (EXECUTIONS as i64 - 1)
}

/// The callback output of execution `n`.
fn answer(n: usize) -> Value {
    json!({"approvedFor": n})
}

/// One callback: its execution, offset, and Baton's answer (status 0: no answer).
#[derive(Debug, Clone)]
struct Sent {
    n: usize,
    offset_ms: i64,
    status: u16,
    body: Value,
}

fn definition(notify: &Service) -> Value {
    json!({
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Callback",
                "Notify": {"ApiEndpoint": notify.url("/approve"), "Method": "POST",
                           "RequestBody": {"token.$": "$$.Task.Token", "n.$": "$.n"}},
                "HeartbeatSeconds": 1,
                "TimeoutSeconds": 60,
                "ResultPath": "$.answer",
                "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.timedOut",
                           "Next": "Late"}],
                "End": true
            },
            "Late": {"Type": "Wait", "Seconds": 2, "End": true}
        }
    })
}

/// A notify service that answers each token once, `HEARTBEAT + offset_ms(n)` after the
/// notification arrived.
async fn notify_service(rest: Rest, sent: Arc<Mutex<Vec<Sent>>>) -> Service {
    let seen: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    Service::start(move |req: &Received| {
        let arrived = Instant::now();
        let (Some(token), Some(n)) = (req.body["token"].as_str(), req.body["n"].as_u64()) else {
            return (400, json!({"error": "expected a token and n"}));
        };
        if !seen.lock().unwrap().insert(token.to_owned()) {
            return (200, json!({}));
        }
        let (rest, sent, token, n) = (rest.clone(), sent.clone(), token.to_owned(), n as usize);
        tokio::spawn(async move {
            let offset_ms = offset_ms(n);
            let at = arrived + HEARTBEAT;
            let at = if offset_ms < 0 {
                at - Duration::from_millis(offset_ms.unsigned_abs())
            } else {
                at + Duration::from_millis(offset_ms as u64)
            };
            tokio::time::sleep_until(at.into()).await;
            let path = format!("/v1/callbacks/{token}/success");
            let request = rest
                .http
                .post(format!("{}{path}", rest.base))
                .json(&answer(n));
            let (status, body) = rest
                .send(request)
                .await
                .unwrap_or_else(|e| (0, json!(e.to_string())));
            let one = Sent {
                n,
                offset_ms,
                status,
                body,
            };
            sent.lock().unwrap().push(one);
        });
        (200, json!({}))
    })
    .await
}

async fn race(label: &str, args: &[&str]) {
    let baton = Baton::serve_async(args, &[]).await;
    let rest = Rest::new(&baton.url);
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let notify = notify_service(rest.clone(), sent.clone()).await;
    rest.put_machine(MACHINE, &definition(&notify)).await;

    let permits = Arc::new(Semaphore::new(32));
    for n in 0..EXECUTIONS {
        let permit = permits.clone().acquire_owned().await.expect("semaphore");
        let rest = rest.clone();
        tokio::spawn(async move {
            rest.start(MACHINE, &format!("run-{n}"), &json!({"n": n}))
                .await;
            drop(permit);
        });
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent.lock().unwrap().len() < EXECUTIONS {
        let count = sent.lock().unwrap().len();
        assert!(
            Instant::now() < deadline,
            "{count} of {EXECUTIONS} callbacks sent in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut sent = sent.lock().unwrap().clone();
    sent.sort_by_key(|s| s.n);
    // Every execution ends within the 2 s `Late` wait after its callback.
    let deadline = Instant::now() + Duration::from_secs(30);
    // Offsets by (answer, what the execution did).
    let mut outcomes: BTreeMap<(&str, &str), Vec<i64>> = BTreeMap::new();
    let mut problems = Vec::new();
    for one in &sent {
        let view = wait_end(&rest, one.n, deadline).await;
        let output = &view["output"];
        let took = if view["status"] != "SUCCEEDED" {
            "did not end"
        } else if output["answer"] == answer(one.n) && output.get("timedOut").is_none() {
            "took the output"
        } else if output["timedOut"]["Error"] == "States.HeartbeatTimeout"
            && output.get("answer").is_none()
        {
            "timed out"
        } else {
            "ended otherwise"
        };
        let answered = match (one.status, one.body["error"].as_str()) {
            (200, _) => "200",
            (409, Some("TaskTimedOut")) => "TaskTimedOut",
            _ => "another answer",
        };
        outcomes
            .entry((answered, took))
            .or_default()
            .push(one.offset_ms);
        if !matches!(
            (answered, took),
            ("200", "took the output") | ("TaskTimedOut", "timed out")
        ) {
            problems.push(format!(
                "run-{} (callback {:+} ms from the deadline): {} {} → execution {} {output}",
                one.n, one.offset_ms, one.status, one.body, view["status"]
            ));
        }
    }
    let counts: Vec<String> = outcomes
        .iter()
        .map(|((answered, took), offsets)| {
            let (lo, hi) = (offsets.iter().min(), offsets.iter().max());
            let (lo, hi) = (lo.copied().unwrap_or(0), hi.copied().unwrap_or(0));
            format!(
                "{} answered {answered}, execution {took} (offsets {lo:+}..{hi:+} ms)",
                offsets.len()
            )
        })
        .collect();
    let summary = format!(
        "callback race ({label}): {EXECUTIONS} callbacks: {}",
        counts.join(", ")
    );
    println!("{summary}");
    let answered = |a: &str| {
        outcomes
            .iter()
            .filter(|((answered, _), _)| *answered == a)
            .map(|(_, offsets)| offsets.len())
            .sum::<usize>()
    };
    assert!(
        problems.is_empty(),
        "{summary}; {} inconsistent:\n{}",
        problems.len(),
        problems
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        answered("200") >= AT_LEAST && answered("TaskTimedOut") >= AT_LEAST,
        "{summary}: each answer must occur at least {AT_LEAST} times to test the race"
    );
    drop(baton);
}

/// Describes `run-n` until it ends; its view (still `RUNNING` after `deadline`).
async fn wait_end(rest: &Rest, n: usize, deadline: Instant) -> Value {
    let path = format!("/v1/state-machines/{MACHINE}/executions/run-{n}");
    loop {
        let view = rest.expect(rest.request(Method::GET, &path), 200).await;
        if view["status"] != "RUNNING" || Instant::now() > deadline {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
