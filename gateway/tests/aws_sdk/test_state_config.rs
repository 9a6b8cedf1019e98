//! TestState through the SDK: a Choice without a match, `inspectionData.errorDetails`,
//! `stateConfiguration.retrierRetryCount`, `context` and `mock.fieldValidationMode`.

use aws_sdk_sfn::operation::test_state::TestStateOutput;
use aws_sdk_sfn::types::{
    InspectionLevel, MockErrorOutput, MockInput, MockResponseValidationMode, TestExecutionStatus,
    TestStateConfiguration,
};
use serde_json::{Value, json};

use super::common::{Harness, json};

fn error_mock(error: &str) -> MockInput {
    MockInput::builder()
        .error_output(MockErrorOutput::builder().error(error).cause("why").build())
        .build()
}

async fn debug(
    h: &Harness,
    definition: &Value,
    mock: MockInput,
    config: Option<TestStateConfiguration>,
) -> TestStateOutput {
    h.client
        .test_state()
        .definition(definition.to_string())
        .input(r#"{"a": 1}"#)
        .inspection_level(InspectionLevel::Debug)
        .mock(mock)
        .set_state_configuration(config)
        .send()
        .await
        .expect("TestState")
}

#[tokio::test]
async fn a_choice_without_a_match_is_no_choice_matched() {
    let h = Harness::start().await;
    let choice = json!({"Type": "Choice", "Choices": [
        {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}]});
    let out = h
        .client
        .test_state()
        .definition(choice.to_string())
        .input(r#"{"n": 1}"#)
        .send()
        .await
        .expect("TestState Choice");
    println!("no match: {:?} {:?} {:?}", out.status, out.error, out.cause);
    assert_eq!(out.status, Some(TestExecutionStatus::Failed));
    assert_eq!(out.error.as_deref(), Some("States.NoChoiceMatched"));
    assert!(
        out.cause
            .as_deref()
            .is_some_and(|c| c.ends_with("No Matches!")),
        "{:?}",
        out.cause
    );
    h.stop().await;
}

#[tokio::test]
async fn error_details_and_the_retrier_retry_count() {
    let h = Harness::start().await;
    let task = json!({"Type": "Task", "Resource": "http://127.0.0.1:9/never", "Next": "After",
        "Retry": [{"ErrorEquals": ["Other"]},
                  {"ErrorEquals": ["Busy"], "IntervalSeconds": 3, "BackoffRate": 2.0, "MaxAttempts": 3}],
        "Catch": [{"ErrorEquals": ["Nope"], "Next": "A"},
                  {"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "Handle"}]});
    // First attempt: the second retrier, 3 s.
    let out = debug(&h, &task, error_mock("Busy"), None).await;
    let details = out
        .inspection_data
        .and_then(|d| d.error_details)
        .expect("errorDetails");
    println!(
        "retry: retryIndex {:?} retryBackoffIntervalSeconds {:?} catchIndex {:?}",
        details.retry_index, details.retry_backoff_interval_seconds, details.catch_index
    );
    assert_eq!(out.status, Some(TestExecutionStatus::Retriable));
    assert_eq!(
        (
            details.retry_index,
            details.retry_backoff_interval_seconds,
            details.catch_index
        ),
        (Some(1), Some(3), None)
    );
    // After 2 retries: the third waits 3 * 2^2 = 12 s.
    let two = TestStateConfiguration::builder()
        .retrier_retry_count(2)
        .build();
    let out = debug(&h, &task, error_mock("Busy"), Some(two)).await;
    let details = out
        .inspection_data
        .and_then(|d| d.error_details)
        .expect("errorDetails");
    assert_eq!(out.status, Some(TestExecutionStatus::Retriable));
    assert_eq!(details.retry_backoff_interval_seconds, Some(12));
    // Retries used up: the second catcher.
    let three = TestStateConfiguration::builder()
        .retrier_retry_count(3)
        .build();
    let out = debug(&h, &task, error_mock("Busy"), Some(three)).await;
    println!("exhausted: {:?} {:?}", out.status, out.next_state);
    assert_eq!(out.status, Some(TestExecutionStatus::CaughtError));
    assert_eq!(out.next_state.as_deref(), Some("Handle"));
    assert_eq!(
        json(out.output.as_deref()),
        json!({"a": 1, "e": {"Error": "Busy", "Cause": "why"}})
    );
    let details = out
        .inspection_data
        .and_then(|d| d.error_details)
        .expect("errorDetails");
    assert_eq!((details.catch_index, details.retry_index), (Some(1), None));
    // Not retried nor caught: FAILED, no errorDetails.
    let bare = json!({"Type": "Task", "Resource": "http://127.0.0.1:9/never", "End": true});
    let out = debug(&h, &bare, error_mock("Busy"), None).await;
    assert_eq!(out.status, Some(TestExecutionStatus::Failed));
    assert!(out.inspection_data.and_then(|d| d.error_details).is_none());
    // retrierRetryCount without a mocked error is refused.
    let e = h
        .client
        .test_state()
        .definition(task.to_string())
        .mock(MockInput::builder().result("{}").build())
        .state_configuration(
            TestStateConfiguration::builder()
                .retrier_retry_count(1)
                .build(),
        )
        .send()
        .await
        .expect_err("retrierRetryCount with a result")
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    h.stop().await;
}

#[tokio::test]
async fn context_is_the_context_object() {
    let h = Harness::start().await;
    let task = json!({"Type": "Task", "Resource": "http://127.0.0.1:9/never", "End": true,
        "Parameters": {"name.$": "$$.Execution.Name", "custom.$": "$$.Custom.k",
                       "state.$": "$$.State.Name"},
        "ResultPath": "$.r"});
    let out = h
        .client
        .test_state()
        .definition(task.to_string())
        .input("{}")
        .inspection_level(InspectionLevel::Debug)
        .context(r#"{"Execution": {"Name": "from-context"}, "Custom": {"k": 7}}"#)
        .mock(MockInput::builder().result(r#"{"ok": true}"#).build())
        .send()
        .await
        .expect("TestState with context");
    let data = out.inspection_data.expect("DEBUG");
    println!("afterParameters with context: {:?}", data.after_parameters);
    assert_eq!(
        json(data.after_parameters.as_deref()),
        json!({"name": "from-context", "custom": 7, "state": "TestState"})
    );
    // JSONata reads it as $states.context.
    let jsonata = json!({"Type": "Pass", "QueryLanguage": "JSONata", "End": true,
        "Output": "{% $states.context.Execution.Name %}"});
    let task_jsonata = json!({"Type": "Task", "QueryLanguage": "JSONata", "End": true,
        "Resource": "http://127.0.0.1:9/never", "Output": "{% $states.context.Custom.k %}"});
    let out = h
        .client
        .test_state()
        .definition(task_jsonata.to_string())
        .context(r#"{"Custom": {"k": "x"}}"#)
        .mock(MockInput::builder().result("1").build())
        .send()
        .await
        .expect("JSONata with context");
    assert_eq!(json(out.output.as_deref()), json!("x"));
    // A mock (and so a context) is for Task, Map and Parallel states only.
    let e = h
        .client
        .test_state()
        .definition(jsonata.to_string())
        .context("{}")
        .mock(MockInput::builder().result("1").build())
        .send()
        .await
        .expect_err("a mock for a Pass state")
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    h.stop().await;
}

#[tokio::test]
async fn field_validation_mode_checks_an_http_task_result() {
    let h = Harness::start().await;
    let http = json!({"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": true,
        "Parameters": {"ApiEndpoint": "http://127.0.0.1:9/x", "Method": "GET"},
        "OutputPath": "$.ResponseBody"});
    let mock = |result: &str, mode: Option<MockResponseValidationMode>| {
        MockInput::builder()
            .result(result)
            .set_field_validation_mode(mode)
            .build()
    };
    let send = |m: MockInput| {
        h.client
            .test_state()
            .definition(http.to_string())
            .mock(m)
            .send()
    };
    let full = r#"{"StatusCode": 200, "StatusText": "OK", "ResponseBody": {"v": 1}}"#;
    let out = send(mock(full, None)).await.expect("a full result, STRICT");
    assert_eq!(json(out.output.as_deref()), json!({"v": 1}));
    let partial = r#"{"ResponseBody": {"v": 2}}"#;
    let e = send(mock(partial, None))
        .await
        .expect_err("STRICT: StatusCode missing")
        .into_service_error();
    println!("STRICT refusal: {e}");
    assert!(e.is_validation_exception(), "{e:?}");
    assert!(e.to_string().contains("StatusCode"), "{e}");
    let out = send(mock(partial, Some(MockResponseValidationMode::Present)))
        .await
        .expect("PRESENT: fields present are of their types");
    assert_eq!(json(out.output.as_deref()), json!({"v": 2}));
    let wrong = r#"{"StatusCode": "two hundred", "ResponseBody": 3}"#;
    let e = send(mock(wrong, Some(MockResponseValidationMode::Present)))
        .await
        .expect_err("PRESENT: StatusCode of the wrong type")
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    let out = send(mock(wrong, Some(MockResponseValidationMode::None)))
        .await
        .expect("NONE: not checked");
    assert_eq!(json(out.output.as_deref()), json!(3));
    h.stop().await;
}
