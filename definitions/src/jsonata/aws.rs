//! The functions AWS adds to JSONata: `$partition`, `$range`, `$hash`, `$random([seed])`,
//! `$uuid`, `$parse` (DG "Transforming data with JSONata", "JSONata functions provided by
//! Step Functions"). `$random` and `$uuid` draw from the evaluation's [`Rng`]; everything
//! else is a pure function of its arguments.
//!
//! AWS documents what they compute, not their error texts: argument errors use jsonata-js's
//! `T0410` wording; the others are described in their messages.

use std::cell::Cell;
use std::rc::Rc;

use jsonata_core::evaluator::EvaluatorError;
use jsonata_core::value::JValue;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::convert;

/// Names of the AWS functions, and of JSONata's own built-ins: never user variables.
pub(super) fn is_function_name(name: &str) -> bool {
    AWS_FUNCTIONS.contains(&name) || BUILTINS.contains(&name)
}

pub(super) const AWS_FUNCTIONS: [&str; 6] =
    ["partition", "range", "hash", "random", "uuid", "parse"];

/// jsonata-js 2.0.6's built-in functions.
const BUILTINS: &[&str] = &[
    "sum",
    "count",
    "max",
    "min",
    "average",
    "string",
    "substring",
    "substringBefore",
    "substringAfter",
    "lowercase",
    "uppercase",
    "length",
    "trim",
    "pad",
    "match",
    "contains",
    "replace",
    "split",
    "join",
    "formatNumber",
    "formatBase",
    "formatInteger",
    "parseInteger",
    "number",
    "floor",
    "ceil",
    "round",
    "abs",
    "sqrt",
    "power",
    "random",
    "boolean",
    "not",
    "map",
    "zip",
    "filter",
    "single",
    "reduce",
    "sift",
    "keys",
    "lookup",
    "append",
    "exists",
    "spread",
    "merge",
    "reverse",
    "each",
    "error",
    "assert",
    "type",
    "sort",
    "shuffle",
    "distinct",
    "base64encode",
    "base64decode",
    "encodeUrlComponent",
    "encodeUrl",
    "decodeUrlComponent",
    "decodeUrl",
    "eval",
    "toMillis",
    "fromMillis",
    "clone",
    "now",
    "millis",
];

/// A splitmix64 generator over a state shared with the evaluation's [`JsonataEnv`]
/// (`super::JsonataEnv`).
#[derive(Clone)]
pub(super) struct Rng(pub(super) Rc<Cell<u64>>);

impl Rng {
    pub(super) fn next_u64(&self) -> u64 {
        let state = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(state);
        mix(state)
    }

    /// A double in [0, 1).
    pub(super) fn next_f64(&self) -> f64 {
        unit(self.next_u64())
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

pub(super) fn signature_error(function: &str, arg: usize) -> EvaluatorError {
    EvaluatorError::TypeError(format!(
        "T0410: Argument {arg} of function \"{function}\" does not match function signature"
    ))
}

fn error(code: &str, message: String) -> EvaluatorError {
    EvaluatorError::EvaluationError(format!("{code}: {message}"))
}

fn integer_arg(args: &[JValue], i: usize, function: &str) -> Result<i64, EvaluatorError> {
    match args.get(i) {
        Some(JValue::Number(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(*n as i64),
        Some(JValue::Number(_)) => Err(error(
            "D3137",
            format!(
                "Argument {} of function \"{function}\" must be an integer",
                i + 1
            ),
        )),
        _ => Err(signature_error(function, i + 1)),
    }
}

fn too_many(args: &[JValue], max: usize, function: &str) -> Result<(), EvaluatorError> {
    if args.len() > max {
        return Err(signature_error(function, max + 1));
    }
    Ok(())
}

/// `$partition(array, size)`: the array in chunks of `size` items, the last one shorter.
pub(super) fn partition(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    too_many(args, 2, "partition")?;
    let items: Vec<JValue> = match args.first() {
        Some(JValue::Array(items)) => items.to_vec(),
        Some(JValue::Undefined) | None => return Ok(JValue::Undefined),
        Some(other) if !convert::is_function(other) => vec![other.clone()],
        Some(_) => return Err(signature_error("partition", 1)),
    };
    let size = integer_arg(args, 1, "partition")?;
    if size <= 0 {
        return Err(error(
            "D3137",
            "Argument 2 of function \"partition\" must be a positive integer".to_string(),
        ));
    }
    let chunks = items
        .chunks(size as usize)
        .map(|c| JValue::array(c.to_vec()))
        .collect();
    Ok(JValue::array(chunks))
}

/// `$range(start, end, step)`: `start`, `start+step`, … up to and including `end` (AWS's
/// examples include the end, whatever its prose says), at most `max_items` numbers.
pub(super) fn range(args: &[JValue], max_items: usize) -> Result<JValue, EvaluatorError> {
    too_many(args, 3, "range")?;
    let start = integer_arg(args, 0, "range")?;
    let end = integer_arg(args, 1, "range")?;
    let step = if args.len() > 2 {
        integer_arg(args, 2, "range")?
    } else {
        1
    };
    if step == 0 {
        return Err(error(
            "D3137",
            "Argument 3 of function \"range\" must not be 0".to_string(),
        ));
    }
    let count = if (step > 0 && end < start) || (step < 0 && end > start) {
        0
    } else {
        ((end - start) / step) as u64 + 1
    };
    if count > max_items as u64 {
        return Err(error(
            "D2014",
            format!(
                "The size of the sequence allocated by the range operator (..) must not exceed {max_items}.  Attempted to allocate {count}."
            ),
        ));
    }
    let items = (0..count as i64)
        .map(|i| JValue::Number((start + i * step) as f64))
        .collect();
    Ok(JValue::array(items))
}

/// `$hash(string, algorithm)`: the lowercase hex digest (MD5, SHA-1, SHA-256, SHA-384,
/// SHA-512) of the string's UTF-8 bytes.
pub(super) fn hash(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    too_many(args, 2, "hash")?;
    let data = match args.first() {
        Some(JValue::String(s)) => s.clone(),
        Some(JValue::Undefined) | None => return Ok(JValue::Undefined),
        Some(_) => return Err(signature_error("hash", 1)),
    };
    let algorithm = match args.get(1) {
        Some(JValue::String(s)) => s.clone(),
        _ => return Err(signature_error("hash", 2)),
    };
    let bytes = data.as_bytes();
    let digest = match &*algorithm {
        "MD5" => Md5::digest(bytes).to_vec(),
        "SHA-1" => Sha1::digest(bytes).to_vec(),
        "SHA-256" => Sha256::digest(bytes).to_vec(),
        "SHA-384" => Sha384::digest(bytes).to_vec(),
        "SHA-512" => Sha512::digest(bytes).to_vec(),
        other => {
            return Err(error(
                "D3137",
                format!(
                    "Unsupported hash algorithm \"{other}\": use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
                ),
            ));
        }
    };
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(JValue::string(hex))
}

/// `$random([seed])`: a number in [0, 1). Without a seed it draws from the evaluation's
/// generator; with one it is a fixed function of the seed (the same seed gives the same
/// number; AWS's numbers for a seed are not reproduced).
pub(super) fn random(args: &[JValue], rng: &Rng) -> Result<JValue, EvaluatorError> {
    too_many(args, 1, "random")?;
    match args.first() {
        None | Some(JValue::Undefined) => Ok(JValue::Number(rng.next_f64())),
        Some(JValue::Number(seed)) => {
            let seed = if *seed == 0.0 { 0 } else { seed.to_bits() };
            Ok(JValue::Number(unit(mix(
                seed.wrapping_add(0x9E37_79B9_7F4A_7C15)
            ))))
        }
        Some(_) => Err(signature_error("random", 1)),
    }
}

/// `$uuid()`: a version-4 UUID from the evaluation's generator.
pub(super) fn uuid(args: &[JValue], rng: &Rng) -> Result<JValue, EvaluatorError> {
    too_many(args, 0, "uuid")?;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    Ok(JValue::string(id.hyphenated().to_string()))
}

/// `$parse(jsonString)`: the JSON value the string holds.
pub(super) fn parse(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    too_many(args, 1, "parse")?;
    let text = match args.first() {
        Some(JValue::String(s)) => s.clone(),
        Some(JValue::Undefined) | None => return Ok(JValue::Undefined),
        Some(_) => return Err(signature_error("parse", 1)),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        error(
            "D3140",
            format!("Argument 1 of function \"parse\" is not valid JSON: {e}"),
        )
    })?;
    convert::from_json(&value).map_err(|e| error(&e.code, e.message))
}

/// `$shuffle(array)` (jsonata-js's, with the evaluation's generator instead of
/// `Math.random`): the items in a random order.
pub(super) fn shuffle(args: &[JValue], rng: &Rng) -> Result<JValue, EvaluatorError> {
    too_many(args, 1, "shuffle")?;
    let mut items: Vec<JValue> = match args.first() {
        Some(JValue::Undefined) | None => return Ok(JValue::Undefined),
        Some(JValue::Array(items)) => items.to_vec(),
        Some(other) => vec![other.clone()],
    };
    if items.len() <= 1 {
        return Ok(JValue::array(items));
    }
    // jsonata-js's "inside-out" Fisher-Yates, so that the same generator gives the same order.
    let mut out: Vec<JValue> = Vec::with_capacity(items.len());
    for (i, item) in items.drain(..).enumerate() {
        let j = (rng.next_f64() * (i + 1) as f64) as usize;
        if j == i {
            out.push(item);
        } else {
            let moved = std::mem::replace(&mut out[j], item);
            out.push(moved);
        }
    }
    items = out;
    Ok(JValue::array(items))
}
