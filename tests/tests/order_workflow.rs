//! The order workflow end to end (issue #4): `redis-server`, `baton serve` as a process,
//! and real HTTP services on loopback. The workflow is
//!
//! ```text
//! Charge (HTTP Task, 503 once then retried) → Paid? (Choice)
//!   → Ship (Parallel: Pack ‖ Label, two HTTP Tasks) → Cool down (Wait 1 s)
//!   → Approve (Callback with Notify) → Confirm (HTTP Task)
//! ```
//!
//! The scenario is written once ([`order_workflow`]) and run four ways: through the AWS API
//! with the AWS SDK client (CreateStateMachine, StartExecution, SendTaskSuccess,
//! GetExecutionHistory paged with `nextToken`) or through the REST API with plain HTTP
//! (`PUT` of a YAML definition, `POST` of an execution, `POST /v1/callbacks/{token}/success`,
//! the history paged with `next`), each on Redis (`--redis`) and on the embedded store.
//!
//! Each run checks: the task token reaches the notify service and the execution waits for
//! it; the final output; the history, event by event (exact outside the Parallel; inside
//! it the multiset, and each branch's own chain through `previousEventId`); and that every
//! task request carried `Idempotency-Key: <execution id>/<state>/<attempt>`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::DisplayErrorContext;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{Value, json};

use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use baton_tests::services::{Received, Service};

const MACHINE: &str = "orders";
const EXECUTION: &str = "order-1";
/// Small pages, so reading the history takes several.
const PAGE: u32 = 4;
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
enum Via {
    /// The AWS Step Functions API with the AWS SDK client.
    Sdk,
    /// Baton's REST API with plain HTTP.
    Rest,
}

#[derive(Debug, Clone, Copy)]
enum Store {
    Redis,
    Embedded,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_workflow_through_the_sdk_on_redis() {
    order_workflow(Via::Sdk, Store::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_workflow_through_rest_on_redis() {
    order_workflow(Via::Rest, Store::Redis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_workflow_through_the_sdk_on_the_embedded_store() {
    order_workflow(Via::Sdk, Store::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_workflow_through_rest_on_the_embedded_store() {
    order_workflow(Via::Rest, Store::Embedded).await;
}

/// The workflow, calling `service`.
fn definition(service: &Service) -> Value {
    json!({
        "Comment": "An order: charge, choose, ship in parallel, wait, ask for approval, confirm.",
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": service.url("/charge"),
                "ResultPath": "$.charge",
                "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 1,
                           "MaxAttempts": 2, "BackoffRate": 1.0}],
                "Next": "Paid?"
            },
            "Paid?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.charge.paid", "BooleanEquals": true, "Next": "Ship"}],
                "Default": "Refused"
            },
            "Refused": {"Type": "Fail", "Error": "PaymentRefused", "Cause": "the card was declined"},
            "Ship": {
                "Type": "Parallel",
                "ResultPath": "$.shipping",
                "Branches": [
                    {"StartAt": "Pack", "States": {
                        "Pack": {"Type": "Task", "Resource": service.url("/pack"), "End": true}}},
                    {"StartAt": "Label", "States": {
                        "Label": {"Type": "Task", "Resource": service.url("/label"), "End": true}}}
                ],
                "Next": "Cool down"
            },
            "Cool down": {"Type": "Wait", "Seconds": 1, "Next": "Approve"},
            "Approve": {
                "Type": "Callback",
                "Notify": {
                    "ApiEndpoint": service.url("/approve"),
                    "Method": "POST",
                    "RequestBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}
                },
                "TimeoutSeconds": 120,
                "ResultPath": "$.approval",
                "Next": "Confirm"
            },
            "Confirm": {"Type": "Task", "Resource": service.url("/confirm"), "End": true}
        }
    })
}

fn input() -> Value {
    json!({"order": {"id": "o-17", "total": 42}})
}

/// What the approver sends back with the task token.
fn approval() -> Value {
    json!({"approved": true, "by": "ops"})
}

fn expected_output() -> Value {
    json!({
        "order": {"id": "o-17", "total": 42},
        "charge": {"paid": true, "amount": 42},
        "shipping": [{"parcel": "P-o-17"}, {"label": "L-o-17"}],
        "approval": {"approved": true, "by": "ops"},
        "confirmed": true
    })
}

/// The services: `/charge` answers 503 to its first attempt, then charges; `/pack` and
/// `/label` ship; `/approve` takes the notification; `/confirm` echoes its input with
/// `"confirmed": true`.
async fn order_service() -> Service {
    Service::start(|req: &Received| {
        let order = &req.body["order"];
        let id = order["id"].as_str().unwrap_or_default();
        let key = req.idempotency_key.as_deref().unwrap_or_default();
        match req.path.as_str() {
            "/charge" if key.ends_with("/1") => (503, json!({"error": "busy, try again"})),
            "/charge" => (200, json!({"paid": true, "amount": order["total"]})),
            "/pack" => (200, json!({"parcel": format!("P-{id}")})),
            "/label" => (200, json!({"label": format!("L-{id}")})),
            "/approve" => (202, json!({"queued": true})),
            "/confirm" => {
                let mut out = req.body.clone();
                out["confirmed"] = json!(true);
                (200, out)
            }
            _ => (404, json!({"error": "no such path"})),
        }
    })
    .await
}

/// One history event, as both APIs give it: id, previous id, type, and the state name
/// for `…StateEntered` / `…StateExited`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    id: i64,
    previous: i64,
    kind: String,
    name: Option<String>,
}

impl Event {
    fn label(&self) -> (String, Option<String>) {
        (self.kind.clone(), self.name.clone())
    }
}

/// One of the two APIs of a running server.
enum Api {
    Sdk(Client),
    Rest(Rest),
}

impl Api {
    async fn new(via: Via, url: &str) -> Api {
        match via {
            Via::Sdk => Api::Sdk(common::sdk_client(url).await),
            Via::Rest => Api::Rest(Rest::new(url)),
        }
    }

    /// Creates the state machine `name`; the REST API gets the definition as YAML.
    async fn upload(&self, name: &str, definition: &Value) {
        match self {
            Api::Sdk(c) => {
                c.create_state_machine()
                    .name(name)
                    .definition(definition.to_string())
                    .role_arn("arn:aws:iam::123456789012:role/orders")
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("CreateStateMachine: {}", DisplayErrorContext(&e)));
            }
            Api::Rest(r) => {
                let yaml = serde_yaml_ng::to_string(definition).expect("YAML");
                assert!(!yaml.trim_start().starts_with('{'), "not YAML: {yaml}");
                let created = r.put_machine_yaml(name, &yaml).await;
                assert_eq!(created["name"], name);
                assert_eq!(created["revision"], 1);
                // Stored as the equivalent JSON.
                let described = r
                    .expect(
                        r.request(reqwest::Method::GET, &format!("/v1/state-machines/{name}")),
                        200,
                    )
                    .await;
                assert_eq!(&described["definition"], definition);
            }
        }
    }

    /// Starts `execution` of `machine`; its ARN.
    async fn start(&self, machine: &str, execution: &str, input: &Value) -> String {
        match self {
            Api::Sdk(c) => {
                c.start_execution()
                    .state_machine_arn(format!(
                        "arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"
                    ))
                    .name(execution)
                    .input(input.to_string())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("StartExecution: {}", DisplayErrorContext(&e)))
                    .execution_arn
            }
            Api::Rest(r) => {
                let view = r.start(machine, execution, input).await;
                assert_eq!(view["status"], "RUNNING");
                view["arn"].as_str().expect("arn").to_owned()
            }
        }
    }

    /// Status and output (JSON) of the execution.
    async fn describe(&self, machine: &str, execution: &str) -> (String, Option<Value>) {
        match self {
            Api::Sdk(c) => {
                let d = c
                    .describe_execution()
                    .execution_arn(execution_arn(machine, execution))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("DescribeExecution: {}", DisplayErrorContext(&e)));
                let output = d
                    .output()
                    .map(|t| serde_json::from_str(t).expect("output is JSON"));
                (d.status().as_str().to_owned(), output)
            }
            Api::Rest(r) => {
                let view = r.describe(machine, execution).await;
                let status = view["status"].as_str().expect("status").to_owned();
                (status, view.get("output").cloned())
            }
        }
    }

    async fn wait_end(&self, machine: &str, execution: &str) -> (String, Option<Value>) {
        common::eventually(TIMEOUT, "the execution to end", || async {
            let (status, output) = self.describe(machine, execution).await;
            (status != ExecutionStatus::Running.as_str()).then_some((status, output))
        })
        .await
    }

    async fn send_success(&self, token: &str, output: &Value) {
        match self {
            Api::Sdk(c) => {
                c.send_task_success()
                    .task_token(token)
                    .output(output.to_string())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("SendTaskSuccess: {}", DisplayErrorContext(&e)));
            }
            Api::Rest(r) => {
                let (status, body) = r.callback_success(token, output).await;
                assert_eq!((status, body), (200, json!({})));
            }
        }
    }

    /// The whole history, oldest first, [`PAGE`] events at a time; also the page count.
    async fn history(&self, machine: &str, execution: &str) -> (Vec<Event>, usize) {
        match self {
            Api::Sdk(c) => {
                let (mut events, mut pages, mut token) = (Vec::new(), 0, None::<String>);
                loop {
                    let page = c
                        .get_execution_history()
                        .execution_arn(execution_arn(machine, execution))
                        .max_results(PAGE as i32)
                        .set_next_token(token.take())
                        .send()
                        .await
                        .unwrap_or_else(|e| {
                            panic!("GetExecutionHistory: {}", DisplayErrorContext(&e))
                        });
                    pages += 1;
                    assert!(page.events().len() <= PAGE as usize);
                    for e in page.events() {
                        let name = e
                            .state_entered_event_details()
                            .map(|d| d.name().to_owned())
                            .or_else(|| {
                                e.state_exited_event_details().map(|d| d.name().to_owned())
                            });
                        events.push(Event {
                            id: e.id(),
                            previous: e.previous_event_id(),
                            kind: e.r#type().as_str().to_owned(),
                            name,
                        });
                    }
                    match page.next_token() {
                        Some(next) => token = Some(next.to_owned()),
                        None => return (events, pages),
                    }
                }
            }
            Api::Rest(r) => {
                let raw = r.history_pages(machine, execution, PAGE).await;
                let pages = raw.len();
                let events = raw
                    .iter()
                    .flatten()
                    .map(|e| {
                        let name = e["stateEnteredEventDetails"]["name"]
                            .as_str()
                            .or_else(|| e["stateExitedEventDetails"]["name"].as_str())
                            .map(str::to_owned);
                        Event {
                            id: e["id"].as_i64().expect("id"),
                            previous: e["previousEventId"].as_i64().expect("previousEventId"),
                            kind: e["type"].as_str().expect("type").to_owned(),
                            name,
                        }
                    })
                    .collect();
                (events, pages)
            }
        }
    }
}

fn execution_arn(machine: &str, execution: &str) -> String {
    format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:{execution}")
}

fn ev(kind: &str, name: Option<&str>) -> (String, Option<String>) {
    (kind.to_owned(), name.map(str::to_owned))
}

/// The events before the Parallel's branches run, exactly.
fn expected_before_branches() -> Vec<(String, Option<String>)> {
    vec![
        ev("ExecutionStarted", None),
        ev("TaskStateEntered", Some("Charge")),
        ev("TaskScheduled", None),
        ev("TaskStarted", None),
        ev("TaskFailed", None),
        // The retry, 1 s later.
        ev("TaskScheduled", None),
        ev("TaskStarted", None),
        ev("TaskSucceeded", None),
        ev("TaskStateExited", Some("Charge")),
        ev("ChoiceStateEntered", Some("Paid?")),
        ev("ChoiceStateExited", Some("Paid?")),
        ev("ParallelStateEntered", Some("Ship")),
        ev("ParallelStateStarted", None),
    ]
}

/// One branch of the Parallel, in its own order.
fn expected_branch(state: &str) -> Vec<(String, Option<String>)> {
    vec![
        ev("TaskStateEntered", Some(state)),
        ev("TaskScheduled", None),
        ev("TaskStarted", None),
        ev("TaskSucceeded", None),
        ev("TaskStateExited", Some(state)),
    ]
}

/// The events once both branches are done, exactly. (AWS writes no
/// `ParallelStateSucceeded`: the recorded histories of the conformance corpus go from the
/// branches' last events to `ParallelStateExited`.)
fn expected_after_branches() -> Vec<(String, Option<String>)> {
    vec![
        ev("ParallelStateExited", Some("Ship")),
        ev("WaitStateEntered", Some("Cool down")),
        ev("WaitStateExited", Some("Cool down")),
        ev("TaskStateEntered", Some("Approve")),
        ev("TaskScheduled", None),
        ev("TaskStarted", None),
        ev("TaskSubmitted", None),
        ev("TaskSucceeded", None),
        ev("TaskStateExited", Some("Approve")),
        ev("TaskStateEntered", Some("Confirm")),
        ev("TaskScheduled", None),
        ev("TaskStarted", None),
        ev("TaskSucceeded", None),
        ev("TaskStateExited", Some("Confirm")),
        ev("ExecutionSucceeded", None),
    ]
}

fn show(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| format!("  {:>2} ← {:>2} {} {:?}", e.id, e.previous, e.kind, e.name))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The history checks (see the module docs).
fn check_history(events: &[Event]) {
    let listing = show(events);
    // Ids are 1, 2, 3, …, and every event follows an earlier one.
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e.id,
            i as i64 + 1,
            "event ids are not consecutive:\n{listing}"
        );
        assert!(
            e.previous < e.id && (e.id == 1 || e.previous >= 1),
            "bad previousEventId:\n{listing}"
        );
    }
    let labels: Vec<_> = events.iter().map(Event::label).collect();
    let before = expected_before_branches();
    let after = expected_after_branches();
    let branches = [expected_branch("Pack"), expected_branch("Label")];
    let inner_len: usize = branches.iter().map(Vec::len).sum();
    assert_eq!(
        labels.len(),
        before.len() + inner_len + after.len(),
        "unexpected number of events:\n{listing}"
    );
    assert_eq!(
        labels[..before.len()],
        before[..],
        "before the branches:\n{listing}"
    );
    assert_eq!(
        labels[before.len() + inner_len..],
        after[..],
        "after the branches:\n{listing}"
    );
    // Inside the Parallel: the same events, in any interleaving…
    let inner = &events[before.len()..before.len() + inner_len];
    let mut got: Vec<_> = inner.iter().map(Event::label).collect();
    let mut want: Vec<_> = branches.iter().flatten().cloned().collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "the branches' events:\n{listing}");
    // …and each branch in its own order: following previousEventId back from each
    // TaskStateExited reaches ParallelStateStarted through exactly that branch's events.
    let started = events[before.len() - 1].id;
    let by_id: BTreeMap<i64, &Event> = events.iter().map(|e| (e.id, e)).collect();
    for branch in &branches {
        let last = branch.last().expect("a branch has events");
        let exit = inner
            .iter()
            .find(|e| e.label() == *last)
            .expect("the branch's exit");
        let mut chain = vec![exit.label()];
        let mut at = exit.previous;
        while at != started {
            let e = by_id
                .get(&at)
                .unwrap_or_else(|| panic!("previousEventId {at} leaves the branch:\n{listing}"));
            chain.push(e.label());
            at = e.previous;
        }
        chain.reverse();
        assert_eq!(&chain, branch, "one branch's chain:\n{listing}");
    }
}

/// Every task request (and the notification) carried `<execution id>/<state>/<attempt>`,
/// one request per attempt.
fn check_idempotency_keys(received: &[Received], execution_id: &str) {
    let mut got: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            let key = r
                .idempotency_key
                .clone()
                .unwrap_or_else(|| panic!("{} came without an Idempotency-Key", r.path));
            (r.path.clone(), key)
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = [
        ("/charge", "Charge", 1),
        ("/charge", "Charge", 2),
        ("/pack", "Pack", 1),
        ("/label", "Label", 1),
        ("/approve", "Approve", 1),
        ("/confirm", "Confirm", 1),
    ]
    .iter()
    .map(|(path, state, attempt)| {
        (
            (*path).to_owned(),
            format!("{execution_id}/{state}/{attempt}"),
        )
    })
    .collect();
    want.sort();
    assert_eq!(got, want, "requests and their idempotency keys");
}

/// The scenario.
async fn order_workflow(via: Via, store: Store) {
    let redis = match store {
        Store::Redis => match RedisServer::start() {
            Some(redis) => Some(redis),
            None => return,
        },
        Store::Embedded => None,
    };
    let service = order_service().await;
    let url = redis.as_ref().map(RedisServer::url);
    let args: Vec<&str> = match &url {
        Some(url) => vec!["--redis", url],
        None => vec![],
    };
    let baton = Baton::serve_async(&args, &[]).await;
    let api = Api::new(via, &baton.url).await;

    api.upload(MACHINE, &definition(&service)).await;
    let arn = api.start(MACHINE, EXECUTION, &input()).await;
    assert_eq!(arn, execution_arn(MACHINE, EXECUTION));

    // The notification carries the task token; until it comes back the execution waits.
    let notified = service
        .wait_for(TIMEOUT, |r| r.path == "/approve")
        .await
        .expect("the notify service got no task token");
    assert_eq!(notified.method, "POST");
    assert_eq!(notified.body["order"], input()["order"]);
    let token = notified.body["token"]
        .as_str()
        .expect("a task token in the notification")
        .to_owned();
    assert!(token.starts_with("bt1_"), "{token}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = api.describe(MACHINE, EXECUTION).await;
    assert_eq!(
        status, "RUNNING",
        "the execution should wait for its callback"
    );
    assert!(
        !service.received().iter().any(|r| r.path == "/confirm"),
        "Confirm ran before the callback"
    );

    api.send_success(&token, &approval()).await;
    let (status, output) = api.wait_end(MACHINE, EXECUTION).await;
    assert_eq!(status, "SUCCEEDED");
    assert_eq!(output, Some(expected_output()));

    let (events, pages) = api.history(MACHINE, EXECUTION).await;
    assert!(pages >= 8, "the history came in {pages} pages of {PAGE}");
    check_history(&events);
    check_idempotency_keys(&service.received(), &format!("{MACHINE}:{EXECUTION}"));
    drop(baton);
    drop(redis);
}
