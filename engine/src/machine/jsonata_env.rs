//! The evaluator's environment from the pure core's `Input` (time and randomness are
//! inputs, never read inside the core).

use baton_definitions::jsonata::JsonataEnv;

/// `now_ms` and the event's uniform random number in `[0, 1)`.
pub(super) fn new(now_ms: i64, random: f64) -> JsonataEnv {
    JsonataEnv::new(now_ms, (random * u64::MAX as f64) as u64)
}
