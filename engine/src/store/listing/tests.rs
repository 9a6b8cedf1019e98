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

/// A RUNNING and a SUCCEEDED index of `sm` whose executions finish while a listing runs:
/// `move_at` says when `sm:e4` (the newest) moves from the first to the second — between
/// the two indexes' reads of the first round, or after the round, before the heads are read.
struct Moving {
    running: std::sync::Mutex<Vec<Entry>>,
    succeeded: std::sync::Mutex<Vec<Entry>>,
    move_at: MoveAt,
}

#[derive(Clone, Copy, PartialEq)]
enum MoveAt {
    /// After RUNNING's read, before SUCCEEDED's: the execution is read from both.
    BetweenReads,
    /// After every read, before the heads: it is read from RUNNING only and is SUCCEEDED.
    BeforeHeads,
}

impl Moving {
    fn new(move_at: MoveAt) -> Moving {
        let running = (0..5)
            .rev()
            .map(|j| (100 + j, format!("sm:e{j}")))
            .collect();
        Moving {
            running: std::sync::Mutex::new(running),
            succeeded: std::sync::Mutex::new(Vec::new()),
            move_at,
        }
    }

    fn finish_newest(&self) {
        let mut running = self.running.lock().unwrap();
        if let Some(at) = running.iter().position(|(_, id)| id == "sm:e4") {
            let entry = running.remove(at);
            self.succeeded.lock().unwrap().insert(0, entry);
        }
    }
}

impl ListingIndexes for Moving {
    /// The index's status.
    type Index = Status;

    async fn read(&self, reads: &[IndexRead<'_, Status>]) -> Result<Vec<Vec<Entry>>> {
        let mut out = Vec::new();
        for r in reads {
            let index = match r.index {
                Status::Running => &self.running,
                _ => &self.succeeded,
            };
            let entries: Vec<Entry> = (index.lock().unwrap().iter())
                .filter(|(start, _)| (r.min..=r.max).contains(start))
                .skip(r.skip)
                .take(r.count)
                .cloned()
                .collect();
            out.push(entries);
            if *r.index == Status::Running && self.move_at == MoveAt::BetweenReads {
                self.finish_newest();
            }
        }
        Ok(out)
    }

    async fn heads(&self, executions: &[(&Status, &str)]) -> Result<Vec<Option<Execution>>> {
        if self.move_at == MoveAt::BeforeHeads {
            self.finish_newest();
        }
        let succeeded = self.succeeded.lock().unwrap();
        Ok((executions.iter())
            .map(|(_, id)| {
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

/// An execution that finishes while a listing of every status runs is listed once, with
/// its status now, whether its entry was read from the index it left, from both, or the
/// index it moved to was read before it got there; a listing of RUNNING leaves it out.
#[tokio::test]
async fn an_execution_that_finishes_during_a_listing_is_listed_once() {
    for move_at in [MoveAt::BetweenReads, MoveAt::BeforeHeads] {
        let store = Moving::new(move_at);
        let indexes = vec![
            (Status::Running, Status::Running),
            (Status::Succeeded, Status::Succeeded),
        ];
        let page = list(
            &store,
            indexes,
            "sm",
            &ExecutionFilter::default(),
            None,
            100,
        )
        .await
        .unwrap();
        let listed: Vec<(&str, Status)> = (page.executions.iter())
            .map(|e| (e.name.as_str(), e.status))
            .collect();
        assert_eq!(
            listed,
            [
                ("e4", Status::Succeeded),
                ("e3", Status::Running),
                ("e2", Status::Running),
                ("e1", Status::Running),
                ("e0", Status::Running)
            ],
            "moved {}",
            if move_at == MoveAt::BetweenReads {
                "between the reads"
            } else {
                "before the heads"
            }
        );

        let store = Moving::new(move_at);
        let running = ExecutionFilter {
            status: Some(Status::Running),
            ..ExecutionFilter::default()
        };
        let page = list(
            &store,
            vec![(Status::Running, Status::Running)],
            "sm",
            &running,
            None,
            100,
        )
        .await
        .unwrap();
        let names: Vec<&str> = page.executions.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["e3", "e2", "e1", "e0"]);
    }
}
