//! Where executions live: the [`Store`] trait and its two implementations,
//! [`MemoryStore`] (embedded, the default) and [`RedisStore`] (production).
//!
//! # Model
//!
//! Executions are spread over a fixed number of *partitions* (`partition_of`). Everything
//! about one execution (record, history, open tokens, its entries in the listing indexes)
//! lives in its partition, next to the partition's queue of incoming events, its timer
//! index, its set of active executions, its expiry index and its dead letters. On Redis
//! every key of a partition shares one hash tag, so each of the operations below is one
//! atomic Lua script, on Redis Cluster too.
//!
//! A worker owns a partition through a [`Lease`] (with a fencing token): only the lease
//! holder reads the partition's queue, fires its timers, commits its transitions and
//! deletes its expired executions, and each of these checks the lease (and a commit the
//! execution's version, `seq`).
//!
//! | operation | who | what it does atomically |
//! |---|---|---|
//! | `start_execution` | gateway | create record + `ExecutionStarted` + timers + RUNNING index entry, queue `Wake`, mark active |
//! | `commit` | lease holder | check lease, `seq` and tokens; write the record's changes ([`record`]); append history; set/clear timers; open/close tokens; ack queue entries; active/parked; when final, move the index entry and schedule expiry |
//! | `deliver_callback` | gateway | check the token is open; mark it answered and queue the callback (success/failure), or push its heartbeat timer |
//! | `send_event` | gateway | queue an event (stop) for an execution |
//! | `redrive_execution` | gateway | check `seq`; write the redriven record + history + timers; out of the expiry index; index entry and count back to RUNNING; mark active; queue `Wake` |
//! | `fire_timers` | lease holder | move due timers into the queue as `Timer` events |
//! | `expire` | lease holder | delete finished executions whose retention ran out |

pub mod listing;
pub mod memory;
pub mod record;
pub mod redis;
mod redrive;
mod types;
mod versions;

use std::future::Future;

use crate::machine::{Execution, HistoryEvent, QueuedEvent, Status, Timer};

pub use listing::{
    COUNT_EXPIRED_LOOKED_AT, ExecutionCounts, ExecutionFilter, NAME_SCAN_PER_EXECUTION, STATUSES,
};
pub use memory::MemoryStore;
pub use redis::{RedisStore, RedisTarget};
pub use redrive::{RedriveRequest, Redriven};
pub use types::*;
pub use versions::*;

/// The partition of an execution id (FNV-1a; stable across processes and versions).
pub fn partition_of(execution_id: &str, partitions: u32) -> Partition {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in execution_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % partitions.max(1)
}

/// The state machine of an execution id (`<state machine>:<name>`; names have no `:`).
pub fn state_machine_of(execution_id: &str) -> &str {
    execution_id
        .split_once(':')
        .map_or(execution_id, |(sm, _)| sm)
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

    /// Store reachable (for readiness).
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;

    // ----- state machines (not partitioned) -----

    /// Creates a state machine: its first revision is stored under the next revision
    /// number of the name (1 for a new name; a name deleted and created again continues
    /// its numbering, so an execution of the deleted machine keeps its definition).
    /// Returns the stored record, or the existing latest revision when the name is taken.
    fn create_state_machine(
        &self,
        record: StateMachineRecord,
    ) -> impl Future<Output = Result<Result<StateMachineRecord, StateMachineRecord>>> + Send;
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
    /// A given revision: kept while the machine or an execution uses it.
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
    /// Deletes the state machine; its revisions stay while executions use them. `Ok(false)`
    /// if absent.
    fn delete_state_machine(&self, name: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Sets tags of a state machine (key → value, replacing a key's value): all or nothing,
    /// at most [`MAX_TAGS`] in all. Tags belong to the machine, not to a revision, and go
    /// with it when it is deleted.
    fn tag_state_machine(
        &self,
        name: &str,
        tags: &[(String, String)],
    ) -> impl Future<Output = Result<TagOutcome>> + Send;
    /// Removes tags by key (absent keys are fine). `Ok(false)` when the machine does not
    /// exist.
    fn untag_state_machine(
        &self,
        name: &str,
        keys: &[String],
    ) -> impl Future<Output = Result<bool>> + Send;
    /// A state machine's tags, by key; `None` when it does not exist.
    fn state_machine_tags(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Vec<(String, String)>>>> + Send;
    /// Executions that used these revisions (one entry per execution) were deleted:
    /// revisions no longer used by an execution or as the latest of their machine go.
    fn release_revisions(
        &self,
        released: &[(String, u32)],
    ) -> impl Future<Output = Result<()>> + Send;

    // ----- versions and aliases ([`versions`]) -----

    /// Publishes the latest revision as the next version number of the name, unless it
    /// already has a version (then that one) or `request.revision` is not the latest.
    fn publish_version(
        &self,
        name: &str,
        request: PublishRequest,
    ) -> impl Future<Output = Result<PublishOutcome>> + Send;
    /// A version of the machine as it exists now.
    fn get_version(
        &self,
        name: &str,
        version: u32,
    ) -> impl Future<Output = Result<Option<VersionRecord>>> + Send;
    /// Every version, newest first; `None` when the machine does not exist.
    fn list_versions(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Vec<VersionRecord>>>> + Send;
    /// Deletes a version unless an alias routes to it; its revision goes when nothing
    /// else uses it.
    fn delete_version(
        &self,
        name: &str,
        version: u32,
    ) -> impl Future<Output = Result<VersionDeleted>> + Send;
    /// Creates or replaces an alias; every route's version must exist.
    fn put_alias(
        &self,
        machine: &str,
        alias: AliasRecord,
        write: AliasWrite,
    ) -> impl Future<Output = Result<AliasOutcome>> + Send;
    fn get_alias(
        &self,
        machine: &str,
        alias: &str,
    ) -> impl Future<Output = Result<Option<AliasRecord>>> + Send;
    /// Every alias, newest first; `None` when the machine does not exist.
    fn list_aliases(
        &self,
        machine: &str,
    ) -> impl Future<Output = Result<Option<Vec<AliasRecord>>>> + Send;
    /// `Ok(false)` when there was no such alias.
    fn delete_alias(&self, machine: &str, alias: &str)
    -> impl Future<Output = Result<bool>> + Send;

    // ----- executions -----

    /// Creates an execution atomically: record, history, timers, a `Wake` in its queue.
    fn start_execution(
        &self,
        record: Execution,
        history: Vec<HistoryEvent>,
        timers: Vec<Timer>,
    ) -> impl Future<Output = Result<Started>> + Send;
    /// The whole record; `None` when it does not exist or has expired.
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
    /// Executions of a state machine that pass `filter`, newest first (ties on start time
    /// by id, descending), at most `limit`, after `cursor` (a `next` of an earlier page);
    /// each without its input and frames ([`Execution::head`]). From the listing indexes:
    /// O(page + indexes) reads, the time bounds included. With a name prefix a call reads
    /// at most [`NAME_SCAN_PER_EXECUTION`] × `limit` entries (or one batch per index) and
    /// may then return a short page, even an empty one, with a `next` ([`listing`]).
    /// Executions past their retention that are not deleted yet are left out.
    fn list_executions_filtered(
        &self,
        state_machine: &str,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<ExecutionPage>> + Send;
    /// [`Store::list_executions_filtered`] by status only (all when `None`).
    fn list_executions(
        &self,
        state_machine: &str,
        status: Option<Status>,
        cursor: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<ExecutionPage>> + Send {
        async move {
            let filter = ExecutionFilter::status(status);
            (self.list_executions_filtered(state_machine, &filter, cursor, limit)).await
        }
    }
    /// A state machine's executions by status, from the sizes of its listing indexes:
    /// one call per partition (on Redis one small script each, sent concurrently).
    /// Executions past their retention that the sweep has not deleted yet are left out,
    /// up to [`COUNT_EXPIRED_LOOKED_AT`] per partition: more only pile up while no worker
    /// sweeps, and those are counted.
    fn count_executions(
        &self,
        state_machine: &str,
    ) -> impl Future<Output = Result<ExecutionCounts>> + Send;
    /// Redrives a finished execution (`machine::redrive`) in one atomic step, fenced by
    /// the record's version like a commit: when the stored record is still at
    /// `expected_seq`, writes its changes and history, sets its timers, takes it out of
    /// the expiry index, moves its listing entry and status count back to `RUNNING`, marks
    /// it active and queues a `Wake` (the partition's worker is woken as for a start).
    /// When it moves to another revision, that revision is counted as used (and the old
    /// one released) like a start's.
    fn redrive_execution(
        &self,
        request: RedriveRequest,
    ) -> impl Future<Output = Result<Redriven>> + Send;
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
    /// Queue entries: new ones (waiting up to `block_ms` when there are none), or those
    /// delivered before and not acknowledged, after a given id. Entries that cannot be
    /// decoded are moved to the partition's dead letters instead. `Err(LeaseLost)` when the
    /// lease is not held.
    fn read_queue(
        &self,
        lease: &Lease,
        read: QueueRead,
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
    /// Moves timers due at `now_ms` into the queue; returns how many. A timer that cannot
    /// be decoded is moved to the dead letters.
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
    /// Deletes at most `limit` finished executions whose expiry is due at `now_ms`: record,
    /// history, tokens and index entries. Returns the (state machine, revision) of each.
    fn expire(
        &self,
        lease: &Lease,
        now_ms: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(String, u32)>>> + Send;
    /// Dead letters of a partition, oldest first, after the id `after`.
    fn dead_letters(
        &self,
        partition: Partition,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DeadLetter>>> + Send;
    /// Moves dead letters of events this version can read (left by a newer version) back
    /// into the queue; returns how many.
    fn requeue_dead_letters(&self, lease: &Lease) -> impl Future<Output = Result<usize>> + Send;
    /// Counters of a partition, for metrics.
    fn partition_stats(
        &self,
        partition: Partition,
    ) -> impl Future<Output = Result<PartitionStats>> + Send;
}
