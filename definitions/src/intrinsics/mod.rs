//! Intrinsic functions (`States.Format(...)`, `States.Array(...)`, …; JSONPath states only).
//!
//! A call is parsed once, when the definition is loaded ([`Intrinsic::parse`]): the syntax,
//! the function name, the arity, the kinds of literal arguments and of nested calls, and
//! literal values that can never work (a `States.Format` template whose `{}` count differs
//! from its values, `States.JsonMerge(…, true)`, an unknown `States.Hash` algorithm, a zero
//! step or chunk) are rejected with an [`IntrinsicError`] that names the character offset.
//! Everything else is checked when the call runs ([`Intrinsic::eval`]); every failure there is
//! `States.Runtime`, as AWS reports it, with the cause
//! `The function '<call>' had the following error: <detail>`.
//!
//! One file per family: `string` (Format, StringSplit, StringToJson, JsonToString), `array`,
//! `encoding` (Base64, Hash), `math` (MathAdd, MathRandom), `misc` (JsonMerge, UUID). The
//! text is parsed by `parser` into a `call` tree and checked by `check` against the table in
//! `signature`. Numbers and values print the way AWS's Java implementation prints them (see
//! `java`): `1`, `1.1`, `1.0E20`, and `{a=1, b=[x]}` inside `States.Format`.

mod args;
mod array;
mod call;
mod check;
mod encoding;
mod java;
mod math;
mod misc;
mod parser;
mod signature;
mod string;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;

use rand::Rng;
use serde_json::Value;

use crate::error::Failure;
use crate::path::{Env, Path, Root};
use args::{Args, Detail};
use call::{Arg, Call};
use signature::Func;

pub use parser::MAX_DEPTH;

/// A parsed intrinsic call, compiled once at definition load.
#[derive(Debug, Clone)]
pub struct Intrinsic {
    text: String,
    call: Call,
}

/// Why an intrinsic call text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid intrinsic function call at character {offset}: {message}")]
pub struct IntrinsicError {
    offset: usize,
    message: String,
}

impl IntrinsicError {
    fn new(offset: usize, message: impl Into<String>) -> IntrinsicError {
        IntrinsicError {
            offset,
            message: message.into(),
        }
    }

    /// The character (not byte) offset in the call text where the problem is.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong, without the offset.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// True when a field value is meant as an intrinsic call: it starts with `States.` (after
/// optional whitespace).
pub fn looks_like_intrinsic(text: &str) -> bool {
    text.trim_start().starts_with("States.")
}

impl Intrinsic {
    /// Parses and checks a call such as `States.Format('{} items', $.count)`.
    pub fn parse(text: &str) -> Result<Intrinsic, IntrinsicError> {
        let call = parser::parse(text)?;
        Ok(Intrinsic {
            text: text.to_owned(),
            call,
        })
    }

    /// Runs the call; `States.UUID` and unseeded `States.MathRandom` draw from the thread's
    /// random generator. Use [`Intrinsic::eval_with_rng`] to supply the randomness.
    pub fn eval(&self, env: &Env<'_>) -> Result<Value, Failure> {
        self.eval_with_rng(env, &mut rand::rng())
    }

    /// Runs the call with the given source of randomness (for `States.UUID` and unseeded
    /// `States.MathRandom`; a seeded `States.MathRandom` ignores it).
    pub fn eval_with_rng(&self, env: &Env<'_>, rng: &mut dyn Rng) -> Result<Value, Failure> {
        eval_call(&self.call, env, rng).map_err(|detail| {
            Failure::runtime(format!(
                "The function '{}' had the following error: {detail}",
                self.text.trim()
            ))
        })
    }

    /// The call as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The outer function's name, e.g. `States.Format`.
    pub fn name(&self) -> &'static str {
        self.call.func.name()
    }

    /// True for the functions that return (or, for `ArrayGetItem`, may return) a string: the
    /// ones AWS allows in a Fail state's `ErrorPath` and `CausePath`.
    pub fn returns_string(&self) -> bool {
        matches!(
            self.call.func,
            Func::Format
                | Func::JsonToString
                | Func::ArrayGetItem
                | Func::Base64Encode
                | Func::Base64Decode
                | Func::Hash
                | Func::Uuid
        )
    }
}

impl fmt::Display for Intrinsic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn eval_call(call: &Call, env: &Env<'_>, rng: &mut dyn Rng) -> Result<Value, Detail> {
    let mut values: Vec<Cow<'_, Value>> = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        values.push(match arg {
            Arg::Literal(v) => Cow::Borrowed(v),
            Arg::Str(s) => Cow::Borrowed(&s.value),
            Arg::Path(path) => path.select_ref(env).ok_or_else(|| missing(path, env))?,
            Arg::Call(inner) => Cow::Owned(eval_call(inner, env, rng)?),
        });
    }
    let refs: Vec<&Value> = values.iter().map(AsRef::as_ref).collect();
    let args = Args {
        func: call.func,
        values: &refs,
    };
    match call.func {
        Func::Format => string::format(call, &args),
        Func::StringToJson => string::string_to_json(&args),
        Func::JsonToString => string::json_to_string(&args),
        Func::StringSplit => string::split(&args),
        Func::Array => Ok(array::array(&args)),
        Func::ArrayPartition => array::partition(&args),
        Func::ArrayContains => array::contains(&args),
        Func::ArrayRange => array::range(&args),
        Func::ArrayGetItem => array::get_item(&args),
        Func::ArrayLength => array::length(&args),
        Func::ArrayUnique => array::unique(&args),
        Func::Base64Encode => encoding::encode(&args),
        Func::Base64Decode => encoding::decode(&args),
        Func::Hash => encoding::hash(&args),
        Func::JsonMerge => misc::json_merge(&args),
        Func::MathRandom => math::random(&args, rng),
        Func::MathAdd => math::add(&args),
        Func::Uuid => Ok(misc::uuid(rng)),
    }
}

/// The text for a path that names a variable not in scope.
pub fn undefined_variable(path: &Path) -> String {
    format!(
        "Invalid path '{}': The variable '{}' is not defined",
        path.text(),
        path.variable().unwrap_or_default()
    )
}

/// AWS's text for a path argument that selects nothing.
fn missing(path: &Path, env: &Env<'_>) -> Detail {
    let (what, root) = match path.root() {
        Root::Input => ("input", env.input),
        Root::Context => ("context object", env.context.context_value()),
        Root::Variable => match env.root_of(path) {
            Some(value) => ("variable", value),
            None => return undefined_variable(path),
        },
    };
    format!(
        "The JsonPath argument for the field '{}' could not be found in the {what} '{}'",
        path.text(),
        java::to_json_text(root)
    )
}
