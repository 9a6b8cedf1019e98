//! The connections of a [`super::RedisStore`]: one Redis, or a Redis Cluster, behind one
//! type that the scripts and commands run on.
//!
//! On a cluster every command of the store names keys of one slot (the partition's hash
//! tag, or `{sm}`), so the cluster client routes it to the slot's master, follows MOVED
//! and ASK, and refreshes its view of the cluster when the topology changes. A script
//! missing on a new master (`NOSCRIPT` after a failover) is loaded on every node and run
//! again (`Script::invoke_async`). Commands over several slots (listing) are sent one by
//! one, concurrently, never as one pipeline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionLike, ConnectionManager, MultiplexedConnection};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
use redis::{Client, Cmd, Pipeline, RedisFuture, Value};

use super::{CONNECTION_TIMEOUT, RESPONSE_TIMEOUT};
use crate::store::Result;

/// A connection to run commands on.
#[derive(Clone)]
pub(super) enum Con {
    /// One Redis, reconnecting by itself.
    Manager(ConnectionManager),
    /// One Redis, a plain connection (blocking reads: no response timeout).
    Plain(MultiplexedConnection),
    /// A Redis Cluster.
    Cluster(Healing),
}

/// A cluster connection that replaces itself when it stops answering. Seen here: after a
/// master was killed under load (hundreds of partitions' requests in flight), the cluster
/// client of `redis` 1.8 could stay stuck for good — every request timing out while every
/// node answered PING. A timeout makes a new client (at most one every
/// [`HEAL_EVERY`]); requests in flight on the old one end as they do.
#[derive(Clone)]
pub(super) struct Healing {
    inner: Arc<HealingInner>,
}

struct HealingInner {
    nodes: Vec<String>,
    ca_cert: Option<Vec<u8>>,
    response: Duration,
    current: Mutex<ClusterConnection>,
    healing: AtomicBool,
    healed_at: Mutex<Option<Instant>>,
}

/// The least time between two replacements of a cluster connection.
const HEAL_EVERY: Duration = Duration::from_secs(5);

impl Healing {
    async fn connect(
        nodes: &[String],
        ca_cert: &Option<Vec<u8>>,
        response: Duration,
    ) -> Result<Healing> {
        let connection = cluster_client(nodes, ca_cert, response)?
            .get_async_connection()
            .await?;
        Ok(Healing {
            inner: Arc::new(HealingInner {
                nodes: nodes.to_vec(),
                ca_cert: ca_cert.clone(),
                response,
                current: Mutex::new(connection),
                healing: AtomicBool::new(false),
                healed_at: Mutex::new(None),
            }),
        })
    }

    fn current(&self) -> ClusterConnection {
        self.inner
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// After `error`: replaces the connection when it timed out (in the background).
    fn after(&self, error: &redis::RedisError) {
        if !error.is_timeout() {
            return;
        }
        let recent = (self
            .inner
            .healed_at
            .lock()
            .unwrap_or_else(|e| e.into_inner()))
        .is_some_and(|at| at.elapsed() < HEAL_EVERY);
        if recent || self.inner.healing.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let fresh = match cluster_client(&inner.nodes, &inner.ca_cert, inner.response) {
                Ok(client) => client.get_async_connection().await.map_err(Into::into),
                Err(e) => Err(e),
            };
            match fresh {
                Ok(connection) => {
                    *inner.current.lock().unwrap_or_else(|e| e.into_inner()) = connection;
                    tracing::warn!(
                        "a Redis Cluster request timed out: the cluster connection is replaced"
                    );
                }
                Err(error) => tracing::warn!(%error, "cannot replace the Redis Cluster connection"),
            }
            *inner.healed_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            inner.healing.store(false, Ordering::Release);
        });
    }
}

impl ConnectionLike for Con {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Con::Manager(c) => c.req_packed_command(cmd),
            Con::Plain(c) => c.req_packed_command(cmd),
            Con::Cluster(h) => {
                let (h, mut c) = (h.clone(), h.current());
                Box::pin(async move {
                    let reply = c.req_packed_command(cmd).await;
                    if let Err(e) = &reply {
                        h.after(e);
                    }
                    reply
                })
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Con::Manager(c) => c.req_packed_commands(pipeline, offset, count),
            Con::Plain(c) => c.req_packed_commands(pipeline, offset, count),
            Con::Cluster(h) => {
                let (h, mut c) = (h.clone(), h.current());
                Box::pin(async move {
                    let reply = c.req_packed_commands(pipeline, offset, count).await;
                    if let Err(e) = &reply {
                        h.after(e);
                    }
                    reply
                })
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Con::Manager(c) => c.get_db(),
            Con::Plain(c) => c.get_db(),
            Con::Cluster(h) => h.current().get_db(),
        }
    }
}

impl Con {
    /// `WAIT replicas timeout` on the master holding `key`'s slot, on the connection the
    /// writes went through: how many replicas acknowledged them.
    pub async fn wait_replicas(
        &mut self,
        key: &str,
        replicas: usize,
        timeout: Duration,
    ) -> Result<usize> {
        let mut wait = redis::cmd("WAIT");
        wait.arg(replicas).arg(timeout.as_millis() as u64);
        let acked: i64 = match self {
            Con::Cluster(h) => {
                let route = Route::with_key(key, SlotAddr::Master);
                let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(route));
                let answer = h.current().route_command(wait, routing).await;
                if let Err(e) = &answer {
                    h.after(e);
                }
                match answer? {
                    Value::Int(n) => n,
                    other => {
                        return Err(crate::store::StoreError::Corrupt(format!(
                            "WAIT answered {other:?}"
                        )));
                    }
                }
            }
            other => wait.query_async(other).await?,
        };
        Ok(usize::try_from(acked).unwrap_or(0))
    }
}

/// Where new connections come from: for the shared connection, and for each partition's
/// blocking reads.
#[derive(Clone)]
pub(super) enum Source {
    Single(Client),
    Cluster {
        /// Seed URLs of the cluster.
        nodes: Vec<String>,
        /// The CA (PEM) that `rediss://` nodes' certificates must chain to, when not the
        /// system's.
        ca_cert: Option<Vec<u8>>,
    },
}

impl Source {
    /// One Redis at `url`; `ca_cert` (PEM) replaces the system's roots for `rediss://`.
    pub fn single(url: &str, ca_cert: Option<Vec<u8>>) -> Result<Source> {
        Ok(Source::Single(match ca_cert {
            None => Client::open(url)?,
            Some(root) => Client::build_with_tls(
                url,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(root),
                },
            )?,
        }))
    }
}

/// How long a blocking read may wait at most, plus the time to answer.
const BLOCKING_RESPONSE: Duration = Duration::from_secs(3605);

impl Source {
    /// The connection every command but blocking reads shares. It fails fast while Redis
    /// is away (callers retry with their own backoff).
    pub async fn shared(&self) -> Result<Con> {
        Ok(match self {
            Source::Single(client) => {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_connection_timeout(Some(CONNECTION_TIMEOUT))
                    .set_number_of_retries(0);
                Con::Manager(ConnectionManager::new_with_config(client.clone(), config).await?)
            }
            Source::Cluster { nodes, ca_cert } => {
                Con::Cluster(Healing::connect(nodes, ca_cert, RESPONSE_TIMEOUT).await?)
            }
        })
    }

    /// A connection for blocking reads: no (or a very long) response timeout, its own
    /// sockets (a blocking command holds the connection it runs on).
    pub async fn blocking(&self) -> Result<Con> {
        Ok(match self {
            Source::Single(client) => {
                let config = redis::AsyncConnectionConfig::new()
                    .set_response_timeout(None)
                    .set_connection_timeout(Some(CONNECTION_TIMEOUT));
                Con::Plain(
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await?,
                )
            }
            Source::Cluster { nodes, ca_cert } => {
                Con::Cluster(Healing::connect(nodes, ca_cert, BLOCKING_RESPONSE).await?)
            }
        })
    }
}

/// A cluster client over `nodes` (URLs; a password or user in them applies to every node)
/// that retries a little itself (redirects and failovers) and leaves longer waits to its
/// callers.
fn cluster_client(
    nodes: &[String],
    ca_cert: &Option<Vec<u8>>,
    response: Duration,
) -> Result<ClusterClient> {
    let mut builder = ClusterClient::builder(nodes.iter().map(String::as_str))
        .connection_timeout(CONNECTION_TIMEOUT)
        .response_timeout(response)
        .retries(3)
        .min_retry_wait(50)
        .max_retry_wait(500);
    if let Some(root) = ca_cert {
        builder = builder.certs(redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root.clone()),
        });
    }
    Ok(builder.build()?)
}
