//! TestState (one state run through the pure core) and StartExecution on
//! `<state machine ARN>#<test case>` (mocked service integrations), through the SDK.

use std::sync::{Arc, Mutex};

use aws_sdk_sfn::types::{InspectionLevel, MockErrorOutput, MockInput, TestExecutionStatus};
use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};

use super::common::{Harness, json};

/// A loopback service answering `{"seen": <body>}` and counting its requests.
pub(crate) async fn echo_service() -> (String, Arc<Mutex<usize>>) {
    let count = Arc::new(Mutex::new(0usize));
    let counter = count.clone();
    let app = axum::Router::new().route(
        "/echo",
        post(move |Json(body): Json<Value>| {
            let counter = counter.clone();
            async move {
                *counter.lock().unwrap() += 1;
                Json(json!({"seen": body}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/echo", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, count)
}

#[tokio::test]
async fn test_state_runs_pass_choice_and_fail() {
    let h = Harness::start().await;
    let pass = json!({"Type": "Pass", "InputPath": "$.a", "Parameters": {"x.$": "$.b"},
        "ResultPath": "$.r", "Next": "After"});
    let out = h
        .client
        .test_state()
        .definition(pass.to_string())
        .input(r#"{"a": {"b": 1}, "c": 2}"#)
        .inspection_level(InspectionLevel::Debug)
        .send()
        .await
        .expect("TestState Pass");
    assert_eq!(out.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(out.next_state.as_deref(), Some("After"));
    assert_eq!(
        json(out.output.as_deref()),
        json!({"a": {"b": 1}, "c": 2, "r": {"x": 1}})
    );
    let data = out.inspection_data.expect("DEBUG has inspection data");
    assert_eq!(json(data.input.as_deref()), json!({"a": {"b": 1}, "c": 2}));
    assert_eq!(json(data.after_input_path.as_deref()), json!({"b": 1}));
    assert_eq!(json(data.after_parameters.as_deref()), json!({"x": 1}));
    assert_eq!(
        json(data.after_result_path.as_deref()),
        json!({"a": {"b": 1}, "c": 2, "r": {"x": 1}})
    );

    // INFO (the default): no inspection data.
    let info = h
        .client
        .test_state()
        .definition(pass.to_string())
        .input(r#"{"a": {"b": 1}}"#)
        .send()
        .await
        .expect("TestState INFO");
    assert!(info.inspection_data.is_none());

    let choice = json!({"Type": "Choice", "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}], "Default": "Small"});
    for (n, next) in [(9, "Big"), (1, "Small")] {
        let out = h
            .client
            .test_state()
            .definition(choice.to_string())
            .input(json!({"n": n}).to_string())
            .send()
            .await
            .expect("TestState Choice");
        assert_eq!(out.status, Some(TestExecutionStatus::Succeeded));
        assert_eq!(out.next_state.as_deref(), Some(next));
    }

    let fail = json!({"Type": "Fail", "Error": "Custom.Bad", "Cause": "it went wrong"});
    let out = h
        .client
        .test_state()
        .definition(fail.to_string())
        .send()
        .await
        .expect("TestState Fail");
    assert_eq!(out.status, Some(TestExecutionStatus::Failed));
    assert_eq!(out.error.as_deref(), Some("Custom.Bad"));
    assert_eq!(out.cause.as_deref(), Some("it went wrong"));
    assert!(out.next_state.is_none());

    // A state of a whole machine, by name.
    let machine = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Result": 5, "End": true}}});
    let out = h
        .client
        .test_state()
        .definition(machine.to_string())
        .state_name("B")
        .send()
        .await
        .expect("TestState stateName");
    assert_eq!(out.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(json(out.output.as_deref()), json!(5));
    h.stop().await;
}

#[tokio::test]
async fn test_state_calls_the_real_endpoint_unless_mocked() {
    let h = Harness::start().await;
    let (url, count) = echo_service().await;
    let task = json!({"Type": "Task", "Resource": url, "Parameters": {"q.$": "$.q"},
        "ResultSelector": {"seen.$": "$.seen"}, "ResultPath": "$.r", "Next": "After",
        "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2}],
        "Catch": [{"ErrorEquals": ["Bad"], "ResultPath": "$.error", "Next": "Handle"}]});
    let out = h
        .client
        .test_state()
        .definition(task.to_string())
        .input(r#"{"q": 3}"#)
        .inspection_level(InspectionLevel::Trace)
        .send()
        .await
        .expect("TestState Task");
    assert_eq!(out.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(
        json(out.output.as_deref()),
        json!({"q": 3, "r": {"seen": {"q": 3}}})
    );
    assert_eq!(*count.lock().unwrap(), 1, "the real endpoint was called");
    let data = out.inspection_data.expect("TRACE");
    assert_eq!(json(data.result.as_deref()), json!({"seen": {"q": 3}}));
    assert_eq!(
        json(data.after_result_selector.as_deref()),
        json!({"seen": {"q": 3}})
    );
    let request = data.request.expect("TRACE request");
    assert_eq!(request.url.as_deref(), Some(url.as_str()));
    assert_eq!(request.method.as_deref(), Some("POST"));
    assert_eq!(json(request.body.as_deref()), json!({"q": 3}));

    let mocked = |mock: MockInput| {
        h.client
            .test_state()
            .definition(task.to_string())
            .input(r#"{"q": 3}"#)
            .mock(mock)
            .send()
    };
    let result = mocked(MockInput::builder().result(r#"{"seen": "mocked"}"#).build())
        .await
        .expect("mock result");
    assert_eq!(result.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(
        json(result.output.as_deref()),
        json!({"q": 3, "r": {"seen": "mocked"}})
    );
    let error = |name: &str| {
        MockInput::builder()
            .error_output(MockErrorOutput::builder().error(name).cause("why").build())
            .build()
    };
    let retriable = mocked(error("Busy")).await.expect("mock error, retried");
    assert_eq!(retriable.status, Some(TestExecutionStatus::Retriable));
    assert_eq!(retriable.error.as_deref(), Some("Busy"));
    let caught = mocked(error("Bad")).await.expect("mock error, caught");
    assert_eq!(caught.status, Some(TestExecutionStatus::CaughtError));
    assert_eq!(caught.next_state.as_deref(), Some("Handle"));
    assert_eq!(
        json(caught.output.as_deref()),
        json!({"q": 3, "error": {"Error": "Bad", "Cause": "why"}})
    );
    let failed = mocked(error("Other"))
        .await
        .expect("mock error, not handled");
    assert_eq!(failed.status, Some(TestExecutionStatus::Failed));
    assert_eq!(
        (failed.error.as_deref(), failed.cause.as_deref()),
        (Some("Other"), Some("why"))
    );
    assert_eq!(
        *count.lock().unwrap(),
        1,
        "no mocked call reached the endpoint"
    );

    // A callback is tested with a mock only.
    let callback = json!({"Type": "Callback", "ResultPath": "$.answer", "End": true});
    let answered = h
        .client
        .test_state()
        .definition(callback.to_string())
        .mock(MockInput::builder().result(r#"{"ok": true}"#).build())
        .send()
        .await
        .expect("mocked callback");
    assert_eq!(answered.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(
        json(answered.output.as_deref()),
        json!({"answer": {"ok": true}})
    );
    let e = h
        .client
        .test_state()
        .definition(callback.to_string())
        .send()
        .await
        .expect_err("a callback without a mock")
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    h.stop().await;
}

#[tokio::test]
async fn test_state_refuses_bad_input() {
    let h = Harness::start().await;
    let pass = json!({"Type": "Pass", "End": true}).to_string();
    let e = h
        .client
        .test_state()
        .definition("{not json")
        .send()
        .await
        .expect_err("bad definition")
        .into_service_error();
    assert!(e.is_invalid_definition(), "{e:?}");
    let e = h
        .client
        .test_state()
        .definition(r#"{"Type": "Pass", "Next": 3}"#)
        .send()
        .await
        .expect_err("invalid state")
        .into_service_error();
    assert!(e.is_invalid_definition(), "{e:?}");
    let e = h
        .client
        .test_state()
        .definition(&pass)
        .input("{oops")
        .send()
        .await
        .expect_err("bad input")
        .into_service_error();
    assert!(e.is_invalid_execution_input(), "{e:?}");
    let e = h
        .client
        .test_state()
        .definition(&pass)
        .state_name("X")
        .send()
        .await
        .expect_err("stateName with one state")
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    let parallel = json!({"Type": "Parallel", "Branches": [], "End": true}).to_string();
    let e = h
        .client
        .test_state()
        .definition(parallel)
        .send()
        .await
        .expect_err("Parallel")
        .into_service_error();
    assert!(
        e.is_validation_exception() || e.is_invalid_definition(),
        "{e:?}"
    );
    let both = MockInput::builder()
        .result("1")
        .error_output(MockErrorOutput::builder().error("E").build())
        .build();
    let e = h
        .client
        .test_state()
        .definition(&pass)
        .mock(both)
        .send()
        .await
        .expect_err("both mocks")
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    let e = h
        .client
        .test_state()
        .definition(&pass)
        .variables("[1]")
        .send()
        .await
        .expect_err("variables not an object")
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    h.stop().await;
}

#[tokio::test]
async fn start_execution_runs_a_test_case() {
    let config = baton_engine::mock::parse_mock_config(
        r#"{"StateMachines": {"mocked": {"TestCases": {"Happy": {"Call": "Answer"}}}},
            "MockedResponses": {"Answer": {"0": {"Return": {"mocked": true}}}}}"#,
    )
    .expect("mock config");
    let h = Harness::with_mocks(config).await;
    let (url, count) = echo_service().await;
    let definition = json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": url, "ResultPath": "$.r", "End": true}}});
    let arn = h.machine("mocked", &definition.to_string()).await;
    let mocked = h
        .start_execution(&format!("{arn}#Happy"), "m1", r#"{"a": 1}"#)
        .await;
    let done = h.wait_done(&mocked).await;
    assert_eq!(
        json(done.output.as_deref()),
        json!({"a": 1, "r": {"mocked": true}})
    );
    assert_eq!(*count.lock().unwrap(), 0);
    let real = h.start_execution(&arn, "r1", r#"{"a": 1}"#).await;
    let done = h.wait_done(&real).await;
    assert_eq!(
        json(done.output.as_deref()),
        json!({"a": 1, "r": {"seen": {"a": 1}}})
    );
    assert_eq!(*count.lock().unwrap(), 1);
    let e = h
        .client
        .start_execution()
        .state_machine_arn(format!("{arn}#Sad"))
        .send()
        .await
        .expect_err("unknown test case")
        .into_service_error();
    assert!(e.is_invalid_arn(), "{e:?}");
    h.stop().await;
}
