//! The wire protocol itself: targets, bodies, content types, error bodies and headers.

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{Harness, PASS, ROLE};

struct Answer {
    status: u16,
    content_type: String,
    error_type: Option<String>,
    request_id: bool,
    body: Value,
}

async fn call(h: &Harness, target: Option<&str>, body: &str) -> Answer {
    let mut request = Request::post("/").header("content-type", "application/x-amz-json-1.0");
    if let Some(target) = target {
        request = request.header("x-amz-target", target);
    }
    send(h, request.body(Body::from(body.to_owned())).unwrap()).await
}

async fn send(h: &Harness, request: Request<Body>) -> Answer {
    let response = baton_gateway::app(h.state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        content_type: text("content-type").unwrap_or_default(),
        error_type: text("x-amzn-errortype"),
        request_id: headers.contains_key("x-amzn-requestid"),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

async fn status_of(h: &Harness, target: Option<&str>, body: &str) -> (u16, Value) {
    let answer = call(h, target, body).await;
    (answer.status, answer.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors() {
    let h = Harness::start().await;
    let (status, body) = status_of(&h, Some("AWSStepFunctions.FlyToTheMoon"), "{}").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );
    let (status, body) = status_of(&h, None, "{}").await;
    assert_eq!(
        (status, body["__type"].as_str().unwrap_or("")),
        (400, "com.amazon.coral.service#UnknownOperationException")
    );
    for bad in ["", "{", "[]", "\"x\""] {
        let (status, body) = status_of(&h, Some("AWSStepFunctions.ListStateMachines"), bad).await;
        assert_eq!(status, 400, "{bad:?}");
        assert_eq!(
            body["__type"], "com.amazon.coral.service#SerializationException",
            "{bad:?}"
        );
    }
    let (status, body) = status_of(
        &h,
        Some("AWSStepFunctions.ListStateMachines"),
        r#"{"maxResults": "ten"}"#,
    )
    .await;
    assert_eq!(
        (status, body["__type"].as_str().unwrap_or("")),
        (400, "com.amazon.coral.service#SerializationException")
    );

    // Over the body limit without a Content-Length: the handler finds out while reading.
    let limit = h.state.config.max_body_bytes;
    let huge = format!(r#"{{"input": "{}"}}"#, "x".repeat(limit));
    let (status, body) = status_of(&h, Some("AWSStepFunctions.StartExecution"), &huge).await;
    assert_eq!(status, 413);
    assert_eq!(
        body["__type"],
        "com.amazon.coral.validate#ValidationException"
    );

    let missing = call(&h, Some("AWSStepFunctions.DescribeExecution"), "{}").await;
    assert_eq!(
        missing.body["__type"],
        "com.amazon.coral.validate#ValidationException"
    );
    assert_eq!(missing.body["reason"], "MISSING_REQUIRED_PARAMETER");
    assert!(
        missing.body["message"]
            .as_str()
            .unwrap()
            .contains("'executionArn'")
    );
    assert_eq!(missing.content_type, "application/x-amz-json-1.0");
    assert!(
        missing
            .error_type
            .unwrap()
            .starts_with("ValidationException:")
    );
    assert!(missing.request_id);
    assert_eq!(missing.status, 400);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shapes_on_the_wire() {
    let h = Harness::start().await;
    let create = json!({"name": "wire", "definition": PASS, "roleArn": ROLE}).to_string();
    let created = call(&h, Some("AWSStepFunctions.CreateStateMachine"), &create).await;
    assert_eq!(created.status, 200);
    assert_eq!(created.content_type, "application/x-amz-json-1.0");
    assert!(created.request_id);
    assert!(created.error_type.is_none());
    // Epoch seconds as a JSON number.
    assert!(created.body["creationDate"].as_f64().unwrap() > 1.6e9);
    assert_eq!(created.body.as_object().unwrap().len(), 2);

    let bad = json!({"name": "bad", "definition": r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#, "roleArn": ROLE}).to_string();
    let (status, body) = status_of(&h, Some("AWSStepFunctions.CreateStateMachine"), &bad).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazonaws.swf.service.v2.model#InvalidDefinition"
    );
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid State Machine Definition: '"),
        "{message}"
    );
    assert!(
        message.contains("MISSING_TRANSITION_TARGET: 'B' names no state at /States/A/Next"),
        "{message}"
    );

    let arn = created.body["stateMachineArn"].as_str().unwrap();
    let start = json!({"stateMachineArn": arn, "name": "w1"}).to_string();
    let started = call(&h, Some("AWSStepFunctions.StartExecution"), &start).await;
    let execution = started.body["executionArn"].as_str().unwrap().to_owned();
    let done = h.wait_done(&execution).await;
    assert_eq!(done.status().as_str(), "SUCCEEDED");
    let describe = json!({"executionArn": execution}).to_string();
    let d = call(&h, Some("AWSStepFunctions.DescribeExecution"), &describe).await;
    for member in [
        "executionArn",
        "stateMachineArn",
        "name",
        "status",
        "startDate",
        "stopDate",
        "input",
        "output",
    ] {
        assert!(d.body.get(member).is_some(), "{member} in {}", d.body);
    }
    assert_eq!(d.body["inputDetails"], json!({"included": true}));
    assert_eq!(d.body["input"], "{}");
    h.stop().await;
}

/// Errors made below the handlers (here the body limit, judged from `Content-Length`, and
/// a wrong method) come in AWS's shape on `/`, as the SDKs expect, and REST's elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_errors_have_the_aws_shape() {
    let h = Harness::start().await;
    let limit = h.state.config.max_body_bytes;
    let huge = format!(r#"{{"input": "{}"}}"#, "x".repeat(limit));
    let request = Request::post("/")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "AWSStepFunctions.StartExecution")
        .header("content-length", huge.len())
        .body(Body::from(huge.clone()))
        .unwrap();
    let too_large = send(&h, request).await;
    assert_eq!(too_large.status, 413);
    assert_eq!(too_large.content_type, "application/x-amz-json-1.0");
    assert_eq!(
        too_large.body["__type"],
        "com.amazon.coral.validate#ValidationException"
    );
    let message = too_large.body["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("larger than {limit} bytes")),
        "{message}"
    );
    assert!(
        too_large
            .error_type
            .unwrap()
            .starts_with("ValidationException:")
    );
    assert!(too_large.request_id);

    // (`GET /` sends a browser to the console; other methods are not AWS operations.)
    let wrong_method = send(&h, Request::delete("/").body(Body::empty()).unwrap()).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.content_type, "application/x-amz-json-1.0");
    assert_eq!(
        wrong_method.body["__type"],
        "com.amazon.coral.service#UnknownOperationException"
    );

    // The same limit on a REST route answers in REST's shape.
    let request = Request::put("/v1/state-machines/huge")
        .header("content-type", "application/json")
        .header("content-length", huge.len())
        .body(Body::from(huge))
        .unwrap();
    let rest = send(&h, request).await;
    assert_eq!(rest.status, 413);
    assert_eq!(rest.content_type, "application/json");
    assert_eq!(rest.body["error"], "PayloadTooLarge");
    h.stop().await;
}
