//! Versions and aliases in memory (`Store::publish_version` …), beside the machines they
//! belong to: every operation runs under the machines' lock, so each is atomic.

use super::machines::Machines;
use crate::store::{
    AliasOutcome, AliasRecord, AliasWrite, MAX_ALIASES, MAX_VERSIONS, PublishOutcome,
    PublishRequest, VersionDeleted, VersionRecord,
};

impl Machines {
    pub fn publish(&mut self, name: &str, request: PublishRequest) -> PublishOutcome {
        let Some(latest) = self.latest(name).map(|l| l.revision) else {
            return PublishOutcome::NoStateMachine;
        };
        if request.revision.is_some_and(|r| r != latest) {
            return PublishOutcome::RevisionMismatch { latest };
        }
        let versions = self.versions.entry(name.to_owned()).or_default();
        if let Some(existing) = versions.values().find(|v| v.revision == latest) {
            return PublishOutcome::Existing(existing.clone());
        }
        if versions.len() >= MAX_VERSIONS {
            return PublishOutcome::TooMany;
        }
        let last = self.last_version.entry(name.to_owned()).or_insert(0);
        *last += 1;
        let record = VersionRecord {
            version: *last,
            revision: latest,
            description: request.description,
            created_ms: request.created_ms,
        };
        versions.insert(record.version, record.clone());
        self.used(name, latest);
        PublishOutcome::Published(record)
    }

    pub fn version(&self, name: &str, version: u32) -> Option<&VersionRecord> {
        self.versions.get(name)?.get(&version)
    }

    pub fn versions_of(&self, name: &str) -> Option<Vec<VersionRecord>> {
        self.latest(name)?;
        let versions = self.versions.get(name);
        Some(versions.map_or_else(Vec::new, |v| v.values().rev().cloned().collect()))
    }

    pub fn delete_version(&mut self, name: &str, version: u32) -> VersionDeleted {
        let Some(record) = self.version(name, version).cloned() else {
            return VersionDeleted::Absent;
        };
        let aliased = (self.aliases.get(name).into_iter())
            .flat_map(|a| a.values())
            .find(|a| a.routes.iter().any(|r| r.version == version));
        if let Some(alias) = aliased {
            return VersionDeleted::Aliased(alias.name.clone());
        }
        if let Some(versions) = self.versions.get_mut(name) {
            versions.remove(&version);
        }
        self.released(name, record.revision);
        VersionDeleted::Deleted
    }

    pub fn put_alias(
        &mut self,
        machine: &str,
        alias: AliasRecord,
        write: AliasWrite,
    ) -> AliasOutcome {
        if self.latest(machine).is_none() {
            return AliasOutcome::NoStateMachine;
        }
        if let Some(missing) =
            (alias.routes.iter()).find(|r| self.version(machine, r.version).is_none())
        {
            return AliasOutcome::NoVersion(missing.version);
        }
        let aliases = self.aliases.entry(machine.to_owned()).or_default();
        match (write, aliases.get(&alias.name)) {
            (AliasWrite::Create, Some(existing)) => return AliasOutcome::Taken(existing.clone()),
            (AliasWrite::Create, None) if aliases.len() >= MAX_ALIASES => {
                return AliasOutcome::TooMany;
            }
            (AliasWrite::Update, None) => return AliasOutcome::NoAlias,
            _ => {}
        }
        aliases.insert(alias.name.clone(), alias);
        AliasOutcome::Stored
    }

    pub fn alias(&self, machine: &str, alias: &str) -> Option<&AliasRecord> {
        self.aliases.get(machine)?.get(alias)
    }

    pub fn aliases_of(&self, machine: &str) -> Option<Vec<AliasRecord>> {
        self.latest(machine)?;
        let mut all: Vec<AliasRecord> = (self.aliases.get(machine).into_iter())
            .flat_map(|a| a.values().cloned())
            .collect();
        all.sort_by(|a, b| (b.created_ms, &b.name).cmp(&(a.created_ms, &a.name)));
        Some(all)
    }

    pub fn delete_alias(&mut self, machine: &str, alias: &str) -> bool {
        (self.aliases.get_mut(machine)).is_some_and(|a| a.remove(alias).is_some())
    }
}
