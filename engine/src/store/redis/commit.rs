//! `Store::commit`: a batch of transitions in one `commit.lua` call, each request encoded
//! as a [`Segment`], those of one execution merged into one (`coalesce.rs`).

use std::collections::HashSet;

use super::PartitionKeys;
use super::coalesce::{Shape, member_code, merge, plan};
use super::segment::Segment;
use super::{RedisStore, SCRIPTS};
use crate::store::record::PartKey;
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
        let pack = self.packs_parked();
        let mut sent: Vec<usize> = Vec::with_capacity(requests.len());
        for (i, request) in requests.iter().enumerate() {
            if placed[i] && request.record.head.seq != 0 {
                sent.push(i);
            } else {
                results[i] = Some(Err(CommitError::Conflict));
            }
        }
        let shapes: Vec<Shape<'_>> = (sent.iter())
            .map(|&i| Shape::of_request(&requests[i]))
            .collect();
        let mut groups = Vec::new();
        for members in plan(&shapes) {
            match group_segments(&members, |m| &requests[sent[m]], &keys, pack) {
                Ok(segments) => groups.push(merge(members, segments)),
                // A request that cannot be encoded fails with its group.
                Err(e) => {
                    for m in members {
                        results[sent[m]] = Some(Err(StoreError::Other(e.to_string()).into()));
                    }
                }
            }
        }
        if !groups.is_empty() {
            let merged = groups.iter().map(|g| g.members.len() - 1).sum::<usize>();
            metrics::counter!("baton_store_commits_merged_total").increment(merged as u64);
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
            for (n, group) in groups.iter().enumerate() {
                for (k, &m) in group.members.iter().enumerate() {
                    results[sent[m]] = Some(match &codes {
                        Ok(codes) => match codes.get(n).map(|&code| member_code(k, code)) {
                            Some(0) => Ok(()),
                            Some(1) => Err(CommitError::Conflict),
                            Some(2) => Err(CommitError::LeaseLost),
                            Some(3) => Err(CommitError::CallbackPending),
                            other => Err(CommitError::Store(StoreError::Corrupt(format!(
                                "commit.lua answered {other:?} for segment {n}"
                            )))),
                        },
                        Err(StoreError::Redis(e)) => Err(StoreError::Redis(e.clone()).into()),
                        Err(e) => Err(StoreError::Other(e.to_string()).into()),
                    });
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(CommitError::Conflict)))
            .collect()
    }
}

/// The segments of one group of requests (`request(m)` for each member `m`, in order):
/// the last one whole, each earlier one without what a later one writes again. Without
/// `pack`, no segment asks to pack a parked execution (`<prefix>:meta`'s `formats`).
pub(super) fn group_segments<'a>(
    members: &[usize],
    request: impl Fn(usize) -> &'a CommitRequest,
    keys: &PartitionKeys,
    pack: bool,
) -> Result<Vec<Segment>> {
    let mut later: HashSet<PartKey> = HashSet::new();
    let mut segments = Vec::with_capacity(members.len());
    for (n, &m) in members.iter().enumerate().rev() {
        let r = request(m);
        let last = n + 1 == members.len();
        let mut segment = Segment::new(r, keys, (!last).then_some(&later))?;
        segment.park &= pack;
        segments.push(segment);
        if n > 0 {
            later.extend(r.record.set.iter().map(|(key, _)| *key));
            later.extend(r.record.removed.iter().map(|f| PartKey::Frame(*f)));
        }
    }
    segments.reverse();
    Ok(segments)
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
