//! The redrive operation: one script on the execution's partition (`redrive_execution.lua`).

use redis::Value;

use super::{RedisStore, SCRIPTS, encode, text, timer_member};
use crate::machine::{QueuedEvent, Status};
use crate::store::record::{Part, RecordWrite};
use crate::store::{RedriveRequest, Redriven, Result};

impl RedisStore {
    pub(super) async fn redrive(&self, request: RedriveRequest) -> Result<Redriven> {
        let id = request.id().to_owned();
        let head = &request.record.head;
        let (sm, revision) = (head.state_machine.clone(), head.revision);
        let moved = revision != request.previous_revision;
        // Counted before it is used, like a start: a crash in between leaves a count too
        // high (the revision is kept), never too low.
        if moved && !self.use_revision(&sm, revision, 1).await? {
            return Ok(Redriven::RevisionGone);
        }
        let Some(partition) = self.locate(&id).await? else {
            if moved {
                self.use_revision(&sm, revision, -1).await?;
            }
            return Ok(Redriven::Conflict);
        };
        let keys = self.keys(partition);
        let w = &request.record;
        let mut call = SCRIPTS.redrive_execution.prepare_invoke();
        call.key(keys.record(&id))
            .key(keys.history(&id))
            .key(&keys.timers)
            .key(&keys.active)
            .key(&keys.queue)
            .key(keys.index(&sm, request.previous))
            .key(keys.index(&sm, Status::Running))
            .key(&keys.counts)
            .key(&keys.expiry)
            .key(&keys.lease)
            .arg(&id)
            .arg(request.expected_seq)
            .arg(w.head.seq)
            .arg(encode(&w.head)?)
            .arg(w.head.start_ms)
            .arg(request.previous.as_str())
            .arg(match request.previous_expires_ms {
                Some(_) => format!(
                    "{}|{}|{id}",
                    request.previous_revision,
                    request.previous.as_str()
                ),
                None => String::new(),
            })
            .arg(encode(&QueuedEvent::Wake)?)
            .arg(w.set.len() * 2);
        for (key, part) in &w.set {
            call.arg(key.field());
            call.arg(match part {
                Part::Frame(frame) => encode(frame)?,
                Part::Value(value) => encode(value)?,
            });
        }
        let deleted: Vec<String> = (w.removed.iter())
            .map(|f| f.to_string())
            .chain(
                (w.dropped.iter())
                    .flat_map(|c| RecordWrite::dropped_parts(*c))
                    .map(|k| k.field()),
            )
            .collect();
        call.arg(deleted.len());
        for field in &deleted {
            call.arg(field);
        }
        call.arg(request.history.len());
        for event in &request.history {
            call.arg(encode(&super::events::Stored(event))?);
        }
        for timer in &request.timers {
            call.arg(timer.due_ms).arg(timer_member(&id, timer.id));
        }
        let reply: Value = call.invoke_async(&mut self.con()).await?;
        if let Value::Int(_) = reply {
            if moved {
                self.use_revision(&sm, revision, -1).await?;
            }
            return Ok(Redriven::Conflict);
        }
        if moved {
            self.use_revision(&sm, request.previous_revision, -1)
                .await?;
        }
        let holder = text(reply).unwrap_or_default();
        self.ring(&holder, partition).await;
        Ok(Redriven::Done)
    }
}
