//! The embedded store: everything in this process's memory, behind one mutex per
//! partition. It is what `baton serve` uses without `--redis`, and it implements the same
//! contract as [`super::RedisStore`] (the same suite runs against both).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::{
    CallbackError, CallbackMessage, CommitError, CommitRequest, ExecutionPage, Lease, Partition,
    QueueEntry, Result, Started, StateMachineRecord, Store, partition_of,
};
use crate::machine::{Execution, HistoryEvent, QueuedEvent, Status, Timer, TokenClosed};

/// The in-memory store. Cloning shares the data.
#[derive(Clone, Debug)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    partitions: Vec<PartitionData>,
    machines: Mutex<Machines>,
    /// Executions per state machine, by start time (for listing).
    listing: Mutex<HashMap<String, BTreeSet<(i64, String)>>>,
    workers: Mutex<HashMap<String, Instant>>,
    next_entry: AtomicU64,
    next_lease: AtomicU64,
}

#[derive(Debug, Default)]
struct Machines {
    latest: BTreeMap<String, StateMachineRecord>,
    revisions: HashMap<(String, u32), StateMachineRecord>,
}

#[derive(Debug)]
struct PartitionData {
    data: Mutex<Partitioned>,
    wake: Notify,
}

#[derive(Debug, Default)]
struct Partitioned {
    lease: Option<(String, Instant)>,
    records: HashMap<String, Execution>,
    history: HashMap<String, Vec<HistoryEvent>>,
    /// `<state>/<attempt>` → token state, per execution.
    tokens: HashMap<String, HashMap<String, TokenState>>,
    /// (due, execution, timer id).
    timers: BTreeSet<(i64, String, u64)>,
    /// (execution, timer id) → due, to clear or move timers.
    timer_due: HashMap<(String, u64), i64>,
    /// (entry number, enqueued at ms, execution, event).
    queue: VecDeque<(u64, i64, String, QueuedEvent)>,
    /// Delivered, not yet acknowledged.
    pending: BTreeMap<u64, (i64, String, QueuedEvent)>,
    active: HashSet<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum TokenState {
    Open { heartbeat: Option<(u64, u64)> },
    Done,
    TimedOut,
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
                listing: Mutex::new(HashMap::new()),
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
        data.queue
            .push_back((n, crate::clock::now_ms(), id.to_owned(), event));
    }

    fn holds(data: &Partitioned, lease: &Lease) -> bool {
        matches!(&data.lease, Some((token, until)) if *token == lease.token && *until > Instant::now())
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
    ) -> Result<Result<(), StateMachineRecord>> {
        let mut m = lock(&self.inner.machines);
        if let Some(existing) = m.latest.get(&record.name) {
            return Ok(Err(existing.clone()));
        }
        m.revisions
            .insert((record.name.clone(), record.revision), record.clone());
        m.latest.insert(record.name.clone(), record);
        Ok(Ok(()))
    }

    async fn update_state_machine(&self, record: StateMachineRecord) -> Result<bool> {
        let mut m = lock(&self.inner.machines);
        match m.latest.get(&record.name) {
            Some(existing) if existing.revision + 1 == record.revision => {
                m.revisions
                    .insert((record.name.clone(), record.revision), record.clone());
                m.latest.insert(record.name.clone(), record);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn get_state_machine(&self, name: &str) -> Result<Option<StateMachineRecord>> {
        Ok(lock(&self.inner.machines).latest.get(name).cloned())
    }

    async fn get_state_machine_revision(
        &self,
        name: &str,
        revision: u32,
    ) -> Result<Option<StateMachineRecord>> {
        Ok(lock(&self.inner.machines)
            .revisions
            .get(&(name.to_owned(), revision))
            .cloned())
    }

    async fn list_state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>> {
        let m = lock(&self.inner.machines);
        let iter = m
            .latest
            .iter()
            .filter(|(name, _)| after.is_none_or(|a| name.as_str() > a));
        Ok(iter.take(limit).map(|(_, r)| r.clone()).collect())
    }

    async fn delete_state_machine(&self, name: &str) -> Result<bool> {
        Ok(lock(&self.inner.machines).latest.remove(name).is_some())
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
                return Ok(Started::Exists(Box::new(existing.clone())));
            }
            let id = record.id.clone();
            for timer in timers {
                data.timers.insert((timer.due_ms, id.clone(), timer.id));
                data.timer_due.insert((id.clone(), timer.id), timer.due_ms);
            }
            data.history.insert(id.clone(), history);
            data.active.insert(id.clone());
            lock(&self.inner.listing)
                .entry(record.state_machine.clone())
                .or_default()
                .insert((record.start_ms, id.clone()));
            data.records.insert(id.clone(), record);
            self.push(&mut data, &id, QueuedEvent::Wake);
        }
        part.wake.notify_waiters();
        Ok(Started::Created)
    }

    async fn load_execution(&self, id: &str) -> Result<Option<Execution>> {
        Ok(lock(&self.of(id).data).records.get(id).cloned())
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
        Ok(if reverse {
            let end = (from_id as usize).min(events.len());
            events[..end].iter().rev().take(limit).cloned().collect()
        } else {
            let start = (from_id.max(1) - 1) as usize;
            events.iter().skip(start).take(limit).cloned().collect()
        })
    }

    async fn list_executions(
        &self,
        state_machine: &str,
        status: Option<Status>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        let ids: Vec<(i64, String)> = {
            let listing = lock(&self.inner.listing);
            let Some(set) = listing.get(state_machine) else {
                return Ok(ExecutionPage {
                    executions: Vec::new(),
                    next: None,
                });
            };
            let before = cursor.and_then(parse_cursor);
            set.iter()
                .rev()
                .filter(|key| before.as_ref().is_none_or(|b| *key < b))
                .cloned()
                .collect()
        };
        let mut executions = Vec::new();
        let mut next = None;
        for (start, id) in ids {
            let Some(record) = lock(&self.of(&id).data).records.get(&id).cloned() else {
                continue;
            };
            if status.is_some_and(|s| s != record.status) {
                continue;
            }
            if executions.len() == limit {
                break;
            }
            next = Some(format!("{start}|{id}"));
            executions.push(record);
        }
        if executions.len() < limit {
            next = None;
        }
        Ok(ExecutionPage { executions, next })
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
            let state = data.tokens.get(id).and_then(|t| t.get(task)).cloned();
            match state {
                None => return Err(CallbackError::Gone),
                Some(TokenState::Done | TokenState::TimedOut) => return Err(CallbackError::Closed),
                Some(TokenState::Open { heartbeat }) => match message {
                    CallbackMessage::Heartbeat => {
                        if let Some((timer, seconds)) = heartbeat {
                            let key = (id.to_owned(), timer);
                            let Some(due) = data.timer_due.get(&key).copied() else {
                                return Err(CallbackError::Closed);
                            };
                            let new_due = now_ms + seconds as i64 * 1000;
                            data.timers.remove(&(due, id.to_owned(), timer));
                            data.timers.insert((new_due, id.to_owned(), timer));
                            data.timer_due.insert(key, new_due);
                        }
                        return Ok(());
                    }
                    CallbackMessage::Finish(event) => {
                        if let Some(t) = data.tokens.get_mut(id) {
                            t.insert(task.to_owned(), TokenState::Done);
                        }
                        self.push(&mut data, id, event);
                    }
                },
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
        let mut data = lock(&self.part(lease.partition).data);
        if !Self::holds(&data, lease) {
            return Ok(false);
        }
        data.lease = Some((
            lease.token.clone(),
            Instant::now() + Duration::from_millis(ttl_ms),
        ));
        Ok(true)
    }

    async fn release(&self, lease: &Lease) -> Result<()> {
        let mut data = lock(&self.part(lease.partition).data);
        if Self::holds(&data, lease) {
            data.lease = None;
        }
        Ok(())
    }

    async fn read_queue(
        &self,
        lease: &Lease,
        pending: bool,
        count: usize,
        block_ms: u64,
    ) -> Result<Vec<QueueEntry>> {
        let part = self.part(lease.partition);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(block_ms);
        loop {
            let notified = part.wake.notified();
            {
                let mut data = lock(&part.data);
                if !Self::holds(&data, lease) {
                    return Ok(Vec::new());
                }
                if pending {
                    let entries = data.pending.iter().take(count);
                    return Ok(entries
                        .map(|(n, (ms, x, e))| QueueEntry {
                            id: format!("{ms}-{n}"),
                            execution: x.clone(),
                            event: e.clone(),
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
        let mut data = lock(&self.part(lease.partition).data);
        if Self::holds(&data, lease) {
            for id in ids {
                if let Some(n) = entry_number(id) {
                    data.pending.remove(&n);
                }
            }
        }
        Ok(())
    }

    async fn commit(
        &self,
        lease: &Lease,
        requests: Vec<CommitRequest>,
    ) -> Vec<Result<(), CommitError>> {
        let part = self.part(lease.partition);
        let mut data = lock(&part.data);
        let mut results = Vec::with_capacity(requests.len());
        let mut queued = false;
        for request in requests {
            if !Self::holds(&data, lease) {
                results.push(Err(CommitError::LeaseLost));
                continue;
            }
            results.push(apply_commit(&mut data, request, &mut queued));
        }
        drop(data);
        if queued {
            part.wake.notify_waiters();
        }
        results
    }

    async fn fire_timers(&self, lease: &Lease, now_ms: i64, limit: usize) -> Result<usize> {
        let part = self.part(lease.partition);
        let fired = {
            let mut data = lock(&part.data);
            if !Self::holds(&data, lease) {
                return Ok(0);
            }
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
}

fn apply_commit(
    data: &mut Partitioned,
    request: CommitRequest,
    _queued: &mut bool,
) -> Result<(), CommitError> {
    let id = request.record.id.clone();
    match data.records.get(&id) {
        Some(current) if current.seq + 1 == request.record.seq => {}
        _ => return Err(CommitError::Conflict),
    }
    for n in &request.acks {
        if let Some(n) = entry_number(n) {
            data.pending.remove(&n);
        }
    }
    for timer in request.timers_cleared {
        if let Some(due) = data.timer_due.remove(&(id.clone(), timer)) {
            data.timers.remove(&(due, id.clone(), timer));
        }
    }
    for timer in request.timers_set {
        data.timers.insert((timer.due_ms, id.clone(), timer.id));
        data.timer_due.insert((id.clone(), timer.id), timer.due_ms);
    }
    let finished = request.record.status.is_final();
    if finished {
        data.tokens.remove(&id);
    } else {
        let tokens = data.tokens.entry(id.clone()).or_default();
        for open in request.tokens_opened {
            tokens.insert(
                open.key,
                TokenState::Open {
                    heartbeat: open.heartbeat,
                },
            );
        }
        for (key, how) in request.tokens_closed {
            match how {
                TokenClosed::Done => tokens.insert(key, TokenState::Done),
                TokenClosed::TimedOut => tokens.insert(key, TokenState::TimedOut),
                TokenClosed::Gone => tokens.remove(&key),
            };
        }
    }
    data.history
        .entry(id.clone())
        .or_default()
        .extend(request.history);
    if request.active {
        data.active.insert(id.clone());
    } else {
        data.active.remove(&id);
    }
    data.records.insert(id, request.record);
    Ok(())
}

fn parse_cursor(cursor: &str) -> Option<(i64, String)> {
    let (start, id) = cursor.split_once('|')?;
    Some((start.parse().ok()?, id.to_owned()))
}

/// The entry number of a queue entry id (`<enqueued ms>-<n>`, as Redis stream ids).
fn entry_number(id: &str) -> Option<u64> {
    id.rsplit_once('-').and_then(|(_, n)| n.parse().ok())
}
