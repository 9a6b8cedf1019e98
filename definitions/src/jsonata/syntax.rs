//! Syntax errors as jsonata-js 2.0.6 reports them.
//!
//! jsonata-core names tokens by its lexer's variant names (`RightParen`, `Number(2.0)`,
//! `String("s")`); jsonata-js prints the token's value as JSON (`")"`, `2`, `"s"`).
//! jsonata-core also accepts a few things jsonata-js refuses at parse time: a range `..`
//! outside an array constructor (S0201), a regex whose brackets are unbalanced (jsonata-js's
//! lexer looks for the closing `/` outside brackets: S0302). And an expression that ends
//! right after an opening bracket, comma or `;` is S0203 (`Expected ")" before end of
//! expression`) in jsonata-js, S0207 in jsonata-core.

use jsonata_core::ast::{AstNode, BinaryOp};

use super::JsonataError;
use super::stringify::js_number;

/// A jsonata-core token name as jsonata-js prints the token (`JSON.stringify(value)`).
pub(super) fn token_text(token: &str) -> String {
    let symbol = match token {
        "Plus" => "+",
        "Minus" => "-",
        "Star" => "*",
        "StarStar" => "**",
        "Slash" => "/",
        "Percent" => "%",
        "Equal" => "=",
        "NotEqual" => "!=",
        "LessThan" => "<",
        "LessThanOrEqual" => "<=",
        "GreaterThan" => ">",
        "GreaterThanOrEqual" => ">=",
        "And" => "and",
        "Or" => "or",
        "In" => "in",
        "Ampersand" => "&",
        "Dot" => ".",
        "DotDot" => "..",
        "Question" => "?",
        "QuestionQuestion" => "??",
        "QuestionColon" => "?:",
        "Colon" => ":",
        "ColonEqual" => ":=",
        "TildeArrow" => "~>",
        "LeftParen" => "(",
        "RightParen" => ")",
        "LeftBracket" => "[",
        "RightBracket" => "]",
        "LeftBrace" => "{",
        "RightBrace" => "}",
        "Comma" => ",",
        "Semicolon" => ";",
        "Caret" => "^",
        "Pipe" => "|",
        "Hash" => "#",
        "At" => "@",
        "True" => return "true".to_string(),
        "False" => return "false".to_string(),
        "Null" => return "null".to_string(),
        _ => {
            if let Some(n) = inner(token, "Number") {
                return n.parse::<f64>().map(js_number).unwrap_or(n.to_string());
            }
            for variant in ["String", "Identifier", "Variable", "Function"] {
                if let Some(s) = inner(token, variant) {
                    let text = s
                        .strip_prefix('"')
                        .and_then(|s| s.strip_suffix('"'))
                        .map(|s| s.replace("\\\"", "\"").replace("\\\\", "\\"))
                        .unwrap_or_else(|| s.to_string());
                    return quote(&text);
                }
            }
            token
        }
    };
    quote(symbol)
}

fn inner<'a>(token: &'a str, variant: &str) -> Option<&'a str> {
    token
        .strip_prefix(variant)?
        .strip_prefix('(')?
        .strip_suffix(')')
}

fn quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// jsonata-js's wording of a coded syntax error jsonata-core words with its token names.
pub(super) fn js_message(code: &str, message: &str, source: &str) -> String {
    let rewritten = match code {
        "S0211" => message
            .strip_prefix("The symbol ")
            .and_then(|r| r.strip_suffix(" cannot be used as a unary operator"))
            .map(|t| {
                format!(
                    "The symbol {} cannot be used as a unary operator",
                    token_text(t)
                )
            }),
        "S0204" => message
            .strip_prefix("Unknown operator: ")
            .map(|t| format!("Unknown operator: {}", quote(t))),
        "S0201" => message
            .strip_prefix("Syntax error: ")
            .map(|t| format!("Syntax error: {}", token_text(t))),
        "S0202" => message
            .strip_prefix("Expected ")
            .and_then(|r| r.split_once(", got "))
            .map(|(e, f)| format!("Expected {}, got {}", token_text(e), token_text(f))),
        "S0203" => message
            .strip_prefix("Expected ")
            .and_then(|r| r.strip_suffix(" before end of expression"))
            .map(|e| format!("Expected {} before end of expression", token_text(e))),
        "S0103" => message
            .strip_prefix("Unsupported escape sequence: \\")
            .map(|t| format!("Unsupported escape sequence: \\{}", quote(t))),
        "S0208" => Some(format!(
            "Parameter {} of function definition must be a variable name (start with $)",
            bad_parameter(source)
        )),
        _ => None,
    };
    rewritten.unwrap_or_else(|| message.to_string())
}

/// The 1-based index of the first parameter of a `function(…)` that is not a `$` name.
fn bad_parameter(source: &str) -> usize {
    let Some(start) = source
        .find("function(")
        .map(|i| i + 9)
        .or_else(|| source.find("λ(").map(|i| i + "λ(".len()))
    else {
        return 1;
    };
    let params = source[start..].split(')').next().unwrap_or("");
    params
        .split(',')
        .position(|p| !p.trim().starts_with('$'))
        .map_or(1, |i| i + 1)
}

/// S0207 at the very end after an opening bracket, `,` or `;` becomes jsonata-js's S0203
/// with the token it expected. Also gives the position (the source's length).
pub(super) fn end_of_expression(source: &str) -> Option<JsonataError> {
    let mut stack: Vec<char> = Vec::new();
    let mut last = None;
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == c {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                continue;
            }
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                stack.pop();
            }
            _ => {}
        }
        if !c.is_whitespace() {
            last = Some(c);
        }
    }
    let open = *stack.last()?;
    if !matches!(last?, '(' | '[' | '{' | ',' | ';' | ':') {
        return None;
    }
    let expected = match (open, last?) {
        ('(', _) => ")",
        ('[', _) => "]",
        ('{', ':') => "}",
        _ => ":",
    };
    Some(JsonataError {
        code: "S0203".to_string(),
        message: format!("Expected {} before end of expression", quote(expected)),
        position: Some(source.chars().count()),
    })
}

/// What jsonata-js refuses at parse time and jsonata-core does not.
pub(super) fn refuse(ast: &AstNode) -> Result<(), JsonataError> {
    let mut found: Option<JsonataError> = None;
    check(ast, Within::Top, &mut found);
    found.map_or(Ok(()), Err)
}

/// Where a node stands, for jsonata-js's error on a `..` there: an array constructor
/// admits it; elsewhere the parser stops before it and expects the enclosing closer.
#[derive(Clone, Copy)]
enum Within {
    Top,
    Array,
    Closer(&'static str),
}

fn check(node: &AstNode, within: Within, found: &mut Option<JsonataError>) {
    if found.is_some() {
        return;
    }
    match node {
        AstNode::Binary {
            op: BinaryOp::Range,
            ..
        } => match within {
            Within::Array => {}
            Within::Top => {
                *found = Some(JsonataError::new("S0201", "Syntax error: \"..\""));
                return;
            }
            Within::Closer(c) => {
                *found = Some(JsonataError::new(
                    "S0202",
                    format!("Expected {}, got \"..\"", quote(c)),
                ));
                return;
            }
        },
        AstNode::Regex { pattern, .. } if !balanced(pattern) => {
            *found = Some(JsonataError::new(
                "S0302",
                "No terminating / in regular expression",
            ));
            return;
        }
        _ => {}
    }
    let inner = match (node, within) {
        (AstNode::Array(_), _) => Within::Array,
        (AstNode::Block(_) | AstNode::Function { .. } | AstNode::Call { .. }, _) => {
            Within::Closer(")")
        }
        (AstNode::Object(_) | AstNode::Lambda { .. }, _) => Within::Closer("}"),
        (AstNode::Path { steps }, _) => {
            for step in steps {
                check(&step.node, within, found);
                for stage in &step.stages {
                    if let jsonata_core::ast::Stage::Filter(n) = stage {
                        check(n, Within::Closer("]"), found);
                    }
                }
            }
            return;
        }
        (_, Within::Array) => Within::Closer("]"),
        (_, w) => w,
    };
    super::refs::visit_children(node, &mut |child| check(child, inner, found));
}

/// Whether jsonata-js's regex scanner would end the regex where jsonata-core did: its
/// brackets `(`, `[`, `{` (unescaped) balance.
fn balanced(pattern: &str) -> bool {
    let mut depth = 0i32;
    let mut prev = ' ';
    for c in pattern.chars() {
        if prev != '\\' {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        prev = c;
    }
    depth == 0
}
