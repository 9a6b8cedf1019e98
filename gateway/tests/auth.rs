//! One auth model over a real listener: each credential configuration (none, bearer tokens
//! only, AWS credentials only, both) against each surface (REST, the AWS endpoint and its
//! SendTask* callbacks, REST callbacks, health) and each credential a client may present.

#[path = "auth/harness.rs"]
mod harness;
#[path = "auth/sign.rs"]
mod sign;

use serde_json::{Value, json};

use harness::{ALL, AMZ_JSON, KEY_ID, Presented, SECRET, TARGET, server};
use sign::{ToSign, sign};

/// The expected answer of a guarded surface: through (the handler's status), or refused.
fn expect(status: u16, body: &Value, want: u16, what: &str) {
    assert_eq!(status, want, "{what}: {body}");
}

/// Runs the whole matrix for one configuration. `refusals(who)` gives the expected status
/// of (REST, AWS endpoint) for `who`, 200 meaning through.
async fn matrix(tokens: bool, aws: bool, refusals: impl Fn(Presented) -> (u16, u16)) {
    let server = server(tokens, aws).await;
    let bogus_token = format!("bt1_{}", "A".repeat(60));
    for who in ALL {
        let (rest_want, aws_want) = refusals(who);
        let (status, body) = server.rest(who).await;
        expect(status, &body, rest_want, &format!("REST with {who:?}"));
        if rest_want == 401 {
            assert_eq!(body["error"], "Unauthorized", "{body}");
        }
        let (status, body) = server.aws("ListStateMachines", &json!({}), who).await;
        expect(
            status,
            &body,
            aws_want,
            &format!("ListStateMachines with {who:?}"),
        );
        // SendTask* on the AWS endpoint is guarded like every operation (as on AWS); when
        // let through, the forged token is refused by the handler (400).
        let input = json!({"taskToken": bogus_token});
        let (status, body) = server.aws("SendTaskHeartbeat", &input, who).await;
        let want = if aws_want == 200 { 400 } else { aws_want };
        expect(
            status,
            &body,
            want,
            &format!("SendTaskHeartbeat with {who:?}"),
        );
        if want != 400 {
            assert!(body["__type"].as_str().is_some(), "AWS shape: {body}");
        }
        // REST callbacks: never asked for a credential; the forged token is the handler's.
        let path = format!("/v1/callbacks/{bogus_token}/heartbeat");
        let (status, body) = server.send("POST", &path, &[], "", who).await;
        assert!(
            ![401, 403].contains(&status),
            "callback with {who:?}: {status} {body}"
        );
        assert_eq!(body["error"], "InvalidToken", "{body}");
        // Health, readiness, metrics and the OpenAPI document: open.
        for path in ["/livez", "/readyz", "/healthz", "/openapi.json", "/metrics"] {
            let (status, body) = server.send("GET", path, &[], "", who).await;
            assert!(
                ![401, 403].contains(&status),
                "{path} with {who:?}: {status} {body}"
            );
        }
    }
}

#[tokio::test]
async fn nothing_configured_leaves_every_surface_open() {
    matrix(false, false, |_| (200, 200)).await;
}

#[tokio::test]
async fn auth_tokens_alone_guard_rest_and_the_aws_endpoint() {
    matrix(true, false, |who| match who {
        Presented::RightBearer => (200, 200),
        _ => (401, 401),
    })
    .await;
}

#[tokio::test]
async fn aws_credentials_alone_guard_rest_too() {
    matrix(false, true, |who| match who {
        Presented::RightSignature => (200, 200),
        Presented::WrongSignature => (403, 403),
        _ => (401, 403),
    })
    .await;
}

#[tokio::test]
async fn both_accept_either_credential_on_both_surfaces() {
    matrix(true, true, |who| match who {
        Presented::RightBearer | Presented::RightSignature => (200, 200),
        Presented::WrongSignature => (403, 403),
        Presented::WrongBearer => (401, 401),
        Presented::Nothing => (401, 403),
    })
    .await;
}

#[tokio::test]
async fn refusals_say_what_is_needed() {
    let aws_only = server(false, true).await;
    let (_, body) = aws_only.rest(Presented::Nothing).await;
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("SigV4") && message.contains("--auth-token"),
        "{body}"
    );
    let (status, body) = aws_only.rest(Presented::WrongSignature).await;
    assert_eq!(
        (status, &body["error"]),
        (403, &json!("InvalidSignatureException"))
    );
    let (_, body) = aws_only
        .aws("ListStateMachines", &json!({}), Presented::Nothing)
        .await;
    assert_eq!(
        body["__type"],
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
    let tokens_only = server(true, false).await;
    let (_, body) = tokens_only
        .aws("ListStateMachines", &json!({}), Presented::Nothing)
        .await;
    assert_eq!(
        body["__type"],
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
}

#[tokio::test]
async fn sigv4_must_sign_x_amz_target() {
    let server = server(false, true).await;
    let headers = [("content-type", AMZ_JSON), ("x-amz-target", TARGET)];
    let body = "{}";
    let request = |signed: &'static [&'static str]| ToSign {
        method: "POST",
        host: &server.host,
        path: "/",
        headers: &headers,
        signed,
        body,
    };
    let send = |auth: Vec<(String, String)>| {
        let mut builder = server
            .http
            .post(format!("http://{}/", server.host))
            .header("content-type", AMZ_JSON)
            .header("x-amz-target", TARGET)
            .body(body);
        for (name, value) in auth {
            builder = builder.header(name, value);
        }
        async move {
            let response = builder.send().await.expect("send");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("JSON"))
        }
    };
    // Signed: through.
    let (status, answer) = send(sign(
        &request(&["content-type", "x-amz-target"]),
        KEY_ID,
        SECRET,
    ))
    .await;
    assert_eq!(status, 200, "{answer}");
    // The same request with the operation left out of the signature: refused, although
    // the signature over the other headers is right.
    let (status, answer) = send(sign(&request(&["content-type"]), KEY_ID, SECRET)).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(
        answer["__type"],
        "com.amazon.coral.service#IncompleteSignatureException"
    );
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("X-Amz-Target")),
        "{answer}"
    );
}
