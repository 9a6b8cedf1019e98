//! The AWS conformance corpus run through workers on each store: every case is a real
//! execution, committed transition by transition, with real timers.

use std::time::Duration;

use baton_engine::store::{MemoryStore, Store};
use baton_engine::testing::conformance::{Outcome, assert_all_match, cases, compare};
use baton_engine::testing::engine::TestEngine;

async fn run_corpus<S: Store>(store: S, label: &str) {
    let Some(cases) = cases(label) else {
        return;
    };
    let mut engine = TestEngine::start(store, 1);
    let mut failures = Vec::new();
    let mut started = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let sm = format!("c{i}");
        let definition = serde_json::to_string(&case.definition).unwrap_or_default();
        if let Err(why) = engine.create(&sm, &definition).await {
            failures.push(format!("{}: invalid definition: {why}", case.name));
            continue;
        }
        match engine.run(&sm, "x", case.input.clone(), case.kind()).await {
            Ok(()) => started.push(i),
            Err(why) => failures.push(format!("{}: cannot start: {why}", case.name)),
        }
    }
    let finished = engine
        .wait_finished(started.len(), Duration::from_secs(60))
        .await;
    eprintln!("{label}: {finished}/{} executions finished", started.len());
    for i in started {
        let case = &cases[i];
        let Some(exec) = engine.load(&format!("c{i}:x")).await else {
            failures.push(format!("{}: execution vanished", case.name));
            continue;
        };
        let outcome = Outcome {
            status: exec.status.as_str().into(),
            output: exec.output,
            error: exec.error,
            cause: exec.cause,
        };
        if let Err(why) = compare(case, &outcome) {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    engine.stop().await;
    assert_all_match(label, cases.len(), &failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_on_the_memory_store() {
    run_corpus(MemoryStore::new(8), "memory store").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_on_the_redis_store() {
    let Some(server) = baton_engine::testing::redis_server::RedisServer::start() else {
        return;
    };
    let store = baton_engine::store::RedisStore::connect(&server.url(), "conformance", 8)
        .await
        .expect("connect");
    run_corpus(store, "redis store").await;
}
