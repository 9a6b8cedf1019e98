//! Memory caps: expressions that would build gigabytes give an error naming the limit.

use super::{Jsonata, JsonataEnv};

fn error_of(source: &str) -> super::JsonataError {
    let expr = Jsonata::parse(source).unwrap();
    let start = std::time::Instant::now();
    let result = expr.evaluate(&|_| None, &mut JsonataEnv::new(0, 1));
    assert!(
        start.elapsed().as_secs() < 10,
        "{source} took {:?}",
        start.elapsed()
    );
    result.expect_err(source)
}

#[test]
fn huge_strings_are_refused_with_the_limit() {
    let e = error_of("$pad(\"x\", 1e9)");
    assert!(e.message.contains("16777216"), "{e}");
    let e = error_of("$pad(\"x\", -1e9, \"ab\")");
    assert!(e.message.contains("limit"), "{e}");
    let e = error_of("$reduce([1..40], function($a, $b) { $a & $a }, \"x\")");
    assert!(e.message.contains("16777216"), "{e}");
    let e =
        error_of("($s := $pad(\"\", 1000000, \"y\"); $join($map([1..40], function($v) { $s })))");
    assert!(e.message.contains("limit"), "{e}");
    let e = error_of("[1..1e8]");
    assert_eq!(e.code, "D2014", "{e}");
}

#[test]
fn strings_below_the_limit_still_work() {
    let expr = Jsonata::parse("$length($pad(\"x\", 1000000))").unwrap();
    let got = expr
        .evaluate(&|_| None, &mut JsonataEnv::new(0, 1))
        .unwrap();
    assert_eq!(got.into_value(), Some(serde_json::json!(1000000)));
}
