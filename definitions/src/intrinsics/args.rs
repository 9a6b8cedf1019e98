//! Typed access to evaluated arguments, with the error texts for wrong types.

use serde_json::{Map, Value};

use super::java::describe;
use super::math::java_round;
use super::signature::{Func, Kind};

/// The evaluated arguments of one call.
pub(super) struct Args<'a> {
    pub(super) func: Func,
    pub(super) values: &'a [&'a Value],
}

/// Failure detail of one function; becomes the text after "had the following error: ".
pub(super) type Detail = String;

impl<'a> Args<'a> {
    pub(super) fn name(&self) -> &'static str {
        self.func.name()
    }

    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    pub(super) fn get(&self, i: usize) -> Result<&'a Value, Detail> {
        self.values
            .get(i)
            .copied()
            .ok_or_else(|| format!("{} is missing its argument {}", self.name(), i + 1))
    }

    /// "argument 2 of States.X must be an integer, but it is the string "a""
    pub(super) fn wrong(&self, i: usize, expected: &str, value: &Value) -> Detail {
        format!(
            "argument {} of {} must be {expected}, but it is {}",
            i + 1,
            self.name(),
            describe(value)
        )
    }

    fn wrong_kind(&self, i: usize, value: &Value) -> Detail {
        self.wrong(i, self.func.param(i).describe(), value)
    }

    pub(super) fn string(&self, i: usize) -> Result<&'a str, Detail> {
        let v = self.get(i)?;
        v.as_str()
            .ok_or_else(|| self.wrong(i, Kind::String.describe(), v))
    }

    pub(super) fn array(&self, i: usize) -> Result<&'a Vec<Value>, Detail> {
        let v = self.get(i)?;
        v.as_array().ok_or_else(|| self.wrong_kind(i, v))
    }

    pub(super) fn object(&self, i: usize) -> Result<&'a Map<String, Value>, Detail> {
        let v = self.get(i)?;
        v.as_object().ok_or_else(|| self.wrong_kind(i, v))
    }

    pub(super) fn boolean(&self, i: usize) -> Result<bool, Detail> {
        let v = self.get(i)?;
        v.as_bool().ok_or_else(|| self.wrong_kind(i, v))
    }

    /// A whole number (`2` or `2.0`) that fits in 64 bits.
    pub(super) fn integer(&self, i: usize) -> Result<i64, Detail> {
        let v = self.get(i)?;
        let n = v
            .as_number()
            .ok_or_else(|| self.wrong(i, "an integer", v))?;
        if let Some(i) = n.as_i64() {
            return Ok(i);
        }
        match n.as_f64() {
            Some(f)
                if f.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) =>
            {
                // In range and whole, so the cast is exact.
                #[allow(clippy::cast_possible_truncation)]
                Ok(f as i64)
            }
            Some(f) if f.fract() == 0.0 || n.is_u64() => Err(format!(
                "argument {} of {} is out of range: {}",
                i + 1,
                self.name(),
                describe(v)
            )),
            _ => Err(self.wrong(i, "an integer", v)),
        }
    }

    /// A number rounded to the nearest integer, half up (Java's `Math.round`).
    pub(super) fn rounded(&self, i: usize) -> Result<i64, Detail> {
        let v = self.get(i)?;
        let n = v.as_number().ok_or_else(|| self.wrong(i, "a number", v))?;
        if let Some(i) = n.as_i64() {
            return Ok(i);
        }
        n.as_f64().and_then(java_round).ok_or_else(|| {
            format!(
                "argument {} of {} is out of range: {}",
                i + 1,
                self.name(),
                describe(v)
            )
        })
    }
}
