//! A state machine's tags over REST: added, read, removed; AWS's limits; gone with the
//! machine.

use reqwest::Method;
use serde_json::json;

use crate::hello;
use crate::support::TestApi;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_are_added_read_removed_and_go_with_the_machine() {
    let api = TestApi::start().await;
    let path = "/v1/state-machines/hello/tags";
    let (status, e) = api.get(path).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("StateMachineDoesNotExist"))
    );
    api.put_json("/v1/state-machines/hello", &hello()).await;
    assert_eq!(api.get(path).await, (200, json!({"tags": {}})));

    let (status, tags) = api
        .post(path, json!({"team": "payments", "env": "dev"}))
        .await;
    assert_eq!(
        (status, tags),
        (200, json!({"tags": {"env": "dev", "team": "payments"}}))
    );
    let (_, tags) = api.post(path, json!({"env": "prod"})).await;
    assert_eq!(tags, json!({"tags": {"env": "prod", "team": "payments"}}));

    let (status, _) = api.delete(&format!("{path}/env")).await;
    assert_eq!(status, 204);
    let (status, _) = api.delete(&format!("{path}/absent")).await;
    assert_eq!(status, 204);
    assert_eq!(api.get(path).await.1, json!({"tags": {"team": "payments"}}));

    // AWS's rules: reserved prefix, key length, 50 at most (all or nothing).
    for bad in [
        json!({"aws:owner": "x"}),
        json!({"k".repeat(129): "x"}),
        json!({"k": "v".repeat(257)}),
    ] {
        let (status, e) = api.post(path, bad.clone()).await;
        assert_eq!(
            (status, e["error"].as_str()),
            (400, Some("ValidationException")),
            "{bad}"
        );
    }
    let many: serde_json::Map<String, serde_json::Value> =
        (0..50).map(|i| (format!("k{i:02}"), json!("v"))).collect();
    let (status, e) = api.post(path, serde_json::Value::Object(many)).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("TooManyTags")),
        "{e}"
    );
    assert_eq!(api.get(path).await.1, json!({"tags": {"team": "payments"}}));
    let (status, e) = api
        .send(
            Method::POST,
            path,
            Some("application/json"),
            Some(b"[1]".to_vec()),
        )
        .await;
    assert_eq!((status, e["error"].as_str()), (400, Some("BadRequest")));

    api.delete("/v1/state-machines/hello").await;
    assert_eq!(api.get(path).await.0, 404);
    api.put_json("/v1/state-machines/hello", &hello()).await;
    assert_eq!(
        api.get(path).await.1,
        json!({"tags": {}}),
        "a new machine has none"
    );
    api.shutdown().await;
}
