//! SigV4 on: the SDK's signatures pass; a wrong secret, an unknown key, a stale date and no
//! signature at all are 403s the SDK reports by name.

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use tower::ServiceExt;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{StateMachineType, SyncExecutionStatus};

use baton_gateway::aws::sigv4::canonical;

use crate::common::{Harness, KEY, PASS, ROLE, SECRET, client};

async fn signed_harness() -> Harness {
    Harness::with_credentials(vec![(KEY.to_owned(), SECRET.to_owned())]).await
}

/// Sends a request in-process; returns the status, the error type and the request id.
async fn raw(h: &Harness, request: Request<Body>) -> (u16, String, bool) {
    let response = baton_gateway::app(h.state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let has_id = response.headers().contains_key("x-amzn-requestid");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    (
        status,
        body["__type"].as_str().unwrap_or_default().to_owned(),
        has_id,
    )
}

fn list_request() -> axum::http::request::Builder {
    Request::post("/")
        .header("host", "localhost")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "AWSStepFunctions.ListStateMachines")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_signs_and_passes() {
    let h = signed_harness().await;
    let c = &h.client;
    c.list_state_machines().send().await.unwrap();
    let sm = c
        .create_state_machine()
        .name("signed")
        .definition(PASS)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let out = c
        .start_sync_execution()
        .state_machine_arn(&sm)
        .input(r#"{"signed": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), &SyncExecutionStatus::Succeeded);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signatures_are_refused() {
    let h = signed_harness().await;
    let wrong = client(&h.url, KEY, "not-the-secret").await;
    let e = wrong.list_state_machines().send().await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403));
    let e = wrong
        .describe_execution()
        .execution_arn("arn:x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidSignatureException"));

    let stranger = client(&h.url, "AKIDUNKNOWN", SECRET).await;
    let e = stranger.list_state_machines().send().await.unwrap_err();
    assert_eq!(e.code(), Some("UnrecognizedClientException"));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403));

    let unsigned = list_request().body(Body::from("{}")).unwrap();
    let (status, kind, has_id) = raw(&h, unsigned).await;
    assert_eq!(status, 403);
    assert!(
        kind.ends_with("#MissingAuthenticationTokenException"),
        "{kind}"
    );
    assert!(has_id);

    let garbled = list_request()
        .header("authorization", "AWS4-HMAC-SHA256 nonsense")
        .body(Body::from("{}"))
        .unwrap();
    let (status, kind, _) = raw(&h, garbled).await;
    assert_eq!(
        (status, kind.ends_with("#IncompleteSignatureException")),
        (403, true)
    );
    h.stop().await;
}

/// ListStateMachines signed (by hand, with the gateway's own SigV4 pieces) at `when`.
fn signed_at(when: chrono::DateTime<chrono::Utc>) -> Request<Body> {
    let amz_date = when.format("%Y%m%dT%H%M%SZ").to_string();
    let date = when.format("%Y%m%d").to_string();
    let body = b"{}";
    let headers = list_request()
        .header("x-amz-date", &amz_date)
        .body(())
        .unwrap()
        .into_parts()
        .0
        .headers;
    let signed_headers = "content-type;host;x-amz-date;x-amz-target";
    let request = canonical::Signed {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        authority: None,
        body,
    };
    let creq = canonical::canonical_request(&request, signed_headers, &canonical::sha256_hex(body))
        .unwrap();
    let scope = format!("{date}/us-east-1/states/aws4_request");
    let key = canonical::signing_key(SECRET, &date, "us-east-1", "states");
    let signature = canonical::sign(&key, &canonical::string_to_sign(&amz_date, &scope, &creq));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={KEY}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    );
    list_request()
        .header("x-amz-date", &amz_date)
        .header("authorization", &authorization)
        .body(Body::from(&body[..]))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_signatures_are_refused() {
    let h = signed_harness().await;
    let now = chrono::Utc::now();
    let (status, _, _) = raw(&h, signed_at(now)).await;
    assert_eq!(status, 200);
    let (status, kind, _) = raw(&h, signed_at(now - chrono::TimeDelta::minutes(20))).await;
    assert_eq!(
        (status, kind.ends_with("#InvalidSignatureException")),
        (403, true)
    );
    let (status, _, _) = raw(&h, signed_at(now + chrono::TimeDelta::minutes(20))).await;
    assert_eq!(status, 403);
    h.stop().await;
}
