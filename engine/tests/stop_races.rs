//! A stop and a callback at the same moment, on both stores: a callback answered 200 takes
//! effect — the task succeeds with its output, then the stop aborts the execution — and a
//! callback refused changes nothing. The stop is queued first, so the worker meets it
//! while the callback it has already accepted waits: the commit that would close the
//! answered token is refused until the callback is applied.

mod common;

use serde_json::json;

use baton_engine::machine::Status;
use baton_engine::store::Store;

use common::*;

on_both_stores!(a_callback_answered_200_beats_a_stop_sent_just_before);

const EXECUTIONS: usize = 30;

async fn a_callback_answered_200_beats_a_stop_sent_just_before<S: Store>(fixture: Fixture<S>) {
    let rig = fixture.engine();
    let definition = json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Callback",
        "HeartbeatSeconds": 600, "ResultPath": "$.answer", "Next": "After"},
        "After": {"Type": "Wait", "Seconds": 600, "End": true}}});
    let mut ids = Vec::new();
    for i in 0..EXECUTIONS {
        ids.push(
            rig.start(&format!("race{i}"), &definition, json!({"i": i}))
                .await,
        );
    }
    let mut tokens = Vec::new();
    for id in &ids {
        rig.wait_parked(id, "TaskStarted", 1).await;
        tokens.push(rig.open_token(id, "Ask").await);
    }
    let mut accepted = 0;
    for (i, (id, token)) in ids.iter().zip(&tokens).enumerate() {
        rig.stop_execution(id, Some("Stopped"), None).await;
        let answer = rig.succeed(token, json!({"approved": i})).await;
        let exec = rig.wait_final(id).await;
        assert_eq!(exec.status, Status::Aborted, "{id}");
        let history = rig.history(id).await;
        let succeeded: Vec<_> = history
            .iter()
            .filter(|e| e.kind == "TaskSucceeded")
            .map(|e| e.details.value()["output"].clone())
            .collect();
        match answer {
            Ok(_) => {
                accepted += 1;
                assert_eq!(
                    succeeded,
                    [json!(format!("{{\"approved\":{i}}}"))],
                    "{id}: answered 200, so its output was taken before the abort; history: {:?}",
                    kinds(&history)
                );
            }
            Err(refused) => assert!(
                succeeded.is_empty(),
                "{id}: refused ({refused:?}) yet taken"
            ),
        }
    }
    println!("{accepted} of {EXECUTIONS} callbacks sent just after a stop were accepted");
    assert!(accepted > 0, "the race never happened");
}
