//! The gateway under test and a client that presents each kind of credential.

use std::sync::Arc;

use baton_callbacks::KeyRing;
use baton_engine::machine::Settings;
use baton_engine::store::MemoryStore;
use baton_gateway::service::Service;
use baton_gateway::{AppState, Backend, GatewayConfig};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::sign::{ToSign, sign};

pub const TOKEN: &str = "bearer-token-5c1e9a7f";
pub const KEY_ID: &str = "AKIDAUTHTESTS";
pub const SECRET: &str = "aws-secret-3b8d2f6e1a";
pub const TARGET: &str = "AWSStepFunctions.ListStateMachines";
pub const AMZ_JSON: &str = "application/x-amz-json-1.0";

/// A gateway on 127.0.0.1:0 (no engine workers: nothing here runs an execution).
pub struct Server {
    pub host: String,
    pub http: reqwest::Client,
    stop: CancellationToken,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub async fn server(tokens: bool, aws: bool) -> Server {
    let config = GatewayConfig {
        auth_tokens: if tokens { vec![TOKEN.into()] } else { vec![] },
        aws_credentials: if aws {
            vec![(KEY_ID.into(), SECRET.into())]
        } else {
            vec![]
        },
        ..GatewayConfig::default()
    };
    let state = Arc::new(AppState {
        service: Service::new(
            Backend::Memory(MemoryStore::new(2)),
            Settings::default(),
            Arc::new(KeyRing::generate()),
        ),
        config,
        metrics: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let host = listener.local_addr().expect("address").to_string();
    let stop = CancellationToken::new();
    tokio::spawn(baton_gateway::serve(
        listener,
        state,
        stop.clone().cancelled_owned(),
    ));
    Server {
        host,
        http: reqwest::Client::new(),
        stop,
    }
}

/// What a client presents in `Authorization`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Presented {
    Nothing,
    RightBearer,
    WrongBearer,
    RightSignature,
    WrongSignature,
}

pub const ALL: [Presented; 5] = [
    Presented::Nothing,
    Presented::RightBearer,
    Presented::WrongBearer,
    Presented::RightSignature,
    Presented::WrongSignature,
];

impl Server {
    /// Sends `method path` with `headers` and `body`, presenting `who`; the status and the
    /// JSON body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
        who: Presented,
    ) -> (u16, Value) {
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        let signed: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        let request = ToSign {
            method,
            host: &self.host,
            path,
            headers,
            signed: &signed,
            body,
        };
        match who {
            Presented::Nothing => {}
            Presented::RightBearer => all.push(("authorization".into(), format!("Bearer {TOKEN}"))),
            Presented::WrongBearer => {
                all.push(("authorization".into(), "Bearer not-the-token-000000".into()));
            }
            Presented::RightSignature => all.extend(sign(&request, KEY_ID, SECRET)),
            Presented::WrongSignature => {
                all.extend(sign(&request, KEY_ID, "not-the-secret-123456"))
            }
        }
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut builder = self
            .http
            .request(method, format!("http://{}{path}", self.host))
            .body(body.to_owned());
        for (name, value) in all {
            builder = builder.header(name, value);
        }
        let response = builder.send().await.expect("send");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn rest(&self, who: Presented) -> (u16, Value) {
        self.send("GET", "/v1/state-machines", &[], "", who).await
    }

    pub async fn aws(&self, operation: &str, input: &Value, who: Presented) -> (u16, Value) {
        let target = format!("AWSStepFunctions.{operation}");
        let headers = [
            ("content-type", AMZ_JSON),
            ("x-amz-target", target.as_str()),
        ];
        self.send("POST", "/", &headers, &input.to_string(), who)
            .await
    }
}
