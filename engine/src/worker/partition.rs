//! One owned partition: reads its queue, fires its timers, routes events to execution
//! actors and commits their transitions in batches. It runs while the lease holds.
//!
//! Supervision, path by path (each error is counted in `baton_store_errors_total` and
//! logged when it starts and then ever more rarely):
//!
//! | path | on a store error |
//! |---|---|
//! | renewal | retried with backoff; once the lease may have expired (no renewal for most of its TTL) the partition stops, and the worker takes it again when it can |
//! | queue read | retried with backoff |
//! | timer firing | retried with backoff |
//! | sweep (active set, pending entries, expiry, metrics) | tried again at the next sweep |
//! | actors | see `actor.rs` |
//!
//! The sweep runs every `sweep_interval` from the start: it resumes every active execution
//! that has no actor and hands every pending queue entry of an execution without actor to
//! a new one, so nothing waits for a restart or a new owner to be looked at again. A lost
//! lease (any operation answering `LeaseLost`) stops the partition at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use super::WorkerConfig;
use super::actor::{self, Control, Msg, PartitionHandle};
use super::backoff::Backoff;
use super::committer::{Committer, InFlight};
use super::shared::{Shared, now_ms};
use super::sweep::{Found, sweep_loop};
use crate::machine::QueuedEvent;
use crate::store::{Lease, QueueEntry, QueueRead, Store, StoreError};

/// Wakes the timer loop when a transition sets a timer earlier than it planned to look,
/// and when a wake-up entry arrives (a start or redrive queued by another process may carry
/// a timer; the other entries set none that could be due sooner).
#[derive(Debug, Default)]
pub struct TimerWake {
    notify: Notify,
    sleeping_until: AtomicI64,
}

impl TimerWake {
    pub fn note(&self, due_ms: i64) {
        if due_ms < self.sleeping_until.load(Ordering::Relaxed) {
            self.notify.notify_one();
        }
    }

    /// Makes the timer loop look at the next timer again.
    fn poke(&self) {
        self.notify.notify_one();
    }
}

/// Longest sleep of the timer loop. Timers are set by this partition's own transitions
/// (which [`TimerWake::note`] them) and by starts queued by other processes (whose entries
/// [`TimerWake::poke`] the loop), so this is only a safety net. A heartbeat delivered
/// elsewhere only moves its timer later.
const TIMER_POLL_MS: i64 = 5_000;

/// Longest wait of an idle queue read: new entries ring the partition's doorbell at once;
/// a ring that was lost (a gateway that died between queueing and ringing) is made up for
/// within this time.
const IDLE_READ_MS: u64 = 5_000;

/// How long a partition given up (`release` fired) waits for its HTTP requests in flight
/// before it stops anyway; the next owner then sends them again.
const DRAIN_LIMIT: Duration = Duration::from_secs(20);

/// Counts a store error of a partition path and logs it when `backoff` says so.
fn path_error(partition: u32, operation: &'static str, error: &StoreError, backoff: &Backoff) {
    error.count(operation);
    if backoff.should_log() {
        tracing::warn!(partition, operation, %error, failures = backoff.failures() + 1, "store error; retrying");
    }
}

/// Runs the partition of `lease` until `release` fires or the lease is lost; releases it.
///
/// When `release` fires (shutdown, or a hand-over to a worker that joined) the partition
/// drains before it lets the lease go: it stops reading its queue and firing timers, lets
/// every HTTP request in flight finish and commits its result, and sends no new request
/// (the execution stays active, so the next owner sends it). So a graceful hand-over
/// repeats no request; only a crash (or a drain longer than [`DRAIN_LIMIT`]) does.
pub async fn run<S: Store>(
    shared: Arc<Shared<S>>,
    lease: Lease,
    config: WorkerConfig,
    in_flight: Arc<InFlight>,
    release: CancellationToken,
) {
    let store = shared.store.clone();
    let p = lease.partition;
    tracing::debug!(partition = p, "partition acquired");
    metrics::counter!("baton_lease_acquired_total").increment(1);
    // Stops everything at once: the lease is lost, or the drain is over.
    let cancel = CancellationToken::new();
    // Stops reading the queue, firing timers and sweeping.
    let intake = cancel.child_token();
    let committer = Committer::start(store.clone(), lease.clone(), config.commit_batch, in_flight);
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();
    let timers = Arc::new(TimerWake::default());
    let handle = PartitionHandle {
        lease: lease.clone(),
        committer,
        control: control_tx,
        cancel: cancel.clone(),
        draining: intake.clone(),
        timers: timers.clone(),
        max_backoff: config.max_backoff,
        verify_records: config.verify_records,
    };

    let renew = tokio::spawn(renew_loop(
        store.clone(),
        lease.clone(),
        config.lease_ttl,
        cancel.clone(),
    ));
    let (entries_tx, mut entries_rx) = mpsc::channel::<Vec<QueueEntry>>(64);
    let activity = Arc::new(AtomicU64::new(0));
    let reader = tokio::spawn(read_loop(
        store.clone(),
        lease.clone(),
        config.clone(),
        (timers.clone(), activity.clone()),
        entries_tx,
        intake.clone(),
        cancel.clone(),
    ));
    let timer = tokio::spawn(timer_loop(
        store.clone(),
        lease.clone(),
        timers,
        config.clone(),
        intake.clone(),
        cancel.clone(),
    ));
    let (found_tx, mut found_rx) = mpsc::channel::<Found>(4);
    let sweeper = tokio::spawn(sweep_loop(
        shared.clone(),
        lease.clone(),
        config.sweep_interval,
        activity,
        found_tx,
        intake.clone(),
        cancel.clone(),
    ));

    let mut actors: HashMap<String, mpsc::UnboundedSender<Msg>> = HashMap::new();
    let mut drain_until: Option<tokio::time::Instant> = None;
    // Looked up once: the loop turns for every queue entry and actor going idle.
    let actors_gauge = metrics::gauge!("baton_actors", "partition" => p.to_string());
    loop {
        if drain_until.is_some() && actors.is_empty() {
            break;
        }
        actors_gauge.set(actors.len() as f64);
        let deadline = drain_until.unwrap_or_else(tokio::time::Instant::now);
        tokio::select! {
            () = cancel.cancelled() => break,
            () = release.cancelled(), if drain_until.is_none() => {
                // Entries read but not dispatched stay pending for the next owner.
                intake.cancel();
                drain_until = Some(tokio::time::Instant::now() + DRAIN_LIMIT);
            }
            () = tokio::time::sleep_until(deadline), if drain_until.is_some() => {
                tracing::warn!(partition = p, actors = actors.len(), "partition drain timed out");
                break;
            }
            entries = entries_rx.recv(), if drain_until.is_none() => {
                let Some(entries) = entries else { continue };
                for entry in entries {
                    let id = entry.execution.clone();
                    dispatch(&shared, &handle, &mut actors, id, Msg::Queued(entry));
                }
            }
            found = found_rx.recv(), if drain_until.is_none() => {
                let Some(found) = found else { continue };
                // Only executions nobody runs: an actor has (or gets) its own events.
                for id in found.active {
                    if !actors.contains_key(&id) {
                        dispatch(&shared, &handle, &mut actors, id, Msg::Resume);
                    }
                }
                for entry in found.pending {
                    if !actors.contains_key(&entry.execution) {
                        let id = entry.execution.clone();
                        dispatch(&shared, &handle, &mut actors, id, Msg::Queued(entry));
                    }
                }
            }
            control = control_rx.recv() => match control {
                Some(Control::Idle { id, reply }) => {
                    actors.remove(&id);
                    let _ = reply.send(());
                }
                Some(Control::Redispatch(id, msg)) => dispatch(&shared, &handle, &mut actors, id, msg),
                Some(Control::Gone(id)) => {
                    actors.remove(&id);
                }
                None => break,
            },
        }
    }
    cancel.cancel();
    drop(entries_rx);
    drop(found_rx);
    let _ = tokio::join!(renew, reader, timer, sweeper);
    actors_gauge.set(0.0);
    if let Err(error) = store.release(&lease).await {
        // The lease expires by itself; the next owner waits for that.
        tracing::warn!(partition = p, %error, "cannot release the partition lease");
    }
    tracing::debug!(partition = p, "partition released");
}

fn dispatch<S: Store>(
    shared: &Arc<Shared<S>>,
    handle: &PartitionHandle<S>,
    actors: &mut HashMap<String, mpsc::UnboundedSender<Msg>>,
    id: String,
    msg: Msg,
) {
    let msg = match actors.get(&id) {
        Some(tx) => match tx.send(msg) {
            Ok(()) => return,
            Err(mpsc::error::SendError(msg)) => msg,
        },
        None => msg,
    };
    let (tx, rx) = mpsc::unbounded_channel();
    actors.insert(id.clone(), tx.clone());
    tokio::spawn(actor::run(id, shared.clone(), handle.clone(), tx, rx, msg));
}

/// Renews the lease every third of its TTL. Failed renewals are retried with backoff;
/// when none succeeded for 80% of the TTL the lease may be gone by now, so the partition
/// stops (fencing keeps the commits safe either way; stopping keeps requests from being
/// sent twice by two owners).
async fn renew_loop<S: Store>(store: S, lease: Lease, ttl: Duration, cancel: CancellationToken) {
    let ttl_ms = ttl.as_millis() as u64;
    let p = lease.partition;
    let mut renewed = Instant::now();
    let mut backoff = Backoff::new(Duration::from_millis(100), ttl / 10);
    let mut wait = ttl / 3;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        match store.renew(&lease, ttl_ms).await {
            Ok(true) => {
                if backoff.failures() > 0 {
                    tracing::info!(partition = p, "the partition lease is renewed again");
                }
                renewed = Instant::now();
                backoff.reset();
                wait = ttl / 3;
            }
            Ok(false) => {
                tracing::warn!(partition = p, "partition lease lost");
                metrics::counter!("baton_lease_lost_total", "reason" => "taken").increment(1);
                cancel.cancel();
                return;
            }
            Err(error) => {
                path_error(p, "renew", &error, &backoff);
                if renewed.elapsed() >= ttl.mul_f64(0.8) {
                    tracing::warn!(
                        partition = p,
                        "the partition lease could not be renewed in time; giving the partition up"
                    );
                    metrics::counter!("baton_lease_lost_total", "reason" => "renewal_failed")
                        .increment(1);
                    cancel.cancel();
                    return;
                }
                wait = backoff.next_delay();
            }
        }
    }
}

/// Reads new queue entries and hands them to the partition loop.
async fn read_loop<S: Store>(
    store: S,
    lease: Lease,
    config: WorkerConfig,
    (timers, activity): (Arc<TimerWake>, Arc<AtomicU64>),
    out: mpsc::Sender<Vec<QueueEntry>>,
    intake: CancellationToken,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(Duration::from_millis(100), config.max_backoff);
    while !intake.is_cancelled() {
        let read = tokio::select! {
            () = intake.cancelled() => return,
            read = store.read_queue(&lease, QueueRead::New, config.read_batch, IDLE_READ_MS) => read,
        };
        match read {
            Ok(entries) => {
                backoff.reset();
                if entries.is_empty() {
                    continue;
                }
                if entries.iter().any(|e| e.event == QueuedEvent::Wake) {
                    timers.poke();
                }
                activity.fetch_add(1, Ordering::Relaxed);
                if out.send(entries).await.is_err() {
                    return;
                }
            }
            Err(StoreError::LeaseLost) => {
                metrics::counter!("baton_lease_lost_total", "reason" => "taken").increment(1);
                cancel.cancel();
                return;
            }
            Err(error) => {
                path_error(lease.partition, "read_queue", &error, &backoff);
                if !backoff.sleep(&intake).await {
                    return;
                }
            }
        }
    }
}

/// Fires due timers: they move into the queue, where the read loop finds them.
async fn timer_loop<S: Store>(
    store: S,
    lease: Lease,
    wake: Arc<TimerWake>,
    config: WorkerConfig,
    intake: CancellationToken,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(Duration::from_millis(100), config.max_backoff);
    while !intake.is_cancelled() {
        let now = now_ms();
        let next = match store.next_timer(lease.partition).await {
            Ok(next) => next,
            Err(error) => {
                path_error(lease.partition, "next_timer", &error, &backoff);
                if !backoff.sleep(&intake).await {
                    return;
                }
                continue;
            }
        };
        if let Some(due) = next
            && due <= now
        {
            match store.fire_timers(&lease, now, 1000).await {
                Ok(_) => {
                    backoff.reset();
                    continue;
                }
                Err(StoreError::LeaseLost) => {
                    metrics::counter!("baton_lease_lost_total", "reason" => "taken").increment(1);
                    cancel.cancel();
                    return;
                }
                Err(error) => {
                    path_error(lease.partition, "fire_timers", &error, &backoff);
                    if !backoff.sleep(&intake).await {
                        return;
                    }
                    continue;
                }
            }
        }
        backoff.reset();
        let until = next.unwrap_or(i64::MAX).min(now + TIMER_POLL_MS);
        wake.sleeping_until.store(until, Ordering::Relaxed);
        let sleep = Duration::from_millis(until.saturating_sub(now).max(1) as u64);
        tokio::select! {
            () = intake.cancelled() => return,
            () = wake.notify.notified() => {}
            () = tokio::time::sleep(sleep) => {}
        }
    }
}
