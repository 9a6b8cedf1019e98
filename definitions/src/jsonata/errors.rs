//! jsonata-core's errors as jsonata-js's: a code and the message without it.
//!
//! jsonata-core puts the code in front of the message (`"T2002: The left side …"`); a few of
//! its errors carry none, and get the code jsonata-js uses for the same failure.

use jsonata_core::evaluator::EvaluatorError;
use jsonata_core::parser::ParserError;

use jsonata_core::ast::AstNode;

use super::{JsonataError, calls, syntax};

/// Split `"X1234: message"` into code and message.
fn split_coded(text: &str) -> Option<(String, String)> {
    let code = jsonata_core::evaluator::error_code_prefix(text)?;
    let rest = text[code.len() + 1..].trim_start();
    Some((code.to_string(), rest.to_string()))
}

pub(super) fn from_parser(error: &ParserError, source: &str) -> JsonataError {
    let text = error.to_string();
    let coded = text.strip_prefix("Invalid syntax: ").unwrap_or(&text);
    if let Some((code, message)) = split_coded(coded) {
        if code == "S0207"
            && let Some(e) = syntax::end_of_expression(source)
        {
            return e;
        }
        let message = syntax::js_message(&code, &message, source);
        let mut e = JsonataError::new(code, message);
        if e.code == "S0207" || e.message.ends_with("before end of expression") {
            // jsonata-js's position of the end: the source's length.
            e.position = Some(source.chars().count());
        }
        return e;
    }
    match error {
        ParserError::UnclosedComment => JsonataError::new("S0106", "Comment has no closing tag"),
        ParserError::InvalidNumber(n) => {
            JsonataError::new("S0102", format!("Number out of range: {n}"))
        }
        _ => JsonataError::new("S0201", format!("Syntax error: {text}")),
    }
}

pub(super) fn from_evaluator(error: &EvaluatorError, ast: &AstNode) -> JsonataError {
    let text = error.message();
    if let Some((code, message)) = split_coded(text) {
        let message = js_wording(&code, &message).unwrap_or(message);
        let message = match code.as_str() {
            "T0410" | "T0411" | "T0412" | "T2010"
                if !message.contains("of function \"")
                    && !message.contains("of function undefined ") =>
            {
                calls::js_message(&code, &message, ast).unwrap_or(message)
            }
            _ => message,
        };
        return JsonataError::new(code, message);
    }
    match error {
        EvaluatorError::ReferenceError(_) => {
            JsonataError::new("T1006", "Attempted to invoke a non-function")
        }
        _ => JsonataError::new("D1001", text.to_string()),
    }
}

/// jsonata-js's text for an error whose jsonata-core text differs but holds the same
/// details (jsonata-js quotes operator tokens and values with `JSON.stringify`).
fn js_wording(code: &str, message: &str) -> Option<String> {
    match code {
        // jsonata-core appends the name: "Attempted to invoke a non-function: $f".
        "T1006" if message.starts_with("Attempted to invoke a non-function") => {
            Some("Attempted to invoke a non-function".to_string())
        }
        // "The left side of the + operator must evaluate to a number"
        "T2001" | "T2002" => {
            let (side, rest) = message
                .strip_prefix("The left side of the ")
                .map(|r| ("left", r))
                .or_else(|| {
                    message
                        .strip_prefix("The right side of the ")
                        .map(|r| ("right", r))
                })?;
            let op = rest.strip_suffix(" operator must evaluate to a number")?;
            let op = op.trim_matches('"');
            Some(format!(
                "The {side} side of the \"{op}\" operator must evaluate to a number"
            ))
        }
        "T2004" if message.starts_with("Right operand of range operator") => Some(
            "The right side of the range operator (..) must evaluate to an integer".to_string(),
        ),
        "T2003" if message.starts_with("Left operand of range operator") => {
            Some("The left side of the range operator (..) must evaluate to an integer".to_string())
        }
        // "Cannot convert 'abc' to number"
        "D3030" => {
            let value = message
                .strip_prefix("Cannot convert '")?
                .strip_suffix("' to number")?;
            Some(format!(
                "Unable to cast value to a number: {}",
                serde_json::Value::String(value.to_string())
            ))
        }
        _ => None,
    }
}
