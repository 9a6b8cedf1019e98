//! A redriven execution on Redis survives a worker restart: an execution stopped while it
//! waited (ABORTED) is redriven through the service, enters its Wait again, its worker
//! stops meanwhile, and a new worker on the same Redis finishes it, with the variable it
//! assigned before the stop.

use std::time::Duration;

use serde_json::json;

use baton_engine::machine::{ExecutionKind, Settings, Status, Step};
use baton_engine::store::RedisStore;
use baton_engine::testing::engine::TestEngine;
use baton_engine::testing::redis_server::RedisServer;
use baton_gateway::Backend;
use baton_gateway::service::{RedriveRevision, Service};

const ID: &str = "rd:x";

/// Polls until frame 0 of the execution waits in a Wait state (10 s at most).
async fn until_waiting(engine: &TestEngine<Backend>) {
    for _ in 0..200 {
        if let Some(exec) = engine.load(ID).await
            && exec.status == Status::Running
            && exec
                .frames
                .get(&0)
                .is_some_and(|f| matches!(f.step, Step::Wait { .. }))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{ID} did not reach its Wait state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redriven_execution_survives_a_worker_restart_on_redis() {
    let server = RedisServer::start().expect("redis-server must be installed");
    let store = RedisStore::connect(&server.url(), "redrive", 4)
        .await
        .expect("connect");
    let backend = Backend::Redis(store);
    let engine = TestEngine::start(backend.clone(), 1);
    let definition = json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"v.$": "$.n"}, "Next": "Hold"},
        "Hold": {"Type": "Wait", "Seconds": 2, "InputPath": "$.inner", "Next": "Show"},
        "Show": {"Type": "Pass", "Parameters": {"v.$": "$v", "inner.$": "$"}, "End": true}}});
    engine
        .create("rd", &definition.to_string())
        .await
        .expect("valid");
    let input = json!({"n": 7, "inner": {"k": 1}});
    engine
        .run("rd", "x", input, ExecutionKind::Standard)
        .await
        .expect("started");
    until_waiting(&engine).await;

    let service = Service::new(backend.clone(), Settings::default(), engine.keys.clone());
    let stopped = service.stop_execution(ID, None, None).await.expect("stop");
    assert_eq!(stopped.status, Status::Aborted);
    let redriven = (service.redrive_execution(ID, RedriveRevision::Own, None))
        .await
        .expect("redrive");
    assert_eq!(
        (redriven.status, redriven.redrive_count),
        (Status::Running, 1)
    );
    until_waiting(&engine).await;
    engine.stop().await;

    let engine = TestEngine::start(backend.clone(), 1);
    let done = service
        .wait_for_end(ID, Duration::from_secs(20))
        .await
        .expect("describe");
    assert_eq!(
        done.status,
        Status::Succeeded,
        "{:?} {:?}",
        done.error,
        done.cause
    );
    assert_eq!(done.output, Some(json!({"v": 7, "inner": {"k": 1}})));
    assert_eq!(done.redrive_count, 1);
    let history = service.history(ID, 1, 1000, false).await.expect("history");
    let types: Vec<&str> = history.iter().map(|e| e.kind.as_ref()).collect();
    println!("{types:?}");
    assert_eq!(
        types.iter().filter(|t| **t == "WaitStateEntered").count(),
        2
    );
    assert_eq!(
        types.iter().filter(|t| **t == "PassStateEntered").count(),
        2,
        "Set ran once"
    );
    let at = types
        .iter()
        .position(|t| *t == "ExecutionRedriven")
        .expect("redriven");
    assert_eq!(types[at - 2..at], ["WaitStateAborted", "ExecutionAborted"]);
    assert_eq!(types[at + 1], "WaitStateEntered");
    let ids: Vec<u64> = history.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=history.len() as u64).collect::<Vec<_>>());
    engine.stop().await;
}
