//! Raising the partition count of a running deployment (`baton partitions --set`), as the
//! README documents it: two `baton serve` and a `baton worker` on a durable Redis with 6
//! partitions run the fault tests' workflow (HTTP Task → Wait → Callback (Notify) → Choice
//! → HTTP Task); once half of it waits for its callbacks the count goes to 16. Every
//! execution ends as an undisturbed run ends it, each request sent once; executions
//! started afterwards land in the new partitions too, and the workers own all 16.

use std::process::Command;
use std::time::{Duration, Instant};

use baton_engine::store::partition_of;
use baton_engine::testing::redis_server::RedisServer;
use baton_engine::testing::resp::{self, Reply};
use baton_tests::baton::binary;
use baton_tests::faults::{PROBE_MACHINE, Redis, Run};
use serde_json::{Value, json};

/// `KEYS pattern` on the Redis at `port`.
fn redis_keys(port: u16, pattern: &str) -> Vec<String> {
    let reply = resp::command(port, &["KEYS", pattern], Duration::from_secs(5)).expect("KEYS");
    let Reply::Array(Some(items)) = reply else {
        panic!("KEYS answered {reply:?}")
    };
    items.iter().map(|i| i.text().expect("a key")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partition_count_grows_while_executions_run() {
    let redis = RedisServer::start_durable().expect("redis-server is needed");
    let url = redis.url();
    let port = redis.port();
    let run = Run::begin_on(Redis::Single(redis), 2, 300, &["--partitions", "6"]).await;
    run.until_half_notified().await;

    let partitions = |args: &[&str]| -> Value {
        let out = tokio::task::block_in_place(|| {
            Command::new(binary())
                .args(["partitions", "--redis", &url])
                .args(args)
                .output()
                .expect("run baton partitions")
        });
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(stdout.trim()).expect("JSON")
    };
    let answer = partitions(&["--set", "16"]);
    assert_eq!(answer["partitions"], 16);
    assert_eq!(answer["layouts"], json!([6, 16]));
    assert_eq!(
        answer["pack_parked"], true,
        "a new deployment packs parked executions"
    );
    let changed = Instant::now();
    // Packing off while executions wait, some of them packed (a Wait, a Callback): those
    // finish all the same below, and later parks write three keys.
    let packed = (redis_keys(port, "baton:{p*}:x:*").iter())
        .filter(|key| {
            let kind = resp::command(port, &["TYPE", key.as_str()], Duration::from_secs(5));
            matches!(kind, Ok(Reply::Simple(ref t)) if t == "string")
        })
        .count();
    println!("{packed} executions packed when packing is turned off");
    assert!(packed > 0, "no execution was packed while waiting");
    let off = partitions(&["--pack-parked", "off"]);
    assert_eq!(off["pack_parked"], false);

    // Started right after the change, through the serve process that has not re-read the
    // count yet (it does within 5 s, or at once when a fence refuses it).
    let mut names = Vec::new();
    for k in 0..60 {
        let name = format!("grown-{k}");
        run.rest.start(PROBE_MACHINE, &name, &json!({"k": k})).await;
        names.push(name);
    }
    for name in &names {
        let end = run
            .rest
            .wait_end(PROBE_MACHINE, name, Duration::from_secs(30))
            .await;
        assert_eq!(end["status"], "SUCCEEDED", "{name}: {end}");
    }
    // Executions started a few seconds after the change are in partitions of 16.
    tokio::time::sleep(Duration::from_secs(6).saturating_sub(changed.elapsed())).await;
    let mut late = Vec::new();
    for k in 0..40 {
        let name = format!("late-{k}");
        run.rest.start(PROBE_MACHINE, &name, &json!({"k": k})).await;
        late.push(name);
    }
    for name in &late {
        let end = run
            .rest
            .wait_end(PROBE_MACHINE, name, Duration::from_secs(30))
            .await;
        assert_eq!(end["status"], "SUCCEEDED", "{name}: {end}");
        let id = format!("{PROBE_MACHINE}:{name}");
        let p = partition_of(&id, 16);
        let key = format!("baton:{{p{p}}}:x:{id}");
        assert_eq!(
            redis_keys(port, &key),
            vec![key],
            "{id} is in partition {p}"
        );
    }
    let beyond = late
        .iter()
        .filter(|n| partition_of(&format!("{PROBE_MACHINE}:{n}"), 16) >= 6)
        .count();
    println!(
        "{beyond} of {} late executions in partitions 6..15",
        late.len()
    );
    assert!(beyond > 0);

    // The processes take the new partitions (a worker heartbeat every 2.5 s).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let leases = redis_keys(port, "baton:{p*}:lease").len();
        if leases == 16 {
            break;
        }
        assert!(Instant::now() < deadline, "{leases} of 16 partitions owned");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let summary = run
        .finish(
            "partitions 6 -> 16 while 300 executions run",
            Instant::now(),
        )
        .await;
    assert_eq!(summary.succeeded, 300);
    assert_eq!(summary.repeated, 0, "every request was sent once");
}
