//! Host functions that replace or guard jsonata-core built-ins where it differs from
//! jsonata-js 2.0.6 (each called through a name `rewrite.rs` gives the call):
//!
//! - `$clone(x)`: jsonata-js's undocumented built-in, `JSON.parse($string(x))`;
//! - `$encodeUrl(s)`: JavaScript's `encodeURI` (jsonata-core leaves spaces);
//! - `$decodeUrl(s)`, `$decodeUrlComponent(s)`: `decodeURI`/`decodeURIComponent`, D3140 on
//!   a malformed escape (jsonata-core returns the text);
//! - a guard on the operand of unary `-`: negating ±Infinity is D1001;
//! - a guard on `$formatBase`'s number: rounded half to even, as jsonata-js does;
//! - a guard on `$toMillis(s)`: an ISO-shaped but impossible date is NaN (JSON null).

use jsonata_core::evaluator::EvaluatorError;
use jsonata_core::value::JValue;

use super::aws::signature_error;
use super::{convert, stringify};

fn error(code: &str, message: String) -> EvaluatorError {
    EvaluatorError::EvaluationError(format!("{code}: {message}"))
}

fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The one string argument of a `<s-:s>` function: `None` for undefined.
fn string_arg<'a>(args: &'a [JValue], function: &str) -> Result<Option<&'a str>, EvaluatorError> {
    if args.len() > 1 {
        return Err(signature_error(function, 2));
    }
    match args.first() {
        None | Some(JValue::Undefined) => Ok(None),
        Some(JValue::String(s)) => Ok(Some(s)),
        Some(_) => Err(signature_error(function, 1)),
    }
}

/// `$clone(x)`, signature `<(oa)-:o>`.
pub(super) fn clone(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    match args.first() {
        None | Some(JValue::Undefined) => return Ok(JValue::Undefined),
        Some(JValue::Object(_) | JValue::Array(_)) => {}
        Some(_) => return Err(signature_error("clone", 1)),
    }
    if args.len() > 1 {
        return Err(signature_error("clone", 2));
    }
    let text = match stringify::string(&args[..args.len().min(1)])? {
        JValue::String(s) => s,
        _ => return Ok(JValue::Undefined),
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| error("D1001", format!("$clone: {e}")))?;
    convert::from_json(&value).map_err(|e| error(&e.code, e.message))
}

/// `encodeURI`: everything but `A-Z a-z 0-9 ; , / ? : @ & = + $ - _ . ! ~ * ' ( ) #` as
/// UTF-8 `%XX`.
pub(super) fn encode_url(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let Some(s) = string_arg(args, "encodeUrl")? else {
        return Ok(JValue::Undefined);
    };
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b";,/?:@&=+$-_.!~*'()#".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(JValue::string(out))
}

pub(super) fn decode_url(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    decode(args, "decodeUrl", b";/?:@&=+$,#")
}

pub(super) fn decode_url_component(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    decode(args, "decodeUrlComponent", b"")
}

/// `decodeURI` (escapes of `reserved` stay as they are) / `decodeURIComponent`.
fn decode(args: &[JValue], function: &str, reserved: &[u8]) -> Result<JValue, EvaluatorError> {
    let Some(s) = string_arg(args, function)? else {
        return Ok(JValue::Undefined);
    };
    let malformed = || {
        error(
            "D3140",
            format!("Malformed URL passed to ${function}(): {}", quoted(s)),
        )
    };
    let hex = |b: &[u8]| -> Option<u8> {
        let text = std::str::from_utf8(b).ok()?;
        u8::from_str_radix(text, 16).ok()
    };
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let first = bytes
            .get(i + 1..i + 3)
            .and_then(hex)
            .ok_or_else(malformed)?;
        if first < 0x80 {
            if reserved.contains(&first) {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(first);
            }
            i += 3;
            continue;
        }
        // A multi-byte UTF-8 sequence: every byte escaped, the whole a valid character.
        let len = match first {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return Err(malformed()),
        };
        let mut seq = vec![first];
        for k in 1..len {
            let at = i + 3 * k;
            if bytes.get(at) != Some(&b'%') {
                return Err(malformed());
            }
            seq.push(
                bytes
                    .get(at + 1..at + 3)
                    .and_then(hex)
                    .ok_or_else(malformed)?,
            );
        }
        std::str::from_utf8(&seq).map_err(|_| malformed())?;
        out.extend_from_slice(&seq);
        i += 3 * len;
    }
    String::from_utf8(out)
        .map(JValue::string)
        .map_err(|_| malformed())
}

/// The operand of unary `-`: jsonata-js's `isNumeric` refuses ±Infinity (D1001).
pub(super) fn finite(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    match args.first() {
        Some(JValue::Number(n)) if n.is_infinite() => {
            Err(error("D1001", "Number out of range: null".to_string()))
        }
        Some(v) => Ok(v.clone()),
        None => Ok(JValue::Undefined),
    }
}

/// `$formatBase`'s number, rounded half to even (jsonata-js's `round`); anything else passes
/// unchanged for jsonata-core to check.
pub(super) fn round_even(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    match args.first() {
        Some(JValue::Number(n)) if n.is_finite() => {
            let r = n.round();
            let r = if (n - n.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
                r - n.signum()
            } else {
                r
            };
            Ok(JValue::Number(r))
        }
        Some(v) => Ok(v.clone()),
        None => Ok(JValue::Undefined),
    }
}

/// Whether `$toMillis(s)` (no picture) is NaN in jsonata-js: the text has the ISO 8601 shape
/// jsonata-js checks, but `Date.parse` refuses it (a month or day out of range).
pub(super) fn impossible_iso_date(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let Some(JValue::String(s)) = args.first() else {
        return Ok(JValue::Bool(false));
    };
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(b.get(r)?).ok()?.parse().ok()
    };
    let month = if b.get(4) == Some(&b'-') {
        num(5..7)
    } else {
        None
    };
    let day = if month.is_some() && b.get(7) == Some(&b'-') {
        num(8..10)
    } else {
        None
    };
    let bad_month = month.is_some_and(|m| !(1..=12).contains(&m));
    let bad_day = day.is_some_and(|d| !(1..=31).contains(&d));
    Ok(JValue::Bool(bad_month || bad_day))
}

/// `$pad`'s width, refused beyond [`stringify::MAX_STRING_BYTES`] characters: the result
/// would be that long.
pub(super) fn pad_width(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    match args.first() {
        Some(JValue::Number(w)) if w.abs() > stringify::MAX_STRING_BYTES as f64 => Err(error(
            "D1001",
            format!(
                "$pad: a width of {} is beyond Baton's limit of {} characters",
                stringify::js_number(*w),
                stringify::MAX_STRING_BYTES
            ),
        )),
        Some(v) => Ok(v.clone()),
        None => Ok(JValue::Undefined),
    }
}

/// `$join`'s array, refused when its strings add up to more than
/// [`stringify::MAX_STRING_BYTES`] bytes.
pub(super) fn join_size(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    if let Some(JValue::Array(items)) = args.first() {
        let total: usize = items
            .iter()
            .map(|v| match v {
                JValue::String(s) => s.len() + 1,
                _ => 0,
            })
            .sum();
        if total > stringify::MAX_STRING_BYTES {
            return Err(error(
                "D1001",
                format!(
                    "$join: the result would be longer than Baton's limit of {} bytes",
                    stringify::MAX_STRING_BYTES
                ),
            ));
        }
    }
    Ok(args.first().cloned().unwrap_or(JValue::Undefined))
}
