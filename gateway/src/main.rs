//! `baton`: the server (`serve`), engine workers only (`worker`), and a definition check
//! (`validate`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use baton_callbacks::KeyRing;
use baton_engine::http::{HttpConfig, HttpInvoker};
use baton_engine::machine::Settings;
use baton_engine::store::{MemoryStore, RedisStore};
use baton_engine::worker::{DefinitionCache, KeyRingMinter, Shared, Worker, WorkerConfig};
use baton_gateway::service::Service;
use baton_gateway::{AppState, Backend, GatewayConfig, observe};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "baton",
    version,
    about = "Baton: a durable ASL state-machine engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Runs the HTTP gateway and engine workers in one process.
    Serve(ServeArgs),
    /// Runs engine workers only (scale out behind gateways on the same Redis).
    Worker(EngineArgs),
    /// Prints the diagnostics of a definition file as JSON (exit 1 on errors).
    Validate { file: String },
}

#[derive(Args, Debug, Clone)]
struct EngineArgs {
    /// Redis URL (redis://host:port/db). Without it, the embedded in-memory store is used.
    #[arg(long, env = "BATON_REDIS_URL")]
    redis: Option<String>,
    /// Key prefix in Redis.
    #[arg(long, env = "BATON_REDIS_PREFIX", default_value = "baton")]
    prefix: String,
    /// Partitions of the store (fixed at the first start of a Redis store).
    #[arg(long, env = "BATON_PARTITIONS", default_value_t = 16)]
    partitions: u32,
    /// Engine workers in this process.
    #[arg(long, env = "BATON_WORKERS", default_value_t = 1)]
    workers: usize,
    /// Task-token signing keys: `[*]id:secret,…` (the `*` one signs; all verify). Every
    /// process of one deployment needs the same keys. Default: a random key (one process).
    #[arg(long, env = "BATON_SIGNING_KEYS", hide_env_values = true)]
    signing_keys: Option<String>,
    /// Let HTTP tasks call link-local and cloud metadata addresses.
    #[arg(long, env = "BATON_ALLOW_LINK_LOCAL", default_value_t = false)]
    allow_link_local: bool,
    /// The `User-Agent` of HTTP task requests (default `Baton/<version>`); e.g. to tell
    /// which process called a service.
    #[arg(long, env = "BATON_USER_AGENT")]
    user_agent: Option<String>,
    /// `text` or `json` logs.
    #[arg(long, env = "BATON_LOG_FORMAT", default_value = "text")]
    log_format: String,
    /// Largest state input, output or task result in bytes (AWS: 256 KiB).
    #[arg(long, env = "BATON_MAX_PAYLOAD_BYTES", default_value_t = 262_144)]
    max_payload_bytes: usize,
    /// Most history events one execution may write; the execution then fails (AWS: 25,000).
    #[arg(long, env = "BATON_MAX_HISTORY_EVENTS", default_value_t = 25_000)]
    max_history_events: u64,
    /// Region and account shown in ARNs.
    #[arg(long, env = "BATON_REGION", default_value = "us-east-1")]
    region: String,
    #[arg(long, env = "BATON_ACCOUNT", default_value = "123456789012")]
    account: String,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BATON_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Bearer tokens required on API routes (comma-separated in the environment).
    #[arg(
        long = "auth-token",
        env = "BATON_AUTH_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    auth_tokens: Vec<String>,
    /// AWS credentials `ACCESS_KEY_ID:SECRET` whose SigV4 signatures the AWS endpoint
    /// requires (comma-separated in the environment).
    #[arg(
        long = "aws-credentials",
        env = "BATON_AWS_CREDENTIALS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    aws_credentials: Vec<String>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Worker(args) => worker(args).await,
        Command::Validate { file } => validate(&file),
    }
}

fn validate(file: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?;
    let diagnostics = match baton_definitions::parse_definition(&text) {
        Ok(def) => def.warnings,
        Err(all) => all,
    };
    println!("{}", serde_json::to_string_pretty(&diagnostics)?);
    if diagnostics
        .iter()
        .any(|d| d.severity == baton_definitions::Severity::Error)
    {
        std::process::exit(1);
    }
    Ok(())
}

/// SIGTERM or Ctrl-C.
fn shutdown_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("signal handler");
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
        t.cancel();
    });
    token
}

struct Engine {
    backend: Backend,
    settings: Settings,
    keys: Arc<KeyRing>,
    http: HttpInvoker,
}

async fn engine(args: &EngineArgs) -> anyhow::Result<Engine> {
    observe::init_logging(&args.log_format);
    let backend = match &args.redis {
        Some(url) => Backend::Redis(
            RedisStore::connect(url, &args.prefix, args.partitions)
                .await
                .with_context(|| format!("cannot connect to {url}"))?,
        ),
        None => Backend::Memory(MemoryStore::new(args.partitions)),
    };
    let keys = match &args.signing_keys {
        Some(spec) => KeyRing::from_spec(spec).context("BATON_SIGNING_KEYS")?,
        None => {
            if args.redis.is_some() {
                tracing::warn!(
                    "no BATON_SIGNING_KEYS: task tokens are signed with a random key only this process knows"
                );
            }
            KeyRing::generate()
        }
    };
    let settings = Settings {
        region: args.region.clone(),
        account: args.account.clone(),
        max_payload_bytes: args.max_payload_bytes,
        max_history_events: args.max_history_events,
        ..Settings::default()
    };
    let defaults = HttpConfig::default();
    let http = HttpInvoker::new(HttpConfig {
        allow_link_local: args.allow_link_local,
        user_agent: args
            .user_agent
            .clone()
            .unwrap_or_else(|| defaults.user_agent.clone()),
        ..defaults
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(Engine {
        backend,
        settings,
        keys: Arc::new(keys),
        http,
    })
}

fn start_workers(
    engine: &Engine,
    count: usize,
    shutdown: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    let shared = Arc::new(Shared {
        store: engine.backend.clone(),
        settings: engine.settings.clone(),
        tokens: Arc::new(KeyRingMinter(engine.keys.clone())),
        http: engine.http.clone(),
        definitions: DefinitionCache::default(),
        finished: None,
    });
    (0..count)
        .map(|_| {
            tokio::spawn(Worker::new(shared.clone(), WorkerConfig::default()).run(shutdown.clone()))
        })
        .collect()
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let engine = engine(&args.engine).await?;
    let shutdown = shutdown_signal();
    let workers = start_workers(&engine, args.engine.workers, &shutdown);
    let aws_credentials = args
        .aws_credentials
        .iter()
        .filter_map(|pair| {
            pair.split_once(':')
                .map(|(k, s)| (k.to_owned(), s.to_owned()))
        })
        .collect();
    let state = Arc::new(AppState {
        service: Service::new(
            engine.backend.clone(),
            engine.settings.clone(),
            engine.keys.clone(),
        ),
        config: GatewayConfig {
            auth_tokens: args.auth_tokens.clone(),
            aws_credentials,
            ..GatewayConfig::default()
        },
        metrics: Some(observe::metrics()),
    });
    let upkeep = observe::metrics();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let store = if args.engine.redis.is_some() {
        "redis"
    } else {
        "memory"
    };
    let addr = listener.local_addr()?;
    tracing::info!(listen = %addr, store, workers = args.engine.workers, "baton is serving");
    // A plain line tools can wait for (the end-to-end tests read the port from it).
    println!("baton listening on http://{addr}");
    let stop = shutdown.clone();
    baton_gateway::serve(listener, state, async move { stop.cancelled().await }).await?;
    for w in workers {
        let _ = tokio::time::timeout(Duration::from_secs(30), w).await;
    }
    Ok(())
}

async fn worker(args: EngineArgs) -> anyhow::Result<()> {
    if args.redis.is_none() {
        anyhow::bail!(
            "`baton worker` needs --redis (or BATON_REDIS_URL): workers share a Redis with the gateways"
        );
    }
    let engine = engine(&args).await?;
    let shutdown = shutdown_signal();
    let workers = start_workers(&engine, args.workers, &shutdown);
    tracing::info!(workers = args.workers, "baton worker is running");
    for w in workers {
        let _ = w.await;
    }
    Ok(())
}
