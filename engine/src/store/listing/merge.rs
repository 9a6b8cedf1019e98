//! The merge of listing indexes into pages: what a store supplies ([`ListingIndexes`]) and
//! the page made from it ([`list`]). The rules are in the [parent module](super).

use std::collections::VecDeque;
use std::future::Future;

use super::{ExecutionFilter, NAME_SCAN_PER_EXECUTION, cursor, parse_cursor};
use crate::clock::now_ms;
use crate::machine::{Execution, Status};
use crate::store::{ExecutionPage, Result};

/// A place in a listing: (start ms, execution id). The greater comes first.
pub(crate) type Entry = (i64, String);

/// The first read of an index takes at least this many entries; each next read of the
/// same index twice as many as the last, up to [`MAX_BATCH`].
const MIN_BATCH: usize = 4;
const MAX_BATCH: usize = 1000;

/// One read of one index: its first `again + count` entries with `min <= start <= max`,
/// newest first (ties on start by id, descending). The first `again` are those of start
/// `max` the merge read before, read again: it drops every entry it has seen by its place,
/// so one deleted or started meanwhile at that millisecond neither hides an entry nor
/// repeats one.
pub(crate) struct IndexRead<'a, I> {
    pub index: &'a I,
    pub min: i64,
    pub max: i64,
    pub again: usize,
    pub count: usize,
}

impl<I> IndexRead<'_, I> {
    /// How many entries the store returns at most.
    pub fn most(&self) -> usize {
        self.again + self.count
    }
}

/// What a store supplies to list executions.
pub(crate) trait ListingIndexes: Sync {
    /// What the merge reads as one index: one partition's listing indexes of a state
    /// machine, of the statuses listed. A read sees all of them at one instant (a commit
    /// moves an execution from one to another atomically), merged in the listing's order.
    type Index: Send + Sync;
    /// The entries of each read, in the order of the reads (which may run concurrently).
    fn read(
        &self,
        reads: &[IndexRead<'_, Self::Index>],
    ) -> impl Future<Output = Result<Vec<Vec<Entry>>>> + Send;
    /// The heads of executions found in these indexes, `None` for those that are gone.
    fn heads(
        &self,
        executions: &[(&Self::Index, &str)],
    ) -> impl Future<Output = Result<Vec<Option<Execution>>>> + Send;
}

/// A page of `state_machine`'s executions from `indexes` (one per partition, of the
/// statuses `filter` lists) that pass `filter`, after `cursor`.
pub(crate) async fn list<X: ListingIndexes>(
    store: &X,
    indexes: Vec<X::Index>,
    state_machine: &str,
    filter: &ExecutionFilter,
    cursor_text: Option<&str>,
    limit: usize,
) -> Result<ExecutionPage> {
    let after = cursor_text.and_then(parse_cursor);
    let min = filter.started_from_ms.unwrap_or(i64::MIN);
    let max = (filter.started_before_ms.map(|b| b.saturating_sub(1)))
        .into_iter()
        .chain(after.as_ref().map(|(start, _)| *start))
        .min()
        .unwrap_or(i64::MAX);
    if limit == 0 || indexes.is_empty() || max < min {
        return Ok(ExecutionPage {
            executions: Vec::new(),
            next: None,
        });
    }
    let statuses: Vec<Status> = filter.statuses();
    let prefix = (filter.name_prefix.as_deref())
        .filter(|p| !p.is_empty())
        .map(|p| format!("{state_machine}:{p}"));
    let batch = (limit + 1).div_ceil(indexes.len()).max(MIN_BATCH);
    let mut merge = Merge {
        budget: prefix.as_ref().map(|_| NAME_SCAN_PER_EXECUTION * limit),
        sources: (indexes.into_iter())
            .map(|index| Source {
                index,
                kept: VecDeque::new(),
                last: None,
                ties: 0,
                batch,
                exhausted: false,
            })
            .collect(),
        min,
        max,
        after,
        prefix,
        read: 0,
        rounds: 0,
    };
    let now = now_ms();
    let mut found: Vec<(Entry, Execution)> = Vec::new();
    let end = loop {
        let (entries, end) = merge.next(store, limit + 1 - found.len()).await?;
        let heads = {
            let ids: Vec<(&X::Index, &str)> = (entries.iter())
                .map(|(entry, source)| (&merge.sources[*source].index, entry.1.as_str()))
                .collect();
            store.heads(&ids).await?
        };
        for ((entry, _), head) in entries.into_iter().zip(heads) {
            // Gone, past its retention, or moved since its entry was read to a status not
            // listed (it finished while a listing of RUNNING ran): not listed.
            let Some(head) = head
                .filter(|h| statuses.contains(&h.status) && h.expires_ms.is_none_or(|at| at > now))
            else {
                continue;
            };
            found.push((entry, head));
        }
        if !matches!(end, End::Full) || found.len() > limit {
            break end;
        }
    };
    let next = if found.len() > limit {
        found.truncate(limit);
        found.last().map(|(entry, _)| cursor(entry))
    } else if let End::OutOfReads(last) = &end {
        Some(cursor(last))
    } else {
        None
    };
    Ok(ExecutionPage {
        executions: found.into_iter().map(|(_, e)| e).collect(),
        next,
    })
}

/// Why [`Merge::next`] stopped.
enum End {
    /// It found the entries wanted.
    Full,
    /// Every index was read to its end.
    Exhausted,
    /// The reads a call may make ran out: the indexes were read down to this entry, and
    /// every entry kept before it was returned.
    OutOfReads(Entry),
}

/// One index being read.
struct Source<I> {
    index: I,
    /// Entries read that pass the filter and were not merged yet, newest first.
    kept: VecDeque<Entry>,
    /// The last entry read, kept or not: the index was read down to it.
    last: Option<Entry>,
    /// How many entries of the last read start at the time of `last` and come before it
    /// or are it (the next read, from that time, reads them again).
    ties: usize,
    /// How many to read next time.
    batch: usize,
    exhausted: bool,
}

impl<I> Source<I> {
    /// True when entries not read yet may come before `entry` (any entry when `None`).
    fn may_precede(&self, entry: Option<&Entry>) -> bool {
        self.kept.is_empty()
            && !self.exhausted
            && match (&self.last, entry) {
                (Some(last), Some(entry)) => last > entry,
                _ => true,
            }
    }
}

/// The merge of the indexes, after a cursor.
struct Merge<I> {
    sources: Vec<Source<I>>,
    /// The bounds of every read (start ms, inclusive).
    min: i64,
    max: i64,
    /// Only entries after this one (the cursor's) in the order.
    after: Option<Entry>,
    /// Only ids that start with this (`<state machine>:<name prefix>`).
    prefix: Option<String>,
    /// With a name prefix: how many entries may be read after the first round of reads.
    budget: Option<usize>,
    /// Entries read so far.
    read: usize,
    /// Rounds of reads so far.
    rounds: usize,
}

impl<I: Send + Sync> Merge<I> {
    /// The next `want` kept entries in order, each with its source; fewer when the indexes
    /// end or the reads run out.
    async fn next<X: ListingIndexes<Index = I>>(
        &mut self,
        store: &X,
        want: usize,
    ) -> Result<(Vec<(Entry, usize)>, End)> {
        let mut out = Vec::with_capacity(want);
        loop {
            // Take entries while no index may hold one that comes before.
            while out.len() < want {
                let Some(best) = self.best() else { break };
                let first = &self.sources[best].kept[0];
                if self.sources.iter().any(|s| s.may_precede(Some(first))) {
                    break;
                }
                if let Some(entry) = self.sources[best].kept.pop_front() {
                    out.push((entry, best));
                }
            }
            if out.len() >= want {
                return Ok((out, End::Full));
            }
            // Every index with nothing kept is read on, also those whose next entries are
            // not needed yet: one round then serves several later steps of the merge.
            let mut wanted: Vec<usize> = (0..self.sources.len())
                .filter(|i| self.sources[*i].may_precede(None))
                .collect();
            if wanted.is_empty() {
                return Ok((out, End::Exhausted));
            }
            let left = self.left();
            if left == Some(0) {
                // Everything down to the last entry read of every index not at its end was
                // seen, and what was kept there is in `out`: the next page starts below it.
                let last = (self.sources.iter())
                    .filter(|s| !s.exhausted)
                    .filter_map(|s| s.last.clone())
                    .max();
                return Ok((out, last.map_or(End::Exhausted, End::OutOfReads)));
            }
            if let Some(left) = left
                && wanted.len() * MIN_BATCH > left
            {
                // Too few reads left for MIN_BATCH from every index: those read least far
                // first.
                wanted.sort_by(|a, b| self.sources[*b].last.cmp(&self.sources[*a].last));
                wanted.truncate((left / MIN_BATCH).max(1));
            }
            self.refill(store, &wanted, left).await?;
        }
    }

    /// How many entries may still be read, when that is limited: with a name prefix, after
    /// the first round.
    fn left(&self) -> Option<usize> {
        (self.budget.filter(|_| self.rounds > 0)).map(|b| b.saturating_sub(self.read))
    }

    /// The source whose first kept entry comes first.
    fn best(&self) -> Option<usize> {
        (0..self.sources.len())
            .filter(|i| !self.sources[*i].kept.is_empty())
            .max_by(|a, b| self.sources[*a].kept[0].cmp(&self.sources[*b].kept[0]))
    }

    /// Reads the next entries of the sources `wanted`, concurrently, sharing what may be
    /// read (`left`) among them.
    async fn refill<X: ListingIndexes<Index = I>>(
        &mut self,
        store: &X,
        wanted: &[usize],
        left: Option<usize>,
    ) -> Result<()> {
        // `left` split as evenly as it goes (at least MIN_BATCH each: see `next`).
        let share = |k: usize| left.map(|n| n / wanted.len() + usize::from(k < n % wanted.len()));
        let reads: Vec<IndexRead<'_, I>> = (wanted.iter().enumerate())
            .map(|(k, i)| {
                let s = &self.sources[*i];
                IndexRead {
                    index: &s.index,
                    min: self.min,
                    max: s.last.as_ref().map_or(self.max, |last| last.0),
                    again: s.ties,
                    count: share(k).map_or(s.batch, |n| s.batch.min(n)),
                }
            })
            .collect();
        let most: Vec<usize> = reads.iter().map(IndexRead::most).collect();
        let replies = store.read(&reads).await?;
        drop(reads);
        self.rounds += 1;
        for ((i, entries), most) in wanted.iter().zip(replies).zip(most) {
            let s = &mut self.sources[*i];
            s.exhausted = entries.len() < most;
            s.batch = (s.batch * 2).min(MAX_BATCH);
            for entry in &entries {
                // Read before: at the place of the last entry read, or before it.
                if s.last.as_ref().is_some_and(|last| entry >= last) {
                    continue;
                }
                self.read += 1;
                let after = self.after.as_ref().is_none_or(|a| entry < a);
                let named = (self.prefix.as_deref()).is_none_or(|p| entry.1.starts_with(p));
                if after && named {
                    s.kept.push_back(entry.clone());
                }
                s.last = Some(entry.clone());
            }
            // Counted in this read, not carried over: entries of that millisecond may have
            // come or gone since the last one. The read returned all of them first.
            if let Some(last) = &s.last {
                s.ties = (entries.iter())
                    .filter(|e| e.0 == last.0 && *e >= last)
                    .count();
            }
        }
        Ok(())
    }
}
