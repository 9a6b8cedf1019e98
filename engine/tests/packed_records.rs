//! Parked executions packed into one string (`store/redis/lua/packed.lua`, issue #11): what
//! is stored, that unpacking gives back every key byte for byte, the switch in
//! `<prefix>:meta`, and what stays unpacked. The reads and writes of a packed execution
//! through the `Store` API are the suite's `parked_executions_read_back` (both stores and
//! a cluster).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use baton_engine::machine::{Execution, HistoryEvent, Timer};
use baton_engine::store::{Lease, RedisStore, Store, partition_of};
use baton_engine::testing::redis_server::RedisServer;
use baton_engine::testing::store_suite::{commit, event, next, open, read_new, start};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestRunner};
use redis::{Commands, Connection};
use serde_json::json;

const PACKED: &str = include_str!("../src/store/redis/lua/packed.lua");

fn unique_prefix() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "packed{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A store on a new prefix of `server` (a new deployment: it packs), and that prefix.
async fn new_store(server: &RedisServer) -> (String, RedisStore) {
    let prefix = unique_prefix();
    let store = RedisStore::connect(&server.url(), &prefix, 4)
        .await
        .unwrap();
    (prefix, store)
}

/// A plain connection to `server`, to look at the keys.
fn connection(server: &RedisServer) -> Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

/// Runs `body` with packed.lua's functions in front of it.
fn eval(con: &mut Connection, body: &str, keys: &[&str]) -> redis::Value {
    let script = redis::Script::new(&format!("{PACKED}\n{body}"));
    let mut call = script.prepare_invoke();
    keys.iter().for_each(|k| {
        call.key(*k);
    });
    call.invoke(con).expect("the script runs")
}

/// The record, history and tokens keys of `id`.
fn keys(prefix: &str, id: &str) -> [String; 3] {
    let p = partition_of(id, 4);
    ["x", "h", "k"].map(|k| format!("{prefix}:{{p{p}}}:{k}:{id}"))
}

/// What the three keys hold: the type of the record key, its hash (sorted), the history,
/// the tokens (sorted).
type Snapshot = (
    String,
    BTreeMap<String, String>,
    Vec<String>,
    BTreeMap<String, String>,
);

fn snapshot(con: &mut Connection, [x, h, k]: &[String; 3]) -> Snapshot {
    let kind: String = redis::cmd("TYPE").arg(x).query(con).unwrap();
    let fields = if kind == "hash" {
        con.hgetall(x).unwrap()
    } else {
        BTreeMap::new()
    };
    (
        kind,
        fields,
        con.lrange(h, 0, -1).unwrap(),
        con.hgetall(k).unwrap(),
    )
}

fn memory(con: &mut Connection, keys: &[String; 3]) -> i64 {
    (keys.iter())
        .map(|k| {
            let used: Option<i64> = redis::cmd("MEMORY").arg("USAGE").arg(k).query(con).unwrap();
            used.unwrap_or(0)
        })
        .sum()
}

fn task_event(id: u64, kind: &str, input: &str) -> HistoryEvent {
    HistoryEvent {
        details: json!({"name": "Wait for approval", "input": input, "resource": "callback"})
            .into(),
        timestamp_ms: 1_796_602_328_066 + id as i64,
        ..event(id, kind)
    }
}

/// Starts `id` and commits it parked in a callback task (as a `.waitForTaskToken` does).
async fn park(store: &RedisStore, id: &str) -> (Lease, Execution) {
    let mut record = start(store, id, 1_796_602_328_066, vec![]).await;
    record.input = json!({"order": 12345, "customer": "c-1"});
    let input = record.input.to_string();
    let p = partition_of(id, 4);
    let lease = store.acquire(p, "w", 60_000).await.unwrap().unwrap();
    let mut request = next(&record);
    for (n, kind) in [
        (2, "TaskStateEntered"),
        (3, "TaskScheduled"),
        (4, "TaskStarted"),
    ] {
        request.record.head.events += 1;
        request.history.push(task_event(n, kind, &input));
    }
    request.tokens_opened = vec![open("Wait for approval/1", Some((9, 86_400)))];
    request.timers_set = vec![Timer {
        id: 9,
        due_ms: 1_796_688_728_069,
    }];
    request.acks = read_new(store, &lease)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    request.active = false;
    let parked = commit(store, &lease, request).await;
    (lease, parked)
}

/// The same parked execution under two prefixes, one packing and one not: the packed one
/// is one string (and smaller), unpacking it gives the other's keys byte for byte, and
/// packing the other gives the very same string.
#[tokio::test]
async fn a_parked_execution_is_one_string_that_unpacks_byte_for_byte() {
    let server = RedisServer::start().expect("redis-server (apt-get install redis-server)");
    let (on, packing) = new_store(&server).await;
    let (off, plain) = new_store(&server).await;
    assert!(packing.packs_parked(), "a new deployment packs");
    assert!(!plain.set_pack_parked(false).await.unwrap());
    let id = "park:e999999";
    park(&packing, id).await;
    park(&plain, id).await;
    let mut con = connection(&server);
    let (packed_keys, plain_keys) = (keys(&on, id), keys(&off, id));

    let unpacked = snapshot(&mut con, &plain_keys);
    assert_eq!(unpacked.0, "hash");
    assert_eq!((unpacked.2.len(), unpacked.3.len()), (4, 1));
    let blob: String = con.get(&packed_keys[0]).unwrap();
    assert!(blob.starts_with("#1\u{1e}"), "{blob:?}");
    let exists: i64 = con.exists(&packed_keys[1..]).unwrap();
    assert_eq!(exists, 0, "the history and tokens are in the string");
    let (small, large) = (
        memory(&mut con, &packed_keys),
        memory(&mut con, &plain_keys),
    );
    println!(
        "{} bytes of blob; MEMORY USAGE {small} packed, {large} as three keys",
        blob.len()
    );
    assert!(small * 3 < large * 2, "{small} packed against {large}");

    let [x, h, k] = packed_keys.each_ref().map(String::as_str);
    let done = eval(
        &mut con,
        "return packed_unpack(KEYS[1], KEYS[2], KEYS[3], redis.call('GET', KEYS[1])) and 1 or 0",
        &[x, h, k],
    );
    assert_eq!(done, redis::Value::Int(1));
    assert_eq!(snapshot(&mut con, &packed_keys), unpacked, "byte for byte");
    let [x, h, k] = plain_keys.each_ref().map(String::as_str);
    let done = eval(
        &mut con,
        "return packed_pack(KEYS[1], KEYS[2], KEYS[3]) and 1 or 0",
        &[x, h, k],
    );
    assert_eq!(done, redis::Value::Int(1));
    let again: String = con.get(x).unwrap();
    assert_eq!(
        again, blob,
        "packing is a function of the keys' contents and the id"
    );
}

/// Off in `<prefix>:meta`, parking writes the three keys, for every process on the prefix;
/// what was packed before stays readable and is unpacked, not packed again, when it moves.
#[tokio::test]
async fn the_switch_is_per_prefix_and_packed_executions_outlive_it() {
    let server = RedisServer::start().expect("redis-server (apt-get install redis-server)");
    let (prefix, first) = new_store(&server).await;
    let (lease, before) = park(&first, "park:before").await;
    let mut con = connection(&server);
    let kind = |con: &mut Connection, id: &str| -> String {
        redis::cmd("TYPE")
            .arg(&keys(&prefix, id)[0])
            .query(con)
            .unwrap()
    };
    assert_eq!(kind(&mut con, "park:before"), "string");

    assert!(!first.set_pack_parked(false).await.unwrap());
    let second = RedisStore::connect(&server.url(), &prefix, 4)
        .await
        .unwrap();
    assert!(!second.packs_parked(), "read from meta at connect");
    park(&second, "park:after").await;
    assert_eq!(kind(&mut con, "park:after"), "hash");
    assert_eq!(
        first.load_execution("park:before").await.unwrap(),
        Some(before.clone())
    );
    let mut request = next(&before);
    request.active = false;
    let p = partition_of("park:before", 4);
    let lease = if lease.partition == p {
        lease
    } else {
        first.acquire(p, "w", 60_000).await.unwrap().unwrap()
    };
    let moved = commit(&first, &lease, request).await;
    assert_eq!(
        kind(&mut con, "park:before"),
        "hash",
        "unpacked, not packed again"
    );
    assert_eq!(
        first.load_execution("park:before").await.unwrap(),
        Some(moved)
    );

    let json: String = con.hget(format!("{prefix}:meta"), "pack-parked").unwrap();
    assert_eq!(json, "0");
    let old_deployment = unique_prefix();
    let _: () = con
        .hset(format!("{old_deployment}:meta"), "partitions", 4)
        .unwrap();
    let upgraded = RedisStore::connect(&server.url(), &old_deployment, 4)
        .await
        .unwrap();
    assert!(
        !upgraded.packs_parked(),
        "a deployment made before packing waits for the switch"
    );
    assert!(upgraded.set_pack_parked(true).await.unwrap());
}

/// An execution too large to pack cheaply (here 300 events) keeps its three keys.
#[tokio::test]
async fn a_large_parked_execution_keeps_its_keys() {
    let server = RedisServer::start().expect("redis-server (apt-get install redis-server)");
    let (prefix, store) = new_store(&server).await;
    let id = "park:large";
    let record = start(&store, id, 1_000, vec![]).await;
    let lease = store
        .acquire(partition_of(id, 4), "w", 60_000)
        .await
        .unwrap()
        .unwrap();
    let mut request = baton_engine::testing::store_suite::with_events(next(&record), 300);
    request.active = false;
    let parked = commit(&store, &lease, request).await;
    let mut con = connection(&server);
    let kind: String = redis::cmd("TYPE")
        .arg(&keys(&prefix, id)[0])
        .query(&mut con)
        .unwrap();
    assert_eq!(kind, "hash");
    assert_eq!(store.load_execution(id).await.unwrap(), Some(parked));
}

/// A packed string that is not what packing writes — a marker no word or entry stands for,
/// a byte packing never writes, too few items, a cut header — is an error for every
/// reader, never a panic or a wrong answer, and stays as it is.
#[tokio::test]
async fn a_corrupt_packed_record_is_an_error_and_stays_as_it_is() {
    let server = RedisServer::start().expect("redis-server (apt-get install redis-server)");
    let (prefix, store) = new_store(&server).await;
    let id = "park:corrupt";
    park(&store, id).await;
    let mut con = connection(&server);
    let x = &keys(&prefix, id)[0];
    let good: Vec<u8> = con.get(x).unwrap();
    let body = good.len() - 1; // before the last separator
    let spliced = |at: usize, bytes: &[u8]| [&good[..at], bytes, &good[at..]].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("an unknown word", spliced(body, b"\x1f\x1c")),
        ("an unknown entry", spliced(body, b"\x1d")),
        ("a word marker alone", spliced(body, b"\x1f")),
        ("a NUL byte", spliced(body, b"\0")),
        ("a newline", spliced(body, b"\n")),
        ("an item missing", good[..good.len() - 1].to_vec()),
        ("a cut header", good[..6].to_vec()),
    ];
    for (what, bytes) in cases {
        let _: () = con.set(x, &bytes).unwrap();
        let loaded = store.load_execution(id).await;
        assert!(loaded.is_err(), "{what}: {loaded:?}");
        let history = store.history(id, 1, 10, false).await;
        assert!(history.is_err(), "{what}: {history:?}");
        let kept: Vec<u8> = con.get(x).unwrap();
        assert_eq!(kept, bytes, "{what}: the string is left as it was");
        // packed.lua itself refuses it (not only the JSON parser after it).
        let read = redis::Script::new(&format!(
            "{PACKED}\nreturn packed_read(KEYS[1], redis.call('GET', KEYS[1])) and 1 or 0"
        ))
        .key(x)
        .invoke::<i64>(&mut con);
        let refused = read.expect_err(what).to_string();
        assert!(
            refused.contains("is corrupt") || refused.contains("is truncated"),
            "{what}: {refused}"
        );
        println!("{what}: {}", loaded.unwrap_err());
    }
    let _: () = con.set(x, &good).unwrap();
    assert!(store.load_execution(id).await.unwrap().is_some());
}

/// Pieces that collide with the format: ids, markers' neighbours, digits of timestamps,
/// JSON punctuation, the magic, the static words.
fn piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "sm:name-1",
        "name-1",
        "sm",
        "{\"s\":\"",
        "State one",
        "\"",
        "\\",
        "%",
        "%%1",
        "1796602328",
        "066",
        "#1",
        "|",
        ":",
        "}:x:",
        "{",
        "}",
        "[",
        ",",
        "i",
        "h",
        "q",
        "0",
        "{\"order\":12345,\"customer\":\"c-1\"}",
        "é",
        "\u{1F600}",
        // Words of packed.lua's static table, and pieces of them.
        "\",\"st\":\"RUNNING\",\"t0\":",
        "\"waitForTaskToken\"",
        ",\"x\":{\"T\":{\"a\":",
        "{\"id\":\"",
        "\"arn:aws:states:",
        ":stateMachine:",
        ",\"le\":",
        "RUNNING",
        "\"t0\":",
    ])
    .prop_map(str::to_owned)
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..12).prop_map(|p| p.concat())
}

/// Whatever the keys hold, packing then unpacking gives them back byte for byte, and a read
/// of the packed string gives the same fields, tokens and events; text with a control byte
/// is not packed and nothing changes. 300 cases on one redis-server, stopped when the test
/// ends (a runner of our own rather than `proptest!`, whose cases would need the server in
/// a static, never dropped).
#[test]
fn packing_round_trips_any_contents() {
    let server = RedisServer::start().expect("redis-server (apt-get install redis-server)");
    let client = redis::Client::open(server.url()).unwrap();
    let config = ProptestConfig {
        cases: 300,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    };
    let contents = (
        prop::sample::select(vec!["sm:name-1", "a:b", "sm:x:y", "s m:é", "sm:State one"]),
        text(),
        text(),
        prop::collection::vec(text(), 0..4),
        prop::collection::btree_map(text(), text(), 0..3),
        prop::collection::vec(text(), 0..6),
        // A control byte (rarely) in one of the values.
        prop::option::weighted(
            0.1,
            (
                0..4usize,
                prop::sample::select(vec![
                    "\u{1e}", "\u{1}", "\0", "\u{1f}", "\n", "\u{1d}", "\t",
                ]),
            ),
        ),
    );
    let mut runner = TestRunner::new(config);
    let result = runner.run(&contents, |(id, input, head, frames, tokens, events, poison)| {
            // A control byte (rarely) in one of the values: such text is not packed.
            let (mut input, mut head, mut events) = (input, head, events);
            match poison {
                Some((0, c)) => input.push_str(c),
                Some((1, c)) => head.insert_str(0, c),
                Some((_, c)) => events.push(c.to_owned()),
                None => {}
            }
            let mut con = client.get_connection().unwrap();
            let keys = keys("prop", id);
            let [x, h, k] = keys.each_ref().map(String::as_str);
            let _: () = con.del(&keys[..]).unwrap();
            let mut fields = vec![("q".to_owned(), "3".to_owned()), ("h".to_owned(), head), ("i".to_owned(), input.clone())];
            for (n, f) in frames.iter().enumerate() {
                fields.push((n.to_string(), format!("{{\"s\":\"{f}\",\"in\":{input}}}")));
            }
            let _: () = con.hset_multiple(x, &fields).unwrap();
            if !events.is_empty() { let _: () = con.rpush(h, &events).unwrap(); }
            if !tokens.is_empty() {
                let pairs: Vec<(&String, &String)> = tokens.iter().collect();
                let _: () = con.hset_multiple(k, &pairs).unwrap();
            }
            let before = snapshot(&mut con, &keys);
            let packed = eval(&mut con, "return packed_pack(KEYS[1], KEYS[2], KEYS[3]) and 1 or 0", &[x, h, k]);
            let all = fields.iter().flat_map(|(f, v)| [f, v]).chain(tokens.iter().flat_map(|(f, v)| [f, v])).chain(&events);
            let control = all.clone().any(|t| t.bytes().any(|b| b < 32));
            prop_assert_eq!(control, poison.is_some());
            if control {
                prop_assert_eq!(packed, redis::Value::Int(0));
                prop_assert_eq!(snapshot(&mut con, &keys), before);
                return Ok(());
            }
            prop_assert_eq!(packed, redis::Value::Int(1));
            let read = eval(&mut con, "local p = packed_read(KEYS[1], redis.call('GET', KEYS[1])) return {p.fields, p.tokens, p.events}", &[x]);
            let (f, t, e): (Vec<String>, Vec<String>, Vec<String>) = redis::from_redis_value(read).unwrap();
            let pairs = |v: Vec<String>| v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect::<BTreeMap<_, _>>();
            prop_assert_eq!(&pairs(f), &before.1);
            prop_assert_eq!(&e, &before.2);
            prop_assert_eq!(&pairs(t), &before.3);
            let done = eval(&mut con, "return packed_unpack(KEYS[1], KEYS[2], KEYS[3], redis.call('GET', KEYS[1])) and 1 or 0", &[x, h, k]);
            prop_assert_eq!(done, redis::Value::Int(1));
            prop_assert_eq!(snapshot(&mut con, &keys), before);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
