//! Malformed or trivially weak credentials, keys and flag values stop `baton serve` at
//! start, with a message naming the flag (and never the secret).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use baton_tests::baton::binary;

/// Runs `baton serve` with `args` and `env`; its exit success and stderr. Fails the test if
/// the process is still running after 20 s (it started instead of refusing).
fn refused_start(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(binary());
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for name in [
        "BATON_AUTH_TOKENS",
        "BATON_AWS_CREDENTIALS",
        "BATON_SIGNING_KEYS",
        "BATON_ALLOW_HOSTS",
        "BATON_REDIS_URL",
        "BATON_REDIS_CLUSTER",
        "RUST_BACKTRACE",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("baton runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("baton serve {args:?} {env:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    (status.success(), stderr)
}

/// One refused start: the flags and environment, what stderr must say, and the secret
/// it must not show.
struct Case<'a> {
    args: Vec<&'a str>,
    env: Vec<(&'a str, &'a str)>,
    message: &'a str,
    secret: Option<&'a str>,
}

#[test]
fn malformed_or_weak_values_stop_serve_with_a_message_naming_the_flag() {
    let zeros = format!("*1:hex:{}", "00".repeat(32));
    let cases = [
        Case {
            args: vec!["--aws-credentials", "AKIDWITHOUTCOLON"],
            env: vec![],
            message: "--aws-credentials (BATON_AWS_CREDENTIALS): entry 1 is not KEY_ID:SECRET",
            secret: None,
        },
        Case {
            args: vec![],
            env: vec![("BATON_AWS_CREDENTIALS", "AKID:0123456789abcdef,AKID2")],
            message: "--aws-credentials (BATON_AWS_CREDENTIALS): entry 2 is not KEY_ID:SECRET",
            secret: None,
        },
        Case {
            args: vec!["--aws-credentials", "AKID:tiny-secret"],
            env: vec![],
            message: "(key id AKID): the secret is 11 characters; at least 16 are required",
            secret: Some("tiny-secret"),
        },
        Case {
            args: vec!["--auth-token", "s3cret"],
            env: vec![],
            message: "--auth-token (BATON_AUTH_TOKENS): entry 1 is 6 characters",
            secret: Some("s3cret"),
        },
        Case {
            args: vec!["--auth-token", "0000000000000000000000000000"],
            env: vec![],
            message: "--auth-token (BATON_AUTH_TOKENS): entry 1 has only 1 different characters",
            secret: Some("0000000000000000000000000000"),
        },
        Case {
            args: vec![],
            env: vec![("BATON_SIGNING_KEYS", zeros.as_str())],
            message: "secret of key 1 is one byte repeated",
            secret: None,
        },
        Case {
            args: vec!["--signing-keys", "*1:short"],
            env: vec![],
            message: "--signing-keys (BATON_SIGNING_KEYS)",
            secret: Some("short"),
        },
        Case {
            args: vec!["--allow-hosts", "api.example.com,10.0.0.1/33"],
            env: vec![],
            message: "entry 2 (\"10.0.0.1/33\"): the prefix length is not a number",
            secret: None,
        },
        Case {
            args: vec![],
            env: vec![("BATON_ALLOW_HOSTS", "a.*.example.com")],
            message: "--allow-hosts (BATON_ALLOW_HOSTS)",
            secret: None,
        },
        // No worker on the embedded store: executions would never run.
        Case {
            args: vec!["--workers", "0"],
            env: vec![],
            message: "--workers 0 needs --redis or --redis-cluster",
            secret: None,
        },
    ];
    for Case {
        args,
        env,
        message,
        secret,
    } in cases
    {
        let (success, stderr) = refused_start(&args, &env);
        assert!(!success, "{args:?} {env:?}: exit status should be non-zero");
        assert!(
            stderr.contains(message),
            "{args:?} {env:?}: stderr should contain {message:?}: {stderr}"
        );
        if let Some(secret) = secret {
            let shown = stderr.replace(message, "");
            assert!(
                !shown.contains(secret),
                "{args:?}: the secret is printed: {stderr}"
            );
        }
    }
}
