//! State machines (`{sm}` keys): create, update, read, list, delete, and the counts of
//! executions per revision that keep a revision while it is used.

use super::{RedisStore, SCRIPTS, decode, encode};
use crate::store::{MAX_TAGS, Result, StateMachineRecord, StoreError, TagOutcome};

/// Attempts before giving up on a revision number that others keep taking.
const ATTEMPTS: usize = 10;

impl RedisStore {
    pub(super) fn machine_key(&self, name: &str) -> String {
        format!("{}:{{sm}}:m:{name}", self.inner.prefix)
    }

    pub(super) fn revision_key(&self, name: &str, revision: u32) -> String {
        format!("{}:{{sm}}:v:{name}:{revision}", self.inner.prefix)
    }

    fn tags_key(&self, name: &str) -> String {
        format!("{}:{{sm}}:t:{name}", self.inner.prefix)
    }

    /// Runs `tags.lua` (`mode` and its arguments); `None` when the machine does not exist.
    async fn tags_script(&self, name: &str, args: Vec<String>) -> Result<Option<redis::Value>> {
        let mut call = SCRIPTS.tags.prepare_invoke();
        call.key(self.machine_key(name)).key(self.tags_key(name));
        for arg in args {
            call.arg(arg);
        }
        let reply: redis::Value = call.invoke_async(&mut self.con()).await?;
        Ok(match reply {
            redis::Value::Int(-1) => None,
            other => Some(other),
        })
    }

    pub(super) async fn tag_machine(
        &self,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<TagOutcome> {
        let mut args = vec!["set".to_owned(), MAX_TAGS.to_string()];
        for (k, v) in tags {
            args.push(k.clone());
            args.push(v.clone());
        }
        Ok(match self.tags_script(name, args).await? {
            None => TagOutcome::NoStateMachine,
            Some(redis::Value::Int(-2)) => TagOutcome::TooMany,
            Some(_) => TagOutcome::Tagged,
        })
    }

    pub(super) async fn untag_machine(&self, name: &str, keys: &[String]) -> Result<bool> {
        let mut args = vec!["unset".to_owned()];
        args.extend(keys.iter().cloned());
        Ok(self.tags_script(name, args).await?.is_some())
    }

    pub(super) async fn machine_tags(&self, name: &str) -> Result<Option<Vec<(String, String)>>> {
        let Some(reply) = self.tags_script(name, vec!["get".to_owned()]).await? else {
            return Ok(None);
        };
        let flat: Vec<String> = redis::from_redis_value(reply)
            .map_err(|e| StoreError::Other(format!("tags of {name}: {e}")))?;
        let mut tags: Vec<(String, String)> = flat
            .chunks_exact(2)
            .map(|kv| (kv[0].clone(), kv[1].clone()))
            .collect();
        tags.sort();
        Ok(Some(tags))
    }

    pub(super) fn sm_key(&self, what: &str) -> String {
        format!("{}:{{sm}}:{what}", self.inner.prefix)
    }

    pub(super) async fn create_machine(
        &self,
        mut record: StateMachineRecord,
    ) -> Result<Result<StateMachineRecord, StateMachineRecord>> {
        for _ in 0..ATTEMPTS {
            let last: Option<u32> = redis::cmd("HGET")
                .arg(self.sm_key("last"))
                .arg(&record.name)
                .query_async(&mut self.con())
                .await?;
            record.revision = last.unwrap_or(0) + 1;
            let mut call = SCRIPTS.create_state_machine.prepare_invoke();
            call.key(self.machine_key(&record.name))
                .key(self.revision_key(&record.name, record.revision))
                .key(self.sm_key("names"))
                .key(self.sm_key("last"))
                .arg(&record.name)
                .arg(record.revision)
                .arg(encode(&record)?);
            let reply: redis::Value = call.invoke_async(&mut self.con()).await?;
            match reply {
                redis::Value::Int(0) => return Ok(Ok(record)),
                redis::Value::Int(_) => continue,
                other => return Ok(Err(decode("state machine", &super::text(other)?)?)),
            }
        }
        Err(StoreError::Other(format!(
            "state machine {} is being created concurrently",
            record.name
        )))
    }

    pub(super) async fn update_machine(&self, record: StateMachineRecord) -> Result<bool> {
        let Some(previous) = record.revision.checked_sub(1) else {
            return Ok(false);
        };
        let mut call = SCRIPTS.update_state_machine.prepare_invoke();
        call.key(self.machine_key(&record.name))
            .key(self.revision_key(&record.name, record.revision))
            .key(self.sm_key("last"))
            .key(self.sm_key("uses"))
            .key(self.revision_key(&record.name, previous))
            .arg(previous)
            .arg(record.revision)
            .arg(encode(&record)?)
            .arg(&record.name);
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
                .arg(self.sm_key("names"))
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
        for _ in 0..ATTEMPTS {
            let Some(latest) = self.get_machine(name).await? else {
                return Ok(false);
            };
            let versions = self.versions(name).await?.unwrap_or_default();
            let mut call = SCRIPTS.delete_state_machine.prepare_invoke();
            call.key(self.machine_key(name))
                .key(self.sm_key("names"))
                .key(self.sm_key("uses"))
                .key(self.revision_key(name, latest.revision))
                .key(self.tags_key(name))
                .key(self.versions_key(name))
                .key(self.versions_by_revision_key(name))
                .key(self.aliases_key(name))
                .arg(name)
                .arg(latest.revision);
            for v in &versions {
                call.key(self.revision_key(name, v.revision))
                    .arg(v.version)
                    .arg(v.revision);
            }
            match call.invoke_async::<i64>(&mut self.con()).await? {
                1 => return Ok(true),
                0 => return Ok(false),
                _ => continue,
            }
        }
        Err(StoreError::Other(format!(
            "state machine {name} is being updated concurrently"
        )))
    }

    /// Counts `delta` executions of `name:revision` (1 for a new one, -n for n deleted);
    /// false when a new execution asks for a revision that is gone.
    pub(super) async fn use_revision(&self, name: &str, revision: u32, delta: i64) -> Result<bool> {
        let mut call = SCRIPTS.use_revision.prepare_invoke();
        call.key(self.sm_key("uses"))
            .key(self.machine_key(name))
            .key(self.revision_key(name, revision))
            .arg(name)
            .arg(revision)
            .arg(delta);
        let used: i64 = call.invoke_async(&mut self.con()).await?;
        Ok(used == 1)
    }

    pub(super) async fn release_uses(&self, released: &[(String, u32)]) -> Result<()> {
        let mut counts: std::collections::BTreeMap<(&str, u32), i64> = Default::default();
        for (name, revision) in released {
            *counts.entry((name.as_str(), *revision)).or_insert(0) += 1;
        }
        for ((name, revision), n) in counts {
            self.use_revision(name, revision, -n).await?;
        }
        Ok(())
    }
}
