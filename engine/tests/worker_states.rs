//! Every state type run by a real worker on both stores: Pass, Choice, Succeed, Fail,
//! Wait (durable timers that really wait), Parallel, Map, the context object, the
//! execution timeout and the payload and history limits. Tasks call real HTTP services on
//! loopback started by the test.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use baton_definitions::time::format_timestamp_ms as iso_ms;
use baton_engine::machine::{HistoryEvent, Settings, Status};
use baton_engine::store::Store;

use common::*;

on_both_stores!(
    pass_states_shape_data_and_chain,
    choice_routes_by_rules_and_default,
    choice_without_a_match_fails_with_runtime,
    succeed_state_ends_with_its_filtered_input,
    fail_state_with_error_and_cause,
    fail_state_with_error_path_and_cause_path,
    wait_states_really_wait,
    parallel_results_are_in_branch_order,
    parallel_branch_failure_cancels_siblings,
    map_honours_max_concurrency_and_keeps_item_order,
    map_tolerated_failures,
    map_iteration_failure_aborts_running_iterations,
    context_object_fields,
    execution_timeout_times_out,
    execution_timeout_of_a_start_is_seen_at_once,
    state_output_over_the_payload_limit_is_uncatchable,
    history_limit_fails_the_execution,
);

async fn pass_states_shape_data_and_chain<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"StartAt": "Seed", "States": {
        "Seed": {"Type": "Pass", "Result": {"x": 1, "y": [5, 6]}, "ResultPath": "$.seed", "Next": "Shape"},
        "Shape": {"Type": "Pass", "InputPath": "$.seed",
            "Parameters": {"sum.$": "States.MathAdd($.x, 41)", "first.$": "$.y[0]", "const": "c"},
            "ResultPath": "$.shaped", "OutputPath": "$.shaped", "End": true}}});
    let id = rig.start("pass", &def, json!({"in": true})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(json!({"sum": 42, "first": 5, "const": "c"}))
    );

    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_linear(&history);
    assert_eq!(json_in(&history[0], "input"), json!({"in": true}));
    assert_eq!(history[1].details.value()["name"], "Seed");
    assert_eq!(json_in(&history[1], "input"), json!({"in": true}));
    assert_eq!(
        json_in(&history[2], "output"),
        json!({"in": true, "seed": {"x": 1, "y": [5, 6]}})
    );
    assert_eq!(history[3].details.value()["name"], "Shape");
    assert_eq!(
        json_in(&history[4], "output"),
        json!({"sum": 42, "first": 5, "const": "c"})
    );
    assert_eq!(
        json_in(&history[5], "output"),
        json!({"sum": 42, "first": 5, "const": "c"})
    );
    assert!(!rig.is_active(&id).await);
}

async fn choice_routes_by_rules_and_default<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
            {"And": [{"Variable": "$.s", "IsPresent": true}, {"Variable": "$.s", "StringMatches": "a*"}], "Next": "A"}],
            "Default": "Other"},
        "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.route", "End": true},
        "A": {"Type": "Pass", "Result": "a", "ResultPath": "$.route", "End": true},
        "Other": {"Type": "Pass", "Result": "other", "ResultPath": "$.route", "End": true}}});
    let cases = [
        ("big", json!({"n": 20, "s": "abc"}), "Big"),
        ("a", json!({"n": 1, "s": "abc"}), "A"),
        ("other", json!({"n": 1, "s": "xyz"}), "Other"),
        ("absent", json!({"n": 1}), "Other"),
    ];
    let mut ids = Vec::new();
    for (sm, input, _) in &cases {
        ids.push(rig.start(sm, &def, input.clone()).await);
    }
    for ((_, input, target), id) in cases.iter().zip(&ids) {
        let exec = rig.wait_final(id).await;
        assert_eq!(exec.status, Status::Succeeded, "{id}");
        let mut expected = input.clone();
        expected["route"] = json!(target.to_lowercase());
        assert_eq!(exec.output, Some(expected), "{id}");
        let history = rig.history(id).await;
        assert_eq!(
            kinds(&history),
            [
                "ExecutionStarted",
                "ChoiceStateEntered",
                "ChoiceStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ExecutionSucceeded"
            ],
            "{id}"
        );
        assert_linear(&history);
        assert_eq!(history[2].details.value()["name"], "Route");
        assert_eq!(json_in(&history[2], "output"), *input, "{id}");
        assert_eq!(history[3].details.value()["name"], *target, "{id}");
    }
}

async fn choice_without_a_match_fails_with_runtime<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericEquals": 1, "Next": "One"}]},
        "One": {"Type": "Succeed"}}});
    let id = rig.start("nomatch", &def, json!({"n": 2})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Runtime"));
    let cause = exec.cause.unwrap_or_default();
    assert!(
        cause.starts_with(
            "An error occurred while executing the state 'Route' (entered at the event id #2)."
        ),
        "{cause}"
    );
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        ["ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"]
    );
    assert_linear(&history);
    assert_eq!(history[2].details.value()["error"], "States.Runtime");
    assert_eq!(history[2].details.value()["cause"], json!(cause));
}

async fn succeed_state_ends_with_its_filtered_input<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Done"}], "Default": "Never"},
        "Never": {"Type": "Fail", "Error": "Unreachable"},
        "Done": {"Type": "Succeed", "InputPath": "$.result", "OutputPath": "$.kept"}}});
    let input = json!({"ok": true, "result": {"kept": {"v": 1}, "dropped": 2}});
    let id = rig.start("succeed", &def, input).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"v": 1})));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_linear(&history);
    assert_eq!(json_in(&history[4], "output"), json!({"v": 1}));
}

async fn fail_state_with_error_and_cause<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Next": "Stop"},
        "Stop": {"Type": "Fail", "Error": "Order.Invalid", "Cause": "the order has no lines"}}});
    let id = rig.start("fail", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("Order.Invalid"));
    assert_eq!(exec.cause.as_deref(), Some("the order has no lines"));
    assert_eq!(exec.output, None);
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "FailStateEntered",
            "ExecutionFailed"
        ]
    );
    assert_linear(&history);
    assert_eq!(
        history[4].details,
        json!({"error": "Order.Invalid", "cause": "the order has no lines"})
    );
}

async fn fail_state_with_error_path_and_cause_path<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"StartAt": "Stop", "States": {
        "Stop": {"Type": "Fail", "ErrorPath": "$.failure.name",
            "CausePath": "States.Format('code {} for {}', $.failure.code, $$.Execution.Name)"}}});
    let input = json!({"failure": {"name": "Custom.Error", "code": 7}});
    let id = rig.start("failpath", &def, input).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("Custom.Error"));
    assert_eq!(exec.cause.as_deref(), Some("code 7 for exec"));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    );
    assert_eq!(
        history[2].details,
        json!({"error": "Custom.Error", "cause": "code 7 for exec"})
    );

    // A path that selects nothing is a States.Runtime error.
    let id = rig.start("failpath2", &def, json!({"failure": {}})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Runtime"));
}

async fn wait_states_really_wait<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let wait = |spec: Value| {
        let mut state = json!({"Type": "Wait", "End": true});
        for (k, v) in spec.as_object().expect("object") {
            state[k] = v.clone();
        }
        json!({"StartAt": "Hold", "States": {"Hold": state}})
    };
    let began = Instant::now();
    let until_ms = baton_engine::worker::now_ms() + 1_300;
    let until = iso_ms(until_ms);
    let cases: Vec<(&str, Value, Value, i64)> = vec![
        (
            "seconds",
            wait(json!({"Seconds": 1})),
            json!({"k": 1}),
            1_000,
        ),
        (
            "timestamp",
            wait(json!({"Timestamp": until})),
            json!({"k": 2}),
            0,
        ),
        (
            "secondspath",
            wait(json!({"SecondsPath": "$.delay"})),
            json!({"delay": 1}),
            1_000,
        ),
        (
            "timestamppath",
            wait(json!({"TimestampPath": "$.until"})),
            json!({"until": until}),
            0,
        ),
        (
            "past",
            wait(json!({"Timestamp": "2020-01-01T00:00:00Z"})),
            json!({"k": 3}),
            0,
        ),
    ];
    let mut ids = Vec::new();
    for (sm, def, input, _) in &cases {
        ids.push(rig.start(sm, def, input.clone()).await);
    }
    for ((sm, _, input, at_least), id) in cases.iter().zip(&ids) {
        let exec = rig.wait_final(id).await;
        assert_eq!(exec.status, Status::Succeeded, "{id}");
        assert_eq!(exec.output.as_ref(), Some(input), "{id}");
        let history = rig.history(id).await;
        assert_eq!(
            kinds(&history),
            [
                "ExecutionStarted",
                "WaitStateEntered",
                "WaitStateExited",
                "ExecutionSucceeded"
            ],
            "{id}"
        );
        assert_linear(&history);
        let waited = millis_between(&history[1], &history[2]);
        assert!(waited >= *at_least, "{id} waited {waited} ms");
        match *sm {
            "timestamp" | "timestamppath" => {
                assert!(history[2].timestamp_ms >= until_ms, "{id} left early");
            }
            "past" => assert!(waited < 1_000, "{id} waited {waited} ms"),
            _ => {}
        }
    }
    assert!(began.elapsed() >= Duration::from_millis(1_300));
}

async fn parallel_results_are_in_branch_order<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let gate = Gate::default();
    let svc = {
        let gate = gate.clone();
        service(move |req| {
            let gate = gate.clone();
            async move {
                let body = req.json();
                if req.path == "/slow" {
                    gate.wait().await;
                }
                json_reply(200, json!({"path": req.path, "got": body}))
            }
        })
        .await
    };
    let def = json!({"StartAt": "All", "States": {"All": {"Type": "Parallel",
        "Branches": [
            {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": svc.url("/slow"),
                "ResultSelector": {"path.$": "$.path", "got.$": "$.got"}, "End": true}}},
            {"StartAt": "Fast", "States": {"Fast": {"Type": "Task", "Resource": svc.url("/fast"),
                "ResultSelector": {"path.$": "$.path"}, "Next": "Tag"},
                "Tag": {"Type": "Pass", "Parameters": {"tagged.$": "$.path"}, "End": true}}},
            {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 1, "Next": "Napped"},
                "Napped": {"Type": "Pass", "Result": "napped", "End": true}}}],
        "ResultPath": "$.branches", "End": true}}});
    let id = rig.start("parallel", &def, json!({"v": 1})).await;
    // The fast branch ends first, then the waiting one; then the slow one is let go.
    let exited = |h: &[HistoryEvent], state: &str| {
        h.iter()
            .any(|e| e.kind == "PassStateExited" && e.details.value()["name"] == state)
    };
    rig.wait_history(&id, "the ends of two branches", |h| {
        exited(h, "Tag") && exited(h, "Napped")
    })
    .await;
    gate.open();
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(json!({"v": 1, "branches": [
            {"path": "/slow", "got": {"v": 1}},
            {"tagged": "/fast"},
            "napped"]}))
    );
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "WaitStateEntered",
            "TaskSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "TaskSucceeded",
            "TaskStateExited",
            "ParallelStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_well_formed(&history);
    let exited: Vec<Option<&str>> = all(&history, "TaskStateExited")
        .iter()
        .map(|e| e.details.name())
        .collect();
    assert_eq!(exited, [Some("Fast"), Some("Slow")]);
    // Every branch starts from the ParallelStateStarted event.
    let started = first(&history, "ParallelStateStarted").id;
    let entered: Vec<&HistoryEvent> = history
        .iter()
        .filter(|e| e.kind.ends_with("StateEntered") && e.id > started)
        .take(3)
        .collect();
    assert!(entered.iter().all(|e| e.previous_event_id == started));
    // The branch's Wait really waited.
    let nap = millis_between(
        first(&history, "WaitStateEntered"),
        first(&history, "WaitStateExited"),
    );
    assert!(nap >= 1_000, "waited {nap} ms");
}

async fn parallel_branch_failure_cancels_siblings<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let gate = Gate::default();
    // /boom fails only once /slow has arrived, so both requests are counted however the
    // machine is loaded.
    let slow_arrived = Gate::default();
    let svc = {
        let gate = gate.clone();
        let slow_arrived = slow_arrived.clone();
        service(move |req| {
            let gate = gate.clone();
            let slow_arrived = slow_arrived.clone();
            async move {
                match req.path.as_str() {
                    "/slow" => {
                        slow_arrived.open();
                        gate.wait().await;
                        json_reply(200, json!({"late": true}))
                    }
                    _ => {
                        slow_arrived.wait().await;
                        json_reply(500, json!({"boom": true}))
                    }
                }
            }
        })
        .await
    };
    let def = json!({"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel",
            "Branches": [
                {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": svc.url("/slow"), "End": true}}},
                {"StartAt": "Boom", "States": {"Boom": {"Type": "Task", "Resource": svc.url("/boom"), "End": true}}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recovered"}],
            "Next": "Unreached"},
        "Unreached": {"Type": "Succeed"},
        "Recovered": {"Type": "Pass", "End": true}}});
    let id = rig.start("parfail", &def, json!({"v": 1})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    let output = exec.output.expect("output");
    assert_eq!(output["v"], 1);
    assert_eq!(output["error"]["Error"], "States.Http.StatusCode.500");
    let expected = [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskFailed",
        "ParallelStateFailed",
        "ParallelStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ];
    let before = rig.history(&id).await;
    assert_eq!(kinds(&before), expected);
    assert_well_formed(&before);
    let record = rig.load(&id).await;

    // The slow sibling answers after all: nothing changes.
    assert_eq!(svc.requests().len(), 2);
    gate.open();
    let settle = Instant::now() + Duration::from_millis(500);
    while Instant::now() < settle {
        assert_eq!(rig.history(&id).await, before);
        assert_eq!(rig.load(&id).await, record);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(svc.requests().len(), 2, "nothing was retried");
    assert!(
        !rig.is_active(&id).await,
        "a finished execution is not active"
    );
}

async fn map_honours_max_concurrency_and_keeps_item_order<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let svc = {
        let (running, peak) = (running.clone(), peak.clone());
        service(move |req| {
            let (running, peak) = (running.clone(), peak.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Hold until a second request runs alongside (or 1 s): concurrency shows.
                let until = Instant::now() + Duration::from_secs(1);
                while running.load(Ordering::SeqCst) < 2 && Instant::now() < until {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                let body = req.json();
                let index = body["i"].as_u64().expect("index");
                // Later items answer sooner: completion order differs from item order.
                tokio::time::sleep(Duration::from_millis(10 * (6 - index))).await;
                running.fetch_sub(1, Ordering::SeqCst);
                let v = body["v"].as_i64().expect("value");
                json_reply(200, json!({"i": index, "sq": v * v, "tag": body["tag"]}))
            }
        })
        .await
    };
    let def = json!({"StartAt": "Each", "States": {"Each": {"Type": "Map",
        "ItemsPath": "$.items", "MaxConcurrency": 2,
        "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "tag.$": "$.tag"},
        "ItemProcessor": {"StartAt": "Square", "States": {
            "Square": {"Type": "Task", "Resource": svc.url("/square"), "End": true}}},
        "ResultPath": "$.results", "End": true}}});
    let items: Vec<i64> = vec![3, 1, 4, 1, 5, 9];
    let id = rig
        .start("map", &def, json!({"items": items, "tag": "t"}))
        .await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    let results: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"i": i, "sq": v * v, "tag": "t"}))
        .collect();
    assert_eq!(
        exec.output,
        Some(json!({"items": items, "tag": "t", "results": results}))
    );
    assert_eq!(svc.requests().len(), 6);
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "the service saw at most (and at least) MaxConcurrency requests at once"
    );

    let history = rig.history(&id).await;
    assert_well_formed(&history);
    let k = kinds(&history);
    assert_eq!(
        k[..4],
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted"
        ]
    );
    assert_eq!(
        k[k.len() - 3..],
        ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    );
    assert_eq!(
        first(&history, "MapStateStarted").details.value()["length"],
        6
    );
    assert_eq!(count(&history, "MapIterationStarted"), 6);
    assert_eq!(count(&history, "MapIterationSucceeded"), 6);
    assert_eq!(count(&history, "TaskSucceeded"), 6);
    // Never more than two iterations open at once, per the history too.
    let mut open = 0i32;
    for e in &history {
        match e.kind.as_ref() {
            "MapIterationStarted" => open += 1,
            "MapIterationSucceeded" => open -= 1,
            _ => {}
        }
        assert!(open <= 2, "{:?}", k);
    }
    // Iterations start in item order.
    let started: Vec<u64> = all(&history, "MapIterationStarted")
        .iter()
        .map(|e| e.details.value()["index"].as_u64().expect("index"))
        .collect();
    assert_eq!(started, [0, 1, 2, 3, 4, 5]);
}

async fn map_tolerated_failures<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|req| async move {
        let body = req.json();
        if body["ok"] == true {
            json_reply(200, json!({"id": body["id"]}))
        } else {
            json_reply(500, json!({"id": body["id"]}))
        }
    })
    .await;
    let map = |tolerance: Value| {
        let mut state = json!({"Type": "Map", "MaxConcurrency": 1,
            "ItemProcessor": {"StartAt": "Work", "States": {
                "Work": {"Type": "Task", "Resource": svc.url("/work"), "End": true}}},
            "End": true});
        for (k, v) in tolerance.as_object().expect("object") {
            state[k] = v.clone();
        }
        json!({"StartAt": "Each", "States": {"Each": state}})
    };
    let items = json!([
        {"id": 0, "ok": true}, {"id": 1, "ok": false}, {"id": 2, "ok": true}, {"id": 3, "ok": false}
    ]);
    let cases = [
        ("count2", json!({"ToleratedFailureCount": 2}), true),
        ("count1", json!({"ToleratedFailureCount": 1}), false),
        ("pct50", json!({"ToleratedFailurePercentage": 50}), true),
        ("pct25", json!({"ToleratedFailurePercentage": 25}), false),
        ("none", json!({}), false),
    ];
    let mut ids = Vec::new();
    for (sm, tolerance, _) in &cases {
        ids.push(rig.start(sm, &map(tolerance.clone()), items.clone()).await);
    }
    for ((sm, _, tolerated), id) in cases.iter().zip(&ids) {
        let exec = rig.wait_final(id).await;
        let history = rig.history(id).await;
        assert_well_formed(&history);
        if *tolerated {
            assert_eq!(exec.status, Status::Succeeded, "{id}");
            let output = exec.output.expect("output");
            assert_eq!(output[0], json!({"id": 0}), "{id}");
            assert_eq!(output[1]["Error"], "States.Http.StatusCode.500", "{id}");
            assert_eq!(output[2], json!({"id": 2}), "{id}");
            assert_eq!(output[3]["Error"], "States.Http.StatusCode.500", "{id}");
            assert_eq!(count(&history, "MapIterationFailed"), 2, "{id}");
            assert_eq!(count(&history, "MapIterationSucceeded"), 2, "{id}");
            assert_eq!(count(&history, "MapStateSucceeded"), 1, "{id}");
            continue;
        }
        assert_eq!(exec.status, Status::Failed, "{id}");
        let (error, failed_at) = match *sm {
            "none" => ("States.Http.StatusCode.500", 1),
            _ => ("States.ExceedToleratedFailureThreshold", 3),
        };
        assert_eq!(exec.error.as_deref(), Some(error), "{id}");
        let mut expected = vec!["ExecutionStarted", "MapStateEntered", "MapStateStarted"];
        for i in 0..=failed_at {
            expected.extend([
                "MapIterationStarted",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskStarted",
            ]);
            if i % 2 == 0 {
                expected.extend(["TaskSucceeded", "TaskStateExited", "MapIterationSucceeded"]);
            } else {
                expected.extend(["TaskFailed", "MapIterationFailed"]);
            }
        }
        expected.extend(["MapStateFailed", "ExecutionFailed"]);
        assert_eq!(kinds(&history), expected, "{id}");
    }
}

async fn map_iteration_failure_aborts_running_iterations<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let gate = Gate::default();
    let svc = {
        let gate = gate.clone();
        service(move |req| {
            let gate = gate.clone();
            async move {
                if req.json()["slow"] == true {
                    gate.wait().await;
                    json_reply(200, json!({"late": true}))
                } else {
                    json_reply(500, json!({}))
                }
            }
        })
        .await
    };
    let def = json!({"StartAt": "Each", "States": {"Each": {"Type": "Map", "MaxConcurrency": 2,
        "ItemProcessor": {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": svc.url("/work"), "End": true}}},
        "End": true}}});
    let id = rig
        .start("mapabort", &def, json!([{"slow": true}, {"slow": false}]))
        .await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Http.StatusCode.500"));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "MapIterationStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "MapIterationFailed",
            "MapIterationAborted",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
    assert_well_formed(&history);
    assert_eq!(
        first(&history, "MapIterationFailed").details.value()["index"],
        1
    );
    assert_eq!(
        first(&history, "MapIterationAborted").details.value()["index"],
        0
    );
    let record = rig.load(&id).await;

    // The aborted iteration's request is answered after all: nothing changes.
    gate.open();
    let settle = Instant::now() + Duration::from_millis(500);
    while Instant::now() < settle {
        assert_eq!(rig.history(&id).await, history);
        assert_eq!(rig.load(&id).await, record);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        !rig.is_active(&id).await,
        "a finished execution is not active"
    );
}

async fn context_object_fields<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"StartAt": "Ctx", "States": {"Ctx": {"Type": "Pass", "Parameters": {
        "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input",
        "start.$": "$$.Execution.StartTime", "role.$": "$$.Execution.RoleArn",
        "sm.$": "$$.StateMachine.Id", "smName.$": "$$.StateMachine.Name",
        "state.$": "$$.State.Name", "entered.$": "$$.State.EnteredTime"}, "Next": "Items"},
        "Items": {"Type": "Map", "ItemsPath": "$.input.list",
            "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "state.$": "$$.State.Name"},
            "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}},
            "ResultPath": "$.items", "End": true}}});
    let input = json!({"list": ["a", "b"]});
    let id = rig.start("ctx", &def, input.clone()).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    let out = exec.output.clone().expect("output");
    assert_eq!(
        out["id"],
        "arn:aws:states:us-east-1:123456789012:execution:ctx:exec"
    );
    assert_eq!(out["name"], "exec");
    assert_eq!(out["input"], input);
    assert_eq!(out["start"], json!(iso_ms(exec.start_ms)));
    // The role ExecutionStarted names (today Settings::role_arn, not the state machine's).
    let history = rig.history(&id).await;
    assert_eq!(
        out["role"],
        first(&history, "ExecutionStarted").details.value()["roleArn"]
    );
    assert_eq!(
        out["sm"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:ctx"
    );
    assert_eq!(out["smName"], "ctx");
    assert_eq!(out["state"], "Ctx");
    let entered = out["entered"].as_str().expect("entered time");
    let entered_ms = chrono::DateTime::parse_from_rfc3339(entered)
        .expect("ISO time")
        .timestamp_millis();
    assert!(entered_ms >= exec.start_ms, "{entered}");
    assert_eq!(
        out["items"],
        json!([
            {"index": 0, "value": "a", "state": "Items"},
            {"index": 1, "value": "b", "state": "Items"}
        ])
    );
    assert_eq!(
        first(&history, "PassStateEntered").timestamp_ms,
        entered_ms,
        "EnteredTime is the time of PassStateEntered"
    );
}

async fn execution_timeout_times_out<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"TimeoutSeconds": 1, "StartAt": "Hold", "States": {
        "Hold": {"Type": "Wait", "Seconds": 30, "End": true}}});
    let began = Instant::now();
    let id = rig.start("timeout", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert!(began.elapsed() >= Duration::from_secs(1));
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(exec.error.as_deref(), Some("States.Timeout"));
    assert!(exec.stop_ms.expect("stop time") - exec.start_ms >= 1_000);
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]
    );
    assert_eq!(history[2].details.value()["error"], "States.Timeout");
    // The Wait's timer is gone with the execution.
    assert_eq!(rig.next_timer(&id).await, None);
    assert!(!rig.is_active(&id).await);
}

/// A start's own timer (the execution's timeout) is set by the start, not by a worker's
/// transition: its queue entry makes the worker's timer loop look again at once. Here no
/// transition sets a timer (the Callback has no heartbeat), so without that look the
/// timeout would fire when the loop's 5 s fallback comes round.
async fn execution_timeout_of_a_start_is_seen_at_once<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = json!({"TimeoutSeconds": 1, "StartAt": "Hold", "States": {
        "Hold": {"Type": "Callback", "End": true}}});
    let id = rig.start("timeout", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::TimedOut);
    let late_ms = exec.stop_ms.expect("stop time") - exec.start_ms - 1_000;
    println!("timed out {late_ms} ms after its timeout");
    assert!(
        (0..2_000).contains(&late_ms),
        "timed out {late_ms} ms after its timeout"
    );
}

async fn state_output_over_the_payload_limit_is_uncatchable<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|req| async move { json_reply(200, req.json()) }).await;
    let blob = "x".repeat(150_000);
    // The task result (150 kB) is allowed; input plus result (300 kB) is not.
    let def = json!({"StartAt": "Copy", "States": {
        "Copy": {"Type": "Task", "Resource": svc.url("/echo"), "ResultPath": "$.copy",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
        "Caught": {"Type": "Succeed"}}});
    let id = rig.start("bigtask", &def, json!({"blob": blob})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "ExecutionFailed"
        ]
    );
    assert_eq!(
        history[5].details.value()["error"],
        "States.DataLimitExceeded"
    );

    // A Pass state's output over the limit fails the same way.
    let def = json!({"StartAt": "Double", "States": {
        "Double": {"Type": "Pass", "Parameters": {"a.$": "$.blob", "b.$": "$.blob"}, "End": true}}});
    let blob = "y".repeat(150_000);
    let id = rig.start("bigpass", &def, json!({"blob": blob})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(
        kinds(&rig.history(&id).await),
        ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]
    );
}

async fn history_limit_fails_the_execution<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine_with(Settings {
        max_history_events: 50,
        ..Settings::default()
    });
    // Loops forever: four events per round.
    let def = json!({"StartAt": "Loop", "States": {
        "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 0, "Next": "Count"}], "Default": "Done"},
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Loop"},
        "Done": {"Type": "Succeed"}}});
    let id = rig.start("loop", &def, json!({"n": 0})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Runtime"));
    let cause = exec.cause.unwrap_or_default();
    assert!(
        cause.contains("maximum number of history events (50)"),
        "{cause}"
    );
    let history = rig.history(&id).await;
    assert_eq!(history.len(), 50, "{:?}", kinds(&history));
    assert_linear(&history);
    let last = history.last().expect("events");
    assert_eq!(last.kind, "ExecutionFailed");
    assert_eq!(last.details.value()["cause"], json!(cause));
}
