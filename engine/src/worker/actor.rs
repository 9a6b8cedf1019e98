//! One running execution in a worker: applies its events in order, commits each
//! transition, then runs the transition's effects. An execution with nothing to do (parked
//! on a timer or a callback, or finished) has no actor.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use baton_definitions::Failure;

use super::committer::Committer;
use super::partition::TimerWake;
use super::shared::{Loaded, Shared, now_ms};
use crate::machine::{Effect, Event, Execution, Input, Machine, Settings, apply};
use crate::store::{CommitError, CommitRequest, Lease, QueueEntry, Store};

/// A message for an execution's actor.
#[derive(Debug)]
pub enum Msg {
    /// An entry of the partition queue (its id is acknowledged with the transition).
    Queued(QueueEntry),
    /// Look at the execution again (resuming after taking over a partition).
    Resume,
    /// The answer to an HTTP request of a task or a callback notification.
    Http {
        frame: u32,
        attempt: u32,
        notify: bool,
        result: Result<Value, Failure>,
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
    /// The actor stopped on an error.
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
}

pub struct Actor<S: Store> {
    id: String,
    shared: Arc<Shared<S>>,
    partition: PartitionHandle<S>,
    rx: mpsc::UnboundedReceiver<Msg>,
    me: mpsc::UnboundedSender<Msg>,
    exec: Execution,
    definition: Arc<Loaded>,
    /// The worker's settings with this state machine's role.
    settings: Settings,
    in_flight: usize,
    pending_acks: Vec<String>,
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
enum Stop {
    Cancelled,
    Commit(CommitError),
}

/// Runs the actor of execution `id`, starting with `first`.
pub async fn run<S: Store>(
    id: String,
    shared: Arc<Shared<S>>,
    partition: PartitionHandle<S>,
    me: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    first: Msg,
) {
    let control = partition.control.clone();
    let exec = match shared.store.load_execution(&id).await {
        Ok(Some(exec)) => exec,
        Ok(None) => {
            tracing::warn!(execution = %id, "event for an unknown execution dropped");
            if let Msg::Queued(entry) = first {
                let _ = shared.store.ack(&partition.lease, &[entry.id]).await;
            }
            let _ = control.send(Control::Gone(id));
            return;
        }
        Err(error) => {
            tracing::error!(execution = %id, %error, "cannot load execution");
            let _ = control.send(Control::Gone(id));
            return;
        }
    };
    let definition = match shared
        .definitions
        .get(&shared.store, &exec.state_machine, exec.revision)
        .await
    {
        Ok(def) => def,
        Err(error) => {
            tracing::error!(execution = %id, %error, "cannot load the execution's definition");
            let _ = control.send(Control::Gone(id));
            return;
        }
    };
    let settings = Settings {
        role_arn: definition.role_arn.clone(),
        ..shared.settings.clone()
    };
    let mut actor = Actor {
        id,
        shared,
        partition,
        rx,
        me,
        exec,
        settings,
        definition,
        in_flight: 0,
        pending_acks: Vec::new(),
    };
    match actor.main(first).await {
        Ok(()) => {}
        Err(Stop::Cancelled) => {}
        Err(Stop::Commit(CommitError::LeaseLost)) => actor.partition.cancel.cancel(),
        Err(Stop::Commit(error)) => {
            tracing::warn!(execution = %actor.id, %error, "commit refused; the execution will be resumed from the store");
            let _ = control.send(Control::Gone(actor.id.clone()));
        }
    }
}

impl<S: Store> Actor<S> {
    async fn main(&mut self, first: Msg) -> Result<(), Stop> {
        // Requests committed but not answered (the previous owner crashed): send again,
        // with the same idempotency keys.
        let resend: Vec<Effect> = self
            .exec
            .in_flight()
            .filter_map(|(frame, step)| {
                let request = step.request.clone()?;
                Some(Effect::Http {
                    frame,
                    attempt: step.attempt,
                    request,
                    notify: step.token.is_some(),
                })
            })
            .collect();
        for effect in resend {
            self.spawn_effect(effect);
        }
        self.handle(first).await?;
        loop {
            while let Some(frame) = self.exec.runnable() {
                self.transition(Event::Run { frame }, Vec::new()).await?;
            }
            // A finished execution's answers still due change nothing: a partition being
            // given up does not wait for them.
            let finished = self.exec.status.is_final();
            if self.in_flight == 0 || (finished && self.partition.draining.is_cancelled()) {
                return self.leave().await;
            }
            let msg = tokio::select! {
                msg = self.rx.recv() => msg,
                () = self.partition.cancel.cancelled() => return Err(Stop::Cancelled),
                () = self.partition.draining.cancelled(), if finished => return self.leave().await,
            };
            let Some(msg) = msg else { return Ok(()) };
            self.handle(msg).await?;
        }
    }

    /// Hands the execution back to the store: it is parked or finished.
    async fn leave(&mut self) -> Result<(), Stop> {
        if !self.pending_acks.is_empty() {
            let acks = std::mem::take(&mut self.pending_acks);
            let _ = self.shared.store.ack(&self.partition.lease, &acks).await;
        }
        let (reply, replied) = oneshot::channel();
        if self
            .partition
            .control
            .send(crate::worker::actor::Control::Idle {
                id: self.id.clone(),
                reply,
            })
            .is_err()
        {
            return Ok(());
        }
        let _ = replied.await;
        self.rx.close();
        while let Ok(msg) = self.rx.try_recv() {
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
                    Ok(())
                }
                Some(event) => {
                    let callback = matches!(event, Event::Callback { .. });
                    let queued = crate::store::enqueued_ms(&entry.id);
                    self.transition(event, vec![entry.id]).await?;
                    if let (true, Some(queued)) = (callback, queued) {
                        let waited = (now_ms() - queued).max(0) as f64 / 1000.0;
                        metrics::histogram!("baton_callback_resume_seconds").record(waited);
                    }
                    Ok(())
                }
            },
            Msg::Http {
                frame,
                attempt,
                notify,
                result,
            } => {
                self.in_flight = self.in_flight.saturating_sub(1);
                let event = if notify {
                    Event::Submitted {
                        frame,
                        attempt,
                        result,
                    }
                } else {
                    Event::TaskResult {
                        frame,
                        attempt,
                        result,
                    }
                };
                self.transition(event, Vec::new()).await
            }
        }
    }

    /// Applies one event, commits it, then runs its effects.
    async fn transition(&mut self, event: Event, mut acks: Vec<String>) -> Result<(), Stop> {
        let machine = Machine {
            definition: &self.definition.machine,
            settings: &self.settings,
            tokens: &*self.shared.tokens,
        };
        let before = self.exec.seq;
        let tx = apply(
            &machine,
            &mut self.exec,
            event,
            Input {
                now_ms: now_ms(),
                random: rand::random::<f64>(),
            },
        );
        acks.append(&mut self.pending_acks);
        if self.exec.seq == before {
            // A stale event: nothing to write; acknowledge it with the next commit.
            self.pending_acks = acks;
            return Ok(());
        }
        // A finished execution is never active, even with an answer still to come (a stop
        // or a failed sibling during an HTTP call): that answer changes nothing.
        let active = !self.exec.status.is_final()
            && (self.exec.runnable().is_some() || self.in_flight + tx.effects.len() > 0);
        let earliest = tx.timers_set.iter().map(|t| t.due_ms).min();
        let request = CommitRequest {
            record: self.exec.clone(),
            history: tx.history,
            timers_set: tx.timers_set,
            timers_cleared: tx.timers_cleared,
            tokens_opened: tx.tokens_opened,
            tokens_closed: tx.tokens_closed,
            acks,
            active,
        };
        let span = tracing::debug_span!("transition", execution = %self.id, seq = self.exec.seq);
        self.partition
            .committer
            .commit(request)
            .instrument(span)
            .await
            .map_err(Stop::Commit)?;
        metrics::counter!("baton_transitions_total").increment(1);
        if let Some(due) = earliest {
            self.partition.timers.note(due);
        }
        for effect in tx.effects {
            self.spawn_effect(effect);
        }
        if tx.finished {
            metrics::counter!("baton_executions_finished_total", "status" => self.exec.status.as_str()).increment(1);
            if let Some(finished) = &self.shared.finished {
                let _ = finished.send(self.id.clone());
            }
        }
        Ok(())
    }

    fn spawn_effect(&mut self, effect: Effect) {
        if self.partition.draining.is_cancelled() {
            // Committed, and the execution is active: the partition's next owner sends it.
            return;
        }
        let Effect::Http {
            frame,
            attempt,
            request,
            notify,
        } = effect;
        self.in_flight += 1;
        let http = self.shared.http.clone();
        let me = self.me.clone();
        let span = tracing::info_span!(
            "http_task",
            execution = %self.id,
            frame,
            attempt,
            method = %request.method,
            url = %crate::http::loggable_url(&request.url),
            notify,
        );
        tokio::spawn(async move {
            let began = std::time::Instant::now();
            let result = http.invoke(&request).instrument(span).await;
            let kind = if notify { "notify" } else { "task" };
            let outcome = if result.is_ok() { "ok" } else { "error" };
            metrics::histogram!("baton_task_duration_seconds", "kind" => kind, "outcome" => outcome)
                .record(began.elapsed().as_secs_f64());
            let _ = me.send(Msg::Http {
                frame,
                attempt,
                notify,
                result,
            });
        });
    }
}
