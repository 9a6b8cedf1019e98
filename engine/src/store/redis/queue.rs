//! `Store::read_queue`: claims entries with `read_queue.lua` (lease check and XREADGROUP
//! in one step), and waits for new ones with a plain `XREAD BLOCK` on the partition's own
//! connection. The wait claims nothing, so a worker that lost its lease while waiting
//! cannot take entries from the new holder.

use std::time::Duration;

use redis::Value;
use redis::aio::MultiplexedConnection;

use super::{PartitionKeys, RedisStore, SCRIPTS, decode};
use crate::store::{Lease, QueueEntry, Result, StoreError};

/// Longest wait of one blocking read.
const MAX_BLOCK_MS: u64 = 60 * 60 * 1000;
/// How long past its BLOCK a blocking read may take to answer before the connection is
/// considered broken.
const BLOCK_GRACE: Duration = Duration::from_secs(5);

/// What `read_queue.lua` answered.
enum Claim {
    /// The lease is not held.
    Lost,
    /// Entries, or none and the stream id to wait after.
    Entries {
        entries: Vec<QueueEntry>,
        wait_after: String,
    },
}

impl RedisStore {
    pub(super) async fn read(
        &self,
        lease: &Lease,
        pending: bool,
        count: usize,
        block_ms: u64,
    ) -> Result<Vec<QueueEntry>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let keys = self.keys(lease.partition);
        let (entries, wait_after) = match self.claim(keys, lease, pending, count).await? {
            Claim::Lost => return Ok(Vec::new()),
            Claim::Entries {
                entries,
                wait_after,
            } => (entries, wait_after),
        };
        if pending || !entries.is_empty() || block_ms == 0 || wait_after.is_empty() {
            return Ok(entries);
        }
        if !self
            .wait(keys, &wait_after, block_ms.min(MAX_BLOCK_MS))
            .await?
        {
            return Ok(Vec::new());
        }
        match self.claim(keys, lease, false, count).await? {
            Claim::Lost => Ok(Vec::new()),
            Claim::Entries { entries, .. } => Ok(entries),
        }
    }

    async fn claim(
        &self,
        keys: &PartitionKeys,
        lease: &Lease,
        pending: bool,
        count: usize,
    ) -> Result<Claim> {
        let mut call = SCRIPTS.read_queue.prepare_invoke();
        call.key(&keys.lease)
            .key(&keys.queue)
            .arg(&lease.token)
            .arg(if pending { "0" } else { ">" })
            .arg(count);
        let reply: Value = call.invoke_async(&mut self.con()).await?;
        let items = match reply {
            Value::Int(-1) => return Ok(Claim::Lost),
            Value::Array(items) => items,
            other => return Err(corrupt(&other)),
        };
        let mut items = items.into_iter();
        let wait_after = match items.next() {
            Some(v) => text(v)?,
            None => return Err(corrupt(&Value::Nil)),
        };
        let mut entries = Vec::with_capacity(items.len() / 3);
        while let (Some(id), Some(execution), Some(event)) =
            (items.next(), items.next(), items.next())
        {
            entries.push(QueueEntry {
                id: text(id)?,
                execution: text(execution)?,
                event: decode("queued event", &text(event)?)?,
            });
        }
        Ok(Claim::Entries {
            entries,
            wait_after,
        })
    }

    /// Waits until the queue has an entry after `after`, up to `block_ms`. True when one
    /// arrived. A cached connection found broken (the server restarted, say) is replaced
    /// once, at once.
    async fn wait(&self, keys: &PartitionKeys, after: &str, block_ms: u64) -> Result<bool> {
        let mut reader = keys.reader.lock().await;
        let mut fresh = false;
        loop {
            let con = match reader.take() {
                Some(con) => con,
                None => {
                    fresh = true;
                    self.blocking_connection().await?
                }
            };
            match xread(con.clone(), &keys.queue, after, block_ms).await {
                Ok(arrived) => {
                    *reader = Some(con);
                    return Ok(arrived);
                }
                Err(StoreError::Redis(e))
                    if !fresh && (e.is_connection_dropped() || e.is_io_error()) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// A connection for blocking reads: no response timeout (the call is bounded by
    /// `tokio::time::timeout` instead).
    async fn blocking_connection(&self) -> Result<MultiplexedConnection> {
        let config = redis::AsyncConnectionConfig::new()
            .set_response_timeout(None)
            .set_connection_timeout(Some(super::CONNECTION_TIMEOUT));
        Ok(self
            .inner
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?)
    }
}

/// `XREAD BLOCK`: true when an entry after `after` arrived within `block_ms`.
async fn xread(
    mut con: MultiplexedConnection,
    queue: &str,
    after: &str,
    block_ms: u64,
) -> Result<bool> {
    let mut xread = redis::cmd("XREAD");
    xread
        .arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(block_ms)
        .arg("STREAMS")
        .arg(queue)
        .arg(after);
    let limit = Duration::from_millis(block_ms) + BLOCK_GRACE;
    match tokio::time::timeout(limit, xread.query_async::<Value>(&mut con)).await {
        Ok(Ok(Value::Nil)) => Ok(false),
        Ok(Ok(_)) => Ok(true),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(StoreError::Other(format!(
            "XREAD BLOCK {block_ms} on {queue} got no answer"
        ))),
    }
}

fn text(value: Value) -> Result<String> {
    match value {
        Value::BulkString(bytes) => {
            String::from_utf8(bytes).map_err(|e| StoreError::Corrupt(format!("queue entry: {e}")))
        }
        Value::SimpleString(s) => Ok(s),
        other => Err(corrupt(&other)),
    }
}

fn corrupt(value: &Value) -> StoreError {
    StoreError::Corrupt(format!("read_queue.lua answered {value:?}"))
}
