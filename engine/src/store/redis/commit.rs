//! `Store::commit`: a batch of transitions in one `commit.lua` call, each request encoded
//! as a [`Segment`].

use super::PartitionKeys;
use super::coalesce::coalesce;
use super::segment::Segment;
use super::{RedisStore, SCRIPTS};
use crate::store::{CommitError, CommitRequest, Lease, Result, StoreError};

/// How long one `WAIT` for replicas waits before it is tried again.
const REPLICA_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl RedisStore {
    /// Waits until `wait_replicas` replicas acknowledged what this connection wrote to the
    /// partition's master. While they do not, it keeps waiting (the partition's commits
    /// stall: that is the trade-off chosen); a store error ends the wait (the caller retries
    /// the commit, which then finds it applied).
    async fn replicated(&self, con: &mut super::con::Con, key: &str) -> Result<()> {
        let wanted = self.inner.wait_replicas;
        let mut short = 0u32;
        loop {
            let acked = con.wait_replicas(key, wanted, REPLICA_WAIT).await?;
            if acked >= wanted {
                return Ok(());
            }
            short += 1;
            metrics::counter!("baton_replica_waits_short_total").increment(1);
            if short.is_power_of_two() {
                tracing::warn!(
                    key,
                    acked,
                    wanted,
                    waited_s = short,
                    "commits wait for replicas"
                );
            }
        }
    }

    pub(super) async fn commit_batch(
        &self,
        lease: &Lease,
        requests: &[CommitRequest],
    ) -> Vec<Result<(), CommitError>> {
        let mut results: Vec<Option<Result<(), CommitError>>> =
            requests.iter().map(|_| None).collect();
        // An execution of another partition is not in this one (as for MemoryStore); its
        // keys would not even be in the script's slot. A count this process did not know
        // yet may place it here: the layout is read again then.
        let layout = self.layout();
        let mut placed: Vec<bool> = (requests.iter())
            .map(|r| layout.places(r.id(), lease.partition))
            .collect();
        if placed.contains(&false) && self.refresh_layout().await.unwrap_or(false) {
            let layout = self.layout();
            for (ok, r) in placed.iter_mut().zip(requests) {
                *ok = *ok || layout.places(r.id(), lease.partition);
            }
        }
        let keys = self.keys(lease.partition);
        let mut sent = Vec::with_capacity(requests.len());
        let mut segments = Vec::with_capacity(requests.len());
        for (i, request) in requests.iter().enumerate() {
            if !placed[i] || request.record.head.seq == 0 {
                results[i] = Some(Err(CommitError::Conflict));
                continue;
            }
            match Segment::new(request, &keys) {
                Ok(segment) => {
                    sent.push(i);
                    segments.push(segment);
                }
                Err(e) => results[i] = Some(Err(e.into())),
            }
        }
        if !sent.is_empty() {
            let groups = coalesce(segments);
            let call = script_call(&keys, &lease.token, groups.iter().map(|g| &g.segment));
            let mut con = self.con();
            let mut codes: Result<Vec<i64>> = match call.query_async(&mut con).await {
                Err(e)
                    if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) =>
                {
                    match SCRIPTS.commit.load_async(&mut con).await {
                        Ok(_) => call.query_async(&mut con).await,
                        Err(e) => Err(e),
                    }
                }
                other => other,
            }
            .map_err(StoreError::from);
            if let Ok(committed) = &codes
                && committed.contains(&0)
                && self.inner.wait_replicas > 0
                && let Err(e) = self.replicated(&mut con, &keys.lease).await
            {
                codes = Err(e);
            }
            // Each request's answer (positions in `sent`), from its group's.
            let mut each = vec![None; sent.len()];
            if let Ok(codes) = &codes {
                for (group, &code) in groups.iter().zip(codes) {
                    for (m, c) in group.codes(code) {
                        each[m] = Some(c);
                    }
                }
            }
            for (n, i) in sent.into_iter().enumerate() {
                results[i] = Some(match &codes {
                    Ok(_) => match each[n] {
                        Some(0) => Ok(()),
                        Some(1) => Err(CommitError::Conflict),
                        Some(2) => Err(CommitError::LeaseLost),
                        Some(3) => Err(CommitError::CallbackPending),
                        other => Err(CommitError::Store(StoreError::Corrupt(format!(
                            "commit.lua answered {other:?} for request {n}"
                        )))),
                    },
                    Err(StoreError::Redis(e)) => Err(StoreError::Redis(e.clone()).into()),
                    Err(e) => Err(StoreError::Other(e.to_string()).into()),
                });
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(CommitError::Conflict)))
            .collect()
    }
}

/// The `EVALSHA` of `commit.lua` for `segments` of one partition, built as one command (its
/// arguments in one buffer) rather than with `prepare_invoke`, which keeps each argument in
/// a buffer of its own and copies them all again into the command it sends.
pub(super) fn script_call<'a>(
    keys: &PartitionKeys,
    token: &str,
    segments: impl Iterator<Item = &'a Segment> + Clone,
) -> redis::Cmd {
    let partition_keys = [
        &keys.lease,
        &keys.queue,
        &keys.timers,
        &keys.active,
        &keys.expiry,
        &keys.counts,
    ];
    let nkeys = partition_keys.len() + segments.clone().map(|s| s.keys.len()).sum::<usize>();
    let mut call = redis::cmd("EVALSHA");
    call.arg(SCRIPTS.commit.get_hash()).arg(nkeys);
    for key in partition_keys {
        call.arg(key);
    }
    for key in segments.clone().flat_map(|s| &s.keys) {
        call.arg(key);
    }
    call.arg(token).arg(segments.clone().count());
    for segment in segments {
        segment.each_arg(|arg| {
            call.arg(arg);
        });
    }
    call
}
