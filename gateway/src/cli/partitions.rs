//! `baton partitions`: shows the partition layout of a Redis store, and raises the count
//! on a running deployment (`--set N`). Nothing is moved: executions stay in the partition
//! they started in, new ones spread over the new count, and running processes follow
//! within seconds (see `engine/src/store/redis/layout.rs`). `--pack-parked on` makes
//! parking commits store small waiting executions as one string (under 1 KB of Redis
//! instead of ~1.9 KB); new deployments start with it on, deployments made by an earlier
//! version turn it on once every process runs this one.

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde_json::json;

use super::engine::{EngineArgs, connect_redis};

#[derive(Args, Debug)]
pub struct PartitionsArgs {
    /// Make this the partition count for new executions (it can only grow).
    #[arg(long)]
    pub set: Option<u32>,
    /// Pack parked executions into one string each (on), or stop packing new ones (off;
    /// those packed stay readable and unpack when they next move).
    #[arg(long, value_enum)]
    pub pack_parked: Option<Switch>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
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
    let pack_parked = match args.pack_parked {
        Some(switch) => store.set_pack_parked(switch == Switch::On).await?,
        None => store.packs_parked(),
    };
    let current = counts.last().copied().unwrap_or_default();
    println!(
        "{}",
        json!({
            "prefix": args.engine.prefix,
            "partitions": current,
            "layouts": counts,
            "pack_parked": pack_parked,
        })
    );
    Ok(())
}
