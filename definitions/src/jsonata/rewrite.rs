//! Parse-time rewrites that make jsonata-core behave like jsonata-js 2.0.6 where a host
//! override cannot (jsonata-core refuses to override built-ins on its compiled fast path,
//! `$string` among them):
//!
//! - `$string(…)` calls (and `$string` passed as a value) go to the wrapper's
//!   [`HOST_STRING`] (jsonata-js 2.0.6's 15-significant-digit rounding of every number);
//! - both operands of `&` are passed through it first (jsonata-js's `&` is `$string` of
//!   each side, undefined as "");
//! - `$number(x)` gets its argument checked first ([`HOST_NUMBER_CHECK`]: jsonata-js
//!   refuses a string with surrounding white space, jsonata-core trims it);
//! - `$reduce(array, f)` of an empty array is undefined, not null.
//!
//! A name the expression binds itself (`$string := …`) is left alone. The host names hold a
//! space, so no expression can spell them.

use jsonata_core::ast::{AstNode, BinaryOp, UnaryOp};

use super::refs;

pub(super) const HOST_STRING: &str = "baton string";
/// `$string` passed as a value: a higher-order function hands it (value, index, array);
/// jsonata-js passes it only the first (its JavaScript arity is 1).
pub(super) const HOST_STRING_VALUE: &str = "baton string value";
pub(super) const HOST_NUMBER_CHECK: &str = "baton number check";
const REDUCE_ARRAY: &str = "baton reduce array";

const TO_MILLIS_ARG: &str = "baton toMillis arg";
pub(super) const HOST_FINITE: &str = "baton finite";
pub(super) const HOST_ROUND_EVEN: &str = "baton round even";
pub(super) const HOST_IMPOSSIBLE_DATE: &str = "baton impossible date";
pub(super) const HOST_PAD_WIDTH: &str = "baton pad width";
pub(super) const HOST_JOIN_SIZE: &str = "baton join size";
pub(super) const HOST_EXISTS: &str = "baton exists";
pub(super) const HOST_ENCODE_URL: &str = "baton encodeUrl";
pub(super) const HOST_DECODE_URL: &str = "baton decodeUrl";
pub(super) const HOST_DECODE_URL_COMPONENT: &str = "baton decodeUrlComponent";

/// One-argument calls that go to a host function instead: (built-in, host name).
const RENAMED: [(&str, &str); 4] = [
    ("exists", HOST_EXISTS),
    ("encodeUrl", HOST_ENCODE_URL),
    ("decodeUrl", HOST_DECODE_URL),
    ("decodeUrlComponent", HOST_DECODE_URL_COMPONENT),
];

/// The built-in a host name stands for (`None` for the wrapper's other helpers).
pub(super) fn builtin_of(name: &str) -> Option<&'static str> {
    match name {
        HOST_STRING | HOST_STRING_VALUE => Some("string"),
        _ => RENAMED.iter().find(|(_, h)| *h == name).map(|(b, _)| *b),
    }
}

struct Rewrite<'a> {
    string: bool,
    number: bool,
    reduce: bool,
    bound: &'a dyn Fn(&str) -> bool,
}

pub(super) fn apply(ast: &mut AstNode, bound: &dyn Fn(&str) -> bool) {
    let r = Rewrite {
        string: !bound("string"),
        number: !bound("number"),
        reduce: !bound("reduce") && !bound("count"),
        bound,
    };
    walk(ast, &r);
}

fn wrap(node: &mut AstNode, host: &str) {
    let inner = std::mem::replace(node, AstNode::Null);
    *node = host_call(host, vec![inner]);
}

/// The rewrites of calls of other built-ins (see the module doc and `fixes.rs`).
fn other_builtins(node: &mut AstNode, r: &Rewrite<'_>) {
    match node {
        AstNode::Function {
            name,
            args,
            is_builtin: true,
        } if !(r.bound)(name) => {
            if let Some((_, host)) = RENAMED.iter().find(|(b, _)| b == name && args.len() == 1) {
                *name = host.to_string();
            } else if name == "pad" && args.len() >= 2 {
                wrap(&mut args[1], HOST_PAD_WIDTH);
            } else if name == "join" && !args.is_empty() {
                wrap(&mut args[0], HOST_JOIN_SIZE);
            } else if name == "formatBase" && !args.is_empty() {
                wrap(&mut args[0], HOST_ROUND_EVEN);
            } else if name == "toMillis" && args.len() == 1 {
                // ($t := s; <impossible date>($t) ? NaN : $toMillis($t))
                let arg = std::mem::replace(&mut args[0], AstNode::Variable(TO_MILLIS_ARG.into()));
                let call = std::mem::replace(node, AstNode::Null);
                let bind = AstNode::Binary {
                    op: BinaryOp::ColonEqual,
                    lhs: Box::new(AstNode::Variable(TO_MILLIS_ARG.into())),
                    rhs: Box::new(arg),
                };
                let choose = AstNode::Conditional {
                    condition: Box::new(host_call(
                        HOST_IMPOSSIBLE_DATE,
                        vec![AstNode::Variable(TO_MILLIS_ARG.into())],
                    )),
                    then_branch: Box::new(AstNode::Number(f64::NAN)),
                    else_branch: Some(Box::new(call)),
                };
                *node = AstNode::Block(vec![bind, choose]);
            }
        }
        AstNode::Unary {
            op: UnaryOp::Negate,
            operand,
        } if !matches!(operand.as_ref(), AstNode::Number(_)) => wrap(operand, HOST_FINITE),
        _ => {}
    }
}

fn host_call(name: &str, args: Vec<AstNode>) -> AstNode {
    AstNode::Function {
        name: name.to_string(),
        args,
        is_builtin: true,
    }
}

fn is_string_literal(node: &AstNode) -> bool {
    matches!(node, AstNode::String(_))
}

fn walk(node: &mut AstNode, r: &Rewrite<'_>) {
    // `x ~> $string()`: the left side becomes the first argument.
    if let AstNode::Binary {
        op: BinaryOp::ChainPipe,
        rhs,
        ..
    } = node
        && let AstNode::Function {
            name,
            is_builtin: true,
            ..
        } = rhs.as_mut()
        && r.string
        && name == "string"
    {
        *name = HOST_STRING.to_string();
    }
    refs::for_each_child(node, &mut |child| walk(child, r));
    other_builtins(node, r);
    match node {
        AstNode::Function {
            name,
            args,
            is_builtin: true,
        } if r.string && name == "string" => {
            if args.is_empty() {
                // `-` in `<x-b?:s>`: the context value.
                args.push(AstNode::Variable(String::new()));
            }
            *name = HOST_STRING.to_string();
        }
        AstNode::Variable(name) if r.string && name == "string" => {
            *name = HOST_STRING_VALUE.to_string();
        }
        AstNode::Binary {
            op: BinaryOp::Concatenate,
            lhs,
            rhs,
        } if r.string => {
            for side in [lhs, rhs] {
                if !is_string_literal(side) {
                    let inner = std::mem::replace(side.as_mut(), AstNode::Null);
                    **side = host_call(HOST_STRING, vec![inner]);
                }
            }
        }
        AstNode::Function {
            name,
            args,
            is_builtin: true,
        } if r.number && name == "number" && args.len() == 1 => {
            let inner = args.pop().unwrap_or(AstNode::Undefined);
            args.push(host_call(HOST_NUMBER_CHECK, vec![inner]));
        }
        AstNode::Function {
            name,
            args,
            is_builtin: true,
        } if r.reduce && name == "reduce" && args.len() == 2 => {
            // ($a := array; $count($a) = 0 ? undefined : $reduce($a, f))
            let array = std::mem::replace(&mut args[0], AstNode::Variable(REDUCE_ARRAY.into()));
            let call = std::mem::replace(node, AstNode::Null);
            let bind = AstNode::Binary {
                op: BinaryOp::ColonEqual,
                lhs: Box::new(AstNode::Variable(REDUCE_ARRAY.into())),
                rhs: Box::new(array),
            };
            let empty = AstNode::Binary {
                op: BinaryOp::Equal,
                lhs: Box::new(AstNode::Function {
                    name: "count".to_string(),
                    args: vec![AstNode::Variable(REDUCE_ARRAY.into())],
                    is_builtin: true,
                }),
                rhs: Box::new(AstNode::Number(0.0)),
            };
            let choose = AstNode::Conditional {
                condition: Box::new(empty),
                then_branch: Box::new(AstNode::Undefined),
                else_branch: Some(Box::new(call)),
            };
            *node = AstNode::Block(vec![bind, choose]);
        }
        _ => {}
    }
}

/// `$number`'s argument as jsonata-js sees it: a string with white space around the number
/// is not a number (D3030); anything else passes through unchanged to jsonata-core.
pub(super) fn number_check(
    args: &[jsonata_core::value::JValue],
) -> Result<jsonata_core::value::JValue, jsonata_core::evaluator::EvaluatorError> {
    use jsonata_core::value::JValue;
    let value = args.first().cloned().unwrap_or(JValue::Undefined);
    if let JValue::String(s) = &value
        && (s.trim() != &**s || s.is_empty())
    {
        return Err(jsonata_core::evaluator::EvaluatorError::EvaluationError(
            format!(
                "D3030: Unable to cast value to a number: {}",
                serde_json::Value::String(s.to_string())
            ),
        ));
    }
    Ok(value)
}
