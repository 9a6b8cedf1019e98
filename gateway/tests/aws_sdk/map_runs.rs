//! DescribeMapRun, ListMapRuns and UpdateMapRun through the SDK: a distributed Map with a
//! tolerated failure, described while it runs (counts move) and after it ends (exact
//! counts), a Map run that fails, and AWS's errors.

use std::time::Duration;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::describe_map_run::DescribeMapRunOutput;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType, MapRunStatus};

use crate::common::Harness;

/// A distributed Map (label `Each`) over `$.items`: an item with `fail` fails, the others
/// wait `w` seconds; then a second, unlabelled distributed Map over two items.
fn definition(max: u32, tolerated: u32) -> String {
    format!(
        r#"{{"StartAt": "First", "States": {{
        "First": {{"Type": "Map", "ItemsPath": "$.items", "Label": "Each", "MaxConcurrency": {max},
            "ToleratedFailureCount": {tolerated}, "ResultPath": null,
            "ItemProcessor": {{"ProcessorConfig": {{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}},
                "StartAt": "C", "States": {{
                "C": {{"Type": "Choice", "Choices": [{{"Variable": "$.fail", "IsPresent": true, "Next": "F"}}], "Default": "W"}},
                "F": {{"Type": "Fail", "Error": "Item.Bad", "Cause": "this item fails"}},
                "W": {{"Type": "Wait", "SecondsPath": "$.w", "End": true}}}}}},
            "Next": "Second"}},
        "Second": {{"Type": "Map", "ItemsPath": "$.more",
            "ItemProcessor": {{"ProcessorConfig": {{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}},
                "StartAt": "P", "States": {{"P": {{"Type": "Pass", "End": true}}}}}},
            "End": true}}}}}}"#
    )
}

async fn describe(h: &Harness, arn: &str) -> DescribeMapRunOutput {
    (h.client.describe_map_run())
        .map_run_arn(arn)
        .send()
        .await
        .expect("describe map run")
}

/// (pending, running, succeeded, failed, aborted, total) of the item counts; the execution
/// counts are the same (one inline iteration per item).
fn counts(out: &DescribeMapRunOutput) -> (i64, i64, i64, i64, i64, i64) {
    let c = out.item_counts.as_ref().expect("item counts");
    let e = out.execution_counts.as_ref().expect("execution counts");
    assert_eq!(
        (
            e.pending,
            e.running,
            e.succeeded,
            e.failed,
            e.aborted,
            e.total
        ),
        (
            c.pending,
            c.running,
            c.succeeded,
            c.failed,
            c.aborted,
            c.total
        )
    );
    (
        c.pending,
        c.running,
        c.succeeded,
        c.failed,
        c.aborted,
        c.total,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tolerated_failure_is_counted_while_running_and_after() {
    let h = Harness::start().await;
    let machine = h.machine("runs", &definition(2, 1)).await;
    let input = r#"{"items": [{"w": 1}, {"w": 1}, {"w": 0}, {"fail": true}], "more": [1, 2]}"#;
    let exec = h.start_execution(&machine, "e1", input).await;

    // Running: the first two items wait a second, the other two wait for a slot.
    let mut first = None;
    for _ in 0..200 {
        let page = (h.client.list_map_runs())
            .execution_arn(&exec)
            .send()
            .await
            .expect("list map runs");
        if let Some(run) = page.map_runs.first() {
            first = Some(run.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let first = first.expect("the first Map run is listed while it runs");
    assert_eq!(first.execution_arn, exec);
    assert_eq!(first.state_machine_arn, machine);
    assert!(
        first
            .map_run_arn
            .starts_with("arn:aws:states:us-east-1:123456789012:mapRun:runs/Each:"),
        "{}",
        first.map_run_arn
    );
    assert!(first.stop_date.is_none());
    let running = describe(&h, &first.map_run_arn).await;
    println!("while running: {:?}", counts(&running));
    assert_eq!(running.status, MapRunStatus::Running);
    assert_eq!(counts(&running), (2, 2, 0, 0, 0, 4));
    assert_eq!(running.execution_arn, exec);
    assert_eq!(running.max_concurrency, 2);
    assert_eq!(running.tolerated_failure_count, 1);
    assert_eq!(running.tolerated_failure_percentage, 0.0);
    assert_eq!(running.redrive_count, Some(0));
    assert!(running.stop_date.is_none());

    let done = h.wait_done(&exec).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    let ended = describe(&h, &first.map_run_arn).await;
    println!("after the end: {:?}", counts(&ended));
    assert_eq!(ended.status, MapRunStatus::Succeeded);
    assert_eq!(counts(&ended), (0, 0, 3, 1, 0, 4));
    assert!(ended.stop_date.is_some());
    assert!(ended.stop_date.unwrap().as_secs_f64() >= ended.start_date.as_secs_f64() + 1.0);

    // Both runs, one a page; the history's MapRunStarted names the same ARNs.
    let page = (h.client.list_map_runs())
        .execution_arn(&exec)
        .max_results(1)
        .send()
        .await
        .expect("list page 1");
    assert_eq!(page.map_runs.len(), 1);
    let token = page.next_token.expect("a second page");
    let rest = (h.client.list_map_runs())
        .execution_arn(&exec)
        .max_results(1)
        .next_token(&token)
        .send()
        .await
        .expect("list page 2");
    assert!(rest.next_token.is_none());
    let second = &rest.map_runs[0];
    assert!(second.map_run_arn.contains(":mapRun:runs/Second:"));
    assert_ne!(second.map_run_arn, first.map_run_arn);
    let second = describe(&h, &second.map_run_arn).await;
    assert_eq!(second.status, MapRunStatus::Succeeded);
    assert_eq!(counts(&second), (0, 0, 2, 0, 0, 2));
    assert_eq!(second.max_concurrency, 0);
    let history = (h.client.get_execution_history())
        .execution_arn(&exec)
        .send()
        .await
        .expect("history");
    let started: Vec<String> = (history.events.iter())
        .filter(|e| e.r#type == HistoryEventType::MapRunStarted)
        .filter_map(|e| {
            e.map_run_started_event_details
                .as_ref()?
                .map_run_arn
                .clone()
        })
        .collect();
    assert_eq!(
        started,
        [first.map_run_arn.clone(), second.map_run_arn.clone()]
    );

    // A token of another execution's listing.
    let other = h
        .start_execution(&machine, "e2", r#"{"items": [], "more": []}"#)
        .await;
    h.wait_done(&other).await;
    let err = (h.client.list_map_runs())
        .execution_arn(&other)
        .next_token(&token)
        .send()
        .await
        .expect_err("foreign token");
    assert_eq!(err.code(), Some("InvalidToken"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_map_run_counts_its_failure_and_aborted_items() {
    let h = Harness::start().await;
    let machine = h.machine("strict", &definition(0, 0)).await;
    let input = r#"{"items": [{"w": 30}, {"fail": true}, {"w": 30}], "more": []}"#;
    let exec = h.start_execution(&machine, "e1", input).await;
    let done = h.wait_done(&exec).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(
        done.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    let page = (h.client.list_map_runs())
        .execution_arn(&exec)
        .send()
        .await
        .expect("list");
    assert_eq!(page.map_runs.len(), 1);
    assert!(page.map_runs[0].stop_date.is_some());
    let out = describe(&h, &page.map_runs[0].map_run_arn).await;
    println!("failed run: {:?}", counts(&out));
    assert_eq!(out.status, MapRunStatus::Failed);
    assert_eq!(counts(&out), (0, 0, 0, 1, 2, 3));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_run_errors_are_aws_errors() {
    let h = Harness::start().await;
    let machine = h.machine("errs", &definition(0, 0)).await;
    let exec = h
        .start_execution(&machine, "e1", r#"{"items": [{"w": 0}], "more": []}"#)
        .await;
    h.wait_done(&exec).await;
    let unknown = "arn:aws:states:us-east-1:123456789012:mapRun:errs/Each:3c39a231-69bb-3d89-8607-9e124eddbb0b";
    let err = (h.client.describe_map_run())
        .map_run_arn(unknown)
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err:?}");
    let err = (h.client.describe_map_run())
        .map_run_arn("arn:aws:states:us-east-1:123456789012:mapRun:errs")
        .send()
        .await
        .expect_err("bad ARN");
    assert_eq!(err.code(), Some("InvalidArn"), "{err:?}");
    let err = (h.client.list_map_runs())
        .execution_arn("arn:aws:states:us-east-1:123456789012:execution:errs:nope")
        .send()
        .await
        .expect_err("unknown execution");
    assert_eq!(err.code(), Some("ExecutionDoesNotExist"), "{err:?}");
    let listed = (h.client.list_map_runs())
        .execution_arn(&exec)
        .send()
        .await
        .expect("list");
    let arn = &listed.map_runs[0].map_run_arn;
    let err = (h.client.update_map_run())
        .map_run_arn(arn)
        .max_concurrency(3)
        .send()
        .await
        .expect_err("update refused");
    assert_eq!(err.code(), Some("ValidationException"), "{err:?}");
    assert!(err.message().unwrap_or_default().contains("not supported"));
    let err = (h.client.update_map_run())
        .map_run_arn(unknown)
        .send()
        .await
        .expect_err("update unknown");
    assert_eq!(err.code(), Some("ResourceNotFound"), "{err:?}");
    h.stop().await;
}
