//! The store the gateway runs on: the embedded [`MemoryStore`] or a [`RedisStore`].

use baton_engine::machine::{Execution, HistoryEvent, QueuedEvent, Timer};
use baton_engine::store::{
    AliasOutcome, AliasRecord, AliasWrite, PublishOutcome, PublishRequest, VersionDeleted,
    VersionRecord,
};
use baton_engine::store::{
    CallbackError, CallbackMessage, CommitError, CommitRequest, DeadLetter, ExecutionCounts,
    ExecutionFilter, ExecutionPage, Lease, MemoryStore, Partition, PartitionStats, QueueEntry,
    QueueRead, RedisStore, Result, Started, StateMachineRecord, Store, TagOutcome,
};

/// One of the two stores, chosen at start-up.
#[derive(Debug, Clone)]
pub enum Backend {
    Memory(MemoryStore),
    Redis(RedisStore),
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Backend::Memory($s) => $e,
            Backend::Redis($s) => $e,
        }
    };
}

impl Store for Backend {
    fn partitions(&self) -> u32 {
        delegate!(self, s => s.partitions())
    }
    fn batches_commits(&self) -> bool {
        delegate!(self, s => s.batches_commits())
    }
    async fn ping(&self) -> Result<()> {
        delegate!(self, s => s.ping().await)
    }
    async fn create_state_machine(
        &self,
        record: StateMachineRecord,
    ) -> Result<Result<StateMachineRecord, StateMachineRecord>> {
        delegate!(self, s => s.create_state_machine(record).await)
    }
    async fn update_state_machine(&self, record: StateMachineRecord) -> Result<bool> {
        delegate!(self, s => s.update_state_machine(record).await)
    }
    async fn get_state_machine(&self, name: &str) -> Result<Option<StateMachineRecord>> {
        delegate!(self, s => s.get_state_machine(name).await)
    }
    async fn get_state_machine_revision(
        &self,
        name: &str,
        revision: u32,
    ) -> Result<Option<StateMachineRecord>> {
        delegate!(self, s => s.get_state_machine_revision(name, revision).await)
    }
    async fn list_state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>> {
        delegate!(self, s => s.list_state_machines(after, limit).await)
    }
    async fn delete_state_machine(&self, name: &str) -> Result<bool> {
        delegate!(self, s => s.delete_state_machine(name).await)
    }
    async fn tag_state_machine(&self, name: &str, tags: &[(String, String)]) -> Result<TagOutcome> {
        delegate!(self, s => s.tag_state_machine(name, tags).await)
    }
    async fn untag_state_machine(&self, name: &str, keys: &[String]) -> Result<bool> {
        delegate!(self, s => s.untag_state_machine(name, keys).await)
    }
    async fn state_machine_tags(&self, name: &str) -> Result<Option<Vec<(String, String)>>> {
        delegate!(self, s => s.state_machine_tags(name).await)
    }
    async fn release_revisions(&self, released: &[(String, u32)]) -> Result<()> {
        delegate!(self, s => s.release_revisions(released).await)
    }
    async fn publish_version(&self, name: &str, request: PublishRequest) -> Result<PublishOutcome> {
        delegate!(self, s => s.publish_version(name, request).await)
    }
    async fn get_version(&self, name: &str, version: u32) -> Result<Option<VersionRecord>> {
        delegate!(self, s => s.get_version(name, version).await)
    }
    async fn list_versions(&self, name: &str) -> Result<Option<Vec<VersionRecord>>> {
        delegate!(self, s => s.list_versions(name).await)
    }
    async fn delete_version(&self, name: &str, version: u32) -> Result<VersionDeleted> {
        delegate!(self, s => s.delete_version(name, version).await)
    }
    async fn put_alias(
        &self,
        machine: &str,
        alias: AliasRecord,
        write: AliasWrite,
    ) -> Result<AliasOutcome> {
        delegate!(self, s => s.put_alias(machine, alias, write).await)
    }
    async fn get_alias(&self, machine: &str, alias: &str) -> Result<Option<AliasRecord>> {
        delegate!(self, s => s.get_alias(machine, alias).await)
    }
    async fn list_aliases(&self, machine: &str) -> Result<Option<Vec<AliasRecord>>> {
        delegate!(self, s => s.list_aliases(machine).await)
    }
    async fn delete_alias(&self, machine: &str, alias: &str) -> Result<bool> {
        delegate!(self, s => s.delete_alias(machine, alias).await)
    }
    async fn start_execution(
        &self,
        record: Execution,
        history: Vec<HistoryEvent>,
        timers: Vec<Timer>,
    ) -> Result<Started> {
        delegate!(self, s => s.start_execution(record, history, timers).await)
    }
    async fn load_execution(&self, id: &str) -> Result<Option<Execution>> {
        delegate!(self, s => s.load_execution(id).await)
    }
    async fn history(
        &self,
        id: &str,
        from_id: u64,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<HistoryEvent>> {
        delegate!(self, s => s.history(id, from_id, limit, reverse).await)
    }
    async fn list_executions_filtered(
        &self,
        sm: &str,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        delegate!(self, s => s.list_executions_filtered(sm, filter, cursor, limit).await)
    }
    async fn count_executions(&self, sm: &str) -> Result<ExecutionCounts> {
        delegate!(self, s => s.count_executions(sm).await)
    }
    async fn redrive_execution(
        &self,
        request: baton_engine::store::RedriveRequest,
    ) -> Result<baton_engine::store::Redriven> {
        delegate!(self, s => s.redrive_execution(request).await)
    }
    async fn send_event(&self, id: &str, event: QueuedEvent) -> Result<()> {
        delegate!(self, s => s.send_event(id, event).await)
    }
    async fn deliver_callback(
        &self,
        id: &str,
        task: &str,
        message: CallbackMessage,
        now_ms: i64,
    ) -> Result<(), CallbackError> {
        delegate!(self, s => s.deliver_callback(id, task, message, now_ms).await)
    }
    async fn heartbeat_worker(&self, worker: &str, ttl_ms: u64) -> Result<usize> {
        delegate!(self, s => s.heartbeat_worker(worker, ttl_ms).await)
    }
    async fn acquire(
        &self,
        partition: Partition,
        worker: &str,
        ttl_ms: u64,
    ) -> Result<Option<Lease>> {
        delegate!(self, s => s.acquire(partition, worker, ttl_ms).await)
    }
    async fn renew(&self, lease: &Lease, ttl_ms: u64) -> Result<bool> {
        delegate!(self, s => s.renew(lease, ttl_ms).await)
    }
    async fn release(&self, lease: &Lease) -> Result<()> {
        delegate!(self, s => s.release(lease).await)
    }
    async fn read_queue(
        &self,
        lease: &Lease,
        read: QueueRead,
        count: usize,
        block_ms: u64,
    ) -> Result<Vec<QueueEntry>> {
        delegate!(self, s => s.read_queue(lease, read, count, block_ms).await)
    }
    async fn ack(&self, lease: &Lease, ids: &[String]) -> Result<()> {
        delegate!(self, s => s.ack(lease, ids).await)
    }
    async fn commit(
        &self,
        lease: &Lease,
        requests: Vec<CommitRequest>,
    ) -> Vec<Result<(), CommitError>> {
        delegate!(self, s => s.commit(lease, requests).await)
    }
    async fn fire_timers(&self, lease: &Lease, now_ms: i64, limit: usize) -> Result<usize> {
        delegate!(self, s => s.fire_timers(lease, now_ms, limit).await)
    }
    async fn next_timer(&self, partition: Partition) -> Result<Option<i64>> {
        delegate!(self, s => s.next_timer(partition).await)
    }
    async fn active_executions(&self, partition: Partition) -> Result<Vec<String>> {
        delegate!(self, s => s.active_executions(partition).await)
    }
    async fn expire(&self, lease: &Lease, now_ms: i64, limit: usize) -> Result<Vec<(String, u32)>> {
        delegate!(self, s => s.expire(lease, now_ms, limit).await)
    }
    async fn dead_letters(
        &self,
        partition: Partition,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeadLetter>> {
        delegate!(self, s => s.dead_letters(partition, after, limit).await)
    }
    async fn requeue_dead_letters(&self, lease: &Lease) -> Result<usize> {
        delegate!(self, s => s.requeue_dead_letters(lease).await)
    }
    async fn partition_stats(&self, partition: Partition) -> Result<PartitionStats> {
        delegate!(self, s => s.partition_stats(partition).await)
    }
}
