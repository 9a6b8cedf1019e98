//! A throwaway `redis-server` for tests: a child process on a free loopback port, its data
//! and log in a temporary directory, killed on drop.
//!
//! By default it keeps nothing on disk (`--save "" --appendonly no`): [`RedisServer::kill`]
//! loses every key, like a crash of a cache. [`RedisServer::start_durable`] turns the
//! append-only file on with `appendfsync always`, so every acknowledged write survives a
//! SIGKILL: [`RedisServer::start_again`] (or [`RedisServer::restart`]) reloads it from the
//! same directory, on the same port.
//!
//! Faults for tests: [`RedisServer::kill`] (SIGKILL, nothing restarted),
//! [`RedisServer::client_pause`] (`CLIENT PAUSE <ms> ALL`: commands hang, connections stay
//! up), [`RedisServer::config_set`] (e.g. `maxmemory`). Those commands go through a tiny
//! client of its own ([`super::resp`]), not through the store under test.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::resp::{self, Reply};

/// The highest port a server gets: a cluster node's bus listens on port + 10000.
pub const MAX_PORT: u16 = 55_535;

/// A free loopback port no higher than [`MAX_PORT`].
fn free_port() -> u16 {
    for _ in 0..1000 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        if port <= MAX_PORT {
            return port;
        }
    }
    // The system hands out high ports only: pick in 20000..=MAX_PORT until one binds.
    loop {
        let port = 20_000 + rand::random::<u16>() % (MAX_PORT - 20_000 + 1);
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}

/// How long [`RedisServer`]'s own commands wait for an answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// A running `redis-server`. Each test starts its own.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    binary: PathBuf,
    args: Vec<String>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server; panics when `redis-server` is not on `PATH` (no test skips). Always
    /// `Some`: the `Option` is kept for the callers' `let … else`.
    pub fn start() -> Option<RedisServer> {
        RedisServer::start_with(&[])
    }

    /// [`RedisServer::start`] with the append-only file on and fsynced before every reply
    /// (`--appendonly yes --appendfsync always`): what it acknowledged survives a SIGKILL
    /// and comes back with [`RedisServer::start_again`].
    pub fn start_durable() -> Option<RedisServer> {
        RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
    }

    /// [`RedisServer::start`] with more `redis-server` arguments (relative paths are in
    /// the server's temporary directory), e.g. `["--cluster-enabled", "yes"]`. They come
    /// after the defaults (`--save "" --appendonly no`), so they override them.
    pub fn start_with(args: &[&str]) -> Option<RedisServer> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let Some(binary) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("redis-server"))
            .find(|path| path.is_file())
        else {
            // No test skips: `bash .ci/test` installs it first, or says what to install.
            panic!(
                "redis-server is not on PATH: install it (Debian: apt-get install redis-server), or run `bash .ci/test`, which does"
            );
        };
        let dir = tempfile::tempdir().expect("a temporary directory for redis-server");
        // A port found free may be taken before redis-server binds it: try others.
        for _ in 0..10 {
            let port = free_port();
            if let Some(child) = spawn(&binary, &args, dir.path(), port) {
                let child = Some(child);
                return Some(RedisServer {
                    child,
                    port,
                    binary,
                    args,
                    dir,
                });
            }
        }
        panic!(
            "redis-server did not start; log: {}",
            dir.path().join("redis.log").display()
        );
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's log so far (every run on this directory, appended).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    /// True while the server process runs.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// SIGKILL, like a crash; nothing is restarted. The data directory stays: what the
    /// server had written to its append-only file ([`RedisServer::start_durable`]) comes
    /// back with [`RedisServer::start_again`]; without one, everything is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again after [`RedisServer::kill`]: the same binary, arguments,
    /// port and data directory, so a durable server reloads its append-only file (and a
    /// default one comes back empty). Returns once it answers and has finished loading;
    /// panics if it is still running, or if it cannot start (its log is in the message).
    pub fn start_again(&mut self) {
        assert!(
            !self.is_running(),
            "redis-server on port {} is still running",
            self.port
        );
        // The port may be held for a moment (a socket of a client that connected just
        // before the kill): retry for a few seconds.
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.is_none() && Instant::now() < deadline {
            self.child = spawn(&self.binary, &self.args, self.dir.path(), self.port);
            if self.child.is_none() {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        assert!(
            self.child.is_some(),
            "redis-server did not start again on port {}; its log:\n{}",
            self.port,
            self.log()
        );
    }

    /// [`RedisServer::kill`], then [`RedisServer::start_again`]: empty by default, with its
    /// data when durable.
    pub fn restart(&mut self) {
        self.kill();
        self.start_again();
    }

    /// Sends one command; the reply (an error reply is `Ok(Reply::Error)`), or the I/O
    /// error (e.g. the server is down, or did not answer within 5 s).
    pub fn command(&self, args: &[&str]) -> std::io::Result<Reply> {
        resp::command(self.port, args, COMMAND_TIMEOUT)
    }

    /// `CLIENT PAUSE <ms> ALL`: every client's commands (this helper's too) wait until the
    /// pause ends; connections stay open.
    pub fn client_pause(&self, ms: u64) {
        self.expect_ok(&["CLIENT", "PAUSE", &ms.to_string(), "ALL"]);
    }

    /// `CONFIG SET <parameter> <value>`; panics unless the server accepts it.
    pub fn config_set(&self, parameter: &str, value: &str) {
        self.expect_ok(&["CONFIG", "SET", parameter, value]);
    }

    /// `INFO <section>` as `field → value`, e.g. `info("memory")["used_memory"]`.
    pub fn info(&self, section: &str) -> BTreeMap<String, String> {
        let reply = self
            .command(&["INFO", section])
            .unwrap_or_else(|e| panic!("INFO {section}: {e}"));
        let text = reply
            .text()
            .unwrap_or_else(|e| panic!("INFO {section}: {e}"));
        resp::parse_info(&text)
    }

    fn expect_ok(&self, args: &[&str]) {
        let what = args.join(" ");
        match self.command(args) {
            Ok(Reply::Simple(ok)) if ok == "OK" => {}
            Ok(other) => panic!("{what}: {other:?}"),
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `redis-server` on `port`; waits (30 s at most) until it answers and has loaded
/// its data, checking it is our process that answers. `None` when it exits or never
/// answers.
fn spawn(binary: &Path, args: &[String], dir: &Path, port: u16) -> Option<Child> {
    let mut child = Command::new(binary)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(dir.join("redis.log"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server runs");
    let deadline = Instant::now() + Duration::from_secs(30);
    let pid = child.id().to_string();
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return None;
        }
        // INFO answers while the append-only file loads; `loading:0` says it is done.
        let info = resp::command(port, &["INFO"], Duration::from_millis(500))
            .ok()
            .and_then(|reply| reply.text().ok())
            .map(|text| resp::parse_info(&text))
            .unwrap_or_default();
        if info.get("process_id") == Some(&pid) && info.get("loading").is_some_and(|l| l == "0") {
            return Some(child);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}
