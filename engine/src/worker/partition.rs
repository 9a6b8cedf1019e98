//! One owned partition: reads its queue, fires its timers, routes events to execution
//! actors and commits their transitions in batches. It runs while the lease holds.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use super::WorkerConfig;
use super::actor::{self, Control, Msg, PartitionHandle};
use super::committer::Committer;
use super::shared::{Shared, now_ms};
use crate::store::{Lease, QueueEntry, Store};

/// Wakes the timer loop when a transition sets a timer earlier than it planned to look.
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
}

/// Longest sleep of the timer loop: timers set by other processes (a gateway starting an
/// execution with a timeout) are seen within this time.
const TIMER_POLL_MS: i64 = 500;

/// How long a partition given up (`release` fired) waits for its HTTP requests in flight
/// before it stops anyway; the next owner then sends them again.
const DRAIN_LIMIT: Duration = Duration::from_secs(20);

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
    release: CancellationToken,
) {
    let store = shared.store.clone();
    let p = lease.partition;
    tracing::debug!(partition = p, "partition acquired");
    // Stops everything at once: the lease is lost, or the drain is over.
    let cancel = CancellationToken::new();
    // Stops reading the queue and firing timers.
    let intake = cancel.child_token();
    let committer = Committer::start(store.clone(), lease.clone(), config.commit_batch);
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();
    let timers = Arc::new(TimerWake::default());
    let handle = PartitionHandle {
        lease: lease.clone(),
        committer,
        control: control_tx,
        cancel: cancel.clone(),
        draining: intake.clone(),
        timers: timers.clone(),
    };

    let renew = tokio::spawn(renew_loop(
        store.clone(),
        lease.clone(),
        config.lease_ttl,
        cancel.clone(),
    ));
    let (entries_tx, mut entries_rx) = mpsc::channel::<Vec<QueueEntry>>(64);
    let reader = tokio::spawn(read_loop(
        store.clone(),
        lease.clone(),
        config.read_batch,
        entries_tx,
        intake.clone(),
    ));
    let timer = tokio::spawn(timer_loop(
        store.clone(),
        lease.clone(),
        timers,
        intake.clone(),
    ));

    let mut actors: HashMap<String, mpsc::UnboundedSender<Msg>> = HashMap::new();
    match store.active_executions(p).await {
        Ok(active) => {
            for id in active {
                dispatch(&shared, &handle, &mut actors, id, Msg::Resume);
            }
        }
        Err(error) => {
            tracing::error!(partition = p, %error, "cannot list active executions");
            cancel.cancel();
        }
    }
    let mut drain_until: Option<tokio::time::Instant> = None;
    loop {
        if drain_until.is_some() && actors.is_empty() {
            break;
        }
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
                let Some(entries) = entries else { break };
                for entry in entries {
                    let id = entry.execution.clone();
                    dispatch(&shared, &handle, &mut actors, id, Msg::Queued(entry));
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
    let _ = tokio::join!(renew, reader, timer);
    let _ = store.release(&lease).await;
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

async fn renew_loop<S: Store>(store: S, lease: Lease, ttl: Duration, cancel: CancellationToken) {
    let ttl_ms = ttl.as_millis() as u64;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(ttl / 3) => {}
        }
        match store.renew(&lease, ttl_ms).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(partition = lease.partition, "partition lease lost");
                cancel.cancel();
                return;
            }
            Err(error) => {
                tracing::warn!(partition = lease.partition, %error, "cannot renew the partition lease")
            }
        }
    }
}

async fn read_loop<S: Store>(
    store: S,
    lease: Lease,
    batch: usize,
    out: mpsc::Sender<Vec<QueueEntry>>,
    cancel: CancellationToken,
) {
    // First what the previous owner received but did not finish.
    match store.read_queue(&lease, true, 100_000, 0).await {
        Ok(entries) if !entries.is_empty() => {
            if out.send(entries).await.is_err() {
                return;
            }
        }
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(partition = lease.partition, %error, "cannot read pending queue entries")
        }
    }
    while !cancel.is_cancelled() {
        match store.read_queue(&lease, false, batch, 1000).await {
            Ok(entries) if entries.is_empty() => {}
            Ok(entries) => {
                if out.send(entries).await.is_err() {
                    return;
                }
            }
            Err(error) => {
                tracing::warn!(partition = lease.partition, %error, "cannot read the queue");
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_millis(200)) => {}
                }
            }
        }
    }
}

async fn timer_loop<S: Store>(
    store: S,
    lease: Lease,
    wake: Arc<TimerWake>,
    cancel: CancellationToken,
) {
    while !cancel.is_cancelled() {
        let now = now_ms();
        let next = match store.next_timer(lease.partition).await {
            Ok(next) => next,
            Err(error) => {
                tracing::warn!(partition = lease.partition, %error, "cannot read timers");
                None
            }
        };
        if let Some(due) = next
            && due <= now
        {
            match store.fire_timers(&lease, now, 1000).await {
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(partition = lease.partition, %error, "cannot fire timers")
                }
            }
        }
        let until = next.unwrap_or(i64::MAX).min(now + TIMER_POLL_MS);
        wake.sleeping_until.store(until, Ordering::Relaxed);
        let sleep = Duration::from_millis(until.saturating_sub(now).max(1) as u64);
        tokio::select! {
            () = cancel.cancelled() => return,
            () = wake.notify.notified() => {}
            () = tokio::time::sleep(sleep) => {}
        }
    }
}
