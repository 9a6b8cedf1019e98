//! Properties of `baton_definitions::source` (diagnostic pointer → line and column):
//! - any JSON value, written compact, pretty or with odd spacing: every pointer in it is
//!   found, its value's text starts at the value's position, its key's text at the key's,
//!   and line and column agree with the offset;
//! - the same value written as YAML: every pointer is found, at its key and value text;
//! - any text and any pointers: never a panic.

use std::collections::HashSet;

use baton_definitions::source::{Position, json_spots, locate, yaml_spots};
use baton_definitions::{Code, Diagnostic, Severity};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{Number, Value};

/// Any JSON value, with keys that need escaping in JSON and in pointers (`~`, `/`, quotes,
/// control characters, non-ASCII).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        any::<String>().prop_map(Value::String),
    ];
    let key = prop_oneof![
        3 => "[a-c]",
        1 => "[~/\"\\\\ a\u{e9}\u{1F600}\n\t]{0,4}",
        1 => any::<String>(),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every pointer of `value` (the root `""` included), with the value there and its key.
fn members(value: &Value) -> Vec<(String, Option<String>, Value)> {
    let mut out = vec![(String::new(), None, value.clone())];
    let mut i = 0;
    while i < out.len() {
        let (pointer, _, v) = out[i].clone();
        match &v {
            Value::Array(items) => {
                for (n, item) in items.iter().enumerate() {
                    out.push((format!("{pointer}/{n}"), None, item.clone()));
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let token = k.replace('~', "~0").replace('/', "~1");
                    out.push((format!("{pointer}/{token}"), Some(k.clone()), item.clone()));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Line and column as counted by hand from the offset.
fn check_line_column(text: &str, at: Position) -> Result<(), TestCaseError> {
    let before = &text[..at.offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    prop_assert_eq!((at.line, at.column), (line, column));
    Ok(())
}

/// The JSON value that starts at `offset` (serde_json reads one value and stops).
fn value_at(text: &str, offset: usize) -> Option<Value> {
    serde_json::Deserializer::from_str(&text[offset..])
        .into_iter::<Value>()
        .next()?
        .ok()
}

/// Compact, pretty, and with whitespace wherever JSON allows it.
fn writings(value: &Value) -> Vec<String> {
    let compact = serde_json::to_string(value).unwrap();
    let mut spaced = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in compact.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
            spaced.push(c);
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                spaced.push(c);
            }
            ',' | ':' | '[' | '{' => {
                spaced.push(c);
                spaced.push_str(" \r\n\t ");
            }
            ']' | '}' => {
                spaced.push_str("\n ");
                spaced.push(c);
            }
            c => spaced.push(c),
        }
    }
    vec![
        compact,
        serde_json::to_string_pretty(value).unwrap(),
        spaced,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_json_pointer_maps_to_its_key_and_value(value in json_value()) {
        let members = members(&value);
        let pointers: HashSet<&str> = members.iter().map(|(p, _, _)| p.as_str()).collect();
        for text in writings(&value) {
            let spots = json_spots(&text, &pointers);
            for (pointer, key, expected) in &members {
                // As serde_json reads it back (its float parsing may differ in the last bit).
                let expected: Value = serde_json::from_str(&expected.to_string()).unwrap();
                let spot = spots.get(pointer);
                prop_assert!(spot.is_some(), "{:?} not found in {}", pointer, text);
                let spot = spot.unwrap();
                check_line_column(&text, spot.value)?;
                let found = value_at(&text, spot.value.offset);
                prop_assert_eq!(found.as_ref(), Some(&expected));
                prop_assert_eq!(
                    spot.container,
                    matches!(expected, Value::Array(_) | Value::Object(_))
                );
                match (key, spot.key) {
                    (Some(key), Some(at)) => {
                        check_line_column(&text, at)?;
                        let quoted = serde_json::to_string(key).unwrap();
                        prop_assert!(text[at.offset..].starts_with(&quoted));
                    }
                    (None, None) => {}
                    (key, at) => prop_assert!(false, "key {:?} at {:?}", key, at),
                }
            }
        }
    }

    #[test]
    fn every_yaml_pointer_maps_to_its_key_and_value(value in yaml_friendly_value()) {
        let text = serde_yaml_ng::to_string(&value).unwrap();
        let members = members(&value);
        let pointers: HashSet<&str> = members.iter().map(|(p, _, _)| p.as_str()).collect();
        let (spots, error) = yaml_spots(&text, &pointers);
        prop_assert_eq!(error, None);
        for (pointer, key, expected) in &members {
            let spot = spots.get(pointer);
            prop_assert!(spot.is_some(), "{:?} not found in\n{}", pointer, text);
            let spot = spot.unwrap();
            check_line_column(&text, spot.value)?;
            let written = &text[spot.value.offset..];
            match expected {
                Value::String(s) => prop_assert!(
                    written.starts_with(s.as_str())
                        || written.starts_with(&format!("'{s}"))
                        || written.starts_with(&format!("\"{s}")),
                    "{:?} at {:?}", s, written
                ),
                Value::Array(a) if a.is_empty() => prop_assert!(written.starts_with("[]"), "{}", written),
                Value::Object(o) if o.is_empty() => prop_assert!(written.starts_with("{}"), "{}", written),
                Value::Array(_) | Value::Object(_) => {}
                scalar => prop_assert!(written.starts_with(&scalar.to_string())),
            }
            if let (Some(key), Some(at)) = (key, spot.key) {
                check_line_column(&text, at)?;
                let written = &text[at.offset..];
                prop_assert!(
                    written.starts_with(key.as_str()) || written.starts_with(&format!("'{key}")),
                    "{:?} at {:?}", key, written
                );
            } else {
                prop_assert_eq!(key.is_some(), spot.key.is_some());
            }
        }
    }

    #[test]
    fn any_text_and_pointers_never_panic(
        text in prop_oneof![any::<String>(), "[\\[\\]{}\":,a-b0-9 \n\\\\-]{0,40}", "[-:?\\[\\]{}'\"#&*!|> \na-b\t]{0,40}"],
        pointers in vec(prop_oneof![Just(String::new()), "(/[a-b0-9~]{0,2}){1,4}"], 0..6),
    ) {
        let set: HashSet<&str> = pointers.iter().map(String::as_str).collect();
        for spots in [json_spots(&text, &set), yaml_spots(&text, &set).0] {
            for spot in spots.values() {
                prop_assert!(spot.value.offset <= text.len());
                check_line_column(&text, spot.value)?;
            }
        }
        let mut found: Vec<Diagnostic> = pointers
            .iter()
            .map(|p| Diagnostic::new(Severity::Error, Code::SchemaValidationFailed, p.as_str(), "x"))
            .collect();
        found.push(Diagnostic::new(Severity::Error, Code::InvalidJson, "", "not JSON"));
        locate(&text, &mut found);
    }
}

/// Values whose YAML form is predictable enough to check by text: identifier keys, and
/// strings of letters (serde_yaml_ng quotes those that would read as something else).
fn yaml_friendly_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-z][a-z0-9]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::Array),
            btree_map("[A-Za-z][A-Za-z0-9]{0,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
