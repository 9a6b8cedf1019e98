//! The partition layout, and how it grows on a running deployment.
//!
//! An execution lives in partition `partition_of(id, count)` of the count in force when it
//! started, and stays there. `<prefix>:meta` keeps every count ever used (`layouts`,
//! oldest first, each larger than the one before; `partitions` is the newest): raising
//! the count adds partitions `old..new`, and the old ones remain partitions of the new
//! layout with the same keys. So nothing is moved. Finding an execution by id means
//! looking at its partition under each count, newest first ([`RedisStore::locate`]) —
//! with one count (the common case) that is no read at all.
//!
//! Two processes may disagree on the count for a few seconds (each re-reads `meta` every
//! [`REFRESH_EVERY`], and at once when something looks out of date). Names stay unique
//! through fences: each partition keeps `{p<N>}:layout`, the largest count anyone started
//! an execution under or fenced it with. A start under count `c` first fences the id's
//! partition under every older count (atomically: raise the fence to `c`, and answer the
//! execution if it is there), then creates the execution in its partition under `c`,
//! where the script refuses (`stale`) if the fence says a larger count exists. A process
//! with an old count is so either refused (and re-reads `meta`) or its start happened
//! before the fence, which then finds it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{PACK_PARKED, PartitionKeys, RedisStore, SCRIPTS, Stored, text};
use crate::clock::now_ms;
use crate::store::{Partition, Result, StoreError, partition_of};

/// How often a store re-reads the layout by itself.
pub(super) const REFRESH_EVERY: Duration = Duration::from_secs(5);
/// The largest partition count (a few keys and one lease each; more is waste).
pub const MAX_PARTITIONS: u32 = 16_384;

/// The counts used so far and the keys of the current partitions.
pub(super) struct Layout {
    /// Oldest first; strictly increasing; the last is the count for new executions.
    pub counts: Vec<u32>,
    pub keys: Vec<PartitionKeys>,
}

impl Layout {
    pub fn new(prefix: &str, counts: Vec<u32>) -> Layout {
        let current = counts.last().copied().unwrap_or(1);
        Layout {
            keys: (0..current)
                .map(|p| PartitionKeys::new(prefix, p))
                .collect(),
            counts,
        }
    }

    pub fn current(&self) -> u32 {
        self.keys.len() as u32
    }

    /// Whether `id` may live in partition `p` (under some count used so far).
    pub fn places(&self, id: &str, p: Partition) -> bool {
        self.counts
            .iter()
            .any(|&count| partition_of(id, count) == p)
    }

    /// The partitions `id` may live in, newest count first, each once.
    pub fn candidates(&self, id: &str) -> Vec<Partition> {
        let mut out: Vec<Partition> = Vec::with_capacity(self.counts.len());
        for &count in self.counts.iter().rev() {
            let p = partition_of(id, count);
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// The keys of one partition of a layout (the layout may be replaced meanwhile).
pub(super) struct Keys {
    layout: Arc<Layout>,
    p: usize,
}

impl std::ops::Deref for Keys {
    type Target = PartitionKeys;
    fn deref(&self) -> &PartitionKeys {
        &self.layout.keys[self.p]
    }
}

/// Reads `partitions` and `layouts` of `meta` (`layouts` is absent before the first
/// change of count).
pub(super) fn parse_counts(
    meta: &str,
    partitions: Option<&str>,
    layouts: Option<&str>,
) -> Result<Vec<u32>> {
    let corrupt = || {
        StoreError::Corrupt(format!(
            "{meta} holds partitions = {partitions:?}, layouts = {layouts:?}"
        ))
    };
    let current: u32 = partitions
        .and_then(|p| p.parse().ok())
        .filter(|n| (1..=MAX_PARTITIONS).contains(n))
        .ok_or_else(corrupt)?;
    let counts: Vec<u32> = match layouts {
        None => vec![current],
        Some(list) => list
            .split(',')
            .map(|c| c.parse::<u32>().map_err(|_| corrupt()))
            .collect::<Result<_>>()?,
    };
    let increasing = counts.windows(2).all(|w| w[0] < w[1]);
    if !increasing || counts.first() == Some(&0) || counts.last() != Some(&current) {
        return Err(corrupt());
    }
    Ok(counts)
}

impl RedisStore {
    pub(super) fn layout(&self) -> Arc<Layout> {
        let layout = self
            .inner
            .layout
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let last = self.inner.layout_read_ms.load(Ordering::Relaxed);
        if now_ms() - last > REFRESH_EVERY.as_millis() as i64
            && self
                .inner
                .layout_read_ms
                .compare_exchange(last, now_ms(), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let store = self.clone();
            runtime.spawn(async move {
                if let Err(error) = store.refresh_layout().await {
                    error.count("refresh_layout");
                }
            });
        }
        layout
    }

    pub(super) fn keys(&self, p: Partition) -> Keys {
        let layout = self.layout();
        let p = p as usize % layout.keys.len();
        Keys { layout, p }
    }

    /// Re-reads the layout from `meta`; true when it changed.
    pub(super) async fn refresh_layout(&self) -> Result<bool> {
        let meta = format!("{}:meta", self.inner.prefix);
        let (partitions, layouts, pack): Stored = redis::cmd("HMGET")
            .arg(&meta)
            .arg("partitions")
            .arg("layouts")
            .arg(PACK_PARKED)
            .query_async(&mut self.con())
            .await?;
        let counts = parse_counts(&meta, partitions.as_deref(), layouts.as_deref())?;
        self.inner.layout_read_ms.store(now_ms(), Ordering::Relaxed);
        (self.inner.pack_parked).store(pack.as_deref() == Some("1"), Ordering::Relaxed);
        let mut layout = self.inner.layout.write().unwrap_or_else(|e| e.into_inner());
        // Counts only grow: an answer older than what is known changes nothing.
        if counts.last() <= layout.counts.last() {
            return Ok(false);
        }
        tracing::info!(
            from = ?layout.counts,
            to = ?counts,
            "the partition count changed"
        );
        *layout = Arc::new(Layout::new(&self.inner.prefix, counts));
        Ok(true)
    }

    /// The partition `id` lives in: under one count, that count's (no read); under
    /// several, the first of [`Layout::candidates`] holding its record, re-reading the
    /// layout once if none does. `None`: the execution does not exist.
    pub(super) async fn locate(&self, id: &str) -> Result<Option<Partition>> {
        for attempt in 0..2 {
            let layout = self.layout();
            if layout.counts.len() == 1 && attempt == 0 {
                return Ok(Some(partition_of(id, layout.current())));
            }
            let candidates = layout.candidates(id);
            for p in candidates {
                let exists: bool = redis::cmd("EXISTS")
                    .arg(layout.keys[p as usize].record(id))
                    .query_async(&mut self.con())
                    .await?;
                if exists {
                    return Ok(Some(p));
                }
            }
            if !self.refresh_layout().await? {
                break;
            }
        }
        Ok(None)
    }

    /// [`RedisStore::locate`], or the partition of the newest count when it finds nothing.
    pub(super) async fn partition_or_newest(&self, id: &str) -> Result<Partition> {
        match self.locate(id).await? {
            Some(p) => Ok(p),
            None => Ok(partition_of(id, self.layout().current())),
        }
    }

    /// Makes `count` the partition count for new executions (it must be larger than the
    /// current one); answers every count used so far. Running processes follow within
    /// [`REFRESH_EVERY`]; until then their starts stay correct (see the module).
    pub async fn set_partitions(&self, count: u32) -> Result<Vec<u32>> {
        let meta = format!("{}:meta", self.inner.prefix);
        let reply: redis::Value = SCRIPTS
            .set_partitions
            .key(&meta)
            .arg(count)
            .arg(MAX_PARTITIONS)
            .invoke_async(&mut self.con())
            .await?;
        let reply = text(reply)?;
        if let Some(reason) = reply.strip_prefix("refused: ") {
            return Err(StoreError::Other(reason.to_owned()));
        }
        self.refresh_layout().await?;
        Ok(self.layout().counts.clone())
    }

    /// Whether commits that park an execution pack it (`packed.lua`), as last read with the
    /// layout (which [`RedisStore::layout`] keeps fresh).
    pub fn packs_parked(&self) -> bool {
        self.inner.pack_parked.load(Ordering::Relaxed)
    }

    /// Turns packing of parked executions on or off for every process on this prefix
    /// (they follow within [`REFRESH_EVERY`]). Turn it on only once no process of a version
    /// before packing runs: those cannot read a packed record. Off, packed executions stay
    /// readable and unpack at their next write.
    pub async fn set_pack_parked(&self, on: bool) -> Result<bool> {
        let meta = format!("{}:meta", self.inner.prefix);
        redis::cmd("HSET")
            .arg(&meta)
            .arg(PACK_PARKED)
            .arg(if on { "1" } else { "0" })
            .query_async::<()>(&mut self.con())
            .await?;
        self.refresh_layout().await?;
        Ok(self.packs_parked())
    }

    /// Every count used so far, oldest first (as stored now).
    pub async fn partition_counts(&self) -> Result<Vec<u32>> {
        self.refresh_layout().await?;
        Ok(self.layout().counts.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_newest_first_without_repeats() {
        let layout = Layout::new("b", vec![4, 16, 64]);
        assert_eq!(layout.current(), 64);
        for id in ["sm:a", "sm:b", "sm:c", "x:y"] {
            let c = layout.candidates(id);
            assert_eq!(c[0], partition_of(id, 64));
            let mut expected = vec![partition_of(id, 64)];
            for n in [16, 4] {
                if !expected.contains(&partition_of(id, n)) {
                    expected.push(partition_of(id, n));
                }
            }
            assert_eq!(c, expected);
            for p in 0..64 {
                assert_eq!(layout.places(id, p), c.contains(&p), "{id} in {p}");
            }
        }
    }

    #[test]
    fn stored_counts_must_be_sane() {
        let m = "b:meta";
        assert_eq!(parse_counts(m, Some("16"), None).unwrap(), [16]);
        assert_eq!(
            parse_counts(m, Some("64"), Some("16,64")).unwrap(),
            [16, 64]
        );
        for (p, l) in [
            (None, None),
            (Some("0"), None),
            (Some("x"), None),
            (Some("64"), Some("64,16")),
            (Some("64"), Some("16,32")),
            (Some("16"), Some("16,16")),
            (Some("16"), Some("0,16")),
            (Some("99999"), None),
        ] {
            assert!(
                matches!(parse_counts(m, p, l), Err(StoreError::Corrupt(_))),
                "{p:?} {l:?}"
            );
        }
    }
}
