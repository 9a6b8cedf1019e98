//! `--parked N`: N executions parked in a callback wait; engine RSS and Redis bytes each.

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;

use baton_engine::store::Store;

use crate::args::Args;
use crate::report::{Report, proc_status_bytes};

const PARK: &str = r#"{"StartAt": "Wait for approval", "States": {
  "Wait for approval": {"Type": "Callback", "HeartbeatSeconds": 86400, "End": true}}}"#;

pub async fn run<S: Store>(store: &S, a: &Args) {
    let def = crate::create(store, "park", PARK).await;
    // Redis's used_memory on a single server (a cluster's is spread over its nodes).
    let redis = a.redis.as_deref();
    let redis_before = match redis {
        Some(url) => redis_used_memory(url).await,
        None => None,
    };
    let rss_before = proc_status_bytes("VmRSS:").unwrap_or(0);
    let began = Instant::now();
    let input = json!({"order": 12345, "customer": "c-1"});
    crate::start_many(store, &def, "park", a.parked, input).await;
    // Wait until every execution has reached its callback wait.
    let probe = format!("park:e{}", a.parked - 1);
    loop {
        let waiting = match store.load_execution(&probe).await {
            Ok(Some(exec)) => exec.events >= 4 && exec.is_parked(),
            _ => false,
        };
        let active: usize = join_all((0..store.partitions()).map(|p| store.active_executions(p)))
            .await
            .into_iter()
            .map(|r| r.map(|v| v.len()).unwrap_or(0))
            .sum();
        if waiting && active == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = began.elapsed().as_secs_f64();
    // Let allocators settle, then measure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let redis_after = match redis {
        Some(url) => redis_used_memory(url).await,
        None => None,
    };
    let delta = redis_before
        .zip(redis_after)
        .map(|(before, after)| after as i64 - before as i64);
    let report = Report {
        parked: Some(a.parked),
        seconds_to_park: Some(took),
        redis_used_memory_delta: delta,
        redis_bytes_per_parked_execution: delta.map(|d| (d as f64 / a.parked as f64).round()),
        ..Report::new("parked", a)
    };
    println!(
        "{} executions parked in a callback wait after {took:.1} s",
        a.parked
    );
    println!(
        "engine RSS: {:.1} MB before, {:.1} MB after",
        rss_before as f64 / 1e6,
        report.engine_rss_bytes.unwrap_or(0) as f64 / 1e6
    );
    if let (Some(delta), Some(each)) = (delta, report.redis_bytes_per_parked_execution) {
        println!(
            "redis used_memory: {:+.1} MB, {each:.0} bytes per parked execution",
            delta as f64 / 1e6
        );
    }
    if let Some(url) = redis {
        for line in key_sizes(url, &probe).await.unwrap_or_default() {
            println!("  {line}");
        }
    }
    report.print();
}

/// One parked execution's own keys as Redis sizes them (`MEMORY USAGE`: value, key and
/// overhead; the sorted-set members it also has are not in these): a line per key, its
/// type, encoding and size. `None` when Redis cannot be asked (e.g. a cluster's node).
async fn key_sizes(url: &str, id: &str) -> Option<Vec<String>> {
    let client = redis::Client::open(url).ok()?;
    let mut con = client.get_multiplexed_async_connection().await.ok()?;
    let mut keys: Vec<String> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("*:{id}"))
            .arg("COUNT")
            .arg(10_000)
            .query_async(&mut con)
            .await
            .ok()?;
        keys.extend(batch);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    keys.sort();
    let mut lines = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut con)
            .await
            .ok()?;
        let encoding: String = (redis::cmd("OBJECT").arg("ENCODING").arg(&key))
            .query_async(&mut con)
            .await
            .ok()?;
        let bytes: u64 = (redis::cmd("MEMORY").arg("USAGE").arg(&key))
            .query_async(&mut con)
            .await
            .ok()?;
        lines.push(format!("{key}: {kind} ({encoding}), {bytes} bytes"));
    }
    Some(lines)
}

/// `used_memory` of `INFO memory`; `None` when Redis cannot be asked.
async fn redis_used_memory(url: &str) -> Option<u64> {
    let client = redis::Client::open(url).ok()?;
    let mut con = client.get_multiplexed_async_connection().await.ok()?;
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut con)
        .await
        .ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
}
