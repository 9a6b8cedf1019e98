//! TestState on JSONata states: `afterArguments`, `result`, `variables`, and
//! `States.QueryEvaluationError` failed, retried and caught.

use aws_sdk_sfn::types::{InspectionLevel, MockInput, TestExecutionStatus};
use serde_json::json;

use super::common::{Harness, json};
use super::test_state::echo_service;

const QUERY_ERROR: &str = "States.QueryEvaluationError";

#[tokio::test]
async fn test_state_runs_a_jsonata_task_with_arguments_output_and_assign() {
    let h = Harness::start().await;
    let (url, count) = echo_service().await;
    let task = json!({"Type": "Task", "QueryLanguage": "JSONata", "Resource": url,
        "Arguments": {"q": "{% $states.input.q + $base %}"},
        "Output": {"got": "{% $states.result.seen.q %}"},
        "Assign": {"last": "{% $states.result.seen.q %}", "was": "{% $base %}"},
        "Next": "After"});
    let out = h
        .client
        .test_state()
        .definition(task.to_string())
        .input(r#"{"q": 3}"#)
        .variables(r#"{"base": 10}"#)
        .inspection_level(InspectionLevel::Debug)
        .send()
        .await
        .expect("TestState JSONata Task");
    assert_eq!(out.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(out.next_state.as_deref(), Some("After"));
    assert_eq!(json(out.output.as_deref()), json!({"got": 13}));
    assert_eq!(*count.lock().unwrap(), 1, "the real endpoint was called");
    let data = out.inspection_data.expect("DEBUG has inspection data");
    assert_eq!(json(data.input.as_deref()), json!({"q": 3}));
    assert_eq!(json(data.after_arguments.as_deref()), json!({"q": 13}));
    assert_eq!(json(data.result.as_deref()), json!({"seen": {"q": 13}}));
    assert_eq!(
        json(data.variables.as_deref()),
        json!({"base": 10, "last": 13, "was": 10})
    );
    // JSONPath's steps are not a JSONata state's.
    assert_eq!(data.after_input_path, None);
    assert_eq!(data.after_parameters, None);
    assert_eq!(data.after_result_selector, None);
    assert_eq!(data.after_result_path, None);
    h.stop().await;
}

#[tokio::test]
async fn test_state_reports_jsonata_errors_failed_retried_and_caught() {
    let h = Harness::start().await;
    let pass = json!({"Type": "Pass", "QueryLanguage": "JSONata",
        "Output": "{% $states.input.missing %}", "End": true});
    let failed = h
        .client
        .test_state()
        .definition(pass.to_string())
        .input(r#"{"there": 1}"#)
        .send()
        .await
        .expect("TestState JSONata Pass");
    assert_eq!(failed.status, Some(TestExecutionStatus::Failed));
    assert_eq!(failed.error.as_deref(), Some(QUERY_ERROR));
    let cause = failed.cause.unwrap_or_default();
    assert!(
        cause.contains("The JSONata expression '$states.input.missing' specified for the field 'Output' returned nothing (undefined)."),
        "{cause}"
    );

    // The mocked result has no `b`: Output gives nothing.
    let task = |handling: serde_json::Value| {
        let mut task = json!({"Type": "Task", "QueryLanguage": "JSONata",
            "Resource": "http://127.0.0.1:9/never", "Output": "{% $states.result.b %}",
            "Next": "After"});
        for (k, v) in handling.as_object().expect("object") {
            task[k] = v.clone();
        }
        h.client
            .test_state()
            .definition(task.to_string())
            .input("{}")
            .mock(MockInput::builder().result(r#"{"a": 1}"#).build())
            .send()
    };
    let retried = task(json!({"Retry": [{"ErrorEquals": [QUERY_ERROR]}]}))
        .await
        .expect("retried");
    assert_eq!(retried.status, Some(TestExecutionStatus::Retriable));
    assert_eq!(retried.error.as_deref(), Some(QUERY_ERROR));
    assert!(
        retried
            .cause
            .as_deref()
            .is_some_and(|c| c.contains("returned nothing (undefined)")),
        "{retried:?}"
    );
    let caught = task(json!({"Catch": [{"ErrorEquals": [QUERY_ERROR],
        "Output": {"e": "{% $states.errorOutput.Error %}"}, "Next": "Handle"}]}))
    .await
    .expect("caught");
    assert_eq!(caught.status, Some(TestExecutionStatus::CaughtError));
    assert_eq!(caught.error.as_deref(), Some(QUERY_ERROR));
    assert_eq!(caught.next_state.as_deref(), Some("Handle"));
    assert_eq!(json(caught.output.as_deref()), json!({"e": QUERY_ERROR}));
    let unhandled = task(json!({})).await.expect("not handled");
    assert_eq!(unhandled.status, Some(TestExecutionStatus::Failed));
    assert_eq!(unhandled.error.as_deref(), Some(QUERY_ERROR));
    h.stop().await;
}
