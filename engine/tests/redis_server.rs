//! The test helper `RedisServer` does what the fault tests rely on: a durable server keeps
//! what it acknowledged across a SIGKILL and `start_again`, a default one comes back empty,
//! and `CLIENT PAUSE`, `CONFIG SET` and `INFO` work through its own client.

use std::time::{Duration, Instant};

use baton_engine::testing::redis_server::RedisServer;
use baton_engine::testing::resp::Reply;

fn get(server: &RedisServer, key: &str) -> Reply {
    server.command(&["GET", key]).expect("GET")
}

#[test]
fn a_durable_server_reloads_its_data_after_a_sigkill() {
    let Some(mut server) = RedisServer::start_durable() else {
        return;
    };
    let port = server.port();
    assert_eq!(
        server.command(&["SET", "k", "v"]).expect("SET"),
        Reply::Simple("OK".into())
    );
    server.kill();
    assert!(!server.is_running());
    assert!(server.command(&["PING"]).is_err(), "killed, yet it answers");
    server.start_again();
    assert_eq!(server.port(), port);
    assert_eq!(get(&server, "k"), Reply::Bulk(Some(b"v".to_vec())));
}

#[test]
fn a_default_server_comes_back_empty() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    server.command(&["SET", "k", "v"]).expect("SET");
    server.restart();
    assert_eq!(get(&server, "k"), Reply::Bulk(None));
}

#[test]
fn pause_config_and_info() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    server.config_set("maxmemory-policy", "noeviction");
    server.config_set("maxmemory", "1");
    assert!(matches!(
        server.command(&["SET", "k", "v"]).expect("SET"),
        Reply::Error(e) if e.starts_with("OOM")
    ));
    server.config_set("maxmemory", "0");
    assert_eq!(server.info("memory")["maxmemory"], "0");
    assert!(server.info("memory")["used_memory"].parse::<u64>().is_ok());
    server.client_pause(300);
    let began = Instant::now();
    server.command(&["SET", "k", "v"]).expect("SET");
    assert!(
        began.elapsed() >= Duration::from_millis(200),
        "{:?}",
        began.elapsed()
    );
}
