//! GetExecutionHistory through the AWS SDK: paging both ways, data left out, bad tokens.

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{HistoryEvent, HistoryEventType};

use crate::common::Harness;

/// Four Pass states in a row: 1 + 4 × 2 + 1 = 10 events.
const CHAIN: &str = r#"{"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "C"},
    "C": {"Type": "Pass", "Next": "D"}, "D": {"Type": "Pass", "End": true}}}"#;

async fn all_pages(c: &Client, arn: &str, reverse: bool, page_size: i32) -> Vec<HistoryEvent> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .get_execution_history()
            .execution_arn(arn)
            .reverse_order(reverse)
            .max_results(page_size)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.events().len() <= page_size as usize);
        events.extend(page.events().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return events;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_both_ways() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("chain", CHAIN).await;
    let run = h.start_execution(&sm, "h-1", r#"{"k": "v"}"#).await;
    h.wait_done(&run).await;

    let whole = c
        .get_execution_history()
        .execution_arn(&run)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.next_token(), None);
    let events = whole.events();
    assert_eq!(events.len(), 10);
    assert_eq!(events[0].r#type(), &HistoryEventType::ExecutionStarted);
    assert_eq!((events[0].id(), events[0].previous_event_id()), (1, 0));
    let started = events[0].execution_started_event_details().unwrap();
    assert_eq!(started.input(), Some(r#"{"k":"v"}"#));
    assert_eq!(events[1].r#type(), &HistoryEventType::PassStateEntered);
    assert_eq!(events[1].state_entered_event_details().unwrap().name(), "A");
    assert_eq!(events[9].r#type(), &HistoryEventType::ExecutionSucceeded);
    let ids: Vec<i64> = events.iter().map(HistoryEvent::id).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());

    let forward = all_pages(c, &run, false, 3).await;
    assert_eq!(forward, events);
    let mut backward = all_pages(c, &run, true, 4).await;
    backward.reverse();
    assert_eq!(backward, events);
    let single = all_pages(c, &run, true, 1).await;
    assert_eq!(single.len(), 10);
    assert_eq!(single[0].id(), 10);

    let bare = c
        .get_execution_history()
        .execution_arn(&run)
        .include_execution_data(false)
        .send()
        .await
        .unwrap();
    let started = bare.events()[0].execution_started_event_details().unwrap();
    assert_eq!(started.input(), None);
    let exited = bare.events()[2].state_exited_event_details().unwrap();
    assert_eq!((exited.name(), exited.output()), ("A", None));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_tokens_are_checked() {
    let h = Harness::start().await;
    let c = &h.client;
    let sm = h.machine("chain", CHAIN).await;
    let run = h.start_execution(&sm, "h-1", "{}").await;
    let other = h.start_execution(&sm, "h-2", "{}").await;
    h.wait_done(&run).await;
    h.wait_done(&other).await;
    let first = c
        .get_execution_history()
        .execution_arn(&run)
        .max_results(2)
        .send()
        .await
        .unwrap();
    let token = first.next_token().unwrap().to_owned();
    // Another direction, another execution, or garbage: InvalidToken.
    let e = c
        .get_execution_history()
        .execution_arn(&run)
        .reverse_order(true)
        .next_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_token());
    let e = c
        .get_execution_history()
        .execution_arn(&other)
        .next_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_token());
    let e = c
        .get_execution_history()
        .execution_arn(&run)
        .next_token("forged")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_token());
    let e = c
        .get_execution_history()
        .execution_arn(&run)
        .max_results(1001)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    let e = c
        .get_execution_history()
        .execution_arn(run.replace("h-1", "h-9"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_execution_does_not_exist());
    h.stop().await;
}
