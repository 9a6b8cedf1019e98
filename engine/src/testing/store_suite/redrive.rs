//! Redrive: a finished execution runs again, in one atomic step.

use super::*;
use crate::store::{RedriveRequest, Redriven};

/// Ends `record` with `status`, to expire at `expires`; returns what the store holds.
async fn finish<S: Store>(
    store: &S,
    lease: &Lease,
    record: &Execution,
    status: Status,
    expires: i64,
) -> Execution {
    let mut request = with_events(next(record), 1);
    request.record.head.status = status;
    request.record.head.stop_ms = Some(2_000);
    request.record.head.expires_ms = Some(expires);
    request.active = false;
    commit(store, lease, request).await
}

/// What `machine::redrive` would ask for: `RUNNING` again, `ExecutionRedriven`, a timer.
fn redriven(finished: &Execution, revision: u32) -> (Execution, RedriveRequest) {
    let mut exec = finished.clone();
    exec.status = Status::Running;
    exec.stop_ms = None;
    exec.expires_ms = None;
    exec.redrive_count += 1;
    exec.redrive_ms = Some(3_000);
    exec.revision = revision;
    exec.seq += 1;
    exec.events += 1;
    if let Some(frame) = exec.frames.get_mut(&0) {
        frame.last_event = exec.events;
    }
    let request = RedriveRequest {
        record: RecordWrite::changes(&mut exec),
        expected_seq: finished.seq,
        previous: finished.status,
        previous_revision: finished.revision,
        previous_expires_ms: finished.expires_ms,
        history: vec![event(exec.events, "ExecutionRedriven")],
        timers: vec![Timer {
            id: EXECUTION_TIMER,
            due_ms: 50_000,
        }],
    };
    (exec, request)
}

/// A redrive checks the record's version; writes the record, history and timers; takes
/// the execution out of the expiry index; moves its listing entry and count back to
/// RUNNING; marks it active and queues a `Wake`. Moving to another revision counts that
/// one and releases the old.
pub async fn redrive_brings_a_finished_execution_back<S: Store>(store: &S) {
    let p = 0;
    let [id] = <[String; 1]>::try_from(ids_in(store, p, "redrive", 1)).unwrap();
    let lease = store.acquire(p, "w", LONG).await.unwrap().unwrap();
    let record = start(store, &id, 1_000, vec![]).await;
    let woken = store
        .read_queue(&lease, QueueRead::New, 10, 0)
        .await
        .unwrap();
    let acks: Vec<String> = woken.iter().map(|e| e.id.clone()).collect();
    store.ack(&lease, &acks).await.unwrap();
    let now = crate::clock::now_ms();
    let failed = finish(store, &lease, &record, Status::Failed, now + 60_000).await;
    let stats = store.partition_stats(p).await.unwrap();
    assert_eq!(stats.executions.get("FAILED"), Some(&1));
    assert!(store.active_executions(p).await.unwrap().is_empty());

    // A stale version changes nothing.
    let (_, mut stale) = redriven(&failed, 1);
    stale.expected_seq -= 1;
    assert_eq!(
        store.redrive_execution(stale).await.unwrap(),
        Redriven::Conflict
    );
    assert_eq!(
        store.load_execution(&id).await.unwrap().as_ref(),
        Some(&failed)
    );

    let (exec, request) = redriven(&failed, 1);
    assert_eq!(
        store.redrive_execution(request.clone()).await.unwrap(),
        Redriven::Done
    );
    assert_eq!(
        store.load_execution(&id).await.unwrap().as_ref(),
        Some(&exec)
    );
    let stats = store.partition_stats(p).await.unwrap();
    assert_eq!(stats.executions.get("RUNNING"), Some(&1));
    assert_eq!(stats.executions.get("FAILED").copied().unwrap_or(0), 0);
    let running = (store.list_executions("redrive", Some(Status::Running), None, 10))
        .await
        .unwrap();
    assert_eq!(running.executions.len(), 1);
    let failed_list = (store.list_executions("redrive", Some(Status::Failed), None, 10))
        .await
        .unwrap();
    assert!(failed_list.executions.is_empty());
    assert_eq!(store.active_executions(p).await.unwrap(), vec![id.clone()]);
    let history = store.history(&id, 1, 100, false).await.unwrap();
    assert_eq!(
        history.last().map(|e| e.kind.as_ref()),
        Some("ExecutionRedriven")
    );
    assert_eq!(history.len() as u64, exec.events);
    assert_eq!(store.next_timer(p).await.unwrap(), Some(50_000));
    let woken = store
        .read_queue(&lease, QueueRead::New, 10, 0)
        .await
        .unwrap();
    assert_eq!(woken.len(), 1);
    assert_eq!(
        (woken[0].execution.as_str(), &woken[0].event),
        (id.as_str(), &QueuedEvent::Wake)
    );
    // Out of the expiry index: it outlives its old expiry.
    assert_eq!(store.expire(&lease, now + 60_000, 10).await.unwrap(), []);
    assert!(store.load_execution(&id).await.unwrap().is_some());
    // The same redrive again is a conflict.
    assert_eq!(
        store.redrive_execution(request).await.unwrap(),
        Redriven::Conflict
    );

    // Onto another revision: a revision that does not exist is refused; one that does is
    // counted, and the old one (no longer the latest, used by nothing) goes.
    let aborted = finish(store, &lease, &exec, Status::Aborted, now + 60_000).await;
    let (_, gone) = redriven(&aborted, 9);
    assert_eq!(
        store.redrive_execution(gone).await.unwrap(),
        Redriven::RevisionGone
    );
    assert!(
        store
            .update_state_machine(machine("redrive", 2, r#"{"v":2}"#))
            .await
            .unwrap()
    );
    let (moved, request) = redriven(&aborted, 2);
    assert_eq!(
        store.redrive_execution(request).await.unwrap(),
        Redriven::Done
    );
    assert_eq!(
        store.load_execution(&id).await.unwrap(),
        Some(moved.clone())
    );
    assert_eq!(
        store
            .get_state_machine_revision("redrive", 1)
            .await
            .unwrap(),
        None
    );
    let stats = store.partition_stats(p).await.unwrap();
    assert_eq!(stats.executions.get("RUNNING"), Some(&1));
    assert_eq!(stats.executions.get("ABORTED").copied().unwrap_or(0), 0);
    // Finished again, it is deleted when its new expiry comes, and revision 2 released.
    finish(store, &lease, &moved, Status::Failed, now + 1).await;
    let released = store.expire(&lease, now + 1, 10).await.unwrap();
    assert_eq!(released, [("redrive".to_owned(), 2)]);
}
