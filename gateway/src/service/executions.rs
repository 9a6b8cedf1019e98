//! Executions: start (async and sync), describe, list, stop, history.

use std::time::Duration;

use serde_json::Value;

use baton_engine::machine::{
    Execution, ExecutionKind, HistoryEvent, Machine, QueuedEvent, Settings, Status, start,
};
use baton_engine::store::{ExecutionCounts, ExecutionFilter, ExecutionPage, Started, Store};
use baton_engine::worker::{KeyRingMinter, now_ms};

use super::machines::MachineKind;
use super::names::check_name;
use super::qualified::Target;
use super::{Result, Service, ServiceError};

/// The payload limit for inputs and outputs (AWS: 256 KiB).
pub const MAX_PAYLOAD_BYTES: usize = 262_144;

/// How to start an execution.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Defaults to a random UUID.
    pub name: Option<String>,
    /// JSON text; defaults to `{}`.
    pub input: Option<String>,
    /// `StartSyncExecution` (an EXPRESS state machine run to its end).
    pub sync: bool,
    /// The latest revision, a version, or an alias.
    pub target: Target,
    /// A test case of the mock configuration to run (see `baton_engine::mock`).
    pub test_case: Option<String>,
}

impl<S: Store> Service<S> {
    /// Starts an execution. Starting again with the same name and input while it runs
    /// returns the running one (AWS's idempotency); otherwise the name must be new.
    pub async fn start_execution(
        &self,
        state_machine: &str,
        options: StartOptions,
    ) -> Result<Execution> {
        Ok(self.start_execution_new(state_machine, options).await?.0)
    }

    /// [`Self::start_execution`], also telling whether the execution is new (`true`) or the
    /// running one returned by idempotency (`false`).
    pub async fn start_execution_new(
        &self,
        state_machine: &str,
        options: StartOptions,
    ) -> Result<(Execution, bool)> {
        // The revision read may be replaced and dropped before the start counts on it:
        // then start again on the new latest.
        for _ in 0..5 {
            if let Some(started) = self.try_start(state_machine, &options).await? {
                return Ok(started);
            }
        }
        Err(ServiceError::Conflict(format!(
            "state machine '{state_machine}' is changing concurrently; try again"
        )))
    }

    async fn try_start(
        &self,
        state_machine: &str,
        options: &StartOptions,
    ) -> Result<Option<(Execution, bool)>> {
        let (record, pinned) = self.start_target(state_machine, &options.target).await?;
        let name = options
            .name
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        check_name(&name)?;
        let text = options.input.as_deref().unwrap_or("{}");
        if text.len() > MAX_PAYLOAD_BYTES {
            return Err(ServiceError::InvalidExecutionInput(format!(
                "the input is {} bytes; the limit is {MAX_PAYLOAD_BYTES}",
                text.len()
            )));
        }
        let input: Value = serde_json::from_str(text)
            .map_err(|e| ServiceError::InvalidExecutionInput(format!("not JSON: {e}")))?;
        let definition = self
            .definitions
            .get(&self.store, &record.name, record.revision)
            .await?;
        let minter = KeyRingMinter(self.keys.clone());
        let settings = Settings {
            role_arn: definition.role_arn.clone(),
            ..self.settings.clone()
        };
        let machine = Machine {
            definition: &definition.machine,
            settings: &settings,
            tokens: &minter,
        };
        if let Some(case) = &options.test_case {
            self.check_test_case(&record.name, case, &definition.machine)?;
        }
        let id = format!("{state_machine}:{name}");
        let (mut exec, tx) = start(&machine, id, name, record.revision, input.clone(), now_ms());
        exec.test_case.clone_from(&options.test_case);
        exec.kind = match (MachineKind::parse(Some(&record.kind))?, options.sync) {
            (MachineKind::Standard, _) => ExecutionKind::Standard,
            (MachineKind::Express, false) => ExecutionKind::Express,
            (MachineKind::Express, true) => ExecutionKind::ExpressSync,
        };
        exec.pinned = pinned;
        match self
            .store
            .start_execution(exec.clone(), tx.history, tx.timers_set)
            .await?
        {
            Started::Created => {
                metrics::counter!("baton_executions_started_total").increment(1);
                Ok(Some((exec, true)))
            }
            Started::Exists(existing)
                if existing.status == Status::Running
                    && existing.input == input
                    && !options.sync =>
            {
                Ok(Some((*existing, false)))
            }
            Started::Exists(existing) => Err(ServiceError::ExecutionAlreadyExists(
                self.settings.execution_arn(&existing.id),
            )),
            Started::RevisionGone => Ok(None),
        }
    }

    /// A test case must be in the mock configuration; what is odd about it (states the
    /// machine lacks, states that are not tasks) is logged, as Step Functions Local runs
    /// such a case anyway.
    fn check_test_case(
        &self,
        machine: &str,
        case: &str,
        definition: &baton_definitions::StateMachine,
    ) -> Result<()> {
        let arn = format!("{}#{case}", self.settings.state_machine_arn(machine));
        let Some(mocks) = self.mocks.as_deref() else {
            return Err(ServiceError::InvalidArn(format!(
                "{arn}': baton was started without a mock configuration (--mock-config) to hold test case '{case}"
            )));
        };
        let Some(found) = mocks.test_case(machine, case) else {
            return Err(ServiceError::InvalidArn(format!(
                "{arn}': the mock configuration has no test case '{case}' for state machine '{machine}"
            )));
        };
        for warning in found.warnings(definition) {
            tracing::warn!(state_machine = machine, test_case = case, "{warning}");
        }
        Ok(())
    }

    pub async fn describe_execution(&self, id: &str) -> Result<Execution> {
        self.store
            .load_execution(id)
            .await?
            .ok_or_else(|| ServiceError::ExecutionDoesNotExist(self.settings.execution_arn(id)))
    }

    /// Waits until the execution ends or `timeout` passes; returns it either way.
    pub async fn wait_for_end(&self, id: &str, timeout: Duration) -> Result<Execution> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut pause = Duration::from_millis(2);
        let watch = self.ended.as_ref().map(|ended| ended.watch(id));
        let never = tokio::sync::Notify::new();
        let ended = watch.as_ref().map_or(&never, |w| &*w.notify);
        loop {
            // Listening before reading: an end in between is not missed.
            let mut woken = std::pin::pin!(ended.notified());
            woken.as_mut().enable();
            let exec = self.describe_execution(id).await?;
            if exec.status.is_final() || tokio::time::Instant::now() >= deadline {
                return Ok(exec);
            }
            // Executions run by other processes end unseen: poll them, less and less often.
            let sleep = tokio::time::sleep(pause.min(deadline - tokio::time::Instant::now()));
            tokio::select! {
                () = sleep => pause = (pause * 2).min(Duration::from_millis(100)),
                () = woken => {}
            }
        }
    }

    /// A page of the state machine's executions that pass `filter`, newest first. With a
    /// name prefix the page may be short, even empty, and still have a `next`
    /// ([`baton_engine::store::listing`]).
    pub async fn list_executions(
        &self,
        state_machine: &str,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        self.describe_state_machine(state_machine).await?;
        Ok(self
            .store
            .list_executions_filtered(state_machine, filter, cursor, limit.clamp(1, 1000))
            .await?)
    }

    /// The state machine's executions by status (see [`Store::count_executions`]).
    pub async fn count_executions(&self, state_machine: &str) -> Result<ExecutionCounts> {
        Ok(self.store.count_executions(state_machine).await?)
    }

    /// Stops a running execution (it ends `ABORTED`); returns it once stopped.
    pub async fn stop_execution(
        &self,
        id: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<Execution> {
        let exec = self.describe_execution(id).await?;
        if exec.status.is_final() {
            return Ok(exec);
        }
        self.store
            .send_event(id, QueuedEvent::Stop { error, cause })
            .await?;
        self.wait_for_end(id, Duration::from_secs(10)).await
    }

    /// History events from `from_id` (forward) or down from it (reverse).
    pub async fn history(
        &self,
        id: &str,
        from_id: u64,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<HistoryEvent>> {
        let exec = self.describe_execution(id).await?;
        let from = if reverse && from_id == 0 {
            exec.events
        } else {
            from_id.max(1)
        };
        Ok(self
            .store
            .history(id, from, limit.clamp(1, 1000), reverse)
            .await?)
    }
}
