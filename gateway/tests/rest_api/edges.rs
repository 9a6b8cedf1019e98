//! The edges: authentication, body limits, unknown routes and methods, malformed requests,
//! health, and the OpenAPI document.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use baton_gateway::GatewayConfig;

use crate::hello;
use crate::support::TestApi;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_auth_guards_the_api_but_not_callbacks_or_operations() {
    let api = TestApi::with_config(GatewayConfig {
        auth_tokens: vec!["s3cret".into()],
        ..GatewayConfig::default()
    })
    .await;
    let url = |p: &str| format!("{}{p}", api.base);
    let anonymous = api
        .http
        .get(url("/v1/state-machines"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"], "Unauthorized");
    let wrong = api
        .http
        .put(url("/v1/state-machines/m"))
        .bearer_auth("nope")
        .body(hello().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let (status, _) = api.get("/v1/state-machines").await;
    assert_eq!(status, 200, "the client sends the token");

    // Callbacks carry their own capability; health and the document are public.
    let callback = api
        .http
        .post(url("/v1/callbacks/garbage/heartbeat"))
        .send()
        .await
        .unwrap();
    assert_eq!(callback.status(), 400);
    let body: Value = callback.json().await.unwrap();
    assert_eq!(body["error"], "InvalidToken");
    for path in ["/healthz", "/openapi.json"] {
        let response = api.http.get(url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_json_with_the_right_status() {
    let api = TestApi::start().await;
    let limit = GatewayConfig::default().max_body_bytes;
    let huge = vec![b' '; limit + 1];
    for (method, path) in [
        (Method::PUT, "/v1/state-machines/big"),
        (Method::POST, "/v1/validate"),
        (Method::POST, "/v1/callbacks/t/success"),
    ] {
        let (status, e) = api
            .send(method, path, Some("application/json"), Some(huge.clone()))
            .await;
        assert_eq!(
            (status, e["error"].as_str()),
            (413, Some("PayloadTooLarge")),
            "{path}"
        );
    }

    let (status, e) = api.get("/v2/nothing").await;
    assert_eq!((status, e["error"].as_str()), (404, Some("NotFound")));
    let response = api
        .http
        .patch(format!("{}/v1/state-machines/x", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("PUT") && allow.contains("DELETE"), "{allow}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "MethodNotAllowed");

    let (status, e) = api.get("/v1/state-machines/%FF").await;
    assert_eq!((status, e["error"].as_str()), (400, Some("BadRequest")));
    let (status, e) = api.get("/v1/state-machines?limit=%").await;
    assert_eq!((status, e["error"].as_str()), (400, Some("BadRequest")));

    let (status, health) = api.get("/healthz").await;
    assert_eq!((status, health), (200, json!({"status": "ok"})));
    let (status, e) = api.get("/metrics").await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("NotFound")),
        "metrics are off here"
    );
    api.shutdown().await;
}

/// Every `$ref` in `value`.
fn refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.insert(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_lists_every_route() {
    let api = TestApi::start().await;
    let (status, doc) = api.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let expected: BTreeSet<String> = [
        "PUT /v1/state-machines/{name}",
        "GET /v1/state-machines/{name}",
        "DELETE /v1/state-machines/{name}",
        "GET /v1/state-machines",
        "POST /v1/validate",
        "POST /v1/test-state",
        "GET /v1/state-machines/{name}/tags",
        "POST /v1/state-machines/{name}/tags",
        "DELETE /v1/state-machines/{name}/tags/{key}",
        "POST /v1/state-machines/{name}/versions",
        "GET /v1/state-machines/{name}/versions",
        "GET /v1/state-machines/{name}/versions/{version}",
        "DELETE /v1/state-machines/{name}/versions/{version}",
        "POST /v1/state-machines/{name}/aliases",
        "GET /v1/state-machines/{name}/aliases",
        "GET /v1/state-machines/{name}/aliases/{alias}",
        "PUT /v1/state-machines/{name}/aliases/{alias}",
        "DELETE /v1/state-machines/{name}/aliases/{alias}",
        "POST /v1/state-machines/{name}/executions",
        "GET /v1/state-machines/{name}/executions",
        "GET /v1/state-machines/{name}/executions/{execution}",
        "POST /v1/state-machines/{name}/executions/{execution}/stop",
        "POST /v1/state-machines/{name}/executions/{execution}/redrive",
        "GET /v1/state-machines/{name}/executions/{execution}/history",
        "GET /v1/state-machines/{name}/executions/{execution}/events",
        "GET /v1/state-machines/{name}/executions/{execution}/map-runs",
        "GET /v1/state-machines/{name}/executions/{execution}/map-runs/{id}",
        "GET /v1/callbacks/{token}",
        "POST /v1/callbacks/{token}/success",
        "POST /v1/callbacks/{token}/failure",
        "POST /v1/callbacks/{token}/heartbeat",
        "GET /v1/dead-letters",
        "GET /livez",
        "GET /readyz",
        "GET /healthz",
        "GET /metrics",
        "GET /openapi.json",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(operations, expected);

    // Every reference resolves; API routes need the bearer token, callbacks do not.
    let mut all = BTreeSet::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .expect("local schema ref");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} does not resolve"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    let put = &doc["paths"]["/v1/state-machines/{name}"]["put"];
    assert_eq!(put["security"], json!([{"bearerAuth": []}]));
    for status in ["200", "201", "400", "401", "409", "413", "500"] {
        assert!(
            put["responses"][status].is_object(),
            "PUT documents {status}"
        );
    }
    let yaml = &put["requestBody"]["content"]["application/yaml"];
    assert!(yaml.is_object(), "YAML uploads are documented");
    let success = &doc["paths"]["/v1/callbacks/{token}/success"]["post"];
    assert!(success.get("security").is_none());
    assert!(success["responses"].get("401").is_none());
    api.shutdown().await;
}
