//! The web console in a real browser: `baton serve` (its `/ui/` pages embedded in the
//! binary) driven by Debian's Chromium through playwright-core under Node. Each scenario is
//! a script in `tests/browser/` (see its header for what it shows); this test starts one
//! server per authentication mode, runs the scripts against it and prints what they printed.
//! Screenshots go to `target/browser-screenshots/`.
//!
//! Prerequisites (`.ci/prereqs` installs them): `node` 18 or newer, `tests/browser/node_modules`
//! (`npm ci` there), and Chromium at `/usr/bin/chromium` (or `CHROMIUM`). A missing one fails
//! the test with one line saying what to install.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use baton_tests::baton::Baton;

/// Scenarios against a server without authentication, in this order.
const OPEN_SCENARIOS: &[&str] = &[
    "pages.mjs",
    "live.mjs",
    "callbacks.mjs",
    "stop.mjs",
    "a11y.mjs",
    "weight.mjs",
];

/// A token as `--auth-token` wants it: 16+ visible characters, 6+ of them different.
const AUTH_TOKEN: &str = "console-test-token-4f9a2c";

/// One scenario never takes this long; past it the script is killed and the test fails.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(120);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds tests/")
        .to_path_buf()
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// Fails with one line when Node, the npm packages or Chromium are missing.
fn check_prerequisites() {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let Ok(version) = node else {
        panic!("node is not installed: install Node 18 or newer (bash .ci/prereqs does)");
    };
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    assert!(
        major >= 18,
        "node {version} is too old: install Node 18 or newer"
    );
    let packages = workspace().join("tests/browser/node_modules/playwright-core");
    assert!(
        packages.is_dir(),
        "{} is missing: run `npm ci` in tests/browser (bash .ci/prereqs does)",
        packages.display()
    );
    let chromium = chromium();
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is not at {chromium}: install the chromium package (bash .ci/prereqs does) or set CHROMIUM"
    );
}

/// Runs `node tests/browser/<script>` against `url`; returns its exit success and output.
fn run_scenario(script: &str, url: &str, token: Option<&str>) -> (bool, String) {
    let dir = workspace().join("tests/browser");
    let screenshots = workspace().join("target/browser-screenshots");
    let mut command = Command::new("node");
    command
        .arg(script)
        .current_dir(&dir)
        .env("BATON_URL", url)
        .env("SCREENSHOTS", &screenshots)
        .env("CHROMIUM", chromium())
        .env_remove("BATON_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(token) = token {
        command.env("BATON_TOKEN", token);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("start node");
    // The output is read on threads so a chatty script never blocks on a full pipe.
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as _),
    ]
    .into_iter()
    .flatten()
    .map(|mut stream| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stream.read_to_string(&mut text);
            text
        })
    })
    .collect();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if started.elapsed() > SCENARIO_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output: String = readers
        .into_iter()
        .map(|r| r.join().unwrap_or_default())
        .collect();
    match status {
        Some(status) => (status.success(), output),
        None => (
            false,
            format!("{output}\n{script} did not finish within {SCENARIO_TIMEOUT:?}: killed"),
        ),
    }
}

/// Runs every scenario against `baton`, prints their output, and fails naming those that
/// failed.
fn run_all(baton: &mut Baton, scenarios: &[&str], token: Option<&str>) {
    let mut failed = Vec::new();
    for script in scenarios {
        let started = Instant::now();
        let (ok, output) = run_scenario(script, &baton.url, token);
        println!(
            "--- {script} ({:.1} s)\n{}",
            started.elapsed().as_secs_f64(),
            output.trim_end()
        );
        if !ok {
            failed.push(*script);
        }
    }
    if !failed.is_empty() {
        let log = baton.output().join("\n");
        panic!("browser scenarios failed: {failed:?}\nbaton's output:\n{log}");
    }
}

#[test]
fn console_pages_live_updates_callbacks_stop_accessibility_and_weight() {
    check_prerequisites();
    let mut baton = Baton::serve(&[], &[]);
    run_all(&mut baton, OPEN_SCENARIOS, None);
}

#[test]
fn console_asks_for_the_api_token_and_the_approval_page_needs_none() {
    check_prerequisites();
    let mut baton = Baton::serve(&["--auth-token", AUTH_TOKEN], &[]);
    run_all(&mut baton, &["auth.mjs"], Some(AUTH_TOKEN));
}
