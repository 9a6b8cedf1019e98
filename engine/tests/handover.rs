//! Graceful hand-over of partitions: a worker that gives partitions up (to a worker that
//! joins, or on shutdown) lets its HTTP requests in flight finish and commits their
//! results first, so the next owner repeats none of them. (Only a crash may repeat a
//! request; see `crash.rs`.)

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;
use baton_engine::http::{HttpConfig, HttpInvoker};
use baton_engine::machine::{QueuedEvent, Settings, Status};
use baton_engine::store::{MemoryStore, RedisStore, Store};
use baton_engine::testing::redis_server::RedisServer;
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig};

use support::{Received, Service, jitter, start_execution, wait_all_final};

const EXECUTIONS: usize = 100;

/// A worker on `store` with its own list of finished executions.
fn worker<S: Store>(
    store: &S,
    id: &str,
    stop: &CancellationToken,
) -> (tokio::task::JoinHandle<()>, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        store: store.clone(),
        settings: Settings::default(),
        tokens: Arc::new(KeyRingMinter(Arc::new(KeyRing::generate()))),
        http: HttpInvoker::new(HttpConfig::default()).expect("http client"),
        definitions: DefinitionCache::default(),
        finished: Some(tx),
        mocks: None,
    });
    let config = WorkerConfig {
        id: id.into(),
        lease_ttl: support::LEASE_TTL,
        ..WorkerConfig::default()
    };
    (
        tokio::spawn(Worker::new(shared, config).run(stop.clone())),
        rx,
    )
}

/// Two slow HTTP tasks in a row: when a worker gives a partition up while the first call
/// is in flight, the second is the next owner's to send.
async fn setup<S: Store>(store: &S) -> (Service, Vec<String>) {
    let service = Service::start(|req: Received| async move {
        jitter(300..600).await;
        (200, json!({"seen": req.body["n"]}))
    })
    .await;
    let definition = json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Next": "First"},
            "First": {"Type": "Task", "Resource": service.url("/first"), "ResultPath": "$.first", "Next": "Second"},
            "Second": {"Type": "Task", "Resource": service.url("/second"), "ResultPath": "$.second", "End": true}
        }
    });
    support::create_machine(store, "h", &definition).await;
    let mut ids = Vec::new();
    for n in 0..EXECUTIONS {
        ids.push(start_execution(store, "h", &format!("x{n}"), json!({"n": n})).await);
    }
    (service, ids)
}

/// Every execution succeeded and every idempotency key was sent exactly once.
async fn check<S: Store>(store: &S, service: &Service, ids: &[String]) {
    let records = wait_all_final(store, ids, Duration::from_secs(30)).await;
    for (id, exec) in &records {
        assert_eq!(exec.status, Status::Succeeded, "{id}: {exec:?}");
    }
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    for r in service.received() {
        *calls
            .entry(r.idempotency_key.unwrap_or_default())
            .or_insert(0) += 1;
    }
    let repeated: Vec<_> = calls.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "requests repeated: {repeated:?}");
    assert_eq!(calls.len(), 2 * ids.len());
}

async fn wait_requests(service: &Service, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while service.count() < n {
        assert!(Instant::now() < deadline, "no requests");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn joining_worker<S: Store>(store: S) {
    let (service, ids) = setup(&store).await;
    let stop = CancellationToken::new();
    let (a, _finished_a) = worker(&store, "a", &stop);
    wait_requests(&service, EXECUTIONS / 2).await;
    // b joins while a has requests in flight in every partition; a hands half over.
    let (b, mut finished_b) = worker(&store, "b", &stop);
    check(&store, &service, &ids).await;
    stop.cancel();
    let _ = tokio::join!(a, b);
    let mut by_b = 0;
    while finished_b.try_recv().is_ok() {
        by_b += 1;
    }
    assert!(by_b > 0, "b took no partition over");
}

async fn shutdown<S: Store>(store: S) {
    let (service, ids) = setup(&store).await;
    let stop = CancellationToken::new();
    let (a, _) = worker(&store, "a", &stop);
    wait_requests(&service, EXECUTIONS / 2).await;
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), a)
        .await
        .expect("the worker stops once its requests are answered")
        .expect("worker task");
    // Nothing is left in flight: every request sent has its answer committed.
    let sent = service.count();
    let mut committed = 0;
    for id in &ids {
        let history = store.history(id, 1, 1000, false).await.expect("history");
        committed += history.iter().filter(|e| e.kind == "TaskSucceeded").count();
    }
    assert_eq!(
        committed, sent,
        "answers of requests in flight were dropped"
    );
    let stop = CancellationToken::new();
    let (b, _) = worker(&store, "b", &stop);
    check(&store, &service, &ids).await;
    stop.cancel();
    let _ = b.await;
}

/// A finished (here: stopped) execution's answer still due does not hold up a shutdown.
async fn shutdown_with_a_finished_execution_waiting<S: Store>(store: S) {
    let service = Service::start(|_req: Received| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        (200, json!({}))
    })
    .await;
    let definition = json!({"StartAt": "Hang", "States": {
        "Hang": {"Type": "Task", "Resource": service.url("/hang"), "End": true}}});
    support::create_machine(&store, "hang", &definition).await;
    let id = start_execution(&store, "hang", "x", json!({})).await;
    let stop = CancellationToken::new();
    let (a, _) = worker(&store, "a", &stop);
    wait_requests(&service, 1).await;
    store
        .send_event(
            &id,
            QueuedEvent::Stop {
                error: None,
                cause: None,
            },
        )
        .await
        .expect("stop");
    let records = wait_all_final(&store, std::slice::from_ref(&id), Duration::from_secs(10)).await;
    assert_eq!(records[&id].status, Status::Aborted);
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(3), a)
        .await
        .expect("the worker stops without waiting for the stopped execution's request")
        .expect("worker task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_shutdown_does_not_wait_for_finished_executions() {
    shutdown_with_a_finished_execution_waiting(MemoryStore::new(8)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_shutdown_does_not_wait_for_finished_executions() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&redis.url(), "h", 8)
        .await
        .expect("redis");
    shutdown_with_a_finished_execution_waiting(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_joining_worker_repeats_no_request() {
    joining_worker(MemoryStore::new(8)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_shutdown_lets_requests_in_flight_finish() {
    shutdown(MemoryStore::new(8)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_joining_worker_repeats_no_request() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&redis.url(), "h", 8)
        .await
        .expect("redis");
    joining_worker(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_shutdown_lets_requests_in_flight_finish() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&redis.url(), "h", 8)
        .await
        .expect("redis");
    shutdown(store).await;
}
