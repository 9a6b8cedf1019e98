//! The store conformance suite: one `pub async fn` per rule of the [`Store`] contract,
//! generic over the store, run against every implementation by [`crate::store_suite!`]:
//!
//! ```ignore
//! async fn store() -> Option<(MemoryStore, ())> {
//!     Some((MemoryStore::new(4), ()))
//! }
//! baton_engine::store_suite!(store);
//! ```
//!
//! The factory returns the store and a guard kept alive for the test (a `RedisServer`),
//! or `None` to skip. Each test gets a fresh, empty store. Times given to the store
//! (timers, callbacks) are made up; only lease and worker expiry use the clock, and the
//! tests poll for those with a deadline.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::machine::{
    EXECUTION_TIMER, Execution, HistoryEvent, OpenToken, Outcome, QueuedEvent, Status, Timer,
    TokenClosed,
};
use crate::store::record::{RecordWrite, assemble};
use crate::store::{
    CallbackError, CallbackMessage, CommitError, CommitRequest, Lease, Partition, QueueEntry,
    QueueRead, Started, StateMachineRecord, Store, StoreError, partition_of,
};

/// `store_suite!(factory)` generates one `#[tokio::test]` per suite function, each
/// calling `factory().await` for a fresh `Option<(store, guard)>`.
///
/// `store_suite!(sequential name, server, store)` generates one test, `name`, that starts
/// one `server().await` (`None` skips) and runs every suite function in turn, each on a
/// fresh `store(&server).await`: for servers that are slow to start.
#[macro_export]
macro_rules! store_suite {
    ($factory:path) => {
        $crate::store_suite!(@names @tests $factory);
    };
    (sequential $test:ident, $server:path, $store:path) => {
        $crate::store_suite!(@names @sequential $test $server, $store);
    };
    (@names $($mode:tt)*) => {
        $crate::store_suite!($($mode)*;
            start_and_load,
            commit_happy_path,
            commit_conflict_changes_nothing,
            commit_batch_results_in_order,
            lease_acquire_renew_release,
            lease_lost_commits_nothing,
            history_paging,
            timers_set_clear_fire,
            token_finish_then_closed,
            token_timed_out_gone_and_finished,
            heartbeat_moves_timer,
            queue_pending_after_new_lease,
            queue_blocking_read,
            active_set,
            list_executions_filter_and_paging,
            state_machines,
            state_machine_update_race,
            worker_heartbeats,
            partitions_are_independent,
        );
    };
    (@tests $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some((store, _guard)) = $factory().await else {
                    return;
                };
                $crate::testing::store_suite::$name(&store).await;
            }
        )*
    };
    (@sequential $test:ident $server:path, $store:path; $($name:ident),* $(,)?) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            let Some(server) = $server().await else {
                return;
            };
            $(
                eprintln!("{}", stringify!($name));
                $crate::testing::store_suite::$name(&$store(&server).await).await;
            )*
        }
    };
}

// ----- helpers -----

const LONG: u64 = 60_000;
const SHORT: u64 = 300;

/// A new execution `<state machine>:<name>`, about to enter `Start`.
pub fn execution(id: &str, start_ms: i64) -> Execution {
    let (state_machine, name) = id.split_once(':').unwrap_or(("suite", id));
    Execution::new(
        id.to_owned(),
        state_machine.to_owned(),
        1,
        name.to_owned(),
        json!({"n": 1}),
        "Start",
        start_ms,
    )
}

pub fn event(id: u64, kind: &str) -> HistoryEvent {
    HistoryEvent {
        id,
        previous_event_id: id.saturating_sub(1),
        timestamp_ms: 1_000 + id as i64,
        kind: kind.to_owned(),
        details: json!({"name": format!("S{id}")}),
    }
}

/// Starts `id` with its `ExecutionStarted` event and `timers` (creating its state machine
/// when it does not exist: executions run revisions that exist).
pub async fn start<S: Store>(store: &S, id: &str, start_ms: i64, timers: Vec<Timer>) -> Execution {
    let mut record = execution(id, start_ms);
    let sm = record.state_machine.clone();
    record.revision = match store
        .create_state_machine(machine(&sm, 1, "{}"))
        .await
        .unwrap()
    {
        Ok(created) | Err(created) => created.revision,
    };
    let started =
        (store.start_execution(record.clone(), vec![event(1, "ExecutionStarted")], timers))
            .await
            .unwrap();
    assert_eq!(started, Started::Created, "start {id}");
    record
}

/// The next version of `record`, writing nothing else (active). The record is written in
/// full, so [`expected`] tells what the store holds after the commit.
pub fn next(record: &Execution) -> CommitRequest {
    let mut record = record.clone();
    record.seq += 1;
    CommitRequest {
        record: RecordWrite::full(&mut record),
        history: Vec::new(),
        timers_set: Vec::new(),
        timers_cleared: Vec::new(),
        tokens_opened: Vec::new(),
        tokens_closed: Vec::new(),
        acks: Vec::new(),
        active: true,
    }
}

/// `request` with `n` more history events.
pub fn with_events(mut request: CommitRequest, n: u64) -> CommitRequest {
    for _ in 0..n {
        request.record.head.events += 1;
        request
            .history
            .push(event(request.record.head.events, "PassStateEntered"));
    }
    request
}

/// The record a store holds after committing `request` (written in full by [`next`]).
pub fn expected(request: &CommitRequest) -> Execution {
    assemble(request.record.head.clone(), request.record.set.clone())
}

/// Commit results as words, to compare.
pub fn outcomes(results: &[Result<(), CommitError>]) -> Vec<&'static str> {
    (results.iter())
        .map(|r| match r {
            Ok(()) => "ok",
            Err(CommitError::Conflict) => "conflict",
            Err(CommitError::LeaseLost) => "lease lost",
            Err(CommitError::CallbackPending) => "callback pending",
            Err(CommitError::Store(e)) => panic!("store error: {e}"),
        })
        .collect()
}

/// Commits one request and expects it to succeed.
pub async fn commit<S: Store>(store: &S, lease: &Lease, request: CommitRequest) -> Execution {
    let record = expected(&request);
    assert_eq!(outcomes(&store.commit(lease, vec![request]).await), ["ok"]);
    record
}

/// A lease on every partition, indexed by partition.
pub async fn leases<S: Store>(store: &S) -> Vec<Lease> {
    let mut out = Vec::new();
    for p in 0..store.partitions() {
        out.push(
            store
                .acquire(p, "suite", LONG)
                .await
                .unwrap()
                .expect("a free partition"),
        );
    }
    out
}

pub fn partition<S: Store>(store: &S, id: &str) -> Partition {
    partition_of(id, store.partitions())
}

/// `n` execution ids of `state_machine` in partition `p`.
pub fn ids_in<S: Store>(store: &S, p: Partition, state_machine: &str, n: usize) -> Vec<String> {
    (0..)
        .map(|i| format!("{state_machine}:e{i}"))
        .filter(|id| partition(store, id) == p)
        .take(n)
        .collect()
}

/// Everything new in the queue now, without waiting.
pub async fn read_new<S: Store>(store: &S, lease: &Lease) -> Vec<QueueEntry> {
    store
        .read_queue(lease, QueueRead::New, 100, 0)
        .await
        .unwrap()
}

pub async fn read_pending<S: Store>(store: &S, lease: &Lease) -> Vec<QueueEntry> {
    let all = QueueRead::Pending { after: None };
    store.read_queue(lease, all, 100, 0).await.unwrap()
}

/// Waits until `lease` expires and `worker` takes the partition (5 s at most).
pub async fn take_over<S: Store>(store: &S, p: Partition, worker: &str) -> Lease {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(lease) = store.acquire(p, worker, LONG).await.unwrap() {
            return lease;
        }
        assert!(
            Instant::now() < deadline,
            "the lease of partition {p} never expired"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn finish(state: &str, attempt: u32) -> CallbackMessage {
    CallbackMessage::Finish(QueuedEvent::Callback {
        state: state.to_owned(),
        attempt,
        outcome: Outcome::Success {
            output: json!({"ok": true}),
        },
    })
}

fn open(key: &str, heartbeat: Option<(u64, u64)>) -> OpenToken {
    OpenToken {
        key: key.to_owned(),
        heartbeat,
    }
}

fn stop() -> QueuedEvent {
    QueuedEvent::Stop {
        error: Some("E".into()),
        cause: None,
    }
}

fn machine(name: &str, revision: u32, definition: &str) -> StateMachineRecord {
    StateMachineRecord {
        name: name.to_owned(),
        revision,
        definition: definition.to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/suite".to_owned(),
        kind: "STANDARD".to_owned(),
        created_ms: 1_000,
        updated_ms: 1_000 + i64::from(revision),
        retention_ms: None,
    }
}

fn ids(history: &[HistoryEvent]) -> Vec<u64> {
    history.iter().map(|e| e.id).collect()
}

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

// ----- queue -----

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
