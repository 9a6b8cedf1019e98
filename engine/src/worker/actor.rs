//! One running execution in a worker: applies its events in order, commits each
//! transition, then runs the transition's effects. An execution with nothing to do (parked
//! on a timer or a callback, or finished) has no actor.
//!
//! Supervision: every store error on the actor's paths (load, definition, commit) is
//! retried with bounded, jittered backoff, after reloading the record from the store (a
//! commit whose answer was lost may have been applied). Only two things stop an actor
//! early: its partition is given up (lease lost, shutdown), and then the next owner
//! resumes the execution; or the execution no longer exists.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use baton_definitions::Failure;

use super::backoff::Backoff;
use super::committer::{Committer, Held};
use super::partition::TimerWake;
use super::pipeline::{Flushed, Pipelined};
use super::shared::{Loaded, Shared};
use crate::machine::{Effect, Event, Execution, Settings};
use crate::store::{Lease, QueueEntry, Store, StoreError};

/// A message for an execution's actor.
#[derive(Debug)]
pub enum Msg {
    /// An entry of the partition queue (its id is acknowledged with the transition).
    Queued(QueueEntry),
    /// Look at the execution again (resuming after taking over a partition).
    Resume,
    /// The answer to an HTTP request of a task or a callback notification, for the step its
    /// effect named (frame, state and attempt).
    Http {
        frame: u32,
        state: String,
        attempt: u32,
        notify: bool,
        result: Result<Value, Failure>,
    },
    /// A mocked callback's answer (see `mocked.rs`); `(frame, attempt)` is in `running`
    /// until it is applied.
    Mocked {
        frame: u32,
        attempt: u32,
        event: Event,
    },
}

/// What an actor tells its partition.
#[derive(Debug)]
pub enum Control {
    /// Nothing to do: remove me from the routing table, then reply.
    Idle {
        id: String,
        reply: oneshot::Sender<()>,
    },
    /// A message that reached an actor after it left; route it again.
    Redispatch(String, Msg),
    /// The actor stopped: the execution does not exist (any more).
    Gone(String),
}

/// Everything an actor needs from its partition.
#[derive(Debug, Clone)]
pub struct PartitionHandle<S> {
    pub lease: Lease,
    pub committer: Committer<S>,
    pub control: mpsc::UnboundedSender<Control>,
    pub cancel: CancellationToken,
    /// Fired when the partition is being given up: send no new request (the next owner
    /// will), but finish those in flight.
    pub draining: CancellationToken,
    pub timers: Arc<TimerWake>,
    /// Longest wait between retries after a store error.
    pub max_backoff: Duration,
    /// Check after every commit that the stored record reads back as the one in memory
    /// (tests).
    pub verify_records: bool,
}

/// How long a refused transition waits for the callback it must let through before it is
/// tried again anyway.
const CALLBACK_WAIT: Duration = Duration::from_secs(2);

pub struct Actor<S: Store> {
    pub(super) id: String,
    pub(super) shared: Arc<Shared<S>>,
    pub(super) partition: PartitionHandle<S>,
    rx: mpsc::UnboundedReceiver<Msg>,
    pub(super) me: mpsc::UnboundedSender<Msg>,
    pub(super) exec: Execution,
    pub(super) definition: Arc<Loaded>,
    /// The worker's settings with this state machine's role and retention.
    pub(super) settings: Settings,
    /// Requests sent whose answers are not applied yet: (frame, attempt).
    pub(super) running: HashSet<(u32, u32)>,
    pub(super) pending_acks: Vec<String>,
    /// Events refused because a callback for a task they close waits to be applied
    /// (`CommitError::CallbackPending`): tried again once it is, in order.
    pub(super) deferred: VecDeque<(Event, Vec<String>)>,
    /// Set while transitions wait for such a callback.
    pub(super) blocked: Option<tokio::time::Instant>,
    pub(super) backoff: Backoff,
    /// Commits sent and not answered yet, in order (`pipeline.rs`).
    pub(super) pipeline: VecDeque<Pipelined>,
    /// The last of those, not handed to the committer yet (released before any wait).
    pub(super) held: Held,
    /// The `active` flag of the last commit sent (None after a reload): a later commit
    /// applies only after that one, so one with the same flag need not write it again.
    pub(super) sent_active: Option<bool>,
    /// The newest version of the record known to be in the store: the one loaded, or the
    /// last commit answered as applied (with `--redis-wait-replicas`, replicated). A reload
    /// that finds an older one means the store lost acknowledged commits (`reload`).
    pub(super) durable_seq: u64,
}

impl<S: Store> std::fmt::Debug for Actor<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why an actor stopped early.
#[derive(Debug)]
pub(super) enum Stop {
    /// The partition stops (given up or lost): the next owner resumes the execution.
    Cancelled,
    /// The lease was lost: the whole partition stops.
    LeaseLost,
    /// The execution does not exist.
    Gone,
}

/// Counts a store error of `operation`, and logs it when `backoff` says so.
pub(super) fn store_error(
    id: &str,
    operation: &'static str,
    error: &StoreError,
    backoff: &Backoff,
) {
    error.count(operation);
    if backoff.should_log() {
        tracing::warn!(execution = %id, operation, %error, failures = backoff.failures(), "store error; retrying");
    }
}

/// Runs the actor of execution `id`, starting with `first`.
pub async fn run<S: Store>(
    id: String,
    shared: Arc<Shared<S>>,
    partition: PartitionHandle<S>,
    me: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    mut first: Msg,
) {
    let control = partition.control.clone();
    let mut backoff = Backoff::new(Duration::from_millis(50), partition.max_backoff);
    let mut prefetched = usable_prefetch(&mut first);
    let (exec, definition) = loop {
        let loaded = match prefetched.take() {
            Some(exec) => with_definition(&shared, *exec).await.map(Some),
            None => load(&shared, &id).await,
        };
        match loaded {
            Ok(Some(loaded)) => break loaded,
            Ok(None) => {
                tracing::warn!(execution = %id, "event for an unknown execution dropped");
                if let Msg::Queued(entry) = first {
                    let _ = shared.store.ack(&partition.lease, &[entry.id]).await;
                }
                let _ = control.send(Control::Gone(id));
                return;
            }
            Err((operation, error)) => {
                store_error(&id, operation, &error, &backoff);
                if !backoff.sleep(&partition.cancel).await {
                    return;
                }
            }
        }
    };
    backoff.reset();
    let settings = definition.settings(&shared.settings);
    let durable_seq = exec.seq;
    let mut actor = Actor {
        id,
        shared,
        partition,
        rx,
        me,
        exec,
        settings,
        definition,
        running: HashSet::new(),
        pending_acks: Vec::new(),
        deferred: VecDeque::new(),
        blocked: None,
        backoff,
        pipeline: VecDeque::new(),
        held: Held::default(),
        sent_active: None,
        durable_seq,
    };
    match actor.main(first).await {
        Ok(()) | Err(Stop::Cancelled) => {}
        Err(Stop::LeaseLost) => actor.partition.cancel.cancel(),
        Err(Stop::Gone) => {
            let _ = control.send(Control::Gone(actor.id.clone()));
        }
    }
}

/// The record the store read with the first entry, if it did and we may start from it (no
/// load of our own). It may be older than the store's (an actor of this execution may have
/// committed and left since it was read): a commit from it is then refused and we reload,
/// but the HTTP requests it shows in flight would be sent again at once, before any
/// commit. So one with requests in flight is loaded afresh.
fn usable_prefetch(first: &mut Msg) -> Option<Box<Execution>> {
    match first {
        Msg::Queued(entry) => entry
            .prefetched
            .take()
            .filter(|exec| exec.in_flight().next().is_none()),
        _ => None,
    }
}

/// The record and its definition; the failing operation and error when the store fails.
async fn load<S: Store>(
    shared: &Shared<S>,
    id: &str,
) -> Result<Option<(Execution, Arc<Loaded>)>, (&'static str, StoreError)> {
    let Some(exec) = (shared.store.load_execution(id).await).map_err(|e| ("load", e))? else {
        return Ok(None);
    };
    with_definition(shared, exec).await.map(Some)
}

/// A record and its definition (from the cache, or the store when it is not there).
async fn with_definition<S: Store>(
    shared: &Shared<S>,
    exec: Execution,
) -> Result<(Execution, Arc<Loaded>), (&'static str, StoreError)> {
    let definition = (shared.definitions)
        .get(&shared.store, &exec.state_machine, exec.revision)
        .await
        .map_err(|e| ("definition", e))?;
    Ok((exec, definition))
}

impl<S: Store> Actor<S> {
    async fn main(&mut self, first: Msg) -> Result<(), Stop> {
        // Requests committed but not answered (the previous owner crashed): send again,
        // with the same idempotency keys.
        self.resend_in_flight();
        self.handle(first).await?;
        loop {
            while self.blocked.is_none()
                && let Some(frame) = self.exec.runnable()
            {
                self.transition(Event::Run { frame }, Vec::new()).await?;
            }
            // Nothing waits here for an answer that is not durable yet.
            if let Flushed::Refused { retry } = self.flush().await? {
                self.deferred.extend(retry);
                continue;
            }
            if self.blocked.is_none() && !self.deferred.is_empty() {
                self.retry_deferred().await?;
                continue;
            }
            // A finished execution's answers still due change nothing: a partition being
            // given up does not wait for them.
            let finished = self.exec.status.is_final();
            let idle = self.running.is_empty() && self.deferred.is_empty();
            if idle || (finished && self.partition.draining.is_cancelled()) {
                return self.leave().await;
            }
            let retry_at = self.blocked.map(|since| since + CALLBACK_WAIT);
            let msg = tokio::select! {
                msg = self.rx.recv() => msg,
                () = self.partition.cancel.cancelled() => return Err(Stop::Cancelled),
                () = self.partition.draining.cancelled(), if finished => return self.leave().await,
                () = sleep_until(retry_at), if retry_at.is_some() => {
                    // The callback did not come: try the refused transitions again.
                    self.blocked = None;
                    continue;
                }
            };
            let Some(msg) = msg else { return Ok(()) };
            self.handle(msg).await?;
        }
    }

    /// Applies the refused transitions again, in order, until one is refused again.
    async fn retry_deferred(&mut self) -> Result<(), Stop> {
        while self.blocked.is_none()
            && let Some((event, acks)) = self.deferred.pop_front()
        {
            self.transition(event, acks).await?;
        }
        Ok(())
    }

    /// Hands the execution back to the store: it is parked or finished.
    async fn leave(&mut self) -> Result<(), Stop> {
        if !self.pending_acks.is_empty() {
            let acks = std::mem::take(&mut self.pending_acks);
            // Not acknowledged (the store failed): the entries stay pending, and the
            // partition's sweep hands them to an actor again, which finds them stale.
            if let Err(error) = self.shared.store.ack(&self.partition.lease, &acks).await {
                error.count("ack");
            }
        }
        let (reply, replied) = oneshot::channel();
        if self
            .partition
            .control
            .send(Control::Idle {
                id: self.id.clone(),
                reply,
            })
            .is_err()
        {
            return Ok(());
        }
        let _ = replied.await;
        self.rx.close();
        while let Ok(mut msg) = self.rx.try_recv() {
            // A record read with it was read while we ran: likely older than our last
            // commit, so the next actor loads its own.
            if let Msg::Queued(entry) = &mut msg {
                entry.prefetched = None;
            }
            let _ = self
                .partition
                .control
                .send(Control::Redispatch(self.id.clone(), msg));
        }
        Ok(())
    }

    async fn handle(&mut self, msg: Msg) -> Result<(), Stop> {
        match msg {
            Msg::Resume => Ok(()),
            Msg::Queued(entry) => match entry.event.into_event() {
                None => {
                    self.pending_acks.push(entry.id);
                    if self.exec.status.is_final() {
                        // A wake-up for a finished execution: it was redriven.
                        self.reload_redriven().await?;
                    }
                    Ok(())
                }
                Some(event) => {
                    let callback = matches!(event, Event::Callback { .. });
                    let queued = crate::store::enqueued_ms(&entry.id);
                    let applied = self.transition(event, vec![entry.id]).await?;
                    if let (true, true, Some(queued)) = (applied, callback, queued) {
                        let waited = (super::now_ms() - queued).max(0) as f64 / 1000.0;
                        metrics::histogram!("baton_callback_resume_seconds").record(waited);
                    }
                    if callback && applied {
                        // The callback refused transitions waited for is in.
                        self.blocked = None;
                    }
                    Ok(())
                }
            },
            Msg::Http {
                frame,
                state,
                attempt,
                notify,
                result,
            } => {
                self.running.remove(&(frame, attempt));
                if !self.awaits(frame, &state, attempt) {
                    // Not a request the record has in flight: its step is over, or the
                    // store lost the commits that sent it (`reload`) and the record now
                    // waits for an earlier one in the same frame and attempt — which could
                    // not be sent while this one ran: send it now.
                    self.resend_in_flight();
                    return Ok(());
                }
                let event = if notify {
                    Event::Submitted {
                        frame,
                        state,
                        attempt,
                        result,
                    }
                } else {
                    Event::TaskResult {
                        frame,
                        state,
                        attempt,
                        result,
                    }
                };
                self.transition(event, Vec::new()).await.map(drop)
            }
            Msg::Mocked {
                frame,
                attempt,
                event,
            } => {
                self.running.remove(&(frame, attempt));
                self.transition(event, Vec::new()).await.map(drop)
            }
        }
    }

    /// Reads a redriven execution again, and its definition when it moved to another
    /// revision (retrying while the store fails).
    async fn reload_redriven(&mut self) -> Result<(), Stop> {
        let revision = self.exec.revision;
        self.reload().await?;
        while self.exec.revision != revision {
            let got = (self.shared.definitions)
                .get(
                    &self.shared.store,
                    &self.exec.state_machine,
                    self.exec.revision,
                )
                .await;
            match got {
                Ok(definition) => {
                    self.settings = definition.settings(&self.shared.settings);
                    self.definition = definition;
                    break;
                }
                Err(error) => {
                    store_error(&self.id, "definition", &error, &self.backoff);
                    if !self.backoff.sleep(&self.partition.cancel).await {
                        return Err(Stop::Cancelled);
                    }
                }
            }
        }
        self.backoff.reset();
        Ok(())
    }

    /// Whether the record has a request in flight as state `state`'s attempt `attempt` in
    /// frame `frame`. Frame and attempt alone do not tell two states of one frame apart
    /// (each state counts its own attempts). The core refuses such an answer too; this check
    /// is what tells the actor to send what the record waits for instead.
    fn awaits(&self, frame: u32, state: &str, attempt: u32) -> bool {
        self.exec
            .frames
            .get(&frame)
            .is_some_and(|f| f.state == state)
            && self
                .exec
                .in_flight()
                .any(|(f, step)| f == frame && step.attempt == attempt)
    }

    /// Sends every request the record has in flight that this actor has not sent.
    pub(super) fn resend_in_flight(&mut self) {
        let resend: Vec<Effect> = self
            .exec
            .in_flight()
            .filter(|(frame, step)| !self.running.contains(&(*frame, step.attempt)))
            .filter_map(|(frame, step)| {
                let request = step.request.clone()?;
                Some(Effect::Http {
                    frame,
                    state: self.exec.frames.get(&frame)?.state.clone(),
                    attempt: step.attempt,
                    request,
                    notify: step.token.is_some(),
                })
            })
            .collect();
        for effect in resend {
            self.spawn_effect(effect);
        }
        self.deliver_mocked_callbacks();
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::machine::{Event, Input, Machine, PlainTokens, QueuedEvent, Settings, apply, start};
    use crate::store::QueueEntry;

    /// An execution of `definition` after it ran as far as it could, from the pure core.
    fn ran(definition: serde_json::Value) -> Execution {
        let def = baton_definitions::parse_value(&definition).unwrap().machine;
        let settings = Settings::default();
        let machine = Machine {
            definition: &def,
            settings: &settings,
            tokens: &PlainTokens,
        };
        let (mut exec, _) = start(&machine, "sm:x1".into(), "x1".into(), 1, json!({}), 1_000);
        while let Some(frame) = exec.runnable() {
            let input = Input {
                now_ms: 1_000,
                random: 0.0,
            };
            apply(&machine, &mut exec, Event::Run { frame }, input);
        }
        exec
    }

    fn entry_with(exec: &Execution) -> Msg {
        Msg::Queued(QueueEntry {
            id: "1-0".into(),
            execution: exec.id.clone(),
            event: QueuedEvent::Wake,
            prefetched: Some(Box::new(exec.clone())),
        })
    }

    #[test]
    fn a_prefetched_record_is_used_unless_it_shows_requests_in_flight() {
        let parked = ran(json!({"StartAt": "A", "States": {"A": {"Type": "Callback",
            "HeartbeatSeconds": 10, "End": true}}}));
        assert!(parked.is_parked());
        let mut first = entry_with(&parked);
        assert_eq!(usable_prefetch(&mut first).as_deref(), Some(&parked));
        assert!(usable_prefetch(&mut first).is_none(), "taken once");

        let calling = ran(json!({"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": "http://127.0.0.1:9/t", "End": true}}}));
        assert_eq!(calling.in_flight().count(), 1);
        assert!(usable_prefetch(&mut entry_with(&calling)).is_none());
        assert!(usable_prefetch(&mut Msg::Resume).is_none());
    }
}
