//! Timers and task tokens.

use super::*;

// ----- timers -----

/// Timers are set and cleared by commits, and fire into the queue as `Timer` events.
pub async fn timers_set_clear_fire<S: Store>(store: &S) {
    let p = 0;
    let [a, b] = <[String; 2]>::try_from(ids_in(store, p, "timers", 2)).unwrap();
    let ra = start(
        store,
        &a,
        1_000,
        vec![Timer {
            id: 0,
            due_ms: 50_000,
        }],
    )
    .await;
    let rb = start(store, &b, 1_000, vec![]).await;
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let wakes: Vec<String> = read_new(store, &lease)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    store.ack(&lease, &wakes).await.unwrap();
    assert_eq!(store.next_timer(p).await.unwrap(), Some(50_000));

    let mut request = next(&ra);
    request.timers_set = vec![
        Timer {
            id: 1,
            due_ms: 10_000,
        },
        Timer {
            id: 2,
            due_ms: 20_000,
        },
    ];
    request.timers_cleared = vec![0];
    let ra = commit(store, &lease, request).await;
    let mut request = next(&rb);
    request.timers_set = vec![Timer {
        id: 1,
        due_ms: 15_000,
    }];
    commit(store, &lease, request).await;
    assert_eq!(store.next_timer(p).await.unwrap(), Some(10_000));

    assert_eq!(store.fire_timers(&lease, 9_999, 10).await.unwrap(), 0);
    assert_eq!(store.fire_timers(&lease, 15_000, 1).await.unwrap(), 1);
    assert_eq!(store.next_timer(p).await.unwrap(), Some(15_000));
    assert_eq!(store.fire_timers(&lease, 15_000, 10).await.unwrap(), 1);
    assert_eq!(store.next_timer(p).await.unwrap(), Some(20_000));
    let fired: Vec<(String, QueuedEvent)> = (read_new(store, &lease).await.into_iter())
        .map(|e| (e.execution, e.event))
        .collect();
    let timer1 = QueuedEvent::Timer { timer: 1 };
    assert_eq!(
        fired,
        vec![(a.clone(), timer1.clone()), (b.clone(), timer1)]
    );

    // Cleared then set again in one commit: the timer moves.
    let mut request = next(&ra);
    request.timers_cleared = vec![2];
    request.timers_set = vec![Timer {
        id: 2,
        due_ms: 30_000,
    }];
    commit(store, &lease, request).await;
    assert_eq!(store.next_timer(p).await.unwrap(), Some(30_000));
    assert_eq!(store.fire_timers(&lease, 29_999, 10).await.unwrap(), 0);
    assert_eq!(store.fire_timers(&lease, 40_000, 10).await.unwrap(), 1);
    assert_eq!(store.next_timer(p).await.unwrap(), None);
    let fired = read_new(store, &lease).await;
    assert_eq!(fired.len(), 1);
    assert_eq!(
        (fired[0].execution.as_str(), &fired[0].event),
        (a.as_str(), &QueuedEvent::Timer { timer: 2 })
    );
}

// ----- tokens -----

/// An open token takes one result: it is queued, and later messages get `Closed`.
pub async fn token_finish_then_closed<S: Store>(store: &S) {
    let id = "suite:token";
    let record = start(store, id, 1_000, vec![]).await;
    let lease = store
        .acquire(partition(store, id), "w", LONG)
        .await
        .unwrap()
        .unwrap();
    let wake = read_new(store, &lease).await.remove(0);
    let mut request = next(&record);
    request.tokens_opened = vec![open("Task/1", None), open("Other/2", None)];
    request.acks = vec![wake.id];
    request.active = false;
    commit(store, &lease, request).await;

    assert_eq!(
        store
            .deliver_callback(id, "Task/1", finish("Task", 1), 2_000)
            .await,
        Ok(())
    );
    let queued = read_new(store, &lease).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].execution, id);
    let CallbackMessage::Finish(expected) = finish("Task", 1) else {
        unreachable!()
    };
    assert_eq!(queued[0].event, expected);

    let again = store
        .deliver_callback(id, "Task/1", finish("Task", 1), 3_000)
        .await;
    assert_eq!(again, Err(CallbackError::Closed));
    let hb = store
        .deliver_callback(id, "Task/1", CallbackMessage::Heartbeat, 3_000)
        .await;
    assert_eq!(hb, Err(CallbackError::Closed));
    let unknown = store
        .deliver_callback(id, "Task/9", finish("Task", 9), 3_000)
        .await;
    assert_eq!(unknown, Err(CallbackError::Gone));
    let nobody = store
        .deliver_callback("suite:nobody", "Task/1", finish("Task", 1), 3_000)
        .await;
    assert_eq!(nobody, Err(CallbackError::Gone));
    assert!(
        read_new(store, &lease).await.is_empty(),
        "refused callbacks queue nothing"
    );
}

/// Timed-out tokens answer `Closed`; cancelled ones and those of finished executions
/// answer `Gone`.
pub async fn token_timed_out_gone_and_finished<S: Store>(store: &S) {
    let id = "suite:tokens";
    let record = start(store, id, 1_000, vec![]).await;
    let lease = store
        .acquire(partition(store, id), "w", LONG)
        .await
        .unwrap()
        .unwrap();
    let mut request = next(&record);
    request.tokens_opened = vec![open("A/1", None), open("B/1", None), open("C/1", None)];
    let record = commit(store, &lease, request).await;
    let mut request = next(&record);
    request.tokens_closed = vec![
        ("A/1".into(), TokenClosed::TimedOut),
        ("B/1".into(), TokenClosed::Gone),
    ];
    let record = commit(store, &lease, request).await;

    let deliver = |task: &'static str| store.deliver_callback(id, task, finish(task, 1), 2_000);
    assert_eq!(deliver("A/1").await, Err(CallbackError::Closed));
    assert_eq!(deliver("B/1").await, Err(CallbackError::Gone));
    let hb = store
        .deliver_callback(id, "C/1", CallbackMessage::Heartbeat, 2_000)
        .await;
    assert_eq!(
        hb,
        Ok(()),
        "open, without a heartbeat timer: accepted, nothing moves"
    );

    // The execution ends: every token goes, including one opened by the final commit.
    let mut request = with_events(next(&record), 1);
    request.record.head.status = Status::Succeeded;
    request.record.head.stop_ms = Some(3_000);
    request.tokens_opened = vec![open("D/1", None)];
    request.active = false;
    commit(store, &lease, request).await;
    for task in ["A/1", "B/1", "C/1", "D/1"] {
        assert_eq!(deliver(task).await, Err(CallbackError::Gone), "{task}");
    }
}

/// A heartbeat moves the token's heartbeat timer; once that timer fired, `Closed`.
pub async fn heartbeat_moves_timer<S: Store>(store: &S) {
    let id = "suite:heartbeat";
    let record = start(store, id, 1_000, vec![]).await;
    let p = partition(store, id);
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let mut request = next(&record);
    request.tokens_opened = vec![open("Task/1", Some((7, 30)))];
    request.timers_set = vec![Timer {
        id: 7,
        due_ms: 31_000,
    }];
    commit(store, &lease, request).await;
    assert_eq!(store.next_timer(p).await.unwrap(), Some(31_000));

    let hb = store
        .deliver_callback(id, "Task/1", CallbackMessage::Heartbeat, 5_000)
        .await;
    assert_eq!(hb, Ok(()));
    assert_eq!(store.next_timer(p).await.unwrap(), Some(35_000));
    assert_eq!(store.fire_timers(&lease, 34_999, 10).await.unwrap(), 0);
    assert_eq!(store.fire_timers(&lease, 35_000, 10).await.unwrap(), 1);
    let fired = read_new(store, &lease).await;
    assert_eq!(
        fired.last().map(|e| &e.event),
        Some(&QueuedEvent::Timer { timer: 7 })
    );

    let late = store
        .deliver_callback(id, "Task/1", CallbackMessage::Heartbeat, 36_000)
        .await;
    assert_eq!(late, Err(CallbackError::Closed));
    assert_eq!(
        store.next_timer(p).await.unwrap(),
        None,
        "a late heartbeat sets no timer"
    );
}
