//! `States.Array`, `ArrayPartition`, `ArrayContains`, `ArrayRange`, `ArrayGetItem`,
//! `ArrayLength` and `ArrayUnique`.
//!
//! Values compare by deep equality, where `1` and `1.0` differ (as Jackson's nodes do) and
//! object key order does not matter.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::Value;

use super::args::{Args, Detail};

/// The most items `States.ArrayRange` may produce.
pub(super) const MAX_RANGE_ITEMS: i128 = 1000;

/// `States.Array(v0, …, vn)`.
pub(super) fn array(args: &Args<'_>) -> Value {
    Value::Array(args.values.iter().map(|v| (*v).clone()).collect())
}

/// `States.ArrayPartition(array, chunk)`: chunks of `chunk` items, the last may be shorter.
pub(super) fn partition(args: &Args<'_>) -> Result<Value, Detail> {
    let items = args.array(0)?;
    let chunk = args.integer(1)?;
    if chunk <= 0 {
        return Err(format!(
            "the chunk size (argument 2 of {}) must be greater than 0, but it is {chunk}",
            args.name()
        ));
    }
    let chunk = usize::try_from(chunk).unwrap_or(usize::MAX);
    Ok(Value::Array(
        items
            .chunks(chunk)
            .map(|c| Value::Array(c.to_vec()))
            .collect(),
    ))
}

/// `States.ArrayContains(array, value)`.
pub(super) fn contains(args: &Args<'_>) -> Result<Value, Detail> {
    let items = args.array(0)?;
    let wanted = args.get(1)?;
    Ok(Value::Bool(items.iter().any(|item| item == wanted)))
}

/// `States.ArrayRange(first, last, step)`: `first`, `first + step`, … up to and including
/// `last` when a step lands on it. Negative steps count down; at most 1000 items.
pub(super) fn range(args: &Args<'_>) -> Result<Value, Detail> {
    let first = i128::from(args.integer(0)?);
    let last = i128::from(args.integer(1)?);
    let step = i128::from(args.integer(2)?);
    if step == 0 {
        return Err(format!(
            "the step (argument 3 of {}) must not be 0",
            args.name()
        ));
    }
    let count = if (step > 0 && first > last) || (step < 0 && first < last) {
        0
    } else {
        (last - first) / step + 1
    };
    if count > MAX_RANGE_ITEMS {
        return Err(format!(
            "the range would have {count} items, but {} returns at most {MAX_RANGE_ITEMS}",
            args.name()
        ));
    }
    let items = (0..count)
        .filter_map(|k| i64::try_from(first + k * step).ok())
        .map(Value::from)
        .collect();
    Ok(Value::Array(items))
}

/// `States.ArrayGetItem(array, index)`: zero-based.
pub(super) fn get_item(args: &Args<'_>) -> Result<Value, Detail> {
    let items = args.array(0)?;
    let index = args.integer(1)?;
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or_else(|| {
            format!(
                "the index {index} is out of bounds for an array of {} item{}",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            )
        })
}

/// `States.ArrayLength(array)`.
pub(super) fn length(args: &Args<'_>) -> Result<Value, Detail> {
    Ok(Value::from(args.array(0)?.len()))
}

/// `States.ArrayUnique(array)`: duplicates removed, first occurrences kept in order.
pub(super) fn unique(args: &Args<'_>) -> Result<Value, Detail> {
    let items = args.array(0)?;
    let mut kept: Vec<Value> = Vec::new();
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    for item in items {
        let bucket = buckets.entry(value_hash(item)).or_default();
        if bucket.iter().any(|&k| kept.get(k) == Some(item)) {
            continue;
        }
        bucket.push(kept.len());
        kept.push(item.clone());
    }
    Ok(Value::Array(kept))
}

/// A hash consistent with `Value`'s equality: object key order is ignored.
fn value_hash(value: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    match value {
        Value::Null => 0u8.hash(&mut h),
        Value::Bool(b) => (1u8, b).hash(&mut h),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                (2u8, u).hash(&mut h);
            } else if let Some(i) = n.as_i64() {
                (3u8, i).hash(&mut h);
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                // -0.0 == 0.0, so they must hash alike.
                let f = if f == 0.0 { 0.0 } else { f };
                (4u8, f.to_bits()).hash(&mut h);
            }
        }
        Value::String(s) => (5u8, s).hash(&mut h),
        Value::Array(items) => {
            (6u8, items.len()).hash(&mut h);
            for item in items {
                value_hash(item).hash(&mut h);
            }
        }
        Value::Object(map) => {
            let mut sum = 0u64;
            for (key, item) in map {
                let mut entry = DefaultHasher::new();
                key.hash(&mut entry);
                value_hash(item).hash(&mut entry);
                sum = sum.wrapping_add(entry.finish());
            }
            (7u8, map.len(), sum).hash(&mut h);
        }
    }
    h.finish()
}
