//! Two engine worker processes on one redis-server (issue #3): 500 executions, started
//! up front, each finished exactly once, each HTTP task called exactly once, and both
//! processes doing part of the work.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use baton_engine::machine::Status;
use baton_engine::testing::redis_server::RedisServer;

use support::{Received, Service, WorkerSpec, full_history, jitter, kinds, wait_all_final};

/// The entry point of the worker processes (does nothing when run as a test).
#[test]
#[ignore = "the worker process of the multi-process tests; runs only when they start it"]
fn worker_process() {
    support::worker_process_main();
}

const EXECUTIONS: u64 = 500;
const PARTITIONS: u32 = 16;

const HISTORY: [&str; 11] = [
    "ExecutionStarted",
    "PassStateEntered",
    "PassStateExited",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSucceeded",
    "TaskStateExited",
    "PassStateEntered",
    "PassStateExited",
    "ExecutionSucceeded",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_finish_each_execution_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let began = Instant::now();
    let spec = WorkerSpec::new(redis.url(), "two", PARTITIONS);
    let store = spec.store().await;
    let service = Service::start(|req: Received| async move {
        jitter(10..60).await;
        let n = req.body["n"].as_u64().unwrap_or(0);
        (200, json!({"v": 7 * n}))
    })
    .await;
    let definition = json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Parameters": {"n.$": "$.n", "tag": "two"}, "Next": "Call"},
            "Call": {"Type": "Task", "Resource": service.url("/work"), "ResultPath": "$.r", "Next": "Finish"},
            "Finish": {"Type": "Pass", "Parameters": {"n.$": "$.n", "v.$": "$.r.v"}, "End": true}
        }
    });
    support::create_machine(&store, "two", &definition).await;

    let mut a = spec.spawn("two-a");
    let mut b = spec.spawn("two-b");
    a.wait_ready(Duration::from_secs(20)).await;
    b.wait_ready(Duration::from_secs(20)).await;
    // Once the processes share the partitions, start every execution at once.
    let split = wait_split(&redis.url(), &spec.prefix, ["two-a", "two-b"]).await;
    let mut ids = Vec::new();
    for n in 0..EXECUTIONS {
        ids.push(support::start_execution(&store, "two", &format!("x{n}"), json!({"n": n})).await);
    }
    let records = wait_all_final(&store, &ids, Duration::from_secs(60)).await;
    // Let the last "finished" lines through the pipes before killing.
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.finished().len() + b.finished().len() < ids.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let finished_a = a.kill();
    let finished_b = b.kill();

    for (id, exec) in &records {
        let n = exec.input["n"].as_u64().expect("n");
        assert_eq!(exec.status, Status::Succeeded, "{id}: {exec:?}");
        assert_eq!(exec.output, Some(json!({"n": n, "v": 7 * n})), "{id}");
        let history = full_history(&store, id).await;
        assert_eq!(kinds(&history), HISTORY, "{id}");
    }

    // Each HTTP task called exactly once, with its key.
    let received = service.received();
    let mut calls: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in &received {
        let key = r.idempotency_key.clone().expect("every request has a key");
        calls.entry(key).or_default().push(r.body.clone());
    }
    let repeated: Vec<(&String, usize)> = calls
        .iter()
        .filter(|(_, c)| c.len() > 1)
        .map(|(k, c)| (k, c.len()))
        .collect();
    assert!(
        repeated.is_empty(),
        "tasks called more than once: {repeated:?}"
    );
    let expected: BTreeSet<String> = ids.iter().map(|id| format!("{id}/Call/1")).collect();
    assert_eq!(calls.keys().cloned().collect::<BTreeSet<_>>(), expected);

    // Each execution finished by exactly one process, and both did work.
    let set_a: BTreeSet<String> = finished_a.iter().cloned().collect();
    let set_b: BTreeSet<String> = finished_b.iter().cloned().collect();
    assert_eq!(set_a.len(), finished_a.len(), "a finished one twice");
    assert_eq!(set_b.len(), finished_b.len(), "b finished one twice");
    let both: Vec<&String> = set_a.intersection(&set_b).collect();
    assert!(both.is_empty(), "finished by both processes: {both:?}");
    let all: BTreeSet<String> = set_a.union(&set_b).cloned().collect();
    assert_eq!(all, ids.iter().cloned().collect::<BTreeSet<_>>());
    assert!(
        !set_a.is_empty() && !set_b.is_empty(),
        "both processes must work: a {}, b {}",
        set_a.len(),
        set_b.len()
    );
    eprintln!(
        "two workers: partitions {split:?}; {EXECUTIONS} executions in {:.1} s; process a finished {}, b {}; {} HTTP calls",
        began.elapsed().as_secs_f64(),
        set_a.len(),
        set_b.len(),
        received.len()
    );
}

/// Waits until every partition's lease is held and each worker holds some (lease values
/// are `<worker id>/<fencing token>`, see `RedisStore`); returns how many each holds.
async fn wait_split(url: &str, prefix: &str, workers: [&str; 2]) -> [usize; 2] {
    let client = redis::Client::open(url).expect("redis url");
    let mut con = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut held = [0; 2];
        for p in 0..PARTITIONS {
            let owner: Option<String> = redis::cmd("GET")
                .arg(format!("{prefix}:{{p{p}}}:lease"))
                .query_async(&mut con)
                .await
                .expect("GET lease");
            for (i, worker) in workers.iter().enumerate() {
                if owner
                    .as_deref()
                    .is_some_and(|o| o.starts_with(&format!("{worker}/")))
                {
                    held[i] += 1;
                }
            }
        }
        if held[0] > 0 && held[1] > 0 && held[0] + held[1] == PARTITIONS as usize {
            return held;
        }
        assert!(
            Instant::now() < deadline,
            "the workers did not share the partitions: {held:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
