//! What the [`super::Store`] operations take and return.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::record::RecordWrite;
use crate::machine::{Execution, HistoryEvent, OpenToken, QueuedEvent, Timer, TokenClosed};

/// Store failures that are not a normal outcome of an operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// The partition lease is no longer held: another worker owns the partition.
    #[error("the partition lease is not held")]
    LeaseLost,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// When the store cannot serve for now (unreachable, out of memory, read-only, busy),
    /// why, in words for an API answer: the operation may succeed later. `None` for other
    /// errors.
    pub fn unavailable(&self) -> Option<&'static str> {
        let StoreError::Redis(e) = self else {
            return None;
        };
        if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
            return Some("the store (Redis) is unreachable or does not answer");
        }
        Some(match e.code()? {
            "OOM" => "the store (Redis) is out of memory (maxmemory reached) and refuses writes",
            "READONLY" => "the store (Redis) is read-only (a replica) and refuses writes",
            "LOADING" => "the store (Redis) is loading its data",
            "BUSY" => "the store (Redis) is busy running a script",
            // MOVED/ASK reach here only when the cluster client could not follow them: the
            // slot's master is changing.
            "MASTERDOWN" | "CLUSTERDOWN" | "TRYAGAIN" | "MOVED" | "ASK" => {
                "the store (Redis) is failing over"
            }
            "NOAUTH" | "WRONGPASS" | "NOPERM" => "the store (Redis) refuses Baton's credentials",
            _ => return None,
        })
    }

    /// Counts this error of `operation` in `baton_store_errors_total`.
    pub fn count(&self, operation: &'static str) {
        metrics::counter!("baton_store_errors_total", "operation" => operation, "kind" => self.kind())
            .increment(1);
    }

    /// A short, stable word for metrics labels.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::LeaseLost => "lease_lost",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Other(_) => "other",
            StoreError::Redis(e) if e.is_timeout() => "timeout",
            StoreError::Redis(e) if e.is_io_error() || e.is_connection_dropped() => "connection",
            StoreError::Redis(e) => match e.code() {
                Some("OOM") => "oom",
                Some("READONLY") => "readonly",
                Some("NOSCRIPT") => "noscript",
                Some("LOADING" | "BUSY" | "MASTERDOWN" | "CLUSTERDOWN" | "TRYAGAIN") => "busy",
                _ => "server",
            },
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A partition number, `0..partitions`.
pub type Partition = u32;

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
    /// Numbered per name, never reused: 1, 2, … — a new one for each update.
    pub revision: u32,
    /// The definition as JSON text.
    pub definition: String,
    pub role_arn: String,
    /// `STANDARD` or `EXPRESS`.
    #[serde(rename = "type")]
    pub kind: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// How long finished executions of this revision are kept; the process default when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_ms: Option<u64>,
}

/// When a queue entry was queued: both stores use ids of the form `<ms>-<n>` (Redis
/// stream ids).
pub fn enqueued_ms(entry_id: &str) -> Option<i64> {
    entry_id.split_once('-').and_then(|(ms, _)| ms.parse().ok())
}

/// Compares queue entry ids (`<ms>-<n>`) in queue order.
pub fn entry_order(id: &str) -> (u64, u64) {
    let (ms, n) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), n.parse().unwrap_or(0))
}

/// An entry of a partition's queue. Two are equal when they are the same entry (id,
/// execution, event), whether or not a record came with them.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    /// Store-specific id, passed back in `acks`.
    pub id: String,
    pub execution: String,
    pub event: QueuedEvent,
    /// The execution's record as the store read it with the entry, when it could do so at
    /// no extra cost (`None` otherwise): a worker without a copy of its own may start from
    /// it instead of loading it. It may be older than the record by the time it is used;
    /// a commit from it is then refused as a version conflict, as from any stale copy.
    pub prefetched: Option<Box<Execution>>,
}

impl PartialEq for QueueEntry {
    fn eq(&self, other: &QueueEntry) -> bool {
        (&self.id, &self.execution, &self.event) == (&other.id, &other.execution, &other.event)
    }
}

/// Which queue entries to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueRead {
    /// Entries never delivered.
    New,
    /// Entries delivered before and not acknowledged, with ids after `after` (all when
    /// `None`), in queue order.
    Pending { after: Option<String> },
}

/// Everything one transition of one execution writes.
#[derive(Debug, Clone)]
pub struct CommitRequest {
    /// The record's changes; `record.head.seq` is the new version and `seq - 1` the
    /// version the store must hold. A final status moves the execution's index entry from
    /// RUNNING and schedules its deletion at `head.expires_ms`.
    pub record: RecordWrite,
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
    /// The commit of this execution that this one follows wrote the same `active` (a
    /// commit applies only after the one before it): the store may skip writing it.
    pub active_unchanged: bool,
}

impl CommitRequest {
    pub fn id(&self) -> &str {
        &self.record.head.id
    }
}

/// Why a commit was refused. The transition did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The stored version is not `seq - 1` (or the execution does not exist).
    #[error("version conflict")]
    Conflict,
    /// The lease is no longer held: another worker owns the partition.
    #[error("partition lease lost")]
    LeaseLost,
    /// The transition closes a task token whose callback was accepted but not applied
    /// yet: the callback must be applied first.
    #[error("a callback for a task this transition closes is waiting to be applied")]
    CallbackPending,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outcome of `start_execution`.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    Created,
    /// An execution with this id exists; here is it (its head and input).
    Exists(Box<Execution>),
    /// The revision the execution would run was deleted meanwhile (its machine was
    /// updated or deleted): start it again on the latest.
    RevisionGone,
}

/// A callback message for an open task token.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackMessage {
    /// Success or failure: marks the token answered and queues this event.
    Finish(QueuedEvent),
    /// Moves the heartbeat timer forward by its period; writes nothing else.
    Heartbeat,
}

/// Why a callback was refused.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// The task is closed: it already received its result, or timed out (AWS `TaskTimedOut`).
    #[error("the task is already closed")]
    Closed,
    /// No such open task: the execution ended, was stopped, or the attempt was cancelled
    /// (AWS `TaskDoesNotExist`).
    #[error("the task does not exist")]
    Gone,
    #[error("store error: {0}")]
    Store(#[from] StoreError),
}

impl PartialEq for CallbackError {
    fn eq(&self, other: &CallbackError) -> bool {
        match (self, other) {
            (CallbackError::Closed, CallbackError::Closed)
            | (CallbackError::Gone, CallbackError::Gone) => true,
            (CallbackError::Store(a), CallbackError::Store(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

/// A page of executions, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionPage {
    pub executions: Vec<Execution>,
    /// Pass back to get the next page. With a name prefix a page may hold fewer than
    /// `limit` executions, even none, and still have a `next`: the listing read as many
    /// index entries as one call may ([`super::NAME_SCAN_PER_EXECUTION`]) and stopped there.
    pub next: Option<String>,
}

/// A queue entry or timer that could not be read, kept with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    /// Its id in the partition's dead letters (`<ms>-<n>`).
    pub id: String,
    pub partition: Partition,
    /// `queue` or `timer`.
    pub source: String,
    /// The execution it was for, when that could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<String>,
    /// The entry or timer as stored.
    pub data: String,
    pub reason: String,
    /// True for an event this version does not know (from a newer version): a worker that
    /// knows it puts it back in the queue.
    pub unknown: bool,
}

/// Counters of one partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionStats {
    /// Queue entries delivered and not acknowledged.
    pub pending: u64,
    /// Dead letters kept.
    pub dead_letters: u64,
    /// Executions by status (not yet deleted).
    pub executions: BTreeMap<&'static str, u64>,
    /// The earliest timer, if any.
    pub next_timer_ms: Option<i64>,
}

/// The most tags a state machine may have (AWS's limit).
pub const MAX_TAGS: usize = 50;

/// What setting tags did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOutcome {
    Tagged,
    /// No such state machine: nothing changed.
    NoStateMachine,
    /// The machine would have more than [`MAX_TAGS`]: nothing changed.
    TooMany,
}
