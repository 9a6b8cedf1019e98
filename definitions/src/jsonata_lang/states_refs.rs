//! Which members of `$states` an expression reads, from its syntax tree (not its text).
//!
//! [`Jsonata::variable_references`] says whether `$states` is read at all. When it is, the
//! expression's tree is walked: `$states.<name>…` reads member `<name>`; `$states` in any
//! other form (alone, passed to a function, `$states.*`, `$states[…]`, `$states.(…)`) may
//! read every member. The answer never leaves out a member that evaluation could read.

use std::collections::BTreeSet;

use jsonata_core::ast::{AstNode, PathStep, Stage};

use super::template::Reads;
use crate::jsonata::Jsonata;

const STATES: &str = "states";

/// How an expression uses `$states`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatesUse {
    /// `$states` used other than as `$states.<name>`: any member may be read.
    pub whole: bool,
    /// The members named as `$states.<name>`.
    pub members: BTreeSet<String>,
}

impl StatesUse {
    /// What `expr` reads of `$states`.
    pub fn of(expr: &Jsonata) -> StatesUse {
        let mut found = StatesUse::default();
        if !expr.variable_references().iter().any(|n| n == STATES) {
            return found;
        }
        // The evaluator's tree is private to `crate::jsonata`: parse the text again with
        // the same parser (at definition time only; the text parsed once already).
        match jsonata_core::parser::parse(expr.source()) {
            Ok(ast) => walk(&ast, &mut found),
            Err(_) => found.whole = true,
        }
        found
    }

    /// True when member `name` is (or may be) read.
    pub fn reads(&self, name: &str) -> bool {
        self.whole || self.members.contains(name)
    }

    /// As the `$states` members to bind at evaluation.
    pub fn as_reads(&self) -> Reads {
        Reads {
            input: self.reads("input"),
            context: self.reads("context"),
            result: self.reads("result"),
            error_output: self.reads("errorOutput"),
        }
    }
}

fn is_states(node: &AstNode) -> bool {
    matches!(node, AstNode::Variable(name) if name == STATES)
}

fn walk_path(steps: &[PathStep], found: &mut StatesUse) {
    let mut rest = steps;
    if let Some(first) = steps.first()
        && is_states(&first.node)
    {
        match (first.stages.is_empty(), steps.get(1).map(|s| &s.node)) {
            (true, Some(AstNode::Name(member))) => {
                found.members.insert(member.clone());
            }
            _ => found.whole = true,
        }
        walk_stages(first, found);
        rest = &steps[1..];
    }
    for step in rest {
        walk(&step.node, found);
        walk_stages(step, found);
    }
}

fn walk_stages(step: &PathStep, found: &mut StatesUse) {
    for stage in &step.stages {
        if let Stage::Filter(node) = stage {
            walk(node, found);
        }
    }
}

fn walk(node: &AstNode, found: &mut StatesUse) {
    match node {
        AstNode::Variable(_) if is_states(node) => found.whole = true,
        AstNode::Path { steps } => walk_path(steps, found),
        AstNode::Function { args, .. }
        | AstNode::Array(args)
        | AstNode::Block(args)
        | AstNode::ArrayGroup(args) => args.iter().for_each(|a| walk(a, found)),
        AstNode::Call { procedure, args } => {
            walk(procedure, found);
            args.iter().for_each(|a| walk(a, found));
        }
        AstNode::Binary { lhs, rhs, .. } => {
            walk(lhs, found);
            walk(rhs, found);
        }
        AstNode::Unary { operand: n, .. }
        | AstNode::Lambda { body: n, .. }
        | AstNode::FunctionApplication(n) => walk(n, found),
        AstNode::Object(pairs) => pairs.iter().for_each(|(k, v)| {
            walk(k, found);
            walk(v, found);
        }),
        AstNode::ObjectTransform { input, pattern } => {
            walk(input, found);
            pattern.iter().for_each(|(k, v)| {
                walk(k, found);
                walk(v, found);
            });
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            walk(condition, found);
            walk(then_branch, found);
            if let Some(e) = else_branch {
                walk(e, found);
            }
        }
        AstNode::Sort { input, terms } => {
            walk(input, found);
            terms.iter().for_each(|(t, _)| walk(t, found));
        }
        AstNode::Transform {
            location,
            update,
            delete,
        } => {
            walk(location, found);
            walk(update, found);
            if let Some(d) = delete {
                walk(d, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn use_of(source: &str) -> StatesUse {
        StatesUse::of(&Jsonata::parse(source).expect("parses"))
    }

    fn members(source: &str) -> (bool, Vec<&'static str>) {
        let u = use_of(source);
        let names = ["input", "context", "result", "errorOutput"]
            .into_iter()
            .filter(|m| u.members.contains(*m))
            .collect();
        (u.whole, names)
    }

    #[test]
    fn named_members_are_read_and_nothing_else() {
        assert_eq!(members("$states.input.a + 1"), (false, vec!["input"]));
        assert_eq!(
            members("{'r': $states.result.x, 'c': $states.context.Execution.Id}"),
            (false, vec!["context", "result"])
        );
        // Words in strings, field names and other variables are not reads of `$states`.
        assert_eq!(
            members("$states.input.result & 'errorOutput' & $context"),
            (false, vec!["input"])
        );
        assert_eq!(members("$x.result"), (false, vec![]));
        // In a filter, a lambda, a condition.
        assert_eq!(
            members(
                "$map($states.input.items[price > $states.context.min], function($v){ $v + $states.result })"
            ),
            (false, vec!["input", "context", "result"])
        );
    }

    #[test]
    fn states_used_whole_may_read_every_member() {
        for source in [
            "$states",
            "$keys($states)",
            "$states.*",
            "$states.(input)",
            "$lookup($states, 'errorOutput')",
            "$states[0]",
        ] {
            let u = use_of(source);
            assert!(u.whole, "{source}: {u:?}");
            assert_eq!(
                u.as_reads(),
                Reads {
                    input: true,
                    context: true,
                    result: true,
                    error_output: true
                },
                "{source}"
            );
        }
    }

    #[test]
    fn a_locally_bound_states_is_not_the_reserved_one() {
        assert_eq!(
            use_of("($states := {'input': 1}; $states.input)"),
            StatesUse::default()
        );
    }
}
