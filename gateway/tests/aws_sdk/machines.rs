//! State machine operations through the AWS SDK.

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{LogLevel, LoggingConfiguration, StateMachineStatus, StateMachineType};

use crate::common::{FAIL, Harness, PASS, ROLE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_describe_update_delete() {
    let h = Harness::start().await;
    let c = &h.client;
    let created = c
        .create_state_machine()
        .name("orders")
        .definition(PASS)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    let arn = created.state_machine_arn().to_owned();
    assert_eq!(
        arn,
        "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
    );
    // The same name, definition and role: the same state machine.
    let again = c
        .create_state_machine()
        .name("orders")
        .definition(PASS)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    assert_eq!(again.state_machine_arn(), arn);
    assert_eq!(again.creation_date(), created.creation_date());
    let clash = c
        .create_state_machine()
        .name("orders")
        .definition(FAIL)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert!(clash.into_service_error().is_state_machine_already_exists());

    let d = c
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.name(), "orders");
    assert_eq!(d.definition(), PASS);
    assert_eq!(d.role_arn(), ROLE);
    assert_eq!(d.r#type(), &StateMachineType::Standard);
    assert_eq!(d.status(), Some(&StateMachineStatus::Active));
    assert_eq!(d.revision_id(), Some("1"));
    assert_eq!(d.creation_date(), created.creation_date());
    assert_eq!(
        d.logging_configuration()
            .and_then(LoggingConfiguration::level),
        Some(&LogLevel::Off)
    );

    let updated = c
        .update_state_machine()
        .state_machine_arn(&arn)
        .definition(FAIL)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.revision_id(), Some("2"));
    assert!(updated.update_date().secs() >= created.creation_date().secs());
    let d = c
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!((d.definition(), d.revision_id()), (FAIL, Some("2")));
    let nothing = c
        .update_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(nothing.into_service_error().is_missing_required_parameter());
    let bad = c
        .update_state_machine()
        .state_machine_arn(&arn)
        .definition(r#"{"StartAt": "X", "States": {}}"#)
        .send()
        .await
        .unwrap_err();
    assert!(bad.into_service_error().is_invalid_definition());

    c.delete_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    let gone = c
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_state_machine_does_not_exist());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_rejects_what_aws_rejects() {
    let h = Harness::start().await;
    let c = &h.client;
    let create = |name: &str, definition: &str| {
        c.create_state_machine()
            .name(name)
            .definition(definition)
            .role_arn(ROLE)
            .send()
    };
    let e = create("a b", PASS).await.unwrap_err().into_service_error();
    assert!(e.is_invalid_name(), "{e:?}");
    let e = create(
        "broken",
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}"#,
    )
    .await
    .unwrap_err()
    .into_service_error();
    assert!(e.is_invalid_definition(), "{e:?}");
    let message = e.message().unwrap_or_default();
    assert!(
        message.starts_with("Invalid State Machine Definition: '")
            && message.contains("at /States/A/Next"),
        "{message}"
    );
    let e = create("notjson", "{")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_definition(), "{e:?}");
    // Express machines cannot wait for task tokens.
    let callback = r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}"#;
    let e = c
        .create_state_machine()
        .name("express-callback")
        .definition(callback)
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        e.is_invalid_definition()
            && e.message()
                .unwrap_or_default()
                .contains("/States/T/Resource"),
        "{e:?}"
    );
    // A required member left out.
    let e = c
        .create_state_machine()
        .name("x")
        .definition(PASS)
        .send()
        .await
        .unwrap_err();
    let e = e.into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");
    // A malformed ARN.
    let e = c
        .describe_state_machine()
        .state_machine_arn("arn:aws:states:us-east-1:123456789012:execution:x:y")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_arn());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_state_machines_in_pages() {
    let h = Harness::start().await;
    for name in ["m1", "m2", "m3"] {
        h.machine(name, PASS).await;
    }
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = h
            .client
            .list_state_machines()
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.state_machines().len() <= 2);
        for item in page.state_machines() {
            assert_eq!(item.r#type(), &StateMachineType::Standard);
            assert!(item.state_machine_arn().ends_with(item.name()));
            names.push(item.name().to_owned());
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["m1", "m2", "m3"]);
    let e = h
        .client
        .list_state_machines()
        .next_token("not a token!")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_token());
    let e = h
        .client
        .list_state_machines()
        .max_results(5000)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    h.stop().await;
}
