//! Aliases of state machines: create (idempotent for the same description and routes),
//! update, describe, list, delete. An alias routes starts to one or two versions of its
//! machine by weight (percent, adding up to 100).

use baton_engine::store::{AliasOutcome, AliasRecord, AliasWrite, MAX_ALIASES, Route, Store};
use baton_engine::worker::now_ms;

use super::qualified::check_alias_name;
use super::{Result, Service, ServiceError};

/// AWS's rules for a routing configuration: one or two versions, different, each weight
/// 0–100, 100 in all.
pub fn check_routes(routes: &[Route]) -> Result<()> {
    let invalid = |m: &str| Err(ServiceError::Validation(m.to_owned()));
    if routes.is_empty() || routes.len() > 2 {
        return invalid("routingConfiguration routes to one or two versions");
    }
    if routes.len() == 2 && routes[0].version == routes[1].version {
        return invalid("the versions of a routingConfiguration must be different");
    }
    if routes.iter().any(|r| r.weight > 100) {
        return invalid("a routingConfiguration weight is 0 to 100");
    }
    if routes.iter().map(|r| r.weight).sum::<u32>() != 100 {
        return invalid("the weights of a routingConfiguration must add up to 100");
    }
    Ok(())
}

impl<S: Store> Service<S> {
    fn alias_missing(&self, machine: &str, alias: &str) -> ServiceError {
        ServiceError::ResourceNotFound(self.alias_arn(machine, alias))
    }

    /// The error for a store outcome other than `Stored`.
    fn alias_refused(&self, machine: &str, name: &str, outcome: AliasOutcome) -> ServiceError {
        match outcome {
            AliasOutcome::NoVersion(v) => {
                ServiceError::ResourceNotFound(self.version_arn(machine, v))
            }
            AliasOutcome::NoStateMachine => {
                ServiceError::StateMachineDoesNotExist(self.settings.state_machine_arn(machine))
            }
            AliasOutcome::TooMany => ServiceError::QuotaExceeded(format!(
                "'{}' has {MAX_ALIASES} aliases, the most a state machine may have",
                self.settings.state_machine_arn(machine)
            )),
            AliasOutcome::Taken(_) => ServiceError::Conflict(format!(
                "Failed to create the alias: '{}' exists with another configuration",
                self.alias_arn(machine, name)
            )),
            AliasOutcome::NoAlias | AliasOutcome::Stored => self.alias_missing(machine, name),
        }
    }

    /// Creates an alias; creating it again with the same description and routes returns
    /// the existing one.
    pub async fn create_alias(
        &self,
        machine: &str,
        name: &str,
        description: Option<&str>,
        routes: Vec<Route>,
    ) -> Result<AliasRecord> {
        check_alias_name(name)?;
        check_routes(&routes)?;
        let now = now_ms();
        let record = AliasRecord {
            name: name.to_owned(),
            description: description.map(str::to_owned),
            routes,
            created_ms: now,
            updated_ms: now,
        };
        match (self
            .store
            .put_alias(machine, record.clone(), AliasWrite::Create))
        .await?
        {
            AliasOutcome::Stored => Ok(record),
            AliasOutcome::Taken(existing)
                if existing.description == record.description
                    && existing.routes == record.routes =>
            {
                Ok(existing)
            }
            other => Err(self.alias_refused(machine, name, other)),
        }
    }

    /// Changes an alias's description, routes or both (`None` keeps one).
    pub async fn update_alias(
        &self,
        machine: &str,
        name: &str,
        description: Option<&str>,
        routes: Option<Vec<Route>>,
    ) -> Result<AliasRecord> {
        if let Some(routes) = &routes {
            check_routes(routes)?;
        }
        let current = self.describe_alias(machine, name).await?;
        let record = AliasRecord {
            description: description.map_or(current.description.clone(), |d| Some(d.to_owned())),
            routes: routes.unwrap_or_else(|| current.routes.clone()),
            updated_ms: now_ms(),
            ..current
        };
        match (self
            .store
            .put_alias(machine, record.clone(), AliasWrite::Update))
        .await?
        {
            AliasOutcome::Stored => Ok(record),
            other => Err(self.alias_refused(machine, name, other)),
        }
    }

    pub async fn describe_alias(&self, machine: &str, name: &str) -> Result<AliasRecord> {
        (self.store.get_alias(machine, name).await?)
            .ok_or_else(|| self.alias_missing(machine, name))
    }

    /// A page of aliases, newest first (those routing to `version` when given), from
    /// `offset`; the second value is the offset of the next page.
    pub async fn list_aliases(
        &self,
        machine: &str,
        version: Option<u32>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<AliasRecord>, Option<usize>)> {
        let all = self.store.list_aliases(machine).await?.ok_or_else(|| {
            ServiceError::StateMachineDoesNotExist(self.settings.state_machine_arn(machine))
        })?;
        if let Some(v) = version {
            self.describe_version(machine, v)
                .await
                .map_err(|_| ServiceError::ResourceNotFound(self.version_arn(machine, v)))?;
        }
        let matching: Vec<AliasRecord> = (all.into_iter())
            .filter(|a| version.is_none_or(|v| a.routes.iter().any(|r| r.version == v)))
            .collect();
        let next = (matching.len() > offset + limit).then_some(offset + limit);
        Ok((
            matching.into_iter().skip(offset).take(limit).collect(),
            next,
        ))
    }

    pub async fn delete_alias(&self, machine: &str, name: &str) -> Result<()> {
        if self.store.delete_alias(machine, name).await? {
            Ok(())
        } else {
            Err(self.alias_missing(machine, name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(items: &[(u32, u32)]) -> Vec<Route> {
        (items.iter())
            .map(|&(version, weight)| Route { version, weight })
            .collect()
    }

    #[test]
    fn routes_follow_aws_rules() {
        assert!(check_routes(&routes(&[(1, 100)])).is_ok());
        assert!(check_routes(&routes(&[(1, 90), (2, 10)])).is_ok());
        assert!(check_routes(&routes(&[(1, 0), (2, 100)])).is_ok());
        for bad in [
            routes(&[]),
            routes(&[(1, 99)]),
            routes(&[(1, 50), (1, 50)]),
            routes(&[(1, 60), (2, 60)]),
            routes(&[(1, 101)]),
            routes(&[(1, 30), (2, 30), (3, 40)]),
        ] {
            assert!(check_routes(&bad).is_err(), "{bad:?}");
        }
    }
}
