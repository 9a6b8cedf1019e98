//! TestState of Map and Parallel states through the SDK: a mock stands for the iterations' /
//! branches' results; the state's own fields apply around it.

use aws_sdk_sfn::types::{
    InspectionLevel, MockErrorOutput, MockInput, MockResponseValidationMode, TestExecutionStatus,
    TestStateConfiguration,
};
use serde_json::json;

use super::common::{Harness, json};

fn result(text: &str) -> MockInput {
    MockInput::builder().result(text).build()
}

#[tokio::test]
async fn a_map_runs_with_its_mocked_result() {
    let h = Harness::start().await;
    let map = json!({"Type": "Map", "InputPath": "$.in", "ItemsPath": "$.items",
        "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "k.$": "$.k"},
        "ItemProcessor": {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": "http://127.0.0.1:9/never", "End": true}}},
        "ToleratedFailureCount": 1, "MaxConcurrency": 2,
        "ResultSelector": {"all.$": "$"}, "ResultPath": "$.out", "Next": "After",
        "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "ResultPath": "$.err", "Next": "Sad"}]});
    let input = r#"{"in": {"items": [10, 20, 30], "k": "x"}}"#;
    let run = |mock: MockInput, config: Option<TestStateConfiguration>| {
        h.client
            .test_state()
            .definition(map.to_string())
            .input(input)
            .inspection_level(InspectionLevel::Debug)
            .mock(mock)
            .set_state_configuration(config)
            .send()
    };
    let out = run(result(r#"[1, 2, 3]"#), None).await.expect("Map");
    assert_eq!(out.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(out.next_state.as_deref(), Some("After"));
    assert_eq!(
        json(out.output.as_deref()),
        json!({"in": {"items": [10, 20, 30], "k": "x"}, "out": {"all": [1, 2, 3]}})
    );
    let data = out.inspection_data.expect("DEBUG");
    println!(
        "Map inspection: afterItemsPath {:?} afterItemSelector {:?}",
        data.after_items_path, data.after_item_selector
    );
    assert_eq!(
        json(data.after_input_path.as_deref()),
        json!({"items": [10, 20, 30], "k": "x"})
    );
    assert_eq!(json(data.after_items_path.as_deref()), json!([10, 20, 30]));
    assert_eq!(
        json(data.after_item_selector.as_deref()),
        json!([{"v": 10, "i": 0, "k": "x"}, {"v": 20, "i": 1, "k": "x"}, {"v": 30, "i": 2, "k": "x"}])
    );
    assert_eq!(json(data.result.as_deref()), json!([1, 2, 3]));
    assert_eq!(
        json(data.after_result_selector.as_deref()),
        json!({"all": [1, 2, 3]})
    );
    assert_eq!(
        (data.tolerated_failure_count, data.max_concurrency),
        (Some(1), Some(2))
    );
    assert!(data.after_parameters.is_none());

    // One failed iteration is tolerated; two are not (caught, with errorDetails).
    let failed = |n| {
        Some(
            TestStateConfiguration::builder()
                .map_iteration_failure_count(n)
                .build(),
        )
    };
    let out = run(result("[1, null, 3]"), failed(1))
        .await
        .expect("tolerated");
    assert_eq!(out.status, Some(TestExecutionStatus::Succeeded));
    let out = run(result("[1, null, null]"), failed(2))
        .await
        .expect("exceeded");
    println!(
        "exceeded: {:?} {:?} {:?}",
        out.status, out.error, out.next_state
    );
    assert_eq!(out.status, Some(TestExecutionStatus::CaughtError));
    assert_eq!(
        out.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    assert_eq!(out.next_state.as_deref(), Some("Sad"));
    let details = out
        .inspection_data
        .and_then(|d| d.error_details)
        .expect("errorDetails");
    assert_eq!(details.catch_index, Some(0));
    let e = run(result("[]"), failed(4))
        .await
        .expect_err("more failures than items");
    assert!(e.into_service_error().is_validation_exception());

    // The mocked result of a Map is an array (unless fieldValidationMode is NONE).
    let e = run(result(r#"{"not": "an array"}"#), None)
        .await
        .expect_err("not an array");
    assert!(e.into_service_error().is_validation_exception());
    let none = MockInput::builder()
        .result(r#"{"not": "an array"}"#)
        .field_validation_mode(MockResponseValidationMode::None)
        .build();
    let out = run(none, None).await.expect("NONE");
    assert_eq!(
        json(out.output.as_deref())["out"],
        json!({"all": {"not": "an array"}})
    );

    // Items that are not an array fail the Map with States.Runtime, as in an execution.
    let out = h
        .client
        .test_state()
        .definition(map.to_string())
        .input(r#"{"in": {"items": 5}}"#)
        .mock(result("[]"))
        .send()
        .await
        .expect("items not an array");
    assert_eq!(out.status, Some(TestExecutionStatus::Failed));
    assert_eq!(out.error.as_deref(), Some("States.Runtime"));

    // Without a mock: refused, as on AWS.
    let e = h
        .client
        .test_state()
        .definition(map.to_string())
        .input(input)
        .send()
        .await
        .expect_err("a Map without a mock")
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    h.stop().await;
}

#[tokio::test]
async fn a_parallel_runs_with_its_mocked_result_or_error() {
    let h = Harness::start().await;
    let machine = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Parameters": {"x.$": "$.a"}, "Branches": [
            {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}},
            {"StartAt": "B2", "States": {"B2": {"Type": "Task", "Resource": "http://127.0.0.1:9/never", "End": true}}}],
         "ResultPath": "$.branches", "Next": "Done",
         "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2}],
         "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Recover"}]},
        "Done": {"Type": "Succeed"}, "Recover": {"Type": "Pass", "End": true}}});
    let run = |mock: MockInput, config: Option<TestStateConfiguration>| {
        h.client
            .test_state()
            .definition(machine.to_string())
            .state_name("P")
            .input(r#"{"a": 1}"#)
            .inspection_level(InspectionLevel::Debug)
            .mock(mock)
            .set_state_configuration(config)
            .send()
    };
    let out = run(result(r#"[{"x": 1}, "b2"]"#), None)
        .await
        .expect("Parallel");
    assert_eq!(out.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(out.next_state.as_deref(), Some("Done"));
    assert_eq!(
        json(out.output.as_deref()),
        json!({"a": 1, "branches": [{"x": 1}, "b2"]})
    );
    let data = out.inspection_data.expect("DEBUG");
    assert_eq!(json(data.after_parameters.as_deref()), json!({"x": 1}));
    // STRICT: one result a branch.
    let e = run(result("[1]"), None)
        .await
        .expect_err("one result for two branches");
    let e = e.into_service_error();
    println!("Parallel STRICT: {e}");
    assert!(e.is_validation_exception(), "{e:?}");
    // A mocked error from a branch state: retried, then caught.
    let error = |e: &str| {
        MockInput::builder()
            .error_output(MockErrorOutput::builder().error(e).cause("branch").build())
            .build()
    };
    let from_b2 = || {
        Some(
            TestStateConfiguration::builder()
                .error_caused_by_state("B2")
                .build(),
        )
    };
    let out = run(error("Flaky"), from_b2()).await.expect("retried");
    assert_eq!(out.status, Some(TestExecutionStatus::Retriable));
    let details = out
        .inspection_data
        .and_then(|d| d.error_details)
        .expect("errorDetails");
    assert_eq!(
        (details.retry_index, details.retry_backoff_interval_seconds),
        (Some(0), Some(2))
    );
    let out = run(error("Broken"), from_b2()).await.expect("caught");
    assert_eq!(out.status, Some(TestExecutionStatus::CaughtError));
    assert_eq!(out.next_state.as_deref(), Some("Recover"));
    assert_eq!(
        json(out.output.as_deref()),
        json!({"a": 1, "err": {"Error": "Broken", "Cause": "branch"}})
    );
    // mapIterationFailureCount is for a Map.
    let failed = Some(
        TestStateConfiguration::builder()
            .map_iteration_failure_count(1)
            .build(),
    );
    let e = run(result("[1, 2]"), failed)
        .await
        .expect_err("a Parallel's failed iterations");
    assert!(e.into_service_error().is_validation_exception());
    // errorCausedByState names a state of the branches.
    let elsewhere = Some(
        TestStateConfiguration::builder()
            .error_caused_by_state("Done")
            .build(),
    );
    let e = run(error("Broken"), elsewhere)
        .await
        .expect_err("not a branch state");
    assert!(e.into_service_error().is_validation_exception());
    h.stop().await;
}
