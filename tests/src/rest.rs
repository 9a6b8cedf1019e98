//! A small client for Baton's REST API (`/v1`) with plain HTTP: every call checks the
//! status it expects and returns the JSON body.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The REST API of one server.
#[derive(Debug, Clone)]
pub struct Rest {
    pub http: reqwest::Client,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Sent as `Authorization: Bearer …` on `/v1` routes when set.
    pub bearer: Option<String>,
}

impl Rest {
    pub fn new(base: &str) -> Rest {
        Rest {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("HTTP client"),
            base: base.trim_end_matches('/').to_owned(),
            bearer: None,
        }
    }

    pub fn with_bearer(mut self, token: &str) -> Rest {
        self.bearer = Some(token.to_owned());
        self
    }

    /// A request to `path` (bearer added when set).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.bearer {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends `request`; the status and the body as JSON (`null` when empty, a string when
    /// not JSON), or the transport error: for servers that may fail on purpose.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Value), reqwest::Error> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, body))
    }

    /// Sends `request`; panics unless the answer has status `want`; the body as JSON
    /// (`null` when empty).
    pub async fn expect(&self, request: reqwest::RequestBuilder, want: u16) -> Value {
        let request = request.build().expect("request");
        let what = format!("{} {}", request.method(), request.url().path());
        let response = self.http.execute(request).await.expect("send");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(
            status,
            StatusCode::from_u16(want).expect("status"),
            "{what}: {text}"
        );
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"))
        }
    }

    /// `PUT /v1/state-machines/{name}` with a YAML body; 201 (created) expected.
    pub async fn put_machine_yaml(&self, name: &str, yaml: &str) -> Value {
        let request = self
            .request(Method::PUT, &format!("/v1/state-machines/{name}"))
            .header("content-type", "application/yaml")
            .body(yaml.to_owned());
        self.expect(request, 201).await
    }

    /// `PUT /v1/state-machines/{name}` with a JSON body; 201 (created) expected.
    pub async fn put_machine(&self, name: &str, definition: &Value) -> Value {
        let request = self
            .request(Method::PUT, &format!("/v1/state-machines/{name}"))
            .json(definition);
        self.expect(request, 201).await
    }

    /// `POST /v1/state-machines/{machine}/executions`; 201 expected.
    pub async fn start(&self, machine: &str, name: &str, input: &Value) -> Value {
        let request = self
            .request(
                Method::POST,
                &format!("/v1/state-machines/{machine}/executions"),
            )
            .json(&json!({"name": name, "input": input}));
        self.expect(request, 201).await
    }

    /// `GET /v1/state-machines/{machine}/executions/{name}`.
    pub async fn describe(&self, machine: &str, name: &str) -> Value {
        let request = self.request(
            Method::GET,
            &format!("/v1/state-machines/{machine}/executions/{name}"),
        );
        self.expect(request, 200).await
    }

    /// Describes the execution until it is no longer `RUNNING`; panics after `timeout`.
    pub async fn wait_end(&self, machine: &str, name: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let view = self.describe(machine, name).await;
            if view["status"] != "RUNNING" {
                return view;
            }
            assert!(
                Instant::now() < deadline,
                "{machine}/{name} still RUNNING after {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The whole history, oldest first, read `page` events at a time through `next`.
    pub async fn history(&self, machine: &str, name: &str, page: u32) -> Vec<Value> {
        self.history_pages(machine, name, page)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// The history page by page (`limit=page`, following `next`), oldest first.
    pub async fn history_pages(&self, machine: &str, name: &str, page: u32) -> Vec<Vec<Value>> {
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path =
                format!("/v1/state-machines/{machine}/executions/{name}/history?limit={page}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let body = self.expect(self.request(Method::GET, &path), 200).await;
            let got = body["events"].as_array().expect("events").clone();
            assert!(got.len() <= page as usize, "a page over the limit: {body}");
            pages.push(got);
            match body.get("next").and_then(Value::as_str) {
                Some(next) => cursor = Some(next.to_owned()),
                None => return pages,
            }
        }
    }

    /// `POST /v1/callbacks/{token}/success` with `output` (never with a bearer token: the
    /// task token is the credential); the status and body.
    pub async fn callback_success(&self, token: &str, output: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/v1/callbacks/{token}/success", self.base))
            .json(output)
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}
