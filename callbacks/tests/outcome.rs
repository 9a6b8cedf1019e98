//! Callback outcomes: storage shape and the AWS SendTask* limits.

use baton_callbacks::{
    CallbackOutcome, MAX_CAUSE_CHARS, MAX_ERROR_CHARS, MAX_OUTPUT_BYTES, MAX_TOKEN_CHARS,
    OutcomeError, parse_success_output, validate_cause, validate_error, validate_task_token_text,
};
use serde_json::{Value, json};

#[test]
fn success_output_accepts_any_json_value() {
    for (text, value) in [
        (r#"{"a": [1, 2.5, "x"]}"#, json!({"a": [1, 2.5, "x"]})),
        ("[]", json!([])),
        (" \"text\" \n", json!("text")),
        ("42", json!(42)),
        ("null", Value::Null),
        ("true", json!(true)),
    ] {
        assert_eq!(parse_success_output(text).unwrap(), value, "{text}");
    }
}

#[test]
fn success_output_that_is_not_json_is_invalid_output() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for text in [
        "",
        " ",
        "{",
        "abc",
        "{} {}",
        "NaN",
        "{'a': 1}",
        "[1,]",
        deep.as_str(),
    ] {
        let err = parse_success_output(text).unwrap_err();
        assert!(
            matches!(err, OutcomeError::InvalidOutput(_)),
            "{text:.20}: {err}"
        );
    }
}

#[test]
fn success_output_size_is_counted_in_utf8_bytes() {
    let string_of = |bytes: usize| format!("\"{}\"", "a".repeat(bytes - 2));
    assert!(parse_success_output(&string_of(MAX_OUTPUT_BYTES)).is_ok());
    let err = parse_success_output(&string_of(MAX_OUTPUT_BYTES + 1)).unwrap_err();
    assert!(matches!(err, OutcomeError::OutputTooLarge { len } if len == MAX_OUTPUT_BYTES + 1));

    // 140,000 two-byte characters: under the limit in characters, over it in bytes.
    let wide = format!("\"{}\"", "é".repeat(140_000));
    assert!(wide.chars().count() < MAX_OUTPUT_BYTES && wide.len() > MAX_OUTPUT_BYTES);
    assert!(matches!(
        CallbackOutcome::success_from_text(&wide),
        Err(OutcomeError::OutputTooLarge { .. })
    ));
}

#[test]
fn error_and_cause_limits_count_characters() {
    assert!(validate_error(&"é".repeat(MAX_ERROR_CHARS)).is_ok());
    assert!(matches!(
        validate_error(&"e".repeat(MAX_ERROR_CHARS + 1)),
        Err(OutcomeError::ErrorTooLong)
    ));
    assert!(validate_cause(&"\u{1F600}".repeat(MAX_CAUSE_CHARS)).is_ok());
    assert!(matches!(
        validate_cause(&"c".repeat(MAX_CAUSE_CHARS + 1)),
        Err(OutcomeError::CauseTooLong)
    ));
    assert!(validate_error("").is_ok() && validate_cause("").is_ok());
}

#[test]
fn task_token_text_length_is_one_to_2048_characters() {
    assert!(matches!(
        validate_task_token_text(""),
        Err(OutcomeError::TokenLength)
    ));
    assert!(validate_task_token_text("x").is_ok());
    assert!(validate_task_token_text(&"x".repeat(MAX_TOKEN_CHARS)).is_ok());
    assert!(validate_task_token_text(&"x".repeat(MAX_TOKEN_CHARS + 1)).is_err());
    assert!(validate_task_token_text(&"x".repeat(50 << 20)).is_err());
}

#[test]
fn failure_constructor_checks_limits() {
    let ok = CallbackOutcome::failure(Some("Payment.Declined".into()), None).unwrap();
    assert!(ok.is_terminal());
    assert!(CallbackOutcome::failure(None, None).is_ok());
    assert!(matches!(
        CallbackOutcome::failure(Some("e".repeat(257)), None),
        Err(OutcomeError::ErrorTooLong)
    ));
    assert!(matches!(
        CallbackOutcome::failure(None, Some("c".repeat(40_000))),
        Err(OutcomeError::CauseTooLong)
    ));
    assert!(!CallbackOutcome::Heartbeat.is_terminal());
}

#[test]
fn validate_measures_success_output_as_compact_json() {
    assert!(
        CallbackOutcome::Success(json!({"k": "v"}))
            .validate()
            .is_ok()
    );
    let big = CallbackOutcome::Success(json!(["x".repeat(MAX_OUTPUT_BYTES)]));
    assert!(matches!(
        big.validate(),
        Err(OutcomeError::OutputTooLarge { .. })
    ));
    let exact = CallbackOutcome::Success(json!("x".repeat(MAX_OUTPUT_BYTES - 2)));
    assert!(exact.validate().is_ok());
    assert!(CallbackOutcome::Heartbeat.validate().is_ok());
}

#[test]
fn storage_shape_is_adjacently_tagged() {
    let cases = [
        (
            CallbackOutcome::Success(json!([1, "two"])),
            json!({"type": "success", "data": [1, "two"]}),
        ),
        (
            CallbackOutcome::Success(Value::Null),
            json!({"type": "success", "data": null}),
        ),
        (
            CallbackOutcome::Failure {
                error: Some("E".into()),
                cause: Some("C".into()),
            },
            json!({"type": "failure", "data": {"error": "E", "cause": "C"}}),
        ),
        (
            CallbackOutcome::Failure {
                error: None,
                cause: None,
            },
            json!({"type": "failure", "data": {}}),
        ),
        (CallbackOutcome::Heartbeat, json!({"type": "heartbeat"})),
    ];
    for (outcome, stored) in cases {
        assert_eq!(serde_json::to_value(&outcome).unwrap(), stored);
        let text = serde_json::to_string(&outcome).unwrap();
        assert_eq!(
            serde_json::from_str::<CallbackOutcome>(&text).unwrap(),
            outcome
        );
    }
}

#[test]
fn errors_have_messages() {
    let err = parse_success_output("{").unwrap_err();
    assert!(
        err.to_string().starts_with("output is not valid JSON"),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());
}
