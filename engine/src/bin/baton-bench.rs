//! `baton-bench`: persisted transitions per second and the cost of parked executions.
//!
//! ```text
//! cargo run --release -p baton-engine --bin baton-bench -- --redis redis://127.0.0.1:PORT
//! cargo run --release -p baton-engine --bin baton-bench -- --store memory
//! cargo run --release -p baton-engine --bin baton-bench -- --redis URL --parked 100000
//! cargo run --release -p baton-engine --bin baton-bench -- --redis-cluster URL,URL,…
//! ```
//!
//! The throughput run starts `--executions` (1,000) executions of a Pass/Choice loop of
//! `--loops` rounds at once and counts committed transitions (each one a store commit with
//! its history) until all have finished. The last line is JSON.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;
use baton_engine::http::{HttpConfig, HttpInvoker};
use baton_engine::machine::{Machine, Settings, Status, start};
use baton_engine::store::{MemoryStore, RedisStore, StateMachineRecord, Store};
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig, now_ms};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LOOP: &str = r#"{"StartAt": "Init", "States": {
  "Init": {"Type": "Pass", "Parameters": {"i": 0, "n.$": "$.n"}, "Next": "Loop"},
  "Loop": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"}, "Next": "Check"},
  "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Loop"}], "Default": "Done"},
  "Done": {"Type": "Succeed"}}}"#;

const PARK: &str = r#"{"StartAt": "Wait for approval", "States": {
  "Wait for approval": {"Type": "Callback", "HeartbeatSeconds": 86400, "End": true}}}"#;

struct Args {
    redis: Option<String>,
    cluster: Vec<String>,
    executions: usize,
    loops: u64,
    partitions: u32,
    workers: usize,
    parked: usize,
    /// `--wait-replicas N`: every commit batch waits for N replicas (cluster or single).
    wait_replicas: usize,
}

fn args() -> Args {
    let mut a = Args {
        redis: None,
        cluster: Vec::new(),
        executions: 1000,
        loops: 50,
        partitions: 16,
        workers: 1,
        parked: 0,
        wait_replicas: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--redis" => a.redis = Some(value()),
            "--redis-cluster" => a.cluster = value().split(',').map(str::to_owned).collect(),
            "--store" => {
                if value() == "memory" {
                    a.redis = None;
                }
            }
            "--executions" => a.executions = value().parse().unwrap_or(a.executions),
            "--loops" => a.loops = value().parse().unwrap_or(a.loops),
            "--partitions" => a.partitions = value().parse().unwrap_or(a.partitions),
            "--workers" => a.workers = value().parse().unwrap_or(a.workers),
            "--parked" => a.parked = value().parse().unwrap_or(0),
            "--wait-replicas" => a.wait_replicas = value().parse().unwrap_or(0),
            other => eprintln!("unknown flag {other}"),
        }
    }
    a
}

#[tokio::main]
async fn main() {
    let a = args();
    if !a.cluster.is_empty() {
        let prefix = format!("bench{}", now_ms());
        let store = RedisStore::connect_cluster(&a.cluster, &prefix, a.partitions)
            .await
            .expect("connect to the cluster")
            .wait_for_replicas(a.wait_replicas)
            .expect("a new store");
        let url = a.cluster.join(",");
        run(store, &a, Some(url)).await;
        return;
    }
    match a.redis.clone() {
        Some(url) => {
            let prefix = format!("bench{}", now_ms());
            let store = RedisStore::connect(&url, &prefix, a.partitions)
                .await
                .expect("connect to redis")
                .wait_for_replicas(a.wait_replicas)
                .expect("a new store");
            run(store, &a, Some(url)).await;
        }
        None => run(MemoryStore::new(a.partitions), &a, None).await,
    }
}

fn shared<S: Store>(store: S, finished: mpsc::UnboundedSender<String>) -> Arc<Shared<S>> {
    Arc::new(Shared {
        store,
        settings: Settings::default(),
        tokens: Arc::new(KeyRingMinter(Arc::new(KeyRing::generate()))),
        http: HttpInvoker::new(HttpConfig::default()).expect("http client"),
        definitions: DefinitionCache::default(),
        finished: Some(finished),
        mocks: None,
    })
}

async fn create<S: Store>(
    store: &S,
    name: &str,
    definition: &str,
) -> baton_definitions::StateMachine {
    let record = StateMachineRecord {
        name: name.into(),
        revision: 1,
        definition: definition.into(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        kind: "STANDARD".into(),
        created_ms: now_ms(),
        updated_ms: now_ms(),
        retention_ms: None,
    };
    let _ = store.create_state_machine(record).await.expect("store");
    baton_definitions::parse_definition(definition)
        .expect("valid")
        .machine
}

/// Starts `n` executions of `name` with `input`, 500 at a time.
async fn start_many<S: Store>(
    store: &S,
    def: &baton_definitions::StateMachine,
    name: &str,
    n: usize,
    input: serde_json::Value,
) {
    let settings = Settings::default();
    let minter = baton_engine::machine::PlainTokens;
    let machine = Machine {
        definition: def,
        settings: &settings,
        tokens: &minter,
    };
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let starts = chunk.iter().map(|i| {
            let (exec, tx) = start(
                &machine,
                format!("{name}:e{i}"),
                format!("e{i}"),
                1,
                input.clone(),
                now_ms(),
            );
            store.start_execution(exec, tx.history, tx.timers_set)
        });
        for r in join_all(starts).await {
            r.expect("start execution");
        }
    }
}

async fn run<S: Store>(store: S, a: &Args, redis: Option<String>) {
    let (tx, mut finished) = mpsc::unbounded_channel();
    let shared = shared(store.clone(), tx);
    let shutdown = CancellationToken::new();
    let mut workers = Vec::new();
    for _ in 0..a.workers {
        let worker = Worker::new(shared.clone(), WorkerConfig::default());
        workers.push(tokio::spawn(worker.run(shutdown.clone())));
    }
    let kind = if redis.is_some() { "redis" } else { "memory" };
    if a.parked > 0 {
        return parked(store, a, &mut finished, shutdown, redis).await;
    }

    let def = create(&store, "loop", LOOP).await;
    println!(
        "store: {kind}; {} executions of a Pass/Choice loop of {} rounds",
        a.executions, a.loops
    );
    let began = Instant::now();
    start_many(&store, &def, "loop", a.executions, json!({"n": a.loops})).await;
    let started = began.elapsed();
    let mut done = 0;
    while done < a.executions {
        match tokio::time::timeout(Duration::from_secs(120), finished.recv()).await {
            Ok(Some(_)) => done += 1,
            _ => break,
        }
    }
    let elapsed = began.elapsed();
    let mut transitions = 0u64;
    let mut succeeded = 0;
    for i in 0..a.executions {
        if let Ok(Some(exec)) = store.load_execution(&format!("loop:e{i}")).await {
            transitions += exec.seq;
            succeeded += usize::from(exec.status == Status::Succeeded);
        }
    }
    shutdown.cancel();
    for w in workers {
        let _ = w.await;
    }
    let per_sec = transitions as f64 / elapsed.as_secs_f64();
    println!(
        "started {} executions in {:.3} s",
        a.executions,
        started.as_secs_f64()
    );
    println!(
        "{succeeded} succeeded; {transitions} transitions committed in {:.3} s",
        elapsed.as_secs_f64()
    );
    println!(
        "{}",
        json!({"store": kind, "executions": a.executions, "succeeded": succeeded, "transitions": transitions,
               "seconds": elapsed.as_secs_f64(), "transitions_per_sec": per_sec.round()})
    );
}

async fn parked<S: Store>(
    store: S,
    a: &Args,
    finished: &mut mpsc::UnboundedReceiver<String>,
    shutdown: CancellationToken,
    redis: Option<String>,
) {
    let _ = finished;
    let def = create(&store, "park", PARK).await;
    let redis_before = match &redis {
        Some(url) => redis_used_memory(url).await,
        None => 0,
    };
    let rss_before = rss_bytes();
    let began = Instant::now();
    start_many(
        &store,
        &def,
        "park",
        a.parked,
        json!({"order": 12345, "customer": "c-1"}),
    )
    .await;
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
    let took = began.elapsed();
    // Let allocators settle, then measure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = rss_bytes();
    let redis_after = match &redis {
        Some(url) => redis_used_memory(url).await,
        None => 0,
    };
    let per_exec = (redis_after.saturating_sub(redis_before)) as f64 / a.parked as f64;
    println!(
        "{} executions parked in a callback wait after {:.1} s",
        a.parked,
        took.as_secs_f64()
    );
    println!(
        "engine RSS: {:.1} MB before, {:.1} MB after",
        rss_before as f64 / 1e6,
        rss_after as f64 / 1e6
    );
    if redis.is_some() {
        println!(
            "redis used_memory: +{:.1} MB, {per_exec:.0} bytes per parked execution",
            (redis_after - redis_before) as f64 / 1e6
        );
    }
    shutdown.cancel();
    println!(
        "{}",
        json!({"parked": a.parked, "engine_rss_bytes": rss_after, "redis_bytes_per_parked_execution": per_exec.round(),
               "seconds_to_park": took.as_secs_f64()})
    );
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

async fn redis_used_memory(url: &str) -> u64 {
    let Ok(client) = redis::Client::open(url) else {
        return 0;
    };
    let Ok(mut con) = client.get_multiplexed_async_connection().await else {
        return 0;
    };
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut con)
        .await
        .unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}
