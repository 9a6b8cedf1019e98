//! Executions: start (async, sync wait, idempotency), list with paging, describe, stop.

use serde_json::{Value, json};

use crate::support::TestApi;
use crate::{hello, slow};

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.ends_with('Z') && s.contains('T') && s.len() == 24)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_waits_or_not_and_is_idempotent() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/hello", &hello()).await;
    api.put_json("/v1/state-machines/slow", &slow()).await;

    // Synchronous: the final execution, with JSON input and output.
    let (status, done) = api
        .post(
            "/v1/state-machines/hello/executions?wait=10",
            json!({"name": "sync-1", "input": {"n": [1, 2]}}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "SUCCEEDED");
    assert_eq!(done["input"], json!({"n": [1, 2]}));
    assert_eq!(done["output"], json!({"hello": "world"}));
    assert_eq!(done["stateMachine"], "hello");
    assert_eq!(done["revision"], 1);
    assert_eq!(
        done["arn"],
        "arn:aws:states:us-east-1:123456789012:execution:hello:sync-1"
    );
    assert!(
        is_rfc3339(&done["startedAt"]) && is_rfc3339(&done["stoppedAt"]),
        "{done}"
    );

    // Still running when the wait ends: 202.
    let (status, running) = api
        .post(
            "/v1/state-machines/slow/executions?wait=0",
            json!({"name": "w"}),
        )
        .await;
    assert_eq!((status, &running["status"]), (202, &json!("RUNNING")));
    assert!(running.get("stoppedAt").is_none() && running.get("output").is_none());
    assert_eq!(running["input"], json!({}));

    // Asynchronous: 201; the same name and input while running: 200, the same execution.
    let start = json!({"name": "idem", "input": {"a": 1}});
    let (status, first) = api
        .post("/v1/state-machines/slow/executions", start.clone())
        .await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = api.post("/v1/state-machines/slow/executions", start).await;
    assert_eq!((status, &again["arn"]), (200, &first["arn"]));
    assert_eq!(again["startedAt"], first["startedAt"]);
    let (status, e) = api
        .post(
            "/v1/state-machines/slow/executions",
            json!({"name": "idem", "input": 2}),
        )
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (409, Some("ExecutionAlreadyExists"))
    );
    let (status, e) = api
        .post(
            "/v1/state-machines/hello/executions",
            json!({"name": "sync-1"}),
        )
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (409, Some("ExecutionAlreadyExists"))
    );

    // An empty body: a random name and input {}; any JSON value is an input.
    let (status, random) = api
        .send(
            reqwest::Method::POST,
            "/v1/state-machines/hello/executions",
            None,
            None,
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(random["name"].as_str().unwrap().len(), 36);
    let (status, null_input) = api
        .post(
            "/v1/state-machines/hello/executions?wait=10",
            json!({"input": null}),
        )
        .await;
    assert_eq!((status, &null_input["input"]), (200, &Value::Null));

    for (path, body, code) in [
        (
            "/v1/state-machines/nope/executions",
            json!({}),
            "StateMachineDoesNotExist",
        ),
        (
            "/v1/state-machines/hello/executions",
            json!({"name": "a b"}),
            "InvalidName",
        ),
        (
            "/v1/state-machines/hello/executions",
            json!({"nam": "x"}),
            "BadRequest",
        ),
        (
            "/v1/state-machines/hello/executions",
            json!({"name": 5}),
            "BadRequest",
        ),
        (
            "/v1/state-machines/hello/executions?wait=3601",
            json!({}),
            "BadRequest",
        ),
        (
            "/v1/state-machines/hello/executions?wait=-1",
            json!({}),
            "BadRequest",
        ),
    ] {
        let (status, e) = api.post(path, body.clone()).await;
        let expected = if code == "StateMachineDoesNotExist" {
            404
        } else {
            400
        };
        assert_eq!(
            (status, e["error"].as_str()),
            (expected, Some(code)),
            "{path} {body}"
        );
    }
    let (status, e) = api
        .send(
            reqwest::Method::POST,
            "/v1/state-machines/hello/executions",
            Some("application/json"),
            Some(b"{\"name\": ".to_vec()),
        )
        .await;
    assert_eq!((status, e["error"].as_str()), (400, Some("BadRequest")));
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_and_pages() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/slow", &slow()).await;
    for i in 0..5 {
        let (status, _) = api
            .post(
                "/v1/state-machines/slow/executions",
                json!({"name": format!("e{i}")}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (status, _) = api
        .post("/v1/state-machines/slow/executions/e0/stop", json!({}))
        .await;
    assert_eq!(status, 200);

    let mut seen = Vec::new();
    let mut path = "/v1/state-machines/slow/executions?limit=2".to_owned();
    loop {
        let (status, page) = api.get(&path).await;
        assert_eq!(status, 200, "{page}");
        let items = page["executions"].as_array().unwrap();
        assert!(
            items.iter().all(|e| e.get("input").is_none()),
            "summaries only"
        );
        seen.extend(items.iter().map(|e| e["name"].as_str().unwrap().to_owned()));
        match page["next"].as_str() {
            Some(next) => {
                path = format!("/v1/state-machines/slow/executions?limit=2&cursor={next}")
                    .replace('|', "%7C");
            }
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["e0", "e1", "e2", "e3", "e4"]);

    let (_, aborted) = api
        .get("/v1/state-machines/slow/executions?status=ABORTED")
        .await;
    assert_eq!(aborted["executions"].as_array().unwrap().len(), 1);
    assert_eq!(aborted["executions"][0]["name"], "e0");
    let (_, running) = api
        .get("/v1/state-machines/slow/executions?status=RUNNING")
        .await;
    assert_eq!(running["executions"].as_array().unwrap().len(), 4);

    for bad in ["status=DONE", "limit=0", "cursor=nonsense", "cursor=1%7C"] {
        let (status, e) = api
            .get(&format!("/v1/state-machines/slow/executions?{bad}"))
            .await;
        assert_eq!(
            (status, e["error"].as_str()),
            (400, Some("BadRequest")),
            "{bad}"
        );
    }
    let (status, e) = api.get("/v1/state-machines/none/executions").await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("StateMachineDoesNotExist"))
    );
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_and_stop() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/slow", &slow()).await;
    api.post(
        "/v1/state-machines/slow/executions",
        json!({"name": "x", "input": [1]}),
    )
    .await;
    let base = "/v1/state-machines/slow/executions/x";
    let (status, running) = api.get(base).await;
    assert_eq!((status, &running["status"]), (200, &json!("RUNNING")));
    assert_eq!(running["input"], json!([1]));

    let long = "e".repeat(257);
    let (status, e) = api
        .post(&format!("{base}/stop"), json!({"error": long}))
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("ValidationException"))
    );
    let (status, e) = api
        .post(&format!("{base}/stop"), json!({"reason": "x"}))
        .await;
    assert_eq!((status, e["error"].as_str()), (400, Some("BadRequest")));
    let (status, stopped) = api
        .post(
            &format!("{base}/stop"),
            json!({"error": "Operator", "cause": "maintenance"}),
        )
        .await;
    assert_eq!(status, 200, "{stopped}");
    assert_eq!(stopped["status"], "ABORTED");
    assert_eq!(stopped["error"], "Operator");
    assert_eq!(stopped["cause"], "maintenance");
    assert!(is_rfc3339(&stopped["stoppedAt"]));
    let (status, again) = api.post(&format!("{base}/stop"), json!({})).await;
    assert_eq!((status, &again["status"]), (200, &json!("ABORTED")));

    for path in [
        "/v1/state-machines/slow/executions/nope",
        "/v1/state-machines/slow/executions/nope/history",
    ] {
        let (status, e) = api.get(path).await;
        assert_eq!(
            (status, e["error"].as_str()),
            (404, Some("ExecutionDoesNotExist"))
        );
    }
    let (status, e) = api
        .post("/v1/state-machines/slow/executions/nope/stop", json!({}))
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("ExecutionDoesNotExist"))
    );

    // Executions live under their state machine.
    api.delete("/v1/state-machines/slow").await;
    let (status, e) = api.get(base).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("StateMachineDoesNotExist"))
    );
    api.shutdown().await;
}
