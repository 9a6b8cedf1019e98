//! The redrive operation of the in-memory store, under its partition's lock.

use super::partition::Partitioned;
use crate::machine::{QueuedEvent, Status};
use crate::store::{RedriveRequest, Redriven};

impl Partitioned {
    /// [`crate::store::Store::redrive_execution`] on this partition; the caller queues
    /// the `Wake` when it answers `Done`.
    pub fn redrive(&mut self, request: RedriveRequest) -> Redriven {
        let id = request.id().to_owned();
        let Some(stored) = self.records.get(&id) else {
            return Redriven::Conflict;
        };
        if stored.head.seq != request.expected_seq || !stored.head.status.is_final() {
            return Redriven::Conflict;
        }
        let head = &request.record.head;
        let (sm, start) = (head.state_machine.clone(), head.start_ms);
        if let Some(at) = request.previous_expires_ms {
            self.expiry.remove(&(at, id.clone()));
        }
        self.index_remove(&sm, request.previous, start, &id);
        self.index_add(&sm, Status::Running, start, &id);
        for timer in request.timers {
            self.timers.insert((timer.due_ms, id.clone(), timer.id));
            self.timer_due.insert((id.clone(), timer.id), timer.due_ms);
        }
        (self.history.entry(id.clone()).or_default()).extend(request.history);
        self.active.insert(id.clone());
        if let Some(stored) = self.records.get_mut(&id) {
            stored.apply(request.record);
        }
        Redriven::Done
    }
}

/// The event a redrive queues.
pub(super) const WAKE: QueuedEvent = QueuedEvent::Wake;
