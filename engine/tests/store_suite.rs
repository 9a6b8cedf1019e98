//! The store conformance suite (`baton_engine::testing::store_suite`) against both stores:
//! `MemoryStore`, and `RedisStore` on a `redis-server` of its own per test.

use std::sync::atomic::{AtomicU32, Ordering};

use baton_engine::store::{MemoryStore, QueueRead, RedisStore};
use baton_engine::testing::redis_server::RedisServer;

/// A key prefix no other test uses.
fn unique_prefix() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "suite{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

mod memory {
    use super::*;

    async fn store() -> Option<(MemoryStore, ())> {
        Some((MemoryStore::new(4), ()))
    }

    baton_engine::store_suite!(store);
}

mod redis {
    use super::*;

    async fn store() -> Option<(RedisStore, RedisServer)> {
        let server = RedisServer::start()?;
        let store = RedisStore::connect(&server.url(), &unique_prefix(), 4)
            .await
            .expect("connect to the test redis-server");
        Some((store, server))
    }

    baton_engine::store_suite!(store);
}

/// The suite again on a single-node Redis Cluster (cluster mode, owning every slot): the
/// server refuses any script or multi-key command whose keys are not in one slot, so this
/// checks the hash tags. One server for the whole suite (each case on its own prefix):
/// a cluster node takes 2 s to accept writes.
mod redis_cluster_mode {
    use std::time::{Duration, Instant};

    use super::*;

    async fn server() -> Option<RedisServer> {
        let server = RedisServer::start_with(&[
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
        ])?;
        let client = ::redis::Client::open(server.url()).unwrap();
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = ::redis::cmd("CLUSTER")
            .arg("ADDSLOTSRANGE")
            .arg(0)
            .arg(16383)
            .query_async(&mut con)
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let info: String = ::redis::cmd("CLUSTER")
                .arg("INFO")
                .query_async(&mut con)
                .await
                .unwrap();
            if info.contains("cluster_state:ok") {
                return Some(server);
            }
            assert!(Instant::now() < deadline, "cluster never became ok: {info}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn store(server: &RedisServer) -> RedisStore {
        RedisStore::connect(&server.url(), &unique_prefix(), 4)
            .await
            .unwrap()
    }

    baton_engine::store_suite!(sequential whole_suite, server, store);
}

/// The suite on a Redis Cluster of 3 masters and 3 replicas, through the cluster client:
/// the partitions' slots spread over the masters, commands follow their slot, listing
/// reads several slots. One cluster for the whole suite, each case on its own prefix.
mod redis_cluster {
    use baton_engine::testing::redis_cluster::RedisCluster;

    use super::*;

    async fn server() -> Option<RedisCluster> {
        tokio::task::spawn_blocking(|| RedisCluster::start(3, 1))
            .await
            .unwrap()
    }

    async fn store(cluster: &RedisCluster) -> RedisStore {
        RedisStore::connect_cluster(&cluster.urls(), &unique_prefix(), 8)
            .await
            .unwrap()
    }

    baton_engine::store_suite!(sequential whole_suite_on_three_masters, server, store);
}

/// What only the Redis store has: its key layout, the stored partition count, corrupt
/// data, its blocking reads and reconnection.
mod redis_only {
    use std::time::{Duration, Instant};

    use ::redis::aio::MultiplexedConnection;
    use baton_engine::machine::{QueuedEvent, Timer};
    use baton_engine::store::{CallbackError, CallbackMessage, Store, StoreError, partition_of};
    use baton_engine::testing::store_suite::{
        commit, finish, ids_in, next, open, start, stop, with_events,
    };
    use serde_json::{Value, json};

    use super::*;

    struct Setup {
        server: RedisServer,
        store: RedisStore,
        raw: MultiplexedConnection,
        prefix: String,
    }

    async fn setup() -> Option<Setup> {
        let server = RedisServer::start()?;
        let prefix = unique_prefix();
        let store = RedisStore::connect(&server.url(), &prefix, 4)
            .await
            .unwrap();
        let client = ::redis::Client::open(server.url()).unwrap();
        let raw = client.get_multiplexed_async_connection().await.unwrap();
        Some(Setup {
            server,
            store,
            raw,
            prefix,
        })
    }

    async fn query<T: ::redis::FromRedisValue>(
        con: &mut MultiplexedConnection,
        args: &[&str],
    ) -> T {
        let mut cmd = ::redis::cmd(args[0]);
        for arg in &args[1..] {
            cmd.arg(*arg);
        }
        cmd.query_async(con).await.unwrap()
    }

    /// Script calls (`EVALSHA`) that ran on the server so far, from `INFO commandstats`. A
    /// first call of a script on a new server fails with NOSCRIPT and redis-rs loads the
    /// script and calls it again: failed calls are not counted.
    async fn script_calls(con: &mut MultiplexedConnection) -> u64 {
        let info: String = query(con, &["INFO", "commandstats"]).await;
        let stats = (info.lines())
            .find_map(|l| l.strip_prefix("cmdstat_evalsha:"))
            .unwrap_or_default();
        let stat = |name: &str| -> u64 {
            (stats.split(','))
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        stat("calls") - stat("failed_calls")
    }

    #[tokio::test]
    async fn partition_count_is_fixed_per_prefix() {
        let Some(Setup { server, store, .. }) = setup().await else {
            return;
        };
        assert_eq!(store.partitions(), 4);
        let prefix = store_prefix(&store);
        let again = RedisStore::connect(&server.url(), &prefix, 16)
            .await
            .unwrap();
        assert_eq!(again.partitions(), 4, "the stored count wins");
        let other = RedisStore::connect(&server.url(), "other", 16)
            .await
            .unwrap();
        assert_eq!(other.partitions(), 16);
        for bad in ["", "a{b", "x}"] {
            assert!(
                RedisStore::connect(&server.url(), bad, 4).await.is_err(),
                "{bad:?}"
            );
        }
    }

    fn store_prefix(store: &RedisStore) -> String {
        let debug = format!("{store:?}");
        let start = debug.find("prefix: \"").unwrap() + 9;
        debug[start..start + debug[start..].find('"').unwrap()].to_owned()
    }

    #[tokio::test]
    async fn keys_follow_the_documented_layout() {
        let Some(Setup {
            server: _server,
            store,
            mut raw,
            prefix,
        }) = setup().await
        else {
            return;
        };
        let id = "layout:one";
        let p = partition_of(id, 4);
        let record = start(
            &store,
            id,
            1_234,
            vec![Timer {
                id: 3,
                due_ms: 9_000,
            }],
        )
        .await;
        let base = format!("{prefix}:{{p{p}}}:");
        let seq: String = query(&mut raw, &["HGET", &format!("{base}x:{id}"), "q"]).await;
        assert_eq!(seq, "0", "the record is a hash: `q` its seq");
        let head: String = query(&mut raw, &["HGET", &format!("{base}x:{id}"), "h"]).await;
        assert!(
            head.starts_with('{') && !head.contains("\"f\""),
            "`h` the head: {head}"
        );
        let frame: String = query(&mut raw, &["HGET", &format!("{base}x:{id}"), "0"]).await;
        assert!(frame.contains("\"s\":\"Start\""), "frame 0 apart: {frame}");
        let history: i64 = query(&mut raw, &["LLEN", &format!("{base}h:{id}")]).await;
        assert_eq!(history, 1);
        let due: f64 = query(
            &mut raw,
            &["ZSCORE", &format!("{base}t"), &format!("{id}|3")],
        )
        .await;
        assert_eq!(due, 9_000.0);
        let active: bool = query(&mut raw, &["SISMEMBER", &format!("{base}a"), id]).await;
        assert!(active);
        let queued: i64 = query(&mut raw, &["XLEN", &format!("{base}q")]).await;
        assert_eq!(queued, 1);
        let listed: f64 = query(
            &mut raw,
            &["ZSCORE", &format!("{base}l:layout:RUNNING"), id],
        )
        .await;
        assert_eq!(listed, 1_234.0);
        let counted: String = query(&mut raw, &["HGET", &format!("{base}n"), "RUNNING"]).await;
        assert_eq!(counted, "1");

        let lease = store.acquire(p, "w", 60_000).await.unwrap().unwrap();
        let holder: String = query(&mut raw, &["GET", &format!("{base}lease")]).await;
        assert_eq!(holder, lease.token);
        let wake = store
            .read_queue(&lease, QueueRead::New, 10, 0)
            .await
            .unwrap()
            .remove(0);
        let mut request = with_events(next(&record), 1);
        request
            .tokens_opened
            .push(baton_engine::machine::OpenToken {
                key: "Task/1".into(),
                heartbeat: Some((4, 30)),
            });
        request.acks.push(wake.id);
        commit(&store, &lease, request).await;
        let token: String = query(&mut raw, &["HGET", &format!("{base}k:{id}"), "Task/1"]).await;
        assert_eq!(token, "o|4|30");
        let queued: i64 = query(&mut raw, &["XLEN", &format!("{base}q")]).await;
        assert_eq!(queued, 0, "acknowledged entries are deleted");
    }

    /// A history list may hold events written by earlier versions (details as AWS's
    /// object, or the whole event as an object) before the ones written now (details as
    /// numbered pairs, JSON text embedded): `history` reads them all, in order, as written.
    #[tokio::test]
    async fn histories_written_by_earlier_versions_are_read() {
        let Some(Setup {
            server: _server,
            store,
            mut raw,
            prefix,
        }) = setup().await
        else {
            return;
        };
        let id = "upgrade:one";
        let p = partition_of(id, 4);
        start(&store, id, 1_000, vec![]).await;
        let key = format!("{prefix}:{{p{p}}}:h:{id}");
        let stored: Vec<String> = query(&mut raw, &["LRANGE", &key, "0", "-1"]).await;
        assert_eq!(stored.len(), 1);
        let ours = store.history(id, 1, 10, false).await.unwrap();
        // Replace it with what two earlier versions wrote, then add one of this version's.
        let _: i64 = query(&mut raw, &["DEL", &key]).await;
        let old_object = r#"{"id":1,"prev":0,"ts":5,"type":"ExecutionStarted","d":{"input":"{\"a\": 1}","roleArn":"arn:r"}}"#;
        let old_array = r#"[2,6,6,{"name":"A","input":"{\"a\":1}"}]"#;
        let new = r#"[3,7,8,[6,"http",5,"invoke",-8,{"a":1},"somethingNew","{\"b\":2}"]]"#;
        let _: i64 = query(&mut raw, &["RPUSH", &key, old_object, old_array, new]).await;
        let read = store.history(id, 1, 10, false).await.unwrap();
        let got: Vec<(u64, i64, &str, Value)> = read
            .iter()
            .map(|e| {
                (
                    e.id,
                    e.timestamp_ms,
                    e.kind.as_ref(),
                    e.details.value().into_owned(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    1,
                    5,
                    "ExecutionStarted",
                    json!({"input": "{\"a\": 1}", "roleArn": "arn:r"})
                ),
                (
                    2,
                    6,
                    "TaskStateEntered",
                    json!({"name": "A", "input": "{\"a\":1}"})
                ),
                (
                    3,
                    7,
                    "TaskScheduled",
                    json!({"resourceType": "http", "resource": "invoke",
                           "parameters": "{\"a\":1}", "somethingNew": "{\"b\":2}"})
                ),
            ]
        );
        // This version's own event, as it wrote it: its details in the short form.
        assert!(stored[0].ends_with(r#",0,[0,"S1"]]"#), "{}", stored[0]);
        assert_eq!(ours[0].details, json!({"name": "S1"}));
    }

    /// `read_queue` reads a small record with an execution's first entry of a claim (the
    /// worker then needs no load of its own), not with its later entries, and not a
    /// record of more than 32 fields (a large Parallel's or Map's): the actor loads those.
    #[tokio::test]
    async fn queue_entries_bring_small_records() {
        let Some(Setup {
            server: _server,
            store,
            mut raw,
            prefix,
        }) = setup().await
        else {
            return;
        };
        let p = 1;
        let ids = ids_in(&store, p, "prefetch", 2);
        let (small, large) = (&ids[0], &ids[1]);
        start(&store, small, 1_000, vec![]).await;
        start(&store, large, 1_000, vec![]).await;
        store.send_event(small, stop()).await.unwrap();
        // Fields this version does not read; they count towards the record's size.
        let key = format!("{prefix}:{{p{p}}}:x:{large}");
        for f in 0..40 {
            let _: i64 = query(&mut raw, &["HSET", &key, &format!("z{f}"), "x"]).await;
        }
        let lease = store.acquire(p, "w", 60_000).await.unwrap().unwrap();
        let entries = store
            .read_queue(&lease, QueueRead::New, 10, 0)
            .await
            .unwrap();
        let got: Vec<(&str, bool)> = entries
            .iter()
            .map(|e| (e.execution.as_str(), e.prefetched.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                (small.as_str(), true),
                (large.as_str(), false),
                (small.as_str(), false)
            ]
        );
        let loaded = store.load_execution(small).await.unwrap();
        assert_eq!(entries[0].prefetched.as_deref(), loaded.as_ref());
    }

    /// After a claim that took every new entry, the next blocking read claims nothing
    /// until the partition is rung (an event queued for it), then takes the new entry at
    /// once: one script call per wake-up. Under another lease the hint does not count.
    #[tokio::test]
    async fn a_drained_queue_is_claimed_again_only_when_rung() {
        let Some(Setup {
            server: _server,
            store,
            mut raw,
            ..
        }) = setup().await
        else {
            return;
        };
        let p = 2;
        let ids = ids_in(&store, p, "drained", 1);
        let id = &ids[0];
        start(&store, id, 1_000, vec![]).await;
        let lease = store.acquire(p, "w", 60_000).await.unwrap().unwrap();
        let first = store
            .read_queue(&lease, QueueRead::New, 10, 0)
            .await
            .unwrap();
        assert_eq!(first.len(), 1, "the start's wake");
        let blocked = |ms| {
            let (store, lease) = (store.clone(), lease.clone());
            tokio::spawn(async move { store.read_queue(&lease, QueueRead::New, 10, ms).await })
        };
        // A blocking read woken by a ring takes one entry of the ten asked for: the queue
        // is drained. (Rung while it waits, so no ring is left over for the next read.)
        let reader = blocked(5_000);
        tokio::time::sleep(Duration::from_millis(200)).await;
        store.send_event(id, stop()).await.unwrap();
        assert_eq!(reader.await.unwrap().unwrap().len(), 1);
        let before = script_calls(&mut raw).await;
        let reader = blocked(20_000);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let waiting = script_calls(&mut raw).await;
        assert_eq!(waiting, before, "no claim while nothing was queued");
        let rung = Instant::now();
        store.send_event(id, stop()).await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), reader)
            .await
            .expect("the ring wakes the read")
            .unwrap()
            .unwrap();
        assert_eq!(got.len(), 1);
        assert!(
            rung.elapsed() < Duration::from_secs(2),
            "{:?}",
            rung.elapsed()
        );
        // A new lease of the same partition does not inherit the hint: it claims at once
        // what was queued while nobody held the partition (no ring reached anyone).
        store.release(&lease).await.unwrap();
        store.send_event(id, stop()).await.unwrap();
        let next = store.acquire(p, "w2", 60_000).await.unwrap().unwrap();
        let _ = store
            .read_queue(&next, QueueRead::Pending { after: None }, 10, 0)
            .await;
        let started = Instant::now();
        let got = store
            .read_queue(&next, QueueRead::New, 10, 20_000)
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    /// A callback delivered while this process reads the partition is claimed by the
    /// delivery's own script and handed to the reader (`handoff.rs`): the reader takes it
    /// with its record and no claim of its own — one script call in all. Entries still go
    /// out in queue order: a callback handed, then a stop queued after it.
    #[tokio::test]
    async fn callbacks_are_handed_to_a_reader_of_this_process() {
        let Some(Setup {
            server: _server,
            store,
            mut raw,
            ..
        }) = setup().await
        else {
            return;
        };
        let p = 1;
        let ids = ids_in(&store, p, "handed", 2);
        let lease = store.acquire(p, "w", 60_000).await.unwrap().unwrap();
        for id in &ids {
            start(&store, id, 1_000, vec![]).await;
        }
        let wakes = store
            .read_queue(&lease, QueueRead::New, 10, 0)
            .await
            .unwrap();
        assert_eq!(wakes.len(), 2);
        for wake in wakes {
            let record = store
                .load_execution(&wake.execution)
                .await
                .unwrap()
                .unwrap();
            let mut request = next(&record);
            request.tokens_opened.push(open("Task/1", None));
            request.acks.push(wake.id.clone());
            request.active = false;
            commit(&store, &lease, request).await;
        }
        let blocked = || {
            let (store, lease) = (store.clone(), lease.clone());
            tokio::spawn(async move { store.read_queue(&lease, QueueRead::New, 10, 20_000).await })
        };
        // The starts rang: short reads take those rings, so the next read waits.
        for _ in 0..2 {
            let read = store.read_queue(&lease, QueueRead::New, 10, 100).await;
            assert!(read.unwrap().is_empty());
        }
        // A blocking read waits (it claims once, finds nothing, and waits for a ring).
        let reader = blocked();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = script_calls(&mut raw).await;
        let delivered = Instant::now();
        store
            .deliver_callback(&ids[0], "Task/1", finish("Task", 1), 2_000)
            .await
            .unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), reader)
            .await
            .expect("handed at once")
            .unwrap()
            .unwrap();
        let after = script_calls(&mut raw).await;
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].execution, ids[0]);
        assert!(matches!(got[0].event, QueuedEvent::Callback { .. }));
        let record = store.load_execution(&ids[0]).await.unwrap();
        assert_eq!(
            got[0].prefetched.as_deref(),
            record.as_ref(),
            "read with it"
        );
        assert!(delivered.elapsed() < Duration::from_secs(2));
        assert_eq!(after - before, 1, "the delivery's script only: no claim");

        // Not reading now: a callback, then a stop queued after it. The callback is
        // handed, the stop rings; they come out in that order.
        store
            .deliver_callback(&ids[1], "Task/1", finish("Task", 1), 2_000)
            .await
            .unwrap();
        store.send_event(&ids[0], stop()).await.unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            let read = store.read_queue(&lease, QueueRead::New, 10, 5_000);
            got.extend(
                tokio::time::timeout(Duration::from_secs(6), read)
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        let order: Vec<(&str, bool)> = (got.iter())
            .map(|e| {
                (
                    e.execution.as_str(),
                    matches!(e.event, QueuedEvent::Callback { .. }),
                )
            })
            .collect();
        assert_eq!(order, [(ids[1].as_str(), true), (ids[0].as_str(), false)]);
        // Nothing left unread, and both are pending for this lease until acknowledged.
        let pending = store
            .read_queue(&lease, QueueRead::Pending { after: None }, 10, 0)
            .await
            .unwrap();
        assert_eq!(
            pending.len(),
            3,
            "the first callback, the second and the stop"
        );
    }

    /// Writes Redis refuses — out of memory, read-only — are errors that say the store is
    /// unavailable for now (the API answers 503), in words, and change nothing.
    #[tokio::test]
    async fn refused_writes_are_unavailable_not_internal() {
        let Some(Setup {
            server,
            store,
            mut raw,
            ..
        }) = setup().await
        else {
            return;
        };
        let record = baton_engine::testing::store_suite::execution("refused:one", 1_000);
        let used = server.info("memory")["used_memory"].clone();
        server.config_set("maxmemory-policy", "noeviction");
        server.config_set("maxmemory", &used);
        let refused = store
            .start_execution(record.clone(), vec![], vec![])
            .await
            .expect_err("refused");
        let why = refused.unavailable().unwrap_or_else(|| panic!("{refused}"));
        assert!(why.contains("out of memory"), "{why}");
        assert_eq!(refused.kind(), "oom");
        server.config_set("maxmemory", "0");
        let _: () = query(&mut raw, &["REPLICAOF", "127.0.0.1", "1"]).await;
        let refused = store
            .start_execution(record, vec![], vec![])
            .await
            .expect_err("refused");
        let why = refused.unavailable().unwrap_or_else(|| panic!("{refused}"));
        assert!(why.contains("read-only"), "{why}");
        assert_eq!(store.load_execution("refused:one").await.unwrap(), None);
    }

    /// An event left in the dead letters as unknown (by a newer version) goes back to the
    /// queue when a worker that can read it takes the partition; others stay.
    #[tokio::test]
    async fn readable_unknown_dead_letters_are_queued_again() {
        let Some(Setup {
            server: _server,
            store,
            mut raw,
            prefix,
        }) = setup().await
        else {
            return;
        };
        let dead = format!("{prefix}:{{p0}}:d");
        for (x, e, u) in [
            ("sm:a", "{\"e\":\"wake\"}", "1"),
            ("sm:b", "{\"e\":\"still-unknown\"}", "1"),
            ("sm:c", "{\"e\":\"timer\",\"timer\":\"x\"}", "0"),
        ] {
            let _: String = query(
                &mut raw,
                &[
                    "XADD", &dead, "*", "s", "queue", "x", x, "v", e, "r", "r", "u", u,
                ],
            )
            .await;
        }
        let lease = store.acquire(0, "w", 60_000).await.unwrap().unwrap();
        assert_eq!(store.requeue_dead_letters(&lease).await.unwrap(), 1);
        let read = store
            .read_queue(&lease, QueueRead::New, 10, 0)
            .await
            .unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].execution, "sm:a");
        let left = store.dead_letters(0, None, 10).await.unwrap();
        let left: Vec<&str> = left.iter().filter_map(|d| d.execution.as_deref()).collect();
        assert_eq!(left, ["sm:b", "sm:c"]);
        assert_eq!(store.requeue_dead_letters(&lease).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn corrupt_data_is_an_error_not_a_panic() {
        let Some(Setup {
            server,
            store,
            mut raw,
            prefix,
        }) = setup().await
        else {
            return;
        };
        let id = "corrupt:one";
        let p = partition_of(id, 4);
        let base = format!("{prefix}:{{p{p}}}:");
        start(&store, id, 1_000, vec![]).await;
        let _: () = query(&mut raw, &["HSET", &format!("{base}x:{id}"), "h", "{nope"]).await;
        let _: () = query(&mut raw, &["RPUSH", &format!("{base}h:{id}"), "[]"]).await;
        let _: () = query(&mut raw, &["HSET", &format!("{base}k:{id}"), "T/1", "?"]).await;
        assert!(matches!(
            store.load_execution(id).await,
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            store.history(id, 1, 10, false).await,
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            store.list_executions("corrupt", None, None, 10).await,
            Err(StoreError::Corrupt(_))
        ));
        let callback = store
            .deliver_callback(id, "T/1", CallbackMessage::Heartbeat, 0)
            .await;
        assert!(
            matches!(callback, Err(CallbackError::Store(_))),
            "{callback:?}"
        );
        // Unreadable queue entries go to the dead letters, the others are read.
        let lease = store.acquire(p, "w", 60_000).await.unwrap().unwrap();
        for (x, e) in [
            (id, "{\"e\":\"timer\",\"timer\":\"x\"}"),
            (id, "{\"e\":\"from-the-future\"}"),
            ("", "{\"e\":\"wake\"}"),
        ] {
            let _: String = query(
                &mut raw,
                &["XADD", &format!("{base}q"), "*", "x", x, "e", e],
            )
            .await;
        }
        let read = store
            .read_queue(&lease, QueueRead::New, 10, 0)
            .await
            .unwrap();
        assert_eq!(read.len(), 1, "only the Wake of start: {read:?}");
        let dead = store.dead_letters(p, None, 10).await.unwrap();
        let kinds: Vec<(bool, &str)> = dead
            .iter()
            .map(|d| (d.unknown, d.source.as_str()))
            .collect();
        assert_eq!(kinds, [(false, "queue"), (true, "queue"), (false, "queue")]);
        assert!(
            dead[0].reason.contains("cannot be read"),
            "{}",
            dead[0].reason
        );
        assert!(
            dead[2].reason.contains("no execution id"),
            "{}",
            dead[2].reason
        );
        assert_eq!(dead[1].execution.as_deref(), Some(id));
        let pending = QueueRead::Pending { after: None };
        assert_eq!(
            store.read_queue(&lease, pending, 10, 0).await.unwrap(),
            read
        );
        // A corrupt timer member too.
        let _: () = query(&mut raw, &["ZADD", &format!("{base}t"), "5", "no-timer-id"]).await;
        assert_eq!(store.fire_timers(&lease, 10, 10).await.unwrap(), 1);
        let dead = store.dead_letters(p, Some(&dead[2].id), 10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(
            (dead[0].source.as_str(), dead[0].data.as_str()),
            ("timer", "no-timer-id")
        );
        assert_eq!(store.partition_stats(p).await.unwrap().dead_letters, 4);
        let _: () = query(
            &mut raw,
            &["HSET", &format!("{prefix}:meta"), "partitions", "x"],
        )
        .await;
        assert!(matches!(
            RedisStore::connect(&server.url(), &prefix, 4).await,
            Err(StoreError::Corrupt(_))
        ));
    }

    /// The blocking read has its own connection: requests on the shared one are not
    /// stuck behind it, and it outlasts the shared connection's response timeout.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocking_read_does_not_stall_other_requests() {
        let Some(Setup {
            server: _server,
            store,
            ..
        }) = setup().await
        else {
            return;
        };
        let id = "blocking:one";
        let lease = store
            .acquire(partition_of(id, 4), "w", 60_000)
            .await
            .unwrap()
            .unwrap();
        let reader = {
            let (store, lease) = (store.clone(), lease.clone());
            tokio::spawn(async move { store.read_queue(&lease, QueueRead::New, 10, 6_000).await })
        };
        let begun = Instant::now();
        while begun.elapsed() < Duration::from_millis(5_500) {
            let ping = Instant::now();
            store.ping().await.unwrap();
            assert!(
                ping.elapsed() < Duration::from_secs(2),
                "{:?}",
                ping.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(!reader.is_finished(), "still waiting after 5.5 s");
        store.send_event(id, QueuedEvent::Wake).await.unwrap();
        let entries = reader.await.unwrap().unwrap();
        assert_eq!(entries.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn survives_a_server_restart() {
        let Some(Setup {
            mut server,
            store,
            raw: _raw,
            ..
        }) = setup().await
        else {
            return;
        };
        let id = "restart:one";
        let p = partition_of(id, 4);
        let lease = store.acquire(p, "w", 60_000).await.unwrap().unwrap();
        // Opens the partition's blocking connection.
        assert!(
            store
                .read_queue(&lease, QueueRead::New, 10, 50)
                .await
                .unwrap()
                .is_empty()
        );
        server.restart();
        // An empty server: the scripts and the data are gone; the store reconnects.
        let deadline = Instant::now() + Duration::from_secs(10);
        let lease = loop {
            if let Ok(Some(lease)) = store.acquire(p, "w", 60_000).await {
                break lease;
            }
            assert!(Instant::now() < deadline, "no reconnection");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        start(&store, id, 1_000, vec![]).await;
        let mut entries = Vec::new();
        while entries.is_empty() {
            match store.read_queue(&lease, QueueRead::New, 10, 50).await {
                Ok(read) => entries = read,
                Err(e) => assert!(Instant::now() < deadline, "{e}"),
            }
        }
        assert_eq!(entries[0].execution, id);
        let blocked = tokio::spawn({
            let (store, lease) = (store.clone(), lease.clone());
            async move { store.read_queue(&lease, QueueRead::New, 10, 5_000).await }
        });
        store.send_event(id, QueuedEvent::Wake).await.unwrap();
        assert_eq!(blocked.await.unwrap().unwrap().len(), 1);
    }
}

/// Measurements, not checks: run them with
/// `cargo test --release -p baton-engine --test store_suite -- --ignored --nocapture bench`.
mod bench {
    use std::time::{Duration, Instant};

    use ::redis::Script;
    use ::redis::aio::ConnectionManager;
    use baton_engine::machine::{Execution, Timer};
    use baton_engine::store::{CommitRequest, Store, partition_of};
    use baton_engine::testing::store_suite::{execution, leases, next, outcomes, with_events};
    use futures::future::join_all;
    use serde_json::json;

    use super::*;

    /// A version-checked commit, the shape of every transition's script.
    const CAS: &str = r"
        if (redis.call('HGET', KEYS[1], 'seq') or '0') ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'rec', ARGV[3])
        redis.call('RPUSH', KEYS[2], ARGV[4])
        return 1";

    #[derive(Clone)]
    enum Connections {
        Multiplexed(ConnectionManager),
        Pool(deadpool_redis::Pool),
    }

    impl Connections {
        async fn cas(&self, script: &Script, key: &str, seq: u64, record: &str) -> i64 {
            let mut call = script.prepare_invoke();
            call.key(format!("{key}:x"))
                .key(format!("{key}:h"))
                .arg(seq.wrapping_sub(1))
                .arg(seq)
                .arg(record)
                .arg(r#"{"id":1,"prev":0,"ts":0,"type":"PassStateEntered"}"#);
            match self {
                Connections::Multiplexed(con) => call.invoke_async(&mut con.clone()).await,
                Connections::Pool(pool) => {
                    let mut con = pool.get().await.unwrap();
                    call.invoke_async(&mut con).await
                }
            }
            .unwrap()
        }
    }

    /// `tasks` tasks, each committing `per_task` versions of its own record; commits/s.
    async fn run(connections: &Connections, label: &str, tasks: usize, per_task: u64) -> f64 {
        let script = Script::new(CAS);
        let record = json!({"input": "x".repeat(400), "frames": {"0": {"s": "Work"}}}).to_string();
        let begun = Instant::now();
        let workers = (0..tasks).map(|t| {
            let (connections, script, record) =
                (connections.clone(), script.clone(), record.clone());
            let key = format!("{label}:{t}");
            tokio::spawn(async move {
                for seq in 1..=per_task {
                    assert_eq!(connections.cas(&script, &key, seq, &record).await, 1);
                }
            })
        });
        for worker in join_all(workers).await {
            worker.unwrap();
        }
        (tasks as u64 * per_task) as f64 / begun.elapsed().as_secs_f64()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "a measurement"]
    async fn bench_pool_vs_multiplexed() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let (tasks, per_task) = (64, 3_000);
        let client = ::redis::Client::open(server.url()).unwrap();
        let multiplexed = Connections::Multiplexed(ConnectionManager::new(client).await.unwrap());
        let pool = |size: usize| {
            let mut config = deadpool_redis::Config::from_url(server.url());
            config.pool = Some(deadpool_redis::PoolConfig::new(size));
            Connections::Pool(
                config
                    .create_pool(Some(deadpool_redis::Runtime::Tokio1))
                    .unwrap(),
            )
        };
        let setups = [
            ("multiplexed ConnectionManager", multiplexed),
            ("deadpool-redis max_size 8", pool(8)),
            ("deadpool-redis max_size 64", pool(64)),
        ];
        for round in 1..=2 {
            for (n, (label, connections)) in setups.iter().enumerate() {
                let rate = run(connections, &format!("r{round}s{n}"), tasks, per_task).await;
                println!("round {round}: {label}: {rate:.0} EVALSHA commits/s ({tasks} tasks)");
            }
        }
    }

    /// Batched commits through `RedisStore::commit`: 1,000 executions, each transition
    /// writing the record, two history events and a timer, set or cleared.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "a measurement"]
    async fn bench_commit_throughput() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let partitions = 8;
        let store = RedisStore::connect(&server.url(), "bench", partitions)
            .await
            .unwrap();
        let leases = leases(&store).await;
        let executions = 1_000;
        let mut records: Vec<Vec<Execution>> = vec![Vec::new(); partitions as usize];
        for i in 0..executions {
            let mut record = execution(&format!("bench:e{i}"), 1_000);
            record.input = json!({"order": i, "payload": "x".repeat(300)});
            let started = store.start_execution(record.clone(), vec![], vec![]).await;
            started.unwrap();
            records[partition_of(&record.id, partitions) as usize].push(record);
        }
        for batch in [10, 25, 50, 100] {
            let deadline = Instant::now() + Duration::from_secs(3);
            let mut tasks = Vec::new();
            for (p, records) in records.iter().enumerate() {
                for chunk in records.chunks(batch) {
                    let (store, lease, mut chunk) =
                        (store.clone(), leases[p].clone(), chunk.to_vec());
                    tasks.push(tokio::spawn(async move {
                        let mut committed = 0u64;
                        while Instant::now() < deadline {
                            let requests: Vec<CommitRequest> = (chunk.iter())
                                .map(|record| {
                                    let mut request = with_events(next(record), 2);
                                    let timer = record.seq % 2;
                                    if timer == 0 {
                                        request.timers_set.push(Timer {
                                            id: 1,
                                            due_ms: 1_000_000,
                                        });
                                    } else {
                                        request.timers_cleared.push(1);
                                    }
                                    request
                                })
                                .collect();
                            let next: Vec<Execution> = requests
                                .iter()
                                .map(baton_engine::testing::store_suite::expected)
                                .collect();
                            let results = store.commit(&lease, requests).await;
                            assert!(outcomes(&results).iter().all(|o| *o == "ok"));
                            committed += next.len() as u64;
                            chunk = next;
                        }
                        (committed, chunk)
                    }));
                }
            }
            let begun = Instant::now();
            let mut committed = 0;
            let mut chunks = Vec::new();
            for task in join_all(tasks).await {
                let (n, chunk) = task.unwrap();
                committed += n;
                chunks.push(chunk);
            }
            let elapsed = begun.elapsed().as_secs_f64().max(3.0);
            println!(
                "batch {batch}: {:.0} transitions/s ({executions} executions, {partitions} partitions, {} commit calls in flight)",
                committed as f64 / elapsed,
                chunks.len()
            );
            // Carry the records forward for the next batch size.
            let mut flat: Vec<Execution> = chunks.into_iter().flatten().collect();
            for records in &mut records {
                for record in records.iter_mut() {
                    let i = flat.iter().position(|r| r.id == record.id).unwrap();
                    *record = flat.swap_remove(i);
                }
            }
        }
    }
}
