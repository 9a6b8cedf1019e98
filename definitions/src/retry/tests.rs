use serde_json::json;

use super::*;

fn custom(name: &str) -> ErrorName {
    ErrorName::parse(name)
}

fn retrier(names: &[&str], max_attempts: u32) -> Retrier {
    Retrier {
        error_equals: names.iter().map(|n| custom(n)).collect(),
        interval_seconds: 1,
        max_attempts,
        backoff_rate: 2.0,
        max_delay_seconds: None,
        jitter: Jitter::None,
    }
}

#[test]
fn all_matches_everything_but_terminal_errors() {
    let all = [ErrorName::All];
    assert!(error_matches(&all, &custom("MyError")));
    assert!(error_matches(&all, &ErrorName::Timeout));
    assert!(error_matches(&all, &ErrorName::HttpStatusCode(500)));
    assert!(!error_matches(&all, &ErrorName::Runtime));
    assert!(!error_matches(&all, &ErrorName::DataLimitExceeded));
}

#[test]
fn task_failed_matches_all_but_timeout() {
    let tf = [ErrorName::TaskFailed];
    assert!(error_matches(&tf, &custom("Lambda.Unknown")));
    assert!(error_matches(&tf, &ErrorName::HttpSocket));
    assert!(error_matches(&tf, &ErrorName::HeartbeatTimeout));
    assert!(!error_matches(&tf, &ErrorName::Timeout));
    assert!(!error_matches(&tf, &ErrorName::Runtime));
}

#[test]
fn exact_names_match_but_runtime_never() {
    assert!(error_matches(&[custom("A"), custom("B")], &custom("B")));
    assert!(!error_matches(&[custom("A")], &custom("a")));
    assert!(error_matches(
        &[ErrorName::DataLimitExceeded],
        &ErrorName::DataLimitExceeded
    ));
    assert!(!error_matches(&[ErrorName::Runtime], &ErrorName::Runtime));
}

#[test]
fn delay_grows_by_backoff_and_is_capped() {
    let mut r = retrier(&["E"], 10);
    r.interval_seconds = 2;
    r.backoff_rate = 1.5;
    assert_eq!(r.delay(1, 0.0), Duration::from_millis(2000));
    assert_eq!(r.delay(2, 0.0), Duration::from_millis(3000));
    assert_eq!(r.delay(3, 0.0), Duration::from_millis(4500));
    r.max_delay_seconds = Some(4);
    assert_eq!(r.delay(3, 0.0), Duration::from_secs(4));
    r.jitter = Jitter::Full;
    assert_eq!(r.delay(3, 0.5), Duration::from_secs(2));
    assert_eq!(r.delay(3, 0.0), Duration::ZERO);
    // Huge attempts saturate instead of overflowing.
    r.max_delay_seconds = None;
    r.jitter = Jitter::None;
    assert_eq!(r.delay(u32::MAX, 0.0), Duration::from_secs(31_622_400));
}

#[test]
fn recover_follows_the_spec_example() {
    // ErrorA, ErrorB, ErrorC, ErrorB with the spec's retriers: 1 s, 2 s, 5 s, then catch.
    let retriers = vec![
        Retrier {
            interval_seconds: 1,
            max_attempts: 2,
            ..retrier(&["ErrorA", "ErrorB"], 2)
        },
        Retrier {
            interval_seconds: 5,
            max_attempts: 5,
            ..retrier(&["ErrorC"], 5)
        },
    ];
    let catchers = vec![Catcher {
        error_equals: vec![ErrorName::All],
        next: "Z".into(),
        result_path: PathField::Default,
        assign: None,
    }];
    let mut counts = vec![0u32; 2];
    let mut step = |e: &str| {
        let r = recover(&retriers, &catchers, &counts, &custom(e), 0.0);
        if let Recovery::Retry { retrier, .. } = r {
            counts[retrier] += 1;
        }
        r
    };
    assert_eq!(
        step("ErrorA"),
        Recovery::Retry {
            retrier: 0,
            attempt: 1,
            delay: Duration::from_secs(1)
        }
    );
    assert_eq!(
        step("ErrorB"),
        Recovery::Retry {
            retrier: 0,
            attempt: 2,
            delay: Duration::from_secs(2)
        }
    );
    assert_eq!(
        step("ErrorC"),
        Recovery::Retry {
            retrier: 1,
            attempt: 1,
            delay: Duration::from_secs(5)
        }
    );
    assert_eq!(step("ErrorB"), Recovery::Catch(0));
}

#[test]
fn runtime_errors_are_neither_retried_nor_caught() {
    let retriers = vec![retrier(&["States.ALL"], 3)];
    let catchers = vec![Catcher {
        error_equals: vec![ErrorName::All],
        next: "Z".into(),
        result_path: PathField::Default,
        assign: None,
    }];
    assert_eq!(
        recover(&retriers, &catchers, &[0], &ErrorName::Runtime, 0.0),
        Recovery::Fail
    );
    assert_eq!(
        recover(&[retrier(&["E"], 0)], &[], &[0], &custom("E"), 0.0),
        Recovery::Fail
    );
}

#[test]
fn parses_defaults_and_reports_problems() {
    let mut d = Diagnostics::new();
    let r = parse_retry(
        &json!([{"ErrorEquals": ["E"]}]),
        &Loc::root().at("Retry"),
        &mut d,
    );
    assert!(!d.has_errors());
    assert_eq!(r, vec![retrier(&["E"], 3)]);

    let bad = json!([
        {"ErrorEquals": ["States.ALL", "E"], "MaxAttempts": -1, "BackoffRate": 0.5},
        {"ErrorEquals": ["States.ALL"], "JitterStrategy": "SOME", "Foo": 1},
        {"ErrorEquals": [], "IntervalSeconds": 0, "MaxDelaySeconds": 0},
        {"ErrorEquals": ["States.Bogus"]}
    ]);
    let mut d = Diagnostics::new();
    parse_retry(&bad, &Loc::root().at("Retry"), &mut d);
    let locs: Vec<String> = d.items().iter().map(|x| x.location.clone()).collect();
    for expected in [
        "/Retry/0/ErrorEquals/0",
        "/Retry/0/MaxAttempts",
        "/Retry/0/BackoffRate",
        "/Retry/1/ErrorEquals/0",
        "/Retry/1/JitterStrategy",
        "/Retry/1/Foo",
        "/Retry/2/ErrorEquals",
        "/Retry/2/IntervalSeconds",
        "/Retry/2/MaxDelaySeconds",
        "/Retry/3/ErrorEquals/0",
    ] {
        assert!(
            locs.iter().any(|l| l == expected),
            "missing {expected} in {locs:?}"
        );
    }
}

#[test]
fn parses_catchers() {
    let mut d = Diagnostics::new();
    let c = parse_catch(
        &json!([{"ErrorEquals": ["E"], "Next": "X", "ResultPath": "$.err"}, {"ErrorEquals": ["States.ALL"]}]),
        &Loc::root().at("Catch"),
        &mut d,
    );
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].next, "X");
    assert!(matches!(c[0].result_path, PathField::Path(_)));
    assert_eq!(d.items().len(), 1);
    assert_eq!(d.items()[0].location, "/Catch/1");
}
