//! State machines and their revisions.

use super::*;

// ----- state machines -----

/// Create once, update revision by revision, read any revision, list, delete.
pub async fn state_machines<S: Store>(store: &S) {
    assert_eq!(store.get_state_machine("alpha").await.unwrap(), None);
    let r1 = machine("alpha", 1, r#"{"StartAt":"A"}"#);
    assert_eq!(
        store.create_state_machine(r1.clone()).await.unwrap(),
        Ok(r1.clone())
    );
    let taken = store
        .create_state_machine(machine("alpha", 1, "{}"))
        .await
        .unwrap();
    assert_eq!(taken, Err(r1.clone()));
    assert_eq!(
        store.get_state_machine("alpha").await.unwrap(),
        Some(r1.clone())
    );

    let r2 = machine("alpha", 2, r#"{"StartAt":"B"}"#);
    assert!(store.update_state_machine(r2.clone()).await.unwrap());
    assert!(
        !store
            .update_state_machine(machine("alpha", 2, "{}"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_state_machine(machine("alpha", 4, "{}"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_state_machine(machine("alpha", 0, "{}"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_state_machine(machine("nobody", 2, "{}"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.get_state_machine("alpha").await.unwrap(),
        Some(r2.clone())
    );
    assert_eq!(
        store.get_state_machine_revision("alpha", 1).await.unwrap(),
        None,
        "no execution uses it: dropped"
    );
    assert_eq!(
        store.get_state_machine_revision("alpha", 2).await.unwrap(),
        Some(r2.clone())
    );
    assert_eq!(
        store.get_state_machine_revision("alpha", 3).await.unwrap(),
        None
    );

    for name in ["gamma", "beta"] {
        assert_eq!(
            store
                .create_state_machine(machine(name, 1, "{}"))
                .await
                .unwrap(),
            Ok(machine(name, 1, "{}"))
        );
    }
    let list = |after: Option<&'static str>, limit| store.list_state_machines(after, limit);
    let names = |v: Vec<StateMachineRecord>| v.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        names(list(None, 10).await.unwrap()),
        ["alpha", "beta", "gamma"]
    );
    assert_eq!(list(None, 10).await.unwrap()[0], r2, "the latest revision");
    assert_eq!(names(list(None, 2).await.unwrap()), ["alpha", "beta"]);
    assert_eq!(names(list(Some("alpha"), 1).await.unwrap()), ["beta"]);
    assert_eq!(names(list(Some("beta"), 10).await.unwrap()), ["gamma"]);
    assert_eq!(names(list(Some("b"), 10).await.unwrap()), ["beta", "gamma"]);
    assert!(list(Some("gamma"), 10).await.unwrap().is_empty());
    assert!(list(None, 0).await.unwrap().is_empty());

    // An execution of beta's revision 1 keeps it after the machine is deleted.
    let user = start(store, "beta:user", 1_000, vec![]).await;
    assert_eq!(user.revision, 1);
    assert!(store.delete_state_machine("beta").await.unwrap());
    assert!(!store.delete_state_machine("beta").await.unwrap());
    assert_eq!(store.get_state_machine("beta").await.unwrap(), None);
    assert!(
        store
            .get_state_machine_revision("beta", 1)
            .await
            .unwrap()
            .is_some(),
        "kept while an execution uses it"
    );
    assert!(
        !store
            .update_state_machine(machine("beta", 2, "{}"))
            .await
            .unwrap()
    );
    assert_eq!(names(list(None, 10).await.unwrap()), ["alpha", "gamma"]);
    // Created again: a new identity, numbered after the deleted one's revisions, so the
    // running execution keeps its definition.
    let again = StateMachineRecord {
        revision: 2,
        ..machine("beta", 1, r#"{"new":true}"#)
    };
    let created = store
        .create_state_machine(machine("beta", 1, r#"{"new":true}"#))
        .await
        .unwrap();
    assert_eq!(created, Ok(again.clone()));
    assert_eq!(store.get_state_machine("beta").await.unwrap(), Some(again));
    assert_eq!(
        store.get_state_machine_revision("beta", 1).await.unwrap(),
        Some(machine("beta", 1, "{}")),
        "the old revision is untouched"
    );
    // Updating alpha dropped its revision 1 (no execution uses it); once the execution
    // of beta's revision 1 is deleted, that revision goes too.
    assert_eq!(
        store.get_state_machine_revision("alpha", 1).await.unwrap(),
        None
    );
    store
        .release_revisions(&[("beta".to_owned(), 1)])
        .await
        .unwrap();
    assert_eq!(
        store.get_state_machine_revision("beta", 1).await.unwrap(),
        None
    );
    assert!(
        store
            .get_state_machine_revision("beta", 2)
            .await
            .unwrap()
            .is_some()
    );
}

/// Two updates from the same revision, at once: exactly one wins.
pub async fn state_machine_update_race<S: Store>(store: &S) {
    store
        .create_state_machine(machine("race", 1, "{}"))
        .await
        .unwrap()
        .unwrap();
    for revision in 2..12 {
        let one = machine("race", revision, r#"{"by":"one"}"#);
        let two = machine("race", revision, r#"{"by":"two"}"#);
        let (s1, s2) = (store.clone(), store.clone());
        let (a, b) = tokio::join!(
            tokio::spawn(async move { s1.update_state_machine(one).await.unwrap() }),
            tokio::spawn(async move { s2.update_state_machine(two).await.unwrap() }),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(
            a ^ b,
            "revision {revision}: exactly one update wins ({a}, {b})"
        );
        let latest = store.get_state_machine("race").await.unwrap().unwrap();
        assert_eq!(latest.revision, revision);
        let winner = if a { "one" } else { "two" };
        assert_eq!(latest.definition, format!(r#"{{"by":"{winner}"}}"#));
        let stored = store
            .get_state_machine_revision("race", revision)
            .await
            .unwrap();
        assert_eq!(stored, Some(latest));
    }
}

/// Tags belong to the machine (not a revision): set all or nothing up to the limit,
/// removed by key, gone with the machine, none on a machine created again.
pub async fn state_machine_tags<S: Store>(store: &S) {
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(store.state_machine_tags("tagged").await.unwrap(), None);
    assert_eq!(
        store
            .tag_state_machine("tagged", &pairs(&[("a", "1")]))
            .await
            .unwrap(),
        TagOutcome::NoStateMachine
    );
    assert!(
        !store
            .untag_state_machine("tagged", &["a".into()])
            .await
            .unwrap()
    );
    store
        .create_state_machine(machine("tagged", 1, r#"{"StartAt":"A"}"#))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.state_machine_tags("tagged").await.unwrap(),
        Some(vec![])
    );
    assert_eq!(
        store
            .tag_state_machine("tagged", &pairs(&[("team", "payments"), ("env", "dev")]))
            .await
            .unwrap(),
        TagOutcome::Tagged
    );
    // A key set again takes the new value; a new revision keeps the tags.
    store
        .tag_state_machine("tagged", &pairs(&[("env", "prod")]))
        .await
        .unwrap();
    assert!(
        store
            .update_state_machine(machine("tagged", 2, r#"{"StartAt":"B"}"#))
            .await
            .unwrap()
    );
    assert_eq!(
        store.state_machine_tags("tagged").await.unwrap(),
        Some(pairs(&[("env", "prod"), ("team", "payments")]))
    );
    // Up to the limit, counting keys already there once; over it, nothing changes.
    let many: Vec<(String, String)> = (0..crate::store::MAX_TAGS - 2)
        .map(|i| (format!("k{i:02}"), "v".to_owned()))
        .collect();
    assert_eq!(
        store.tag_state_machine("tagged", &many).await.unwrap(),
        TagOutcome::Tagged
    );
    let one_more = pairs(&[("env", "again"), ("extra", "x")]);
    assert_eq!(
        store.tag_state_machine("tagged", &one_more).await.unwrap(),
        TagOutcome::TooMany
    );
    let tags = store.state_machine_tags("tagged").await.unwrap().unwrap();
    assert_eq!(tags.len(), crate::store::MAX_TAGS);
    assert!(
        tags.contains(&("env".to_owned(), "prod".to_owned())),
        "nothing changed"
    );
    assert!(
        store
            .untag_state_machine("tagged", &["env".into(), "absent".into()])
            .await
            .unwrap()
    );
    let tags = store.state_machine_tags("tagged").await.unwrap().unwrap();
    assert_eq!(tags.len(), crate::store::MAX_TAGS - 1);
    assert!(!tags.iter().any(|(k, _)| k == "env"));
    // Deleted with the machine: a machine created again under the name has none.
    assert!(store.delete_state_machine("tagged").await.unwrap());
    assert_eq!(store.state_machine_tags("tagged").await.unwrap(), None);
    store
        .create_state_machine(machine("tagged", 3, r#"{"StartAt":"C"}"#))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.state_machine_tags("tagged").await.unwrap(),
        Some(vec![])
    );
}
