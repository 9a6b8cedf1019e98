//! `Store::list_executions`: a merge of the partitions' listing indexes
//! (`{p<N>}:l:<sm>:<status>`, ids by start ms), newest first. Each index is read a few
//! entries at a time, more from those that supply the page, so a page costs O(page +
//! indexes) whatever the number of executions ever run. Reads of several partitions are
//! sent as concurrent commands, not pipelines: on a cluster they are in different slots.

use std::collections::VecDeque;

use redis::Value;

use super::{RedisStore, decode, text};
use crate::clock::now_ms;
use crate::machine::{Execution, Status};
use crate::store::{ExecutionPage, Partition, Result, Store};

const STATUSES: [Status; 5] = [
    Status::Running,
    Status::Succeeded,
    Status::Failed,
    Status::TimedOut,
    Status::Aborted,
];

/// One index being read.
struct Source {
    key: String,
    partition: Partition,
    /// Entries read and not merged yet, newest first.
    buffer: VecDeque<(i64, String)>,
    /// Entries read so far (the offset of the next read).
    offset: usize,
    /// How many to read next time.
    batch: usize,
    exhausted: bool,
}

/// The merge of the indexes, below a cursor.
struct Merge {
    sources: Vec<Source>,
    /// Read at most this start time (the cursor's, or now).
    max: i64,
    /// Only entries before this `(start, id)`.
    before: Option<(i64, String)>,
}

impl Merge {
    fn exhausted(&self) -> bool {
        self.sources
            .iter()
            .all(|s| s.buffer.is_empty() && s.exhausted)
    }

    /// The next `want` entries in order (fewer only when every index is read).
    async fn next(
        &mut self,
        store: &RedisStore,
        want: usize,
    ) -> Result<Vec<((i64, String), Partition)>> {
        let mut out = Vec::with_capacity(want);
        while out.len() < want && !self.exhausted() {
            store.refill(&mut self.sources, self.max).await?;
            // Merge while every index that may hold more has an entry buffered.
            while out.len() < want {
                if self
                    .sources
                    .iter()
                    .any(|s| s.buffer.is_empty() && !s.exhausted)
                {
                    break;
                }
                let Some(best) = (self.sources.iter_mut())
                    .filter(|s| !s.buffer.is_empty())
                    .max_by(|a, b| a.buffer[0].cmp(&b.buffer[0]))
                else {
                    break;
                };
                let Some(entry) = best.buffer.pop_front() else {
                    break;
                };
                let below = (self.before.as_ref())
                    .is_none_or(|(start, id)| (entry.0, &entry.1) < (*start, id));
                if below {
                    out.push((entry, best.partition));
                }
            }
        }
        Ok(out)
    }
}

impl RedisStore {
    /// Newest first; ties on start time by id, descending (as MemoryStore). The cursor is
    /// `<start ms>|<id>` of the last execution returned; a page is full when `next` is set.
    /// Executions past their expiry but not deleted yet are skipped.
    pub(super) async fn list(
        &self,
        state_machine: &str,
        status: Option<Status>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        if limit == 0 {
            return Ok(ExecutionPage {
                executions: Vec::new(),
                next: None,
            });
        }
        let before = cursor.and_then(|c| {
            let (start, id) = c.split_once('|')?;
            Some((start.parse::<i64>().ok()?, id.to_owned()))
        });
        let statuses: Vec<Status> = status.map_or_else(|| STATUSES.to_vec(), |s| vec![s]);
        let count = self.partitions() as usize * statuses.len();
        let batch = (limit + 1).div_ceil(count).max(4);
        let mut sources = Vec::with_capacity(count);
        for p in 0..self.partitions() {
            for s in &statuses {
                sources.push(Source {
                    key: self.keys(p).index(state_machine, *s),
                    partition: p,
                    buffer: VecDeque::new(),
                    offset: 0,
                    batch,
                    exhausted: false,
                });
            }
        }
        // A fixed upper bound keeps the offsets stable while executions start meanwhile.
        let max = before.as_ref().map_or_else(now_ms, |(start, _)| *start);
        let mut merge = Merge {
            sources,
            max,
            before,
        };
        let now = now_ms();
        let mut found: Vec<((i64, String), Execution)> = Vec::new();
        while found.len() <= limit {
            let want = limit + 1 - found.len();
            let entries = merge.next(self, want).await?;
            let heads = self.heads(&entries).await?;
            let short = entries.len() < want;
            for ((entry, _), head) in entries.into_iter().zip(heads) {
                if let Some(head) = head.filter(|h| h.expires_ms.is_none_or(|at| at > now)) {
                    found.push((entry, head));
                }
            }
            if short {
                break;
            }
        }
        let next = (found.len() > limit).then(|| {
            let (start, id) = &found[limit - 1].0;
            format!("{start}|{id}")
        });
        found.truncate(limit);
        Ok(ExecutionPage {
            executions: found.into_iter().map(|(_, e)| e).collect(),
            next,
        })
    }

    /// Reads the next entries of every source whose buffer is empty.
    async fn refill(&self, sources: &mut [Source], max: i64) -> Result<()> {
        let wanted: Vec<usize> = (0..sources.len())
            .filter(|i| sources[*i].buffer.is_empty() && !sources[*i].exhausted)
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        // Each index is in its own partition's slot: one command each, concurrently (a
        // pipeline would cross slots on a cluster).
        let reads = wanted.iter().map(|i| {
            let s = &sources[*i];
            let mut con = self.con();
            let mut cmd = redis::cmd("ZRANGE");
            cmd.arg(&s.key)
                .arg(max)
                .arg("-inf")
                .arg("BYSCORE")
                .arg("REV")
                .arg("LIMIT")
                .arg(s.offset)
                .arg(s.batch)
                .arg("WITHSCORES");
            async move { cmd.query_async::<Vec<(String, f64)>>(&mut con).await }
        });
        let replies = futures::future::try_join_all(reads).await?;
        for (i, entries) in wanted.into_iter().zip(replies) {
            let s = &mut sources[i];
            s.exhausted = entries.len() < s.batch;
            s.offset += entries.len();
            s.batch = (s.batch * 2).min(1000);
            s.buffer
                .extend(entries.into_iter().map(|(id, start)| (start as i64, id)));
        }
        Ok(())
    }

    /// The heads of executions, `None` for those that are gone.
    async fn heads(&self, ids: &[((i64, String), Partition)]) -> Result<Vec<Option<Execution>>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let reads = ids.iter().map(|((_, id), p)| {
            let mut con = self.con();
            let mut cmd = redis::cmd("HGET");
            cmd.arg(self.keys(*p).record(id)).arg("h");
            async move { cmd.query_async::<Value>(&mut con).await }
        });
        let replies = futures::future::try_join_all(reads).await?;
        replies
            .into_iter()
            .map(|v| match v {
                Value::Nil => Ok(None),
                v => Ok(Some(decode("execution head", &text(v)?)?)),
            })
            .collect()
    }
}
