//! Executions: start, load, history pages and callbacks.

use redis::Value;

use super::events::{Read, Stored};
use super::queue::PREFETCH_MOST_FIELDS;
use super::{RedisStore, SCRIPTS, decode, encode, text, timer_member};
use crate::clock::now_ms;
use crate::machine::{Execution, Frame, HistoryEvent, QueuedEvent, Status, Timer};
use crate::store::record::{Part, PartKey, RecordWrite, assemble};
use crate::store::{CallbackError, CallbackMessage, Lease, Result, Started, StoreError};

impl RedisStore {
    pub(super) async fn start(
        &self,
        mut record: Execution,
        history: Vec<HistoryEvent>,
        timers: Vec<Timer>,
    ) -> Result<Started> {
        let id = record.id.clone();
        if id.contains('|') {
            return Err(StoreError::Other(format!(
                "execution id {id:?} must not contain '|'"
            )));
        }
        let (sm, revision) = (record.state_machine.clone(), record.revision);
        // Counted before the execution exists: a crash in between leaves a count too high
        // (the revision is kept), never too low.
        if !self.use_revision(&sm, revision, 1).await? {
            return Ok(Started::RevisionGone);
        }
        let write = RecordWrite::full(&mut record);
        // The layout may change under a start: a refused start (`stale`) re-reads it and
        // tries again, a few times at most.
        for _ in 0..4 {
            let layout = self.layout();
            let count = layout.current();
            let candidates = layout.candidates(&id);
            for &older in &candidates[1..] {
                let keys = &layout.keys[older as usize];
                let mut call = SCRIPTS.fence_partition.prepare_invoke();
                call.key(keys.record(&id)).key(&keys.fence).arg(count);
                if let Value::Array(fields) = call.invoke_async(&mut self.con()).await? {
                    self.use_revision(&sm, revision, -1).await?;
                    return existing(&id, fields);
                }
            }
            let partition = candidates[0];
            let keys = &layout.keys[partition as usize];
            let mut call = SCRIPTS.start_execution.prepare_invoke();
            call.key(keys.record(&id))
                .key(keys.history(&id))
                .key(&keys.timers)
                .key(&keys.active)
                .key(&keys.queue)
                .key(keys.index(&sm, Status::Running))
                .key(&keys.counts)
                .key(&keys.lease)
                .key(&keys.fence)
                .arg(&id)
                .arg(write.head.seq)
                .arg(encode(&write.head)?)
                .arg(write.head.start_ms)
                .arg(encode(&QueuedEvent::Wake)?)
                .arg(count)
                .arg(write.set.len() * 2);
            for (key, part) in &write.set {
                call.arg(key.field());
                call.arg(match part {
                    Part::Frame(frame) => encode(frame)?,
                    Part::Value(value) => encode(value)?,
                });
            }
            call.arg(history.len());
            for event in &history {
                call.arg(encode(&Stored(event))?);
            }
            for timer in &timers {
                call.arg(timer.due_ms).arg(timer_member(&id, timer.id));
            }
            match call.invoke_async(&mut self.con()).await? {
                Value::Array(fields) => {
                    self.use_revision(&sm, revision, -1).await?;
                    return existing(&id, fields);
                }
                Value::Int(_) => {
                    // A larger count is in use: read it, then start under it.
                    self.refresh_layout().await?;
                }
                holder => {
                    let holder = text(holder).unwrap_or_default();
                    self.ring(&holder, partition).await;
                    return Ok(Started::Created);
                }
            }
        }
        self.use_revision(&sm, revision, -1).await?;
        Err(StoreError::Other(format!(
            "cannot start {id}: the partition layout kept changing"
        )))
    }

    pub(super) async fn load(&self, id: &str) -> Result<Option<Execution>> {
        let Some(partition) = self.locate(id).await? else {
            return Ok(None);
        };
        let mut call = SCRIPTS.load.prepare_invoke();
        call.key(self.keys(partition).record(id));
        let reply: Vec<Value> = call.invoke_async(&mut self.con()).await?;
        live_record(id, reply)
    }

    pub(super) async fn history_page(
        &self,
        id: &str,
        from_id: u64,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<HistoryEvent>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let Some(partition) = self.locate(id).await? else {
            return Ok(Vec::new());
        };
        let keys = self.keys(partition);
        // The history list, or a packed record's events (`history.lua`).
        let mut call = SCRIPTS.history.prepare_invoke();
        call.key(keys.history(id))
            .key(keys.record(id))
            .arg(from_id)
            .arg(limit)
            .arg(if reverse { "r" } else { "f" });
        let mut texts: Vec<String> = call.invoke_async(&mut self.con()).await?;
        if reverse {
            texts.reverse();
        }
        texts
            .iter()
            .map(|t| decode::<Read>("history event", t).map(|r| r.0))
            .collect()
    }

    pub(super) async fn callback(
        &self,
        id: &str,
        task: &str,
        message: CallbackMessage,
        now_ms: i64,
    ) -> Result<(), CallbackError> {
        let partition = self.partition_or_newest(id).await?;
        let keys = self.keys(partition);
        let mut call = SCRIPTS.deliver_callback.prepare_invoke();
        call.key(keys.tokens(id))
            .key(&keys.timers)
            .key(&keys.queue)
            .key(&keys.lease)
            .key(keys.record(id))
            .key(keys.history(id))
            .arg(task)
            .arg(id);
        let CallbackMessage::Finish(event) = message else {
            call.arg("h").arg(now_ms);
            let reply: Value =
                (call.invoke_async(&mut self.con()).await).map_err(StoreError::from)?;
            return answer(reply, id, task).map(drop);
        };
        call.arg("f").arg(encode(&event)?);
        // A reader of this process may take the entries without a claim of its own
        // (handoff.rs): the script claims them for it when it holds the lease.
        let ticket = self.inner.handoffs.of(partition).begin();
        match &ticket {
            Some(ticket) => call
                .arg(&ticket.reader.0)
                .arg(ticket.reader.1)
                .arg(keys.record(""))
                .arg(PREFETCH_MOST_FIELDS),
            None => call.arg("").arg(0).arg("").arg(0),
        };
        // Not cancelled with the caller: what the script claims is handed over.
        let store = self.clone();
        let (id, task) = (id.to_owned(), task.to_owned());
        let delivered = tokio::spawn(async move {
            let reply: Value =
                (call.invoke_async(&mut store.con()).await).map_err(StoreError::from)?;
            match answer(reply, &id, &task)? {
                Delivered::Claimed { holder, claimed } => {
                    let lease = Lease {
                        partition,
                        token: holder,
                    };
                    store.handed(&lease, claimed, ticket).await;
                }
                Delivered::Queued { holder } => store.ring(&holder, partition).await,
                Delivered::Heartbeat => {}
            }
            Ok(())
        });
        delivered
            .await
            .unwrap_or_else(|e| Err(StoreError::Other(format!("the delivery failed: {e}")).into()))
    }
}

/// What `deliver_callback.lua` did.
enum Delivered {
    Heartbeat,
    /// Queued; `holder` is the lease token of the partition's holder ('' when none).
    Queued {
        holder: String,
    },
    /// Queued and claimed, with the entries then new, for `holder`, a reader of this process.
    Claimed {
        holder: String,
        claimed: Value,
    },
}

/// Reads `deliver_callback.lua`'s answer.
fn answer(reply: Value, id: &str, task: &str) -> Result<Delivered, CallbackError> {
    match reply {
        Value::Int(0) => Ok(Delivered::Heartbeat),
        Value::Int(1) => Err(CallbackError::Gone),
        Value::Int(2) => Err(CallbackError::Closed),
        Value::Int(_) => {
            Err(StoreError::Corrupt(format!("the state of task {task} of {id} is corrupt")).into())
        }
        Value::Array(parts) => {
            let mut parts = parts.into_iter();
            match (parts.next(), parts.next()) {
                (Some(holder), Some(claimed)) => Ok(Delivered::Claimed {
                    holder: text(holder).unwrap_or_default(),
                    claimed,
                }),
                _ => Err(StoreError::Corrupt(format!(
                    "deliver_callback.lua answered a claim without entries for {id}"
                ))
                .into()),
            }
        }
        holder => Ok(Delivered::Queued {
            holder: text(holder).unwrap_or_default(),
        }),
    }
}

/// What `start_execution.lua` and `fence_partition.lua` answer for an existing execution.
fn existing(id: &str, fields: Vec<Value>) -> Result<Started> {
    let mut fields = fields.into_iter();
    let (Some(first), Some(second)) = (fields.next(), fields.next()) else {
        return Err(StoreError::Corrupt(format!("the record of {id} is empty")));
    };
    let (first, second) = (text(first)?, text(second).unwrap_or_default());
    let existing = if first == "legacy" {
        decode("execution record", legacy_json(&second))?
    } else {
        let mut head: Execution = decode("execution head", &first)?;
        head.input = decode("execution input", &second)?;
        head
    };
    Ok(Started::Exists(Box::new(existing)))
}

/// The execution in `load.lua`'s reply, as `Store::load_execution` answers it: none when
/// there is no record or it has expired (the expiry job may not have removed it yet).
pub(super) fn live_record(id: &str, reply: Vec<Value>) -> Result<Option<Execution>> {
    let exec = decode_record(id, reply)?;
    Ok(exec.filter(|e| e.expires_ms.is_none_or(|at| at > now_ms())))
}

/// A record from `load.lua`'s reply.
fn decode_record(id: &str, reply: Vec<Value>) -> Result<Option<Execution>> {
    let mut items = reply.into_iter();
    let mut head: Option<Execution> = None;
    let mut parts = Vec::new();
    while let (Some(field), Some(value)) = (items.next(), items.next()) {
        let (field, value) = (text(field)?, text(value)?);
        match field.as_str() {
            "legacy" => {
                let mut exec: Execution = decode("execution record", legacy_json(&value))?;
                exec = assemble(exec, []);
                return Ok(Some(exec));
            }
            "h" => head = Some(decode("execution head", &value)?),
            "q" => {}
            other => {
                let Some(key) = PartKey::parse(other) else {
                    continue;
                };
                let part = match key {
                    PartKey::Frame(_) => Part::Frame(decode::<Frame>("frame", &value)?),
                    _ => Part::Value(decode("record part", &value)?),
                };
                parts.push((key, part));
            }
        }
    }
    match head {
        None if parts.is_empty() => Ok(None),
        None => Err(StoreError::Corrupt(format!(
            "the record of {id} has no head"
        ))),
        Some(head) => Ok(Some(assemble(head, parts))),
    }
}

/// The record JSON of an earlier version's `<seq>|<record JSON>`.
pub(super) fn legacy_json(stored: &str) -> &str {
    stored.split_once('|').map_or(stored, |(_, json)| json)
}
