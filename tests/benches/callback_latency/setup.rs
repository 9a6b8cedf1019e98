//! What the benchmark starts and measures beside Baton: `redis-server` with AOF everysec
//! (as in production), its `redis-benchmark` baseline, and the CPU time of processes.

use std::process::Command;

use baton_engine::testing::redis_server::RedisServer;
use baton_engine::testing::resp::{self, Reply};
use baton_tests::rest::Rest;

/// A fresh `redis-server` on a free port with `appendonly yes`, `appendfsync everysec`;
/// prints its configuration. Panics when `redis-server` is not on `PATH`.
pub fn start_redis(config: &[(String, String)]) -> RedisServer {
    let mut args = vec!["--appendonly", "yes", "--appendfsync", "everysec"];
    let flags: Vec<String> = config.iter().map(|(name, _)| format!("--{name}")).collect();
    for ((_, value), flag) in config.iter().zip(&flags) {
        args.extend([flag.as_str(), value.as_str()]);
    }
    let redis = RedisServer::start_with(&args).expect("redis-server");
    let get = |p: &str| match redis.command(&["CONFIG", "GET", p]) {
        Ok(Reply::Array(Some(v))) => v.get(1).and_then(|r| r.text().ok()).unwrap_or_default(),
        other => panic!("CONFIG GET {p}: {other:?}"),
    };
    let version = redis.info("server")["redis_version"].clone();
    println!(
        "redis-server {version} on port {}: appendonly {}, appendfsync {}, save {:?}, auto-aof-rewrite-percentage {}, dir {}",
        redis.port(),
        get("appendonly"),
        get("appendfsync"),
        get("save"),
        get("auto-aof-rewrite-percentage"),
        get("dir")
    );
    redis
}

/// `redis-benchmark -q -t set -P 16 -n 200000` against `port`: SET/s.
pub fn redis_benchmark(port: u16) -> f64 {
    let out = Command::new("redis-benchmark")
        .args([
            "-p",
            &port.to_string(),
            "-q",
            "-t",
            "set",
            "-P",
            "16",
            "-n",
            "200000",
        ])
        .output()
        .expect("redis-benchmark runs (Debian: apt-get install redis-tools)");
    let text = String::from_utf8_lossy(&out.stdout);
    // "SET: 1234567.88 requests per second, p50=0.351 msec" (after \r progress lines)
    text.rsplit('\r')
        .flat_map(str::lines)
        .find_map(|l| l.strip_prefix("SET: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("redis-benchmark printed no SET figure: {text}"))
}

/// CPU seconds (user + system) of process `pid` so far.
pub fn cpu_seconds(pid: &str) -> f64 {
    stat_seconds(pid, [11, 12])
}

/// CPU seconds (user + system) of process `pid`'s children that it has waited for: for
/// redis-server, its AOF rewrites' children once they ended.
pub fn children_cpu_seconds(pid: &str) -> f64 {
    stat_seconds(pid, [13, 14])
}

/// The sum of two fields of `/proc/<pid>/stat`, counted after the command name (state is
/// field 0, utime 11, stime 12, cutime 13, cstime 14; clock ticks of 10 ms).
fn stat_seconds(pid: &str, at: [usize; 2]) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(at[0]) + ticks(at[1])) / 100.0
}

/// The whole machine's CPU so far, from `/proc/stat`, in seconds summed over its CPUs:
/// (busy: user, nice, system, irq and softirq; stolen: the hypervisor ran another guest
/// while this one had work). Every process counts, Redis's rewrite children included.
pub fn machine_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = (stat.lines().next().unwrap_or(""))
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    let at = |i: usize| ticks.get(i).copied().unwrap_or(0.0) / 100.0;
    // user nice system idle iowait irq softirq steal …
    (at(0) + at(1) + at(2) + at(5) + at(6), at(7))
}

/// Baton's `/metrics` (Prometheus text), read once: sums over every label set.
#[derive(Debug, Default)]
pub struct Metrics(Vec<(String, f64)>);

impl Metrics {
    pub async fn scrape(rest: &Rest) -> Metrics {
        let text = rest
            .request(reqwest::Method::GET, "/metrics")
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("GET /metrics")
            .text()
            .await
            .expect("the metrics");
        let series = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.rsplit_once(' '))
            .filter_map(|(series, value)| Some((series.to_owned(), value.parse().ok()?)))
            .collect();
        Metrics(series)
    }

    /// The sum of every series named `name` whose labels contain `label` (`""`: any).
    pub fn sum(&self, name: &str, label: &str) -> f64 {
        self.0
            .iter()
            .filter(|(s, _)| s == name || s.starts_with(&format!("{name}{{")))
            .filter(|(s, _)| s.contains(label))
            .map(|(_, v)| v)
            .sum()
    }

    /// What Baton measured between `self` and `later`: commit batches (how many, mean
    /// time, share within 1 and 2.5 ms), transitions per batch, and the callbacks' wait
    /// from queued to applied (ms steps: stream ids).
    pub fn describe(&self, later: &Metrics) -> (String, serde_json::Value) {
        let d = |name: &str, label: &str| later.sum(name, label) - self.sum(name, label);
        let commits = d("baton_store_commit_seconds_count", "");
        let commit_ms = d("baton_store_commit_seconds_sum", "") / commits.max(1.0) * 1e3;
        let within = |le: &str| {
            d("baton_store_commit_seconds_bucket", &format!("le=\"{le}\"")) / commits.max(1.0)
        };
        let transitions = d("baton_transitions_total", "");
        let resumes = d("baton_callback_resume_seconds_count", "");
        let resume_ms = d("baton_callback_resume_seconds_sum", "") / resumes.max(1.0) * 1e3;
        let line = format!(
            "baton's metrics: {commits:.0} commit batches, mean {commit_ms:.3} ms ({:.1}% ≤ 1 ms, {:.1}% ≤ 2.5 ms), {:.2} transitions per batch; {resumes:.0} callbacks applied, mean {resume_ms:.2} ms queued → applied",
            within("0.001") * 100.0,
            within("0.0025") * 100.0,
            transitions / commits.max(1.0),
        );
        let json = serde_json::json!({"commit_batches": commits, "commit_mean_ms": commit_ms,
            "transitions": transitions, "callback_resume_mean_ms": resume_ms});
        (line, json)
    }
}

/// The 1-, 5- and 15-minute load averages (`/proc/loadavg`).
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `redis-cli -u <url> monitor > path`, until killed.
pub fn monitor(redis_url: &str, path: &str) -> std::process::Child {
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("create {path}: {e}"));
    let child = Command::new("redis-cli")
        .args(["-u", redis_url, "monitor"])
        .stdout(file)
        .spawn()
        .expect("redis-cli runs");
    std::thread::sleep(std::time::Duration::from_millis(200));
    child
}

/// Redis's own account of the open loop: `CONFIG RESETSTAT` before ([`redis_reset`]),
/// `INFO commandstats` after, per callback: script calls (`EVALSHA`) with their time, and
/// every command counted (those the scripts run included).
pub fn redis_work(port: u16, callbacks: usize) -> (String, serde_json::Value) {
    let info = resp::command(port, &["INFO", "commandstats"], TIMEOUT)
        .and_then(|r| r.text().map_err(std::io::Error::other))
        .expect("INFO commandstats");
    let (mut scripts, mut script_us, mut commands) = (0.0, 0.0, 0.0);
    for (name, stats) in resp::parse_info(&info) {
        let field = |f: &str| -> f64 {
            stats
                .split(',')
                .find_map(|kv| kv.strip_prefix(f)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        commands += field("calls");
        if name == "cmdstat_evalsha" || name == "cmdstat_eval" {
            scripts += field("calls");
            script_us += field("usec");
        }
    }
    // Forks (AOF rewrites here: the server saves no RDB) take a core from the others
    // while the child writes the whole dataset: counted, to tell their tail from ours.
    let stats = resp::command(port, &["INFO", "stats"], TIMEOUT)
        .and_then(|r| r.text().map_err(std::io::Error::other))
        .expect("INFO stats");
    let forks: u64 = (resp::parse_info(&stats).get("total_forks"))
        .and_then(|v| v.parse().ok())
        .expect("INFO stats has total_forks");
    let n = callbacks.max(1) as f64;
    let line = format!(
        "Redis per callback: {:.2} script calls ({:.1} µs each, {:.0} µs in all), {:.1} commands counted (scripts' own included); {forks} forks (AOF rewrites) during the open loop",
        scripts / n,
        script_us / scripts.max(1.0),
        script_us / n,
        commands / n
    );
    let json = serde_json::json!({"script_calls": scripts / n, "script_us": script_us / n,
                                  "commands": commands / n, "forks": forks});
    (line, json)
}

/// `CONFIG RESETSTAT`: [`redis_work`] counts from here.
pub fn redis_reset(port: u16) {
    resp::command(port, &["CONFIG", "RESETSTAT"], TIMEOUT).expect("CONFIG RESETSTAT");
}

const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
