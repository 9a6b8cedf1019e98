//! Properties of the language crate, over generated input:
//! - paths: parsing any text never panics, selecting any parsed path from any JSON never
//!   panics, and a reference path written then selected gives back what was written;
//! - `ResultPath` `$.a.b` keeps every other top-level key of an object input;
//! - templates: compiling any JSON never panics, nor does evaluating any compiled template;
//! - the whole parser: any text and any JSON value gives `Ok` with warnings only, or `Err`
//!   with at least one error, and never panics.

use baton_definitions::intrinsics::Intrinsic;
use baton_definitions::parse::fields::PathField;
use baton_definitions::pipeline::{apply_result_path, effective_input, state_output};
use baton_definitions::{Diagnostic, Diagnostics, Env, Loc, Path, Severity, Template};
use baton_definitions::{parse_definition, parse_value};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Number, Value, json};

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// Object keys: mostly a few short names (so paths find data), sometimes anything.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-d]",
        2 => "[a-z_][a-z0-9_-]{0,6}",
        1 => "[a-c]\\.\\$",
        1 => "[$.\\[\\]'\"\\\\* @?]{0,4}",
        1 => any::<String>(),
    ]
}

/// Scalars, including strings that look like paths and intrinsic calls.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..10).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "[a-z0-9 ,{}]{0,10}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
        select(vec![
            "2024-03-14T01:59:00Z",
            "$.a",
            "States.Array(1)",
            "{}",
            "[1]"
        ])
        .prop_map(Value::from),
    ]
}

/// Any JSON value, bounded: at most 4 levels of arrays/objects, about 48 nodes.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn object(pairs: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::Object(pairs.into_iter().collect::<Map<String, Value>>())
}

/// An object input, as a state receives one.
fn json_object() -> impl Strategy<Value = Value> {
    btree_map(key(), json_value(), 0..6).prop_map(object)
}

/// A name inside `['…']`. As in Jayway, only the quote is escaped (`\'`); every other
/// backslash is part of the name, so a name ending in `\` cannot be written this way.
fn bracketed(name: &str) -> String {
    format!("['{}']", name.replace('\'', "\\'"))
}

/// A name after a dot: `\` escapes the next character; control characters are refused.
fn dotted(name: &str) -> Option<String> {
    if name.is_empty() || name.chars().any(char::is_control) {
        return None;
    }
    let mut out = String::from(".");
    for (i, c) in name.chars().enumerate() {
        if matches!(c, '\\' | '.' | '[') || (i == 0 && c == '*') {
            out.push('\\');
        }
        out.push(c);
    }
    Some(out)
}

/// One step of a path: reference steps, query steps and some junk.
fn step() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-d]".prop_map(|n| format!(".{n}")),
        2 => "[a-zA-Z_][a-zA-Z0-9_-]{0,5}".prop_map(|n| format!(".{n}")),
        2 => any::<String>().prop_map(|n| bracketed(&n)),
        2 => (-3i64..4).prop_map(|i| format!("[{i}]")),
        1 => select(vec![
            "[*]", ".*", "..a", "..*", "[0:2]", "[::-1]", "[1,0]", "['a','b']",
            "[?(@.a > 1)]", "[?(@.b == 'x')]", "[?(@.a)]", "[?(@.a < $.b)]", "[-1:]",
        ])
        .prop_map(str::to_owned),
        1 => "[$.\\[\\]'\"\\\\*?@(),:=<> 0-9a-c-]{1,4}",
    ]
}

/// Path text: mostly well-formed (`$`/`$$` and steps), sometimes anything.
fn path_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (select(vec!["$", "$", "$$"]), vec(step(), 0..5))
            .prop_map(|(root, steps)| format!("{root}{}", steps.concat())),
        1 => "\\$[.\\[\\]'\"a-d0-9*?@(),:\\\\ -]{0,12}",
        1 => any::<String>(),
    ]
}

/// An intrinsic call, mostly well-formed, arguments drawn from paths, literals and calls.
fn intrinsic_text() -> impl Strategy<Value = String> {
    let arg = prop_oneof![
        select(vec!["$.a", "$.b[0]", "$$.Execution.Id", "$", "$.c.d"]).prop_map(str::to_owned),
        (-5i64..2000).prop_map(|n| n.to_string()),
        select(vec![
            "'{}'",
            "'a,b'",
            "'x'",
            "'{} and {}'",
            "true",
            "null",
            "1.5",
            "'SHA-256'"
        ])
        .prop_map(str::to_owned),
    ];
    let call = |args: BoxedStrategy<String>| {
        (
            select(vec![
                "Format",
                "StringToJson",
                "JsonToString",
                "Array",
                "ArrayPartition",
                "ArrayContains",
                "ArrayRange",
                "ArrayGetItem",
                "ArrayLength",
                "ArrayUnique",
                "Base64Encode",
                "Base64Decode",
                "Hash",
                "JsonMerge",
                "MathRandom",
                "MathAdd",
                "StringSplit",
                "UUID",
                "Nope",
            ]),
            vec(args, 0..4),
        )
            .prop_map(|(f, args)| format!("States.{f}({})", args.join(", ")))
    };
    arg.prop_recursive(3, 12, 4, move |inner| call(inner.boxed()))
}

/// A payload template: JSON whose keys often end in `.$` with a path or call as value.
fn template_value() -> impl Strategy<Value = Value> {
    let dynamic = prop_oneof![path_text(), intrinsic_text(), any::<String>()].boxed();
    let entry = move |inner: BoxedStrategy<Value>| {
        prop_oneof![
            ("[a-d]", inner).prop_map(|(k, v)| (k, v)),
            ("[a-d]", dynamic.clone()).prop_map(|(k, v)| (format!("{k}.$"), Value::String(v))),
            ("[a-d]\\.\\$", leaf()).prop_map(|(k, v)| (k, v)),
        ]
    };
    leaf().prop_recursive(4, 40, 5, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec(entry(inner.boxed()), 0..5).prop_map(object),
        ]
    })
}

const STATE_NAMES: [&str; 5] = ["A", "B", "C", "D", "E"];

fn state_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => select(STATE_NAMES.to_vec()).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// A Choice rule, nested a little.
fn choice_rule() -> impl Strategy<Value = Value> {
    let test = (
        path_text(),
        select(vec![
            "StringEquals",
            "NumericGreaterThan",
            "NumericEqualsPath",
            "BooleanEquals",
            "TimestampLessThan",
            "StringMatches",
            "IsPresent",
            "IsNull",
            "Nope",
        ]),
        leaf(),
    )
        .prop_map(|(variable, op, operand)| json!({"Variable": variable, op: operand}));
    test.prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(|rules| json!({"And": rules})),
            vec(inner.clone(), 0..3).prop_map(|rules| json!({"Or": rules})),
            inner.prop_map(|rule| json!({"Not": rule})),
        ]
    })
}

/// One field of a state, with a value of the kind it expects (or sometimes anything).
fn state_field(graph: BoxedStrategy<Value>) -> impl Strategy<Value = (String, Value)> {
    let field = |name: &'static str, value: BoxedStrategy<Value>| {
        value.prop_map(move |v| (name.to_owned(), v))
    };
    let path = || path_text().prop_map(Value::String).boxed();
    prop_oneof![
        3 => field("Next", state_name().prop_map(Value::String).boxed()),
        2 => field("End", any::<bool>().prop_map(Value::Bool).boxed()),
        2 => field("Parameters", template_value().boxed()),
        1 => field("ResultSelector", template_value().boxed()),
        2 => field("ResultPath", prop_oneof![path(), Just(Value::Null)].boxed()),
        1 => field("InputPath", prop_oneof![path(), Just(Value::Null)].boxed()),
        1 => field("OutputPath", path()),
        1 => field("Result", json_value().boxed()),
        2 => field("Resource", select(vec!["http://127.0.0.1:1/x", "arn:aws:states:::http:invoke",
            "arn:aws:states:::lambda:invoke.waitForTaskToken", "nope"]).prop_map(Value::from).boxed()),
        2 => field("Choices", vec(
            (choice_rule(), state_name()).prop_map(|(mut rule, next)| {
                rule["Next"] = Value::String(next);
                rule
            }), 0..3).prop_map(Value::Array).boxed()),
        1 => field("Default", state_name().prop_map(Value::String).boxed()),
        1 => field("Seconds", (-1i64..5).prop_map(Value::from).boxed()),
        1 => field("TimestampPath", path()),
        1 => field("Retry", vec(json_value().prop_map(|v| json!({
            "ErrorEquals": ["States.ALL"], "MaxAttempts": v})), 0..2).prop_map(Value::Array).boxed()),
        1 => field("Catch", vec(state_name().prop_map(|n| json!({
            "ErrorEquals": ["States.ALL"], "Next": n})), 0..2).prop_map(Value::Array).boxed()),
        1 => field("ErrorPath", prop_oneof![path(), intrinsic_text().prop_map(Value::String).boxed()].boxed()),
        1 => field("Branches", vec(graph.clone(), 0..2).prop_map(Value::Array).boxed()),
        1 => field("ItemProcessor", graph),
        1 => field("ItemsPath", path()),
        1 => (key(), json_value()),
    ]
}

/// A `StartAt` + `States` block whose states are ASL-shaped (nested blocks included).
fn graph() -> impl Strategy<Value = Value> {
    let leaf_graph = Just(json!({"StartAt": "L", "States": {"L": {"Type": "Succeed"}}}));
    leaf_graph.prop_recursive(2, 40, 5, |inner| {
        let state = (
            select(vec![
                "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "Callback",
                "Nope",
            ]),
            vec(state_field(inner.boxed()), 0..6),
        )
            .prop_map(|(kind, fields)| {
                let mut state = object(fields);
                state["Type"] = Value::from(kind);
                state
            });
        (state_name(), btree_map(state_name(), state, 1..5))
            .prop_map(|(start, states)| json!({"StartAt": start, "States": object(states)}))
    })
}

/// Text that is JSON-ish: a definition with some bytes cut out or repeated.
fn jsonish_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            graph(),
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>()
        )
            .prop_map(|(g, a, b)| {
                let text = g.to_string();
                let chars: Vec<char> = text.chars().collect();
                let (a, b) = (a.index(chars.len()), b.index(chars.len()));
                let (lo, hi) = (a.min(b), a.max(b));
                chars[..lo].iter().chain(&chars[hi..]).collect()
            }),
        "[{}\\[\\]\":,a-zA-Z0-9 .$\\\\-]{0,80}",
        any::<String>(),
    ]
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn context() -> Value {
    json!({"Execution": {"Id": "arn:x", "Input": {"a": 1}}, "State": {"Name": "S"}, "Task": {"Token": "t"}})
}

/// A parse result is consistent with its diagnostics.
fn check_outcome(result: &Result<baton_definitions::Definition, Vec<Diagnostic>>) {
    match result {
        Ok(def) => assert!(def.warnings.iter().all(|d| d.severity == Severity::Warning)),
        Err(all) => {
            assert!(all.iter().any(|d| d.severity == Severity::Error));
            for d in all {
                assert!(d.location.is_empty() || d.location.starts_with('/'), "{d}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn path_parse_never_panics(text in prop_oneof![path_text(), any::<String>()]) {
        if let Ok(path) = Path::parse(&text) {
            prop_assert_eq!(path.text(), text.as_str());
            let _ = path.normalized();
        }
        let _ = Path::parse_reference(&text);
    }

    #[test]
    fn select_never_panics(text in path_text(), input in json_value(), ctx in json_value()) {
        if let Ok(path) = Path::parse(&text) {
            let env = Env::new(&input, &ctx);
            let selected = path.select(&env);
            let borrowed = path.select_ref(&env).map(|v| v.into_owned());
            prop_assert_eq!(&selected, &borrowed);
            if path.variable().is_some() {
                // No variable is in scope here (`$name…` reads one set by `Assign`): a
                // path from one selects nothing, query or not.
                prop_assert_eq!(&selected, &None);
            } else if !path.is_definite() {
                // A query always gives the array of its matches.
                prop_assert!(matches!(selected, Some(Value::Array(_))));
            }
        }
    }

    #[test]
    fn reference_path_write_then_select_round_trips(
        names in vec(prop_oneof![2 => "[a-zA-Z_][a-zA-Z0-9_-]{0,6}", 1 => any::<String>()], 0..5),
        prefer_dot in vec(any::<bool>(), 5),
        value in json_value(),
    ) {
        let mut text = String::from("$");
        for (name, prefer_dot) in names.iter().zip(&prefer_dot) {
            let step = match dotted(name) {
                Some(step) if *prefer_dot || name.ends_with('\\') => step,
                _ if !name.ends_with('\\') => bracketed(name),
                // A trailing backslash and a control character: no notation can say it.
                _ => return Ok(()),
            };
            text.push_str(&step);
        }
        let path = Path::parse_reference(&text)
            .unwrap_or_else(|e| panic!("'{text}' is a reference path: {e}"));
        let written = path.write(json!({}), value.clone())
            .unwrap_or_else(|_| panic!("'{text}' can be written into {{}}"));
        let ctx = context();
        prop_assert_eq!(path.select(&Env::new(&written, &ctx)), Some(value));
    }

    /// Writing at `$.a.b` keeps every other top-level key, and the other keys of `a`.
    #[test]
    fn result_path_keeps_the_rest_of_the_input(input in json_object(), result in json_value()) {
        let field = PathField::Path(Path::parse("$.a.b").expect("a path"));
        let out = apply_result_path(&field, input.clone(), result.clone());
        let a = input.get("a");
        match out {
            Ok(out) => {
                prop_assert_eq!(out.pointer("/a/b"), Some(&result));
                let (before, after) = (input.as_object().unwrap(), out.as_object().unwrap());
                for (k, v) in before {
                    if k != "a" {
                        prop_assert_eq!(after.get(k), Some(v), "key {}", k);
                    }
                }
                prop_assert_eq!(after.len(), before.len() + usize::from(a.is_none()));
                if let Some(Value::Object(old_a)) = a {
                    let new_a = after["a"].as_object().unwrap();
                    for (k, v) in old_a.iter().filter(|(k, _)| *k != "b") {
                        prop_assert_eq!(new_a.get(k), Some(v));
                    }
                }
            }
            // Only a non-object `a` in the way makes the write fail.
            Err(failure) => {
                prop_assert!(a.is_some_and(|a| !a.is_object()), "{failure:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Templates and intrinsics
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn template_compile_never_panics(value in prop_oneof![json_value(), template_value()]) {
        let mut d = Diagnostics::new();
        let compiled = Template::compile(&value, &Loc::root().at("Parameters"), &mut d);
        // A template is refused exactly when an error was reported.
        let errors = d.items().iter().any(|x| x.severity == Severity::Error);
        prop_assert_eq!(compiled.is_none(), errors);
    }

    #[test]
    fn template_eval_never_panics(value in template_value(), input in json_value()) {
        let mut d = Diagnostics::new();
        if let Some(template) = Template::compile(&value, &Loc::root(), &mut d) {
            let ctx = context();
            let _ = template.eval(&Env::new(&input, &ctx));
        }
    }

    #[test]
    fn intrinsic_parse_and_eval_never_panic(
        text in prop_oneof![intrinsic_text(), any::<String>()],
        input in json_object(),
    ) {
        if let Ok(call) = Intrinsic::parse(&text) {
            let ctx = context();
            let _ = call.eval(&Env::new(&input, &ctx));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The whole parser
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_definition_never_panics_on_text(text in jsonish_text()) {
        check_outcome(&parse_definition(&text));
    }

    #[test]
    fn parse_definition_never_panics_on_json(value in json_value()) {
        check_outcome(&parse_definition(&value.to_string()));
    }

    /// ASL-shaped definitions reach deep into the parser; the ones that parse also run
    /// every state's pipeline over an arbitrary input without panicking.
    #[test]
    fn parse_value_never_panics_on_asl_shapes(definition in graph(), input in json_object()) {
        let result = parse_value(&definition);
        check_outcome(&result);
        prop_assert_eq!(result.is_ok(), parse_definition(&definition.to_string()).is_ok());
        if let Ok(def) = result {
            let ctx = context();
            for state in def.machine.states() {
                if let Ok(effective) = effective_input(&state.io, &input, &ctx) {
                    let _ = state_output(&state.io, input.clone(), effective.into_owned(), &ctx);
                }
            }
        }
    }
}
