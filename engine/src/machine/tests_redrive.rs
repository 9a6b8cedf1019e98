//! Redrive in the pure core: what a failed execution keeps, and what runs again.

use serde_json::{Value, json};

use baton_definitions::{ErrorName, Failure, StateMachine, parse_value};

use super::redrive::{NotRedrivable, Refusal, check_frames, redrive};
use super::*;

fn definition(def: Value) -> StateMachine {
    parse_value(&def)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .machine
}

struct Run {
    def: StateMachine,
    settings: Settings,
    exec: Execution,
    history: Vec<HistoryEvent>,
    now: i64,
    /// HTTP requests sent, by URL path.
    sent: Vec<(String, Value)>,
}

impl Run {
    fn new(def: Value, input: Value) -> Run {
        let def = definition(def);
        let settings = Settings::default();
        let machine = Machine {
            definition: &def,
            settings: &settings,
            tokens: &PlainTokens,
        };
        let (exec, tx) = start(&machine, "sm:x1".into(), "x1".into(), 1, input, 1_000);
        Run {
            history: tx.history,
            def,
            settings,
            exec,
            now: 1_000,
            sent: Vec::new(),
        }
    }

    fn input(&self) -> Input {
        Input {
            now_ms: self.now,
            random: 0.0,
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
        let tx = apply(&machine, &mut self.exec, event, input);
        self.history.extend(tx.history.clone());
        tx
    }

    /// Runs until nothing can happen, answering each request with `answer(url, body)`;
    /// timers fire at once.
    fn drive(&mut self, answer: &dyn Fn(&str, &Value) -> Result<Value, Failure>) {
        let mut effects: Vec<Effect> = Vec::new();
        let mut timers: Vec<u64> = Vec::new();
        for _ in 0..1000 {
            let tx = if let Some(frame) = self.exec.runnable() {
                self.apply(Event::Run { frame })
            } else if !effects.is_empty() {
                let Effect::Http {
                    frame,
                    state,
                    attempt,
                    request,
                    ..
                } = effects.remove(0);
                let body = request.body.clone().unwrap_or(Value::Null);
                self.sent.push((request.url.clone(), body.clone()));
                let result = answer(&request.url, &body);
                self.apply(Event::TaskResult {
                    frame,
                    state,
                    attempt,
                    result,
                })
            } else if let Some(timer) = timers.pop() {
                self.now += 1;
                self.apply(Event::Timer { timer })
            } else {
                return;
            };
            timers.retain(|t| !tx.timers_cleared.contains(t));
            timers.extend(
                tx.timers_set
                    .iter()
                    .map(|t| t.id)
                    .filter(|t| *t != EXECUTION_TIMER),
            );
            effects.extend(tx.effects);
        }
    }

    fn redrive(&mut self) -> Result<Transition, Refusal> {
        self.now += 1_000;
        let machine = Machine {
            definition: &self.def,
            settings: &self.settings,
            tokens: &PlainTokens,
        };
        let input = self.input();
        let tx = redrive(&machine, &mut self.exec, input, None)?;
        self.history.extend(tx.history.clone());
        Ok(tx)
    }

    fn sent_to(&self, url: &str) -> usize {
        self.sent.iter().filter(|(u, _)| u == url).count()
    }

    fn types_after(&self, id: u64) -> Vec<&str> {
        (self.history.iter())
            .filter(|e| e.id > id)
            .map(|e| e.kind.as_ref())
            .collect()
    }
}

fn broken(url: &str, body: &Value) -> Result<Value, Failure> {
    if url.ends_with("/bad") || body["bad"] == json!(true) {
        Err(Failure::new(ErrorName::HttpStatusCode(500), "broken"))
    } else {
        Ok(json!({"from": url, "got": body}))
    }
}

fn fixed(url: &str, body: &Value) -> Result<Value, Failure> {
    Ok(json!({"from": url, "got": body}))
}

#[test]
fn a_failed_task_in_a_sequence_runs_again_and_nothing_before_it() {
    let mut run = Run::new(
        json!({"StartAt": "One", "States": {
            "One": {"Type": "Task", "Resource": "http://h/one", "ResultPath": "$.one", "Next": "Two"},
            "Two": {"Type": "Task", "Resource": "http://h/bad", "ResultPath": "$.two",
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                "End": true}}}),
        json!({"order": 1}),
    );
    run.drive(&broken);
    assert_eq!(run.exec.status, Status::Failed);
    assert_eq!(
        (run.sent_to("http://h/one"), run.sent_to("http://h/bad")),
        (1, 2)
    );
    // Kept: the top frame, entering Two again with Two's input, retries at 0.
    let top = &run.exec.frames[&0];
    assert_eq!((top.state.as_str(), &top.step), ("Two", &Step::Enter));
    assert_eq!(top.input["order"], json!(1));
    assert!(top.input.get("one").is_some());
    assert_eq!(
        run.exec.runnable(),
        None,
        "nothing runs a finished execution"
    );
    let failed_at = run.exec.events;

    let tx = run.redrive().unwrap();
    assert_eq!(run.exec.status, Status::Running);
    assert_eq!(run.exec.redrive_count, 1);
    assert_eq!(tx.history[0].kind, "ExecutionRedriven");
    assert_eq!(tx.history[0].id, failed_at + 1);
    assert_eq!(tx.history[0].previous_event_id, failed_at);
    assert_eq!(tx.history[0].details, json!({"redriveCount": 1}));
    run.drive(&|url, body| {
        if url.ends_with("/bad") {
            fixed(url, body)
        } else {
            panic!("{url} ran again")
        }
    });
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(
        (run.sent_to("http://h/one"), run.sent_to("http://h/bad")),
        (1, 3)
    );
    let out = run.exec.output.clone().unwrap();
    assert_eq!(out["one"]["from"], json!("http://h/one"));
    assert_eq!(out["two"]["got"]["order"], json!(1));
    assert_eq!(
        run.types_after(failed_at + 1),
        [
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    // The entered event follows ExecutionRedriven; attempts keep counting.
    let entered = run.history.iter().find(|e| e.id == failed_at + 2).unwrap();
    assert_eq!(entered.previous_event_id, failed_at + 1);
    assert_eq!(run.exec.attempts["Two"], 3);
    assert!(run.exec.frames.is_empty());
}

#[test]
fn only_the_failed_parallel_branch_runs_again() {
    let mut run = Run::new(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "http://h/a", "End": true}}},
            {"StartAt": "B0", "States": {
                "B0": {"Type": "Task", "Resource": "http://h/b0", "Next": "B1"},
                "B1": {"Type": "Task", "Resource": "http://h/bad", "End": true}}}]}}}),
        json!({"k": 2}),
    );
    run.drive(&broken);
    assert_eq!(run.exec.status, Status::Failed);
    let Step::Children(c) = &run.exec.frames[&0].step else {
        panic!("{:?}", run.exec.frames[&0].step)
    };
    assert!(c.results.get(0).is_some(), "branch 0's result is kept");
    let failed_at = run.exec.events;
    run.redrive().unwrap();
    run.drive(&fixed);
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(
        (
            run.sent_to("http://h/a"),
            run.sent_to("http://h/b0"),
            run.sent_to("http://h/bad")
        ),
        (1, 1, 2)
    );
    let out = run.exec.output.clone().unwrap();
    assert_eq!(out[0]["from"], json!("http://h/a"));
    assert_eq!(out[1]["from"], json!("http://h/bad"));
    assert_eq!(out[1]["got"]["from"], json!("http://h/b0"));
    assert_eq!(
        run.types_after(failed_at + 1),
        [
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ParallelStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn only_failed_and_unstarted_map_iterations_run_again() {
    let mut run = Run::new(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": true,
            "ItemProcessor": {"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "http://h/item", "End": true}}}}}}),
        json!([{"n": 0}, {"n": 1, "bad": true}, {"n": 2}]),
    );
    let sent = |run: &Run, n: u64| run.sent.iter().filter(|(_, b)| b["n"] == json!(n)).count();
    run.drive(&broken);
    assert_eq!(run.exec.status, Status::Failed);
    assert_eq!((sent(&run, 0), sent(&run, 1), sent(&run, 2)), (1, 1, 0));
    run.redrive().unwrap();
    run.drive(&fixed);
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!((sent(&run, 0), sent(&run, 1), sent(&run, 2)), (1, 2, 1));
    let out = run.exec.output.clone().unwrap();
    let ns: Vec<&Value> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["got"]["n"])
        .collect();
    assert_eq!(ns, [&json!(0), &json!(1), &json!(2)]);
}

#[test]
fn an_aborted_wait_is_entered_again_with_its_raw_input() {
    let mut run = Run::new(
        json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 60, "InputPath": "$.inner", "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}}}),
        json!({"inner": {"v": 1}, "outer": true}),
    );
    run.apply(Event::Run { frame: 0 });
    assert!(matches!(run.exec.frames[&0].step, Step::Wait { .. }));
    run.apply(Event::Stop {
        error: None,
        cause: None,
    });
    assert_eq!(run.exec.status, Status::Aborted);
    assert_eq!(
        run.exec.frames[&0].input,
        json!({"inner": {"v": 1}, "outer": true})
    );
    let tx = run.redrive().unwrap();
    assert!(tx.timers_set.is_empty(), "no execution timeout");
    let tx = run.apply(Event::Run { frame: 0 });
    assert_eq!(tx.history[0].kind, "WaitStateEntered");
    assert_eq!(
        tx.history[0].details.value()["input"],
        json!("{\"inner\":{\"v\":1},\"outer\":true}")
    );
}

#[test]
fn a_fail_state_replaced_in_a_new_revision_lets_the_execution_succeed() {
    let mut run = Run::new(
        json!({"StartAt": "Check", "States": {
            "Check": {"Type": "Pass", "Result": 1, "ResultPath": "$.checked", "Next": "Stop"},
            "Stop": {"Type": "Fail", "Error": "Bug"}}}),
        json!({"n": 5}),
    );
    run.drive(&fixed);
    assert_eq!(run.exec.status, Status::Failed);
    assert_eq!(run.exec.frames[&0].input, json!({"n": 5, "checked": 1}));
    // The same revision cannot do better, but it can be redriven.
    let gone = definition(json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Pass", "End": true}}}));
    let Err(Refusal::Misplaced { pointer, path, .. }) = check_frames(&gone, &run.exec) else {
        panic!("a missing state is refused")
    };
    assert_eq!((pointer.as_str(), path.as_str()), ("/States/Stop", "Stop"));
    run.def = definition(json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Pass", "Result": 1, "ResultPath": "$.checked", "Next": "Stop"},
        "Stop": {"Type": "Pass", "Result": "fixed", "ResultPath": "$.stop", "End": true}}}));
    run.exec.revision = 2;
    run.redrive().unwrap();
    run.drive(&fixed);
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(
        run.exec.output,
        Some(json!({"n": 5, "checked": 1, "stop": "fixed"}))
    );
}

#[test]
fn a_state_moved_out_of_its_branch_is_refused_with_its_location() {
    let mut run = Run::new(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A/1", "States": {"A/1": {"Type": "Task", "Resource": "http://h/bad", "End": true}}}]}}}),
        json!({}),
    );
    run.drive(&broken);
    assert_eq!(run.exec.status, Status::Failed);
    let moved = definition(json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "A/1", "Branches": [
            {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}]},
        "A/1": {"Type": "Pass", "End": true}}}));
    let Err(Refusal::Misplaced { pointer, path, .. }) = check_frames(&moved, &run.exec) else {
        panic!("refused")
    };
    assert_eq!(pointer, "/States/P/Branches/0/States/A~11");
    assert_eq!(path, "P/0/A/1");
    let not_parallel = definition(json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "End": true}}}));
    let Err(Refusal::Misplaced { pointer, .. }) = check_frames(&not_parallel, &run.exec) else {
        panic!("refused")
    };
    assert_eq!(pointer, "/States/P");
}

#[test]
fn succeeded_and_running_executions_are_not_redrivable() {
    let mut run = Run::new(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "http://h/x", "End": true}}}),
        json!({}),
    );
    let effects = run.apply(Event::Run { frame: 0 }).effects;
    let before = run.exec.clone();
    assert_eq!(
        run.redrive().unwrap_err(),
        Refusal::NotRedrivable(NotRedrivable::Running)
    );
    assert_eq!(run.exec, before, "unchanged");
    let Effect::Http {
        frame,
        state,
        attempt,
        ..
    } = &effects[0];
    run.apply(Event::TaskResult {
        frame: *frame,
        state: state.clone(),
        attempt: *attempt,
        result: Ok(json!(1)),
    });
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(
        run.redrive().unwrap_err(),
        Refusal::NotRedrivable(NotRedrivable::Succeeded)
    );
}

#[test]
fn the_context_object_counts_redrives() {
    let mut run = Run::new(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "http://h/bad",
            "Parameters": {"count.$": "$$.Execution.RedriveCount", "time.$": "$$.Execution.RedriveTime"},
            "End": true}}}),
        json!({}),
    );
    // Before any redrive RedriveTime does not exist: the path fails at run time.
    run.drive(&broken);
    assert_eq!(run.exec.status, Status::Failed);
    run.redrive().unwrap();
    run.drive(&fixed);
    assert_eq!(run.exec.status, Status::Succeeded);
    let got = &run.exec.output.as_ref().unwrap()["got"];
    assert_eq!(got["count"], json!(1));
    assert_eq!(
        got["time"],
        json!(baton_definitions::time::format_timestamp_ms(
            run.exec.redrive_ms.unwrap()
        ))
    );
}

#[path = "tests_redrive_jsonata.rs"]
mod jsonata;
