//! StartSyncExecution of EXPRESS state machines, and DescribeStateMachineForExecution.

use aws_sdk_sfn::types::{ExecutionStatus, StateMachineType, SyncExecutionStatus};
use serde_json::json;

use crate::common::{FAIL, Harness, PASS, ROLE, WAIT, json as parse};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_executions_of_express_machines() {
    let h = Harness::start().await;
    let c = &h.client;
    let express = |name: &'static str, definition: &'static str| {
        c.create_state_machine()
            .name(name)
            .definition(definition)
            .role_arn(ROLE)
            .r#type(StateMachineType::Express)
            .send()
    };
    let sm = express("fast", PASS).await.unwrap().state_machine_arn;
    let out = c
        .start_sync_execution()
        .state_machine_arn(&sm)
        .name("s-1")
        .input(r#"{"x": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), &SyncExecutionStatus::Succeeded);
    assert_eq!(parse(out.output()), json!({"x": true, "r": {"ok": true}}));
    assert_eq!(out.state_machine_arn(), Some(sm.as_str()));
    assert!(out.execution_arn().contains(":express:fast:s-1"));
    assert!(
        out.billing_details()
            .is_some_and(|b| b.billed_duration_in_milliseconds() >= 100)
    );
    let d = c
        .describe_execution()
        .execution_arn(out.execution_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(d.status(), &ExecutionStatus::Succeeded);

    let failing = express("fast-fail", FAIL).await.unwrap().state_machine_arn;
    let out = c
        .start_sync_execution()
        .state_machine_arn(&failing)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), &SyncExecutionStatus::Failed);
    assert_eq!(
        (out.error(), out.cause()),
        (Some("Custom.Bad"), Some("it went wrong"))
    );

    let standard = h.machine("slow", PASS).await;
    let e = c
        .start_sync_execution()
        .state_machine_arn(&standard)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_state_machine_type_not_supported());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_keep_their_revision() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("versioned", WAIT).await;
    let run = h.start_execution(&sm, "old", "{}").await;
    c.update_state_machine()
        .state_machine_arn(&sm)
        .definition(PASS)
        .send()
        .await
        .unwrap();
    let used = c
        .describe_state_machine_for_execution()
        .execution_arn(&run)
        .send()
        .await
        .unwrap();
    assert_eq!((used.definition(), used.revision_id()), (WAIT, Some("1")));
    assert_eq!(used.state_machine_arn(), sm);
    assert_eq!(used.name(), "versioned");
    let fresh = h.start_execution(&sm, "new", "{}").await;
    let used = c
        .describe_state_machine_for_execution()
        .execution_arn(&fresh)
        .send()
        .await
        .unwrap();
    assert_eq!((used.definition(), used.revision_id()), (PASS, Some("2")));
    let e = c
        .describe_state_machine_for_execution()
        .execution_arn(run.replace("old", "none"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_execution_does_not_exist());
    c.stop_execution().execution_arn(&run).send().await.unwrap();
    h.stop().await;
}
