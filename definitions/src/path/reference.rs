//! Reference paths: `$`, `.name`, `['name']` and `[index]` steps only.
//!
//! Names after a dot run to the next unescaped `.` or `[`, so `$.foo-bar` and `$.a b` work
//! as AWS accepts them; `\` escapes the next character (`$.a\.b` names the key `a.b`).

use serde_json::{Map, Value};

/// One step of a reference path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Field(String),
    /// An array index; a negative index counts from the end (Jayway's `[-1]`).
    Index(i64),
}

/// Why a text is not a reference path.
pub(super) enum NotReference {
    /// It uses JSONPath query syntax (wildcard, filter, slice, union, descent).
    Query,
    /// It is not a path at all.
    Malformed(String),
}

/// Parses what follows the root (`$` or `$$`).
pub(super) fn parse_segments(rest: &str) -> Result<Vec<Segment>, NotReference> {
    let chars: Vec<char> = rest.chars().collect();
    let mut segments = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                i += 1;
                match chars.get(i) {
                    None => return Err(malformed(rest, "ends with '.'")),
                    Some('.') => return Err(NotReference::Query),
                    Some('*') if matches!(chars.get(i + 1), None | Some('.') | Some('[')) => {
                        return Err(NotReference::Query);
                    }
                    Some('[') => return Err(malformed(rest, "has '.' followed by '['")),
                    _ => {}
                }
                let mut name = String::new();
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    if chars[i] == '\\' {
                        i += 1;
                        match chars.get(i) {
                            Some(c) => name.push(*c),
                            None => {
                                return Err(malformed(rest, "ends with an unfinished escape '\\'"));
                            }
                        }
                    } else if chars[i].is_control() {
                        return Err(malformed(rest, "contains a control character"));
                    } else {
                        name.push(chars[i]);
                    }
                    i += 1;
                }
                segments.push(Segment::Field(name));
            }
            '[' => {
                i += 1;
                match chars.get(i) {
                    Some('\'') | Some('"') => {
                        let quote = chars[i];
                        i += 1;
                        let mut name = String::new();
                        loop {
                            match chars.get(i) {
                                None => {
                                    return Err(malformed(rest, "has an unterminated quoted name"));
                                }
                                // Jayway: only the quote itself is escaped; any other
                                // backslash is part of the name.
                                Some('\\') if chars.get(i + 1) == Some(&quote) => {
                                    i += 1;
                                    name.push(quote);
                                }
                                Some(c) if *c == quote => break,
                                Some(c) => name.push(*c),
                            }
                            i += 1;
                        }
                        i += 1;
                        match chars.get(i) {
                            Some(']') => {}
                            Some(',') => return Err(NotReference::Query),
                            _ => {
                                return Err(malformed(
                                    rest,
                                    "has a quoted name not followed by ']'",
                                ));
                            }
                        }
                        i += 1;
                        segments.push(Segment::Field(name));
                    }
                    Some(c) if c.is_ascii_digit() || *c == '-' => {
                        let start = i;
                        i += 1;
                        while i < chars.len() && chars[i].is_ascii_digit() {
                            i += 1;
                        }
                        let digits: String = chars[start..i].iter().collect();
                        match chars.get(i) {
                            Some(']') => {}
                            Some(':') | Some(',') => return Err(NotReference::Query),
                            _ => {
                                return Err(malformed(
                                    rest,
                                    "has an index that is not a whole number",
                                ));
                            }
                        }
                        let index: i64 = digits.parse().map_err(|_| {
                            malformed(rest, "has an index that is not a whole number")
                        })?;
                        i += 1;
                        segments.push(Segment::Index(index));
                    }
                    Some('*') | Some('?') | Some(':') => return Err(NotReference::Query),
                    _ => {
                        return Err(malformed(
                            rest,
                            "has a '[' that opens no name, index, wildcard or filter",
                        ));
                    }
                }
            }
            c => {
                return Err(malformed(
                    rest,
                    &format!("has '{c}' where '.' or '[' was expected"),
                ));
            }
        }
    }
    Ok(segments)
}

fn malformed(rest: &str, why: &str) -> NotReference {
    NotReference::Malformed(format!("the path '${rest}' {why}"))
}

/// The node at `segments` under `root`, if any.
pub(super) fn get<'v>(root: &'v Value, segments: &[Segment]) -> Option<&'v Value> {
    let mut node = root;
    for segment in segments {
        node = match segment {
            Segment::Field(name) => node.as_object()?.get(name)?,
            Segment::Index(index) => {
                let array = node.as_array()?;
                array.get(resolve_index(*index, array.len())?)?
            }
        };
    }
    Some(node)
}

fn resolve_index(index: i64, len: usize) -> Option<usize> {
    if index >= 0 {
        usize::try_from(index).ok().filter(|i| *i < len)
    } else {
        let back = usize::try_from(index.unsigned_abs()).ok()?;
        len.checked_sub(back)
    }
}

/// `$['a']['b'][0]`, as Jayway prints paths.
pub(super) fn normalized(segments: &[Segment]) -> String {
    let mut out = String::from("$");
    for segment in segments {
        match segment {
            Segment::Field(name) => {
                out.push_str("['");
                out.push_str(name);
                out.push_str("']");
            }
            Segment::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Writes `value` at `segments`, creating missing objects. On failure returns the target
/// unchanged.
pub(super) fn set(mut target: Value, segments: &[Segment], value: Value) -> Result<Value, Value> {
    if !can_set(&target, segments) {
        return Err(target);
    }
    write(&mut target, segments, value);
    Ok(target)
}

fn can_set(mut node: &Value, segments: &[Segment]) -> bool {
    for (depth, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Field(name) => match node.as_object() {
                Some(object) => match object.get(name) {
                    Some(child) => node = child,
                    // Missing from here on: only field steps can be created.
                    None => {
                        return segments[depth + 1..]
                            .iter()
                            .all(|s| matches!(s, Segment::Field(_)));
                    }
                },
                None => return false,
            },
            Segment::Index(index) => match node.as_array() {
                Some(array) => match resolve_index(*index, array.len()) {
                    Some(i) => node = &array[i],
                    None => return false,
                },
                None => return false,
            },
        }
    }
    true
}

fn write(node: &mut Value, segments: &[Segment], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        *node = value;
        return;
    };
    let child = match first {
        Segment::Field(name) => {
            let Value::Object(object) = node else { return };
            object
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new()))
        }
        Segment::Index(index) => {
            let Value::Array(array) = node else { return };
            let Some(i) = resolve_index(*index, array.len()) else {
                return;
            };
            &mut array[i]
        }
    };
    write(child, rest, value);
}
