//! Executions: start, history pages and callbacks.

use super::{RedisStore, SCRIPTS, decode, encode, record_json, timer_member};
use crate::machine::{Execution, HistoryEvent, QueuedEvent, Timer};
use crate::store::{CallbackError, CallbackMessage, Result, Started, StoreError};

impl RedisStore {
    pub(super) async fn start(
        &self,
        record: Execution,
        history: Vec<HistoryEvent>,
        timers: Vec<Timer>,
    ) -> Result<Started> {
        let id = record.id.as_str();
        if id.contains('|') {
            return Err(StoreError::Other(format!(
                "execution id {id:?} must not contain '|'"
            )));
        }
        let keys = self.keys_of(id);
        let mut con = self.con();
        // The listing entry goes first (NX keeps an existing execution's): a crash between
        // the two leaves an entry without a record, which listing skips, rather than an
        // execution that is never listed.
        let _: () = redis::cmd("ZADD")
            .arg(self.listing_key(&record.state_machine))
            .arg("NX")
            .arg(record.start_ms)
            .arg(id)
            .query_async(&mut con)
            .await?;
        let mut call = SCRIPTS.start_execution.prepare_invoke();
        call.key(keys.record(id))
            .key(keys.history(id))
            .key(&keys.timers)
            .key(&keys.active)
            .key(&keys.queue)
            .arg(id)
            .arg(record.seq)
            .arg(encode(&record)?)
            .arg(encode(&QueuedEvent::Wake)?)
            .arg(history.len());
        for event in &history {
            call.arg(encode(event)?);
        }
        for timer in &timers {
            call.arg(timer.due_ms).arg(timer_member(id, timer.id));
        }
        let existing: Option<String> = call.invoke_async(&mut con).await?;
        Ok(match existing {
            None => Started::Created,
            Some(text) => {
                Started::Exists(Box::new(decode("execution record", record_json(&text))?))
            }
        })
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
        let key = self.keys_of(id).history(id);
        let mut con = self.con();
        let texts: Vec<String> = if reverse {
            let mut call = SCRIPTS.history_reverse.prepare_invoke();
            call.key(key).arg(from_id).arg(limit);
            let mut texts: Vec<String> = call.invoke_async(&mut con).await?;
            texts.reverse();
            texts
        } else {
            // LRANGE takes signed 64-bit indices.
            let Ok(start) = i64::try_from(from_id.max(1) - 1) else {
                return Ok(Vec::new());
            };
            let stop = start.saturating_add(i64::try_from(limit).unwrap_or(i64::MAX) - 1);
            redis::cmd("LRANGE")
                .arg(key)
                .arg(start)
                .arg(stop)
                .query_async(&mut con)
                .await?
        };
        texts.iter().map(|t| decode("history event", t)).collect()
    }

    pub(super) async fn callback(
        &self,
        id: &str,
        task: &str,
        message: CallbackMessage,
        now_ms: i64,
    ) -> Result<(), CallbackError> {
        let keys = self.keys_of(id);
        let mut call = SCRIPTS.deliver_callback.prepare_invoke();
        call.key(keys.tokens(id))
            .key(&keys.timers)
            .key(&keys.queue)
            .arg(task)
            .arg(id);
        match message {
            CallbackMessage::Finish(event) => {
                let event = encode(&event).map_err(|e| CallbackError::Store(e.to_string()))?;
                call.arg("f").arg(event)
            }
            CallbackMessage::Heartbeat => call.arg("h").arg(now_ms),
        };
        let code: i64 = call
            .invoke_async(&mut self.con())
            .await
            .map_err(|e| CallbackError::Store(e.to_string()))?;
        match code {
            0 => Ok(()),
            1 => Err(CallbackError::Gone),
            2 => Err(CallbackError::Closed),
            _ => Err(CallbackError::Store(format!(
                "the state of task {task} of {id} is corrupt"
            ))),
        }
    }
}
