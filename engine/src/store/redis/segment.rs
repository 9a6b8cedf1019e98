//! The arguments of one request in `commit.lua`: [`Segment`] builds them as the script reads
//! them (the layout is written once, here; the tests read it back with [`decode`]).

use std::collections::{BTreeMap, HashSet};

use super::events::Stored;
use super::{PartitionKeys, encode, timer_member};
use crate::machine::{Status, TokenClosed};
use crate::store::record::{Part, PartKey, RecordWrite};
use crate::store::{CommitRequest, Result};

/// One operation of a segment: a code and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Op {
    pub code: &'static str,
    pub args: Vec<String>,
}

/// One request, encoded: the header and operations of its segment in `commit.lua`, and the
/// keys it uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Segment {
    pub id: String,
    pub expected: u64,
    pub seq: u64,
    pub head: String,
    /// `None`: the stored flag is already right (`CommitRequest::active_unchanged`).
    pub active: Option<bool>,
    pub finished: bool,
    /// Replace the whole record (parts not written are deleted).
    pub full: bool,
    /// The execution waits (neither active nor finished): `commit.lua` packs its keys into
    /// one string when it is small (`packed.lua`). Cleared when packing is off.
    pub park: bool,
    /// Record, history, tokens, and for a final commit the two index keys.
    pub keys: Vec<String>,
    /// Record parts: field, value, … (written with `q` and `h` in one HSET).
    pub parts: Vec<String>,
    pub ops: Vec<Op>,
}

/// Whether closing a token this way is checked first (`G`): only a callback's answer may
/// close a token whose answer waits to be applied.
pub(super) fn guards(how: TokenClosed) -> bool {
    how != TokenClosed::Answered
}

/// Arguments of the header: len id expected flags nparts seq head.
const HEADER: usize = 7;

/// The flags' letters, one position each: active (`a` add, `i` remove, `-` unchanged),
/// final (`f`), full (`w`), guarded (`g`: a `G` operation follows), park (`p`).
fn flags(s: &Segment) -> String {
    let active = match s.active {
        Some(true) => 'a',
        Some(false) => 'i',
        None => '-',
    };
    let on = |b: bool, c: char| if b { c } else { '-' };
    let guarded = s.ops.iter().any(|o| o.code == "G");
    [
        active,
        on(s.finished, 'f'),
        on(s.full, 'w'),
        on(guarded, 'g'),
        on(s.park, 'p'),
    ]
    .into_iter()
    .collect()
}

impl Segment {
    /// The segment of `request`. With `superseded`, a later request of the same execution
    /// will be merged with it (`coalesce.rs`): its head (the later one's replaces it) and
    /// the parts in `superseded` (written or removed again later) are left out.
    pub fn new(
        request: &CommitRequest,
        keys: &PartitionKeys,
        superseded: Option<&HashSet<PartKey>>,
    ) -> Result<Segment> {
        let record = &request.record;
        let head = &record.head;
        let id = head.id.as_str();
        let finished = head.status.is_final();
        let mut segment = Segment {
            id: id.to_owned(),
            expected: head.seq.wrapping_sub(1),
            seq: head.seq,
            head: match superseded {
                Some(_) => String::new(),
                None => encode(head)?,
            },
            active: (!request.active_unchanged).then_some(request.active),
            finished,
            full: record.full,
            park: !request.active && !finished,
            // A superseded request's keys are those of the request that supersedes it.
            keys: match superseded {
                Some(_) => Vec::new(),
                None => vec![keys.record(id), keys.history(id), keys.tokens(id)],
            },
            parts: parts(record, superseded)?,
            ops: Vec::new(),
        };
        // Tokens: the net effect of those opened, then those closed, in order.
        let mut tokens: BTreeMap<&str, Option<String>> = BTreeMap::new();
        for open in &request.tokens_opened {
            let (timer, seconds) = match open.heartbeat {
                Some((timer, seconds)) => (timer.to_string(), seconds.to_string()),
                None => (String::new(), String::new()),
            };
            tokens.insert(open.key.as_str(), Some(format!("o|{timer}|{seconds}")));
        }
        let mut guarded = Vec::new();
        for (key, how) in &request.tokens_closed {
            if guards(*how) {
                guarded.push(key.clone());
            }
            let state = match how {
                TokenClosed::Answered | TokenClosed::Done => Some("d".to_owned()),
                TokenClosed::TimedOut => Some("t".to_owned()),
                TokenClosed::Gone => None,
            };
            tokens.insert(key.as_str(), state);
        }
        segment.op("G", guarded);
        segment.op(
            "R",
            record.removed.iter().map(|f| PartKey::Frame(*f).field()),
        );
        segment.op(
            "X",
            (record.dropped.iter()).flat_map(|c| [c.id.to_string(), c.size.to_string()]),
        );
        segment.op(
            "H",
            request
                .history
                .iter()
                .map(|e| encode(&Stored(e)))
                .collect::<Result<Vec<_>>>()?,
        );
        segment.op(
            "C",
            request.timers_cleared.iter().map(|t| timer_member(id, *t)),
        );
        segment.op(
            "Z",
            (request.timers_set.iter())
                .flat_map(|t| [t.due_ms.to_string(), timer_member(id, t.id)]),
        );
        let sets = tokens
            .iter()
            .filter_map(|(k, v)| Some([(*k).to_owned(), v.clone()?]));
        segment.op("T", sets.flatten());
        let dels = tokens
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| (*k).to_owned());
        segment.op("K", dels);
        segment.op("A", request.acks.iter().cloned());
        if finished {
            segment
                .keys
                .push(keys.index(&head.state_machine, Status::Running));
            segment
                .keys
                .push(keys.index(&head.state_machine, head.status));
            segment.ops.push(Op {
                code: "F",
                args: vec![
                    head.start_ms.to_string(),
                    head.status.as_str().to_owned(),
                    head.expires_ms.map(|t| t.to_string()).unwrap_or_default(),
                    head.revision.to_string(),
                ],
            });
        }
        Ok(segment)
    }

    /// Adds operation `code` unless it has no arguments.
    fn op(&mut self, code: &'static str, args: impl IntoIterator<Item = String>) {
        let args: Vec<String> = args.into_iter().collect();
        if !args.is_empty() {
            self.ops.push(Op { code, args });
        }
    }

    /// Hands each argument of the segment to `f`, `len` first (borrowed: a batch's
    /// arguments are copied once, into the script call).
    pub fn each_arg(&self, mut f: impl FnMut(&str)) {
        let len =
            HEADER + self.parts.len() + self.ops.iter().map(|o| 2 + o.args.len()).sum::<usize>();
        f(&len.to_string());
        f(&self.id);
        f(&self.expected.to_string());
        f(&flags(self));
        f(&self.parts.len().to_string());
        f(&self.seq.to_string());
        f(&self.head);
        self.parts.iter().for_each(|a| f(a));
        for op in &self.ops {
            f(op.code);
            f(&op.args.len().to_string());
            op.args.iter().for_each(|a| f(a));
        }
    }

    /// The arguments of the segment, `len` first.
    #[cfg(test)]
    pub fn args(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.each_arg(|a| out.push(a.to_owned()));
        assert_eq!(out[0], out.len().to_string(), "len counts the arguments");
        out
    }
}

/// The parts' arguments: field, JSON, … (leaving out those `superseded`).
fn parts(record: &RecordWrite, superseded: Option<&HashSet<PartKey>>) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(record.set.len() * 2);
    for (key, part) in &record.set {
        if superseded.is_some_and(|later| later.contains(key)) {
            continue;
        }
        out.push(key.field());
        out.push(match part {
            Part::Frame(frame) => encode(frame)?,
            Part::Value(value) => encode(value)?,
        });
    }
    Ok(out)
}

/// Reads segments back from `commit.lua`'s arguments after the lease token and count (the
/// script's view of them), with the keys each uses.
#[cfg(test)]
pub(super) fn decode(args: &[String], keys: &[String]) -> Vec<Segment> {
    let mut out = Vec::new();
    let (mut i, mut k) = (0, 0);
    while i < args.len() {
        let len: usize = args[i].parse().unwrap();
        let letters: Vec<char> = args[i + 3].chars().collect();
        // The record, history and tokens keys; and the index keys of a final commit.
        let nkeys = if letters[1] == 'f' { 5 } else { 3 };
        let nparts: usize = args[i + 4].parse().unwrap();
        let parts = &args[i + HEADER..i + HEADER + nparts];
        let mut ops = Vec::new();
        let mut p = i + HEADER + nparts;
        while p < i + len {
            let code = ["G", "R", "X", "H", "C", "Z", "T", "K", "A", "F"]
                .into_iter()
                .find(|c| *c == args[p])
                .expect("a known operation");
            let count: usize = args[p + 1].parse().unwrap();
            ops.push(Op {
                code,
                args: args[p + 2..p + 2 + count].to_vec(),
            });
            p += 2 + count;
        }
        assert_eq!(p, i + len, "the segment ends where its length says");
        let segment = Segment {
            id: args[i + 1].clone(),
            expected: args[i + 2].parse().unwrap(),
            seq: args[i + 5].parse().unwrap(),
            head: args[i + 6].clone(),
            active: match letters[0] {
                'a' => Some(true),
                'i' => Some(false),
                _ => None,
            },
            finished: letters[1] == 'f',
            full: letters[2] == 'w',
            park: letters[4] == 'p',
            keys: keys[k..k + nkeys].to_vec(),
            parts: parts.to_vec(),
            ops,
        };
        assert_eq!(letters.iter().collect::<String>(), flags(&segment));
        out.push(segment);
        i += len;
        k += nkeys;
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::machine::{Execution, HistoryEvent, OpenToken, Timer};

    fn request() -> CommitRequest {
        let mut exec = Execution::new(
            "sm:x".into(),
            "sm".into(),
            3,
            "x".into(),
            json!({"a": 1}),
            "A",
            1_000,
        );
        exec.seq = 5;
        exec.status = Status::Failed;
        exec.expires_ms = Some(9_000);
        CommitRequest {
            record: RecordWrite::full(&mut exec),
            history: vec![HistoryEvent {
                id: 2,
                previous_event_id: 1,
                timestamp_ms: 1_001,
                kind: "PassStateEntered".into(),
                details: json!({}).into(),
            }],
            timers_set: vec![Timer {
                id: 4,
                due_ms: 7_000,
            }],
            timers_cleared: vec![2, 3],
            tokens_opened: vec![OpenToken {
                key: "T/1".into(),
                heartbeat: Some((4, 30)),
            }],
            tokens_closed: vec![
                ("T/0".into(), TokenClosed::TimedOut),
                ("U/1".into(), TokenClosed::Answered),
                ("V/1".into(), TokenClosed::Gone),
            ],
            acks: vec!["1-1".into()],
            active: false,
            active_unchanged: false,
        }
    }

    /// What `Segment` writes, `decode` (the script's reading of it) reads back.
    #[test]
    fn segments_round_trip() {
        let keys = PartitionKeys::new("b", 0);
        let a = Segment::new(&request(), &keys, None).unwrap();
        let mut b = a.clone();
        b.id = "sm:y".into();
        b.ops.retain(|op| op.code != "F");
        b.keys.truncate(3);
        b.finished = false;
        b.active = None;
        b.full = false;
        b.ops.retain(|op| op.code != "G");
        b.park = true;
        assert!(!a.park, "a finished execution is not parked");
        assert_eq!(flags(&b), "----p");
        let args: Vec<String> = a.args().into_iter().chain(b.args()).collect();
        let keys: Vec<String> = a.keys.iter().chain(&b.keys).cloned().collect();
        assert_eq!(decode(&args, &keys), [a.clone(), b]);

        let op = |code: &str| {
            a.ops
                .iter()
                .find(|o| o.code == code)
                .map(|o| o.args.clone())
        };
        assert_eq!(
            (a.expected, a.seq, a.finished, a.active, a.full),
            (4, 5, true, Some(false), true)
        );
        assert_eq!(flags(&a), "ifwg-");
        assert_eq!(
            op("G"),
            Some(vec!["T/0".into(), "V/1".into()]),
            "answered is not guarded"
        );
        assert_eq!(op("C"), Some(vec!["sm:x|2".into(), "sm:x|3".into()]));
        assert_eq!(op("Z"), Some(vec!["7000".into(), "sm:x|4".into()]));
        assert_eq!(
            op("T"),
            Some(vec![
                "T/0".into(),
                "t".into(),
                "T/1".into(),
                "o|4|30".into(),
                "U/1".into(),
                "d".into()
            ])
        );
        assert_eq!(op("K"), Some(vec!["V/1".into()]));
        assert_eq!(op("A"), Some(vec!["1-1".into()]));
        assert_eq!(
            op("F"),
            Some(vec![
                "1000".into(),
                "FAILED".into(),
                "9000".into(),
                "3".into()
            ])
        );
        assert_eq!(a.keys[3], "b:{p0}:l:sm:RUNNING");
        assert_eq!(a.keys[4], "b:{p0}:l:sm:FAILED");
        let parts = &a.parts;
        assert_eq!(parts[0], "i", "the input first");
        assert_eq!(parts[1], r#"{"a":1}"#);
        assert_eq!(parts[2], "0", "then frame 0");
    }
}
