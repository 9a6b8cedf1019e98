use serde_json::json;

use baton_definitions::{ErrorName, parse_definition};

use super::*;

/// The example of the Step Functions Local documentation.
const SFN_LOCAL_EXAMPLE: &str = r#"{
  "StateMachines": {
    "LambdaSQSIntegration": {
      "TestCases": {
        "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
        "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
        "HybridPath": {"LambdaState": "MockedLambdaSuccess"}
      }
    }
  },
  "MockedResponses": {
    "MockedLambdaSuccess": {"0": {"Return": {"StatusCode": 200, "Payload": {"body": "Hello"}}}},
    "MockedSQSSuccess": {"0": {"Return": {"MessageId": "m-1"}}},
    "MockedLambdaRetry": {
      "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "not ready"}},
      "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "timed out"}},
      "3": {"Return": {"StatusCode": 200, "Payload": {"body": "Hello"}}}
    }
  }
}"#;

fn errors(text: &str) -> Vec<String> {
    match parse_mock_config(text) {
        Ok(_) => panic!("expected errors for {text}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn reads_the_sfn_local_example() {
    let config = parse_mock_config(SFN_LOCAL_EXAMPLE).expect("valid");
    assert_eq!(config.counts(), (1, 3));
    let cases: Vec<&str> = config.test_cases("LambdaSQSIntegration").collect();
    assert_eq!(cases, ["HappyPath", "HybridPath", "RetryPath"]);
    let retry = config
        .test_case("LambdaSQSIntegration", "RetryPath")
        .expect("case");
    let lambda = |n| retry.answer("LambdaState", n).expect("mocked");
    let e0 = lambda(0).unwrap_err();
    assert_eq!(e0.error.to_string(), "Lambda.ResourceNotReadyException");
    assert_eq!(e0.cause.as_deref(), Some("not ready"));
    for n in [1, 2] {
        assert_eq!(
            lambda(n).unwrap_err().error.to_string(),
            "Lambda.TimeoutException"
        );
    }
    assert_eq!(
        lambda(3).unwrap(),
        json!({"StatusCode": 200, "Payload": {"body": "Hello"}})
    );
    // Past the last key: the execution fails, as Step Functions Local fails it.
    let past = lambda(4).unwrap_err();
    assert_eq!(past.error, ErrorName::Runtime);
    assert!(
        past.cause.as_deref().unwrap().contains("invocation 4"),
        "{past:?}"
    );
    // A state the case does not name runs for real.
    let hybrid = config
        .test_case("LambdaSQSIntegration", "HybridPath")
        .expect("case");
    assert!(hybrid.answer("SQSState", 0).is_none());
    assert!(config.test_case("LambdaSQSIntegration", "Nope").is_none());
    assert!(config.test_case("Other", "HappyPath").is_none());
}

#[test]
fn syntax_errors_have_line_and_column() {
    let found = errors("{\n  \"StateMachines\": {,\n}");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("not JSON: "), "{found:?}");
    assert!(found[0].contains("line 2, column"), "{found:?}");
}

#[test]
fn bad_ranges_are_located() {
    let text = r#"{"StateMachines": {}, "MockedResponses": {
        "R": {"0": {"Return": 1}, "x": {"Return": 2}, "3-1": {"Return": 3}, "-1": {"Return": 4},
              "1 - 2": {"Return": 5}, "1-2-3": {"Return": 6}}}}"#;
    let found = errors(text);
    for key in ["x", "-1", "1 - 2", "1-2-3"] {
        let expected = format!(
            "at /MockedResponses/R/{key}: '{key}' is not an invocation number (\"0\") or an inclusive range of them (\"1-2\")"
        );
        assert!(found.contains(&expected), "{expected} not in {found:#?}");
    }
    assert!(
        found.contains(
            &"at /MockedResponses/R/3-1: the range '3-1' ends before it starts (1 < 3)".to_owned()
        ),
        "{found:#?}"
    );
    assert_eq!(found.len(), 5, "{found:#?}");
}

#[test]
fn overlaps_and_gaps_are_located() {
    let found = errors(
        r#"{"StateMachines": {}, "MockedResponses": {
            "Overlap": {"0-2": {"Return": 1}, "2": {"Return": 2}},
            "Gap": {"0": {"Return": 1}, "3": {"Return": 2}},
            "Late": {"1": {"Return": 1}},
            "Empty": {}}}"#,
    );
    assert_eq!(
        found,
        [
            "at /MockedResponses/Overlap/2: '2' overlaps '0-2': each invocation must have one answer",
            "at /MockedResponses/Gap/3: invocations 1 to 2 have no answer: invocations are numbered from 0 without gaps",
            "at /MockedResponses/Late/1: invocation 0 has no answer: invocations are numbered from 0 without gaps",
            "at /MockedResponses/Empty: defines no invocation (expected keys such as \"0\" or \"1-2\")",
        ]
    );
}

#[test]
fn answers_must_be_return_or_throw() {
    let found = errors(
        r#"{"StateMachines": {}, "MockedResponses": {"R": {
            "0": {"Return": 1, "Throw": {"Error": "E", "Cause": "c"}},
            "1": {},
            "2": {"Throw": {"Error": 7}},
            "3": {"Retrun": 1},
            "4": "oops"}}}"#,
    );
    assert_eq!(
        found,
        [
            "at /MockedResponses/R/0: must hold one of Return and Throw, not both",
            "at /MockedResponses/R/1: must hold Return or Throw",
            "at /MockedResponses/R/2/Throw/Error: must be a string, not a number",
            "at /MockedResponses/R/2/Throw/Cause: missing",
            "at /MockedResponses/R/3/Retrun: unknown field (expected Return or Throw)",
            "at /MockedResponses/R/4: must be an object, not a string",
        ]
    );
}

#[test]
fn test_cases_must_name_known_responses() {
    let found = errors(
        r#"{"StateMachines": {
              "M": {"TestCases": {"T": {"A": "Missing", "B": 3, "C": "Ok"}}},
              "N": {"Cases": {}},
              "O": []},
            "MockedResponses": {"Ok": {"0": {"Return": null}}},
            "Extra": 1}"#,
    );
    assert_eq!(
        found,
        [
            "at /Extra: unknown field (expected StateMachines and MockedResponses)",
            "at /StateMachines/M/TestCases/T/A: the mocked response 'Missing' is not in MockedResponses",
            "at /StateMachines/M/TestCases/T/B: must be the name of a mocked response (a string), not a number",
            "at /StateMachines/N/Cases: unknown field (expected TestCases)",
            "at /StateMachines/N/TestCases: missing",
            "at /StateMachines/O: must be an object, not an array",
        ]
    );
    assert_eq!(
        errors("[]"),
        ["must be an object, not an array"],
        "the document itself"
    );
    assert_eq!(
        errors("{}"),
        ["at /MockedResponses: missing", "at /StateMachines: missing"]
    );
}

#[test]
fn pointers_escape_slashes_and_tildes() {
    let found = errors(r#"{"StateMachines": {}, "MockedResponses": {"a/b~c": 1}}"#);
    assert_eq!(
        found,
        ["at /MockedResponses/a~1b~0c: must be an object, not a number"]
    );
}

#[test]
fn warnings_name_unknown_and_non_task_states() {
    let config = parse_mock_config(
        r#"{"StateMachines": {"M": {"TestCases": {"T": {"Call": "R", "P": "R", "Ghost": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": {}}}}}"#,
    )
    .expect("valid");
    let definition = parse_definition(
        r#"{"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Next": "Call"},
            "Call": {"Type": "Task", "Resource": "http://127.0.0.1:9/x", "End": true}}}"#,
    )
    .expect("definition")
    .machine;
    let warnings = config.test_case("M", "T").unwrap().warnings(&definition);
    assert_eq!(
        warnings,
        [
            "the test case mocks state 'Ghost', which the state machine does not have",
            "the test case mocks state 'P', a Pass state: only Task states are mocked",
        ]
    );
}
