//! The app on 127.0.0.1:0 over the in-memory store, with an in-process engine worker, and a
//! small JSON client for it.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::sync::oneshot;

use baton_definitions::parse::read_json;
use baton_engine::machine::Settings;
use baton_engine::store::MemoryStore;
use baton_engine::testing::engine::TestEngine;
use baton_gateway::server::SharedState;
use baton_gateway::service::Service;
use baton_gateway::{AppState, Backend, GatewayConfig};

/// A running gateway and worker.
pub struct TestApi {
    pub base: String,
    pub http: reqwest::Client,
    pub state: SharedState,
    token: Option<String>,
    engine: TestEngine<Backend>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// A status and a JSON body (`null` when the body is empty).
pub type Reply = (u16, Value);

impl TestApi {
    pub async fn start() -> TestApi {
        TestApi::with_config(GatewayConfig::default()).await
    }

    pub async fn with_config(config: GatewayConfig) -> TestApi {
        let backend = Backend::Memory(MemoryStore::new(4));
        let engine = TestEngine::start(backend.clone(), 1);
        let token = config.auth_tokens.first().cloned();
        let state = Arc::new(AppState {
            service: Service::new(backend, Settings::default(), engine.keys.clone()),
            config,
            metrics: None,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(baton_gateway::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        TestApi {
            base,
            http: reqwest::Client::new(),
            state,
            token,
            engine,
            stop,
            server,
        }
    }

    /// Sends a request with the API token (when configured); returns the status and JSON.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            // As definitions are read: replies may hold one nested deeper than serde_json's
            // default limit.
            read_json(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, None).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        let bytes = serde_json::to_vec(&body).expect("json");
        self.send(Method::POST, path, Some("application/json"), Some(bytes))
            .await
    }

    /// `PUT` with a text body and an optional `Content-Type`.
    pub async fn put_text(&self, path: &str, content_type: Option<&str>, body: &str) -> Reply {
        self.send(
            Method::PUT,
            path,
            content_type,
            Some(body.as_bytes().to_vec()),
        )
        .await
    }

    pub async fn put_json(&self, path: &str, definition: &Value) -> Reply {
        self.put_text(path, Some("application/json"), &definition.to_string())
            .await
    }

    /// Polls `GET path` until `done` holds (10 s at most).
    pub async fn until(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (status, body) = self.get(path).await;
            if status == 200 && done(&body) {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting on {path}: {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The task token the execution's open task was given (from its `TaskScheduled`
    /// event, whose parameters carry it as `token`).
    pub async fn task_token(&self, sm: &str, execution: &str) -> String {
        let path = format!("/v1/state-machines/{sm}/executions/{execution}/history?limit=1000");
        let history = self
            .until(&path, |h| {
                h["events"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|e| e["type"] == "TaskScheduled"))
            })
            .await;
        let scheduled = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|e| e["type"] == "TaskScheduled")
            .unwrap();
        let parameters = scheduled["taskScheduledEventDetails"]["parameters"]
            .as_str()
            .unwrap();
        let parameters: Value = serde_json::from_str(parameters).unwrap();
        parameters["token"].as_str().unwrap().to_owned()
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
        self.engine.stop().await;
    }
}
