//! `POST /v1/test-state`: AWS's TestState body and answer on the REST API.

use serde_json::json;

use super::support::TestApi;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_state_answers_as_the_aws_api() {
    let api = TestApi::start().await;
    let pass =
        json!({"Type": "Pass", "Parameters": {"x.$": "$.a"}, "ResultPath": "$.r", "Next": "After"});
    let (status, body) = api
        .post(
            "/v1/test-state",
            json!({"definition": pass.to_string(), "input": "{\"a\": 1}", "inspectionLevel": "DEBUG"}),
        )
        .await;
    println!("REST TestState Pass: {status} {body}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "SUCCEEDED");
    assert_eq!(body["nextState"], "After");
    assert_eq!(body["output"], "{\"a\":1,\"r\":{\"x\":1}}");
    assert_eq!(body["inspectionData"]["afterParameters"], "{\"x\":1}");

    // A Map with a mock, and its failed iterations over the tolerance (caught).
    let map = json!({"Type": "Map", "ItemProcessor": {"StartAt": "W", "States": {
        "W": {"Type": "Pass", "End": true}}}, "ToleratedFailurePercentage": 50, "End": true,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Sad"}]});
    let (status, body) = api
        .post(
            "/v1/test-state",
            json!({"definition": map.to_string(), "input": "[1, 2, 3, 4]",
                   "inspectionLevel": "DEBUG", "mock": {"result": "[1, 2, 3, 4]"},
                   "stateConfiguration": {"mapIterationFailureCount": 3}}),
        )
        .await;
    println!("REST TestState Map: {status} {body}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "CAUGHT_ERROR");
    assert_eq!(body["error"], "States.ExceedToleratedFailureThreshold");
    assert_eq!(body["inspectionData"]["errorDetails"]["catchIndex"], 0);
    assert_eq!(body["inspectionData"]["toleratedFailurePercentage"], 50.0);

    // Errors: AWS's names in `{error, message}`.
    let (status, body) = api
        .post("/v1/test-state", json!({"definition": "{oops"}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("InvalidDefinition"))
    );
    let (status, body) = api
        .post(
            "/v1/test-state",
            json!({"definition": map.to_string(), "input": "[1]"}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("ValidationException"))
    );
    let (status, body) = api.post("/v1/test-state", json!({"input": "{}"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = api
        .post(
            "/v1/test-state",
            json!({"definition": pass.to_string(), "mock": {"errorOutput": {"error": 5}}}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("ValidationException"))
    );
    api.shutdown().await;
}
