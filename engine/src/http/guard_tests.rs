use super::*;
use crate::http::allow_list::AllowList;
use crate::http::policy::AddressClass;
use std::collections::HashMap;

fn policy(allow_link_local: bool, deny_private: bool, allow: Option<&str>) -> OutboundPolicy {
    OutboundPolicy {
        allow_link_local,
        deny_private_networks: deny_private,
        allow_hosts: allow.map(|spec| AllowList::parse(spec).expect("allow-list")),
    }
}

#[test]
fn checks_literal_hosts_in_urls() {
    let blocked = [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]:8080/",
        "http://100.100.100.200/latest/meta-data/",
        "http://192.0.0.192/",
        // WHATWG URL parsing normalizes these spellings to 169.254.169.254.
        "http://2852039166/",
        "http://0xa9.0xfe.0xa9.0xfe/",
        "http://0251.0376.0251.0376/",
        "http://169.254.169.254./",
    ];
    let default = OutboundPolicy::default();
    let opted_in = policy(true, false, None);
    for u in blocked {
        let url = Url::parse(u).expect("test url");
        assert!(check_host(&url, &default).is_err(), "{u} should be blocked");
        assert!(
            check_host(&url, &opted_in).is_ok(),
            "{u} allowed when opted in"
        );
    }
    let private = [
        "http://127.0.0.1:1/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://10.0.0.1/",
    ];
    let deny = policy(false, true, None);
    for u in private {
        let url = Url::parse(u).expect("test url");
        assert!(check_host(&url, &default).is_ok(), "{u} passes by default");
        assert!(
            check_host(&url, &deny).is_err(),
            "{u} refused under deny-private"
        );
    }
    let url = Url::parse("http://example.com/").expect("test url");
    assert!(
        check_host(&url, &deny).is_ok(),
        "names are left to the resolver"
    );
    let err = check_host(&Url::parse("http://[::1]:9/").expect("url"), &deny).expect_err("::1");
    assert_eq!(
        (err.host.as_str(), err.rule),
        ("[::1]", Rule::PrivateDenied(AddressClass::Loopback))
    );
}

#[test]
fn refuses_a_name_if_any_address_is_refused() {
    let good: SocketAddr = "93.184.216.34:0".parse().expect("addr");
    let bad: SocketAddr = "169.254.169.254:0".parse().expect("addr");
    let default = OutboundPolicy::default();
    assert_eq!(
        check_addrs("a.test", vec![good], &default).expect("allowed"),
        vec![good]
    );
    let err = check_addrs("a.test", vec![good, bad], &default).expect_err("blocked");
    assert_eq!(err.addr, bad.ip());
    assert_eq!(err.host, "a.test");
    assert!(check_addrs("a.test", vec![good, bad], &policy(true, false, None)).is_ok());
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

fn lookup() -> Arc<dyn Lookup> {
    let table = [
        ("metadata.test", "169.254.169.254:0"),
        ("mapped.test", "[::ffff:169.254.169.254]:0"),
        ("alibaba.test", "100.100.100.200:0"),
        ("fine.test", "127.0.0.1:0"),
        ("private.test", "10.1.2.3:0"),
        ("public.test", "93.184.216.34:0"),
        ("api.svc.test", "93.184.216.35:0"),
    ];
    let mut map: HashMap<String, Vec<SocketAddr>> = table
        .iter()
        .map(|(name, addr)| ((*name).to_owned(), vec![addr.parse().expect("addr")]))
        .collect();
    map.insert(
        "split.test".to_owned(),
        vec![
            "93.184.216.34:0".parse().expect("addr"),
            "10.9.9.9:0".parse().expect("addr"),
        ],
    );
    Arc::new(MapLookup(map))
}

/// The rule that refused `name` under `policy`, or `None` when it resolves.
async fn refusal(policy: OutboundPolicy, name: &str) -> Option<Rule> {
    let resolver = GuardedResolver {
        lookup: lookup(),
        policy: Arc::new(policy),
    };
    match resolver.resolve(name.parse().expect("name")).await {
        Ok(_) => None,
        Err(e) => match e.downcast_ref::<Blocked>() {
            Some(b) => Some(b.rule),
            None => panic!("{name}: not a refusal: {e}"),
        },
    }
}

#[tokio::test]
async fn resolver_applies_the_policy_to_every_address() {
    use AddressClass::{Loopback, Metadata, Private};
    let metadata = Some(Rule::LinkLocalOrMetadata(Metadata));
    let cases: Vec<(OutboundPolicy, &str, Option<Rule>)> = vec![
        (OutboundPolicy::default(), "metadata.test", metadata),
        (OutboundPolicy::default(), "mapped.test", metadata),
        (OutboundPolicy::default(), "alibaba.test", metadata),
        (OutboundPolicy::default(), "fine.test", None),
        (OutboundPolicy::default(), "private.test", None),
        (policy(true, false, None), "metadata.test", None),
        (
            policy(false, true, None),
            "fine.test",
            Some(Rule::PrivateDenied(Loopback)),
        ),
        (
            policy(false, true, None),
            "private.test",
            Some(Rule::PrivateDenied(Private)),
        ),
        (
            policy(false, true, None),
            "split.test",
            Some(Rule::PrivateDenied(Private)),
        ),
        (policy(false, true, None), "public.test", None),
        (
            policy(false, true, Some("10.1.0.0/16")),
            "private.test",
            None,
        ),
        (
            policy(false, true, Some("private.test")),
            "private.test",
            Some(Rule::PrivateDenied(Private)),
        ),
        (
            policy(false, false, Some("*.svc.test")),
            "api.svc.test",
            None,
        ),
        (
            policy(false, false, Some("*.svc.test")),
            "public.test",
            Some(Rule::NotAllowListed),
        ),
        (
            policy(false, false, Some("93.184.216.0/24")),
            "split.test",
            Some(Rule::NotAllowListed),
        ),
        (
            policy(false, false, Some("metadata.test")),
            "metadata.test",
            metadata,
        ),
        (
            policy(false, false, Some("169.254.0.0/16")),
            "metadata.test",
            metadata,
        ),
    ];
    for (policy, name, want) in cases {
        let shown = format!("{policy:?}");
        assert_eq!(refusal(policy, name).await, want, "{name} under {shown}");
    }
    let resolver = GuardedResolver {
        lookup: lookup(),
        policy: Arc::new(OutboundPolicy::default()),
    };
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
}
