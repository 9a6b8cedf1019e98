//! The HTTP task client: sends a task's [`HttpRequest`] and turns the answer into a task
//! result or a [`Failure`].
//!
//! One pooled `reqwest::Client` serves every call ([`HttpInvoker`] is cheap to clone). The
//! client never retries (ASL `Retry` belongs to the engine, so attempt counts stay exact),
//! never follows redirects, ignores proxy settings, and applies the outbound [`policy`]:
//! link-local and cloud metadata addresses are refused unless
//! [`HttpConfig::allow_link_local`] is set, private networks too under
//! [`HttpConfig::deny_private_networks`], and hosts off [`HttpConfig::allow_hosts`] when it
//! is set — literal IPs are checked before sending, names by the client's resolver.
//!
//! Requests carry `Idempotency-Key: <request.idempotency_key>` (bytes outside visible ASCII,
//! and `%`, percent-encoded) and the configured `User-Agent` unless the request sets its own.
//! Bodies:
//!
//! | shape | `body` | sent as |
//! |---|---|---|
//! | [`ResponseShape::Invoke`] | `Some(Value::String(s))` | `s`, `Content-Type: text/plain; charset=UTF-8` unless given |
//! | [`ResponseShape::Invoke`] | `Some(other)` | JSON, `Content-Type: application/json` unless given |
//! | [`ResponseShape::Body`] | `Some(value)` | JSON, `Content-Type: application/json` unless given |
//! | either | `None` | no body |
//!
//! Answers are read incrementally under [`HttpConfig::max_response_bytes`]. A 2xx answer
//! is the task result: for [`ResponseShape::Body`] the body (JSON if it parses, else the
//! text, `null` when empty); for [`ResponseShape::Invoke`]
//! `{"StatusCode", "StatusText", "Headers": {"<lowercase name>": [values]}, "ResponseBody"}`
//! (JSON when the content type is JSON and it parses, else the text). Anything else fails:
//!
//! | What happened | Error | Cause |
//! |---|---|---|
//! | non-2xx answer (3xx included: redirects are not followed) | `States.Http.StatusCode.<NNN>` | `{"StatusCode","StatusText","ResponseBody"}` as compact JSON; a body over the cap is cut and marked, not refused |
//! | refused, reset, closed, DNS failure, TLS failure, body cut off, connect timeout | `States.Http.Socket` | what happened, to which `host:port`, and the call |
//! | no complete answer within `timeout_seconds` (or [`HttpConfig::default_timeout`]) | `States.Timeout` | `The HTTP request to <url> did not answer within N seconds` |
//! | a 2xx body over [`HttpConfig::max_response_bytes`] | `States.DataLimitExceeded` | the limit |
//! | an address the outbound [`policy`] refuses, literal or resolved | `States.Permissions` | the rule, the refused host and address, and how to allow it |
//! | a request that cannot be sent (bad URL, non-http(s) scheme, bad method or header) | `States.Runtime` | `The HTTP request is invalid: …` |

mod allow_list;
mod body;
mod errors;
mod guard;
pub mod policy;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use baton_definitions::Failure;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{Map, Value, json};

use crate::machine::{HttpRequest, ResponseShape};

use body::{OnOverflow, Read};
use errors::Target;
use guard::{GuardedResolver, Lookup, SystemLookup};
use policy::OutboundPolicy;

pub use allow_list::{AllowList, AllowListError};
pub use errors::{ALLOW_HOSTS_ENV, ALLOW_LINK_LOCAL_ENV, DENY_PRIVATE_NETWORKS_ENV};

/// Settings for [`HttpInvoker`].
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The largest response body accepted (the ASL payload limit, 256 KiB, by default).
    pub max_response_bytes: usize,
    /// The whole-call limit when the request has no `timeout_seconds` (60 s, like AWS).
    pub default_timeout: Duration,
    /// The limit for opening a connection (TCP and TLS), within the whole-call limit.
    pub connect_timeout: Duration,
    /// Allow link-local and cloud metadata addresses (`169.254.0.0/16`, `fe80::/10`,
    /// `fd00:ec2::254`, … see [`policy`]).
    pub allow_link_local: bool,
    /// Also refuse loopback, private (RFC 1918), CGNAT and unique-local addresses, unless
    /// a CIDR of `allow_hosts` covers them.
    pub deny_private_networks: bool,
    /// When set, only hosts on this list are called (see [`policy`]).
    pub allow_hosts: Option<AllowList>,
    /// The `User-Agent` sent unless a request sets its own.
    pub user_agent: String,
    /// The most requests in flight at once from this process; beyond it requests wait
    /// their turn (nothing is dropped).
    pub max_in_flight: usize,
}

impl HttpConfig {
    /// The outbound rules these settings make.
    pub fn policy(&self) -> OutboundPolicy {
        OutboundPolicy {
            allow_link_local: self.allow_link_local,
            deny_private_networks: self.deny_private_networks,
            allow_hosts: self.allow_hosts.clone(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            max_response_bytes: 262_144,
            default_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            allow_link_local: false,
            deny_private_networks: false,
            allow_hosts: None,
            user_agent: format!("Baton/{}", env!("CARGO_PKG_VERSION")),
            max_in_flight: 1024,
        }
    }
}

/// Sends task requests through one pooled client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HttpInvoker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    config: HttpConfig,
    /// What may be called, from `config` (shared with the client's resolver).
    policy: Arc<OutboundPolicy>,
    /// One permit per request in flight (`max_in_flight`).
    permits: tokio::sync::Semaphore,
}

/// Counts a request out of `baton_http_requests_in_flight` when it ends (or is dropped).
struct InFlight;

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("baton_http_requests_in_flight").decrement(1.0);
    }
}

/// Headers the client manages itself; a request that sets one is refused.
const MANAGED_HEADERS: [&str; 8] = [
    "connection",
    "content-length",
    "host",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// A request ready to send.
struct Prepared {
    request: reqwest::Request,
    target: Target,
    head: bool,
}

impl HttpInvoker {
    /// Builds the client. Fails only when the client cannot be built (for example an
    /// invalid `user_agent`, or no TLS trust store).
    pub fn new(config: HttpConfig) -> Result<HttpInvoker, String> {
        HttpInvoker::with_lookup(config, Arc::new(SystemLookup))
    }

    /// Builds the client with a given name resolver (tests map names without real DNS).
    pub(crate) fn with_lookup(
        config: HttpConfig,
        lookup: Arc<dyn Lookup>,
    ) -> Result<HttpInvoker, String> {
        let policy = Arc::new(config.policy());
        let resolver = GuardedResolver {
            lookup,
            policy: Arc::clone(&policy),
        };
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.as_str())
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .dns_resolver(resolver)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let permits = tokio::sync::Semaphore::new(config.max_in_flight.max(1));
        Ok(HttpInvoker {
            inner: Arc::new(Inner {
                client,
                config,
                policy,
                permits,
            }),
        })
    }

    /// The settings this invoker was built with.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// Sends one task request; the Ok value is the task result, Err the task failure.
    /// Waits first for a turn when `max_in_flight` requests are in flight; the request's
    /// timeout starts when it is sent.
    pub async fn invoke(&self, request: &HttpRequest) -> Result<Value, Failure> {
        let prepared = self.prepare(request)?;
        metrics::gauge!("baton_http_requests_waiting").increment(1.0);
        let permit = self.inner.permits.acquire().await;
        metrics::gauge!("baton_http_requests_waiting").decrement(1.0);
        let _permit = permit.map_err(|_| errors::invalid("the HTTP client is shut down"))?;
        metrics::gauge!("baton_http_requests_in_flight").increment(1.0);
        let _in_flight = InFlight;
        let limit = request
            .timeout_seconds
            .filter(|&s| s > 0)
            .map_or(self.inner.config.default_timeout, Duration::from_secs);
        let target = prepared.target.clone();
        match tokio::time::timeout(limit, self.send(prepared, request.shape)).await {
            Ok(result) => result,
            Err(_) => Err(errors::timeout(&target, limit)),
        }
    }

    /// Checks and builds the request; every failure here is the request's fault.
    fn prepare(&self, request: &HttpRequest) -> Result<Prepared, Failure> {
        let mut url = Url::parse(&request.url)
            .map_err(|e| errors::invalid(format!("{:?} is not a valid URL: {e}", request.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(errors::invalid(format!(
                "only http and https URLs can be called, not {}:",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(errors::invalid(format!("{:?} has no host", request.url)));
        }
        url.set_fragment(None);
        if !request.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &request.query {
                pairs.append_pair(name, value);
            }
        }
        let method = Method::from_bytes(request.method.as_bytes())
            .map_err(|_| errors::invalid(format!("{:?} is not an HTTP method", request.method)))?;
        let target = Target::new(method.as_str(), &url);
        if let Err(b) = guard::check_host(&url, &self.inner.policy) {
            return Err(errors::blocked(&b, &target));
        }

        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| errors::invalid(format!("{name:?} is not a valid header name")))?;
            if MANAGED_HEADERS.contains(&header.as_str()) {
                return Err(errors::invalid(format!(
                    "the {name} header is set by the HTTP client and cannot be given"
                )));
            }
            let value = HeaderValue::from_str(value)
                .map_err(|_| errors::invalid(format!("the value of header {name} is not valid")))?;
            headers.append(header, value);
        }
        let key = HeaderValue::from_str(&header_safe(&request.idempotency_key))
            .map_err(|_| errors::invalid("the idempotency key is not a valid header value"))?;
        headers.insert(HeaderName::from_static("idempotency-key"), key);

        let body = match (&request.body, request.shape) {
            (None, _) => None,
            (Some(Value::String(text)), ResponseShape::Invoke) => {
                Some((text.clone().into_bytes(), "text/plain; charset=UTF-8"))
            }
            (Some(value), _) => Some((
                serde_json::to_vec(value).map_err(errors::invalid)?,
                "application/json",
            )),
        };
        let head = method == Method::HEAD;
        let mut builder = self.inner.client.request(method, url);
        if let Some((bytes, content_type)) = body {
            if !headers.contains_key(CONTENT_TYPE) {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
            builder = builder.body(bytes);
        }
        let request = builder.headers(headers).build().map_err(errors::invalid)?;
        Ok(Prepared {
            request,
            target,
            head,
        })
    }

    /// Sends a prepared request and reads the answer (no time limit of its own).
    async fn send(&self, prepared: Prepared, shape: ResponseShape) -> Result<Value, Failure> {
        let config = &self.inner.config;
        let cap = config.max_response_bytes;
        let Prepared {
            request,
            target,
            head,
        } = prepared;
        let transport = |e: reqwest::Error| errors::transport(&e, &target, config.connect_timeout);
        let response = self
            .inner
            .client
            .execute(request)
            .await
            .map_err(transport)?;
        let status = response.status();
        let status_text = status.canonical_reason().unwrap_or_default();
        let json_type = body::is_json_content_type(response.headers());

        if !status.is_success() {
            let body = match body::read_capped(response, cap, head, OnOverflow::Truncate).await {
                Ok(Read::Complete {
                    bytes,
                    truncated: false,
                }) => body::decode(shape, json_type, &bytes),
                Ok(Read::Complete {
                    bytes,
                    truncated: true,
                }) => body::truncated_text(&bytes, cap),
                // Unreachable with `Truncate`; keep the status either way.
                Ok(Read::TooLarge) => Value::String(String::new()),
                Err(e) => Value::String(format!(
                    "(the response body could not be read: {})",
                    transport(e).cause.unwrap_or_default()
                )),
            };
            return Err(errors::status(status.as_u16(), status_text, body));
        }

        let headers = (shape == ResponseShape::Invoke).then(|| headers_json(response.headers()));
        let bytes = match body::read_capped(response, cap, head, OnOverflow::Fail).await {
            Ok(Read::Complete { bytes, .. }) => bytes,
            Ok(Read::TooLarge) => return Err(errors::too_large(&target, cap)),
            Err(e) => return Err(transport(e)),
        };
        let body = body::decode(shape, json_type, &bytes);
        Ok(match headers {
            None => body,
            Some(headers) => json!({
                "StatusCode": status.as_u16(),
                "StatusText": status_text,
                "Headers": headers,
                "ResponseBody": body,
            }),
        })
    }
}

/// `{"<lowercase name>": ["v1", …]}` (values decoded as UTF-8, lossily).
fn headers_json(headers: &HeaderMap) -> Value {
    let mut out = Map::new();
    for name in headers.keys() {
        let values = headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        out.insert(name.as_str().to_owned(), Value::Array(values));
    }
    Value::Object(out)
}

/// A task URL as logs may show it: `scheme://host[:port]/path`, as in failure causes (no
/// userinfo, query or fragment, where credentials and task tokens travel), with any task
/// token in the path cut to its prefix (`…/approve/bt1_…`).
pub fn loggable_url(url: &str) -> String {
    let Ok(parsed) = Url::parse(url) else {
        return "(not a valid URL)".to_owned();
    };
    let host = parsed.host_str().unwrap_or_default();
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut path = String::with_capacity(parsed.path().len());
    let mut rest = parsed.path();
    while let Some(at) = rest.find(baton_callbacks::TOKEN_PREFIX) {
        let end = at + baton_callbacks::TOKEN_PREFIX.len();
        path.push_str(&rest[..end]);
        path.push('…');
        rest = rest[end..]
            .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    }
    path.push_str(rest);
    format!("{}://{host}{port}{path}", parsed.scheme())
}

/// `key` with `%`, spaces, controls and non-ASCII bytes percent-encoded, so any execution
/// or state name gives a valid (and distinct) header value.
fn header_safe(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for &b in key.as_bytes() {
        if b.is_ascii_graphic() && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_header_safe() {
        assert_eq!(header_safe("exec-1/Call API/2"), "exec-1/Call%20API/2");
        assert_eq!(header_safe("a%b"), "a%25b");
        assert_eq!(header_safe("é\n"), "%C3%A9%0A");
        assert_eq!(header_safe("plain:key_1"), "plain:key_1");
    }

    #[test]
    fn loggable_urls_carry_no_credentials_or_tokens() {
        assert_eq!(
            loggable_url("https://user:pw@api.example.com:8443/a/b?key=secret#f"),
            "https://api.example.com:8443/a/b"
        );
        assert_eq!(
            loggable_url("http://h/approve/bt1_AQEAAAAB-x_9/done?t=bt1_QQ"),
            "http://h/approve/bt1_…/done"
        );
        assert_eq!(loggable_url("not a url"), "(not a valid URL)");
    }

    #[test]
    fn default_config() {
        let c = HttpConfig::default();
        assert_eq!(c.max_response_bytes, 262_144);
        assert_eq!(c.default_timeout, Duration::from_secs(60));
        assert!(!c.allow_link_local);
        assert!(c.user_agent.starts_with("Baton/"));
    }
}
