//! The throughput run: `--executions` executions of a Pass/Choice loop at once, `--runs`
//! times in this process (each on a state machine of its own).

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;

use baton_engine::machine::Status;
use baton_engine::store::Store;

use crate::args::Args;
use crate::report::Report;

const LOOP: &str = r#"{"StartAt": "Init", "States": {
  "Init": {"Type": "Pass", "Parameters": {"i": 0, "n.$": "$.n"}, "Next": "Loop"},
  "Loop": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"}, "Next": "Check"},
  "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Loop"}], "Default": "Done"},
  "Done": {"Type": "Succeed"}}}"#;

/// How long to wait for the next execution to finish before giving up on a run.
const STALL: Duration = Duration::from_secs(120);

/// Runs the benchmark `--runs` times, one JSON line each, then a summary line if more than one.
pub async fn runs<S: Store>(store: &S, a: &Args, mut finished: mpsc::UnboundedReceiver<String>) {
    println!(
        "store: {}; {} executions of a Pass/Choice loop of {} rounds",
        a.store_name(),
        a.executions,
        a.loops
    );
    let mut reports = Vec::new();
    for run in 1..=a.runs {
        let report = once(store, a, run, &mut finished).await;
        report.print();
        reports.push(report);
    }
    if reports.len() > 1 {
        Report::summary(a, &reports).print();
    }
}

async fn once<S: Store>(
    store: &S,
    a: &Args,
    run: u64,
    finished: &mut mpsc::UnboundedReceiver<String>,
) -> Report {
    let name = format!("loop{run}");
    let def = crate::create(store, &name, LOOP).await;
    let began = Instant::now();
    let input = json!({"n": a.loops});
    crate::start_many(store, &def, &name, a.executions, input).await;
    let started = began.elapsed();
    let mine = format!("{name}:");
    let mut done = 0;
    while done < a.executions {
        match tokio::time::timeout(STALL, finished.recv()).await {
            Ok(Some(id)) => done += u64::from(id.starts_with(&mine)),
            _ => break,
        }
    }
    let elapsed = began.elapsed();
    let mut transitions = 0u64;
    let mut succeeded = 0;
    for i in 0..a.executions {
        if let Ok(Some(exec)) = store.load_execution(&format!("{name}:e{i}")).await {
            transitions += exec.seq;
            succeeded += u64::from(exec.status == Status::Succeeded);
        }
    }
    let seconds = elapsed.as_secs_f64();
    println!(
        "run {run}: started {} executions in {:.3} s; {succeeded} succeeded; \
         {transitions} transitions committed in {seconds:.3} s",
        a.executions,
        started.as_secs_f64()
    );
    Report {
        run: Some(run),
        runs: Some(a.runs),
        executions: Some(a.executions),
        loops: Some(a.loops),
        succeeded: Some(succeeded),
        transitions: Some(transitions),
        seconds: Some(seconds),
        transitions_per_sec: Some((transitions as f64 / seconds).round()),
        ..Report::new("throughput", a)
    }
}
