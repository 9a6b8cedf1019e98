//! Bytes a Map costs Redis: the bytes Baton sent to a redis-server of its own
//! (`INFO stats` `total_net_input_bytes`, before and after) while one execution ran a
//! distributed Map over N items to its end, for N = 1,000 and 10,000. The record is
//! written by parts (`store::record`), so 10× the items should cost about 10× the bytes.
//!
//! ```text
//! cargo bench -p baton-engine --bench map_bytes
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;
use baton_engine::http::{HttpConfig, HttpInvoker};
use baton_engine::machine::{Machine, PlainTokens, Settings, Status, start};
use baton_engine::store::{RedisStore, StateMachineRecord, Store};
use baton_engine::testing::redis_server::RedisServer;
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig, now_ms};

const MAP: &str = r#"{"StartAt": "Each", "States": {"Each": {"Type": "Map",
  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Price", "States": {
      "Price": {"Type": "Pass", "Parameters": {"id.$": "$.id", "price.$": "States.MathAdd($.id, 100)"}, "End": true}}},
  "End": true}}}"#;

fn bytes_in(redis: &RedisServer) -> u64 {
    redis.info("stats")["total_net_input_bytes"]
        .parse()
        .expect("total_net_input_bytes")
}

/// Runs the Map over `n` items; the bytes sent to Redis, and the seconds it took.
async fn run(redis: &RedisServer, store: &RedisStore, n: usize) -> (u64, f64, usize) {
    let items: Vec<Value> = (0..n)
        .map(|i| json!({"id": i, "sku": format!("sku-{i:08}"), "note": "x".repeat(24)}))
        .collect();
    let input = Value::Array(items);
    let input_bytes = input.to_string().len();
    let sm = format!("map{n}");
    let record = StateMachineRecord {
        name: sm.clone(),
        revision: 1,
        definition: MAP.into(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        kind: "STANDARD".into(),
        created_ms: 1,
        updated_ms: 1,
        retention_ms: None,
    };
    store.create_state_machine(record).await.unwrap().unwrap();
    let def = baton_definitions::parse_definition(MAP).unwrap().machine;
    let settings = Settings::default();
    let machine = Machine {
        definition: &def,
        settings: &settings,
        tokens: &PlainTokens,
    };
    let (exec, tx) = start(&machine, format!("{sm}:x"), "x".into(), 1, input, now_ms());
    let before = bytes_in(redis);
    let began = Instant::now();
    store
        .start_execution(exec, tx.history, tx.timers_set)
        .await
        .unwrap();
    let id = format!("{sm}:x");
    loop {
        let exec = store.load_execution(&id).await.unwrap().unwrap();
        if exec.status.is_final() {
            assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
            let output = exec.output.unwrap_or_default();
            assert_eq!(output.as_array().map(Vec::len), Some(n));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = began.elapsed().as_secs_f64();
    // The polling reads above are a few dozen small commands: noise next to the run.
    (bytes_in(redis) - before, seconds, input_bytes)
}

#[tokio::main]
async fn main() {
    let redis = RedisServer::start().expect("redis-server on PATH");
    let store = RedisStore::connect(&redis.url(), "bench", 16)
        .await
        .expect("connect");
    let keys = Arc::new(KeyRing::generate());
    let (finished, _rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        store: store.clone(),
        settings: Settings::default(),
        tokens: Arc::new(KeyRingMinter(keys)),
        http: HttpInvoker::new(HttpConfig::default()).expect("http"),
        definitions: DefinitionCache::default(),
        finished: Some(finished),
        mocks: None,
    });
    let shutdown = CancellationToken::new();
    tokio::spawn(Worker::new(shared, WorkerConfig::default()).run(shutdown.clone()));
    let mut results = Vec::new();
    for n in [1_000, 10_000] {
        let (bytes, seconds, input) = run(&redis, &store, n).await;
        println!(
            "Map over {n:>6} items: {bytes:>11} bytes to Redis ({:.0} per item; input {input} bytes) in {seconds:.1} s",
            bytes as f64 / n as f64
        );
        results.push(bytes);
    }
    let ratio = results[1] as f64 / results[0] as f64;
    println!("10× the items: {ratio:.2}× the bytes");
    println!(
        "{{\"bytes_1000\":{},\"bytes_10000\":{},\"ratio\":{ratio:.2}}}",
        results[0], results[1]
    );
    shutdown.cancel();
}
