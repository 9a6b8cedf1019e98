//! Shared by the multi-process tests (`crash.rs`, `two_workers.rs`): engine worker
//! processes, recording HTTP services, and execution helpers.
//!
//! # Worker processes
//!
//! A worker process is the test binary itself, run again with `--exact worker_process
//! --nocapture --ignored` and [`ENV_REDIS`] set: each test file has an ignored test
//! `worker_process` that calls [`worker_process_main`], which returns at once without the
//! variable and otherwise runs engine workers on the Redis store until it is killed. This
//! works under `cargo test` and `cargo nextest run` alike (both run the libtest harness of
//! the same binary). The child writes one line per execution it finished
//! (`baton-worker finished <id>`) to its stdout, which the parent reads; it exits by
//! itself when its stdin closes (the parent is gone), so a crashed test leaves no worker
//! behind.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;
use baton_engine::http::{HttpConfig, HttpInvoker};
use baton_engine::machine::{Execution, HistoryEvent, Machine, PlainTokens, Settings, start};
use baton_engine::store::{RedisStore, Started, StateMachineRecord, Store};
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig, now_ms};

/// The Redis URL; its presence makes `worker_process` a worker.
pub const ENV_REDIS: &str = "BATON_TEST_WORKER";
const ENV_PREFIX: &str = "BATON_TEST_PREFIX";
const ENV_PARTITIONS: &str = "BATON_TEST_PARTITIONS";
const ENV_KEYS: &str = "BATON_TEST_KEYS";
const ENV_LEASE_MS: &str = "BATON_TEST_LEASE_MS";
const ENV_ID: &str = "BATON_TEST_WORKER_ID";

const READY: &str = "baton-worker ready";
const FINISHED: &str = "baton-worker finished ";

/// The lease time to live of test workers: a killed worker's partitions are taken over
/// this long after its last renewal.
pub const LEASE_TTL: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------
// The child side.

/// The body of each test binary's `worker_process` test: nothing unless [`ENV_REDIS`] is
/// set; then runs a worker until the process is killed (or its stdin closes).
pub fn worker_process_main() {
    let Ok(url) = std::env::var(ENV_REDIS) else {
        return;
    };
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let prefix = var(ENV_PREFIX);
    let partitions: u32 = var(ENV_PARTITIONS).parse().expect("partitions");
    let spec = var(ENV_KEYS);
    let lease_ms: u64 = var(ENV_LEASE_MS).parse().expect("lease ms");
    let id = var(ENV_ID);

    // The parent holds our stdin open; end with it.
    std::thread::spawn(|| {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 64];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => std::process::exit(0),
                Ok(_) => {}
            }
        }
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let store = RedisStore::connect(&url, &prefix, partitions)
            .await
            .expect("the worker connects to redis");
        let keys = Arc::new(KeyRing::from_spec(&spec).expect("the key ring spec"));
        let (tx, mut finished) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            store,
            settings: Settings::default(),
            tokens: Arc::new(KeyRingMinter(keys)),
            http: HttpInvoker::new(HttpConfig::default()).expect("an HTTP client"),
            definitions: DefinitionCache::default(),
            finished: Some(tx),
            mocks: None,
        });
        let config = WorkerConfig {
            id,
            lease_ttl: Duration::from_millis(lease_ms),
            ..WorkerConfig::default()
        };
        tokio::spawn(Worker::new(shared, config).run(CancellationToken::new()));
        say(READY);
        while let Some(execution) = finished.recv().await {
            say(&format!("{FINISHED}{execution}"));
        }
    });
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

// ---------------------------------------------------------------------------------------
// The parent side.

/// How to start worker processes for one store.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    pub redis_url: String,
    pub prefix: String,
    pub partitions: u32,
    /// A `KeyRing::from_spec` string shared with the test, which verifies the tokens.
    pub keys: String,
}

impl WorkerSpec {
    pub fn new(redis_url: String, prefix: &str, partitions: u32) -> WorkerSpec {
        let secret: [u8; 32] = rand::random();
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        WorkerSpec {
            redis_url,
            prefix: prefix.to_owned(),
            partitions,
            keys: format!("7:hex:{hex}"),
        }
    }

    pub fn key_ring(&self) -> KeyRing {
        KeyRing::from_spec(&self.keys).expect("the key ring spec")
    }

    pub async fn store(&self) -> RedisStore {
        RedisStore::connect(&self.redis_url, &self.prefix, self.partitions)
            .await
            .expect("connect to redis")
    }

    /// Starts a worker process named `name`.
    pub fn spawn(&self, name: &str) -> WorkerProcess {
        let exe = std::env::current_exe().expect("the test binary");
        let mut child = Command::new(exe)
            .args(["--exact", "worker_process", "--nocapture", "--ignored"])
            .env(ENV_REDIS, &self.redis_url)
            .env(ENV_PREFIX, &self.prefix)
            .env(ENV_PARTITIONS, self.partitions.to_string())
            .env(ENV_KEYS, &self.keys)
            .env(ENV_LEASE_MS, LEASE_TTL.as_millis().to_string())
            .env(ENV_ID, name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the worker process starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let finished = Arc::new(Mutex::new(Vec::new()));
        let ready = Arc::new(AtomicUsize::new(0));
        let reader = {
            let finished = finished.clone();
            let ready = ready.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(id) = line.strip_prefix(FINISHED) {
                        lock(&finished).push(id.to_owned());
                    } else if line == READY {
                        ready.store(1, Ordering::SeqCst);
                    }
                }
            })
        };
        WorkerProcess {
            name: name.to_owned(),
            child: Some(child),
            reader: Some(reader),
            finished,
            ready,
            started: Instant::now(),
        }
    }
}

/// A running worker process; killed (SIGKILL) on drop.
#[derive(Debug)]
pub struct WorkerProcess {
    pub name: String,
    child: Option<Child>,
    reader: Option<std::thread::JoinHandle<()>>,
    finished: Arc<Mutex<Vec<String>>>,
    ready: Arc<AtomicUsize>,
    pub started: Instant,
}

impl WorkerProcess {
    /// Waits until the worker has connected to the store (or panics after `timeout`).
    pub async fn wait_ready(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.ready.load(Ordering::SeqCst) == 0 {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("worker {} exited early: {status}", self.name);
            }
            assert!(
                Instant::now() < deadline,
                "worker {} not ready within {timeout:?}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Executions this process reported finished so far.
    pub fn finished(&self) -> Vec<String> {
        lock(&self.finished).clone()
    }

    /// SIGKILL, then reap; returns what the process reported finished.
    pub fn kill(mut self) -> Vec<String> {
        self.stop();
        self.finished()
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---------------------------------------------------------------------------------------
// HTTP services.

/// One request a service received (recorded when it arrives, before it is answered).
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub idempotency_key: Option<String>,
    pub body: Value,
}

type Reply = Pin<Box<dyn Future<Output = (u16, Value)> + Send>>;
type Handler = Arc<dyn Fn(Received) -> Reply + Send + Sync>;

#[derive(Clone)]
struct ServiceState {
    log: Arc<Mutex<Vec<Received>>>,
    in_flight: Arc<AtomicUsize>,
    handler: Handler,
}

/// A service on 127.0.0.1 that records every request and answers with a handler.
#[derive(Clone)]
pub struct Service {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Received>>>,
    in_flight: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Service {
    pub async fn start<F, Fut>(handler: F) -> Service
    where
        F: Fn(Received) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = (u16, Value)> + Send + 'static,
    {
        let log = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let state = ServiceState {
            log: log.clone(),
            in_flight: in_flight.clone(),
            handler: Arc::new(move |r| Box::pin(handler(r)) as Reply),
        };
        let app = Router::new().fallback(answer).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Service {
            addr,
            log,
            in_flight,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.log).clone()
    }

    pub fn count(&self) -> usize {
        lock(&self.log).len()
    }

    /// Requests being handled now (arrived, not answered, caller still connected).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// Decrements the in-flight count when the handler ends or is dropped.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn answer(
    State(state): State<ServiceState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.in_flight.fetch_add(1, Ordering::SeqCst);
    let _guard = InFlight(state.in_flight.clone());
    let received = Received {
        path: uri.path().to_owned(),
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    lock(&state.log).push(received.clone());
    let (status, reply) = (state.handler)(received).await;
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(reply),
    )
        .into_response()
}

/// Sleeps a random time in `ms` milliseconds.
pub async fn jitter(ms: std::ops::Range<u64>) {
    tokio::time::sleep(Duration::from_millis(rand::random_range(ms))).await;
}

// ---------------------------------------------------------------------------------------
// Executions.

/// Stores `definition` as state machine `name` (revision 1).
pub async fn create_machine<S: Store>(store: &S, name: &str, definition: &Value) {
    let text = definition.to_string();
    baton_definitions::parse_definition(&text).expect("a valid definition");
    let record = StateMachineRecord {
        name: name.into(),
        revision: 1,
        definition: text,
        role_arn: "arn:aws:iam::123456789012:role/test".into(),
        kind: "STANDARD".into(),
        created_ms: now_ms(),
        updated_ms: now_ms(),
        retention_ms: None,
    };
    store
        .create_state_machine(record)
        .await
        .expect("store")
        .expect("a new state machine");
}

/// Starts execution `<sm>:<name>` as the gateway does; returns its id.
pub async fn start_execution<S: Store>(store: &S, sm: &str, name: &str, input: Value) -> String {
    let record = store
        .get_state_machine(sm)
        .await
        .expect("store")
        .expect("the state machine");
    let parsed = baton_definitions::parse_definition(&record.definition).expect("definition");
    let settings = Settings::default();
    let machine = Machine {
        definition: &parsed.machine,
        settings: &settings,
        tokens: &PlainTokens,
    };
    let id = format!("{sm}:{name}");
    let (exec, tx) = start(
        &machine,
        id.clone(),
        name.into(),
        record.revision,
        input,
        now_ms(),
    );
    match store
        .start_execution(exec, tx.history, tx.timers_set)
        .await
        .expect("store")
    {
        Started::Created => id,
        Started::Exists(_) => panic!("execution {id} exists"),
        Started::RevisionGone => panic!("the revision of {id} is gone"),
    }
}

/// Waits until every execution of `ids` has a final status; returns the records, or
/// panics after `timeout` naming those still running.
pub async fn wait_all_final<S: Store>(
    store: &S,
    ids: &[String],
    timeout: Duration,
) -> BTreeMap<String, Execution> {
    let deadline = Instant::now() + timeout;
    let mut done = BTreeMap::new();
    loop {
        for id in ids {
            if done.contains_key(id) {
                continue;
            }
            if let Some(exec) = store.load_execution(id).await.expect("store")
                && exec.status.is_final()
            {
                done.insert(id.clone(), exec);
            }
        }
        if done.len() == ids.len() {
            return done;
        }
        if Instant::now() > deadline {
            let stuck: Vec<String> = ids
                .iter()
                .filter(|id| !done.contains_key(*id))
                .take(10)
                .cloned()
                .collect();
            let mut states = Vec::new();
            for id in &stuck {
                let exec = store.load_execution(id).await.expect("store");
                states.push(format!("{id}: {exec:?}"));
            }
            panic!(
                "{} of {} executions not finished within {timeout:?}; some:\n{}",
                ids.len() - done.len(),
                ids.len(),
                states.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The whole history of an execution, checked to be numbered 1..=n without gaps, with
/// each event's `previousEventId` before it.
pub async fn full_history<S: Store>(store: &S, id: &str) -> Vec<HistoryEvent> {
    let events = store.history(id, 1, 100_000, false).await.expect("history");
    for (i, event) in events.iter().enumerate() {
        assert_eq!(
            event.id,
            i as u64 + 1,
            "{id}: history ids are not 1..n: {:?}",
            kinds(&events)
        );
        assert!(
            event.previous_event_id < event.id,
            "{id}: event {} points forward to {}",
            event.id,
            event.previous_event_id
        );
    }
    events
}

/// The event types of a history, in order.
pub fn kinds(events: &[HistoryEvent]) -> Vec<String> {
    events.iter().map(|e| e.kind.to_string()).collect()
}

/// The idempotency keys the history says were scheduled: `<id>/<state>/<attempt>` for each
/// `TaskScheduled`, with the state from the `…StateEntered` before it and attempts counted
/// per state name.
pub fn scheduled_keys(id: &str, events: &[HistoryEvent]) -> Vec<String> {
    let mut state = String::new();
    let mut attempts: BTreeMap<String, u32> = BTreeMap::new();
    let mut keys = Vec::new();
    for event in events {
        if event.kind.ends_with("StateEntered") {
            state = event.details.value()["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        } else if event.kind == "TaskScheduled" {
            let n = attempts.entry(state.clone()).or_insert(0);
            *n += 1;
            keys.push(format!("{id}/{state}/{n}"));
        }
    }
    keys
}
