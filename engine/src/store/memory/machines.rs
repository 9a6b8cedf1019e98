//! State machines in memory: latest revisions, every revision still in use, and how many
//! executions (and versions) use each; tags, versions and aliases.

use std::collections::{BTreeMap, HashMap};

use crate::store::{AliasRecord, MAX_TAGS, StateMachineRecord, TagOutcome, VersionRecord};

/// What `create` did.
pub(super) enum Created {
    New(StateMachineRecord),
    Taken(StateMachineRecord),
}

#[derive(Debug, Default)]
pub(super) struct Machines {
    latest: BTreeMap<String, StateMachineRecord>,
    revisions: HashMap<(String, u32), StateMachineRecord>,
    /// The last revision number ever given per name (kept after deletion).
    last: HashMap<String, u32>,
    /// Executions (not yet deleted) per revision.
    uses: HashMap<(String, u32), u64>,
    /// Tags per machine name (removed with the machine).
    tags: HashMap<String, BTreeMap<String, String>>,
    /// Published versions per machine name (removed with the machine); each counts as a
    /// use of its revision.
    pub(super) versions: HashMap<String, BTreeMap<u32, VersionRecord>>,
    /// The last version number ever given per name (kept after deletion).
    pub(super) last_version: HashMap<String, u32>,
    /// Aliases per machine name (removed with the machine).
    pub(super) aliases: HashMap<String, BTreeMap<String, AliasRecord>>,
}

impl Machines {
    /// The stored record, or the latest one when the name is taken (the store's answer).
    pub fn create(&mut self, mut record: StateMachineRecord) -> Created {
        if let Some(existing) = self.latest.get(&record.name) {
            return Created::Taken(existing.clone());
        }
        let last = self.last.entry(record.name.clone()).or_insert(0);
        *last += 1;
        record.revision = *last;
        self.revisions
            .insert((record.name.clone(), record.revision), record.clone());
        self.latest.insert(record.name.clone(), record.clone());
        Created::New(record)
    }

    pub fn update(&mut self, record: StateMachineRecord) -> bool {
        let previous = match self.latest.get(&record.name) {
            Some(existing) if existing.revision + 1 == record.revision => existing.revision,
            _ => return false,
        };
        self.last.insert(record.name.clone(), record.revision);
        self.revisions
            .insert((record.name.clone(), record.revision), record.clone());
        self.latest.insert(record.name.clone(), record.clone());
        self.collect(&record.name, previous);
        true
    }

    pub fn latest(&self, name: &str) -> Option<&StateMachineRecord> {
        self.latest.get(name)
    }

    pub fn revision(&self, name: &str, revision: u32) -> Option<&StateMachineRecord> {
        self.revisions.get(&(name.to_owned(), revision))
    }

    pub fn list(&self, after: Option<&str>, limit: usize) -> Vec<StateMachineRecord> {
        (self.latest.iter())
            .filter(|(name, _)| after.is_none_or(|a| name.as_str() > a))
            .take(limit)
            .map(|(_, r)| r.clone())
            .collect()
    }

    pub fn delete(&mut self, name: &str) -> bool {
        let Some(removed) = self.latest.remove(name) else {
            return false;
        };
        self.tags.remove(name);
        self.aliases.remove(name);
        for version in self.versions.remove(name).unwrap_or_default().into_values() {
            self.released(name, version.revision);
        }
        self.collect(name, removed.revision);
        true
    }

    pub fn tag(&mut self, name: &str, tags: &[(String, String)]) -> TagOutcome {
        if !self.latest.contains_key(name) {
            return TagOutcome::NoStateMachine;
        }
        let current = self.tags.entry(name.to_owned()).or_default();
        let new = tags
            .iter()
            .filter(|(k, _)| !current.contains_key(k))
            .map(|(k, _)| k)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if current.len() + new > MAX_TAGS {
            return TagOutcome::TooMany;
        }
        for (k, v) in tags {
            current.insert(k.clone(), v.clone());
        }
        TagOutcome::Tagged
    }

    pub fn untag(&mut self, name: &str, keys: &[String]) -> bool {
        if !self.latest.contains_key(name) {
            return false;
        }
        if let Some(current) = self.tags.get_mut(name) {
            for k in keys {
                current.remove(k);
            }
        }
        true
    }

    pub fn tags(&self, name: &str) -> Option<Vec<(String, String)>> {
        self.latest.get(name)?;
        Some(
            self.tags
                .get(name)
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        )
    }

    /// An execution (or a version) of `name:revision` was created.
    pub fn used(&mut self, name: &str, revision: u32) {
        *self.uses.entry((name.to_owned(), revision)).or_insert(0) += 1;
    }

    /// An execution (or a version) of `name:revision` was deleted.
    pub fn released(&mut self, name: &str, revision: u32) {
        if let Some(n) = self.uses.get_mut(&(name.to_owned(), revision)) {
            *n = n.saturating_sub(1);
        }
        self.collect(name, revision);
    }

    /// Removes a revision that neither an execution nor its machine (as latest) uses.
    fn collect(&mut self, name: &str, revision: u32) {
        let key = (name.to_owned(), revision);
        let in_use = self.uses.get(&key).is_some_and(|n| *n > 0)
            || self
                .latest
                .get(name)
                .is_some_and(|l| l.revision == revision);
        if !in_use {
            self.uses.remove(&key);
            self.revisions.remove(&key);
        }
    }
}
