//! One execution's history in the in-memory store, compact: its events encoded one after
//! the other into a byte buffer, decoded back to the same [`HistoryEvent`]s when read.
//!
//! Kept as `HistoryEvent`s, an event of a Pass/Choice loop took ~640 bytes of heap (its
//! details a `serde_json::Value` map with keys and strings of their own, each allocation
//! rounded up); encoded it takes ~45. The store keeps every event of every execution, so
//! this was most of its memory — and a new process pays for every page it touches first
//! (the cold runs of `baton-bench --store memory`, README "Benchmarks").
//!
//! An event: varint `id - position - 1` (0 but for a gap), varint `id - previous_event_id`
//! and varint `timestamp_ms - base` (all zigzag), the type as a word, the details as a
//! value. A word is an index into [`WORDS`] + 1, or 0 and the text. A value is a tag byte
//! with its payload; numbers keep their kind (u64, i64, f64), so values read back equal.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{Map, Number, Value};

use crate::machine::{DETAIL_KEYS, Details, EVENT_KINDS, HistoryEvent};

#[derive(Debug, Default)]
pub(super) struct History {
    bytes: Vec<u8>,
    /// Where each event starts in `bytes`.
    starts: Vec<u32>,
    /// The first event's timestamp; the others are stored relative to it.
    base_ms: i64,
}

impl History {
    pub fn new(events: Vec<HistoryEvent>) -> History {
        let mut history = History::default();
        history.extend(events);
        history
    }

    pub fn extend(&mut self, events: Vec<HistoryEvent>) {
        for event in events {
            if self.starts.is_empty() {
                self.base_ms = event.timestamp_ms;
            }
            let position = self.starts.len() as u64 + 1;
            self.starts.push(self.bytes.len() as u32);
            let b = &mut self.bytes;
            varint(b, zigzag(event.id.wrapping_sub(position) as i64));
            varint(
                b,
                zigzag(event.id.wrapping_sub(event.previous_event_id) as i64),
            );
            varint(b, zigzag(event.timestamp_ms.wrapping_sub(self.base_ms)));
            word(b, &event.kind);
            details(b, &event.details);
        }
    }

    /// Gives back the room kept for more events (a finished execution gets none but
    /// by a redrive).
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.starts.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// The event at `index` (0-based position).
    pub fn get(&self, index: usize) -> HistoryEvent {
        let mut r = Reader {
            bytes: &self.bytes[self.starts[index] as usize..],
        };
        let id = (index as u64 + 1).wrapping_add(unzigzag(r.varint()) as u64);
        let previous_event_id = id.wrapping_sub(unzigzag(r.varint()) as u64);
        let timestamp_ms = self.base_ms.wrapping_add(unzigzag(r.varint()));
        let kind = r.word();
        let details = r.value();
        HistoryEvent {
            id,
            previous_event_id,
            timestamp_ms,
            kind,
            details: details.into(),
        }
    }
}

/// The words: [`DETAIL_KEYS`] then [`EVENT_KINDS`].
static WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    DETAIL_KEYS
        .iter()
        .chain(EVENT_KINDS.iter())
        .copied()
        .collect()
});

static WORD_INDEX: LazyLock<HashMap<&'static str, u64>> = LazyLock::new(|| {
    (WORDS.iter().enumerate())
        .map(|(i, w)| (*w, i as u64 + 1))
        .collect()
});

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const UNSIGNED: u8 = 3;
const SIGNED: u8 = 4;
const FLOAT: u8 = 5;
const STRING: u8 = 6;
const ARRAY: u8 = 7;
const OBJECT: u8 = 8;

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    (n >> 1) as i64 ^ -((n & 1) as i64)
}

fn varint(b: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        b.push(n as u8 | 0x80);
        n >>= 7;
    }
    b.push(n as u8);
}

fn text(b: &mut Vec<u8>, s: &str) {
    varint(b, s.len() as u64);
    b.extend_from_slice(s.as_bytes());
}

fn word(b: &mut Vec<u8>, s: &str) {
    match WORD_INDEX.get(s) {
        Some(&i) => varint(b, i),
        None => {
            varint(b, 0);
            text(b, s);
        }
    }
}

/// Details as [`value`] writes their object (the same bytes), typed or not.
fn details(b: &mut Vec<u8>, d: &Details) {
    let Details::State(state) = d else {
        return value(b, &d.value());
    };
    b.push(OBJECT);
    varint(b, 2 + u64::from(state.assigned.is_some()));
    word(b, "name");
    b.push(STRING);
    text(b, &state.name);
    word(b, state.io.key());
    b.push(STRING);
    text(b, state.text.get());
    if let Some(assigned) = &state.assigned {
        word(b, "assignedVariables");
        value(b, assigned);
    }
}

fn value(b: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => b.push(NULL),
        Value::Bool(false) => b.push(FALSE),
        Value::Bool(true) => b.push(TRUE),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                b.push(UNSIGNED);
                varint(b, u);
            } else if let Some(i) = n.as_i64() {
                b.push(SIGNED);
                varint(b, zigzag(i));
            } else {
                b.push(FLOAT);
                b.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
            }
        }
        Value::String(s) => {
            b.push(STRING);
            text(b, s);
        }
        Value::Array(items) => {
            b.push(ARRAY);
            varint(b, items.len() as u64);
            items.iter().for_each(|item| value(b, item));
        }
        Value::Object(map) => {
            b.push(OBJECT);
            varint(b, map.len() as u64);
            for (k, v) in map {
                word(b, k);
                value(b, v);
            }
        }
    }
}

/// Reads what the functions above wrote (the buffer is this module's own: a short or
/// malformed one is a bug here, and panics).
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.bytes.split_first().expect("a history event's byte");
        self.bytes = rest;
        *first
    }

    fn varint(&mut self) -> u64 {
        let (mut n, mut shift) = (0u64, 0);
        loop {
            let b = self.byte();
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }

    fn text(&mut self) -> String {
        let len = self.varint() as usize;
        let (s, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        String::from_utf8(s.to_vec()).expect("history text is UTF-8")
    }

    fn word(&mut self) -> Cow<'static, str> {
        match self.varint() {
            0 => Cow::Owned(self.text()),
            i => Cow::Borrowed(WORDS[i as usize - 1]),
        }
    }

    fn value(&mut self) -> Value {
        match self.byte() {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            UNSIGNED => Value::from(self.varint()),
            SIGNED => Value::from(unzigzag(self.varint())),
            FLOAT => {
                let (f, rest) = self.bytes.split_at(8);
                self.bytes = rest;
                let f = f64::from_le_bytes(f.try_into().expect("8 bytes"));
                Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
            STRING => Value::String(self.text()),
            ARRAY => (0..self.varint()).map(|_| self.value()).collect(),
            OBJECT => {
                let n = self.varint() as usize;
                let mut map = Map::with_capacity(n);
                for _ in 0..n {
                    let k = self.word();
                    map.insert(k.into_owned(), self.value());
                }
                Value::Object(map)
            }
            tag => unreachable!("history value tag {tag}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(id: u64, prev: u64, ts: i64, kind: &str, details: Value) -> HistoryEvent {
        HistoryEvent {
            id,
            previous_event_id: prev,
            timestamp_ms: ts,
            kind: kind.to_owned().into(),
            details: details.into(),
        }
    }

    #[test]
    fn events_read_back_equal() {
        let events = vec![
            event(
                1,
                0,
                1_765_000_000_000,
                "ExecutionStarted",
                json!({"input": "{}", "roleArn": "arn:x"}),
            ),
            event(
                2,
                1,
                1_765_000_000_003,
                "PassStateEntered",
                json!({"name": "Loop", "input": "{\"i\":1}"}),
            ),
            event(3, 2, 1_764_999_999_999, "MyOwnKind", Value::Null),
            event(
                5,
                3,
                1_765_000_000_010,
                "TaskFailed",
                json!({
                "error": "States.ALL", "big": u64::MAX, "neg": -42, "sum": 0.30000000000000004,
                "tiny": 5e-324, "list": [true, false, null, [], {}], "ünïcode": "✓",
                "nested": {"b": 1, "a": 2}}),
            ),
            event(6, 0, i64::MIN, "", json!([-1.5, i64::MIN, 0])),
        ];
        let mut history = History::new(events[..2].to_vec());
        history.extend(events[2..].to_vec());
        assert_eq!(history.len(), events.len());
        let read: Vec<HistoryEvent> = (0..history.len()).map(|i| history.get(i)).collect();
        assert_eq!(read, events);
        // Key order is kept (serde_json's preserve_order).
        let details = read[3].details.value();
        let keys: Vec<&String> = details["nested"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn typed_state_details_are_stored_as_their_object() {
        let payloads = [
            json!({"i": 1, "s": "\"é\n"}),
            json!("x"),
            json!(7),
            json!(null),
        ];
        for (i, payload) in payloads.iter().enumerate() {
            let text = crate::machine::json_text(payload);
            let assigned = (i % 2 == 1).then(|| json!({"v": [1, {"w": 2}]}));
            let typed = Details::state_exited("Loop \"1\"", text, assigned);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            details(&mut a, &typed);
            value(&mut b, &typed.value());
            assert_eq!(a, b, "{typed}");
            let mut e = event(2, 1, 5, "PassStateExited", Value::Null);
            e.details = typed;
            let read = History::new(vec![e.clone()]).get(0);
            assert_eq!(read, e);
            assert!(matches!(read.details, Details::Value(_)));
        }
    }

    #[test]
    fn a_loop_event_is_small() {
        let history = History::new(vec![event(
            2,
            1,
            1_765_000_000_003,
            "PassStateEntered",
            json!({"name": "Loop", "input": "{\"i\":57,\"n\":200}"}),
        )]);
        assert!(history.bytes.len() <= 40, "{} bytes", history.bytes.len());
    }
}
