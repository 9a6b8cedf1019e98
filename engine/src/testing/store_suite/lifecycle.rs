//! Records written change by change, callbacks that must be applied first, retention, and
//! the partition's counters.

use serde_json::{Value, json};

use super::*;
use crate::machine::{Children, Frame, Parent, Results, Step};

/// A Map-like frame 0 running `n` children (frames 1..=n).
fn with_children(mut record: Execution, n: u32) -> Execution {
    let items: Vec<Value> = (0..n).map(|i| json!({"item": i})).collect();
    let children = Children {
        id: 100,
        size: n,
        results: Results::new(n as usize),
        items: items.clone(),
        selector_input: Some(json!({"all": items})),
        next: n,
        running: (1..=n).collect(),
        max_concurrency: 0,
        failed: 0,
        tolerated_count: None,
        tolerated_percentage: None,
        distributed: false,
    };
    if let Some(frame) = record.frames.get_mut(&0) {
        frame.input = json!({"the": "map input"});
        frame.step = Step::Children(Box::new(children));
    }
    for i in 1..=n {
        let child = Frame {
            parent: Some(Parent {
                frame: 0,
                index: i - 1,
            }),
            state: "Child".into(),
            input: json!({"item": i - 1}),
            entered: 0,
            entered_ms: 1_000,
            last_event: 1,
            step: Step::Enter,
            quiet: false,
            retries: Vec::new(),
            variables: serde_json::Map::new(),
        };
        record.frames.insert(i, child);
    }
    record.next_frame = 101;
    record
}

/// Commits the changes noted in `record` (the next version) and checks the store reads it
/// back as it is in memory.
async fn commit_changes<S: Store>(store: &S, lease: &Lease, record: &mut Execution) {
    record.seq += 1;
    let request = CommitRequest {
        record: RecordWrite::changes(record),
        history: Vec::new(),
        timers_set: Vec::new(),
        timers_cleared: Vec::new(),
        tokens_opened: Vec::new(),
        tokens_closed: Vec::new(),
        acks: Vec::new(),
        active: true,
        active_unchanged: false,
    };
    assert_eq!(outcomes(&store.commit(lease, vec![request]).await), ["ok"]);
    let stored = store.load_execution(&record.id).await.unwrap();
    assert_eq!(stored.as_ref(), Some(&*record), "seq {}", record.seq);
}

/// A commit writes only what changed — frames touched, results set, Children dropped — and
/// the record reads back whole after each.
pub async fn record_parts_follow_changes<S: Store>(store: &S) {
    let id = "parts:one";
    let record = start(store, id, 1_000, vec![]).await;
    let lease = store
        .acquire(partition(store, id), "w", LONG)
        .await
        .unwrap()
        .unwrap();
    let mut record = with_children(record, 3);
    commit_changes(store, &lease, &mut record).await;

    // Child 2 ends: its frame goes, its result is set.
    record.frames.remove(&2);
    if let Some(Step::Children(c)) = record.frames.get_mut(&0).map(|f| &mut f.step) {
        c.running.retain(|f| *f != 2);
        c.results.set(1, json!({"done": 1}));
    }
    commit_changes(store, &lease, &mut record).await;

    // A change elsewhere (a child moves on) writes neither the Map's bulk nor its input.
    if let Some(frame) = record.frames.get_mut(&1) {
        frame.state = "Next".into();
    }
    commit_changes(store, &lease, &mut record).await;

    // The Map ends: every part of its Children goes.
    for f in [1, 3] {
        record.frames.remove(&f);
    }
    if let Some(frame) = record.frames.get_mut(&0) {
        frame.step = Step::Enter;
        frame.state = "After".into();
        frame.input = json!([1, 2, 3]);
    }
    commit_changes(store, &lease, &mut record).await;
    assert_eq!(record.frames.len(), 1);
}

/// A callback accepted but not applied yet holds its token: only the transition that
/// applies it may close it; any other close (a timeout, a stop) is refused, whole.
pub async fn callback_waiting_blocks_other_closes<S: Store>(store: &S) {
    let id = "guard:one";
    let record = start(store, id, 1_000, vec![]).await;
    let lease = store
        .acquire(partition(store, id), "w", LONG)
        .await
        .unwrap()
        .unwrap();
    let mut request = next(&record);
    request.tokens_opened = vec![open("Task/1", None), open("Other/1", None)];
    let record = commit(store, &lease, request).await;
    assert_eq!(
        store
            .deliver_callback(id, "Task/1", finish("Task", 1), 2_000)
            .await,
        Ok(())
    );
    for how in [TokenClosed::TimedOut, TokenClosed::Gone, TokenClosed::Done] {
        let mut request = with_events(next(&record), 1);
        request.tokens_closed = vec![("Task/1".into(), how)];
        let results = store.commit(&lease, vec![request]).await;
        assert_eq!(outcomes(&results), ["callback pending"], "{how:?}");
    }
    // A final commit that would drop it is refused too.
    let mut request = with_events(next(&record), 1);
    request.record.head.status = Status::Aborted;
    request.tokens_closed = vec![("Task/1".into(), TokenClosed::Gone)];
    let results = store.commit(&lease, vec![request]).await;
    assert_eq!(outcomes(&results), ["callback pending"]);
    assert_eq!(
        store.load_execution(id).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(ids(&store.history(id, 1, 10, false).await.unwrap()), [1]);

    // Another token is not held by it.
    let mut request = next(&record);
    request.tokens_closed = vec![("Other/1".into(), TokenClosed::TimedOut)];
    let record = commit(store, &lease, request).await;
    // The callback's own transition closes it; later answers are refused.
    let mut request = next(&record);
    request.tokens_closed = vec![("Task/1".into(), TokenClosed::Answered)];
    commit(store, &lease, request).await;
    let again = store
        .deliver_callback(id, "Task/1", finish("Task", 1), 3_000)
        .await;
    assert_eq!(again, Err(CallbackError::Closed));
}

/// Finished executions are deleted once their expiry is due — record, history, tokens,
/// index entries — and the revisions only they used go with them; running ones stay.
/// Past its expiry an execution is gone even before the sweep deletes it.
pub async fn finished_executions_expire<S: Store>(store: &S) {
    let p = 0;
    let [done, running, stale] = <[String; 3]>::try_from(ids_in(store, p, "retain", 3)).unwrap();
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let rd = start(store, &done, 1_000, vec![]).await;
    start(store, &running, 1_100, vec![]).await;
    let rs = start(store, &stale, 1_200, vec![]).await;
    let mut request = with_events(next(&rd), 1);
    request.tokens_opened = vec![open("T/1", None)];
    let rd = commit(store, &lease, request).await;
    // Expiry is read against the clock: `done` expires in a minute, `stale` long ago.
    let now = crate::clock::now_ms();
    for (record, expires) in [(&rd, now + 60_000), (&rs, 1)] {
        let mut request = with_events(next(record), 1);
        request.record.head.status = Status::Succeeded;
        request.record.head.stop_ms = Some(2_000);
        request.record.head.expires_ms = Some(expires);
        request.active = false;
        commit(store, &lease, request).await;
    }
    let stats = store.partition_stats(p).await.unwrap();
    assert_eq!(stats.executions.get("RUNNING"), Some(&1));
    assert_eq!(stats.executions.get("SUCCEEDED"), Some(&2));

    // `stale` expired at 1 ms: gone already, though not deleted yet.
    assert_eq!(store.load_execution(&stale).await.unwrap(), None);
    let listed = store
        .list_executions("retain", None, None, 10)
        .await
        .unwrap();
    let names: Vec<&str> = listed.executions.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(!names.contains(&stale.split_once(':').unwrap().1));

    assert_eq!(
        store.expire(&lease, now + 59_999, 10).await.unwrap(),
        [("retain".to_owned(), 1)]
    );
    assert_eq!(store.expire(&lease, now + 59_999, 10).await.unwrap(), []);
    assert!(store.load_execution(&done).await.unwrap().is_some());
    assert_eq!(
        store.expire(&lease, now + 60_000, 10).await.unwrap(),
        [("retain".to_owned(), 1)]
    );
    assert_eq!(store.load_execution(&done).await.unwrap(), None);
    assert!(store.history(&done, 1, 10, false).await.unwrap().is_empty());
    let callback = store
        .deliver_callback(&done, "T/1", finish("T", 1), 6_000)
        .await;
    assert_eq!(callback, Err(CallbackError::Gone));
    let listed = store
        .list_executions("retain", Some(Status::Succeeded), None, 10)
        .await
        .unwrap();
    assert!(listed.executions.is_empty());
    let stats = store.partition_stats(p).await.unwrap();
    assert_eq!(stats.executions.get("SUCCEEDED").copied().unwrap_or(0), 0);
    assert_eq!(stats.executions.get("RUNNING"), Some(&1));
    assert!(store.load_execution(&running).await.unwrap().is_some());
    assert_eq!(
        store.active_executions(p).await.unwrap(),
        vec![running.clone()]
    );

    // The revision goes once its machine moved on and no execution uses it.
    assert!(
        store
            .update_state_machine(machine("retain", 2, r#"{"v":2}"#))
            .await
            .unwrap()
    );
    store
        .release_revisions(&[("retain".to_owned(), 1), ("retain".to_owned(), 1)])
        .await
        .unwrap();
    let kept = store.get_state_machine_revision("retain", 1).await.unwrap();
    assert!(kept.is_some(), "the running execution uses revision 1");
    let rr = store.load_execution(&running).await.unwrap().unwrap();
    let mut request = next(&rr);
    request.record.head.status = Status::Failed;
    request.record.head.expires_ms = Some(now + 120_000);
    request.active = false;
    commit(store, &lease, request).await;
    let released = store.expire(&lease, now + 120_000, 10).await.unwrap();
    store.release_revisions(&released).await.unwrap();
    assert_eq!(
        store.get_state_machine_revision("retain", 1).await.unwrap(),
        None
    );
    assert!(
        store
            .get_state_machine_revision("retain", 2)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .partition_stats(p)
            .await
            .unwrap()
            .executions
            .values()
            .sum::<u64>(),
        0
    );
}

/// Values nested deeper than serde_json's default limit (128), up to the deepest a state
/// output may be (`MAX_VALUE_DEPTH`), are stored and read back.
pub async fn deep_values_read_back<S: Store>(store: &S) {
    let id = "deep:one";
    let mut record = start(store, id, 1_000, vec![]).await;
    let lease = store
        .acquire(partition(store, id), "w", LONG)
        .await
        .unwrap()
        .unwrap();
    let mut deep = json!("bottom");
    for _ in 0..crate::machine::MAX_VALUE_DEPTH / 2 {
        deep = json!({"a": [deep]});
    }
    if let Some(frame) = record.frames.get_mut(&0) {
        frame.input = deep.clone();
    }
    record.output = Some(deep);
    commit_changes(store, &lease, &mut record).await;
}

/// Pending entries can be read after a given id, in queue order.
pub async fn pending_entries_after_an_id<S: Store>(store: &S) {
    let p = 0;
    let ids = ids_in(store, p, "after", 4);
    for id in &ids {
        start(store, id, 1_000, vec![]).await;
    }
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let all = read_new(store, &lease).await;
    assert_eq!(all.len(), 4);
    let after = |id: &str| QueueRead::Pending {
        after: Some(id.to_owned()),
    };
    let rest = store
        .read_queue(&lease, after(&all[1].id), 10, 0)
        .await
        .unwrap();
    assert_eq!(rest, all[2..]);
    let one = store
        .read_queue(&lease, after(&all[0].id), 1, 0)
        .await
        .unwrap();
    assert_eq!(one, all[1..2]);
    let none = store
        .read_queue(&lease, after(&all[3].id), 10, 0)
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(store.partition_stats(p).await.unwrap().pending, 4);
}
