//! Unit tests of the pure core, one per row of the transition table where it matters.

use serde_json::{Value, json};

use baton_definitions::{ErrorName, Failure, StateMachine, parse_value};

use super::driver::drive;
use super::*;

fn definition(def: Value) -> StateMachine {
    parse_value(&def)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .machine
}

fn types(history: &[HistoryEvent]) -> Vec<&str> {
    history.iter().map(|e| e.kind.as_ref()).collect()
}

struct Run {
    def: StateMachine,
    settings: Settings,
    exec: Execution,
    history: Vec<HistoryEvent>,
    now: i64,
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
        }
    }

    fn apply(&mut self, event: Event) -> Transition {
        let machine = Machine {
            definition: &self.def,
            settings: &self.settings,
            tokens: &PlainTokens,
        };
        let tx = apply(
            &machine,
            &mut self.exec,
            event,
            Input {
                now_ms: self.now,
                random: 0.0,
            },
        );
        self.history.extend(tx.history.clone());
        tx
    }

    /// Runs every runnable frame; returns the effects asked for.
    fn run(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        while let Some(frame) = self.exec.runnable() {
            effects.extend(self.apply(Event::Run { frame }).effects);
        }
        effects
    }
}

fn http(effect: &Effect) -> (u32, u32, &HttpRequest) {
    let Effect::Http {
        frame,
        attempt,
        request,
        ..
    } = effect;
    (*frame, *attempt, request)
}

#[test]
fn pass_states_chain_and_write_aws_history() {
    let mut run = Run::new(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a.x, 2)"}, "End": true}}}),
        json!({"in": true}),
    );
    assert!(run.run().is_empty());
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(run.exec.output, Some(json!({"sum": 3})));
    assert_eq!(
        types(&run.history),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let ids: Vec<u64> = run.history.iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    let prev: Vec<u64> = run.history.iter().map(|e| e.previous_event_id).collect();
    assert_eq!(prev, [0, 1, 2, 3, 4, 5]);
    assert_eq!(
        run.history[2].details.value()["output"],
        json!("{\"in\":true,\"a\":{\"x\":1}}")
    );
    assert!(run.exec.frames.is_empty());
}

#[test]
fn http_task_sends_after_commit_with_idempotency_key_and_retries() {
    let mut run = Run::new(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "http://127.0.0.1:9/charge",
            "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 2, "MaxAttempts": 1}],
            "ResultSelector": {"paid.$": "$.ok"}, "ResultPath": "$.charge", "End": true}}}),
        json!({"order": 7}),
    );
    let effects = run.run();
    assert_eq!(effects.len(), 1);
    let (frame, attempt, request) = http(&effects[0]);
    assert_eq!((frame, attempt), (0, 1));
    assert_eq!(request.idempotency_key, "sm:x1/T/1");
    assert_eq!(request.body, Some(json!({"order": 7})));
    assert_eq!(request.method, "POST");
    // A 503 is retried after 2 s with a durable timer.
    let tx = run.apply(Event::TaskResult {
        frame,
        state: "T".into(),
        attempt,
        result: Err(Failure::new(ErrorName::HttpStatusCode(503), "{}")),
    });
    assert_eq!(tx.timers_set.len(), 1);
    assert_eq!(tx.timers_set[0].due_ms, 3_000);
    assert!(tx.effects.is_empty());
    // A late answer for attempt 1 is stale.
    assert!(
        run.apply(Event::TaskResult {
            frame,
            state: "T".into(),
            attempt: 1,
            result: Ok(json!({}))
        })
        .is_empty()
    );
    run.now = 3_000;
    let tx = run.apply(Event::Timer {
        timer: tx.timers_set[0].id,
    });
    let (_, attempt, request) = http(&tx.effects[0]);
    assert_eq!(attempt, 2);
    assert_eq!(request.idempotency_key, "sm:x1/T/2");
    run.apply(Event::TaskResult {
        frame,
        state: "T".into(),
        attempt: 2,
        result: Ok(json!({"ok": true})),
    });
    assert_eq!(
        run.exec.output,
        Some(json!({"order": 7, "charge": {"paid": true}}))
    );
    assert_eq!(
        types(&run.history)[1..],
        [
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn an_answer_for_another_state_of_the_frame_is_stale() {
    // A and B run in one frame, each at its attempt 1: only the state name tells an answer
    // for A from one for B (e.g. A's request answered after the store lost the commits
    // that moved the frame to B, and sent again).
    let mut run = Run::new(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "http://127.0.0.1:9/a", "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Task", "Resource": "http://127.0.0.1:9/b", "ResultPath": "$.b", "End": true}}}),
        json!({}),
    );
    let (frame, attempt, _) = http(&run.run()[0]);
    let mut effects = run
        .apply(Event::TaskResult {
            frame,
            state: "A".into(),
            attempt,
            result: Ok(json!("from a")),
        })
        .effects;
    effects.extend(run.run());
    assert_eq!(effects.len(), 1, "B's request");
    let (b_frame, b_attempt, request) = http(&effects[0]);
    assert_eq!(
        (b_frame, b_attempt),
        (frame, attempt),
        "the same frame and attempt"
    );
    assert_eq!(request.url, "http://127.0.0.1:9/b");
    let before = run.exec.clone();
    for state in ["A", "C"] {
        let stale = run.apply(Event::TaskResult {
            frame,
            state: state.into(),
            attempt,
            result: Ok(json!("stale")),
        });
        assert!(stale.is_empty(), "an answer named {state} changed B's step");
        assert_eq!(run.exec.frames, before.frames);
        assert_eq!(run.exec.events, before.events, "no history event");
    }
    run.apply(Event::TaskResult {
        frame,
        state: "B".into(),
        attempt,
        result: Ok(json!("from b")),
    });
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(run.exec.output, Some(json!({"a": "from a", "b": "from b"})));
}

#[test]
fn callback_state_mints_a_token_notifies_and_resumes() {
    let mut run = Run::new(
        json!({"StartAt": "Approve", "States": {"Approve": {"Type": "Callback",
            "Notify": {"ApiEndpoint": "http://127.0.0.1:9/notify", "Method": "POST",
                       "RequestBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
            "HeartbeatSeconds": 10, "TimeoutSeconds": 100, "ResultPath": "$.approval", "End": true}}}),
        json!({"order": 7}),
    );
    let effects = run.run();
    let (frame, attempt, request) = http(&effects[0]);
    assert_eq!(
        request.body,
        Some(json!({"token": "sm:x1/Approve/1", "order": 7}))
    );
    assert_eq!(request.url, "http://127.0.0.1:9/notify");
    run.apply(Event::Submitted {
        frame,
        state: "Approve".into(),
        attempt,
        result: Ok(json!({"queued": true})),
    });
    assert_eq!(run.exec.status, Status::Running);
    assert!(run.exec.is_parked());
    assert_eq!(run.exec.in_flight().count(), 0);
    let Step::Task(step) = &run.exec.frames[&frame].step else {
        panic!("a task step");
    };
    assert_eq!(step.request, None, "the answered notification is not kept");
    assert_eq!(step.token.as_deref(), Some("sm:x1/Approve/1"));
    let tx = run.apply(Event::Callback {
        state: "Approve".into(),
        attempt: 1,
        outcome: Outcome::Success {
            output: json!({"ok": 1}),
        },
    });
    assert_eq!(
        tx.tokens_closed,
        [("Approve/1".to_owned(), TokenClosed::Answered)],
        "closed by its callback"
    );
    assert_eq!(tx.timers_cleared.len(), 2);
    assert_eq!(
        run.exec.output,
        Some(json!({"order": 7, "approval": {"ok": 1}}))
    );
    assert_eq!(
        types(&run.history)[1..],
        [
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn heartbeat_timeout_raises_and_can_be_caught() {
    let mut run = Run::new(
        json!({"StartAt": "W", "States": {
            "W": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "HeartbeatSeconds": 5,
                  "Parameters": {"t.$": "$$.Task.Token"},
                  "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.err", "Next": "Done"}], "End": true},
            "Done": {"Type": "Succeed"}}}),
        json!({}),
    );
    let effects = run.run();
    assert!(
        effects.is_empty(),
        "a service Baton does not call only waits"
    );
    let open = run
        .history
        .iter()
        .find(|e| e.kind == "TaskScheduled")
        .unwrap();
    assert_eq!(
        open.details.value()["parameters"],
        json!("{\"t\":\"sm:x1/W/1\"}")
    );
    let timer = run.exec.frames[&0].step.clone();
    let Step::Task(step) = timer else { panic!() };
    run.now = 6_000;
    let tx = run.apply(Event::Timer {
        timer: step.heartbeat_timer.unwrap(),
    });
    assert_eq!(
        tx.tokens_closed,
        [("W/1".to_owned(), TokenClosed::TimedOut)]
    );
    run.run();
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(
        run.exec.output.as_ref().unwrap()["err"]["Error"],
        json!("States.HeartbeatTimeout")
    );
    assert!(types(&run.history).contains(&"TaskTimedOut"));
}

#[test]
fn wait_uses_a_durable_timer_and_ignores_stale_ones() {
    let mut run = Run::new(
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}}),
        json!({"a": 1}),
    );
    assert!(run.run().is_empty());
    let Step::Wait { timer, .. } = run.exec.frames[&0].step else {
        panic!("waiting")
    };
    assert!(run.apply(Event::Timer { timer: timer + 10 }).is_empty());
    run.now = 31_000;
    run.apply(Event::Timer { timer });
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(run.exec.output, Some(json!({"a": 1})));
}

#[test]
fn parallel_keeps_branch_order_and_a_failure_stops_the_others() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "http://h/a", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "http://h/b", "End": true}}}]}}});
    let mut run = Run::new(def.clone(), json!(1));
    let effects = run.run();
    assert_eq!(effects.len(), 2);
    let (fb, ab, _) = http(&effects[1]);
    let (fa, aa, _) = http(&effects[0]);
    run.apply(Event::TaskResult {
        frame: fb,
        state: "B".into(),
        attempt: ab,
        result: Ok(json!("b")),
    });
    run.apply(Event::TaskResult {
        frame: fa,
        state: "A".into(),
        attempt: aa,
        result: Ok(json!("a")),
    });
    assert_eq!(run.exec.output, Some(json!(["a", "b"])));

    let mut run = Run::new(def, json!(1));
    let effects = run.run();
    let (fa, aa, _) = http(&effects[0]);
    let (fb, ab, _) = http(&effects[1]);
    run.apply(Event::TaskResult {
        frame: fa,
        state: "A".into(),
        attempt: aa,
        result: Err(Failure::new(ErrorName::parse("Boom"), "x")),
    });
    assert_eq!(run.exec.status, Status::Failed);
    assert_eq!(run.exec.error.as_deref(), Some("Boom"));
    // The frames stay, for a redrive (tests_redrive.rs); none of them runs.
    assert_eq!(run.exec.frames.len(), 3);
    assert_eq!(run.exec.runnable(), None);
    assert!(
        run.apply(Event::TaskResult {
            frame: fb,
            state: "B".into(),
            attempt: ab,
            result: Ok(json!(1))
        })
        .is_empty()
    );
}

#[test]
fn map_honours_max_concurrency_and_keeps_item_order() {
    let mut run = Run::new(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "ItemsPath": "$.items",
            "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
            "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "http://h/t", "End": true}}},
            "End": true}}}),
        json!({"items": ["a", "b", "c", "d"]}),
    );
    let mut pending = run.run();
    let mut max_seen = 0;
    let mut order = Vec::new();
    while let Some(effect) = pending.pop() {
        let running = run
            .exec
            .frames
            .values()
            .filter(|f| matches!(f.step, Step::Task(_)))
            .count();
        max_seen = max_seen.max(running);
        let (frame, attempt, request) = http(&effect);
        order.push(request.body.clone().unwrap()["i"].clone());
        let body = request.body.clone().unwrap();
        run.apply(Event::TaskResult {
            frame,
            state: "T".into(),
            attempt,
            result: Ok(body["v"].clone()),
        });
        pending.extend(run.run());
    }
    assert_eq!(max_seen, 2);
    assert_eq!(run.exec.output, Some(json!(["a", "b", "c", "d"])));
    assert_eq!(order.len(), 4);
    let kinds = types(&run.history);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "MapIterationSucceeded")
            .count(),
        4
    );
    assert_eq!(
        kinds[kinds.len() - 3..],
        ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    );
}

#[test]
fn map_tolerated_failures() {
    let run = drive(
        &definition(
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1,
            "ItemProcessor": {"StartAt": "C", "States": {"C": {"Type": "Choice",
                "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "F"}], "Default": "OK"},
                "F": {"Type": "Fail", "Error": "Bad"}, "OK": {"Type": "Succeed"}}},
            "End": true}}}),
        ),
        &Settings::default(),
        ExecutionKind::Standard,
        json!([1, 2, 3]),
        |_| Ok(Value::Null),
        1000,
    );
    assert_eq!(run.execution.status, Status::Succeeded);
    assert_eq!(run.execution.output, Some(json!([1, {"Error": "Bad"}, 3])));

    let run = drive(
        &definition(
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 0,
            "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad"}}}, "End": true}}}),
        ),
        &Settings::default(),
        ExecutionKind::Standard,
        json!([1]),
        |_| Ok(Value::Null),
        1000,
    );
    assert_eq!(
        run.execution.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
}

#[test]
fn stop_aborts_and_drops_tokens_and_timers() {
    let mut run = Run::new(
        json!({"StartAt": "C", "States": {"C": {"Type": "Callback", "TimeoutSeconds": 60, "End": true}}}),
        json!({}),
    );
    run.run();
    let tx = run.apply(Event::Stop {
        error: Some("Cancelled".into()),
        cause: Some("by test".into()),
    });
    assert!(tx.finished);
    assert_eq!(run.exec.status, Status::Aborted);
    assert_eq!(tx.tokens_closed, [("C/1".to_owned(), TokenClosed::Gone)]);
    assert_eq!(tx.timers_cleared.len(), 1);
    assert_eq!(
        types(&run.history)[4..],
        ["TaskStateAborted", "ExecutionAborted"]
    );
    assert!(run.apply(Event::Run { frame: 0 }).is_empty());
}

#[test]
fn execution_timeout_ends_as_timed_out() {
    let mut run = Run::new(
        json!({"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}),
        json!({}),
    );
    run.run();
    run.now = 6_000;
    run.apply(Event::Timer {
        timer: EXECUTION_TIMER,
    });
    assert_eq!(run.exec.status, Status::TimedOut);
    assert_eq!(types(&run.history).last(), Some(&"ExecutionTimedOut"));
}

#[test]
fn history_limit_fails_the_execution() {
    let def = definition(json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}], "Default": "A"},
        "Done": {"Type": "Succeed"}}}));
    let settings = Settings {
        max_history_events: 50,
        ..Settings::default()
    };
    let run = drive(
        &def,
        &settings,
        ExecutionKind::Standard,
        json!({}),
        |_| Ok(Value::Null),
        10_000,
    );
    assert_eq!(run.execution.status, Status::Failed);
    assert!(
        run.execution
            .cause
            .as_deref()
            .unwrap()
            .contains("maximum number of history events (50)")
    );
    assert_eq!(run.history.len(), 50);
    assert_eq!(run.history.last().unwrap().kind, "ExecutionFailed");
}

#[test]
fn data_limit_exceeded_is_terminal() {
    let settings = Settings {
        max_payload_bytes: 100,
        ..Settings::default()
    };
    let def = definition(
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "x".repeat(200), "End": true}}}),
    );
    let run = drive(
        &def,
        &settings,
        ExecutionKind::Standard,
        json!({}),
        |_| Ok(Value::Null),
        100,
    );
    assert_eq!(
        run.execution.error.as_deref(),
        Some("States.DataLimitExceeded")
    );
}

#[test]
fn runtime_errors_are_not_caught() {
    let def = definition(json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "http://h", "InputPath": "$.missing",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S"}], "End": true},
        "S": {"Type": "Succeed"}}}));
    let run = drive(
        &def,
        &Settings::default(),
        ExecutionKind::Standard,
        json!({}),
        |_| Ok(Value::Null),
        100,
    );
    assert_eq!(run.execution.error.as_deref(), Some("States.Runtime"));
    assert_eq!(
        run.execution.cause.as_deref(),
        Some(
            "An error occurred while executing the state 'T' (entered at the event id #2). Invalid path '$.missing' : No results for path: $['missing']"
        )
    );
}

/// Only a callback closes its token as `Answered`: a failed notification, a timeout and a
/// stop close it otherwise (the store refuses those while a callback waits).
#[test]
fn tokens_are_closed_answered_only_by_their_callback() {
    let def = json!({"StartAt": "Approve", "States": {"Approve": {"Type": "Callback",
        "Notify": {"ApiEndpoint": "http://127.0.0.1:9/notify", "Method": "POST"},
        "HeartbeatSeconds": 10, "End": true}}});
    let mut run = Run::new(def.clone(), json!({}));
    let effects = run.run();
    let (frame, attempt, _) = http(&effects[0]);
    let tx = run.apply(Event::Submitted {
        frame,
        state: "Approve".into(),
        attempt,
        result: Err(Failure::new(ErrorName::TaskFailed, "down")),
    });
    assert_eq!(
        tx.tokens_closed,
        [("Approve/1".to_owned(), TokenClosed::Done)]
    );

    let mut run = Run::new(def.clone(), json!({}));
    run.run();
    let Step::Task(step) = &run.exec.frames[&0].step else {
        panic!("waiting")
    };
    let timer = step.heartbeat_timer.expect("a heartbeat timer");
    let tx = run.apply(Event::Timer { timer });
    assert_eq!(
        tx.tokens_closed,
        [("Approve/1".to_owned(), TokenClosed::TimedOut)]
    );

    let mut run = Run::new(def, json!({}));
    run.run();
    let tx = run.apply(Event::Stop {
        error: None,
        cause: None,
    });
    assert_eq!(
        tx.tokens_closed,
        [("Approve/1".to_owned(), TokenClosed::Gone)]
    );
    assert!(
        run.exec.expires_ms.is_some(),
        "a finished execution expires"
    );
}

#[test]
fn aws_history_shape_adds_payload_details() {
    let event = HistoryEvent {
        id: 2,
        previous_event_id: 1,
        timestamp_ms: 1_500,
        kind: "PassStateEntered".into(),
        details: super::Details::state_entered("A", super::json_text(&json!({}))),
    };
    let full = event.to_aws(true);
    assert_eq!(
        full["stateEnteredEventDetails"],
        json!({"name": "A", "input": "{}", "inputDetails": {"truncated": false}})
    );
    assert_eq!(full["timestamp"], json!(1.5));
    assert_eq!(full["previousEventId"], json!(1));
    let bare = event.to_aws(false);
    assert_eq!(
        bare["stateEnteredEventDetails"],
        json!({"name": "A", "inputDetails": {"included": false}})
    );
}

/// A loop that wraps its value one level deeper each round fails once the value would
/// nest deeper than `MAX_VALUE_DEPTH` (before it could overflow a stack when written).
#[test]
fn outputs_nested_too_deep_fail_with_data_limit_exceeded() {
    let mut run = Run::new(
        json!({"StartAt": "Wrap", "States": {
            "Wrap": {"Type": "Pass", "Parameters": {"w.$": "$"}, "Next": "Again"},
            "Again": {"Type": "Choice", "Choices": [
                {"Variable": "$.never", "IsPresent": true, "Next": "Done"}], "Default": "Wrap"},
            "Done": {"Type": "Succeed"}}}),
        json!({}),
    );
    for _ in 0..2 * MAX_VALUE_DEPTH {
        if run.exec.status.is_final() {
            break;
        }
        run.run();
    }
    assert_eq!(run.exec.status, Status::Failed);
    assert_eq!(run.exec.error.as_deref(), Some("States.DataLimitExceeded"));
    let cause = run.exec.cause.clone().unwrap_or_default();
    assert!(cause.contains("nested more than 512 levels"), "{cause}");
    let rounds = types(&run.history)
        .iter()
        .filter(|t| **t == "PassStateExited")
        .count();
    assert_eq!(
        rounds,
        MAX_VALUE_DEPTH - 1,
        "the deepest output that passes has 512 levels"
    );
}
