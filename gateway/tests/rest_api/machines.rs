//! State machines: PUT (JSON and YAML), revisions, GET, list paging, DELETE, validate.

use serde_json::{Value, json};

use crate::hello;
use crate::support::TestApi;

const YAML: &str = "\
Comment: from YAML
StartAt: Greet
States:
  Greet:
    Type: Pass
    Result: {greeting: hi, n: 2}
    End: true
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_upload_is_stored_and_returned_as_json() {
    let api = TestApi::start().await;
    let (status, created) = api
        .put_text("/v1/state-machines/greeter", Some("application/yaml"), YAML)
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "greeter");
    assert_eq!(created["revision"], 1);
    assert_eq!(created["type"], "STANDARD");
    assert_eq!(
        created["arn"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:greeter"
    );
    assert!(
        created.get("definition").is_none(),
        "PUT answers without it"
    );

    let (status, got) = api.get("/v1/state-machines/greeter").await;
    assert_eq!(status, 200);
    let expected = json!({"Comment": "from YAML", "StartAt": "Greet", "States": {
        "Greet": {"Type": "Pass", "Result": {"greeting": "hi", "n": 2}, "End": true}}});
    assert_eq!(got["definition"], expected);
    let stored = api
        .state
        .service
        .describe_state_machine("greeter")
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&stored.definition).unwrap(),
        expected
    );

    // Every YAML type, and no Content-Type at all, is read as YAML.
    for (i, ct) in ["application/x-yaml", "text/yaml", "text/plain"]
        .into_iter()
        .map(Some)
        .chain([None])
        .enumerate()
    {
        let (status, body) = api
            .put_text(&format!("/v1/state-machines/y{i}"), ct, YAML)
            .await;
        assert_eq!(status, 201, "{ct:?}: {body}");
        let (_, got) = api.get(&format!("/v1/state-machines/y{i}")).await;
        assert_eq!(got["definition"], expected, "{ct:?}");
    }
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_creates_then_stores_revisions() {
    let api = TestApi::start().await;
    // JSON text is stored as given, spacing included.
    let text = "{ \"StartAt\": \"Hello\",\n  \"States\": {\"Hello\": {\"Type\": \"Succeed\"}} }";
    let (status, first) = api
        .put_text(
            "/v1/state-machines/m?roleArn=arn:aws:iam::1:role/r",
            Some("application/json"),
            text,
        )
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["roleArn"], "arn:aws:iam::1:role/r");
    let stored = api.state.service.describe_state_machine("m").await.unwrap();
    assert_eq!(stored.definition, text);

    // The same definition again changes nothing.
    let (status, same) = api
        .put_text("/v1/state-machines/m", Some("application/json"), text)
        .await;
    assert_eq!(status, 200);
    assert_eq!(same["revision"], 1);

    // An execution of revision 1 keeps that revision after the machine moves on.
    let (status, run) = api
        .post(
            "/v1/state-machines/m/executions",
            serde_json::json!({"name": "on-1"}),
        )
        .await;
    assert_eq!(status, 201, "{run}");

    // A new definition is revision 2; the role is kept.
    let (status, second) = api.put_json("/v1/state-machines/m", &hello()).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["revision"], 2);
    assert_eq!(second["roleArn"], "arn:aws:iam::1:role/r");
    assert_eq!(second["createdAt"], first["createdAt"]);

    let (_, latest) = api.get("/v1/state-machines/m").await;
    assert_eq!(latest["revision"], 2);
    assert_eq!(latest["definition"], hello());
    let (status, old) = api.get("/v1/state-machines/m?revision=1").await;
    assert_eq!(status, 200);
    assert_eq!(old["revision"], 1);
    assert_eq!(old["definition"]["States"]["Hello"]["Type"], "Succeed");
    let (status, e) = api.get("/v1/state-machines/m?revision=3").await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("StateMachineDoesNotExist"))
    );
    let (status, e) = api.get("/v1/state-machines/m?revision=0").await;
    assert_eq!((status, e["error"].as_str()), (400, Some("BadRequest")));

    // The type is fixed at creation.
    let (status, e) = api
        .put_json("/v1/state-machines/m?type=EXPRESS", &hello())
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (409, Some("ConflictException"))
    );
    let (status, express) = api
        .put_json("/v1/state-machines/fast?type=EXPRESS", &hello())
        .await;
    assert_eq!((status, express["type"].as_str()), (201, Some("EXPRESS")));
    let (status, e) = api
        .put_json("/v1/state-machines/x?type=SLOW", &hello())
        .await;
    assert_eq!((status, e["error"].as_str()), (400, Some("BadRequest")));
    let (status, e) = api
        .put_json("/v1/state-machines/x?roleArn=", &hello())
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("ValidationException"))
    );
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_and_delete() {
    let api = TestApi::start().await;
    for name in ["c", "a", "e", "b", "d"] {
        let (status, _) = api
            .put_json(&format!("/v1/state-machines/{name}"), &hello())
            .await;
        assert_eq!(status, 201);
    }
    let mut names = Vec::new();
    let mut path = "/v1/state-machines?limit=2".to_owned();
    loop {
        let (status, page) = api.get(&path).await;
        assert_eq!(status, 200, "{page}");
        let items = page["stateMachines"].as_array().unwrap();
        assert!(items.len() <= 2);
        assert!(items.iter().all(|m| m.get("definition").is_none()));
        names.extend(items.iter().map(|m| m["name"].as_str().unwrap().to_owned()));
        match page["next"].as_str() {
            Some(next) => path = format!("/v1/state-machines?limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    for bad in ["limit=0", "limit=1001", "limit=x"] {
        let (status, e) = api.get(&format!("/v1/state-machines?{bad}")).await;
        assert_eq!(
            (status, e["error"].as_str()),
            (400, Some("BadRequest")),
            "{bad}"
        );
    }

    let (status, body) = api.delete("/v1/state-machines/c").await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, e) = api.get("/v1/state-machines/c").await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("StateMachineDoesNotExist"))
    );
    let (status, _) = api.delete("/v1/state-machines/c").await;
    assert_eq!(status, 204, "deleting again is fine");
    let (status, e) = api.delete("/v1/state-machines/a%20b").await;
    assert_eq!((status, e["error"].as_str()), (400, Some("InvalidName")));
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_definitions_are_400_with_located_diagnostics() {
    let api = TestApi::start().await;
    let broken = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Nowhere"},
        "B": {"Type": "Wait", "End": true}}});
    let (status, e) = api.put_json("/v1/state-machines/bad", &broken).await;
    assert_eq!(status, 400);
    assert_eq!(e["error"], "InvalidDefinition");
    let diagnostics = e["diagnostics"].as_array().unwrap();
    let at = |loc: &str| diagnostics.iter().find(|d| d["location"] == loc);
    let next = at("/States/A/Next").expect("a diagnostic at /States/A/Next");
    assert_eq!(next["code"], "MISSING_TRANSITION_TARGET");
    assert_eq!(next["severity"], "ERROR");
    assert!(at("/States/B").is_some(), "{diagnostics:?}");

    // Malformed JSON (declared as JSON) and unreadable YAML are invalid definitions too.
    let (status, e) = api
        .put_text(
            "/v1/state-machines/bad",
            Some("application/json"),
            "{\"StartAt\": ",
        )
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("InvalidDefinition"))
    );
    assert_eq!(e["diagnostics"][0]["code"], "INVALID_JSON_DESCRIPTION");
    let (status, e) = api
        .put_text(
            "/v1/state-machines/bad",
            Some("application/yaml"),
            "a: [1,\n",
        )
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("InvalidDefinition"))
    );
    assert_eq!(e["diagnostics"][0]["location"], "");
    let (status, e) = api.put_text("/v1/state-machines/bad", None, "").await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("InvalidDefinition"))
    );
    let (status, e) = api.put_json("/v1/state-machines/a:b", &hello()).await;
    assert_eq!((status, e["error"].as_str()), (400, Some("InvalidName")));
    let (status, _) = api.get("/v1/state-machines/bad").await;
    assert_eq!(status, 404, "nothing was saved");
    api.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_reports_without_saving() {
    let api = TestApi::start().await;
    let (status, ok) = api.post("/v1/validate", hello()).await;
    assert_eq!(status, 200);
    assert_eq!(ok, json!({"valid": true, "diagnostics": []}));

    let (status, yaml) = api
        .send(
            reqwest::Method::POST,
            "/v1/validate",
            Some("application/yaml"),
            Some(YAML.as_bytes().to_vec()),
        )
        .await;
    assert_eq!((status, &yaml["valid"]), (200, &json!(true)));

    let unreachable = json!({"StartAt": "A", "States": {
        "A": {"Type": "Succeed"}, "Lost": {"Type": "Succeed"}}});
    let (_, warned) = api.post("/v1/validate", unreachable).await;
    assert_eq!(warned["valid"], true);
    assert_eq!(warned["diagnostics"][0]["severity"], "WARNING");
    assert_eq!(warned["diagnostics"][0]["location"], "/States/Lost");

    let (status, bad) = api
        .post(
            "/v1/validate",
            json!({"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["diagnostics"][0]["location"], "/StartAt");

    let (status, unreadable) = api
        .send(
            reqwest::Method::POST,
            "/v1/validate",
            None,
            Some(b"[: x".to_vec()),
        )
        .await;
    assert_eq!((status, &unreadable["valid"]), (200, &json!(false)));
    assert_eq!(
        unreadable["diagnostics"][0]["code"],
        "INVALID_JSON_DESCRIPTION"
    );

    let (_, list) = api.get("/v1/state-machines").await;
    assert_eq!(list["stateMachines"], json!([]));
    api.shutdown().await;
}
