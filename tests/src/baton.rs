//! `baton` as a child process.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The `baton` binary of this build, built first when missing.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/baton
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .to_path_buf();
    let path = dir.join("baton");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "baton-gateway", "--bin", "baton"])
            .status()
            .expect("cargo build");
        assert!(status.success(), "building baton failed");
    }
    path
}

/// A running `baton` process; killed on drop.
#[derive(Debug)]
pub struct Baton {
    pub child: Child,
    /// `http://127.0.0.1:PORT` for `serve`.
    pub url: String,
    log: mpsc::Receiver<String>,
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

    fn spawn(args: &[&str], env: &[(&str, &str)], wait_for_listen: bool) -> Baton {
        let mut command = Command::new(binary());
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
        };
        if wait_for_listen {
            let line = baton
                .wait_for_line("baton listening on ", Duration::from_secs(60))
                .expect("baton did not start listening");
            baton.url = line
                .split("baton listening on ")
                .nth(1)
                .unwrap_or_default()
                .trim()
                .to_owned();
        }
        baton
    }

    /// Waits for an output line containing `needle`.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = std::time::Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Everything printed so far.
    pub fn drain_log(&mut self) -> Vec<String> {
        self.log.try_iter().collect()
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Baton {
    fn drop(&mut self) {
        self.kill();
    }
}
