//! Baton on a Redis Cluster of 3 masters and 3 replicas (`RedisCluster`: real
//! `redis-server`s in cluster mode on loopback), with the fault tests' harness
//! (`baton_tests::faults`): HTTP Task → Wait → Callback (Notify) → Choice → HTTP Task.
//!
//! - two `baton serve` and one `baton worker --redis-cluster …` complete 1,000 executions,
//!   each exactly once (one start and one end event, no request sent twice; callbacks are
//!   answered through the other serve process than the one that started them);
//! - failover: a master is SIGKILLed in the middle of a run; its replica takes over, the
//!   killed node comes back as a replica, and every execution ends with the output an
//!   undisturbed run gives. With `--redis-wait-replicas 1` no acknowledged transition is
//!   lost: no actor reads its record back older than a commit it was told was applied
//!   (`baton_acknowledged_commits_lost_total`). Commit conflicts may still happen (a
//!   commit applied and replicated whose answer the dying master never sent: the client
//!   sends it again to the new master, which refuses it for its version; the actor reads
//!   the record and finds it applied). Commits of the failed master's partitions wait
//!   meanwhile, since its replica, now master, has no replica of its own until the old
//!   node is back. Without it, what was lost is printed.

use std::time::{Duration, Instant};

use baton_engine::testing::redis_cluster::RedisCluster;
use baton_tests::faults::{Redis, Run};

async fn cluster() -> Option<RedisCluster> {
    tokio::task::spawn_blocking(|| RedisCluster::start(3, 1))
        .await
        .expect("start the cluster")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serves_and_a_worker_complete_1000_executions_exactly_once() {
    let Some(cluster) = cluster().await else {
        return;
    };
    let run = Run::begin_on(Redis::Cluster(cluster), 2, 1000, &[]).await;
    let summary = run
        .finish("cluster, 2 serves + 1 worker", Instant::now())
        .await;
    assert_eq!(summary.succeeded, 1000);
    assert_eq!(summary.repeated, 0, "every request was sent once");
}

/// Kills a master once half the run waits for its callbacks; when its replica has taken
/// over, starts the killed node again (as an orchestrator would): it rejoins as the new
/// master's replica. Returns when the cluster is whole again.
async fn fail_over(run: &mut Run) -> Instant {
    run.until_half_notified().await;
    let cluster = run.cluster();
    let master = tokio::task::block_in_place(|| cluster.masters())[0];
    let port = cluster.nodes[master].port();
    cluster.nodes[master].kill();
    let killed = Instant::now();
    tokio::task::block_in_place(|| cluster.wait_ok(Duration::from_secs(30)));
    let took_over = killed.elapsed();
    tokio::task::block_in_place(|| {
        cluster.nodes[master].start_again();
        cluster.wait_ok(Duration::from_secs(30));
    });
    println!(
        "master on port {port} killed; its replica took over {:.1} s later; the old master was back as a replica {:.1} s after the kill",
        took_over.as_secs_f64(),
        killed.elapsed().as_secs_f64()
    );
    Instant::now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_killed_with_wait_replicas_loses_no_transition() {
    let Some(cluster) = cluster().await else {
        return;
    };
    let mut run = Run::begin_on(
        Redis::Cluster(cluster),
        1,
        300,
        &["--redis-wait-replicas", "1"],
    )
    .await;
    let back = fail_over(&mut run).await;
    let summary = run.finish("failover, --redis-wait-replicas 1", back).await;
    println!(
        "with --redis-wait-replicas 1: {} requests repeated, {} commit conflicts, {} acknowledged versions lost",
        summary.repeated, summary.conflicts, summary.lost
    );
    assert_eq!(summary.lost, 0.0, "no acknowledged commit was lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_killed_without_waiting_for_replicas() {
    let Some(cluster) = cluster().await else {
        return;
    };
    let mut run = Run::begin_on(Redis::Cluster(cluster), 1, 300, &[]).await;
    let back = fail_over(&mut run).await;
    let summary = run.finish("failover, no replica wait", back).await;
    println!(
        "without --redis-wait-replicas: {} requests repeated, {} commit conflicts (each a transition recomputed after writes were lost or an answer was), {} acknowledged versions lost",
        summary.repeated, summary.conflicts, summary.lost
    );
}
