//! What parts of its variables an expression can read ([`Needs`]), so that prepared
//! bindings convert only those (`$states.input.order.id` needs `input.order.id` of
//! `$states`, not the rest of a large input).
//!
//! A variable is read in part only where every use of it is the head of a path followed by
//! plain field names (`$v.a.b`: no predicate, index, focus, wildcard or other step): the
//! value reached by those names is then read whole. Any other use (`$v`, `$v[0]`,
//! `$f($v.a)` reads `a` whole, `$v.*`, a variable the expression binds itself) reads the
//! variable whole, and an expression with a parent operator `%` anywhere reads all its
//! variables whole. A value pruned to the needed fields gives the same results for such an
//! expression: a field step on an object reads only that field, and arrays keep their
//! items (each pruned the same way), so mapping and flattening are unchanged.

use std::collections::BTreeMap;

use jsonata_core::ast::{AstNode, PathStep};
use jsonata_core::value::JValue;
use serde_json::Value;

use super::{JsonataError, convert};

/// What is read of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// All of it.
    Whole,
    /// Only these fields (of the value, or of each object in it when it is an array).
    Fields(BTreeMap<String, Need>),
}

impl Need {
    fn merge(&mut self, other: &Need) {
        match (&mut *self, other) {
            (Need::Whole, _) => {}
            (_, Need::Whole) => *self = Need::Whole,
            (Need::Fields(mine), Need::Fields(theirs)) => {
                for (name, need) in theirs {
                    match mine.get_mut(name) {
                        Some(m) => m.merge(need),
                        None => {
                            mine.insert(name.clone(), need.clone());
                        }
                    }
                }
            }
        }
    }

    /// Whether everything `other` reads, `self` reads.
    fn covers(&self, other: &Need) -> bool {
        match (self, other) {
            (Need::Whole, _) => true,
            (Need::Fields(_), Need::Whole) => false,
            (Need::Fields(mine), Need::Fields(theirs)) => theirs
                .iter()
                .all(|(name, need)| mine.get(name).is_some_and(|m| m.covers(need))),
        }
    }

    /// The need of field `name`, if it is read.
    pub fn field(&self, name: &str) -> Option<&Need> {
        match self {
            Need::Whole => Some(&Need::Whole),
            Need::Fields(fields) => fields.get(name),
        }
    }

    /// `value` as a JSONata value, with only what this reads.
    pub fn convert(&self, value: &Value) -> Result<JValue, JsonataError> {
        match self {
            Need::Whole => convert::from_json(value),
            Need::Fields(fields) => prune(value, fields, 0),
        }
    }
}

fn prune(
    value: &Value,
    fields: &BTreeMap<String, Need>,
    depth: usize,
) -> Result<JValue, JsonataError> {
    if depth > convert::MAX_VALUE_DEPTH {
        // As deep as conversion refuses: let it give its error.
        return convert::from_json(value);
    }
    Ok(match value {
        Value::Object(map) => {
            let mut out = indexmap::IndexMap::with_capacity(fields.len().min(map.len()));
            for (key, v) in map {
                if let Some(need) = fields.get(key) {
                    let converted = match need {
                        Need::Whole => convert::from_json(v)?,
                        Need::Fields(inner) => prune(v, inner, depth + 1)?,
                    };
                    out.insert(key.clone(), converted);
                }
            }
            JValue::object(out)
        }
        Value::Array(items) => JValue::array(
            items
                .iter()
                .map(|v| prune(v, fields, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        other => convert::from_json(other)?,
    })
}

/// What an expression (or a set of expressions) reads of each variable it mentions (by
/// name, without `$`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs(BTreeMap<String, Need>);

impl Needs {
    /// The needs of `ast`, whose own bindings (`:=`, parameters, `@`/`#`) are `bound`.
    pub(super) fn of(ast: &AstNode, bound: &[String]) -> Needs {
        let mut uses = Uses::default();
        walk(ast, &mut uses);
        let mut needs = uses.parts;
        for (name, need) in needs.iter_mut() {
            if uses.parent || bound.contains(name) {
                *need = Need::Whole;
            }
        }
        Needs(needs)
    }

    /// What is read of variable `name` (whole for a name never analysed).
    pub fn of_variable(&self, name: &str) -> &Need {
        self.0.get(name).unwrap_or(&Need::Whole)
    }

    /// Adds what `other` reads (for a set of expressions evaluated together).
    pub fn add(&mut self, other: &Needs) {
        for (name, need) in &other.0 {
            match self.0.get_mut(name) {
                Some(mine) => mine.merge(need),
                None => {
                    self.0.insert(name.clone(), need.clone());
                }
            }
        }
    }

    /// Whether `name` (a variable or function, without `$`) is read at all.
    pub fn reads(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Each variable read, with what is read of it.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Need)> {
        self.0.iter()
    }

    /// Whether everything `other` reads, `self` reads.
    pub fn covers(&self, other: &Needs) -> bool {
        other
            .0
            .iter()
            .all(|(name, need)| self.0.get(name).is_some_and(|m| m.covers(need)))
    }
}

#[derive(Default)]
struct Uses {
    parts: BTreeMap<String, Need>,
    parent: bool,
}

impl Uses {
    fn read(&mut self, name: &str, need: Need) {
        match self.parts.get_mut(name) {
            Some(n) => n.merge(&need),
            None => {
                self.parts.insert(name.to_owned(), need);
            }
        }
    }
}

fn plain_field(step: &PathStep) -> Option<&str> {
    let plain = step.stages.is_empty()
        && step.focus.is_none()
        && step.index_var.is_none()
        && step.ancestor_label.is_none()
        && !step.is_tuple
        && !step.inner_tuple;
    match &step.node {
        AstNode::Name(name) if plain => Some(name),
        _ => None,
    }
}

fn walk(node: &AstNode, uses: &mut Uses) {
    match node {
        AstNode::Variable(name) | AstNode::ParentVariable(name) => uses.read(name, Need::Whole),
        AstNode::Function { name, args, .. } => {
            uses.read(name, Need::Whole);
            args.iter().for_each(|a| walk(a, uses));
        }
        AstNode::Parent(_) => uses.parent = true,
        AstNode::Path { steps } => {
            let head = steps.first().and_then(|s| match &s.node {
                AstNode::Variable(name)
                    if s.stages.is_empty()
                        && s.focus.is_none()
                        && s.index_var.is_none()
                        && s.ancestor_label.is_none()
                        && !s.is_tuple
                        && !s.inner_tuple =>
                {
                    Some(name)
                }
                _ => None,
            });
            let mut rest = &steps[..];
            if let Some(name) = head {
                let names: Vec<&str> = steps[1..].iter().map_while(plain_field).collect();
                let mut need = Need::Whole;
                for field in names.iter().rev() {
                    need = Need::Fields(BTreeMap::from([((*field).to_owned(), need)]));
                }
                uses.read(name, need);
                rest = &steps[1 + names.len()..];
            }
            for step in rest {
                walk(&step.node, uses);
                for stage in &step.stages {
                    if let jsonata_core::ast::Stage::Filter(f) = stage {
                        walk(f, uses);
                    }
                }
            }
        }
        other => for_each_child(other, &mut |child| walk(child, uses)),
    }
}

/// Calls `f` on each direct child of `node` (path steps and their filters included).
fn for_each_child(node: &AstNode, f: &mut dyn FnMut(&AstNode)) {
    match node {
        AstNode::Function { args, .. } => args.iter().for_each(&mut *f),
        AstNode::Path { steps } => {
            for step in steps {
                f(&step.node);
                for stage in &step.stages {
                    if let jsonata_core::ast::Stage::Filter(node) = stage {
                        f(node);
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
            args.iter().for_each(&mut *f);
        }
        AstNode::Lambda { body, .. } => f(body),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
            items.iter().for_each(&mut *f)
        }
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
        AstNode::FunctionApplication(inner) => f(inner),
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
        AstNode::Variable(_)
        | AstNode::ParentVariable(_)
        | AstNode::String(_)
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

#[cfg(test)]
#[path = "needs_tests.rs"]
mod tests;
