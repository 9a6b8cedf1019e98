//! `baton` as a child process.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The `baton` binary of this build. `cargo build` runs once per test process (a no-op
/// when it is up to date), so a binary left from older sources is never tested.
/// `BATON_BIN` names another binary and skips the build.
pub fn binary() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        if let Some(path) = std::env::var_os("BATON_BIN") {
            return PathBuf::from(path);
        }
        let exe = std::env::current_exe().expect("test executable path");
        // target/<profile>/deps/<test> → target/<profile>/baton
        let dir = exe
            .parent()
            .and_then(|d| d.parent())
            .expect("target dir")
            .to_path_buf();
        let profile = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("debug")
            .to_owned();
        let profile = if profile == "debug" { "dev" } else { &profile };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "baton-gateway", "--bin", "baton"])
            .args(["--profile", profile])
            .status()
            .expect("cargo build");
        assert!(status.success(), "building baton failed");
        dir.join("baton")
    })
    .clone()
}

/// A running `baton` process; killed on drop.
#[derive(Debug)]
pub struct Baton {
    pub child: Child,
    /// `http://127.0.0.1:PORT` for `serve`.
    pub url: String,
    log: mpsc::Receiver<String>,
    /// Every line read from the channel so far (stdout and stderr, interleaved).
    seen: Vec<String>,
}

impl Baton {
    /// `baton serve --listen 127.0.0.1:0 <args>` with `env`; waits until it listens.
    pub fn serve(args: &[&str], env: &[(&str, &str)]) -> Baton {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Baton::spawn(&all, env, true)
    }

    /// `baton worker <args>`.
    pub fn worker(args: &[&str], env: &[(&str, &str)]) -> Baton {
        let mut all = vec!["worker"];
        all.extend_from_slice(args);
        Baton::spawn(&all, env, false)
    }

    /// [`Baton::serve`] from async code (the wait for the port blocks a thread).
    pub async fn serve_async(args: &[&str], env: &[(&str, &str)]) -> Baton {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            Baton::serve(&args, &env)
        })
        .await
        .expect("start baton serve")
    }

    fn spawn(args: &[&str], env: &[(&str, &str)], wait_for_listen: bool) -> Baton {
        let mut command = Command::new(binary());
        // A child is configured by its arguments and `env` only: no `BATON_*` setting
        // (signing keys, Redis URL, auth tokens…) leaks in from the environment the tests
        // run in.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("BATON_") {
                command.env_remove(name);
            }
        }
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("RUST_LOG", "info");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start baton");
        let (tx, log) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as _),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut baton = Baton {
            child,
            url: String::new(),
            log,
            seen: Vec::new(),
        };
        if wait_for_listen {
            let Some(line) = baton.wait_for_line("baton listening on ", Duration::from_secs(60))
            else {
                let status = baton.child.try_wait().ok().flatten();
                let output = baton.collect_log(Duration::from_secs(1)).join("\n");
                panic!("baton did not start listening (exit: {status:?}); its output:\n{output}");
            };
            baton.url = line
                .split("baton listening on ")
                .nth(1)
                .unwrap_or_default()
                .trim()
                .to_owned();
        }
        baton
    }

    /// Waits for an output line containing `needle` (lines before it are kept: see
    /// [`Baton::output`]).
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.log.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return Some(line);
                    }
                }
                Err(_) => return None,
            }
        }
        None
    }

    /// Lines printed since the last call (or since [`Baton::wait_for_line`] last read).
    pub fn drain_log(&mut self) -> Vec<String> {
        let new: Vec<String> = self.log.try_iter().collect();
        self.seen.extend(new.iter().cloned());
        new
    }

    /// Every line printed so far, including those `wait_for_line` and `drain_log` read.
    pub fn output(&mut self) -> &[String] {
        self.drain_log();
        &self.seen
    }

    /// Every line the process printed, once it has exited (or `timeout` passed): waits for
    /// its stdout and stderr to close.
    pub fn collect_log(&mut self, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.log.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => break,
            }
        }
        self.seen.clone()
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and returns at once.
    pub fn signal_term(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }

    /// Waits for the process to exit; `None` after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        self.signal_term();
        self.wait_exit(timeout)
    }
}

impl Drop for Baton {
    fn drop(&mut self) {
        self.kill();
    }
}
