//! TLS and a password: a `redis-server` that listens only with TLS (`--port 0 --tls-port
//! P`, a certificate of a test CA made here with `openssl`) and `--requirepass`. The store
//! suite passes on it through `rediss://:PASSWORD@…` with the CA given
//! (`RedisTarget::ca_cert`); `baton serve --redis rediss://… --redis-ca-cert ca.pem` runs
//! an execution; a wrong password, or no CA, stops `baton serve` at start with a message
//! that says so.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use baton_engine::store::{RedisStore, RedisTarget};
use baton_tests::baton::{Baton, binary};
use baton_tests::rest::Rest;

const PASSWORD: &str = "t3st-passw0rd";

/// A TLS-only redis-server with a password; killed on drop.
struct TlsRedis {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TlsRedis {
    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn url(&self, password: &str) -> String {
        format!("rediss://:{password}@127.0.0.1:{}/", self.port)
    }

    fn target(&self) -> RedisTarget {
        RedisTarget {
            ca_cert: Some(std::fs::read(self.ca()).expect("ca.pem")),
            ..RedisTarget::single(&self.url(PASSWORD))
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs (Debian: apt-get install openssl)");
    assert!(status.success(), "openssl {args:?} failed");
}

/// A CA, a server certificate for 127.0.0.1 signed by it, and the server.
async fn start() -> Option<TlsRedis> {
    // Skips (outside CI) like every Redis test when redis-server is missing.
    drop(baton_engine::testing::redis_server::RedisServer::start()?);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=baton-test-ca",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .args([
            "--tls-cert-file",
            "server.pem",
            "--tls-key-file",
            "server.key",
        ])
        .args(["--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no"])
        .args([
            "--requirepass",
            PASSWORD,
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--dir", d.to_str().expect("path"), "--logfile", "redis.log"])
        .current_dir(d)
        .stdin(Stdio::null())
        .spawn()
        .expect("redis-server runs");
    let server = TlsRedis { child, port, dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while RedisStore::connect_to(&server.target(), "probe", 1)
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "the TLS redis-server never answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some(server)
}

async fn store(server: &TlsRedis) -> RedisStore {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let prefix = format!(
        "tls{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    RedisStore::connect_to(&server.target(), &prefix, 4)
        .await
        .expect("connect over TLS with the password")
}

baton_engine::store_suite!(sequential the_store_suite_over_tls_with_a_password, start, store);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baton_serves_over_tls_and_refuses_a_wrong_password_or_an_unknown_ca() {
    let Some(server) = start().await else {
        return;
    };
    let (url, ca) = (server.url(PASSWORD), server.ca());
    let ca = ca.to_str().expect("path").to_owned();
    let baton = Baton::serve_async(&["--redis", &url, "--redis-ca-cert", &ca], &[]).await;
    let rest = Rest::new(&baton.url);
    rest.put_machine(
        "tls",
        &json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
            "P": {"Type": "Pass", "Result": "over TLS", "End": true}}}),
    )
    .await;
    rest.start("tls", "run-1", &json!({})).await;
    let ended = rest.wait_end("tls", "run-1", Duration::from_secs(20)).await;
    assert_eq!(ended["output"], "over TLS");

    for (why, args) in [
        (
            "a wrong password",
            vec![
                "--redis".to_owned(),
                server.url("wrong"),
                "--redis-ca-cert".into(),
                ca.clone(),
            ],
        ),
        (
            "no CA: the test CA is not trusted",
            vec!["--redis".to_owned(), url.clone()],
        ),
    ] {
        let output = tokio::task::spawn_blocking(move || {
            Command::new(binary())
                .arg("serve")
                .args(["--listen", "127.0.0.1:0"])
                .args(&args)
                .env_remove("BATON_SIGNING_KEYS")
                .env_remove("RUST_BACKTRACE")
                .output()
                .expect("baton runs")
        })
        .await
        .expect("join");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{why}: baton serve started");
        assert!(
            stderr.contains("cannot connect to Redis"),
            "{why}: {stderr}"
        );
        assert!(
            !stderr.contains(PASSWORD),
            "{why}: the password is not printed: {stderr}"
        );
        let message: Vec<&str> = stderr
            .lines()
            .take_while(|l| !l.contains("Stack backtrace"))
            .collect();
        println!("{why}: {}", message.join(" / "));
    }
}
