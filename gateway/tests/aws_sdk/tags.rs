//! Tags of state machines through the AWS SDK: TagResource, UntagResource,
//! ListTagsForResource and CreateStateMachine's tags, with AWS's errors.

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::Tag;

use crate::common::{Harness, PASS, ROLE};

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

async fn listed(h: &Harness, arn: &str) -> Vec<(String, String)> {
    h.client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or("").to_owned(),
                t.value().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_untag_list_and_create_with_tags() {
    let h = Harness::start().await;
    let c = &h.client;
    let arn = c
        .create_state_machine()
        .name("tagged")
        .definition(PASS)
        .role_arn(ROLE)
        .tags(tag("team", "payments"))
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_owned();
    assert_eq!(listed(&h, &arn).await, pairs(&[("team", "payments")]));

    c.tag_resource()
        .resource_arn(&arn)
        .tags(tag("env", "dev"))
        .tags(tag("team", "billing"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed(&h, &arn).await,
        pairs(&[("env", "dev"), ("team", "billing")])
    );
    // An update (a new revision) keeps them.
    c.update_state_machine()
        .state_machine_arn(&arn)
        .role_arn(format!("{ROLE}-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed(&h, &arn).await.len(), 2);
    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("env")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    assert_eq!(listed(&h, &arn).await, pairs(&[("team", "billing")]));

    // 50 at most: one more is TooManyTags, and nothing changes.
    let mut many = c.tag_resource().resource_arn(&arn);
    for i in 0..49 {
        many = many.tags(tag(&format!("k{i:02}"), "v"));
    }
    many.send().await.unwrap();
    let refused = c
        .tag_resource()
        .resource_arn(&arn)
        .tags(tag("one-more", "x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("TooManyTags"), "{refused:?}");
    assert_eq!(listed(&h, &arn).await.len(), 50);

    // Reserved and over-long keys are refused.
    for key in ["aws:owner".to_owned(), "k".repeat(129)] {
        let refused = c
            .tag_resource()
            .resource_arn(&arn)
            .tags(tag(&key, "x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refused.code(),
            Some("ValidationException"),
            "{key}: {refused:?}"
        );
    }

    // Gone with the machine.
    c.delete_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    let missing = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFound"), "{missing:?}");
    let missing = c
        .tag_resource()
        .resource_arn(&arn)
        .tags(tag("a", "b"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFound"));
    let missing = c
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFound"));
    let bad = c
        .list_tags_for_resource()
        .resource_arn("arn:aws:states:us-east-1:123456789012:nothing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Some("InvalidArn"), "{bad:?}");
    h.stop().await;
}
