//! HTTP services on loopback that answer from a handler and record every request.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// One request a service received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    /// Every header, names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Received {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Handler = Arc<dyn Fn(&Received) -> (u16, Value) + Send + Sync>;

#[derive(Clone)]
struct ServiceState {
    log: Arc<Mutex<Vec<Received>>>,
    handler: Handler,
    delay: Duration,
}

/// A running service.
#[derive(Clone)]
pub struct Service {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Received>>>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// Starts a service on 127.0.0.1:0 answering with `handler(request) -> (status, json)`.
    pub async fn start(
        handler: impl Fn(&Received) -> (u16, Value) + Send + Sync + 'static,
    ) -> Service {
        Service::start_slow(Duration::ZERO, handler).await
    }

    /// [`Service::start`], answering each request `delay` after it arrived (the request is
    /// recorded, and `handler` runs, on arrival).
    pub async fn start_slow(
        delay: Duration,
        handler: impl Fn(&Received) -> (u16, Value) + Send + Sync + 'static,
    ) -> Service {
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = ServiceState {
            log: log.clone(),
            handler: Arc::new(handler),
            delay,
        };
        let app = Router::new().fallback(answer).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Service { addr, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits (polling) for the first request that `matches`; `None` after `timeout`.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        matches: impl Fn(&Received) -> bool,
    ) -> Option<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.received().into_iter().find(|r| matches(r)) {
                return Some(found);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn answer(
    State(state): State<ServiceState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received = Received {
        method: method.to_string(),
        path: uri.path().to_owned(),
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let (status, reply) = (state.handler)(&received);
    state
        .log
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(received);
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(reply),
    )
        .into_response()
}
