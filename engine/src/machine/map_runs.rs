//! Map Runs: what `DescribeMapRun` and `ListMapRuns` read about a distributed Map.
//!
//! Each start of a distributed Map (`MapRunStarted`) adds a [`MapRun`] to the execution's
//! record head (`Execution::map_runs`): its configuration, its status and dates, and
//! five item counters the core keeps as the Map runs — items in all, started, succeeded,
//! failed, aborted (running and pending follow from them). The head is written with every
//! transition anyway, so the counters cost a few bytes and no extra write, and they stay
//! once the Map (or the execution) has ended, when no frame holds its progress any more.
//!
//! The Map Run ARN is AWS's
//! `arn:aws:states:<region>:<account>:mapRun:<state machine>/<label or state name>:<uuid>`;
//! the uuid is derived from the execution id and the run's Children id (unique in the
//! execution, kept by a redrive), so the same run always has the same ARN and no
//! randomness is needed.

use serde::{Deserialize, Serialize};

use serde_json::Value;

use baton_definitions::State;
use baton_definitions::model::Map;

use super::execution::{Execution, Step};
use super::settings::Settings;
use super::step::Cx;

/// A Map Run's status, as AWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MapRunStatus {
    Running,
    Succeeded,
    Failed,
    Aborted,
}

impl MapRunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MapRunStatus::Running => "RUNNING",
            MapRunStatus::Succeeded => "SUCCEEDED",
            MapRunStatus::Failed => "FAILED",
            MapRunStatus::Aborted => "ABORTED",
        }
    }
}

/// One run of a distributed Map, kept in the record head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRun {
    /// The Children id of the run: names it in its ARN.
    #[serde(rename = "c")]
    pub children: u32,
    /// The frame that runs the Map state.
    #[serde(rename = "f")]
    pub frame: u32,
    /// `Label`, or the Map state's name.
    #[serde(rename = "l")]
    pub label: String,
    #[serde(rename = "st")]
    pub status: MapRunStatus,
    #[serde(rename = "t0")]
    pub start_ms: i64,
    #[serde(rename = "t1", default, skip_serializing_if = "Option::is_none")]
    pub stop_ms: Option<i64>,
    /// `MaxConcurrency` as configured (0: not set).
    #[serde(rename = "mc", default)]
    pub max_concurrency: u64,
    #[serde(rename = "tc", default)]
    pub tolerated_count: u64,
    #[serde(rename = "tp", default)]
    pub tolerated_percentage: f64,
    /// Items in all.
    #[serde(rename = "n", default)]
    pub total: u64,
    /// Items started (iterations launched).
    #[serde(rename = "go", default)]
    pub started: u64,
    #[serde(rename = "ok", default)]
    pub succeeded: u64,
    #[serde(rename = "ko", default)]
    pub failed: u64,
    #[serde(rename = "ab", default)]
    pub aborted: u64,
    #[serde(rename = "rc", default)]
    pub redrive_count: u32,
    #[serde(rename = "rt", default, skip_serializing_if = "Option::is_none")]
    pub redrive_ms: Option<i64>,
}

impl MapRun {
    /// Iterations running now.
    pub fn running(&self) -> u64 {
        (self.started).saturating_sub(self.succeeded + self.failed + self.aborted)
    }

    /// Items not started yet.
    pub fn pending(&self) -> u64 {
        self.total.saturating_sub(self.started)
    }

    /// The uuid of this run's ARN, from the execution id and the Children id.
    pub fn uuid(&self, execution_id: &str) -> String {
        run_uuid(execution_id, self.children)
    }

    pub fn arn(&self, settings: &Settings, exec: &Execution) -> String {
        format!(
            "arn:aws:states:{}:{}:mapRun:{}/{}:{}",
            settings.region,
            settings.account,
            exec.state_machine,
            self.label,
            self.uuid(&exec.id)
        )
    }
}

impl Cx<'_> {
    /// A distributed Map starts its run `children` in frame `f`: records it (not in a
    /// quiet frame, which writes no history) and returns its ARN.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_map_run(
        &mut self,
        f: u32,
        state: &State,
        map: &Map,
        children: u32,
        total: usize,
        max: Option<u64>,
        tolerated: (Option<u64>, Option<f64>),
    ) -> Value {
        let now = self.now;
        // A run the frame left open (its Map failed and is retried) has failed.
        if let Some(old) = self.exec.open_map_run(f) {
            old.aborted += old.running();
            old.status = MapRunStatus::Failed;
            old.stop_ms = Some(now);
        }
        let run = MapRun {
            children,
            frame: f,
            label: map.label.clone().unwrap_or_else(|| state.name.clone()),
            status: MapRunStatus::Running,
            start_ms: now,
            stop_ms: None,
            max_concurrency: max.unwrap_or(0),
            tolerated_count: tolerated.0.unwrap_or(0),
            tolerated_percentage: tolerated.1.unwrap_or(0.0),
            total: total as u64,
            started: 0,
            succeeded: 0,
            failed: 0,
            aborted: 0,
            redrive_count: 0,
            redrive_ms: None,
        };
        let arn = run.arn(self.settings, self.exec);
        if !self.exec.frames.get(&f).is_some_and(|fr| fr.quiet) {
            self.exec.map_runs.push(run);
        }
        Value::from(arn)
    }

    /// Frame `f`'s Map run ended (`Succeeded` or `Failed`).
    pub(super) fn end_map_run(&mut self, f: u32, status: MapRunStatus) {
        let now = self.now;
        if let Some(run) = self.exec.open_map_run(f) {
            run.aborted += run.running();
            run.status = status;
            run.stop_ms = Some(now);
        }
    }

    /// An iteration of frame `f`'s Map run ended; `None` when it was aborted.
    pub(super) fn count_map_item(&mut self, f: u32, succeeded: Option<bool>) {
        if let Some(run) = self.exec.open_map_run(f) {
            match succeeded {
                Some(true) => run.succeeded += 1,
                Some(false) => run.failed += 1,
                None => run.aborted += 1,
            }
        }
    }
}

/// A name-based uuid (version 8, RFC 9562) from two FNV-1a 64-bit hashes.
pub fn run_uuid(execution_id: &str, children: u32) -> String {
    let fnv = |seed: u64| {
        let mut hash = seed;
        let bytes = execution_id
            .bytes()
            .chain([0])
            .chain(children.to_be_bytes());
        for byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&fnv(0xcbf2_9ce4_8422_2325).to_be_bytes());
    bytes[8..].copy_from_slice(&fnv(0x6c62_272e_07bb_0142).to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes).to_string()
}

impl Execution {
    /// The open run of frame `f` (at most one: a frame runs one Map at a time).
    pub fn open_map_run(&mut self, f: u32) -> Option<&mut MapRun> {
        (self.map_runs.iter_mut())
            .rev()
            .find(|r| r.frame == f && r.status == MapRunStatus::Running)
    }

    /// Ends every open run (the execution ended around them): `ABORTED`, their running
    /// iterations aborted.
    pub fn abort_map_runs(&mut self, now: i64) {
        for run in &mut self.map_runs {
            if run.status == MapRunStatus::Running {
                run.aborted += run.running();
                run.status = MapRunStatus::Aborted;
                run.stop_ms = Some(now);
            }
        }
    }

    /// Frame `f` runs its Children `children` again after a redrive: its run is `RUNNING`
    /// once more, the items whose results are kept (`kept`: successes, tolerated failures)
    /// counted as before, the others running again or pending (`next` items started).
    /// Returns the run.
    pub fn redrive_map_run(
        &mut self,
        f: u32,
        children: u32,
        (kept, next): (u64, u64),
        now: i64,
    ) -> Option<&MapRun> {
        let run = (self.map_runs.iter_mut())
            .rev()
            .find(|r| r.frame == f && r.children == children)?;
        run.status = MapRunStatus::Running;
        run.stop_ms = None;
        run.redrive_count += 1;
        run.redrive_ms = Some(now);
        run.aborted = 0;
        run.failed = kept.saturating_sub(run.succeeded);
        run.started = next;
        Some(run)
    }

    /// Copies frame `f`'s started count from its Children (after launching items).
    pub fn sync_map_run(&mut self, f: u32) {
        let next = match self.frames.get(&f).map(|fr| &fr.step) {
            Some(Step::Children(c)) if c.distributed => u64::from(c.next),
            _ => return,
        };
        if let Some(run) = self.open_map_run(f) {
            run.started = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_uuids_are_stable_and_distinct() {
        let a = run_uuid("orders:run-1", 3);
        assert_eq!(a, run_uuid("orders:run-1", 3));
        assert_ne!(a, run_uuid("orders:run-1", 4));
        assert_ne!(a, run_uuid("orders:run-2", 3));
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 8);
    }
}
