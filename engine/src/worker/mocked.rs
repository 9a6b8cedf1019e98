//! Mocked service integrations in the effect layer: an execution started with a test case
//! (`Execution::test_case`) has the requests of the states its case mocks answered from the
//! mock configuration ([`crate::mock`]) instead of the network, and their callbacks
//! answered at once. The answers come back as the same events a real answer makes
//! (`TaskResult`, `Submitted`, `Callback`), so the pure core, history, Retry and Catch do
//! what they do for real answers, in every query language.
//!
//! | effect or wait | mocked answer |
//! |---|---|
//! | a task's HTTP request | `Return` as the task result, or `Throw` as its failure |
//! | a callback's `Notify` request | accepted without being sent (`TaskSubmitted`) |
//! | a callback waiting for its token (after any `Notify`) | `Return` as `SendTaskSuccess` output, or `Throw` as `SendTaskFailure` |
//!
//! The invocation a state is at is its task attempt less one: the attempt counter counts
//! every attempt of the state in the execution (retries and re-entries) and is part of the
//! committed record, so an answer sent again after a crash is the same answer.
//!
//! Durability: a waiting mocked callback keeps the execution in the store's active set
//! ([`Actor::mocked_callback_due`]), so a worker that crashes before answering it leaves
//! it to the next owner, which answers it on resuming ([`Actor::deliver_mocked_callbacks`]).

use serde_json::{Value, json};

use baton_definitions::Failure;

use super::actor::{Actor, Msg};
use crate::machine::{Event, Outcome, Step};
use crate::mock::TestCase;
use crate::store::Store;

/// What a mocked notification answers: an `http:invoke` response with an empty body
/// (nothing was sent).
fn mocked_submission() -> Value {
    json!({"StatusCode": 200, "StatusText": "OK", "Headers": {}, "ResponseBody": {}})
}

impl<S: Store> Actor<S> {
    /// The execution's test case: `None` without one; a `States.Runtime` failure when this
    /// worker's mock configuration does not have it (it was started by a process with
    /// another configuration) — never a real request in its place.
    fn mock_case(&self) -> Option<Result<&TestCase, Failure>> {
        let case = self.exec.test_case.as_deref()?;
        let found = (self.shared.mocks.as_deref())
            .and_then(|mocks| mocks.test_case(&self.exec.state_machine, case));
        Some(found.ok_or_else(|| {
            Failure::runtime(format!(
                "The execution runs the test case '{case}' of state machine '{}', which this worker's mock configuration (--mock-config) does not have.",
                self.exec.state_machine
            ))
        }))
    }

    /// The mocked answer for attempt `attempt` of the state frame `frame` is in, or
    /// `None` when the state runs for real.
    fn mocked(&self, frame: u32, attempt: u32) -> Option<Result<Value, Failure>> {
        let state = &self.exec.frames.get(&frame)?.state;
        match self.mock_case()? {
            Ok(case) => case.answer(state, attempt.saturating_sub(1)),
            Err(failure) => Some(Err(failure)),
        }
    }

    /// Answers a request from the mock configuration instead of sending it: `true` when
    /// the request's state is mocked (its answer is on its way to this actor).
    pub(super) fn answer_mocked(
        &mut self,
        frame: u32,
        state: &str,
        attempt: u32,
        notify: bool,
    ) -> bool {
        let Some(answer) = self.mocked(frame, attempt) else {
            return false;
        };
        // A notification is only accepted: the mocked answer is the callback's (unless the
        // test case itself is missing: then the notification fails with that).
        let missing_case = matches!(self.mock_case(), Some(Err(_)));
        let result = if notify && !missing_case {
            Ok(mocked_submission())
        } else {
            answer
        };
        let _ = self.me.send(Msg::Http {
            frame,
            state: state.to_owned(),
            attempt,
            notify,
            result,
        });
        true
    }

    /// Frames waiting for a callback that the mock configuration answers, not yet being
    /// answered: (frame, state, attempt).
    fn mocked_callbacks(&self) -> Vec<(u32, String, u32)> {
        if self.exec.test_case.is_none() {
            return Vec::new();
        }
        self.exec
            .frames
            .iter()
            .filter_map(|(id, frame)| match &frame.step {
                Step::Task(step)
                    if step.token.is_some()
                        && step.submitted
                        && !self.running.contains(&(*id, step.attempt)) =>
                {
                    Some((*id, frame.state.clone(), step.attempt))
                }
                _ => None,
            })
            .filter(|(id, _, attempt)| self.mocked(*id, *attempt).is_some())
            .collect()
    }

    /// True when a callback waits that the mock configuration answers: the execution must
    /// stay active (a worker answers it) instead of parking.
    pub(super) fn mocked_callback_due(&self) -> bool {
        !self.mocked_callbacks().is_empty()
    }

    /// Answers every waiting mocked callback, as `SendTaskSuccess`/`SendTaskFailure`
    /// would.
    pub(super) fn deliver_mocked_callbacks(&mut self) {
        for (frame, state, attempt) in self.mocked_callbacks() {
            let Some(answer) = self.mocked(frame, attempt) else {
                continue;
            };
            let outcome = match answer {
                Ok(output) => Outcome::Success { output },
                Err(failure) => Outcome::Failure {
                    error: Some(failure.error.to_string()),
                    cause: failure.cause,
                },
            };
            self.running.insert((frame, attempt));
            let _ = self.me.send(Msg::Mocked {
                frame,
                attempt,
                event: Event::Callback {
                    state,
                    attempt,
                    outcome,
                },
            });
        }
    }
}
