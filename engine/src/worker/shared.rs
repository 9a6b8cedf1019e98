//! What every partition and execution actor of a worker shares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use baton_callbacks::{KeyRing, TaskClaims};
use baton_definitions::{StateMachine, parse_definition};
use tokio::sync::mpsc;

use crate::http::HttpInvoker;
use crate::machine::{Settings, TokenMinter};
use crate::store::{Store, StoreError};

/// Mints task tokens with the server's signing keys.
#[derive(Debug, Clone)]
pub struct KeyRingMinter(pub Arc<KeyRing>);

impl TokenMinter for KeyRingMinter {
    fn mint(&self, execution: &str, state: &str, attempt: u32) -> String {
        // Claims come from the engine itself (ids ≤ 161 bytes, names ≤ 80 chars), well
        // within the token limits; an error here is a bug, so fall back to a token that
        // will simply never verify.
        self.0
            .mint(&TaskClaims::new(execution, state, attempt))
            .unwrap_or_else(|_| String::from("bt1_invalid"))
    }
}

/// One revision of a state machine, ready to run.
#[derive(Debug)]
pub struct Loaded {
    pub machine: StateMachine,
    /// The state machine's role (`$$.Execution.RoleArn`, `ExecutionStarted.roleArn`).
    pub role_arn: String,
    /// How long its finished executions are kept, when the machine says.
    pub retention_ms: Option<u64>,
}

impl Loaded {
    /// The worker's settings with this revision's role and retention.
    pub fn settings(&self, worker: &Settings) -> Settings {
        Settings {
            role_arn: self.role_arn.clone(),
            retention_ms: self.retention_ms.unwrap_or(worker.retention_ms),
            ..worker.clone()
        }
    }
}

/// Most definitions kept parsed; past it the cache starts over (revisions are few, and
/// parsing one takes milliseconds).
const CACHED_DEFINITIONS: usize = 1024;

/// Parsed definitions by (state machine, revision); revisions never change.
#[derive(Debug, Default)]
pub struct DefinitionCache {
    parsed: Mutex<HashMap<(String, u32), Arc<Loaded>>>,
}

impl DefinitionCache {
    pub async fn get<S: Store>(
        &self,
        store: &S,
        name: &str,
        revision: u32,
    ) -> Result<Arc<Loaded>, StoreError> {
        let key = (name.to_owned(), revision);
        if let Some(found) = self
            .parsed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(found.clone());
        }
        let record = store
            .get_state_machine_revision(name, revision)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "state machine {name} revision {revision} is missing"
                ))
            })?;
        let parsed = parse_definition(&record.definition).map_err(|d| {
            StoreError::Corrupt(format!(
                "stored definition {name}:{revision} is invalid: {d:?}"
            ))
        })?;
        let machine = Arc::new(Loaded {
            machine: parsed.machine,
            role_arn: record.role_arn,
            retention_ms: record.retention_ms,
        });
        let mut parsed = self.parsed.lock().unwrap_or_else(|p| p.into_inner());
        if parsed.len() >= CACHED_DEFINITIONS {
            parsed.clear();
        }
        parsed.insert(key, machine.clone());
        Ok(machine)
    }
}

/// Shared by every part of one worker.
pub struct Shared<S> {
    pub store: S,
    pub settings: Settings,
    pub tokens: Arc<dyn TokenMinter>,
    pub http: HttpInvoker,
    pub definitions: DefinitionCache,
    /// Told the id of every execution this worker finished (tests, benchmarks, sync starts).
    pub finished: Option<mpsc::UnboundedSender<String>>,
    /// `--mock-config`: answers for the states of executions started with a test case.
    pub mocks: Option<Arc<crate::mock::MockConfig>>,
}

impl<S> std::fmt::Debug for Shared<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

pub use crate::clock::now_ms;
