//! Versions and aliases over REST: publish, list, describe, delete; aliases CRUD; starts
//! on a version or through an alias, and listing by them; gone with the machine.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApi;

fn pass(value: &str) -> Value {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": value, "End": true}}})
}

const SM: &str = "/v1/state-machines/pinned";

fn error(reply: &(u16, Value)) -> (u16, &str) {
    (reply.0, reply.1["error"].as_str().unwrap_or(""))
}

async fn put(api: &TestApi, path: &str, body: Value) -> (u16, Value) {
    let bytes = serde_json::to_vec(&body).unwrap();
    api.send(Method::PUT, path, Some("application/json"), Some(bytes))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_publish_list_describe_delete() {
    let api = TestApi::start().await;
    let versions = format!("{SM}/versions");
    assert_eq!(
        error(&api.post(&versions, json!({})).await),
        (404, "StateMachineDoesNotExist")
    );
    api.put_json(SM, &pass("one")).await;
    let (status, v1) = api.post(&versions, json!({"description": "first"})).await;
    assert_eq!(status, 201, "{v1}");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["revision"], 1);
    assert_eq!(v1["description"], "first");
    assert_eq!(
        v1["arn"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:pinned:1"
    );
    // Again: the same version, 200.
    let (status, again) = api.post(&versions, json!({})).await;
    assert_eq!((status, &again["version"]), (200, &json!(1)));
    api.put_json(SM, &pass("two")).await;
    assert_eq!(
        error(&api.post(&versions, json!({"revision": 1})).await),
        (409, "ConflictException")
    );
    let (status, v2) = api.post(&versions, json!({"revision": 2})).await;
    assert_eq!((status, &v2["version"]), (201, &json!(2)));
    assert_eq!(
        error(
            &api.post(&versions, json!({"description": "d".repeat(257)}))
                .await
        ),
        (400, "ValidationException")
    );
    assert_eq!(
        error(&api.post(&versions, json!({"other": 1})).await).0,
        400
    );

    let (_, list) = api.get(&versions).await;
    let numbers: Vec<&Value> = list["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["version"])
        .collect();
    assert_eq!(numbers, vec![&json!(2), &json!(1)]);
    let (_, page) = api.get(&format!("{versions}?limit=1")).await;
    assert_eq!(page["versions"][0]["version"], 2);
    let next = page["next"].as_str().unwrap().to_owned();
    let (_, page) = api.get(&format!("{versions}?limit=1&cursor={next}")).await;
    assert_eq!(page["versions"][0]["version"], 1);
    assert_eq!(page.get("next"), None);
    assert_eq!(
        error(&api.get(&format!("{versions}?cursor=x")).await),
        (400, "BadRequest")
    );

    let (status, d) = api.get(&format!("{versions}/1")).await;
    assert_eq!(status, 200);
    assert_eq!(d["definition"], pass("one"));
    assert_eq!(d["roleArn"], "arn:aws:iam::123456789012:role/baton");
    assert_eq!(
        error(&api.get(&format!("{versions}/9")).await),
        (404, "StateMachineDoesNotExist")
    );
    assert_eq!(
        error(&api.get(&format!("{versions}/x")).await),
        (400, "BadRequest")
    );

    assert_eq!(api.delete(&format!("{versions}/1")).await.0, 204);
    assert_eq!(
        api.delete(&format!("{versions}/1")).await.0,
        204,
        "idempotent"
    );
    assert_eq!(error(&api.get(&format!("{versions}/1")).await).0, 404);
    // Gone with the machine.
    assert_eq!(api.delete(SM).await.0, 204);
    assert_eq!(
        error(&api.get(&versions).await),
        (404, "StateMachineDoesNotExist")
    );
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_and_starts_on_versions() {
    let api = TestApi::start().await;
    api.put_json(SM, &pass("one")).await;
    api.post(&format!("{SM}/versions"), json!({})).await;
    api.put_json(SM, &pass("two")).await;
    api.post(&format!("{SM}/versions"), json!({})).await;
    api.put_json(SM, &pass("three")).await;
    let aliases = format!("{SM}/aliases");

    let prod =
        json!({"name": "prod", "description": "live", "routes": [{"version": 1, "weight": 100}]});
    let (status, a) = api.post(&aliases, prod.clone()).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(
        a["arn"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:pinned:prod"
    );
    assert_eq!(a["routes"], json!([{"version": 1, "weight": 100}]));
    assert_eq!(api.post(&aliases, prod).await.0, 201, "the same again");
    for (body, want) in [
        (
            json!({"name": "prod", "routes": [{"version": 2, "weight": 100}]}),
            (409, "ConflictException"),
        ),
        (
            json!({"name": "42", "routes": [{"version": 2, "weight": 100}]}),
            (400, "InvalidName"),
        ),
        (
            json!({"name": "w", "routes": [{"version": 2, "weight": 60}]}),
            (400, "ValidationException"),
        ),
        (
            json!({"name": "w", "routes": []}),
            (400, "ValidationException"),
        ),
        (
            json!({"name": "w", "routes": [{"version": 7, "weight": 100}]}),
            (404, "ResourceNotFound"),
        ),
        (
            json!({"name": "w", "routes": [{"version": 1, "weight": 50}, {"version": 1, "weight": 50}]}),
            (400, "ValidationException"),
        ),
    ] {
        assert_eq!(
            error(&api.post(&aliases, body.clone()).await),
            want,
            "{body}"
        );
    }
    let canary = json!({"name": "canary", "routes": [{"version": 1, "weight": 0}, {"version": 2, "weight": 100}]});
    assert_eq!(api.post(&aliases, canary).await.0, 201);
    let (_, list) = api.get(&aliases).await;
    let names: Vec<&Value> = list["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["name"])
        .collect();
    assert_eq!(names, vec![&json!("canary"), &json!("prod")]);
    let (_, on_two) = api.get(&format!("{aliases}?version=2")).await;
    assert_eq!(on_two["aliases"].as_array().unwrap().len(), 1);

    // Starts: on a version, through an alias, on the latest.
    let executions = format!("{SM}/executions");
    let start = |body: Value| api.post(&executions, body);
    let (status, e) = start(json!({"name": "v1", "version": 1})).await;
    assert_eq!(status, 201, "{e}");
    assert_eq!((e["version"].clone(), e.get("alias")), (json!(1), None));
    start(json!({"name": "via-canary", "alias": "canary"})).await;
    start(json!({"name": "latest"})).await;
    for (name, output, version, alias) in [
        ("v1", "one", Some(1u32), None),
        ("via-canary", "two", Some(2), Some("canary")),
        ("latest", "three", None, None),
    ] {
        let done = api
            .until(&format!("{executions}/{name}"), |e| {
                e["status"] == "SUCCEEDED"
            })
            .await;
        assert_eq!(done["output"], json!(output), "{name}");
        assert_eq!(
            done.get("version").and_then(Value::as_u64),
            version.map(u64::from)
        );
        assert_eq!(done.get("alias").and_then(Value::as_str), alias);
    }
    assert_eq!(
        error(&start(json!({"version": 9})).await),
        (404, "StateMachineDoesNotExist")
    );
    assert_eq!(
        error(&start(json!({"alias": "nope"})).await),
        (404, "StateMachineDoesNotExist")
    );
    assert_eq!(
        error(&start(json!({"version": 1, "alias": "prod"})).await),
        (400, "BadRequest")
    );
    let client = &api;
    let listed = |query: &'static str| {
        let path = format!("{executions}?{query}");
        async move {
            let (_, list) = client.get(&path).await;
            (list["executions"].as_array().unwrap().iter())
                .map(|e| e["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("version=1").await, vec!["v1"]);
    assert_eq!(listed("version=2").await, vec!["via-canary"]);
    assert_eq!(listed("alias=canary").await, vec!["via-canary"]);
    assert_eq!(
        error(&api.get(&format!("{executions}?alias=nope")).await),
        (404, "ResourceNotFound")
    );

    // Update, then the routed version can go only once no alias routes to it.
    let (status, a) = put(
        &api,
        &format!("{aliases}/canary"),
        json!({"routes": [{"version": 1, "weight": 100}]}),
    )
    .await;
    assert_eq!(
        (status, &a["routes"]),
        (200, &json!([{"version": 1, "weight": 100}]))
    );
    assert_eq!(
        error(&put(&api, &format!("{aliases}/canary"), json!({})).await),
        (400, "ValidationException")
    );
    assert_eq!(
        error(
            &put(
                &api,
                &format!("{aliases}/nope"),
                json!({"description": "x"})
            )
            .await
        ),
        (404, "ResourceNotFound")
    );
    assert_eq!(
        error(&api.delete(&format!("{SM}/versions/1")).await),
        (409, "ConflictException")
    );
    assert_eq!(api.delete(&format!("{SM}/versions/2")).await.0, 204);
    assert_eq!(
        api.get(&format!("{aliases}/canary")).await.1["description"],
        Value::Null
    );
    assert_eq!(api.delete(&format!("{aliases}/canary")).await.0, 204);
    assert_eq!(
        error(&api.delete(&format!("{aliases}/canary")).await),
        (404, "ResourceNotFound")
    );
    assert_eq!(api.delete(SM).await.0, 204);
    assert_eq!(
        error(&api.get(&format!("{aliases}/prod")).await),
        (404, "ResourceNotFound")
    );
    api.shutdown().await;
}
