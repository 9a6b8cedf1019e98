//! An actor's transitions: apply an event, commit, then run the effects — and what to do
//! when the commit fails.
//!
//! | commit answer | recovery |
//! |---|---|
//! | ok | run the effects |
//! | lease lost | stop the partition; the next owner resumes from the store |
//! | callback pending | reload; keep the event; apply it after the callback (its answer was 200) |
//! | version conflict | reload (our last commit may have been applied after all); apply the event again |
//! | store error | back off (bounded, jittered); reload; apply the event again |
//!
//! Commits are pipelined (`pipeline.rs`): a refusal discards the transitions computed
//! after it; an event from outside among them is applied again, a `Run` is not (the
//! reloaded record says what can run).
//!
//! After a reload, requests the stored record has in flight that this actor has not sent
//! are sent (a commit whose answer was lost may have asked for them).

use tracing::Instrument;

use super::actor::{Actor, Msg, Stop, store_error};
use super::pipeline::{Flushed, MAX_PIPELINED, Pipelined};
use crate::machine::{Effect, Event, Input, Machine, apply};
use crate::store::record::RecordWrite;
use crate::store::{CommitRequest, Store};

impl<S: Store> Actor<S> {
    /// Applies one event, commits it, then runs its effects. `Ok(true)` when committed
    /// (or, for a transition sent down the pipeline, sent to be); `Ok(false)` when the
    /// event was stale, or was kept to be applied later.
    pub(super) async fn transition(
        &mut self,
        mut event: Event,
        mut acks: Vec<String>,
    ) -> Result<bool, Stop> {
        loop {
            let machine = Machine {
                definition: &self.definition.machine,
                settings: &self.settings,
                tokens: &*self.shared.tokens,
            };
            let before = self.exec.seq;
            let tx = apply(
                &machine,
                &mut self.exec,
                event.clone(),
                Input {
                    now_ms: super::now_ms(),
                    random: rand::random::<f64>(),
                },
            );
            acks.append(&mut self.pending_acks);
            if self.exec.seq == before {
                // A stale event: nothing to write; acknowledge it with the next commit.
                self.pending_acks = acks;
                return Ok(false);
            }
            // A finished execution is never active, even with an answer still to come (a
            // stop or a failed sibling during an HTTP call): that answer changes nothing.
            let active = !self.exec.status.is_final()
                && (self.exec.runnable().is_some()
                    || !self.running.is_empty()
                    || !tx.effects.is_empty()
                    || !self.deferred.is_empty()
                    || self.mocked_callback_due());
            let earliest = tx.timers_set.iter().map(|t| t.due_ms).min();
            // Nothing of this transition leaves the process: the next one need not wait
            // for its commit (pipeline.rs).
            let inward = tx.effects.is_empty()
                && tx.timers_set.is_empty()
                && tx.tokens_opened.is_empty()
                && !tx.finished;
            let request = CommitRequest {
                record: RecordWrite::changes(&mut self.exec),
                history: tx.history,
                timers_set: tx.timers_set,
                timers_cleared: tx.timers_cleared,
                tokens_opened: tx.tokens_opened,
                tokens_closed: tx.tokens_closed,
                acks: acks.clone(),
                active,
                active_unchanged: self.sent_active == Some(active),
            };
            self.sent_active = Some(active);
            let span =
                tracing::debug_span!("transition", execution = %self.id, seq = self.exec.seq);
            let answer = self
                .partition
                .committer
                .send(request, &mut self.held)
                .instrument(span)
                .await;
            let run = matches!(event, Event::Run { .. });
            // Kept until answered: a refusal applies an outside event again.
            self.pipeline.push_back(Pipelined {
                answer,
                event,
                acks,
                seq: self.exec.seq,
            });
            let flushed = if inward {
                if run {
                    // Held: only an outside event's transition, until this one (pipeline.rs).
                    self.partition.committer.release(&mut self.held);
                }
                // Keep the pipeline full: wait for the oldest answer only when it is. With
                // too many commits in flight in the worker (committer.rs's `InFlight`), wait
                // for all of this execution's (one wake-up for them all: waiting for one
                // answer per commit sent cost 17% more CPU in `baton-bench --redis`).
                let left = if self.partition.committer.crowded() {
                    0
                } else {
                    MAX_PIPELINED - 1
                };
                self.flush_to(left).await?
            } else {
                self.flush().await?
            };
            match flushed {
                Flushed::Committed if inward => return Ok(true),
                Flushed::Committed => {}
                Flushed::Refused { retry: Some(again) } => {
                    (event, acks) = again;
                    continue;
                }
                Flushed::Refused { retry: None } => return Ok(false),
            }
            if let Some(due) = earliest {
                self.partition.timers.note(due);
            }
            for effect in tx.effects {
                self.spawn_effect(effect);
            }
            self.deliver_mocked_callbacks();
            if tx.finished {
                self.finished();
            }
            return Ok(true);
        }
    }

    /// Reads the record again from the store (retrying while the store fails), and sends
    /// the requests it has in flight that this actor has not sent.
    pub(super) async fn reload(&mut self) -> Result<(), Stop> {
        let was_final = self.exec.status.is_final();
        let exec = loop {
            match self.shared.store.load_execution(&self.id).await {
                Ok(Some(exec)) => break exec,
                Ok(None) => return Err(Stop::Gone),
                Err(error) => {
                    store_error(&self.id, "load", &error, &self.backoff);
                    if !self.backoff.sleep(&self.partition.cancel).await {
                        return Err(Stop::Cancelled);
                    }
                }
            }
        };
        if exec.seq < self.durable_seq {
            // Only this actor writes the execution's transitions while its partition's
            // lease holds, and none goes back a version: the store lost some that it
            // acknowledged (e.g. a Redis failover without `--redis-wait-replicas`). They
            // are computed again from the older record; their requests go out again with
            // the same idempotency keys.
            metrics::counter!("baton_acknowledged_commits_lost_total")
                .increment(self.durable_seq - exec.seq);
            tracing::warn!(execution = %self.id, acknowledged = self.durable_seq, stored = exec.seq,
                "the store lost commits it had acknowledged; continuing from the stored record");
        }
        self.durable_seq = exec.seq;
        self.exec = exec;
        self.sent_active = None;
        self.resend_in_flight();
        if self.exec.status.is_final() && !was_final {
            self.finished();
        }
        Ok(())
    }

    fn finished(&self) {
        metrics::counter!("baton_executions_finished_total", "status" => self.exec.status.as_str())
            .increment(1);
        if let Some(finished) = &self.shared.finished {
            let _ = finished.send(self.id.clone());
        }
    }

    /// Tests: the record as stored must read back as the one in memory.
    pub(super) async fn verify(&self) {
        let Ok(Some(stored)) = self.shared.store.load_execution(&self.id).await else {
            return;
        };
        if stored.seq != self.exec.seq {
            // Written since by someone else (a redrive of the finished execution).
            return;
        }
        assert_eq!(
            stored, self.exec,
            "the stored record of {} differs from the one in memory",
            self.id
        );
    }

    pub(super) fn spawn_effect(&mut self, effect: Effect) {
        if self.partition.draining.is_cancelled() {
            // Committed, and the execution is active: the partition's next owner sends it.
            return;
        }
        let Effect::Http {
            frame,
            state,
            attempt,
            request,
            notify,
        } = effect;
        if !self.running.insert((frame, attempt)) {
            return;
        }
        if self.answer_mocked(frame, &state, attempt, notify) {
            return;
        }
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
                state,
                attempt,
                notify,
                result,
            });
        });
    }
}
