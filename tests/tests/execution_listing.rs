//! The console's executions page over REST on a real `baton serve`, with the embedded
//! store and with Redis: `GET …/executions` with `namePrefix`, `startedAfter`,
//! `startedBefore` (RFC 3339, any offset), `status`, `limit` and `cursor`; a 400 naming the
//! parameter for a bad value; `executionCounts` on `GET /v1/state-machines/{name}`.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;
use baton_tests::rest::Rest;

/// `{"do": "fail"}` fails, `{"do": "wait"}` waits an hour, anything else succeeds.
fn definition() -> Value {
    json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "P", "Choices": [
            {"Variable": "$.do", "StringEquals": "fail", "Next": "F"},
            {"Variable": "$.do", "StringEquals": "wait", "Next": "W"}]},
        "F": {"Type": "Fail", "Error": "Nope"},
        "W": {"Type": "Wait", "Seconds": 3600, "End": true},
        "P": {"Type": "Pass", "End": true}}})
}

const LIST: &str = "/v1/state-machines/orders/executions";

/// `path?k=v&…`, the values percent-encoded (`+` in an offset is not a space).
fn with_query(path: &str, query: &[(&str, &str)]) -> String {
    let encode = |v: &str| {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let pairs: Vec<String> = (query.iter())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

/// The names of a listing's executions, every page followed (`limit` each).
async fn listed(rest: &Rest, query: &[(&str, &str)], limit: u32) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let limit = limit.to_string();
        let mut params: Vec<(&str, &str)> = query.to_vec();
        params.push(("limit", &limit));
        if let Some(c) = &cursor {
            params.push(("cursor", c));
        }
        let request = rest.request(Method::GET, &with_query(LIST, &params));
        let page = rest.expect(request, 200).await;
        let executions = page["executions"].as_array().expect("executions");
        assert!(executions.len() <= limit.parse().unwrap(), "{page}");
        names.extend(
            executions
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_owned()),
        );
        match page.get("next").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => return names,
        }
    }
    panic!("{query:?}: still a next page after 50");
}

/// The same time as `utc` (`…THH:MM:SS.mmmZ`) written with a ±01:00 offset.
fn with_offset(utc: &str) -> String {
    let hour: u32 = utc[11..13].parse().unwrap();
    let (hour, offset) = if hour < 23 {
        (hour + 1, "+01:00")
    } else {
        (hour - 1, "-01:00")
    };
    format!("{}{hour:02}{}{offset}", &utc[..11], &utc[13..23])
}

async fn listing_filters_and_counts(store: &str, args: &[&str]) {
    let baton = Baton::serve_async(args, &[]).await;
    let rest = Rest::new(&baton.url);
    let created = rest.put_machine("orders", &definition()).await;
    assert!(created.get("executionCounts").is_none(), "{created}");
    // Oldest first; 5 ms apart so that no two share a start time.
    let runs = [
        ("order-1", "pass"),
        ("refund-1", "wait"),
        ("order-2", "fail"),
        ("order-3", "pass"),
        ("refund-2", "wait"),
        ("order-4", "wait"),
        ("refund-3", "pass"),
        ("order-5", "pass"),
    ];
    let mut started = Vec::new();
    for (name, what) in runs {
        // Those that end are waited for (200); the others answer at once (201).
        let (path, status) = match what {
            "wait" => ("/v1/state-machines/orders/executions", 201),
            _ => ("/v1/state-machines/orders/executions?wait=10", 200),
        };
        let request =
            (rest.request(Method::POST, path)).json(&json!({"name": name, "input": {"do": what}}));
        let view = rest.expect(request, status).await;
        started.push(view["startedAt"].as_str().unwrap().to_owned());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let stop = rest.request(
        Method::POST,
        "/v1/state-machines/orders/executions/refund-2/stop",
    );
    rest.expect(stop.json(&json!({})), 200).await;
    let newest_first = |picked: &[usize]| -> Vec<String> {
        let mut names: Vec<String> = picked.iter().map(|i| runs[*i].0.to_owned()).collect();
        names.reverse();
        names
    };

    for limit in [1, 2, 100] {
        let all = listed(&rest, &[], limit).await;
        assert_eq!(all, newest_first(&[0, 1, 2, 3, 4, 5, 6, 7]), "{store}");
        let orders = listed(&rest, &[("namePrefix", "order-")], limit).await;
        assert_eq!(orders, newest_first(&[0, 2, 3, 5, 7]), "{store}");
        let running_refunds = [("namePrefix", "refund"), ("status", "RUNNING")];
        let running = listed(&rest, &running_refunds, limit).await;
        assert_eq!(running, ["refund-1"], "{store}");
        // From order-3's start (inclusive) to order-4's (exclusive), in two offsets.
        let window = [
            ("startedAfter", started[3].clone()),
            ("startedBefore", with_offset(&started[5])),
        ];
        let window: Vec<(&str, &str)> = window.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let between = listed(&rest, &window, limit).await;
        assert_eq!(between, newest_first(&[3, 4]), "{store}: {window:?}");
        let mut combined = window.clone();
        combined.extend([("namePrefix", "order"), ("status", "SUCCEEDED")]);
        let succeeded = listed(&rest, &combined, limit).await;
        assert_eq!(succeeded, ["order-3"], "{store}: {combined:?}");
        let after = [("startedAfter", started[6].as_str())];
        assert_eq!(listed(&rest, &after, limit).await, newest_first(&[6, 7]));
    }

    for (query, parameter) in [
        (("startedAfter", "yesterday"), "startedAfter"),
        (("startedBefore", "2026-12-06T07:30:00"), "startedBefore"),
        (("startedBefore", "2026-13-06T07:30:00Z"), "startedBefore"),
        (("namePrefix", &*"n".repeat(81)), "namePrefix"),
    ] {
        let request = rest.request(Method::GET, &with_query(LIST, &[query]));
        let error = rest.expect(request, 400).await;
        assert_eq!(error["error"], "BadRequest", "{store}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(parameter), "{store}: {message}");
    }

    let counts = json!({"RUNNING": 2, "SUCCEEDED": 4, "FAILED": 1, "TIMED_OUT": 0, "ABORTED": 1});
    for path in [
        "/v1/state-machines/orders",
        "/v1/state-machines/orders?revision=1",
    ] {
        let view = rest.expect(rest.request(Method::GET, path), 200).await;
        assert_eq!(view["executionCounts"], counts, "{store}: {path}");
    }
    drop(baton);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_counts_on_the_embedded_store() {
    listing_filters_and_counts("embedded store", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_counts_on_redis() {
    let redis = RedisServer::start().expect("redis-server");
    listing_filters_and_counts("redis", &["--redis", &redis.url()]).await;
    drop(redis);
}
