//! Callbacks, heartbeats and stops, run by a real worker on both stores. Notifications go
//! to real HTTP services on loopback; callbacks are delivered as the gateway delivers
//! them: `keys.verify(token)`, then `store.deliver_callback(execution, "<state>/<attempt>",
//! …)`.

mod common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use baton_callbacks::{KeyRing, TaskClaims, TokenError};
use baton_engine::machine::Status;
use baton_engine::store::{CallbackError, Store};

use common::*;

on_both_stores!(
    wait_for_task_token_parks_and_resumes,
    callback_state_notifies_and_resumes,
    callback_state_without_notify_waits_for_its_token,
    failed_notification_fails_the_task,
    callback_failure_is_retried_with_a_new_token_then_caught,
    missed_heartbeat_times_the_task_out,
    heartbeats_keep_the_task_alive_and_write_no_history,
    timeout_caps_the_wait_despite_heartbeats,
    forged_tokens_are_refused,
    a_second_answer_for_one_token_is_refused,
    stopping_a_parked_callback_aborts_it,
    stopping_a_wait_aborts_it_and_clears_its_timer,
    stopping_during_an_http_call_aborts_it,
    callback_answered_before_the_notification_returns,
    parallel_failure_closes_a_waiting_sibling_callback,
    execution_timeout_while_waiting_for_a_callback,
    oversized_callback_output_fails_the_task,
);

/// A notification service: records each request (the token is in its body) and answers
/// `{"queued": true}`.
async fn notify_service() -> Service {
    service(|_| async { json_reply(200, json!({"queued": true})) }).await
}

/// A Callback state notifying `svc` with the token, plus `extra` fields.
fn callback(svc: &Service, extra: Value) -> Value {
    let mut state = json!({"Type": "Callback",
        "Notify": {"ApiEndpoint": svc.url("/notify"), "Method": "POST",
            "RequestBody": {"token.$": "$$.Task.Token", "input.$": "$"}}});
    for (k, v) in extra.as_object().expect("object") {
        state[k] = v.clone();
    }
    state
}

fn one_state(state: Value) -> Value {
    let mut state = state;
    state["End"] = json!(true);
    json!({"StartAt": "Wait", "States": {"Wait": state}})
}

const PARKED_AFTER_NOTIFY: [&str; 5] = [
    "ExecutionStarted",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSubmitted",
];

async fn wait_for_task_token_parks_and_resumes<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let def = json!({"StartAt": "Approve", "States": {"Approve": {"Type": "Task",
        "Resource": "arn:aws:states:::http:invoke.waitForTaskToken",
        "Parameters": {"ApiEndpoint": svc.url("/approve"), "Method": "POST",
            "RequestBody": {"token.$": "$$.Task.Token", "order.$": "$.order.id"}},
        "ResultSelector": {"ok.$": "$.approved", "by.$": "$.who"},
        "ResultPath": "$.order.decision", "OutputPath": "$.order", "End": true}}});
    let id = rig
        .start("approve", &def, json!({"order": {"id": 7}, "noise": 1}))
        .await;

    let parked = rig.wait_parked(&id, "TaskSubmitted", 1).await;
    assert_eq!(kinds(&parked), PARKED_AFTER_NOTIFY);
    assert_linear(&parked);
    assert_eq!(parked[2].details.value()["resourceType"], "http");
    assert_eq!(
        parked[2].details.value()["resource"],
        "invoke.waitForTaskToken"
    );
    let submitted = &parked[4];
    assert_eq!(
        submitted.details.value()["resource"],
        "invoke.waitForTaskToken"
    );
    let response = json_in(submitted, "output");
    assert_eq!(response["StatusCode"], 200);
    assert_eq!(response["ResponseBody"], json!({"queued": true}));
    assert_eq!(rig.next_timer(&id).await, None, "no timer without limits");

    let requests = svc.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].key(), "approve:exec/Approve/1");
    assert_eq!(requests[0].json()["order"], 7);
    let token = requests[0].token();
    let claims = rig.keys.verify(&token).expect("a valid token");
    assert_eq!(claims.execution_id(), id);
    assert_eq!(claims.state(), "Approve");
    assert_eq!(claims.attempt(), 1);

    rig.succeed(
        &token,
        json!({"approved": true, "who": "alice", "extra": 1}),
    )
    .await
    .expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(json!({"id": 7, "decision": {"ok": true, "by": "alice"}}))
    );
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history)[5..],
        ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    );
    assert_linear(&history);
    assert_eq!(
        json_in(&history[5], "output"),
        json!({"approved": true, "who": "alice", "extra": 1})
    );
    assert_eq!(svc.requests().len(), 1, "the notification is sent once");
    assert_eq!(
        rig.succeed(&token, json!({})).await,
        Err(Refused::Callback(CallbackError::Gone)),
        "the execution is over"
    );
}

async fn callback_state_notifies_and_resumes<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let mut state = callback(&svc, json!({"ResultPath": "$.answer"}));
    state["Notify"]["Headers"] = json!({"X-Kind": "approval"});
    let id = rig
        .start("notify", &one_state(state), json!({"msg": "hi"}))
        .await;
    let parked = rig.wait_parked(&id, "TaskSubmitted", 1).await;
    assert_eq!(kinds(&parked), PARKED_AFTER_NOTIFY);
    assert_eq!(parked[1].details.value()["name"], "Wait");
    assert_eq!(parked[2].details.value()["resourceType"], "http");
    assert_eq!(
        parked[2].details.value()["resource"],
        "invoke.waitForTaskToken"
    );
    assert_eq!(
        json_in(&parked[4], "output")["ResponseBody"],
        json!({"queued": true})
    );
    let req = &svc.requests()[0];
    assert_eq!(req.header("x-kind"), Some("approval"));
    assert_eq!(req.json()["input"], json!({"msg": "hi"}));
    assert_eq!(req.key(), "notify:exec/Wait/1");

    rig.succeed(&req.token(), json!("yes"))
        .await
        .expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"msg": "hi", "answer": "yes"})));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history)[5..],
        ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    );
}

async fn callback_state_without_notify_waits_for_its_token<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = one_state(json!({"Type": "Callback", "ResultPath": "$.answer"}));
    let id = rig.start("silent", &def, json!({"q": 1})).await;
    let parked = rig.wait_parked(&id, "TaskStarted", 1).await;
    assert_eq!(
        kinds(&parked),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted"
        ]
    );
    assert_eq!(parked[2].details.value()["resourceType"], "callback");
    assert_eq!(parked[2].details.value()["resource"], "waitForTaskToken");
    let token = rig.open_token(&id, "Wait").await;
    rig.succeed(&token, json!({"a": 2}))
        .await
        .expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"q": 1, "answer": {"a": 2}})));
    assert_eq!(
        kinds(&rig.history(&id).await)[4..],
        ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    );
}

async fn failed_notification_fails_the_task<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async { json_reply(500, json!({"nope": true})) }).await;
    let id = rig
        .start(
            "notifyfail",
            &one_state(callback(&svc, json!({}))),
            json!({}),
        )
        .await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Http.StatusCode.500"));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitFailed",
            "ExecutionFailed"
        ]
    );
    assert_eq!(
        history[4].details.value()["error"],
        "States.Http.StatusCode.500"
    );
    let token = svc.requests()[0].token();
    assert_eq!(
        rig.succeed(&token, json!({})).await,
        Err(Refused::Callback(CallbackError::Gone))
    );
}

async fn callback_failure_is_retried_with_a_new_token_then_caught<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let def = json!({"StartAt": "Ask", "States": {
        "Ask": callback(&svc, json!({
            "Retry": [{"ErrorEquals": ["Rejected"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["Other"], "Next": "Wrong"},
                      {"ErrorEquals": ["Rejected"], "ResultPath": "$.err", "Next": "Handled"}],
            "Next": "Wrong"})),
        "Wrong": {"Type": "Fail", "Error": "Wrong"},
        "Handled": {"Type": "Pass", "End": true}}});
    let id = rig.start("retrycb", &def, json!({"n": 1})).await;

    rig.wait_parked(&id, "TaskSubmitted", 1).await;
    let first_token = svc.requests()[0].token();
    let claims = rig
        .fail(&first_token, "Rejected", "no stock")
        .await
        .expect("delivered");
    assert_eq!(claims.attempt(), 1);

    // The retry runs after its backoff, with a new token.
    let history = rig.wait_parked(&id, "TaskSubmitted", 2).await;
    let requests = svc.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].at - requests[0].at >= Duration::from_secs(1));
    assert_eq!(requests[1].key(), "retrycb:exec/Ask/2");
    let second_token = requests[1].token();
    assert_ne!(first_token, second_token);
    let claims = rig.keys.verify(&second_token).expect("a valid token");
    assert_eq!((claims.state(), claims.attempt()), ("Ask", 2));
    let failed = first(&history, "TaskFailed");
    assert_eq!(failed.details.value()["error"], "Rejected");
    assert_eq!(failed.details.value()["cause"], "no stock");

    // The first attempt's token is refused now, and changes nothing.
    assert_eq!(
        rig.succeed(&first_token, json!({"late": true})).await,
        Err(Refused::Callback(CallbackError::Closed))
    );
    assert_eq!(rig.history(&id).await, history);

    rig.fail(&second_token, "Rejected", "still no stock")
        .await
        .expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(json!({"n": 1, "err": {"Error": "Rejected", "Cause": "still no stock"}}))
    );
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskFailed",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_linear(&history);
    assert!(millis_between(&history[5], &history[6]) >= 1_000);
}

async fn missed_heartbeat_times_the_task_out<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let state = callback(&svc, json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 30}));
    let id = rig.start("hb", &one_state(state), json!({})).await;
    // The same, with the limits taken from the input.
    let state = callback(
        &svc,
        json!({"HeartbeatSecondsPath": "$.limits.hb", "TimeoutSecondsPath": "$.limits.total"}),
    );
    let by_path = rig
        .start(
            "hbpath",
            &one_state(state),
            json!({"limits": {"hb": 1, "total": 30}}),
        )
        .await;
    for id in [&id, &by_path] {
        let parked = rig.wait_parked(id, "TaskSubmitted", 1).await;
        assert_eq!(parked[2].details.value()["heartbeatInSeconds"], 1, "{id}");
        assert_eq!(parked[2].details.value()["timeoutInSeconds"], 30, "{id}");
    }
    let exec = rig.wait_final(&by_path).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.HeartbeatTimeout"));
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.HeartbeatTimeout"));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskTimedOut",
            "ExecutionFailed"
        ]
    );
    assert_eq!(
        history[5].details.value()["error"],
        "States.HeartbeatTimeout"
    );
    assert!(millis_between(&history[3], &history[5]) >= 1_000);
    // Both task timers are gone.
    assert_eq!(rig.next_timer(&id).await, None);
    assert_eq!(rig.next_timer(&by_path).await, None);
    let token = svc.requests()[0].token();
    assert_eq!(
        rig.heartbeat(&token).await,
        Err(Refused::Callback(CallbackError::Gone))
    );
}

async fn heartbeats_keep_the_task_alive_and_write_no_history<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let state = callback(&svc, json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 10}));
    let id = rig.start("beat", &one_state(state), json!({})).await;
    let parked = rig.wait_parked(&id, "TaskSubmitted", 1).await;
    let token = svc.requests()[0].token();
    let started = first(&parked, "TaskStarted").timestamp_ms;
    assert_eq!(rig.next_timer(&id).await, Some(started + 1_000));

    // Beat for twice the heartbeat period.
    let until = Instant::now() + Duration::from_millis(2_200);
    while Instant::now() < until {
        rig.heartbeat(&token).await.expect("heartbeat accepted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let exec = rig.load(&id).await;
    assert_eq!(exec.status, Status::Running);
    assert_eq!(
        rig.history(&id).await,
        parked,
        "heartbeats write no history"
    );
    assert!(!rig.is_active(&id).await, "heartbeats wake no worker");
    let due = rig.next_timer(&id).await.expect("heartbeat timer");
    assert!(due > started + 2_000, "the heartbeat timer moved: {due}");

    rig.succeed(&token, json!({"done": true}))
        .await
        .expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"done": true})));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history)[5..],
        ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    );
    assert_eq!(rig.next_timer(&id).await, None);
}

async fn timeout_caps_the_wait_despite_heartbeats<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let state = callback(&svc, json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 2}));
    let id = rig.start("cap", &one_state(state), json!({})).await;
    rig.wait_parked(&id, "TaskSubmitted", 1).await;
    let token = svc.requests()[0].token();
    let deadline = Instant::now() + DEADLINE;
    let refused = loop {
        assert!(Instant::now() < deadline, "the task never timed out");
        if let Err(refused) = rig.heartbeat(&token).await {
            break refused;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Refused once the timeout closed the task, or ended the execution.
    assert!(
        matches!(
            refused,
            Refused::Callback(CallbackError::Closed | CallbackError::Gone)
        ),
        "{refused:?}"
    );
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Timeout"));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskTimedOut",
            "ExecutionFailed"
        ]
    );
    assert_eq!(history[5].details.value()["error"], "States.Timeout");
    assert!(millis_between(&history[3], &history[5]) >= 2_000);
    assert_eq!(rig.next_timer(&id).await, None);
}

async fn forged_tokens_are_refused<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let id = rig
        .start("forged", &one_state(callback(&svc, json!({}))), json!({}))
        .await;
    let parked = rig.wait_parked(&id, "TaskSubmitted", 1).await;
    let token = svc.requests()[0].token();

    // Signed by another deployment's key, for the right task.
    let other = KeyRing::generate()
        .mint(&TaskClaims::new(id.clone(), "Wait", 1))
        .expect("mint");
    assert_eq!(
        rig.succeed(&other, json!({})).await.map(|_| ()),
        Err(Refused::InvalidToken(TokenError::BadSignature))
    );
    // The real token with one character changed.
    let mut tampered = token.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ASCII");
    assert!(matches!(
        rig.succeed(&tampered, json!({})).await,
        Err(Refused::InvalidToken(_))
    ));
    // Not a token at all.
    assert!(matches!(
        rig.succeed("bt1_garbage", json!({})).await,
        Err(Refused::InvalidToken(TokenError::Malformed(_)))
    ));

    assert_eq!(rig.history(&id).await, parked, "nothing changed");
    assert_eq!(rig.load(&id).await.status, Status::Running);
    rig.succeed(&token, json!({"real": true}))
        .await
        .expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"real": true})));
}

async fn a_second_answer_for_one_token_is_refused<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let def = json!({"StartAt": "First", "States": {
        "First": callback(&svc, json!({"ResultPath": "$.first", "Next": "Second"})),
        "Second": callback(&svc, json!({"ResultPath": "$.second", "End": true}))}});
    let id = rig.start("twice", &def, json!({})).await;
    rig.wait_parked(&id, "TaskSubmitted", 1).await;
    let first = svc.requests()[0].token();
    rig.succeed(&first, json!(1)).await.expect("delivered");
    assert_eq!(
        rig.succeed(&first, json!(2)).await,
        Err(Refused::Callback(CallbackError::Closed))
    );
    assert_eq!(
        rig.fail(&first, "Late", "late").await,
        Err(Refused::Callback(CallbackError::Closed))
    );

    let parked = rig.wait_parked(&id, "TaskSubmitted", 2).await;
    assert_eq!(count(&parked, "TaskSucceeded"), 1);
    assert_eq!(
        rig.succeed(&first, json!(3)).await,
        Err(Refused::Callback(CallbackError::Closed))
    );
    assert_eq!(
        rig.heartbeat(&first).await,
        Err(Refused::Callback(CallbackError::Closed))
    );
    assert_eq!(rig.history(&id).await, parked, "nothing changed");

    let second = svc.requests()[1].token();
    rig.succeed(&second, json!("b")).await.expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"first": 1, "second": "b"})));
    let history = rig.history(&id).await;
    assert_eq!(count(&history, "TaskSucceeded"), 2);
    assert_linear(&history);
    // The execution is over: its tokens are gone.
    for token in [&first, &second] {
        assert_eq!(
            rig.succeed(token, json!(4)).await,
            Err(Refused::Callback(CallbackError::Gone))
        );
    }
}

async fn stopping_a_parked_callback_aborts_it<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let state = callback(&svc, json!({"HeartbeatSeconds": 5, "TimeoutSeconds": 10}));
    let id = rig.start("stopcb", &one_state(state), json!({})).await;
    let parked = rig.wait_parked(&id, "TaskSubmitted", 1).await;
    let started = first(&parked, "TaskStarted").timestamp_ms;
    assert_eq!(rig.next_timer(&id).await, Some(started + 5_000));
    let token = svc.requests()[0].token();

    rig.stop_execution(&id, Some("Ops.Cancelled"), Some("by an operator"))
        .await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Aborted);
    assert_eq!(exec.error.as_deref(), Some("Ops.Cancelled"));
    assert_eq!(exec.cause.as_deref(), Some("by an operator"));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskStateAborted",
            "ExecutionAborted"
        ]
    );
    assert_eq!(
        history[6].details,
        json!({"error": "Ops.Cancelled", "cause": "by an operator"})
    );
    assert_eq!(rig.next_timer(&id).await, None, "timers cleared");
    assert!(!rig.is_active(&id).await);
    assert_eq!(
        rig.succeed(&token, json!({})).await,
        Err(Refused::Callback(CallbackError::Gone))
    );
    assert_eq!(
        rig.heartbeat(&token).await,
        Err(Refused::Callback(CallbackError::Gone))
    );
    assert_eq!(rig.history(&id).await, history);
}

async fn stopping_a_wait_aborts_it_and_clears_its_timer<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let def = one_state(json!({"Type": "Wait", "Seconds": 30}));
    let id = rig.start("stopwait", &def, json!({})).await;
    let parked = rig.wait_parked(&id, "WaitStateEntered", 1).await;
    assert_eq!(
        rig.next_timer(&id).await,
        Some(parked[1].timestamp_ms + 30_000)
    );
    rig.stop_execution(&id, None, None).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Aborted);
    assert_eq!(exec.error, None);
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateAborted",
            "ExecutionAborted"
        ]
    );
    assert_eq!(rig.next_timer(&id).await, None, "timer cleared");
    assert!(!rig.is_active(&id).await);
}

async fn stopping_during_an_http_call_aborts_it<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let gate = Gate::default();
    let svc = {
        let gate = gate.clone();
        service(move |_| {
            let gate = gate.clone();
            async move {
                gate.wait().await;
                json_reply(200, json!({"late": true}))
            }
        })
        .await
    };
    let def = one_state(json!({"Type": "Task", "Resource": svc.url("/slow")}));
    let id = rig.start("stophttp", &def, json!({})).await;
    svc.wait_requests(1).await;
    rig.stop_execution(&id, Some("Ops.Cancelled"), None).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Aborted);
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskStateAborted",
            "ExecutionAborted"
        ]
    );
    assert_eq!(history[5].details, json!({"error": "Ops.Cancelled"}));
    let record = rig.load(&id).await;

    // The answer comes after all: nothing changes, and no worker keeps the execution.
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
    assert_eq!(svc.requests().len(), 1);
}

async fn callback_answered_before_the_notification_returns<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    // The notified system answers the callback before it answers the notification.
    let svc = {
        let (store, keys) = (rig.store.clone(), rig.keys.clone());
        service(move |req| {
            let (store, keys) = (store.clone(), keys.clone());
            async move {
                let token = req.token();
                deliver(&store, &keys, &token, success(json!({"fast": true})))
                    .await
                    .expect("delivered");
                json_reply(200, json!({"queued": true}))
            }
        })
        .await
    };
    let def = json!({"StartAt": "Ask", "States": {
        "Ask": callback(&svc, json!({"ResultPath": "$.answer", "Next": "Done"})),
        "Done": {"Type": "Pass", "End": true}}});
    let id = rig.start("fast", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"answer": {"fast": true}})));
    let history = rig.history(&id).await;
    assert_linear(&history);
    let mut k = kinds(&history);
    // Whether the notification's answer is recorded depends on which arrives first.
    if k.get(4) == Some(&"TaskSubmitted") {
        k.remove(4);
    }
    assert_eq!(
        k,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    // Once the notification has been answered, no worker keeps the execution.
    let until = Instant::now() + DEADLINE;
    while rig.is_active(&id).await {
        assert!(Instant::now() < until, "a finished execution stays active");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(rig.history(&id).await, history);
}

async fn parallel_failure_closes_a_waiting_sibling_callback<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let gate = Gate::default();
    let svc = {
        let gate = gate.clone();
        service(move |req| {
            let gate = gate.clone();
            async move {
                if req.path == "/boom" {
                    gate.wait().await;
                    json_reply(500, json!({}))
                } else {
                    json_reply(200, json!({"queued": true}))
                }
            }
        })
        .await
    };
    let def = json!({"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel", "Branches": [
                {"StartAt": "Ask", "States": {"Ask": callback(&svc, json!({"HeartbeatSeconds": 5, "End": true}))}},
                {"StartAt": "Boom", "States": {"Boom": {"Type": "Task", "Resource": svc.url("/boom"), "End": true}}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Hold"}],
            "End": true},
        "Hold": {"Type": "Wait", "Seconds": 30, "End": true}}});
    let id = rig.start("parcb", &def, json!({})).await;
    let history = rig.wait_events(&id, "TaskSubmitted", 1).await;
    let started = all(&history, "TaskStarted")
        .into_iter()
        .map(|e| e.timestamp_ms)
        .min()
        .expect("started");
    assert!(
        rig.next_timer(&id)
            .await
            .is_some_and(|due| due >= started + 5_000)
    );
    let token = svc
        .requests()
        .iter()
        .find(|r| r.path == "/notify")
        .expect("notified")
        .token();

    gate.open();
    let history = rig.wait_parked(&id, "WaitStateEntered", 1).await;
    assert_eq!(count(&history, "ParallelStateFailed"), 1);
    assert_eq!(count(&history, "TaskSucceeded"), 0);
    // The cancelled branch's token is gone, its heartbeat timer too: only the Wait's is left.
    assert_eq!(
        rig.succeed(&token, json!({})).await,
        Err(Refused::Callback(CallbackError::Gone))
    );
    assert_eq!(
        rig.heartbeat(&token).await,
        Err(Refused::Callback(CallbackError::Gone))
    );
    let entered = first(&history, "WaitStateEntered").timestamp_ms;
    assert_eq!(rig.next_timer(&id).await, Some(entered + 30_000));
    assert_eq!(rig.history(&id).await, history);
    assert_eq!(rig.load(&id).await.status, Status::Running);
}

async fn execution_timeout_while_waiting_for_a_callback<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let mut def = one_state(callback(&svc, json!({"HeartbeatSeconds": 20})));
    def["TimeoutSeconds"] = json!(1);
    let id = rig.start("exectimeout", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(exec.error.as_deref(), Some("States.Timeout"));
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "ExecutionTimedOut"
        ]
    );
    assert!(millis_between(&history[0], &history[5]) >= 1_000);
    assert_eq!(rig.next_timer(&id).await, None, "timers cleared");
    let token = svc.requests()[0].token();
    assert_eq!(
        rig.succeed(&token, json!({})).await,
        Err(Refused::Callback(CallbackError::Gone))
    );
}

async fn oversized_callback_output_fails_the_task<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = notify_service().await;
    let state = callback(
        &svc,
        json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true}),
    );
    let def = json!({"StartAt": "Wait", "States": {"Wait": state, "Caught": {"Type": "Succeed"}}});
    let id = rig.start("bigcb", &def, json!({})).await;
    rig.wait_parked(&id, "TaskSubmitted", 1).await;
    let token = svc.requests()[0].token();
    rig.succeed(&token, json!("c".repeat(300_000)))
        .await
        .expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    let history = rig.history(&id).await;
    assert_eq!(kinds(&history)[5..], ["TaskFailed", "ExecutionFailed"]);
}
