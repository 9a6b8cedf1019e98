//! RedriveExecution through the SDK: a task that failed against a loopback service runs
//! again once the service is fixed, and nothing that succeeded runs again (counted per
//! state by the service); AWS's errors.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionRedriveFilter, ExecutionRedriveStatus, ExecutionStatus};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{FAIL, Harness, WAIT};

/// A loopback HTTP service: `POST /<name>` answers `{"from": name, "got": body}` and
/// counts the call under `name` (or `<name><n>` for a body with `n`); calls whose key is
/// broken answer 500.
#[derive(Clone, Default)]
struct Service {
    calls: Arc<Mutex<HashMap<String, usize>>>,
    broken: Arc<Mutex<HashSet<String>>>,
}

impl Service {
    async fn start(broken: &[&str]) -> (Service, String) {
        let service = Service::default();
        service.set_broken(broken);
        let app = axum::Router::new()
            .route("/{name}", axum::routing::post(answer))
            .with_state(service.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (service, url)
    }

    fn set_broken(&self, keys: &[&str]) {
        *self.broken.lock().unwrap() = keys.iter().map(|k| k.to_string()).collect();
    }

    fn calls(&self, key: &str) -> usize {
        self.calls.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

async fn answer(
    State(service): State<Service>,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let key = match body.get("n") {
        Some(n) => format!("{name}{n}"),
        None => name.clone(),
    };
    *service
        .calls
        .lock()
        .unwrap()
        .entry(key.clone())
        .or_default() += 1;
    if service.broken.lock().unwrap().contains(&key) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": "broken"})),
        );
    }
    (StatusCode::OK, Json(json!({"from": name, "got": body})))
}

async fn redrive(h: &Harness, arn: &str, token: &str) -> f64 {
    let out = (h.client.redrive_execution())
        .execution_arn(arn)
        .client_token(token)
        .send()
        .await
        .expect("redrive");
    out.redrive_date.as_secs_f64()
}

async fn history_types(h: &Harness, arn: &str) -> Vec<(i64, String, Value)> {
    let out = (h.client.get_execution_history())
        .execution_arn(arn)
        .max_results(1000)
        .send()
        .await
        .expect("history");
    out.events
        .iter()
        .map(|e| {
            let details = match e.execution_redriven_event_details() {
                Some(d) => json!({"redriveCount": d.redrive_count}),
                None => Value::Null,
            };
            (e.id, e.r#type.as_str().to_owned(), details)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_in_a_sequence_runs_again_once_fixed() {
    let h = Harness::start().await;
    let (service, url) = Service::start(&["two"]).await;
    let definition = json!({"StartAt": "One", "States": {
        "One": {"Type": "Task", "Resource": format!("{url}/one"), "ResultPath": "$.one", "Next": "Two"},
        "Two": {"Type": "Task", "Resource": format!("{url}/two"), "ResultPath": "$.two", "End": true}}});
    let sm = h.machine("redrive-seq", &definition.to_string()).await;
    let arn = h.start_execution(&sm, "e1", r#"{"order": 7}"#).await;
    let failed = h.wait_done(&arn).await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert_eq!(failed.redrive_count, Some(0));
    assert_eq!(
        failed.redrive_status,
        Some(ExecutionRedriveStatus::Redrivable)
    );
    let failed_events = history_types(&h, &arn).await.len() as i64;

    service.set_broken(&[]);
    let date = redrive(&h, &arn, "token-1").await;
    // The same client token: the same answer, no second redrive.
    assert_eq!(redrive(&h, &arn, "token-1").await, date);
    let done = h.wait_done(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    println!(
        "sequence: /one called {}×, /two called {}×",
        service.calls("one"),
        service.calls("two")
    );
    assert_eq!((service.calls("one"), service.calls("two")), (1, 2));
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output["order"], json!(7));
    assert_eq!(output["one"]["from"], json!("one"));
    assert_eq!(output["two"]["got"]["one"]["from"], json!("one"));
    assert_eq!(done.redrive_count, Some(1));
    assert_eq!(done.redrive_date.map(|d| d.as_secs_f64()), Some(date));
    assert_eq!(
        done.redrive_status,
        Some(ExecutionRedriveStatus::NotRedrivable)
    );
    assert_eq!(
        done.redrive_status_reason(),
        Some("Execution is SUCCEEDED and cannot be redriven.")
    );

    let events = history_types(&h, &arn).await;
    let redriven: Vec<_> = (events.iter())
        .filter(|(_, t, _)| t == "ExecutionRedriven")
        .collect();
    assert_eq!(redriven.len(), 1);
    assert_eq!(redriven[0].0, failed_events + 1, "ids continue");
    assert_eq!(redriven[0].2, json!({"redriveCount": 1}));
    let after: Vec<&str> = (events.iter())
        .filter(|(id, _, _)| *id > failed_events + 1)
        .map(|(_, t, _)| t.as_str())
        .collect();
    assert_eq!(after.first(), Some(&"TaskStateEntered"));
    assert_eq!(after.last(), Some(&"ExecutionSucceeded"));

    let listed = |filter: ExecutionRedriveFilter| {
        h.client
            .list_executions()
            .state_machine_arn(&sm)
            .redrive_filter(filter)
            .send()
    };
    let redriven = listed(ExecutionRedriveFilter::Redriven).await.unwrap();
    assert_eq!(redriven.executions.len(), 1);
    assert_eq!(redriven.executions[0].redrive_count, Some(1));
    let not = listed(ExecutionRedriveFilter::NotRedriven).await.unwrap();
    assert!(not.executions.is_empty());

    // A SUCCEEDED execution is not redrivable (a new token: not an idempotent repeat).
    let e = (h.client.redrive_execution())
        .execution_arn(&arn)
        .client_token("token-2")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_execution_not_redrivable(), "{e:?}");
    assert!(
        e.message()
            .unwrap()
            .contains("Execution is SUCCEEDED and cannot be redriven."),
        "{e:?}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_failed_parallel_branch_runs_again() {
    let h = Harness::start().await;
    let (service, url) = Service::start(&["b"]).await;
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": format!("{url}/a"), "End": true}}},
        {"StartAt": "Pause", "States": {
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "B"},
            "B": {"Type": "Task", "Resource": format!("{url}/b"), "End": true}}}]}}});
    let sm = h.machine("redrive-par", &definition.to_string()).await;
    let arn = h.start_execution(&sm, "e1", r#"{"k": 1}"#).await;
    assert_eq!(h.wait_done(&arn).await.status, ExecutionStatus::Failed);
    assert_eq!((service.calls("a"), service.calls("b")), (1, 1));
    service.set_broken(&[]);
    redrive(&h, &arn, "t").await;
    let done = h.wait_done(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    println!(
        "parallel: branch A called {}×, branch B {}×",
        service.calls("a"),
        service.calls("b")
    );
    assert_eq!((service.calls("a"), service.calls("b")), (1, 2));
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output[0]["from"], json!("a"));
    assert_eq!(output[1]["from"], json!("b"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_failed_and_unstarted_map_iterations_run_again() {
    let h = Harness::start().await;
    let (service, url) = Service::start(&["item2"]).await;
    let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": format!("{url}/item"), "End": true}}}}}});
    let sm = h.machine("redrive-map", &definition.to_string()).await;
    let input = json!([{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}]).to_string();
    let arn = h.start_execution(&sm, "e1", &input).await;
    assert_eq!(h.wait_done(&arn).await.status, ExecutionStatus::Failed);
    let counts = |s: &Service| {
        (0..4)
            .map(|n| s.calls(&format!("item{n}")))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&service), [1, 1, 1, 0]);
    service.set_broken(&[]);
    redrive(&h, &arn, "t").await;
    let done = h.wait_done(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    println!("map: items called {:?} times", counts(&service));
    assert_eq!(counts(&service), [1, 1, 2, 1]);
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    let ns: Vec<&Value> = output
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["got"]["n"])
        .collect();
    assert_eq!(ns, [&json!(0), &json!(1), &json!(2), &json!(3)]);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_errors_are_aws_errors() {
    let h = Harness::start().await;
    let err = |arn: String| {
        let client = h.client.clone();
        async move {
            (client.redrive_execution())
                .execution_arn(arn)
                .send()
                .await
                .unwrap_err()
                .into_service_error()
        }
    };
    // RUNNING.
    let waits = h.machine("redrive-wait", WAIT).await;
    let running = h.start_execution(&waits, "r", "{}").await;
    let e = err(running.clone()).await;
    assert!(e.is_execution_not_redrivable(), "{e:?}");
    assert!(
        e.message()
            .unwrap()
            .contains("Execution is RUNNING and cannot be redriven.")
    );
    // Unknown, and not an ARN.
    let unknown = running.replace(":r", ":nobody");
    assert!(err(unknown).await.is_execution_does_not_exist());
    assert!(err("arn:nope".into()).await.is_invalid_arn());
    // EXPRESS.
    let express = (h.client.create_state_machine())
        .name("redrive-express")
        .definition(FAIL)
        .role_arn(crate::common::ROLE)
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let e_arn = h.start_execution(&express, "x", "{}").await;
    let id = baton_gateway::service::names::execution_id(&e_arn).unwrap();
    h.state
        .service
        .wait_for_end(&id, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let e = err(e_arn).await;
    assert!(e.is_execution_not_redrivable(), "{e:?}");

    // The 1,000th redrive is the last: a Fail state fails again at once each time.
    let fails = h.machine("redrive-limit", FAIL).await;
    let arn = h.start_execution(&fails, "f", "{}").await;
    assert_eq!(h.wait_done(&arn).await.status, ExecutionStatus::Failed);
    let id = baton_gateway::service::names::execution_id(&arn).unwrap();
    let service = &h.state.service;
    let started = std::time::Instant::now();
    for _ in 0..1000 {
        let exec = service
            .redrive_execution(&id, Default::default(), None)
            .await
            .expect("redrive");
        assert!(exec.redrive_count <= 1000);
        service
            .wait_for_end(&id, std::time::Duration::from_secs(10))
            .await
            .unwrap();
    }
    println!("1,000 redrives in {:?}", started.elapsed());
    let described = h.wait_done(&arn).await;
    assert_eq!(described.redrive_count, Some(1000));
    assert_eq!(
        described.redrive_status,
        Some(ExecutionRedriveStatus::NotRedrivable)
    );
    let e = err(arn).await;
    assert!(e.is_execution_limit_exceeded(), "{e:?}");
    h.stop().await;
}

/// Every token of `state`, in the order its attempts were scheduled.
async fn tokens_of(h: &Harness, execution: &str, state: &str) -> Vec<String> {
    let history = (h.client.get_execution_history())
        .execution_arn(execution)
        .max_results(1000)
        .send()
        .await
        .unwrap();
    (history.events().iter())
        .filter_map(|e| e.task_scheduled_event_details())
        .filter_map(|d| serde_json::from_str::<Value>(d.parameters()).ok())
        .filter(|p| p["state"] == state)
        .map(|p| p["token"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_callback_gets_a_new_token_and_the_old_one_stays_dead() {
    let h = Harness::start().await;
    let definition = r#"{"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"state": "Ask", "token.$": "$$.Task.Token"}, "End": true}}}"#;
    let sm = h.machine("redrive-callback", definition).await;
    let arn = h.start_execution(&sm, "c1", "{}").await;
    let first = crate::callbacks::token_of(&h, &arn, "Ask").await;
    (h.client.send_task_failure())
        .task_token(&first)
        .error("Rejected")
        .send()
        .await
        .unwrap();
    assert_eq!(h.wait_done(&arn).await.status, ExecutionStatus::Failed);
    redrive(&h, &arn, "t").await;
    let mut tokens = Vec::new();
    for _ in 0..500 {
        tokens = tokens_of(&h, &arn, "Ask").await;
        if tokens.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(tokens.len(), 2, "a new attempt was scheduled");
    assert_ne!(tokens[0], tokens[1], "with a new token");
    let old = (h.client.send_task_success())
        .task_token(&first)
        .output("{}")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        old.is_task_does_not_exist() || old.is_task_timed_out(),
        "{old:?}"
    );
    (h.client.send_task_success())
        .task_token(&tokens[1])
        .output(r#"{"approved": true}"#)
        .send()
        .await
        .unwrap();
    let done = h.wait_done(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(done.output(), Some(r#"{"approved":true}"#));
    h.stop().await;
}
