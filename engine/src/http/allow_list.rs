//! `--allow-hosts`: the hosts HTTP tasks may call, as a comma-separated list of
//!
//! | entry | matches |
//! |---|---|
//! | `api.example.com` | that name only (any case, with or without a trailing dot) |
//! | `*.example.com` | names under `example.com` (`a.example.com`, `a.b.example.com`), not `example.com` itself |
//! | `10.1.0.0/16`, `2001:db8::/32` | addresses in that range (IPv4-mapped IPv6 addresses count as IPv4) |
//! | `10.1.2.3`, `2001:db8::1` | that address (as `/32`, `/128`) |
//!
//! A malformed entry is an [`AllowListError`] naming it; the gateway stops at start then.

use std::fmt;
use std::net::IpAddr;

/// One CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, addr.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// A parsed `--allow-hosts` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    /// Exact names, lowercase, without a trailing dot.
    names: Vec<String>,
    /// `*.example.com` entries as `.example.com`.
    suffixes: Vec<String>,
    cidrs: Vec<Cidr>,
}

/// A malformed `--allow-hosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowListError {
    /// 1-based position in the list.
    pub entry: usize,
    pub text: String,
    pub reason: &'static str,
}

impl fmt::Display for AllowListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "entry {} ({:?}): {}; entries are host names, *.domain, IP addresses or CIDRs (10.1.0.0/16)",
            self.entry, self.text, self.reason
        )
    }
}

impl std::error::Error for AllowListError {}

/// A DNS name of letters, digits, `-` and `_`, dot-separated, no empty label.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn parse_cidr(text: &str) -> Result<Cidr, &'static str> {
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (text, None),
    };
    let network: IpAddr = addr.parse().map_err(|_| "not an IP address")?;
    let max = if network.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= max)
            .ok_or("the prefix length is not a number within the address size")?,
    };
    let cidr = Cidr { network, prefix };
    // The network address itself must have no bits set after the prefix.
    let zeroed = match network {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::from((u32::from(v4) & mask).to_be_bytes())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::from((u128::from(v6) & mask).to_be_bytes())
        }
    };
    if zeroed != network {
        return Err("the address has bits set after the prefix length (write the network address)");
    }
    Ok(cidr)
}

impl AllowList {
    /// Parses a comma-separated list (blanks around entries are ignored).
    pub fn parse(spec: &str) -> Result<AllowList, AllowListError> {
        let mut list = AllowList::default();
        for (i, raw) in spec.split(',').enumerate() {
            let text = raw.trim();
            let fail = |reason| AllowListError {
                entry: i + 1,
                text: text.to_owned(),
                reason,
            };
            if text.is_empty() {
                return Err(fail("empty entry"));
            }
            let looks_like_ip = text.contains(':')
                || text.contains('/')
                || text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            if looks_like_ip {
                list.cidrs.push(parse_cidr(text).map_err(fail)?);
                continue;
            }
            let lower = text.to_ascii_lowercase();
            let lower = lower.strip_suffix('.').unwrap_or(&lower);
            if let Some(domain) = lower.strip_prefix("*.") {
                if !valid_name(domain) {
                    return Err(fail("not a valid *.domain"));
                }
                list.suffixes.push(format!(".{domain}"));
            } else if valid_name(lower) {
                list.names.push(lower.to_owned());
            } else {
                return Err(fail(
                    "not a valid host name (`*` only as the first label; non-ASCII names in punycode)",
                ));
            }
        }
        Ok(list)
    }

    /// Whether the host name `host` is on the list by name (never true for IP literals).
    pub fn matches_name(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let host = host.strip_suffix('.').unwrap_or(&host);
        self.names.iter().any(|n| n == host)
            || self
                .suffixes
                .iter()
                .any(|s| host.len() > s.len() && host.ends_with(s.as_str()))
    }

    /// Whether `addr` lies in one of the CIDR entries.
    pub fn covers(&self, addr: IpAddr) -> bool {
        self.cidrs.iter().any(|c| c.contains(addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn names_wildcards_and_cidrs_match_as_documented() {
        let list =
            AllowList::parse("API.example.com., *.svc.test, 10.1.0.0/16, 2001:db8::/32, 192.0.2.7")
                .expect("valid");
        for host in [
            "api.example.com",
            "API.EXAMPLE.COM",
            "api.example.com.",
            "a.svc.test",
            "a.b.svc.test",
        ] {
            assert!(list.matches_name(host), "{host}");
        }
        for host in [
            "example.com",
            "svc.test",
            "xsvc.test",
            "api.example.com.evil",
            "10.1.2.3",
        ] {
            assert!(!list.matches_name(host), "{host}");
        }
        for addr in [
            "10.1.0.0",
            "10.1.255.255",
            "::ffff:10.1.2.3",
            "2001:db8:ffff::1",
            "192.0.2.7",
        ] {
            assert!(list.covers(ip(addr)), "{addr}");
        }
        for addr in ["10.2.0.1", "192.0.2.8", "2001:db9::1", "127.0.0.1"] {
            assert!(!list.covers(ip(addr)), "{addr}");
        }
        let everything = AllowList::parse("0.0.0.0/0,::/0").expect("valid");
        assert!(everything.covers(ip("8.8.8.8")) && everything.covers(ip("2001:db8::1")));
    }

    #[test]
    fn malformed_entries_are_named() {
        for (spec, entry, reason) in [
            ("", 1, "empty entry"),
            ("a.test,,b.test", 2, "empty entry"),
            (
                "10.1.0.0/33",
                1,
                "the prefix length is not a number within the address size",
            ),
            (
                "10.1.2.3/16",
                1,
                "the address has bits set after the prefix length (write the network address)",
            ),
            ("300.1.2.3", 1, "not an IP address"),
            (
                "fe80::/x",
                1,
                "the prefix length is not a number within the address size",
            ),
            ("*.a..b", 1, "not a valid *.domain"),
            (
                "a.*.test",
                1,
                "not a valid host name (`*` only as the first label; non-ASCII names in punycode)",
            ),
            (
                "exämple.com",
                1,
                "not a valid host name (`*` only as the first label; non-ASCII names in punycode)",
            ),
            (
                "a..test",
                1,
                "not a valid host name (`*` only as the first label; non-ASCII names in punycode)",
            ),
            ("http://a.test", 1, "not an IP address"),
        ] {
            let err = AllowList::parse(spec).expect_err(spec);
            assert_eq!((err.entry, err.reason), (entry, reason), "{spec}");
        }
    }
}
