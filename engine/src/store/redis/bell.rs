//! Doorbells: how a worker learns, without a blocking read per partition, that one of its
//! partitions has new queue entries.
//!
//! Whoever queues an event for an execution — a start, a callback, a stop — learns from the
//! same script (or pipeline) which worker holds the partition (its lease token begins with
//! the worker id) and then adds the partition number to that worker's doorbell stream,
//! `<prefix>:{bell:<worker>}` (its own slot; capped; deleted an hour after its last ring).
//! Each worker process keeps one blocking read per worker id on its doorbell and wakes the
//! partition's reader; a holder in the same process is woken directly. A reader not woken
//! looks anyway every `block_ms` (5 s in the worker): a ring lost (a crash in between, a
//! lease that moved) delays an event by at most that, never loses it. So an idle partition
//! costs one cheap read every few seconds, and a worker one blocking connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use redis::Value;
use tokio::sync::Notify;

use super::RedisStore;
use super::con::Source;
use crate::store::{Lease, Partition};

/// Entries a doorbell stream keeps (it is read as it grows; older ones are never read).
const BELL_LENGTH: usize = 1000;
/// How long one blocking read of a doorbell waits.
const BELL_BLOCK_MS: u64 = 10_000;
/// A doorbell nobody rings for this long is deleted (its worker is gone: worker ids are
/// new for each process).
const BELL_TTL: Duration = Duration::from_secs(3600);

/// The doorbells of the workers in this process, by worker id.
#[derive(Default)]
pub(super) struct Bells {
    workers: Mutex<HashMap<String, Arc<WorkerBell>>>,
    /// Partitions whose last claim of new entries took all there were, with the lease
    /// token it was made under: the next blocking read waits for a ring before it claims.
    drained: Mutex<HashMap<Partition, String>>,
}

/// One worker's doorbell: a wake-up per partition.
#[derive(Default)]
struct WorkerBell {
    partitions: Mutex<HashMap<Partition, Arc<Notify>>>,
}

impl WorkerBell {
    fn partition(&self, p: Partition) -> Arc<Notify> {
        let mut map = self.partitions.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(p).or_default().clone()
    }
}

/// The worker id in a lease token (`<worker>/<unique>`).
fn worker_of(token: &str) -> Option<&str> {
    token
        .rsplit_once('/')
        .map(|(worker, _)| worker)
        .filter(|w| !w.is_empty())
}

impl RedisStore {
    fn bell_key(&self, worker: &str) -> String {
        format!("{}:{{bell:{worker}}}", self.inner.prefix)
    }

    /// Tells the holder of `partition` (`holder`: its lease token, `''` when none) that the
    /// partition has new entries. Best effort: a ring that fails is made up for by the
    /// holder's own reads.
    pub(super) async fn ring(&self, holder: &str, partition: Partition) {
        let Some(worker) = worker_of(holder) else {
            return;
        };
        let local = {
            let workers = self
                .inner
                .bells
                .workers
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            workers.get(worker).cloned()
        };
        if let Some(bell) = local {
            // The holder is in this process: wake it directly.
            bell.partition(partition).notify_one();
            return;
        }
        let key = self.bell_key(worker);
        // One slot: a pipeline. The expiry removes the doorbells of workers that are gone.
        let result: redis::RedisResult<Value> = redis::pipe()
            .cmd("XADD")
            .arg(&key)
            .arg("MAXLEN")
            .arg("~")
            .arg(BELL_LENGTH)
            .arg("*")
            .arg("p")
            .arg(partition)
            .ignore()
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(BELL_TTL.as_millis() as u64)
            .ignore()
            .query_async(&mut self.con())
            .await;
        if let Err(error) = result {
            crate::store::StoreError::from(error).count("ring");
        }
    }

    /// Wakes the reader of `lease`'s partition in this process (the holder queued entries
    /// itself: timers fired, dead letters put back).
    pub(super) fn wake(&self, lease: &Lease) {
        if let Some(worker) = worker_of(&lease.token) {
            self.bell(worker).partition(lease.partition).notify_one();
        }
    }

    /// Notes that a claim under `lease` took every new entry there was.
    pub(super) fn mark_drained(&self, lease: &Lease) {
        let mut drained = (self.inner.bells.drained.lock()).unwrap_or_else(|e| e.into_inner());
        drained.insert(lease.partition, lease.token.clone());
    }

    /// Whether the last claim under `lease` took every new entry there was (and forgets it).
    /// A claim under another lease (an earlier holder's, this worker's before it lost the
    /// partition) does not count: entries may have come meanwhile without a ring to it.
    pub(super) fn take_drained(&self, lease: &Lease) -> bool {
        let mut drained = (self.inner.bells.drained.lock()).unwrap_or_else(|e| e.into_inner());
        drained.remove(&lease.partition).as_ref() == Some(&lease.token)
    }

    /// Waits until the partition of `lease` is rung, or `timeout`.
    pub(super) async fn wait_for_ring(&self, lease: &Lease, timeout: Duration) {
        let Some(worker) = worker_of(&lease.token) else {
            tokio::time::sleep(timeout).await;
            return;
        };
        let notify = self.bell(worker).partition(lease.partition);
        let _ = tokio::time::timeout(timeout, notify.notified()).await;
    }

    /// The doorbell of `worker`, listening from the first use on.
    fn bell(&self, worker: &str) -> Arc<WorkerBell> {
        let mut workers = self
            .inner
            .bells
            .workers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(bell) = workers.get(worker) {
            return bell.clone();
        }
        let bell = Arc::new(WorkerBell::default());
        workers.insert(worker.to_owned(), bell.clone());
        tokio::spawn(listen(
            self.inner.source.clone(),
            self.bell_key(worker),
            Arc::downgrade(&bell),
        ));
        bell
    }
}

/// Reads a worker's doorbell stream and wakes the partitions named, until the store is
/// gone. Errors are retried after a pause (the readers look every second anyway).
async fn listen(source: Source, key: String, bell: Weak<WorkerBell>) {
    // From the start: worker ids are new for each process, so everything in the stream
    // is for this one (and a ring that came before the first read is not missed).
    let mut after = "0-0".to_owned();
    let mut con = None;
    while bell.strong_count() > 0 {
        let connection = match con.take() {
            Some(c) => c,
            None => match source.blocking().await {
                Ok(c) => c,
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        let mut read = redis::cmd("XREAD");
        read.arg("BLOCK")
            .arg(BELL_BLOCK_MS)
            .arg("STREAMS")
            .arg(&key)
            .arg(&after);
        let mut c = connection.clone();
        let limit = Duration::from_millis(BELL_BLOCK_MS) + Duration::from_secs(5);
        let reply = tokio::time::timeout(limit, read.query_async::<Value>(&mut c)).await;
        let Ok(Ok(reply)) = reply else {
            // Broken or slow: a new connection next time.
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        con = Some(connection);
        let Some(bell) = bell.upgrade() else { return };
        for (id, partition) in entries(reply) {
            after = id;
            if let Some(p) = partition {
                bell.partition(p).notify_one();
            }
        }
    }
}

/// `(id, partition)` of each entry of an XREAD reply on one stream.
fn entries(reply: Value) -> Vec<(String, Option<Partition>)> {
    let text = |v: &Value| match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    };
    let mut out = Vec::new();
    // RESP2: [[key, [[id, [field, value, …]], …]]]; RESP3 may send a map.
    let streams = match reply {
        Value::Array(streams) => streams,
        Value::Map(pairs) => pairs
            .into_iter()
            .map(|(k, v)| Value::Array(vec![k, v]))
            .collect(),
        _ => return out,
    };
    for stream in streams {
        let Value::Array(mut parts) = stream else {
            continue;
        };
        let Some(Value::Array(items)) = parts.pop() else {
            continue;
        };
        for item in items {
            let Value::Array(pair) = item else { continue };
            let (Some(id), Some(Value::Array(fields))) = (pair.first().and_then(text), pair.get(1))
            else {
                continue;
            };
            let partition = fields
                .chunks(2)
                .find(|f| f.first().and_then(text).as_deref() == Some("p"))
                .and_then(|f| f.get(1).and_then(text))
                .and_then(|p| p.parse().ok());
            out.push((id, partition));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_tokens_name_their_worker() {
        assert_eq!(worker_of("w-abc/0123"), Some("w-abc"));
        assert_eq!(worker_of("a/b/c"), Some("a/b"));
        assert_eq!(worker_of(""), None);
        assert_eq!(worker_of("no-slash"), None);
    }

    #[test]
    fn xread_replies_give_ids_and_partitions() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("k"),
            Value::Array(vec![
                Value::Array(vec![bulk("1-1"), Value::Array(vec![bulk("p"), bulk("7")])]),
                Value::Array(vec![bulk("1-2"), Value::Array(vec![bulk("x"), bulk("y")])]),
            ]),
        ])]);
        assert_eq!(
            entries(reply),
            [("1-1".to_owned(), Some(7)), ("1-2".to_owned(), None)]
        );
    }
}
