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
        let indexes = (0..self.indexes.len())
            .map(|i| (Status::Running, i))
            .collect();
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
                    .skip(r.skip)
                    .take(r.count)
                    .cloned()
                    .collect();
                self.read.fetch_add(entries.len(), Ordering::Relaxed);
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
