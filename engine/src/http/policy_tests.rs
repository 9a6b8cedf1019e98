//! Each row of the classification table, and each column of the decision table.

use super::*;
use AddressClass::{LinkLocal, Loopback, Metadata, Private, Public};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

#[test]
fn classification_table() {
    let rows: &[(AddressClass, &[&str])] = &[
        (
            Metadata,
            &[
                "169.254.169.254",
                "169.254.170.2",
                "169.254.170.23",
                "fd00:ec2::254",
                "fd20:ce::254",
                "100.100.100.200",
                "192.0.0.192",
                "168.63.129.16",
                "::ffff:169.254.169.254",
                "::169.254.169.254",
                "64:ff9b::169.254.169.254",
                "2002:a9fe:a9fe::",
                "::ffff:100.100.100.200",
            ],
        ),
        (
            LinkLocal,
            &[
                "169.254.0.1",
                "169.254.255.255",
                "fe80::1",
                "febf:ffff::1",
                "::ffff:169.254.1.1",
            ],
        ),
        (
            Loopback,
            &[
                "127.0.0.1",
                "127.255.255.254",
                "::1",
                "0.0.0.0",
                "0.1.2.3",
                "::",
                "::ffff:127.0.0.1",
                "::ffff:0.0.0.0",
                "64:ff9b::7f00:1",
            ],
        ),
        (
            Private,
            &[
                "10.0.0.1",
                "10.255.255.255",
                "172.16.0.1",
                "172.31.255.255",
                "192.168.1.1",
                "100.64.0.1",
                "100.127.255.255",
                "fc00::1",
                "fd00:ec2::253",
                "fdff::1",
                "::ffff:10.0.0.1",
                "2002:c0a8:0101::",
            ],
        ),
        (
            Public,
            &[
                "8.8.8.8",
                "1.1.1.1",
                "169.253.255.255",
                "169.255.0.0",
                "172.15.255.255",
                "172.32.0.0",
                "100.63.255.255",
                "100.128.0.0",
                "192.0.2.1",
                "2001:db8::1",
                "fec0::1",
                "fe00::1",
                "::ffff:8.8.8.8",
            ],
        ),
    ];
    for (class, addrs) in rows {
        for addr in *addrs {
            assert_eq!(classify(ip(addr)), *class, "{addr}");
        }
    }
}

fn policy(allow_link_local: bool, deny_private: bool, allow: Option<&str>) -> OutboundPolicy {
    OutboundPolicy {
        allow_link_local,
        deny_private_networks: deny_private,
        allow_hosts: allow.map(|spec| AllowList::parse(spec).expect("allow-list")),
    }
}

#[test]
fn the_default_refuses_link_local_and_metadata_only() {
    let p = OutboundPolicy::default();
    assert_eq!(
        p.check("169.254.169.254", ip("169.254.169.254")),
        Err(Rule::LinkLocalOrMetadata(Metadata))
    );
    assert_eq!(
        p.check("x.test", ip("fe80::1")),
        Err(Rule::LinkLocalOrMetadata(LinkLocal))
    );
    for addr in ["127.0.0.1", "10.0.0.1", "::", "8.8.8.8"] {
        assert_eq!(p.check("x.test", ip(addr)), Ok(()), "{addr}");
    }
}

#[test]
fn deny_private_networks_adds_loopback_and_private() {
    let p = policy(false, true, None);
    for (addr, class) in [
        ("127.0.0.1", Loopback),
        ("0.0.0.0", Loopback),
        ("::", Loopback),
        ("10.0.0.1", Private),
        ("100.64.1.1", Private),
        ("fd12::1", Private),
    ] {
        assert_eq!(
            p.check("x.test", ip(addr)),
            Err(Rule::PrivateDenied(class)),
            "{addr}"
        );
    }
    assert_eq!(
        p.check("x.test", ip("100.100.100.200")),
        Err(Rule::LinkLocalOrMetadata(Metadata))
    );
    assert_eq!(p.check("x.test", ip("8.8.8.8")), Ok(()));
}

#[test]
fn an_allow_list_refuses_hosts_not_on_it() {
    let p = policy(false, false, Some("api.test, *.svc.test, 10.1.0.0/16"));
    assert_eq!(p.check("api.test", ip("8.8.8.8")), Ok(()));
    assert_eq!(p.check("a.svc.test", ip("192.168.0.1")), Ok(()));
    assert_eq!(p.check("db.other", ip("10.1.2.3")), Ok(()), "by CIDR");
    assert_eq!(p.check("10.1.2.3", ip("10.1.2.3")), Ok(()), "a literal");
    assert_eq!(
        p.check("svc.test", ip("8.8.8.8")),
        Err(Rule::NotAllowListed),
        "the apex is not under *.svc.test"
    );
    assert_eq!(
        p.check("other.test", ip("8.8.8.8")),
        Err(Rule::NotAllowListed)
    );
    assert_eq!(
        p.check("127.0.0.1", ip("127.0.0.1")),
        Err(Rule::NotAllowListed)
    );
}

#[test]
fn cidrs_win_over_deny_private_but_names_and_cidrs_never_over_metadata() {
    let p = policy(false, true, Some("127.0.0.1/32, api.test, 169.254.0.0/16"));
    assert_eq!(p.check("127.0.0.1", ip("127.0.0.1")), Ok(()));
    assert_eq!(p.check("local.test", ip("127.0.0.1")), Ok(()));
    // A name on the list does not allow the private address it resolves to.
    assert_eq!(
        p.check("api.test", ip("10.0.0.5")),
        Err(Rule::PrivateDenied(Private))
    );
    assert_eq!(p.check("api.test", ip("8.8.8.8")), Ok(()));
    assert_eq!(
        p.check("api.test", ip("169.254.169.254")),
        Err(Rule::LinkLocalOrMetadata(Metadata))
    );
    assert_eq!(
        p.check("169.254.169.254", ip("169.254.169.254")),
        Err(Rule::LinkLocalOrMetadata(Metadata))
    );
}

#[test]
fn allow_link_local_lifts_only_the_link_local_rule() {
    let open = policy(true, false, None);
    assert_eq!(open.check("x.test", ip("169.254.169.254")), Ok(()));
    let listed = policy(true, true, Some("api.test"));
    assert_eq!(listed.check("api.test", ip("169.254.169.254")), Ok(()));
    assert_eq!(
        listed.check("other.test", ip("169.254.169.254")),
        Err(Rule::NotAllowListed)
    );
    assert_eq!(
        listed.check("api.test", ip("127.0.0.1")),
        Err(Rule::PrivateDenied(Loopback))
    );
}
