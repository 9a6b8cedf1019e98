//! What the console and `baton watch` read besides the event stream (`events.rs`): current
//! states and open callbacks in describe, a token's task, JSON answers ending with a newline
//! (and compressed when asked), YAML diagnostics placed in the YAML, and the console's routes.

use serde_json::{Value, json};

use baton_gateway::GatewayConfig;

use crate::support::TestApi;
use crate::{callback, hello};

/// A Parallel whose first branch waits an hour and whose second waits for a callback.
fn parallel_with_callback() -> Value {
    json!({"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": true}}},
        {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token", "order.$": "$.order"}, "End": true}}}
    ]}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_shows_current_states_and_open_callbacks() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/par", &parallel_with_callback())
        .await;
    api.post(
        "/v1/state-machines/par/executions",
        json!({"name": "one", "input": {"order": 7}}),
    )
    .await;
    let token = api.task_token("par", "one").await;
    let view = api
        .until("/v1/state-machines/par/executions/one", |v| {
            v["openCallbacks"].as_array().is_some_and(|c| c.len() == 1)
        })
        .await;
    let mut states: Vec<(String, String, Value)> = view["currentStates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
                s.get("within").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    states.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        states,
        vec![
            (
                "Ask".into(),
                "WAITING_CALLBACK".into(),
                json!([{"state": "Both", "index": 1}])
            ),
            ("Both".into(), "WAITING_CHILDREN".into(), Value::Null),
            (
                "Hold".into(),
                "WAITING_TIMER".into(),
                json!([{"state": "Both", "index": 0}])
            ),
        ]
    );
    assert_eq!(view["currentStatesTotal"], 3);
    let open = &view["openCallbacks"][0];
    assert_eq!(open["state"], "Ask");
    assert_eq!(open["token"], token.as_str());
    assert_eq!(open["within"], json!([{"state": "Both", "index": 1}]));
    assert!(open["since"].as_str().is_some_and(|s| s.ends_with('Z')));

    // Once ended, none of them.
    let (status, _) = api
        .post("/v1/state-machines/par/executions/one/stop", json!({}))
        .await;
    assert_eq!(status, 200);
    let ended = api
        .until("/v1/state-machines/par/executions/one", |v| {
            v["status"] == "ABORTED"
        })
        .await;
    for field in ["currentStates", "currentStatesTotal", "openCallbacks"] {
        assert!(ended.get(field).is_none(), "{field} in {ended}");
    }
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_says_what_it_waits_for_without_an_api_token() {
    let config = GatewayConfig {
        auth_tokens: vec!["console-test-token-0123456789".into()],
        ..GatewayConfig::default()
    };
    let api = TestApi::with_config(config).await;
    api.put_json("/v1/state-machines/cb", &callback()).await;
    api.post(
        "/v1/state-machines/cb/executions",
        json!({"name": "one", "input": {"order": 7}}),
    )
    .await;
    let token = api.task_token("cb", "one").await;
    // No bearer token: the task token is the capability.
    let info = |token: String| {
        let url = format!("{}/v1/callbacks/{token}", api.base);
        let http = api.http.clone();
        async move {
            let response = http.get(url).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, waiting) = info(token.clone()).await;
    assert_eq!(status, 200, "{waiting}");
    assert_eq!(waiting["outcome"], "WAITING");
    assert_eq!(waiting["waiting"], true);
    assert_eq!(waiting["state"], "Ask");
    assert_eq!(waiting["input"], json!({"order": 7}));
    assert_eq!(waiting["parameters"]["token"], token.as_str());
    assert_eq!(waiting["execution"]["name"], "one");
    assert_eq!(waiting["execution"]["stateMachine"], "cb");
    assert_eq!(waiting["execution"]["status"], "RUNNING");

    api.post(
        &format!("/v1/callbacks/{token}/success"),
        json!({"ok": true}),
    )
    .await;
    // Answered; the execution goes on (to an hour's Wait).
    api.until("/v1/state-machines/cb/executions/one", |v| {
        v["currentStates"][0]["name"] == "Hold"
    })
    .await;
    let (_, answered) = info(token.clone()).await;
    assert_eq!(answered["outcome"], "ANSWERED", "{answered}");
    assert_eq!(answered["waiting"], false);
    assert!(answered.get("input").is_none());

    // Once the execution has ended too, an answered token still says it was answered (a
    // second approver learns why their answer is refused)...
    api.post("/v1/state-machines/cb/executions/one/stop", json!({}))
        .await;
    api.until("/v1/state-machines/cb/executions/one", |v| {
        v["status"] == "ABORTED"
    })
    .await;
    let (_, later) = info(token.clone()).await;
    assert_eq!(later["outcome"], "ANSWERED", "{later}");
    assert_eq!(later["execution"]["status"], "ABORTED");
    // ...and a token whose execution ended while it waited says the execution ended.
    api.post("/v1/state-machines/cb/executions", json!({"name": "two"}))
        .await;
    let waiting_token = api.task_token("cb", "two").await;
    api.post("/v1/state-machines/cb/executions/two/stop", json!({}))
        .await;
    api.until("/v1/state-machines/cb/executions/two", |v| {
        v["status"] == "ABORTED"
    })
    .await;
    let (_, ended) = info(waiting_token).await;
    assert_eq!(ended["outcome"], "EXECUTION_ENDED", "{ended}");
    assert_eq!(ended["execution"]["status"], "ABORTED");

    let (status, garbled) = info(format!("{}x", &token[..token.len() - 1])).await;
    assert_eq!(status, 400, "{garbled}");
    assert_eq!(garbled["error"], "InvalidToken");
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_token_says_so() {
    let api = TestApi::start().await;
    let definition = json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"token.$": "$$.Task.Token"}, "TimeoutSeconds": 1,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Hold"}], "End": true},
        "Hold": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    api.put_json("/v1/state-machines/late", &definition).await;
    api.post("/v1/state-machines/late/executions", json!({"name": "one"}))
        .await;
    let token = api.task_token("late", "one").await;
    api.until("/v1/state-machines/late/executions/one", |v| {
        v["currentStates"][0]["name"] == "Hold"
    })
    .await;
    let (status, info) = api.get(&format!("/v1/callbacks/{token}")).await;
    assert_eq!(status, 200);
    assert_eq!(info["outcome"], "TIMED_OUT", "{info}");
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_answers_end_with_a_newline_and_use_rfc3339() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/hello", &hello()).await;
    for path in [
        "/v1/state-machines",
        "/v1/state-machines/hello",
        "/v1/state-machines/missing",
        "/openapi.json",
    ] {
        let text = api
            .http
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.ends_with("}\n"), "{path}: {text:?}");
    }
    api.shutdown().await;
}

/// REST answers are gzipped for a client that asks, newline included; not otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_answers_are_compressed_when_asked() {
    let api = TestApi::start().await;
    api.put_json("/v1/state-machines/hello", &hello()).await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let url = format!("{}/v1/state-machines/hello", api.base);
    let gzipped = raw
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let bytes = gzipped.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .expect("gzip");
    assert!(text.ends_with("}\n"), "{text:?}");
    let plain = raw.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.unwrap().ends_with("}\n"));
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_served_under_ui() {
    let api = TestApi::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = http.get(format!("{}/", api.base)).send().await.unwrap();
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()["location"], "/ui/");
    // Deep links are pages of the application.
    for path in [
        "/ui/",
        "/ui/state-machines/orders/executions/o-1",
        "/ui/callbacks/bt1_x",
    ] {
        let page = http
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{path}");
        assert!(
            page.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let csp = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{csp}");
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert!(page.text().await.unwrap().contains("<html"));
    }
    let missing = http
        .get(format!("{}/ui/assets/none.js", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    api.shutdown().await;
}

/// A YAML definition's problems are placed in the YAML as sent (line and column), with the
/// nearest name suggested: what the console's editor shows in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_diagnostics_are_placed_in_the_yaml() {
    let api = TestApi::start().await;
    let yaml = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Nxt: B\n  B:\n    Type: Succeed\n";
    let (status, result) = api
        .send(
            reqwest::Method::POST,
            "/v1/validate",
            Some("application/yaml"),
            Some(yaml.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(result["valid"], false);
    let diagnostics = result["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "one typo, one problem: {result}");
    let d = &diagnostics[0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(5)),
        "{d}"
    );
    assert_eq!(d["suggestion"], "Next", "{d}");

    let (status, refused) = api
        .put_text("/v1/state-machines/typo", Some("application/yaml"), yaml)
        .await;
    assert_eq!(status, 400, "{refused}");
    let d = &refused["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(5)),
        "{refused}"
    );

    // JSON keeps the JSON's own positions.
    let json = "{\"StartAt\": \"A\",\n \"States\": {\"A\": {\"Type\": \"Pass\", \"Nxt\": \"B\"},\n  \"B\": {\"Type\": \"Succeed\"}}}";
    let (_, result) = api
        .send(
            reqwest::Method::POST,
            "/v1/validate",
            Some("application/json"),
            Some(json.as_bytes().to_vec()),
        )
        .await;
    let d = &result["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(35)),
        "{result}"
    );
    api.shutdown().await;
}
