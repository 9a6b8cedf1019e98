//! Outbound safety end to end: a Task that calls a service on loopback fails with
//! `States.Permissions` under `--deny-private-networks`, and succeeds when
//! `--allow-hosts 127.0.0.1/32` allows that address again. A name off the allow-list is
//! refused too.

use std::time::Duration;

use serde_json::{Value, json};

use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use baton_tests::services::{Received, Service};

const TIMEOUT: Duration = Duration::from_secs(30);

fn task_machine(url: &str) -> Value {
    json!({"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": url, "TimeoutSeconds": 5, "End": true}}})
}

/// Runs `definition` once on a `baton serve` with `args`; the execution's final view.
async fn run_once(args: &[&str], definition: &Value) -> Value {
    let baton = Baton::serve_async(args, &[]).await;
    let rest = Rest::new(&baton.url);
    rest.put_machine("outbound", definition).await;
    rest.start("outbound", "run-1", &json!({"n": 1})).await;
    rest.wait_end("outbound", "run-1", TIMEOUT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_private_networks_refuses_loopback_unless_an_allowed_cidr_covers_it() {
    let service = Service::start(|_: &Received| (200, json!({"answered": true}))).await;
    let definition = task_machine(&service.url("/work"));

    let denied = run_once(&["--deny-private-networks"], &definition).await;
    assert_eq!(denied["status"], "FAILED", "{denied}");
    assert_eq!(denied["error"], "States.Permissions", "{denied}");
    let cause = denied["cause"].as_str().unwrap_or_default();
    for needle in ["127.0.0.1", "loopback", "BATON_ALLOW_HOSTS", "127.0.0.1/32"] {
        assert!(cause.contains(needle), "the cause names {needle}: {cause}");
    }
    assert!(service.received().is_empty(), "nothing was sent");

    let allowed = run_once(
        &["--deny-private-networks", "--allow-hosts", "127.0.0.1/32"],
        &definition,
    )
    .await;
    assert_eq!(allowed["status"], "SUCCEEDED", "{allowed}");
    assert_eq!(allowed["output"], json!({"answered": true}), "{allowed}");
    assert_eq!(service.received().len(), 1);

    // With an allow-list that does not hold the service, it is refused by that rule.
    let off_list = run_once(&["--allow-hosts", "api.example.com"], &definition).await;
    assert_eq!(off_list["error"], "States.Permissions", "{off_list}");
    let cause = off_list["cause"].as_str().unwrap_or_default();
    assert!(
        cause.contains("only the hosts of BATON_ALLOW_HOSTS"),
        "{cause}"
    );
    assert_eq!(service.received().len(), 1, "nothing more was sent");
}
