//! Callbacks handed to a reader in the same process. A callback's `deliver_callback.lua`
//! queues its event; when the partition's holder is a reader of this process, the same
//! script claims the new entries for it (`claim.lua`, as `read_queue.lua` would) and the
//! store hands them over here: the reader takes them without a ring and a claim of its
//! own — one Redis round trip fewer between a callback and the state after it.
//!
//! The reader dispatches in queue order, as when it claims everything itself: a claim of
//! its own, or entries handed, go out only after every delivery that started before has
//! handed what it claimed ([`Handoff::settle`]), sorted by entry id. A delivery that
//! started later ran its script after the reader's claim, so its entries come later in the
//! queue too. What a delivery claimed and never handed (its answer was lost) stays pending
//! for the reader's lease: the partition's sweep hands pending entries to actors.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use redis::Value;
use tokio::sync::Notify;

use super::RedisStore;
use super::queue::{Claim, claimed};
use crate::store::{Lease, Partition, QueueEntry};

/// Longest wait for deliveries in flight before the reader dispatches anyway (a hung
/// connection; what they claimed is then found pending by the sweep).
const SETTLE_LIMIT: Duration = Duration::from_secs(2);

/// The handoffs of this process, by partition.
#[derive(Default)]
pub(super) struct Handoffs {
    partitions: Mutex<HashMap<Partition, Arc<Handoff>>>,
}

impl Handoffs {
    pub(super) fn of(&self, partition: Partition) -> Arc<Handoff> {
        let mut map = self.partitions.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(partition).or_default().clone()
    }
}

/// One partition's handoff.
#[derive(Default)]
pub(super) struct Handoff {
    state: Mutex<State>,
    /// Entries were handed.
    handed: Notify,
    /// A delivery in flight finished.
    finished: Notify,
}

#[derive(Default)]
struct State {
    /// The lease token this process's reader of the partition last read under, and the
    /// most entries it claims at once.
    reader: Option<(String, usize)>,
    /// Entries claimed for a reader, with the lease token they were claimed under.
    entries: Vec<(String, QueueEntry)>,
    /// Deliveries that may claim, started and not finished.
    in_flight: BTreeSet<u64>,
    next: u64,
}

/// A delivery that may claim entries for the reader: `(lease token, count)` to pass to the
/// script. Dropped, it is finished (whether it handed anything or not).
pub(super) struct Ticket {
    handoff: Arc<Handoff>,
    seq: u64,
    pub reader: (String, usize),
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.handoff.state().in_flight.remove(&self.seq);
        self.handoff.finished.notify_waiters();
    }
}

impl Handoff {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes the reader's lease token and batch size (every read does).
    pub(super) fn register(&self, token: &str, count: usize) {
        let mut state = self.state();
        if state
            .reader
            .as_ref()
            .is_none_or(|(t, c)| t != token || *c != count)
        {
            state.reader = Some((token.to_owned(), count));
        }
    }

    /// A ticket for a delivery, when a reader of this process reads the partition.
    pub(super) fn begin(self: &Arc<Self>) -> Option<Ticket> {
        let mut state = self.state();
        let reader = state.reader.clone()?;
        let seq = state.next;
        state.next += 1;
        state.in_flight.insert(seq);
        Some(Ticket {
            handoff: self.clone(),
            seq,
            reader,
        })
    }

    /// Hands entries claimed under `token` to the reader.
    pub(super) fn hand(&self, token: &str, entries: Vec<QueueEntry>) {
        if entries.is_empty() {
            return;
        }
        let mut state = self.state();
        state
            .entries
            .extend(entries.into_iter().map(|e| (token.to_owned(), e)));
        drop(state);
        self.handed.notify_one();
    }

    /// Waits until entries are handed.
    pub(super) async fn handed(&self) {
        self.handed.notified().await;
    }

    /// Waits until every delivery that started before now has finished (at most
    /// [`SETTLE_LIMIT`]).
    pub(super) async fn settle(&self) {
        let upto = self.state().next;
        let _ = tokio::time::timeout(SETTLE_LIMIT, async {
            loop {
                let finished = self.finished.notified();
                tokio::pin!(finished);
                finished.as_mut().enable();
                if (self.state().in_flight.first()).is_none_or(|seq| *seq >= upto) {
                    return;
                }
                finished.await;
            }
        })
        .await;
    }

    /// Takes the entries handed under `token`, adds `claimed`, and sorts them all in queue
    /// order. Entries handed under the token of the reader registered last (another worker
    /// of this process took the partition over) stay for it; those of any other token (a
    /// lease given up) are dropped: they stay pending in Redis, where the lease's next
    /// holder reads them.
    pub(super) fn take(&self, token: &str, claimed: Vec<QueueEntry>) -> Vec<QueueEntry> {
        let mut state = self.state();
        if state.entries.is_empty() {
            return claimed;
        }
        let handed = std::mem::take(&mut state.entries);
        let registered = state.reader.as_ref().map(|(t, _)| t.clone());
        let mut mine = Vec::with_capacity(handed.len() + claimed.len());
        for (t, entry) in handed {
            if t == token {
                mine.push(entry);
            } else if registered.as_ref() == Some(&t) {
                state.entries.push((t, entry));
            }
        }
        drop(state);
        let mut all: Vec<QueueEntry> = mine.into_iter().chain(claimed).collect();
        all.sort_by_key(|e| entry_order(&e.id));
        all
    }
}

impl RedisStore {
    /// Hands what `deliver_callback.lua` claimed for `lease`, a reader of this process, to
    /// that reader (`handoff.rs`), before `ticket` says the delivery is over.
    pub(super) async fn handed(&self, lease: &Lease, reply: Value, ticket: Option<Ticket>) {
        let handoff = self.inner.handoffs.of(lease.partition);
        let claim = match claimed(reply) {
            Ok(claim) => claim,
            Err(error) => {
                // Pending for the lease: the partition's sweep hands them to actors.
                tracing::warn!(partition = lease.partition, %error, "entries claimed with a callback cannot be read; the sweep will take them");
                error.count("deliver_callback");
                return;
            }
        };
        let count = ticket.as_ref().map_or(usize::MAX, |t| t.reader.1);
        if claim.taken() < count {
            // Every new entry was claimed: the reader need not claim before a ring.
            self.mark_drained(lease);
        }
        let Claim {
            entries,
            unreadable,
            ..
        } = claim;
        handoff.hand(&lease.token, entries);
        drop(ticket);
        let keys = self.keys(lease.partition);
        self.bury(&keys, lease, unreadable).await;
    }

    /// Waits for a ring or `timeout` (then answers nothing: the caller claims), or for
    /// entries a delivery in this process claimed and handed (answered, in queue order).
    pub(super) async fn wait_for_ring_or_handoff(
        &self,
        lease: &Lease,
        handoff: &Handoff,
        timeout: Duration,
    ) -> Vec<QueueEntry> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            tokio::select! {
                () = self.wait_for_ring(lease, left) => return Vec::new(),
                () = handoff.handed() => {
                    handoff.settle().await;
                    let handed = handoff.take(&lease.token, Vec::new());
                    if !handed.is_empty() {
                        return handed;
                    }
                    // Taken by an earlier read already: wait on.
                }
            }
        }
    }
}

/// An entry id's place in the stream (`<ms>-<seq>`); an id that is not one sorts first.
fn entry_order(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::QueuedEvent;

    fn entry(id: &str) -> QueueEntry {
        QueueEntry {
            id: id.to_owned(),
            execution: "sm:e".to_owned(),
            event: QueuedEvent::Wake,
            prefetched: None,
        }
    }

    fn ids(entries: &[QueueEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn entries_handed_and_claimed_go_out_in_queue_order() {
        let h = Handoff::default();
        h.hand("t", vec![entry("10-1"), entry("9-5")]);
        h.hand("old", vec![entry("8-0")]);
        let all = h.take("t", vec![entry("10-0"), entry("11-0"), entry("9-10")]);
        assert_eq!(ids(&all), ["9-5", "9-10", "10-0", "10-1", "11-0"]);
        assert!(h.take("t", Vec::new()).is_empty(), "taken once");
    }

    #[test]
    fn entries_of_the_registered_reader_stay_for_it() {
        let h = Handoff::default();
        h.register("new", 10);
        h.hand("new", vec![entry("2-0")]);
        h.hand("gone", vec![entry("1-0")]);
        // The reader of a lease given up takes nothing of the new one's.
        assert!(h.take("old", Vec::new()).is_empty());
        assert_eq!(ids(&h.take("new", Vec::new())), ["2-0"]);
        assert!(
            h.state().entries.is_empty(),
            "the gone lease's entry was dropped"
        );
    }

    #[test]
    fn only_a_registered_reader_gets_tickets() {
        let h = Arc::new(Handoff::default());
        assert!(h.begin().is_none());
        h.register("t", 512);
        let ticket = h.begin().expect("a reader reads");
        assert_eq!(ticket.reader, ("t".to_owned(), 512));
        assert_eq!(h.state().in_flight.len(), 1);
        drop(ticket);
        assert!(h.state().in_flight.is_empty());
    }

    #[tokio::test]
    async fn settling_waits_for_the_deliveries_that_started_before() {
        let h = Arc::new(Handoff::default());
        h.register("t", 512);
        let first = h.begin().expect("ticket");
        let settled = tokio::spawn({
            let h = h.clone();
            async move { h.settle().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // A delivery that starts after the settle began is not waited for.
        let _later = h.begin().expect("ticket");
        assert!(!settled.is_finished(), "waits for the first delivery");
        h.hand("t", vec![entry("5-0")]);
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), settled)
            .await
            .expect("settled once the first delivery finished")
            .unwrap();
        assert_eq!(ids(&h.take("t", Vec::new())), ["5-0"]);
    }
}
