//! Members of request bodies as the OpenAPI document states them: JSON Schema's `integer`
//! takes `3.0` as well as `3`, so integer members take both; optional members may be
//! absent but not `null`.

use serde::{Deserialize, Deserializer};

/// The largest version number a route takes (the document's `int32`).
pub const MAX_VERSION: u32 = i32::MAX as u32;

fn whole<'de, D: Deserializer<'de>>(value: f64) -> Result<u32, D::Error> {
    if value.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&value) {
        return Err(serde::de::Error::custom(format!(
            "{value} is not a whole number from 0 to {}",
            u32::MAX
        )));
    }
    Ok(value as u32)
}

/// A `u32` written as `3` or `3.0`.
pub fn whole_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    whole::<D>(f64::deserialize(d)?)
}

/// An optional [`whole_u32`] (with `#[serde(default)]`): absent is `None`, `null` is
/// refused, as the document has no nullable members.
pub fn whole_u32_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    whole_u32(d).map(Some)
}

/// An optional member (with `#[serde(default)]`): absent is `None`, `null` is refused.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct T {
        #[serde(deserialize_with = "whole_u32")]
        n: u32,
    }

    #[test]
    fn integral_floats_are_whole_numbers() {
        let n = |text: &str| serde_json::from_str::<T>(text).map(|t| t.n);
        assert_eq!(n(r#"{"n": 3}"#).unwrap(), 3);
        assert_eq!(n(r#"{"n": 270203.0}"#).unwrap(), 270_203);
        assert!(n(r#"{"n": 2.5}"#).is_err());
        assert!(n(r#"{"n": -1}"#).is_err());
        assert!(n(r#"{"n": "3"}"#).is_err());
    }

    #[derive(Debug, Default, Deserialize)]
    struct O {
        #[serde(default, deserialize_with = "present")]
        s: Option<String>,
    }

    #[test]
    fn optional_members_are_not_null() {
        assert_eq!(serde_json::from_str::<O>("{}").unwrap().s, None);
        assert_eq!(
            serde_json::from_str::<O>(r#"{"s": "x"}"#)
                .unwrap()
                .s
                .as_deref(),
            Some("x")
        );
        assert!(serde_json::from_str::<O>(r#"{"s": null}"#).is_err());
    }
}
