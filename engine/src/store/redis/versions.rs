//! Versions and aliases of state machines (`{sm}` keys), one script per atomic operation:
//! `publish_version.lua`, `delete_version.lua`, `put_alias.lua`, `machine_hash.lua` (and
//! `delete_state_machine.lua`, which deletes them with their machine).
//!
//! | key | holds |
//! |---|---|
//! | `{sm}:vs:<name>` | versions (hash: number → record JSON) |
//! | `{sm}:vr:<name>` | the version of each published revision (hash) |
//! | `{sm}:lastver` | the last version number given per name (hash; outlives the machine) |
//! | `{sm}:al:<name>` | aliases (hash: name → record JSON) |

use std::sync::LazyLock;

use redis::{Script, Value};

use super::{RedisStore, decode, encode, text};
use crate::store::{
    AliasOutcome, AliasRecord, AliasWrite, MAX_ALIASES, MAX_VERSIONS, PublishOutcome,
    PublishRequest, Result, StoreError, VersionDeleted, VersionRecord,
};

struct Scripts {
    publish: Script,
    delete_version: Script,
    put_alias: Script,
    machine_hash: Script,
}

static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    publish: Script::new(include_str!("lua/publish_version.lua")),
    delete_version: Script::new(include_str!("lua/delete_version.lua")),
    put_alias: Script::new(include_str!("lua/put_alias.lua")),
    machine_hash: Script::new(include_str!("lua/machine_hash.lua")),
});

/// A script's `{code, payload?}` reply.
fn coded(reply: Value) -> Result<(i64, Option<String>)> {
    let Value::Array(items) = reply else {
        return Err(StoreError::Corrupt(format!("unexpected reply {reply:?}")));
    };
    let mut items = items.into_iter();
    let code = match items.next() {
        Some(Value::Int(code)) => code,
        other => return Err(StoreError::Corrupt(format!("unexpected code {other:?}"))),
    };
    Ok((code, items.next().map(text).transpose()?))
}

fn payload(what: &str, payload: Option<String>) -> Result<String> {
    payload.ok_or_else(|| StoreError::Corrupt(format!("{what}: the script answered nothing")))
}

impl RedisStore {
    pub(super) fn versions_key(&self, name: &str) -> String {
        format!("{}:{{sm}}:vs:{name}", self.inner.prefix)
    }

    pub(super) fn versions_by_revision_key(&self, name: &str) -> String {
        format!("{}:{{sm}}:vr:{name}", self.inner.prefix)
    }

    pub(super) fn aliases_key(&self, name: &str) -> String {
        format!("{}:{{sm}}:al:{name}", self.inner.prefix)
    }

    pub(super) async fn publish(
        &self,
        name: &str,
        request: PublishRequest,
    ) -> Result<PublishOutcome> {
        let mut call = SCRIPTS.publish.prepare_invoke();
        call.key(self.machine_key(name))
            .key(self.versions_key(name))
            .key(self.versions_by_revision_key(name))
            .key(self.sm_key("lastver"))
            .key(self.sm_key("uses"))
            .arg(name)
            .arg(request.revision.map_or_else(String::new, |r| r.to_string()))
            .arg(request.created_ms)
            .arg(match &request.description {
                Some(d) => encode(d)?,
                None => String::new(),
            })
            .arg(MAX_VERSIONS);
        let (code, data) = coded(call.invoke_async(&mut self.con()).await?)?;
        Ok(match code {
            0 => PublishOutcome::Published(decode("version", &payload("publish", data)?)?),
            1 => PublishOutcome::Existing(decode("version", &payload("publish", data)?)?),
            2 => PublishOutcome::RevisionMismatch {
                latest: decode("revision", &payload("publish", data)?)?,
            },
            3 => PublishOutcome::TooMany,
            _ => PublishOutcome::NoStateMachine,
        })
    }

    pub(super) async fn version(&self, name: &str, version: u32) -> Result<Option<VersionRecord>> {
        let text: Option<String> = redis::cmd("HGET")
            .arg(self.versions_key(name))
            .arg(version)
            .query_async(&mut self.con())
            .await?;
        text.map(|t| decode("version", &t)).transpose()
    }

    /// The values of a machine's hash (`key`), or `None` when the machine does not exist.
    async fn machine_hash(&self, name: &str, key: String) -> Result<Option<Vec<String>>> {
        let mut call = SCRIPTS.machine_hash.prepare_invoke();
        call.key(self.machine_key(name)).key(key);
        match call.invoke_async::<Value>(&mut self.con()).await? {
            Value::Int(-1) => Ok(None),
            other => Ok(Some(redis::from_redis_value(other).map_err(|e| {
                StoreError::Corrupt(format!("state machine {name}: {e}"))
            })?)),
        }
    }

    pub(super) async fn versions(&self, name: &str) -> Result<Option<Vec<VersionRecord>>> {
        let Some(texts) = self.machine_hash(name, self.versions_key(name)).await? else {
            return Ok(None);
        };
        let mut all = (texts.iter())
            .map(|t| decode::<VersionRecord>("version", t))
            .collect::<Result<Vec<_>>>()?;
        all.sort_by_key(|v| std::cmp::Reverse(v.version));
        Ok(Some(all))
    }

    pub(super) async fn remove_version(&self, name: &str, version: u32) -> Result<VersionDeleted> {
        let Some(record) = self.version(name, version).await? else {
            return Ok(VersionDeleted::Absent);
        };
        let mut call = SCRIPTS.delete_version.prepare_invoke();
        call.key(self.versions_key(name))
            .key(self.versions_by_revision_key(name))
            .key(self.aliases_key(name))
            .key(self.sm_key("uses"))
            .key(self.machine_key(name))
            .key(self.revision_key(name, record.revision))
            .arg(name)
            .arg(version)
            .arg(record.revision);
        let (code, data) = coded(call.invoke_async(&mut self.con()).await?)?;
        Ok(match code {
            0 => VersionDeleted::Deleted,
            2 => VersionDeleted::Aliased(payload("delete version", data)?),
            _ => VersionDeleted::Absent,
        })
    }

    pub(super) async fn write_alias(
        &self,
        machine: &str,
        alias: AliasRecord,
        write: AliasWrite,
    ) -> Result<AliasOutcome> {
        let mut call = SCRIPTS.put_alias.prepare_invoke();
        call.key(self.machine_key(machine))
            .key(self.versions_key(machine))
            .key(self.aliases_key(machine))
            .arg(match write {
                AliasWrite::Create => "create",
                AliasWrite::Update => "update",
            })
            .arg(&alias.name)
            .arg(encode(&alias)?)
            .arg(MAX_ALIASES);
        for route in &alias.routes {
            call.arg(route.version);
        }
        let (code, data) = coded(call.invoke_async(&mut self.con()).await?)?;
        Ok(match code {
            0 => AliasOutcome::Stored,
            1 => AliasOutcome::Taken(decode("alias", &payload("put alias", data)?)?),
            2 => AliasOutcome::NoAlias,
            3 => AliasOutcome::NoVersion(decode("version", &payload("put alias", data)?)?),
            4 => AliasOutcome::TooMany,
            _ => AliasOutcome::NoStateMachine,
        })
    }

    pub(super) async fn alias(&self, machine: &str, alias: &str) -> Result<Option<AliasRecord>> {
        let text: Option<String> = redis::cmd("HGET")
            .arg(self.aliases_key(machine))
            .arg(alias)
            .query_async(&mut self.con())
            .await?;
        text.map(|t| decode("alias", &t)).transpose()
    }

    pub(super) async fn aliases(&self, machine: &str) -> Result<Option<Vec<AliasRecord>>> {
        let Some(texts) = self
            .machine_hash(machine, self.aliases_key(machine))
            .await?
        else {
            return Ok(None);
        };
        let mut all = (texts.iter())
            .map(|t| decode::<AliasRecord>("alias", t))
            .collect::<Result<Vec<_>>>()?;
        all.sort_by(|a, b| (b.created_ms, &b.name).cmp(&(a.created_ms, &a.name)));
        Ok(Some(all))
    }

    pub(super) async fn remove_alias(&self, machine: &str, alias: &str) -> Result<bool> {
        let removed: i64 = redis::cmd("HDEL")
            .arg(self.aliases_key(machine))
            .arg(alias)
            .query_async(&mut self.con())
            .await?;
        Ok(removed == 1)
    }
}
