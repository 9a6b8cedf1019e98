//! The loopback HTTP service of the benchmark: the `Notify` target that collects each
//! execution's task token (`POST /notify`), the next state's Task endpoint that records when
//! each execution's request arrives (`POST /task`), and an echo (`POST /echo`) for the
//! harness's own HTTP floor.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderName;
use axum::http::header::CONTENT_TYPE;
use axum::routing::post;
use serde_json::Value;

/// What the service received, by execution index (`"i"` in each request body).
#[derive(Debug)]
pub struct Recorder {
    epoch: Instant,
    tokens: Vec<OnceLock<String>>,
    tokens_seen: AtomicUsize,
    /// Nanoseconds after `epoch` + 1 of the first Task request (0: none yet).
    arrivals: Vec<AtomicU64>,
    arrived: AtomicUsize,
    /// Requests without a known index, and Task requests for an execution seen before.
    strays: AtomicUsize,
}

impl Recorder {
    fn new(executions: usize) -> Recorder {
        Recorder {
            epoch: Instant::now(),
            tokens: (0..executions).map(|_| OnceLock::new()).collect(),
            tokens_seen: AtomicUsize::new(0),
            arrivals: (0..executions).map(|_| AtomicU64::new(0)).collect(),
            arrived: AtomicUsize::new(0),
            strays: AtomicUsize::new(0),
        }
    }

    /// Task tokens collected so far.
    pub fn tokens_seen(&self) -> usize {
        self.tokens_seen.load(Ordering::Acquire)
    }

    /// Execution `i`'s task token, once its notification arrived.
    pub fn token(&self, i: usize) -> Option<&str> {
        self.tokens.get(i).and_then(|t| t.get()).map(String::as_str)
    }

    /// Executions whose Task request arrived.
    pub fn arrived(&self) -> usize {
        self.arrived.load(Ordering::Acquire)
    }

    /// When execution `i`'s Task request arrived.
    pub fn arrival(&self, i: usize) -> Option<Instant> {
        match self.arrivals.get(i)?.load(Ordering::Acquire) {
            0 => None,
            n => Some(self.epoch + Duration::from_nanos(n - 1)),
        }
    }

    pub fn strays(&self) -> usize {
        self.strays.load(Ordering::Relaxed)
    }

    fn index(&self, body: &Value) -> Option<usize> {
        let i = body.get("i")?.as_u64()? as usize;
        (i < self.tokens.len()).then_some(i)
    }
}

/// The running service.
#[derive(Debug, Clone)]
pub struct Loopback {
    pub addr: SocketAddr,
    pub rec: Arc<Recorder>,
}

impl Loopback {
    /// Serves on 127.0.0.1:0 for executions `0..executions`.
    pub async fn start(executions: usize) -> Loopback {
        let rec = Arc::new(Recorder::new(executions));
        let app = Router::new()
            .route("/notify", post(notify))
            .route("/task", post(task))
            .route("/echo", post(echo))
            .with_state(rec.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the loopback service");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Loopback { addr, rec }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// `{}` as JSON: the Task's result (`ResultPath: null` drops it) and the notification's answer.
type Empty = ([(HeaderName, &'static str); 1], &'static str);
const EMPTY: Empty = ([(CONTENT_TYPE, "application/json")], "{}");

async fn task(State(rec): State<Arc<Recorder>>, body: Bytes) -> Empty {
    let now = rec.epoch.elapsed().as_nanos() as u64 + 1;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let first = rec.index(&body).is_some_and(|i| {
        rec.arrivals[i]
            .compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    });
    if first {
        rec.arrived.fetch_add(1, Ordering::AcqRel);
    } else {
        rec.strays.fetch_add(1, Ordering::Relaxed);
    }
    EMPTY
}

async fn notify(State(rec): State<Arc<Recorder>>, body: Bytes) -> Empty {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let token = body.get("token").and_then(Value::as_str);
    match (rec.index(&body), token) {
        (Some(i), Some(token)) => {
            // A notification sent again (after a retry) carries the same token.
            if rec.tokens[i].set(token.to_owned()).is_ok() {
                rec.tokens_seen.fetch_add(1, Ordering::AcqRel);
            }
        }
        _ => {
            rec.strays.fetch_add(1, Ordering::Relaxed);
        }
    }
    EMPTY
}

async fn echo(body: Bytes) -> Bytes {
    body
}
