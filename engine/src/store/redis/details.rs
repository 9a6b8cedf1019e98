//! How the details of a stored history event are written: a JSON array of pairs
//! `[key, value, …]` instead of AWS's object, to keep the bytes of every event of every
//! execution (kept until it expires) and of every commit small.
//!
//! A key is its number in [`DETAIL_KEYS`] when it is there, else its name. A string value
//! that is itself JSON text (an `input`, `output` or `parameters`: AWS's details hold them as
//! strings) is written as that JSON, not as a string of it with every quote escaped; its
//! key is then written `-1 - number`. The text is kept byte for byte (it is embedded only
//! when it is exactly one JSON value without surrounding whitespace), so it reads back as
//! the same string. Details that are not an object are written `[null, details]` (null as
//! null). Details written as an object (by earlier versions) are still read.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::machine::{DETAIL_KEYS, Details, Io, StateDetails, detail_key_code};

/// The numbers of the keys of a state's details in [`DETAIL_KEYS`] (a test checks them).
const NAME: i64 = 0;
const INPUT: i64 = 1;
const OUTPUT: i64 = 2;
const ASSIGNED: i64 = 14;

/// The stored form of an event's details (see the module's comment).
pub(super) struct StoredDetails<'a>(pub &'a Details);

/// The stored form of details held as a [`Value`].
struct StoredValue<'a>(&'a Value);

/// Whether JSON text is a kind that is written embedded: an object, array or string.
fn embeds(text: &str) -> bool {
    text.starts_with(['{', '[', '"'])
}

/// `text` as one embedded JSON value, when that keeps it byte for byte.
fn embeddable(text: &str) -> Option<&RawValue> {
    if !embeds(text) {
        return None;
    }
    let raw: &RawValue = serde_json::from_str(text).ok()?;
    (raw.get().len() == text.len()).then_some(raw)
}

impl Serialize for StoredDetails<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Details::Value(value) => StoredValue(value).serialize(s),
            Details::State(state) => stored_state(state, s),
        }
    }
}

/// A state's details, as [`StoredValue`] writes their object (keys in the same order, the
/// same bytes) without building it: their text is compact JSON already, so it is embedded
/// whenever [`embeds`] says so, without `embeddable`'s parse.
fn stored_state<S: Serializer>(state: &StateDetails, s: S) -> Result<S::Ok, S::Error> {
    let pairs = 2 + usize::from(state.assigned.is_some());
    let mut seq = s.serialize_seq(Some(2 * pairs))?;
    string_pair(&mut seq, NAME, &state.name)?;
    let code = match state.io {
        Io::Input => INPUT,
        Io::Output => OUTPUT,
    };
    let text = state.text.get();
    if embeds(text) {
        seq.serialize_element(&(-1 - code))?;
        seq.serialize_element(&*state.text)?;
    } else {
        seq.serialize_element(&code)?;
        seq.serialize_element(text)?;
    }
    if let Some(assigned) = &state.assigned {
        match assigned.as_str() {
            Some(text) => string_pair(&mut seq, ASSIGNED, text)?,
            None => {
                seq.serialize_element(&ASSIGNED)?;
                seq.serialize_element(assigned)?;
            }
        }
    }
    seq.end()
}

/// Key `code` with the string `text`, as [`StoredValue`] writes them: embedded when `text`
/// is JSON text kept byte for byte (a state may be named `""` or `{}`).
fn string_pair<S: SerializeSeq>(seq: &mut S, code: i64, text: &str) -> Result<(), S::Error> {
    match embeddable(text) {
        Some(raw) => {
            seq.serialize_element(&(-1 - code))?;
            seq.serialize_element(raw)
        }
        None => {
            seq.serialize_element(&code)?;
            seq.serialize_element(text)
        }
    }
}

impl Serialize for StoredValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Value::Object(map) = self.0 else {
            if self.0.is_null() {
                return s.serialize_unit();
            }
            let mut seq = s.serialize_seq(Some(2))?;
            seq.serialize_element(&())?;
            seq.serialize_element(self.0)?;
            return seq.end();
        };
        let mut seq = s.serialize_seq(Some(2 * map.len()))?;
        for (key, value) in map {
            let Some(code) = detail_key_code(key) else {
                seq.serialize_element(key)?;
                seq.serialize_element(value)?;
                continue;
            };
            match value.as_str().and_then(embeddable) {
                Some(raw) => {
                    seq.serialize_element(&(-1 - code as i64))?;
                    seq.serialize_element(raw)?;
                }
                None => {
                    seq.serialize_element(&code)?;
                    seq.serialize_element(value)?;
                }
            }
        }
        seq.end()
    }
}

/// Details read back: the stored pairs, or whatever earlier versions stored.
pub(super) struct ReadDetails(pub Value);

impl<'de> Deserialize<'de> for ReadDetails {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ReadDetails, D::Error> {
        d.deserialize_any(DetailsVisitor)
    }
}

/// A stored key: a number in [`DETAIL_KEYS`] (negative: its value is embedded JSON text),
/// a name, or null (the value is the whole details).
enum Key {
    Code(i64),
    Name(String),
    Whole,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_i64()
                .map(Key::Code)
                .ok_or_else(|| de::Error::custom("a detail key number")),
            Value::String(s) => Ok(Key::Name(s)),
            Value::Null => Ok(Key::Whole),
            _ => Err(de::Error::custom("a detail key")),
        }
    }
}

struct DetailsVisitor;

impl<'de> Visitor<'de> for DetailsVisitor {
    type Value = ReadDetails;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the details of a stored history event")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ReadDetails, A::Error> {
        let mut map = Map::new();
        let missing = || de::Error::custom("a detail key without its value");
        while let Some(key) = seq.next_element::<Key>()? {
            let (name, value) = match key {
                Key::Whole if map.is_empty() => {
                    let whole: Value = seq.next_element()?.ok_or_else(missing)?;
                    if seq.next_element::<de::IgnoredAny>()?.is_some() {
                        return Err(de::Error::custom("details after the whole details"));
                    }
                    return Ok(ReadDetails(whole));
                }
                Key::Whole => return Err(de::Error::custom("a null detail key")),
                Key::Name(name) => (name, seq.next_element::<Value>()?.ok_or_else(missing)?),
                Key::Code(code) if code >= 0 => {
                    let value = seq.next_element::<Value>()?.ok_or_else(missing)?;
                    (known(code)?, value)
                }
                Key::Code(code) => {
                    let raw = seq.next_element::<Box<RawValue>>()?.ok_or_else(missing)?;
                    (known(-1 - code)?, Value::String(raw.get().to_owned()))
                }
            };
            map.insert(name, value);
        }
        Ok(ReadDetails(Value::Object(map)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ReadDetails, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(ReadDetails)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ReadDetails, E> {
        Ok(ReadDetails(Value::String(v.to_owned())))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<ReadDetails, E> {
        Ok(ReadDetails(Value::Bool(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ReadDetails, E> {
        Ok(ReadDetails(v.into()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ReadDetails, E> {
        Ok(ReadDetails(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ReadDetails, E> {
        Ok(ReadDetails(v.into()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<ReadDetails, E> {
        Ok(ReadDetails(Value::Null))
    }
}

/// The name of key number `code`.
fn known<E: de::Error>(code: i64) -> Result<String, E> {
    usize::try_from(code)
        .ok()
        .and_then(|c| DETAIL_KEYS.get(c))
        .map(|k| k.to_string())
        .ok_or_else(|| E::custom(format!("unknown detail key {code}")))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn round_trip(details: &Value) -> String {
        let text = serde_json::to_string(&StoredValue(details)).unwrap();
        let back: ReadDetails = serde_json::from_str(&text).unwrap();
        assert_eq!(&back.0, details, "{text}");
        // Same keys in the same order.
        if let (Value::Object(a), Value::Object(b)) = (&back.0, details) {
            assert!(a.keys().eq(b.keys()), "{text}");
        }
        text
    }

    #[test]
    fn details_round_trip_in_their_short_form() {
        let scheduled = json!({
            "resourceType": "callback",
            "resource": "waitForTaskToken",
            "region": "us-east-1",
            "parameters": "{\"order\":12345,\"customer\":\"c-1\"}",
            "heartbeatInSeconds": 86400,
        });
        assert_eq!(
            round_trip(&scheduled),
            r#"[6,"callback",5,"waitForTaskToken",17,"us-east-1",-8,{"order":12345,"customer":"c-1"},16,86400]"#
        );
        // A key not in the table keeps its name; JSON text under it stays a string.
        assert_eq!(
            round_trip(&json!({"somethingNew": "{\"a\":1}", "name": "A"})),
            r#"["somethingNew","{\"a\":1}",0,"A"]"#
        );
        // Text that is not exactly one JSON value stays a string.
        for text in [
            "{\"a\":1} ",
            " {\"a\":1}",
            "{\"a\":1}{}",
            "{\"a\":",
            "[1,2",
            "\"x\"y",
            "plain words",
            "12",
            "",
        ] {
            let details = json!({ "cause": text });
            let stored = round_trip(&details);
            assert!(stored.starts_with("[4,\""), "{text:?}: {stored}");
        }
        // JSON text is kept byte for byte: spacing, escapes, key order, number spelling.
        for text in [
            r#"{"b": 1, "a": [1.0, 1e3, -0]}"#,
            r#"{"u":"\u00e9\n\"","z":{}}"#,
            r#""just a string""#,
            r#"[[[[[]]]]]"#,
        ] {
            let stored = round_trip(&json!({ "output": text }));
            assert!(stored.starts_with("[-3,"), "{text:?}: {stored}");
        }
        round_trip(&json!({}));
        // A float serde_json reads a unit in the last place off without float_roundtrip.
        round_trip(&json!({"output": 3.388_024_014_385_574e299, "index": [0.1, -2.5e-308]}));
        round_trip(&json!({"inputDetails": {"truncated": false}, "index": 3}));
        // Details that are not an object.
        assert_eq!(round_trip(&json!([1, 2])), "[null,[1,2]]");
        assert_eq!(round_trip(&json!("x")), r#"[null,"x"]"#);
    }

    #[test]
    fn every_key_of_the_table_round_trips() {
        for (code, key) in DETAIL_KEYS.iter().enumerate() {
            assert_eq!(detail_key_code(key), Some(code), "{key} twice");
            round_trip(&json!({ *key: "[1]" }));
            round_trip(&json!({ *key: 7 }));
        }
        for (code, key) in [
            (NAME, "name"),
            (INPUT, "input"),
            (OUTPUT, "output"),
            (ASSIGNED, "assignedVariables"),
        ] {
            assert_eq!(detail_key_code(key), Some(code as usize), "{key}");
        }
    }

    /// A state's details are written as their object would be, also when the state's name
    /// or its assigned variables are a string of JSON text (proptest found `""`).
    #[test]
    fn a_state_named_like_json_text_is_stored_as_its_object() {
        for name in [r#""""#, "{}", "[1]", r#""a""#, "{x", " []", "plain"] {
            for assigned in [None, Some(json!("[2]")), Some(json!({"v": "1"}))] {
                let typed =
                    Details::state_exited(name, crate::machine::json_text(&json!(null)), assigned);
                let stored = serde_json::to_string(&StoredDetails(&typed)).unwrap();
                let as_object = serde_json::to_string(&StoredValue(&typed.value())).unwrap();
                assert_eq!(stored, as_object, "{name}");
                let back: ReadDetails = serde_json::from_str(&stored).unwrap();
                assert_eq!(back.0, *typed.value(), "{name}");
            }
        }
    }

    #[test]
    fn deeply_nested_json_text_is_embedded_and_read_back() {
        // Deeper than serde_json's 128 levels: read as the store reads (no limit), and
        // skipped over, not recursed into.
        let depth = 100_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let details = json!({ "output": text });
        let stored = serde_json::to_string(&StoredValue(&details)).unwrap();
        assert!(stored.starts_with("[-3,[[["));
        let mut de = serde_json::Deserializer::from_str(&stored);
        de.disable_recursion_limit();
        let back = ReadDetails::deserialize(&mut de).unwrap();
        assert_eq!(back.0, details);
    }

    #[test]
    fn details_stored_by_earlier_versions_are_read() {
        let old = r#"{"name":"A","input":"{\"a\":1}"}"#;
        let read: ReadDetails = serde_json::from_str(old).unwrap();
        assert_eq!(read.0, json!({"name": "A", "input": "{\"a\":1}"}));
        let read: ReadDetails = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(read.0, json!("x"));
    }

    /// Any JSON value: numbers of each kind, strings with quotes, escapes and non-ASCII.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            "[ -~é\\n\"\\\\]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec(("[a-z]{0,6}", inner), 0..5)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    /// A detail's value: any value, or the JSON text of one (as `input` and `output` are),
    /// compact, pretty or with spaces around it.
    fn detail_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any_value(),
            any_value().prop_map(|v| Value::String(v.to_string())),
            any_value().prop_map(|v| Value::String(serde_json::to_string_pretty(&v).unwrap())),
            any_value().prop_map(|v| Value::String(format!(" {v}"))),
        ]
    }

    fn detail_key() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(DETAIL_KEYS.to_vec()).prop_map(str::to_owned),
            "[a-zA-Z0-9]{0,8}",
        ]
    }

    proptest! {
        #[test]
        fn any_details_read_back_as_written(
            pairs in prop::collection::vec((detail_key(), detail_value()), 0..8),
            whole in any_value(),
        ) {
            round_trip(&Value::Object(pairs.into_iter().collect()));
            round_trip(&whole);
        }

        #[test]
        fn typed_state_details_are_stored_as_their_object(
            name in "[ -~é\\n\"\\\\]{0,12}",
            payload in any_value(),
            entered in any::<bool>(),
            assigned in prop::option::of(any_value()),
        ) {
            let text = crate::machine::json_text(&payload);
            let typed = if entered {
                Details::state_entered(&name, text)
            } else {
                Details::state_exited(&name, text, assigned)
            };
            let stored = serde_json::to_string(&StoredDetails(&typed)).unwrap();
            prop_assert_eq!(&stored, &serde_json::to_string(&StoredValue(&typed.value())).unwrap());
            let back: ReadDetails = serde_json::from_str(&stored).unwrap();
            prop_assert_eq!(&back.0, &*typed.value());
        }
    }

    #[test]
    fn damaged_details_are_errors() {
        for text in [
            "[0]",
            "[99,1]",
            "[-99,1]",
            "[true,1]",
            "[0,1,null,2]",
            "[null,1,2]",
            "[null]",
            "[1.5,1]",
        ] {
            assert!(serde_json::from_str::<ReadDetails>(text).is_err(), "{text}");
        }
    }
}
