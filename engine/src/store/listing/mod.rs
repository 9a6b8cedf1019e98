//! Listing and counting a state machine's executions, as both stores do it.
//!
//! Each partition keeps one listing index per state machine and status: the execution ids
//! by start time (on Redis the zset `{p<N>}:l:<sm>:<status>`). A listing merges, newest
//! first, ties on start time by id, descending, one source per partition: its indexes of
//! the statuses asked for, read together at one instant (one script on Redis, under the
//! partition's lock in memory). Each source is read a few entries at a time, more from
//! those that supply the page, so a page costs O(page + partitions) whatever the number of
//! executions ever run. The time bounds of an [`ExecutionFilter`] are the bounds of those
//! reads: they cost nothing.
//!
//! A name prefix is no range of an index ordered by time: the entries of other names are
//! read and skipped (without loading their records). A call reads one batch from every
//! index, then reads on only while it has read fewer than [`NAME_SCAN_PER_EXECUTION`] ×
//! `limit` entries in all (a last round shares what is left, never going past it); when
//! they run out before the page is full, the page holds what was found (maybe nothing) and
//! its `next` goes on from the last entry read. So a page costs at most O(limit + indexes)
//! reads and round trips, however rare the names that match.
//!
//! The cursor is `<start ms>|<id>`: the last execution returned, or the last index entry
//! read when the reads ran out; the next page starts right after it in the order. It is a
//! place in the order, not in a result: it stays valid while executions start, end and are
//! deleted, and with the same filter the pages hold every match exactly once.
//!
//! An execution that changes status while a listing runs (it finishes) moves from one index
//! of its partition to another in one atomic commit, at the same place in the order. Every
//! read of a partition sees it in exactly one of them, and the reads of a partition go down
//! the order from where the last one ended, so a listing reads it once whatever moves: it
//! is listed, with its status at the time of the page, when that status is one asked for.
//! (Before 2026-12-08 each index was a source of its own, and an execution could be missed
//! when the index it moved to had been read past its place before it got there.)
//!
//! A source's next read starts at the millisecond of the last entry it read and reads
//! again the entries of that millisecond it has seen; the merge drops every entry at or
//! before the last one by its place, not by a count, so an execution of that millisecond
//! deleted or started between two reads neither hides another nor is read twice.

mod merge;

pub(crate) use merge::{Entry, IndexRead, ListingIndexes, list};

use crate::machine::Status;

/// Every status, in the order of [`ExecutionCounts`].
pub const STATUSES: [Status; 5] = [
    Status::Running,
    Status::Succeeded,
    Status::Failed,
    Status::TimedOut,
    Status::Aborted,
];

/// With a name prefix, a listing call reads at most this many index entries per execution
/// asked for (`limit`), or one batch from every index when that is more.
pub const NAME_SCAN_PER_EXECUTION: usize = 20;

/// When counting, executions past their retention that the sweep has not deleted yet are
/// left out: the first this many of each partition's expiry index (all state machines),
/// which the sweep empties every few seconds. Beyond them, while no worker sweeps, such
/// executions are counted.
pub const COUNT_EXPIRED_LOOKED_AT: usize = 256;

/// Which executions of a state machine a listing returns; the default: all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecutionFilter {
    /// Only executions with this status.
    pub status: Option<Status>,
    /// Only executions whose name starts with this (an empty one: all). Costs reads of
    /// the entries of other names (see the [module](self)).
    pub name_prefix: Option<String>,
    /// Only executions started at this time (ms) or later.
    pub started_from_ms: Option<i64>,
    /// Only executions started before this time (ms).
    pub started_before_ms: Option<i64>,
}

impl ExecutionFilter {
    /// Executions with `status` (all when `None`).
    pub fn status(status: Option<Status>) -> ExecutionFilter {
        ExecutionFilter {
            status,
            ..ExecutionFilter::default()
        }
    }

    /// The statuses whose indexes the listing reads.
    pub fn statuses(&self) -> Vec<Status> {
        self.status.map_or_else(|| STATUSES.to_vec(), |s| vec![s])
    }
}

/// A state machine's executions by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecutionCounts {
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub aborted: u64,
}

impl ExecutionCounts {
    pub fn get(&self, status: Status) -> u64 {
        match status {
            Status::Running => self.running,
            Status::Succeeded => self.succeeded,
            Status::Failed => self.failed,
            Status::TimedOut => self.timed_out,
            Status::Aborted => self.aborted,
        }
    }

    fn slot(&mut self, status: Status) -> &mut u64 {
        match status {
            Status::Running => &mut self.running,
            Status::Succeeded => &mut self.succeeded,
            Status::Failed => &mut self.failed,
            Status::TimedOut => &mut self.timed_out,
            Status::Aborted => &mut self.aborted,
        }
    }

    /// Counts `n` more executions of `status`.
    pub fn add(&mut self, status: Status, n: u64) {
        *self.slot(status) += n;
    }

    /// Counts `n` fewer executions of `status` (not below 0).
    pub fn remove(&mut self, status: Status, n: u64) {
        let slot = self.slot(status);
        *slot = slot.saturating_sub(n);
    }

    /// Every status with its count, in [`STATUSES`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Status, u64)> + '_ {
        STATUSES.into_iter().map(|s| (s, self.get(s)))
    }
}

/// A listing cursor: `<start ms>|<id>`.
pub(crate) fn cursor(entry: &Entry) -> String {
    format!("{}|{}", entry.0, entry.1)
}

/// The place a cursor names; `None` when it is not one.
pub(crate) fn parse_cursor(cursor: &str) -> Option<Entry> {
    let (start, id) = cursor.split_once('|')?;
    Some((start.parse().ok()?, id.to_owned()))
}

#[cfg(test)]
mod tests;
