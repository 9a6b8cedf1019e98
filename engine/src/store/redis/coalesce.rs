//! One batch's transitions of one execution, written as one segment.
//!
//! The worker pipelines an execution's commits (`worker/pipeline.rs`), so one `commit.lua`
//! call often carries dozens of consecutive transitions of the same execution. Each would
//! write the record's version and head and push its events with Redis calls of its own,
//! although only the last head survives. [`plan`] finds those groups and [`merge`] merges
//! each into one segment with the net effect of applying them in order: the first one's
//! expected version, the last one's version and head, the parts each field was left with,
//! every event in order in one push, the timers and tokens as the last of them left them,
//! every ack. (`commit.rs` encodes the earlier requests of a group without their head and
//! without the parts a later one writes again.)
//!
//! Nothing a reader can see changes: a script runs atomically, so the transitions of one
//! call were never visible one by one, and each is still in the history, in order. Only
//! the answers differ when a group is refused, and [`member_code`] gives each request the
//! answer it would have had alone: the first the group's code, the later ones a version
//! conflict (they follow a refused commit) — or all of them a lost lease.
//!
//! A request starts a new group when it does not follow on the group's last version,
//! replaces the whole record, or checks tokens first (the check must come before the
//! transitions it guards are applied, not before earlier ones); a group ends with a final
//! commit or one that drops a Map's children (their fields are deleted after the parts are
//! written; a later part must not be deleted).

use std::collections::HashMap;

use super::segment::{Op, Segment, guards};
use crate::store::CommitRequest;

/// A merged segment and the requests (positions in the batch) it carries, in order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Group {
    pub segment: Segment,
    pub members: Vec<usize>,
}

/// The answer of the `k`th request of a group, given the script's answer for the group.
pub(super) fn member_code(k: usize, code: i64) -> i64 {
    match code {
        0 | 2 => code,
        _ if k == 0 => code,
        _ => 1,
    }
}

/// What decides whether a request joins the group before it: the same for a request and
/// for the segment it is encoded as.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Shape<'a> {
    id: &'a str,
    expected: u64,
    seq: u64,
    full: bool,
    guarded: bool,
    finished: bool,
    drops: bool,
}

impl<'a> Shape<'a> {
    #[cfg(test)]
    pub fn of_segment(s: &'a Segment) -> Shape<'a> {
        let has = |code: &str| s.ops.iter().any(|o| o.code == code);
        Shape {
            id: &s.id,
            expected: s.expected,
            seq: s.seq,
            full: s.full,
            guarded: has("G"),
            finished: s.finished,
            drops: has("X"),
        }
    }

    pub fn of_request(r: &'a CommitRequest) -> Shape<'a> {
        let head = &r.record.head;
        Shape {
            id: &head.id,
            expected: head.seq.wrapping_sub(1),
            seq: head.seq,
            full: r.record.full,
            guarded: (r.tokens_closed.iter()).any(|(_, how)| guards(*how)),
            finished: head.status.is_final(),
            drops: !r.record.dropped.is_empty(),
        }
    }

    /// Whether `later` may join a group that ends with `self`.
    fn joined_by(&self, later: &Shape<'_>) -> bool {
        self.id == later.id
            && later.expected == self.seq
            && !self.finished
            && !self.drops
            && !later.full
            && !later.guarded
    }
}

/// The groups of a batch, as positions in it: those of one execution that follow on each
/// other, as described above, each in order.
pub(super) fn plan(shapes: &[Shape<'_>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::with_capacity(shapes.len());
    // id -> the group its next request may join
    let mut open: HashMap<&str, usize> = HashMap::new();
    for (i, shape) in shapes.iter().enumerate() {
        match open.get(shape.id) {
            Some(&g) if shapes[*groups[g].last().expect("not empty")].joined_by(shape) => {
                groups[g].push(i)
            }
            _ => {
                open.insert(shape.id, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// The segments of one group of [`plan`] (in order; `members` their positions in the
/// batch), merged.
pub(super) fn merge(members: Vec<usize>, mut segments: Vec<Segment>) -> Group {
    if segments.len() <= 1 {
        let segment = segments.pop().unwrap_or_default();
        return Group { segment, members };
    }
    let mut segments = segments.into_iter();
    let mut net = Net::new(segments.next().expect("two or more"));
    segments.for_each(|segment| net.apply(segment));
    Group {
        segment: net.finish(),
        members,
    }
}

/// Groups `segments` (in batch order) per execution and merges each group.
#[cfg(test)]
pub(super) fn coalesce(segments: Vec<Segment>) -> Vec<Group> {
    let groups = plan(&segments.iter().map(Shape::of_segment).collect::<Vec<_>>());
    let mut segments: Vec<Option<Segment>> = segments.into_iter().map(Some).collect();
    (groups.into_iter())
        .map(|members| {
            let group = members.iter().map(|&i| segments[i].take().expect("once"));
            let group: Vec<Segment> = group.collect();
            merge(members, group)
        })
        .collect()
}

/// The net effect of the segments of a group so far.
struct Net {
    /// From the first segment: the version it expects, whether it replaces the whole
    /// record, its token check.
    expected: u64,
    full: bool,
    guard: Option<Op>,
    /// The last segment (its head, version, flags, keys, and its X and F operations).
    last: Segment,
    active: Option<bool>,
    /// Record parts: field -> its value (`None`: removed).
    parts: Latest,
    events: Vec<String>,
    /// Timer member -> its due time (`None`: cleared).
    timers: Latest,
    /// Token field -> its state (`None`: deleted).
    tokens: Latest,
    acks: Vec<String>,
}

/// Keys and the last value each was given (`None`: removed), in the order first given.
#[derive(Default)]
struct Latest {
    list: Vec<(String, Option<String>)>,
    at: HashMap<String, usize>,
}

impl Latest {
    fn put(&mut self, key: &str, value: Option<String>) {
        match self.at.get(key) {
            Some(&n) => self.list[n].1 = value,
            None => {
                self.at.insert(key.to_owned(), self.list.len());
                self.list.push((key.to_owned(), value));
            }
        }
    }

    fn remove_all(&mut self, keys: &[String]) {
        keys.iter().for_each(|k| self.put(k, None));
    }

    /// Pairs `first, second, …`: `key_first` tells which of the two is the key.
    fn put_pairs(&mut self, pairs: &[String], key_first: bool) {
        for pair in pairs.chunks_exact(2) {
            let (key, value) = if key_first {
                (&pair[0], &pair[1])
            } else {
                (&pair[1], &pair[0])
            };
            self.put(key, Some(value.clone()));
        }
    }

    fn removed(&self) -> Vec<String> {
        (self.list.iter())
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The keys with a value, as pairs (the key first or second).
    fn pairs(&self, key_first: bool) -> Vec<String> {
        let mut out = Vec::new();
        for (key, value) in &self.list {
            if let Some(value) = value {
                let (a, b) = if key_first {
                    (key, value)
                } else {
                    (value, key)
                };
                out.extend([a.clone(), b.clone()]);
            }
        }
        out
    }
}

impl Net {
    fn new(first: Segment) -> Net {
        let mut net = Net {
            expected: first.expected,
            full: first.full,
            guard: first.ops.iter().find(|o| o.code == "G").cloned(),
            last: Segment::default(),
            active: None,
            parts: Latest::default(),
            events: Vec::new(),
            timers: Latest::default(),
            tokens: Latest::default(),
            acks: Vec::new(),
        };
        net.apply(first);
        net
    }

    /// Applies one segment as `commit.lua` would: parts, then its operations in order.
    fn apply(&mut self, mut segment: Segment) {
        self.active = segment.active.or(self.active);
        self.parts.put_pairs(&segment.parts, true);
        // Events and acks move into the group; G, X and F stay with the segment (`last`).
        let mut kept = Vec::new();
        for op in std::mem::take(&mut segment.ops) {
            match op.code {
                "R" => self.parts.remove_all(&op.args),
                "H" => self.events.extend(op.args),
                "C" => self.timers.remove_all(&op.args),
                "Z" => self.timers.put_pairs(&op.args, false),
                "T" => self.tokens.put_pairs(&op.args, true),
                "K" => self.tokens.remove_all(&op.args),
                "A" => self.acks.extend(op.args),
                // G only in the first (kept from it), X and F only in the last.
                _ => kept.push(op),
            }
        }
        segment.ops = kept;
        self.last = segment;
    }

    fn finish(self) -> Segment {
        let Net {
            expected,
            full,
            guard,
            last,
            active,
            parts,
            events,
            timers,
            tokens,
            acks,
        } = self;
        // The last segment kept only its X and F (at most one of each).
        let (dropped, final_op): (Vec<Op>, Vec<Op>) =
            last.ops.into_iter().partition(|o| o.code == "X");
        let op = |code: &'static str, args: Vec<String>| Op { code, args };
        let mut ops = Vec::new();
        ops.extend(guard);
        ops.push(op("R", parts.removed()));
        ops.extend(dropped);
        ops.push(op("H", events));
        ops.push(op("C", timers.removed()));
        ops.push(op("Z", timers.pairs(false)));
        ops.push(op("T", tokens.pairs(true)));
        ops.push(op("K", tokens.removed()));
        ops.push(op("A", acks));
        ops.extend(final_op);
        ops.retain(|o| !o.args.is_empty());
        Segment {
            id: last.id,
            expected,
            seq: last.seq,
            head: last.head,
            active,
            finished: last.finished,
            full,
            park: last.park,
            keys: last.keys,
            parts: parts.pairs(true),
            ops,
        }
    }
}

#[cfg(test)]
#[path = "coalesce_tests.rs"]
mod tests;
