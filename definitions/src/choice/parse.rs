//! Choice rule objects → [`ChoiceRule`], reporting every problem with its JSON Pointer.

use serde_json::Value;

use super::compare::{self, Family, Literal, Operand};
use super::pattern::Pattern;
use super::{ChoiceRule, Node, Test, TypeTest};
use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::parse::fields::{Obj, quoted, type_name, unknown_field};
use crate::path::Path;
use crate::suggest;

/// Rules nested deeper than this are rejected, so that parsing and evaluation (both
/// recursive) stay far from the end of the stack whatever the input.
pub(super) const MAX_DEPTH: usize = 100;

const WHAT: &str = "a Choice rule";
const LOGIC: [&str; 3] = ["And", "Or", "Not"];

/// Parses one rule; `depth` counts the `And`/`Or`/`Not` levels above it.
pub(super) fn rule(
    value: &Value,
    loc: &Loc,
    top_level: bool,
    depth: usize,
    d: &mut Diagnostics,
) -> Option<(ChoiceRule, Option<String>)> {
    let obj = Obj::new(value, loc, WHAT, d)?;
    if depth > MAX_DEPTH {
        d.error(
            Code::SchemaValidationFailed,
            loc,
            format!("Choice rules may be nested at most {MAX_DEPTH} levels deep"),
        );
        return None;
    }
    let before = d.error_count();
    let operators: Vec<&str> = obj
        .map
        .keys()
        .map(String::as_str)
        .filter(|k| is_operator(k))
        .collect();
    check_fields(&obj, operators.first().copied(), top_level, d);
    let next = if top_level {
        obj.required_string("Next", WHAT, d).map(str::to_owned)
    } else {
        None
    };
    let node = match operators.as_slice() {
        // A misspelt operator (`StringEqual`) is reported as an unknown field, with the
        // operator suggested: that is the one error.
        [] if has_misspelt_operator(&obj) => None,
        [] => {
            d.error(
                Code::SchemaValidationFailed,
                loc,
                "a Choice rule needs one operator: a comparison such as 'StringEquals' (with \
                 'Variable'), or 'And', 'Or' or 'Not'",
            );
            None
        }
        [op, rest @ ..] => {
            if let Some(second) = rest.first() {
                d.error(
                    Code::SchemaValidationFailed,
                    &obj.at(second),
                    format!(
                        "a Choice rule has exactly one operator; fields {} cannot be used together",
                        quoted(&operators)
                    ),
                );
            }
            node(&obj, op, depth, d)
        }
    };
    if d.error_count() > before {
        return None;
    }
    Some((ChoiceRule { node: node? }, next))
}

/// Every field a Choice rule may have, for "did you mean …?" (a misspelt operator).
fn rule_fields() -> Vec<String> {
    let mut out: Vec<String> = ["Variable", "Next", "Comment", "And", "Or", "Not"]
        .into_iter()
        .chain(["StringMatches"])
        .chain(TypeTest::ALL.iter().map(|(name, _)| *name))
        .map(str::to_owned)
        .collect();
    for family in ["String", "Numeric", "Timestamp", "Boolean"] {
        for cmp in [
            "Equals",
            "LessThan",
            "GreaterThan",
            "LessThanEquals",
            "GreaterThanEquals",
        ] {
            let name = format!("{family}{cmp}");
            if compare::operator(&name).is_some() {
                out.push(format!("{name}Path"));
                out.push(name);
            }
        }
    }
    out
}

fn has_misspelt_operator(obj: &Obj<'_>) -> bool {
    let fields = rule_fields();
    obj.map.keys().any(|key| {
        suggest::nearest(key, fields.iter().map(String::as_str)).is_some_and(is_operator)
    })
}

fn is_operator(key: &str) -> bool {
    LOGIC.contains(&key)
        || key == "StringMatches"
        || TypeTest::from_name(key).is_some()
        || compare::operator(key).is_some()
}

/// Reports fields that do not belong in this rule. Extra operators are reported by the
/// caller, which sees them all.
fn check_fields(obj: &Obj<'_>, operator: Option<&str>, top_level: bool, d: &mut Diagnostics) {
    let logic = operator.filter(|op| LOGIC.contains(op));
    for key in obj.map.keys() {
        let key = key.as_str();
        let loc = obj.at(key);
        match key {
            "Comment" => {
                obj.string(key, d);
            }
            "Next" if top_level => {}
            "Next" => d.error(
                Code::SchemaValidationFailed,
                &loc,
                "a nested Choice rule (inside 'And', 'Or' or 'Not') must not have 'Next'",
            ),
            "Variable" => {
                if let Some(op) = logic {
                    d.error(
                        Code::SchemaValidationFailed,
                        &loc,
                        format!("field 'Variable' cannot be used with '{op}'"),
                    );
                }
            }
            // Read by the Choice state (`parse_choice`), which keeps it beside the rule.
            "Assign" if top_level => {}
            "Condition" | "Output" => d.error(
                Code::Unsupported,
                &loc,
                format!(
                    "field '{key}' belongs to JSONata Choice rules; QueryLanguage JSONata is \
                     not supported yet"
                ),
            ),
            k if is_operator(k) => {}
            _ => {
                let fields = rule_fields();
                let nearest = suggest::nearest(key, fields.iter().map(String::as_str));
                d.add(unknown_field(&loc, key, WHAT, nearest));
            }
        }
    }
}

fn node(obj: &Obj<'_>, op: &str, depth: usize, d: &mut Diagnostics) -> Option<Node> {
    match op {
        "And" | "Or" => {
            let rules = obj.array(op, d)?;
            let loc = obj.at(op);
            if rules.is_empty() {
                d.error(
                    Code::SchemaValidationFailed,
                    &loc,
                    format!("'{op}' must hold at least one Choice rule"),
                );
                return None;
            }
            let mut parsed = Vec::with_capacity(rules.len());
            for (i, value) in rules.iter().enumerate() {
                if let Some((rule, _)) = rule(value, &loc.at(i), false, depth + 1, d) {
                    parsed.push(rule);
                }
            }
            (parsed.len() == rules.len()).then(|| {
                if op == "And" {
                    Node::And(parsed)
                } else {
                    Node::Or(parsed)
                }
            })
        }
        "Not" => {
            let inner = obj.get(op)?;
            let (rule, _) = rule(inner, &obj.at(op), false, depth + 1, d)?;
            Some(Node::Not(Box::new(rule)))
        }
        _ => {
            let variable = variable(obj, op, d);
            let test = test(obj, op, d);
            Some(Node::Test {
                variable: variable?,
                test: test?,
            })
        }
    }
}

fn variable(obj: &Obj<'_>, op: &str, d: &mut Diagnostics) -> Option<Path> {
    if !obj.has("Variable") {
        d.error(
            Code::SchemaValidationFailed,
            obj.loc,
            format!("a Choice rule with '{op}' is missing required field 'Variable'"),
        );
        return None;
    }
    path(obj, "Variable", true, d)
}

/// A path field: `Variable` (a reference path) or a `…Path` operand (any path).
fn path(obj: &Obj<'_>, key: &str, reference: bool, d: &mut Diagnostics) -> Option<Path> {
    if reference {
        obj.reference_path(key, d)
    } else {
        obj.path(key, d)
    }
}

fn test(obj: &Obj<'_>, op: &str, d: &mut Diagnostics) -> Option<Test> {
    if let Some(test) = TypeTest::from_name(op) {
        return obj.boolean(op, d).map(|expected| Test::Is(test, expected));
    }
    if op == "StringMatches" {
        let text = obj.string(op, d)?;
        return match Pattern::compile(text) {
            Ok(pattern) => Some(Test::Matches(pattern)),
            Err(_) => {
                d.error(
                    Code::SchemaValidationFailed,
                    &obj.at(op),
                    "field 'StringMatches' ends with a '\\' that escapes nothing; a literal \
                     backslash is written '\\\\' (\"\\\\\\\\\" in JSON)",
                );
                None
            }
        };
    }
    let (family, cmp, is_path) = compare::operator(op)?;
    let operand = if is_path {
        Operand::Path(path(obj, op, false, d)?)
    } else {
        Operand::Literal(literal(obj, op, family, d)?)
    };
    Some(Test::Compare {
        family,
        cmp,
        operand,
    })
}

fn literal(obj: &Obj<'_>, op: &str, family: Family, d: &mut Diagnostics) -> Option<Literal> {
    let value = obj.get(op)?;
    let literal = Literal::from_json(family, value);
    if literal.is_none() {
        let found = match value {
            Value::String(s) if family == Family::Timestamp => format!("'{s}'"),
            other => type_name(other).to_owned(),
        };
        d.error(
            Code::SchemaValidationFailed,
            &obj.at(op),
            format!("field '{op}' must be {}, not {found}", family.expected()),
        );
    }
    literal
}
