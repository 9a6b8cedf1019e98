//! How AWS (a Java service) prints values.
//!
//! - Whole numbers print as they are (`1`, `-6`); other numbers print as Java's
//!   `Double.toString` does: `1.1`, `1.0`, `1.0E20`, `1.0E-5`.
//! - `States.Format` prints strings without quotes, objects as Java maps (`{a=1, b=[x, y]}`)
//!   and arrays as Java lists (`[1, 2]`), which is what AWS returns (see the corpus cases
//!   `generic__format_*` and `generic__context_json_path`).
//! - `States.JsonToString` prints compact JSON with the number rule above.

use serde_json::{Number, Value};

/// Java's `Double.toString` for a finite double (shortest digits that round-trip).
pub(super) fn double_to_string(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .to_owned();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let abs = f.abs();
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e-5", "1e20". Java picks
    // from at least two digits, the closest to the exact value ("4.9E-324", not "5.0E-324"),
    // which `{:.1e}` (correctly rounded) gives when the shortest form has one digit.
    let mut sci = format!("{abs:e}");
    if sci.split_once('e').is_some_and(|(m, _)| m.len() == 1) {
        sci = format!("{abs:.1e}");
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = usize::try_from(exp).unwrap_or(0) + 1;
            match (digits.get(..int_len), digits.get(int_len..)) {
                (Some(int), Some(frac)) if !frac.is_empty() => format!("{sign}{int}.{frac}"),
                _ => format!("{sign}{digits:0<int_len$}.0"),
            }
        } else {
            let zeros = usize::try_from(-exp - 1).unwrap_or(0);
            format!("{sign}0.{}{digits}", "0".repeat(zeros))
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exp}")
    }
}

/// A JSON number as Java prints it.
pub(super) fn number_to_string(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        double_to_string(n.as_f64().unwrap_or(0.0))
    }
}

/// A value as `States.Format` inserts it.
pub(super) fn to_display_string(value: &Value) -> String {
    let mut out = String::new();
    write_display(value, &mut out);
    out
}

fn write_display(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_to_string(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_display(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_display(item, out);
            }
            out.push('}');
        }
    }
}

/// Compact JSON text, numbers printed the Java way.
pub(super) fn to_json_text(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Number(n) => out.push_str(&number_to_string(n)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(key, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        Value::String(s) => push_json_string(s, out),
        Value::Null | Value::Bool(_) => out.push_str(&value.to_string()),
    }
}

fn push_json_string(s: &str, out: &mut String) {
    // serde_json escapes exactly what Jackson does: `"`, `\`, and control characters
    // (`\b \t \n \f \r` short, the rest as `\u00XX`).
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

/// A short description of a value for error messages: its type and a preview.
pub(super) fn describe(value: &Value) -> String {
    const MAX: usize = 80;
    let kind = match value {
        Value::Null => return "null".to_owned(),
        Value::Bool(b) => return format!("the boolean {b}"),
        Value::Number(n) => return format!("the number {}", number_to_string(n)),
        Value::String(_) => "the string",
        Value::Array(_) => "the array",
        Value::Object(_) => "the object",
    };
    let text = to_json_text(value);
    let preview: String = text.chars().take(MAX).collect();
    let ellipsis = if text.chars().nth(MAX).is_some() {
        "…"
    } else {
        ""
    };
    format!("{kind} {preview}{ellipsis}")
}
