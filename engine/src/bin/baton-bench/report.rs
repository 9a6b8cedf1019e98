//! The JSON line every mode ends with: one shape, members that do not apply are null.

use serde::Serialize;

use crate::args::Args;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// `throughput`, `parked` or `summary` (after several throughput runs).
    pub mode: &'static str,
    /// `memory`, `redis` or `cluster`.
    pub store: &'static str,
    /// 1-based number of this throughput run.
    pub run: Option<u64>,
    pub runs: Option<u64>,
    pub executions: Option<u64>,
    pub loops: Option<u64>,
    pub partitions: u32,
    pub workers: u64,
    pub succeeded: Option<u64>,
    pub transitions: Option<u64>,
    pub seconds: Option<f64>,
    pub transitions_per_sec: Option<f64>,
    /// Summary: the slowest and fastest run, and slowest ÷ fastest.
    pub transitions_per_sec_min: Option<f64>,
    pub transitions_per_sec_max: Option<f64>,
    pub slowest_over_fastest: Option<f64>,
    pub parked: Option<u64>,
    pub seconds_to_park: Option<f64>,
    /// This process's resident set at the end of the run (`VmRSS`) and its peak (`VmHWM`).
    pub engine_rss_bytes: Option<u64>,
    pub engine_peak_rss_bytes: Option<u64>,
    pub redis_bytes_per_parked_execution: Option<f64>,
    pub redis_used_memory_delta: Option<i64>,
}

impl Report {
    pub fn new(mode: &'static str, a: &Args) -> Report {
        Report {
            mode,
            store: a.store_name(),
            partitions: a.partitions,
            workers: a.workers,
            engine_rss_bytes: proc_status_bytes("VmRSS:"),
            engine_peak_rss_bytes: proc_status_bytes("VmHWM:"),
            ..Report::default()
        }
    }

    /// The summary of several throughput runs.
    pub fn summary(a: &Args, runs: &[Report]) -> Report {
        let rates: Vec<f64> = runs.iter().filter_map(|r| r.transitions_per_sec).collect();
        let min = rates.iter().copied().reduce(f64::min);
        let max = rates.iter().copied().reduce(f64::max);
        Report {
            runs: Some(runs.len() as u64),
            executions: Some(a.executions),
            loops: Some(a.loops),
            succeeded: Some(runs.iter().filter_map(|r| r.succeeded).sum()),
            transitions: Some(runs.iter().filter_map(|r| r.transitions).sum()),
            seconds: Some(runs.iter().filter_map(|r| r.seconds).sum()),
            transitions_per_sec_min: min,
            transitions_per_sec_max: max,
            slowest_over_fastest: min.zip(max).map(|(min, max)| round3(min / max)),
            ..Report::new("summary", a)
        }
    }

    pub fn print(&self) {
        println!(
            "{}",
            serde_json::to_string(self).expect("a report serializes")
        );
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A `kB` line of `/proc/self/status` in bytes (`None` where there is no such file).
pub fn proc_status_bytes(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
