//! Aliases through the AWS SDK: create, describe, update, list, delete, with AWS's
//! errors; starts through an alias, and a 90/10 split measured over 1,000 starts.

use aws_sdk_sfn::types::{ExecutionStatus, RoutingConfigurationListItem};

use crate::common::{Harness, json};
use crate::versions::{code, pass};

fn route(version: &str, weight: i32) -> RoutingConfigurationListItem {
    RoutingConfigurationListItem::builder()
        .state_machine_version_arn(version)
        .weight(weight)
        .build()
        .unwrap()
}

/// A machine with versions 1 and 2 (Pass states giving "one" and "two"); its ARN.
async fn two_versions(h: &Harness, name: &str) -> String {
    let c = &h.client;
    let sm = h.machine(name, &pass("one")).await;
    c.publish_state_machine_version()
        .state_machine_arn(&sm)
        .send()
        .await
        .unwrap();
    (c.update_state_machine())
        .state_machine_arn(&sm)
        .definition(pass("two"))
        .publish(true)
        .send()
        .await
        .unwrap();
    sm
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_crud_and_errors() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = two_versions(&h, "aliased").await;
    let (v1, v2) = (format!("{sm}:1"), format!("{sm}:2"));
    let create = |name: &str, routes: Vec<RoutingConfigurationListItem>| {
        c.create_state_machine_alias()
            .name(name)
            .description("live")
            .set_routing_configuration(Some(routes))
            .send()
    };
    let prod = create("prod", vec![route(&v1, 90), route(&v2, 10)])
        .await
        .unwrap();
    let prod_arn = format!("{sm}:prod");
    assert_eq!(prod.state_machine_alias_arn(), prod_arn);
    // The same again: the same alias; another configuration: a conflict.
    let again = create("prod", vec![route(&v1, 90), route(&v2, 10)])
        .await
        .unwrap();
    assert_eq!(again.creation_date(), prod.creation_date());
    assert_eq!(
        code(create("prod", vec![route(&v1, 100)]).await),
        "ConflictException"
    );

    for (name, routes, want) in [
        ("123", vec![route(&v1, 100)], "ValidationException"),
        ("a b", vec![route(&v1, 100)], "ValidationException"),
        (
            "w",
            vec![route(&v1, 50), route(&v2, 40)],
            "ValidationException",
        ),
        (
            "w",
            vec![route(&v1, 50), route(&v1, 50)],
            "ValidationException",
        ),
        (
            "w",
            vec![route(&v1, 20), route(&v2, 40), route(&v2, 40)],
            "ValidationException",
        ),
        ("w", vec![], "ValidationException"),
        ("w", vec![route(&v1, 101)], "ValidationException"),
        ("w", vec![route(&sm, 100)], "InvalidArn"),
        (
            "w",
            vec![route(&format!("{sm}:9"), 100)],
            "ResourceNotFound",
        ),
        (
            "w",
            vec![route(&v1, 50), route(&v1.replace("aliased", "other"), 50)],
            "ValidationException",
        ),
    ] {
        assert_eq!(
            code(create(name, routes.clone()).await),
            want,
            "{name} {routes:?}"
        );
    }

    let d = c
        .describe_state_machine_alias()
        .state_machine_alias_arn(&prod_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.name(), Some("prod"));
    assert_eq!(d.description(), Some("live"));
    let routes: Vec<(&str, i32)> = (d.routing_configuration().iter())
        .map(|r| (r.state_machine_version_arn(), r.weight()))
        .collect();
    assert_eq!(routes, vec![(v1.as_str(), 90), (v2.as_str(), 10)]);

    // Update the description alone, then the routes alone.
    (c.update_state_machine_alias())
        .state_machine_alias_arn(&prod_arn)
        .description("all on two")
        .send()
        .await
        .unwrap();
    (c.update_state_machine_alias())
        .state_machine_alias_arn(&prod_arn)
        .routing_configuration(route(&v2, 100))
        .send()
        .await
        .unwrap();
    let d = c
        .describe_state_machine_alias()
        .state_machine_alias_arn(&prod_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.description(), Some("all on two"));
    assert_eq!(d.routing_configuration().len(), 1);
    assert!(d.update_date() >= d.creation_date());
    let nothing = c
        .update_state_machine_alias()
        .state_machine_alias_arn(&prod_arn)
        .send();
    assert_eq!(code(nothing.await), "ValidationException");
    let absent = (c.update_state_machine_alias())
        .state_machine_alias_arn(format!("{sm}:nope"))
        .description("x")
        .send();
    assert_eq!(code(absent.await), "ResourceNotFound");
    let absent = c
        .describe_state_machine_alias()
        .state_machine_alias_arn(format!("{sm}:nope"))
        .send();
    assert_eq!(code(absent.await), "ResourceNotFound");
    let not_alias = c
        .describe_state_machine_alias()
        .state_machine_alias_arn(&v1)
        .send();
    assert_eq!(code(not_alias.await), "InvalidArn");

    // List: newest first; by version, those routing to it; paging.
    create("canary", vec![route(&v1, 100)]).await.unwrap();
    let list = |arn: &str| c.list_state_machine_aliases().state_machine_arn(arn).send();
    let names =
        |out: aws_sdk_sfn::operation::list_state_machine_aliases::ListStateMachineAliasesOutput| {
            (out.state_machine_aliases().iter())
                .map(|a| {
                    a.state_machine_alias_arn()
                        .rsplit(':')
                        .next()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect::<Vec<_>>()
        };
    assert_eq!(names(list(&sm).await.unwrap()), vec!["canary", "prod"]);
    assert_eq!(names(list(&v1).await.unwrap()), vec!["canary"]);
    assert_eq!(names(list(&v2).await.unwrap()), vec!["prod"]);
    assert_eq!(code(list(&format!("{sm}:9")).await), "ResourceNotFound");
    assert_eq!(
        code(list(&sm.replace("aliased", "nothing")).await),
        "StateMachineDoesNotExist"
    );
    let first = c
        .list_state_machine_aliases()
        .state_machine_arn(&sm)
        .max_results(1)
        .send()
        .await
        .unwrap();
    let token = first.next_token().expect("more").to_owned();
    assert_eq!(names(first), vec!["canary"]);
    let second = (c.list_state_machine_aliases())
        .state_machine_arn(&sm)
        .max_results(1)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.next_token(), None);
    assert_eq!(names(second), vec!["prod"]);

    // A version an alias routes to cannot be deleted.
    let delete_v = |arn: &str| {
        c.delete_state_machine_version()
            .state_machine_version_arn(arn)
            .send()
    };
    assert_eq!(code(delete_v(&v2).await), "ConflictException");
    let delete_a = |arn: &str| {
        c.delete_state_machine_alias()
            .state_machine_alias_arn(arn)
            .send()
    };
    delete_a(&prod_arn).await.unwrap();
    assert_eq!(code(delete_a(&prod_arn).await), "ResourceNotFound");
    delete_v(&v2).await.unwrap();

    // At most 100 aliases.
    for i in 1..100 {
        create(&format!("a{i}"), vec![route(&v1, 100)])
            .await
            .unwrap();
    }
    assert_eq!(
        code(create("one-more", vec![route(&v1, 100)]).await),
        "ServiceQuotaExceededException"
    );

    // Deleting the machine deletes its aliases.
    c.delete_state_machine()
        .state_machine_arn(&sm)
        .send()
        .await
        .unwrap();
    let gone = c
        .describe_state_machine_alias()
        .state_machine_alias_arn(format!("{sm}:canary"))
        .send();
    assert_eq!(code(gone.await), "ResourceNotFound");
    h.stop().await;
}

/// A start through an alias runs the version it picks and records both ARNs; an alias
/// split 90/10 sends about 90% of 1,000 starts to the first version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alias_starts_and_a_measured_split() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = two_versions(&h, "split").await;
    let (v1, v2) = (format!("{sm}:1"), format!("{sm}:2"));
    let make = |name: &str, routes: Vec<RoutingConfigurationListItem>| {
        c.create_state_machine_alias()
            .name(name)
            .set_routing_configuration(Some(routes))
            .send()
    };
    let only_two = make("only-two", vec![route(&v1, 0), route(&v2, 100)])
        .await
        .unwrap();
    let only_two = only_two.state_machine_alias_arn().to_owned();
    let exec = h.start_execution(&only_two, "through-alias", "{}").await;
    let done = h.wait_done(&exec).await;
    assert_eq!(json(done.output()), serde_json::json!("two"));
    assert_eq!(done.state_machine_version_arn(), Some(v2.as_str()));
    assert_eq!(done.state_machine_alias_arn(), Some(only_two.as_str()));
    let d = c
        .describe_state_machine_for_execution()
        .execution_arn(&exec)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (d.definition(), d.revision_id()),
        (pass("two").as_str(), Some("2"))
    );
    let missing = c
        .start_execution()
        .state_machine_arn(format!("{sm}:nope"))
        .send();
    assert_eq!(code(missing.await), "StateMachineDoesNotExist");

    let split = make("split", vec![route(&v1, 90), route(&v2, 10)])
        .await
        .unwrap();
    let split = split.state_machine_alias_arn().to_owned();
    const STARTS: usize = 1000;
    for i in 0..STARTS {
        h.start_execution(&split, &format!("s{i}"), "{}").await;
    }
    // The counts below are of finished executions (a listing while executions finish is
    // covered by the engine's listing tests).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let running = (c.list_executions())
            .state_machine_arn(&split)
            .status_filter(ExecutionStatus::Running)
            .send()
            .await
            .unwrap();
        if running.executions().is_empty() && running.next_token().is_none() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "executions still running after 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Every page (a listing through a version or alias may end with an empty page).
    let count = |arn: String| async move {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let out = (c.list_executions())
                .state_machine_arn(&arn)
                .max_results(1000)
                .set_next_token(token)
                .send()
                .await
                .unwrap();
            all.extend(out.executions().iter().cloned());
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                return all;
            }
        }
    };
    let through_split = count(split.clone()).await;
    assert_eq!(through_split.len(), STARTS);
    let on_one = count(v1.clone()).await;
    let on_two = count(v2.clone()).await;
    assert!(
        on_one
            .iter()
            .all(|e| e.state_machine_alias_arn() == Some(split.as_str()))
    );
    let ones = on_one.len();
    let twos = on_two
        .iter()
        .filter(|e| e.state_machine_alias_arn() == Some(split.as_str()))
        .count();
    assert_eq!(ones + twos, STARTS);
    // Binomial(1000, 0.9): mean 900, sigma 9.49; 4 sigma is 38.
    let sigma = (STARTS as f64 * 0.9 * 0.1).sqrt();
    println!(
        "alias split over {STARTS} starts: version 1: {ones}, version 2: {twos} \
         (expected 900 ± {:.0} at 4σ)",
        4.0 * sigma
    );
    assert!(
        (ones as f64 - 900.0).abs() <= 4.0 * sigma,
        "{ones} of {STARTS} on version 1"
    );
    // And they ran what their version says.
    for e in through_split.iter().take(50) {
        let done = h.wait_done(e.execution_arn()).await;
        let want = if done.state_machine_version_arn() == Some(v1.as_str()) {
            "one"
        } else {
            "two"
        };
        assert_eq!(json(done.output()), serde_json::json!(want));
    }
    h.stop().await;
}
