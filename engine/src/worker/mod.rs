//! Workers: processes (or tasks) that own partitions of the store and run the executions
//! in them. Several workers on one store share the partitions fairly; a worker that dies
//! loses its leases after `lease_ttl`, and another takes its partitions over and resumes
//! every execution from its last committed transition.

mod actor;
mod backoff;
mod committer;
mod mocked;
mod partition;
mod pipeline;
mod shared;
mod sweep;
mod transition;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{Partition, Store, partition_of};
use committer::InFlight;

pub use backoff::Backoff;
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
    /// How often an owned partition resumes executions nobody runs, hands pending queue
    /// entries to actors, deletes expired executions and updates its gauges.
    pub sweep_interval: Duration,
    /// Longest wait between retries after a store error.
    pub max_backoff: Duration,
    /// After every commit, read the record back and check it equals the one in memory
    /// (tests: it proves the record writer).
    pub verify_records: bool,
    /// Most commits handed to the store and not answered yet, across the worker's
    /// partitions, before executions stop pipelining theirs (`committer.rs`'s `InFlight`):
    /// bounds the memory of a burst of Pass/Choice chains while the store is the
    /// bottleneck.
    pub max_commits_in_flight: usize,
}

impl Default for WorkerConfig {
    fn default() -> WorkerConfig {
        WorkerConfig {
            id: format!("w-{}", uuid::Uuid::new_v4().simple()),
            lease_ttl: Duration::from_secs(10),
            commit_batch: 128,
            read_batch: 512,
            sweep_interval: Duration::from_secs(2),
            max_backoff: Duration::from_secs(5),
            verify_records: false,
            max_commits_in_flight: 131_072,
        }
    }
}

/// A worker: takes a fair share of the partitions and runs them until `shutdown`.
#[derive(Debug)]
pub struct Worker<S: Store> {
    shared: Arc<Shared<S>>,
    config: WorkerConfig,
    in_flight: Arc<InFlight>,
}

impl<S: Store> Worker<S> {
    pub fn new(shared: Arc<Shared<S>>, config: WorkerConfig) -> Worker<S> {
        let in_flight = InFlight::new(config.max_commits_in_flight);
        Worker {
            shared,
            config,
            in_flight,
        }
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
        let mut failures = Backoff::new(self.config.lease_ttl / 8, self.config.lease_ttl);
        loop {
            owned.retain(|_, (_, handle)| !handle.is_finished());
            releasing.retain(|handle| !handle.is_finished());
            match store.heartbeat_worker(&self.config.id, ttl_ms).await {
                Ok(live) => {
                    failures.reset();
                    // Read each time: the count of a Redis store can grow while it runs.
                    let share = (store.partitions() as usize).div_ceil(live.max(1));
                    self.balance(&mut owned, &mut releasing, share, offset, &shutdown)
                        .await;
                }
                Err(error) => {
                    // Without a heartbeat the share is unknown: keep what is owned (each
                    // partition watches its own lease) and take nothing new.
                    error.count("heartbeat_worker");
                    if failures.should_log() {
                        tracing::warn!(worker = %self.config.id, %error, failures = failures.failures() + 1, "cannot record the worker's heartbeat; retrying");
                    }
                    failures.next_delay();
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

    /// Takes free partitions up to `share`, or hands partitions beyond it over.
    async fn balance(
        &self,
        owned: &mut HashMap<Partition, (CancellationToken, JoinHandle<()>)>,
        releasing: &mut Vec<JoinHandle<()>>,
        share: usize,
        offset: Partition,
        shutdown: &CancellationToken,
    ) {
        let store = &self.shared.store;
        let partitions = store.partitions();
        let ttl_ms = self.config.lease_ttl.as_millis() as u64;
        if owned.len() < share {
            for i in 0..partitions {
                let p = (offset + i) % partitions;
                if owned.contains_key(&p) {
                    continue;
                }
                match store.acquire(p, &self.config.id, ttl_ms).await {
                    Ok(Some(lease)) => {
                        let cancel = shutdown.child_token();
                        let task = tokio::spawn(partition::run(
                            self.shared.clone(),
                            lease,
                            self.config.clone(),
                            self.in_flight.clone(),
                            cancel.clone(),
                        ));
                        owned.insert(p, (cancel, task));
                        if owned.len() >= share {
                            break;
                        }
                    }
                    Ok(None) => {}
                    Err(error) => {
                        error.count("acquire");
                        tracing::debug!(partition = p, %error, "cannot acquire the partition; trying again later");
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
    }
}
