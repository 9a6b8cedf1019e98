//! SSRF guard: link-local and cloud metadata addresses are refused, both as literal IPs in
//! a URL and as the result of resolving a host name.
//!
//! Literal IP hosts never reach a resolver (hyper connects to them directly), so
//! [`check_host`] runs before every request; names go through [`GuardedResolver`], which
//! refuses the whole name when *any* of its addresses is blocked (a name that resolves to
//! a public and a metadata address is as dangerous as one that resolves to the metadata
//! address alone, since the connector may try either).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The AWS EC2 IPv6 instance metadata endpoint (`fd00:ec2::254`), a unique-local address.
const EC2_METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

/// True for link-local and cloud metadata addresses: `169.254.0.0/16`, `fe80::/10`,
/// `fd00:ec2::254`, and IPv6 forms that embed a blocked IPv4 address (IPv4-mapped
/// `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d` and NAT64 `64:ff9b::a.b.c.d`).
pub(crate) fn is_blocked(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return v4.is_link_local();
            }
            (v6.segments()[0] & 0xffc0) == 0xfe80 || v6 == EC2_METADATA_V6
        }
    }
}

/// The IPv4 address an IPv6 address carries in its last 32 bits, for the forms that
/// route to IPv4 hosts.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let tail = Ipv4Addr::new(
        (s[6] >> 8) as u8,
        (s[6] & 0xff) as u8,
        (s[7] >> 8) as u8,
        (s[7] & 0xff) as u8,
    );
    let compatible = s[..6].iter().all(|&x| x == 0);
    let nat64 = s[0] == 0x0064 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0);
    (compatible || nat64).then_some(tail)
}

/// A request refused by the guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Blocked {
    pub host: String,
    pub addr: IpAddr,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is a link-local or cloud metadata address ({})",
            self.host, self.addr
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

/// Refuses a URL whose host is a blocked literal IP. Names are left to the resolver.
pub(crate) fn check_host(url: &Url, allow_link_local: bool) -> Result<(), Blocked> {
    if allow_link_local {
        return Ok(());
    }
    // The URL parser has already normalized IPv4 spellings (`2852039166`, `0xa9.0xfe…`)
    // to dotted decimal; IPv6 hosts come bracketed.
    let host = url.host_str().unwrap_or_default();
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) if is_blocked(ip) => Err(Blocked {
            host: host.to_owned(),
            addr: ip,
        }),
        _ => Ok(()),
    }
}

/// Keeps `addrs` unless one of them is blocked.
pub(crate) fn check_addrs(
    host: &str,
    addrs: Vec<SocketAddr>,
    allow_link_local: bool,
) -> Result<Vec<SocketAddr>, Blocked> {
    if !allow_link_local && let Some(bad) = addrs.iter().find(|a| is_blocked(a.ip())) {
        return Err(Blocked {
            host: host.to_owned(),
            addr: bad.ip(),
        });
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
    pub allow_link_local: bool,
}

impl fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardedResolver")
            .field("allow_link_local", &self.allow_link_local)
            .finish_non_exhaustive()
    }
}

impl GuardedResolver {
    /// Resolves and checks one host; the errors are [`ResolveFailed`] or [`Blocked`].
    pub(crate) async fn resolve_host(
        lookup: Arc<dyn Lookup>,
        allow_link_local: bool,
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
        Ok(check_addrs(&host, addrs, allow_link_local)?)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = Arc::clone(&self.lookup);
        let allow = self.allow_link_local;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = GuardedResolver::resolve_host(lookup, allow, host).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn classifies_addresses() {
        for blocked in [
            "169.254.169.254",
            "169.254.0.1",
            "169.254.255.255",
            "fe80::1",
            "febf:ffff::1",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "::169.254.169.254",
            "64:ff9b::169.254.169.254",
        ] {
            assert!(is_blocked(ip(blocked)), "{blocked} should be blocked");
        }
        for allowed in [
            "127.0.0.1",
            "10.0.0.1",
            "192.168.1.1",
            "169.253.255.255",
            "169.255.0.0",
            "8.8.8.8",
            "::1",
            "::",
            "fec0::1",
            "fd00:ec2::253",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_blocked(ip(allowed)), "{allowed} should be allowed");
        }
    }

    #[test]
    fn checks_literal_hosts_in_urls() {
        let blocked = [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[fe80::1]:8080/",
            // WHATWG URL parsing normalizes these spellings to 169.254.169.254.
            "http://2852039166/",
            "http://0xa9.0xfe.0xa9.0xfe/",
            "http://0251.0376.0251.0376/",
            "http://169.254.169.254./",
        ];
        for u in blocked {
            let url = Url::parse(u).expect("test url");
            assert!(check_host(&url, false).is_err(), "{u} should be blocked");
            assert!(check_host(&url, true).is_ok(), "{u} allowed when opted in");
        }
        for u in [
            "http://127.0.0.1:1/",
            "http://example.com/",
            "http://[::1]/",
        ] {
            let url = Url::parse(u).expect("test url");
            assert!(check_host(&url, false).is_ok(), "{u} should pass");
        }
    }

    #[test]
    fn refuses_a_name_if_any_address_is_blocked() {
        let good: SocketAddr = "93.184.216.34:0".parse().expect("addr");
        let bad: SocketAddr = "169.254.169.254:0".parse().expect("addr");
        assert_eq!(
            check_addrs("a.test", vec![good], false).expect("allowed"),
            vec![good]
        );
        let err = check_addrs("a.test", vec![good, bad], false).expect_err("blocked");
        assert_eq!(err.addr, bad.ip());
        assert_eq!(err.host, "a.test");
        assert!(check_addrs("a.test", vec![good, bad], true).is_ok());
    }

    struct MapLookup(HashMap<String, Vec<SocketAddr>>);

    impl Lookup for MapLookup {
        fn lookup(&self, host: String) -> LookupFuture {
            let found = self.0.get(&host).cloned();
            Box::pin(async move {
                found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "unknown host"))
            })
        }
    }

    #[tokio::test]
    async fn resolver_filters_metadata_names() {
        let lookup: Arc<dyn Lookup> = Arc::new(MapLookup(HashMap::from([
            (
                "metadata.test".to_owned(),
                vec!["169.254.169.254:0".parse().expect("addr")],
            ),
            (
                "mapped.test".to_owned(),
                vec!["[::ffff:169.254.169.254]:0".parse().expect("addr")],
            ),
            (
                "fine.test".to_owned(),
                vec!["127.0.0.1:0".parse().expect("addr")],
            ),
        ])));
        let resolver = GuardedResolver {
            lookup: Arc::clone(&lookup),
            allow_link_local: false,
        };
        for name in ["metadata.test", "mapped.test"] {
            let err = match resolver.resolve(name.parse().expect("name")).await {
                Ok(_) => panic!("{name} should be refused"),
                Err(e) => e,
            };
            assert!(err.downcast_ref::<Blocked>().is_some(), "{err}");
        }
        let addrs: Vec<_> = resolver
            .resolve("fine.test".parse().expect("name"))
            .await
            .expect("fine.test resolves")
            .collect();
        assert_eq!(addrs, vec!["127.0.0.1:0".parse().expect("addr")]);
        let err = match resolver.resolve("nope.test".parse().expect("name")).await {
            Ok(_) => panic!("nope.test should not resolve"),
            Err(e) => e,
        };
        assert!(err.downcast_ref::<ResolveFailed>().is_some(), "{err}");

        let open = GuardedResolver {
            lookup,
            allow_link_local: true,
        };
        assert!(
            open.resolve("metadata.test".parse().expect("name"))
                .await
                .is_ok()
        );
    }
}
