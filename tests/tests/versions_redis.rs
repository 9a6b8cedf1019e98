//! Versions and aliases through `baton serve --redis`, with the process killed and
//! started again in between (nothing but Redis survives): an execution started through an
//! alias finishes with its version's definition after the restart; versions and aliases
//! are still there; a routed version cannot be deleted; version numbers go on after the
//! machine is deleted and created again.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;

fn pass_after_wait(seconds: u64, result: &str) -> Value {
    json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": seconds, "Next": "P"},
        "P": {"Type": "Pass", "Result": result, "End": true}}})
}

fn put(rest: &Rest, definition: &Value) -> reqwest::RequestBuilder {
    rest.request(Method::PUT, "/v1/state-machines/v")
        .json(definition)
}

fn post(rest: &Rest, path: &str, body: Value) -> reqwest::RequestBuilder {
    rest.request(Method::POST, &format!("/v1/state-machines/v{path}"))
        .json(&body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_and_aliases_across_a_restart() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let mut baton = Baton::serve_async(&["--redis", &url], &[]).await;
    let rest = Rest::new(&baton.url);

    rest.expect(put(&rest, &pass_after_wait(3, "one")), 201)
        .await;
    let v1 = rest
        .expect(
            post(&rest, "/versions", json!({"description": "first"})),
            201,
        )
        .await;
    assert_eq!(v1["version"], 1);
    rest.expect(put(&rest, &pass_after_wait(0, "two")), 200)
        .await;
    rest.expect(post(&rest, "/versions", json!({})), 201).await;
    let prod = json!({"name": "prod", "routes": [{"version": 1, "weight": 100}]});
    rest.expect(post(&rest, "/aliases", prod), 201).await;
    let started = json!({"name": "through-prod", "alias": "prod"});
    let run = rest.expect(post(&rest, "/executions", started), 201).await;
    assert_eq!(
        (&run["version"], &run["alias"]),
        (&json!(1), &json!("prod"))
    );
    rest.expect(put(&rest, &pass_after_wait(0, "three")), 200)
        .await;

    // Killed and started again: only Redis remembers.
    baton.kill();
    let baton = Baton::serve_async(&["--redis", &url], &[]).await;
    let rest = Rest::new(&baton.url);

    let ended = rest
        .wait_end("v", "through-prod", Duration::from_secs(30))
        .await;
    assert_eq!(ended["status"], "SUCCEEDED", "{ended}");
    assert_eq!(
        ended["output"], "one",
        "version 1's definition, not the latest"
    );
    let versions = rest
        .expect(
            rest.request(Method::GET, "/v1/state-machines/v/versions"),
            200,
        )
        .await;
    let numbers: Vec<&Value> = (versions["versions"].as_array().unwrap().iter())
        .map(|v| &v["version"])
        .collect();
    assert_eq!(numbers, vec![&json!(2), &json!(1)]);
    let v1 = rest
        .expect(
            rest.request(Method::GET, "/v1/state-machines/v/versions/1"),
            200,
        )
        .await;
    assert_eq!(v1["definition"], pass_after_wait(3, "one"));
    assert_eq!(v1["description"], "first");
    let on_two = rest
        .expect(
            post(
                &rest,
                "/executions",
                json!({"name": "on-two", "version": 2}),
            ),
            201,
        )
        .await;
    assert_eq!(on_two["version"], 2);
    let ended = rest.wait_end("v", "on-two", Duration::from_secs(30)).await;
    assert_eq!(ended["output"], "two");

    let delete = |path: &str| rest.request(Method::DELETE, &format!("/v1/state-machines/v{path}"));
    rest.expect(delete("/versions/1"), 409).await;
    rest.expect(delete("/aliases/prod"), 204).await;
    rest.expect(delete("/versions/1"), 204).await;

    // Deleted with the machine; numbers go on after it is created again.
    rest.expect(delete(""), 204).await;
    rest.expect(put(&rest, &pass_after_wait(0, "again")), 201)
        .await;
    let listed = rest
        .expect(
            rest.request(Method::GET, "/v1/state-machines/v/versions"),
            200,
        )
        .await;
    assert_eq!(listed["versions"], json!([]));
    let aliases = rest
        .expect(
            rest.request(Method::GET, "/v1/state-machines/v/aliases"),
            200,
        )
        .await;
    assert_eq!(aliases["aliases"], json!([]));
    let v3 = rest.expect(post(&rest, "/versions", json!({})), 201).await;
    assert_eq!(v3["version"], 3, "numbers are never given again");
    drop(baton);
}
