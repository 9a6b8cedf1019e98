//! `baton`: the server (`serve`), engine workers only (`worker`), a definition check
//! (`validate`), the partition layout of a Redis store (`partitions`), and a client of a
//! running server (`state-machine`, `start`, `executions`, `describe`, `history`, `stop`,
//! `watch`, `callback`: see `cli/client/`).

mod cli;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use baton_gateway::service::Service;
use baton_gateway::{AppState, GatewayConfig, credentials, observe};
use cli::engine::{EngineArgs, engine, start_workers};

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
    Worker(WorkerArgs),
    /// Checks a definition (JSON or YAML; `-` reads standard input): one line per problem,
    /// `FILE:LINE:COL: error[CODE]: message`, or a JSON array with `--json`; exit 1 on
    /// errors.
    Validate(cli::validate::ValidateArgs),
    /// Shows the partition layout of a Redis store; `--set N` raises the count of a
    /// running deployment.
    Partitions(cli::partitions::PartitionsArgs),
    #[command(flatten)]
    Client(cli::client::ClientCommand),
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BATON_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Bearer tokens accepted on the REST API and the AWS endpoint (comma-separated in the
    /// environment). At least 16 visible ASCII characters, 6 of them different. With any
    /// credential configured, every API route needs one (callbacks and health stay open).
    #[arg(
        long = "auth-token",
        env = "BATON_AUTH_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    auth_tokens: Vec<String>,
    /// AWS credentials `ACCESS_KEY_ID:SECRET` whose SigV4 signatures the AWS endpoint and
    /// the REST API accept (comma-separated in the environment). The secret must be at
    /// least 16 visible ASCII characters, 6 of them different.
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

#[derive(Args, Debug)]
struct WorkerArgs {
    /// Serve `/livez`, `/readyz` and `/metrics` on this address (none by default).
    #[arg(long, env = "BATON_WORKER_LISTEN")]
    listen: Option<SocketAddr>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Worker(args) => worker(args).await,
        Command::Validate(args) => cli::validate::validate(&args),
        Command::Partitions(args) => cli::partitions::partitions(args).await,
        Command::Client(command) => std::process::exit(cli::client::run(command).await),
    }
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

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Malformed or weak credentials stop the process before anything starts.
    let auth_tokens = credentials::auth_tokens(&args.auth_tokens)?;
    let aws_credentials = credentials::aws_credentials(&args.aws_credentials)?;
    if args.engine.workers == 0 && !args.engine.uses_redis() {
        // Nothing else could run the executions of an in-process store: they would stay
        // RUNNING for ever.
        anyhow::bail!(
            "--workers 0 needs --redis or --redis-cluster: on the embedded store only this process's workers run executions"
        );
    }
    let engine = engine(&args.engine).await?;
    let shutdown = shutdown_signal();
    let ended = Arc::new(baton_gateway::service::EndWatch::default());
    let workers = start_workers(&engine, &args.engine, &shutdown, Some(ended.clone()));
    let state = Arc::new(AppState {
        service: Service::new(
            engine.backend.clone(),
            engine.settings.clone(),
            engine.keys.clone(),
        )
        .with_ended(ended)
        .with_mocks(engine.mocks.clone())
        .with_http(engine.http.clone()),
        config: GatewayConfig {
            auth_tokens,
            aws_credentials,
            shutdown: shutdown.clone(),
            ..GatewayConfig::default()
        },
        metrics: Some(observe::metrics()),
    });
    spawn_metrics_upkeep();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let store = match (&args.engine.redis, args.engine.redis_cluster.is_empty()) {
        (Some(_), _) => "redis",
        (None, false) => "redis-cluster",
        (None, true) => "memory",
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

async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    if !args.engine.uses_redis() {
        anyhow::bail!(
            "`baton worker` needs --redis or --redis-cluster (BATON_REDIS_URL, BATON_REDIS_CLUSTER): workers share a Redis with the gateways"
        );
    }
    let engine = engine(&args.engine).await?;
    let shutdown = shutdown_signal();
    let workers = start_workers(&engine, &args.engine, &shutdown, None);
    if let Some(addr) = args.listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let ops = baton_gateway::rest::system::ops_app(baton_gateway::rest::system::Ops {
            store: engine.backend.clone(),
            metrics: Some(observe::metrics()),
        });
        let stop = shutdown.clone();
        let addr = listener.local_addr()?;
        println!("baton worker listening on http://{addr}");
        tokio::spawn(async move {
            let _ = axum::serve(listener, ops)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
        });
        spawn_metrics_upkeep();
    }
    tracing::info!(workers = args.engine.workers, "baton worker is running");
    for w in workers {
        let _ = w.await;
    }
    Ok(())
}

/// Keeps the Prometheus recorder's histograms fresh.
fn spawn_metrics_upkeep() {
    let upkeep = observe::metrics();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
}
