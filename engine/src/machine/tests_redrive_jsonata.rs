//! Redrive of JSONata machines in the pure core: what reruns, and what a rerun sees
//! (its variables, the input it was entered with).

use serde_json::json;

use super::*;

#[test]
fn a_jsonata_task_in_a_sequence_runs_again_with_its_variables() {
    let mut run = Run::new(
        json!({"QueryLanguage": "JSONata", "StartAt": "One", "States": {
            "One": {"Type": "Task", "Resource": "http://h/one",
                "Arguments": {"n": "{% $states.input.order %}"},
                "Assign": {"seen": "{% $states.result.got.n %}"},
                "Output": "{% $merge([$states.input, {'one': $states.result.from}]) %}",
                "Next": "Two"},
            "Two": {"Type": "Task", "Resource": "http://h/bad",
                "Arguments": {"seen": "{% $seen %}", "one": "{% $states.input.one %}"},
                "Output": "{% {'two': $states.result.got} %}",
                "End": true}}}),
        json!({"order": 7}),
    );
    run.drive(&broken);
    assert_eq!(run.exec.status, Status::Failed);
    assert_eq!(
        (run.sent_to("http://h/one"), run.sent_to("http://h/bad")),
        (1, 1)
    );
    let failed_at = run.exec.events;
    run.redrive().unwrap();
    run.drive(&|url, body| {
        if url.ends_with("/bad") {
            fixed(url, body)
        } else {
            panic!("{url} ran again")
        }
    });
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(
        (run.sent_to("http://h/one"), run.sent_to("http://h/bad")),
        (1, 2)
    );
    // The rerun's Arguments read the variable One assigned before the failure, and the
    // input Two was entered with.
    let (_, body) = run.sent.last().unwrap();
    assert_eq!(body, &json!({"seen": 7, "one": "http://h/one"}));
    assert_eq!(
        run.exec.output,
        Some(json!({"two": {"seen": 7, "one": "http://h/one"}}))
    );
    assert_eq!(
        run.types_after(failed_at + 1),
        [
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn a_jsonata_map_with_items_reruns_only_the_iterations_that_did_not_succeed() {
    let mut run = Run::new(
        json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {
            "M": {"Type": "Map", "Items": "{% $states.input.list %}", "MaxConcurrency": 1,
                "ItemSelector": {"v": "{% $states.context.Map.Item.Value.v %}",
                                 "bad": "{% $states.context.Map.Item.Value.bad %}",
                                 "i": "{% $states.context.Map.Item.Index %}"},
                "ItemProcessor": {"StartAt": "Work", "States": {
                    "Work": {"Type": "Task", "Resource": "http://h/item",
                        "Arguments": "{% $states.input %}",
                        "Output": "{% $states.result.got.v * 10 %}", "End": true}}},
                "Output": "{% {'results': $states.result} %}",
                "End": true}}}),
        json!({"list": [{"v": 1, "bad": false}, {"v": 2, "bad": true}, {"v": 3, "bad": false}]}),
    );
    run.drive(&broken);
    assert_eq!(run.exec.status, Status::Failed);
    let sent_for = |run: &Run, v: i64| {
        run.sent
            .iter()
            .filter(|(_, body)| body["v"] == json!(v))
            .count()
    };
    // One at a time: the first succeeded, the second failed, the third never started.
    assert_eq!(
        (sent_for(&run, 1), sent_for(&run, 2), sent_for(&run, 3)),
        (1, 1, 0)
    );
    run.redrive().unwrap();
    run.drive(&fixed);
    assert_eq!(run.exec.status, Status::Succeeded);
    assert_eq!(
        (sent_for(&run, 1), sent_for(&run, 2), sent_for(&run, 3)),
        (1, 2, 1)
    );
    // The rerun iterations got their own ItemSelector input (index included).
    let rerun: Vec<&Value> = run.sent[2..].iter().map(|(_, body)| body).collect();
    assert_eq!(
        rerun,
        [
            &json!({"v": 2, "bad": true, "i": 1}),
            &json!({"v": 3, "bad": false, "i": 2})
        ]
    );
    assert_eq!(run.exec.output, Some(json!({"results": [10, 20, 30]})));
}
