//! Workers: processes (or tasks) that own partitions of the store and run the executions
//! in them. Several workers on one store share the partitions fairly; a worker that dies
//! loses its leases after `lease_ttl`, and another takes its partitions over and resumes
//! every execution from its last committed transition.

mod actor;
mod committer;
mod partition;
mod shared;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{Partition, Store, partition_of};

pub use shared::{DefinitionCache, KeyRingMinter, Loaded, Shared, now_ms};

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Unique among live workers.
    pub id: String,
    /// A partition whose owner stops renewing is taken over after this long.
    pub lease_ttl: Duration,
    /// Most transitions committed in one store round trip.
    pub commit_batch: usize,
    /// Most queue entries read at once.
    pub read_batch: usize,
}

impl Default for WorkerConfig {
    fn default() -> WorkerConfig {
        WorkerConfig {
            id: format!("w-{}", uuid::Uuid::new_v4().simple()),
            lease_ttl: Duration::from_secs(10),
            commit_batch: 128,
            read_batch: 512,
        }
    }
}

/// A worker: takes a fair share of the partitions and runs them until `shutdown`.
#[derive(Debug)]
pub struct Worker<S: Store> {
    shared: Arc<Shared<S>>,
    config: WorkerConfig,
}

impl<S: Store> Worker<S> {
    pub fn new(shared: Arc<Shared<S>>, config: WorkerConfig) -> Worker<S> {
        Worker { shared, config }
    }

    /// Runs until `shutdown`; then stops reading, lets in-flight requests finish and their
    /// transitions commit, and releases every lease.
    pub async fn run(self, shutdown: CancellationToken) {
        let store = self.shared.store.clone();
        let partitions = store.partitions();
        let ttl_ms = self.config.lease_ttl.as_millis() as u64;
        let mut owned: HashMap<Partition, (CancellationToken, JoinHandle<()>)> = HashMap::new();
        // Partitions being handed over: they drain (finish their requests in flight), then
        // release their leases. Not awaited here, so heartbeats go on meanwhile.
        let mut releasing: Vec<JoinHandle<()>> = Vec::new();
        // Start the search at a different partition per worker so workers spread out.
        let offset = partition_of(&self.config.id, partitions);
        loop {
            owned.retain(|_, (_, handle)| !handle.is_finished());
            releasing.retain(|handle| !handle.is_finished());
            let live = store
                .heartbeat_worker(&self.config.id, ttl_ms)
                .await
                .unwrap_or(1)
                .max(1);
            let share = (partitions as usize).div_ceil(live);
            if owned.len() < share {
                for i in 0..partitions {
                    let p = (offset + i) % partitions;
                    if owned.contains_key(&p) {
                        continue;
                    }
                    if let Ok(Some(lease)) = store.acquire(p, &self.config.id, ttl_ms).await {
                        let cancel = shutdown.child_token();
                        let task = tokio::spawn(partition::run(
                            self.shared.clone(),
                            lease,
                            self.config.clone(),
                            cancel.clone(),
                        ));
                        owned.insert(p, (cancel, task));
                        if owned.len() >= share {
                            break;
                        }
                    }
                }
            } else {
                // Hand extra partitions to newly arrived workers.
                while owned.len() > share {
                    let Some(p) = owned.keys().copied().max() else {
                        break;
                    };
                    if let Some((cancel, task)) = owned.remove(&p) {
                        cancel.cancel();
                        releasing.push(task);
                    }
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.config.lease_ttl / 4) => {}
            }
        }
        for (cancel, _) in owned.values() {
            cancel.cancel();
        }
        for task in owned.into_values().map(|(_, task)| task).chain(releasing) {
            let _ = task.await;
        }
        // Leave (alive for 0 ms): the other workers count one less and take this worker's
        // share at once, not after its heartbeat expires.
        let _ = store.heartbeat_worker(&self.config.id, 0).await;
    }
}
