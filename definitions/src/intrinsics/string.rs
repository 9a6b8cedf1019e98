//! `States.Format`, `StringSplit`, `StringToJson` and `JsonToString`.

use serde_json::Value;

use super::args::{Args, Detail};
use super::call::{Arg, Call, Piece};
use super::java::{to_display_string, to_json_text};

/// `States.Format(template, v1, …, vn)`: each `{}` replaced by the next value, printed as AWS
/// prints it (strings without quotes, `null`, Java maps and lists for objects and arrays).
///
/// A literal template was split into pieces by the parser (so `\{\}` stays text); a template
/// read from a path is split on every `{}`.
pub(super) fn format(call: &Call, args: &Args<'_>) -> Result<Value, Detail> {
    let pieces = match call.args.first() {
        Some(Arg::Str(lit)) => lit.template.clone(),
        _ => split_template(args.string(0)?),
    };
    let holes = pieces.iter().filter(|p| **p == Piece::Hole).count();
    let values = args.values.get(1..).unwrap_or_default();
    if holes != values.len() {
        return Err(format!(
            "the template has {holes} placeholder{} '{{}}', but {} value{} given",
            if holes == 1 { "" } else { "s" },
            values.len(),
            if values.len() == 1 { " was" } else { "s were" }
        ));
    }
    let mut out = String::new();
    let mut next = values.iter();
    for piece in &pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Hole => {
                if let Some(value) = next.next() {
                    out.push_str(&to_display_string(value));
                }
            }
        }
    }
    Ok(Value::String(out))
}

fn split_template(template: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (i, text) in template.split("{}").enumerate() {
        if i > 0 {
            pieces.push(Piece::Hole);
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text.to_owned()));
        }
    }
    pieces
}

/// `States.StringSplit(string, delimiters)`: every character of `delimiters` separates
/// pieces, and empty pieces are dropped (corpus: `",,,,"` gives `[]`, `", , ,"` gives
/// `[" ", " "]`). With no delimiter characters the whole (non-empty) string is one piece.
pub(super) fn split(args: &Args<'_>) -> Result<Value, Detail> {
    let text = args.string(0)?;
    let delimiters: Vec<char> = args.string(1)?.chars().collect();
    Ok(Value::Array(
        text.split(|c| delimiters.contains(&c))
            .filter(|piece| !piece.is_empty())
            .map(|piece| Value::String(piece.to_owned()))
            .collect(),
    ))
}

/// `States.StringToJson(string)`: the parsed JSON; an empty or blank string gives `null`
/// (corpus: `""` and `" "` give `null`).
pub(super) fn string_to_json(args: &Args<'_>) -> Result<Value, Detail> {
    let text = args.string(0)?;
    if text.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Ok(Value::Null);
    }
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| format!("the string is not valid JSON: {e}"))?;
    // serde_json reads the integer `-0` as the double -0.0; Jackson (and the corpus,
    // `json_manipulation__string_to_json__03`) make it the integer 0.
    if !["-0.", "-0e", "-0E"].iter().any(|t| text.contains(t)) {
        integer_zeros(&mut value);
    }
    Ok(value)
}

fn integer_zeros(value: &mut Value) {
    match value {
        Value::Number(n) if n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative()) => {
            *value = Value::from(0);
        }
        Value::Array(items) => items.iter_mut().for_each(integer_zeros),
        Value::Object(map) => map.values_mut().for_each(integer_zeros),
        _ => {}
    }
}

/// `States.JsonToString(path)`: compact JSON text (`{"a":1,"b":[]}`).
pub(super) fn json_to_string(args: &Args<'_>) -> Result<Value, Detail> {
    Ok(Value::String(to_json_text(args.get(0)?)))
}
