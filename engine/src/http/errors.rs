//! Task failures for everything that can go wrong with an HTTP call (the table is in the
//! module docs of [`super`]). Causes name the method and the URL without its query string
//! or credentials, which may hold secrets.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use baton_definitions::{ErrorName, Failure};
use reqwest::Url;
use serde_json::{Value, json};

use super::guard::{Blocked, ResolveFailed};
use super::policy::Rule;

/// The environment variable a deployment uses to allow link-local addresses (named in the
/// `States.Permissions` cause; the gateway wires it to [`super::HttpConfig::allow_link_local`]).
pub const ALLOW_LINK_LOCAL_ENV: &str = "BATON_ALLOW_LINK_LOCAL";

/// Who a request went to, as shown in causes: never the query string or credentials.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    method: String,
    /// `scheme://host:port/path`.
    url: String,
    /// `host:port`.
    authority: String,
}

impl Target {
    pub(crate) fn new(method: &str, url: &Url) -> Target {
        let host = url.host_str().unwrap_or_default();
        let authority = match url.port_or_known_default() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        Target {
            method: method.to_owned(),
            url: format!("{}://{host}{port}{}", url.scheme(), url.path()),
            authority,
        }
    }

    /// `(POST http://host:port/path)`.
    fn call(&self) -> String {
        format!("({} {})", self.method, self.url)
    }
}

/// `States.Runtime`: the request cannot be sent as given.
pub(crate) fn invalid(why: impl std::fmt::Display) -> Failure {
    Failure::runtime(format!("The HTTP request is invalid: {why}"))
}

/// The environment variables named in `States.Permissions` causes (the gateway's flags
/// `--deny-private-networks` and `--allow-hosts`).
pub const DENY_PRIVATE_NETWORKS_ENV: &str = "BATON_DENY_PRIVATE_NETWORKS";
pub const ALLOW_HOSTS_ENV: &str = "BATON_ALLOW_HOSTS";

/// `States.Permissions` for a refused address: the rule, how to allow it, then the host,
/// the address and the call.
pub(crate) fn blocked(blocked: &Blocked, target: &Target) -> Failure {
    let addr = blocked.addr;
    let bare = blocked.host.trim_start_matches('[').trim_end_matches(']');
    let what = if bare == addr.to_string() {
        format!("Refused {}", blocked.host)
    } else {
        format!("Refused {}, which resolves to {addr}", blocked.host)
    };
    let single = if addr.is_ipv4() { 32 } else { 128 };
    let rule = match blocked.rule {
        Rule::LinkLocalOrMetadata(class) => format!(
            "Baton does not call link-local or cloud metadata addresses (169.254.169.254); \
             set {ALLOW_LINK_LOCAL_ENV}=true to allow ({addr} is {class})"
        ),
        Rule::PrivateDenied(class) => format!(
            "Baton does not call loopback or private network addresses with \
             {DENY_PRIVATE_NETWORKS_ENV}=true ({addr} is {class}); to allow it, \
             add {addr}/{single} or its network to {ALLOW_HOSTS_ENV}"
        ),
        Rule::NotAllowListed => format!(
            "Baton calls only the hosts of {ALLOW_HOSTS_ENV}, and neither {bare} nor {addr} \
             is on it"
        ),
    };
    Failure::new(
        ErrorName::Permissions,
        format!("{rule}. {what} {}", target.call()),
    )
}

/// `States.Timeout` for a call that did not finish in time.
pub(crate) fn timeout(target: &Target, limit: Duration) -> Failure {
    Failure::new(
        ErrorName::Timeout,
        format!(
            "The HTTP request to {} did not answer within {} seconds",
            target.url,
            seconds(limit)
        ),
    )
}

/// `States.DataLimitExceeded` for a body over the cap.
pub(crate) fn too_large(target: &Target, cap: usize) -> Failure {
    Failure::new(
        ErrorName::DataLimitExceeded,
        format!(
            "The response to {} {} exceeds the maximum of {cap} bytes",
            target.method, target.url
        ),
    )
}

/// `States.Http.StatusCode.<code>` with `{"StatusCode", "StatusText", "ResponseBody"}`.
pub(crate) fn status(code: u16, text: &str, body: Value) -> Failure {
    let cause = json!({"StatusCode": code, "StatusText": text, "ResponseBody": body});
    Failure::new(ErrorName::HttpStatusCode(code), cause.to_string())
}

/// The failure for a transport error (anything but an HTTP answer).
pub(crate) fn transport(err: &reqwest::Error, target: &Target, connect: Duration) -> Failure {
    let mut chain: Vec<&(dyn StdError + 'static)> = vec![err];
    let mut next = err.source();
    while let Some(e) = next {
        chain.push(e);
        next = e.source();
    }
    if let Some(b) = find::<Blocked>(&chain) {
        return blocked(b, target);
    }
    let socket = |what: String| Failure::new(ErrorName::HttpSocket, what);
    let call = target.call();
    let at = &target.authority;
    if let Some(r) = find::<ResolveFailed>(&chain) {
        return socket(format!(
            "Could not resolve host {}: {} {call}",
            r.host, r.reason
        ));
    }
    let detail = detail(&chain);
    let kind = find::<io::Error>(&chain).map(io::Error::kind);
    if err.is_connect() {
        if err.is_timeout() || kind == Some(io::ErrorKind::TimedOut) {
            return socket(format!(
                "Timed out connecting to {at} after {} seconds {call}",
                seconds(connect)
            ));
        }
        return socket(match kind {
            Some(io::ErrorKind::ConnectionRefused) => {
                format!("Connection refused connecting to {at} {call}")
            }
            _ if target.url.starts_with("https:") => {
                format!("Could not connect to {at} (TCP or TLS failure) {call}: {detail}")
            }
            _ => format!("Could not connect to {at} {call}: {detail}"),
        });
    }
    if err.is_body() || err.is_decode() {
        return socket(format!(
            "The response body from {at} was cut off {call}: {detail}"
        ));
    }
    socket(match kind {
        Some(io::ErrorKind::ConnectionReset) => {
            format!("Connection reset by {at} {call}: {detail}")
        }
        _ => format!("The connection to {at} failed {call}: {detail}"),
    })
}

fn find<'a, T: StdError + 'static>(chain: &[&'a (dyn StdError + 'static)]) -> Option<&'a T> {
    chain.iter().find_map(|e| e.downcast_ref::<T>())
}

/// The messages of the error's sources, outermost first, without repeats. reqwest's own
/// message is skipped (it repeats the full URL, query string included), and so are
/// hyper-util's `client error (Connect)` wrappers, which say nothing new.
fn detail(chain: &[&(dyn StdError + 'static)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain.iter().skip(1) {
        let text = e.to_string();
        if text.is_empty()
            || text.starts_with("client error (")
            || parts.iter().any(|p| p.contains(&text))
        {
            continue;
        }
        parts.push(text);
    }
    if parts.is_empty() {
        // Nothing underneath: fall back to reqwest's message.
        return chain.first().map(|e| e.to_string()).unwrap_or_default();
    }
    parts.join(": ")
}

fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{:.3}", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_hides_query_and_credentials() {
        let url = Url::parse("https://user:secret@example.com/a/b?key=secret").expect("url");
        let t = Target::new("GET", &url);
        assert_eq!(t.url, "https://example.com/a/b");
        assert_eq!(t.authority, "example.com:443");
        assert_eq!(t.call(), "(GET https://example.com/a/b)");
        let url = Url::parse("http://127.0.0.1:9/x").expect("url");
        let t = Target::new("POST", &url);
        assert_eq!(t.call(), "(POST http://127.0.0.1:9/x)");
        assert_eq!(t.authority, "127.0.0.1:9");
    }

    #[test]
    fn status_cause_is_compact_json() {
        let f = status(404, "Not Found", json!({"message": "nope"}));
        assert_eq!(f.error.to_string(), "States.Http.StatusCode.404");
        assert_eq!(
            f.cause.as_deref(),
            Some(
                r#"{"StatusCode":404,"StatusText":"Not Found","ResponseBody":{"message":"nope"}}"#
            )
        );
    }

    #[test]
    fn seconds_are_shown_plainly() {
        assert_eq!(seconds(Duration::from_secs(60)), "60");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.500");
    }
}
