//! The harness of the Redis fault tests (`tests/tests/redis_faults.rs`): a durable
//! `redis-server` (AOF, `appendfsync always`), `baton serve --redis` and `baton worker
//! --redis` as the README starts them, the task and notify services, and [`EXECUTIONS`]
//! executions of
//!
//! ```text
//! Charge (HTTP Task) → Pause (Wait 1 s) → Approve (Callback, Notify) → Approved? (Choice)
//!   → Tally → (Round → More?) × ROUNDS (Pass/Choice) → Ship (HTTP Task)
//! ```
//!
//! The Pass/Choice loop is there for the pipelined commits: its transitions go to Redis
//! without waiting for each other's answers, so a fault lands in the middle of many.
//!
//! started through the REST API the way a careful client does (a connection error or a
//! 5xx is retried with the same name and input). Every output is a function of the input
//! ([`expected_output`]), so a run disturbed by a fault must end exactly as an undisturbed
//! one. [`Run::finish`](crate::fault_checks) holds the final checks.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use baton_engine::testing::redis_cluster::RedisCluster;
use baton_engine::testing::redis_server::RedisServer;

use crate::approvals::Approvals;
use crate::baton::Baton;
use crate::rest::Rest;
use crate::services::{Received, Service};

/// Executions of a run, unless it says otherwise ([`Run::begin_on`]).
pub const EXECUTIONS: usize = 300;
pub const MACHINE: &str = "orders";
/// A one-state machine whose executions probe whether the API can write.
pub const PROBE_MACHINE: &str = "probe";
/// Logs that show partitions being acquired.
const LOG: &str = "info,baton_engine::worker=debug";
/// Starts are spread over `EXECUTIONS × START_EVERY` (3 s), so a fault finds executions
/// in every state.
const START_EVERY: Duration = Duration::from_millis(10);
/// How long the notify service waits before it answers a token.
const CALLBACK_DELAY: Duration = Duration::from_millis(250);

/// The input of execution `i`.
pub fn input(i: usize) -> Value {
    json!({"order": {"id": format!("o-{i}"), "n": i, "total": 10 + i}})
}

/// The name of execution `i`.
pub fn name(i: usize) -> String {
    format!("run-{i}")
}

/// The callback output for the order of a notification.
pub fn approval(order: &Value) -> Value {
    let n = order["n"].as_u64().unwrap_or(u64::MAX);
    json!({"approved": true, "by": format!("approver-{}", n % 7), "order": order["id"]})
}

/// What `/charge` and `/ship` answer: a function of the request body alone.
fn task_answer(req: &Received) -> (u16, Value) {
    let body = &req.body;
    match req.path.as_str() {
        "/charge" => (
            200,
            json!({"receipt": format!("R-{}", body["order"]["id"].as_str().unwrap_or("?")),
                   "amount": body["order"]["total"]}),
        ),
        "/ship" => (
            200,
            json!({"parcel": format!("P-{}", body["order"].as_str().unwrap_or("?")),
                   "approvedBy": body["approvedBy"]}),
        ),
        _ => (404, json!({"error": "no such path"})),
    }
}

/// The output of an undisturbed execution `i`, computed from its input.
pub fn expected_output(i: usize) -> Value {
    let input = input(i);
    let order = &input["order"];
    let approval = approval(order);
    json!({
        "order": order,
        "charge": {"receipt": format!("R-o-{i}"), "amount": order["total"]},
        "approval": approval,
        "shipping": {"parcel": format!("P-o-{i}"), "approvedBy": approval["by"]},
        "rounds": {"i": ROUNDS},
    })
}

/// Rounds of the Pass/Choice loop before Ship.
const ROUNDS: u32 = 25;

pub fn definition(tasks: &Service, approvals: &Approvals) -> Value {
    json!({
        "Comment": "Charge, wait, ask for approval, ship.",
        "StartAt": "Charge",
        "States": {
            "Charge": {"Type": "Task", "Resource": tasks.url("/charge"), "ResultPath": "$.charge",
                       "Next": "Pause"},
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Approve"},
            "Approve": {
                "Type": "Callback",
                "Notify": {"ApiEndpoint": approvals.url("/approve"), "Method": "POST",
                           "RequestBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
                "HeartbeatSeconds": 600,
                "TimeoutSeconds": 900,
                "ResultPath": "$.approval",
                "Next": "Approved?"
            },
            "Approved?": {"Type": "Choice", "Choices": [
                    {"Variable": "$.approval.approved", "BooleanEquals": true, "Next": "Tally"}],
                "Default": "Refused"},
            "Tally": {"Type": "Pass", "Result": {"i": 0}, "ResultPath": "$.rounds", "Next": "Round"},
            "Round": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.rounds.i, 1)"},
                      "ResultPath": "$.rounds", "Next": "More?"},
            "More?": {"Type": "Choice", "Choices": [
                    {"Variable": "$.rounds.i", "NumericLessThan": ROUNDS, "Next": "Round"}],
                "Default": "Ship"},
            "Refused": {"Type": "Fail", "Error": "Refused"},
            "Ship": {"Type": "Task", "Resource": tasks.url("/ship"),
                     "Parameters": {"order.$": "$.order.id", "approvedBy.$": "$.approval.by"},
                     "ResultPath": "$.shipping", "End": true}
        }
    })
}

/// How a start request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// 201.
    Created,
    /// 200: the same name and input was running (after an ambiguous failure).
    AlreadyRunning,
    /// 409 `ExecutionAlreadyExists` after an ambiguous failure: created then (described
    /// later).
    ExistedAfterAmbiguous,
    /// Anything else: a test failure.
    Failed(String),
}

/// The Redis a run uses.
#[derive(Debug)]
pub enum Redis {
    Single(RedisServer),
    Cluster(RedisCluster),
}

impl Redis {
    /// The flags that point Baton at it.
    fn flags(&self) -> Vec<String> {
        match self {
            Redis::Single(server) => vec!["--redis".into(), server.url()],
            Redis::Cluster(cluster) => vec!["--redis-cluster".into(), cluster.urls().join(",")],
        }
    }
}

/// One test's processes, services and executions.
#[derive(Debug)]
pub struct Run {
    pub redis: Redis,
    /// The serve process the executions are started through.
    pub serve: Baton,
    /// More serve processes (callbacks are answered through the last one).
    pub more_serves: Vec<Baton>,
    pub worker: Baton,
    /// How many executions the run starts.
    pub executions: usize,
    pub rest: Rest,
    pub tasks: Service,
    pub approvals: Approvals,
    /// Problems found so far (the fault tests' own checks add theirs); reported by
    /// [`Run::finish`](crate::fault_checks).
    pub problems: Arc<Mutex<Vec<String>>>,
    /// Each execution's start: how it ended and how many attempts it took.
    pub starts: tokio::task::JoinHandle<Vec<(Started, u32)>>,
    /// Checks running beside the final ones ([`Run::check_meanwhile`]).
    pub side_checks: Vec<tokio::task::JoinHandle<Result<(), String>>>,
    pub began: Instant,
}

impl Run {
    /// Starts everything on a durable `redis-server` (one serve and one worker process)
    /// and begins starting the executions (in the background); `None` when redis-server is
    /// missing outside CI.
    pub async fn begin() -> Option<Run> {
        let redis = RedisServer::start_durable()?;
        Some(Run::begin_on(Redis::Single(redis), 1, EXECUTIONS, &[]).await)
    }

    /// [`Run::begin`] on `redis`, with `serves` serve processes and a worker, each given
    /// `extra` flags besides the store's, and `executions` executions. Callbacks are
    /// answered through the last serve process, so tokens cross processes whenever there are
    /// several.
    pub async fn begin_on(redis: Redis, serves: usize, executions: usize, extra: &[&str]) -> Run {
        let mut flags = redis.flags();
        flags.extend(extra.iter().map(|f| (*f).to_owned()));
        let (mut serves, worker) = tokio::task::spawn_blocking(move || {
            // As the README starts them: the processes agree on task-token keys by
            // themselves (no BATON_SIGNING_KEYS; `Baton` passes none through).
            let env = [("RUST_LOG", LOG)];
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            let serves: Vec<Baton> = (0..serves.max(1))
                .map(|_| Baton::serve(&flags, &env))
                .collect();
            let mut worker_flags = flags.clone();
            worker_flags.extend(["--listen", "127.0.0.1:0"]);
            let mut worker = Baton::worker(&worker_flags, &env);
            let listening =
                worker.wait_for_line("baton worker listening on ", Duration::from_secs(30));
            worker.url = listening
                .and_then(|l| Some(l.split("listening on ").nth(1)?.trim().to_owned()))
                .unwrap_or_default();
            // Every process works: the worker gets its share once the serve processes
            // see its heartbeat and hand partitions over.
            let acquired = worker.wait_for_line("partition acquired", Duration::from_secs(30));
            let log = worker.output().join("\n");
            assert!(acquired.is_some(), "the worker took no partition:\n{log}");
            (serves, worker)
        })
        .await
        .expect("start baton");
        let serve = serves.remove(0);
        let rest = Rest::new(&serve.url);
        let callbacks_to = serves.last().map_or(serve.url.clone(), |b| b.url.clone());
        let tasks = Service::start(task_answer).await;
        let approvals =
            Approvals::start(&callbacks_to, CALLBACK_DELAY, |n| approval(&n["order"])).await;
        rest.put_machine(MACHINE, &definition(&tasks, &approvals))
            .await;
        let probe = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        rest.put_machine(PROBE_MACHINE, &probe).await;
        let starts = tokio::spawn(start_all(rest.clone(), executions));
        Run {
            redis,
            serve,
            more_serves: serves,
            worker,
            executions,
            rest,
            tasks,
            approvals,
            problems: Arc::default(),
            starts,
            side_checks: Vec::new(),
            began: Instant::now(),
        }
    }

    /// The sum of the samples of metric `name` (labels included in the prefix, e.g.
    /// `baton_commit_conflicts_total`) over every Baton process of the run.
    pub async fn metric_sum(&self, name: &str) -> f64 {
        let mut total = 0.0;
        let urls = std::iter::once(&self.serve.url)
            .chain(self.more_serves.iter().map(|b| &b.url))
            .chain(std::iter::once(&self.worker.url));
        for url in urls {
            let Ok(response) = self.rest.http.get(format!("{url}/metrics")).send().await else {
                continue;
            };
            let text = response.text().await.unwrap_or_default();
            total += text
                .lines()
                .filter(|l| l.starts_with(name))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum::<f64>();
        }
        total
    }

    /// The single `redis-server` of a run (panics for a cluster run).
    pub fn server(&mut self) -> &mut RedisServer {
        match &mut self.redis {
            Redis::Single(server) => server,
            Redis::Cluster(_) => panic!("this run is on a cluster"),
        }
    }

    /// The cluster of a run (panics for a single-server run).
    pub fn cluster(&mut self) -> &mut RedisCluster {
        match &mut self.redis {
            Redis::Cluster(cluster) => cluster,
            Redis::Single(_) => panic!("this run is on a single redis-server"),
        }
    }

    /// Waits until half of the executions have reached the callback wait (their
    /// notification arrived): the moment for a fault.
    pub async fn until_half_notified(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.approvals.notified() < self.executions / 2 {
            assert!(
                Instant::now() < deadline,
                "only {} of {} executions notified within 60 s",
                self.approvals.notified(),
                self.executions
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Notes a problem for the final report.
    pub fn problem(&self, problem: String) {
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(problem);
    }

    /// Runs `check` beside the final checks, which wait for it and report its error.
    pub fn check_meanwhile(
        &mut self,
        check: impl Future<Output = Result<(), String>> + Send + 'static,
    ) {
        self.side_checks.push(tokio::spawn(check));
    }

    /// `GET path` on the serve process: the status, or 0 when it does not answer.
    pub async fn status_of(&self, path: &str) -> u16 {
        status_of(&self.rest, path).await
    }

    /// Starts execution `probe-<k>` of the probe machine (a write through the API); its
    /// answer (`Err` for a transport error) and how long it took.
    pub async fn probe_write(&self, k: usize) -> (Result<(u16, Value), String>, Duration) {
        let began = Instant::now();
        let path = format!("/v1/state-machines/{PROBE_MACHINE}/executions");
        let request = self.rest.request(Method::POST, &path);
        let request = request.json(&json!({"name": format!("probe-{k}"), "input": {"k": k}}));
        let answer = self
            .rest
            .send(request.timeout(Duration::from_secs(10)))
            .await;
        (answer.map_err(|e| e.to_string()), began.elapsed())
    }
}

/// `GET path`: the status, or 0 when the server does not answer within 5 s.
pub async fn status_of(rest: &Rest, path: &str) -> u16 {
    let request = rest.request(Method::GET, path);
    match rest.send(request.timeout(Duration::from_secs(5))).await {
        Ok((status, _)) => status,
        Err(_) => 0,
    }
}

/// Starts every execution, one every [`START_EVERY`], at most 32 in flight.
async fn start_all(rest: Rest, executions: usize) -> Vec<(Started, u32)> {
    let permits = Arc::new(Semaphore::new(32));
    let mut tasks = Vec::new();
    for i in 0..executions {
        let permit = permits.clone().acquire_owned().await.expect("semaphore");
        let rest = rest.clone();
        tasks.push(tokio::spawn(async move {
            let started = start_one(&rest, &name(i), &input(i)).await;
            drop(permit);
            started
        }));
        tokio::time::sleep(START_EVERY).await;
    }
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.expect("start task"));
    }
    out
}

/// Starts one execution; retries connection errors, timeouts and 5xx for 90 s with the
/// same name and input.
async fn start_one(rest: &Rest, name: &str, input: &Value) -> (Started, u32) {
    let path = format!("/v1/state-machines/{MACHINE}/executions");
    let body = json!({"name": name, "input": input});
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut backoff = Duration::from_millis(100);
    let (mut ambiguous, mut last, mut attempt) = (false, String::new(), 0);
    loop {
        attempt += 1;
        let request = rest.request(Method::POST, &path).json(&body);
        let request = request.timeout(Duration::from_secs(10));
        let started = match rest.send(request).await {
            Ok((201, _)) => Some(Started::Created),
            Ok((200, view)) if view["status"] == "RUNNING" => Some(Started::AlreadyRunning),
            Ok((409, e)) if ambiguous && e["error"] == "ExecutionAlreadyExists" => {
                Some(Started::ExistedAfterAmbiguous)
            }
            Ok((status, e)) if status < 500 => Some(Started::Failed(format!("{status} {e}"))),
            Ok((status, e)) => {
                (ambiguous, last) = (true, format!("{status} {e}"));
                None
            }
            Err(e) => {
                ambiguous |= !e.is_connect();
                last = e.to_string();
                None
            }
        };
        if let Some(started) = started {
            return (started, attempt);
        }
        if Instant::now() > deadline {
            return (
                Started::Failed(format!("gave up after 90 s: {last}")),
                attempt,
            );
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}
