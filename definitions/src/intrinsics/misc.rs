//! `States.JsonMerge` and `States.UUID`.

use rand::Rng;
use serde_json::Value;

use super::args::{Args, Detail};

/// `States.JsonMerge(a, b, false)`: a shallow merge where `b`'s keys replace `a`'s (keeping
/// `a`'s key order, new keys after). AWS supports only `false` for the third argument.
pub(super) fn json_merge(args: &Args<'_>) -> Result<Value, Detail> {
    let left = args.object(0)?;
    let right = args.object(1)?;
    if args.boolean(2)? {
        return Err(format!(
            "deep merge is not supported: argument 3 of {} must be false",
            args.name()
        ));
    }
    let mut merged = left.clone();
    for (key, value) in right {
        merged.insert(key.clone(), value.clone());
    }
    Ok(Value::Object(merged))
}

/// `States.UUID()`: a version 4 UUID, lowercase and hyphenated.
pub(super) fn uuid(rng: &mut dyn Rng) -> Value {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    Value::String(
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string(),
    )
}
