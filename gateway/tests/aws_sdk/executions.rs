//! Execution operations through the AWS SDK.

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;

use crate::common::{FAIL, Harness, PASS, WAIT, json as parse};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_describe_and_fail() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("pass", PASS).await;
    let started = c
        .start_execution()
        .state_machine_arn(&sm)
        .name("run-1")
        .input(r#"{"n": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        started.execution_arn(),
        "arn:aws:states:us-east-1:123456789012:execution:pass:run-1"
    );
    let done = h.wait_done(started.execution_arn()).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(done.name(), Some("run-1"));
    assert_eq!(done.state_machine_arn(), sm);
    assert_eq!(parse(done.output()), json!({"n": 1, "r": {"ok": true}}));
    assert_eq!(parse(done.input()), json!({"n": 1}));
    assert!(done.input_details().is_some_and(|d| d.included()));
    assert!(done.stop_date().unwrap().as_secs_f64() >= done.start_date().as_secs_f64());
    assert_eq!(done.start_date(), started.start_date());
    assert_eq!(done.redrive_count(), Some(0));
    // The name is taken once the execution has ended.
    let again = c
        .start_execution()
        .state_machine_arn(&sm)
        .name("run-1")
        .input(r#"{"n": 1}"#)
        .send()
        .await
        .unwrap_err();
    assert!(again.into_service_error().is_execution_already_exists());
    // Input defaults to {}.
    let default = c
        .start_execution()
        .state_machine_arn(&sm)
        .send()
        .await
        .unwrap();
    let done = h.wait_done(default.execution_arn()).await;
    assert_eq!(parse(done.input()), json!({}));

    let failing = h.machine("fail", FAIL).await;
    let run = h.start_execution(&failing, "f-1", "{}").await;
    let done = h.wait_done(&run).await;
    assert_eq!(done.status(), &ExecutionStatus::Failed);
    assert_eq!(
        (done.error(), done.cause()),
        (Some("Custom.Bad"), Some("it went wrong"))
    );
    assert_eq!(done.output(), None);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_errors() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("pass", PASS).await;
    let start = |machine: &str, name: &str, input: &str| {
        c.start_execution()
            .state_machine_arn(machine)
            .name(name)
            .input(input)
            .send()
    };
    let e = start(&sm, "x", "not json")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_execution_input(), "{e:?}");
    let e = start(&sm, "bad name", "{}")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_name(), "{e:?}");
    let missing = sm.replace("pass", "nothing");
    let e = start(&missing, "x", "{}")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_state_machine_does_not_exist(), "{e:?}");
    let e = start("arn:nope", "x", "{}")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_arn(), "{e:?}");
    let e = c.start_execution().send().await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));

    let arn = "arn:aws:states:us-east-1:123456789012:execution:pass:never";
    let e = c
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_execution_does_not_exist());
    let e = c
        .describe_execution()
        .execution_arn("arn:bad")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_arn());
    let e = c.describe_execution().send().await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    let e = c
        .stop_execution()
        .execution_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_execution_does_not_exist());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_executions_list_and_stop() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("waits", WAIT).await;
    let first = h.start_execution(&sm, "w-1", r#"{"a": 1}"#).await;
    // Idempotent while running with the same input; a different input is a clash.
    assert_eq!(h.start_execution(&sm, "w-1", r#"{"a": 1}"#).await, first);
    let clash = c
        .start_execution()
        .state_machine_arn(&sm)
        .name("w-1")
        .input(r#"{"a": 2}"#)
        .send()
        .await
        .unwrap_err();
    assert!(clash.into_service_error().is_execution_already_exists());
    h.start_execution(&sm, "w-2", "{}").await;
    h.start_execution(&sm, "w-3", "{}").await;

    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_executions()
            .state_machine_arn(&sm)
            .status_filter(ExecutionStatus::Running)
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        for e in page.executions() {
            assert_eq!(e.status(), &ExecutionStatus::Running);
            assert_eq!(e.state_machine_arn(), sm);
            seen.push(e.name().to_owned());
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, ["w-1", "w-2", "w-3"]);

    let stopped = c
        .stop_execution()
        .execution_arn(&first)
        .error("Custom.Stop")
        .cause("enough")
        .send()
        .await
        .unwrap();
    let d = c
        .describe_execution()
        .execution_arn(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), &ExecutionStatus::Aborted);
    assert_eq!(d.stop_date(), Some(stopped.stop_date()));
    let aborted = c
        .list_executions()
        .state_machine_arn(&sm)
        .status_filter(ExecutionStatus::Aborted)
        .send()
        .await
        .unwrap();
    assert_eq!(aborted.executions().len(), 1);
    let e = c
        .list_executions()
        .state_machine_arn(&sm)
        .next_token("garbage")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_token());
    let e = c
        .list_executions()
        .state_machine_arn(sm.replace("waits", "other"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_state_machine_does_not_exist());
    h.stop().await;
}
