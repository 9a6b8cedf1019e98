//! The queue, the active set, listing, workers and partitions.

use super::*;

// ----- queue -----

/// A record that comes with a queue entry (a store may read it with the entry, to save
/// the worker a load) is the one `load_execution` answers at the time of the read: after
/// a commit, the new one.
pub async fn prefetched_records_are_the_stored_ones<S: Store>(store: &S) {
    let p = 0;
    let [a, b] = <[String; 2]>::try_from(ids_in(store, p, "prefetch", 2)).unwrap();
    let ra = start(store, &a, 1_000, vec![]).await;
    start(store, &b, 1_000, vec![]).await;
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let entries = read_new(store, &lease).await;
    assert_eq!(entries.len(), 2);
    stored_ones(store, &entries).await;
    let mut request = next(&ra);
    request.acks = vec![entries[0].id.clone()];
    let ra = commit(store, &lease, request).await;
    store.send_event(&a, stop()).await.unwrap();
    let entries = read_new(store, &lease).await;
    assert_eq!(entries.len(), 1);
    for record in stored_ones(store, &entries).await {
        assert_eq!(record.seq, ra.seq, "the committed version");
    }
    stored_ones(store, &read_pending(store, &lease).await).await;
}

/// The records that came with `entries`, each asserted equal to what `load_execution`
/// answers now.
async fn stored_ones<S: Store>(store: &S, entries: &[QueueEntry]) -> Vec<Execution> {
    let mut records = Vec::new();
    for entry in entries {
        let Some(record) = entry.prefetched.as_deref() else {
            continue;
        };
        let stored = store.load_execution(&entry.execution).await.unwrap();
        assert_eq!(Some(record), stored.as_ref(), "{}", entry.execution);
        records.push(record.clone());
    }
    records
}

/// Delivered entries stay pending until acknowledged (by `ack` or a commit); the next lease
/// holder reads the unacknowledged ones as `pending`, not the acknowledged ones. (Taking
/// over an expired lease is `lease_lost_commits_nothing`.)
pub async fn queue_pending_after_new_lease<S: Store>(store: &S) {
    let p = 0;
    let [a, b, c] = <[String; 3]>::try_from(ids_in(store, p, "queue", 3)).unwrap();
    start(store, &a, 1_000, vec![]).await;
    let rb = start(store, &b, 1_000, vec![]).await;
    start(store, &c, 1_000, vec![]).await;
    store.send_event(&a, stop()).await.unwrap();

    let old = store.acquire(p, "old", LONG).await.unwrap().unwrap();
    let entries = read_new(store, &old).await;
    let got: Vec<(&str, &QueuedEvent)> = entries
        .iter()
        .map(|e| (e.execution.as_str(), &e.event))
        .collect();
    let wake = QueuedEvent::Wake;
    assert_eq!(
        got,
        vec![
            (a.as_str(), &wake),
            (b.as_str(), &wake),
            (c.as_str(), &wake),
            (a.as_str(), &stop())
        ]
    );
    assert!(read_new(store, &old).await.is_empty(), "delivered once");
    assert_eq!(read_pending(store, &old).await, entries);
    let all = QueueRead::Pending { after: None };
    let first = store.read_queue(&old, all, 1, 0).await.unwrap();
    assert_eq!(first, entries[..1]);

    store.ack(&old, &[entries[0].id.clone()]).await.unwrap();
    let mut request = next(&rb);
    request.acks = vec![entries[1].id.clone()];
    commit(store, &old, request).await;
    assert_eq!(read_pending(store, &old).await, entries[2..]);

    store.release(&old).await.unwrap();
    let new = store.acquire(p, "new", LONG).await.unwrap().unwrap();
    assert_eq!(
        read_pending(store, &new).await,
        entries[2..],
        "left by the old holder"
    );
    assert!(read_new(store, &new).await.is_empty());
    store
        .ack(&new, &[entries[2].id.clone(), entries[3].id.clone()])
        .await
        .unwrap();
    assert!(read_pending(store, &new).await.is_empty());

    store.send_event(&c, stop()).await.unwrap();
    let later = read_new(store, &new).await;
    assert_eq!(later.len(), 1);
    assert_eq!(
        (later[0].execution.as_str(), &later[0].event),
        (c.as_str(), &stop())
    );
    assert!(
        entries.iter().all(|e| e.id != later[0].id),
        "entry ids are not reused"
    );
}

/// A read waits for new entries up to `block_ms`, and returns as soon as one arrives.
pub async fn queue_blocking_read<S: Store>(store: &S) {
    let id = "suite:blocking";
    let p = partition(store, id);
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let begun = Instant::now();
    assert!(
        store
            .read_queue(&lease, QueueRead::New, 10, 300)
            .await
            .unwrap()
            .is_empty()
    );
    let waited = begun.elapsed();
    assert!(
        waited >= Duration::from_millis(250),
        "returned after {waited:?}"
    );

    let reader = {
        let (store, lease) = (store.clone(), lease.clone());
        tokio::spawn(async move { store.read_queue(&lease, QueueRead::New, 10, 20_000).await })
    };
    store.send_event(id, stop()).await.unwrap();
    let begun = Instant::now();
    let entries = reader.await.unwrap().unwrap();
    assert!(
        begun.elapsed() < Duration::from_secs(10),
        "woke up on the new entry"
    );
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].execution.as_str(), &entries[0].event),
        (id, &stop())
    );
}

/// The active set follows each commit's `active`.
pub async fn active_set<S: Store>(store: &S) {
    let id = "suite:active";
    let record = start(store, id, 1_000, vec![]).await;
    let p = partition(store, id);
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    assert_eq!(
        store.active_executions(p).await.unwrap(),
        vec![id.to_owned()]
    );
    let mut request = next(&record);
    request.active = false;
    let record = commit(store, &lease, request).await;
    assert!(store.active_executions(p).await.unwrap().is_empty());
    let record = commit(store, &lease, next(&record)).await;
    assert_eq!(
        store.active_executions(p).await.unwrap(),
        vec![id.to_owned()]
    );
    let mut request = next(&record);
    request.active = false;
    request.record.head.status = Status::Failed;
    commit(store, &lease, request).await;
    assert!(store.active_executions(p).await.unwrap().is_empty());
}

/// Newest first (ties by id, descending), optionally by status, in pages.
pub async fn list_executions_filter_and_paging<S: Store>(store: &S) {
    let leases = leases(store).await;
    let mut records = Vec::new();
    for i in 0..7 {
        let start_ms = 1_000 + 10 * i64::from(i.min(5));
        records.push(start(store, &format!("lister:e{i}"), start_ms, vec![]).await);
    }
    start(store, "other:e0", 5_000, vec![]).await;
    for i in [1, 3] {
        let mut request = next(&records[i]);
        request.record.head.status = Status::Succeeded;
        request.active = false;
        let lease = &leases[partition(store, &records[i].id) as usize];
        records[i] = commit(store, lease, request).await;
    }
    let names = |page: &[Execution]| page.iter().map(|e| e.name.clone()).collect::<Vec<_>>();

    let all = store
        .list_executions("lister", None, None, 100)
        .await
        .unwrap();
    assert_eq!(
        names(&all.executions),
        ["e6", "e5", "e4", "e3", "e2", "e1", "e0"]
    );
    assert_eq!(all.next, None);
    assert_eq!(all.executions[3], records[3].head(), "the current head");

    for (status, expected) in [
        (None, vec!["e6", "e5", "e4", "e3", "e2", "e1", "e0"]),
        (Some(Status::Succeeded), vec!["e3", "e1"]),
        (Some(Status::Running), vec!["e6", "e5", "e4", "e2", "e0"]),
        (Some(Status::Failed), vec![]),
    ] {
        for limit in [1, 2, 3] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..20 {
                let page = (store.list_executions("lister", status, cursor.as_deref(), limit))
                    .await
                    .unwrap();
                assert!(page.executions.len() <= limit);
                if page.executions.len() < limit {
                    assert_eq!(page.next, None, "a short page is the last");
                }
                seen.extend(names(&page.executions));
                cursor = page.next;
                if cursor.is_none() {
                    break;
                }
            }
            assert_eq!(seen, expected, "status {status:?}, limit {limit}");
        }
    }
    let other = store
        .list_executions("other", None, None, 10)
        .await
        .unwrap();
    assert_eq!(names(&other.executions), ["e0"]);
    let none = store
        .list_executions("nothing", None, None, 10)
        .await
        .unwrap();
    assert!(none.executions.is_empty() && none.next.is_none());
}

// ----- workers and partitions -----

/// Live workers are counted until their heartbeat expires.
pub async fn worker_heartbeats<S: Store>(store: &S) {
    assert_eq!(store.heartbeat_worker("a", LONG).await.unwrap(), 1);
    assert_eq!(store.heartbeat_worker("b", LONG).await.unwrap(), 2);
    assert_eq!(store.heartbeat_worker("a", LONG).await.unwrap(), 2);
    assert_eq!(store.heartbeat_worker("c", SHORT).await.unwrap(), 3);
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.heartbeat_worker("a", LONG).await.unwrap() != 2 {
        assert!(Instant::now() < deadline, "worker c never expired");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Each partition has its own lease, queue, timers and active set.
pub async fn partitions_are_independent<S: Store>(store: &S) {
    let n = store.partitions();
    assert!(n >= 2, "the suite needs at least two partitions");
    let leases = leases(store).await;
    assert_eq!(
        leases.iter().map(|l| l.partition).collect::<Vec<_>>(),
        (0..n).collect::<Vec<_>>()
    );
    let a = ids_in(store, 0, "parts", 1).remove(0);
    let b = ids_in(store, 1, "parts", 1).remove(0);
    let ra = start(store, &a, 1_000, vec![Timer { id: 1, due_ms: 100 }]).await;
    start(store, &b, 1_000, vec![Timer { id: 1, due_ms: 200 }]).await;
    assert_eq!(store.active_executions(0).await.unwrap(), vec![a.clone()]);
    assert_eq!(store.active_executions(1).await.unwrap(), vec![b.clone()]);
    assert_eq!(store.next_timer(0).await.unwrap(), Some(100));
    assert_eq!(store.next_timer(1).await.unwrap(), Some(200));
    assert_eq!(store.fire_timers(&leases[0], 1_000, 10).await.unwrap(), 1);
    assert_eq!(store.next_timer(1).await.unwrap(), Some(200));
    let q0 = read_new(store, &leases[0]).await;
    assert_eq!(
        q0.iter().map(|e| e.execution.as_str()).collect::<Vec<_>>(),
        [a.as_str(), a.as_str()]
    );
    let q1 = read_new(store, &leases[1]).await;
    assert_eq!(
        q1.iter().map(|e| e.execution.as_str()).collect::<Vec<_>>(),
        [b.as_str()]
    );
    // A lease of one partition cannot commit an execution of another.
    let results = store.commit(&leases[1], vec![next(&ra)]).await;
    assert_eq!(outcomes(&results), ["conflict"]);
    assert_eq!(store.load_execution(&a).await.unwrap(), Some(ra));
}
