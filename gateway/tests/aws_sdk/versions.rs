//! Versions through the AWS SDK: PublishStateMachineVersion (alone and with create and
//! update), ListStateMachineVersions, DescribeStateMachine on a version ARN,
//! DeleteStateMachineVersion, and starting executions on a version, with AWS's errors.

use aws_sdk_sfn::error::ProvideErrorMetadata;

use crate::common::{Harness, ROLE, json};

/// A Pass state whose output is `value`.
pub fn pass(value: &str) -> String {
    format!(
        r#"{{"StartAt": "P", "States": {{"P": {{"Type": "Pass", "Result": "{value}", "End": true}}}}}}"#
    )
}

/// The error code of a failed call.
pub fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, E>,
) -> String {
    r.expect_err("the call should fail")
        .code()
        .unwrap_or("")
        .to_owned()
}

async fn update(h: &Harness, arn: &str, definition: &str, publish: bool) -> Option<String> {
    let out = (h.client.update_state_machine())
        .state_machine_arn(arn)
        .definition(definition)
        .publish(publish)
        .send()
        .await
        .unwrap();
    out.state_machine_version_arn().map(str::to_owned)
}

async fn versions(h: &Harness, arn: &str) -> Vec<String> {
    let out = h
        .client
        .list_state_machine_versions()
        .state_machine_arn(arn)
        .send()
        .await
        .unwrap();
    (out.state_machine_versions().iter())
        .map(|v| v.state_machine_version_arn().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_list_describe_and_delete_versions() {
    let h = Harness::start().await;
    let c = &h.client;
    let created = (c.create_state_machine())
        .name("pv")
        .definition(pass("a"))
        .role_arn(ROLE)
        .publish(true)
        .version_description("first")
        .send()
        .await
        .unwrap();
    let sm = created.state_machine_arn().to_owned();
    let v1 = format!("{sm}:1");
    assert_eq!(created.state_machine_version_arn(), Some(v1.as_str()));
    // Publishing the same revision again returns its version.
    let again = c
        .publish_state_machine_version()
        .state_machine_arn(&sm)
        .send()
        .await
        .unwrap();
    assert_eq!(again.state_machine_version_arn(), v1);
    assert_eq!(update(&h, &sm, &pass("b"), false).await, None);
    let v2 = format!("{sm}:2");
    let out = (c.publish_state_machine_version())
        .state_machine_arn(&sm)
        .revision_id("2")
        .description("second")
        .send()
        .await
        .unwrap();
    assert_eq!(out.state_machine_version_arn(), v2);
    let v3 = update(&h, &sm, &pass("c"), true)
        .await
        .expect("published on update");
    assert_eq!(v3, format!("{sm}:3"));
    assert_eq!(
        versions(&h, &sm).await,
        vec![v3.clone(), v2.clone(), v1.clone()]
    );

    // Paging, newest first.
    let page = (c.list_state_machine_versions())
        .state_machine_arn(&sm)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.state_machine_versions().len(), 2);
    let token = page.next_token().expect("a next page").to_owned();
    let rest = (c.list_state_machine_versions())
        .state_machine_arn(&sm)
        .next_token(token)
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = rest
        .state_machine_versions()
        .iter()
        .map(|v| v.state_machine_version_arn())
        .collect();
    assert_eq!(arns, vec![v1.as_str()]);
    assert_eq!(rest.next_token(), None);

    // A version keeps its definition; the machine moved on.
    let d = c
        .describe_state_machine()
        .state_machine_arn(&v1)
        .send()
        .await
        .unwrap();
    assert_eq!(d.state_machine_arn(), v1);
    assert_eq!(d.name(), "pv");
    assert_eq!(d.definition(), pass("a"));
    assert_eq!(d.revision_id(), Some("1"));
    assert_eq!(d.description(), Some("first"));
    let d = c
        .describe_state_machine()
        .state_machine_arn(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (d.definition(), d.description()),
        (pass("b").as_str(), Some("second"))
    );
    let latest = c
        .describe_state_machine()
        .state_machine_arn(&sm)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (latest.definition(), latest.revision_id()),
        (pass("c").as_str(), Some("3"))
    );

    c.delete_state_machine_version()
        .state_machine_version_arn(&v1)
        .send()
        .await
        .unwrap();
    assert_eq!(versions(&h, &sm).await, vec![v3.clone(), v2.clone()]);
    let gone = c
        .describe_state_machine()
        .state_machine_arn(&v1)
        .send()
        .await;
    assert_eq!(code(gone), "StateMachineDoesNotExist");
    // Deleting it again (or one never published) is fine.
    c.delete_state_machine_version()
        .state_machine_version_arn(&v1)
        .send()
        .await
        .unwrap();
    c.delete_state_machine_version()
        .state_machine_version_arn(format!("{sm}:77"))
        .send()
        .await
        .unwrap();
    // Numbers are never reused.
    update(&h, &sm, &pass("d"), false).await;
    let v4 = c
        .publish_state_machine_version()
        .state_machine_arn(&sm)
        .send()
        .await
        .unwrap();
    assert_eq!(v4.state_machine_version_arn(), format!("{sm}:4"));

    // Deleting the machine deletes its versions.
    c.delete_state_machine()
        .state_machine_arn(&sm)
        .send()
        .await
        .unwrap();
    let gone = c
        .describe_state_machine()
        .state_machine_arn(&v2)
        .send()
        .await;
    assert_eq!(code(gone), "StateMachineDoesNotExist");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_errors() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("errs", &pass("a")).await;
    let missing = sm.replace("errs", "nothing");
    let publish = |arn: &str| {
        c.publish_state_machine_version()
            .state_machine_arn(arn)
            .send()
    };
    assert_eq!(code(publish(&missing).await), "StateMachineDoesNotExist");
    assert_eq!(code(publish("arn:nope").await), "InvalidArn");
    assert_eq!(code(publish(&format!("{sm}:1")).await), "InvalidArn");
    let stale = c
        .publish_state_machine_version()
        .state_machine_arn(&sm)
        .revision_id("2")
        .send();
    assert_eq!(code(stale.await), "ConflictException");
    let junk = c
        .publish_state_machine_version()
        .state_machine_arn(&sm)
        .revision_id("x")
        .send();
    assert_eq!(code(junk.await), "ConflictException");
    let initial = (c.publish_state_machine_version())
        .state_machine_arn(&sm)
        .revision_id("INITIAL")
        .send()
        .await
        .unwrap();
    assert_eq!(initial.state_machine_version_arn(), format!("{sm}:1"));
    let long = c
        .publish_state_machine_version()
        .state_machine_arn(&sm)
        .description("d".repeat(257))
        .send();
    assert_eq!(code(long.await), "ValidationException");
    let unpublished = (c.update_state_machine())
        .state_machine_arn(&sm)
        .definition(pass("b"))
        .version_description("no publish")
        .send();
    assert_eq!(code(unpublished.await), "ValidationException");

    let list = |arn: &str| {
        c.list_state_machine_versions()
            .state_machine_arn(arn)
            .send()
    };
    assert_eq!(code(list(&missing).await), "StateMachineDoesNotExist");
    assert_eq!(code(list("arn:nope").await), "InvalidArn");
    let token = c
        .list_state_machine_versions()
        .state_machine_arn(&sm)
        .next_token("zz")
        .send();
    assert_eq!(code(token.await), "InvalidToken");
    let delete = |arn: &str| {
        c.delete_state_machine_version()
            .state_machine_version_arn(arn)
            .send()
    };
    assert_eq!(code(delete(&sm).await), "InvalidArn", "not a version ARN");
    assert_eq!(code(delete(&format!("{sm}:prod")).await), "InvalidArn");
    // Versions are not tagged (TagResource takes state machines).
    let tag = (c.tag_resource())
        .resource_arn(format!("{sm}:1"))
        .tags(
            aws_sdk_sfn::types::Tag::builder()
                .key("k")
                .value("v")
                .build(),
        )
        .send();
    assert_eq!(code(tag.await), "InvalidArn");
    let start = c
        .start_execution()
        .state_machine_arn(format!("{sm}:9"))
        .send();
    assert_eq!(code(start.await), "StateMachineDoesNotExist");

    // At most 1,000 versions.
    for n in 2..=1000 {
        update(&h, &sm, &pass(&n.to_string()), true)
            .await
            .expect("published");
    }
    assert_eq!(versions(&h, &sm).await.len(), 100, "the default page");
    update(&h, &sm, &pass("over"), false).await;
    assert_eq!(code(publish(&sm).await), "ServiceQuotaExceededException");
    let over = (c.update_state_machine())
        .state_machine_arn(&sm)
        .definition(pass("over again"))
        .publish(true)
        .send();
    assert_eq!(code(over.await), "ServiceQuotaExceededException");
    h.stop().await;
}

/// Executions started on a version run its definition; DescribeExecution, ListExecutions
/// and DescribeStateMachineForExecution say which version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_run_the_pinned_version() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("pinned", &pass("one")).await;
    let v1 = c
        .publish_state_machine_version()
        .state_machine_arn(&sm)
        .send()
        .await
        .unwrap();
    let v1 = v1.state_machine_version_arn().to_owned();
    let v2 = update(&h, &sm, &pass("two"), true).await.unwrap();
    update(&h, &sm, &pass("three"), false).await;

    let e1 = h.start_execution(&v1, "on-v1", "{}").await;
    let e2 = h.start_execution(&v2, "on-v2", "{}").await;
    let e3 = h.start_execution(&sm, "latest", "{}").await;
    for (exec, output, version) in [
        (&e1, "one", Some(&v1)),
        (&e2, "two", Some(&v2)),
        (&e3, "three", None),
    ] {
        let done = h.wait_done(exec).await;
        assert_eq!(json(done.output()), serde_json::json!(output), "{exec}");
        assert_eq!(
            done.state_machine_version_arn(),
            version.map(String::as_str)
        );
        assert_eq!(done.state_machine_alias_arn(), None);
        assert_eq!(
            done.state_machine_arn(),
            sm,
            "the machine's ARN, not the version's"
        );
    }
    let d = c
        .describe_state_machine_for_execution()
        .execution_arn(&e1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (d.definition(), d.revision_id()),
        (pass("one").as_str(), Some("1"))
    );
    assert_eq!(d.state_machine_arn(), sm);
    let d = c
        .describe_state_machine_for_execution()
        .execution_arn(&e3)
        .send()
        .await
        .unwrap();
    assert_eq!(d.definition(), pass("three"));

    let listed = |arn: String| async move {
        let out = c
            .list_executions()
            .state_machine_arn(arn)
            .send()
            .await
            .unwrap();
        (out.executions().iter())
            .map(|e| {
                (
                    e.name().to_owned(),
                    e.state_machine_version_arn().map(str::to_owned),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed(v1.clone()).await,
        vec![("on-v1".to_owned(), Some(v1.clone()))]
    );
    assert_eq!(
        listed(v2.clone()).await,
        vec![("on-v2".to_owned(), Some(v2.clone()))]
    );
    assert_eq!(listed(sm.clone()).await.len(), 3);
    let unknown = c
        .list_executions()
        .state_machine_arn(format!("{sm}:9"))
        .send();
    assert_eq!(code(unknown.await), "ResourceNotFound");

    // A deleted version starts nothing more; its executions are kept.
    c.delete_state_machine_version()
        .state_machine_version_arn(&v2)
        .send()
        .await
        .unwrap();
    let start = c.start_execution().state_machine_arn(&v2).send();
    assert_eq!(code(start.await), "StateMachineDoesNotExist");
    let kept = c
        .describe_execution()
        .execution_arn(&e2)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.state_machine_version_arn(), Some(v2.as_str()));
    h.stop().await;
}
