//! Callback latency under load (issue #11): with `--parked` executions waiting in a
//! `Callback` state, answer `--rate` of them per second for `--seconds`, open loop, and
//! measure each from its scheduled send time until the next state's Task request reaches
//! its service (Baton sends it only after committing the transition into that state).
//!
//! ```sh
//! cargo bench -p baton-tests --bench callback_latency                       # 100000 / 1000 / 60
//! cargo bench -p baton-tests --bench callback_latency -- --parked 5000 --rate 500 --seconds 5
//! ```
//!
//! It starts its own `redis-server` (free port, AOF everysec) and `baton serve --redis …`
//! (the release binary, built first by `cargo build --release -p baton-gateway --bin baton`
//! as every end-to-end test does; `BATON_BIN` names another), and a loopback service that
//! is the `Notify` target (it collects the tokens) and the Task endpoint (it records the
//! arrivals). Before the callbacks it measures, in the same run, `redis-benchmark -q -t set
//! -P 16 -n 200000` on that server and the harness's own HTTP floor (the same open loop
//! against the loopback service's echo). During the callbacks it watches redis-server for a
//! child (an AOF rewrite, which takes one of this machine's two cores for a second or two)
//! and the AOF's growth, and reports the latency of the callbacks scheduled while a child
//! ran (or within a second after) apart from the others' (`forks.rs`). Exits non-zero when
//! a callback fails or never reaches the Task, and when redis-server, redis-benchmark or
//! the binary is missing.

// A bench's root file looks for modules beside it: these live in callback_latency/.
#[path = "callback_latency/forks.rs"]
mod forks;
#[path = "callback_latency/load.rs"]
mod load;
#[path = "callback_latency/report.rs"]
mod report;
#[path = "callback_latency/service.rs"]
mod service;
#[path = "callback_latency/setup.rs"]
mod setup;
#[path = "callback_latency/stats.rs"]
mod stats;

use std::time::{Duration, Instant};

use baton_engine::store::RedisStore;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;
use serde_json::{Value, json};

use service::Loopback;
use setup::Metrics;
use stats::Summary;

const USAGE: &str = "callback_latency [--parked N (100000)] [--rate PER_SECOND (1000)] \
                     [--seconds S (60)] [--start-concurrency N (32)] [--floor-seconds S (5)] \
                     [--pack-parked on|off (on)] [--timeline CSV] [--monitor FILE] \
                     [--env NAME=VALUE]… [--redis-config NAME=VALUE]…\n\
  --pack-parked: whether parking commits pack an execution into one string (`baton \
                 partitions --pack-parked`), to compare both in one build\n\
  --timeline: each callback's scheduled, sent, answered and entered times (Unix µs)\n\
  --monitor: `redis-cli monitor` during the open loop (costs Redis time: for diagnosis)\n\
  --env: an environment variable of the baton process\n\
  --redis-config: a redis-server setting (after AOF everysec), e.g. \
                 auto-aof-rewrite-percentage=400";

#[derive(Debug)]
struct Args {
    parked: usize,
    rate: usize,
    seconds: usize,
    start_concurrency: usize,
    floor_seconds: usize,
    timeline: Option<String>,
    monitor: Option<String>,
    pack_parked: bool,
    /// `NAME=VALUE` settings for the baton process (e.g. `MIMALLOC_ALLOW_THP=0`).
    env: Vec<(String, String)>,
    /// `NAME=VALUE` settings for redis-server.
    redis_config: Vec<(String, String)>,
}

fn args() -> Args {
    let mut a = Args {
        parked: 100_000,
        rate: 1_000,
        seconds: 60,
        start_concurrency: 32,
        floor_seconds: 5,
        timeline: None,
        monitor: None,
        pack_parked: true,
        env: Vec::new(),
        redis_config: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--bench" => continue, // added by `cargo bench`
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--parked" => &mut a.parked,
            "--rate" => &mut a.rate,
            "--seconds" => &mut a.seconds,
            "--start-concurrency" => &mut a.start_concurrency,
            "--floor-seconds" => &mut a.floor_seconds,
            "--env" | "--redis-config" => {
                let pair = it.next().unwrap_or_default();
                let Some((name, value)) = pair.split_once('=') else {
                    fail(&format!("{flag} needs NAME=VALUE, not {pair:?}"))
                };
                let list = if flag == "--env" {
                    &mut a.env
                } else {
                    &mut a.redis_config
                };
                list.push((name.to_owned(), value.to_owned()));
                continue;
            }
            "--pack-parked" => {
                a.pack_parked = match it.next().as_deref() {
                    Some("on") => true,
                    Some("off") => false,
                    other => fail(&format!("--pack-parked needs on or off, not {other:?}")),
                };
                continue;
            }
            "--timeline" | "--monitor" => {
                let path = it
                    .next()
                    .unwrap_or_else(|| fail(&format!("{flag} needs a path")));
                *(if flag == "--timeline" {
                    &mut a.timeline
                } else {
                    &mut a.monitor
                }) = Some(path);
                continue;
            }
            other => fail(&format!("unknown flag {other}\n{USAGE}")),
        };
        let value = it.next().unwrap_or_default();
        *slot = value
            .parse()
            .unwrap_or_else(|_| fail(&format!("{flag} needs a number, not {value:?}")));
    }
    if a.rate == 0 || a.seconds == 0 || a.rate * a.seconds > a.parked {
        fail(&format!(
            "--rate × --seconds ({}) must be between 1 and --parked ({}): each callback answers one parked execution",
            a.rate * a.seconds,
            a.parked
        ));
    }
    a
}

fn fail(message: &str) -> ! {
    eprintln!("callback_latency: {message}");
    std::process::exit(2)
}

fn main() {
    let a = args();
    let redis = setup::start_redis(&a.redis_config);
    let set_per_sec = setup::redis_benchmark(redis.port());
    println!("baseline: redis-benchmark -q -t set -P 16 -n 200000: {set_per_sec:.0} SET/s");
    let binary = baton_tests::baton::binary();
    assert!(binary.is_file(), "no baton binary at {}", binary.display());
    let url = redis.url();
    let env: Vec<(&str, &str)> = a
        .env
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mut baton = Baton::serve(&["--redis", &url], &env);
    println!(
        "{} serve --redis {url} {env:?}: {}",
        binary.display(),
        baton.url
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let redis_pid = redis.info("server")["process_id"].clone();
    let ok = runtime.block_on(run(
        &a,
        &mut baton,
        &url,
        (set_per_sec, &redis_pid, redis.port()),
    ));
    let problems: Vec<String> = baton
        .output()
        .iter()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .cloned()
        .collect();
    println!("baton printed {} WARN/ERROR lines", problems.len());
    for line in problems.iter().take(5) {
        println!("  {line}");
    }
    drop(baton);
    drop(redis);
    if !ok {
        std::process::exit(1);
    }
}

fn definition(svc: &Loopback) -> Value {
    json!({"StartAt": "Wait", "States": {
        "Wait": {"Type": "Callback",
                 "Notify": {"ApiEndpoint": svc.url("/notify"), "Method": "POST",
                            "RequestBody": {"token.$": "$$.Task.Token", "i.$": "$.i"}},
                 "ResultPath": "$.answer", "Next": "Next"},
        "Next": {"Type": "Task", "Resource": svc.url("/task"),
                 "Parameters": {"i.$": "$.i"}, "ResultPath": null, "Next": "Done"},
        "Done": {"Type": "Succeed"}}})
}

async fn run(
    a: &Args,
    baton: &mut Baton,
    redis_url: &str,
    (set_per_sec, redis_pid, port): (f64, &str, u16),
) -> bool {
    let svc = Loopback::start(a.parked).await;
    let rest = Rest::new(&baton.url);
    rest.put_machine("cb", &definition(&svc)).await;
    let store = RedisStore::connect(redis_url, "baton", 256)
        .await
        .expect("connect to Redis");
    if store.packs_parked() != a.pack_parked {
        store
            .set_pack_parked(a.pack_parked)
            .await
            .expect("set pack-parked");
        // Every process re-reads the switch with its layout, at least every 5 s.
        tokio::time::sleep(Duration::from_secs(6)).await;
    }
    println!("pack parked executions: {}", store.packs_parked());
    println!(
        "parking {} executions (Callback with Notify → Task → Succeed), {} starts at a time",
        a.parked, a.start_concurrency
    );
    let (starts, parked) =
        load::park(&rest, &svc, &store, "cb", a.parked, a.start_concurrency).await;
    println!(
        "{} executions started in {starts:.1} s ({:.0}/s), all parked (tokens collected, none active) after {parked:.1} s",
        a.parked,
        a.parked as f64 / starts
    );
    baton.drain_log();
    assert_eq!(svc.rec.arrived(), 0, "a Task ran before its callback");

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    let floor_n = (a.rate * a.floor_seconds).min(a.rate * a.seconds);
    let (echo, http) = (svc.url("/echo"), client.clone());
    let (_, floor) = load::open_loop(a.rate as f64, floor_n, move |_| {
        http.post(&echo).body(r#"{"ok":true}"#)
    })
    .await;
    let floor = Summary::of(
        &floor
            .iter()
            .map(|s| s.answered - s.scheduled)
            .collect::<Vec<_>>(),
    );
    println!("{}", floor.line("baseline: HTTP echo (harness floor)"));

    let n = a.rate * a.seconds;
    println!(
        "open loop: {n} callbacks at {}/s for {} s",
        a.rate, a.seconds
    );
    let pids = [
        baton.child.id().to_string(),
        redis_pid.to_owned(),
        "self".to_owned(),
    ];
    let cpu_before = pids.clone().map(|p| setup::cpu_seconds(&p));
    let machine_before = setup::machine_seconds();
    let rewrites_before = setup::children_cpu_seconds(redis_pid);
    let (metrics_before, load_before) = (Metrics::scrape(&rest).await, setup::load_average());
    let monitor = a
        .monitor
        .as_deref()
        .map(|path| setup::monitor(redis_url, path));
    setup::redis_reset(port);
    let watcher = forks::Watcher::start(port);
    let (base, rec) = (rest.base.clone(), svc.rec.clone());
    let (start, sent) = load::open_loop(a.rate as f64, n, move |i| {
        let token = rec.token(i).expect("every token was collected");
        client
            .post(format!("{base}/v1/callbacks/{token}/success"))
            .header("content-type", "application/json")
            .body(r#"{"ok":true}"#)
    })
    .await;
    let accepted = sent.iter().filter(|s| s.error.is_none()).count();
    let deadline = Instant::now() + Duration::from_secs(30);
    while svc.rec.arrived() < accepted && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = start.elapsed().as_secs_f64();
    let forks = watcher.stop();
    if let Some(mut monitor) = monitor {
        let _ = monitor.kill();
        let _ = monitor.wait();
    }
    if let Some(path) = &a.timeline {
        report::timeline(path, &sent, &svc);
    }
    let mut cpu = pids.map(|p| setup::cpu_seconds(&p));
    for (c, b) in cpu.iter_mut().zip(cpu_before) {
        *c -= b;
    }
    let machine_after = setup::machine_seconds();
    let machine = (
        machine_after.0 - machine_before.0,
        machine_after.1 - machine_before.1,
        setup::children_cpu_seconds(redis_pid) - rewrites_before,
    );
    let load = (load_before, setup::load_average());
    let baton_metrics = metrics_before.describe(&Metrics::scrape(&rest).await);
    let redis_work = setup::redis_work(port, n);
    report::report(&report::Run {
        args: a,
        svc: &svc,
        sent: &sent,
        start,
        floor,
        set_per_sec,
        park: (starts, parked),
        wall,
        cpu,
        machine,
        load,
        baton: baton_metrics,
        redis: redis_work,
        forks,
    })
}
