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

use super::segment::{Op, Segment};
use crate::machine::TokenClosed;
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
            guarded: (r.tokens_closed.iter()).any(|(_, how)| *how != TokenClosed::Answered),
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
pub(super) fn merge(members: Vec<usize>, segments: Vec<Segment>) -> Group {
    let mut segments = segments.into_iter();
    let mut merging = match segments.next() {
        Some(first) => Merging::One(members[0], first),
        None => {
            return Group {
                segment: Segment::default(),
                members,
            };
        }
    };
    for (&i, segment) in members[1..].iter().zip(segments) {
        merging.absorb(i, segment);
    }
    merging.finish()
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

/// A group being built: most stay one segment, left as it is.
enum Merging {
    One(usize, Segment),
    Many(Box<Net>),
}

/// The net effect of the segments of a group so far.
struct Net {
    members: Vec<usize>,
    /// From the first segment: the version it expects, whether it replaces the whole
    /// record, its token check.
    expected: u64,
    full: bool,
    guard: Option<Op>,
    /// The last segment (its head, version, flags, keys, and its X and F operations).
    last: Segment,
    active: Option<bool>,
    /// Record parts, in the order first written: field, its value (`None`: removed).
    parts: Vec<(String, Option<String>)>,
    part_at: HashMap<String, usize>,
    events: Vec<String>,
    /// Timer member -> its due time (`None`: cleared).
    timers: Vec<(String, Option<String>)>,
    timer_at: HashMap<String, usize>,
    /// Token field -> its state (`None`: deleted).
    tokens: Vec<(String, Option<String>)>,
    token_at: HashMap<String, usize>,
    acks: Vec<String>,
}

/// Sets `key` to `value` in an ordered map kept as a vector and an index.
fn put(
    list: &mut Vec<(String, Option<String>)>,
    at: &mut HashMap<String, usize>,
    key: &str,
    value: Option<String>,
) {
    match at.get(key) {
        Some(&n) => list[n].1 = value,
        None => {
            at.insert(key.to_owned(), list.len());
            list.push((key.to_owned(), value));
        }
    }
}

impl Net {
    fn new(i: usize, first: Segment) -> Net {
        let mut net = Net {
            members: Vec::new(),
            expected: first.expected,
            full: first.full,
            guard: first.ops.iter().find(|o| o.code == "G").cloned(),
            last: Segment::default(),
            active: None,
            parts: Vec::new(),
            part_at: HashMap::new(),
            events: Vec::new(),
            timers: Vec::new(),
            timer_at: HashMap::new(),
            tokens: Vec::new(),
            token_at: HashMap::new(),
            acks: Vec::new(),
        };
        net.apply(i, first);
        net
    }

    /// Applies one segment as `commit.lua` would: parts, then its operations in order.
    fn apply(&mut self, i: usize, mut segment: Segment) {
        self.members.push(i);
        self.active = segment.active.or(self.active);
        let mut parts = std::mem::take(&mut segment.parts).into_iter();
        while let (Some(field), Some(value)) = (parts.next(), parts.next()) {
            put(&mut self.parts, &mut self.part_at, &field, Some(value));
        }
        // Events move into the group; G, X and F stay with the segment (`last`).
        let mut kept = Vec::new();
        for op in std::mem::take(&mut segment.ops) {
            match op.code {
                "R" => {
                    (op.args.iter()).for_each(|f| put(&mut self.parts, &mut self.part_at, f, None))
                }
                "H" => self.events.extend(op.args),
                "C" => (op.args.iter())
                    .for_each(|m| put(&mut self.timers, &mut self.timer_at, m, None)),
                "Z" => {
                    for pair in op.args.chunks(2) {
                        if let [due, member] = pair {
                            put(
                                &mut self.timers,
                                &mut self.timer_at,
                                member,
                                Some(due.clone()),
                            );
                        }
                    }
                }
                "T" => {
                    for pair in op.args.chunks(2) {
                        if let [field, state] = pair {
                            put(
                                &mut self.tokens,
                                &mut self.token_at,
                                field,
                                Some(state.clone()),
                            );
                        }
                    }
                }
                "K" => (op.args.iter())
                    .for_each(|f| put(&mut self.tokens, &mut self.token_at, f, None)),
                "A" => self.acks.extend(op.args),
                // G only in the first (kept from it), X and F only in the last.
                _ => kept.push(op),
            }
        }
        segment.ops = kept;
        self.last = segment;
    }

    fn finish(self) -> Group {
        let Net {
            members,
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
            ..
        } = self;
        let removed = |list: &[(String, Option<String>)]| -> Vec<String> {
            (list.iter())
                .filter(|(_, v)| v.is_none())
                .map(|(k, _)| k.clone())
                .collect()
        };
        let op = |code: &'static str, args: Vec<String>| Op { code, args };
        let mut ops = Vec::new();
        ops.extend(guard);
        ops.push(op("R", removed(&parts)));
        ops.extend(last.ops.iter().filter(|o| o.code == "X").cloned());
        ops.push(op("H", events));
        ops.push(op("C", removed(&timers)));
        ops.push(op(
            "Z",
            (timers.iter())
                .filter_map(|(m, due)| Some([due.clone()?, m.clone()]))
                .flatten()
                .collect(),
        ));
        ops.push(op(
            "T",
            (tokens.iter())
                .filter_map(|(f, state)| Some([f.clone(), state.clone()?]))
                .flatten()
                .collect(),
        ));
        ops.push(op("K", removed(&tokens)));
        ops.push(op("A", acks));
        ops.extend(last.ops.iter().filter(|o| o.code == "F").cloned());
        ops.retain(|o| !o.args.is_empty());
        let segment = Segment {
            id: last.id,
            expected,
            seq: last.seq,
            head: last.head,
            active,
            finished: last.finished,
            full,
            keys: last.keys,
            parts: (parts.into_iter())
                .filter_map(|(f, v)| Some([f, v?]))
                .flatten()
                .collect(),
            ops,
        };
        Group { segment, members }
    }
}

impl Merging {
    fn absorb(&mut self, i: usize, segment: Segment) {
        if let Merging::One(first_i, first) = self {
            let net = Net::new(*first_i, std::mem::take(first));
            *self = Merging::Many(Box::new(net));
        }
        if let Merging::Many(net) = self {
            net.apply(i, segment);
        }
    }

    fn finish(self) -> Group {
        match self {
            Merging::One(i, segment) => Group {
                segment,
                members: vec![i],
            },
            Merging::Many(net) => net.finish(),
        }
    }
}

#[cfg(test)]
#[path = "coalesce_tests.rs"]
mod tests;
