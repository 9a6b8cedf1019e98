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

use jsonata_core::ast::{AstNode, BinaryOp};

use super::refs;

pub(super) const HOST_STRING: &str = "baton string";
/// `$string` passed as a value: a higher-order function hands it (value, index, array);
/// jsonata-js passes it only the first (its JavaScript arity is 1).
pub(super) const HOST_STRING_VALUE: &str = "baton string value";
pub(super) const HOST_NUMBER_CHECK: &str = "baton number check";
const REDUCE_ARRAY: &str = "baton reduce array";

struct Rewrite {
    string: bool,
    number: bool,
    reduce: bool,
}

pub(super) fn apply(ast: &mut AstNode, bound: &dyn Fn(&str) -> bool) {
    let r = Rewrite {
        string: !bound("string"),
        number: !bound("number"),
        reduce: !bound("reduce") && !bound("count"),
    };
    walk(ast, &r);
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

fn walk(node: &mut AstNode, r: &Rewrite) {
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
