use serde_json::{Value, json};

use super::*;

fn request(definition: Value, input: Value, mock: Option<Mock>) -> TestStateRequest {
    TestStateRequest {
        definition: definition.to_string(),
        state_name: None,
        input,
        inspection: Inspection::Debug,
        variables: Map::new(),
        mock,
        validation: FieldValidation::default(),
        context: None,
        config: StateConfiguration::default(),
    }
}

async fn run_it(req: &TestStateRequest) -> TestStateResponse {
    run(req, &Settings::default(), None).await.expect("runs")
}

#[tokio::test]
async fn a_mocked_task_goes_through_retry_and_catch() {
    let task = json!({"Type": "Task", "Resource": "http://127.0.0.1:9/never", "Next": "After",
        "ResultSelector": {"v.$": "$.value"}, "ResultPath": "$.r",
        "Retry": [{"ErrorEquals": ["Busy"]}],
        "Catch": [{"ErrorEquals": ["Bad"], "ResultPath": "$.e", "Next": "Handle"}]});
    let ok = run_it(&request(
        task.clone(),
        json!({"a": 1}),
        Some(Mock::Result(json!({"value": 7}))),
    ))
    .await;
    assert_eq!(ok.status, TestStatus::Succeeded);
    assert_eq!(ok.output, Some(json!({"a": 1, "r": {"v": 7}})));
    assert_eq!(ok.next_state.as_deref(), Some("After"));
    let data = ok.inspection_data.expect("DEBUG");
    assert_eq!(data["result"], "{\"value\":7}");
    assert_eq!(data["afterResultSelector"], "{\"v\":7}");
    assert_eq!(data["afterResultPath"], "{\"a\":1,\"r\":{\"v\":7}}");

    let error = |e: &str| {
        Some(Mock::Error {
            error: Some(e.into()),
            cause: Some("why".into()),
        })
    };
    let retry = run_it(&request(task.clone(), json!({}), error("Busy"))).await;
    assert_eq!(
        (retry.status, retry.error.as_deref()),
        (TestStatus::Retriable, Some("Busy"))
    );
    let caught = run_it(&request(task.clone(), json!({}), error("Bad"))).await;
    assert_eq!(caught.status, TestStatus::CaughtError);
    assert_eq!(caught.next_state.as_deref(), Some("Handle"));
    assert_eq!(
        caught.output,
        Some(json!({"e": {"Error": "Bad", "Cause": "why"}}))
    );
    let failed = run_it(&request(task, json!({}), error("Other"))).await;
    assert_eq!(
        (
            failed.status,
            failed.error.as_deref(),
            failed.cause.as_deref()
        ),
        (TestStatus::Failed, Some("Other"), Some("why"))
    );
}

#[tokio::test]
async fn refusals() {
    let map = json!({"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true});
    let callback = json!({"Type": "Callback", "End": true});
    for (definition, expected) in [
        (map, "a Map state is tested with a mock"),
        (callback, "is tested with a mock"),
        (json!({"Type": "Pass", "Next": 3}), ""),
    ] {
        let err = run(
            &request(definition, json!({}), None),
            &Settings::default(),
            None,
        )
        .await
        .expect_err("refused");
        assert!(err.to_string().contains(expected), "{err}");
    }
}

#[tokio::test]
async fn a_jsonata_map_runs_with_its_mock_and_shows_its_items() {
    let map = json!({"Type": "Map", "QueryLanguage": "JSONata", "End": true,
        "Items": "{% $states.input.xs %}",
        "ItemSelector": {"x": "{% $states.context.Map.Item.Value %}", "n": "{% $states.context.Map.Item.Index %}"},
        "ToleratedFailureCount": 0,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "Output": "{% $sum($states.result) %}"});
    let ok = run_it(&request(
        map.clone(),
        json!({"xs": ["a", "b"]}),
        Some(Mock::Result(json!([1, 2]))),
    ))
    .await;
    assert_eq!(ok.status, TestStatus::Succeeded);
    assert_eq!(ok.output, Some(json!(3)));
    let data = ok.inspection_data.expect("DEBUG");
    assert_eq!(
        data["afterItemSelector"],
        "[{\"x\":\"a\",\"n\":0},{\"x\":\"b\",\"n\":1}]"
    );
    assert_eq!(data["toleratedFailureCount"], 0);
    assert!(data.get("afterItemsPath").is_none());
    // One failed iteration over a tolerance of 0 fails the Map.
    let mut failing = request(
        map,
        json!({"xs": ["a", "b"]}),
        Some(Mock::Result(json!([1, 2]))),
    );
    failing.config.map_iteration_failure_count = Some(1);
    let failed = run_it(&failing).await;
    assert_eq!(failed.status, TestStatus::Failed);
    assert_eq!(
        failed.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
}

#[test]
fn a_map_runs_as_a_task_with_its_own_fields() {
    let map = json!({"Type": "Map", "ItemsPath": "$.xs", "Parameters": {"a.$": "$"},
        "ItemProcessor": {}, "ResultPath": "$.r", "Retry": [], "Next": "N"});
    assert_eq!(
        fanout::as_mocked_task(&map),
        json!({"Type": "Task", "Resource": "http://127.0.0.1:9/baton-teststate-mocked",
            "ResultPath": "$.r", "Retry": [], "Next": "N"})
    );
    let parallel =
        json!({"Type": "Parallel", "Parameters": {"a.$": "$"}, "Branches": [], "End": true});
    assert_eq!(
        fanout::as_mocked_task(&parallel),
        json!({"Type": "Task", "Resource": "http://127.0.0.1:9/baton-teststate-mocked",
            "Parameters": {"a.$": "$"}, "End": true})
    );
}
