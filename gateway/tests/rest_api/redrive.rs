//! Redrive over REST: onto a corrected revision of the state machine, and refused with a
//! located diagnostic when the state the execution resumes in is gone.

use serde_json::json;

use crate::support::TestApi;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_onto_a_corrected_revision() {
    let api = TestApi::start().await;
    let broken = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Pass", "Result": 1, "ResultPath": "$.checked", "Next": "Decide"},
        "Decide": {"Type": "Fail", "Error": "Bug", "Cause": "a Fail state by mistake"}}});
    api.put_json("/v1/state-machines/fix", &broken).await;
    let (status, _) = api
        .post(
            "/v1/state-machines/fix/executions",
            json!({"name": "e1", "input": {"n": 5}}),
        )
        .await;
    assert_eq!(status, 201);
    let path = "/v1/state-machines/fix/executions/e1";
    let failed = api.until(path, |e| e["status"] == "FAILED").await;
    assert_eq!(failed["error"], "Bug");

    // Revision 2 renames the state: refused, located, nothing changed.
    let renamed = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Pass", "Result": 1, "ResultPath": "$.checked", "Next": "Decided"},
        "Decided": {"Type": "Pass", "End": true}}});
    api.put_json("/v1/state-machines/fix", &renamed).await;
    let (status, refused) = api
        .post(&format!("{path}/redrive?revision=latest"), json!(null))
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"], "RedriveStateMissing");
    assert_eq!(refused["diagnostics"][0]["location"], "/States/Decide");
    assert_eq!(refused["diagnostics"][0]["code"], "REDRIVE_STATE_MISSING");
    println!("refused: {}", refused["message"]);
    let (_, unchanged) = api.get(path).await;
    assert_eq!(
        (unchanged["status"].as_str(), unchanged["revision"].as_u64()),
        (Some("FAILED"), Some(1))
    );

    // Bad and unknown revisions.
    let (status, bad) = api
        .post(&format!("{path}/redrive?revision=x"), json!(null))
        .await;
    assert_eq!((status, bad["error"].as_str()), (400, Some("BadRequest")));
    let (status, bad) = api
        .post(&format!("{path}/redrive?revision=99"), json!(null))
        .await;
    assert_eq!(
        (status, bad["error"].as_str()),
        (400, Some("ValidationException"))
    );

    // Revision 3 replaces the Fail state: the execution goes on from it, Check not again.
    let fixed = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Pass", "Result": 1, "ResultPath": "$.checked", "Next": "Decide"},
        "Decide": {"Type": "Pass", "Result": "ok", "ResultPath": "$.decided", "End": true}}});
    api.put_json("/v1/state-machines/fix", &fixed).await;
    let (status, redriven) = api
        .post(&format!("{path}/redrive?revision=3"), json!(null))
        .await;
    assert_eq!(status, 200, "{redriven}");
    assert_eq!(
        (
            redriven["revision"].as_u64(),
            redriven["redriveCount"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert!(redriven["redrivenAt"].is_string());
    let done = api.until(path, |e| e["status"] == "SUCCEEDED").await;
    assert_eq!(
        done["output"],
        json!({"n": 5, "checked": 1, "decided": "ok"})
    );
    let (_, history) = api.get(&format!("{path}/history?limit=1000")).await;
    let types: Vec<&str> = (history["events"].as_array().unwrap().iter())
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types.iter().filter(|t| **t == "PassStateEntered").count(),
        2,
        "{types:?}"
    );
    let at = types
        .iter()
        .position(|t| *t == "ExecutionRedriven")
        .unwrap();
    assert_eq!(
        &types[at - 1..],
        [
            "ExecutionFailed",
            "ExecutionRedriven",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );

    // SUCCEEDED now: not redrivable.
    let (status, again) = api.post(&format!("{path}/redrive"), json!(null)).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (409, Some("ExecutionNotRedrivable"))
    );
    api.shutdown().await;
}
