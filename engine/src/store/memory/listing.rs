//! Listing and counting executions in memory ([`crate::store::listing`]): reads of the
//! partitions' listing indexes, those of one partition together under its mutex.

use std::ops::Bound;

use super::{MemoryStore, lock};
use crate::machine::{Execution, Status};
use crate::store::listing::{
    COUNT_EXPIRED_LOOKED_AT, Entry, ExecutionCounts, IndexRead, ListingIndexes, STATUSES,
};
use crate::store::{Partition, Result};

/// The listing indexes of one state machine.
pub(super) struct Indexes<'a> {
    pub store: &'a MemoryStore,
    pub state_machine: &'a str,
}

impl ListingIndexes for Indexes<'_> {
    /// A partition and the statuses listed.
    type Index = (Partition, Vec<Status>);

    async fn read(&self, reads: &[IndexRead<'_, Self::Index>]) -> Result<Vec<Vec<Entry>>> {
        Ok((reads.iter())
            .map(|r| {
                let (partition, statuses) = r.index;
                // Every status at one instant: a commit moves an execution between two of
                // them under this lock.
                let data = lock(&self.store.part(*partition).data);
                let upper = match r.max.checked_add(1) {
                    Some(above) => Bound::Excluded((above, String::new())),
                    None => Bound::Unbounded,
                };
                let lower = Bound::Included((r.min, String::new()));
                let mut all: Vec<&Entry> = (statuses.iter())
                    .filter_map(|s| data.index.get(&(self.state_machine.to_owned(), *s)))
                    .flat_map(|index| {
                        let range = index.range((lower.clone(), upper.clone()));
                        range.rev().take(r.most())
                    })
                    .collect();
                all.sort_unstable_by(|a, b| b.cmp(a));
                (all.into_iter().take(r.most()).cloned()).collect()
            })
            .collect())
    }

    async fn heads(&self, executions: &[(&Self::Index, &str)]) -> Result<Vec<Option<Execution>>> {
        Ok((executions.iter())
            .map(|((partition, _), id)| {
                let data = lock(&self.store.part(*partition).data);
                data.records.get(*id).map(|stored| stored.head.clone())
            })
            .collect())
    }
}

impl MemoryStore {
    /// Each partition's index sizes, less the executions past their retention not yet
    /// deleted (the first [`COUNT_EXPIRED_LOOKED_AT`] of the partition).
    pub(super) fn count(&self, state_machine: &str, now_ms: i64) -> ExecutionCounts {
        let mut counts = ExecutionCounts::default();
        for part in &self.inner.partitions {
            let data = lock(&part.data);
            for status in STATUSES {
                if let Some(index) = data.index.get(&(state_machine.to_owned(), status)) {
                    counts.add(status, index.len() as u64);
                }
            }
            let expired = (data.expiry.iter())
                .take_while(|(at, _)| *at <= now_ms)
                .take(COUNT_EXPIRED_LOOKED_AT);
            for (_, id) in expired {
                if let Some(stored) = data.records.get(id)
                    && stored.head.state_machine == state_machine
                {
                    counts.remove(stored.head.status, 1);
                }
            }
        }
        counts
    }
}
