//! A throwaway Redis Cluster for tests: `masters` masters with `replicas` replicas each,
//! every node a [`RedisServer`] in cluster mode on loopback (ports at most 55,535: the
//! cluster bus listens on port + 10000), formed with `redis-cli --cluster create`. It
//! returns once every node reports `cluster_state:ok` and every replica has synced
//! (`master_link_status:up`), so a replica can take over at once.

use std::process::Command;
use std::time::{Duration, Instant};

use super::redis_server::RedisServer;

/// A running cluster; every node is killed on drop.
#[derive(Debug)]
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// `None` outside CI when `redis-server` is missing (as [`RedisServer::start`]).
    pub fn start(masters: usize, replicas: usize) -> Option<RedisCluster> {
        let mut nodes = Vec::new();
        for _ in 0..masters * (1 + replicas) {
            nodes.push(RedisServer::start_with(&[
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
                // Replicas sync at once, not after the default 5 s diskless delay.
                "--repl-diskless-sync-delay",
                "0",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])?);
        }
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port()))
            .collect();
        let status = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("redis-cli runs");
        assert!(status.success(), "redis-cli --cluster create failed");
        let mut cluster = RedisCluster { nodes };
        cluster.wait_ok(Duration::from_secs(30));
        Some(cluster)
    }

    /// The nodes' URLs (seeds for a cluster client).
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// `redis://` URLs of the running nodes.
    pub fn running_urls(&mut self) -> Vec<String> {
        (self.nodes.iter_mut())
            .filter_map(|n| n.is_running().then(|| n.url()))
            .collect()
    }

    /// The indexes of the nodes that are masters now.
    pub fn masters(&mut self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|i| {
                self.nodes[*i].is_running()
                    && self.nodes[*i]
                        .info("replication")
                        .get("role")
                        .map(String::as_str)
                        == Some("master")
            })
            .collect()
    }

    /// Waits until every running node says `cluster_state:ok` and every running replica's
    /// link to its master is up.
    pub fn wait_ok(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let running: Vec<&RedisServer> = (self.nodes.iter_mut())
                .filter_map(|n| if n.is_running() { Some(&*n) } else { None })
                .collect();
            let ready = running.iter().all(|n| {
                let cluster = n.command(&["CLUSTER", "INFO"]);
                let ok = cluster
                    .ok()
                    .and_then(|r| r.text().ok())
                    .is_some_and(|t| t.contains("cluster_state:ok"));
                let replication = n.info("replication");
                let synced = replication.get("role").map(String::as_str) != Some("slave")
                    || replication.get("master_link_status").map(String::as_str) == Some("up");
                ok && synced
            });
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the cluster did not become ok in {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
