//! A small typed HTTP client for Baton's REST API: paths built from segments (each one
//! percent-encoded), the bearer token on every request, and every error answer turned into
//! [`CliError::Api`] with the server's code and message.

use std::time::Duration;

use reqwest::{Method, Url, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiFailure, CliError, root_cause};

/// The longest a plain request may take (streams have no limit).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to one Baton server.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
}

/// A request body.
#[derive(Debug)]
pub enum Body {
    Empty,
    Json(Value),
    /// Bytes sent as they are, with this content type.
    Raw {
        bytes: Vec<u8>,
        content_type: &'static str,
    },
}

/// A successful answer: its status, its text as sent (what `--json` prints) and its value.
#[derive(Debug)]
pub struct Reply<T> {
    pub status: u16,
    pub raw: String,
    pub value: T,
}

impl Client {
    /// A client of the server at `endpoint` (`http://host:port`, optionally with a path
    /// prefix), sending `token` as `Authorization: Bearer`.
    pub fn new(endpoint: &str, token: Option<&str>) -> Result<Client, CliError> {
        let base = Url::parse(endpoint).map_err(|e| {
            CliError::Input(format!(
                "the endpoint {endpoint:?} is not a URL ({e}); give one like http://127.0.0.1:8080"
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(CliError::Input(format!(
                "the endpoint {endpoint:?} is not an http:// or https:// URL"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("baton-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::Input(format!("cannot set up HTTP: {}", root_cause(&e))))?;
        let token = token.map(str::trim).filter(|t| !t.is_empty());
        Ok(Client {
            http,
            base,
            token: token.map(str::to_owned),
        })
    }

    /// The endpoint, as errors name it.
    pub fn endpoint(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The URL of `path` (segments, each percent-encoded) with `query`.
    pub fn url(&self, path: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(path);
        }
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        let request = self.http.request(method, url);
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends a request and reads its JSON answer as `T`; an error status is
    /// [`CliError::Api`].
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, String)],
        body: Body,
    ) -> Result<Reply<T>, CliError> {
        let mut request = self
            .request(method, self.url(path, query))
            .timeout(REQUEST_TIMEOUT);
        request = match body {
            Body::Empty => request,
            Body::Json(value) => request.json(&value),
            Body::Raw {
                bytes,
                content_type,
            } => request
                .header(header::CONTENT_TYPE, content_type)
                .body(bytes),
        };
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status().as_u16();
        let raw = response.text().await.map_err(|e| self.unreachable(&e))?;
        if status >= 400 {
            return Err(api_error(status, raw));
        }
        let text = if raw.trim().is_empty() { "null" } else { &raw };
        let value = serde_json::from_str(text).map_err(|e| {
            CliError::Protocol(format!(
                "unexpected answer from {} (HTTP {status}): {e}: {}",
                self.endpoint(),
                excerpt(&raw)
            ))
        })?;
        Ok(Reply { status, raw, value })
    }

    /// `GET` for `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: &[(&str, String)],
    ) -> Result<Reply<T>, CliError> {
        self.call(Method::GET, path, query, Body::Empty).await
    }

    /// Opens a Server-Sent Events stream, resuming after `last_event_id`. The answer's body
    /// is read with [`reqwest::Response::chunk`].
    pub async fn stream(
        &self,
        path: &[&str],
        last_event_id: Option<&str>,
    ) -> Result<reqwest::Response, CliError> {
        let mut request = self
            .request(Method::GET, self.url(path, &[]))
            .header(header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status().as_u16();
        if status >= 400 {
            let raw = response.text().await.map_err(|e| self.unreachable(&e))?;
            return Err(api_error(status, raw));
        }
        Ok(response)
    }

    /// The error of a request that got no (whole) answer.
    pub fn unreachable(&self, error: &reqwest::Error) -> CliError {
        let detail = if error.is_timeout() {
            "no answer in time".to_owned()
        } else {
            root_cause(error)
        };
        CliError::Unreachable {
            endpoint: self.endpoint().to_owned(),
            detail,
        }
    }
}

/// An error answer as [`CliError::Api`]: the server's `{"error", "message"}`, or the HTTP
/// status and the start of the text when it is not that (a proxy's page, say).
fn api_error(status: u16, raw: String) -> CliError {
    let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let (code, message) = match (&body["error"], &body["message"]) {
        (Value::String(code), message) => (
            code.clone(),
            message.as_str().unwrap_or_default().to_owned(),
        ),
        _ => (format!("HTTP {status}"), excerpt(&raw)),
    };
    CliError::Api(Box::new(ApiFailure {
        code,
        message,
        body,
        raw,
    }))
}

/// The first 200 characters of a text, on one line.
fn excerpt(text: &str) -> String {
    let flat: String = text.trim().replace(['\n', '\r'], " ");
    match flat.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None if flat.is_empty() => "(empty)".to_owned(),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_and_a_path_prefix_is_kept() {
        let client = Client::new("http://h:1/base/", None).unwrap();
        let url = client.url(&["v1", "state-machines", "a b/c"], &[("limit", "5".into())]);
        assert_eq!(
            url.as_str(),
            "http://h:1/base/v1/state-machines/a%20b%2Fc?limit=5"
        );
        assert_eq!(client.endpoint(), "http://h:1/base");
    }

    #[test]
    fn an_endpoint_that_is_not_http_is_refused() {
        for bad in ["127.0.0.1:8080", "ftp://h/", "not a url"] {
            assert!(Client::new(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_answers_keep_the_code_and_message() {
        let e = api_error(404, r#"{"error":"NotFound","message":"no"}"#.into());
        assert_eq!(e.to_string(), "NotFound: no");
        let e = api_error(502, "<html>bad gateway</html>".into());
        assert_eq!(e.to_string(), "HTTP 502: <html>bad gateway</html>");
    }
}
