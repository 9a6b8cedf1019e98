//! `variableReferences` in DescribeStateMachine and DescribeStateMachineForExecution: per
//! state, the variables it reads, from JSONata expressions and JSONPath paths alike.

use std::collections::HashMap;

use crate::common::{Harness, PASS};

const MIXED: &str = r#"{"StartAt": "Set", "States": {
  "Set": {"Type": "Pass", "Assign": {"total.$": "$.n", "label.$": "States.Format('{}', $prefix)"}, "Next": "J"},
  "J": {"Type": "Pass", "QueryLanguage": "JSONata",
        "Assign": {"total2": "{% $total + $states.input.n %}"},
        "Output": {"l": "{% ($tmp := $label; $tmp) %}"}, "Next": "C"},
  "C": {"Type": "Choice", "QueryLanguage": "JSONata",
        "Choices": [{"Condition": "{% $total2 > 1 %}", "Next": "Done"}], "Default": "Done"},
  "Done": {"Type": "Succeed", "QueryLanguage": "JSONata", "Output": "{% $states.input %}"}}}"#;

fn refs(pairs: &[(&str, &[&str])]) -> HashMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_lists_the_variables_each_state_reads() {
    let h = Harness::start().await;
    let c = &h.client;
    let arn = h.machine("mixed", MIXED).await;
    let want = refs(&[
        ("Set", &["prefix"]),
        ("J", &["label", "total"]),
        ("C", &["total2"]),
    ]);
    let d = c
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.variable_references(), Some(&want));

    let exec = h.start_execution(&arn, "one", r#"{"n": 2}"#).await;
    let d = c
        .describe_state_machine_for_execution()
        .execution_arn(&exec)
        .send()
        .await
        .unwrap();
    assert_eq!(d.variable_references(), Some(&want));

    // A machine that reads no variable has no variableReferences.
    let plain = h.machine("plain", PASS).await;
    let d = c
        .describe_state_machine()
        .state_machine_arn(&plain)
        .send()
        .await
        .unwrap();
    assert_eq!(d.variable_references(), None);
    h.stop().await;
}
