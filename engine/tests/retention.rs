//! Retention, on both stores: a finished execution is deleted once its retention period
//! is over — record, history, tokens, every index entry (on Redis: no key of it is left) —
//! and the revision only it used goes with it; a running execution is untouched.

mod common;

use std::time::{Duration, Instant};

use serde_json::json;

use baton_engine::machine::{Settings, Status};
use baton_engine::store::{Store, partition_of};
use baton_engine::testing::resp::Reply;
use common::*;

on_both_stores!(finished_executions_are_deleted_after_their_retention);

/// Keys of the test's Redis whose name contains `pattern`, and index entries naming it.
fn redis_traces<S: Store>(rig: &Rig<S>, id: &str) -> Vec<String> {
    let Some(server) = rig.server() else {
        return Vec::new();
    };
    let mut traces = Vec::new();
    if let Ok(Reply::Array(Some(keys))) = server.command(&["KEYS", &format!("*{id}*")]) {
        traces.extend(keys.iter().filter_map(|k| k.text().ok()));
    }
    if let Ok(Reply::Array(Some(keys))) = server.command(&["KEYS", "*:l:*"]) {
        for key in keys.iter().filter_map(|k| k.text().ok()) {
            if let Ok(Reply::Bulk(Some(_))) = server.command(&["ZSCORE", &key, id]) {
                traces.push(format!("{key} ∋ {id}"));
            }
        }
    }
    traces
}

async fn finished_executions_are_deleted_after_their_retention<S: Store>(fixture: Fixture<S>) {
    let settings = Settings {
        retention_ms: 1_500,
        ..Settings::default()
    };
    let rig = fixture.engine_with(settings);
    let done = rig
        .start(
            "done",
            &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}),
            json!({"n": 1}),
        )
        .await;
    let waiting = rig
        .start(
            "waiting",
            &json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Callback",
                "HeartbeatSeconds": 600, "End": true}}}),
            json!({"n": 2}),
        )
        .await;
    let revised = rig
        .start(
            "revised",
            &json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}),
            json!({"n": 3}),
        )
        .await;
    // The machine moves on while its execution runs: revision 1 stays while it is used.
    let mut r2 = rig
        .store
        .get_state_machine("revised")
        .await
        .unwrap()
        .unwrap();
    r2.revision = 2;
    assert!(rig.store.update_state_machine(r2).await.unwrap());
    assert!(
        rig.store
            .get_state_machine_revision("revised", 1)
            .await
            .unwrap()
            .is_some()
    );

    assert_eq!(rig.wait_final(&done).await.status, Status::Succeeded);
    assert_eq!(rig.wait_final(&revised).await.status, Status::Succeeded);
    rig.wait_parked(&waiting, "TaskStarted", 1).await;
    assert!(!redis_traces(&rig, &done).is_empty() || rig.server().is_none());

    let deadline = Instant::now() + Duration::from_secs(20);
    while rig.store.load_execution(&done).await.unwrap().is_some()
        || rig.store.load_execution(&revised).await.unwrap().is_some()
        || rig
            .store
            .get_state_machine_revision("revised", 1)
            .await
            .unwrap()
            .is_some()
        || !redis_traces(&rig, &done).is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "not deleted: {:?}",
            redis_traces(&rig, &done)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for id in [&done, &revised] {
        assert!(rig.history(id).await.is_empty(), "{id}: history deleted");
        let sm = id.split_once(':').unwrap().0;
        let listed = rig.store.list_executions(sm, None, None, 10).await.unwrap();
        assert!(listed.executions.is_empty(), "{id}: not listed");
        assert_eq!(
            redis_traces(&rig, id),
            Vec::<String>::new(),
            "{id}: no key left"
        );
    }
    assert!(
        rig.store
            .get_state_machine_revision("revised", 2)
            .await
            .unwrap()
            .is_some()
    );
    let p = partition_of(&done, rig.store.partitions());
    let stats = rig.store.partition_stats(p).await.unwrap();
    assert_eq!(stats.executions.get("SUCCEEDED").copied().unwrap_or(0), 0);

    // The running execution is untouched, and still answers its callback.
    let exec = rig.load(&waiting).await;
    assert_eq!(exec.status, Status::Running);
    let listed = rig
        .store
        .list_executions("waiting", Some(Status::Running), None, 10)
        .await;
    assert_eq!(listed.unwrap().executions.len(), 1);
    let token = rig.open_token(&waiting, "Ask").await;
    rig.succeed(&token, json!({"ok": true}))
        .await
        .expect("accepted");
    assert_eq!(rig.wait_final(&waiting).await.status, Status::Succeeded);
}
