//! Typed reading of one JSON object of a definition, reporting every problem with its
//! location instead of stopping at the first.

use serde_json::{Map, Value};

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Loc, Severity};
use crate::path::Path;
use crate::suggest;

/// A JSON object of the definition and where it is.
#[derive(Debug, Clone, Copy)]
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub loc: &'a Loc,
}

/// A path field that may be absent (default), `null` (discard) or a path.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PathField {
    #[default]
    Default,
    Null,
    Path(Path),
}

/// JSON type names as AWS messages use them.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl<'a> Obj<'a> {
    /// Reads `value` as an object, reporting an error at `loc` when it is something else.
    pub fn new(value: &'a Value, loc: &'a Loc, what: &str, d: &mut Diagnostics) -> Option<Obj<'a>> {
        match value.as_object() {
            Some(map) => Some(Obj { map, loc }),
            None => {
                d.error(
                    Code::SchemaValidationFailed,
                    loc,
                    format!("{what} must be an object, not {}", type_name(value)),
                );
                None
            }
        }
    }

    pub fn at(&self, key: &str) -> Loc {
        self.loc.at(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// Reports every field not in `allowed`, with the nearest allowed field as a suggestion.
    pub fn allow_only(&self, allowed: &[&str], what: &str, d: &mut Diagnostics) {
        self.allow_only_suggesting(allowed, allowed, what, d);
    }

    /// [`Obj::allow_only`], with suggestions taken from `suggested` only.
    pub fn allow_only_suggesting(
        &self,
        allowed: &[&str],
        suggested: &[&str],
        what: &str,
        d: &mut Diagnostics,
    ) {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                let nearest = suggest::nearest(key, suggested.iter().copied());
                d.add(unknown_field(&self.at(key), key, what, nearest));
            }
        }
    }

    /// True when a field of this object looks like a misspelling of `key` (it is then
    /// reported as an unknown field, with `key` as the suggestion).
    pub fn has_near_miss(&self, key: &str) -> bool {
        self.map.keys().any(|k| suggest::is_near(k, key))
    }

    /// Reports a missing required field; returns the value when present. A field that
    /// looks like a misspelling of it (`Resouce`) is reported instead as an unknown field
    /// with a suggestion (by [`Obj::allow_only`]), so the missing field is not reported too.
    pub fn required(&self, key: &str, what: &str, d: &mut Diagnostics) -> Option<&'a Value> {
        let value = self.map.get(key);
        if value.is_none() && !self.has_near_miss(key) {
            d.error(
                Code::SchemaValidationFailed,
                self.loc,
                format!("{what} is missing required field '{key}'"),
            );
        }
        value
    }

    fn mistyped(&self, key: &str, expected: &str, value: &Value, d: &mut Diagnostics) {
        d.error(
            Code::SchemaValidationFailed,
            &self.at(key),
            format!("field '{key}' must be {expected}, not {}", type_name(value)),
        );
    }

    pub fn string(&self, key: &str, d: &mut Diagnostics) -> Option<&'a str> {
        match self.map.get(key)? {
            Value::String(s) => Some(s),
            other => {
                self.mistyped(key, "a string", other, d);
                None
            }
        }
    }

    pub fn required_string(&self, key: &str, what: &str, d: &mut Diagnostics) -> Option<&'a str> {
        self.required(key, what, d)?;
        self.string(key, d)
    }

    pub fn boolean(&self, key: &str, d: &mut Diagnostics) -> Option<bool> {
        match self.map.get(key)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.mistyped(key, "a boolean", other, d);
                None
            }
        }
    }

    /// A whole number within `min..=max`.
    pub fn integer(&self, key: &str, min: i64, max: i64, d: &mut Diagnostics) -> Option<i64> {
        let value = self.map.get(key)?;
        let n = value.as_i64().or_else(|| {
            // 3.0 is accepted as 3, as AWS's schema accepts integral numbers.
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        });
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                d.error(
                    Code::SchemaValidationFailed,
                    &self.at(key),
                    format!("field '{key}' must be between {min} and {max}, not {n}"),
                );
                None
            }
            None => {
                self.mistyped(key, "a whole number", value, d);
                None
            }
        }
    }

    /// A number within `min..=max`.
    pub fn number(&self, key: &str, min: f64, max: f64, d: &mut Diagnostics) -> Option<f64> {
        let value = self.map.get(key)?;
        match value.as_f64() {
            Some(n) if n >= min && n <= max => Some(n),
            Some(n) => {
                d.error(
                    Code::SchemaValidationFailed,
                    &self.at(key),
                    format!("field '{key}' must be between {min} and {max}, not {n}"),
                );
                None
            }
            None => {
                self.mistyped(key, "a number", value, d);
                None
            }
        }
    }

    pub fn object(&self, key: &str, d: &mut Diagnostics) -> Option<&'a Map<String, Value>> {
        match self.map.get(key)? {
            Value::Object(m) => Some(m),
            other => {
                self.mistyped(key, "an object", other, d);
                None
            }
        }
    }

    pub fn array(&self, key: &str, d: &mut Diagnostics) -> Option<&'a Vec<Value>> {
        match self.map.get(key)? {
            Value::Array(a) => Some(a),
            other => {
                self.mistyped(key, "an array", other, d);
                None
            }
        }
    }

    /// A path (reference path or JSONPath query).
    pub fn path(&self, key: &str, d: &mut Diagnostics) -> Option<Path> {
        let text = self.string(key, d)?;
        match Path::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                d.error(
                    Code::InvalidJsonPath,
                    &self.at(key),
                    format!("field '{key}': {e}"),
                );
                None
            }
        }
    }

    /// A reference path (a single node: no wildcards, filters, slices or unions).
    pub fn reference_path(&self, key: &str, d: &mut Diagnostics) -> Option<Path> {
        let text = self.string(key, d)?;
        match Path::parse_reference(text) {
            Ok(p) => Some(p),
            Err(e) => {
                d.error(
                    Code::InvalidJsonPath,
                    &self.at(key),
                    format!("field '{key}': {e}"),
                );
                None
            }
        }
    }

    /// `InputPath` / `OutputPath` / `ResultPath`: absent, `null`, or a path. `reference`
    /// asks for a reference path.
    pub fn path_field(&self, key: &str, reference: bool, d: &mut Diagnostics) -> PathField {
        match self.map.get(key) {
            None => PathField::Default,
            Some(Value::Null) => PathField::Null,
            Some(_) => {
                let path = if reference {
                    self.reference_path(key, d)
                } else {
                    self.path(key, d)
                };
                // ResultPath writes into the input: a variable cannot be its target.
                if reference && let Some(variable) = path.as_ref().and_then(Path::variable) {
                    d.error(
                        Code::InvalidJsonPath,
                        &self.at(key),
                        format!("field '{key}': '${variable}' is a variable; {key} can only write into the input ('$…')"),
                    );
                    return PathField::Default;
                }
                path.map(PathField::Path).unwrap_or_default()
            }
        }
    }

    /// Reports an error when more than one of `keys` is present.
    pub fn at_most_one_of(&self, keys: &[&str], d: &mut Diagnostics) {
        let present: Vec<&str> = keys.iter().copied().filter(|k| self.has(k)).collect();
        if present.len() > 1 {
            d.error(
                Code::SchemaValidationFailed,
                &self.at(present[1]),
                format!("fields {} cannot be used together", quoted(&present)),
            );
        }
    }
}

/// The error for a field that does not belong in `what`, at its key.
pub fn unknown_field(loc: &Loc, key: &str, what: &str, nearest: Option<&str>) -> Diagnostic {
    Diagnostic::new(
        Severity::Error,
        Code::SchemaValidationFailed,
        loc.as_str(),
        format!("field '{key}' is not supported in {what}"),
    )
    .suggesting(nearest)
    .at_key()
}

pub fn quoted(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
