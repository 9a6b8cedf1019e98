//! `serde_json::Value` ⇄ jsonata-core's `JValue`.
//!
//! Numbers: JSONata computes in doubles, so every input number becomes an `f64` (a JSON
//! integer beyond 2^53 loses precision, as in JavaScript). Results come back as
//! `JSON.stringify` would print them: an integral double within the 64-bit range becomes a
//! JSON integer (`1.0` → `1`, `-0` → `0`), others stay floats; NaN and ±Infinity become
//! `null`. Undefined in an array becomes `null`, in an object the key is left out; a
//! function or regex likewise (as `JSON.stringify` does). Object keys come out in
//! JavaScript's order: integer-like keys first, ascending.

use indexmap::IndexMap;
use jsonata_core::value::JValue;
use serde_json::{Map, Number, Value};

use super::JsonataError;

/// Deepest nesting converted either way. Deeper values give an error instead of
/// exhausting the stack.
pub const MAX_VALUE_DEPTH: usize = 384;

fn too_deep() -> JsonataError {
    JsonataError::new(
        "D1001",
        format!("Value nested more than {MAX_VALUE_DEPTH} levels deep"),
    )
}

/// A JSON value as a JSONata value.
pub fn from_json(value: &Value) -> Result<JValue, JsonataError> {
    from_json_at(value, 0)
}

fn from_json_at(value: &Value, depth: usize) -> Result<JValue, JsonataError> {
    if depth > MAX_VALUE_DEPTH {
        return Err(too_deep());
    }
    Ok(match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JValue::string(s.as_str()),
        Value::Array(items) => JValue::array(
            items
                .iter()
                .map(|v| from_json_at(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = IndexMap::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), from_json_at(v, depth + 1)?);
            }
            JValue::object(out)
        }
    })
}

/// A JSONata value as JSON: `None` for undefined and for a function (see [`is_function`]).
pub fn to_json(value: &JValue) -> Result<Option<Value>, JsonataError> {
    to_json_at(value, 0)
}

/// A lambda, a built-in function or a regex (jsonata-js regexes are functions).
pub fn is_function(value: &JValue) -> bool {
    matches!(
        value,
        JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. }
    )
}

/// A double as JSON, the way `JSON.stringify` prints it.
pub fn number(n: f64) -> Value {
    if !n.is_finite() {
        return Value::Null;
    }
    if n.fract() == 0.0 {
        // Exact: an integral double in range converts without rounding.
        if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
            return Value::Number(Number::from(n as i64));
        }
        if (0.0..18_446_744_073_709_551_616.0).contains(&n) {
            return Value::Number(Number::from(n as u64));
        }
    }
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

fn to_json_at(value: &JValue, depth: usize) -> Result<Option<Value>, JsonataError> {
    if depth > MAX_VALUE_DEPTH {
        return Err(too_deep());
    }
    Ok(Some(match value {
        JValue::Undefined => return Ok(None),
        JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. } => return Ok(None),
        JValue::Null => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => number(*n),
        JValue::String(s) => Value::String(s.to_string()),
        JValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(to_json_at(item, depth + 1)?.unwrap_or(Value::Null));
            }
            Value::Array(out)
        }
        JValue::Object(map) => {
            let mut out = Map::new();
            for (k, v) in js_key_order(map.keys()) {
                if let Some(v) = to_json_at(&map[v], depth + 1)? {
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        }
    }))
}

/// JavaScript's order of an object's keys (what AWS's jsonata-js produces): array-index
/// keys (`"0"`, `"25"`: canonical integers below 2^32 - 1) ascending, then the others in
/// insertion order. Pairs of (key, key) to look the value up by.
pub(super) fn js_key_order<'a>(
    keys: impl Iterator<Item = &'a String>,
) -> Vec<(&'a String, &'a String)> {
    let mut indexes: Vec<(u32, &String)> = Vec::new();
    let mut others: Vec<&String> = Vec::new();
    for key in keys {
        match array_index(key) {
            Some(i) => indexes.push((i, key)),
            None => others.push(key),
        }
    }
    indexes.sort_by_key(|(i, _)| *i);
    indexes
        .into_iter()
        .map(|(_, k)| k)
        .chain(others)
        .map(|k| (k, k))
        .collect()
}

fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || key.len() > 10 || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|i| *i < u32::MAX)
}
