//! Redrive: a `FAILED`, `TIMED_OUT` or `ABORTED` execution continues from the states that
//! did not succeed (`baton_engine::machine::redrive`), on its own revision (AWS) or on
//! another one of its state machine (Baton's REST API).

use baton_engine::machine::redrive::{NotRedrivable, Refusal, redrive, token_redriven};
use baton_engine::machine::{Execution, Input, Machine, Settings};
use baton_engine::store::record::RecordWrite;
use baton_engine::store::{RedriveRequest, Redriven, Store};
use baton_engine::worker::{KeyRingMinter, now_ms};

use super::{Result, Service, ServiceError};

/// The revision a redrive runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedriveRevision {
    /// The execution's own (AWS's `RedriveExecution`).
    #[default]
    Own,
    /// The state machine's latest.
    Latest,
    Number(u32),
}

impl<S: Store> Service<S> {
    /// Redrives execution `id`; returns it as written (its `redrive_ms` is the redrive
    /// date). With a client token used for a redrive of it in the last 15 minutes, returns
    /// it without redriving again (AWS's idempotency).
    pub async fn redrive_execution(
        &self,
        id: &str,
        revision: RedriveRevision,
        token: Option<&str>,
    ) -> Result<Execution> {
        // A concurrent change of the record (another redrive, a late commit) or of the
        // revision: read again and decide again.
        for _ in 0..5 {
            let exec = self.describe_execution(id).await?;
            let now = now_ms();
            if let Some(token) = token
                && let Some(at) = token_redriven(&exec, token, now)
            {
                let mut exec = exec;
                exec.redrive_ms = Some(at);
                return Ok(exec);
            }
            if let Some(done) = self.try_redrive(exec, revision, token, now).await? {
                return Ok(done);
            }
        }
        Err(ServiceError::Conflict(format!(
            "execution '{id}' is changing concurrently; try again"
        )))
    }

    async fn try_redrive(
        &self,
        exec: Execution,
        revision: RedriveRevision,
        token: Option<&str>,
        now: i64,
    ) -> Result<Option<Execution>> {
        let sm = exec.state_machine.clone();
        let target = match revision {
            RedriveRevision::Own => exec.revision,
            RedriveRevision::Latest => self.describe_state_machine(&sm).await?.revision,
            RedriveRevision::Number(n) => n,
        };
        let exists = self.store.get_state_machine_revision(&sm, target).await?;
        if exists.is_none() {
            if revision == RedriveRevision::Own {
                return Err(ServiceError::Internal(format!(
                    "revision {target} of '{sm}' is gone though execution '{}' uses it",
                    exec.id
                )));
            }
            return Err(ServiceError::Validation(format!(
                "revision {target} of state machine '{sm}' does not exist"
            )));
        }
        let definition = self.definitions.get(&self.store, &sm, target).await?;
        let settings = Settings {
            role_arn: definition.role_arn.clone(),
            ..self.settings.clone()
        };
        let minter = KeyRingMinter(self.keys.clone());
        let machine = Machine {
            definition: &definition.machine,
            settings: &settings,
            tokens: &minter,
        };
        let mut next = exec.clone();
        next.revision = target;
        let input = Input {
            now_ms: now,
            random: rand::random::<f64>(),
        };
        let tx = redrive(&machine, &mut next, input, token).map_err(|refusal| match refusal {
            Refusal::NotRedrivable(NotRedrivable::TooManyRedrives) => {
                ServiceError::ExecutionLimitExceeded(NotRedrivable::TooManyRedrives.reason().into())
            }
            Refusal::NotRedrivable(why) => ServiceError::ExecutionNotRedrivable(format!(
                "Execution '{}' cannot be redriven: {}",
                self.settings.execution_arn(&exec.id),
                why.reason()
            )),
            Refusal::Misplaced {
                pointer,
                path,
                message,
            } => ServiceError::RedriveStateMissing {
                message: format!("cannot redrive onto revision {target}: {message} (at {path})"),
                pointer,
                path,
            },
        })?;
        if next.status.is_final() {
            // Resuming failed at once (a Map's ItemSelector on the items still to start):
            // nothing is written, the execution stays as it was.
            return Err(ServiceError::ExecutionNotRedrivable(format!(
                "Execution '{}' cannot be redriven: resuming it fails at once: {}",
                self.settings.execution_arn(&exec.id),
                next.cause.as_deref().unwrap_or("")
            )));
        }
        let request = RedriveRequest {
            record: RecordWrite::changes(&mut next),
            expected_seq: exec.seq,
            previous: exec.status,
            previous_revision: exec.revision,
            previous_expires_ms: exec.expires_ms,
            history: tx.history,
            timers: tx.timers_set,
        };
        match self.store.redrive_execution(request).await? {
            Redriven::Done => {
                metrics::counter!("baton_executions_redriven_total").increment(1);
                Ok(Some(next))
            }
            Redriven::Conflict | Redriven::RevisionGone => Ok(None),
        }
    }
}
