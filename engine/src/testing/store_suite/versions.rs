//! Versions and aliases of state machines: publishing, the revisions they keep, aliases
//! routing to them, and deletion with the machine.

use super::*;
use crate::machine::Pinned;
use crate::store::{
    AliasOutcome, AliasRecord, AliasWrite, MAX_ALIASES, MAX_VERSIONS, PublishOutcome,
    PublishRequest, Route, VersionDeleted, VersionRecord,
};

fn publish(revision: Option<u32>, description: Option<&str>, at: i64) -> PublishRequest {
    PublishRequest {
        revision,
        description: description.map(str::to_owned),
        created_ms: at,
    }
}

fn version(version: u32, revision: u32, description: Option<&str>, at: i64) -> VersionRecord {
    VersionRecord {
        version,
        revision,
        description: description.map(str::to_owned),
        created_ms: at,
    }
}

fn alias(name: &str, routes: &[(u32, u32)], at: i64) -> AliasRecord {
    AliasRecord {
        name: name.to_owned(),
        description: Some(format!("{name} traffic")),
        routes: (routes.iter())
            .map(|&(version, weight)| Route { version, weight })
            .collect(),
        created_ms: at,
        updated_ms: at,
    }
}

async fn revise<S: Store>(store: &S, name: &str, revision: u32) {
    let record = machine(name, revision, &format!(r#"{{"StartAt":"R{revision}"}}"#));
    assert!(
        store.update_state_machine(record).await.unwrap(),
        "{name} r{revision}"
    );
}

async fn has_revision<S: Store>(store: &S, name: &str, revision: u32) -> bool {
    (store
        .get_state_machine_revision(name, revision)
        .await
        .unwrap())
    .is_some()
}

/// Publish (idempotent per revision, checked against the latest), list newest first, keep
/// the pinned revision past updates, delete, never reuse a number: not after deleting a
/// version, nor after deleting the machine.
pub async fn versions_publish_list_delete<S: Store>(store: &S) {
    assert_eq!(
        store
            .publish_version("alpha", publish(None, None, 5))
            .await
            .unwrap(),
        PublishOutcome::NoStateMachine
    );
    assert_eq!(store.list_versions("alpha").await.unwrap(), None);
    store
        .create_state_machine(machine("alpha", 1, "{}"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.list_versions("alpha").await.unwrap(), Some(vec![]));
    let v1 = version(1, 1, Some("first \"one\""), 10);
    assert_eq!(
        (store.publish_version("alpha", publish(None, Some("first \"one\""), 10)))
            .await
            .unwrap(),
        PublishOutcome::Published(v1.clone())
    );
    assert_eq!(
        (store.publish_version("alpha", publish(Some(1), Some("again"), 11)))
            .await
            .unwrap(),
        PublishOutcome::Existing(v1.clone()),
        "the revision has a version already"
    );
    assert_eq!(
        (store.publish_version("alpha", publish(Some(2), None, 12)))
            .await
            .unwrap(),
        PublishOutcome::RevisionMismatch { latest: 1 }
    );
    revise(store, "alpha", 2).await;
    assert!(
        has_revision(store, "alpha", 1).await,
        "version 1 keeps revision 1"
    );
    let v2 = version(2, 2, None, 20);
    assert_eq!(
        (store.publish_version("alpha", publish(Some(2), None, 20)))
            .await
            .unwrap(),
        PublishOutcome::Published(v2.clone())
    );
    assert_eq!(
        store.list_versions("alpha").await.unwrap(),
        Some(vec![v2.clone(), v1.clone()])
    );
    assert_eq!(store.get_version("alpha", 1).await.unwrap(), Some(v1));
    assert_eq!(store.get_version("alpha", 3).await.unwrap(), None);

    assert_eq!(
        store.delete_version("alpha", 1).await.unwrap(),
        VersionDeleted::Deleted
    );
    assert!(
        !has_revision(store, "alpha", 1).await,
        "nothing uses revision 1 now"
    );
    assert_eq!(
        store.delete_version("alpha", 1).await.unwrap(),
        VersionDeleted::Absent
    );
    assert_eq!(
        store.delete_version("nobody", 1).await.unwrap(),
        VersionDeleted::Absent
    );
    // The latest revision stays when its version goes.
    revise(store, "alpha", 3).await;
    assert!(has_revision(store, "alpha", 2).await);
    let v3 = version(3, 3, None, 30);
    assert_eq!(
        store
            .publish_version("alpha", publish(None, None, 30))
            .await
            .unwrap(),
        PublishOutcome::Published(v3.clone()),
        "numbers are not reused"
    );
    assert_eq!(
        store.delete_version("alpha", 3).await.unwrap(),
        VersionDeleted::Deleted
    );
    assert!(
        has_revision(store, "alpha", 3).await,
        "the latest revision stays"
    );
    assert_eq!(store.list_versions("alpha").await.unwrap(), Some(vec![v2]));

    // Deleting the machine deletes its versions and the revisions only they used.
    assert!(store.delete_state_machine("alpha").await.unwrap());
    assert_eq!(store.list_versions("alpha").await.unwrap(), None);
    assert_eq!(store.get_version("alpha", 2).await.unwrap(), None);
    assert!(!has_revision(store, "alpha", 2).await);
    assert!(!has_revision(store, "alpha", 3).await);
    let again = store
        .create_state_machine(machine("alpha", 1, "{}"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .publish_version("alpha", publish(None, None, 40))
            .await
            .unwrap(),
        PublishOutcome::Published(version(4, again.revision, None, 40)),
        "a machine created again goes on after the last number"
    );
}

/// An execution and a version both keep a revision; it goes when the last of them does.
pub async fn versions_and_executions_share_revisions<S: Store>(store: &S) {
    let mut record = start(store, "gamma:run", 1_000, vec![]).await;
    assert_eq!(record.revision, 1);
    store
        .publish_version("gamma", publish(None, None, 5))
        .await
        .unwrap();
    revise(store, "gamma", 2).await;
    store
        .release_revisions(&[("gamma".into(), 1)])
        .await
        .unwrap();
    assert!(
        has_revision(store, "gamma", 1).await,
        "version 1 still pins it"
    );
    assert_eq!(
        store.delete_version("gamma", 1).await.unwrap(),
        VersionDeleted::Deleted
    );
    assert!(!has_revision(store, "gamma", 1).await);

    // The other way round, with an execution started through the version.
    assert!(matches!(
        store
            .publish_version("gamma", publish(None, None, 6))
            .await
            .unwrap(),
        PublishOutcome::Published(VersionRecord {
            version: 2,
            revision: 2,
            ..
        })
    ));
    record.id = "gamma:pinned".into();
    record.name = "pinned".into();
    record.revision = 2;
    record.pinned = Some(Pinned {
        version: 2,
        alias: Some("prod".into()),
    });
    let started =
        (store.start_execution(record.clone(), vec![event(1, "ExecutionStarted")], vec![]))
            .await
            .unwrap();
    assert_eq!(started, Started::Created);
    let loaded = store.load_execution("gamma:pinned").await.unwrap().unwrap();
    assert_eq!(loaded.pinned, record.pinned, "the pin is part of the head");
    let page = store
        .list_executions("gamma", None, None, 10)
        .await
        .unwrap();
    let listed = (page.executions.iter()).find(|e| e.id == "gamma:pinned");
    assert_eq!(listed.and_then(|e| e.pinned.clone()), record.pinned);
    revise(store, "gamma", 3).await;
    assert_eq!(
        store.delete_version("gamma", 2).await.unwrap(),
        VersionDeleted::Deleted
    );
    assert!(
        has_revision(store, "gamma", 2).await,
        "the execution still uses it"
    );
    store
        .release_revisions(&[("gamma".into(), 2)])
        .await
        .unwrap();
    assert!(!has_revision(store, "gamma", 2).await);
}

/// At most [`MAX_VERSIONS`] versions and [`MAX_ALIASES`] aliases per machine.
pub async fn versions_and_aliases_are_bounded<S: Store>(store: &S) {
    store
        .create_state_machine(machine("many", 1, "{}"))
        .await
        .unwrap()
        .unwrap();
    for revision in 1..=MAX_VERSIONS as u32 {
        if revision > 1 {
            revise(store, "many", revision).await;
        }
        let outcome = store
            .publish_version("many", publish(None, None, 1))
            .await
            .unwrap();
        assert!(
            matches!(outcome, PublishOutcome::Published(_)),
            "{outcome:?}"
        );
    }
    revise(store, "many", MAX_VERSIONS as u32 + 1).await;
    assert_eq!(
        store
            .publish_version("many", publish(None, None, 1))
            .await
            .unwrap(),
        PublishOutcome::TooMany
    );
    for i in 0..MAX_ALIASES {
        let outcome = (store.put_alias(
            "many",
            alias(&format!("a{i}"), &[(1, 100)], 1),
            AliasWrite::Create,
        ))
        .await
        .unwrap();
        assert_eq!(outcome, AliasOutcome::Stored);
    }
    assert_eq!(
        (store.put_alias(
            "many",
            alias("one-more", &[(1, 100)], 1),
            AliasWrite::Create
        ))
        .await
        .unwrap(),
        AliasOutcome::TooMany
    );
    assert_eq!(
        store.list_aliases("many").await.unwrap().unwrap().len(),
        MAX_ALIASES
    );
    assert!(store.delete_state_machine("many").await.unwrap());
    assert_eq!(store.list_aliases("many").await.unwrap(), None);
    assert!(!has_revision(store, "many", 1).await);
    assert!(!has_revision(store, "many", 500).await);
}

/// Aliases route to versions that exist; a routed version cannot be deleted; aliases go
/// with their machine.
pub async fn aliases_route_to_versions<S: Store>(store: &S) {
    let prod = alias("prod", &[(1, 90), (2, 10)], 100);
    assert_eq!(
        (store.put_alias("beta", prod.clone(), AliasWrite::Create))
            .await
            .unwrap(),
        AliasOutcome::NoStateMachine
    );
    assert_eq!(store.list_aliases("beta").await.unwrap(), None);
    store
        .create_state_machine(machine("beta", 1, "{}"))
        .await
        .unwrap()
        .unwrap();
    store
        .publish_version("beta", publish(None, None, 1))
        .await
        .unwrap();
    revise(store, "beta", 2).await;
    store
        .publish_version("beta", publish(None, None, 2))
        .await
        .unwrap();

    assert_eq!(
        (store.put_alias("beta", prod.clone(), AliasWrite::Create))
            .await
            .unwrap(),
        AliasOutcome::Stored
    );
    assert_eq!(
        store.get_alias("beta", "prod").await.unwrap(),
        Some(prod.clone())
    );
    assert_eq!(
        (store.put_alias("beta", alias("prod", &[(2, 100)], 101), AliasWrite::Create))
            .await
            .unwrap(),
        AliasOutcome::Taken(prod.clone()),
        "the name is taken; nothing changed"
    );
    assert_eq!(
        (store.put_alias(
            "beta",
            alias("x", &[(2, 50), (9, 50)], 102),
            AliasWrite::Create
        ))
        .await
        .unwrap(),
        AliasOutcome::NoVersion(9)
    );
    assert_eq!(
        (store.put_alias("beta", alias("nope", &[(2, 100)], 103), AliasWrite::Update))
            .await
            .unwrap(),
        AliasOutcome::NoAlias
    );
    assert_eq!(store.get_alias("beta", "x").await.unwrap(), None);
    assert_eq!(store.get_alias("beta", "nope").await.unwrap(), None);

    assert_eq!(
        store.delete_version("beta", 1).await.unwrap(),
        VersionDeleted::Aliased("prod".into())
    );
    assert!(store.get_version("beta", 1).await.unwrap().is_some());
    let moved = AliasRecord {
        updated_ms: 200,
        ..alias("prod", &[(2, 100)], 100)
    };
    assert_eq!(
        (store.put_alias("beta", moved.clone(), AliasWrite::Update))
            .await
            .unwrap(),
        AliasOutcome::Stored
    );
    assert_eq!(
        store.get_alias("beta", "prod").await.unwrap(),
        Some(moved.clone())
    );
    assert_eq!(
        store.delete_version("beta", 1).await.unwrap(),
        VersionDeleted::Deleted
    );

    let canary = alias("canary", &[(2, 100)], 300);
    store
        .put_alias("beta", canary.clone(), AliasWrite::Create)
        .await
        .unwrap();
    assert_eq!(
        store.list_aliases("beta").await.unwrap(),
        Some(vec![canary, moved]),
        "newest first"
    );
    assert!(store.delete_alias("beta", "canary").await.unwrap());
    assert!(!store.delete_alias("beta", "canary").await.unwrap());
    assert!(!store.delete_alias("nobody", "canary").await.unwrap());

    assert!(store.delete_state_machine("beta").await.unwrap());
    assert_eq!(store.get_alias("beta", "prod").await.unwrap(), None);
    assert_eq!(store.list_aliases("beta").await.unwrap(), None);
    assert!(
        !has_revision(store, "beta", 2).await,
        "version 2 went with its machine"
    );
    store
        .create_state_machine(machine("beta", 1, "{}"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.list_aliases("beta").await.unwrap(), Some(vec![]));
    assert_eq!(store.list_versions("beta").await.unwrap(), Some(vec![]));
}
