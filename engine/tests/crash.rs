//! Crash test (issue #3): 200 executions mixing HTTP tasks, a Wait, a retry and a callback
//! run in an engine worker *process* that is killed with SIGKILL several times and
//! restarted. Every execution must end with the output of an undisturbed run, with no
//! history event missing or duplicated, and every repeated HTTP call must carry the same
//! idempotency key (and the same body) as the first.
//!
//! The worker process is this test binary run again (see `support`); the HTTP services
//! and the callback sender (what the gateway does on `SendTaskSuccess`) live in the test
//! process, so they see every attempt across crashes.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;
use baton_engine::http::{HttpConfig, HttpInvoker};
use baton_engine::machine::{Outcome, QueuedEvent, Settings, Status, Step};
use baton_engine::store::{CallbackError, CallbackMessage, RedisStore, Store};
use baton_engine::testing::redis_server::RedisServer;
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig, now_ms};

use support::{
    Received, Service, WorkerSpec, full_history, jitter, kinds, lock, scheduled_keys,
    start_execution, wait_all_final,
};

/// The entry point of the worker processes (does nothing when run as a test).
#[test]
#[ignore = "the worker process of the multi-process tests; runs only when they start it"]
fn worker_process() {
    support::worker_process_main();
}

const EXECUTIONS: u64 = 200;
const KILLS: usize = 5;
const PARTITIONS: u32 = 8;
/// Each worker generation but the last gets a batch of new executions (EXECUTIONS / KILLS),
/// started over this long, so every kill lands while many are mid-run.
const BATCH_SPREAD: Duration = Duration::from_millis(1500);

/// Task → Wait → Callback (with a notification) → Task → Choice → Pass | Succeed. Step1
/// fails its first attempt with a 503 for every fifth input, so some executions retry.
fn definition(service: &Service) -> Value {
    json!({
        "Comment": "crash test",
        "StartAt": "Step1",
        "States": {
            "Step1": {
                "Type": "Task", "Resource": service.url("/step1"), "ResultPath": "$.step1",
                "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 1,
                           "MaxAttempts": 2, "BackoffRate": 1.0}],
                "Next": "Pause"
            },
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Approve"},
            "Approve": {
                "Type": "Callback",
                "Notify": {"ApiEndpoint": service.url("/notify"), "Method": "POST",
                           "RequestBody": {"token.$": "$$.Task.Token", "n.$": "$.n"}},
                "TimeoutSeconds": 300,
                "ResultPath": "$.approval",
                "Next": "Step2"
            },
            "Step2": {
                "Type": "Task", "Resource": service.url("/step2"),
                "Parameters": {"n.$": "$.n", "a.$": "$.step1.double", "b.$": "$.approval.grant"},
                "ResultPath": "$.step2",
                "Next": "Route"
            },
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.step2.sum", "NumericGreaterThanEquals": 600, "Next": "Big"}],
                "Default": "Small"
            },
            "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "End": true},
            "Small": {"Type": "Succeed", "OutputPath": "$.step2"}
        }
    })
}

/// What an undisturbed run of input `{"n": n}` ends with.
fn expected_output(n: u64) -> Value {
    let sum = 6 * n + 1;
    if sum >= 600 {
        json!({"n": n, "step1": {"double": 2 * n}, "approval": {"grant": 3 * n + 1},
               "step2": {"sum": sum}, "size": "big"})
    } else {
        json!({"sum": sum})
    }
}

/// Executions with the same class have the same history event types.
fn class(n: u64) -> (bool, bool) {
    (n.is_multiple_of(5), 6 * n + 1 >= 600)
}

fn n_of(body: &Value) -> u64 {
    body["n"].as_u64().expect("a request body with n")
}

/// The services: `/step1` (503 on the first attempt of every fifth n), `/notify` (hands
/// the token to the callback sender), `/step2`. Each answers after 50–200 ms.
async fn services(keys: Arc<KeyRing>, callbacks: mpsc::UnboundedSender<Notified>) -> Service {
    Service::start(move |req: Received| {
        let keys = keys.clone();
        let callbacks = callbacks.clone();
        async move {
            let n = n_of(&req.body);
            let key = req.idempotency_key.unwrap_or_default();
            // The work happens at once; the answer comes 50–200 ms later, so a kill in
            // between loses the answer but not the work (as with a real service).
            let reply = match req.path.as_str() {
                "/step1" if key.ends_with("/1") && n.is_multiple_of(5) => {
                    (503, json!({"error": "busy"}))
                }
                "/step1" => (200, json!({"double": 2 * n})),
                "/step2" => {
                    let a = req.body["a"].as_u64().unwrap_or(0);
                    let b = req.body["b"].as_u64().unwrap_or(0);
                    (200, json!({"sum": n + a + b}))
                }
                "/notify" => {
                    let token = req.body["token"].as_str().unwrap_or_default();
                    match keys.verify(token) {
                        Ok(t) => {
                            let _ = callbacks.send(Notified {
                                execution: t.execution_id().to_owned(),
                                state: t.state().to_owned(),
                                attempt: t.attempt(),
                                n,
                            });
                            (200, json!({"queued": true}))
                        }
                        Err(e) => (400, json!({"error": e.to_string()})),
                    }
                }
                _ => (404, json!({})),
            };
            jitter(50..200).await;
            reply
        }
    })
    .await
}

/// A verified callback token the notify service received.
#[derive(Debug)]
struct Notified {
    execution: String,
    state: String,
    attempt: u32,
    n: u64,
}

/// How callback deliveries went.
#[derive(Debug, Default)]
struct Deliveries {
    ok: AtomicUsize,
    /// Refused because the token was already used (closed, or gone with its execution):
    /// the deliveries for notifications resent after a crash.
    refused: AtomicUsize,
    /// Deliveries not done yet.
    pending: AtomicUsize,
    errors: std::sync::Mutex<Vec<String>>,
    per_execution: std::sync::Mutex<BTreeMap<String, usize>>,
}

/// What the gateway does on `SendTaskSuccess`, after a random delay: once the execution
/// has recorded that its notification was answered (so every history has `TaskSubmitted`
/// before `TaskSucceeded`, as in an undisturbed run), delivers `{"grant": 3n + 1}`.
fn callback_sender(
    stores: Vec<(&'static str, RedisStore)>,
    mut rx: mpsc::UnboundedReceiver<Notified>,
    stats: Arc<Deliveries>,
) {
    tokio::spawn(async move {
        while let Some(note) = rx.recv().await {
            let sm = note.execution.split(':').next().unwrap_or_default();
            let store = stores
                .iter()
                .find(|(name, _)| *name == sm)
                .map(|(_, store)| store.clone())
                .expect("a store for the execution");
            let stats = stats.clone();
            stats.pending.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                jitter(20..300).await;
                loop {
                    let exec = store
                        .load_execution(&note.execution)
                        .await
                        .expect("store")
                        .expect("the execution");
                    let frame = exec.frames.get(&0);
                    let waiting = frame.is_some_and(|f| {
                        f.state == note.state
                            && matches!(&f.step, Step::Task(t) if t.attempt == note.attempt && t.submitted)
                    });
                    let moved_on =
                        exec.status.is_final() || frame.is_none_or(|f| f.state != note.state);
                    if waiting || moved_on {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let event = QueuedEvent::Callback {
                    state: note.state.clone(),
                    attempt: note.attempt,
                    outcome: Outcome::Success {
                        output: json!({"grant": 3 * note.n + 1}),
                    },
                };
                let task = format!("{}/{}", note.state, note.attempt);
                match store
                    .deliver_callback(
                        &note.execution,
                        &task,
                        CallbackMessage::Finish(event),
                        now_ms(),
                    )
                    .await
                {
                    Ok(()) => {
                        stats.ok.fetch_add(1, Ordering::SeqCst);
                        *lock(&stats.per_execution)
                            .entry(note.execution.clone())
                            .or_insert(0) += 1;
                    }
                    // A notification resent after a crash: its token was already used
                    // (the check that each execution got one callback is below).
                    Err(CallbackError::Closed | CallbackError::Gone) => {
                        stats.refused.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => lock(&stats.errors).push(format!("{}: {e}", note.execution)),
                }
                stats.pending.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
}

/// An undisturbed reference: a worker in this process on its own key prefix, running one
/// execution of each class.
async fn reference_run(spec: &WorkerSpec, store: &RedisStore) -> (CancellationToken, Vec<String>) {
    let shared = Arc::new(Shared {
        store: store.clone(),
        settings: Settings::default(),
        tokens: Arc::new(KeyRingMinter(Arc::new(spec.key_ring()))),
        http: HttpInvoker::new(HttpConfig::default()).expect("http client"),
        definitions: DefinitionCache::default(),
        finished: None,
        mocks: None,
    });
    let stop = CancellationToken::new();
    tokio::spawn(
        Worker::new(
            shared,
            WorkerConfig {
                lease_ttl: support::LEASE_TTL,
                ..WorkerConfig::default()
            },
        )
        .run(stop.clone()),
    );
    let mut ids = Vec::new();
    for n in [0, 1, 100, 101] {
        ids.push(start_execution(store, "ref", &format!("x{n}"), json!({"n": n})).await);
    }
    (stop, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_survive_sigkill_of_the_worker_process() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let began = Instant::now();
    let spec = WorkerSpec::new(redis.url(), "crash", PARTITIONS);
    let ref_spec = WorkerSpec {
        prefix: "ref".into(),
        ..spec.clone()
    };
    let store = spec.store().await;
    let ref_store = ref_spec.store().await;

    let (notify_tx, notify_rx) = mpsc::unbounded_channel();
    // One service for the crash run, one for the reference, so each sees only its own.
    let service = services(Arc::new(spec.key_ring()), notify_tx.clone()).await;
    let ref_service = services(Arc::new(spec.key_ring()), notify_tx).await;
    let deliveries = Arc::new(Deliveries::default());
    callback_sender(
        vec![("crash", store.clone()), ("ref", ref_store.clone())],
        notify_rx,
        deliveries.clone(),
    );
    support::create_machine(&store, "crash", &definition(&service)).await;
    support::create_machine(&ref_store, "ref", &definition(&ref_service)).await;

    // The undisturbed reference runs alongside, in this process.
    let (ref_stop, ref_ids) = reference_run(&ref_spec, &ref_store).await;

    // Start a worker process, give it a batch of executions, kill it at a random point
    // once it is making progress; KILLS times. Then one more runs to the end.
    let ids: Vec<String> = (0..EXECUTIONS).map(|n| format!("crash:x{n}")).collect();
    let batch = EXECUTIONS / KILLS as u64;
    let mut starters = Vec::new();
    let mut kills = Vec::new();
    for generation in 0..KILLS {
        let mut worker = spec.spawn(&format!("crash-w{generation}"));
        worker.wait_ready(Duration::from_secs(20)).await;
        let batch_store = store.clone();
        let first = generation as u64 * batch;
        let last = if generation + 1 == KILLS {
            EXECUTIONS
        } else {
            first + batch
        };
        starters.push(tokio::spawn(async move {
            let pause = BATCH_SPREAD / (last - first) as u32;
            for n in first..last {
                start_execution(&batch_store, "crash", &format!("x{n}"), json!({"n": n})).await;
                tokio::time::sleep(pause).await;
            }
        }));
        // Progress: this process got work (a request arrived since it started).
        let seen = service.count();
        let deadline = Instant::now() + Duration::from_secs(20);
        while service.count() == seen {
            assert!(
                Instant::now() < deadline,
                "worker generation {generation} made no progress"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        jitter(200..1500).await;
        let mut running = 0;
        for id in &ids {
            if let Some(exec) = store.load_execution(id).await.expect("store")
                && exec.status == Status::Running
            {
                running += 1;
            }
        }
        // Prefer a moment with a call in flight (not always found: then any moment).
        let until = Instant::now() + Duration::from_millis(500);
        while service.in_flight() == 0 && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let in_flight = service.in_flight();
        let up = worker.started.elapsed();
        worker.kill();
        kills.push((up, in_flight, running));
        eprintln!(
            "kill {}: after {:.1} s up, {in_flight} HTTP requests in flight, {running} executions running",
            kills.len(),
            up.as_secs_f64()
        );
        jitter(0..500).await;
    }
    let mut worker = spec.spawn(&format!("crash-w{KILLS}"));
    worker.wait_ready(Duration::from_secs(20)).await;
    for starter in starters {
        starter.await.expect("executions started");
    }
    let records = wait_all_final(&store, &ids, Duration::from_secs(60)).await;
    drop(worker);
    let ref_records = wait_all_final(&ref_store, &ref_ids, Duration::from_secs(30)).await;
    ref_stop.cancel();

    // The undisturbed reference: outputs as computed, and a history per class.
    let mut reference: BTreeMap<(bool, bool), Vec<String>> = BTreeMap::new();
    for (id, exec) in &ref_records {
        let n = n_of(&exec.input);
        assert_eq!(exec.status, Status::Succeeded, "{id}: {exec:?}");
        assert_eq!(exec.output.as_ref(), Some(&expected_output(n)), "{id}");
        let history = full_history(&ref_store, id).await;
        reference.insert(class(n), kinds(&history));
    }
    assert_eq!(reference.len(), 4, "one reference per class");
    let mut ref_keys = BTreeSet::new();
    for r in ref_service.received() {
        let key = r.idempotency_key.expect("every request has a key");
        assert!(
            ref_keys.insert(key.clone()),
            "{key}: repeated in an undisturbed run"
        );
    }
    let mut ref_scheduled = BTreeSet::new();
    for id in ref_records.keys() {
        ref_scheduled.extend(scheduled_keys(id, &full_history(&ref_store, id).await));
    }
    assert_eq!(
        ref_keys, ref_scheduled,
        "undisturbed run: requests vs attempts"
    );

    // Every execution: the undisturbed output and history.
    let mut scheduled: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, exec) in &records {
        let n = n_of(&exec.input);
        assert_eq!(exec.status, Status::Succeeded, "{id}: {exec:?}");
        assert_eq!(exec.output.as_ref(), Some(&expected_output(n)), "{id}");
        let history = full_history(&store, id).await;
        assert_eq!(
            kinds(&history),
            reference[&class(n)],
            "{id}: history differs from the undisturbed run's"
        );
        assert_eq!(exec.events, history.len() as u64, "{id}: record vs history");
        let keys = scheduled_keys(id, &history);
        let distinct: BTreeSet<String> = keys.iter().cloned().collect();
        assert_eq!(
            distinct.len(),
            keys.len(),
            "{id}: an attempt scheduled twice"
        );
        scheduled.insert(id.clone(), distinct);
    }

    // Every HTTP request: a well-formed key, the same body for the same key, and exactly
    // the attempts the histories scheduled.
    let received: Vec<Received> = service.received();
    let mut by_key: BTreeMap<String, Vec<&Received>> = BTreeMap::new();
    for r in &received {
        let key = r.idempotency_key.clone().expect("every request has a key");
        by_key.entry(key).or_default().push(r);
    }
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, requests) in &by_key {
        let parts: Vec<&str> = key.rsplitn(3, '/').collect();
        let [attempt, state, execution] = parts[..] else {
            panic!("malformed idempotency key {key}");
        };
        assert!(attempt.parse::<u32>().is_ok_and(|a| a >= 1), "{key}");
        let path = match state {
            "Step1" => "/step1",
            "Approve" => "/notify",
            "Step2" => "/step2",
            other => panic!("{key}: unexpected state {other}"),
        };
        assert!(records.contains_key(execution), "{key}: unknown execution");
        for r in requests {
            assert_eq!(r.path, path, "{key}");
            assert_eq!(
                r.body, requests[0].body,
                "{key}: a repeat with a different body"
            );
        }
        seen.entry(execution.to_owned())
            .or_default()
            .insert(key.clone());
    }
    for (id, keys) in &scheduled {
        let empty = BTreeSet::new();
        assert_eq!(
            seen.get(id).unwrap_or(&empty),
            keys,
            "{id}: requests vs scheduled attempts"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while deliveries.pending.load(Ordering::SeqCst) > 0 {
        assert!(Instant::now() < deadline, "callback deliveries hang");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        *lock(&deliveries.errors),
        Vec::<String>::new(),
        "callbacks refused"
    );
    let per_execution = lock(&deliveries.per_execution).clone();
    for id in &ids {
        assert_eq!(
            per_execution.get(id),
            Some(&1),
            "{id}: one accepted callback"
        );
    }

    let repeats = received.len() - by_key.len();
    let mut repeats_by_path: BTreeMap<&str, usize> = BTreeMap::new();
    for requests in by_key.values() {
        *repeats_by_path
            .entry(requests[0].path.as_str())
            .or_insert(0) += requests.len() - 1;
    }
    let repeated_keys = by_key.values().filter(|r| r.len() > 1).count();
    let in_flight_at_kills: usize = kills.iter().map(|k| k.1).sum();
    eprintln!(
        "crash test: {EXECUTIONS} executions, {} kills, {} HTTP requests for {} keys: {repeats} repeats of {repeated_keys} keys {repeats_by_path:?}; {} callbacks accepted, {} refused as already used (notifications resent); {:.1} s",
        kills.len(),
        received.len(),
        by_key.len(),
        deliveries.ok.load(Ordering::SeqCst),
        deliveries.refused.load(Ordering::SeqCst),
        began.elapsed().as_secs_f64()
    );
    assert!(
        kills.iter().all(|k| k.2 > 0),
        "every kill must land while executions run: {kills:?}"
    );
    assert!(
        repeats > 0 && in_flight_at_kills > 0,
        "no kill landed during an HTTP call (nothing was resent): {kills:?}"
    );
}
