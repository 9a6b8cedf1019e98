//! Map Runs over REST: a distributed Map that fails, its run described with its counts,
//! then redriven onto a corrected revision (the same run, counted again).

use serde_json::{Value, json};

use crate::support::TestApi;

fn definition(bad: &str) -> Value {
    let fail = if bad == "fail" {
        json!({"Type": "Fail", "Error": "Item.Bad"})
    } else {
        json!({"Type": "Pass", "End": true})
    };
    json!({"StartAt": "M", "States": {"M": {"Type": "Map", "Label": "Each", "MaxConcurrency": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "IsPresent": true, "Next": "F"}], "Default": "W"},
            "F": fail,
            "W": {"Type": "Pass", "End": true}}},
        "End": true}}})
}

fn counts(run: &Value) -> Vec<u64> {
    [
        "pending",
        "running",
        "succeeded",
        "failed",
        "aborted",
        "total",
    ]
    .iter()
    .map(|k| run["itemCounts"][k].as_u64().expect(k))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_map_run_is_described_and_redriven() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/dm", &definition("fail"))
        .await;
    let input = json!([{"n": 0}, {"fail": true}, {"n": 2}]);
    let (status, _) = api
        .post(
            "/v1/state-machines/dm/executions",
            json!({"name": "e1", "input": input}),
        )
        .await;
    assert_eq!(status, 201);
    let path = "/v1/state-machines/dm/executions/e1";
    api.until(path, |e| e["status"] == "FAILED").await;

    let (status, page) = api.get(&format!("{path}/map-runs")).await;
    assert_eq!(status, 200, "{page}");
    let runs = page["mapRuns"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert!(page.get("next").is_none());
    let run = &runs[0];
    println!("failed run: {run}");
    assert_eq!(run["status"], "FAILED");
    assert_eq!(run["label"], "Each");
    assert_eq!(counts(run), [1, 0, 1, 1, 0, 3]);
    let id = run["id"].as_str().unwrap();
    let arn = run["mapRunArn"].as_str().unwrap();
    assert!(arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:dm/Each:"));
    assert!(arn.ends_with(id));
    let (status, one) = api.get(&format!("{path}/map-runs/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(&one, run);

    // The corrected revision: the failed item and the one not started run, the run
    // succeeds with every item, once redriven.
    api.put_json("/v1/state-machines/dm", &definition("pass"))
        .await;
    let (status, body) = api
        .post(&format!("{path}/redrive?revision=latest"), json!(null))
        .await;
    assert_eq!(status, 200, "{body}");
    api.until(path, |e| e["status"] == "SUCCEEDED").await;
    let (_, again) = api.get(&format!("{path}/map-runs/{id}")).await;
    println!("redriven run: {again}");
    assert_eq!(again["status"], "SUCCEEDED");
    assert_eq!(again["mapRunArn"], arn);
    assert_eq!(counts(&again), [0, 0, 3, 0, 0, 3]);
    assert_eq!(again["redriveCount"], 1);
    assert!(again["redriveDate"].is_string());
    assert!(again["stopDate"].is_string());
    let (_, history) = api.get(&format!("{path}/history?limit=1000")).await;
    let redriven: Vec<&Value> = (history["events"].as_array().unwrap().iter())
        .filter(|e| e["type"] == "MapRunRedriven")
        .collect();
    assert_eq!(redriven.len(), 1);
    assert_eq!(redriven[0]["mapRunRedrivenEventDetails"]["mapRunArn"], arn);

    // Unknown run, bad cursor, unknown execution.
    let (status, missing) = api
        .get(&format!(
            "{path}/map-runs/3c39a231-69bb-8d89-8607-9e124eddbb0b"
        ))
        .await;
    assert_eq!(
        (status, missing["error"].as_str()),
        (404, Some("ResourceNotFound"))
    );
    let (status, bad) = api.get(&format!("{path}/map-runs?cursor=x")).await;
    assert_eq!((status, bad["error"].as_str()), (400, Some("BadRequest")));
    let (status, none) = api
        .get("/v1/state-machines/dm/executions/nope/map-runs")
        .await;
    assert_eq!(
        (status, none["error"].as_str()),
        (404, Some("ExecutionDoesNotExist"))
    );
    api.shutdown().await;
}
