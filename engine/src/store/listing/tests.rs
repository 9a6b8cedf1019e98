//! The merge on indexes held in a test double that counts what is read: the bounds the
//! listing documents (reads per call, rounds) and ties across reads.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use super::merge::{Entry, IndexRead, ListingIndexes, list};
use super::{ExecutionFilter, NAME_SCAN_PER_EXECUTION};
use crate::machine::{Execution, Status};
use crate::store::{ExecutionPage, Result};

/// Indexes of `sm`'s RUNNING executions, each newest first; counts entries read and rounds.
struct Counted {
    indexes: Vec<Vec<Entry>>,
    read: AtomicUsize,
    rounds: AtomicUsize,
}

impl Counted {
    /// `n` indexes; index `i` holds `bulk-<i>-<j>` started at `j * n + i` for each `j`, and
    /// the oldest `rare` names `rare-<i>` below them.
    fn new(n: usize, per_index: usize, rare: usize) -> Counted {
        let indexes = (0..n)
            .map(|i| {
                let mut index: Vec<Entry> = (0..per_index)
                    .map(|j| ((1_000 + j * n + i) as i64, format!("sm:bulk-{i}-{j}")))
                    .collect();
                index.extend((i < rare).then(|| (i as i64, format!("sm:rare-{i}"))));
                index.sort_by(|a, b| b.cmp(a));
                index
            })
            .collect();
        Counted {
            indexes,
            read: AtomicUsize::new(0),
            rounds: AtomicUsize::new(0),
        }
    }

    async fn page(
        &self,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> ExecutionPage {
        self.read.store(0, Ordering::Relaxed);
        self.rounds.store(0, Ordering::Relaxed);
        let indexes = (0..self.indexes.len()).collect();
        list(self, indexes, "sm", filter, cursor, limit)
            .await
            .unwrap()
    }

    fn read(&self) -> usize {
        self.read.load(Ordering::Relaxed)
    }
}

impl ListingIndexes for Counted {
    type Index = usize;

    async fn read(&self, reads: &[IndexRead<'_, usize>]) -> Result<Vec<Vec<Entry>>> {
        self.rounds.fetch_add(1, Ordering::Relaxed);
        Ok((reads.iter())
            .map(|r| {
                let entries: Vec<Entry> = (self.indexes[*r.index].iter())
                    .filter(|(start, _)| (r.min..=r.max).contains(start))
                    .take(r.most())
                    .cloned()
                    .collect();
                // Those read again are not counted: the bounds are on entries read anew.
                let anew = entries.len().saturating_sub(r.again);
                self.read.fetch_add(anew, Ordering::Relaxed);
                entries
            })
            .collect())
    }

    async fn heads(&self, executions: &[(&usize, &str)]) -> Result<Vec<Option<Execution>>> {
        Ok((executions.iter())
            .map(|(_, id)| {
                let name = id.split_once(':').map_or("", |(_, n)| n).to_owned();
                Some(Execution::new(
                    id.to_string(),
                    "sm".into(),
                    1,
                    name,
                    json!({}),
                    "A",
                    0,
                ))
            })
            .collect())
    }
}

fn named(prefix: &str) -> ExecutionFilter {
    ExecutionFilter {
        name_prefix: Some(prefix.to_owned()),
        ..ExecutionFilter::default()
    }
}

/// Without a name prefix a page reads one batch of each index and no more when the page
/// is spread over them: O(page + indexes).
#[tokio::test]
async fn a_page_reads_its_size_and_one_batch_per_index() {
    let store = Counted::new(64, 500, 0);
    let page = store.page(&ExecutionFilter::default(), None, 100).await;
    assert_eq!(page.executions.len(), 100);
    assert_eq!(store.rounds.load(Ordering::Relaxed), 1);
    assert_eq!(store.read(), 64 * 4);
}

/// With a prefix that matches only the oldest names, each call reads one batch of every
/// index and then at most NAME_SCAN_PER_EXECUTION × limit entries, and returns a cursor;
/// the cursors lead to every match, once.
#[tokio::test]
async fn a_name_scan_reads_a_bounded_number_of_entries() {
    let store = Counted::new(64, 500, 3);
    for limit in [1, 10, 100] {
        let mut cursor: Option<String> = None;
        let mut found = Vec::new();
        let mut calls = 0;
        loop {
            let page = store.page(&named("rare"), cursor.as_deref(), limit).await;
            calls += 1;
            let bound = (64 * 4).max(NAME_SCAN_PER_EXECUTION * limit);
            assert!(
                store.read() <= bound,
                "limit {limit}: {} > {bound}",
                store.read()
            );
            found.extend(page.executions.into_iter().map(|e| e.name));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(found, ["rare-2", "rare-1", "rare-0"], "limit {limit}");
        assert!(calls > 1, "limit {limit}");
    }
}

/// Many executions started in the same millisecond, in several indexes: each read goes on
/// after those of that millisecond already read, and every page lists each once.
#[tokio::test]
async fn ties_on_start_time_are_listed_once() {
    let mut store = Counted::new(3, 0, 0);
    for (i, index) in store.indexes.iter_mut().enumerate() {
        *index = (0..[50, 20, 7][i])
            .map(|j| (5_000, format!("sm:t{i}-{j:02}")))
            .chain([(4_000, format!("sm:u{i}"))])
            .collect();
        index.sort_by(|a, b| b.cmp(a));
    }
    let mut expected: Vec<Entry> = store.indexes.concat();
    expected.sort_by(|a, b| b.cmp(a));
    let expected: Vec<&str> = expected.iter().map(|(_, id)| &id[3..]).collect();
    for limit in [1, 3, 8] {
        let mut cursor: Option<String> = None;
        let mut found = Vec::new();
        loop {
            let page = (store.page(&ExecutionFilter::default(), cursor.as_deref(), limit)).await;
            found.extend(page.executions.into_iter().map(|e| e.name));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(found, expected, "limit {limit}");
    }
}

/// `sm`'s RUNNING and SUCCEEDED indexes in four partitions, read as the stores read them: a
/// partition's indexes of the statuses listed at one instant. After the `finish_after`-th
/// partition read, every execution of an even number that is RUNNING moves to SUCCEEDED at
/// its place (a commit that finishes it).
struct Moving {
    partitions: Vec<std::sync::Mutex<[Vec<Entry>; 2]>>,
    reads: AtomicUsize,
    finish_after: usize,
}

const MOVING_PARTITIONS: usize = 4;
const MOVING_EXECUTIONS: usize = 120;

impl Moving {
    /// Execution `e<n>` starts at `1000 + n / 3` (three per millisecond, across and within
    /// partitions) in partition `n % 4`; those with `n % 5 == 0` have already succeeded.
    fn new(finish_after: usize) -> Moving {
        let mut partitions = vec![[Vec::new(), Vec::new()]; MOVING_PARTITIONS];
        for n in 0..MOVING_EXECUTIONS {
            let entry = ((1_000 + n / 3) as i64, format!("sm:e{n:03}"));
            partitions[n % MOVING_PARTITIONS][usize::from(n.is_multiple_of(5))].push(entry);
        }
        for indexes in &mut partitions {
            for index in indexes.iter_mut() {
                index.sort_by(|a, b| b.cmp(a));
            }
        }
        Moving {
            partitions: partitions.into_iter().map(std::sync::Mutex::new).collect(),
            reads: AtomicUsize::new(0),
            finish_after,
        }
    }

    fn finishes(id: &str) -> bool {
        id[4..].parse::<usize>().is_ok_and(|n| n.is_multiple_of(2))
    }

    fn finish(&self) {
        for partition in &self.partitions {
            let [running, succeeded] = &mut *partition.lock().unwrap();
            let (moving, staying) = running.drain(..).partition(|(_, id)| Moving::finishes(id));
            *running = staying;
            succeeded.extend::<Vec<Entry>>(moving);
            succeeded.sort_by(|a, b| b.cmp(a));
        }
    }

    /// Every page of a listing of `statuses`, `limit` at a time.
    async fn pages(&self, statuses: Option<Status>, limit: usize) -> Vec<Execution> {
        let filter = ExecutionFilter::status(statuses);
        let indexes: Vec<(usize, Vec<Status>)> = (0..MOVING_PARTITIONS)
            .map(|p| (p, filter.statuses()))
            .collect();
        let (mut cursor, mut all) = (None::<String>, Vec::new());
        loop {
            let page = list(
                self,
                indexes.clone(),
                "sm",
                &filter,
                cursor.as_deref(),
                limit,
            )
            .await
            .unwrap();
            all.extend(page.executions);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return all,
            }
        }
    }
}

impl ListingIndexes for Moving {
    /// A partition and the statuses listed.
    type Index = (usize, Vec<Status>);

    async fn read(&self, reads: &[IndexRead<'_, Self::Index>]) -> Result<Vec<Vec<Entry>>> {
        let mut out = Vec::new();
        for r in reads {
            let (partition, statuses) = r.index;
            let indexes = self.partitions[*partition].lock().unwrap();
            let mut entries: Vec<Entry> = (statuses.iter())
                .filter_map(|s| match s {
                    Status::Running => Some(&indexes[0]),
                    Status::Succeeded => Some(&indexes[1]),
                    _ => None,
                })
                .flatten()
                .filter(|(start, _)| (r.min..=r.max).contains(start))
                .cloned()
                .collect();
            drop(indexes);
            entries.sort_by(|a, b| b.cmp(a));
            out.push(entries.into_iter().take(r.most()).collect());
            if self.reads.fetch_add(1, Ordering::Relaxed) + 1 == self.finish_after {
                self.finish();
            }
        }
        Ok(out)
    }

    async fn heads(&self, executions: &[(&Self::Index, &str)]) -> Result<Vec<Option<Execution>>> {
        Ok((executions.iter())
            .map(|((partition, _), id)| {
                let succeeded = &self.partitions[*partition].lock().unwrap()[1];
                let name = id.split_once(':').map_or("", |(_, n)| n).to_owned();
                let mut head =
                    Execution::new(id.to_string(), "sm".into(), 1, name, json!({}), "A", 0);
                if succeeded.iter().any(|(_, s)| s == id) {
                    head.status = Status::Succeeded;
                }
                Some(head)
            })
            .collect())
    }
}

/// Executions that finish while a listing runs, at every point of it (after each of its
/// partition reads, over several rounds and pages): a listing of every status lists each
/// execution once, in order, with its status when its page was made; a listing of RUNNING
/// lists every execution that stays RUNNING once, and one that finished only when it was
/// still RUNNING for its page.
#[tokio::test]
async fn executions_that_finish_during_a_listing_are_listed_once() {
    let all: Vec<String> = (0..MOVING_EXECUTIONS)
        .rev()
        .map(|n| format!("e{n:03}"))
        .collect();
    for limit in [7, 50] {
        let reads = {
            let store = Moving::new(0);
            store.pages(None, limit).await;
            store.reads.load(Ordering::Relaxed)
        };
        assert!(
            reads > 2 * MOVING_PARTITIONS,
            "limit {limit}: {reads} reads, several rounds"
        );
        for finish_after in 1..=reads {
            let store = Moving::new(finish_after);
            let listed = store.pages(None, limit).await;
            let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
            assert_eq!(
                names, all,
                "limit {limit}, finished after read {finish_after}"
            );
            for e in &listed {
                let before = if e.name[1..].parse::<usize>().unwrap().is_multiple_of(5) {
                    Status::Succeeded
                } else {
                    Status::Running
                };
                let after = if Moving::finishes(&e.id) {
                    Status::Succeeded
                } else {
                    before
                };
                assert!(
                    [before, after].contains(&e.status),
                    "limit {limit}, finished after read {finish_after}: {} {:?}",
                    e.name,
                    e.status
                );
            }

            let store = Moving::new(finish_after);
            let listed = store.pages(Some(Status::Running), limit).await;
            let staying: Vec<&str> = (listed.iter())
                .filter(|e| !Moving::finishes(&e.id))
                .map(|e| e.name.as_str())
                .collect();
            let expected: Vec<&str> = (all.iter())
                .filter(|n| {
                    let n: usize = n[1..].parse().unwrap();
                    !n.is_multiple_of(5) && !n.is_multiple_of(2)
                })
                .map(String::as_str)
                .collect();
            assert_eq!(
                staying, expected,
                "RUNNING, limit {limit}, after read {finish_after}"
            );
            assert!(listed.iter().all(|e| e.status == Status::Running));
            let mut names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
            names.dedup();
            assert_eq!(names.len(), listed.len(), "each once");
        }
    }
}

/// Eight indexes; the first holds `sm:t00`…`sm:t29` started in one millisecond (5,000), the
/// others one entry each at 1,000. After the first round of reads, `change` runs on the
/// first index.
struct Shifting {
    indexes: Vec<std::sync::Mutex<Vec<Entry>>>,
    rounds: AtomicUsize,
    change: Change,
}

/// What happens to an index between two rounds.
type Change = fn(&mut Vec<Entry>);

impl Shifting {
    fn new(change: Change) -> Shifting {
        let mut indexes = vec![
            (0..30)
                .rev()
                .map(|j| (5_000, format!("sm:t{j:02}")))
                .collect(),
        ];
        indexes.extend((1..8).map(|i| vec![(1_000, format!("sm:u{i}"))]));
        Shifting {
            indexes: indexes.into_iter().map(std::sync::Mutex::new).collect(),
            rounds: AtomicUsize::new(0),
            change,
        }
    }

    fn ids(&self) -> Vec<String> {
        (self.indexes.iter())
            .flat_map(|i| i.lock().unwrap().clone())
            .map(|(_, id)| id)
            .collect()
    }
}

impl ListingIndexes for Shifting {
    type Index = usize;

    async fn read(&self, reads: &[IndexRead<'_, usize>]) -> Result<Vec<Vec<Entry>>> {
        let out = (reads.iter())
            .map(|r| {
                (self.indexes[*r.index].lock().unwrap().iter())
                    .filter(|(start, _)| (r.min..=r.max).contains(start))
                    .take(r.most())
                    .cloned()
                    .collect()
            })
            .collect();
        if self.rounds.fetch_add(1, Ordering::Relaxed) == 0 {
            (self.change)(&mut self.indexes[0].lock().unwrap());
        }
        Ok(out)
    }

    async fn heads(&self, executions: &[(&usize, &str)]) -> Result<Vec<Option<Execution>>> {
        let ids = self.ids();
        Ok((executions.iter())
            .map(|(_, id)| {
                let name = id.split_once(':').map_or("", |(_, n)| n).to_owned();
                (ids.iter().any(|known| known == id)).then(|| {
                    Execution::new(id.to_string(), "sm".into(), 1, name, json!({}), "A", 0)
                })
            })
            .collect())
    }
}

/// Executions of the millisecond a listing is reading that are deleted or started between
/// two of its rounds: each other one is listed once — a deleted one does not hide the next,
/// a new one (which comes before the listing's place) does not repeat one.
#[tokio::test]
async fn ties_that_change_between_rounds_are_listed_once() {
    let expected = |deleted: &str| -> Vec<String> {
        ((0..30).rev().map(|j| format!("t{j:02}")))
            .chain((1..8).rev().map(|i| format!("u{i}")))
            .filter(|n| n != deleted)
            .collect()
    };
    let cases: [(&str, Change, &str); 2] = [
        // The first round read t29…t24: t28, read, is deleted.
        (
            "a deletion",
            |index| index.retain(|(_, id)| id != "sm:t28"),
            "t28",
        ),
        // A new execution of that millisecond whose id comes first.
        (
            "a start",
            |index| index.insert(0, (5_000, "sm:t99".into())),
            "",
        ),
    ];
    for (what, change, deleted) in cases {
        let store = Shifting::new(change);
        let indexes = (0..8).collect();
        // A page of 40 from 8 indexes reads 6 entries of each first, then 12, then 24.
        let page = list(&store, indexes, "sm", &ExecutionFilter::default(), None, 40)
            .await
            .unwrap();
        assert!(
            store.rounds.load(Ordering::Relaxed) > 2,
            "{what}: several rounds"
        );
        let names: Vec<String> = page.executions.into_iter().map(|e| e.name).collect();
        assert_eq!(names, expected(deleted), "{what}");
    }
}
