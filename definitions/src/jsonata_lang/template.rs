//! JSONata templates: any JSON value in which a string `"{% expr %}"` is an expression.
//!
//! Used for every JSONata field (`Arguments`, `Output`, `Assign`, `Items`, `ItemSelector`,
//! `Condition`, the numeric fields, `Error`/`Cause`, `Notify`). A template is compiled
//! once, at definition time: every expression is parsed into a [`Jsonata`] leaf, subtrees
//! without one are kept as ready-made values. Other strings are literal; `.$` keys are
//! not special.

use serde_json::{Map, Value};

use super::eval::{JEnv, evaluate};
use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::error::Failure;
use crate::jsonata::Jsonata;

/// A compiled JSONata template.
#[derive(Debug, Clone)]
pub struct JTemplate {
    root: Node,
    /// What the expressions read: lets evaluation skip building `$states` members.
    reads: Reads,
}

/// Which `$states` members a template's expressions name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    pub input: bool,
    pub context: bool,
    pub result: bool,
    pub error_output: bool,
}

impl Reads {
    fn union(self, other: Reads) -> Reads {
        Reads {
            input: self.input || other.input,
            context: self.context || other.context,
            result: self.result || other.result,
            error_output: self.error_output || other.error_output,
        }
    }
}

#[derive(Debug, Clone)]
enum Node {
    Literal(Value),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    /// An expression; `field` names it in messages (`Output/result`, `Items`).
    Expr {
        field: String,
        expr: Box<Jsonata>,
        reads: Reads,
    },
}

/// The text of `value` between `{%` and `%}` when it is a JSONata expression string.
pub fn expression_text(value: &Value) -> Option<&str> {
    let text = value.as_str()?;
    text.strip_prefix("{%")?.strip_suffix("%}")
}

impl JTemplate {
    /// Compiles `value`, found at `loc` and named `field` in messages. Syntax errors are
    /// reported with the location of their string.
    pub fn compile(
        value: &Value,
        field: &str,
        loc: &Loc,
        d: &mut Diagnostics,
    ) -> Option<JTemplate> {
        let errors = d.error_count();
        let mut reads = Reads::default();
        let root = compile_node(value, field, loc, &mut reads, d);
        (d.error_count() == errors).then_some(JTemplate { root, reads })
    }

    /// A template holding only `value`.
    pub fn literal(value: Value) -> JTemplate {
        JTemplate {
            root: Node::Literal(value),
            reads: Reads::default(),
        }
    }

    /// What the template's expressions read of `$states`.
    pub fn reads(&self) -> Reads {
        self.reads
    }

    /// The literal value, when the template has no expression.
    pub fn as_literal(&self) -> Option<&Value> {
        match &self.root {
            Node::Literal(v) => Some(v),
            _ => None,
        }
    }

    /// The names of the top-level fields (for `Assign`: the variables set).
    pub fn top_level_names(&self) -> Vec<&str> {
        match &self.root {
            Node::Object(fields) => fields.iter().map(|(name, _)| name.as_str()).collect(),
            Node::Literal(Value::Object(map)) => map.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Every expression with the field it sits in.
    pub fn expressions(&self) -> Vec<(&str, &Jsonata)> {
        let mut out = Vec::new();
        collect(&self.root, &mut out);
        out
    }

    /// Evaluates the template. An expression that fails, returns nothing or returns a
    /// function raises `States.QueryEvaluationError` with AWS's cause (without the
    /// "An error occurred while executing the state" prefix, which the engine adds).
    pub fn eval(&self, env: &JEnv<'_>) -> Result<Value, Failure> {
        eval_node(&self.root, env)
    }
}

fn collect<'t>(node: &'t Node, out: &mut Vec<(&'t str, &'t Jsonata)>) {
    match node {
        Node::Literal(_) => {}
        Node::Object(fields) => fields.iter().for_each(|(_, n)| collect(n, out)),
        Node::Array(items) => items.iter().for_each(|n| collect(n, out)),
        Node::Expr { field, expr, .. } => out.push((field, expr)),
    }
}

fn compile_node(
    value: &Value,
    field: &str,
    loc: &Loc,
    reads: &mut Reads,
    d: &mut Diagnostics,
) -> Node {
    match value {
        Value::Object(map) => {
            let fields: Vec<(String, Node)> = map
                .iter()
                .map(|(k, v)| {
                    let node = compile_node(v, &format!("{field}/{k}"), &loc.at(k), reads, d);
                    (k.clone(), node)
                })
                .collect();
            if fields.iter().all(|(_, n)| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Object(fields)
            }
        }
        Value::Array(items) => {
            let nodes: Vec<Node> = items
                .iter()
                .enumerate()
                .map(|(i, v)| compile_node(v, &format!("{field}/{i}"), &loc.at(i), reads, d))
                .collect();
            if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        other => match expression_text(other) {
            Some(source) => match Jsonata::parse(source) {
                Ok(expr) => {
                    let own = super::states_refs::StatesUse::of(&expr).as_reads();
                    *reads = reads.union(own);
                    Node::Expr {
                        field: field.to_owned(),
                        expr: Box::new(expr),
                        reads: own,
                    }
                }
                Err(e) => {
                    d.error(
                        Code::SchemaValidationFailed,
                        loc,
                        format!(
                            "the JSONata expression '{}' does not parse: {e}",
                            source.trim()
                        ),
                    );
                    Node::Literal(Value::Null)
                }
            },
            None => Node::Literal(other.clone()),
        },
    }
}

fn eval_node(node: &Node, env: &JEnv<'_>) -> Result<Value, Failure> {
    match node {
        Node::Literal(v) => Ok(v.clone()),
        Node::Object(fields) => {
            let mut out = Map::with_capacity(fields.len());
            for (name, node) in fields {
                out.insert(name.clone(), eval_node(node, env)?);
            }
            Ok(Value::Object(out))
        }
        Node::Array(items) => items
            .iter()
            .map(|n| eval_node(n, env))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Node::Expr { field, expr, reads } => evaluate(expr, field, *reads, env),
    }
}

impl JTemplate {
    /// Evaluates the template and checks its value with `ok`; a value of another type is
    /// `States.QueryEvaluationError` ("returned an unexpected result type. Expected
    /// '<expected>' …").
    pub fn eval_as(
        &self,
        env: &JEnv<'_>,
        field: &str,
        expected: &str,
        ok: impl Fn(&Value) -> bool,
    ) -> Result<Value, Failure> {
        let value = self.eval(env)?;
        if ok(&value) {
            return Ok(value);
        }
        Err(match &self.root {
            Node::Expr { field, expr, .. } => {
                super::eval::unexpected_type(expr, field, expected, &value)
            }
            _ => Failure::new(
                crate::error::ErrorName::QueryEvaluationError,
                format!(
                    "The field '{field}' must be of type '{expected}', but was '{}' for value: {}",
                    crate::parse::fields::type_name(&value),
                    crate::template::compact_json(&value)
                ),
            ),
        })
    }
}
