//! Parking the executions through the REST API, and the open-loop sender.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use baton_engine::store::{RedisStore, Store};
use baton_tests::rest::Rest;
use serde_json::json;

use crate::service::Loopback;

/// How long parking may go without progress before the run fails.
const STALL: Duration = Duration::from_secs(120);

/// Starts executions `e0…e{n-1}` of `machine` (input `{"i": i}`), `concurrency` requests
/// at a time, then waits until every notification brought its token and no execution is
/// active (each is parked in its callback wait). Answers the seconds the starts took and
/// the seconds until all were parked.
pub async fn park(
    rest: &Rest,
    svc: &Loopback,
    store: &RedisStore,
    machine: &str,
    n: usize,
    concurrency: usize,
) -> (f64, f64) {
    let began = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut starters = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (rest, next, machine) = (rest.clone(), next.clone(), machine.to_owned());
        starters.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                rest.start(&machine, &format!("e{i}"), &json!({"i": i}))
                    .await;
            }
        });
    }
    let mut report = Instant::now();
    while !starters.is_empty() {
        if let Ok(Some(done)) =
            tokio::time::timeout(Duration::from_millis(500), starters.join_next()).await
        {
            done.expect("a starter failed (its panic is above)");
        }
        if report.elapsed() > Duration::from_secs(5) {
            report = Instant::now();
            let started = next.load(Ordering::Relaxed).min(n);
            let tokens = svc.rec.tokens_seen();
            println!("  parking: {started} started, {tokens} tokens collected");
        }
    }
    let starts = began.elapsed().as_secs_f64();
    let (mut seen, mut progress) = ((0, usize::MAX), Instant::now());
    loop {
        let tokens = svc.rec.tokens_seen();
        let active = if tokens == n {
            active_executions(store).await
        } else {
            usize::MAX
        };
        if tokens == n && active == 0 {
            return (starts, began.elapsed().as_secs_f64());
        }
        if (tokens, active) != seen {
            seen = (tokens, active);
            progress = Instant::now();
        }
        assert!(
            progress.elapsed() < STALL,
            "parking stalled: {tokens} of {n} tokens collected, {active} executions active"
        );
        if report.elapsed() > Duration::from_secs(5) {
            report = Instant::now();
            println!("  parking: {tokens} tokens collected, waiting for the active set to empty");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Executions in every partition's active set (runnable, or with a request in flight).
pub async fn active_executions(store: &RedisStore) -> usize {
    let mut active = 0;
    for p in 0..store.partitions() {
        active += store
            .active_executions(p)
            .await
            .expect("read an active set")
            .len();
    }
    active
}

/// One request of the open loop.
#[derive(Debug)]
pub struct Sent {
    pub scheduled: Instant,
    /// When its task first ran (scheduled + the sender's and the runtime's lag).
    pub sent: Instant,
    pub answered: Instant,
    pub error: Option<String>,
}

/// Sends `count` requests at `rate` per second on a fixed schedule: request `i` leaves at
/// `start + i / rate`, whatever became of the ones before (open loop; any number in
/// flight). A thread of its own keeps the schedule (tokio's timer has 1 ms steps) and hands
/// each request to the runtime. Answers `start` and every request's times, by index.
pub async fn open_loop<F>(rate: f64, count: usize, request: F) -> (Instant, Vec<Sent>)
where
    F: Fn(usize) -> reqwest::RequestBuilder + Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let start = Instant::now() + Duration::from_millis(20);
    std::thread::spawn(move || {
        for i in 0..count {
            let scheduled = start + Duration::from_secs_f64(i as f64 / rate);
            if let Some(wait) = scheduled.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let (request, tx) = (request(i), tx.clone());
            handle.spawn(async move {
                let sent = Instant::now();
                let error = match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        let body = response.text().await.unwrap_or_default();
                        (status != 200).then(|| format!("{status}: {body}"))
                    }
                    Err(e) => Some(e.to_string()),
                };
                let answered = Instant::now();
                let _ = tx.send((
                    i,
                    Sent {
                        scheduled,
                        sent,
                        answered,
                        error,
                    },
                ));
            });
        }
    });
    let mut all: Vec<Option<Sent>> = (0..count).map(|_| None).collect();
    for _ in 0..count {
        let (i, sent) = rx.recv().await.expect("the sender's requests");
        all[i] = Some(sent);
    }
    (start, all.into_iter().map(|s| s.expect("sent")).collect())
}
