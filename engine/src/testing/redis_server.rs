//! A throwaway `redis-server` for tests: a child process on a free loopback port, no
//! persistence, its log in a temporary directory, killed on drop.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    /// Starts a server, or returns `None` after a note on stderr when `redis-server` is
    /// not on `PATH`. Under `CI=true` a missing binary panics instead: CI never skips.
    pub fn start() -> Option<RedisServer> {
        RedisServer::start_with(&[])
    }

    /// [`RedisServer::start`] with more `redis-server` arguments (relative paths are in
    /// the server's temporary directory), e.g. `["--cluster-enabled", "yes"]`.
    pub fn start_with(args: &[&str]) -> Option<RedisServer> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let Some(binary) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("redis-server"))
            .find(|path| path.is_file())
        else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "redis-server is not on PATH, and CI must run the Redis tests: install it (Debian: apt-get install redis-server)"
            );
            eprintln!("note: redis-server is not on PATH; skipping this Redis test");
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary directory for redis-server");
        // A port found free may be taken before redis-server binds it: try others.
        for _ in 0..10 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
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

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    /// Kills the server (like a crash: no persistence, so its data is gone).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts an empty one on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.child = spawn(&self.binary, &self.args, self.dir.path(), self.port);
        assert!(
            self.child.is_some(),
            "redis-server did not restart on port {}",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `redis-server` on `port`; waits (10 s at most) until it answers, checking it is
/// our process that answers. `None` when it exits or never answers.
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
    let deadline = Instant::now() + Duration::from_secs(10);
    let pid = format!("\r\nprocess_id:{}\r\n", child.id());
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return None;
        }
        if info(port).is_some_and(|info| info.contains(&pid)) {
            return Some(child);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// `INFO server` from the server on `port`, if one answers.
fn info(port: u16) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .ok()?;
    stream.write_all(b"INFO server\r\n").ok()?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while !reply.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&reply).into_owned())
}
