//! Task states against real HTTP services on loopback, run by a real worker on both
//! stores: `"Resource": "http://…"` and `arn:aws:states:::http:invoke`, error mapping,
//! timeouts, idempotency keys, Retry (durable backoff timers) and Catch, and the AWS
//! history of a task.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use baton_engine::machine::Status;
use baton_engine::store::Store;

use common::*;

on_both_stores!(
    url_task_posts_the_effective_input_and_reads_json,
    url_task_reads_other_bodies_as_text,
    http_invoke_returns_status_headers_and_body,
    non_2xx_fails_with_the_status_error,
    connection_refused_is_a_socket_error,
    timeout_seconds_times_the_task_out,
    retries_send_new_attempts_after_a_durable_backoff,
    retries_exhausted_then_caught_with_result_path,
    states_all_does_not_catch_runtime_errors,
    oversized_response_fails_the_task,
);

const TASK_OK: [&str; 7] = [
    "ExecutionStarted",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSucceeded",
    "TaskStateExited",
    "ExecutionSucceeded",
];

const TASK_FAILED: [&str; 6] = [
    "ExecutionStarted",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskFailed",
    "ExecutionFailed",
];

async fn url_task_posts_the_effective_input_and_reads_json<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async {
        json_reply(
            200,
            json!({"payment": {"id": "p-1", "status": "ok"}, "extra": [1, 2]}),
        )
    })
    .await;
    let url = svc.url("/charge");
    let def = json!({"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": url,
        "InputPath": "$.order", "Parameters": {"amount.$": "$.amount", "currency": "EUR"},
        "ResultSelector": {"id.$": "$.payment.id"}, "ResultPath": "$.payment",
        "OutputPath": "$", "End": true}}});
    let input = json!({"order": {"amount": 12, "lines": 3}, "customer": "c1"});
    let id = rig.start("charge", &def, input).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(
            json!({"order": {"amount": 12, "lines": 3}, "customer": "c1", "payment": {"id": "p-1"}})
        )
    );

    let requests = svc.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/charge");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.json(), json!({"amount": 12, "currency": "EUR"}));
    assert_eq!(req.key(), "charge:exec/Charge/1");

    let history = rig.history(&id).await;
    assert_eq!(kinds(&history), TASK_OK);
    assert_linear(&history);
    assert_eq!(history[1].details.value()["name"], "Charge");
    assert_eq!(
        history[2].details,
        json!({"resourceType": "http", "resource": url, "region": "us-east-1",
            "parameters": "{\"amount\":12,\"currency\":\"EUR\"}"})
    );
    assert_eq!(
        history[3].details,
        json!({"resourceType": "http", "resource": url})
    );
    assert_eq!(history[4].details.value()["resourceType"], "http");
    assert_eq!(history[4].details.value()["resource"], json!(url));
    assert_eq!(
        json_in(&history[4], "output"),
        json!({"payment": {"id": "p-1", "status": "ok"}, "extra": [1, 2]})
    );
    assert_eq!(history[5].details.value()["name"], "Charge");
    assert_eq!(json_in(&history[5], "output"), exec.output.clone().unwrap());
    assert_eq!(json_in(&history[6], "output"), exec.output.unwrap());
}

async fn url_task_reads_other_bodies_as_text<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|req| async move {
        match req.path.as_str() {
            "/text" => text_reply(200, "plain words"),
            _ => text_reply(200, ""),
        }
    })
    .await;
    let def = json!({"StartAt": "Text", "States": {
        "Text": {"Type": "Task", "Resource": svc.url("/text"), "ResultPath": "$.text", "Next": "Empty"},
        "Empty": {"Type": "Task", "Resource": svc.url("/empty"), "ResultPath": "$.empty", "End": true}}});
    let id = rig.start("text", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(
        exec.output,
        Some(json!({"text": "plain words", "empty": null}))
    );
    let history = rig.history(&id).await;
    let succeeded = all(&history, "TaskSucceeded");
    assert_eq!(json_in(succeeded[0], "output"), json!("plain words"));
    assert_eq!(json_in(succeeded[1], "output"), Value::Null);
    let keys: Vec<String> = svc.requests().iter().map(|r| r.key().to_owned()).collect();
    assert_eq!(keys, ["text:exec/Text/1", "text:exec/Empty/1"]);
}

async fn http_invoke_returns_status_headers_and_body<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async {
        let mut reply = json_reply(201, json!({"stored": true}));
        reply
            .headers_mut()
            .insert("x-reply", "yes".parse().expect("header value"));
        reply
    })
    .await;
    let def = json!({"StartAt": "Store", "States": {"Store": {"Type": "Task",
        "Resource": "arn:aws:states:::http:invoke",
        "Parameters": {"ApiEndpoint": svc.url("/items"), "Method": "PUT",
            "Headers": {"X-Trace": "t1"}, "QueryParameters": {"q": "a b"},
            "RequestBody": {"id.$": "$.id"}},
        "End": true}}});
    let id = rig.start("invoke", &def, json!({"id": 5})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    let output = exec.output.expect("output");
    assert_eq!(output["StatusCode"], 201);
    assert_eq!(output["StatusText"], "Created");
    assert_eq!(output["Headers"]["x-reply"], json!(["yes"]));
    assert_eq!(
        output["Headers"]["content-type"],
        json!(["application/json"])
    );
    assert_eq!(output["ResponseBody"], json!({"stored": true}));
    let mut members: Vec<&String> = output.as_object().expect("object").keys().collect();
    members.sort();
    assert_eq!(
        members,
        ["Headers", "ResponseBody", "StatusCode", "StatusText"]
    );

    let requests = svc.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.method, "PUT");
    assert_eq!(req.path, "/items");
    assert_eq!(req.query.as_deref(), Some("q=a+b"));
    assert_eq!(req.header("x-trace"), Some("t1"));
    assert_eq!(req.json(), json!({"id": 5}));
    assert_eq!(req.key(), "invoke:exec/Store/1");

    let history = rig.history(&id).await;
    assert_eq!(kinds(&history), TASK_OK);
    let scheduled = history[2].details.value();
    assert_eq!(scheduled["resourceType"], "http");
    assert_eq!(scheduled["resource"], "invoke");
    assert_eq!(
        json_in(&history[2], "parameters"),
        json!({"ApiEndpoint": svc.url("/items"), "Method": "PUT",
            "Headers": {"X-Trace": "t1"}, "QueryParameters": {"q": "a b"},
            "RequestBody": {"id": 5}})
    );
    assert_eq!(history[4].details.value()["resource"], "invoke");
}

async fn non_2xx_fails_with_the_status_error<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|req| async move {
        match req.path.as_str() {
            "/json" => json_reply(404, json!({"message": "no such order"})),
            _ => text_reply(503, "try later"),
        }
    })
    .await;
    let task = |path: &str| json!({"StartAt": "Get", "States": {"Get": {"Type": "Task", "Resource": svc.url(path), "End": true}}});
    let json_id = rig.start("json", &task("/json"), json!({})).await;
    let text_id = rig.start("text", &task("/text"), json!({})).await;
    for (id, code, text, body) in [
        (
            &json_id,
            404,
            "Not Found",
            json!({"message": "no such order"}),
        ),
        (&text_id, 503, "Service Unavailable", json!("try later")),
    ] {
        let exec = rig.wait_final(id).await;
        assert_eq!(exec.status, Status::Failed, "{id}");
        let error = format!("States.Http.StatusCode.{code}");
        assert_eq!(exec.error.as_deref(), Some(error.as_str()));
        let cause: Value =
            serde_json::from_str(exec.cause.as_deref().expect("cause")).expect("JSON cause");
        assert_eq!(
            cause,
            json!({"StatusCode": code, "StatusText": text, "ResponseBody": body})
        );
        let history = rig.history(id).await;
        assert_eq!(kinds(&history), TASK_FAILED, "{id}");
        assert_linear(&history);
        let failed = history[4].details.value();
        assert_eq!(failed["resourceType"], "http");
        assert_eq!(failed["error"], json!(error));
        assert_eq!(failed["cause"], json!(exec.cause));
        assert_eq!(history[5].details.value()["error"], json!(error));
    }
}

async fn connection_refused_is_a_socket_error<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let def = json!({"StartAt": "Call", "States": {"Call": {"Type": "Task",
        "Resource": format!("http://127.0.0.1:{port}/nobody"), "End": true}}});
    let id = rig.start("refused", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Http.Socket"));
    let cause = exec.cause.unwrap_or_default();
    assert!(
        cause.contains("Connection refused") && cause.contains(&format!("127.0.0.1:{port}")),
        "{cause}"
    );
    let history = rig.history(&id).await;
    assert_eq!(kinds(&history), TASK_FAILED);
    assert_eq!(history[4].details.value()["error"], "States.Http.Socket");
}

async fn timeout_seconds_times_the_task_out<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let never = Gate::default();
    let svc = {
        let never = never.clone();
        service(move |_| {
            let never = never.clone();
            async move {
                never.wait().await;
                json_reply(200, json!({}))
            }
        })
        .await
    };
    let def = json!({"StartAt": "Slow", "States": {"Slow": {"Type": "Task",
        "Resource": svc.url("/slow"), "TimeoutSeconds": 1, "End": true}}});
    let began = Instant::now();
    let id = rig.start("slow", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert!(began.elapsed() >= Duration::from_secs(1));
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
            "TaskTimedOut",
            "ExecutionFailed"
        ]
    );
    assert_eq!(history[2].details.value()["timeoutInSeconds"], 1);
    assert_eq!(history[4].details.value()["error"], "States.Timeout");
    assert!(millis_between(&history[3], &history[4]) >= 1_000);
    assert_eq!(svc.requests().len(), 1);
    assert!(!rig.is_active(&id).await);
}

async fn retries_send_new_attempts_after_a_durable_backoff<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let svc = {
        let calls = calls.clone();
        service(move |req| {
            let calls = calls.clone();
            async move {
                let body = req.json();
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    json_reply(503, json!({"busy": true}))
                } else {
                    json_reply(200, json!({"paid": true, "seen": body}))
                }
            }
        })
        .await
    };
    let def = json!({"StartAt": "Pay", "States": {"Pay": {"Type": "Task", "Resource": svc.url("/pay"),
        "Parameters": {"n.$": "$.n", "retry.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 1,
            "BackoffRate": 1.0, "MaxAttempts": 2}],
        "ResultSelector": {"paid.$": "$.paid"}, "ResultPath": "$.result", "End": true}}});
    let id = rig.start("retry", &def, json!({"n": 1})).await;

    // The backoff is a durable timer in the store, due IntervalSeconds after the failure.
    let history = rig.wait_events(&id, "TaskFailed", 1).await;
    let failed = first(&history, "TaskFailed");
    assert_eq!(
        rig.next_timer(&id).await,
        Some(failed.timestamp_ms + 1_000),
        "backoff timer"
    );

    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output, Some(json!({"n": 1, "result": {"paid": true}})));

    let requests = svc.requests();
    let keys: Vec<&str> = requests.iter().map(Req::key).collect();
    assert_eq!(
        keys,
        ["retry:exec/Pay/1", "retry:exec/Pay/2", "retry:exec/Pay/3"]
    );
    let bodies: Vec<Value> = requests.iter().map(Req::json).collect();
    assert_eq!(
        bodies,
        [
            json!({"n": 1, "retry": 0}),
            json!({"n": 1, "retry": 1}),
            json!({"n": 1, "retry": 2})
        ]
    );
    for pair in requests.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
    }

    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
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
    assert_linear(&history);
    let failed = all(&history, "TaskFailed");
    let scheduled = all(&history, "TaskScheduled");
    for (f, s) in failed.iter().zip(&scheduled[1..]) {
        assert!(
            millis_between(f, s) >= 1_000,
            "backoff of {} ms",
            millis_between(f, s)
        );
        assert_eq!(f.details.value()["error"], "States.Http.StatusCode.503");
    }
    assert_eq!(
        json_in(scheduled[2], "parameters"),
        json!({"n": 1, "retry": 2})
    );
    assert_eq!(rig.next_timer(&id).await, None);
}

async fn retries_exhausted_then_caught_with_result_path<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async { json_reply(500, json!({"down": true})) }).await;
    let def = json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": svc.url("/down"),
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Wrong"},
                      {"ErrorEquals": ["States.Http.StatusCode.500"], "ResultPath": "$.failure", "Next": "Fallback"}],
            "Next": "Wrong"},
        "Wrong": {"Type": "Fail", "Error": "Wrong"},
        "Fallback": {"Type": "Pass", "End": true}}});
    let id = rig.start("catch", &def, json!({"n": 1})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Succeeded);
    let cause = json!({"StatusCode": 500, "StatusText": "Internal Server Error",
        "ResponseBody": {"down": true}})
    .to_string();
    assert_eq!(
        exec.output,
        Some(json!({"n": 1, "failure": {"Error": "States.Http.StatusCode.500", "Cause": cause}}))
    );
    let keys: Vec<String> = svc.requests().iter().map(|r| r.key().to_owned()).collect();
    assert_eq!(keys, ["catch:exec/Call/1", "catch:exec/Call/2"]);
    let history = rig.history(&id).await;
    assert_eq!(
        kinds(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_linear(&history);
    assert!(millis_between(&history[4], &history[5]) >= 1_000);
    assert_eq!(history[8].details.value()["name"], "Call");
    assert_eq!(json_in(&history[8], "output"), exec.output.unwrap());
}

async fn states_all_does_not_catch_runtime_errors<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async { json_reply(200, json!({"a": 1})) }).await;
    let def = json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": svc.url("/ok"),
            "ResultSelector": {"b.$": "$.missing"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": true},
        "Caught": {"Type": "Succeed"}}});
    let id = rig.start("runtime", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.Runtime"));
    let cause = exec.cause.unwrap_or_default();
    assert!(
        cause.starts_with(
            "An error occurred while executing the state 'Call' (entered at the event id #2)."
        ),
        "{cause}"
    );
    assert_eq!(svc.requests().len(), 1, "not retried");
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
    assert_eq!(history[5].details.value()["error"], "States.Runtime");
}

async fn oversized_response_fails_the_task<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let svc = service(|_| async { json_reply(200, json!("z".repeat(300_000))) }).await;
    let def = json!({"StartAt": "Big", "States": {
        "Big": {"Type": "Task", "Resource": svc.url("/big"),
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": true},
        "Caught": {"Type": "Succeed"}}});
    let id = rig.start("big", &def, json!({})).await;
    let exec = rig.wait_final(&id).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("States.DataLimitExceeded"));
    assert_eq!(svc.requests().len(), 1, "not retried");
    let history = rig.history(&id).await;
    assert_eq!(kinds(&history), TASK_FAILED);
    assert_eq!(
        history[4].details.value()["error"],
        "States.DataLimitExceeded"
    );
    assert!(
        history[4].details.value()["cause"]
            .as_str()
            .is_some_and(|c| c.contains("262144")),
        "{}",
        history[4].details
    );
}
