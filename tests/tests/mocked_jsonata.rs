//! Mocked service integrations with a JSONata machine (`baton serve --mock-config`): an
//! HTTP Task whose request is built by `Arguments`, retried on 503, caught with `Output`
//! and `Assign` over `$states.errorOutput`, its result assigned to a variable read by the
//! next state. No request of a mocked run reaches the loopback service, and each mocked
//! run's history equals the history of a real run with the same outcomes, but for the time
//! of each event.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use baton_tests::services::{Received, Service};

const MACHINE: &str = "jorders";
const TIMEOUT: Duration = Duration::from_secs(30);

/// A cause as Baton writes it for a real HTTP error answer.
fn http_cause(status: u16, text: &str, body: Value) -> String {
    json!({"StatusCode": status, "StatusText": text, "ResponseBody": body}).to_string()
}

fn definition(tasks: &Service) -> Value {
    json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Fetch",
        "States": {
            "Fetch": {
                "Type": "Task", "Resource": tasks.url("/fetch"),
                "Arguments": {"order": "{% $states.input.order %}",
                              "lines": "{% $count($states.input.items) %}"},
                "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"],
                           "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1.0}],
                "Catch": [{"ErrorEquals": ["States.ALL"],
                           "Output": {"failed": "{% $states.errorOutput.Error %}",
                                      "order": "{% $states.input.order %}"},
                           "Assign": {"why": "{% $parse($states.errorOutput.Cause).ResponseBody %}"},
                           "Next": "Failed"}],
                "Assign": {"value": "{% $states.result.value %}"},
                "Output": {"order": "{% $states.input.order %}"},
                "Next": "Done"
            },
            "Done": {"Type": "Pass", "Output": {"order": "{% $states.input.order %}",
                                                "value": "{% $value %}"}, "End": true},
            "Failed": {"Type": "Pass", "Output": {"failed": "{% $states.input.failed %}",
                                                  "why": "{% $why %}"}, "End": true}
        }
    })
}

fn mock_config() -> Value {
    json!({
        "StateMachines": {MACHINE: {"TestCases": {
            "RetryThenValue": {"Fetch": "BusyTwiceThenValue"},
            "Refused": {"Fetch": "BadRequest"}
        }}},
        "MockedResponses": {
            "BusyTwiceThenValue": {
                "0-1": {"Throw": {"Error": "States.Http.StatusCode.503",
                                  "Cause": http_cause(503, "Service Unavailable", json!({"busy": true}))}},
                "2": {"Return": {"value": 42}}
            },
            "BadRequest": {"0": {"Throw": {"Error": "States.Http.StatusCode.400",
                                           "Cause": http_cause(400, "Bad Request", json!({"bad": true}))}}}
        }
    })
}

/// Executions named `real-retry…` get two 503s then `{"value": 42}`; `real-refused…` a 400.
async fn task_service() -> Service {
    Service::start(|req: &Received| {
        let key = req.idempotency_key.clone().unwrap_or_default();
        let attempt: u32 = key
            .rsplit('/')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        if key.starts_with(&format!("{MACHINE}:real-retry/")) && attempt <= 2 {
            (503, json!({"busy": true}))
        } else if key.starts_with(&format!("{MACHINE}:real-refused/")) {
            (400, json!({"bad": true}))
        } else {
            (200, json!({"value": 42}))
        }
    })
    .await
}

fn timeless(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .map(|event| {
            let mut event = event.clone();
            if let Some(obj) = event.as_object_mut() {
                obj.remove("timestamp");
            }
            event
        })
        .collect()
}

async fn start(rest: &Rest, name: &str, test_case: Option<&str>) {
    let mut body = json!({"name": name, "input": {"order": 7, "items": [1, 2]}});
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mocked_jsonata_runs_send_nothing_and_match_real_runs() {
    let tasks = task_service().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("MockConfigFile.json");
    std::fs::write(&config, mock_config().to_string()).expect("write the mock config");
    let baton = Baton::serve_async(&["--mock-config", config.to_str().expect("path")], &[]).await;
    let rest = Rest::new(&baton.url);
    rest.put_machine(MACHINE, &definition(&tasks)).await;

    start(&rest, "mock-retry", Some("RetryThenValue")).await;
    start(&rest, "mock-refused", Some("Refused")).await;
    let mock_retry = rest.wait_end(MACHINE, "mock-retry", TIMEOUT).await;
    let mock_refused = rest.wait_end(MACHINE, "mock-refused", TIMEOUT).await;
    assert_eq!(
        tasks.received().len(),
        0,
        "a mocked run reached the network"
    );

    start(&rest, "real-retry", None).await;
    start(&rest, "real-refused", None).await;
    let real_retry = rest.wait_end(MACHINE, "real-retry", TIMEOUT).await;
    let real_refused = rest.wait_end(MACHINE, "real-refused", TIMEOUT).await;
    let received = tasks.received();
    assert_eq!(received.len(), 4, "3 attempts + 1");
    assert_eq!(
        received[0].body,
        json!({"order": 7, "lines": 2}),
        "Arguments built the request"
    );

    assert_eq!(mock_retry["status"], "SUCCEEDED", "{mock_retry}");
    assert_eq!(mock_retry["output"], json!({"order": 7, "value": 42}));
    assert_eq!(mock_refused["status"], "SUCCEEDED", "{mock_refused}");
    assert_eq!(
        mock_refused["output"],
        json!({"failed": "States.Http.StatusCode.400", "why": {"bad": true}})
    );
    for (mocked, real) in [(&mock_retry, &real_retry), (&mock_refused, &real_refused)] {
        assert_eq!(mocked["status"], real["status"]);
        assert_eq!(mocked["output"], real["output"]);
    }
    for (mocked, real) in [
        ("mock-retry", "real-retry"),
        ("mock-refused", "real-refused"),
    ] {
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
    let history = rest.history(MACHINE, "mock-retry", 100).await;
    let failures = history.iter().filter(|e| e["type"] == "TaskFailed").count();
    assert_eq!(failures, 2, "two mocked 503s, retried");
    let assigned = history
        .iter()
        .find(|e| e["type"] == "TaskStateExited")
        .map(|e| e.to_string())
        .unwrap_or_default();
    // Fetch's output is `{"order": 7}`: the 42 is the variable its Assign set.
    assert!(
        assigned.contains("assignedVariables") && assigned.contains("42"),
        "Assign of the result: {assigned}"
    );
}
