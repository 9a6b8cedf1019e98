//! Executions that wait (neither active nor finished). A store may keep them in another
//! form while they wait (Redis packs one into a single string: `store/redis/lua/packed.lua`);
//! every read and every later write must see the same execution.

use super::*;

const TASK: &str = "Wait for approval/1";

/// An event whose details repeat the input and the state's name, as a task's do.
fn task_event(id: u64, kind: &str, input: &str) -> HistoryEvent {
    HistoryEvent {
        details: json!({"name": "Wait for approval", "input": input, "resource": "callback"})
            .into(),
        ..event(id, kind)
    }
}

/// A parked execution reads back as committed through every read (load, history pages
/// both ways, listing, a start of the same name, counts), takes a heartbeat, answers an
/// unknown task as gone, and its callback, the commit after it and a second park leave it
/// as committed.
pub async fn parked_executions_read_back<S: Store>(store: &S) {
    let id = "parked:order-12345";
    let p = partition(store, id);
    let mut record = execution(id, 1_796_602_328_066);
    record.input = json!({"order": 12345, "customer": "c-1", "note": "a value % with \\ and \""});
    let input = record.input.to_string();
    record.revision = match store.create_state_machine(machine("parked", 1, "{}")).await {
        Ok(Ok(created) | Err(created)) => created.revision,
        Err(e) => panic!("create: {e}"),
    };
    let first = task_event(1, "ExecutionStarted", &input);
    let started = store.start_execution(record.clone(), vec![first.clone()], vec![]);
    assert_eq!(started.await.unwrap(), Started::Created);
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let wakes: Vec<String> = (read_new(store, &lease).await.into_iter())
        .map(|e| e.id)
        .collect();

    // Park: three events, a token with a heartbeat timer, out of the active set.
    let mut request = next(&record);
    let mut events = vec![first];
    for (n, kind) in [
        (2, "TaskStateEntered"),
        (3, "TaskScheduled"),
        (4, "TaskStarted"),
    ] {
        request.record.head.events += 1;
        let e = task_event(n, kind, &input);
        request.history.push(e.clone());
        events.push(e);
    }
    request.tokens_opened = vec![open(TASK, Some((9, 30)))];
    request.timers_set = vec![Timer {
        id: 9,
        due_ms: 1_796_602_358_069,
    }];
    request.acks = wakes;
    request.active = false;
    let parked = commit(store, &lease, request).await;
    assert!(store.active_executions(p).await.unwrap().is_empty());

    assert_eq!(
        store.load_execution(id).await.unwrap(),
        Some(parked.clone())
    );
    let ids = |events: Vec<HistoryEvent>| events.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(store.history(id, 1, 100, false).await.unwrap(), events);
    for (from, limit, reverse, expected) in [
        (2, 2, false, vec![2, 3]),
        (0, 1, false, vec![1]),
        (4, 10, false, vec![4]),
        (5, 10, false, vec![]),
        (3, 2, true, vec![3, 2]),
        (100, 3, true, vec![4, 3, 2]),
        (1, 5, true, vec![1]),
        (2, 0, true, vec![]),
    ] {
        let page = store.history(id, from, limit, reverse).await.unwrap();
        assert_eq!(
            ids(page),
            expected,
            "from {from}, limit {limit}, reverse {reverse}"
        );
    }
    let listed = store
        .list_executions("parked", None, None, 10)
        .await
        .unwrap();
    assert_eq!(listed.executions, [parked.head()]);
    let again = store.start_execution(record.clone(), vec![event(1, "ExecutionStarted")], vec![]);
    match again.await.unwrap() {
        Started::Exists(existing) => {
            assert_eq!(existing.input, record.input);
            assert_eq!(
                (existing.seq, existing.status),
                (parked.seq, Status::Running)
            );
        }
        other => panic!("a start of a parked execution's name: {other:?}"),
    }
    assert_eq!(store.count_executions("parked").await.unwrap().running, 1);

    // A heartbeat moves the timer and leaves the execution as it was.
    let hb = store.deliver_callback(id, TASK, CallbackMessage::Heartbeat, 1_796_602_400_000);
    assert_eq!(hb.await, Ok(()));
    assert_eq!(store.next_timer(p).await.unwrap(), Some(1_796_602_430_000));
    assert_eq!(
        store.load_execution(id).await.unwrap(),
        Some(parked.clone())
    );
    let unknown = store.deliver_callback(id, "Other/1", finish("Other", 1), 1);
    assert_eq!(unknown.await, Err(CallbackError::Gone));

    // The answer queues; the commit that applies it parks the execution again.
    let answer = store.deliver_callback(id, TASK, finish("Wait for approval", 1), 2);
    assert_eq!(answer.await, Ok(()));
    let entry = read_new(store, &lease).await.remove(0);
    assert_eq!(entry.execution, id);
    if let Some(prefetched) = &entry.prefetched {
        assert_eq!(**prefetched, parked);
    }
    let twice = store.deliver_callback(id, TASK, finish("Wait for approval", 1), 3);
    assert_eq!(twice.await, Err(CallbackError::Closed));
    assert_eq!(store.history(id, 1, 100, false).await.unwrap(), events);
    let mut request = next(&parked);
    request.record.head.events += 1;
    let e = task_event(5, "TaskSucceeded", &input);
    request.history.push(e.clone());
    events.push(e);
    request.tokens_closed = vec![(TASK.to_owned(), TokenClosed::Answered)];
    request.timers_cleared = vec![9];
    request.acks = vec![entry.id];
    request.active = false;
    let parked_again = commit(store, &lease, request).await;
    assert_eq!(
        store.load_execution(id).await.unwrap(),
        Some(parked_again.clone())
    );
    assert_eq!(store.history(id, 1, 100, false).await.unwrap(), events);
    assert_eq!(store.next_timer(p).await.unwrap(), None);
    let late = store.deliver_callback(id, TASK, finish("Wait for approval", 1), 4);
    assert_eq!(late.await, Err(CallbackError::Closed));

    // A stale commit is refused and changes nothing; the right one finishes it.
    let stale = next(&parked);
    assert_eq!(
        outcomes(&store.commit(&lease, vec![stale]).await),
        ["conflict"]
    );
    assert_eq!(
        store.load_execution(id).await.unwrap(),
        Some(parked_again.clone())
    );
    let mut done = next(&parked_again);
    done.record.head.status = Status::Succeeded;
    done.active = false;
    let done = commit(store, &lease, done).await;
    assert_eq!(store.load_execution(id).await.unwrap(), Some(done));
    assert_eq!(store.history(id, 1, 100, false).await.unwrap(), events);
}
