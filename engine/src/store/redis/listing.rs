//! Listing and counting executions on Redis ([`crate::store::listing`]): reads of the
//! partitions' listing indexes (`{p<N>}:l:<sm>:<status>`, ids by start ms). Reads of
//! several partitions are sent as concurrent commands, not pipelines: on a cluster they
//! are in different slots.
//!
//! A listing round is one command per partition read: `ZRANGE … BYSCORE REV LIMIT` of its
//! index when one status is listed, a `list_indexes.lua` call (its indexes of every status
//! at one instant) when all are; then one `head.lua` call per execution listed. Counting
//! is one `count_executions.lua` call per partition (5 `ZCARD`s and a look at the
//! partition's expired executions), all concurrently: 256 small scripts at 256 partitions,
//! 2.6–4 ms (median; 16 partitions: 0.3 ms) against a local redis-server on a loaded
//! 2-core VM, where an unfiltered page of 100 takes 6–13 ms (`cargo bench -p baton-engine
//! --bench listing`).

use std::sync::LazyLock;

use redis::{Script, Value};

use super::executions::legacy_json;
use super::{RedisStore, SCRIPTS, decode, text};
use crate::clock::now_ms;
use crate::machine::Execution;
use crate::store::listing::{
    COUNT_EXPIRED_LOOKED_AT, Entry, ExecutionCounts, ExecutionFilter, IndexRead, ListingIndexes,
    STATUSES, list,
};
use crate::store::{ExecutionPage, Partition, Result, Store};

static COUNT: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/count_executions.lua")));
static LIST_INDEXES: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("lua/list_indexes.lua")));

/// One partition's index entries, each index's newest first, as one order (newest first,
/// ties by id, descending): the first `most`.
fn merged(indexes: Vec<Vec<(String, f64)>>, most: usize) -> Vec<Entry> {
    let mut all: Vec<Entry> = (indexes.into_iter().flatten())
        .map(|(id, start)| (start as i64, id))
        .collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    all.truncate(most);
    all
}

/// The listing indexes of a Redis store: what is read as one is a partition's keys of the
/// statuses listed.
struct Indexes<'a>(&'a RedisStore);

impl ListingIndexes for Indexes<'_> {
    /// One partition's index keys of the statuses listed, and the partition.
    type Index = (Vec<String>, Partition);

    async fn read(&self, reads: &[IndexRead<'_, Self::Index>]) -> Result<Vec<Vec<Entry>>> {
        let bound = |n: i64, infinite: i64, word: &str| {
            if n == infinite {
                word.to_owned()
            } else {
                n.to_string()
            }
        };
        // Each partition's indexes are in its own slot: one command each, concurrently (a
        // pipeline would cross slots on a cluster). One index is read as it is; several at
        // one instant, by a script.
        let reads = reads.iter().map(|r| {
            let mut con = self.0.con();
            async move {
                let (max, min) = (
                    bound(r.max, i64::MAX, "+inf"),
                    bound(r.min, i64::MIN, "-inf"),
                );
                let entries = match r.index.0.as_slice() {
                    [key] => {
                        let mut cmd = redis::cmd("ZRANGE");
                        cmd.arg(key).arg(max).arg(min).arg("BYSCORE").arg("REV");
                        cmd.arg("LIMIT").arg(0).arg(r.most()).arg("WITHSCORES");
                        merged(vec![cmd.query_async(&mut con).await?], r.most())
                    }
                    keys => {
                        let mut call = LIST_INDEXES.prepare_invoke();
                        for key in keys {
                            call.key(key);
                        }
                        call.arg(max).arg(min).arg(r.most());
                        merged(call.invoke_async(&mut con).await?, r.most())
                    }
                };
                Result::Ok(entries)
            }
        });
        futures::future::try_join_all(reads).await
    }

    async fn heads(&self, executions: &[(&Self::Index, &str)]) -> Result<Vec<Option<Execution>>> {
        let reads = executions.iter().map(|((_, p), id)| {
            let mut con = self.0.con();
            // The hash's `h`, or a packed or legacy record's head (`head.lua`).
            let mut call = SCRIPTS.head.prepare_invoke();
            call.key(self.0.keys(*p).record(id));
            async move { call.invoke_async::<Value>(&mut con).await }
        });
        let replies = futures::future::try_join_all(reads).await?;
        (replies.into_iter()).map(stored_head).collect()
    }
}

impl RedisStore {
    pub(super) async fn list(
        &self,
        state_machine: &str,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        let statuses = filter.statuses();
        let indexes = (0..self.partitions())
            .map(|p| {
                let keys = self.keys(p);
                let of_statuses = statuses.iter().map(|s| keys.index(state_machine, *s));
                (of_statuses.collect(), p)
            })
            .collect();
        list(
            &Indexes(self),
            indexes,
            state_machine,
            filter,
            cursor,
            limit,
        )
        .await
    }

    pub(super) async fn count(&self, state_machine: &str) -> Result<ExecutionCounts> {
        let now = now_ms();
        let ids = format!("{state_machine}:");
        let calls = (0..self.partitions()).map(|p| {
            let keys = self.keys(p);
            let mut call = COUNT.prepare_invoke();
            for status in STATUSES {
                call.key(keys.index(state_machine, status));
            }
            call.key(&keys.expiry)
                .arg(now)
                .arg(&ids)
                .arg(COUNT_EXPIRED_LOOKED_AT);
            let mut con = self.con();
            async move { call.invoke_async::<Vec<i64>>(&mut con).await }
        });
        let mut counts = ExecutionCounts::default();
        for partition in futures::future::try_join_all(calls).await? {
            for (status, n) in STATUSES.into_iter().zip(partition) {
                counts.add(status, u64::try_from(n).unwrap_or(0));
            }
        }
        Ok(counts)
    }
}

/// The head in `head.lua`'s answer.
fn stored_head(reply: Value) -> Result<Option<Execution>> {
    match reply {
        Value::Nil => Ok(None),
        Value::Array(parts) => {
            let stored = parts.into_iter().nth(1).map(text).transpose()?;
            let stored = stored.unwrap_or_default();
            Ok(Some(decode("execution record", legacy_json(&stored))?))
        }
        v => Ok(Some(decode("execution head", &text(v)?)?)),
    }
}
