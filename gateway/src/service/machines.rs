//! State machines: create, update (a new revision), describe, list, delete, validate.

use baton_definitions::{Diagnostic, Severity, parse_definition};
use baton_engine::store::{StateMachineRecord, Store};
use baton_engine::worker::now_ms;

use super::names::check_name;
use super::{Result, Service, ServiceError};

/// `STANDARD` or `EXPRESS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineKind {
    Standard,
    Express,
}

impl MachineKind {
    pub fn parse(text: Option<&str>) -> Result<MachineKind> {
        match text {
            None | Some("STANDARD") => Ok(MachineKind::Standard),
            Some("EXPRESS") => Ok(MachineKind::Express),
            Some(other) => Err(ServiceError::Validation(format!(
                "type must be STANDARD or EXPRESS, not '{other}'"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MachineKind::Standard => "STANDARD",
            MachineKind::Express => "EXPRESS",
        }
    }
}

/// AWS's one-line summary of a definition's first error.
fn invalid(diagnostics: Vec<Diagnostic>) -> ServiceError {
    let message = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{}: {} at {}",
                d.code.as_str(),
                d.message,
                if d.location.is_empty() {
                    "/"
                } else {
                    &d.location
                }
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    ServiceError::InvalidDefinition {
        message,
        diagnostics,
    }
}

const DEFAULT_ROLE: &str = "arn:aws:iam::123456789012:role/baton";

impl<S: Store> Service<S> {
    /// Every problem of a definition (errors and warnings), without saving it.
    pub fn validate(&self, definition: &str) -> Vec<Diagnostic> {
        match parse_definition(definition) {
            Ok(def) => def.warnings,
            Err(all) => all,
        }
    }

    /// Creates the state machine (its first revision). Creating again with the same
    /// definition, role and type is a no-op.
    pub async fn create_state_machine(
        &self,
        name: &str,
        definition: &str,
        role_arn: Option<&str>,
        kind: MachineKind,
        retention_ms: Option<u64>,
    ) -> Result<StateMachineRecord> {
        check_name(name)?;
        parse_definition(definition).map_err(invalid)?;
        let now = now_ms();
        let record = StateMachineRecord {
            name: name.to_owned(),
            revision: 1,
            definition: definition.to_owned(),
            role_arn: role_arn.unwrap_or(DEFAULT_ROLE).to_owned(),
            kind: kind.as_str().to_owned(),
            created_ms: now,
            updated_ms: now,
            retention_ms,
        };
        match self.store.create_state_machine(record.clone()).await? {
            Ok(created) => Ok(created),
            Err(existing)
                if existing.definition == record.definition
                    && existing.role_arn == record.role_arn
                    && existing.kind == record.kind =>
            {
                Ok(existing)
            }
            Err(_) => Err(ServiceError::StateMachineAlreadyExists(
                self.settings.state_machine_arn(name),
            )),
        }
    }

    /// Stores a new revision; running executions keep the one they started with. `None`
    /// keeps the current value of each field (`retention_ms: Some(None)` goes back to the
    /// process default).
    pub async fn update_state_machine(
        &self,
        name: &str,
        definition: Option<&str>,
        role_arn: Option<&str>,
        retention_ms: Option<Option<u64>>,
    ) -> Result<StateMachineRecord> {
        if definition.is_none() && role_arn.is_none() && retention_ms.is_none() {
            return Err(ServiceError::Validation(
                "give a new definition, a new roleArn, or both".into(),
            ));
        }
        if let Some(definition) = definition {
            parse_definition(definition).map_err(invalid)?;
        }
        for _ in 0..5 {
            let current = self.describe_state_machine(name).await?;
            let record = StateMachineRecord {
                revision: current.revision + 1,
                definition: definition.map_or(current.definition.clone(), str::to_owned),
                role_arn: role_arn.map_or(current.role_arn.clone(), str::to_owned),
                retention_ms: retention_ms.unwrap_or(current.retention_ms),
                updated_ms: now_ms(),
                ..current
            };
            if self.store.update_state_machine(record.clone()).await? {
                return Ok(record);
            }
        }
        Err(ServiceError::Conflict(format!(
            "state machine '{name}' is being updated concurrently; try again"
        )))
    }

    /// A revision of the state machine as it exists now (not one of a deleted machine of
    /// the same name).
    pub async fn state_machine_revision(
        &self,
        name: &str,
        revision: u32,
    ) -> Result<Option<StateMachineRecord>> {
        let latest = self.describe_state_machine(name).await?;
        if revision == latest.revision {
            return Ok(Some(latest));
        }
        Ok(self
            .store
            .get_state_machine_revision(name, revision)
            .await?
            .filter(|r| r.revision < latest.revision && r.created_ms == latest.created_ms))
    }

    pub async fn describe_state_machine(&self, name: &str) -> Result<StateMachineRecord> {
        self.store.get_state_machine(name).await?.ok_or_else(|| {
            ServiceError::StateMachineDoesNotExist(self.settings.state_machine_arn(name))
        })
    }

    /// A page of state machines by name; the second value continues the listing.
    pub async fn list_state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<StateMachineRecord>, Option<String>)> {
        let limit = limit.clamp(1, 1000);
        let mut page = self.store.list_state_machines(after, limit + 1).await?;
        let next = (page.len() > limit).then(|| {
            page.truncate(limit);
            page.last().map(|r| r.name.clone()).unwrap_or_default()
        });
        Ok((page, next))
    }

    /// Deletes the state machine. Deleting one that does not exist is not an error (AWS).
    pub async fn delete_state_machine(&self, name: &str) -> Result<()> {
        self.store.delete_state_machine(name).await?;
        Ok(())
    }
}
