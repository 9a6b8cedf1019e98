//! A worker bounds the commits it has handed to the store and not seen answered
//! (`WorkerConfig::max_commits_in_flight`, `worker/committer.rs`'s `InFlight`): past the
//! bound an execution waits for its commits in flight before computing the next one, so
//! executions running Pass/Choice chains at once cannot each queue up to 128 commits (a few
//! KB apiece) while the store is the bottleneck.

#![allow(unused_macros, unused_imports)] // parts of `common` this test does not use

mod common;

use std::sync::atomic::Ordering;

use serde_json::json;

use baton_engine::machine::Status;
use baton_engine::worker::WorkerConfig;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_in_flight_stay_near_their_bound() {
    const EXECUTIONS: usize = 40;
    const ROUNDS: u64 = 300;
    const MOST: usize = 16;
    let recorder = Recorder::default();
    let peak = recorder.peak_in_flight.clone();
    metrics::set_global_recorder(recorder).expect("the only recorder");
    let Some(fixture) = redis().await else { return };
    let worker = WorkerConfig {
        max_commits_in_flight: MOST,
        ..WorkerConfig::default()
    };
    let rig = fixture.engine_configured(Default::default(), worker);
    let definition = json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Parameters": {"i": 0, "n.$": "$.n"}, "Next": "Loop"},
        "Loop": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Loop"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}}});
    let mut ids = Vec::new();
    for i in 0..EXECUTIONS {
        ids.push(
            rig.start(&format!("bounded{i}"), &definition, json!({"n": ROUNDS}))
                .await,
        );
    }
    for id in &ids {
        let exec = rig.wait_final(id).await;
        assert_eq!(exec.status, Status::Succeeded, "{id}");
        assert_eq!(exec.output, Some(json!({"i": ROUNDS, "n": ROUNDS})), "{id}");
    }
    let peak = peak.load(Ordering::Relaxed) as usize;
    println!(
        "{EXECUTIONS} loops of {ROUNDS} rounds, at most {MOST} commits in flight asked: \
         {peak} seen at most"
    );
    // Each execution may hand over one commit past the bound before it waits for an answer.
    assert!(peak <= MOST + EXECUTIONS, "{peak} commits in flight");
    // The bound was reached: the loops did pipeline (or this test shows nothing).
    assert!(peak >= MOST, "only {peak} commits in flight");
}
