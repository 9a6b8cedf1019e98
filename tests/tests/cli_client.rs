//! `baton` as a client of a running `baton serve` (issue #9): the commands people and
//! scripts use, their output and their exit codes.
//!
//! - exit codes: 0 when the request worked, 1 for a server error (`error: <Code>: …` on
//!   standard error), 3 when the endpoint cannot be reached (it is named);
//! - `--json` prints the server's JSON; YAML definitions are sent as YAML;
//! - `start --watch` follows an execution to its end: 0 on SUCCEEDED, 4 on FAILED, and with
//!   `--json` one history event per line, then the final describe;
//! - `watch` of a machine with a Wait state shows the state waiting on its timer, and when
//!   its connection is cut it reconnects with `Last-Event-ID` and misses nothing;
//! - a callback answered from the CLI with the token `describe --json` lists, while
//!   `watch` shows the same token and then the output;
//! - `--auth-token` against `baton serve --auth-token`: 401 without, OK with.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use baton_tests::baton::{Baton, binary};

/// What a client command did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.stdout))
    }
}

/// `baton <args>` with nothing from the environment but `env` (no colours: output is a
/// pipe, and `NO_COLOR` is set anyway).
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("BATON_") {
            command.env_remove(name);
        }
    }
    command.args(args).env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

fn finished(args: &[&str], out: Output) -> Run {
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    // The transcript, for `--nocapture` and for failures.
    eprintln!(
        "$ baton {}\n{}{}[exit {}]\n",
        args.join(" "),
        run.stdout,
        run.stderr,
        run.code
    );
    run
}

/// Runs `baton <args> --endpoint <url>`.
fn baton(url: &str, args: &[&str]) -> Run {
    baton_env(url, args, &[])
}

fn baton_env(url: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--endpoint", url]);
    let out = command(&all, env).output().expect("run baton");
    finished(args, out)
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write a file");
    path.to_str().expect("UTF-8 path").to_owned()
}

const PASS_YAML: &str = "\
StartAt: Hello
States:
  Hello:
    Type: Pass
    Result: {greeting: hi}
    End: true
";

/// 3 s of Wait: time enough for `watch` to start and show the wait on a busy machine.
const WAIT_YAML: &str = "\
StartAt: Sleep
States:
  Sleep:
    Type: Wait
    Seconds: 3
    Next: Done
  Done:
    Type: Pass
    End: true
";

#[test]
fn exit_codes_json_output_and_yaml_definitions() {
    let server = Baton::serve(&[], &[]);
    let url = server.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let yaml = write(&dir, "hello.asl.yaml", PASS_YAML);

    let created = baton(url, &["sm", "create", "hello", &yaml]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        created
            .stdout
            .starts_with("created state machine hello (revision 1, STANDARD)"),
        "{}",
        created.stdout
    );
    let described = baton(url, &["sm", "describe", "hello", "--json"]);
    assert_eq!(described.code, 0);
    let machine = described.json();
    assert_eq!(machine["revision"], 1);
    assert_eq!(
        machine["definition"]["States"]["Hello"]["Result"],
        json!({"greeting": "hi"}),
        "the YAML was stored as JSON"
    );
    let listed = baton(url, &["state-machine", "list", "--json"]).json();
    assert_eq!(listed["stateMachines"][0]["name"], "hello");

    // Server errors: `error: <Code>: <message>`, exit 1.
    let again = baton(url, &["sm", "create", "hello", &yaml]);
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .starts_with("error: StateMachineAlreadyExists: "),
        "{}",
        again.stderr
    );
    let missing = baton(url, &["describe", "hello", "nope", "--json"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.starts_with("error: ExecutionDoesNotExist: "),
        "{}",
        missing.stderr
    );
    assert_eq!(
        missing.json()["error"],
        "ExecutionDoesNotExist",
        "--json prints the server's error answer"
    );
    let broken = write(
        &dir,
        "broken.yaml",
        &PASS_YAML.replace("End: true", "Next: Nowhere"),
    );
    let invalid = baton(url, &["sm", "update", "hello", &broken]);
    assert_eq!(invalid.code, 1);
    assert!(
        invalid.stderr.starts_with("error: InvalidDefinition: "),
        "{}",
        invalid.stderr
    );
    assert!(
        // The server places it in the YAML as written: line 6, the value's column.
        invalid.stderr.contains(&format!("{broken}:6:11: error: "))
            && invalid.stderr.contains("/States/Hello/Next"),
        "each diagnostic names the file, line, column and field: {}",
        invalid.stderr
    );

    // Nothing listening: exit 3, naming the endpoint.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let nowhere = format!("http://127.0.0.1:{port}");
    let unreachable = baton(&nowhere, &["sm", "list"]);
    assert_eq!(unreachable.code, 3);
    assert!(
        unreachable.stderr.starts_with(&format!(
            "error: cannot reach the baton server at {nowhere}: "
        )),
        "{}",
        unreachable.stderr
    );
}

#[test]
fn start_watch_ends_with_the_code_of_the_outcome() {
    let server = Baton::serve(&[], &[]);
    let url = server.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let pass = write(&dir, "pass.yaml", PASS_YAML);
    let fail = write(
        &dir,
        "fail.json",
        r#"{"StartAt": "Check", "States": {"Check": {"Type": "Pass", "Next": "Boom"},
            "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "on purpose"}}}"#,
    );
    assert_eq!(baton(url, &["sm", "create", "pass", &pass]).code, 0);
    assert_eq!(baton(url, &["sm", "create", "fail", &fail]).code, 0);

    let ok = baton(url, &["start", "pass", "--name", "ok-1", "--watch"]);
    assert_eq!(ok.code, 0, "SUCCEEDED: {}", ok.stderr);
    for expected in [
        "→ Hello",
        "✓ Hello",
        "SUCCEEDED after",
        r#""greeting": "hi""#,
    ] {
        assert!(
            ok.stdout.contains(expected),
            "{expected:?} in:\n{}",
            ok.stdout
        );
    }
    let failed = baton(url, &["start", "fail", "--input", r#"{"n": 1}"#, "--watch"]);
    assert_eq!(failed.code, 4, "FAILED: {}", failed.stderr);
    for expected in [
        "✓ Check",
        "→ Boom",
        "FAILED after",
        "error: Boom",
        "cause: on purpose",
    ] {
        assert!(
            failed.stdout.contains(expected),
            "{expected:?} in:\n{}",
            failed.stdout
        );
    }

    // --json: one history event per line, then the final describe.
    let lines = baton(
        url,
        &["start", "pass", "--name", "ok-2", "--watch", "--json"],
    );
    assert_eq!(lines.code, 0);
    let docs: Vec<Value> = (lines.stdout.lines())
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let (end, events) = docs.split_last().expect("lines");
    assert_eq!(end["status"], "SUCCEEDED");
    assert_eq!(end["output"], json!({"greeting": "hi"}));
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4]);

    let history = baton(url, &["history", "pass", "ok-1"]);
    assert_eq!(history.code, 0);
    let rows: Vec<&str> = history.stdout.lines().collect();
    assert!(
        rows[0].starts_with("ID") && rows[0].contains("TYPE"),
        "{}",
        rows[0]
    );
    assert!(
        rows[2].contains("PassStateEntered") && rows[2].contains("Hello"),
        "{}",
        rows[2]
    );
    let listed = baton(
        url,
        &["executions", "pass", "--status", "SUCCEEDED", "--json"],
    )
    .json();
    assert_eq!(listed["executions"].as_array().map(Vec::len), Some(2));
    // The console's filters, from the command line.
    let by_name = baton(
        url,
        &["executions", "pass", "--name-prefix", "ok-", "--json"],
    )
    .json();
    let names: Vec<&str> = by_name["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.starts_with("ok-")),
        "{by_name}"
    );
    let future = baton(
        url,
        &[
            "executions",
            "pass",
            "--started-after",
            "2999-01-01T00:00:00Z",
        ],
    );
    assert_eq!(future.code, 0);
    assert_eq!(future.stdout.trim(), "no executions");
    let bad = baton(url, &["executions", "pass", "--started-after", "yesterday"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("startedAfter"), "{}", bad.stderr);
}

#[test]
fn watch_shows_a_wait_state_waiting_on_its_timer() {
    let server = Baton::serve(&[], &[]);
    let url = server.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let wait = write(&dir, "wait.yaml", WAIT_YAML);
    assert_eq!(baton(url, &["sm", "create", "wait", &wait]).code, 0);
    assert_eq!(baton(url, &["start", "wait", "--name", "w-1"]).code, 0);
    let watched = baton(url, &["watch", "wait", "w-1"]);
    assert_eq!(watched.code, 0, "{}", watched.stderr);
    let out = &watched.stdout;
    let waiting = out.find("Sleep waiting on a timer").expect(out);
    let left = out.find("✓ Sleep after").expect(out);
    assert!(waiting < left, "{out}");
    assert!(out.contains("SUCCEEDED after 3."), "{out}");
}

/// Lines of a child's standard output, as they come.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A TCP proxy to a server whose open connections the test can cut; it keeps what clients
/// sent (the request heads).
struct Proxy {
    url: String,
    open: Arc<Mutex<Vec<TcpStream>>>,
    sent: Arc<Mutex<String>>,
}

impl Proxy {
    fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let open = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(Mutex::new(String::new()));
        let (open2, sent2) = (open.clone(), sent.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let server = TcpStream::connect(&upstream).expect("connect to baton");
                open2.lock().unwrap().push(client.try_clone().unwrap());
                let (mut from_client, mut to_server) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let sent = sent2.clone();
                std::thread::spawn(move || {
                    let mut buf = [0; 16 * 1024];
                    while let Ok(n @ 1..) = from_client.read(&mut buf) {
                        sent.lock()
                            .unwrap()
                            .push_str(&String::from_utf8_lossy(&buf[..n]));
                        if to_server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to_server.shutdown(Shutdown::Both);
                });
                let (mut from_server, mut to_client) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_server, &mut to_client);
                    let _ = to_client.shutdown(Shutdown::Both);
                });
            }
        });
        Proxy { url, open, sent }
    }

    /// Closes every connection open now.
    fn cut(&self) {
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

#[test]
fn watch_resumes_after_a_dropped_connection() {
    let server = Baton::serve(&[], &[]);
    let url = server.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let wait = write(&dir, "wait.yaml", WAIT_YAML);
    assert_eq!(baton(url, &["sm", "create", "wait", &wait]).code, 0);
    assert_eq!(baton(url, &["start", "wait", "--name", "w-2"]).code, 0);
    let proxy = Proxy::start(url);
    let mut watch = command(&["watch", "wait", "w-2", "--endpoint", &proxy.url], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start baton watch");
    let lines = lines_of(&mut watch);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains("waiting on a timer"))
    {
        match lines.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("watch did not show the wait:\n{}", seen.join("\n")),
        }
    }
    proxy.cut();
    let status = watch.wait().expect("watch ends");
    seen.extend(lines.iter());
    let out = seen.join("\n");
    eprintln!(
        "$ baton watch wait w-2 (connection cut once)\n{out}\n[exit {:?}]\n",
        status.code()
    );
    assert_eq!(status.code(), Some(0), "{out}");
    assert!(out.contains("(connection lost: "), "{out}");
    assert!(
        out.contains("(reconnected: resuming after event 2)"),
        "{out}"
    );
    assert_eq!(out.matches("→ Sleep").count(), 1, "nothing twice: {out}");
    assert!(
        out.contains("✓ Sleep after 3.") && out.contains("✓ Done"),
        "nothing lost: {out}"
    );
    let sent = proxy.sent.lock().unwrap().to_ascii_lowercase();
    assert!(
        sent.contains("last-event-id: 2\r\n"),
        "the resumed request: {sent}"
    );
}

#[test]
fn a_callback_answered_from_the_cli_while_watch_shows_its_token() {
    let server = Baton::serve(&[], &[]);
    let url = server.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let ask = write(
        &dir,
        "ask.json",
        r#"{"StartAt": "Ask", "States": {"Ask": {"Type": "Callback",
            "Parameters": {"token.$": "$$.Task.Token"}, "HeartbeatSeconds": 600, "End": true}}}"#,
    );
    assert_eq!(baton(url, &["sm", "create", "ask", &ask]).code, 0);
    assert_eq!(baton(url, &["start", "ask", "--name", "q-1"]).code, 0);

    let deadline = Instant::now() + Duration::from_secs(20);
    let token = loop {
        let described = baton(url, &["describe", "ask", "q-1", "--json"]).json();
        if let Some(token) = described["openCallbacks"][0]["token"].as_str() {
            assert_eq!(described["openCallbacks"][0]["state"], "Ask");
            break token.to_owned();
        }
        assert!(Instant::now() < deadline, "no open callback: {described}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let human = baton(url, &["describe", "ask", "q-1"]);
    assert!(human.stdout.contains("Open callbacks (1)") && human.stdout.contains(&token));

    let args = ["watch", "ask", "q-1", "--endpoint", url];
    let mut watch = command(&args, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start baton watch");
    let lines = lines_of(&mut watch);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.iter().any(|l: &String| l.contains(&token)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!(
                "watch did not show the token; it printed:\n{}",
                seen.join("\n")
            ),
        }
    }
    let waiting = seen.last().unwrap();
    assert!(
        waiting.contains("Ask waiting for a callback; token: "),
        "{waiting}"
    );

    let answered = baton(
        url,
        &[
            "callback",
            "success",
            &token,
            "--output",
            r#"{"approved": true}"#,
        ],
    );
    assert_eq!(answered.code, 0, "{}", answered.stderr);
    assert_eq!(answered.stdout, "success accepted\n");
    let status = watch.wait().expect("watch ends");
    seen.extend(lines.iter());
    let out = seen.join("\n");
    assert_eq!(status.code(), Some(0), "{out}");
    assert!(
        out.contains("SUCCEEDED after") && out.contains(r#""approved": true"#),
        "{out}"
    );
    eprintln!("$ baton {}\n{out}\n[exit 0]\n", args[..3].join(" "));

    let late = baton(url, &["callback", "heartbeat", &token]);
    assert_eq!(late.code, 1, "the task is closed");
    assert!(late.stderr.starts_with("error: Task"), "{}", late.stderr);
}

#[test]
fn auth_token_is_sent_as_a_bearer_token() {
    const TOKEN: &str = "cli-test-token-0123456789";
    let server = Baton::serve(&["--auth-token", TOKEN], &[]);
    let url = server.url.as_str();
    let without = baton(url, &["sm", "list"]);
    assert_eq!(without.code, 1);
    assert!(
        without.stderr.starts_with("error: Unauthorized: "),
        "{}",
        without.stderr
    );
    assert!(
        without.stderr.contains("--auth-token"),
        "a hint: {}",
        without.stderr
    );
    let with = baton(url, &["sm", "list", "--auth-token", TOKEN]);
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert_eq!(with.stdout, "no state machines\n");
    let from_env = baton_env(
        url,
        &["sm", "list", "--json"],
        &[("BATON_AUTH_TOKEN", TOKEN)],
    );
    assert_eq!(from_env.code, 0, "{}", from_env.stderr);
    assert_eq!(from_env.json(), json!({"stateMachines": []}));
}
