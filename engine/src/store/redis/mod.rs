//! The production store: Redis, through one multiplexed [`ConnectionManager`] and one Lua
//! script per atomic operation (`lua/*.lua`, each with a KEYS/ARGV header).
//!
//! # Keys
//!
//! Everything about an execution lives in its partition (`partition_of`), and every key of
//! a partition shares the hash tag `{p<N>}`, so each script touches one slot (Redis
//! Cluster too):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `<prefix>:{p<N>}:q` | stream | queued events: fields `x` (execution id), `e` (`QueuedEvent` JSON); group `w`, one consumer `c` (only the lease holder reads) |
//! | `<prefix>:{p<N>}:t` | zset | timers: member `<execution id>\|<timer id>`, score due ms |
//! | `<prefix>:{p<N>}:a` | set | active execution ids |
//! | `<prefix>:{p<N>}:lease` | string, PX ttl | the lease token |
//! | `<prefix>:{p<N>}:e` | zset | finished executions to delete: member `<revision>\|<status>\|<id>`, score ms |
//! | `<prefix>:{p<N>}:n` | hash | executions per status |
//! | `<prefix>:{p<N>}:d` | stream | dead letters: `s` source, `x` execution, `v` data, `r` reason, `u` unknown event |
//! | `<prefix>:{p<N>}:l:<sm>:<status>` | zset | the listing index: execution ids by start ms |
//! | `<prefix>:{p<N>}:x:<id>` | hash | the record ([`crate::store::record`]): `q` seq, `h` head JSON, `i` input, `<f>` each frame, `c<id>.…` each Parallel/Map run's input, items, selector input and results |
//! | `<prefix>:{p<N>}:x:<id>` | string `#1…` | a parked execution packed (`lua/packed.lua`): its record, tokens and history in one string, `h:` and `k:` then absent; unpacked by its next write |
//! | `<prefix>:{p<N>}:h:<id>` | list | history events (`events.rs`: `[id,ts,kind,details]`); event id = 1-based position |
//! | `<prefix>:{p<N>}:layout` | string | the fence: the largest partition count an execution was started under here ([`layout`]) |
//! | `<prefix>:{p<N>}:k:<id>` | hash | task `<state>/<attempt>` → `o\|<hb timer>\|<hb s>` open, `c` answered (callback queued), `d` done, `t` timed out |
//!
//! Keys outside partitions:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `<prefix>:meta` | hash | `partitions`: the count for new executions, set by the first store that connects; `layouts`: every count used, oldest first, once it changed ([`layout`]); `signing-key`: the shared task-token key; `pack-parked`: `1` when parking commits pack (set on by the first store of a new prefix) |
//! | `<prefix>:{sm}:m:<name>` | hash | a state machine's latest revision: `rev`, `rec` |
//! | `<prefix>:{sm}:v:<name>:<rev>` | string | each revision, kept while the machine or an execution uses it |
//! | `<prefix>:{sm}:names` | zset | state machine names (scores 0: lexical order) |
//! | `<prefix>:{sm}:last` | hash | the last revision number given per name (never reused) |
//! | `<prefix>:{sm}:uses` | hash | executions (not yet deleted) per `<name>\|<rev>` |
//! | `<prefix>:workers` | zset | worker → alive until ms (server time) |
//! | `<prefix>:{bell:<worker>}` | stream | the worker's doorbell: `p`, a partition with new entries (capped; expires an hour after its last ring) |
//!
//! State machine keys share the tag `{sm}` so that create, update and delete (record,
//! revision and name index together) are one atomic script on a cluster as well; they are
//! few and rarely written, so one slot is plenty.
//!
//! # Connections and faults
//!
//! All commands go over one multiplexed `ConnectionManager`, which reconnects by itself.
//! It is set to fail fast while Redis is away (one connection attempt per request, a 1 s
//! connection timeout) rather than to retry inside a request: callers retry with their own
//! backoff, and an API request answers 503 at once instead of after ~10 s of reconnects.
//! No partition holds a blocking read: a worker waits on one doorbell stream for all its
//! partitions ([`bell`]), on a connection of its own without a response timeout.
//!
//! Scripts declare flags (`#!lua`): writing scripts are refused as a whole when Redis is
//! out of memory (`OOM`, nothing written), while those that only delete or renew
//! (`allow-oom`) go on, so leases hold and expired executions can still be deleted.
//!
//! Why not a pool: measured on this 2-core VM against a local redis-server 7.0 (release
//! build, 64 tasks each committing 3,000 versions of its own record through a
//! version-checked EVALSHA script: HGET seq, HSET seq+rec, RPUSH an event; two rounds),
//! one multiplexed `ConnectionManager` ran 131k–147k commits/s, a deadpool-redis 0.23
//! pool 31k–32k (max_size 8) and 33k (max_size 64): the multiplexed connection wins by
//! ~4.3× here. Re-run with `cargo test --release -p baton-engine --test store_suite --
//! --ignored --nocapture --test-threads=1 bench`.

mod bell;
mod coalesce;
mod commit;
mod con;
mod details;
mod events;
mod executions;
mod handoff;
mod layout;
mod listing;
mod machines;
mod maintenance;
mod queue;
mod redrive;
mod segment;
mod versions;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::{Script, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    AliasOutcome, AliasRecord, AliasWrite, CallbackError, CallbackMessage, CommitError,
    CommitRequest, DeadLetter, ExecutionCounts, ExecutionFilter, ExecutionPage, Lease, Partition,
    PartitionStats, PublishOutcome, PublishRequest, QueueEntry, QueueRead, Result, Started,
    StateMachineRecord, Store, StoreError, TagOutcome, VersionDeleted, VersionRecord,
};
use crate::machine::{Execution, HistoryEvent, QueuedEvent, Status, Timer};

/// Every request but blocking reads: long enough for a large commit batch on a busy
/// server, short enough to notice a hung one.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);

/// The scripts, hashed once. `Script::invoke_async` sends EVALSHA and loads the script
/// when the server answers NOSCRIPT (after a restart, for instance).
struct Scripts {
    commit: Script,
    start_execution: Script,
    load: Script,
    deliver_callback: Script,
    fire_timers: Script,
    read_queue: Script,
    dead_letter: Script,
    requeue: Script,
    expire: Script,
    ack: Script,
    renew: Script,
    release: Script,
    heartbeat_worker: Script,
    history: Script,
    head: Script,
    create_state_machine: Script,
    update_state_machine: Script,
    delete_state_machine: Script,
    tags: Script,
    use_revision: Script,
    set_partitions: Script,
    fence_partition: Script,
    redrive_execution: Script,
}

static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    commit: Script::new(&with_packed(include_str!("lua/commit.lua"))),
    start_execution: Script::new(&with_packed(include_str!("lua/start_execution.lua"))),
    load: Script::new(&with_packed(include_str!("lua/load.lua"))),
    deliver_callback: Script::new(&with_claim(include_str!("lua/deliver_callback.lua"))),
    fire_timers: Script::new(include_str!("lua/fire_timers.lua")),
    read_queue: Script::new(&with_claim(include_str!("lua/read_queue.lua"))),
    dead_letter: Script::new(include_str!("lua/dead_letter.lua")),
    requeue: Script::new(include_str!("lua/requeue.lua")),
    expire: Script::new(include_str!("lua/expire.lua")),
    ack: Script::new(include_str!("lua/ack.lua")),
    renew: Script::new(include_str!("lua/renew.lua")),
    release: Script::new(include_str!("lua/release.lua")),
    heartbeat_worker: Script::new(include_str!("lua/heartbeat_worker.lua")),
    history: Script::new(&with_packed(include_str!("lua/history.lua"))),
    head: Script::new(&with_packed(include_str!("lua/head.lua"))),
    create_state_machine: Script::new(include_str!("lua/create_state_machine.lua")),
    update_state_machine: Script::new(include_str!("lua/update_state_machine.lua")),
    delete_state_machine: Script::new(include_str!("lua/delete_state_machine.lua")),
    tags: Script::new(include_str!("lua/tags.lua")),
    use_revision: Script::new(include_str!("lua/use_revision.lua")),
    set_partitions: Script::new(include_str!("lua/set_partitions.lua")),
    fence_partition: Script::new(&with_packed(include_str!("lua/fence_partition.lua"))),
    redrive_execution: Script::new(include_str!("lua/redrive_execution.lua")),
});

/// `script` with `libraries` put after its first line (the `#!lua` line, which must stay
/// first).
fn with(script: &str, libraries: &[&str]) -> String {
    let (shebang, rest) = script.split_once('\n').unwrap_or((script, ""));
    format!("{shebang}\n{}{rest}", libraries.concat())
}

/// `script` with `packed.lua`'s functions (packed records).
fn with_packed(script: &str) -> String {
    with(script, &[include_str!("lua/packed.lua")])
}

/// `script` with `claim.lua`'s function (and `packed.lua`'s, which it uses).
fn with_claim(script: &str) -> String {
    with(
        script,
        &[
            include_str!("lua/packed.lua"),
            include_str!("lua/claim.lua"),
        ],
    )
}

/// The field of `<prefix>:meta` that turns packing of parked executions on (`1`).
const PACK_PARKED: &str = "pack-parked";

/// `partitions`, `layouts` and `pack-parked` of `<prefix>:meta`.
type Stored = (Option<String>, Option<String>, Option<String>);

/// Where a [`RedisStore`] connects.
#[derive(Debug, Clone, Default)]
pub struct RedisTarget {
    /// One URL, or a cluster's seed nodes.
    pub nodes: Vec<String>,
    pub cluster: bool,
    /// The CA certificate (PEM) `rediss://` servers' certificates must chain to, instead of
    /// the system's roots.
    pub ca_cert: Option<Vec<u8>>,
}

impl RedisTarget {
    pub fn single(url: &str) -> RedisTarget {
        RedisTarget {
            nodes: vec![url.to_owned()],
            ..RedisTarget::default()
        }
    }

    pub fn cluster(nodes: &[String]) -> RedisTarget {
        RedisTarget {
            nodes: nodes.to_vec(),
            cluster: true,
            ca_cert: None,
        }
    }
}

/// The Redis store. Cloning shares the connections.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    source: con::Source,
    con: con::Con,
    prefix: String,
    /// Replaced when the partition count grows ([`layout`]).
    layout: std::sync::RwLock<Arc<layout::Layout>>,
    /// When the layout was last read from Redis (ms).
    layout_read_ms: std::sync::atomic::AtomicI64,
    /// Whether parking commits pack small executions into one string (`packed.lua`):
    /// `<prefix>:meta`'s `pack-parked`, re-read with the layout.
    pack_parked: std::sync::atomic::AtomicBool,
    /// Replicas every commit must reach before it counts as done (`WAIT`); 0: none.
    wait_replicas: usize,
    bells: bell::Bells,
    handoffs: handoff::Handoffs,
}

/// The keys of one partition.
struct PartitionKeys {
    /// `<prefix>:{p<N>}:`
    base: String,
    lease: String,
    queue: String,
    timers: String,
    active: String,
    expiry: String,
    counts: String,
    dead: String,
    /// The fence of the partition layout ([`layout`]).
    fence: String,
}

impl PartitionKeys {
    fn new(prefix: &str, p: Partition) -> PartitionKeys {
        let base = format!("{prefix}:{{p{p}}}:");
        PartitionKeys {
            lease: format!("{base}lease"),
            queue: format!("{base}q"),
            timers: format!("{base}t"),
            active: format!("{base}a"),
            expiry: format!("{base}e"),
            counts: format!("{base}n"),
            dead: format!("{base}d"),
            fence: format!("{base}layout"),
            base,
        }
    }

    fn record(&self, id: &str) -> String {
        format!("{}x:{id}", self.base)
    }

    fn history(&self, id: &str) -> String {
        format!("{}h:{id}", self.base)
    }

    fn tokens(&self, id: &str) -> String {
        format!("{}k:{id}", self.base)
    }

    /// The listing index of `state_machine`'s executions of `status`.
    fn index(&self, state_machine: &str, status: Status) -> String {
        format!("{}l:{state_machine}:{}", self.base, status.as_str())
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.inner.prefix)
            .field("partitions", &self.layout().counts)
            .finish_non_exhaustive()
    }
}

/// The zset member of a timer.
fn timer_member(id: &str, timer: u64) -> String {
    format!("{id}|{timer}")
}

fn encode<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("cannot encode: {e}")))
}

/// Reads what Baton wrote. Without serde_json's 128-level limit: state outputs may nest
/// deeper (up to `machine::MAX_VALUE_DEPTH`, checked before they are written).
fn decode<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    T::deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value))
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Text from a reply value.
fn text(value: Value) -> Result<String> {
    match value {
        Value::BulkString(bytes) => {
            String::from_utf8(bytes).map_err(|e| StoreError::Corrupt(format!("not UTF-8: {e}")))
        }
        Value::SimpleString(s) => Ok(s),
        Value::Int(n) => Ok(n.to_string()),
        other => Err(StoreError::Corrupt(format!("unexpected reply {other:?}"))),
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`) and uses keys under `prefix`.
    ///
    /// The partition count is fixed per prefix: the first store to connect records it in
    /// `<prefix>:meta`, and later ones use the recorded count whatever they ask for (with a
    /// warning), since executions were placed by it. `prefix` must not contain `{` or `}`
    /// (it would break the hash tags).
    pub async fn connect(url: &str, prefix: &str, partitions: u32) -> Result<RedisStore> {
        RedisStore::open(con::Source::single(url, None)?, prefix, partitions).await
    }

    /// [`RedisStore::connect`] to a Redis Cluster, given some of its nodes
    /// (`redis://[user:password@]host:port`; the rest are found from them).
    pub async fn connect_cluster(
        nodes: &[String],
        prefix: &str,
        partitions: u32,
    ) -> Result<RedisStore> {
        RedisStore::connect_to(&RedisTarget::cluster(nodes), prefix, partitions).await
    }

    /// Connects to `target`: one Redis or a cluster, over `redis://` or `rediss://` (TLS),
    /// with a password or an ACL user in the URLs.
    pub async fn connect_to(
        target: &RedisTarget,
        prefix: &str,
        partitions: u32,
    ) -> Result<RedisStore> {
        let source = match (target.cluster, target.nodes.as_slice()) {
            (_, []) => return Err(StoreError::Other("no Redis URL given".into())),
            (false, [url]) => con::Source::single(url, target.ca_cert.clone())?,
            (false, _) => {
                return Err(StoreError::Other(
                    "several URLs are for a cluster (--redis-cluster)".into(),
                ));
            }
            (true, nodes) => con::Source::Cluster {
                nodes: nodes.to_vec(),
                ca_cert: target.ca_cert.clone(),
            },
        };
        RedisStore::open(source, prefix, partitions).await
    }

    async fn open(source: con::Source, prefix: &str, partitions: u32) -> Result<RedisStore> {
        if prefix.is_empty() || prefix.contains(['{', '}']) {
            return Err(StoreError::Other(format!(
                "invalid key prefix {prefix:?}: it must be non-empty, without braces"
            )));
        }
        let mut con = source.shared().await?;
        let requested = partitions.clamp(1, layout::MAX_PARTITIONS);
        let meta = format!("{prefix}:meta");
        let (created, (partitions, layouts, pack)): (bool, Stored) = redis::pipe()
            .cmd("HSETNX")
            .arg(&meta)
            .arg("partitions")
            .arg(requested)
            .cmd("HMGET")
            .arg(&meta)
            .arg("partitions")
            .arg("layouts")
            .arg(PACK_PARKED)
            .query_async(&mut con)
            .await?;
        // A new deployment packs parked executions from the start; one made by an earlier
        // version waits for `baton partitions --pack-parked on`, once no process of that
        // version runs (they cannot read a packed record).
        let pack = match pack {
            None if created => {
                redis::cmd("HSETNX")
                    .arg(&meta)
                    .arg(PACK_PARKED)
                    .arg("1")
                    .query_async::<()>(&mut con)
                    .await?;
                true
            }
            stored => stored.as_deref() == Some("1"),
        };
        let counts = layout::parse_counts(&meta, partitions.as_deref(), layouts.as_deref())?;
        let current = counts.last().copied().unwrap_or(requested);
        if current != requested {
            tracing::warn!(
                prefix,
                requested,
                partitions = current,
                "the partition count is stored per prefix: using the stored one (`baton partitions` changes it)"
            );
        }
        Ok(RedisStore {
            inner: Arc::new(Inner {
                source,
                con,
                prefix: prefix.to_owned(),
                layout: std::sync::RwLock::new(Arc::new(layout::Layout::new(prefix, counts))),
                layout_read_ms: std::sync::atomic::AtomicI64::new(crate::clock::now_ms()),
                pack_parked: std::sync::atomic::AtomicBool::new(pack),
                wait_replicas: 0,
                bells: bell::Bells::default(),
                handoffs: handoff::Handoffs::default(),
            }),
        })
    }

    /// Makes every commit wait until `replicas` replicas of its master acknowledged it
    /// (`WAIT`) before it counts as done — and so before the transition's effects run. Redis
    /// replicates asynchronously: without it, a failover can lose the last acknowledged
    /// commits, and their effects then run again. Call it on a store not yet cloned.
    pub fn wait_for_replicas(mut self, replicas: usize) -> Result<RedisStore> {
        let inner = Arc::get_mut(&mut self.inner).ok_or_else(|| {
            StoreError::Other("set wait_for_replicas before sharing the store".into())
        })?;
        inner.wait_replicas = replicas;
        Ok(self)
    }

    /// The task-token signing secret every process on this Redis shares: `proposed` when
    /// none is stored yet (the first process stores it), else the stored one.
    pub async fn shared_signing_secret(&self, proposed: &str) -> Result<String> {
        let meta = format!("{}:meta", self.inner.prefix);
        let (stored,): (Option<String>,) = redis::pipe()
            .cmd("HSETNX")
            .arg(&meta)
            .arg("signing-key")
            .arg(proposed)
            .ignore()
            .cmd("HGET")
            .arg(&meta)
            .arg("signing-key")
            .query_async(&mut self.con())
            .await?;
        stored.ok_or_else(|| StoreError::Corrupt(format!("{meta} lost its signing-key")))
    }

    fn con(&self) -> con::Con {
        self.inner.con.clone()
    }
}

impl Store for RedisStore {
    fn partitions(&self) -> u32 {
        self.layout().current()
    }

    async fn ping(&self) -> Result<()> {
        let _: String = redis::cmd("PING").query_async(&mut self.con()).await?;
        Ok(())
    }

    async fn create_state_machine(
        &self,
        record: StateMachineRecord,
    ) -> Result<Result<StateMachineRecord, StateMachineRecord>> {
        self.create_machine(record).await
    }

    async fn update_state_machine(&self, record: StateMachineRecord) -> Result<bool> {
        self.update_machine(record).await
    }

    async fn get_state_machine(&self, name: &str) -> Result<Option<StateMachineRecord>> {
        self.get_machine(name).await
    }

    async fn get_state_machine_revision(
        &self,
        name: &str,
        revision: u32,
    ) -> Result<Option<StateMachineRecord>> {
        self.get_machine_revision(name, revision).await
    }

    async fn list_state_machines(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateMachineRecord>> {
        self.list_machines(after, limit).await
    }

    async fn delete_state_machine(&self, name: &str) -> Result<bool> {
        self.delete_machine(name).await
    }

    async fn tag_state_machine(&self, name: &str, tags: &[(String, String)]) -> Result<TagOutcome> {
        self.tag_machine(name, tags).await
    }

    async fn untag_state_machine(&self, name: &str, keys: &[String]) -> Result<bool> {
        self.untag_machine(name, keys).await
    }

    async fn state_machine_tags(&self, name: &str) -> Result<Option<Vec<(String, String)>>> {
        self.machine_tags(name).await
    }

    async fn release_revisions(&self, released: &[(String, u32)]) -> Result<()> {
        self.release_uses(released).await
    }

    async fn publish_version(&self, name: &str, request: PublishRequest) -> Result<PublishOutcome> {
        self.publish(name, request).await
    }

    async fn get_version(&self, name: &str, version: u32) -> Result<Option<VersionRecord>> {
        self.version(name, version).await
    }

    async fn list_versions(&self, name: &str) -> Result<Option<Vec<VersionRecord>>> {
        self.versions(name).await
    }

    async fn delete_version(&self, name: &str, version: u32) -> Result<VersionDeleted> {
        self.remove_version(name, version).await
    }

    async fn put_alias(
        &self,
        machine: &str,
        alias: AliasRecord,
        write: AliasWrite,
    ) -> Result<AliasOutcome> {
        self.write_alias(machine, alias, write).await
    }

    async fn get_alias(&self, machine: &str, alias: &str) -> Result<Option<AliasRecord>> {
        self.alias(machine, alias).await
    }

    async fn list_aliases(&self, machine: &str) -> Result<Option<Vec<AliasRecord>>> {
        self.aliases(machine).await
    }

    async fn delete_alias(&self, machine: &str, alias: &str) -> Result<bool> {
        self.remove_alias(machine, alias).await
    }

    async fn start_execution(
        &self,
        record: Execution,
        history: Vec<HistoryEvent>,
        timers: Vec<Timer>,
    ) -> Result<Started> {
        self.start(record, history, timers).await
    }

    async fn redrive_execution(&self, request: super::RedriveRequest) -> Result<super::Redriven> {
        self.redrive(request).await
    }

    async fn load_execution(&self, id: &str) -> Result<Option<Execution>> {
        self.load(id).await
    }

    async fn history(
        &self,
        id: &str,
        from_id: u64,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<HistoryEvent>> {
        self.history_page(id, from_id, limit, reverse).await
    }

    async fn list_executions_filtered(
        &self,
        state_machine: &str,
        filter: &ExecutionFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ExecutionPage> {
        self.list(state_machine, filter, cursor, limit).await
    }

    async fn count_executions(&self, state_machine: &str) -> Result<ExecutionCounts> {
        self.count(state_machine).await
    }

    async fn send_event(&self, id: &str, event: QueuedEvent) -> Result<()> {
        let partition = self.partition_or_newest(id).await?;
        let keys = self.keys(partition);
        let (_, holder): (String, Option<String>) = redis::pipe()
            .cmd("XADD")
            .arg(&keys.queue)
            .arg("*")
            .arg("x")
            .arg(id)
            .arg("e")
            .arg(encode(&event)?)
            .cmd("GET")
            .arg(&keys.lease)
            .query_async(&mut self.con())
            .await?;
        self.ring(holder.as_deref().unwrap_or(""), partition).await;
        Ok(())
    }

    async fn deliver_callback(
        &self,
        id: &str,
        task: &str,
        message: CallbackMessage,
        now_ms: i64,
    ) -> Result<(), CallbackError> {
        self.callback(id, task, message, now_ms).await
    }

    async fn heartbeat_worker(&self, worker: &str, ttl_ms: u64) -> Result<usize> {
        let mut call = SCRIPTS.heartbeat_worker.prepare_invoke();
        call.key(format!("{}:workers", self.inner.prefix))
            .arg(worker)
            .arg(ttl_ms);
        Ok(call.invoke_async(&mut self.con()).await?)
    }

    async fn acquire(
        &self,
        partition: Partition,
        worker: &str,
        ttl_ms: u64,
    ) -> Result<Option<Lease>> {
        // Unique per acquisition (fencing); the worker name is there for operators.
        let token = format!("{worker}/{}", uuid::Uuid::new_v4().simple());
        let reply: Value = redis::cmd("SET")
            .arg(&self.keys(partition).lease)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms.max(1))
            .query_async(&mut self.con())
            .await?;
        Ok(match reply {
            Value::Nil => None,
            _ => Some(Lease { partition, token }),
        })
    }

    async fn renew(&self, lease: &Lease, ttl_ms: u64) -> Result<bool> {
        let mut call = SCRIPTS.renew.prepare_invoke();
        call.key(&self.keys(lease.partition).lease)
            .arg(&lease.token)
            .arg(ttl_ms.max(1));
        let renewed: i64 = call.invoke_async(&mut self.con()).await?;
        Ok(renewed == 1)
    }

    async fn release(&self, lease: &Lease) -> Result<()> {
        let mut call = SCRIPTS.release.prepare_invoke();
        call.key(&self.keys(lease.partition).lease)
            .arg(&lease.token);
        let _: i64 = call.invoke_async(&mut self.con()).await?;
        Ok(())
    }

    async fn read_queue(
        &self,
        lease: &Lease,
        read: QueueRead,
        count: usize,
        block_ms: u64,
    ) -> Result<Vec<QueueEntry>> {
        self.read(lease, read, count, block_ms).await
    }

    async fn ack(&self, lease: &Lease, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let keys = self.keys(lease.partition);
        let mut call = SCRIPTS.ack.prepare_invoke();
        call.key(&keys.lease).key(&keys.queue).arg(&lease.token);
        for id in ids {
            call.arg(id);
        }
        let held: i64 = call.invoke_async(&mut self.con()).await?;
        if held == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost)
        }
    }

    async fn commit(
        &self,
        lease: &Lease,
        requests: Vec<CommitRequest>,
    ) -> Vec<Result<(), CommitError>> {
        self.commit_batch(lease, &requests).await
    }

    async fn fire_timers(&self, lease: &Lease, now_ms: i64, limit: usize) -> Result<usize> {
        self.fire(lease, now_ms, limit).await
    }

    async fn next_timer(&self, partition: Partition) -> Result<Option<i64>> {
        let first: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(&self.keys(partition).timers)
            .arg(0)
            .arg(0)
            .arg("WITHSCORES")
            .query_async(&mut self.con())
            .await?;
        Ok(first.first().map(|(_, due)| *due as i64))
    }

    async fn active_executions(&self, partition: Partition) -> Result<Vec<String>> {
        Ok(redis::cmd("SMEMBERS")
            .arg(&self.keys(partition).active)
            .query_async(&mut self.con())
            .await?)
    }

    async fn expire(&self, lease: &Lease, now_ms: i64, limit: usize) -> Result<Vec<(String, u32)>> {
        self.expire_due(lease, now_ms, limit).await
    }

    async fn dead_letters(
        &self,
        partition: Partition,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeadLetter>> {
        self.list_dead_letters(partition, after, limit).await
    }

    async fn requeue_dead_letters(&self, lease: &Lease) -> Result<usize> {
        self.requeue(lease).await
    }

    async fn partition_stats(&self, partition: Partition) -> Result<PartitionStats> {
        self.stats(partition).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fire_timers.lua` writes `QueuedEvent::Timer` by hand; it must stay what serde reads.
    #[test]
    fn timer_event_written_by_lua_parses() {
        let event: QueuedEvent = serde_json::from_str(r#"{"e":"timer","timer":17}"#).unwrap();
        assert_eq!(event, QueuedEvent::Timer { timer: 17 });
    }

    #[test]
    fn partition_keys_share_one_hash_tag() {
        let keys = PartitionKeys::new("baton", 3);
        for key in [
            &keys.lease,
            &keys.queue,
            &keys.timers,
            &keys.active,
            &keys.expiry,
            &keys.counts,
            &keys.dead,
            &keys.record("sm:a"),
            &keys.history("sm:a"),
            &keys.tokens("sm:a"),
            &keys.index("sm", Status::Running),
        ] {
            assert!(key.starts_with("baton:{p3}:"), "{key}");
        }
    }
}
