//! SSRF guard: applies the [`OutboundPolicy`] (see [`super::policy`] for the table) to
//! literal IPs in a URL and to the addresses a host name resolves to.
//!
//! Literal IP hosts never reach a resolver (hyper connects to them directly), so
//! [`check_host`] runs before every request; names go through [`GuardedResolver`], which
//! refuses the whole name when *any* of its addresses is refused (a name that resolves to
//! a public and a metadata address is as dangerous as one that resolves to the metadata
//! address alone, since the connector may try either).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::policy::{OutboundPolicy, Rule};

/// A request refused by the guard: the host as the URL has it, the refused address, and
/// the rule that refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Blocked {
    pub host: String,
    pub addr: IpAddr,
    pub rule: Rule,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) is refused: {:?}",
            self.host, self.addr, self.rule
        )
    }
}

impl std::error::Error for Blocked {}

/// A host name that could not be resolved.
#[derive(Debug)]
pub(crate) struct ResolveFailed {
    pub host: String,
    pub reason: String,
}

impl fmt::Display for ResolveFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not resolve {}: {}", self.host, self.reason)
    }
}

impl std::error::Error for ResolveFailed {}

/// Refuses a URL whose host is a refused literal IP. Names are left to the resolver.
pub(crate) fn check_host(url: &Url, policy: &OutboundPolicy) -> Result<(), Blocked> {
    // The URL parser has already normalized IPv4 spellings (`2852039166`, `0xa9.0xfe…`)
    // to dotted decimal; IPv6 hosts come bracketed.
    let host = url.host_str().unwrap_or_default();
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => policy.check(bare, ip).map_err(|rule| Blocked {
            host: host.to_owned(),
            addr: ip,
            rule,
        }),
        Err(_) => Ok(()),
    }
}

/// Keeps `addrs` unless one of them is refused for `host`.
pub(crate) fn check_addrs(
    host: &str,
    addrs: Vec<SocketAddr>,
    policy: &OutboundPolicy,
) -> Result<Vec<SocketAddr>, Blocked> {
    for a in &addrs {
        policy.check(host, a.ip()).map_err(|rule| Blocked {
            host: host.to_owned(),
            addr: a.ip(),
            rule,
        })?;
    }
    Ok(addrs)
}

/// The future a [`Lookup`] returns.
pub(crate) type LookupFuture = Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>>;

/// Name resolution, swappable so tests can map names without real DNS.
pub(crate) trait Lookup: Send + Sync {
    /// The addresses of `host` (ports are ignored; reqwest puts the URL's port in).
    fn lookup(&self, host: String) -> LookupFuture;
}

/// The system resolver (`getaddrinfo` on tokio's blocking pool).
#[derive(Debug)]
pub(crate) struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: String) -> LookupFuture {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.collect())
        })
    }
}

/// The resolver given to reqwest: resolves with a [`Lookup`], then applies [`check_addrs`].
pub(crate) struct GuardedResolver {
    pub lookup: Arc<dyn Lookup>,
    pub policy: Arc<OutboundPolicy>,
}

impl fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardedResolver")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl GuardedResolver {
    /// Resolves and checks one host; the errors are [`ResolveFailed`] or [`Blocked`].
    pub(crate) async fn resolve_host(
        lookup: Arc<dyn Lookup>,
        policy: &OutboundPolicy,
        host: String,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let addrs = match lookup.lookup(host.clone()).await {
            Ok(addrs) => addrs,
            Err(e) => {
                return Err(Box::new(ResolveFailed {
                    host,
                    reason: e.to_string(),
                }));
            }
        };
        if addrs.is_empty() {
            return Err(Box::new(ResolveFailed {
                host,
                reason: "no addresses".into(),
            }));
        }
        Ok(check_addrs(&host, addrs, policy)?)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = Arc::clone(&self.lookup);
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = GuardedResolver::resolve_host(lookup, &policy, host).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
