//! What the worker tests share: a fixture per store (a fresh `MemoryStore`, or a
//! `RedisStore` on a `redis-server` of its own under a unique prefix), an engine running
//! workers on it, HTTP services on loopback that record what they receive, delivering
//! callbacks the way the gateway does, and waiting with deadlines.
//!
//! Each test is written once as `async fn name<S: Store>(fixture: Fixture<S>)` and run on
//! both stores by [`on_both_stores!`].

#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use baton_callbacks::{KeyRing, TaskToken, TokenError};
use baton_engine::http::{HttpConfig, HttpInvoker};
use baton_engine::machine::{
    ExecutionKind, HistoryEvent, Machine, Outcome, PlainTokens, QueuedEvent, Settings, Status,
    Step, start,
};
use baton_engine::store::{
    CallbackError, CallbackMessage, MemoryStore, RedisStore, Started, StateMachineRecord, Store,
    partition_of,
};
use baton_engine::testing::engine::TestEngine;
use baton_engine::testing::redis_server::RedisServer;
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig, now_ms};

pub use baton_engine::machine::Execution;

mod recorder;
#[allow(unused_imports)] // used by the tests that count metrics
pub use recorder::Recorder;

/// Partitions of every test store.
pub const PARTITIONS: u32 = 4;

/// How long any wait of a test may take before it fails (never reached when all is well).
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Runs each listed `async fn test<S: Store>(Fixture<S>)` on a `MemoryStore` and on a
/// `RedisStore` (own `redis-server`; a missing binary panics under `CI=true`).
macro_rules! on_both_stores {
    ($($test:ident),+ $(,)?) => {
        mod memory_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(crate::common::memory()).await;
                }
            )+
        }
        mod redis_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(fixture) = crate::common::redis().await else {
                        return;
                    };
                    super::$test(fixture).await;
                }
            )+
        }
    };
}
pub(crate) use on_both_stores;

// ----- stores -----

/// A fresh store, and the `redis-server` behind it (if any), killed on drop.
#[derive(Debug)]
pub struct Fixture<S: Store> {
    pub store: S,
    server: Option<RedisServer>,
}

pub fn memory() -> Fixture<MemoryStore> {
    Fixture {
        store: MemoryStore::new(PARTITIONS),
        server: None,
    }
}

/// `None` (after a note from the helper) only outside CI when `redis-server` is missing.
pub async fn redis() -> Option<Fixture<RedisStore>> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let server = RedisServer::start()?;
    let prefix = format!(
        "workers{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let store = RedisStore::connect(&server.url(), &prefix, PARTITIONS)
        .await
        .expect("connect to the test redis-server");
    Some(Fixture {
        store,
        server: Some(server),
    })
}

impl<S: Store> Fixture<S> {
    /// One worker on the store ([`TestEngine`], default settings).
    pub fn engine(self) -> Rig<S> {
        let engine = TestEngine::start(self.store.clone(), 1);
        Rig {
            store: self.store,
            keys: engine.keys.clone(),
            settings: Settings::default(),
            runner: Runner::Test(engine),
            _server: self.server,
        }
    }

    /// One worker with `settings` (what [`TestEngine::start`] does, with other settings).
    pub fn engine_with(self, settings: Settings) -> Rig<S> {
        self.engine_configured(settings, WorkerConfig::default())
    }

    /// One worker with `settings` and `worker` (its lease is 3 s and it checks every
    /// record it writes).
    pub fn engine_configured(self, settings: Settings, worker: WorkerConfig) -> Rig<S> {
        let keys = Arc::new(KeyRing::generate());
        let shared = Arc::new(Shared {
            store: self.store.clone(),
            settings: settings.clone(),
            tokens: Arc::new(KeyRingMinter(keys.clone())),
            http: HttpInvoker::new(HttpConfig::default()).expect("http client"),
            definitions: DefinitionCache::default(),
            finished: None,
            mocks: None,
        });
        let config = WorkerConfig {
            lease_ttl: Duration::from_secs(3),
            verify_records: true,
            ..worker
        };
        tokio::spawn(Worker::new(shared, config).run(CancellationToken::new()));
        Rig {
            store: self.store,
            keys,
            settings,
            runner: Runner::Custom,
            _server: self.server,
        }
    }
}

// ----- the engine -----

/// Who runs the workers: a [`TestEngine`], or, for other settings (which
/// `TestEngine::start` does not take), a worker started here.
#[derive(Debug)]
enum Runner<S: Store> {
    Test(TestEngine<S>),
    Custom,
}

/// Workers running on a store, and what a test does with them. The workers run until the
/// test's runtime ends (a graceful stop would wait out a blocking queue read of up to a
/// second per test, for nothing).
#[derive(Debug)]
pub struct Rig<S: Store> {
    pub store: S,
    pub keys: Arc<KeyRing>,
    pub settings: Settings,
    runner: Runner<S>,
    _server: Option<RedisServer>,
}

/// Why a callback was refused, as the gateway would tell the caller.
#[derive(Debug, PartialEq)]
pub enum Refused {
    /// `keys.verify` failed (AWS `InvalidToken`).
    InvalidToken(TokenError),
    /// The store refused it (`Closed`: `TaskTimedOut`, `Gone`: `TaskDoesNotExist`).
    Callback(CallbackError),
}

impl<S: Store> Rig<S> {
    /// The `redis-server` behind the store, for the Redis runs.
    pub fn server(&self) -> Option<&RedisServer> {
        self._server.as_ref()
    }

    /// Creates state machine `sm` and starts its execution `exec`; returns the execution id.
    pub async fn start(&self, sm: &str, definition: &Value, input: Value) -> String {
        let text = definition.to_string();
        match &self.runner {
            Runner::Test(engine) => {
                engine.create(sm, &text).await.expect("create");
                engine
                    .run(sm, "exec", input, ExecutionKind::Standard)
                    .await
                    .expect("start");
            }
            Runner::Custom => self.start_custom(sm, &text, input).await,
        }
        format!("{sm}:exec")
    }

    /// [`TestEngine::create`] and [`TestEngine::run`] with this rig's settings.
    async fn start_custom(&self, sm: &str, text: &str, input: Value) {
        let parsed = baton_definitions::parse_definition(text).expect("valid definition");
        let record = StateMachineRecord {
            name: sm.into(),
            revision: 1,
            definition: text.into(),
            role_arn: "arn:aws:iam::123456789012:role/test".into(),
            kind: "STANDARD".into(),
            created_ms: now_ms(),
            updated_ms: now_ms(),
            retention_ms: None,
        };
        self.store
            .create_state_machine(record)
            .await
            .expect("store")
            .expect("new state machine");
        let machine = Machine {
            definition: &parsed.machine,
            settings: &self.settings,
            tokens: &PlainTokens,
        };
        let (exec, tx) = start(
            &machine,
            format!("{sm}:exec"),
            "exec".into(),
            1,
            input,
            now_ms(),
        );
        let started = self
            .store
            .start_execution(exec, tx.history, tx.timers_set)
            .await
            .expect("store");
        assert_eq!(started, Started::Created);
    }

    pub async fn load(&self, id: &str) -> Execution {
        self.store
            .load_execution(id)
            .await
            .expect("store")
            .expect("the execution exists")
    }

    pub async fn history(&self, id: &str) -> Vec<HistoryEvent> {
        self.store.history(id, 1, 1000, false).await.expect("store")
    }

    /// True while the store lists the execution as needing a worker.
    pub async fn is_active(&self, id: &str) -> bool {
        let p = partition_of(id, self.store.partitions());
        self.store
            .active_executions(p)
            .await
            .expect("store")
            .iter()
            .any(|x| x == id)
    }

    /// The earliest timer of the execution's partition. Each test has a store of its own,
    /// and tests that look at this have one execution with timers at the time.
    pub async fn next_timer(&self, id: &str) -> Option<i64> {
        let p = partition_of(id, self.store.partitions());
        self.store.next_timer(p).await.expect("store")
    }

    /// Waits until the execution has a final status.
    pub async fn wait_final(&self, id: &str) -> Execution {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let exec = self.load(id).await;
            if exec.status.is_final() {
                return exec;
            }
            if Instant::now() > deadline {
                panic!(
                    "{id} did not finish within {DEADLINE:?}; history: {:?}",
                    kinds(&self.history(id).await)
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until the history satisfies `done`; returns it.
    pub async fn wait_history(
        &self,
        id: &str,
        what: &str,
        done: impl Fn(&[HistoryEvent]) -> bool,
    ) -> Vec<HistoryEvent> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let history = self.history(id).await;
            if done(&history) {
                return history;
            }
            if Instant::now() > deadline {
                panic!(
                    "{id}: no {what} within {DEADLINE:?}; history: {:?}",
                    kinds(&history)
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until the history has `n` events of type `kind`.
    pub async fn wait_events(&self, id: &str, kind: &str, n: usize) -> Vec<HistoryEvent> {
        self.wait_history(id, &format!("{n} × {kind}"), |h| count(h, kind) >= n)
            .await
    }

    /// Waits until the execution is parked: its history has `n` events of type `kind`,
    /// it is still running, and no worker holds it (the store no longer lists it active).
    pub async fn wait_parked(&self, id: &str, kind: &str, n: usize) -> Vec<HistoryEvent> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let history = self.history(id).await;
            if count(&history, kind) >= n && !self.is_active(id).await {
                // Read again: the history must not have moved on since.
                let again = self.history(id).await;
                if again.len() == history.len() {
                    assert_eq!(self.load(id).await.status, Status::Running, "{id} parked");
                    return history;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "{id} not parked after {n} × {kind} within {DEADLINE:?}; history: {:?}",
                    kinds(&history)
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The token of the execution's open callback in `state` (for callbacks that send
    /// nothing, whose token only the record holds).
    pub async fn open_token(&self, id: &str, state: &str) -> String {
        let exec = self.load(id).await;
        exec.frames
            .values()
            .find_map(|frame| match &frame.step {
                Step::Task(task) if frame.state == state => task.token.clone(),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{id} has no open token in {state}"))
    }

    /// Verifies `token` and delivers `message` for it, as the gateway does.
    pub async fn deliver(
        &self,
        token: &str,
        message: impl FnOnce(&TaskToken) -> CallbackMessage,
    ) -> Result<TaskToken, Refused> {
        deliver(&self.store, &self.keys, token, message).await
    }

    /// `SendTaskSuccess`.
    pub async fn succeed(&self, token: &str, output: Value) -> Result<TaskToken, Refused> {
        self.deliver(token, success(output)).await
    }

    /// `SendTaskFailure`.
    pub async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<TaskToken, Refused> {
        self.deliver(token, |t| {
            CallbackMessage::Finish(QueuedEvent::Callback {
                state: t.state().to_owned(),
                attempt: t.attempt(),
                outcome: Outcome::Failure {
                    error: Some(error.to_owned()),
                    cause: Some(cause.to_owned()),
                },
            })
        })
        .await
    }

    /// `SendTaskHeartbeat`.
    pub async fn heartbeat(&self, token: &str) -> Result<TaskToken, Refused> {
        self.deliver(token, |_| CallbackMessage::Heartbeat).await
    }

    /// `StopExecution`.
    pub async fn stop_execution(&self, id: &str, error: Option<&str>, cause: Option<&str>) {
        self.store
            .send_event(
                id,
                QueuedEvent::Stop {
                    error: error.map(str::to_owned),
                    cause: cause.map(str::to_owned),
                },
            )
            .await
            .expect("store");
    }
}

/// Verifies `token` with `keys` and delivers `message` for it to `store`, as the gateway
/// does.
pub async fn deliver<S: Store>(
    store: &S,
    keys: &KeyRing,
    token: &str,
    message: impl FnOnce(&TaskToken) -> CallbackMessage,
) -> Result<TaskToken, Refused> {
    let verified = keys.verify(token).map_err(Refused::InvalidToken)?;
    let task = format!("{}/{}", verified.state(), verified.attempt());
    store
        .deliver_callback(verified.execution_id(), &task, message(&verified), now_ms())
        .await
        .map_err(Refused::Callback)?;
    Ok(verified)
}

/// A success message with `output` for [`deliver`].
pub fn success(output: Value) -> impl FnOnce(&TaskToken) -> CallbackMessage {
    move |t| {
        CallbackMessage::Finish(QueuedEvent::Callback {
            state: t.state().to_owned(),
            attempt: t.attempt(),
            outcome: Outcome::Success { output },
        })
    }
}

// ----- history -----

pub fn kinds(history: &[HistoryEvent]) -> Vec<&str> {
    history.iter().map(|e| e.kind.as_ref()).collect()
}

pub fn count(history: &[HistoryEvent], kind: &str) -> usize {
    history.iter().filter(|e| e.kind == kind).count()
}

/// The events of type `kind`, in order.
pub fn all<'h>(history: &'h [HistoryEvent], kind: &str) -> Vec<&'h HistoryEvent> {
    history.iter().filter(|e| e.kind == kind).collect()
}

/// The first event of type `kind`.
pub fn first<'h>(history: &'h [HistoryEvent], kind: &str) -> &'h HistoryEvent {
    history
        .iter()
        .find(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", kinds(history)))
}

/// A JSON text member of an event's details, parsed (`input`, `output`, `parameters`).
pub fn json_in(event: &HistoryEvent, member: &str) -> Value {
    let details = event.details.value();
    let text = details[member]
        .as_str()
        .unwrap_or_else(|| panic!("{} has no text {member}: {details}", event.kind));
    serde_json::from_str(text).expect("JSON text")
}

/// Ids are 1, 2, … and each event follows the one before (a single-frame execution).
pub fn assert_linear(history: &[HistoryEvent]) {
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1, "event ids: {:?}", kinds(history));
        assert_eq!(
            e.previous_event_id, i as u64,
            "previous event of {}",
            e.kind
        );
    }
}

/// Ids are 1, 2, …, timestamps never go back, and every event follows an earlier one.
pub fn assert_well_formed(history: &[HistoryEvent]) {
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1, "event ids: {:?}", kinds(history));
        assert!(e.previous_event_id < e.id, "previous event of {}", e.kind);
        if i > 0 {
            assert!(
                e.timestamp_ms >= history[i - 1].timestamp_ms,
                "time of {}",
                e.kind
            );
        }
    }
}

// ----- HTTP services -----

/// One request a service received.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Req {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {} sent no JSON ({e}): {:?}",
                self.method,
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Idempotency-Key` header.
    pub fn key(&self) -> &str {
        self.header("idempotency-key")
            .unwrap_or_else(|| panic!("{} {} has no Idempotency-Key", self.method, self.path))
    }

    /// The `token` member of the JSON body (callback notifications).
    pub fn token(&self) -> String {
        self.json()["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {}", self.json()))
            .to_owned()
    }
}

/// An HTTP service on 127.0.0.1:0 that records every request, then answers it with its
/// handler.
#[derive(Debug, Clone)]
pub struct Service {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Req>>>,
}

pub async fn service<F, Fut>(handler: F) -> Service
where
    F: Fn(Req) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let log: Arc<Mutex<Vec<Req>>> = Arc::default();
    let handler = Arc::new(handler);
    let app = {
        let log = log.clone();
        Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let req = Req {
                    method: method.to_string(),
                    path: uri.path().to_owned(),
                    query: uri.query().map(str::to_owned),
                    headers,
                    body,
                    at: Instant::now(),
                };
                log.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(req.clone());
                let handler = handler.clone();
                async move { handler(req).await }
            },
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Service { addr, log }
}

impl Service {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until `n` requests have arrived; returns them all.
    pub async fn wait_requests(&self, n: usize) -> Vec<Req> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let requests = self.requests();
            if requests.len() >= n {
                return requests;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} requests within {DEADLINE:?}",
                requests.len()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

pub fn json_reply(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).expect("status code");
    (status, axum::Json(body)).into_response()
}

pub fn text_reply(status: u16, body: impl Into<String>) -> Response {
    let status = StatusCode::from_u16(status).expect("status code");
    (
        status,
        [("content-type", "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// A gate handlers wait at until the test opens it.
#[derive(Debug, Clone)]
pub struct Gate(Arc<watch::Sender<bool>>);

impl Default for Gate {
    fn default() -> Gate {
        Gate(Arc::new(watch::channel(false).0))
    }
}

impl Gate {
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    pub async fn wait(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|open| *open).await;
    }
}

/// Milliseconds between two events.
pub fn millis_between(from: &HistoryEvent, to: &HistoryEvent) -> i64 {
    to.timestamp_ms - from.timestamp_ms
}
