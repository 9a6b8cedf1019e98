use super::*;
use crate::diagnostics::Severity;

fn spot_json(text: &str, pointer: &str) -> Option<Spot> {
    json_spots(text, &HashSet::from([pointer])).remove(pointer)
}

fn spot_yaml(text: &str, pointer: &str) -> Option<Spot> {
    yaml_spots(text, &HashSet::from([pointer]))
        .0
        .remove(pointer)
}

/// (line, column) of a position.
fn lc(p: Position) -> (usize, usize) {
    (p.line, p.column)
}

const JSON: &str = r#"{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Pass", "Nxt": "B"},
    "B": {
      "Type": "Succeed",
      "Comment": "caf\u00e9 ~ /"
    },
    "a/b~c": [1, {"x": [true, null]}]
  }
}"#;

#[test]
fn json_keys_and_values() {
    let nxt = spot_json(JSON, "/States/A/Nxt").unwrap();
    assert_eq!(lc(nxt.key.unwrap()), (4, 27));
    assert_eq!(lc(nxt.value), (4, 34));
    assert!(!nxt.container);
    let b = spot_json(JSON, "/States/B").unwrap();
    assert_eq!(lc(b.key.unwrap()), (5, 5));
    assert_eq!(lc(b.value), (5, 10));
    assert!(b.container);
    assert_eq!(
        lc(spot_json(JSON, "/States/B/Comment").unwrap().value),
        (7, 18)
    );
    let deep = spot_json(JSON, "/States/a~1b~0c/1/x/1").unwrap();
    assert_eq!((deep.key, lc(deep.value)), (None, (9, 31)));
    let root = spot_json(JSON, "").unwrap();
    assert_eq!((root.key, lc(root.value)), (None, (1, 1)));
    assert_eq!(spot_json(JSON, "/States/C"), None);
    assert_eq!(spot_json(JSON, "/States/a~1b~0c/2"), None);
}

#[test]
fn json_escaped_keys_and_columns_in_characters() {
    let text = "{\"\\u00e9t\u{e9}\": {\"caf\\u00e9\": 1}, \"z\": \"\u{e9}\u{e9}\", \"y\": 2}";
    let spot = spot_json(text, "/\u{e9}t\u{e9}/caf\u{e9}").unwrap();
    assert_eq!(lc(spot.key.unwrap()), (1, 15));
    assert_eq!(&text[spot.value.offset..spot.value.offset + 1], "1");
    // Two 2-byte characters before "y": the column counts characters.
    let y = spot_json(text, "/y").unwrap().key.unwrap();
    assert_eq!(&text[y.offset..y.offset + 3], "\"y\"");
    assert_eq!(y.column, text[..y.offset].chars().count() + 1);
}

#[test]
fn json_that_breaks_keeps_what_came_before() {
    let text = "{\"a\": 1, \"b\": [1, 2,, \"c\": 3}";
    assert_eq!(lc(spot_json(text, "/a").unwrap().value), (1, 7));
    assert_eq!(spot_json(text, "/b/2"), None);
    assert_eq!(spot_json(text, "/c"), None);
    for broken in [
        "", "{", "{\"a\"", "{\"a\":", "[1,", "\"", "{\"a\\", "}", "{]", "[}",
    ] {
        let _ = json_spots(broken, &HashSet::from(["/a", "/0", ""]));
    }
}

const YAML: &str = "# a comment
StartAt: A
States:
  A:
    Type: Pass
    Nxt: B
  B: {Type: Succeed, Comment: 'it''s'}
  C:
    Type: Task
    Retry:
      - ErrorEquals: [States.ALL]
        MaxAttempts: 2
\"q/k\": \"v\"
";

#[test]
fn yaml_keys_and_values() {
    let nxt = spot_yaml(YAML, "/States/A/Nxt").unwrap();
    assert_eq!(lc(nxt.key.unwrap()), (6, 5));
    assert_eq!(lc(nxt.value), (6, 10));
    let a = spot_yaml(YAML, "/States/A").unwrap();
    assert!(a.container);
    assert_eq!(lc(a.key.unwrap()), (4, 3));
    assert_eq!(
        lc(spot_yaml(YAML, "/States/B/Comment").unwrap().value),
        (7, 31)
    );
    let attempts = spot_yaml(YAML, "/States/C/Retry/0/MaxAttempts").unwrap();
    assert_eq!(lc(attempts.key.unwrap()), (12, 9));
    let all = spot_yaml(YAML, "/States/C/Retry/0/ErrorEquals/0").unwrap();
    assert_eq!((all.key, lc(all.value)), (None, (11, 23)));
    assert_eq!(lc(spot_yaml(YAML, "/q~1k").unwrap().key.unwrap()), (13, 1));
    assert_eq!(spot_yaml(YAML, "/States/D"), None);
    assert_eq!(spot_yaml(YAML, "/States/C/Retry/1"), None);
}

#[test]
fn yaml_syntax_errors_and_odd_keys() {
    let (_, error) = yaml_spots("a: [1,\nb: 2\n  - c", &HashSet::new());
    assert_eq!(error.map(lc), Some((2, 1)));
    // A key that is not a scalar is skipped with its value; the keys after it are found.
    let text = "? [x, y]\n: {p: 1}\nz: 2\n";
    assert_eq!(lc(spot_yaml(text, "/z").unwrap().key.unwrap()), (3, 1));
    // Only the first document is read.
    assert_eq!(spot_yaml("a: 1\n---\nb: 2\n", "/b"), None);
    assert_eq!(lc(spot_yaml("plain", "").unwrap().value), (1, 1));
}

fn diagnostic(location: &str) -> Diagnostic {
    Diagnostic::new(Severity::Error, Code::SchemaValidationFailed, location, "x")
}

#[test]
fn diagnostics_point_at_keys_or_values() {
    let mut found = vec![
        diagnostic("/States/A/Nxt").at_key(),
        diagnostic("/States/A/Nxt"),
        diagnostic("/States/A"),
        diagnostic("/States/Z"),
        Diagnostic::new(Severity::Error, Code::InvalidJson, "", "not JSON"),
    ];
    found[4].line = Some(9);
    locate(JSON, &mut found);
    let at: Vec<_> = found.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(
        at,
        [
            (Some(4), Some(27)),
            (Some(4), Some(34)),
            (Some(4), Some(5)),
            (None, None),
            (Some(9), None),
        ]
    );
    locate(YAML, &mut found);
    let at: Vec<_> = found.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(
        at,
        [
            (Some(6), Some(5)),
            (Some(6), Some(10)),
            (Some(4), Some(3)),
            (None, None),
            (None, None),
        ]
    );
}

#[test]
fn serde_json_error_columns_become_character_columns() {
    let text = "{\n  \"\u{e9}\u{e9}\": x}";
    let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
    let at = Position::of_byte_column(text, e.line(), e.column());
    assert_eq!((at.line, at.column), (2, 9));
    assert_eq!(&text[at.offset - 1..at.offset], "x");
}
