//! What `baton serve` and `baton worker` share: the store, the task-token keys, the engine
//! settings and the workers.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;
use baton_engine::http::{AllowList, HttpConfig, HttpInvoker};
use baton_engine::machine::Settings;
use baton_engine::mock::{MockConfig, parse_mock_config};
use baton_engine::store::{MemoryStore, RedisStore, RedisTarget};
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig};
use baton_gateway::service::EndWatch;
use baton_gateway::{Backend, observe};

#[derive(Args, Debug, Clone)]
pub struct EngineArgs {
    /// Redis URL (redis://host:port/db). Without it (or --redis-cluster), the embedded
    /// in-memory store is used.
    #[arg(
        long,
        env = "BATON_REDIS_URL",
        conflicts_with = "redis_cluster",
        hide_env_values = true
    )]
    pub redis: Option<String>,
    /// Redis Cluster seed nodes, `redis://[user:password@]host:port,…` (the others are found
    /// from them).
    #[arg(
        long,
        env = "BATON_REDIS_CLUSTER",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub redis_cluster: Vec<String>,
    /// A CA certificate (PEM file) that `rediss://` servers' certificates must chain to,
    /// instead of the system's roots (TLS to Redis: give `rediss://` URLs).
    #[arg(long, env = "BATON_REDIS_CA_CERT")]
    pub redis_ca_cert: Option<std::path::PathBuf>,
    /// Every commit waits until this many replicas of its Redis master acknowledged it
    /// (`WAIT`) before its effects run: a failover then loses no acknowledged transition, at
    /// the cost of a replica round trip per commit batch. 0: do not wait.
    #[arg(long, env = "BATON_REDIS_WAIT_REPLICAS", default_value_t = 0)]
    pub redis_wait_replicas: usize,
    /// Key prefix in Redis.
    #[arg(long, env = "BATON_REDIS_PREFIX", default_value = "baton")]
    pub prefix: String,
    /// Partitions of the store: a Redis store keeps the count of its first start (`baton
    /// partitions --set N` raises it on a running deployment). 256 spreads evenly over 3
    /// or 6 cluster masters and leaves room for dozens of workers; an idle partition costs
    /// a few Redis commands a second.
    #[arg(long, env = "BATON_PARTITIONS", default_value_t = 256)]
    pub partitions: u32,
    /// Engine workers in this process.
    #[arg(long, env = "BATON_WORKERS", default_value_t = 1)]
    pub workers: usize,
    /// Task-token signing keys: `[*]id:secret,…` (the `*` one signs; all verify). Without
    /// them, on Redis, every process uses one key kept in Redis (created by the first
    /// process); on the embedded store, a random key.
    #[arg(long, env = "BATON_SIGNING_KEYS", hide_env_values = true)]
    pub signing_keys: Option<String>,
    /// Let HTTP tasks call link-local and cloud metadata addresses (169.254.0.0/16,
    /// fe80::/10, 169.254.169.254, fd00:ec2::254, 100.100.100.200, …), refused otherwise.
    #[arg(long, env = "BATON_ALLOW_LINK_LOCAL", default_value_t = false)]
    pub allow_link_local: bool,
    /// Also refuse HTTP tasks to loopback, RFC 1918, CGNAT and unique-local addresses
    /// (127.0.0.0/8, ::1, 0.0.0.0/8, 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7),
    /// unless an --allow-hosts CIDR covers them.
    #[arg(long, env = "BATON_DENY_PRIVATE_NETWORKS", default_value_t = false)]
    pub deny_private_networks: bool,
    /// Call only these hosts from HTTP tasks: names, `*.domain` (subdomains, not the
    /// domain itself), IP addresses and CIDRs (10.1.0.0/16), comma-separated.
    #[arg(long, env = "BATON_ALLOW_HOSTS")]
    pub allow_hosts: Option<String>,
    /// The `User-Agent` of HTTP task requests (default `Baton/<version>`); e.g. to tell
    /// which process called a service.
    #[arg(long, env = "BATON_USER_AGENT")]
    pub user_agent: Option<String>,
    /// The most HTTP requests (tasks and notifications) in flight at once from this
    /// process; more wait their turn.
    #[arg(long, env = "BATON_MAX_INFLIGHT_REQUESTS", default_value_t = 1024)]
    pub max_inflight_requests: usize,
    /// The most commits each worker of this process has handed to the store and not seen
    /// answered; past it, executions stop pipelining theirs (a bound on memory when the
    /// store is the bottleneck; a few KB per commit).
    #[arg(long, env = "BATON_MAX_COMMITS_IN_FLIGHT", default_value_t = 131_072)]
    pub max_commits_in_flight: usize,
    /// How long finished executions are kept before they are deleted (`90d`, `12h`, `3s`);
    /// a state machine may set its own (`PUT …?retention=`).
    #[arg(long, env = "BATON_RETENTION", default_value = "90d", value_parser = humantime::parse_duration)]
    pub retention: Duration,
    /// How often each owned partition looks again at its executions, deletes expired ones
    /// and updates its metrics.
    #[arg(long, env = "BATON_SWEEP_INTERVAL", default_value = "2s", value_parser = humantime::parse_duration, hide = true)]
    pub sweep_interval: Duration,
    /// `text` or `json` logs.
    #[arg(long, env = "BATON_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Largest state input, output or task result in bytes (AWS: 256 KiB).
    #[arg(long, env = "BATON_MAX_PAYLOAD_BYTES", default_value_t = 262_144)]
    pub max_payload_bytes: usize,
    /// Most history events one execution may write; the execution then fails (AWS: 25,000).
    #[arg(long, env = "BATON_MAX_HISTORY_EVENTS", default_value_t = 25_000)]
    pub max_history_events: u64,
    /// Region and account shown in ARNs.
    #[arg(long, env = "BATON_REGION", default_value = "us-east-1")]
    pub region: String,
    #[arg(long, env = "BATON_ACCOUNT", default_value = "123456789012")]
    pub account: String,
    /// Mocked service integrations: a Step Functions Local `MockConfigFile.json`. An
    /// execution started on `<state machine ARN>#<test case>` (REST: `"testCase"`) has the
    /// states its test case names answered from the file instead of the network. Checked
    /// at start; give every gateway and worker the same file.
    #[arg(long, env = "BATON_MOCK_CONFIG")]
    pub mock_config: Option<std::path::PathBuf>,
}

pub struct Engine {
    pub backend: Backend,
    pub settings: Settings,
    pub keys: Arc<KeyRing>,
    pub http: HttpInvoker,
    pub mocks: Option<Arc<MockConfig>>,
}

/// Reads and checks `--mock-config`: every problem, each with its location, stops the
/// process.
pub fn load_mock_config(path: &std::path::Path) -> anyhow::Result<MockConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --mock-config {}", path.display()))?;
    match parse_mock_config(&text) {
        Ok(config) => {
            let (machines, cases) = config.counts();
            tracing::info!(file = %path.display(), machines, test_cases = cases, "mock configuration loaded");
            Ok(config)
        }
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {e}", path.display()))
                .collect();
            anyhow::bail!(
                "--mock-config {} is invalid:\n{}",
                path.display(),
                lines.join("\n")
            )
        }
    }
}

pub async fn engine(args: &EngineArgs) -> anyhow::Result<Engine> {
    observe::init_logging(&args.log_format);
    // Before anything records: a gauge set before the recorder exists is lost (partitions'
    // `baton_actors` were, for those that had nothing to do after start).
    observe::metrics();
    if args.retention < Duration::from_secs(1) {
        anyhow::bail!("--retention must be at least 1s");
    }
    let allow_hosts = match &args.allow_hosts {
        Some(spec) => Some(AllowList::parse(spec).context("--allow-hosts (BATON_ALLOW_HOSTS)")?),
        None => None,
    };
    // Checked before connecting anywhere: a malformed or weak key stops the process here.
    let explicit_keys = match &args.signing_keys {
        Some(spec) => {
            Some(KeyRing::from_spec(spec).context("--signing-keys (BATON_SIGNING_KEYS)")?)
        }
        None => None,
    };
    // Checked before connecting anywhere, like the keys.
    let mocks = match &args.mock_config {
        Some(path) => Some(Arc::new(load_mock_config(path)?)),
        None => None,
    };
    let redis = connect_redis(args).await?;
    let backend = match redis {
        Some(store) => Backend::Redis(store.wait_for_replicas(args.redis_wait_replicas)?),
        None if args.redis_wait_replicas > 0 => {
            anyhow::bail!("--redis-wait-replicas needs --redis or --redis-cluster")
        }
        None => Backend::Memory(MemoryStore::new(args.partitions)),
    };
    let keys = match (explicit_keys, &backend) {
        (Some(keys), _) => keys,
        (None, Backend::Redis(store)) => {
            let proposed: String = (0..32)
                .map(|_| format!("{:02x}", rand::random::<u8>()))
                .collect();
            let secret = store
                .shared_signing_secret(&proposed)
                .await
                .context("cannot read the shared task-token key from Redis")?;
            tracing::info!("task tokens are signed with the key shared in Redis");
            KeyRing::new(0, secret.as_bytes()).context("the task-token key stored in Redis")?
        }
        (None, Backend::Memory(_)) => KeyRing::generate(),
    };
    let settings = Settings {
        region: args.region.clone(),
        account: args.account.clone(),
        max_payload_bytes: args.max_payload_bytes,
        max_history_events: args.max_history_events,
        retention_ms: u64::try_from(args.retention.as_millis()).unwrap_or(u64::MAX),
        ..Settings::default()
    };
    let defaults = HttpConfig::default();
    let http = HttpInvoker::new(HttpConfig {
        allow_link_local: args.allow_link_local,
        deny_private_networks: args.deny_private_networks,
        allow_hosts,
        user_agent: args
            .user_agent
            .clone()
            .unwrap_or_else(|| defaults.user_agent.clone()),
        max_in_flight: args.max_inflight_requests.max(1),
        ..defaults
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(Engine {
        backend,
        settings,
        keys: Arc::new(keys),
        http,
        mocks,
    })
}

/// The Redis store the flags name (`--redis` or `--redis-cluster`), if any.
pub async fn connect_redis(args: &EngineArgs) -> anyhow::Result<Option<RedisStore>> {
    let ca_cert = match &args.redis_ca_cert {
        Some(path) => Some(
            std::fs::read(path)
                .with_context(|| format!("cannot read --redis-ca-cert {}", path.display()))?,
        ),
        None => None,
    };
    let target = match (&args.redis, args.redis_cluster.as_slice()) {
        (Some(url), _) => Some(RedisTarget {
            ca_cert,
            ..RedisTarget::single(url)
        }),
        (None, []) => None,
        (None, nodes) => Some(RedisTarget {
            ca_cert,
            ..RedisTarget::cluster(nodes)
        }),
    };
    let redis = match target {
        Some(target) => {
            let shown: Vec<String> = target.nodes.iter().map(|u| loggable(u)).collect();
            Some(
                RedisStore::connect_to(&target, &args.prefix, args.partitions)
                    .await
                    .with_context(|| format!("cannot connect to Redis at {}", shown.join(",")))?,
            )
        }
        None => None,
    };
    Ok(redis)
}

/// Starts the engine workers. `ended`, when given, hears of every execution they end (a
/// gateway in the same process waits on it instead of polling).
pub fn start_workers(
    engine: &Engine,
    args: &EngineArgs,
    shutdown: &CancellationToken,
    ended: Option<Arc<EndWatch>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let finished = ended.map(|ended| {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(id) = rx.recv().await {
                ended.ended(&id);
            }
        });
        tx
    });
    let shared = Arc::new(Shared {
        store: engine.backend.clone(),
        settings: engine.settings.clone(),
        tokens: Arc::new(KeyRingMinter(engine.keys.clone())),
        http: engine.http.clone(),
        definitions: DefinitionCache::default(),
        finished,
        mocks: engine.mocks.clone(),
    });
    (0..args.workers)
        .map(|_| {
            let config = WorkerConfig {
                sweep_interval: args.sweep_interval,
                max_commits_in_flight: args.max_commits_in_flight,
                ..WorkerConfig::default()
            };
            tokio::spawn(Worker::new(shared.clone(), config).run(shutdown.clone()))
        })
        .collect()
}

impl EngineArgs {
    /// True when the store is a Redis or a Redis Cluster.
    pub fn uses_redis(&self) -> bool {
        self.redis.is_some() || !self.redis_cluster.is_empty()
    }
}

/// A Redis URL without its password.
fn loggable(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
