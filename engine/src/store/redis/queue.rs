//! `Store::read_queue`: claims entries with `read_queue.lua` (lease check and XREADGROUP
//! in one step); when there are none it waits for the partition's doorbell ([`super::bell`])
//! or `block_ms`, then claims again. After a claim that took fewer entries than asked for
//! (all there were), the next read waits first: everything queued since rang, so a claim
//! before the ring would find nothing (one script call per wake-up instead of two). The
//! wait claims nothing, so a worker that lost its lease while waiting cannot take entries
//! from the new holder. Entries that cannot be read are moved to the partition's dead
//! letters (`dead_letter.lua`), with the reason; the others go on.

use std::time::Duration;

use redis::Value;

use super::executions::live_record;
use super::{PartitionKeys, RedisStore, SCRIPTS, text};
use crate::machine::{Execution, QueuedEvent};
use crate::store::{DeadLetter, Lease, Partition, QueueEntry, QueueRead, Result, StoreError};

/// Longest wait of one blocking read.
const MAX_BLOCK_MS: u64 = 60 * 60 * 1000;

/// The `e` tags of the events this version knows (`QueuedEvent`).
const KNOWN_EVENTS: [&str; 4] = ["wake", "timer", "callback", "stop"];

/// An entry that cannot be read: its id, execution (if any), data and why.
pub(super) struct Unreadable {
    id: String,
    execution: String,
    data: String,
    reason: String,
    /// An event this version does not know: kept for a newer worker.
    unknown: bool,
}

/// Reads an entry's event, or says why it cannot be read.
fn read_event(execution: &str, data: &str) -> Result<QueuedEvent, (String, bool)> {
    if execution.is_empty() {
        return Err(("the entry has no execution id (`x`)".to_owned(), false));
    }
    if data.is_empty() {
        return Err(("the entry has no event (`e`)".to_owned(), false));
    }
    match serde_json::from_str::<QueuedEvent>(data) {
        Ok(event) => Ok(event),
        Err(e) => {
            let tag = serde_json::from_str::<serde_json::Value>(data)
                .ok()
                .and_then(|v| v.get("e").and_then(|t| t.as_str()).map(str::to_owned));
            match tag {
                Some(tag) if !KNOWN_EVENTS.contains(&tag.as_str()) => Err((
                    format!(
                        "an event this version does not know ({tag:?}): kept for a newer worker"
                    ),
                    true,
                )),
                _ => Err((format!("the event cannot be read: {e}"), false)),
            }
        }
    }
}

/// A record with more fields than this is not read with the entries that name it
/// (`read_queue.lua`): the actor loads it if it needs it. A record has `q`, `h`, the input,
/// one field per frame and a few per Parallel or Map run.
pub(super) const PREFETCH_MOST_FIELDS: usize = 32;

/// The record `read_queue.lua` read with an entry, if it did and it is one the actor may
/// start from (as `Store::load_execution` would answer it: present, readable, not expired).
/// Anything else is left to the actor's own load, which reports what is wrong.
fn prefetched(id: &str, record: Value) -> Option<Box<Execution>> {
    let Value::Array(fields) = record else {
        return None;
    };
    live_record(id, fields).ok().flatten().map(Box::new)
}

/// What `read_queue.lua` answered: entries, those that cannot be read, and (when nothing
/// new was there) the stream id to wait after.
pub(super) struct Claim {
    pub(super) entries: Vec<QueueEntry>,
    pub(super) unreadable: Vec<Unreadable>,
    pub(super) idle_marker: String,
}

impl Claim {
    /// Entries claimed, readable or not (fewer than asked for: the stream had no more).
    pub(super) fn taken(&self) -> usize {
        self.entries.len() + self.unreadable.len()
    }
}

impl RedisStore {
    pub(super) async fn read(
        &self,
        lease: &Lease,
        read: QueueRead,
        count: usize,
        block_ms: u64,
    ) -> Result<Vec<QueueEntry>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let keys = self.keys(lease.partition);
        let blocking = matches!(read, QueueRead::New) && block_ms > 0;
        let wait = Duration::from_millis(block_ms.min(MAX_BLOCK_MS));
        let handoff = self.inner.handoffs.of(lease.partition);
        if blocking {
            // Deliveries in this process may claim for this read from now on.
            handoff.register(&lease.token, count);
            if self.take_drained(lease) {
                // The last claim took all there was: whatever came since rang (or comes
                // with a ring), or was handed, so a claim now would find nothing.
                let handed = self.wait_for_ring_or_handoff(lease, &handoff, wait).await;
                if !handed.is_empty() {
                    return Ok(handed);
                }
            }
        }
        let from = match &read {
            QueueRead::New => ">".to_owned(),
            QueueRead::Pending { after } => after.clone().unwrap_or_else(|| "0".to_owned()),
        };
        let mut claim = self.claim(&keys, lease, &from, count).await?;
        if blocking && claim.taken() == 0 && !claim.idle_marker.is_empty() {
            // Nothing was claimed (so nothing to bury): wait, then claim what rang.
            let handed = self.wait_for_ring_or_handoff(lease, &handoff, wait).await;
            if !handed.is_empty() {
                return Ok(handed);
            }
            claim = self.claim(&keys, lease, ">", count).await?;
        }
        if blocking && claim.taken() > 0 && claim.taken() < count {
            self.mark_drained(lease);
        }
        let Claim {
            entries,
            unreadable,
            ..
        } = claim;
        self.bury(&keys, lease, unreadable).await;
        if !blocking {
            return Ok(entries);
        }
        // In queue order with what deliveries claimed before this claim (handoff.rs).
        handoff.settle().await;
        Ok(handoff.take(&lease.token, entries))
    }

    async fn claim(
        &self,
        keys: &PartitionKeys,
        lease: &Lease,
        from: &str,
        count: usize,
    ) -> Result<Claim> {
        let mut call = SCRIPTS.read_queue.prepare_invoke();
        call.key(&keys.lease)
            .key(&keys.queue)
            .arg(&lease.token)
            .arg(from)
            .arg(count)
            .arg(keys.record(""))
            .arg(PREFETCH_MOST_FIELDS);
        let reply: Value = call.invoke_async(&mut self.con()).await?;
        match reply {
            Value::Int(-1) => Err(StoreError::LeaseLost),
            reply => claimed(reply),
        }
    }
}

/// Reads what `claim` (claim.lua) answered: the entries, those that cannot be read, and
/// whether the stream had nothing new.
pub(super) fn claimed(reply: Value) -> Result<Claim> {
    let items = match reply {
        Value::Array(items) => items,
        other => return Err(corrupt(&other)),
    };
    let mut items = items.into_iter();
    let idle_marker = match items.next() {
        Some(v) => text(v)?,
        None => return Err(corrupt(&Value::Nil)),
    };
    let mut entries = Vec::with_capacity(items.len() / 4);
    let mut unreadable = Vec::new();
    while let (Some(id), Some(execution), Some(event), Some(record)) =
        (items.next(), items.next(), items.next(), items.next())
    {
        let (id, execution) = (text(id)?, text(execution).unwrap_or_default());
        let data = text(event).unwrap_or_default();
        match read_event(&execution, &data) {
            Ok(event) => entries.push(QueueEntry {
                prefetched: prefetched(&execution, record),
                id,
                execution,
                event,
            }),
            Err((reason, unknown)) => unreadable.push(Unreadable {
                id,
                execution,
                data,
                reason,
                unknown,
            }),
        }
    }
    Ok(Claim {
        entries,
        unreadable,
        idle_marker,
    })
}

impl RedisStore {
    /// Moves unreadable entries to the dead letters. On failure they stay pending, and
    /// the next read of pending entries (the partition's sweep) tries again.
    pub(super) async fn bury(
        &self,
        keys: &PartitionKeys,
        lease: &Lease,
        unreadable: Vec<Unreadable>,
    ) {
        if unreadable.is_empty() {
            return;
        }
        let mut call = SCRIPTS.dead_letter.prepare_invoke();
        call.key(&keys.lease)
            .key(&keys.queue)
            .key(&keys.dead)
            .arg(&lease.token);
        for u in &unreadable {
            call.arg(&u.id)
                .arg(&u.execution)
                .arg(&u.data)
                .arg(&u.reason)
                .arg(if u.unknown { "1" } else { "0" });
        }
        match call.invoke_async::<Value>(&mut self.con()).await {
            Ok(Value::Array(moved)) => {
                let moved = moved.iter().map(|m| matches!(m, Value::Int(1)));
                for (u, _) in unreadable.iter().zip(moved).filter(|(_, m)| *m) {
                    tracing::error!(partition = lease.partition, entry = %u.id, execution = %u.execution, reason = %u.reason, "queue entry moved to the dead letters");
                    metrics::counter!("baton_dead_letters_total", "source" => "queue").increment(1);
                }
            }
            // The lease is not held: the next holder reads them again.
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(partition = lease.partition, %error, "cannot move unreadable queue entries to the dead letters; retrying later");
                StoreError::from(error).count("dead_letter");
            }
        }
    }

    pub(super) async fn list_dead_letters(
        &self,
        partition: Partition,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeadLetter>> {
        let from = after.map_or_else(|| "-".to_owned(), |a| format!("({a}"));
        let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
            .arg(&self.keys(partition).dead)
            .arg(from)
            .arg("+")
            .arg("COUNT")
            .arg(limit.max(1))
            .query_async(&mut self.con())
            .await?;
        Ok(entries
            .into_iter()
            .map(|(id, fields)| {
                let get = |name: &str| {
                    (fields.iter())
                        .find(|(f, _)| f == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let execution = get("x");
                DeadLetter {
                    id,
                    partition,
                    source: get("s"),
                    execution: (!execution.is_empty()).then_some(execution),
                    data: get("v"),
                    reason: get("r"),
                    unknown: get("u") == "1",
                }
            })
            .collect())
    }

    /// Puts back the dead letters of events this version can read (left by a newer
    /// version before this one took the partition).
    pub(super) async fn requeue(&self, lease: &Lease) -> Result<usize> {
        let mut after: Option<String> = None;
        let mut moved = 0;
        loop {
            let page = self
                .list_dead_letters(lease.partition, after.as_deref(), 500)
                .await?;
            let Some(last) = page.last() else {
                return Ok(moved);
            };
            after = Some(last.id.clone());
            let readable: Vec<&DeadLetter> = (page.iter())
                .filter(|d| d.unknown && d.source == "queue")
                .filter(|d| {
                    let x = d.execution.as_deref().unwrap_or("");
                    read_event(x, &d.data).is_ok()
                })
                .collect();
            if !readable.is_empty() {
                let keys = self.keys(lease.partition);
                let mut call = SCRIPTS.requeue.prepare_invoke();
                call.key(&keys.lease)
                    .key(&keys.queue)
                    .key(&keys.dead)
                    .arg(&lease.token);
                for d in &readable {
                    call.arg(&d.id)
                        .arg(d.execution.as_deref().unwrap_or(""))
                        .arg(&d.data);
                }
                let n: i64 = call.invoke_async(&mut self.con()).await?;
                if n < 0 {
                    return Err(StoreError::LeaseLost);
                }
                moved += n as usize;
                if n > 0 {
                    self.wake(lease);
                }
            }
            if page.len() < 500 {
                return Ok(moved);
            }
        }
    }
}

fn corrupt(value: &Value) -> StoreError {
    StoreError::Corrupt(format!("read_queue.lua answered {value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_or_told_apart() {
        assert!(read_event("sm:x", r#"{"e":"wake"}"#).is_ok());
        let (why, unknown) = read_event("sm:x", r#"{"e":"redrive","n":1}"#).unwrap_err();
        assert!(unknown, "{why}");
        let (why, unknown) = read_event("sm:x", r#"{"e":"timer","timer":"x"}"#).unwrap_err();
        assert!(!unknown, "{why}");
        assert!(!read_event("sm:x", "not json").unwrap_err().1);
        assert!(!read_event("", r#"{"e":"wake"}"#).unwrap_err().1);
        assert!(!read_event("sm:x", "").unwrap_err().1);
    }
}
