//! JSONata states run by a real worker on both stores, against real HTTP services on
//! loopback: an HTTP Task built by `Arguments`, a Callback's `Notify` with
//! `$states.context.Task.Token`, a catcher's `Output`/`Assign` over `$states.errorOutput`,
//! a Retry on `States.QueryEvaluationError`, and a JSONata state entered after the workers
//! restarted (its expressions are parsed again from the definition; the record holds none).

mod common;

use std::time::Duration;

use serde_json::json;

use baton_engine::machine::{ExecutionKind, Status};
use baton_engine::store::Store;
use baton_engine::testing::engine::TestEngine;

use common::*;

on_both_stores!(
    http_task_takes_its_request_from_jsonata_arguments,
    callback_notify_reads_the_token_from_states_context,
    catch_output_and_assign_read_states_error_output,
    retry_on_query_evaluation_error_runs_the_task_again,
);

async fn http_task_takes_its_request_from_jsonata_arguments<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async { json_reply(201, json!({"stored": true, "n": 41})) }).await;
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Store", "States": {"Store": {
        "Type": "Task", "Resource": "arn:aws:states:::http:invoke",
        "Arguments": {"ApiEndpoint": svc.url("/items"), "Method": "PUT",
            "Headers": {"X-Trace": "{% 't' & $string($states.input.id) %}"},
            "QueryParameters": {"q": "{% $uppercase($states.input.name) %}"},
            "RequestBody": {"id": "{% $states.input.id %}", "literal": "$.not.a.path"}},
        "Assign": {"status": "{% $states.result.StatusCode %}"},
        "Output": {"n": "{% $states.result.ResponseBody.n + 1 %}",
                   "sent": "{% $states.input.id %}"},
        "End": true}}});
    let id = rig
        .start("jinvoke", &def, json!({"id": 5, "name": "ab"}))
        .await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!({"n": 42, "sent": 5})));
    let requests = svc.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.method, "PUT");
    assert_eq!(req.path, "/items");
    assert_eq!(req.query.as_deref(), Some("q=AB"));
    assert_eq!(req.header("x-trace"), Some("t5"));
    assert_eq!(req.json(), json!({"id": 5, "literal": "$.not.a.path"}));
    let history = rig.history(&id).await;
    let scheduled = history
        .iter()
        .find(|e| e.kind == "TaskScheduled")
        .expect("scheduled");
    assert_eq!(
        json_in(scheduled, "parameters")["RequestBody"],
        json!({"id": 5, "literal": "$.not.a.path"})
    );
    let exited = history
        .iter()
        .find(|e| e.kind == "TaskStateExited")
        .expect("exited");
    assert_eq!(
        exited.details.value()["assignedVariables"],
        json!({"status": "201"})
    );
}

async fn callback_notify_reads_the_token_from_states_context<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async { json_reply(200, json!({"queued": true})) }).await;
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Ask", "States": {"Ask": {
        "Type": "Callback",
        "Notify": {"ApiEndpoint": svc.url("/notify"), "Method": "POST",
            "RequestBody": {"token": "{% $states.context.Task.Token %}",
                            "who": "{% $states.input.who %}"}},
        "Output": {"answer": "{% $states.result %}", "who": "{% $states.input.who %}"},
        "End": true}}});
    let id = rig.start("jnotify", &def, json!({"who": "bob"})).await;
    rig.wait_parked(&id, "TaskSubmitted", 1).await;
    let req = &svc.requests()[0];
    assert_eq!(req.json()["who"], "bob");
    let token = req.token();
    let claims = rig
        .keys
        .verify(&token)
        .expect("the notified token is valid");
    assert_eq!(claims.state(), "Ask");
    rig.succeed(&token, json!("yes")).await.expect("delivered");
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!({"answer": "yes", "who": "bob"})));
}

async fn catch_output_and_assign_read_states_error_output<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async { json_reply(503, json!({"busy": true})) }).await;
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
            "Arguments": {"ApiEndpoint": svc.url("/x"), "Method": "GET"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled",
                "Output": {"error": "{% $states.errorOutput.Error %}",
                           "input": "{% $states.input %}"},
                "Assign": {"failedWith": "{% $states.errorOutput.Error %}"}}],
            "End": true},
        "Handled": {"Type": "Pass", "Output": {"seen": "{% $states.input %}", "var": "{% $failedWith %}"},
            "End": true}}});
    let id = rig.start("jcatch", &def, json!({"k": 1})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    let error = "States.Http.StatusCode.503";
    assert_eq!(
        exec.output,
        Some(json!({"seen": {"error": error, "input": {"k": 1}}, "var": error}))
    );
}

async fn retry_on_query_evaluation_error_runs_the_task_again<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async { json_reply(200, json!({"v": 1})) }).await;
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
            "Arguments": {"ApiEndpoint": svc.url("/x"), "Method": "GET"},
            "Output": "{% $states.result.ResponseBody.missing %}",
            "Retry": [{"ErrorEquals": ["States.QueryEvaluationError"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Caught",
                       "Output": "{% $states.errorOutput %}"}],
            "End": true},
        "Caught": {"Type": "Succeed"}}});
    let id = rig.start("jretry", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    let output = exec.output.expect("output");
    assert_eq!(output["Error"], "States.QueryEvaluationError");
    assert_eq!(
        output["Cause"],
        "An error occurred while executing the state 'Call' (entered at the event id #2). The JSONata expression '$states.result.ResponseBody.missing' specified for the field 'Output' returned nothing (undefined)."
    );
    assert_eq!(svc.requests().len(), 2, "the task ran again once");
    let history = rig.history(&id).await;
    let count = |kind: &str| history.iter().filter(|e| e.kind == kind).count();
    assert_eq!(count("TaskScheduled"), 2);
    assert_eq!(count("EvaluationFailed"), 2);
    let failed = history
        .iter()
        .find(|e| e.kind == "EvaluationFailed")
        .expect("event");
    assert_eq!(failed.details.value()["location"], "Output");
    assert_eq!(failed.details.value()["state"], "Call");
}

/// A JSONata machine waits, its workers stop, new workers finish it: the expressions come
/// from the definition again, and the saved record holds no parsed expression.
async fn survives_a_restart<S: Store>(store: S, label: &str) {
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"n": "{% $states.input.n * 2 %}"}, "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": "{% $n > 0 ? 2 : 0 %}", "Next": "Show"},
        "Show": {"Type": "Pass", "Output": {"n": "{% $n %}", "sum": "{% $sum([$n, 1]) %}"}, "End": true}}})
    .to_string();
    let engine = TestEngine::start(store.clone(), 1);
    engine.create("jrestart", &definition).await.expect("valid");
    engine
        .run("jrestart", "r", json!({"n": 21}), ExecutionKind::Standard)
        .await
        .expect("started");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let exec = engine.load("jrestart:r").await.expect("saved");
    assert_eq!(
        exec.frames.get(&0).expect("frame 0").variables.get("n"),
        Some(&json!(42)),
        "{label}"
    );
    let record = serde_json::to_string(&exec).expect("serializable record");
    assert!(
        !record.contains("$sum"),
        "{label}: the record holds no expression: {record}"
    );
    assert!(
        record.len() < 2_000,
        "{label}: record of {} bytes",
        record.len()
    );
    engine.stop().await;

    let mut engine = TestEngine::start(store, 1);
    engine.wait_finished(1, Duration::from_secs(30)).await;
    let exec = engine.load("jrestart:r").await.expect("saved");
    assert_eq!(exec.status, Status::Succeeded, "{label}: {:?}", exec.cause);
    assert_eq!(exec.output, Some(json!({"n": 42, "sum": 43})), "{label}");
    engine.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonata_survives_a_restart_on_the_memory_store() {
    survives_a_restart(baton_engine::store::MemoryStore::new(4), "memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonata_survives_a_restart_on_the_redis_store() {
    let Some(server) = baton_engine::testing::redis_server::RedisServer::start() else {
        return;
    };
    let store = baton_engine::store::RedisStore::connect(&server.url(), "jrestart", 4)
        .await
        .expect("redis");
    survives_a_restart(store, "redis").await;
}
