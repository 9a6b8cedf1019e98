//! Listing the executions of a version or an alias (ListExecutions on a qualified ARN).
//!
//! The stores index executions by machine, status and start time, not by version: the
//! executions of a version are the machine's, read page by page, that carry its pin. Like
//! a name prefix ([`baton_engine::store::listing`]), a call reads at most
//! [`NAME_SCAN_PER_EXECUTION`] × `limit` executions; when they run out before the page is
//! full, the page is short (maybe empty) and its `next` goes on from the last one read.

use baton_engine::machine::Execution;
use baton_engine::store::{ExecutionFilter, ExecutionPage, NAME_SCAN_PER_EXECUTION, Store};

use super::qualified::Target;
use super::{Result, Service, ServiceError};

/// Which executions of a machine to list: started on a version (directly or through an
/// alias), through an alias, or both; all when both are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PinFilter {
    pub version: Option<u32>,
    pub alias: Option<String>,
}

impl From<&Target> for PinFilter {
    fn from(target: &Target) -> PinFilter {
        match target {
            Target::Latest => PinFilter::default(),
            Target::Version(n) => PinFilter {
                version: Some(*n),
                alias: None,
            },
            Target::Alias(a) => PinFilter {
                version: None,
                alias: Some(a.clone()),
            },
        }
    }
}

/// Whether `exec` passes `pin`.
pub fn started_through(exec: &Execution, pin: &PinFilter) -> bool {
    let version = pin
        .version
        .is_none_or(|n| exec.pinned.as_ref().is_some_and(|p| p.version == n));
    let alias = (pin.alias.as_deref())
        .is_none_or(|a| (exec.pinned.as_ref()).is_some_and(|p| p.alias.as_deref() == Some(a)));
    version && alias
}

/// The listing cursor of an execution (`<start ms>|<id>`, as the stores make them).
fn cursor_of(exec: &Execution) -> String {
    format!("{}|{}", exec.start_ms, exec.id)
}

impl<S: Store> Service<S> {
    /// [`Service::list_executions`] of the executions that pass `pin`; its version and
    /// alias must exist (`ResourceNotFound` otherwise).
    pub async fn list_executions_of(
        &self,
        state_machine: &str,
        pin: &PinFilter,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        if *pin == PinFilter::default() {
            return self
                .list_executions(state_machine, filter, cursor, limit)
                .await;
        }
        if let Some(n) = pin.version {
            self.describe_version(state_machine, n)
                .await
                .map_err(|_| ServiceError::ResourceNotFound(self.version_arn(state_machine, n)))?;
        }
        if let Some(alias) = &pin.alias {
            self.describe_alias(state_machine, alias).await?;
        }
        let limit = limit.clamp(1, 1000);
        let mut budget = NAME_SCAN_PER_EXECUTION * limit;
        let mut cursor = cursor.map(str::to_owned);
        let mut found = Vec::new();
        while budget > 0 {
            let page = (self.store)
                .list_executions_filtered(
                    state_machine,
                    filter,
                    cursor.as_deref(),
                    limit.min(budget),
                )
                .await?;
            budget = budget.saturating_sub(page.executions.len().max(1));
            let read = page.executions.len();
            for (i, exec) in page.executions.into_iter().enumerate() {
                cursor = Some(cursor_of(&exec));
                if started_through(&exec, pin) {
                    found.push(exec);
                    if found.len() == limit {
                        // Nothing after the last one of the last page.
                        let last = i + 1 == read && page.next.is_none();
                        return Ok(ExecutionPage {
                            executions: found,
                            next: if last { None } else { cursor },
                        });
                    }
                }
            }
            if page.next.is_none() {
                return Ok(ExecutionPage {
                    executions: found,
                    next: None,
                });
            }
            cursor = page.next;
        }
        Ok(ExecutionPage {
            executions: found,
            next: cursor,
        })
    }
}
