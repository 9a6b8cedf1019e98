//! The parsed form of a call: a function and its arguments as written.

use serde_json::Value;

use super::signature::Func;
use crate::path::Path;

/// One parsed call.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) func: Func,
    pub(super) args: Vec<Arg>,
}

/// One argument as written.
#[derive(Debug, Clone)]
pub(super) enum Arg {
    /// A number, `true`, `false` or `null`.
    Literal(Value),
    /// A quoted string.
    Str(StrLit),
    Path(Path),
    Call(Box<Call>),
}

/// A quoted string: its value, and its pieces when used as a `States.Format` template
/// (escaped braces are text, never placeholders).
#[derive(Debug, Clone)]
pub(super) struct StrLit {
    /// Always a `Value::String`.
    pub(super) value: Value,
    pub(super) template: Vec<Piece>,
}

/// A part of a `States.Format` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    /// `{}`.
    Hole,
}

impl StrLit {
    pub(super) fn holes(&self) -> usize {
        self.template.iter().filter(|p| **p == Piece::Hole).count()
    }
}
