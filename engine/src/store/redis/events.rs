//! How a history event is stored in an execution's history list: a JSON array
//! `[id, ts, kind, details]`, with `prev` appended only when it is not `id - 1`, `details`
//! left out when null and in their own short form ([`super::details`]), and `kind` a number
//! from [`EVENT_KINDS`] when it is one of them (else its name). Every event of every
//! execution is stored so until the execution expires, so the envelope is kept small:
//! `{"id":3,"prev":2,"ts":…,"type":"TaskScheduled","d":…}` spends about 50 bytes more per
//! event on names. Events stored as that object by earlier versions are still read.

use std::borrow::Cow;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::details::{ReadDetails, StoredDetails};
use crate::machine::{Details, EVENT_KINDS, HistoryEvent, event_kind_code};

/// The stored form of an event (see the module's comment).
pub(super) struct Stored<'a>(pub &'a HistoryEvent);

impl Serialize for Stored<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let prev = e.previous_event_id != e.id.wrapping_sub(1);
        let details = prev || !e.details.is_null();
        let mut seq = s.serialize_seq(Some(3 + usize::from(details) + usize::from(prev)))?;
        seq.serialize_element(&e.id)?;
        seq.serialize_element(&e.timestamp_ms)?;
        match event_kind_code(&e.kind) {
            Some(code) => seq.serialize_element(&code)?,
            None => seq.serialize_element(&e.kind)?,
        }
        if details {
            seq.serialize_element(&StoredDetails(&e.details))?;
        }
        if prev {
            seq.serialize_element(&e.previous_event_id)?;
        }
        seq.end()
    }
}

/// An event read back: the stored array, or the object earlier versions stored.
pub(super) struct Read(pub HistoryEvent);

impl<'de> Deserialize<'de> for Read {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Read, D::Error> {
        d.deserialize_any(ReadVisitor)
    }
}

struct ReadVisitor;

/// A kind: its number in [`EVENT_KINDS`] or its name.
enum Kind {
    Code(u64),
    Name(String),
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_u64()
                .map(Kind::Code)
                .ok_or_else(|| de::Error::custom("an event kind number")),
            Value::String(s) => Ok(Kind::Name(s)),
            _ => Err(de::Error::custom("an event kind")),
        }
    }
}

impl<'de> Visitor<'de> for ReadVisitor {
    type Value = Read;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a stored history event")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        let missing = |what| de::Error::custom(format!("a stored event without its {what}"));
        let id: u64 = seq.next_element()?.ok_or_else(|| missing("id"))?;
        let timestamp_ms: i64 = seq.next_element()?.ok_or_else(|| missing("time"))?;
        let kind = match seq.next_element::<Kind>()?.ok_or_else(|| missing("kind"))? {
            Kind::Name(name) => Cow::Owned(name),
            Kind::Code(code) => Cow::Borrowed(
                *EVENT_KINDS
                    .get(code as usize)
                    .ok_or_else(|| de::Error::custom(format!("unknown event kind {code}")))?,
            ),
        };
        let details = match seq.next_element::<ReadDetails>()? {
            Some(ReadDetails(details)) => details.into(),
            None => Details::default(),
        };
        let prev: Option<u64> = seq.next_element()?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(
                "a stored event with more than 5 elements",
            ));
        }
        Ok(Read(HistoryEvent {
            id,
            previous_event_id: prev.unwrap_or(id.wrapping_sub(1)),
            timestamp_ms,
            kind,
            details,
        }))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Read, A::Error> {
        HistoryEvent::deserialize(de::value::MapAccessDeserializer::new(map)).map(Read)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(id: u64, prev: u64, kind: &str, details: Value) -> HistoryEvent {
        HistoryEvent {
            id,
            previous_event_id: prev,
            timestamp_ms: 1_796_576_618_336,
            kind: kind.to_owned().into(),
            details: details.into(),
        }
    }

    fn round_trip(e: &HistoryEvent) -> String {
        let text = serde_json::to_string(&Stored(e)).unwrap();
        let back: Read = serde_json::from_str(&text).unwrap();
        assert_eq!(&back.0, e, "{text}");
        text
    }

    #[test]
    fn events_round_trip_in_their_short_form() {
        let started = event(1, 0, "ExecutionStarted", json!({"input": "{\"a\":1}"}));
        assert_eq!(round_trip(&started), r#"[1,1796576618336,0,[-2,{"a":1}]]"#);
        // No details; a `prev` that is not id - 1 (a Parallel branch, a Map iteration).
        assert_eq!(
            round_trip(&event(7, 7, "PassStateExited", Value::Null)),
            "[7,1796576618336,17,null,7]"
        );
        assert_eq!(
            round_trip(&event(8, 7, "PassStateEntered", Value::Null)),
            "[8,1796576618336,16]"
        );
        // A kind not in the table keeps its name.
        assert_eq!(
            round_trip(&event(9, 8, "SomethingNew", json!({"x": [1, 2]}))),
            r#"[9,1796576618336,"SomethingNew",["x",[1,2]]]"#
        );
        for (code, kind) in EVENT_KINDS.iter().enumerate() {
            assert_eq!(
                EVENT_KINDS.iter().position(|k| k == kind),
                Some(code),
                "{kind} twice"
            );
            assert_eq!(event_kind_code(kind), Some(code));
            round_trip(&event(3, 2, kind, json!({})));
        }
    }

    #[test]
    fn events_stored_by_earlier_versions_are_read() {
        let old = r#"{"id":2,"prev":1,"ts":5,"type":"TaskStateEntered","d":{"name":"A"}}"#;
        let read: Read = serde_json::from_str(old).unwrap();
        assert_eq!(
            read.0,
            event(2, 1, "TaskStateEntered", json!({"name": "A"})).with_timestamp(5)
        );
    }

    #[test]
    fn damaged_events_are_errors() {
        for text in [
            "[]",
            "[1]",
            "[1,2]",
            "[1,2,999]",
            "[1,2,3,null,4,5]",
            "[1,2,true]",
            "7",
        ] {
            assert!(serde_json::from_str::<Read>(text).is_err(), "{text}");
        }
    }

    impl HistoryEvent {
        fn with_timestamp(mut self, ms: i64) -> HistoryEvent {
            self.timestamp_ms = ms;
            self
        }
    }
}
