//! Payload templates: `Parameters`, `ResultSelector`, `ItemSelector`, the HTTP request
//! fields of a Callback's `Notify`.
//!
//! A key ending in `.$` is renamed without the suffix and its value is evaluated: a path
//! into the input (`$…`), into the context object (`$$…`), into a variable (`$name…`), or
//! an intrinsic function call. `Assign` is a template too (its keys name variables).
//! Plain keys are literal. Templates are compiled once; subtrees without `.$` keys are kept
//! as ready-made values.

use serde_json::{Map, Value};

use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::error::Failure;
use crate::intrinsics::{Intrinsic, looks_like_intrinsic};
use crate::path::{Env, Path, Root};

/// A compiled payload template.
#[derive(Debug, Clone)]
pub struct Template {
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Literal(Value),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    /// A `.$` key holding a path; `field` is the key as written, for messages.
    Path {
        field: String,
        path: Path,
    },
    Intrinsic {
        call: Box<Intrinsic>,
    },
}

impl Template {
    /// Compiles `value` (found at `loc`), reporting every problem into `d`.
    pub fn compile(value: &Value, loc: &Loc, d: &mut Diagnostics) -> Option<Template> {
        let max = crate::parse::MAX_NESTING_DEPTH;
        if let Some(at) = crate::parse::value_too_deep(value, max, loc) {
            d.error(
                Code::InvalidPayloadTemplate,
                &at,
                format!(
                    "this value is nested more than {max} levels of arrays and objects \
                     deep; a template may nest at most {max}"
                ),
            );
            return None;
        }
        let before = d.items().len();
        let root = compile_node(value, loc, d);
        if d.items()[before..]
            .iter()
            .any(|x| x.severity == crate::Severity::Error)
        {
            return None;
        }
        Some(Template { root })
    }

    /// A template that is only this literal value.
    /// The names of the top-level fields (`.$` removed): for `Assign`, the variables set.
    pub fn top_level_names(&self) -> Vec<&str> {
        match &self.root {
            Node::Object(fields) => fields.iter().map(|(name, _)| name.as_str()).collect(),
            Node::Literal(Value::Object(map)) => map.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn literal(value: Value) -> Template {
        Template {
            root: Node::Literal(value),
        }
    }

    /// The variables (`$name`, without `$`) its paths and intrinsic calls read.
    pub fn variable_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        variable_names(&self.root, &mut out);
        out
    }

    /// True when evaluation reads the context object (`$$`).
    pub fn uses_context(&self) -> bool {
        uses_context(&self.root)
    }

    /// Evaluates the template. A path that finds nothing and a failing intrinsic raise
    /// `States.Runtime`, with AWS's messages.
    pub fn eval(&self, env: &Env<'_>) -> Result<Value, Failure> {
        eval_node(&self.root, env)
    }
}

fn compile_node(value: &Value, loc: &Loc, d: &mut Diagnostics) -> Node {
    match value {
        Value::Object(map) => compile_object(map, loc, d),
        Value::Array(items) => {
            let nodes: Vec<Node> = items
                .iter()
                .enumerate()
                .map(|(i, v)| compile_node(v, &loc.at(i), d))
                .collect();
            if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        other => Node::Literal(other.clone()),
    }
}

fn compile_object(map: &Map<String, Value>, loc: &Loc, d: &mut Diagnostics) -> Node {
    let mut fields: Vec<(String, Node)> = Vec::with_capacity(map.len());
    for (key, value) in map {
        let field_loc = loc.at(key);
        let (name, node) = match key.strip_suffix(".$") {
            Some(name) => (name.to_owned(), compile_dynamic(key, value, &field_loc, d)),
            None => (key.clone(), compile_node(value, &field_loc, d)),
        };
        if fields.iter().any(|(existing, _)| *existing == name) {
            d.error(
                Code::InvalidPayloadTemplate,
                &field_loc,
                format!(
                    "field '{key}' clashes with another field named '{name}' once '.$' is removed"
                ),
            );
        }
        fields.push((name, node));
    }
    if fields.iter().all(|(_, n)| matches!(n, Node::Literal(_))) {
        let literal = fields
            .into_iter()
            .map(|(k, n)| match n {
                Node::Literal(v) => (k, v),
                _ => (k, Value::Null),
            })
            .collect();
        Node::Literal(Value::Object(literal))
    } else {
        Node::Object(fields)
    }
}

fn compile_dynamic(key: &str, value: &Value, loc: &Loc, d: &mut Diagnostics) -> Node {
    let Some(text) = value.as_str() else {
        d.error(
            Code::InvalidPayloadTemplate,
            loc,
            format!("the value of field '{key}' must be a string holding a path or an intrinsic function"),
        );
        return Node::Literal(Value::Null);
    };
    if text.starts_with('$') {
        match Path::parse(text) {
            Ok(path) => Node::Path {
                field: key.to_owned(),
                path,
            },
            Err(e) => {
                d.error(Code::InvalidJsonPath, loc, format!("field '{key}': {e}"));
                Node::Literal(Value::Null)
            }
        }
    } else if looks_like_intrinsic(text) {
        match Intrinsic::parse(text) {
            Ok(call) => Node::Intrinsic {
                call: Box::new(call),
            },
            Err(e) => {
                d.error(Code::InvalidIntrinsic, loc, format!("field '{key}': {e}"));
                Node::Literal(Value::Null)
            }
        }
    } else {
        d.error(
            Code::InvalidPayloadTemplate,
            loc,
            format!("field '{key}' is not a JSONPath or intrinsic function expression: '{text}'"),
        );
        Node::Literal(Value::Null)
    }
}

fn variable_names(node: &Node, out: &mut Vec<String>) {
    match node {
        Node::Literal(_) => {}
        Node::Object(fields) => fields.iter().for_each(|(_, n)| variable_names(n, out)),
        Node::Array(items) => items.iter().for_each(|n| variable_names(n, out)),
        Node::Path { path, .. } => out.extend(path.variable().map(str::to_owned)),
        Node::Intrinsic { call } => out.extend(crate::variable_refs::in_intrinsic(call.text())),
    }
}

fn uses_context(node: &Node) -> bool {
    match node {
        Node::Literal(_) => false,
        Node::Object(fields) => fields.iter().any(|(_, n)| uses_context(n)),
        Node::Array(items) => items.iter().any(uses_context),
        Node::Path { path, .. } => path.root() == Root::Context,
        // Intrinsics may read `$$` in their arguments; assume they do.
        Node::Intrinsic { .. } => true,
    }
}

fn eval_node(node: &Node, env: &Env<'_>) -> Result<Value, Failure> {
    match node {
        Node::Literal(v) => Ok(v.clone()),
        Node::Object(fields) => {
            let mut out = Map::with_capacity(fields.len());
            for (name, node) in fields {
                out.insert(name.clone(), eval_node(node, env)?);
            }
            Ok(Value::Object(out))
        }
        Node::Array(items) => items.iter().map(|n| eval_node(n, env)).collect::<Result<Vec<_>, _>>().map(Value::Array),
        Node::Path { field, path } => path.select(env).ok_or_else(|| {
            let input = match path.root() {
                Root::Input => env.input,
                Root::Context => env.context.context_value(),
                Root::Variable => match env.root_of(path) {
                    Some(value) => value,
                    None => return Failure::runtime(crate::intrinsics::undefined_variable(path)),
                },
            };
            Failure::runtime(format!(
                "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                path.text(),
                compact_json(input)
            ))
        }),
        Node::Intrinsic { call } => call.eval(env),
    }
}

/// JSON text as AWS quotes it inside causes (compact).
pub fn compact_json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests;
