//! Running executions through a real worker on a store, for tests.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;

use crate::http::{HttpConfig, HttpInvoker};
use crate::machine::{Execution, ExecutionKind, Machine, PlainTokens, Settings, start};
use crate::store::{Started, StateMachineRecord, Store};
use crate::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig, now_ms};

/// A store with workers running on it, and the ids of executions as they finish.
#[derive(Debug)]
pub struct TestEngine<S: Store> {
    pub store: S,
    pub keys: Arc<KeyRing>,
    pub shared: Arc<Shared<S>>,
    pub finished: mpsc::UnboundedReceiver<String>,
    shutdown: CancellationToken,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl<S: Store> TestEngine<S> {
    /// Starts `workers` workers on `store`.
    pub fn start(store: S, workers: usize) -> TestEngine<S> {
        TestEngine::start_with_mocks(store, workers, None)
    }

    /// [`TestEngine::start`] with a mock configuration (`--mock-config`).
    pub fn start_with_mocks(
        store: S,
        workers: usize,
        mocks: Option<Arc<crate::mock::MockConfig>>,
    ) -> TestEngine<S> {
        let keys = Arc::new(KeyRing::generate());
        let (tx, finished) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            store: store.clone(),
            settings: Settings::default(),
            tokens: Arc::new(KeyRingMinter(keys.clone())),
            http: HttpInvoker::new(HttpConfig::default()).expect("http client"),
            definitions: DefinitionCache::default(),
            finished: Some(tx),
            mocks,
        });
        let shutdown = CancellationToken::new();
        let config = WorkerConfig {
            lease_ttl: Duration::from_secs(3),
            verify_records: true,
            ..WorkerConfig::default()
        };
        let workers = (0..workers)
            .map(|i| {
                let config = WorkerConfig {
                    id: format!("{}-{i}", config.id),
                    ..config.clone()
                };
                tokio::spawn(Worker::new(shared.clone(), config).run(shutdown.clone()))
            })
            .collect();
        TestEngine {
            store,
            keys,
            shared,
            finished,
            shutdown,
            workers,
        }
    }

    /// Stores `definition` as state machine `name`.
    pub async fn create(&self, name: &str, definition: &str) -> Result<(), String> {
        baton_definitions::parse_definition(definition).map_err(|d| format!("{d:?}"))?;
        let record = StateMachineRecord {
            name: name.into(),
            revision: 1,
            definition: definition.into(),
            role_arn: "arn:aws:iam::123456789012:role/test".into(),
            kind: "STANDARD".into(),
            created_ms: now_ms(),
            updated_ms: now_ms(),
            retention_ms: None,
        };
        self.store
            .create_state_machine(record)
            .await
            .map_err(|e| e.to_string())?
            .map(drop)
            .map_err(|_| "exists".to_owned())
    }

    /// Starts execution `<sm>:<name>`.
    pub async fn run(
        &self,
        sm: &str,
        name: &str,
        input: Value,
        kind: ExecutionKind,
    ) -> Result<(), String> {
        let record = self
            .store
            .get_state_machine(sm)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no such state machine")?;
        let def = baton_definitions::parse_definition(&record.definition)
            .map_err(|d| format!("{d:?}"))?;
        let settings = Settings {
            role_arn: record.role_arn.clone(),
            ..Settings::default()
        };
        let machine = Machine {
            definition: &def.machine,
            settings: &settings,
            tokens: &PlainTokens,
        };
        let (mut exec, tx) = start(
            &machine,
            format!("{sm}:{name}"),
            name.into(),
            record.revision,
            input,
            now_ms(),
        );
        exec.kind = kind;
        match self
            .store
            .start_execution(exec, tx.history, tx.timers_set)
            .await
            .map_err(|e| e.to_string())?
        {
            Started::Created => Ok(()),
            Started::Exists(_) => Err("exists".into()),
            Started::RevisionGone => Err("the revision is gone".into()),
        }
    }

    /// Waits until `n` executions have finished, or `timeout`; returns how many did.
    pub async fn wait_finished(&mut self, n: usize, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut done = 0;
        while done < n {
            match tokio::time::timeout_at(deadline, self.finished.recv()).await {
                Ok(Some(_)) => done += 1,
                _ => break,
            }
        }
        done
    }

    pub async fn load(&self, id: &str) -> Option<Execution> {
        self.store.load_execution(id).await.ok().flatten()
    }

    /// Stops the workers (they release their partitions).
    pub async fn stop(self) {
        self.shutdown.cancel();
        for w in self.workers {
            let _ = w.await;
        }
    }
}
