//! Deep definitions: 40 Parallels nested in each other (deeper than serde_json's default
//! 128 levels) are saved, described and run; past the state limit, validation points at the
//! state too deep.

use baton_definitions::parse::read_json;
use reqwest::Method;
use serde_json::json;

use crate::support::TestApi;

/// `S0` holds `S1` in its only branch, … down to `S{depth}`, a Pass state.
fn parallels(depth: usize) -> String {
    let mut text = String::from(r#"{"StartAt":"S0","States":{"S0":"#);
    for i in 1..=depth {
        text.push_str(&format!(
            r#"{{"Type":"Parallel","End":true,"Branches":[{{"StartAt":"S{i}","States":{{"S{i}":"#
        ));
    }
    text.push_str(r#"{"Type":"Pass","Result":{"leaf":true},"End":true}"#);
    text.push_str(&"}}]}".repeat(depth));
    text.push_str("}}");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_nested_parallels_are_saved_described_and_run() {
    let api = TestApi::start().await;
    let text = parallels(40);
    // Without a Content-Type: read as JSON, not as YAML, though deeper than 128 levels.
    let (status, created) = api.put_text("/v1/state-machines/deep", None, &text).await;
    assert_eq!(status, 201, "{created}");
    let (status, got) = api.get("/v1/state-machines/deep").await;
    assert_eq!(status, 200);
    assert_eq!(got["definition"], read_json(&text).unwrap());

    let (status, done) = api
        .post(
            "/v1/state-machines/deep/executions?wait=10",
            json!({"name": "run-1"}),
        )
        .await;
    assert_eq!(
        (status, &done["status"]),
        (200, &json!("SUCCEEDED")),
        "{done}"
    );
    // Each Parallel puts the output of its only branch in an array.
    let mut output = &done["output"];
    for _ in 0..40 {
        output = &output[0];
    }
    assert_eq!(output, &json!({"leaf": true}));

    let (status, report) = api
        .send(
            Method::POST,
            "/v1/validate",
            None,
            Some(parallels(65).into_bytes()),
        )
        .await;
    assert_eq!((status, &report["valid"]), (200, &json!(false)));
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report}");
    assert_eq!(diagnostics[0]["code"], "SCHEMA_VALIDATION_FAILED");
    let location: String = (1..=65)
        .map(|i| format!("/Branches/0/States/S{i}"))
        .collect();
    assert_eq!(diagnostics[0]["location"], format!("/States/S0{location}"));
    api.shutdown().await;
}
