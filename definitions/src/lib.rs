//! The Amazon States Language, as Baton understands it: model, parser, validator, paths,
//! payload templates, intrinsic functions, Choice rules and Retry/Catch.
//!
//! Dependency rule: this crate is a leaf. It does no I/O, has no async code and depends on
//! no other Baton crate. Everything here is a pure function of its arguments.

pub mod choice;
pub mod diagnostics;
pub mod error;
pub mod intrinsics;
pub mod jsonata;
pub mod jsonata_lang;
pub mod model;
pub mod parse;
pub mod path;
pub mod pipeline;
pub mod retry;
pub mod source;
pub mod suggest;
pub mod template;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
pub mod time;
mod validate;
pub mod variable_refs;

pub use diagnostics::{Anchor, Code, Diagnostic, Diagnostics, Loc, Severity};
pub use error::{ErrorName, Failure};
pub use model::{State, StateKind, StateMachine};
pub use parse::{Definition, parse_definition, parse_value};
pub use path::{ContextObject, Env, Path, PathError, Root};
pub use template::Template;
