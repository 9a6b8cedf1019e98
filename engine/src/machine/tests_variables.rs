//! Variables (`Assign`, `$name`) in the pure core: evaluation order, scopes, Catch,
//! history details, limits, and that they are saved with the frames.

use serde_json::{Value, json};

use baton_definitions::parse_value;

use super::driver::{Driven, drive};
use super::*;

fn run(def: Value, input: Value) -> Driven {
    let def = parse_value(&def)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .machine;
    drive(
        &def,
        &Settings::default(),
        ExecutionKind::Standard,
        input,
        |_| {
            Err(baton_definitions::Failure::new(
                baton_definitions::ErrorName::parse("Boom"),
                "the task failed",
            ))
        },
        10_000,
    )
}

pub(super) fn succeeded(def: Value, input: Value) -> Value {
    let done = run(def, input);
    assert_eq!(
        done.execution.status,
        Status::Succeeded,
        "{:?}: {:?}",
        done.execution.error,
        done.execution.cause
    );
    done.execution.output.expect("output")
}

#[test]
fn assignments_of_one_state_see_the_values_of_before_it() {
    let output = succeeded(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"a": 1, "b": 2}, "Next": "Swap"},
            "Swap": {"Type": "Pass", "Assign": {"a.$": "$b", "b.$": "$a"},
                     "Parameters": {"a.$": "$a"}, "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"a.$": "$a", "b.$": "$b", "in.$": "$"}, "End": true}}}),
        json!({}),
    );
    // Parameters of Swap read a = 1 (before Swap); after it the values are swapped.
    assert_eq!(output, json!({"a": 2, "b": 1, "in": {"a": 1}}));
}

#[test]
fn inner_scopes_read_outer_variables_and_keep_their_own() {
    let branch = |name: &str, value: i64| {
        json!({"StartAt": name, "States": {
            name: {"Type": "Pass", "Assign": {"x": value, "own": value},
                   "Parameters": {"outer.$": "$x"}, "Next": format!("{name}2")},
            format!("{name}2"): {"Type": "Pass", "Parameters": {"x.$": "$x", "outer.$": "$.outer"}, "End": true}}})
    };
    let output = succeeded(
        json!({"StartAt": "Set", "States": {
            "Set": {"Type": "Pass", "Assign": {"x": "outer"}, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [branch("L", 1), branch("R", 2)],
                  "ResultPath": "$.branches", "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value", "x.$": "$x"},
                  "ItemProcessor": {"StartAt": "I", "States": {
                      "I": {"Type": "Pass", "Assign": {"x.$": "$.v"}, "Next": "I2"},
                      "I2": {"Type": "Pass", "Parameters": {"x.$": "$x", "seen.$": "$.x"}, "End": true}}},
                  "ResultPath": "$.items", "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"x.$": "$x", "branches.$": "$.branches", "items.$": "$.items"},
                     "End": true}}}),
        json!({"items": [10, 20]}),
    );
    assert_eq!(
        output,
        json!({
            "x": "outer",
            "branches": [{"x": 1, "outer": "outer"}, {"x": 2, "outer": "outer"}],
            "items": [{"x": 10, "seen": "outer"}, {"x": 20, "seen": "outer"}],
        })
    );
}

#[test]
fn a_variable_set_in_an_inner_scope_is_not_visible_outside() {
    let done = run(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {
                      "B": {"Type": "Pass", "Assign": {"inner": 1}, "End": true}}}], "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"v.$": "$inner"}, "End": true}}}),
        json!({}),
    );
    assert_eq!(done.execution.status, Status::Failed);
    assert_eq!(done.execution.error.as_deref(), Some("States.Runtime"));
    let cause = done.execution.cause.unwrap_or_default();
    assert!(cause.contains("'$inner'"), "{cause}");
}

#[test]
fn an_undefined_variable_is_named_in_the_failure() {
    let done = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "InputPath": "$nope.x", "End": true}}}),
        json!({}),
    );
    assert_eq!(done.execution.error.as_deref(), Some("States.Runtime"));
    let cause = done.execution.cause.unwrap_or_default();
    assert!(
        cause.contains("The variable 'nope' is not defined"),
        "{cause}"
    );
    // A defined variable without the field is AWS's "No results for path".
    let done = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"v": {}}, "Next": "B"},
            "B": {"Type": "Pass", "InputPath": "$v.x", "End": true}}}),
        json!({}),
    );
    let cause = done.execution.cause.unwrap_or_default();
    assert!(cause.contains("No results for path"), "{cause}");
}

#[test]
fn a_distributed_map_iteration_does_not_see_outer_variables() {
    let done = run(
        json!({"StartAt": "Set", "States": {
            "Set": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$.items",
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "I", "States": {
                      "I": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": true}}},
                  "End": true}}}),
        json!({"items": [1]}),
    );
    assert_eq!(
        done.execution.status,
        Status::Failed,
        "{:?}",
        done.execution.output
    );
}

#[test]
fn choice_rules_and_default_assign_and_wait_assigns() {
    let def = |input: Value| {
        succeeded(
            json!({"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Assign": {"path": "default"},
                      "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Assign": {"path": "one", "n.$": "$.n"},
                                   "Next": "W"}],
                      "Default": "W"},
                "W": {"Type": "Wait", "Seconds": 5, "Assign": {"waited.$": "$path"}, "Next": "Show"},
                "Show": {"Type": "Pass", "Parameters": {"path.$": "$path", "waited.$": "$waited"}, "End": true}}}),
            input,
        )
    };
    assert_eq!(
        def(json!({"n": 1})),
        json!({"path": "one", "waited": "one"})
    );
    assert_eq!(
        def(json!({"n": 2})),
        json!({"path": "default", "waited": "default"})
    );
}

#[test]
fn a_catcher_assigns_from_the_error_output() {
    let output = succeeded(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "http://127.0.0.1:9/x", "Assign": {"never": 1},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error", "cause.$": "$.Cause"},
                             "ResultPath": null, "Next": "Show"}], "End": true},
            "Show": {"Type": "Pass", "Parameters": {"err.$": "$err", "cause.$": "$cause"}, "End": true}}}),
        json!({}),
    );
    assert_eq!(output, json!({"err": "Boom", "cause": "the task failed"}));
}

#[test]
fn state_exited_events_list_the_assigned_variables() {
    let done = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Result": {"n": 42}, "Assign": {"n.$": "$.n", "s": "t"}, "End": true}}}),
        json!({}),
    );
    let exited = done
        .history
        .iter()
        .find(|e| e.kind == "PassStateExited")
        .expect("exited");
    assert_eq!(
        exited.details.value()["assignedVariables"],
        json!({"n": "42", "s": "\"t\""})
    );
    let shown = exited.to_aws(true);
    let details = &shown["stateExitedEventDetails"];
    assert_eq!(
        details["assignedVariables"],
        json!({"n": "42", "s": "\"t\""})
    );
    assert_eq!(
        details["assignedVariablesDetails"],
        json!({"truncated": false})
    );
    // Without execution data, the values are left out like input and output.
    let hidden = exited.to_aws(false);
    assert!(
        hidden["stateExitedEventDetails"]
            .get("assignedVariables")
            .is_none()
    );
    let entered = done.history.iter().find(|e| e.kind == "PassStateEntered");
    assert!(entered.is_some_and(|e| e.details.value().get("assignedVariables").is_none()));
}

#[test]
fn an_assignment_over_256_kib_fails_the_execution() {
    // Each value fits in a state's payload; the two together do not fit in one Assign.
    let big = "x".repeat(200 * 1024);
    let done = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"one.$": "$.big", "two.$": "$.big"}, "End": true}}}),
        json!({"big": big}),
    );
    assert_eq!(done.execution.status, Status::Failed);
    assert_eq!(done.execution.error.as_deref(), Some("States.Runtime"));
    let cause = done.execution.cause.unwrap_or_default();
    assert!(cause.contains("262144"), "{cause}");
}

#[test]
fn variables_are_saved_with_the_frame_and_old_frames_still_load() {
    let mut frame = Execution::new("sm:x".into(), "sm".into(), 1, "x".into(), json!({}), "A", 0)
        .frames
        .get(&0)
        .cloned()
        .expect("frame 0");
    let old = serde_json::to_value(&frame).expect("serialize");
    assert!(old.get("v").is_none(), "no variables, no field: {old}");
    frame.variables.insert("x".into(), json!({"deep": [1]}));
    let text = serde_json::to_string(&frame.slim()).expect("serialize");
    let back: Frame = serde_json::from_str(&text).expect("deserialize");
    assert_eq!(back.variables.get("x"), Some(&json!({"deep": [1]})));
    let back: Frame = serde_json::from_value(old).expect("an old frame loads");
    assert!(back.variables.is_empty());
}

#[test]
fn a_wait_keeps_its_variables_across_a_restart() {
    // The Wait's assignment is in the frame while it waits: a worker that loads the saved
    // record (serialized and read back) goes on with it.
    let def = parse_value(&json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 10, "Assign": {"w": "kept"}, "Next": "Show"},
        "Show": {"Type": "Pass", "Parameters": {"w.$": "$w"}, "End": true}}}))
    .expect("valid")
    .machine;
    let settings = Settings::default();
    let machine = Machine {
        definition: &def,
        settings: &settings,
        tokens: &PlainTokens,
    };
    let (mut exec, _) = start(&machine, "sm:x".into(), "x".into(), 1, json!({}), 1_000);
    let input = |now_ms| Input {
        now_ms,
        random: 0.0,
    };
    let tx = apply(&machine, &mut exec, Event::Run { frame: 0 }, input(1_000));
    let timer = tx.timers_set[0].id;
    let frames = serde_json::to_string(&exec.frames).expect("serialize");
    let mut restarted: Execution =
        serde_json::from_value(serde_json::to_value(exec.head()).expect("head")).expect("head");
    restarted.input = exec.input.clone();
    restarted.frames = serde_json::from_str(&frames).expect("frames");
    apply(
        &machine,
        &mut restarted,
        Event::Timer { timer },
        input(20_000),
    );
    while let Some(frame) = restarted.runnable() {
        apply(
            &machine,
            &mut restarted,
            Event::Run { frame },
            input(20_000),
        );
    }
    assert_eq!(restarted.status, Status::Succeeded);
    assert_eq!(restarted.output, Some(json!({"w": "kept"})));
}
