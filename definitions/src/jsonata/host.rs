//! One evaluation: bind the variables, install the host functions (AWS's, and the
//! deterministic replacements of `$now`, `$millis`, `$random`, `$shuffle`; `$eval` refused),
//! run jsonata-core's evaluator within the limits, convert the result.

use std::cell::Cell;
use std::rc::Rc;

use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::JValue;
use serde_json::Value;

use super::aws::{self, Rng};
use super::refs::NOW_VAR;
use super::{
    Evaluated, Jsonata, JsonataEnv, JsonataError, convert, errors, fixes, rewrite, stringify,
};

pub(super) fn evaluate(
    expr: &Jsonata,
    input: Option<&Value>,
    vars: &dyn Fn(&str) -> Option<Value>,
    env: &mut JsonataEnv,
) -> Result<Evaluated, JsonataError> {
    let mut context = Context::new();
    for name in expr.mentioned.iter() {
        if let Some(value) = vars(name) {
            context.bind(name.clone(), convert::from_json(&value)?);
        }
    }
    context.bind(NOW_VAR.to_string(), JValue::Number(env.now_millis as f64));
    let data = match input {
        Some(v) => convert::from_json(v)?,
        None => JValue::Undefined,
    };
    let limits = env.limits;
    let options = EvaluatorOptions {
        timeout_ms: Some(limits.timeout_ms),
        cancel: None,
        max_stack_depth: Some(limits.max_depth),
        max_sequence_length: Some(limits.max_sequence),
    };
    let mut evaluator = Evaluator::with_options(context, options);
    let rng = Rng(Rc::new(Cell::new(env.random_state)));
    install(&mut evaluator, &rng, limits.max_sequence, env.now_millis)?;

    // jsonata-core is not expected to panic; if it does (an overflow in a debug build), the
    // evaluation fails instead of the caller. Nothing of the evaluator survives the call.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        evaluator.evaluate(&expr.ast, &data)
    }));
    env.random_state = rng.0.get();
    let result = result.map_err(|_| {
        JsonataError::new(
            "D1001",
            "The expression could not be evaluated (internal error)",
        )
    })?;
    let value = result.map_err(|e| errors::from_evaluator(&e, &expr.ast))?;
    if convert::is_function(&value) {
        return Ok(Evaluated::Function);
    }
    Ok(match convert::to_json(&value)? {
        Some(v) => Evaluated::Value(v),
        None => Evaluated::Undefined,
    })
}

fn install(
    ev: &mut Evaluator,
    rng: &Rng,
    max_sequence: usize,
    now_millis: i64,
) -> Result<(), JsonataError> {
    let internal = |e: EvaluatorError| JsonataError::new("D1001", e.message().to_string());
    ev.register_fn("partition", aws::partition)
        .map_err(internal)?;
    ev.register_fn("range", move |args: &[JValue]| {
        aws::range(args, max_sequence)
    })
    .map_err(internal)?;
    ev.register_fn("hash", aws::hash).map_err(internal)?;
    ev.register_fn(rewrite::HOST_STRING, stringify::string)
        .map_err(internal)?;
    ev.register_fn(rewrite::HOST_STRING_VALUE, |args: &[JValue]| {
        stringify::string(&args[..args.len().min(1)])
    })
    .map_err(internal)?;
    for (name, f) in [
        (rewrite::HOST_FINITE, fixes::finite as fn(&[JValue]) -> _),
        (rewrite::HOST_ROUND_EVEN, fixes::round_even),
        (rewrite::HOST_PAD_WIDTH, fixes::pad_width),
        (rewrite::HOST_JOIN_SIZE, fixes::join_size),
        (rewrite::HOST_IMPOSSIBLE_DATE, fixes::impossible_iso_date),
        (rewrite::HOST_EXISTS, |args: &[JValue]| {
            Ok(JValue::Bool(!matches!(
                args.first(),
                None | Some(JValue::Undefined)
            )))
        }),
        (rewrite::HOST_ENCODE_URL, fixes::encode_url),
        (rewrite::HOST_DECODE_URL, fixes::decode_url),
        (
            rewrite::HOST_DECODE_URL_COMPONENT,
            fixes::decode_url_component,
        ),
        ("clone", fixes::clone),
    ] {
        ev.register_fn(name, f).map_err(internal)?;
    }
    ev.register_fn(rewrite::HOST_NUMBER_CHECK, rewrite::number_check)
        .map_err(internal)?;
    ev.register_fn("parse", aws::parse).map_err(internal)?;
    let r = rng.clone();
    ev.register_fn("uuid", move |args: &[JValue]| aws::uuid(args, &r))
        .map_err(internal)?;
    let r = rng.clone();
    ev.register_fn_override("random", move |args: &[JValue]| aws::random(args, &r))
        .map_err(internal)?;
    let r = rng.clone();
    ev.register_fn_override("shuffle", move |args: &[JValue]| aws::shuffle(args, &r))
        .map_err(internal)?;
    // Direct calls of $now(…)/$millis() were rewritten at parse time (refs::prepare); these
    // serve the functions passed as values (`$map([1], $millis)`).
    ev.register_fn_override("millis", move |_: &[JValue]| {
        Ok(JValue::Number(now_millis as f64))
    })
    .map_err(internal)?;
    ev.register_fn_override("now", move |_: &[JValue]| {
        let time = chrono::DateTime::from_timestamp_millis(now_millis).unwrap_or_default();
        Ok(JValue::string(
            time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ))
    })
    .map_err(internal)?;
    ev.register_fn_override("eval", |_: &[JValue]| {
        Err(EvaluatorError::TypeError(
            "T1006: Attempted to invoke a non-function".to_string(),
        ))
    })
    .map_err(internal)?;
    Ok(())
}
