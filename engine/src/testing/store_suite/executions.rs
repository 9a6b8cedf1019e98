//! Executions: start, load, commits, leases, history.

use super::*;

// ----- executions -----

/// `start_execution` creates once; a second start returns the stored record unchanged.
pub async fn start_and_load<S: Store>(store: &S) {
    let id = "suite:one";
    assert_eq!(store.load_execution(id).await.unwrap(), None);
    let timer = Timer {
        id: EXECUTION_TIMER,
        due_ms: 61_000,
    };
    let record = start(store, id, 1_000, vec![timer]).await;
    assert_eq!(
        store.load_execution(id).await.unwrap(),
        Some(record.clone())
    );

    let mut other = execution(id, 2_000);
    other.input = json!("another input");
    let again = store
        .start_execution(other, vec![event(1, "Other")], vec![])
        .await
        .unwrap();
    let mut head = record.head();
    head.input = record.input.clone();
    assert_eq!(again, Started::Exists(Box::new(head)), "its head and input");
    assert_eq!(store.load_execution(id).await.unwrap(), Some(record));
    let history = store.history(id, 1, 10, false).await.unwrap();
    assert_eq!(history, vec![event(1, "ExecutionStarted")]);

    let p = partition(store, id);
    assert_eq!(
        store.active_executions(p).await.unwrap(),
        vec![id.to_owned()]
    );
    assert_eq!(store.next_timer(p).await.unwrap(), Some(61_000));
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let queued = read_new(store, &lease).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(
        (queued[0].execution.as_str(), &queued[0].event),
        (id, &QueuedEvent::Wake)
    );
}

/// A commit writes the record, history, timers, tokens, acks and the active flag.
pub async fn commit_happy_path<S: Store>(store: &S) {
    let id = "suite:happy";
    let record = start(store, id, 1_000, vec![]).await;
    let p = partition(store, id);
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let wake = read_new(store, &lease).await.remove(0);

    let mut request = with_events(next(&record), 2);
    request.timers_set.push(Timer {
        id: 1,
        due_ms: 5_000,
    });
    request.tokens_opened.push(open("Task/1", None));
    request.acks.push(wake.id.clone());
    request.active = false;
    let record = commit(store, &lease, request).await;

    assert_eq!(
        store.load_execution(id).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(record.seq, 1);
    assert_eq!(
        ids(&store.history(id, 1, 100, false).await.unwrap()),
        [1, 2, 3]
    );
    assert_eq!(store.next_timer(p).await.unwrap(), Some(5_000));
    assert!(store.active_executions(p).await.unwrap().is_empty());
    assert_eq!(
        read_pending(store, &lease).await,
        vec![],
        "the wake was acknowledged"
    );
    let hb = store
        .deliver_callback(id, "Task/1", CallbackMessage::Heartbeat, 2_000)
        .await;
    assert_eq!(hb, Ok(()), "the token is open");

    let record = commit(store, &lease, with_events(next(&record), 1)).await;
    assert_eq!(store.load_execution(id).await.unwrap().unwrap().seq, 2);
    assert_eq!(record.events, 4);
    assert_eq!(
        store.active_executions(p).await.unwrap(),
        vec![id.to_owned()]
    );
}

/// A commit whose version is not the stored one + 1 changes nothing at all.
pub async fn commit_conflict_changes_nothing<S: Store>(store: &S) {
    let id = "suite:conflict";
    let record = start(store, id, 1_000, vec![]).await;
    let p = partition(store, id);
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let wake = read_new(store, &lease).await.remove(0);

    for seq in [0, 2, 5] {
        let mut request = with_events(next(&record), 3);
        request.record.head.seq = seq;
        request.record.head.name = "changed".into();
        request.timers_set.push(Timer {
            id: 1,
            due_ms: 5_000,
        });
        request.tokens_opened.push(open("Task/1", None));
        request.acks.push(wake.id.clone());
        request.active = false;
        assert_eq!(
            outcomes(&store.commit(&lease, vec![request]).await),
            ["conflict"]
        );
    }
    assert_eq!(
        store.load_execution(id).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(ids(&store.history(id, 1, 100, false).await.unwrap()), [1]);
    assert_eq!(store.next_timer(p).await.unwrap(), None);
    let callback = store
        .deliver_callback(id, "Task/1", finish("Task", 1), 2_000)
        .await;
    assert_eq!(callback, Err(CallbackError::Gone));
    assert_eq!(
        store.active_executions(p).await.unwrap(),
        vec![id.to_owned()]
    );
    assert_eq!(
        read_pending(store, &lease).await,
        vec![wake],
        "not acknowledged"
    );

    // The same version twice: the second loses (two workers, one transition).
    commit(store, &lease, next(&record)).await;
    assert_eq!(
        outcomes(&store.commit(&lease, vec![next(&record)]).await),
        ["conflict"]
    );
    // An execution that does not exist.
    let ghost = ids_in(store, p, "suite", 50).pop().unwrap();
    let mut request = next(&execution(&ghost, 1_000));
    request.record.head.seq = 1;
    assert_eq!(
        outcomes(&store.commit(&lease, vec![request]).await),
        ["conflict"]
    );
    assert_eq!(store.load_execution(&ghost).await.unwrap(), None);
}

/// A batch: one result per request, in order, each request on its own.
pub async fn commit_batch_results_in_order<S: Store>(store: &S) {
    let p = 0;
    let [a, b, c] = <[String; 3]>::try_from(ids_in(store, p, "batch", 3)).unwrap();
    let ra = start(store, &a, 1_000, vec![]).await;
    let rb = start(store, &b, 1_000, vec![]).await;
    let rc = start(store, &c, 1_000, vec![]).await;
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    assert!(store.commit(&lease, vec![]).await.is_empty());

    let a1 = with_events(next(&ra), 1);
    let a2 = with_events(next(&expected(&a1)), 1);
    let mut stale_b = next(&rb);
    stale_b.record.head.seq = 7;
    let c1 = with_events(next(&rc), 2);
    let a2_again = next(&expected(&a1));
    let results = store
        .commit(&lease, vec![a1, stale_b, a2.clone(), c1, a2_again])
        .await;
    assert_eq!(
        outcomes(&results),
        ["ok", "conflict", "ok", "ok", "conflict"]
    );
    assert_eq!(store.load_execution(&a).await.unwrap(), Some(expected(&a2)));
    assert_eq!(store.load_execution(&b).await.unwrap(), Some(rb));
    assert_eq!(
        ids(&store.history(&a, 1, 10, false).await.unwrap()),
        [1, 2, 3]
    );
    assert_eq!(
        ids(&store.history(&c, 1, 10, false).await.unwrap()),
        [1, 2, 3]
    );
}

// ----- leases -----

/// One holder per partition; renew and release only with the current token.
pub async fn lease_acquire_renew_release<S: Store>(store: &S) {
    let first = store.acquire(0, "w1", LONG).await.unwrap().expect("free");
    assert_eq!(first.partition, 0);
    assert_eq!(store.acquire(0, "w2", LONG).await.unwrap(), None);
    assert!(store.renew(&first, LONG).await.unwrap());
    store.release(&first).await.unwrap();
    assert!(!store.renew(&first, LONG).await.unwrap());
    let second = store
        .acquire(0, "w1", LONG)
        .await
        .unwrap()
        .expect("released");
    assert_ne!(second.token, first.token, "a fresh token per acquisition");
    // Releasing a stale lease does not free the partition.
    store.release(&first).await.unwrap();
    assert_eq!(store.acquire(0, "w2", LONG).await.unwrap(), None);
    assert!(store.renew(&second, LONG).await.unwrap());
}

/// After its lease expired and another worker took the partition, a worker can write
/// nothing: commits are `LeaseLost`, timers do not fire, the queue reads empty.
pub async fn lease_lost_commits_nothing<S: Store>(store: &S) {
    let p = 0;
    let [a, b] = <[String; 2]>::try_from(ids_in(store, p, "lost", 2)).unwrap();
    let ra = start(store, &a, 1_000, vec![Timer { id: 1, due_ms: 10 }]).await;
    let rb = start(store, &b, 1_000, vec![]).await;
    let old = store.acquire(p, "old", SHORT).await.unwrap().unwrap();
    let new = take_over(store, p, "new").await;
    assert!(!store.renew(&old, LONG).await.unwrap());

    let mut request = with_events(next(&ra), 2);
    request.timers_cleared.push(1);
    request.active = false;
    let results = store.commit(&old, vec![request, next(&rb)]).await;
    assert_eq!(outcomes(&results), ["lease lost", "lease lost"]);
    assert_eq!(store.load_execution(&a).await.unwrap(), Some(ra.clone()));
    assert_eq!(store.load_execution(&b).await.unwrap(), Some(rb));
    assert_eq!(ids(&store.history(&a, 1, 10, false).await.unwrap()), [1]);
    assert_eq!(store.active_executions(p).await.unwrap().len(), 2);
    let lost = |r: Result<_, StoreError>| matches!(r, Err(StoreError::LeaseLost));
    assert!(lost(store.fire_timers(&old, 1_000, 10).await.map(drop)));
    assert_eq!(store.next_timer(p).await.unwrap(), Some(10));
    assert!(lost(
        store
            .read_queue(&old, QueueRead::New, 10, 0)
            .await
            .map(drop)
    ));
    let pending = QueueRead::Pending { after: None };
    assert!(lost(store.read_queue(&old, pending, 10, 0).await.map(drop)));
    let wake = vec![format!("{}-1", 1)];
    assert!(lost(store.ack(&old, &wake).await.map(drop)));
    assert!(lost(store.expire(&old, i64::MAX, 10).await.map(drop)));

    // The old holder cannot release the new lease; the new holder works.
    store.release(&old).await.unwrap();
    assert_eq!(store.acquire(p, "third", LONG).await.unwrap(), None);
    commit(store, &new, next(&ra)).await;
    assert_eq!(
        read_new(store, &new).await.len(),
        2,
        "both wakes are still queued"
    );
}

// ----- history -----

/// Pages forward from an id, and in reverse from an id down.
pub async fn history_paging<S: Store>(store: &S) {
    let id = "suite:history";
    let mut record = start(store, id, 1_000, vec![]).await;
    let lease = store
        .acquire(partition(store, id), "w", LONG)
        .await
        .unwrap()
        .unwrap();
    for _ in 0..3 {
        record = commit(store, &lease, with_events(next(&record), 3)).await;
    }
    let page = |from, limit, reverse| store.history(id, from, limit, reverse);
    let all = page(1, 100, false).await.unwrap();
    assert_eq!(ids(&all), (1..=10).collect::<Vec<_>>());
    assert_eq!(all[4], event(5, "PassStateEntered"));
    assert_eq!(ids(&page(1, 4, false).await.unwrap()), [1, 2, 3, 4]);
    assert_eq!(ids(&page(5, 4, false).await.unwrap()), [5, 6, 7, 8]);
    assert_eq!(ids(&page(9, 4, false).await.unwrap()), [9, 10]);
    assert_eq!(ids(&page(0, 2, false).await.unwrap()), [1, 2]);
    assert!(page(11, 4, false).await.unwrap().is_empty());
    assert!(page(1, 0, false).await.unwrap().is_empty());

    assert_eq!(ids(&page(10, 3, true).await.unwrap()), [10, 9, 8]);
    assert_eq!(ids(&page(7, 3, true).await.unwrap()), [7, 6, 5]);
    assert_eq!(ids(&page(2, 5, true).await.unwrap()), [2, 1]);
    assert_eq!(ids(&page(u64::MAX, 2, true).await.unwrap()), [10, 9]);
    assert!(page(0, 5, true).await.unwrap().is_empty());
    assert!(page(5, 0, true).await.unwrap().is_empty());
    assert!(
        store
            .history("suite:none", 1, 10, false)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .history("suite:none", 10, 10, true)
            .await
            .unwrap()
            .is_empty()
    );
}
