//! The checks made once, when a definition is loaded: arity, the kinds of literal arguments
//! and of nested calls' results, and literal values that can never work.

use serde_json::Value;

use super::call::{Arg, Call};
use super::encoding::HashAlgorithm;
use super::signature::{Func, Kind};

/// Checks a call's arguments: arity, literal kinds, nested result kinds and the literal values
/// that can never work. Errors carry the character offset of the offending argument.
pub(super) fn check(
    call: &Call,
    offset: usize,
    arg_offsets: &[usize],
) -> Result<(), (usize, String)> {
    let func = call.func;
    let (min, max) = func.arity();
    let n = call.args.len();
    if n < min || max.is_some_and(|max| n > max) {
        let wanted = match max {
            Some(max) if max == min => format!("exactly {min}"),
            Some(max) => format!("{min} to {max}"),
            None => format!("at least {min}"),
        };
        let s = if wanted == "exactly 1" { "" } else { "s" };
        let were = if n == 1 { "was" } else { "were" };
        return Err((
            offset,
            format!(
                "{} takes {wanted} argument{s}, but {n} {were} given",
                func.name()
            ),
        ));
    }
    for (i, arg) in call.args.iter().enumerate() {
        let at = arg_offsets.get(i).copied().unwrap_or(offset);
        check_arg(func, i, arg).map_err(|m| (at, m))?;
    }
    check_values(call).map_err(|(i, m)| (arg_offsets.get(i).copied().unwrap_or(offset), m))
}

fn check_arg(func: Func, i: usize, arg: &Arg) -> Result<(), String> {
    let expected = func.param(i);
    let position = i + 1;
    if func == Func::JsonToString && !matches!(arg, Arg::Path(_)) {
        return Err("the argument of States.JsonToString must be a path".to_owned());
    }
    let (given, what) = match arg {
        Arg::Path(_) => return Ok(()),
        Arg::Call(inner) => (
            inner.func.returns(),
            format!("{} returns", inner.func.name()),
        ),
        Arg::Str(_) => (Kind::String, "the literal is".to_owned()),
        Arg::Literal(v) => match v {
            Value::Null if expected != Kind::Any => {
                return Err(format!(
                    "argument {position} of {} must be {}, but it is null",
                    func.name(),
                    expected.describe()
                ));
            }
            Value::Null => return Ok(()),
            Value::Bool(_) => (Kind::Boolean, "the literal is".to_owned()),
            Value::Number(n) if n.is_f64() && expected == Kind::Integer => match n.as_f64() {
                Some(f) if f.fract() == 0.0 => (Kind::Integer, "the literal is".to_owned()),
                _ => (Kind::Number, "the literal is".to_owned()),
            },
            Value::Number(n) if n.is_f64() => (Kind::Number, "the literal is".to_owned()),
            Value::Number(_) => (Kind::Integer, "the literal is".to_owned()),
            _ => return Ok(()),
        },
    };
    if expected.accepts(given) {
        Ok(())
    } else {
        Err(format!(
            "argument {position} of {} must be {}, but {what} {}",
            func.name(),
            expected.describe(),
            given.describe()
        ))
    }
}

/// Literal values that are of the right kind but can never be accepted.
fn check_values(call: &Call) -> Result<(), (usize, String)> {
    let lit = |i: usize| match call.args.get(i) {
        Some(Arg::Literal(v)) => Some(v),
        Some(Arg::Str(s)) => Some(&s.value),
        _ => None,
    };
    let int = |i: usize| lit(i).and_then(Value::as_f64);
    match call.func {
        Func::Format => {
            if let Some(Arg::Str(template)) = call.args.first() {
                let holes = template.holes();
                let values = call.args.len().saturating_sub(1);
                if holes != values {
                    return Err((
                        0,
                        format!(
                            "the States.Format template has {holes} placeholder{} '{{}}', but {values} value{} given",
                            if holes == 1 { "" } else { "s" },
                            if values == 1 { " was" } else { "s were" }
                        ),
                    ));
                }
            }
        }
        Func::Hash => {
            if let Some(Value::String(name)) = lit(1) {
                HashAlgorithm::parse(name).map_err(|m| (1, m))?;
            }
        }
        Func::JsonMerge if lit(2) == Some(&Value::Bool(true)) => {
            return Err((
                2,
                "deep merge is not supported: the third argument of States.JsonMerge must be false"
                    .to_owned(),
            ));
        }
        Func::ArrayRange if int(2) == Some(0.0) => {
            return Err((2, "the step of States.ArrayRange must not be 0".to_owned()));
        }
        Func::ArrayPartition if int(1).is_some_and(|c| c <= 0.0) => {
            return Err((
                1,
                "the chunk size of States.ArrayPartition must be greater than 0".to_owned(),
            ));
        }
        Func::ArrayGetItem if int(1).is_some_and(|i| i < 0.0) => {
            return Err((
                1,
                "the index of States.ArrayGetItem must not be negative".to_owned(),
            ));
        }
        _ => {}
    }
    Ok(())
}
