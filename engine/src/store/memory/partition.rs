//! One partition of the in-memory store: its executions, queue, timers and indexes, and
//! the atomic operations on them (each runs under the partition's mutex).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::time::Instant;

use super::history::History;
use crate::machine::{Execution, QueuedEvent, Status, TokenClosed};
use crate::store::record::{Part, PartKey, RecordWrite, assemble};
use crate::store::{CallbackError, CallbackMessage, CommitError, CommitRequest, Lease};

/// An execution as stored: its head and its parts.
#[derive(Debug)]
pub(super) struct Stored {
    pub head: Execution,
    pub parts: BTreeMap<PartKey, Part>,
}

impl Stored {
    pub fn new(mut record: Execution) -> Stored {
        let write = RecordWrite::full(&mut record);
        let mut stored = Stored {
            head: (*write.head).clone(),
            parts: BTreeMap::new(),
        };
        stored.apply(write);
        stored
    }

    pub fn apply(&mut self, write: RecordWrite) {
        if write.full {
            self.parts.clear();
        }
        for c in write.dropped {
            for key in RecordWrite::dropped_parts(c) {
                self.parts.remove(&key);
            }
        }
        for f in write.removed {
            self.parts.remove(&PartKey::Frame(f));
        }
        self.parts.extend(write.set);
        self.head = *write.head;
    }

    pub fn load(&self) -> Execution {
        let parts = self.parts.iter().map(|(k, v)| (*k, v.clone()));
        assemble(self.head.clone(), parts)
    }

    /// The head with the input (what `Started::Exists` returns).
    pub fn head_with_input(&self) -> Execution {
        let mut head = self.head.clone();
        if let Some(Part::Value(input)) = self.parts.get(&PartKey::Input) {
            head.input = input.clone();
        }
        head
    }

    pub fn expired(&self, now_ms: i64) -> bool {
        self.head.expires_ms.is_some_and(|at| at <= now_ms)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenState {
    Open {
        heartbeat: Option<(u64, u64)>,
    },
    /// A callback was accepted and queued; the execution has not applied it yet.
    Answered,
    Done,
    TimedOut,
}

#[derive(Debug, Default)]
pub(super) struct Partitioned {
    pub lease: Option<(String, Instant)>,
    pub records: HashMap<String, Stored>,
    pub history: HashMap<String, History>,
    /// `<state>/<attempt>` → token state, per execution.
    pub tokens: HashMap<String, HashMap<String, TokenState>>,
    /// (due, execution, timer id).
    pub timers: BTreeSet<(i64, String, u64)>,
    /// (execution, timer id) → due, to clear or move timers.
    pub timer_due: HashMap<(String, u64), i64>,
    /// (entry number, enqueued at ms, execution, event).
    pub queue: VecDeque<(u64, i64, String, QueuedEvent)>,
    /// Delivered, not yet acknowledged.
    pub pending: BTreeMap<u64, (i64, String, QueuedEvent)>,
    pub active: HashSet<String>,
    /// (state machine, status) → (start ms, execution id): the listing indexes.
    pub index: HashMap<(String, Status), BTreeSet<(i64, String)>>,
    /// (expires at ms, execution id).
    pub expiry: BTreeSet<(i64, String)>,
    pub counts: BTreeMap<Status, u64>,
}

impl Partitioned {
    pub fn holds(&self, lease: &Lease) -> bool {
        matches!(&self.lease, Some((token, until)) if *token == lease.token && *until > Instant::now())
    }

    pub fn index_add(&mut self, sm: &str, status: Status, start_ms: i64, id: &str) {
        (self.index.entry((sm.to_owned(), status)).or_default()).insert((start_ms, id.to_owned()));
        *self.counts.entry(status).or_insert(0) += 1;
    }

    pub fn index_remove(&mut self, sm: &str, status: Status, start_ms: i64, id: &str) {
        let key = (sm.to_owned(), status);
        if let Some(set) = self.index.get_mut(&key) {
            set.remove(&(start_ms, id.to_owned()));
            if set.is_empty() {
                self.index.remove(&key);
            }
        }
        if let Some(n) = self.counts.get_mut(&status) {
            *n = n.saturating_sub(1);
        }
    }

    /// A callback for task `task` of execution `id`; `Ok(Some(event))` to queue.
    pub fn callback(
        &mut self,
        id: &str,
        task: &str,
        message: CallbackMessage,
        now_ms: i64,
    ) -> Result<Option<QueuedEvent>, CallbackError> {
        let state = self.tokens.get(id).and_then(|t| t.get(task)).cloned();
        let heartbeat = match state {
            None => return Err(CallbackError::Gone),
            Some(TokenState::Answered | TokenState::Done | TokenState::TimedOut) => {
                return Err(CallbackError::Closed);
            }
            Some(TokenState::Open { heartbeat }) => heartbeat,
        };
        match message {
            CallbackMessage::Heartbeat => {
                if let Some((timer, seconds)) = heartbeat {
                    let key = (id.to_owned(), timer);
                    let Some(due) = self.timer_due.get(&key).copied() else {
                        return Err(CallbackError::Closed);
                    };
                    let new_due = now_ms + seconds as i64 * 1000;
                    self.timers.remove(&(due, id.to_owned(), timer));
                    self.timers.insert((new_due, id.to_owned(), timer));
                    self.timer_due.insert(key, new_due);
                }
                Ok(None)
            }
            CallbackMessage::Finish(event) => {
                if let Some(t) = self.tokens.get_mut(id) {
                    t.insert(task.to_owned(), TokenState::Answered);
                }
                Ok(Some(event))
            }
        }
    }

    /// One commit, all or nothing.
    pub fn commit(&mut self, request: CommitRequest) -> Result<(), CommitError> {
        let id = request.id().to_owned();
        let previous = match self.records.get(&id) {
            Some(current) if current.head.seq + 1 == request.record.head.seq => current.head.status,
            _ => return Err(CommitError::Conflict),
        };
        let tokens = self.tokens.get(&id);
        for (key, how) in &request.tokens_closed {
            let answered = tokens.and_then(|t| t.get(key)) == Some(&TokenState::Answered);
            if answered && *how != TokenClosed::Answered {
                return Err(CommitError::CallbackPending);
            }
        }
        for n in &request.acks {
            if let Some(n) = super::entry_number(n) {
                self.pending.remove(&n);
            }
        }
        for timer in request.timers_cleared {
            if let Some(due) = self.timer_due.remove(&(id.clone(), timer)) {
                self.timers.remove(&(due, id.clone(), timer));
            }
        }
        for timer in request.timers_set {
            self.timers.insert((timer.due_ms, id.clone(), timer.id));
            self.timer_due.insert((id.clone(), timer.id), timer.due_ms);
        }
        let head = &request.record.head;
        let finished = head.status.is_final();
        if finished {
            self.tokens.remove(&id);
        } else {
            let tokens = self.tokens.entry(id.clone()).or_default();
            for open in request.tokens_opened {
                let state = TokenState::Open {
                    heartbeat: open.heartbeat,
                };
                tokens.insert(open.key, state);
            }
            for (key, how) in request.tokens_closed {
                match how {
                    TokenClosed::Answered | TokenClosed::Done => {
                        tokens.insert(key, TokenState::Done)
                    }
                    TokenClosed::TimedOut => tokens.insert(key, TokenState::TimedOut),
                    TokenClosed::Gone => tokens.remove(&key),
                };
            }
        }
        if finished && !previous.is_final() {
            let (sm, start, status) = (head.state_machine.clone(), head.start_ms, head.status);
            self.index_remove(&sm, previous, start, &id);
            self.index_add(&sm, status, start, &id);
            if let Some(at) = head.expires_ms {
                self.expiry.insert((at, id.clone()));
            }
        }
        let history = self.history.entry(id.clone()).or_default();
        history.extend(request.history);
        if finished {
            history.shrink_to_fit();
        }
        if request.active {
            self.active.insert(id.clone());
        } else {
            self.active.remove(&id);
        }
        if let Some(stored) = self.records.get_mut(&id) {
            stored.apply(request.record);
        }
        Ok(())
    }

    /// Deletes executions due to expire at `now_ms` (at most `limit`).
    pub fn expire(&mut self, now_ms: i64, limit: usize) -> Vec<(String, u32)> {
        let due: Vec<(i64, String)> = (self.expiry.iter())
            .take_while(|(at, _)| *at <= now_ms)
            .take(limit)
            .cloned()
            .collect();
        let mut released = Vec::with_capacity(due.len());
        for entry in due {
            self.expiry.remove(&entry);
            let id = entry.1;
            let Some(stored) = self.records.remove(&id) else {
                continue;
            };
            let head = stored.head;
            self.index_remove(&head.state_machine, head.status, head.start_ms, &id);
            self.history.remove(&id);
            self.tokens.remove(&id);
            self.active.remove(&id);
            released.push((head.state_machine, head.revision));
        }
        released
    }
}
