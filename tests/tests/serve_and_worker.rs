//! `baton` processes sharing one Redis (issue #4):
//!
//! - a `serve` and a `worker` process complete 500 executions started through the REST
//!   API, each exactly once, and both do work (each process calls the service with its own
//!   `--user-agent`);
//! - SIGTERM drain: `baton serve --redis` gets SIGTERM while executions run; it stops
//!   accepting connections at once, lets its HTTP requests in flight finish, exits 0 within
//!   a bound, and a new process resumes and completes every execution without repeating a
//!   request.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use baton_tests::services::{Received, Service};

/// Logs that show partitions being acquired and released.
const LOG: &str = "info,baton_engine::worker=debug";

/// Every request's idempotency key, by execution id (`<machine>:<name>`).
fn by_execution(received: &[Received]) -> BTreeMap<String, Vec<Received>> {
    let mut out: BTreeMap<String, Vec<Received>> = BTreeMap::new();
    for r in received {
        let key = r.idempotency_key.as_deref().expect("an Idempotency-Key");
        let execution = key.split('/').next().unwrap_or_default().to_owned();
        out.entry(execution).or_default().push(r.clone());
    }
    out
}

/// Starts `names` of `machine` through the REST API, 16 at a time.
async fn start_all(rest: &Rest, machine: &str, names: impl Iterator<Item = (String, Value)>) {
    let permits = Arc::new(Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for (name, input) in names {
        let (rest, permits, machine) = (rest.clone(), permits.clone(), machine.to_owned());
        tasks.spawn(async move {
            let _permit = permits.acquire().await.expect("semaphore");
            rest.start(&machine, &name, &input).await;
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("start");
    }
}

/// The executions of `machine` with `status` (all pages).
async fn count_with_status(rest: &Rest, machine: &str, status: &str) -> usize {
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut path =
            format!("/v1/state-machines/{machine}/executions?status={status}&limit=1000");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = rest.expect(rest.request(Method::GET, &path), 200).await;
        count += page["executions"].as_array().map_or(0, Vec::len);
        match page.get("next").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => return count,
        }
    }
}

const EXECUTIONS: usize = 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serve_and_a_worker_process_complete_500_executions_exactly_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let service = Service::start(|req: &Received| {
        (
            200,
            json!({"seen": req.body["n"], "by": req.header("user-agent")}),
        )
    })
    .await;
    let serve = Baton::serve_async(
        &[
            "--redis",
            &url,
            "--workers",
            "1",
            "--user-agent",
            "baton-serve",
        ],
        &[("RUST_LOG", LOG)],
    )
    .await;
    let worker_url = url.clone();
    let mut worker = tokio::task::spawn_blocking(move || {
        Baton::worker(
            &[
                "--redis",
                &worker_url,
                "--workers",
                "1",
                "--user-agent",
                "baton-worker",
            ],
            &[("RUST_LOG", LOG)],
        )
    })
    .await
    .expect("start baton worker");
    // The serve process took every partition first; the worker gets its share once the
    // serve process notices it (its heartbeat) and hands partitions over.
    let worker = tokio::task::spawn_blocking(move || {
        let acquired = worker.wait_for_line("partition acquired", Duration::from_secs(30));
        assert!(
            acquired.is_some(),
            "the worker process took no partition:\n{}",
            worker.output().join("\n")
        );
        worker
    })
    .await
    .expect("worker");

    let rest = Rest::new(&serve.url);
    rest.put_machine(
        "counted",
        &json!({
            "StartAt": "Prepare",
            "States": {
                "Prepare": {"Type": "Pass", "Parameters": {"n.$": "$.n", "kind": "count"},
                            "Next": "Call"},
                "Call": {"Type": "Task", "Resource": service.url("/count"), "ResultPath": "$.call",
                         "Next": "Finish"},
                "Finish": {"Type": "Pass", "Parameters": {"n.$": "$.n", "seen.$": "$.call.seen"},
                           "End": true}
            }
        }),
    )
    .await;
    let began = Instant::now();
    start_all(
        &rest,
        "counted",
        (0..EXECUTIONS).map(|i| (format!("run-{i}"), json!({"n": i}))),
    )
    .await;
    common::eventually(Duration::from_secs(90), "500 executions to end", || async {
        (count_with_status(&rest, "counted", "RUNNING").await == 0).then_some(())
    })
    .await;
    let elapsed = began.elapsed();
    assert_eq!(
        count_with_status(&rest, "counted", "SUCCEEDED").await,
        EXECUTIONS
    );

    // Every output is right.
    let permits = Arc::new(Semaphore::new(16));
    let mut checks = tokio::task::JoinSet::new();
    for i in 0..EXECUTIONS {
        let (rest, permits) = (rest.clone(), permits.clone());
        checks.spawn(async move {
            let _permit = permits.acquire().await.expect("semaphore");
            let view = rest.describe("counted", &format!("run-{i}")).await;
            assert_eq!(view["status"], "SUCCEEDED", "run-{i}");
            assert_eq!(view["output"], json!({"n": i, "seen": i}), "run-{i}");
        });
    }
    while let Some(done) = checks.join_next().await {
        done.expect("check");
    }

    // Exactly one request per execution, with its idempotency key.
    let received = service.received();
    let per_execution = by_execution(&received);
    assert_eq!(per_execution.len(), EXECUTIONS);
    for (execution, requests) in &per_execution {
        assert_eq!(
            requests.len(),
            1,
            "{execution} called the service {} times",
            requests.len()
        );
        assert_eq!(
            requests[0].idempotency_key.as_deref(),
            Some(format!("{execution}/Call/1").as_str())
        );
        let n: usize = execution
            .trim_start_matches("counted:run-")
            .parse()
            .expect("run number");
        assert_eq!(requests[0].body, json!({"n": n, "kind": "count"}));
    }
    // Both processes did work.
    let mut by_process: BTreeMap<String, usize> = BTreeMap::new();
    for r in &received {
        *by_process
            .entry(r.header("user-agent").unwrap_or("none").to_owned())
            .or_default() += 1;
    }
    println!(
        "{EXECUTIONS} executions in {:.1} s; requests by process: {by_process:?}",
        elapsed.as_secs_f64()
    );
    assert_eq!(by_process.values().sum::<usize>(), EXECUTIONS);
    for process in ["baton-serve", "baton-worker"] {
        assert!(
            by_process.get(process).copied().unwrap_or(0) > 0,
            "{process} did no work: {by_process:?}"
        );
    }

    let (mut serve, mut worker) = (serve, worker);
    let stopped = tokio::task::spawn_blocking(move || {
        let a = serve.terminate(Duration::from_secs(30));
        let b = worker.terminate(Duration::from_secs(30));
        (a, b)
    })
    .await
    .expect("terminate");
    assert!(
        matches!(stopped, (Some(a), Some(b)) if a.success() && b.success()),
        "{stopped:?}"
    );
    drop(redis);
}

/// Executions running when SIGTERM comes.
const DRAINED: usize = 40;
/// How long the service holds each answer: the drain has requests in flight to wait for.
const SERVICE_DELAY: Duration = Duration::from_millis(1500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_sigterm_drains_and_a_new_process_completes_every_execution() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let service = Service::start_slow(SERVICE_DELAY, |req: &Received| {
        (
            200,
            json!({"n": req.body["n"], "by": req.header("user-agent")}),
        )
    })
    .await;
    let first = Baton::serve_async(&["--redis", &url, "--user-agent", "first"], &[]).await;
    let rest = Rest::new(&first.url);
    rest.put_machine(
        "drained",
        &json!({
            "StartAt": "First",
            "States": {
                "First": {"Type": "Task", "Resource": service.url("/first"), "ResultPath": "$.first",
                          "Next": "Pause"},
                "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Second"},
                "Second": {"Type": "Task", "Resource": service.url("/second"),
                           "ResultPath": "$.second", "End": true}
            }
        }),
    )
    .await;
    start_all(
        &rest,
        "drained",
        (0..DRAINED).map(|i| (format!("run-{i}"), json!({"n": i}))),
    )
    .await;
    // Every First request is in flight (the service holds it for 1.5 s): SIGTERM now.
    common::eventually(Duration::from_secs(20), "every First request", || async {
        (service.received().len() == DRAINED).then_some(())
    })
    .await;
    let mut first = first;
    let address = first.url.trim_start_matches("http://").to_owned();
    first.signal_term();
    let signalled = Instant::now();

    // It stops accepting connections at once, while it still drains.
    let refused_while_running = loop {
        let refused = tokio::net::TcpStream::connect(&address).await.is_err();
        if refused {
            break first.is_running();
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(5),
            "still accepting connections 5 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let refused_after = signalled.elapsed();
    let exit = tokio::task::spawn_blocking(move || {
        let status = first.wait_exit(Duration::from_secs(30));
        (status, first)
    })
    .await
    .expect("wait for exit");
    let (status, mut first) = exit;
    let exited_after = signalled.elapsed();
    let status = status.unwrap_or_else(|| {
        panic!(
            "no exit within 30 s of SIGTERM:\n{}",
            first.output().join("\n")
        )
    });
    assert!(status.success(), "exit status {status}");
    assert!(
        refused_while_running,
        "connections were refused only after the process exited ({refused_after:?})"
    );
    // It waited for its requests in flight (held 1.5 s by the service).
    assert!(
        exited_after >= Duration::from_millis(500),
        "exited {exited_after:?} after SIGTERM, before its requests in flight could finish"
    );
    println!("SIGTERM: connections refused after {refused_after:?}, exit 0 after {exited_after:?}");
    assert!(
        first.output().iter().any(|l| l.contains("shutting down")),
        "{:?}",
        first.output()
    );
    drop(first);

    // A new process resumes every execution.
    let second = Baton::serve_async(&["--redis", &url, "--user-agent", "second"], &[]).await;
    let rest = Rest::new(&second.url);
    let began = Instant::now();
    for i in 0..DRAINED {
        let view = rest
            .wait_end("drained", &format!("run-{i}"), Duration::from_secs(60))
            .await;
        assert_eq!(view["status"], "SUCCEEDED", "run-{i}: {view}");
        assert_eq!(
            view["output"]["first"],
            json!({"n": i, "by": "first"}),
            "run-{i}"
        );
        assert_eq!(
            view["output"]["second"],
            json!({"n": i, "by": "second"}),
            "run-{i}"
        );
    }
    let resumed = began.elapsed();
    println!(
        "the new process completed {DRAINED} executions in {:.1} s",
        resumed.as_secs_f64()
    );
    // The work left is a 1 s Wait and a 1.5 s request. The old process left the worker set
    // when it stopped, so the new one took every partition at once, not half of them until
    // the old heartbeat expired (the 10 s lease TTL).
    assert!(
        resumed < Duration::from_secs(8),
        "resuming took {resumed:?}: were partitions held back for a departed worker?"
    );

    // No request was repeated: one per state, with its idempotency key, First answered to
    // (and committed by) the draining process, Second sent by the new one.
    for (execution, requests) in by_execution(&service.received()) {
        let mut keys: Vec<(String, String, String)> = requests
            .iter()
            .map(|r| {
                (
                    r.path.clone(),
                    r.idempotency_key.clone().unwrap_or_default(),
                    r.header("user-agent").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            vec![
                (
                    "/first".into(),
                    format!("{execution}/First/1"),
                    "first".into()
                ),
                (
                    "/second".into(),
                    format!("{execution}/Second/1"),
                    "second".into()
                ),
            ],
            "{execution}"
        );
    }
    // Each history is whole: no event lost or written twice.
    let expected = [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "WaitStateEntered",
        "WaitStateExited",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ];
    for i in 0..DRAINED {
        let history = rest.history("drained", &format!("run-{i}"), 100).await;
        let kinds: Vec<&str> = history
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(kinds, expected, "run-{i}");
    }
    drop(second);
    drop(redis);
}
