//! Walks of the syntax tree: the variables an expression reads, and the one rewrite the
//! wrapper makes (`$now(…)`/`$millis()` read the time from the environment).

use std::collections::BTreeSet;

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage};

use super::{JsonataError, aws};

/// The variable `$now(…)` and `$millis()` are rewritten to read: the evaluation's time in
/// milliseconds. It holds a space, so no expression can spell it.
pub(super) const NOW_VAR: &str = "baton now";

/// Every name the expression mentions as a variable (`$x`, called or read) and every name
/// it binds itself.
#[derive(Default)]
struct Names {
    read: BTreeSet<String>,
    bound: BTreeSet<String>,
}

/// `(mentioned, free)`: names to bind before evaluating (everything read that is not the
/// context `$`), and the free ones (not bound inside, not a function of JSONata or AWS).
pub(super) fn variables(ast: &AstNode) -> (Vec<String>, Vec<String>) {
    let mut names = Names::default();
    walk(ast, &mut names);
    let mentioned: Vec<String> = names
        .read
        .iter()
        .filter(|n| !n.is_empty() && !n.contains(' '))
        .cloned()
        .collect();
    let free = mentioned
        .iter()
        .filter(|n| !names.bound.contains(*n) && !aws::is_function_name(n))
        .cloned()
        .collect();
    (mentioned, free)
}

fn walk_step(step: &PathStep, names: &mut Names) {
    walk(&step.node, names);
    for stage in &step.stages {
        match stage {
            Stage::Filter(node) => walk(node, names),
            Stage::Index(var) => {
                names.bound.insert(var.clone());
            }
            Stage::KeepArray => {}
        }
    }
    for var in [&step.focus, &step.index_var].into_iter().flatten() {
        names.bound.insert(var.clone());
    }
}

fn walk(node: &AstNode, names: &mut Names) {
    match node {
        AstNode::Variable(name) | AstNode::ParentVariable(name) => {
            names.read.insert(name.clone());
        }
        AstNode::Function { name, args, .. } => {
            names.read.insert(name.clone());
            args.iter().for_each(|a| walk(a, names));
        }
        AstNode::Path { steps } => steps.iter().for_each(|s| walk_step(s, names)),
        AstNode::Binary { op, lhs, rhs } => {
            if let (BinaryOp::ColonEqual, AstNode::Variable(name)) = (op, lhs.as_ref()) {
                names.bound.insert(name.clone());
            } else {
                walk(lhs, names);
            }
            walk(rhs, names);
        }
        AstNode::Unary { operand, .. } => walk(operand, names),
        AstNode::Call { procedure, args } => {
            walk(procedure, names);
            args.iter().for_each(|a| walk(a, names));
        }
        AstNode::Lambda { params, body, .. } => {
            names.bound.extend(params.iter().cloned());
            walk(body, names);
        }
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
            items.iter().for_each(|a| walk(a, names))
        }
        AstNode::Object(pairs) => pairs.iter().for_each(|(k, v)| {
            walk(k, names);
            walk(v, names);
        }),
        AstNode::ObjectTransform { input, pattern } => {
            walk(input, names);
            pattern.iter().for_each(|(k, v)| {
                walk(k, names);
                walk(v, names);
            });
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            walk(condition, names);
            walk(then_branch, names);
            if let Some(e) = else_branch {
                walk(e, names);
            }
        }
        AstNode::FunctionApplication(inner) => walk(inner, names),
        AstNode::Sort { input, terms } => {
            walk(input, names);
            terms.iter().for_each(|(t, _)| walk(t, names));
        }
        AstNode::Transform {
            location,
            update,
            delete,
        } => {
            walk(location, names);
            walk(update, names);
            if let Some(d) = delete {
                walk(d, names);
            }
        }
        AstNode::String(_)
        | AstNode::Name(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. }
        | AstNode::Wildcard
        | AstNode::Descendant
        | AstNode::Parent(_) => {}
    }
}

/// jsonata-core also reads `?:` (default) and `??` (coalesce), which came after
/// jsonata-js 2.0.6: AWS refuses them, with 2.0.6's syntax error.
pub(super) fn refuse_later_syntax(ast: &AstNode) -> Result<(), JsonataError> {
    let mut found = None;
    visit(ast, &mut |node| {
        if let AstNode::Binary { op, .. } = node {
            match op {
                BinaryOp::Default => found = found.or(Some(":")),
                BinaryOp::Coalesce => found = found.or(Some("?")),
                _ => {}
            }
        }
    });
    match found {
        Some(symbol) => Err(JsonataError::new(
            "S0211",
            format!("The symbol \"{symbol}\" cannot be used as a unary operator"),
        )),
        None => Ok(()),
    }
}

fn visit(node: &AstNode, f: &mut dyn FnMut(&AstNode)) {
    f(node);
    visit_children(node, &mut |child| visit(child, f));
}

/// Calls `f` on each direct child of `node` (read-only twin of [`for_each_child`]).
pub(super) fn visit_children(node: &AstNode, f: &mut dyn FnMut(&AstNode)) {
    match node {
        AstNode::Function { args, .. }
        | AstNode::Array(args)
        | AstNode::Block(args)
        | AstNode::ArrayGroup(args) => args.iter().for_each(&mut *f),
        AstNode::Call { procedure, args } => {
            f(procedure);
            args.iter().for_each(&mut *f);
        }
        AstNode::Path { steps } => {
            for step in steps {
                f(&step.node);
                for stage in &step.stages {
                    if let Stage::Filter(n) = stage {
                        f(n);
                    }
                }
            }
        }
        AstNode::Binary { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        AstNode::Unary { operand: n, .. }
        | AstNode::Lambda { body: n, .. }
        | AstNode::FunctionApplication(n) => f(n),
        AstNode::Object(pairs) => pairs.iter().for_each(|(k, v)| {
            f(k);
            f(v);
        }),
        AstNode::ObjectTransform { input, pattern } => {
            f(input);
            pattern.iter().for_each(|(k, v)| {
                f(k);
                f(v);
            });
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            f(condition);
            f(then_branch);
            if let Some(e) = else_branch {
                f(e);
            }
        }
        AstNode::Sort { input, terms } => {
            f(input);
            terms.iter().for_each(|(t, _)| f(t));
        }
        AstNode::Transform {
            location,
            update,
            delete,
        } => {
            f(location);
            f(update);
            if let Some(d) = delete {
                f(d);
            }
        }
        _ => {}
    }
}

/// The tree the wrapper evaluates: `$now(…)` becomes `$fromMillis(<now>, …)` and `$millis()`
/// becomes `<now>`, unless the expression binds `now`/`millis` itself.
pub(super) fn prepare(ast: AstNode) -> AstNode {
    let mut names = Names::default();
    walk(&ast, &mut names);
    let rewrite_now = !names.bound.contains("now");
    let rewrite_millis = !names.bound.contains("millis");
    let mut ast = ast;
    super::rewrite::apply(&mut ast, &|name| names.bound.contains(name));
    if !(rewrite_now && names.read.contains("now")
        || rewrite_millis && names.read.contains("millis"))
    {
        return ast;
    }
    rewrite(&mut ast, rewrite_now, rewrite_millis);
    ast
}

fn rewrite(node: &mut AstNode, now: bool, millis: bool) {
    if let AstNode::Function { name, args, .. } = node {
        if now && name == "now" && args.len() <= 2 {
            args.insert(0, AstNode::Variable(NOW_VAR.to_string()));
            *name = "fromMillis".to_string();
        } else if millis && name == "millis" && args.is_empty() {
            *node = AstNode::Variable(NOW_VAR.to_string());
            return;
        }
    }
    for_each_child(node, &mut |child| rewrite(child, now, millis));
}

pub(super) fn for_each_child(node: &mut AstNode, f: &mut dyn FnMut(&mut AstNode)) {
    match node {
        AstNode::Function { args, .. } => args.iter_mut().for_each(f),
        AstNode::Path { steps } => {
            for step in steps {
                f(&mut step.node);
                for stage in &mut step.stages {
                    if let Stage::Filter(n) = stage {
                        f(n);
                    }
                }
            }
        }
        AstNode::Binary { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        AstNode::Unary { operand, .. } => f(operand),
        AstNode::Call { procedure, args } => {
            f(procedure);
            args.iter_mut().for_each(f);
        }
        AstNode::Lambda { body, .. } => f(body),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
            items.iter_mut().for_each(f)
        }
        AstNode::Object(pairs) => pairs.iter_mut().for_each(|(k, v)| {
            f(k);
            f(v);
        }),
        AstNode::ObjectTransform { input, pattern } => {
            f(input);
            pattern.iter_mut().for_each(|(k, v)| {
                f(k);
                f(v);
            });
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            f(condition);
            f(then_branch);
            if let Some(e) = else_branch {
                f(e);
            }
        }
        AstNode::FunctionApplication(inner) => f(inner),
        AstNode::Sort { input, terms } => {
            f(input);
            terms.iter_mut().for_each(|(t, _)| f(t));
        }
        AstNode::Transform {
            location,
            update,
            delete,
        } => {
            f(location);
            f(update);
            if let Some(d) = delete {
                f(d);
            }
        }
        _ => {}
    }
}
