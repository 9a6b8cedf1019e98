//! `baton partitions`: shows the partition layout of a Redis store, and raises the count
//! on a running deployment (`--set N`). Nothing is moved: executions stay in the partition
//! they started in, new ones spread over the new count, and running processes follow
//! within seconds (see `engine/src/store/redis/layout.rs`).

use anyhow::Context;
use clap::Args;
use serde_json::json;

use super::engine::{EngineArgs, connect_redis};

#[derive(Args, Debug)]
pub struct PartitionsArgs {
    /// Make this the partition count for new executions (it can only grow).
    #[arg(long)]
    pub set: Option<u32>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub async fn partitions(args: PartitionsArgs) -> anyhow::Result<()> {
    // No logging: stdout is the answer (JSON), errors go to stderr through anyhow.
    let store = connect_redis(&args.engine).await?.context(
        "baton partitions needs --redis or --redis-cluster (the embedded store has a fixed count)",
    )?;
    let counts = match args.set {
        Some(count) => store
            .set_partitions(count)
            .await
            .with_context(|| format!("cannot set the partition count to {count}"))?,
        None => store.partition_counts().await?,
    };
    let current = counts.last().copied().unwrap_or_default();
    println!(
        "{}",
        json!({"prefix": args.engine.prefix, "partitions": current, "layouts": counts})
    );
    Ok(())
}
