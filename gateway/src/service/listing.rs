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

/// Whether `exec` was started through `target` (every execution for `Latest`; for a
/// version, those started through an alias that chose it too).
pub fn started_through(exec: &Execution, target: &Target) -> bool {
    match (target, &exec.pinned) {
        (Target::Latest, _) => true,
        (Target::Version(n), Some(pin)) => pin.version == *n,
        (Target::Alias(a), Some(pin)) => pin.alias.as_deref() == Some(a.as_str()),
        _ => false,
    }
}

/// The listing cursor of an execution (`<start ms>|<id>`, as the stores make them).
fn cursor_of(exec: &Execution) -> String {
    format!("{}|{}", exec.start_ms, exec.id)
}

impl<S: Store> Service<S> {
    /// [`Service::list_executions`] of the executions started through `target`, which
    /// must exist (`ResourceNotFound` otherwise).
    pub async fn list_executions_of(
        &self,
        state_machine: &str,
        target: &Target,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        match target {
            Target::Latest => {
                return self
                    .list_executions(state_machine, filter, cursor, limit)
                    .await;
            }
            Target::Version(n) => {
                self.describe_version(state_machine, *n)
                    .await
                    .map_err(|_| {
                        ServiceError::ResourceNotFound(self.version_arn(state_machine, *n))
                    })?;
            }
            Target::Alias(alias) => {
                self.describe_alias(state_machine, alias).await?;
            }
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
                if started_through(&exec, target) {
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
