//! `ListExecutions` page times on a Redis store holding 100,000 finished executions and 10
//! running ones (the listing indexes make a page cost O(page), not O(executions ever run)),
//! beside a PING round trip to the same server in the same run: by status, within a time
//! window, with a name prefix (matching the newest, and matching nothing: a call then
//! reads its share and stops), and the counts by status.
//!
//! ```text
//! cargo bench -p baton-engine --bench listing            # 100,000 finished
//! cargo bench -p baton-engine --bench listing -- 20000   # another count
//! BENCH_PARTITIONS=16 cargo bench -p baton-engine --bench listing
//! ```

use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde_json::json;

use baton_engine::machine::{Execution, HistoryEvent, Status};
use baton_engine::store::record::RecordWrite;
use baton_engine::store::{
    CommitRequest, ExecutionFilter, RedisStore, StateMachineRecord, Store, partition_of,
};
use baton_engine::testing::redis_server::RedisServer;

/// The product's default; `BENCH_PARTITIONS=16` for another count.
const DEFAULT_PARTITIONS: u32 = 256;
const ROUNDS: usize = 200;

fn event(id: u64, kind: &str) -> HistoryEvent {
    HistoryEvent {
        id,
        previous_event_id: id - 1,
        timestamp_ms: 1,
        kind: kind.to_owned().into(),
        details: json!({}).into(),
    }
}

/// Median and 99th percentile of `f`'s time over `ROUNDS` runs, in ms.
async fn time<F, Fut>(mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let began = Instant::now();
        f().await;
        times.push(began.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(times[ROUNDS / 2]), ms(times[ROUNDS * 99 / 100]))
}

#[tokio::main]
async fn main() {
    let finished: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let partitions: u32 = std::env::var("BENCH_PARTITIONS")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(DEFAULT_PARTITIONS);
    println!("{partitions} partitions");
    let redis = RedisServer::start().expect("redis-server on PATH");
    let store = RedisStore::connect(&redis.url(), "bench", partitions)
        .await
        .expect("connect");
    let record = StateMachineRecord {
        name: "orders".into(),
        revision: 1,
        definition: r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#.into(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        kind: "STANDARD".into(),
        created_ms: 1,
        updated_ms: 1,
        retention_ms: None,
    };
    store.create_state_machine(record).await.unwrap().unwrap();
    let mut leases = Vec::new();
    for p in 0..partitions {
        leases.push(store.acquire(p, "bench", 3_600_000).await.unwrap().unwrap());
    }
    let began = Instant::now();
    let now = baton_engine::clock::now_ms();
    stream::iter(0..finished + 10)
        .for_each_concurrent(64, |i| {
            let (store, leases) = (store.clone(), &leases);
            async move {
                let id = format!("orders:e{i:06}");
                let mut exec = Execution::new(
                    id.clone(),
                    "orders".into(),
                    1,
                    format!("e{i:06}"),
                    json!({"i": i}),
                    "A",
                    now - (finished + 10 - i) as i64,
                );
                store
                    .start_execution(exec.clone(), vec![event(1, "ExecutionStarted")], vec![])
                    .await
                    .unwrap();
                if i >= finished {
                    return; // the 10 newest stay running
                }
                exec.seq = 1;
                exec.events = 2;
                exec.status = Status::Succeeded;
                exec.stop_ms = Some(now);
                exec.expires_ms = Some(now + 86_400_000);
                let request = CommitRequest {
                    record: RecordWrite::full(&mut exec),
                    history: vec![event(2, "ExecutionSucceeded")],
                    timers_set: vec![],
                    timers_cleared: vec![],
                    tokens_opened: vec![],
                    tokens_closed: vec![],
                    acks: vec![],
                    active: false,
                    active_unchanged: false,
                };
                let lease = &leases[partition_of(&id, partitions) as usize];
                let results = store.commit(lease, vec![request]).await;
                assert!(results.iter().all(Result::is_ok), "{results:?}");
            }
        })
        .await;
    println!(
        "stored {finished} finished and 10 running executions in {:.1} s",
        began.elapsed().as_secs_f64()
    );

    let (ping, ping99) = time(|| async { store.ping().await.unwrap() }).await;
    let running = store
        .list_executions("orders", Some(Status::Running), None, 100)
        .await
        .unwrap();
    assert_eq!(running.executions.len(), 10);
    let (r50, r99) = time(|| async {
        let page = (store.list_executions("orders", Some(Status::Running), None, 100))
            .await
            .unwrap();
        assert_eq!(page.executions.len(), 10);
    })
    .await;
    let first = store
        .list_executions("orders", Some(Status::Succeeded), None, 100)
        .await
        .unwrap();
    let cursor = first.next.clone().expect("more pages");
    let (s50, s99) = time(|| async {
        let page = (store.list_executions("orders", Some(Status::Succeeded), Some(&cursor), 100))
            .await
            .unwrap();
        assert_eq!(page.executions.len(), 100);
    })
    .await;
    let (a50, a99) = time(|| async {
        let page = (store.list_executions("orders", None, None, 100))
            .await
            .unwrap();
        assert_eq!(page.executions.len(), 100);
    })
    .await;
    // Execution i started at `now - (finished + 10 - i)` ms: this window holds 10,000
    // finished ones in the middle.
    let window = ExecutionFilter {
        started_from_ms: Some(now - finished as i64 / 2 - 10_000),
        started_before_ms: Some(now - finished as i64 / 2),
        ..ExecutionFilter::default()
    };
    let (w50, w99) = time(|| async {
        let page = (store.list_executions_filtered("orders", &window, None, 100))
            .await
            .unwrap();
        assert_eq!(page.executions.len(), 100.min(finished));
    })
    .await;
    // The 100 newest finished executions are the names `e<finished - 100>`…: a prefix whose
    // matches come first (one page), and one that matches nothing (each call reads what it
    // may, then returns an empty page and a cursor).
    let dense = ExecutionFilter {
        status: Some(Status::Succeeded),
        name_prefix: Some(format!("e{:04}", (finished - 100) / 100)),
        ..ExecutionFilter::default()
    };
    let (d50, d99) = time(|| async {
        let page = (store.list_executions_filtered("orders", &dense, None, 100))
            .await
            .unwrap();
        assert_eq!(page.executions.len(), 100.min(finished));
    })
    .await;
    let none = ExecutionFilter {
        name_prefix: Some("x".into()),
        ..ExecutionFilter::default()
    };
    let (n50, n99) = time(|| async {
        let page = (store.list_executions_filtered("orders", &none, None, 100))
            .await
            .unwrap();
        assert!(page.executions.is_empty());
    })
    .await;
    let (c50, c99) = time(|| async {
        let counts = store.count_executions("orders").await.unwrap();
        assert_eq!((counts.running, counts.succeeded), (10, finished as u64));
    })
    .await;
    println!("median / p99 of {ROUNDS} rounds, {finished} finished + 10 running executions:");
    println!("  PING round trip (baseline)                 {ping:.3} / {ping99:.3} ms");
    println!("  status=RUNNING, limit 100 (10 returned)    {r50:.3} / {r99:.3} ms");
    println!("  status=SUCCEEDED, second page of 100       {s50:.3} / {s99:.3} ms");
    println!("  no status filter, first page of 100        {a50:.3} / {a99:.3} ms");
    println!("  started in a 10 s window, page of 100      {w50:.3} / {w99:.3} ms");
    println!("  SUCCEEDED, namePrefix of the newest 100    {d50:.3} / {d99:.3} ms");
    println!("  namePrefix matching none (reads run out)   {n50:.3} / {n99:.3} ms");
    println!("  counts by status                           {c50:.3} / {c99:.3} ms");
    println!(
        "{{\"finished\":{finished},\"ping_ms\":{ping:.3},\"running_page_ms\":{r50:.3},\"succeeded_page_ms\":{s50:.3},\"all_page_ms\":{a50:.3},\"window_page_ms\":{w50:.3},\"prefix_page_ms\":{d50:.3},\"prefix_none_ms\":{n50:.3},\"counts_ms\":{c50:.3}}}"
    );
}
