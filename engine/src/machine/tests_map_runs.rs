//! Map Runs kept by the pure core: counters, status and ARN of a distributed Map's runs.

use serde_json::{Value, json};

use baton_definitions::StateMachine;

use super::*;

struct Run {
    def: StateMachine,
    settings: Settings,
    exec: Execution,
    now: i64,
}

impl Run {
    fn new(def: Value, input: Value) -> Run {
        let def = baton_definitions::parse_value(&def)
            .expect("valid definition")
            .machine;
        let settings = Settings::default();
        let machine = Machine {
            definition: &def,
            settings: &settings,
            tokens: &PlainTokens,
        };
        let (exec, _) = start(&machine, "sm:x1".into(), "x1".into(), 1, input, 1_000);
        Run {
            def,
            settings,
            exec,
            now: 1_000,
        }
    }

    fn apply(&mut self, event: Event) -> Transition {
        let machine = Machine {
            definition: &self.def,
            settings: &self.settings,
            tokens: &PlainTokens,
        };
        let input = Input {
            now_ms: self.now,
            random: 0.0,
        };
        apply(&machine, &mut self.exec, event, input)
    }

    /// Runs every runnable frame; returns the timers set.
    fn run(&mut self) -> Vec<Timer> {
        let mut timers = Vec::new();
        while let Some(frame) = self.exec.runnable() {
            timers.extend(self.apply(Event::Run { frame }).timers_set);
        }
        timers
    }
}

fn distributed(max: u32, tolerated: u32) -> Value {
    json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": max,
        "ToleratedFailureCount": tolerated, "Label": "Each",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "IsPresent": true, "Next": "F"}], "Default": "W"},
            "F": {"Type": "Fail", "Error": "Bad"},
            "W": {"Type": "Wait", "SecondsPath": "$.w", "End": true}}},
        "End": true}}})
}

fn counts(run: &MapRun) -> (u64, u64, u64, u64, u64, u64) {
    (
        run.pending(),
        run.running(),
        run.succeeded,
        run.failed,
        run.aborted,
        run.total,
    )
}

#[test]
fn counters_follow_the_items_of_a_distributed_map() {
    let mut r = Run::new(
        distributed(2, 1),
        json!([{"w": 1}, {"w": 1}, {"w": 0}, {"fail": true}]),
    );
    let mut timers = r.run();
    assert_eq!(r.exec.map_runs.len(), 1);
    assert_eq!(counts(&r.exec.map_runs[0]), (2, 2, 0, 0, 0, 4));
    r.now = 2_000;
    while let Some(timer) = timers.pop() {
        timers.extend(r.apply(Event::Timer { timer: timer.id }).timers_set);
        timers.extend(r.run());
    }
    assert_eq!(r.exec.status, Status::Succeeded, "{:?}", r.exec.cause);
    let run = &r.exec.map_runs[0];
    assert_eq!(counts(run), (0, 0, 3, 1, 0, 4));
    assert_eq!(run.status, MapRunStatus::Succeeded);
    assert_eq!((run.start_ms, run.stop_ms), (1_000, Some(2_000)));
    let arn = run.arn(&r.settings, &r.exec);
    assert_eq!(
        arn,
        format!(
            "arn:aws:states:us-east-1:123456789012:mapRun:sm/Each:{}",
            run_uuid("sm:x1", run.children)
        )
    );
}

#[test]
fn a_stopped_execution_aborts_its_map_run() {
    let mut r = Run::new(distributed(0, 0), json!([{"w": 5}, {"w": 5}]));
    r.run();
    r.apply(Event::Stop {
        error: None,
        cause: None,
    });
    assert_eq!(r.exec.status, Status::Aborted);
    let run = &r.exec.map_runs[0];
    assert_eq!(run.status, MapRunStatus::Aborted);
    assert_eq!(counts(run), (0, 0, 0, 0, 2, 2));
}

#[test]
fn an_iteration_that_ends_quietly_is_still_a_change_to_commit() {
    let mut r = Run::new(distributed(0, 0), json!([{"w": 1}, {"w": 1}]));
    let timers = r.run();
    assert_eq!(timers.len(), 2);
    let seq = r.exec.seq;
    r.now = 2_000;
    let tx = r.apply(Event::Timer {
        timer: timers[0].id,
    });
    // No history (the iteration is quiet), no timer, no token: only frames changed.
    assert!(tx.is_empty());
    assert_eq!(
        r.exec.seq,
        seq + 1,
        "the worker commits only when seq moves"
    );
    assert_eq!(counts(&r.exec.map_runs[0]), (0, 1, 1, 0, 0, 2));
}
