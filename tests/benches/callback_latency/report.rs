//! The figures of one run, as lines and as one JSON line.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::Args;
use crate::load::Sent;
use crate::service::Loopback;
use crate::stats::Summary;

/// What one run measured besides the callbacks themselves.
#[derive(Debug)]
pub struct Run<'a> {
    pub args: &'a Args,
    pub svc: &'a Loopback,
    pub sent: &'a [Sent],
    pub start: Instant,
    /// The harness's HTTP floor: the same open loop against the loopback echo.
    pub floor: Summary,
    pub set_per_sec: f64,
    /// Seconds until every start was answered, and until every execution was parked.
    pub park: (f64, f64),
    /// Wall seconds of the open loop, and CPU seconds of baton, redis-server and the harness.
    pub wall: f64,
    pub cpu: [f64; 3],
    /// The machine's busy and stolen CPU seconds in the open loop (`setup::machine_seconds`),
    /// and the CPU seconds of redis-server's children that ended in it (its AOF rewrites).
    pub machine: (f64, f64, f64),
    /// `/proc/loadavg` before and after the open loop.
    pub load: (String, String),
    /// Baton's own metrics over the open loop: a line and its JSON.
    pub baton: (String, Value),
    /// Redis's commands over the open loop, per callback: a line and its JSON.
    pub redis: (String, Value),
    /// When redis-server had a child (an AOF rewrite), and the AOF's growth (`forks.rs`).
    pub forks: crate::forks::Seen,
}

fn summary(sent: &[Sent], f: impl Fn(&Sent) -> Duration) -> Summary {
    Summary::of(&sent.iter().map(f).collect::<Vec<_>>())
}

/// Prints the run's figures; true when every callback was accepted and reached the Task.
pub fn report(run: &Run<'_>) -> bool {
    let (a, sent) = (run.args, run.sent);
    let errors: Vec<&str> = sent.iter().filter_map(|s| s.error.as_deref()).collect();
    let (mut entered, mut from_sent, mut missing) = (Vec::new(), Vec::new(), 0);
    // The same latency, split by whether the callback was scheduled while redis-server had
    // a child or within a second after.
    let (mut in_fork, mut no_fork) = (Vec::new(), Vec::new());
    for (i, s) in sent.iter().enumerate().filter(|(_, s)| s.error.is_none()) {
        match run.svc.rec.arrival(i) {
            Some(at) => {
                let latency = at.saturating_duration_since(s.scheduled);
                entered.push(latency);
                from_sent.push(at.saturating_duration_since(s.sent));
                if crate::forks::within(&run.forks.windows, s.scheduled) {
                    in_fork.push(latency);
                } else {
                    no_fork.push(latency);
                }
            }
            None => missing += 1,
        }
    }
    let (entered, from_sent) = (Summary::of(&entered), Summary::of(&from_sent));
    let (in_fork, no_fork) = (Summary::of(&in_fork), Summary::of(&no_fork));
    let post = summary(sent, |s| s.answered - s.scheduled);
    let lag = summary(sent, |s| s.sent - s.scheduled);
    let first = sent.iter().map(|s| s.sent).min().unwrap_or(run.start);
    let last = sent.iter().map(|s| s.sent).max().unwrap_or(run.start);
    let achieved = (sent.len() - 1) as f64 / (last - first).as_secs_f64().max(1e-9);
    println!("{}", entered.line("callback → next state entered"));
    println!("{}", post.line("callback POST answered"));
    println!("{}", lag.line("sender lag (scheduled → sent)"));
    println!("{}", from_sent.line("sent → next state entered"));
    let fork_seconds: f64 = (run.forks.windows.iter())
        .map(|(from, to)| (*to - *from).as_secs_f64())
        .fold(0.0, |sum, s| sum + s); // `sum()` of none is -0.0
    let aof_per_callback = run.forks.aof_bytes as f64 / sent.len().max(1) as f64;
    println!(
        "AOF appended {:.1} MB ({aof_per_callback:.0} bytes per callback); redis-server had a child (AOF rewrite) {} times, {fork_seconds:.1} s with the second after each:",
        run.forks.aof_bytes as f64 / 1e6,
        run.forks.windows.len()
    );
    println!("{}", in_fork.line("  … scheduled in those seconds"));
    println!("{}", no_fork.line("  … scheduled in the others"));
    println!(
        "achieved {achieved:.1} callbacks/s (target {}); {} errors, {missing} accepted but never reached the Task, {} stray requests",
        a.rate,
        errors.len(),
        run.svc.rec.strays()
    );
    for e in errors.iter().take(3) {
        println!("  error: {e}");
    }
    println!("{}", run.baton.0);
    println!("{}", run.redis.0);
    let (wall, cpu) = (run.wall, run.cpu);
    println!(
        "CPU during the open loop ({wall:.1} s): baton {:.1} s, redis-server {:.1} s, this harness {:.1} s; load average {} before, {} after",
        cpu[0], cpu[1], cpu[2], run.load.0, run.load.1
    );
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let (busy, stolen, rewrites) = run.machine;
    // `/proc/stat` in a guest: seen once at 25 s busy while the processes above counted 61 s
    // (their times include what the host took): read it beside them, not as their sum.
    println!(
        "redis-server's AOF rewrite children: {rewrites:.1} s of CPU; the machine (/proc/stat): {busy:.1} s busy of {:.1} ({cpus} CPUs), {stolen:.2} s stolen by the hypervisor",
        cpus * wall
    );
    println!(
        "p99 callback → next state entered: {:.3} ms (target < 2 ms); the harness's HTTP floor p99 {:.3} ms",
        entered.p99, run.floor.p99
    );
    let (starts, parked) = run.park;
    println!(
        "{}",
        json!({"bench": "callback_latency", "parked": a.parked, "rate": a.rate, "seconds": a.seconds,
               "seconds_to_start": starts, "seconds_to_park": parked,
               "achieved_rate": (achieved * 10.0).round() / 10.0, "errors": errors.len(), "missing": missing,
               "entered_ms": entered.json(), "post_ms": post.json(), "sender_lag_ms": lag.json(),
               "sent_to_entered_ms": from_sent.json(), "http_floor_ms": run.floor.json(),
               "aof_bytes_per_callback": aof_per_callback.round(),
               "redis_children": run.forks.windows.len(), "redis_child_seconds": fork_seconds,
               "entered_during_child_ms": in_fork.json(), "entered_otherwise_ms": no_fork.json(),
               "redis_set_per_sec": run.set_per_sec.round(), "baton_metrics": run.baton.1,
               "redis_per_callback": run.redis.1,
               "cpu_seconds": {"baton": cpu[0], "redis": cpu[1], "harness": cpu[2], "wall": wall},
               "machine_seconds": {"busy": busy, "stolen": stolen, "capacity": cpus * wall,
                                   "redis_rewrite_children": rewrites},
               "load_average": [run.load.0, run.load.1]})
    );
    errors.is_empty() && missing == 0
}

/// Writes `i,scheduled,sent,answered,entered` per callback, in Unix microseconds (entered
/// empty when the Task request never came), for lining up with `redis-cli monitor`.
pub fn timeline(path: &str, sent: &[Sent], svc: &Loopback) {
    let (now, unix) = (Instant::now(), SystemTime::now());
    let us = |at: Instant| {
        let at = if at <= now {
            unix - (now - at)
        } else {
            unix + (at - now)
        };
        at.duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_micros()
    };
    let mut csv = String::from("i,scheduled,sent,answered,entered\n");
    for (i, s) in sent.iter().enumerate() {
        let entered = svc.rec.arrival(i).map(|at| us(at).to_string());
        csv.push_str(&format!(
            "{i},{},{},{},{}\n",
            us(s.scheduled),
            us(s.sent),
            us(s.answered),
            entered.unwrap_or_default()
        ));
    }
    std::fs::write(path, csv).unwrap_or_else(|e| panic!("write {path}: {e}"));
}
