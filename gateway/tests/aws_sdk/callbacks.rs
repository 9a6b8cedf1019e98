//! Callbacks end to end: a `.waitForTaskToken` task's token read from the history, then
//! SendTaskHeartbeat, SendTaskSuccess and SendTaskFailure through the AWS SDK.

use std::time::Duration;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::{Value, json};

use crate::common::{Harness, json as parse};

/// Two callback tasks in a row; each puts its state name and token in its parameters.
const TWO_CALLBACKS: &str = r#"{"StartAt": "First", "States": {
    "First": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": {"state": "First", "token.$": "$$.Task.Token"},
              "HeartbeatSeconds": 60, "ResultPath": "$.first", "Next": "Second"},
    "Second": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
               "Parameters": {"state": "Second", "token.$": "$$.Task.Token"}, "End": true}}}"#;

/// The token of `state`, from its `TaskScheduled` event (polls until it is there).
pub async fn token_of(h: &Harness, execution: &str, state: &str) -> String {
    for _ in 0..1000 {
        let history = h
            .client
            .get_execution_history()
            .execution_arn(execution)
            .send()
            .await
            .unwrap();
        for event in history.events() {
            if event.r#type() != &HistoryEventType::TaskScheduled {
                continue;
            }
            let details = event.task_scheduled_event_details().unwrap();
            let parameters: Value = serde_json::from_str(details.parameters()).unwrap();
            if parameters["state"] == state {
                return parameters["token"].as_str().unwrap().to_owned();
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no TaskScheduled for {state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_then_failure() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("approvals", TWO_CALLBACKS).await;
    let run = h.start_execution(&sm, "a-1", r#"{"order": 7}"#).await;
    let first = token_of(&h, &run, "First").await;

    c.send_task_heartbeat()
        .task_token(&first)
        .send()
        .await
        .unwrap();
    let e = c
        .send_task_success()
        .task_token(&first)
        .output("not json")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_output());
    c.send_task_success()
        .task_token(&first)
        .output(r#"{"approved": true}"#)
        .send()
        .await
        .unwrap();
    // The task is closed now.
    let e = c
        .send_task_success()
        .task_token(&first)
        .output("{}")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_task_timed_out());
    let e = c
        .send_task_heartbeat()
        .task_token(&first)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_task_timed_out());

    let second = token_of(&h, &run, "Second").await;
    c.send_task_failure()
        .task_token(&second)
        .error("Custom.Rejected")
        .cause("no budget")
        .send()
        .await
        .unwrap();
    let done = h.wait_done(&run).await;
    assert_eq!(done.status(), &ExecutionStatus::Failed);
    assert_eq!(
        (done.error(), done.cause()),
        (Some("Custom.Rejected"), Some("no budget"))
    );

    // The first task's result reached the execution: it is in Second's input.
    let history = c
        .get_execution_history()
        .execution_arn(&run)
        .send()
        .await
        .unwrap();
    let entered = history
        .events()
        .iter()
        .filter_map(|e| e.state_entered_event_details())
        .find(|d| d.name() == "Second")
        .unwrap();
    assert_eq!(
        parse(entered.input()),
        json!({"order": 7, "first": {"approved": true}})
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_stopped_executions_and_forgeries() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("approvals", TWO_CALLBACKS).await;
    let run = h.start_execution(&sm, "s-1", "{}").await;
    let token = token_of(&h, &run, "First").await;
    c.stop_execution().execution_arn(&run).send().await.unwrap();
    assert_eq!(h.wait_done(&run).await.status(), &ExecutionStatus::Aborted);
    let e = c
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_task_does_not_exist());
    let e = c
        .send_task_failure()
        .task_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_task_does_not_exist());

    // A token with one character changed, and one that is not a token at all.
    let mut forged = token.clone().into_bytes();
    let middle = forged.len() / 2;
    forged[middle] = if forged[middle] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    for bad in [forged.as_str(), "not-a-token"] {
        let e = c
            .send_task_success()
            .task_token(bad)
            .output("{}")
            .send()
            .await
            .unwrap_err();
        assert!(e.into_service_error().is_invalid_token(), "{bad}");
        let e = c
            .send_task_heartbeat()
            .task_token(bad)
            .send()
            .await
            .unwrap_err();
        assert!(e.into_service_error().is_invalid_token(), "{bad}");
    }
    let e = c.send_task_success().output("{}").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    h.stop().await;
}
