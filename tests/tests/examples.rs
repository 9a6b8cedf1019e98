//! The runnable examples of `examples/`, each against its own `baton serve` (embedded
//! store, default flags: HTTP tasks may call loopback). A test runs
//! `bash examples/<name>/run.sh` with `BATON_ENDPOINT` set, as a reader would, and checks
//! that it exits 0 and prints its closing line; the script itself checks the workflow's
//! result (statuses, outputs, errors) and exits 1 when one differs. On failure the test
//! prints the script's output and the server's log.
//!
//! The scripts need bash, curl and python3: a missing one fails the test with one line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use baton_tests::baton::Baton;

/// Longer than any script takes (a few seconds each); a script past it is killed.
const DEADLINE: Duration = Duration::from_secs(120);

#[test]
fn order_workflow() {
    run_example(
        "order-workflow",
        &[
            "SUCCEEDED  Order o1-",
            "FAILED  PaymentDeclined",
            "FAILED  OutOfStock",
            "order-workflow: OK, 3 orders ended as expected",
        ],
    );
}

#[test]
fn human_approval() {
    run_example(
        "human-approval",
        &[
            "/ui/callbacks/bt1_",
            "describe: Ask for approval is WAITING_CALLBACK",
            "outcome WAITING",
            "SUCCEEDED  decision {\"approved\":true,\"by\":\"bob\"",
            "FAILED  ExpenseRejected: decided by bob",
            "human-approval: OK, 1 expense approved and 1 rejected",
        ],
    );
}

#[test]
fn map_fanout() {
    run_example(
        "map-fanout",
        &[
            "SUCCEEDED  8 quotes, new prices [9.9,10.8,11.7,12.6,13.5,14.4,15.3,16.2]",
            "map-fanout: OK, 8 products quoted",
        ],
    );
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Fails with one line when `tool` cannot be run.
fn require(tool: &str) {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{tool} is needed to run the examples: install it (e.g. apt-get install {tool})"
    );
}

/// Runs `examples/<name>/run.sh` against a new `baton serve` and checks its exit status
/// and that its output holds every one of `expected`.
fn run_example(name: &str, expected: &[&str]) {
    for tool in ["bash", "curl", "python3"] {
        require(tool);
    }
    let mut baton = Baton::serve(&[], &[]);
    let script = repository().join("examples").join(name).join("run.sh");
    let began = Instant::now();
    let mut command = Command::new("bash");
    command
        .arg(&script)
        .current_dir(repository())
        .env("BATON_ENDPOINT", &baton.url)
        .env_remove("BATON_AUTH_TOKEN");
    let (status, output) = run_with_deadline(command);
    let took = began.elapsed();
    let missing: Vec<&&str> = expected.iter().filter(|e| !output.contains(*e)).collect();
    if status != Some(0) || !missing.is_empty() {
        let log = baton.output().join("\n");
        panic!(
            "examples/{name}/run.sh exited with {status:?} after {took:?}; lines it did not \
             print: {missing:?}\n--- its output ---\n{output}\n--- baton's log ---\n{log}"
        );
    }
    println!("examples/{name}/run.sh passed in {took:?}:\n{output}");
}

/// Runs `command` with stdout and stderr merged into one text; kills it after
/// [`DEADLINE`] (the status is then `None`).
fn run_with_deadline(mut command: Command) -> (Option<i32>, String) {
    let (mut reader, writer) = std::io::pipe().expect("a pipe");
    let mut child = command
        .stdout(writer.try_clone().expect("a pipe"))
        .stderr(writer)
        .stdin(Stdio::null())
        .spawn()
        .expect("start bash");
    // The command holds the write ends: without it, reading ends when the script's do.
    drop(command);
    let collector = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = reader.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the script") {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, collector.join().expect("the output"))
}
