//! History: AWS-shaped events, both orders, paging with cursors.

use serde_json::json;

use crate::support::TestApi;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_both_ways() {
    let api = TestApi::start().await;
    let three = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Next": "C"},
        "C": {"Type": "Pass", "End": true}}});
    api.put_json("/v1/state-machines/three", &three).await;
    let (status, _) = api
        .post(
            "/v1/state-machines/three/executions?wait=10",
            json!({"name": "x", "input": {"k": "v"}}),
        )
        .await;
    assert_eq!(status, 200);
    let base = "/v1/state-machines/three/executions/x/history";

    let (status, all) = api.get(base).await;
    assert_eq!(status, 200);
    assert!(all.get("next").is_none(), "one page holds it all");
    let all = all["events"].as_array().unwrap().clone();
    let types: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.len(), 8, "{types:?}");
    assert_eq!(types.first(), Some(&"ExecutionStarted"));
    assert_eq!(types.last(), Some(&"ExecutionSucceeded"));
    let started = &all[0];
    assert_eq!(started["id"], 1);
    assert_eq!(started["previousEventId"], 0);
    // RFC 3339 text, UTC with milliseconds (the AWS API keeps epoch seconds).
    let stamp = started["timestamp"]
        .as_str()
        .expect("an RFC 3339 timestamp");
    assert!(
        chrono::DateTime::parse_from_rfc3339(stamp).is_ok() && stamp.ends_with('Z'),
        "{stamp}"
    );
    assert_eq!(
        started["executionStartedEventDetails"]["input"],
        "{\"k\":\"v\"}"
    );

    for order in ["asc", "desc"] {
        let mut events = Vec::new();
        let mut cursor = String::new();
        let mut pages = 0;
        loop {
            let (status, page) = api
                .get(&format!("{base}?order={order}&limit=3{cursor}"))
                .await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            events.extend(page["events"].as_array().unwrap().iter().cloned());
            match page["next"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        let mut expected = all.clone();
        if order == "desc" {
            expected.reverse();
        }
        assert_eq!(events, expected, "{order}");
        assert_eq!(pages, 3, "8 events in pages of 3, no empty last page");
    }

    for bad in ["order=up", "cursor=0", "cursor=x", "limit=0", "limit=5000"] {
        let (status, e) = api.get(&format!("{base}?{bad}")).await;
        let got = (status, e["error"].as_str());
        assert_eq!(got, (400, Some("BadRequest")), "{bad}");
    }
    let (status, e) = api
        .get("/v1/state-machines/three/executions/none/history")
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("ExecutionDoesNotExist"))
    );
    api.shutdown().await;
}
