//! State machines (`{sm}` keys) and execution listing (`<prefix>:ex:<state machine>`).

use super::{RedisStore, SCRIPTS, decode, encode, record_json};
use crate::machine::{Execution, Status};
use crate::store::{ExecutionPage, Result, StateMachineRecord};

/// Listing reads the index in batches of this many ids (more when the page is larger).
const LIST_BATCH: usize = 64;

impl RedisStore {
    fn machine_key(&self, name: &str) -> String {
        format!("{}:{{sm}}:m:{name}", self.inner.prefix)
    }

    fn revision_key(&self, name: &str, revision: u32) -> String {
        format!("{}:{{sm}}:v:{name}:{revision}", self.inner.prefix)
    }

    fn names_key(&self) -> String {
        format!("{}:{{sm}}:names", self.inner.prefix)
    }

    pub(super) async fn create_machine(
        &self,
        record: StateMachineRecord,
    ) -> Result<Result<(), StateMachineRecord>> {
        let mut call = SCRIPTS.create_state_machine.prepare_invoke();
        call.key(self.machine_key(&record.name))
            .key(self.revision_key(&record.name, record.revision))
            .key(self.names_key())
            .arg(&record.name)
            .arg(record.revision)
            .arg(encode(&record)?);
        let existing: Option<String> = call.invoke_async(&mut self.con()).await?;
        match existing {
            None => Ok(Ok(())),
            Some(text) => Ok(Err(decode("state machine", &text)?)),
        }
    }

    pub(super) async fn update_machine(&self, record: StateMachineRecord) -> Result<bool> {
        let Some(previous) = record.revision.checked_sub(1) else {
            return Ok(false);
        };
        let mut call = SCRIPTS.update_state_machine.prepare_invoke();
        call.key(self.machine_key(&record.name))
            .key(self.revision_key(&record.name, record.revision))
            .arg(previous)
            .arg(record.revision)
            .arg(encode(&record)?);
        let stored: i64 = call.invoke_async(&mut self.con()).await?;
        Ok(stored == 1)
    }

    pub(super) async fn get_machine(&self, name: &str) -> Result<Option<StateMachineRecord>> {
        let text: Option<String> = redis::cmd("HGET")
            .arg(self.machine_key(name))
            .arg("rec")
            .query_async(&mut self.con())
            .await?;
        text.map(|t| decode("state machine", &t)).transpose()
    }

    pub(super) async fn get_machine_revision(
        &self,
        name: &str,
        revision: u32,
    ) -> Result<Option<StateMachineRecord>> {
        let text: Option<String> = redis::cmd("GET")
            .arg(self.revision_key(name, revision))
            .query_async(&mut self.con())
            .await?;
        text.map(|t| decode("state machine revision", &t))
            .transpose()
    }

    pub(super) async fn list_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>> {
        let mut con = self.con();
        let mut from = after.map_or_else(|| "-".to_owned(), |a| format!("({a}"));
        let mut out = Vec::new();
        while out.len() < limit {
            let want = limit - out.len();
            let names: Vec<String> = redis::cmd("ZRANGEBYLEX")
                .arg(self.names_key())
                .arg(&from)
                .arg("+")
                .arg("LIMIT")
                .arg(0)
                .arg(want)
                .query_async(&mut con)
                .await?;
            let Some(last) = names.last() else { break };
            from = format!("({last}");
            let mut pipe = redis::pipe();
            for name in &names {
                pipe.cmd("HGET").arg(self.machine_key(name)).arg("rec");
            }
            let records: Vec<Option<String>> = pipe.query_async(&mut con).await?;
            for text in records.into_iter().flatten() {
                out.push(decode("state machine", &text)?);
            }
            if names.len() < want {
                break;
            }
        }
        Ok(out)
    }

    pub(super) async fn delete_machine(&self, name: &str) -> Result<bool> {
        let mut call = SCRIPTS.delete_state_machine.prepare_invoke();
        call.key(self.machine_key(name))
            .key(self.names_key())
            .arg(name);
        let deleted: i64 = call.invoke_async(&mut self.con()).await?;
        Ok(deleted == 1)
    }

    /// Newest first; ties on start time by id, descending (as MemoryStore). The cursor is
    /// `<start ms>|<id>` of the last execution returned; a page is full when `next` is set.
    pub(super) async fn list(
        &self,
        state_machine: &str,
        status: Option<Status>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        let mut page = ExecutionPage {
            executions: Vec::new(),
            next: None,
        };
        if limit == 0 {
            return Ok(page);
        }
        let before = cursor.and_then(|c| {
            let (start, id) = c.split_once('|')?;
            Some((start.parse::<i64>().ok()?, id.to_owned()))
        });
        let max = before
            .as_ref()
            .map_or_else(|| "+inf".to_owned(), |(start, _)| start.to_string());
        let index = self.listing_key(state_machine);
        let batch = limit.saturating_add(1).max(LIST_BATCH);
        let mut con = self.con();
        let mut offset = 0;
        loop {
            let ids: Vec<(String, f64)> = redis::cmd("ZREVRANGEBYSCORE")
                .arg(&index)
                .arg(&max)
                .arg("-inf")
                .arg("WITHSCORES")
                .arg("LIMIT")
                .arg(offset)
                .arg(batch)
                .query_async(&mut con)
                .await?;
            let exhausted = ids.len() < batch;
            offset += ids.len();
            let ids: Vec<(String, i64)> = ids
                .into_iter()
                .map(|(id, start)| (id, start as i64))
                .filter(|(id, start)| {
                    before
                        .as_ref()
                        .is_none_or(|(b_start, b_id)| start < b_start || id < b_id)
                })
                .collect();
            if !ids.is_empty() {
                let mut pipe = redis::pipe();
                for (id, _) in &ids {
                    pipe.cmd("GET").arg(self.keys_of(id).record(id));
                }
                let records: Vec<Option<String>> = pipe.query_async(&mut con).await?;
                for ((id, start), text) in ids.iter().zip(records) {
                    let Some(text) = text else { continue };
                    let record: Execution = decode("execution record", record_json(&text))?;
                    if status.is_some_and(|s| s != record.status) {
                        continue;
                    }
                    page.executions.push(record);
                    if page.executions.len() == limit {
                        page.next = Some(format!("{start}|{id}"));
                        return Ok(page);
                    }
                }
            }
            if exhausted {
                return Ok(page);
            }
        }
    }
}
