//! ASL paths.
//!
//! Two kinds share one type, [`Path`]:
//! - *reference paths* (`$.a.b[0]`, `$['x y']`, `$.foo-bar`): a single node, read with a small
//!   parser of our own so that AWS's lenient names work and `ResultPath` can create missing
//!   fields;
//! - *JSONPath queries* with wildcards, filters, slices, unions or descent (`$.a[*].b`,
//!   `$..x`, `$.a[?(@.n > 1)]`): compiled once through `jsonpath-rust`; they always yield an
//!   array of matches.
//!
//! A path starts at the effective input (`$`), at the context object (`$$`) or at a
//! variable set by `Assign` (`$name`).

mod query;
mod reference;

use std::fmt;

use serde_json::Value;

pub use reference::Segment;

/// Where a path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `$` — the input the field applies to.
    Input,
    /// `$$` — the context object.
    Context,
    /// `$name` — a variable (see [`Path::variable`]).
    Variable,
}

/// The context object (`$$`), which the engine may build lazily.
pub trait ContextObject {
    fn context_value(&self) -> &Value;

    /// The value of variable `name` (set by `Assign`) where the path is read; `None` when
    /// no such variable is in scope.
    fn variable(&self, _name: &str) -> Option<&Value> {
        None
    }
}

impl ContextObject for Value {
    fn context_value(&self) -> &Value {
        self
    }
}

/// What paths, templates and intrinsics read from: the input and the context object.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub input: &'a Value,
    pub context: &'a dyn ContextObject,
}

impl fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("input", self.input)
            .finish_non_exhaustive()
    }
}

impl<'a> Env<'a> {
    pub fn new(input: &'a Value, context: &'a dyn ContextObject) -> Env<'a> {
        Env { input, context }
    }

    /// Where `path` starts: `None` for a variable that is not in scope.
    pub fn root_of(&self, path: &Path) -> Option<&'a Value> {
        match path.root {
            Root::Input => Some(self.input),
            Root::Context => Some(self.context.context_value()),
            Root::Variable => self.context.variable(&path.variable),
        }
    }
}

/// Why a path text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PathError {
    pub message: String,
}

impl PathError {
    fn new(message: impl Into<String>) -> PathError {
        PathError {
            message: message.into(),
        }
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Reference(Vec<Segment>),
    Query(query::Query),
}

/// A compiled ASL path.
#[derive(Clone, Debug)]
pub struct Path {
    text: String,
    root: Root,
    /// The variable name, for [`Root::Variable`] (empty otherwise).
    variable: String,
    kind: Kind,
}

impl PartialEq for Path {
    fn eq(&self, other: &Path) -> bool {
        self.text == other.text
    }
}

impl Path {
    /// Parses any path: a reference path or a JSONPath query.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let (root, variable, rest) = split_root(text)?;
        let variable = variable.to_owned();
        match reference::parse_segments(rest) {
            Ok(segments) => Ok(Path {
                text: text.to_owned(),
                root,
                variable,
                kind: Kind::Reference(segments),
            }),
            Err(reference::NotReference::Malformed(message)) => Err(PathError::new(message)),
            Err(reference::NotReference::Query) => {
                let query = query::Query::compile(rest)?;
                Ok(Path {
                    text: text.to_owned(),
                    root,
                    variable,
                    kind: Kind::Query(query),
                })
            }
        }
    }

    /// Parses a reference path: one that selects a single node (`ResultPath`, `ItemsPath`,
    /// `SecondsPath`, Choice `Variable`, …).
    pub fn parse_reference(text: &str) -> Result<Path, PathError> {
        let path = Path::parse(text)?;
        match path.kind {
            Kind::Reference(_) => Ok(path),
            Kind::Query(_) => Err(PathError::new(format!(
                "'{text}' is not a reference path: it may only use '.name', ['name'] and [index] steps"
            ))),
        }
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn root(&self) -> Root {
        self.root
    }

    /// The variable the path starts at (`$name…`), if it does.
    pub fn variable(&self) -> Option<&str> {
        (self.root == Root::Variable).then_some(self.variable.as_str())
    }

    /// True when the path selects at most one node (a reference path).
    pub fn is_definite(&self) -> bool {
        matches!(self.kind, Kind::Reference(_))
    }

    /// True for `$` alone.
    pub fn is_root(&self) -> bool {
        self.root == Root::Input && matches!(&self.kind, Kind::Reference(s) if s.is_empty())
    }

    /// The reference segments, for a reference path.
    pub fn segments(&self) -> Option<&[Segment]> {
        match &self.kind {
            Kind::Reference(s) => Some(s),
            Kind::Query(_) => None,
        }
    }

    /// The value the path selects. A reference path gives the node (`None` when it does not
    /// exist); a query gives the array of its matches, in document order.
    pub fn select(&self, env: &Env<'_>) -> Option<Value> {
        let root = env.root_of(self)?;
        match &self.kind {
            Kind::Reference(segments) => reference::get(root, segments).cloned(),
            Kind::Query(q) => Some(Value::Array(q.select(root))),
        }
    }

    /// Like [`Path::select`] but borrowing; for a query the matches are collected.
    pub fn select_ref<'v>(&self, env: &Env<'v>) -> Option<std::borrow::Cow<'v, Value>> {
        let root = env.root_of(self)?;
        match &self.kind {
            Kind::Reference(segments) => {
                reference::get(root, segments).map(std::borrow::Cow::Borrowed)
            }
            Kind::Query(q) => Some(std::borrow::Cow::Owned(Value::Array(q.select(root)))),
        }
    }

    /// The normalized form AWS prints in "No results for path" messages: `$['a'][0]`.
    pub fn normalized(&self) -> String {
        match &self.kind {
            Kind::Reference(segments) => reference::normalized(segments),
            Kind::Query(_) => self.text.clone(),
        }
    }

    /// Writes `value` at this reference path inside `target`, creating missing objects
    /// (`ResultPath`). `$` replaces the target. Fails when an existing node on the way is not
    /// an object (or an array for an index step).
    pub fn write(&self, target: Value, value: Value) -> Result<Value, Value> {
        match &self.kind {
            Kind::Reference(segments) if self.root == Root::Input => {
                reference::set(target, segments, value)
            }
            _ => Err(target),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The root of a path text, the variable name (for `$name…`, else empty) and the rest.
fn split_root(text: &str) -> Result<(Root, &str, &str), PathError> {
    if let Some(rest) = text.strip_prefix("$$") {
        Ok((Root::Context, "", rest))
    } else if let Some(rest) = text.strip_prefix('$') {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            return Ok((Root::Input, "", rest));
        }
        let (name, rest) = rest.split_at(end);
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(PathError::new(format!(
                "'{text}': a variable name must not start with a digit"
            )));
        }
        Ok((Root::Variable, name, rest))
    } else {
        Err(PathError::new(format!(
            "'{text}' is not a path: a path starts with '$' or '$$'"
        )))
    }
}

#[cfg(test)]
mod tests;
