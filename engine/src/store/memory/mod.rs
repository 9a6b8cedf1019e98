//! The embedded store: everything in this process's memory, behind one mutex per
//! partition. It is what `baton serve` uses without `--redis`, and it implements the same
//! contract as [`super::RedisStore`] (the same suite runs against both). It keeps values
//! typed (histories in an encoding only `history.rs` writes and reads), so nothing in it
//! can be undecodable: it never has dead letters.

mod history;
mod listing;
mod machines;
mod partition;
mod redrive;
mod versions;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::{
    AliasOutcome, AliasRecord, AliasWrite, CallbackError, CallbackMessage, CommitError,
    CommitRequest, DeadLetter, ExecutionCounts, ExecutionFilter, ExecutionPage, Lease, Partition,
    PartitionStats, PublishOutcome, PublishRequest, QueueEntry, QueueRead, Result, Started,
    StateMachineRecord, Store, StoreError, TagOutcome, VersionDeleted, VersionRecord, partition_of,
};
use crate::clock::now_ms;
use crate::machine::{Execution, HistoryEvent, QueuedEvent, Timer};
use crate::store::listing::list;
use history::History;
use machines::{Created, Machines};
use partition::{Partitioned, Stored};

/// The in-memory store. Cloning shares the data.
#[derive(Clone, Debug)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    partitions: Vec<PartitionData>,
    machines: Mutex<Machines>,
    workers: Mutex<HashMap<String, Instant>>,
    next_entry: AtomicU64,
    next_lease: AtomicU64,
}

#[derive(Debug)]
struct PartitionData {
    data: Mutex<Partitioned>,
    wake: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MemoryStore {
    pub fn new(partitions: u32) -> MemoryStore {
        let partitions = partitions.max(1);
        MemoryStore {
            inner: Arc::new(Inner {
                partitions: (0..partitions)
                    .map(|_| PartitionData {
                        data: Mutex::new(Partitioned::default()),
                        wake: Notify::new(),
                    })
                    .collect(),
                machines: Mutex::new(Machines::default()),
                workers: Mutex::new(HashMap::new()),
                next_entry: AtomicU64::new(1),
                next_lease: AtomicU64::new(1),
            }),
        }
    }

    fn part(&self, p: Partition) -> &PartitionData {
        &self.inner.partitions[p as usize % self.inner.partitions.len()]
    }

    fn of(&self, id: &str) -> &PartitionData {
        self.part(partition_of(id, self.partitions()))
    }

    fn push(&self, data: &mut Partitioned, id: &str, event: QueuedEvent) {
        let n = self.inner.next_entry.fetch_add(1, Ordering::Relaxed);
        data.queue.push_back((n, now_ms(), id.to_owned(), event));
    }

    /// The partition's data, if `lease` holds it.
    fn held(&self, lease: &Lease) -> Result<MutexGuard<'_, Partitioned>> {
        let data = lock(&self.part(lease.partition).data);
        if data.holds(lease) {
            Ok(data)
        } else {
            Err(StoreError::LeaseLost)
        }
    }
}

impl Store for MemoryStore {
    fn partitions(&self) -> u32 {
        self.inner.partitions.len() as u32
    }

    fn batches_commits(&self) -> bool {
        false
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    async fn create_state_machine(
        &self,
        record: StateMachineRecord,
    ) -> Result<Result<StateMachineRecord, StateMachineRecord>> {
        Ok(match lock(&self.inner.machines).create(record) {
            Created::New(record) => Ok(record),
            Created::Taken(existing) => Err(existing),
        })
    }

    async fn update_state_machine(&self, record: StateMachineRecord) -> Result<bool> {
        Ok(lock(&self.inner.machines).update(record))
    }

    async fn get_state_machine(&self, name: &str) -> Result<Option<StateMachineRecord>> {
        Ok(lock(&self.inner.machines).latest(name).cloned())
    }

    async fn get_state_machine_revision(
        &self,
        name: &str,
        revision: u32,
    ) -> Result<Option<StateMachineRecord>> {
        Ok(lock(&self.inner.machines).revision(name, revision).cloned())
    }

    async fn list_state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>> {
        Ok(lock(&self.inner.machines).list(after, limit))
    }

    async fn delete_state_machine(&self, name: &str) -> Result<bool> {
        Ok(lock(&self.inner.machines).delete(name))
    }

    async fn tag_state_machine(&self, name: &str, tags: &[(String, String)]) -> Result<TagOutcome> {
        Ok(lock(&self.inner.machines).tag(name, tags))
    }

    async fn untag_state_machine(&self, name: &str, keys: &[String]) -> Result<bool> {
        Ok(lock(&self.inner.machines).untag(name, keys))
    }

    async fn state_machine_tags(&self, name: &str) -> Result<Option<Vec<(String, String)>>> {
        Ok(lock(&self.inner.machines).tags(name))
    }

    async fn release_revisions(&self, released: &[(String, u32)]) -> Result<()> {
        let mut machines = lock(&self.inner.machines);
        for (name, revision) in released {
            machines.released(name, *revision);
        }
        Ok(())
    }

    async fn publish_version(&self, name: &str, request: PublishRequest) -> Result<PublishOutcome> {
        Ok(lock(&self.inner.machines).publish(name, request))
    }

    async fn get_version(&self, name: &str, version: u32) -> Result<Option<VersionRecord>> {
        Ok(lock(&self.inner.machines).version(name, version).cloned())
    }

    async fn list_versions(&self, name: &str) -> Result<Option<Vec<VersionRecord>>> {
        Ok(lock(&self.inner.machines).versions_of(name))
    }

    async fn delete_version(&self, name: &str, version: u32) -> Result<VersionDeleted> {
        Ok(lock(&self.inner.machines).delete_version(name, version))
    }

    async fn put_alias(
        &self,
        machine: &str,
        alias: AliasRecord,
        write: AliasWrite,
    ) -> Result<AliasOutcome> {
        Ok(lock(&self.inner.machines).put_alias(machine, alias, write))
    }

    async fn get_alias(&self, machine: &str, alias: &str) -> Result<Option<AliasRecord>> {
        Ok(lock(&self.inner.machines).alias(machine, alias).cloned())
    }

    async fn list_aliases(&self, machine: &str) -> Result<Option<Vec<AliasRecord>>> {
        Ok(lock(&self.inner.machines).aliases_of(machine))
    }

    async fn delete_alias(&self, machine: &str, alias: &str) -> Result<bool> {
        Ok(lock(&self.inner.machines).delete_alias(machine, alias))
    }

    async fn start_execution(
        &self,
        record: Execution,
        history: Vec<HistoryEvent>,
        timers: Vec<Timer>,
    ) -> Result<Started> {
        let part = self.of(&record.id);
        {
            let mut data = lock(&part.data);
            if let Some(existing) = data.records.get(&record.id) {
                return Ok(Started::Exists(Box::new(existing.head_with_input())));
            }
            {
                let mut machines = lock(&self.inner.machines);
                if machines
                    .revision(&record.state_machine, record.revision)
                    .is_none()
                {
                    return Ok(Started::RevisionGone);
                }
                machines.used(&record.state_machine, record.revision);
            }
            let id = record.id.clone();
            for timer in timers {
                data.timers.insert((timer.due_ms, id.clone(), timer.id));
                data.timer_due.insert((id.clone(), timer.id), timer.due_ms);
            }
            data.history.insert(id.clone(), History::new(history));
            data.active.insert(id.clone());
            let (sm, status, start) =
                (record.state_machine.clone(), record.status, record.start_ms);
            data.index_add(&sm, status, start, &id);
            data.records.insert(id.clone(), Stored::new(record));
            self.push(&mut data, &id, QueuedEvent::Wake);
        }
        part.wake.notify_waiters();
        Ok(Started::Created)
    }

    async fn load_execution(&self, id: &str) -> Result<Option<Execution>> {
        let data = lock(&self.of(id).data);
        Ok(data
            .records
            .get(id)
            .filter(|s| !s.expired(now_ms()))
            .map(Stored::load))
    }

    async fn history(
        &self,
        id: &str,
        from_id: u64,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<HistoryEvent>> {
        let data = lock(&self.of(id).data);
        let Some(events) = data.history.get(id) else {
            return Ok(Vec::new());
        };
        let positions = if reverse {
            let end = (from_id as usize).min(events.len());
            (0..end).rev().take(limit).collect::<Vec<_>>()
        } else {
            let start = (from_id.max(1) - 1) as usize;
            (start..events.len()).take(limit).collect()
        };
        Ok(positions.into_iter().map(|i| events.get(i)).collect())
    }

    async fn list_executions_filtered(
        &self,
        state_machine: &str,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        let indexes = (0..self.partitions())
            .map(|p| (p, filter.statuses()))
            .collect();
        let store = listing::Indexes {
            store: self,
            state_machine,
        };
        list(&store, indexes, state_machine, filter, cursor, limit).await
    }

    async fn count_executions(&self, state_machine: &str) -> Result<ExecutionCounts> {
        Ok(self.count(state_machine, now_ms()))
    }

    async fn redrive_execution(&self, request: super::RedriveRequest) -> Result<super::Redriven> {
        let part = self.of(request.id());
        let id = request.id().to_owned();
        let (sm, revision, previous) = (
            request.record.head.state_machine.clone(),
            request.record.head.revision,
            request.previous_revision,
        );
        {
            let mut data = lock(&part.data);
            let mut machines = lock(&self.inner.machines);
            if revision != previous && machines.revision(&sm, revision).is_none() {
                return Ok(super::Redriven::RevisionGone);
            }
            let done = data.redrive(request);
            if done != super::Redriven::Done {
                return Ok(done);
            }
            if revision != previous {
                machines.used(&sm, revision);
                machines.released(&sm, previous);
            }
            self.push(&mut data, &id, redrive::WAKE);
        }
        part.wake.notify_waiters();
        Ok(super::Redriven::Done)
    }

    async fn send_event(&self, id: &str, event: QueuedEvent) -> Result<()> {
        let part = self.of(id);
        self.push(&mut lock(&part.data), id, event);
        part.wake.notify_waiters();
        Ok(())
    }

    async fn deliver_callback(
        &self,
        id: &str,
        task: &str,
        message: CallbackMessage,
        now_ms: i64,
    ) -> Result<(), CallbackError> {
        let part = self.of(id);
        {
            let mut data = lock(&part.data);
            match data.callback(id, task, message, now_ms)? {
                Some(event) => self.push(&mut data, id, event),
                None => return Ok(()),
            }
        }
        part.wake.notify_waiters();
        Ok(())
    }

    async fn heartbeat_worker(&self, worker: &str, ttl_ms: u64) -> Result<usize> {
        let mut workers = lock(&self.inner.workers);
        let now = Instant::now();
        workers.insert(worker.to_owned(), now + Duration::from_millis(ttl_ms));
        workers.retain(|_, until| *until > now);
        Ok(workers.len())
    }

    async fn acquire(
        &self,
        partition: Partition,
        _worker: &str,
        ttl_ms: u64,
    ) -> Result<Option<Lease>> {
        let mut data = lock(&self.part(partition).data);
        let now = Instant::now();
        if matches!(&data.lease, Some((_, until)) if *until > now) {
            return Ok(None);
        }
        let token = format!("m{}", self.inner.next_lease.fetch_add(1, Ordering::Relaxed));
        data.lease = Some((token.clone(), now + Duration::from_millis(ttl_ms)));
        // Unacknowledged entries stay pending: the new owner reads them with `pending`.
        Ok(Some(Lease { partition, token }))
    }

    async fn renew(&self, lease: &Lease, ttl_ms: u64) -> Result<bool> {
        let Ok(mut data) = self.held(lease) else {
            return Ok(false);
        };
        data.lease = Some((
            lease.token.clone(),
            Instant::now() + Duration::from_millis(ttl_ms),
        ));
        Ok(true)
    }

    async fn release(&self, lease: &Lease) -> Result<()> {
        if let Ok(mut data) = self.held(lease) {
            data.lease = None;
        }
        Ok(())
    }

    async fn read_queue(
        &self,
        lease: &Lease,
        read: QueueRead,
        count: usize,
        block_ms: u64,
    ) -> Result<Vec<QueueEntry>> {
        let part = self.part(lease.partition);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(block_ms);
        loop {
            let notified = part.wake.notified();
            {
                let mut data = self.held(lease)?;
                if let QueueRead::Pending { after } = &read {
                    let after = after.as_deref().and_then(entry_number).unwrap_or(0);
                    let entries = data.pending.range(after + 1..).take(count);
                    return Ok(entries
                        .map(|(n, (ms, x, e))| QueueEntry {
                            id: format!("{ms}-{n}"),
                            execution: x.clone(),
                            event: e.clone(),
                            // A load here costs no round trip.
                            prefetched: None,
                        })
                        .collect());
                }
                if !data.queue.is_empty() {
                    let mut out = Vec::new();
                    while out.len() < count {
                        let Some((n, ms, id, event)) = data.queue.pop_front() else {
                            break;
                        };
                        data.pending.insert(n, (ms, id.clone(), event.clone()));
                        out.push(QueueEntry {
                            id: format!("{ms}-{n}"),
                            execution: id,
                            event,
                            prefetched: None,
                        });
                    }
                    return Ok(out);
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Ok(Vec::new());
            }
        }
    }

    async fn ack(&self, lease: &Lease, ids: &[String]) -> Result<()> {
        let mut data = self.held(lease)?;
        for id in ids {
            if let Some(n) = entry_number(id) {
                data.pending.remove(&n);
            }
        }
        Ok(())
    }

    async fn commit(
        &self,
        lease: &Lease,
        requests: Vec<CommitRequest>,
    ) -> Vec<Result<(), CommitError>> {
        let mut data = lock(&self.part(lease.partition).data);
        let mut results = Vec::with_capacity(requests.len());
        for request in requests {
            if !data.holds(lease) {
                results.push(Err(CommitError::LeaseLost));
                continue;
            }
            if partition_of(request.id(), self.partitions()) != lease.partition {
                results.push(Err(CommitError::Conflict));
                continue;
            }
            results.push(data.commit(request));
        }
        results
    }

    async fn fire_timers(&self, lease: &Lease, now_ms: i64, limit: usize) -> Result<usize> {
        let part = self.part(lease.partition);
        let fired = {
            let mut data = self.held(lease)?;
            let due: Vec<(i64, String, u64)> = data
                .timers
                .iter()
                .take_while(|(d, _, _)| *d <= now_ms)
                .take(limit)
                .cloned()
                .collect();
            for (d, id, timer) in &due {
                data.timers.remove(&(*d, id.clone(), *timer));
                data.timer_due.remove(&(id.clone(), *timer));
                self.push(&mut data, id, QueuedEvent::Timer { timer: *timer });
            }
            due.len()
        };
        if fired > 0 {
            part.wake.notify_waiters();
        }
        Ok(fired)
    }

    async fn next_timer(&self, partition: Partition) -> Result<Option<i64>> {
        Ok(lock(&self.part(partition).data)
            .timers
            .iter()
            .next()
            .map(|(d, _, _)| *d))
    }

    async fn active_executions(&self, partition: Partition) -> Result<Vec<String>> {
        Ok(lock(&self.part(partition).data)
            .active
            .iter()
            .cloned()
            .collect())
    }

    async fn expire(&self, lease: &Lease, now_ms: i64, limit: usize) -> Result<Vec<(String, u32)>> {
        Ok(self.held(lease)?.expire(now_ms, limit))
    }

    async fn dead_letters(
        &self,
        _partition: Partition,
        _after: Option<&str>,
        _limit: usize,
    ) -> Result<Vec<DeadLetter>> {
        Ok(Vec::new())
    }

    async fn requeue_dead_letters(&self, lease: &Lease) -> Result<usize> {
        self.held(lease).map(|_| 0)
    }

    async fn partition_stats(&self, partition: Partition) -> Result<PartitionStats> {
        let data = lock(&self.part(partition).data);
        Ok(PartitionStats {
            pending: data.pending.len() as u64,
            dead_letters: 0,
            executions: (data.counts.iter())
                .map(|(s, n)| (s.as_str(), *n))
                .collect(),
            next_timer_ms: data.timers.iter().next().map(|(d, _, _)| *d),
        })
    }
}

/// The entry number of a queue entry id (`<enqueued ms>-<n>`, as Redis stream ids).
fn entry_number(id: &str) -> Option<u64> {
    id.rsplit_once('-').and_then(|(_, n)| n.parse().ok())
}
