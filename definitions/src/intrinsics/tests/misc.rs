use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

use super::{context, fails, ok};
use crate::intrinsics::Intrinsic;
use crate::path::Env;

#[test]
fn json_merge_is_shallow() {
    let input = json!({"a": {"a": {"a1": 1}, "b": 2, "d": 3}, "b": {"a": {"a3": 1}, "c": 3, "d": 4}, "f": false, "t": true, "s": "x"});
    let merged = ok("States.JsonMerge($.a, $.b, false)", &input);
    assert_eq!(merged, json!({"a": {"a3": 1}, "b": 2, "c": 3, "d": 4}));
    let keys: Vec<&String> = merged.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a", "b", "d", "c"]);
    assert_eq!(ok("States.JsonMerge($.a, $.b, $.f)", &input), merged);
    assert_eq!(
        ok(
            "States.JsonMerge(States.StringToJson('{\"k\": 1}'), $.b, false)",
            &input
        ),
        json!({"k": 1, "a": {"a3": 1}, "c": 3, "d": 4})
    );
    fails(
        "States.JsonMerge($.a, $.b, $.t)",
        &input,
        "deep merge is not supported: argument 3 of States.JsonMerge must be false",
    );
    fails(
        "States.JsonMerge($.a, $.b, $.s)",
        &input,
        "argument 3 of States.JsonMerge must be a boolean, but it is the string \"x\"",
    );
    fails(
        "States.JsonMerge($.s, $.b, false)",
        &input,
        "argument 1 of States.JsonMerge must be an object, but it is the string \"x\"",
    );
    fails(
        "States.JsonMerge($.a, $.arr, false)",
        &json!({"a": {}, "arr": []}),
        "argument 2 of States.JsonMerge must be an object, but it is the array []",
    );
}

#[test]
fn uuid_is_version_4() {
    let input = json!({});
    let a = ok("States.UUID()", &input);
    let b = ok("States.UUID()", &input);
    assert_ne!(a, b);
    for v in [&a, &b] {
        let s = v.as_str().unwrap();
        let parsed = uuid::Uuid::parse_str(s).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(s, s.to_lowercase());
        assert_eq!(s.len(), 36);
    }
    let call = Intrinsic::parse("States.UUID()").unwrap();
    let ctx = context();
    let env = Env::new(&input, &ctx);
    let x = call
        .eval_with_rng(&env, &mut StdRng::seed_from_u64(1))
        .unwrap();
    let y = call
        .eval_with_rng(&env, &mut StdRng::seed_from_u64(1))
        .unwrap();
    assert_eq!(x, y);
}
