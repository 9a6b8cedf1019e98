//! The command line of `baton-bench` (`--help` lists every flag with its default).

use clap::{Parser, ValueEnum};

/// Persisted transitions per second (a Pass/Choice loop run by many executions at once),
/// or the cost of executions parked in a callback wait. The last line printed is JSON.
#[derive(Debug, Parser)]
#[command(name = "baton-bench")]
pub struct Args {
    /// One Redis server, e.g. redis://127.0.0.1:PORT [default: none: the in-memory store]
    #[arg(long, value_name = "URL", conflicts_with = "redis_cluster")]
    pub redis: Option<String>,

    /// A Redis Cluster: seed nodes, comma-separated [default: none]
    #[arg(long, value_name = "URL,URL", value_delimiter = ',', num_args = 1)]
    pub redis_cluster: Vec<String>,

    /// The store when neither --redis nor --redis-cluster is given
    #[arg(long, value_enum, default_value_t = StoreKind::Memory, conflicts_with_all = ["redis", "redis_cluster"])]
    pub store: StoreKind,

    /// Executions of the loop started at once (throughput run)
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub executions: u64,

    /// Rounds of each execution's Pass/Choice loop (2 transitions per round)
    #[arg(long, default_value_t = 50)]
    pub loops: u64,

    /// Partitions of the store
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    pub partitions: u32,

    /// Workers (each leases partitions) in this process
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub workers: u64,

    /// Instead of the throughput run, park this many executions in a callback wait and
    /// measure engine RSS and Redis bytes per parked execution (0: the throughput run)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub parked: u64,

    /// Every commit batch waits for this many replicas (WAIT)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub wait_replicas: usize,

    /// Throughput runs in this process, each on a fresh state machine; with more than one,
    /// a summary line follows
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "parked")]
    pub runs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// The in-memory store (`MemoryStore`)
    Memory,
}

impl Args {
    /// `memory`, `redis` or `cluster`, as the JSON reports it.
    pub fn store_name(&self) -> &'static str {
        if !self.redis_cluster.is_empty() {
            "cluster"
        } else if self.redis.is_some() {
            "redis"
        } else {
            match self.store {
                StoreKind::Memory => "memory",
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("baton-bench").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_and_stores() {
        let a = parse(&[]).unwrap();
        assert_eq!(
            (a.executions, a.loops, a.partitions, a.runs),
            (1000, 50, 16, 1)
        );
        assert_eq!(a.store_name(), "memory");
        let a = parse(&["--redis", "redis://127.0.0.1:1", "--loops", "200"]).unwrap();
        assert_eq!((a.store_name(), a.loops), ("redis", 200));
        let a = parse(&["--redis-cluster", "redis://a:1,redis://b:2"]).unwrap();
        assert_eq!(a.redis_cluster, ["redis://a:1", "redis://b:2"]);
        assert_eq!(a.store_name(), "cluster");
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        let kind = |args: &[&str]| parse(args).unwrap_err().kind();
        assert_eq!(kind(&["--help"]), ErrorKind::DisplayHelp);
        assert_eq!(kind(&["--nope"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["--loops", "many"]), ErrorKind::ValueValidation);
        assert_eq!(kind(&["--store", "redis"]), ErrorKind::InvalidValue);
        assert_eq!(
            kind(&["--store", "memory", "--redis", "x"]),
            ErrorKind::ArgumentConflict
        );
        assert_eq!(
            kind(&["--parked", "10", "--runs", "2"]),
            ErrorKind::ArgumentConflict
        );
        assert_eq!(kind(&["--executions", "0"]), ErrorKind::ValueValidation);
        Args::command().debug_assert();
    }
}
