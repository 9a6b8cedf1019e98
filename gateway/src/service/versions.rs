//! Versions of state machines: publish (alone, or with a create or an update), list,
//! describe, delete; and what a start through a version or an alias runs.
//!
//! A version pins one revision (immutable: its definition, role and type); the store keeps
//! the revision while the version exists. An alias picks one of its one or two versions
//! per start, by weight: the roll is made here, at the edge ([`pick`] is pure).

use baton_engine::machine::Pinned;
use baton_engine::store::{
    AliasRecord, MAX_VERSIONS, PublishOutcome, PublishRequest, StateMachineRecord, Store,
    VersionDeleted, VersionRecord,
};
use baton_engine::worker::now_ms;

use super::qualified::Target;
use super::{Result, Service, ServiceError};

/// The version an alias's routes choose for a roll in `0..100`: the first route takes
/// rolls below its weight, the second the rest.
pub fn pick(alias: &AliasRecord, roll: u32) -> u32 {
    let mut below = 0;
    for route in &alias.routes {
        below += route.weight;
        if roll < below {
            return route.version;
        }
    }
    alias.routes.last().map_or(0, |r| r.version)
}

/// AWS's revision ids are Baton's revision numbers; `INITIAL` is the first.
fn revision_id(text: &str) -> u32 {
    match text {
        "INITIAL" => 1,
        // 0 is no revision: the store answers a mismatch.
        other => other.parse().unwrap_or(0),
    }
}

impl<S: Store> Service<S> {
    pub fn version_arn(&self, name: &str, version: u32) -> String {
        format!("{}:{version}", self.settings.state_machine_arn(name))
    }

    pub fn alias_arn(&self, name: &str, alias: &str) -> String {
        format!("{}:{alias}", self.settings.state_machine_arn(name))
    }

    /// Publishes the latest revision (or returns the version it already has: `false`).
    /// `revision` is AWS's `revisionId`: publish only when the latest is that one.
    pub async fn publish_version(
        &self,
        name: &str,
        revision: Option<&str>,
        description: Option<&str>,
    ) -> Result<(VersionRecord, bool)> {
        let request = PublishRequest {
            revision: revision.map(revision_id),
            description: description.map(str::to_owned),
            created_ms: now_ms(),
        };
        match self.store.publish_version(name, request).await? {
            PublishOutcome::Published(v) => {
                metrics::counter!("baton_versions_published_total").increment(1);
                Ok((v, true))
            }
            PublishOutcome::Existing(v) => Ok((v, false)),
            PublishOutcome::NoStateMachine => Err(ServiceError::StateMachineDoesNotExist(
                self.settings.state_machine_arn(name),
            )),
            PublishOutcome::RevisionMismatch { latest } => Err(ServiceError::Conflict(format!(
                "Failed to publish the State Machine version: the revisionId '{}' is not the \
                 current revision '{latest}' of '{}'",
                revision.unwrap_or(""),
                self.settings.state_machine_arn(name)
            ))),
            PublishOutcome::TooMany => Err(ServiceError::QuotaExceeded(format!(
                "'{}' has {MAX_VERSIONS} versions, the most a state machine may have; \
                 delete unused ones",
                self.settings.state_machine_arn(name)
            ))),
        }
    }

    /// A page of versions, newest first, after the version `after` (the last of the
    /// previous page); the second value continues the listing.
    pub async fn list_versions(
        &self,
        name: &str,
        after: Option<u32>,
        limit: usize,
    ) -> Result<(Vec<VersionRecord>, Option<u32>)> {
        let all = self.store.list_versions(name).await?.ok_or_else(|| {
            ServiceError::StateMachineDoesNotExist(self.settings.state_machine_arn(name))
        })?;
        let mut page: Vec<VersionRecord> = (all.into_iter())
            .filter(|v| after.is_none_or(|a| v.version < a))
            .take(limit + 1)
            .collect();
        let next = (page.len() > limit).then(|| {
            page.truncate(limit);
            page.last().map_or(0, |v| v.version)
        });
        Ok((page, next))
    }

    /// A version and the revision it pins.
    pub async fn describe_version(
        &self,
        name: &str,
        version: u32,
    ) -> Result<(VersionRecord, StateMachineRecord)> {
        let missing = || ServiceError::StateMachineDoesNotExist(self.version_arn(name, version));
        let v = (self.store.get_version(name, version).await?).ok_or_else(missing)?;
        let record = (self
            .store
            .get_state_machine_revision(name, v.revision)
            .await?)
            .ok_or_else(missing)?;
        Ok((v, record))
    }

    /// Deletes a version: refused while an alias routes to it; deleting one that does not
    /// exist is not an error (AWS). Its running executions go on.
    pub async fn delete_version(&self, name: &str, version: u32) -> Result<()> {
        match self.store.delete_version(name, version).await? {
            VersionDeleted::Deleted | VersionDeleted::Absent => Ok(()),
            VersionDeleted::Aliased(alias) => Err(ServiceError::Conflict(format!(
                "Version to be deleted must not be referenced by an alias. Current list of \
                 aliases referencing this version: [{}]",
                self.alias_arn(name, &alias)
            ))),
        }
    }

    /// What a start on `target` of machine `name` runs: the revision, and the version (and
    /// alias) to record on the execution. An alias rolls for its version here.
    pub async fn start_target(
        &self,
        name: &str,
        target: &Target,
    ) -> Result<(StateMachineRecord, Option<Pinned>)> {
        let (version, alias) = match target {
            Target::Latest => return Ok((self.describe_state_machine(name).await?, None)),
            Target::Version(n) => (*n, None),
            Target::Alias(alias) => {
                let record = (self.store.get_alias(name, alias).await?).ok_or_else(|| {
                    ServiceError::StateMachineDoesNotExist(self.alias_arn(name, alias))
                })?;
                let roll = rand::random::<u32>() % 100;
                (pick(&record, roll), Some(alias.clone()))
            }
        };
        let (_, record) = self.describe_version(name, version).await?;
        Ok((record, Some(Pinned { version, alias })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_engine::store::Route;

    fn alias(routes: &[(u32, u32)]) -> AliasRecord {
        AliasRecord {
            name: "prod".into(),
            description: None,
            routes: (routes.iter())
                .map(|&(version, weight)| Route { version, weight })
                .collect(),
            created_ms: 0,
            updated_ms: 0,
        }
    }

    #[test]
    fn rolls_split_by_weight() {
        let split = alias(&[(1, 90), (2, 10)]);
        let ones = (0..100).filter(|&r| pick(&split, r) == 1).count();
        assert_eq!(ones, 90);
        assert_eq!(pick(&split, 89), 1);
        assert_eq!(pick(&split, 90), 2);
        let all = alias(&[(3, 100)]);
        assert!((0..100).all(|r| pick(&all, r) == 3));
        let zero = alias(&[(4, 0), (5, 100)]);
        assert!((0..100).all(|r| pick(&zero, r) == 5));
    }

    #[test]
    fn revision_ids_are_numbers() {
        assert_eq!(revision_id("INITIAL"), 1);
        assert_eq!(revision_id("7"), 7);
        assert_eq!(revision_id("abc"), 0);
    }
}
