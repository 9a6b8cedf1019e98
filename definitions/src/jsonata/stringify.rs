//! Numbers and values as text, the way jsonata-js 2.0.6 writes them: `$string(x)` and the
//! operands of `&`.
//!
//! jsonata-js 2.0.6 stringifies with `JSON.stringify` and a replacer that rounds EVERY number
//! to 15 significant digits (`Number(val.toPrecision(15))`), integers included (so
//! `$string(123456789012345678)` is `"123456789012346000"`), and turns functions into `""`.
//! jsonata-core keeps integers at full precision (a later jsonata-js change), so the wrapper
//! routes `$string` and `&` through [`string`] (see `rewrite.rs`).

use jsonata_core::evaluator::EvaluatorError;
use jsonata_core::value::JValue;

use super::aws::signature_error;
use super::convert;

/// The most text one `$string`/`&` may produce (bytes): beyond it an error, not an
/// allocation of gigabytes.
pub(super) const MAX_STRING_BYTES: usize = 16 * 1024 * 1024;

/// A finite double as JavaScript's `Number.prototype.toString` prints it: the shortest
/// round-trip digits, plain for 1e-7 < |n| < 1e21, exponential (`1e+21`, `1.5e-7`) outside,
/// `-0` as `0`.
pub(super) fn js_number(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

/// `Number(n.toPrecision(15))`.
pub(super) fn precision_15(f: f64) -> f64 {
    format!("{f:.14e}").parse().unwrap_or(f)
}

fn error(code: &str, message: String) -> EvaluatorError {
    EvaluatorError::EvaluationError(format!("{code}: {message}"))
}

fn too_long() -> EvaluatorError {
    error(
        "D1001",
        format!("String result longer than {MAX_STRING_BYTES} bytes (Baton's limit)"),
    )
}

/// `$string(value[, prettify])` of jsonata-js 2.0.6 (signature `<x-b?:s>`).
pub(super) fn string(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let prettify = match args.get(1) {
        None | Some(JValue::Undefined) => false,
        Some(JValue::Bool(b)) => *b,
        Some(_) => return Err(signature_error("string", 2)),
    };
    if args.len() > 2 {
        return Err(signature_error("string", 3));
    }
    let value = match args.first() {
        None | Some(JValue::Undefined) => return Ok(JValue::Undefined),
        Some(v) => v,
    };
    Ok(match value {
        // The operands of `&` come here: a string beyond the limit stops a doubling loop.
        JValue::String(s) if s.len() > MAX_STRING_BYTES => return Err(too_long()),
        JValue::String(_) => value.clone(),
        v if convert::is_function(v) => JValue::string(""),
        JValue::Number(n) if !n.is_finite() => {
            return Err(error(
                "D3001",
                "Attempting to invoke string function on Infinity or NaN".to_string(),
            ));
        }
        v => {
            let mut out = String::new();
            write(v, prettify.then_some(2), 0, &mut out)?;
            JValue::string(out)
        }
    })
}

/// `JSON.stringify(value, replacer, indent)` with jsonata-js's replacer.
fn write(
    value: &JValue,
    indent: Option<usize>,
    depth: usize,
    out: &mut String,
) -> Result<(), EvaluatorError> {
    if out.len() > MAX_STRING_BYTES {
        return Err(too_long());
    }
    if depth > convert::MAX_VALUE_DEPTH {
        return Err(error(
            "D1001",
            format!(
                "Value nested more than {} levels deep",
                convert::MAX_VALUE_DEPTH
            ),
        ));
    }
    match value {
        JValue::Null | JValue::Undefined => out.push_str("null"),
        JValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        JValue::Number(n) if n.is_nan() => out.push_str("null"),
        JValue::Number(n) if n.is_infinite() => {
            return Err(error("D1001", format!("Number out of range: {}", "null")));
        }
        JValue::Number(n) => out.push_str(&js_number(precision_15(*n))),
        JValue::String(s) => out.push_str(&serde_json::Value::String(s.to_string()).to_string()),
        v if convert::is_function(v) => out.push_str("\"\""),
        JValue::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, depth + 1, out);
                write(item, indent, depth + 1, out)?;
            }
            newline(indent, depth, out);
            out.push(']');
        }
        JValue::Object(map) => {
            let mut first = true;
            out.push('{');
            for (key, _) in convert::js_key_order(map.keys()) {
                let item = &map[key];
                // JSON.stringify leaves out undefined members (functions became "").
                if matches!(item, JValue::Undefined) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                newline(indent, depth + 1, out);
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write(item, indent, depth + 1, out)?;
            }
            if !first {
                newline(indent, depth, out);
            }
            out.push('}');
        }
        _ => out.push_str("null"),
    }
    Ok(())
}

fn newline(indent: Option<usize>, depth: usize, out: &mut String) {
    if let Some(width) = indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', width * depth));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_does() {
        for (n, text) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (123.456, "123.456"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(js_number(n), text, "{n}");
        }
    }

    #[test]
    fn string_rounds_every_number_to_15_digits() {
        let s = |v: JValue| match string(&[v]).unwrap() {
            JValue::String(s) => s.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(s(JValue::Number(0.1 + 0.2)), "0.3");
        assert_eq!(
            s(JValue::Number(123456789012345680000.0)),
            "123456789012346000000"
        );
        assert_eq!(s(JValue::Number(9007199254740993.0)), "9007199254740990");
        assert_eq!(s(JValue::Number(1e21)), "1e+21");
        assert_eq!(
            s(JValue::array(vec![JValue::Number(1.0 / 3.0), JValue::Null])),
            "[0.333333333333333,null]"
        );
    }
}
