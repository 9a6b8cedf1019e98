//! Where executions live: the [`Store`] trait and its two implementations,
//! [`MemoryStore`] (embedded, the default) and [`RedisStore`] (production).
//!
//! # Model
//!
//! Executions are spread over a fixed number of *partitions* (`partition_of`). Everything
//! about one execution (record, history, open tokens) lives in its partition, next to the
//! partition's queue of incoming events, its timer index and its set of active executions.
//! On Redis every key of a partition shares one hash tag, so each of the operations below
//! is one atomic Lua script, on Redis Cluster too.
//!
//! A worker owns a partition through a [`Lease`] (with a fencing token): only the lease
//! holder reads the partition's queue, fires its timers and commits its transitions, and
//! every commit checks both the lease and the execution's version (`seq`).
//!
//! | operation | who | what it does atomically |
//! |---|---|---|
//! | `start_execution` | gateway | create record + `ExecutionStarted` + timers, queue `Wake`, mark active |
//! | `commit` | lease holder | check lease and `seq`; write record; append history; set/clear timers; open/close tokens; ack queue entries; active/parked |
//! | `deliver_callback` | gateway | check the token is open; close it and queue the callback (success/failure) or push its heartbeat timer |
//! | `send_event` | gateway | queue an event (stop) for an execution |
//! | `fire_timers` | lease holder | move due timers into the queue as `Timer` events |

pub mod memory;
pub mod redis;

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::machine::{Execution, HistoryEvent, OpenToken, QueuedEvent, Status, Timer, TokenClosed};

pub use memory::MemoryStore;
pub use redis::RedisStore;

/// Store failures that are not a normal outcome of an operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A partition number, `0..partitions`.
pub type Partition = u32;

/// The partition of an execution id (FNV-1a; stable across processes and versions).
pub fn partition_of(execution_id: &str, partitions: u32) -> Partition {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in execution_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % partitions.max(1)
}

/// Ownership of a partition. `token` is unique per acquisition (fencing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub partition: Partition,
    pub token: String,
}

/// One version of a state machine definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMachineRecord {
    pub name: String,
    /// 1, 2, … — a new one for each update.
    pub revision: u32,
    /// The definition as JSON text.
    pub definition: String,
    pub role_arn: String,
    /// `STANDARD` or `EXPRESS`.
    #[serde(rename = "type")]
    pub kind: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// When a queue entry was queued: both stores use ids of the form `<ms>-<n>` (Redis
/// stream ids).
pub fn enqueued_ms(entry_id: &str) -> Option<i64> {
    entry_id.split_once('-').and_then(|(ms, _)| ms.parse().ok())
}

/// An entry of a partition's queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    /// Store-specific id, passed back in `acks`.
    pub id: String,
    pub execution: String,
    pub event: QueuedEvent,
}

/// Everything one transition of one execution writes.
#[derive(Debug, Clone)]
pub struct CommitRequest {
    /// The record after the transition; `record.seq` is the new version and
    /// `record.seq - 1` the version the store must hold.
    pub record: Execution,
    pub history: Vec<HistoryEvent>,
    pub timers_set: Vec<Timer>,
    pub timers_cleared: Vec<u64>,
    pub tokens_opened: Vec<OpenToken>,
    pub tokens_closed: Vec<(String, TokenClosed)>,
    /// Queue entries consumed by this transition.
    pub acks: Vec<String>,
    /// True when the execution needs a worker (a runnable frame or a request in flight);
    /// false when it is parked or finished.
    pub active: bool,
}

/// Why a commit was refused. The transition did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The stored version is not `record.seq - 1` (or the execution does not exist).
    #[error("version conflict")]
    Conflict,
    /// The lease is no longer held: another worker owns the partition.
    #[error("partition lease lost")]
    LeaseLost,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outcome of `start_execution`.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    Created,
    /// An execution with this id exists; here is it.
    Exists(Box<Execution>),
}

/// A callback message for an open task token.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackMessage {
    /// Success or failure: closes the token and queues this event.
    Finish(QueuedEvent),
    /// Moves the heartbeat timer forward by its period; writes nothing else.
    Heartbeat,
}

/// Why a callback was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CallbackError {
    /// The task is closed: it already received its result, or timed out (AWS `TaskTimedOut`).
    #[error("the task is already closed")]
    Closed,
    /// No such open task: the execution ended, was stopped, or the attempt was cancelled
    /// (AWS `TaskDoesNotExist`).
    #[error("the task does not exist")]
    Gone,
    #[error("store error: {0}")]
    Store(String),
}

/// A page of executions, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionPage {
    pub executions: Vec<Execution>,
    /// Pass back to get the next page.
    pub next: Option<String>,
}

/// The operations of a Baton store. Both implementations pass the same suite
/// (`crate::testing::store_suite`).
pub trait Store: Clone + Send + Sync + 'static {
    /// The number of partitions (fixed for the store's lifetime).
    fn partitions(&self) -> u32;

    /// True when commits are cheaper in batches (a network round trip each); false when a
    /// commit is a local operation and callers should commit directly.
    fn batches_commits(&self) -> bool {
        true
    }

    /// Store reachable (for `/healthz`).
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;

    // ----- state machines (not partitioned) -----

    /// Creates revision 1 of a new state machine. Returns the existing latest revision
    /// instead when the name is taken.
    fn create_state_machine(
        &self,
        record: StateMachineRecord,
    ) -> impl Future<Output = Result<Result<(), StateMachineRecord>>> + Send;
    /// Stores a new revision (`record.revision` = latest + 1). `Ok(false)` when the state
    /// machine does not exist or another update won.
    fn update_state_machine(
        &self,
        record: StateMachineRecord,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// The latest revision.
    fn get_state_machine(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<StateMachineRecord>>> + Send;
    /// A given revision (kept after updates and deletion, for running executions).
    fn get_state_machine_revision(
        &self,
        name: &str,
        revision: u32,
    ) -> impl Future<Output = Result<Option<StateMachineRecord>>> + Send;
    /// Names in lexical order after `after`, at most `limit`.
    fn list_state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StateMachineRecord>>> + Send;
    /// Deletes the state machine; its revisions stay readable. `Ok(false)` if absent.
    fn delete_state_machine(&self, name: &str) -> impl Future<Output = Result<bool>> + Send;

    // ----- executions -----

    /// Creates an execution atomically: record, history, timers, a `Wake` in its queue.
    fn start_execution(
        &self,
        record: Execution,
        history: Vec<HistoryEvent>,
        timers: Vec<Timer>,
    ) -> impl Future<Output = Result<Started>> + Send;
    fn load_execution(&self, id: &str) -> impl Future<Output = Result<Option<Execution>>> + Send;
    /// History events with `from_id <= id`, at most `limit`, in id order, or in reverse
    /// order from `from_id` down when `reverse`.
    fn history(
        &self,
        id: &str,
        from_id: u64,
        limit: usize,
        reverse: bool,
    ) -> impl Future<Output = Result<Vec<HistoryEvent>>> + Send;
    /// Executions of a state machine, newest first, optionally of one status.
    fn list_executions(
        &self,
        state_machine: &str,
        status: Option<Status>,
        cursor: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<ExecutionPage>> + Send;
    /// Queues an event for an execution (a stop).
    fn send_event(&self, id: &str, event: QueuedEvent) -> impl Future<Output = Result<()>> + Send;
    /// Delivers a callback for the task `<state>/<attempt>` of execution `id`.
    fn deliver_callback(
        &self,
        id: &str,
        task: &str,
        message: CallbackMessage,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), CallbackError>> + Send;

    // ----- workers -----

    /// Records that `worker` is alive for `ttl_ms`; returns how many workers are alive.
    fn heartbeat_worker(
        &self,
        worker: &str,
        ttl_ms: u64,
    ) -> impl Future<Output = Result<usize>> + Send;
    /// Takes the partition when no one holds it.
    fn acquire(
        &self,
        partition: Partition,
        worker: &str,
        ttl_ms: u64,
    ) -> impl Future<Output = Result<Option<Lease>>> + Send;
    /// Extends a held lease; `false` when it was lost.
    fn renew(&self, lease: &Lease, ttl_ms: u64) -> impl Future<Output = Result<bool>> + Send;
    fn release(&self, lease: &Lease) -> impl Future<Output = Result<()>> + Send;
    /// Queue entries: first those delivered before but not acknowledged (`pending`), then
    /// new ones, waiting up to `block_ms` when there are none.
    fn read_queue(
        &self,
        lease: &Lease,
        pending: bool,
        count: usize,
        block_ms: u64,
    ) -> impl Future<Output = Result<Vec<QueueEntry>>> + Send;
    /// Acknowledges entries that needed no commit.
    fn ack(&self, lease: &Lease, ids: &[String]) -> impl Future<Output = Result<()>> + Send;
    /// Commits transitions of executions of the lease's partition, each on its own:
    /// one result per request, in order.
    fn commit(
        &self,
        lease: &Lease,
        requests: Vec<CommitRequest>,
    ) -> impl Future<Output = Vec<Result<(), CommitError>>> + Send;
    /// Moves timers due at `now_ms` into the queue; returns how many.
    fn fire_timers(
        &self,
        lease: &Lease,
        now_ms: i64,
        limit: usize,
    ) -> impl Future<Output = Result<usize>> + Send;
    /// The earliest timer of the partition.
    fn next_timer(&self, partition: Partition) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// Executions marked active (to resume after taking a partition).
    fn active_executions(
        &self,
        partition: Partition,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
}
