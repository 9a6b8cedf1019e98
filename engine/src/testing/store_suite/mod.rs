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

mod executions;
mod lifecycle;
mod listing;
mod machines;
mod map_runs;
mod parked;
mod queue;
mod redrive;
mod tokens;
mod versions;

use std::time::{Duration, Instant};

use serde_json::json;

use crate::machine::{
    EXECUTION_TIMER, Execution, HistoryEvent, OpenToken, Outcome, QueuedEvent, Status, Timer,
    TokenClosed,
};
use crate::store::record::{RecordWrite, assemble};
use crate::store::{
    CallbackError, CallbackMessage, CommitError, CommitRequest, Lease, Partition, QueueEntry,
    QueueRead, Started, StateMachineRecord, Store, StoreError, TagOutcome, partition_of,
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
            prefetched_records_are_the_stored_ones,
            active_set,
            list_executions_filter_and_paging,
            list_filters_alone_and_combined,
            list_name_scan_is_bounded,
            execution_counts_follow_changes,
            state_machines,
            state_machine_update_race,
            state_machine_tags,
            worker_heartbeats,
            partitions_are_independent,
            record_parts_follow_changes,
            callback_waiting_blocks_other_closes,
            finished_executions_expire,
            pending_entries_after_an_id,
            deep_values_read_back,
            versions_publish_list_delete,
            versions_and_executions_share_revisions,
            versions_and_aliases_are_bounded,
            aliases_route_to_versions,
            redrive_brings_a_finished_execution_back,
            map_runs_ride_in_the_head,
            parked_executions_read_back,
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
        kind: kind.to_owned().into(),
        details: json!({"name": format!("S{id}")}).into(),
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
        active_unchanged: false,
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
    assemble((*request.record.head).clone(), request.record.set.clone())
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

/// A callback's success for task `<state>/<attempt>`.
pub fn finish(state: &str, attempt: u32) -> CallbackMessage {
    CallbackMessage::Finish(QueuedEvent::Callback {
        state: state.to_owned(),
        attempt,
        outcome: Outcome::Success {
            output: json!({"ok": true}),
        },
    })
}

/// A task token to open (`<state>/<attempt>`), with its heartbeat timer and seconds.
pub fn open(key: &str, heartbeat: Option<(u64, u64)>) -> OpenToken {
    OpenToken {
        key: key.to_owned(),
        heartbeat,
    }
}

/// A stop event (any event will do where a test only needs one queued).
pub fn stop() -> QueuedEvent {
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

pub use executions::*;
pub use lifecycle::*;
pub use listing::*;
pub use machines::*;
pub use map_runs::*;
pub use parked::*;
pub use queue::*;
pub use redrive::*;
pub use tokens::*;
pub use versions::*;
