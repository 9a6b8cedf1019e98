//! ValidateStateMachineDefinition through the AWS SDK.

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{
    StateMachineType, ValidateStateMachineDefinitionResultCode,
    ValidateStateMachineDefinitionSeverity,
};

use crate::common::{Harness, PASS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_definitions() {
    let h = Harness::start().await;
    let c = &h.client;
    let ok = c
        .validate_state_machine_definition()
        .definition(PASS)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.result(), &ValidateStateMachineDefinitionResultCode::Ok);
    assert!(ok.diagnostics().is_empty());

    let two_errors = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "X"}, "B": {"Type": "Pass", "Next": "Y"}}}"#;
    let fail = c
        .validate_state_machine_definition()
        .definition(two_errors)
        .send()
        .await
        .unwrap();
    assert_eq!(
        fail.result(),
        &ValidateStateMachineDefinitionResultCode::Fail
    );
    assert!(fail.diagnostics().len() >= 2);
    let first = &fail.diagnostics()[0];
    assert_eq!(first.severity().as_str(), "ERROR");
    assert!(first.location().is_some_and(|l| l.starts_with("/States/")));
    let one = c
        .validate_state_machine_definition()
        .definition(two_errors)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!((one.diagnostics().len(), one.truncated()), (1, Some(true)));

    // A warning only: OK, and shown only when warnings are asked for.
    let warned = r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}"#;
    let quiet = c
        .validate_state_machine_definition()
        .definition(warned)
        .send()
        .await
        .unwrap();
    assert_eq!(
        quiet.result(),
        &ValidateStateMachineDefinitionResultCode::Ok
    );
    assert!(quiet.diagnostics().is_empty());
    let loud = c
        .validate_state_machine_definition()
        .definition(warned)
        .severity(ValidateStateMachineDefinitionSeverity::Warning)
        .send()
        .await
        .unwrap();
    assert_eq!(loud.result(), &ValidateStateMachineDefinitionResultCode::Ok);
    assert_eq!(loud.diagnostics()[0].severity().as_str(), "WARNING");
    // ... and fails as EXPRESS.
    let express = c
        .validate_state_machine_definition()
        .definition(warned)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap();
    assert_eq!(
        express.result(),
        &ValidateStateMachineDefinitionResultCode::Fail
    );
    let e = c
        .validate_state_machine_definition()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    h.stop().await;
}
