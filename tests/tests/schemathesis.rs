//! Fuzzes the REST API against its own OpenAPI document with schemathesis
//! (<https://schemathesis.readthedocs.io>): every check (`--checks all`) on every operation,
//! through all phases (examples, coverage, fuzzing, stateful).
//!
//! `baton serve` runs as a child process with a bearer token, so the auth checks see real
//! 401s. A few state machines, executions and one real task token are made first and mixed
//! into generated paths, so requests reach existing resources, not only 404s. Outside CI a
//! missing `schemathesis` skips the test with a note; with `CI=true` it fails (`.ci/run`
//! installs it with pip).
//!
//! Knobs: `BATON_SCHEMATHESIS_EXAMPLES` (default 100 per operation) and
//! `BATON_SCHEMATHESIS_SEED` (random by default; schemathesis prints the seed it used).

use std::time::Duration;

use serde_json::{Value, json};

use baton_tests::baton::Baton;

const TOKEN: &str = "schemathesis-token";

/// Settings that differ from schemathesis's defaults, each with its reason. Nothing is
/// excluded; some operations accept more statuses in `positive_data_acceptance` (a
/// schema-valid request must not get a 4xx other than 401/403/404/409/429), and every
/// operation accepts 413 in `negative_data_rejection` (a schema-invalid request must get a
/// 4xx from its list, which lacks 413).
const CONFIG: &str = r#"
# A schema-invalid request can be larger than the server takes (2 MiB + 64 KiB): a string
# past its maxLength (256 KiB for an input) written as JSON surrogate escapes, 12 bytes a
# character. 413 Content Too Large rejects it (CI, 2026-12-07: POST /v1/test-state).
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

# A definition that fits the schema's outline (an object with StartAt and typed States) can
# still break ASL's rules the outline cannot express: StartAt naming no state, a state
# without Next or End, fields of each state type, paths. The server answers those with
# 400 InvalidDefinition and located diagnostics, by design.
[[operations]]
include-operation-id = "put_state_machine"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# A token of the right shape that this server did not sign is InvalidToken (400), as in AWS.
# Schemathesis cannot mint signed tokens (one real token is mixed in below; the tests in
# gateway/tests/rest_api/ use real ones throughout).
[[operations]]
include-operation-id = ["success", "heartbeat", "describe_callback"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# As above (InvalidToken). No request this schema allows reaches the server's request
# limit (2 MiB + 64 KiB): a 32,768-character cause written as JSON surrogate escapes
# (12 bytes a character) is 384 KiB, so no 413 is expected anywhere.
[[operations]]
include-operation-id = "failure"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# `?wait=` holds the request until the execution ends or the server's sync timeout (30 s)
# passes, by design; the default response-time limit of `--checks all` is 10 s.
#
# `testCase` must name a test case of the server's mock configuration (`--mock-config`;
# this server runs without one): a rule of the server's configuration that the schema
# cannot state. A test case it does not hold is 400 InvalidArn, as the AWS API's
# `<state machine ARN>#<test case>` (tests/tests/mocked_integrations.rs).
[[operations]]
include-operation-id = "start_execution"
checks.max_response_time = 35
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# An alias's routes must name versions that differ and weights that add up to 100: rules
# JSON Schema cannot state. The server answers the others 400 ValidationException, by design.
[[operations]]
include-operation-id = ["create_alias", "update_alias"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# A redrive onto `?revision=N` needs a revision the state machine has: 400
# ValidationException otherwise (as for a version that does not exist), which the schema
# cannot know. (The `fanout` executions fail on generated inputs, so they are redrivable.)
[[operations]]
include-operation-id = "redrive_execution"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# TestState runs whatever definition it is sent: a string of the schema is rarely a valid
# state (400 InvalidDefinition), a mock may not fit the state (400 ValidationException: a
# mock for a Pass, `mock` without result or errorOutput, retrierRetryCount without an
# error), by design. A definition whose Task calls an endpoint would be called for real.
[[operations]]
include-operation-id = "test_state"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# Names of the seeded resources, mixed into generated path parameters.
[dictionaries.machines]
values = ["orders", "approval", "fanout"]

[dictionaries.executions]
values = ["run-1", "run-2"]

[dictionaries.aliases]
values = ["prod"]

[parameters]
"path.alias" = { dictionary = "aliases", probability = 0.5 }
"path.name" = { dictionary = "machines", probability = 0.5 }
"path.execution" = { dictionary = "executions", probability = 0.5 }
"path.token" = { dictionary = "tokens", probability = 0.3 }
"path.id" = { dictionary = "map_runs", probability = 0.5 }
"#;

/// An authenticated JSON request; panics unless it succeeds.
async fn call(http: &reqwest::Client, request: reqwest::RequestBuilder) -> Value {
    let response = http
        .execute(request.bearer_auth(TOKEN).build().expect("request"))
        .await
        .expect("send");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("JSON")
}

/// Makes the resources the config names; returns the task token of `approval/run-1` and
/// the id of the Map Run of `fanout/run-1`.
async fn seed(url: &str) -> (String, String) {
    let http = reqwest::Client::new();
    // Nothing here runs long: a start with `?wait=` holds its request until the execution
    // ends, and the callback task gives up after 5 s.
    let machines = [
        (
            "orders",
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
        ),
        (
            "approval",
            json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token"}, "TimeoutSeconds": 5, "End": true}}}),
        ),
        (
            "fanout",
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "End": true}}}),
        ),
    ];
    for (name, definition) in machines {
        let machine = format!("{url}/v1/state-machines/{name}");
        call(&http, http.put(&machine).json(&definition)).await;
        for run in ["run-1", "run-2"] {
            let body = json!({"name": run, "input": {"n": 1, "items": [1, 2]}});
            call(
                &http,
                http.post(format!("{machine}/executions")).json(&body),
            )
            .await;
        }
    }
    // A version of `orders` and an alias `prod` routing to it.
    let orders = format!("{url}/v1/state-machines/orders");
    call(
        &http,
        http.post(format!("{orders}/versions")).json(&json!({})),
    )
    .await;
    let prod = json!({"name": "prod", "routes": [{"version": 1, "weight": 100}]});
    call(&http, http.post(format!("{orders}/aliases")).json(&prod)).await;
    let runs = format!("{url}/v1/state-machines/fanout/executions/run-1/map-runs");
    let mut map_run = None;
    for _ in 0..500 {
        let page = call(&http, http.get(&runs)).await;
        if let Some(id) = page["mapRuns"][0]["id"].as_str() {
            map_run = Some(id.to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let map_run = map_run.expect("the fanout Map Run");
    let history = format!("{url}/v1/state-machines/approval/executions/run-1/history");
    for _ in 0..500 {
        let page = call(&http, http.get(&history)).await;
        let scheduled = page["events"].as_array().and_then(|events| {
            events
                .iter()
                .find(|e| e["type"] == "TaskScheduled")
                .cloned()
        });
        if let Some(event) = scheduled {
            let parameters = event["taskScheduledEventDetails"]["parameters"]
                .as_str()
                .expect("parameters");
            let parameters: Value = serde_json::from_str(parameters).expect("JSON");
            let token = parameters["token"].as_str().expect("token").to_owned();
            return (token, map_run);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the approval task was not scheduled");
}

fn installed() -> bool {
    std::process::Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_api_conforms_to_its_openapi_document() {
    // No test skips: `bash .ci/test` installs it first, or says what to install.
    assert!(
        installed(),
        "schemathesis is not installed: python3 -m pip install schemathesis (or run `bash .ci/test`, which does)"
    );
    let baton = Baton::serve(&["--auth-token", TOKEN], &[]);
    let (task_token, map_run) = seed(&baton.url).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("schemathesis.toml");
    let tokens = format!(
        "\n[dictionaries.tokens]\nvalues = [\"{task_token}\"]\n\n[dictionaries.map_runs]\nvalues = [\"{map_run}\"]\n"
    );
    std::fs::write(&config, format!("{CONFIG}{tokens}")).expect("write the config");
    let examples =
        std::env::var("BATON_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "100".to_owned());
    let mut command = tokio::process::Command::new("schemathesis");
    command
        // Hypothesis keeps its example database in the working directory.
        .current_dir(dir.path())
        .arg("--no-color")
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{}/openapi.json", baton.url)])
        .args(["--checks", "all"])
        .args(["--header", &format!("Authorization: Bearer {TOKEN}")])
        .args(["--max-examples", &examples])
        .args(["--request-timeout", "45"])
        .args(["--max-failures", "50"])
        .args(["--output-truncate", "true"]);
    if let Ok(seed) = std::env::var("BATON_SCHEMATHESIS_SEED") {
        command.args(["--seed", &seed]);
    }
    let output = command.output().await.expect("run schemathesis");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "schemathesis found problems (output above)"
    );
    drop(baton);
}
