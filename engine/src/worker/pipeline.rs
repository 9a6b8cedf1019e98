//! Pipelined commits. Every transition is still committed on its own, atomically and in
//! order, but an actor does not wait for a commit's answer before computing the next
//! transition when nothing leaves the process in between: a transition that asks for no
//! effect, timer or task token, and does not end the execution (a Pass, a Choice, a
//! callback's answer taken in). Those commits go to the
//! partition's committer one after another and are applied in the order sent. A
//! transition that does ask for one of those waits for every commit before it and its own
//! ([`Actor::flush`]) before its effects run, so nothing leaves the process before the
//! transition that asks for it is durable.
//!
//! The transition of an event from outside (a callback, a queue entry, an HTTP answer) is
//! held back (`committer.rs`'s `Held`) and handed to the committer with the next one or
//! before the actor waits for anything — an answer, a message — so a callback's transition
//! and the next state's go to the store in one batch. A `Run`'s transition is handed over
//! at once with whatever is held: a long run of Pass and Choice states keeps its commits
//! flowing, their answers coming back while it computes the next ones (holding those too
//! cost 10–25% of `baton-bench --redis` throughput).
//!
//! A refused commit discards everything computed after it: each later commit was computed
//! from the refused one and expects its version, so the store refuses it too. Unless the
//! refusal was a store error (the commit may have been applied after all, and then so may
//! the later ones): the actor waits for every answer in flight, then reads the record
//! again, as after any refusal.

use super::actor::{Actor, Stop, store_error};
use super::committer::{Answer, Held};
use crate::machine::Event;
use crate::store::{CommitError, Store};

/// The most commits of one execution in flight at once.
pub(super) const MAX_PIPELINED: usize = 128;

/// A commit sent and not answered yet, with what applying it again needs.
#[derive(Debug)]
pub(super) struct Pipelined {
    pub answer: Answer,
    pub event: Event,
    pub acks: Vec<String>,
    /// The version it writes.
    pub seq: u64,
}

/// What [`Actor::flush`] found.
#[derive(Debug)]
pub(super) enum Flushed {
    /// Every commit sent was applied.
    Committed,
    /// One was refused, and the record was read again. `retry`: an event from outside (a
    /// queue entry, an HTTP answer) that was discarded with it and must be applied again;
    /// a discarded `Run` is not kept (the record says again what can run).
    Refused { retry: Option<(Event, Vec<String>)> },
}

impl<S: Store> Actor<S> {
    /// Waits for the answers of every commit in flight, in order.
    pub(super) async fn flush(&mut self) -> Result<Flushed, Stop> {
        self.flush_to(0).await
    }

    /// Waits for the answers of the oldest commits in flight until at most `left` are
    /// (handing the held ones to the committer first, if it waits).
    pub(super) async fn flush_to(&mut self, left: usize) -> Result<Flushed, Stop> {
        if self.pipeline.len() > left {
            self.partition.committer.release(&mut self.held);
        }
        let mut committed = false;
        while self.pipeline.len() > left
            && let Some(Pipelined {
                answer,
                event,
                acks,
                seq,
            }) = self.pipeline.pop_front()
        {
            match answer.answer().await {
                Ok(()) => {
                    committed = true;
                    self.durable_seq = self.durable_seq.max(seq);
                    self.backoff.reset();
                    metrics::counter!("baton_transitions_total").increment(1);
                }
                Err(error) => return self.refused((event, acks), error).await,
            }
        }
        if committed && self.pipeline.is_empty() && self.partition.verify_records {
            self.verify().await;
        }
        Ok(Flushed::Committed)
    }

    /// Recovers from the refusal of `failed` (see the table in `transition.rs`).
    async fn refused(
        &mut self,
        failed: (Event, Vec<String>),
        error: CommitError,
    ) -> Result<Flushed, Stop> {
        let mut discarded = vec![failed];
        // Never sent: each expects the refused one's version, and would be refused too.
        self.held = Held::default();
        for later in std::mem::take(&mut self.pipeline) {
            let _ = later.answer.answer().await;
            discarded.push((later.event, later.acks));
        }
        match error {
            CommitError::LeaseLost => return Err(Stop::LeaseLost),
            CommitError::CallbackPending => {
                metrics::counter!("baton_transitions_deferred_total").increment(1);
                self.reload().await?;
                // Applied again, in order, once the callback is in.
                self.deferred.extend(discarded);
                self.blocked = Some(tokio::time::Instant::now());
                return Ok(Flushed::Refused { retry: None });
            }
            CommitError::Conflict => {
                metrics::counter!("baton_commit_conflicts_total").increment(1);
                tracing::debug!(execution = %self.id, "version conflict; reloading");
            }
            CommitError::Store(error) => {
                store_error(&self.id, "commit", &error, &self.backoff);
                if !self.backoff.sleep(&self.partition.cancel).await {
                    return Err(Stop::Cancelled);
                }
            }
        }
        self.reload().await?;
        let mut retry = None;
        for (event, acks) in discarded {
            if matches!(event, Event::Run { .. }) {
                // Acknowledged with the next commit.
                self.pending_acks.extend(acks);
            } else if retry.is_none() {
                retry = Some((event, acks));
            } else {
                self.deferred.push_back((event, acks));
            }
        }
        Ok(Flushed::Refused { retry })
    }
}
