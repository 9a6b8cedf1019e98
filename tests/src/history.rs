//! Reading and checking execution histories (REST API, AWS's `HistoryEvent` shape) while
//! the server may still be recovering.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::rest::Rest;

/// The whole history of `execution`, 1,000 events a page; a few tries per page.
pub async fn history(rest: &Rest, machine: &str, execution: &str) -> Result<Vec<Value>, String> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path =
            format!("/v1/state-machines/{machine}/executions/{execution}/history?limit=1000");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let mut tries = 0;
        let page = loop {
            tries += 1;
            let request = rest
                .request(Method::GET, &path)
                .timeout(Duration::from_secs(5));
            match rest.send(request).await {
                Ok((200, page)) => break page,
                other if tries >= 5 => return Err(format!("GET {path}: {other:?}")),
                _ => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        };
        events.extend(page["events"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(events),
        }
    }
}

/// Ids 1..n, `previousEventId` < id, one `ExecutionStarted`, and one
/// `ExecutionSucceeded` when `succeeded` (none otherwise).
pub fn check_history(events: &[Value], succeeded: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for (k, e) in events.iter().enumerate() {
        let (id, previous) = (e["id"].as_i64(), e["previousEventId"].as_i64());
        if id != Some(k as i64 + 1) {
            problems.push(format!("event #{} has id {id:?} ({})", k + 1, e["type"]));
        }
        if !previous.zip(id).is_some_and(|(p, i)| (0..i).contains(&p)) {
            problems.push(format!("event {id:?} has previousEventId {previous:?}"));
        }
    }
    for (kind, want) in [
        ("ExecutionStarted", 1),
        ("ExecutionSucceeded", usize::from(succeeded)),
    ] {
        let count = events.iter().filter(|e| e["type"] == kind).count();
        if count != want {
            problems.push(format!("{count} {kind} events"));
        }
    }
    problems
}

/// The outputs of `TaskSucceeded` events of `state` (the state last entered).
pub fn task_results(events: &[Value], state: &str) -> Vec<Value> {
    let mut current = "";
    let mut out = Vec::new();
    for e in events {
        if let Some(entered) = e["stateEnteredEventDetails"]["name"].as_str() {
            current = entered;
        }
        if e["type"] == "TaskSucceeded" && current == state {
            let output = &e["taskSucceededEventDetails"]["output"];
            out.push(match output.as_str() {
                Some(text) => serde_json::from_str(text).unwrap_or(output.clone()),
                None => output.clone(),
            });
        }
    }
    out
}

/// "last event #12 TaskSubmitted in Approve".
pub fn last_event(events: &[Value]) -> String {
    let state = events
        .iter()
        .rev()
        .find_map(|e| e["stateEnteredEventDetails"]["name"].as_str())
        .unwrap_or("no state");
    match events.last() {
        Some(e) => format!(
            "last event #{} {} in {state}",
            e["id"],
            e["type"].as_str().unwrap_or("?")
        ),
        None => "an empty history".into(),
    }
}
