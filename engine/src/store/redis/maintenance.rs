//! What the lease holder does besides commits: fire timers, delete expired executions,
//! and read the partition's counters.

use std::collections::BTreeMap;

use super::{RedisStore, SCRIPTS, text};
use crate::machine::Status;
use crate::store::{Lease, Partition, PartitionStats, Result, StoreError, state_machine_of};

impl RedisStore {
    pub(super) async fn fire(&self, lease: &Lease, now_ms: i64, limit: usize) -> Result<usize> {
        let keys = self.keys(lease.partition);
        let mut call = SCRIPTS.fire_timers.prepare_invoke();
        call.key(&keys.lease)
            .key(&keys.timers)
            .key(&keys.queue)
            .key(&keys.dead)
            .arg(&lease.token)
            .arg(now_ms)
            .arg(limit);
        let reply: redis::Value = call.invoke_async(&mut self.con()).await?;
        let redis::Value::Array(counts) = reply else {
            return Err(StoreError::LeaseLost);
        };
        let count = |v: Option<&redis::Value>| match v {
            Some(redis::Value::Int(n)) => usize::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let (fired, dead) = (count(counts.first()), count(counts.get(1)));
        if dead > 0 {
            tracing::error!(
                partition = lease.partition,
                dead,
                "unreadable timers moved to the dead letters"
            );
            metrics::counter!("baton_dead_letters_total", "source" => "timer")
                .increment(dead as u64);
        }
        if fired > 0 {
            self.wake(lease);
        }
        Ok(fired + dead)
    }

    pub(super) async fn expire_due(
        &self,
        lease: &Lease,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<(String, u32)>> {
        let keys = self.keys(lease.partition);
        let (holder, due): (Option<String>, Vec<String>) = redis::pipe()
            .cmd("GET")
            .arg(&keys.lease)
            .cmd("ZRANGE")
            .arg(&keys.expiry)
            .arg("-inf")
            .arg(now_ms)
            .arg("BYSCORE")
            .arg("LIMIT")
            .arg(0)
            .arg(limit.max(1))
            .query_async(&mut self.con())
            .await?;
        if holder.as_deref() != Some(lease.token.as_str()) {
            return Err(StoreError::LeaseLost);
        }
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut call = SCRIPTS.expire.prepare_invoke();
        call.key(&keys.lease)
            .key(&keys.expiry)
            .key(&keys.counts)
            .key(&keys.active)
            .arg(&lease.token)
            .arg(now_ms);
        for member in &due {
            let (_, status, id) = split_member(member);
            let status = Status::parse(status).unwrap_or(Status::Succeeded);
            call.key(keys.record(id))
                .key(keys.history(id))
                .key(keys.tokens(id))
                .key(keys.index(state_machine_of(id), status))
                .arg(member);
        }
        let reply: redis::Value = call.invoke_async(&mut self.con()).await?;
        let deleted = match reply {
            redis::Value::Int(-1) => return Err(StoreError::LeaseLost),
            redis::Value::Array(items) => items,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "expire.lua answered {other:?}"
                )));
            }
        };
        let mut released = Vec::with_capacity(deleted.len());
        for member in deleted {
            let member = text(member)?;
            let (revision, _, id) = split_member(&member);
            if let Ok(revision) = revision.parse() {
                released.push((state_machine_of(id).to_owned(), revision));
            }
        }
        Ok(released)
    }

    pub(super) async fn stats(&self, partition: Partition) -> Result<PartitionStats> {
        let keys = self.keys(partition);
        let pending: redis::Value = match redis::cmd("XPENDING")
            .arg(&keys.queue)
            .arg("w")
            .query_async(&mut self.con())
            .await
        {
            Ok(summary) => summary,
            // No group yet: nothing was ever read.
            Err(e) if e.to_string().contains("NOGROUP") => redis::Value::Nil,
            Err(e) => return Err(e.into()),
        };
        let pending = match pending {
            redis::Value::Array(summary) => match summary.into_iter().next() {
                Some(redis::Value::Int(n)) => n.max(0) as u64,
                _ => 0,
            },
            _ => 0,
        };
        type Reply = (u64, Vec<(String, i64)>, Vec<(String, f64)>);
        let (dead_letters, counts, first): Reply = redis::pipe()
            .cmd("XLEN")
            .arg(&keys.dead)
            .cmd("HGETALL")
            .arg(&keys.counts)
            .cmd("ZRANGE")
            .arg(&keys.timers)
            .arg(0)
            .arg(0)
            .arg("WITHSCORES")
            .query_async(&mut self.con())
            .await?;
        let executions: BTreeMap<&'static str, u64> = (counts.into_iter())
            .filter_map(|(status, n)| Some((Status::parse(&status)?.as_str(), n.max(0) as u64)))
            .collect();
        Ok(PartitionStats {
            pending,
            dead_letters,
            executions,
            next_timer_ms: first.first().map(|(_, due)| *due as i64),
        })
    }
}

/// `<revision>|<status>|<id>`.
fn split_member(member: &str) -> (&str, &str, &str) {
    let mut parts = member.splitn(3, '|');
    let revision = parts.next().unwrap_or_default();
    let status = parts.next().unwrap_or_default();
    let id = parts.next().unwrap_or_default();
    (revision, status, id)
}
