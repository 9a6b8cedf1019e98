//! The final checks of a fault run ([`Run::finish`]): within 60 s of Redis being back
//! every execution has SUCCEEDED with exactly its [`expected_output`]; each history has ids
//! 1..n, every `previousEventId` below its id, one `ExecutionStarted` and one
//! `ExecutionSucceeded`; every repeated HTTP request (same `Idempotency-Key`) carried the
//! same body, and no (execution, state) was called under two keys; every callback answered
//! 200 (or confirmed by a 409 after an ambiguous failure) is the `Approve` result in its
//! execution's history and output; both Baton processes still run.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::approvals::Answer;
use crate::faults::{MACHINE, Run, Started, expected_output, name};
use crate::history::{check_history, history, last_event, task_results};
use crate::rest::Rest;
use crate::services::Received;

/// What a run that passed its checks counted.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub succeeded: usize,
    /// HTTP requests sent again (same key, same body).
    pub repeated: usize,
    /// Commits refused for their version, summed over the processes: each a transition
    /// computed on a record that had changed under it — after a lost answer (the commit
    /// was applied, and sent again: the Redis Cluster client resends a request whose
    /// connection dropped, e.g. to the new master after a failover) or lost writes.
    pub conflicts: f64,
    /// Versions the store had acknowledged and no longer held when an actor read the
    /// record again (`baton_acknowledged_commits_lost_total`), summed over the processes.
    pub lost: f64,
}

/// How long after Redis is back every execution must have ended.
pub const RECOVERY: Duration = Duration::from_secs(60);

impl Run {
    /// Runs the final checks (see the module docs) with Redis back since `back`; prints a
    /// summary line starting with `label`; panics listing every problem.
    pub async fn finish(mut self, label: &str, back: Instant) -> Summary {
        let deadline = back + RECOVERY;
        let left = deadline.saturating_duration_since(Instant::now());
        let starts = match tokio::time::timeout(left, &mut self.starts).await {
            Ok(starts) => starts.expect("the start task"),
            Err(_) => {
                self.problem("the starts did not finish within 60 s of Redis being back".into());
                Vec::new()
            }
        };
        for (i, (started, _)) in starts.iter().enumerate() {
            if let Started::Failed(why) = started {
                self.problem(format!("{}: the start failed: {why}", name(i)));
            }
        }
        let retried_starts = starts.iter().filter(|(_, attempts)| *attempts > 1).count();

        let executions = self.executions;
        let views = wait_for_ends(&self.rest, executions, deadline).await;
        let ended_after = back.elapsed();
        let all: Vec<usize> = (0..executions).collect();
        let histories = for_each(&self.rest, &all, |rest, i| async move {
            history(&rest, MACHINE, &name(i)).await
        })
        .await;
        let mut stuck: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut succeeded = 0;
        for i in 0..executions {
            let (view, events) = (&views[i], &histories[i]);
            let status = view
                .as_ref()
                .map_or("UNKNOWN", |v| v["status"].as_str().unwrap_or("?"));
            let output = view.as_ref().and_then(|v| v.get("output"));
            match events {
                Ok(events) => {
                    for problem in check_history(events, status == "SUCCEEDED") {
                        self.problem(format!("{}: {problem}", name(i)));
                    }
                }
                Err(e) => self.problem(format!("{}: no history: {e}", name(i))),
            }
            if status == "SUCCEEDED" && output == Some(&expected_output(i)) {
                succeeded += 1;
                continue;
            }
            let last = events
                .as_ref()
                .ok()
                .map_or("no history".into(), |e| last_event(e));
            stuck
                .entry(format!("{status}, {last}"))
                .or_default()
                .push(i);
            if status == "SUCCEEDED" {
                let want = expected_output(i);
                self.problem(format!("{}: output {output:?}, expected {want}", name(i)));
            }
        }
        for (what, runs) in &stuck {
            let runs: Vec<String> = runs.iter().map(|&i| name(i)).collect();
            self.problem(format!(
                "{} executions not SUCCEEDED with the expected output within {RECOVERY:?} of Redis being back ({what}): {}",
                runs.len(),
                listing(&runs)
            ));
        }

        for check in std::mem::take(&mut self.side_checks) {
            if let Err(problem) = check.await.expect("a side check") {
                self.problem(problem);
            }
        }
        let mut received = self.tasks.received();
        received.extend(self.approvals.service.received());
        let repeated = self.check_requests(&received);
        let (accepted, confirmed) = self.check_callbacks(&histories);
        let processes = [("serve", &mut self.serve), ("worker", &mut self.worker)]
            .into_iter()
            .chain(self.more_serves.iter_mut().map(|b| ("serve", b)));
        for (process, baton) in processes {
            if !baton.is_running() {
                self.problems
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(format!(
                        "baton {process} is no longer running; its output ends:\n{}",
                        tail(baton.output(), 30)
                    ));
            }
        }

        let summary = format!(
            "{label}: {succeeded}/{executions} succeeded in {:.1} s after Redis was back, \
             {repeated} repeated requests (same key, same body), {accepted} callbacks answered \
             200, {confirmed} confirmed by 409 after an ambiguous failure, {retried_starts} \
             starts retried",
            ended_after.as_secs_f64()
        );
        println!("{summary}");
        let conflicts = self.metric_sum("baton_commit_conflicts_total").await;
        let lost = (self.metric_sum("baton_acknowledged_commits_lost_total")).await;
        let problems =
            std::mem::take(&mut *self.problems.lock().unwrap_or_else(|p| p.into_inner()));
        if !problems.is_empty() {
            let shown: Vec<&String> = problems.iter().take(40).collect();
            let serve_log = tail(self.serve.output(), 20);
            let worker_log = tail(self.worker.output(), 20);
            panic!(
                "{summary}\n{} problems:\n- {}\n\nbaton serve's last lines:\n{serve_log}\n\nbaton worker's last lines:\n{worker_log}",
                problems.len(),
                shown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n- "),
            );
        }
        Summary {
            succeeded,
            repeated,
            conflicts,
            lost,
        }
    }

    /// Groups requests by `Idempotency-Key`: each repeat must carry the same body, and each
    /// (execution, state) one key. The number of repeats.
    fn check_requests(&self, received: &[Received]) -> usize {
        let mut by_key: BTreeMap<&str, Vec<&Received>> = BTreeMap::new();
        for r in received {
            match r.idempotency_key.as_deref() {
                Some(key) => by_key.entry(key).or_default().push(r),
                None => self.problem(format!(
                    "{} {} without an Idempotency-Key",
                    r.method, r.path
                )),
            }
        }
        let mut keys_of: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
        let mut repeated = 0;
        for (key, requests) in &by_key {
            repeated += requests.len() - 1;
            let parts: Vec<&str> = key.rsplitn(3, '/').collect();
            let [_attempt, state, execution] = parts[..] else {
                self.problem(format!("a malformed Idempotency-Key {key}"));
                continue;
            };
            keys_of.entry((execution, state)).or_default().insert(key);
            let first = requests[0];
            for r in &requests[1..] {
                if (&r.method, &r.path, &r.body) != (&first.method, &first.path, &first.body) {
                    self.problem(format!(
                        "{key} repeated with another request: {} {} {} then {} {} {}",
                        first.method, first.path, first.body, r.method, r.path, r.body
                    ));
                }
            }
        }
        for ((execution, state), keys) in keys_of {
            if keys.len() > 1 {
                self.problem(format!(
                    "{execution} called {state} under several keys: {keys:?}"
                ));
            }
        }
        repeated
    }

    /// Every callback got a definite answer; those applied are the `Approve` result and
    /// in the output. Counts (200, confirmed by 409).
    fn check_callbacks(&self, histories: &[Result<Vec<Value>, String>]) -> (usize, usize) {
        let (mut accepted, mut confirmed) = (0, 0);
        // Refusals grouped by answer: executions (with the attempt and earlier failures).
        let mut refused: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let callbacks = self.approvals.callbacks();
        for callback in callbacks.values() {
            let execution = &callback.execution;
            let tried = match callback.failed_attempts.as_slice() {
                [] => String::new(),
                failed => format!(" after {}", failed.join("; ")),
            };
            match &callback.answer {
                None => self.problem(format!("{execution}: callback still unanswered{tried}")),
                Some(Answer::Refused {
                    attempt,
                    status,
                    body,
                }) => refused
                    .entry(format!("{status} {body}"))
                    .or_default()
                    .push(format!("{execution} (attempt {attempt}{tried})")),
                Some(answer) => {
                    if matches!(answer, Answer::Accepted { .. }) {
                        accepted += 1;
                    } else {
                        confirmed += 1;
                    }
                    let i = execution
                        .strip_prefix(&format!("{MACHINE}:run-"))
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|i| *i < self.executions);
                    let Some(i) = i else {
                        self.problem(format!("a callback for an unknown execution {execution:?}"));
                        continue;
                    };
                    let Ok(events) = &histories[i] else { continue };
                    let results = task_results(events, "Approve");
                    if results != [callback.output.clone()] {
                        self.problem(format!(
                            "{execution}: callback {answer:?} with {} took no effect: Approve results {results:?}",
                            callback.output
                        ));
                    }
                }
            }
        }
        for (answer, executions) in refused {
            self.problem(format!(
                "{} callbacks refused with {answer}: {}",
                executions.len(),
                listing(&executions)
            ));
        }
        if callbacks.len() != self.executions {
            self.problem(format!(
                "{} of {} executions reached Approve (notified)",
                callbacks.len(),
                self.executions
            ));
        }
        (accepted, confirmed)
    }
}

/// Describes every execution until none is `RUNNING` or `deadline` passes; the last view
/// of each (`None` if it never answered).
async fn wait_for_ends(rest: &Rest, executions: usize, deadline: Instant) -> Vec<Option<Value>> {
    let mut views: Vec<Option<Value>> = vec![None; executions];
    loop {
        let pending: Vec<usize> = (0..executions)
            .filter(|&i| views[i].as_ref().is_none_or(|v| v["status"] == "RUNNING"))
            .collect();
        if pending.is_empty() || Instant::now() > deadline {
            return views;
        }
        let described = for_each(rest, &pending, |rest, i| async move {
            let path = format!("/v1/state-machines/{MACHINE}/executions/{}", name(i));
            let request = rest
                .request(Method::GET, &path)
                .timeout(Duration::from_secs(5));
            match rest.send(request).await {
                Ok((200, view)) => Some(view),
                _ => None,
            }
        })
        .await;
        for (&i, view) in pending.iter().zip(described) {
            if view.is_some() {
                views[i] = view;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `check(rest, i)` for each of `executions`, 16 at a time; the results in that order.
async fn for_each<T, F, Fut>(rest: &Rest, executions: &[usize], check: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Rest, usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(16));
    let tasks: Vec<_> = executions
        .iter()
        .map(|&i| {
            let (permits, work) = (permits.clone(), check(rest.clone(), i));
            tokio::spawn(async move {
                let _permit = permits.acquire().await.expect("semaphore");
                work.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(executions.len());
    for task in tasks {
        out.push(task.await.expect("check task"));
    }
    out
}

/// The first 12 of `items`, and how many more.
fn listing(items: &[String]) -> String {
    let mut shown: Vec<&str> = items.iter().take(12).map(String::as_str).collect();
    let more = format!("… {} more", items.len().saturating_sub(12));
    if items.len() > 12 {
        shown.push(&more);
    }
    shown.join(", ")
}

fn tail(lines: &[String], n: usize) -> String {
    lines[lines.len().saturating_sub(n)..].join("\n")
}
