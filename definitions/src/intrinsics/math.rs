//! `States.MathAdd` and `States.MathRandom`.
//!
//! Non-integer arguments are rounded to the nearest integer, halves towards positive
//! infinity, as Java's `Math.round` does: the corpus has `1.5 → 2`, `-1.5 → -1`,
//! `-2.5 → -2`, `2.5 → 3`.

use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use serde_json::Value;

use super::args::{Args, Detail};

/// Java's `Math.round` for doubles, or `None` when the result does not fit in an `i64`.
pub(super) fn java_round(f: f64) -> Option<i64> {
    if !f.is_finite() {
        return None;
    }
    let floor = f.floor();
    // `f - floor` is exact for every finite double.
    let rounded = if f - floor >= 0.5 { floor + 1.0 } else { floor };
    // 2^63 is exactly representable; everything in [-2^63, 2^63) converts exactly.
    if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&rounded) {
        #[allow(clippy::cast_possible_truncation)]
        Some(rounded as i64)
    } else {
        None
    }
}

/// `States.MathAdd(a, b)`: the sum of the two rounded arguments.
pub(super) fn add(args: &Args<'_>) -> Result<Value, Detail> {
    let a = args.rounded(0)?;
    let b = args.rounded(1)?;
    a.checked_add(b)
        .map(Value::from)
        .ok_or_else(|| format!("the sum of {a} and {b} is out of range"))
}

/// `States.MathRandom(start, end[, seed])`: an integer in `[start, end)` (start inclusive,
/// end exclusive, as the AWS guide says); `start` when the two are equal. The same seed
/// always gives the same number (for a given Baton build).
pub(super) fn random(args: &Args<'_>, rng: &mut dyn Rng) -> Result<Value, Detail> {
    let start = args.rounded(0)?;
    let end = args.rounded(1)?;
    let seed = if args.len() > 2 {
        Some(args.rounded(2)?)
    } else {
        None
    };
    if start > end {
        return Err(format!(
            "the start ({start}) of {} must not be greater than its end ({end})",
            args.name()
        ));
    }
    if start == end {
        return Ok(Value::from(start));
    }
    let n = match seed {
        Some(seed) => StdRng::seed_from_u64(seed.cast_unsigned()).random_range(start..end),
        None => rng.random_range(start..end),
    };
    Ok(Value::from(n))
}
