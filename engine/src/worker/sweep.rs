//! The sweep of an owned partition, every `sweep_interval` from the start:
//!
//! 1. (first sweep only) dead letters of events this version can read go back to the
//!    queue (left by a newer version, say, during a rolling upgrade back);
//! 2. the pending queue entries (every sweep) and the active executions (the first sweep,
//!    then every fifth: the set can be large, and an active execution without an actor
//!    is rare) go to the partition loop, which hands those without an actor to a new one:
//!    after taking the partition over, after an actor stopped, after a store error
//!    anywhere;
//! 3. finished executions past their retention are deleted (and the revisions only they
//!    used);
//! 4. the partition's gauges are set: executions by status, pending entries, dead
//!    letters, timer lag.
//!
//! A partition with nothing to do (no pending entries, nothing expired, no queue entry
//! read since the last sweep) is swept up to `IDLE_STRETCH` times less often.
//!
//! A failed step is counted, logged when failures start and then ever more rarely, and
//! tried again at the next sweep.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::backoff::Backoff;
use super::shared::{Shared, now_ms};
use crate::store::{Lease, QueueEntry, QueueRead, Store, StoreError};

/// What one sweep found for the partition loop.
#[derive(Debug, Default)]
pub struct Found {
    pub active: Vec<String>,
    pub pending: Vec<QueueEntry>,
}

/// Most executions deleted per sweep step (repeated while there are more).
const EXPIRE_BATCH: usize = 500;
/// Most pending entries read per store call.
const PENDING_BATCH: usize = 1000;
/// The active set is read every this many sweeps.
const ACTIVE_EVERY: u64 = 5;
/// An idle partition (sweeps that found nothing, no queue entry read) is swept this many
/// times less often: it costs a few Redis commands a second, not a dozen.
const IDLE_STRETCH: u32 = 4;

pub async fn sweep_loop<S: Store>(
    shared: Arc<Shared<S>>,
    lease: Lease,
    every: Duration,
    activity: Arc<AtomicU64>,
    out: mpsc::Sender<Found>,
    intake: CancellationToken,
    cancel: CancellationToken,
) {
    let store = &shared.store;
    let p = lease.partition;
    let mut failures = Backoff::new(every, every);
    let mut requeued = false;
    let mut sweeps: u64 = 0;
    // Sweeps in a row that found nothing to do, with no queue entry read in between.
    let mut idle: u32 = 0;
    let mut seen = activity.load(Ordering::Relaxed);
    loop {
        // After failed sweeps too: whatever failed meanwhile shows there.
        let read_active = sweeps.is_multiple_of(ACTIVE_EVERY) || failures.failures() > 0;
        sweeps += 1;
        let result = async {
            if !requeued {
                let n = store.requeue_dead_letters(&lease).await?;
                if n > 0 {
                    tracing::info!(
                        partition = p,
                        n,
                        "dead letters this version can read are queued again"
                    );
                }
                requeued = true;
            }
            let found = Found {
                active: if read_active {
                    store.active_executions(p).await?
                } else {
                    Vec::new()
                },
                pending: pending(store, &lease).await?,
            };
            let quiet = found.pending.is_empty();
            if (!found.active.is_empty() || !found.pending.is_empty())
                && out.send(found).await.is_err()
            {
                return Ok(false);
            }
            let expired = expire(store, &lease).await?;
            gauges(store, p).await?;
            Ok(quiet && expired == 0)
        }
        .await;
        let now = activity.load(Ordering::Relaxed);
        let read = std::mem::replace(&mut seen, now) != now;
        match result {
            Ok(quiet) => {
                failures.reset();
                idle = if quiet && !read { idle + 1 } else { 0 };
            }
            Err(StoreError::LeaseLost) => {
                metrics::counter!("baton_lease_lost_total", "reason" => "taken").increment(1);
                cancel.cancel();
                return;
            }
            Err(error) => {
                idle = 0;
                error.count("sweep");
                if failures.should_log() {
                    tracing::warn!(partition = p, %error, failures = failures.failures() + 1, "partition sweep failed; trying again at the next one");
                }
                failures.next_delay();
            }
        }
        tokio::select! {
            () = intake.cancelled() => return,
            () = tokio::time::sleep(every * IDLE_STRETCH.min(idle + 1)) => {}
        }
    }
}

/// Every pending entry, in queue order.
async fn pending<S: Store>(store: &S, lease: &Lease) -> Result<Vec<QueueEntry>, StoreError> {
    let mut all: Vec<QueueEntry> = Vec::new();
    loop {
        let after = all.last().map(|e| e.id.clone());
        let page = store
            .read_queue(lease, QueueRead::Pending { after }, PENDING_BATCH, 0)
            .await?;
        let done = page.len() < PENDING_BATCH;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// Deletes the expired executions; answers how many.
async fn expire<S: Store>(store: &S, lease: &Lease) -> Result<usize, StoreError> {
    let mut deleted = 0;
    loop {
        let released = store.expire(lease, now_ms(), EXPIRE_BATCH).await?;
        deleted += released.len();
        if released.is_empty() {
            return Ok(deleted);
        }
        metrics::counter!("baton_executions_deleted_total").increment(released.len() as u64);
        store.release_revisions(&released).await?;
        if released.len() < EXPIRE_BATCH {
            return Ok(deleted);
        }
    }
}

async fn gauges<S: Store>(store: &S, p: u32) -> Result<(), StoreError> {
    let stats = store.partition_stats(p).await?;
    let partition = p.to_string();
    for status in ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] {
        let n = stats.executions.get(status).copied().unwrap_or(0);
        metrics::gauge!("baton_executions", "status" => status, "partition" => partition.clone())
            .set(n as f64);
    }
    metrics::gauge!("baton_queue_pending_entries", "partition" => partition.clone())
        .set(stats.pending as f64);
    metrics::gauge!("baton_dead_letters", "partition" => partition.clone())
        .set(stats.dead_letters as f64);
    let lag = stats.next_timer_ms.map_or(0, |due| (now_ms() - due).max(0));
    metrics::gauge!("baton_timer_lag_ms", "partition" => partition).set(lag as f64);
    Ok(())
}
