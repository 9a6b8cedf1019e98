//! Safety rules of `baton serve` (issue #4), one test each, against the binary as a process:
//!
//! - (a) `--auth-token`: every API route (REST and `POST /`, checked against the OpenAPI
//!   document and the list of AWS operations) answers 401 without `Authorization: Bearer
//!   <token>` and does nothing; with it, 2xx. Callbacks and operations routes need no bearer.
//! - (b) `--aws-credentials`: SigV4 from the AWS SDK client with the right secret works; a
//!   wrong secret, an unknown key id or no signature is 403 and does nothing. (Each
//!   combination of credentials against each surface is in `gateway/tests/auth.rs`.)
//! - (c) limits and malformed requests: a body over the request limit is 413 (JSON in the
//!   shape of its API, connection closed), malformed JSON 400, an unknown route 404.
//! - (d) forged task tokens (REST callbacks and SendTaskSuccess/Failure/Heartbeat) are
//!   `InvalidToken` and change nothing: the execution still waits, and the real token works.
//! - (e) HTTP tasks to link-local and metadata addresses fail with `States.Permissions` (and
//!   Catch sees it); `BATON_ALLOW_LINK_LOCAL=true` lifts the refusal.
//! - (f) with `RUST_LOG=debug`, no bearer token, AWS secret, signature, signing key or task
//!   token appears in the server's output, nor the bearer token in the history.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_sfn::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sfn::operation::RequestId;
use reqwest::Method;
use serde_json::{Value, json};

use baton_callbacks::{KeyRing, TaskClaims};
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use baton_tests::services::{Received, Service};

const TIMEOUT: Duration = Duration::from_secs(30);
const ROLE: &str = "arn:aws:iam::123456789012:role/tests";
const SM_ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:";
const EXEC_ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:";

/// A service that takes callback notifications (answers 200).
async fn notify_service() -> Service {
    Service::start(|_: &Received| (200, json!({"queued": true}))).await
}

/// One Callback state that notifies `service` with its token and the execution's name,
/// then a Pass.
fn callback_machine(service: &Service) -> Value {
    json!({
        "StartAt": "Wait for it",
        "States": {
            "Wait for it": {
                "Type": "Callback",
                "Notify": {
                    "ApiEndpoint": service.url("/notify"),
                    "Method": "POST",
                    "RequestBody": {"token.$": "$$.Task.Token", "run.$": "$$.Execution.Name"}
                },
                "TimeoutSeconds": 300,
                "ResultPath": "$.answer",
                "Next": "Done"
            },
            "Done": {"Type": "Pass", "End": true}
        }
    })
}

/// The task token the notify service got for execution `run`.
async fn token_for(service: &Service, run: &str) -> String {
    let notified = service
        .wait_for(TIMEOUT, |r| r.body["run"] == run)
        .await
        .unwrap_or_else(|| panic!("no notification for {run}"));
    notified.body["token"]
        .as_str()
        .expect("a token in the notification")
        .to_owned()
}

/// `POST /` with `X-Amz-Target: AWSStepFunctions.<operation>`, optionally with a bearer
/// token; the status and the JSON body.
async fn aws_call(
    http: &reqwest::Client,
    url: &str,
    authorization: Option<&str>,
    operation: &str,
    input: &Value,
) -> (u16, Value) {
    let mut request = http
        .post(format!("{url}/"))
        .header("x-amz-target", format!("AWSStepFunctions.{operation}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(input.to_string());
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The status and JSON body of `request`.
async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

// ---------------------------------------------------------------------------------------
// (a) bearer tokens

const BEARER: &str = "s3cret-bearer-0042";

/// `Authorization` values that must not let a request through.
const NOT_THE_TOKEN: &[Option<&str>] = &[
    None,
    Some("Bearer wrong"),
    Some("Bearer s3cret-bearer-004"),
    Some("Bearer s3cret-bearer-0042X"),
    Some("Bearer "),
    Some("s3cret-bearer-0042"),
    Some("Basic czNjcmV0LWJlYXJlci0wMDQy"),
];

/// One REST API route with a concrete request.
struct Route {
    method: Method,
    /// As the OpenAPI document writes it.
    template: &'static str,
    path: String,
    body: Option<Value>,
    /// The status with the right bearer token.
    want: u16,
}

fn route(
    method: Method,
    template: &'static str,
    path: &str,
    body: Option<Value>,
    want: u16,
) -> Route {
    Route {
        method,
        template,
        path: path.to_owned(),
        body,
        want,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_guards_every_api_route_but_not_callbacks_or_operations() {
    let service = notify_service().await;
    let baton = Baton::serve_async(&["--auth-token", BEARER], &[]).await;
    let url = baton.url.clone();
    let http = reqwest::Client::new();
    let authed = Rest::new(&url).with_bearer(BEARER);
    let definition = callback_machine(&service);

    // Operations routes: no bearer needed.
    for path in ["/healthz", "/metrics", "/openapi.json"] {
        let response = http.get(format!("{url}{path}")).send().await.expect("send");
        assert_eq!(response.status(), 200, "{path}");
    }
    let openapi: Value = http
        .get(format!("{url}/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("OpenAPI JSON");

    let m = "/v1/state-machines/guarded";
    let e = "/v1/state-machines/guarded/executions/run-1";
    let routes = vec![
        route(
            Method::PUT,
            "/v1/state-machines/{name}",
            m,
            Some(definition.clone()),
            201,
        ),
        route(
            Method::GET,
            "/v1/state-machines",
            "/v1/state-machines",
            None,
            200,
        ),
        route(Method::GET, "/v1/state-machines/{name}", m, None, 200),
        route(
            Method::POST,
            "/v1/validate",
            "/v1/validate",
            Some(definition.clone()),
            200,
        ),
        route(
            Method::POST,
            "/v1/test-state",
            "/v1/test-state",
            Some(json!({"definition": "{\"Type\": \"Pass\", \"End\": true}", "input": "{}"})),
            200,
        ),
        route(
            Method::POST,
            "/v1/state-machines/{name}/versions",
            &format!("{m}/versions"),
            Some(json!({})),
            201,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/versions",
            &format!("{m}/versions"),
            None,
            200,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/versions/{version}",
            &format!("{m}/versions/1"),
            None,
            200,
        ),
        route(
            Method::POST,
            "/v1/state-machines/{name}/aliases",
            &format!("{m}/aliases"),
            Some(json!({"name": "prod", "routes": [{"version": 1, "weight": 100}]})),
            201,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/aliases",
            &format!("{m}/aliases"),
            None,
            200,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/aliases/{alias}",
            &format!("{m}/aliases/prod"),
            None,
            200,
        ),
        route(
            Method::PUT,
            "/v1/state-machines/{name}/aliases/{alias}",
            &format!("{m}/aliases/prod"),
            Some(json!({"description": "all on version 1"})),
            200,
        ),
        route(
            Method::DELETE,
            "/v1/state-machines/{name}/aliases/{alias}",
            &format!("{m}/aliases/prod"),
            None,
            204,
        ),
        route(
            Method::DELETE,
            "/v1/state-machines/{name}/versions/{version}",
            &format!("{m}/versions/1"),
            None,
            204,
        ),
        route(
            Method::POST,
            "/v1/state-machines/{name}/tags",
            &format!("{m}/tags"),
            Some(json!({"team": "payments"})),
            200,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/tags",
            &format!("{m}/tags"),
            None,
            200,
        ),
        route(
            Method::DELETE,
            "/v1/state-machines/{name}/tags/{key}",
            &format!("{m}/tags/team"),
            None,
            204,
        ),
        route(
            Method::POST,
            "/v1/state-machines/{name}/executions",
            &format!("{m}/executions"),
            Some(json!({"name": "run-1", "input": {"n": 1}})),
            201,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/executions",
            &format!("{m}/executions"),
            None,
            200,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/executions/{execution}",
            e,
            None,
            200,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/executions/{execution}/history",
            &format!("{e}/history"),
            None,
            200,
        ),
        route(
            Method::GET,
            "/v1/state-machines/{name}/executions/{execution}/map-runs",
            &format!("{e}/map-runs"),
            None,
            200,
        ),
        // (The execution has no distributed Map: no such run.)
        route(
            Method::GET,
            "/v1/state-machines/{name}/executions/{execution}/map-runs/{id}",
            &format!("{e}/map-runs/3c39a231-69bb-8d89-8607-9e124eddbb0b"),
            None,
            404,
        ),
        route(
            Method::POST,
            "/v1/state-machines/{name}/executions/{execution}/stop",
            &format!("{e}/stop"),
            Some(json!({"error": "Stopped", "cause": "by the test"})),
            200,
        ),
        // After the stop, so that the stream ends.
        route(
            Method::GET,
            "/v1/state-machines/{name}/executions/{execution}/events",
            &format!("{e}/events"),
            None,
            200,
        ),
        // The stopped (ABORTED) execution runs again.
        route(
            Method::POST,
            "/v1/state-machines/{name}/executions/{execution}/redrive",
            &format!("{e}/redrive"),
            None,
            200,
        ),
        route(Method::DELETE, "/v1/state-machines/{name}", m, None, 204),
        route(
            Method::GET,
            "/v1/dead-letters",
            "/v1/dead-letters",
            None,
            200,
        ),
    ];

    // The list is every API route of the OpenAPI document (callbacks and operations apart).
    let mut documented = BTreeSet::new();
    for (path, item) in openapi["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if path.starts_with("/v1/callbacks/")
                || ["/livez", "/readyz", "/healthz", "/metrics", "/openapi.json"]
                    .contains(&path.as_str())
            {
                continue;
            }
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let tested: BTreeSet<(String, String)> = routes
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.template.to_owned()))
        .collect();
    assert_eq!(tested, documented, "the routes tested are the API routes");

    for r in &routes {
        // Without the token: 401, whatever is sent instead, and nothing happens (the
        // authenticated request right after still creates, starts, stops…).
        for authorization in NOT_THE_TOKEN {
            let mut request = http.request(r.method.clone(), format!("{url}{}", r.path));
            if let Some(value) = authorization {
                request = request.header("authorization", *value);
            }
            if let Some(body) = &r.body {
                request = request.json(body);
            }
            let response = request.send().await.expect("send");
            assert_eq!(
                response.status(),
                401,
                "{} {} with {authorization:?}",
                r.method,
                r.path
            );
            assert_eq!(
                response
                    .headers()
                    .get("www-authenticate")
                    .map(|v| v.as_bytes()),
                Some(&b"Bearer"[..])
            );
            let body: Value = response.json().await.expect("JSON error");
            assert_eq!(body["error"], "Unauthorized");
        }
        // A token in the query string is not a credential either.
        let sneaky = http
            .request(
                r.method.clone(),
                format!("{url}{}?access_token={BEARER}", r.path),
            )
            .send()
            .await
            .expect("send");
        assert_eq!(sneaky.status(), 401, "{} {}?access_token", r.method, r.path);
        // The refused requests changed nothing: the execution still runs before the stop,
        // the machine still exists before the delete (and the PUT and POST below answer
        // 201, created, not 200 for an existing one).
        if r.template.ends_with("/stop") {
            let view = authed.describe("guarded", "run-1").await;
            assert_eq!(view["status"], "RUNNING", "{view}");
        }
        if r.method == Method::DELETE {
            authed.expect(authed.request(Method::GET, m), 200).await;
        }
        // With it: the route works.
        let mut request = authed.request(r.method.clone(), &r.path);
        if let Some(body) = &r.body {
            request = request.json(body);
        }
        if r.template.ends_with("/events") {
            // An event stream, not JSON: every event, then the end.
            let response = request.send().await.expect("send");
            assert_eq!(response.status(), 200);
            let text = response.text().await.expect("the stream");
            assert!(text.contains("event: end"), "{text}");
            continue;
        }
        authed.expect(request, r.want).await;
    }
    authed.expect(authed.request(Method::GET, m), 404).await;

    // The AWS endpoint: every operation Baton serves (all 32 are called below) is 401
    // without the token, 2xx with it (UpdateMapRun, which Baton refuses: 400).
    let with = format!("Bearer {BEARER}");
    let aws = |operation: &'static str, input: Value| {
        let (http, url, with) = (http.clone(), url.clone(), with.clone());
        async move {
            for authorization in NOT_THE_TOKEN {
                let (status, body) = aws_call(&http, &url, *authorization, operation, &input).await;
                assert_eq!(status, 401, "{operation} with {authorization:?}: {body}");
                // In AWS's error shape, so that SDKs can read it.
                assert_eq!(
                    body["__type"], "com.amazon.coral.service#MissingAuthenticationTokenException",
                    "{operation}"
                );
            }
            let (status, body) = aws_call(&http, &url, Some(&with), operation, &input).await;
            let want = if operation == "UpdateMapRun" {
                400..401
            } else {
                200..300
            };
            assert!(
                want.contains(&status),
                "{operation} with the token: {status} {body}"
            );
            body
        }
    };
    let text = definition.to_string();
    let sm = format!("{SM_ARN}aws-guarded");
    let exec = |name: &str| format!("{EXEC_ARN}aws-guarded:{name}");
    aws(
        "ValidateStateMachineDefinition",
        json!({"definition": text}),
    )
    .await;
    aws(
        "CreateStateMachine",
        json!({"name": "aws-guarded", "definition": text, "roleArn": ROLE}),
    )
    .await;
    aws(
        "UpdateStateMachine",
        json!({"stateMachineArn": sm, "roleArn": format!("{ROLE}-2")}),
    )
    .await;
    aws("DescribeStateMachine", json!({"stateMachineArn": sm})).await;
    aws("ListStateMachines", json!({})).await;
    aws(
        "TagResource",
        json!({"resourceArn": sm, "tags": [{"key": "team", "value": "a"}]}),
    )
    .await;
    let tags = aws("ListTagsForResource", json!({"resourceArn": sm})).await;
    assert_eq!(tags["tags"], json!([{"key": "team", "value": "a"}]));
    aws(
        "UntagResource",
        json!({"resourceArn": sm, "tagKeys": ["team"]}),
    )
    .await;
    for run in ["a1", "a2", "a3"] {
        aws(
            "StartExecution",
            json!({"stateMachineArn": sm, "name": run, "input": "{}"}),
        )
        .await;
    }
    aws("DescribeExecution", json!({"executionArn": exec("a1")})).await;
    aws(
        "DescribeStateMachineForExecution",
        json!({"executionArn": exec("a1")}),
    )
    .await;
    aws("ListExecutions", json!({"stateMachineArn": sm})).await;
    aws("GetExecutionHistory", json!({"executionArn": exec("a1")})).await;
    let t1 = token_for(&service, "a1").await;
    let t2 = token_for(&service, "a2").await;
    aws("SendTaskHeartbeat", json!({"taskToken": t1})).await;
    aws(
        "SendTaskSuccess",
        json!({"taskToken": t1, "output": "{\"ok\": true}"}),
    )
    .await;
    aws(
        "SendTaskFailure",
        json!({"taskToken": t2, "error": "No", "cause": "refused"}),
    )
    .await;
    aws("StopExecution", json!({"executionArn": exec("a3")})).await;
    aws(
        "CreateStateMachine",
        json!({"name": "quick", "type": "EXPRESS", "roleArn": ROLE,
               "definition": json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string()}),
    )
    .await;
    let sync = aws(
        "StartSyncExecution",
        json!({"stateMachineArn": format!("{SM_ARN}quick"), "input": "{\"n\": 1}"}),
    )
    .await;
    assert_eq!(sync["status"], "SUCCEEDED", "{sync}");
    for (run, want) in [("a1", "SUCCEEDED"), ("a2", "FAILED"), ("a3", "ABORTED")] {
        let status = common::eventually(TIMEOUT, run, || {
            let (http, url, with) = (http.clone(), url.clone(), with.clone());
            let arn = exec(run);
            async move {
                let (_, d) = aws_call(
                    &http,
                    &url,
                    Some(&with),
                    "DescribeExecution",
                    &json!({"executionArn": arn}),
                )
                .await;
                (d["status"] != "RUNNING").then(|| d["status"].clone())
            }
        })
        .await;
        assert_eq!(status, want, "{run}");
    }
    aws("RedriveExecution", json!({"executionArn": exec("a3")})).await;
    aws("StopExecution", json!({"executionArn": exec("a3")})).await;
    let version = aws("PublishStateMachineVersion", json!({"stateMachineArn": sm})).await;
    let version = version["stateMachineVersionArn"]
        .as_str()
        .expect("version ARN")
        .to_owned();
    aws("ListStateMachineVersions", json!({"stateMachineArn": sm})).await;
    let alias = aws(
        "CreateStateMachineAlias",
        json!({"name": "prod", "routingConfiguration": [{"stateMachineVersionArn": version, "weight": 100}]}),
    )
    .await;
    let alias = alias["stateMachineAliasArn"]
        .as_str()
        .expect("alias ARN")
        .to_owned();
    aws(
        "DescribeStateMachineAlias",
        json!({"stateMachineAliasArn": alias}),
    )
    .await;
    aws(
        "UpdateStateMachineAlias",
        json!({"stateMachineAliasArn": alias, "description": "all on one version"}),
    )
    .await;
    aws("ListStateMachineAliases", json!({"stateMachineArn": sm})).await;
    aws(
        "DeleteStateMachineAlias",
        json!({"stateMachineAliasArn": alias}),
    )
    .await;
    aws(
        "DeleteStateMachineVersion",
        json!({"stateMachineVersionArn": version}),
    )
    .await;
    aws(
        "TestState",
        json!({"definition": json!({"Type": "Pass", "End": true}).to_string(), "roleArn": ROLE}),
    )
    .await;
    aws("DeleteStateMachine", json!({"stateMachineArn": sm})).await;
    // Map Runs: a distributed Map's run.
    let fanout = json!({"StartAt": "M", "States": {"M": {"Type": "Map",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}});
    aws(
        "CreateStateMachine",
        json!({"name": "aws-fanout", "definition": fanout.to_string(), "roleArn": ROLE}),
    )
    .await;
    let fanout_run = format!("{EXEC_ARN}aws-fanout:f1");
    aws(
        "StartExecution",
        json!({"stateMachineArn": format!("{SM_ARN}aws-fanout"), "name": "f1", "input": "[1, 2]"}),
    )
    .await;
    let map_run = common::eventually(TIMEOUT, "the Map Run", || {
        let (http, url, with, arn) = (http.clone(), url.clone(), with.clone(), fanout_run.clone());
        async move {
            let (_, runs) = aws_call(
                &http,
                &url,
                Some(&with),
                "ListMapRuns",
                &json!({"executionArn": arn}),
            )
            .await;
            runs["mapRuns"][0]["mapRunArn"].as_str().map(str::to_owned)
        }
    })
    .await;
    aws("ListMapRuns", json!({"executionArn": fanout_run})).await;
    aws("DescribeMapRun", json!({"mapRunArn": map_run})).await;
    aws(
        "UpdateMapRun",
        json!({"mapRunArn": map_run, "maxConcurrency": 1}),
    )
    .await;

    // Callbacks need no bearer token: the task token is the credential.
    authed
        .put_machine("callbacks", &callback_machine(&service))
        .await;
    for run in ["c1", "c2"] {
        authed.start("callbacks", run, &json!({})).await;
    }
    let c1 = token_for(&service, "c1").await;
    let c2 = token_for(&service, "c2").await;
    let plain = Rest::new(&url);
    let (status, body) = send(http.post(format!("{url}/v1/callbacks/{c1}/heartbeat"))).await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(
        plain.callback_success(&c1, &json!({"fine": true})).await,
        (200, json!({}))
    );
    let (status, body) = send(
        http.post(format!("{url}/v1/callbacks/{c2}/failure"))
            .json(&json!({"error": "Rejected", "cause": "no"})),
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let c1_view = authed.wait_end("callbacks", "c1", TIMEOUT).await;
    assert_eq!(c1_view["status"], "SUCCEEDED");
    assert_eq!(c1_view["output"]["answer"], json!({"fine": true}));
    let c2_view = authed.wait_end("callbacks", "c2", TIMEOUT).await;
    assert_eq!(
        (&c2_view["status"], &c2_view["error"]),
        (&json!("FAILED"), &json!("Rejected"))
    );
}

// ---------------------------------------------------------------------------------------
// (b) SigV4

const AWS_SECRET: &str = "the-aws-secret-0123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_sigv4_accepts_the_right_secret_and_refuses_others_with_403() {
    let baton =
        Baton::serve_async(&["--aws-credentials", &format!("AKID:{AWS_SECRET}")], &[]).await;
    let good = common::sdk_client_with(&baton.url, "AKID", AWS_SECRET).await;
    let wrong_secret = common::sdk_client_with(&baton.url, "AKID", "NOT-THE-SECRET").await;
    let unknown_key = common::sdk_client_with(&baton.url, "AKIDOTHER", AWS_SECRET).await;
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": true}}});

    // The right credentials: the SDK works end to end.
    let sm = good
        .create_state_machine()
        .name("signed")
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStateMachine: {}", DisplayErrorContext(&e)))
        .state_machine_arn;
    let exec = good
        .start_execution()
        .state_machine_arn(&sm)
        .name("run-1")
        .send()
        .await
        .unwrap_or_else(|e| panic!("StartExecution: {}", DisplayErrorContext(&e)))
        .execution_arn;
    let output = common::eventually(TIMEOUT, "run-1 to end", || async {
        let d = good
            .describe_execution()
            .execution_arn(&exec)
            .send()
            .await
            .expect("DescribeExecution");
        d.output().map(str::to_owned)
    })
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&output).unwrap(),
        json!({"ok": 1})
    );

    // A wrong secret and an unknown key id: 403, as the SDK reports it, and no effect.
    for (client, code) in [
        (&wrong_secret, "InvalidSignatureException"),
        (&unknown_key, "UnrecognizedClientException"),
    ] {
        let err = client
            .list_state_machines()
            .send()
            .await
            .expect_err("a bad signature must be refused");
        assert_eq!(err.code(), Some(code), "{}", DisplayErrorContext(&err));
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
        assert!(err.request_id().is_some(), "AWS errors carry a request id");
        let err = client
            .create_state_machine()
            .name("forged")
            .definition(definition.to_string())
            .role_arn(ROLE)
            .send()
            .await
            .expect_err("a bad signature must be refused");
        assert_eq!(err.code(), Some(code));
        let err = client
            .stop_execution()
            .execution_arn(&exec)
            .send()
            .await
            .expect_err("a bad signature must be refused");
        assert_eq!(err.code(), Some(code));
    }
    let err = good
        .describe_state_machine()
        .state_machine_arn(format!("{SM_ARN}forged"))
        .send()
        .await
        .expect_err("the forged machine must not exist");
    assert_eq!(err.code(), Some("StateMachineDoesNotExist"));
    let d = good
        .describe_execution()
        .execution_arn(&exec)
        .send()
        .await
        .expect("DescribeExecution");
    assert_eq!(d.status().as_str(), "SUCCEEDED");

    // No signature at all: 403 MissingAuthenticationToken…
    let http = reqwest::Client::new();
    let (status, body) = aws_call(&http, &baton.url, None, "ListStateMachines", &json!({})).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("MissingAuthenticationTokenException")),
        "{body}"
    );
    // …and a bearer token is no substitute for a signature.
    let (status, _) = aws_call(
        &http,
        &baton.url,
        Some("Bearer the-aws-secret-0123"),
        "ListStateMachines",
        &json!({}),
    )
    .await;
    assert_eq!(status, 403);
    // A signature-shaped header that does not verify.
    let fake = "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/states/aws4_request, \
                SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";
    let (status, body) = aws_call(
        &http,
        &baton.url,
        Some(fake),
        "ListStateMachines",
        &json!({}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
}

// ---------------------------------------------------------------------------------------
// (c) limits, malformed requests, unknown routes

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_oversized_bodies_are_413_malformed_json_400_unknown_routes_404() {
    let baton = Baton::serve_async(&[], &[]).await;
    let url = baton.url.clone();
    let rest = Rest::new(&url);
    let http = reqwest::Client::new();
    rest.put_machine(
        "m",
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .await;

    // Above the request limit (2 MiB + 64 KiB, room for a 1 MiB definition escaped into an
    // AWS request): 413, on every kind of route, before anything is parsed.
    // (`baton_gateway::config::MAX_REQUEST_BYTES`.)
    const LIMIT: usize = 2 * 1024 * 1024 + 64 * 1024;
    let big = padded_start("big", LIMIT + 1);
    for (method, path) in [
        (Method::POST, "/v1/state-machines/m/executions"),
        (Method::PUT, "/v1/state-machines/huge"),
        (Method::POST, "/v1/validate"),
        (
            Method::POST,
            "/v1/callbacks/bt1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/success",
        ),
    ] {
        let (status, body) = send(
            http.request(method.clone(), format!("{url}{path}"))
                .header("content-type", "application/json")
                .body(big.clone()),
        )
        .await;
        assert_eq!(status, 413, "{method} {path}: {body}");
        assert_eq!(body["error"], "PayloadTooLarge", "{method} {path}");
    }
    let aws_big = json!({"stateMachineArn": format!("{SM_ARN}m"), "name": "big",
                         "input": json!({"pad": "x".repeat(LIMIT)}).to_string()})
    .to_string();
    let response = http
        .post(format!("{url}/"))
        .header("x-amz-target", "AWSStepFunctions.StartExecution")
        .header("content-type", "application/x-amz-json-1.0")
        .body(aws_big)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 413, "the AWS endpoint");
    assert_eq!(response.headers()["connection"], "close");
    assert_eq!(
        response.headers()["content-type"],
        "application/x-amz-json-1.0"
    );
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(
        body["__type"],
        "com.amazon.coral.validate#ValidationException"
    );
    // Nothing was started or created.
    let list = rest
        .expect(
            rest.request(Method::GET, "/v1/state-machines/m/executions"),
            200,
        )
        .await;
    assert_eq!(list["executions"], json!([]));
    rest.expect(rest.request(Method::GET, "/v1/state-machines/huge"), 404)
        .await;
    // A body of exactly the limit is read: its input is then refused for its own size.
    let (status, body) = send(
        http.post(format!("{url}/v1/state-machines/m/executions"))
            .header("content-type", "application/json")
            .body(padded_start("at-the-limit", LIMIT)),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "InvalidExecutionInput");

    // Malformed JSON: 400.
    for (method, path) in [
        (Method::POST, "/v1/state-machines/m/executions"),
        (Method::POST, "/v1/state-machines/m/executions/nope/stop"),
    ] {
        let (status, body) = send(
            http.request(method.clone(), format!("{url}{path}"))
                .header("content-type", "application/json")
                .body("{\"name\": \"x\", "),
        )
        .await;
        assert_eq!(status, 400, "{method} {path}: {body}");
        assert_eq!(body["error"], "BadRequest", "{method} {path}");
    }
    let (status, body) = send(
        http.put(format!("{url}/v1/state-machines/broken"))
            .header("content-type", "application/json")
            .body("{\"StartAt\": \"P\", \"States\": {"),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("InvalidDefinition")),
        "{body}"
    );
    let (status, body) = send(
        http.post(format!("{url}/"))
            .header("x-amz-target", "AWSStepFunctions.ListStateMachines")
            .header("content-type", "application/x-amz-json-1.0")
            .body("{\"maxResults\": "),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("SerializationException")),
        "{body}"
    );
    let (status, body) = aws_call(
        &http,
        &url,
        None,
        "StartExecution",
        &json!({"stateMachineArn": format!("{SM_ARN}m"), "input": "{not json"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("InvalidExecutionInput")),
        "{body}"
    );

    // Unknown routes: 404 with a JSON error; an unknown AWS operation: 400.
    for (method, path) in [
        (Method::GET, "/nope"),
        (Method::GET, "/v2/state-machines"),
        (Method::GET, "/v1/state-machines/m/nope"),
        (Method::POST, "/v1/callbacks/bt1_x/nope"),
        (
            Method::GET,
            "/v1/state-machines/m/executions/e/history/more",
        ),
    ] {
        let (status, body) = send(http.request(method.clone(), format!("{url}{path}"))).await;
        assert_eq!(
            (status, &body["error"]),
            (404, &json!("NotFound")),
            "{method} {path}: {body}"
        );
    }
    let (status, body) = aws_call(&http, &url, None, "MakeCoffee", &json!({})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("UnknownOperationException")),
        "{body}"
    );
    // A known route with a method it does not take: 405.
    let (status, body) = send(http.patch(format!("{url}/v1/state-machines/m"))).await;
    assert_eq!(
        (status, &body["error"]),
        (405, &json!("MethodNotAllowed")),
        "{body}"
    );
}

/// A start request (`{"name", "input": {"pad": "xxx…"}}`) of exactly `len` bytes.
fn padded_start(name: &str, len: usize) -> String {
    let empty = json!({"name": name, "input": {"pad": ""}}).to_string();
    let body = json!({"name": name, "input": {"pad": "x".repeat(len - empty.len())}}).to_string();
    assert_eq!(body.len(), len);
    body
}

// ---------------------------------------------------------------------------------------
// (d) forged task tokens

/// The server's signing keys (so the test can read the real token's claims).
const SIGNING_KEYS: &str = "*1:the-servers-signing-key-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_forged_task_tokens_are_invalid_and_change_nothing() {
    let service = notify_service().await;
    let baton = Baton::serve_async(&[], &[("BATON_SIGNING_KEYS", SIGNING_KEYS)]).await;
    let url = baton.url.clone();
    let rest = Rest::new(&url);
    let sdk = common::sdk_client(&url).await;
    let http = reqwest::Client::new();
    rest.put_machine("approvals", &callback_machine(&service))
        .await;
    rest.start("approvals", "run-1", &json!({"n": 1})).await;
    let real = token_for(&service, "run-1").await;
    // Parked: the notification's answer is recorded (TaskSubmitted) and nothing follows.
    let before = common::eventually(TIMEOUT, "TaskSubmitted", || async {
        let events = rest.history("approvals", "run-1", 1000).await;
        (events.last()?["type"] == "TaskSubmitted").then_some(events)
    })
    .await;

    // The real token's claims, re-signed by someone without the server's key.
    let server_ring = KeyRing::from_spec(SIGNING_KEYS).expect("keys");
    let claims = server_ring
        .verify(&real)
        .expect("the real token verifies")
        .into_claims();
    let attacker = KeyRing::new(1, "an-attackers-own-key-0123456789").expect("key");
    let unknown_key = KeyRing::new(9, "an-attackers-own-key-0123456789").expect("key");
    let mut tampered = real.clone().into_bytes();
    let last = tampered.last_mut().expect("a token");
    *last = if *last == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ASCII");
    let forged = [
        ("garbage", format!("bt1_{}", "A".repeat(60))),
        ("not a token", "hello".to_owned()),
        ("the real token, one character changed", tampered),
        (
            "the real claims, signed with another secret",
            attacker.mint(&claims).expect("mint"),
        ),
        (
            "the real claims, an unknown key id",
            unknown_key.mint(&claims).expect("mint"),
        ),
        (
            "the next attempt, signed with another secret",
            attacker
                .mint(&TaskClaims::new(
                    claims.execution_id.clone(),
                    claims.state.clone(),
                    claims.attempt + 1,
                ))
                .expect("mint"),
        ),
    ];
    for (what, token) in &forged {
        for outcome in ["success", "failure", "heartbeat"] {
            let request = http.post(format!("{url}/v1/callbacks/{token}/{outcome}"));
            let request = match outcome {
                "success" => request.json(&json!({"approved": "forged"})),
                "failure" => request.json(&json!({"error": "Forged"})),
                _ => request,
            };
            let (status, body) = send(request).await;
            assert_eq!(
                (status, &body["error"]),
                (400, &json!("InvalidToken")),
                "REST {outcome} with {what}: {body}"
            );
        }
        let err = sdk
            .send_task_success()
            .task_token(token)
            .output("{\"approved\": \"forged\"}")
            .send()
            .await
            .expect_err("a forged token must be refused");
        assert_eq!(
            err.code(),
            Some("InvalidToken"),
            "SendTaskSuccess with {what}"
        );
        let err = sdk
            .send_task_failure()
            .task_token(token)
            .error("Forged")
            .send()
            .await
            .expect_err("a forged token must be refused");
        assert_eq!(
            err.code(),
            Some("InvalidToken"),
            "SendTaskFailure with {what}"
        );
        let err = sdk
            .send_task_heartbeat()
            .task_token(token)
            .send()
            .await
            .expect_err("a forged token must be refused");
        assert_eq!(
            err.code(),
            Some("InvalidToken"),
            "SendTaskHeartbeat with {what}"
        );
    }

    // Nothing changed: still waiting, the same history.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rest.describe("approvals", "run-1").await["status"],
        "RUNNING"
    );
    assert_eq!(rest.history("approvals", "run-1", 1000).await, before);
    // The real token still answers the task.
    assert_eq!(
        rest.callback_success(&real, &json!({"approved": "for real"}))
            .await,
        (200, json!({}))
    );
    let view = rest.wait_end("approvals", "run-1", TIMEOUT).await;
    assert_eq!(view["status"], "SUCCEEDED");
    assert_eq!(view["output"]["answer"], json!({"approved": "for real"}));
}

// ---------------------------------------------------------------------------------------
// (e) link-local and metadata addresses

/// Tasks aimed at the metadata service, three ways: a URL resource (IPv4), `http:invoke`
/// (IPv4-mapped IPv6) and a Callback's notification (the EC2 IPv6 endpoint). The first has
/// a Catch for `States.Permissions`.
fn metadata_machines() -> Vec<(&'static str, Value)> {
    vec![
        (
            "url",
            json!({"StartAt": "Steal", "States": {
                "Steal": {"Type": "Task", "Resource": "http://169.254.169.254/latest/meta-data/",
                          "TimeoutSeconds": 2, "End": true}}}),
        ),
        (
            "caught",
            json!({"StartAt": "Steal", "States": {
                "Steal": {"Type": "Task", "Resource": "http://169.254.169.254/latest/meta-data/",
                          "TimeoutSeconds": 2,
                          "Catch": [{"ErrorEquals": ["States.Permissions"], "ResultPath": "$.refused",
                                     "Next": "Refused"}],
                          "End": true},
                "Refused": {"Type": "Pass", "End": true}}}),
        ),
        (
            "invoke",
            json!({"StartAt": "Steal", "States": {
                "Steal": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                          "Parameters": {"ApiEndpoint": "http://[::ffff:169.254.169.254]/latest/api/token",
                                         "Method": "PUT"},
                          "TimeoutSeconds": 2, "End": true}}}),
        ),
        (
            "notify",
            json!({"StartAt": "Steal", "States": {
                "Steal": {"Type": "Callback",
                          "Notify": {"ApiEndpoint": "http://[fd00:ec2::254]/latest/meta-data/",
                                     "Method": "POST", "RequestBody": {"t.$": "$$.Task.Token"}},
                          "TimeoutSeconds": 5, "End": true}}}),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_tasks_to_link_local_addresses_fail_with_states_permissions_unless_allowed() {
    let (guarded, open) = tokio::join!(
        Baton::serve_async(&[], &[]),
        Baton::serve_async(&[], &[("BATON_ALLOW_LINK_LOCAL", "true")]),
    );
    let guarded = Rest::new(&guarded.url);
    for (name, definition) in metadata_machines() {
        guarded.put_machine(name, &definition).await;
        guarded.start(name, "run-1", &json!({"n": 1})).await;
    }
    for name in ["url", "invoke", "notify"] {
        let view = guarded.wait_end(name, "run-1", TIMEOUT).await;
        assert_eq!(view["status"], "FAILED", "{name}: {view}");
        assert_eq!(view["error"], "States.Permissions", "{name}: {view}");
        let cause = view["cause"].as_str().unwrap_or_default();
        assert!(
            cause.contains("link-local or cloud metadata")
                && cause.contains("BATON_ALLOW_LINK_LOCAL"),
            "{name}: the cause should say why and how to allow it: {cause}"
        );
        // The history shows the task failing with that error (a notification that cannot
        // be sent is `TaskSubmitFailed`, as in AWS).
        let (kind, member) = if name == "notify" {
            ("TaskSubmitFailed", "taskSubmitFailedEventDetails")
        } else {
            ("TaskFailed", "taskFailedEventDetails")
        };
        let history = guarded.history(name, "run-1", 100).await;
        let failed = history
            .iter()
            .find(|e| e["type"] == kind)
            .unwrap_or_else(|| panic!("{name}: no {kind} in {history:?}"));
        assert_eq!(failed[member]["error"], "States.Permissions", "{failed}");
        assert_eq!(failed[member]["cause"].as_str(), Some(cause), "{failed}");
    }
    let caught = guarded.wait_end("caught", "run-1", TIMEOUT).await;
    assert_eq!(caught["status"], "SUCCEEDED", "{caught}");
    assert_eq!(caught["output"]["n"], 1);
    assert_eq!(
        caught["output"]["refused"]["Error"], "States.Permissions",
        "{caught}"
    );
    assert!(
        caught["output"]["refused"]["Cause"]
            .as_str()
            .is_some_and(|c| c.contains("169.254.169.254")),
        "{caught}"
    );

    // With BATON_ALLOW_LINK_LOCAL=true the request is sent: it fails otherwise (no metadata
    // service here: a socket error or the 2 s timeout) or, on a cloud machine, gets an answer.
    let open = Rest::new(&open.url);
    let (name, definition) = metadata_machines().swap_remove(0);
    open.put_machine(name, &definition).await;
    open.start(name, "run-1", &json!({"n": 1})).await;
    let view = open.wait_end(name, "run-1", TIMEOUT).await;
    assert_ne!(view["error"], "States.Permissions", "{view}");
    if view["status"] == "FAILED" {
        let error = view["error"].as_str().unwrap_or_default();
        assert!(
            ["States.Timeout", "States.Http.Socket"].contains(&error)
                || error.starts_with("States.Http.StatusCode."),
            "{view}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// (f) secrets stay out of logs and history

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f_no_token_or_secret_appears_in_debug_logs_or_history() {
    const BEARER: &str = "bearer-secret-7f3a9c";
    const WRONG_BEARER: &str = "mistyped-bearer-41d2";
    const AWS_SECRET: &str = "aws-secret-key-b81e55";
    const SIGNING_SECRET: &str = "signing-secret-0c9d8e7f6a5b";
    const URL_PASSWORD: &str = "url-password-9931";
    let service = notify_service().await;
    let mut baton = Baton::serve_async(
        &[
            "--auth-token",
            BEARER,
            "--aws-credentials",
            &format!("AKIDLOGS:{AWS_SECRET}"),
        ],
        &[
            ("RUST_LOG", "debug"),
            ("BATON_SIGNING_KEYS", &format!("*3:{SIGNING_SECRET}")),
        ],
    )
    .await;
    let url = baton.url.clone();
    let rest = Rest::new(&url).with_bearer(BEARER);
    let sdk = common::sdk_client_with(&url, "AKIDLOGS", AWS_SECRET).await;
    let http = reqwest::Client::new();

    // REST with the bearer token, a callback through the REST route (token in the path).
    rest.put_machine("logged", &callback_machine(&service))
        .await;
    rest.start("logged", "r1", &json!({"n": 1})).await;
    let t1 = token_for(&service, "r1").await;
    let (status, _) = send(http.post(format!("{url}/v1/callbacks/{t1}/heartbeat"))).await;
    assert_eq!(status, 200);
    assert_eq!(rest.callback_success(&t1, &json!({"ok": 1})).await.0, 200);
    // A second success with the same token is refused (the task is closed).
    assert_ne!(rest.callback_success(&t1, &json!({"ok": 2})).await.0, 200);
    // A notification whose URL carries the token (in its path and query) and a password,
    // as a callback URL may: the HTTP client's spans must not log them.
    let hook = format!(
        "States.Format('http://hook:{URL_PASSWORD}@{}/hook/{{}}?token={{}}', $$.Task.Token, $$.Task.Token)",
        service.addr
    );
    rest.put_machine(
        "hooked",
        &json!({"StartAt": "Hook", "States": {"Hook": {
            "Type": "Callback",
            "Notify": {"ApiEndpoint.$": hook, "Method": "POST",
                       "RequestBody": {"token.$": "$$.Task.Token", "run.$": "$$.Execution.Name"}},
            "TimeoutSeconds": 300, "End": true}}}),
    )
    .await;
    rest.start("hooked", "h1", &json!({})).await;
    let t3 = token_for(&service, "h1").await;
    let hooked = service
        .wait_for(TIMEOUT, |r| r.path.starts_with("/hook/"))
        .await
        .expect("the hook was called");
    assert_eq!(hooked.path, format!("/hook/{t3}"));
    assert!(
        hooked
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
    assert_eq!(rest.callback_success(&t3, &json!({"ok": 3})).await.0, 200);
    // A mistyped bearer token.
    let (status, _) = send(
        http.get(format!("{url}/v1/state-machines"))
            .bearer_auth(WRONG_BEARER),
    )
    .await;
    assert_eq!(status, 401);
    // The AWS API, signed; a callback token in a body (SendTaskSuccess).
    sdk.start_execution()
        .state_machine_arn(format!("{SM_ARN}logged"))
        .name("s1")
        .input("{}")
        .send()
        .await
        .unwrap_or_else(|e| panic!("StartExecution: {}", DisplayErrorContext(&e)));
    let t2 = token_for(&service, "s1").await;
    sdk.send_task_success()
        .task_token(&t2)
        .output("{\"ok\": 2}")
        .send()
        .await
        .unwrap_or_else(|e| panic!("SendTaskSuccess: {}", DisplayErrorContext(&e)));
    // A wrong signature.
    let wrong = common::sdk_client_with(&url, "AKIDLOGS", "wrong-aws-secret-5566").await;
    assert!(wrong.list_state_machines().send().await.is_err());
    for (machine, run) in [("logged", "r1"), ("logged", "s1"), ("hooked", "h1")] {
        let view = rest.wait_end(machine, run, TIMEOUT).await;
        assert_eq!(view["status"], "SUCCEEDED", "{run}");
    }
    let history = rest.history("logged", "r1", 1000).await;
    let history_text = serde_json::to_string(&history).expect("JSON");
    assert!(
        !history_text.contains(BEARER),
        "the bearer token is in the history"
    );

    assert_eq!(
        baton
            .terminate(Duration::from_secs(30))
            .map(|s| s.success()),
        Some(true)
    );
    let log = baton.collect_log(Duration::from_secs(10));
    assert!(
        log.iter().any(|l| l.contains("DEBUG")),
        "RUST_LOG=debug took no effect:\n{}",
        log.join("\n")
    );
    let secrets = [
        ("the bearer token", BEARER.to_owned()),
        ("a mistyped bearer token", WRONG_BEARER.to_owned()),
        ("the AWS secret", AWS_SECRET.to_owned()),
        ("a wrong AWS secret", "wrong-aws-secret-5566".to_owned()),
        ("the signing key", SIGNING_SECRET.to_owned()),
        ("the REST callback's task token", t1.clone()),
        ("the SendTaskSuccess task token", t2.clone()),
        ("the task token in a notification URL", t3.clone()),
        ("a password in a notification URL", URL_PASSWORD.to_owned()),
        // A token's signature part alone (the last 22 characters are its tag).
        ("a task token's tag", t1[t1.len() - 22..].to_owned()),
        (
            "an Authorization header",
            "Authorization: Bearer".to_owned(),
        ),
        ("a SigV4 signature", "Signature=".to_owned()),
    ];
    for (what, secret) in &secrets {
        let leaks: Vec<&String> = log.iter().filter(|l| l.contains(secret.as_str())).collect();
        assert!(
            leaks.is_empty(),
            "{what} is in the server's output:\n{}",
            leaks
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
