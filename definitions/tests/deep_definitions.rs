//! Deep definitions. A Parallel inside Parallels 40 deep used to be refused as
//! `INVALID_JSON_DESCRIPTION … recursion limit exceeded` at `/`. Now states nest up to
//! `MAX_STATE_DEPTH`, JSON up to `MAX_NESTING_DEPTH`, each refused past its limit with a
//! located diagnostic, and parsing stays within a small stack whatever the input.

use baton_definitions::parse::{MAX_NESTING_DEPTH, MAX_STATE_DEPTH, check_json, read_json};
use baton_definitions::pipeline::effective_input;
use baton_definitions::{Code, Diagnostic, Severity, parse_definition, parse_value};
use serde_json::{Value, json};

/// The stack the deepest accepted definition is parsed on: the 2 MiB of a Tokio worker or a
/// test thread, less 512 KiB for the frames of whatever calls the parser.
const CALLER_STACK_KIB: usize = 1536;
/// Refusing input nested too deep does not recurse at all.
const SMALL_STACK_KIB: usize = 256;

#[derive(Clone, Copy)]
enum Kind {
    Parallel,
    Map,
    /// A Map with the legacy `Iterator` field.
    Iterator,
}

use Kind::{Iterator, Map, Parallel};

/// A definition whose state `S0` holds `S1` in a branch or processor, which holds `S2`, …
/// down to `S{n}` (n = `kinds.len()`), which is `leaf`. Built as text, without recursion.
fn nested(kinds: &[Kind], leaf: &str) -> String {
    let mut text = String::from(r#"{"StartAt":"S0","States":{"S0":"#);
    for (i, kind) in kinds.iter().enumerate() {
        text.push_str(match kind {
            Parallel => r#"{"Type":"Parallel","End":true,"Branches":[{"#,
            Map => r#"{"Type":"Map","End":true,"ItemProcessor":{"#,
            Iterator => r#"{"Type":"Map","End":true,"Iterator":{"#,
        });
        text.push_str(&format!(
            r#""StartAt":"S{n}","States":{{"S{n}":"#,
            n = i + 1
        ));
    }
    text.push_str(leaf);
    for kind in kinds.iter().rev() {
        text.push_str(match kind {
            Parallel => "}}]}",
            Map | Iterator => "}}}",
        });
    }
    text.push_str("}}");
    text
}

/// The pointer of the innermost state of [`nested`].
fn pointer(kinds: &[Kind]) -> String {
    let mut out = String::from("/States/S0");
    for (i, kind) in kinds.iter().enumerate() {
        out.push_str(match kind {
            Parallel => "/Branches/0",
            Map => "/ItemProcessor",
            Iterator => "/Iterator",
        });
        out.push_str(&format!("/States/S{}", i + 1));
    }
    out
}

/// `depth` kinds, cycling through Parallel, Map and Iterator.
fn mixed(depth: usize) -> Vec<Kind> {
    [Parallel, Map, Iterator]
        .into_iter()
        .cycle()
        .take(depth)
        .collect()
}

const PASS: &str = r#"{"Type":"Pass","End":true}"#;

/// A Pass state whose `Parameters` nest `depth` objects: `{"a": … {"v.$": "$.x"} …}`.
fn pass_with_template(depth: usize) -> String {
    format!(
        r#"{{"Type":"Pass","End":true,"Parameters":{}{}{}}}"#,
        r#"{"a":"#.repeat(depth - 1),
        r#"{"v.$":"$.x"}"#,
        "}".repeat(depth - 1)
    )
}

/// Runs `f` on a thread with a stack of `kib` KiB: a regression there is a crash.
fn on_stack<T: Send>(kib: usize, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(kib * 1024)
            .spawn_scoped(s, f)
            .expect("spawn")
            .join()
            .expect("no panic")
    })
}

/// The errors of `text`, which must not parse.
fn errors(text: &str, kib: usize) -> Vec<Diagnostic> {
    let all = on_stack(kib, || parse_definition(text).map(|_| ()).unwrap_err());
    all.into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

/// Parses `text` (which must parse) on the caller stack, and evaluates the `Parameters` of
/// its states over `{"x": 1}` there too. Returns the number of states and the outputs.
fn accepted(text: &str) -> (usize, Vec<Value>) {
    on_stack(CALLER_STACK_KIB, || {
        let def = match parse_definition(text) {
            Ok(def) => def,
            Err(all) => panic!("refused: {all:?}"),
        };
        let input = json!({"x": 1});
        let context = json!({});
        let outputs = def
            .machine
            .states()
            .filter(|s| s.io.parameters.is_some())
            .map(|s| effective_input(&s.io, &input, &context).expect("evaluates"))
            .map(|v| v.into_owned())
            .collect();
        (def.machine.states().count(), outputs)
    })
}

/// The depth of objects along the `"a"` keys of `value`, and the leaf `v`.
fn template_depth(mut value: &Value) -> (usize, Value) {
    let mut depth = 1;
    while let Some(inner) = value.get("a") {
        depth += 1;
        value = inner;
    }
    (depth, value["v"].clone())
}

#[test]
fn forty_nested_parallels_and_maps_are_accepted() {
    for kinds in [[Parallel; 40].to_vec(), [Map; 40].to_vec(), mixed(40)] {
        let (states, _) = accepted(&nested(&kinds, PASS));
        assert_eq!(states, 41);
    }
}

#[test]
fn states_nest_up_to_the_limit_and_one_more_is_refused_at_that_state() {
    assert_eq!(MAX_STATE_DEPTH, 64);
    for kind in [Parallel, Map, Iterator] {
        let kinds = vec![kind; MAX_STATE_DEPTH];
        assert_eq!(accepted(&nested(&kinds, PASS)).0, MAX_STATE_DEPTH + 1);
    }
    for kinds in [
        vec![Parallel; MAX_STATE_DEPTH + 1],
        vec![Map; MAX_STATE_DEPTH + 1],
        vec![Iterator; MAX_STATE_DEPTH + 1],
        mixed(MAX_STATE_DEPTH + 1),
    ] {
        let found = errors(&nested(&kinds, PASS), CALLER_STACK_KIB);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, Code::SchemaValidationFailed);
        assert_eq!(found[0].location, pointer(&kinds));
        assert_eq!(
            found[0].message,
            "state 'S65' is nested in 65 Parallel and Map states; at most 64 may be nested in \
             each other"
        );
    }
    // Far deeper, the first state too deep is still the one reported.
    let kinds = vec![Map; 95];
    let found = errors(&nested(&kinds, PASS), CALLER_STACK_KIB);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].location, pointer(&kinds[..MAX_STATE_DEPTH + 1]));
}

#[test]
fn payload_templates_nest_up_to_the_json_limit_and_deeper_is_refused_there() {
    assert_eq!(MAX_NESTING_DEPTH, 384);
    // A top-level state is 3 levels deep, a state in 64 Parallels 3 + 4 × 64 = 259: its
    // `Parameters` may nest the rest. The latter is the deepest definition accepted.
    for kinds in [vec![], vec![Parallel; MAX_STATE_DEPTH]] {
        let room = MAX_NESTING_DEPTH - 3 - 4 * kinds.len();
        let (_, outputs) = accepted(&nested(&kinds, &pass_with_template(room)));
        assert_eq!(outputs.len(), 1);
        assert_eq!(template_depth(&outputs[0]), (room, json!(1)));

        let found = errors(
            &nested(&kinds, &pass_with_template(room + 1)),
            SMALL_STACK_KIB,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, Code::SchemaValidationFailed);
        let inner = format!("{}/Parameters{}", pointer(&kinds), "/a".repeat(room));
        assert_eq!(found[0].location, inner);
        assert_eq!(
            found[0].message,
            "this value is nested more than 384 levels of arrays and objects deep; a \
             definition may nest at most 384"
        );
    }
}

#[test]
fn adversarial_nesting_is_refused_cleanly_on_a_small_stack() {
    const N: usize = 100_000;
    let arrays = format!("{}{}", "[".repeat(N), "]".repeat(N));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(N), "}".repeat(N));
    // Valid JSON, too deep: refused at the first value too deep.
    for (text, token) in [(&arrays, "/0"), (&objects, "/a")] {
        let found = errors(text, SMALL_STACK_KIB);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, Code::SchemaValidationFailed);
        assert_eq!(found[0].location, token.repeat(MAX_NESTING_DEPTH));
        assert!(found[0].message.contains("nested more than 384 levels"));
        let checked = on_stack(SMALL_STACK_KIB, || check_json(text).unwrap_err());
        assert_eq!(checked, found[0]);
    }
    // Not JSON at all (never closed, or closed wrong), and too deep.
    let unclosed = [
        "[".repeat(N),
        r#"{"a":"#.repeat(N),
        format!("{}{}", "[".repeat(N), "}".repeat(N)),
    ];
    for text in &unclosed {
        let found = errors(text, SMALL_STACK_KIB);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, Code::InvalidJson);
        assert_eq!(found[0].location, "");
        assert!(found[0].message.contains("nests more than 384 levels"));
    }
}

#[test]
fn deep_text_that_is_not_json_keeps_serde_json_position() {
    let depth = MAX_NESTING_DEPTH - 4;
    let text = format!("{}1,{}", "[".repeat(depth), "]".repeat(depth));
    let found = errors(&text, CALLER_STACK_KIB);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, Code::InvalidJson);
    let at = format!("at line 1 column {}", depth + 3);
    assert!(found[0].message.contains(&at), "{found:?}");
    // The same depth, valid: read.
    let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    assert!(on_stack(CALLER_STACK_KIB, || read_json(&text).is_ok()));
}

#[test]
fn values_built_too_deep_are_refused_cleanly_on_a_small_stack() {
    let mut deep = json!(1);
    for _ in 0..100_000 {
        deep = Value::Array(vec![deep]);
    }
    let found = on_stack(SMALL_STACK_KIB, || {
        parse_value(&deep).map(|_| ()).unwrap_err()
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].location, "/0".repeat(MAX_NESTING_DEPTH));
    // Dropping a value this deep recurses in serde_json: take it apart by hand.
    while let Value::Array(mut items) = deep {
        deep = items.pop().unwrap_or(Value::Null);
    }
}
