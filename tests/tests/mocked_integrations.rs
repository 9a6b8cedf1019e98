//! Mocked service integrations (`baton serve --mock-config`, Step Functions Local's
//! format) against the real binary: a definition with an HTTP Task that retries and a
//! Callback state, run through test cases whose mocks fail twice then succeed, and throw
//! into a Catch. No request of a mocked run reaches the loopback services, and each mocked
//! run's history equals the history of a real run with the same outcomes (the task service
//! scripted to fail twice, the callback answered through the API), but for the time of each
//! event and the headers of the notify service's answer (a `Date`).

mod common;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use baton_tests::services::{Received, Service};

const MACHINE: &str = "orders";
const TIMEOUT: Duration = Duration::from_secs(30);

/// The cause of the task service's 503, as Baton writes it for a real answer.
fn busy_cause() -> String {
    json!({"StatusCode": 503, "StatusText": "Service Unavailable", "ResponseBody": {"busy": true}})
        .to_string()
}

fn definition(tasks: &Service, notify: &Service) -> Value {
    json!({
        "StartAt": "Fetch",
        "States": {
            "Fetch": {
                "Type": "Task", "Resource": tasks.url("/fetch"),
                "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"],
                           "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1.0}],
                "ResultSelector": {"value.$": "$.value"}, "ResultPath": "$.fetch",
                "Next": "Approve"
            },
            "Approve": {
                "Type": "Callback",
                "Notify": {"ApiEndpoint": notify.url("/approve"), "Method": "POST",
                           "RequestBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
                "ResultPath": "$.approval",
                "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection",
                           "Next": "Rejected"}],
                "Next": "Done"
            },
            "Done": {"Type": "Succeed"},
            "Rejected": {"Type": "Pass", "End": true}
        }
    })
}

fn mock_config() -> Value {
    json!({
        "StateMachines": {MACHINE: {"TestCases": {
            "RetryThenApprove": {"Fetch": "BusyTwiceThenValue", "Approve": "Approved"},
            "Reject": {"Fetch": "Value", "Approve": "Rejected"}
        }}},
        "MockedResponses": {
            "BusyTwiceThenValue": {
                "0-1": {"Throw": {"Error": "States.Http.StatusCode.503", "Cause": busy_cause()}},
                "2": {"Return": {"value": 42}}
            },
            "Value": {"0": {"Return": {"value": 42}}},
            "Approved": {"0": {"Return": {"approved": true}}},
            "Rejected": {"0": {"Throw": {"Error": "Rejected", "Cause": "no budget"}}}
        }
    })
}

/// The task service: executions named `real-retry…` get two 503s, then `{"value": 42}`.
async fn task_service() -> Service {
    Service::start(|req: &Received| {
        let key = req.idempotency_key.clone().unwrap_or_default();
        let attempt: u32 = key
            .rsplit('/')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        if key.starts_with("orders:real-retry/") && attempt <= 2 {
            (503, json!({"busy": true}))
        } else {
            (200, json!({"value": 42}))
        }
    })
    .await
}

/// A history without what depends on the clock: timestamps, and the headers of the
/// notify service's answer (its `Date`) in `TaskSubmitted`.
fn timeless(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .map(|event| {
            let mut event = event.clone();
            if let Some(obj) = event.as_object_mut() {
                obj.remove("timestamp");
            }
            if event["type"] == "TaskSubmitted" {
                let details = &mut event["taskSubmittedEventDetails"];
                let mut output: Value =
                    serde_json::from_str(details["output"].as_str().expect("output"))
                        .expect("JSON output");
                output.as_object_mut().expect("object").remove("Headers");
                details["output"] = output.to_string().into();
            }
            event
        })
        .collect()
}

/// Starts `name` through the REST API, with `testCase` when given.
async fn start(rest: &Rest, name: &str, test_case: Option<&str>) {
    let mut body = json!({"name": name, "input": {"order": 7}});
    if let Some(case) = test_case {
        body["testCase"] = case.into();
    }
    let request = rest
        .request(
            Method::POST,
            &format!("/v1/state-machines/{MACHINE}/executions"),
        )
        .json(&body);
    rest.expect(request, 201).await;
}

/// Answers the callback of real execution `name` (its notification carries the token).
async fn answer_callback(rest: &Rest, notify: &Service, name: &str, path: &str, body: Value) {
    let prefix = format!("{MACHINE}:{name}/");
    let received = notify
        .wait_for(TIMEOUT, |r| {
            r.idempotency_key
                .as_deref()
                .is_some_and(|k| k.starts_with(&prefix))
        })
        .await
        .unwrap_or_else(|| panic!("no notification for {name}"));
    let token = received.body["token"].as_str().expect("token").to_owned();
    // As an approver would: after the notification's answer was recorded (`TaskSubmitted`,
    // as in the mocked run). A callback that overtakes it is taken, and the answer that
    // comes later changes nothing: a real history then has no `TaskSubmitted`.
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !rest
        .history(MACHINE, name, 100)
        .await
        .iter()
        .any(|e| e["type"] == "TaskSubmitted")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{name}: no TaskSubmitted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let request = rest
        .http
        .post(format!("{}/v1/callbacks/{token}/{path}", rest.base))
        .json(&body);
    rest.expect(request, 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mocked_runs_send_nothing_and_match_real_runs() {
    let tasks = task_service().await;
    // The notify service answers `{}`: what a mocked notification (which is not sent)
    // records as the answer's body.
    let notify = Service::start(|_| (200, json!({}))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("MockConfigFile.json");
    std::fs::write(&config, mock_config().to_string()).expect("write the mock config");
    let baton = Baton::serve_async(&["--mock-config", config.to_str().expect("path")], &[]).await;
    let rest = Rest::new(&baton.url);
    rest.put_machine(MACHINE, &definition(&tasks, &notify))
        .await;

    // Mocked: the REST API's testCase, and the AWS API's `<ARN>#<test case>`.
    start(&rest, "mock-retry", Some("RetryThenApprove")).await;
    let sdk = common::sdk_client(&baton.url).await;
    let arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:{MACHINE}#Reject");
    sdk.start_execution()
        .state_machine_arn(arn)
        .name("mock-reject")
        .input(r#"{"order": 7}"#)
        .send()
        .await
        .expect("StartExecution with a test case");
    let mock_retry = rest.wait_end(MACHINE, "mock-retry", TIMEOUT).await;
    let mock_reject = rest.wait_end(MACHINE, "mock-reject", TIMEOUT).await;
    assert_eq!(
        (tasks.received().len(), notify.received().len()),
        (0, 0),
        "a mocked run reached the network"
    );

    // Real: the same outcomes from the services and the callback API.
    start(&rest, "real-retry", None).await;
    start(&rest, "real-reject", None).await;
    answer_callback(
        &rest,
        &notify,
        "real-retry",
        "success",
        json!({"approved": true}),
    )
    .await;
    answer_callback(
        &rest,
        &notify,
        "real-reject",
        "failure",
        json!({"error": "Rejected", "cause": "no budget"}),
    )
    .await;
    let real_retry = rest.wait_end(MACHINE, "real-retry", TIMEOUT).await;
    let real_reject = rest.wait_end(MACHINE, "real-reject", TIMEOUT).await;
    assert_eq!(tasks.received().len(), 4, "3 attempts + 1");
    assert_eq!(notify.received().len(), 2);

    for (mocked, real) in [(&mock_retry, &real_retry), (&mock_reject, &real_reject)] {
        assert_eq!(mocked["status"], "SUCCEEDED", "{mocked}");
        assert_eq!(mocked["status"], real["status"]);
        assert_eq!(mocked["output"], real["output"]);
    }
    assert_eq!(
        mock_retry["output"],
        json!({"order": 7, "fetch": {"value": 42}, "approval": {"approved": true}})
    );
    assert_eq!(
        mock_reject["output"],
        json!({"order": 7, "fetch": {"value": 42},
               "rejection": {"Error": "Rejected", "Cause": "no budget"}})
    );

    for (mocked, real) in [("mock-retry", "real-retry"), ("mock-reject", "real-reject")] {
        let mocked_events = rest.history(MACHINE, mocked, 100).await;
        let real_events = rest.history(MACHINE, real, 100).await;
        let types: Vec<&str> = mocked_events
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default())
            .collect();
        println!("{mocked}: {} events: {}", types.len(), types.join(" "));
        assert_eq!(
            timeless(&mocked_events),
            timeless(&real_events),
            "{mocked} and {real} differ"
        );
    }
    let retry_failures = rest
        .history(MACHINE, "mock-retry", 100)
        .await
        .iter()
        .filter(|e| e["type"] == "TaskFailed")
        .count();
    assert_eq!(retry_failures, 2, "two mocked 503s, retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_test_cases_are_refused_and_start_nothing() {
    let tasks = task_service().await;
    let notify = Service::start(|_| (200, json!({}))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("mocks.json");
    std::fs::write(&config, mock_config().to_string()).expect("write the mock config");
    let with = Baton::serve_async(&["--mock-config", config.to_str().expect("path")], &[]).await;
    let without = Baton::serve_async(&[], &[]).await;
    for (baton, expected) in [
        (
            &with,
            "the mock configuration has no test case 'Nope' for state machine 'orders'",
        ),
        (
            &without,
            "baton was started without a mock configuration (--mock-config) to hold test case 'Nope'",
        ),
    ] {
        let rest = Rest::new(&baton.url);
        rest.put_machine(MACHINE, &definition(&tasks, &notify))
            .await;
        let request = rest
            .request(
                Method::POST,
                &format!("/v1/state-machines/{MACHINE}/executions"),
            )
            .json(&json!({"name": "x", "testCase": "Nope"}));
        let body = rest.expect(request, 400).await;
        assert_eq!(body["error"], "InvalidArn", "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{message}");

        let sdk = common::sdk_client(&baton.url).await;
        let arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:{MACHINE}#Nope");
        let error = sdk
            .start_execution()
            .state_machine_arn(arn)
            .name("y")
            .send()
            .await
            .expect_err("an unknown test case");
        let error = error.into_service_error();
        assert!(error.is_invalid_arn(), "{error:?}");
        let message = error.meta().message().unwrap_or_default().to_owned();
        assert!(
            message.starts_with(&format!(
                "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:{MACHINE}#Nope': "
            )),
            "{message}"
        );
        let list = rest
            .expect(
                rest.request(
                    Method::GET,
                    &format!("/v1/state-machines/{MACHINE}/executions"),
                ),
                200,
            )
            .await;
        assert_eq!(list["executions"], json!([]), "nothing was started");
    }
}

#[test]
fn an_invalid_mock_config_stops_the_server_with_every_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("bad.json");
    std::fs::write(
        &config,
        r#"{"StateMachines": {"orders": {"TestCases": {"T": {"Fetch": "Missing"}}}},
            "MockedResponses": {"R": {"0": {"Return": 1}, "2": {"Return": 2}}}}"#,
    )
    .expect("write");
    let output = std::process::Command::new(baton_tests::baton::binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--mock-config"])
        .arg(&config)
        .env_remove("BATON_MOCK_CONFIG")
        .output()
        .expect("run baton");
    assert!(!output.status.success(), "baton started with a bad config");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let path = config.display();
    for expected in [
        format!("{path}: at /MockedResponses/R/2: invocation 1 has no answer"),
        format!(
            "{path}: at /StateMachines/orders/TestCases/T/Fetch: the mocked response 'Missing' is not in MockedResponses"
        ),
    ] {
        assert!(stderr.contains(&expected), "{expected} not in {stderr}");
    }
}

/// The test case is part of the committed execution: a server killed while the execution
/// waits is replaced, and the new one answers the mocked task from the configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replacement_server_goes_on_mocking_after_a_kill() {
    let redis = baton_engine::testing::redis_server::RedisServer::start().expect("redis-server");
    let tasks = task_service().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("mocks.json");
    let mocks = json!({
        "StateMachines": {"slow": {"TestCases": {"Later": {"Fetch": "Value"}}}},
        "MockedResponses": {"Value": {"0": {"Return": {"value": 42}}}}
    });
    std::fs::write(&config, mocks.to_string()).expect("write the mock config");
    let url = redis.url();
    let args = [
        "--redis",
        url.as_str(),
        "--mock-config",
        config.to_str().expect("path"),
    ];
    let mut first = Baton::serve_async(&args, &[]).await;
    let rest = Rest::new(&first.url);
    let definition = json!({"StartAt": "Pause", "States": {
        "Pause": {"Type": "Wait", "Seconds": 2, "Next": "Fetch"},
        "Fetch": {"Type": "Task", "Resource": tasks.url("/fetch"), "ResultPath": "$.r", "End": true}}});
    rest.put_machine("slow", &definition).await;
    let request = rest
        .request(Method::POST, "/v1/state-machines/slow/executions")
        .json(&json!({"name": "k1", "input": {"a": 1}, "testCase": "Later"}));
    rest.expect(request, 201).await;
    first.kill();

    let second = Baton::serve_async(&args, &[]).await;
    let rest = Rest::new(&second.url);
    let view = rest.wait_end("slow", "k1", Duration::from_secs(40)).await;
    assert_eq!(view["status"], "SUCCEEDED", "{view}");
    assert_eq!(view["output"], json!({"a": 1, "r": {"value": 42}}));
    assert_eq!(
        tasks.received().len(),
        0,
        "the mocked task reached the network"
    );
}
