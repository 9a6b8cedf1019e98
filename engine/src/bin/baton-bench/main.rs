//! `baton-bench`: persisted transitions per second and the cost of parked executions.
//!
//! ```text
//! cargo run --release -p baton-engine --bin baton-bench -- --help
//! cargo run --release -p baton-engine --bin baton-bench -- --redis redis://127.0.0.1:PORT
//! cargo run --release -p baton-engine --bin baton-bench -- --store memory --runs 5
//! cargo run --release -p baton-engine --bin baton-bench -- --redis URL --parked 100000
//! cargo run --release -p baton-engine --bin baton-bench -- --redis-cluster URL,URL,…
//! ```
//!
//! The throughput run starts `--executions` (1,000) executions of a Pass/Choice loop of
//! `--loops` rounds at once and counts committed transitions (each one a store commit with
//! its history) until all have finished. Every mode ends with the same JSON line
//! ([`report::Report`]).

mod args;
mod parked;
mod report;
mod throughput;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use futures::future::join_all;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;
use baton_engine::http::{HttpConfig, HttpInvoker};
use baton_engine::machine::{Machine, Settings, start};
use baton_engine::store::{MemoryStore, RedisStore, StateMachineRecord, Store};
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig, now_ms};

use args::Args;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let prefix = format!("bench{}", now_ms());
    if !a.redis_cluster.is_empty() {
        let store = RedisStore::connect_cluster(&a.redis_cluster, &prefix, a.partitions)
            .await
            .expect("connect to the cluster")
            .wait_for_replicas(a.wait_replicas)
            .expect("a new store");
        bench(store, &a).await;
    } else if let Some(url) = &a.redis {
        let store = RedisStore::connect(url, &prefix, a.partitions)
            .await
            .expect("connect to redis")
            .wait_for_replicas(a.wait_replicas)
            .expect("a new store");
        bench(store, &a).await;
    } else {
        bench(MemoryStore::new(a.partitions), &a).await;
    }
}

/// Starts the workers, runs the benchmark `a` asks for, stops the workers.
async fn bench<S: Store>(store: S, a: &Args) {
    let (tx, finished) = mpsc::unbounded_channel();
    let shared = shared(store.clone(), tx);
    let shutdown = CancellationToken::new();
    let workers: Vec<_> = (0..a.workers)
        .map(|_| {
            let worker = Worker::new(shared.clone(), WorkerConfig::default());
            tokio::spawn(worker.run(shutdown.clone()))
        })
        .collect();
    if a.parked > 0 {
        parked::run(&store, a).await;
    } else {
        throughput::runs(&store, a, finished).await;
    }
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), join_all(workers)).await;
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

/// Creates state machine `name` and returns its parsed definition.
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

/// Starts `n` executions `<name>:e<i>` of `name` with `input`, 500 at a time.
async fn start_many<S: Store>(
    store: &S,
    def: &baton_definitions::StateMachine,
    name: &str,
    n: u64,
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
