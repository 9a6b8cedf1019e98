//! Argument errors (T0410, T0411, T0412) and comparison errors (T2010) worded as jsonata-js
//! words them. jsonata-core's messages leave out the function's name (`Argument 1 must be
//! String`) or the operator (`Cannot compare boolean and number`) and carry no position, so
//! the wrapper finds the call (or comparison) in the syntax tree: the first one, in
//! evaluation order (arguments before the call), that can raise the error.
//!
//! It is a reconstruction: with two candidate calls of the same kind, the first is named.

use jsonata_core::ast::{AstNode, BinaryOp};

use super::refs;

/// jsonata-js 2.0.6's signatures of its built-ins with one.
const SIGNATURES: &[(&str, &str)] = &[
    ("abs", "n-"),
    ("append", "xx"),
    ("assert", "bs?"),
    ("average", "a<n>"),
    ("base64decode", "s-"),
    ("base64encode", "s-"),
    ("boolean", "x-"),
    ("ceil", "n-"),
    ("clone", "(oa)-"),
    ("contains", "s-(sf)"),
    ("count", "a"),
    ("decodeUrl", "s-"),
    ("decodeUrlComponent", "s-"),
    ("distinct", "x"),
    ("each", "o-f"),
    ("encodeUrl", "s-"),
    ("encodeUrlComponent", "s-"),
    ("error", "s?"),
    ("exists", "x"),
    ("filter", "af"),
    ("floor", "n-"),
    ("formatBase", "n-n?"),
    ("formatInteger", "n-s"),
    ("formatNumber", "n-so?"),
    ("fromMillis", "n-s?s?"),
    ("join", "a<s>s?"),
    ("keys", "x-"),
    ("length", "s-"),
    ("lookup", "x-s"),
    ("lowercase", "s-"),
    ("map", "af"),
    ("match", "s-f<s:o>n?"),
    ("max", "a<n>"),
    ("merge", "a<o>"),
    ("min", "a<n>"),
    ("not", "x-"),
    ("number", "(nsb)-"),
    ("pad", "s-ns?"),
    ("parseInteger", "s-s"),
    ("power", "n-n"),
    ("random", ""),
    ("reduce", "afj?"),
    ("replace", "s-(sf)(sf)n?"),
    ("reverse", "a"),
    ("round", "n-n?"),
    ("shuffle", "a"),
    ("sift", "o-f?"),
    ("single", "af?"),
    ("sort", "af?"),
    ("split", "s-(sf)n?"),
    ("spread", "x-"),
    ("sqrt", "n-"),
    ("string", "x-b?"),
    ("substring", "s-nn?"),
    ("substringAfter", "s-s"),
    ("substringBefore", "s-s"),
    ("sum", "a<n>"),
    ("toMillis", "s-s?"),
    ("trim", "s-"),
    ("type", "x"),
    ("uppercase", "s-"),
    ("zip", "a+"),
];

/// One parameter of a signature: its type text (`n`, `a<n>`, `(sf)`), whether `?`, `-`.
struct Param {
    kind: String,
    optional: bool,
    context: bool,
}

fn params(signature: &str) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    let chars: Vec<char> = signature.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '?' | '+' => {
                if let Some(p) = out.last_mut() {
                    p.optional = c == '?';
                }
                i += 1;
            }
            '-' => {
                if let Some(p) = out.last_mut() {
                    p.context = true;
                }
                i += 1;
            }
            '(' | '<' => {
                let close = if c == '(' { ')' } else { '>' };
                let end = chars[i..]
                    .iter()
                    .position(|d| *d == close)
                    .map_or(chars.len(), |p| i + p + 1);
                let text: String = chars[i..end].iter().collect();
                if c == '<' {
                    if let Some(p) = out.last_mut() {
                        p.kind.push_str(&text);
                    }
                } else {
                    out.push(Param {
                        kind: text,
                        optional: false,
                        context: false,
                    });
                }
                i = end;
            }
            _ => {
                out.push(Param {
                    kind: c.to_string(),
                    optional: false,
                    context: false,
                });
                i += 1;
            }
        }
    }
    out
}

fn signature(name: &str) -> Option<Vec<Param>> {
    SIGNATURES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| params(s))
}

/// A call site in evaluation order: the name jsonata-js reports (`None` for a lambda
/// written in place: `function undefined`), its argument count, and the built-in's name.
struct Site {
    token: Option<String>,
    argc: usize,
    builtin: Option<String>,
}

fn sites(ast: &AstNode) -> Vec<Site> {
    let mut out = Vec::new();
    collect(ast, &mut out);
    out
}

fn collect(node: &AstNode, out: &mut Vec<Site>) {
    refs::visit_children(node, &mut |child| collect(child, out));
    match node {
        AstNode::Function { name, args, .. } => {
            let name = match super::rewrite::builtin_of(name) {
                Some(b) => b,
                // The wrapper's own helpers (their names hold a space) are no calls.
                None if name.contains(' ') => return,
                None => name,
            };
            out.push(Site {
                token: Some(name.to_string()),
                argc: args.len(),
                builtin: signature(name).map(|_| name.to_string()),
            })
        }
        AstNode::Call { procedure, args } => out.push(Site {
            token: match procedure.as_ref() {
                AstNode::Variable(n) => Some(n.clone()),
                _ => None,
            },
            argc: args.len(),
            builtin: None,
        }),
        // A built-in passed by reference: called by a higher-order function.
        AstNode::Variable(name) if signature(name).is_some() => out.push(Site {
            token: None,
            argc: usize::MAX,
            builtin: Some(name.clone()),
        }),
        _ => {}
    }
}

fn token(site: &Site) -> String {
    match &site.token {
        Some(t) => serde_json::Value::String(t.clone()).to_string(),
        None => "undefined".to_string(),
    }
}

fn plural(type_name: &str) -> &'static str {
    match type_name.trim() {
        "Number" => "numbers",
        "String" => "strings",
        "Boolean" => "booleans",
        "Object" => "objects",
        "Function" => "functions",
        _ => "arrays",
    }
}

/// The argument index a jsonata-core message names (`Argument 2 …`).
fn index(message: &str) -> Option<usize> {
    let rest = message.strip_prefix("Argument ")?;
    rest.split(' ').next()?.parse().ok()
}

/// jsonata-js's message for a T0410/T0411/T0412/T2010 jsonata-core raised in `ast`.
pub(super) fn js_message(code: &str, message: &str, ast: &AstNode) -> Option<String> {
    if code == "T2010" {
        let op = comparison(ast)?;
        return Some(format!(
            "The expressions either side of operator \"{op}\" must evaluate to numeric or string values"
        ));
    }
    let sites = sites(ast);
    let fits = |s: &Site, f: &dyn Fn(&[Param]) -> bool| match &s.builtin {
        Some(b) => signature(b).is_some_and(|p| f(&p)),
        None => true,
    };
    match code {
        "T0411" => {
            let site = sites.iter().find(|s| {
                s.builtin.is_some()
                    && fits(s, &|p| {
                        p.first().is_some_and(|p| p.context) && s.argc < p.len()
                    })
            })?;
            Some(format!(
                "Context value is not a compatible type with argument 1 of function {}",
                token(site)
            ))
        }
        "T0412" => {
            let i = index(message)?;
            let type_name = message.rsplit("array of ").next()?;
            let site = sites.iter().find(|s| {
                fits(s, &|p| {
                    p.get(i - 1).is_some_and(|p| p.kind.starts_with("a<"))
                })
            })?;
            Some(format!(
                "Argument {i} of function {} must be an array of \"{}\"",
                token(site),
                plural(type_name)
            ))
        }
        "T0410" => {
            if let Some(rest) = message.strip_prefix("Argument count mismatch: expected ") {
                let (_, got) = rest.split_once(", got ")?;
                let got: usize = got.trim().parse().ok()?;
                let site = sites.iter().find(|s| {
                    s.argc == got
                        && fits(s, &|p| {
                            got > p.len() || got < p.iter().filter(|p| !p.optional).count()
                        })
                })?;
                let i = match &site.builtin {
                    Some(b) => signature(b).map_or(1, |p| p.len().min(got) + 1),
                    None => 1,
                };
                return Some(format!(
                    "Argument {i} of function {} does not match function signature",
                    token(site)
                ));
            }
            let i = index(message)?;
            let site = sites.iter().find(|s| fits(s, &|p| p.len() >= i))?;
            Some(format!(
                "Argument {i} of function {} does not match function signature",
                token(site)
            ))
        }
        _ => None,
    }
}

/// The operator of the first ordering comparison in evaluation order.
fn comparison(ast: &AstNode) -> Option<&'static str> {
    let mut found = None;
    find_comparison(ast, &mut found);
    found
}

fn find_comparison(node: &AstNode, found: &mut Option<&'static str>) {
    refs::visit_children(node, &mut |child| find_comparison(child, found));
    if found.is_none()
        && let AstNode::Binary { op, .. } = node
    {
        *found = match op {
            BinaryOp::LessThan => Some("<"),
            BinaryOp::LessThanOrEqual => Some("<="),
            BinaryOp::GreaterThan => Some(">"),
            BinaryOp::GreaterThanOrEqual => Some(">="),
            _ => None,
        };
    }
}
