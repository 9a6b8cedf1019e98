//! How deep a definition may nest, and reading definition text as JSON within that bound.
//!
//! Two limits apply, both with an error located at the first value that breaks them:
//!
//! - [`MAX_STATE_DEPTH`]: Parallel and Map states nested in each other (checked by the
//!   parser, which never reads a scope past it: see `scopes.rs`);
//! - [`MAX_NESTING_DEPTH`]: arrays and objects nested in each other anywhere in the JSON
//!   (checked here, before anything recursive reads the document).
//!
//! serde_json refuses text nested more than 128 levels deep ("recursion limit exceeded"),
//! too little for [`MAX_STATE_DEPTH`]: each Parallel costs four levels. So the text is first
//! scanned without recursion, and only text within [`MAX_NESTING_DEPTH`] reaches serde_json,
//! with its own limit off. Everything recursive downstream (serde_json itself, templates,
//! Choice rules, the parser, `Drop` of the [`Value`]) then recurses at most that deep.

use serde::Deserialize;
use serde_json::Value;

use crate::diagnostics::{Code, Diagnostic, Loc, Severity};

/// The deepest nesting of Parallel and Map states: a state inside 64 Parallel branches or
/// Map processors (in any mix) is accepted, one inside 65 is refused at that state. AWS
/// documents no such limit. Real definitions nest a handful of levels, and generated ones
/// (40 Parallels deep were reported) stay well within 64.
pub const MAX_STATE_DEPTH: usize = 64;

/// The deepest nesting of arrays and objects in a definition (`[]` is one level). A state
/// inside 64 Parallels is 3 + 4 × 64 = 259 levels deep (3 per Map): this leaves its
/// payloads (`Parameters`, `ResultSelector`, `Result` …) 125 more levels, about as deep as
/// serde_json reads by default (128), which bounds execution data anyway.
///
/// A value nested deeper is refused by [`read_json`], [`super::parse_value`] and
/// [`crate::Template::compile`] without recursing into it. Reading, parsing and dropping the
/// deepest definition accepted (64 Parallels and a template to this depth) takes about
/// 1.2 MiB of stack in a debug build and 0.4 MiB in a release build, mostly in serde_json;
/// the tests parse it on a 1.5 MiB thread, and Baton parses on Tokio worker threads (2 MiB)
/// or the main thread.
pub const MAX_NESTING_DEPTH: usize = 384;

/// Reads definition text as JSON. Text nested deeper than [`MAX_NESTING_DEPTH`] is refused
/// with a `SCHEMA_VALIDATION_FAILED` diagnostic at the first value too deep, unless its
/// brackets or quotes do not even match. Text that is not JSON gets
/// `INVALID_JSON_DESCRIPTION` at the root, with serde_json's position when it says one.
pub fn read_json(text: &str) -> Result<Value, Diagnostic> {
    read(text)
}

/// Checks that `text` is JSON as [`read_json`] would, without building the value.
pub fn check_json(text: &str) -> Result<(), Diagnostic> {
    read::<serde::de::IgnoredAny>(text).map(drop)
}

fn read<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, Diagnostic> {
    match scan(text, MAX_NESTING_DEPTH) {
        Scan::Shallow => {}
        Scan::TooDeep(loc) => {
            let mut found = [too_deep(&loc)];
            crate::source::locate_json(text, &mut found);
            let [found] = found;
            return Err(found);
        }
        Scan::TooDeepAndBroken => {
            return Err(not_json(format!(
                "brackets or quotes do not match, and it nests more than \
                 {MAX_NESTING_DEPTH} levels deep"
            )));
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    // Bounded: the scan found no array or object more than MAX_NESTING_DEPTH deep, and
    // serde_json recurses once per array or object (it stops at the first syntax error).
    de.disable_recursion_limit();
    let value = T::deserialize(&mut de).and_then(|value| de.end().map(|()| value));
    value.map_err(|e| {
        let mut d = not_json(e.to_string());
        if e.line() > 0 {
            let at = crate::source::Position::of_byte_column(text, e.line(), e.column());
            d.line = Some(at.line);
            d.column = Some(at.column);
        }
        d
    })
}

fn not_json(why: String) -> Diagnostic {
    Diagnostic::new(
        Severity::Error,
        Code::InvalidJson,
        "",
        format!("the definition is not valid JSON: {why}"),
    )
}

/// The error for an array or object at `loc` nested more than [`MAX_NESTING_DEPTH`] levels
/// deep.
pub(crate) fn too_deep(loc: &Loc) -> Diagnostic {
    Diagnostic::new(
        Severity::Error,
        Code::SchemaValidationFailed,
        loc.as_str(),
        format!(
            "this value is nested more than {MAX_NESTING_DEPTH} levels of arrays and objects \
             deep; a definition may nest at most {MAX_NESTING_DEPTH}"
        ),
    )
}

/// What a scan of definition text found.
#[derive(Debug, PartialEq)]
enum Scan {
    /// Nothing nested more than `max` levels deep.
    Shallow,
    /// The pointer of the first array or object nested more than `max` levels deep.
    TooDeep(Loc),
    /// Nested too deep, but with unclosed or unmatched brackets or an unclosed string: not
    /// JSON whatever its depth.
    TooDeepAndBroken,
}

/// Looks for the first array or object of `text` nested more than `max` levels deep. One
/// pass over the bytes, no recursion, and pointer tokens are kept for the first `max` levels
/// only. Only brackets and strings are recognized: serde_json checks the rest of the syntax
/// later. Past the limit the scan goes on to the end to tell deep text from broken text.
fn scan(text: &str, max: usize) -> Scan {
    let bytes = text.as_bytes();
    let mut frames: Vec<Frame> = Vec::new();
    // Every open bracket (`[` or `{`), at every depth.
    let mut open: Vec<u8> = Vec::new();
    let mut too_deep = None;
    // An unclosed string or an unmatched closing bracket: not JSON.
    let mut broken = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                i = start;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                broken |= i >= bytes.len();
                let in_frame = open.len() == frames.len();
                if let Some(Frame::Object { key, expect_key }) = frames.last_mut()
                    && *expect_key
                    && in_frame
                {
                    *key = Some((start, i.min(bytes.len())));
                    *expect_key = false;
                }
            }
            bracket @ (b'[' | b'{') => {
                if open.len() < max {
                    frames.push(match bracket {
                        b'[' => Frame::Array { index: 0 },
                        _ => Frame::Object {
                            key: None,
                            expect_key: true,
                        },
                    });
                } else if too_deep.is_none() {
                    too_deep = Some(pointer(text, &frames));
                }
                open.push(bracket);
            }
            close @ (b']' | b'}') => {
                let opener = if close == b']' { b'[' } else { b'{' };
                broken |= open.pop() != Some(opener);
                if open.len() < frames.len() {
                    frames.pop();
                }
            }
            b',' if open.len() == frames.len() => match frames.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    match too_deep {
        None => Scan::Shallow,
        Some(_) if broken || !open.is_empty() => Scan::TooDeepAndBroken,
        Some(loc) => Scan::TooDeep(loc),
    }
}

/// An array or object open at some point of the scan.
enum Frame {
    /// `index` counts the commas seen so far.
    Array { index: usize },
    /// `key` is the byte range of the last key read (without quotes).
    Object {
        key: Option<(usize, usize)>,
        expect_key: bool,
    },
}

fn pointer(text: &str, frames: &[Frame]) -> Loc {
    let mut loc = Loc::root();
    for frame in frames {
        match frame {
            Frame::Array { index } => loc = loc.at(index),
            Frame::Object {
                key: Some((start, end)),
                ..
            } => {
                // The range is between two quotes (ASCII), so on char boundaries.
                let raw = text.get(*start..*end).unwrap_or_default();
                let quoted = text.get(start - 1..=*end).unwrap_or_default();
                let key = if raw.contains('\\') {
                    serde_json::from_str(quoted).unwrap_or_else(|_| raw.to_owned())
                } else {
                    raw.to_owned()
                };
                loc = loc.at(key);
            }
            Frame::Object { key: None, .. } => {}
        }
    }
    loc
}

/// True when arrays and objects nest more than `max` levels deep in `value` (no recursion).
pub fn nested_deeper_than(value: &Value, max: usize) -> bool {
    value_too_deep(value, max, &Loc::root()).is_some()
}

/// The pointer (below `base`, the pointer of `value`) of the first array or object of
/// `value` nested more than `max` levels deep, if any (`value` itself is level 1). No
/// recursion: safe on values built in code, whatever their depth.
pub(crate) fn value_too_deep(value: &Value, max: usize, base: &Loc) -> Option<Loc> {
    if !is_container(value) {
        return None;
    }
    if max == 0 {
        return Some(base.clone());
    }
    let mut open: Vec<Children<'_>> = vec![Children::of(value)];
    // The token leading to each open container but the first.
    let mut tokens: Vec<Token<'_>> = Vec::new();
    while let Some(top) = open.last_mut() {
        match top.next() {
            None => {
                open.pop();
                tokens.pop();
            }
            Some((token, child)) if is_container(child) => {
                tokens.push(token);
                if open.len() >= max {
                    return Some(tokens.iter().fold(base.clone(), |loc, t| t.below(&loc)));
                }
                open.push(Children::of(child));
            }
            Some(_) => {}
        }
    }
    None
}

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Array(_) | Value::Object(_))
}

enum Children<'a> {
    Array(std::iter::Enumerate<std::slice::Iter<'a, Value>>),
    Object(serde_json::map::Iter<'a>),
}

impl<'a> Children<'a> {
    fn of(value: &'a Value) -> Children<'a> {
        match value {
            Value::Object(map) => Children::Object(map.iter()),
            Value::Array(items) => Children::Array(items.iter().enumerate()),
            _ => Children::Array([].iter().enumerate()),
        }
    }

    fn next(&mut self) -> Option<(Token<'a>, &'a Value)> {
        match self {
            Children::Array(items) => items.next().map(|(i, v)| (Token::Index(i), v)),
            Children::Object(map) => map.next().map(|(k, v)| (Token::Key(k), v)),
        }
    }
}

enum Token<'a> {
    Index(usize),
    Key(&'a str),
}

impl Token<'_> {
    fn below(&self, loc: &Loc) -> Loc {
        match self {
            Token::Index(i) => loc.at(i),
            Token::Key(k) => loc.at(k),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text_at(text: &str, max: usize) -> Option<String> {
        match scan(text, max) {
            Scan::Shallow => None,
            Scan::TooDeep(loc) => Some(loc.as_str().to_owned()),
            Scan::TooDeepAndBroken => Some("broken".to_owned()),
        }
    }

    fn value_at(value: &Value, max: usize) -> Option<String> {
        value_too_deep(value, max, &Loc::root()).map(|l| l.as_str().to_owned())
    }

    #[test]
    fn text_and_value_scans_agree_on_the_first_value_too_deep() {
        let cases = [
            (r#"[[[1]]]"#, 3, None),
            (r#"[[[[]]]]"#, 3, Some("/0/0/0")),
            (r#"1"#, 0, None),
            (r#"[]"#, 0, Some("")),
            (r#"{"a":[1,"]",{"b":2},[{"c":{}}]]}"#, 3, Some("/a/3/0")),
            (r#"{"a":[1,"]",{"b":2},[{"c":{}}]]}"#, 4, Some("/a/3/0/c")),
            (r#"{"a":[1,"]",{"b":2},[{"c":{}}]]}"#, 5, None),
            (
                r#"{"x":"{[", "k\"/~\u00e9":{"y": {}}}"#,
                2,
                Some("/k\"~1~0é/y"),
            ),
            (r#"{"a":{}, "b":[0, [], {"c":[[]]}]}"#, 3, Some("/b/2/c")),
        ];
        for (text, max, expected) in cases {
            assert_eq!(text_at(text, max).as_deref(), expected, "{text} at {max}");
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                value_at(&value, max).as_deref(),
                expected,
                "{text} at {max}"
            );
        }
        assert_eq!(
            value_too_deep(&json!({"a": [[]]}), 2, &Loc::root().at("P")).unwrap(),
            Loc::root().at("P").at("a").at(0)
        );
    }

    #[test]
    fn deep_text_with_unmatched_brackets_or_quotes_is_broken() {
        for text in [
            "[[[", "[[[]]", "[[[]}]", "[[[\"]]]", "[[[]]]]", "{[[]]", "][[[]]]",
        ] {
            assert_eq!(text_at(text, 2).as_deref(), Some("broken"), "{text}");
        }
        assert_eq!(text_at("[[[]]]", 2).as_deref(), Some("/0/0"));
        // Only depth is judged within the limit: serde_json reports the rest.
        for text in [
            "\"",
            "\"\\",
            "]]}}[",
            "{\"a",
            "{\"a\\",
            "{,,[",
            "[\"\\\"[\"]",
            "[[}",
        ] {
            assert_eq!(text_at(text, 2), None, "{text}");
        }
    }
}
