//! Variables are durable: an execution that assigned variables and is waiting when its
//! workers stop goes on, on new workers reading the same store, with its variables (top
//! level and inside a Parallel branch) as they were.

use std::time::Duration;

use serde_json::{Value, json};

use baton_engine::machine::{Execution, ExecutionKind, Status, Step};
use baton_engine::store::{MemoryStore, RedisStore, Store};
use baton_engine::testing::engine::TestEngine;
use baton_engine::testing::redis_server::RedisServer;

const RUNS: u64 = 3;

fn definition() -> String {
    json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"secret.$": "$.n", "tag": "t"}, "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 2, "Assign": {"waited": true}, "Next": "Fan"},
        "Fan": {"Type": "Parallel", "ResultPath": "$.branches", "Next": "Show", "Branches": [
            {"StartAt": "In", "States": {
                "In": {"Type": "Pass", "Assign": {"inner.$": "States.MathAdd($secret, 1)"}, "Next": "Nap"},
                "Nap": {"Type": "Wait", "Seconds": 2, "Next": "Out"},
                "Out": {"Type": "Pass", "Parameters": {"inner.$": "$inner", "tag.$": "$tag"}, "End": true}}}]},
        "Show": {"Type": "Pass", "End": true,
                 "Parameters": {"secret.$": "$secret", "waited.$": "$waited", "branches.$": "$.branches"}}}})
    .to_string()
}

fn expected(n: u64) -> Value {
    json!({"secret": n, "waited": true, "branches": [{"inner": n + 1, "tag": "t"}]})
}

/// Runs the executions on one set of workers, stops them while the executions wait (first
/// at the top, then in the branch), and finishes them on new workers.
async fn survives_restarts<S: Store>(store: S, label: &str) {
    let engine = TestEngine::start(store.clone(), 1);
    engine.create("vars", &definition()).await.expect("valid");
    for n in 0..RUNS {
        let name = format!("x{n}");
        let input = json!({"n": n});
        let started = engine
            .run("vars", &name, input, ExecutionKind::Standard)
            .await;
        started.expect("started");
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    for n in 0..RUNS {
        let exec = engine.load(&format!("vars:x{n}")).await.expect("saved");
        let top = exec.frames.get(&0).expect("frame 0");
        assert!(
            matches!(top.step, Step::Wait { .. }),
            "{label}: {:?}",
            top.step
        );
        assert_eq!(top.variables.get("secret"), Some(&json!(n)), "{label}");
        assert_eq!(top.variables.get("waited"), Some(&json!(true)), "{label}");
    }
    engine.stop().await;

    // New workers: the executions go on into the branch; stop them again there.
    let engine = TestEngine::start(store.clone(), 1);
    // Poll until one is inside its branch (the branch naps 2 s there), at most 8 s.
    let in_branch = |exec: &Execution| {
        exec.frames
            .values()
            .any(|f| f.parent.is_some() && f.variables.contains_key("inner"))
    };
    let mut waiting_in_branch = 0;
    for _ in 0..80 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waiting_in_branch = count_where(&engine, in_branch).await;
        if waiting_in_branch > 0 {
            break;
        }
    }
    engine.stop().await;

    let mut engine = TestEngine::start(store, 1);
    engine
        .wait_finished(RUNS as usize, Duration::from_secs(30))
        .await;
    for n in 0..RUNS {
        let exec = engine.load(&format!("vars:x{n}")).await.expect("saved");
        assert_eq!(
            exec.status,
            Status::Succeeded,
            "{label}: {:?} {:?}",
            exec.error,
            exec.cause
        );
        assert_eq!(exec.output, Some(expected(n)), "{label}");
    }
    engine.stop().await;
    // Not a timing assertion on which run stopped where, but the branch must have been
    // seen holding its own variable at least once (else the test checked less than it says).
    assert!(
        waiting_in_branch > 0,
        "{label}: no execution was seen inside its branch"
    );
}

/// How many of the executions `check` holds for.
async fn count_where<S: Store>(
    engine: &TestEngine<S>,
    check: impl Fn(&Execution) -> bool,
) -> usize {
    let mut count = 0;
    for n in 0..RUNS {
        if let Some(exec) = engine.load(&format!("vars:x{n}")).await
            && check(&exec)
        {
            count += 1;
        }
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_survive_restarts_on_the_memory_store() {
    survives_restarts(MemoryStore::new(4), "memory store").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_survive_restarts_on_the_redis_store() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url(), "variables", 4)
        .await
        .expect("connect");
    survives_restarts(store, "redis store").await;
}
