//! Which addresses HTTP tasks may call: every address falls in one [`AddressClass`], and
//! [`OutboundPolicy::check`] decides from the class, the flags and the allow-list.
//!
//! | class | addresses | default | `--deny-private-networks` | `--allow-hosts` CIDR covering it | `--allow-link-local` |
//! |---|---|---|---|---|---|
//! | [`Metadata`](AddressClass::Metadata) | `169.254.169.254`, `169.254.170.2`, `169.254.170.23`, `fd00:ec2::254`, `fd20:ce::254`, `100.100.100.200`, `192.0.0.192`, `168.63.129.16` | refused | refused | still refused | allowed |
//! | [`LinkLocal`](AddressClass::LinkLocal) | `169.254.0.0/16`, `fe80::/10` | refused | refused | still refused | allowed |
//! | [`Loopback`](AddressClass::Loopback) | `127.0.0.0/8`, `::1`, `0.0.0.0/8`, `::` (unspecified: reaches this host) | allowed | refused | allowed | (no effect) |
//! | [`Private`](AddressClass::Private) | `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `100.64.0.0/10` (CGNAT), `fc00::/7` (ULA) | allowed | refused | allowed | (no effect) |
//! | [`Public`](AddressClass::Public) | everything else | allowed | allowed | allowed | (no effect) |
//!
//! IPv6 addresses that carry an IPv4 address — IPv4-mapped `::ffff:a.b.c.d`,
//! IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:AABB:CCDD::` — are
//! classified as that IPv4 address. The specific metadata addresses are checked before the
//! ranges that hold them (`100.100.100.200` is inside CGNAT, `fd00:ec2::254` inside ULA).
//!
//! With `--allow-hosts`, a host must also be on the list: its name matches a name entry, or
//! every address it resolves to lies in a CIDR entry. A name entry allows the name, not the
//! addresses it resolves to: under `--deny-private-networks` a private address is allowed
//! only by a CIDR entry that covers it. Nothing but `--allow-link-local` allows
//! link-local and metadata addresses.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::allow_list::AllowList;

/// What kind of address an IP is (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Metadata,
    LinkLocal,
    Loopback,
    Private,
    Public,
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressClass::Metadata => "a cloud metadata address",
            AddressClass::LinkLocal => "a link-local address",
            AddressClass::Loopback => "a loopback or unspecified address",
            AddressClass::Private => "a private network address",
            AddressClass::Public => "a public address",
        })
    }
}

/// Cloud metadata and host-service addresses (IPv4): AWS, GCP, Azure, DigitalOcean and
/// OpenStack `169.254.169.254`; AWS ECS task metadata `169.254.170.2` and EKS Pod Identity
/// `169.254.170.23`; Alibaba Cloud `100.100.100.200`; Oracle Cloud `192.0.0.192`; Azure
/// WireServer `168.63.129.16`.
const METADATA_V4: [Ipv4Addr; 6] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(169, 254, 170, 23),
    Ipv4Addr::new(100, 100, 100, 200),
    Ipv4Addr::new(192, 0, 0, 192),
    Ipv4Addr::new(168, 63, 129, 16),
];

/// AWS EC2 (`fd00:ec2::254`) and GCP (`fd20:ce::254`) IPv6 metadata endpoints.
const METADATA_V6: [Ipv6Addr; 2] = [
    Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254),
    Ipv6Addr::new(0xfd20, 0x00ce, 0, 0, 0, 0, 0, 0x0254),
];

/// The class of `ip` (see the module table).
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, ..] = ip.octets();
    if METADATA_V4.contains(&ip) {
        AddressClass::Metadata
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_loopback() || a == 0 {
        AddressClass::Loopback
    } else if ip.is_private() || (a == 100 && (b & 0xc0) == 64) {
        AddressClass::Private
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let first = ip.segments()[0];
    if METADATA_V6.contains(&ip) {
        AddressClass::Metadata
    } else if (first & 0xffc0) == 0xfe80 {
        AddressClass::LinkLocal
    } else if ip.is_loopback() || ip.is_unspecified() {
        AddressClass::Loopback
    } else if (first & 0xfe00) == 0xfc00 {
        AddressClass::Private
    } else {
        AddressClass::Public
    }
}

/// The IPv4 address an IPv6 address carries, for the forms that route to IPv4 hosts.
pub fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    let compatible = s[..6].iter().all(|&x| x == 0);
    let nat64 = s[0] == 0x0064 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0);
    if compatible || nat64 {
        return Some(v4(s[6], s[7]));
    }
    (s[0] == 0x2002).then(|| v4(s[1], s[2]))
}

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Link-local or metadata, refused unless `--allow-link-local`.
    LinkLocalOrMetadata(AddressClass),
    /// Loopback or private under `--deny-private-networks`, not covered by an allowed CIDR.
    PrivateDenied(AddressClass),
    /// `--allow-hosts` is set and neither the name nor the address is on it.
    NotAllowListed,
}

/// The outbound rules of one process.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    pub allow_link_local: bool,
    pub deny_private_networks: bool,
    pub allow_hosts: Option<AllowList>,
}

impl OutboundPolicy {
    /// Whether `host` (a name, or an IP literal) may be called at `addr`.
    pub fn check(&self, host: &str, addr: IpAddr) -> Result<(), Rule> {
        let class = classify(addr);
        if matches!(class, AddressClass::Metadata | AddressClass::LinkLocal) {
            return if self.allow_link_local {
                self.check_listed(host, addr)
            } else {
                Err(Rule::LinkLocalOrMetadata(class))
            };
        }
        self.check_listed(host, addr)?;
        let covered = self
            .allow_hosts
            .as_ref()
            .is_some_and(|list| list.covers(addr));
        let private = matches!(class, AddressClass::Loopback | AddressClass::Private);
        if self.deny_private_networks && private && !covered {
            return Err(Rule::PrivateDenied(class));
        }
        Ok(())
    }

    fn check_listed(&self, host: &str, addr: IpAddr) -> Result<(), Rule> {
        match &self.allow_hosts {
            Some(list) if !list.matches_name(host) && !list.covers(addr) => {
                Err(Rule::NotAllowListed)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
