//! The variables an expression reads from outside, with JSONata's scopes: a block `( … )`
//! and a lambda body are scopes; `$x := …` binds in the current one from then on; a
//! lambda's parameters bind in its body, which also sees what its enclosing blocks bind
//! (later too: it runs when called, `$f := function($n) { $f($n - 1) }`); `@$x` and `#$i`
//! bind for the rest of their path.
//!
//! `($x := 1; $x) & $x` reads the outer `$x`; `($x := 1; $x)` reads none.

use std::collections::{BTreeSet, HashSet};

use jsonata_core::ast::{AstNode, BinaryOp, Stage};

use super::{aws, refs};

#[derive(Default)]
struct Scopes {
    /// Innermost last: names bound so far in each scope.
    bound: Vec<HashSet<String>>,
    /// For each enclosing block, every name it binds with `:=` among its items.
    declared: Vec<HashSet<String>>,
    free: BTreeSet<String>,
}

impl Scopes {
    fn read(&mut self, name: &str) {
        if name.is_empty() || aws::is_function_name(name) {
            return;
        }
        if !self.bound.iter().any(|s| s.contains(name)) {
            self.free.insert(name.to_string());
        }
    }

    fn bind(&mut self, name: &str) {
        if let Some(scope) = self.bound.last_mut() {
            scope.insert(name.to_string());
        }
    }
}

/// Free variable names (without `$`), sorted.
pub(super) fn free_variables(ast: &AstNode) -> Vec<String> {
    let mut scopes = Scopes {
        bound: vec![HashSet::new()],
        declared: vec![declared(std::slice::from_ref(ast))],
        ..Scopes::default()
    };
    walk(ast, &mut scopes);
    scopes.free.into_iter().collect()
}

fn declared(items: &[AstNode]) -> HashSet<String> {
    items
        .iter()
        .filter_map(|item| match item {
            AstNode::Binary {
                op: BinaryOp::ColonEqual,
                lhs,
                ..
            } => match lhs.as_ref() {
                AstNode::Variable(n) => Some(n.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn walk(node: &AstNode, s: &mut Scopes) {
    match node {
        AstNode::Variable(name) | AstNode::ParentVariable(name) => s.read(name),
        AstNode::Function { name, args, .. } => {
            args.iter().for_each(|a| walk(a, s));
            s.read(name);
        }
        AstNode::Binary {
            op: BinaryOp::ColonEqual,
            lhs,
            rhs,
        } if matches!(lhs.as_ref(), AstNode::Variable(_)) => {
            walk(rhs, s);
            if let AstNode::Variable(name) = lhs.as_ref() {
                s.bind(name);
            }
        }
        AstNode::Block(items) => {
            s.bound.push(HashSet::new());
            s.declared.push(declared(items));
            items.iter().for_each(|i| walk(i, s));
            s.declared.pop();
            s.bound.pop();
        }
        AstNode::Lambda { params, body, .. } => {
            let mut scope: HashSet<String> = params.iter().cloned().collect();
            for d in &s.declared {
                scope.extend(d.iter().cloned());
            }
            s.bound.push(scope);
            walk(body, s);
            s.bound.pop();
        }
        AstNode::Path { steps } => {
            for step in steps {
                walk(&step.node, s);
                for var in [&step.focus, &step.index_var].into_iter().flatten() {
                    s.bind(var);
                }
                for stage in &step.stages {
                    match stage {
                        Stage::Filter(n) => walk(n, s),
                        Stage::Index(var) => s.bind(var),
                        Stage::KeepArray => {}
                    }
                }
            }
        }
        other => refs::visit_children(other, &mut |child| walk(child, s)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Jsonata;

    fn refs(source: &str) -> Vec<String> {
        Jsonata::parse(source).unwrap().variable_references()
    }

    #[test]
    fn references_respect_scopes() {
        assert_eq!(refs("($x := 1; $x) & $x"), ["x"]);
        assert!(refs("($x := 1; $x)").is_empty());
        assert_eq!(refs("($y := $x; $x := 1; $y)"), ["x"]);
        assert!(refs("($f := function($n) { $n < 1 ? 0 : $f($n - 1) }; $f(3))").is_empty());
        assert_eq!(refs("function($a) { $a + $b }"), ["b"]);
        assert_eq!(refs("$map([1], function($v) { $v }) & $v"), ["v"]);
        assert!(refs("[1, 2]#$i.($i)").is_empty());
        assert!(refs("$string(1) & $now() & $states").contains(&"states".to_string()));
        assert_eq!(refs("$states.input & $string(1)"), ["states"]);
    }
}
