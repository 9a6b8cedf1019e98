//! What the store's redrive operation takes and answers ([`super::Store::redrive_execution`]).

use super::record::RecordWrite;
use crate::machine::{HistoryEvent, Status, Timer};

/// A redriven execution to write (`machine::redrive`'s result).
#[derive(Debug, Clone, PartialEq)]
pub struct RedriveRequest {
    /// The record's changes: the head is `RUNNING`, its `seq` one more than `expected_seq`.
    pub record: RecordWrite,
    /// The version of the finished record the redrive was computed from.
    pub expected_seq: u64,
    /// The finished record's status, revision and expiry: its listing entry, count and
    /// expiry entry move back to `RUNNING`.
    pub previous: Status,
    pub previous_revision: u32,
    pub previous_expires_ms: Option<i64>,
    /// `ExecutionRedriven` and what follows it.
    pub history: Vec<HistoryEvent>,
    pub timers: Vec<Timer>,
}

impl RedriveRequest {
    pub fn id(&self) -> &str {
        &self.record.head.id
    }
}

/// How a redrive went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redriven {
    /// Written: the execution runs again.
    Done,
    /// The record changed (another redrive won) or is gone: nothing written.
    Conflict,
    /// The revision the execution is moved to no longer exists: nothing written.
    RevisionGone,
}
