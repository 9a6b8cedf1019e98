//! How an execution record is stored: a small *head* (the [`Execution`] without its input
//! and frames) rewritten by every transition, and *parts* written only when they change —
//! the input (once), each frame, and the bulk of each Parallel or Map run (its items and
//! selector input once, each result once, when it is set). So a transition writes what it
//! changed, and a Map over N items writes O(N) bytes in all, not O(N²).
//!
//! [`RecordWrite::changes`] turns the notes the pure core keeps ([`Frames`], [`Results`])
//! into the writes of one transition; [`assemble`] puts a stored head and its parts back
//! together. Both stores use them, so they store the same thing.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::machine::{ChildrenId, Execution, Frame, Frames, Results, Step};

/// A part of a record, stored apart from its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartKey {
    /// The execution's input.
    Input,
    /// A frame, slim ([`Frame::slim`]).
    Frame(u32),
    /// Of the Children `id`: the input of the frame holding it.
    ChildrenInput(u32),
    /// Of the Children `id`: a Map's items.
    Items(u32),
    /// Of the Children `id`: a Map's selector input.
    Selector(u32),
    /// Of the Children `id`: result `index`.
    Result(u32, u32),
}

impl PartKey {
    /// The field name in a stored record (a Redis hash field): `i`, `<f>`, `c<id>.n`,
    /// `c<id>.i`, `c<id>.s`, `c<id>.<index>`.
    pub fn field(&self) -> String {
        match self {
            PartKey::Input => "i".to_owned(),
            PartKey::Frame(f) => f.to_string(),
            PartKey::ChildrenInput(id) => format!("c{id}.n"),
            PartKey::Items(id) => format!("c{id}.i"),
            PartKey::Selector(id) => format!("c{id}.s"),
            PartKey::Result(id, index) => format!("c{id}.{index}"),
        }
    }

    /// The key of a field name; `None` for names that are not parts.
    pub fn parse(field: &str) -> Option<PartKey> {
        if field == "i" {
            return Some(PartKey::Input);
        }
        if let Ok(f) = field.parse() {
            return Some(PartKey::Frame(f));
        }
        let (id, what) = field.strip_prefix('c')?.split_once('.')?;
        let id: u32 = id.parse().ok()?;
        Some(match what {
            "n" => PartKey::ChildrenInput(id),
            "i" => PartKey::Items(id),
            "s" => PartKey::Selector(id),
            index => PartKey::Result(id, index.parse().ok()?),
        })
    }
}

/// The value of a part.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Frame(Frame),
    Value(Value),
}

/// Everything one transition writes to the record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    /// [`Execution::head`]; its `seq` is the new version. Boxed: a commit request moves
    /// through several queues and tasks, and the head is most of its size.
    pub head: Box<Execution>,
    pub set: Vec<(PartKey, Part)>,
    /// Frames removed.
    pub removed: Vec<u32>,
    /// Children that ended: every part of theirs is deleted.
    pub dropped: Vec<ChildrenId>,
    /// Replace the whole record: parts not in `set` are deleted.
    pub full: bool,
}

impl RecordWrite {
    /// The writes of the changes noted in `exec` since the last call (which clears them).
    pub fn changes(exec: &mut Execution) -> RecordWrite {
        let (touched, full) = exec.frames.take_touched();
        let mut w = RecordWrite {
            head: Box::new(exec.head()),
            set: Vec::new(),
            removed: Vec::new(),
            dropped: Vec::new(),
            full,
        };
        if full {
            w.set
                .push((PartKey::Input, Part::Value(exec.input.clone())));
        }
        for (f, before) in touched {
            let Some(frame) = exec.frames.untracked_mut(&f) else {
                w.removed.push(f);
                w.dropped.extend(before);
                continue;
            };
            w.set.push((PartKey::Frame(f), Part::Frame(frame.slim())));
            let Step::Children(c) = &mut frame.step else {
                w.dropped.extend(before);
                continue;
            };
            let dirty = c.results.take_dirty();
            if before.is_some_and(|b| b.id == c.id) {
                for index in dirty {
                    if let Some(value) = c.results.get(index as usize) {
                        w.set
                            .push((PartKey::Result(c.id, index), Part::Value(value.clone())));
                    }
                }
                continue;
            }
            w.dropped.extend(before);
            let id = c.id;
            w.set
                .push((PartKey::ChildrenInput(id), Part::Value(frame.input.clone())));
            if !c.items.is_empty() {
                w.set.push((
                    PartKey::Items(id),
                    Part::Value(Value::Array(c.items.clone())),
                ));
            }
            if let Some(selector) = &c.selector_input {
                w.set
                    .push((PartKey::Selector(id), Part::Value(selector.clone())));
            }
            for (index, value) in c.results.iter_set() {
                w.set
                    .push((PartKey::Result(id, index), Part::Value(value.clone())));
            }
        }
        w
    }

    /// The whole record (for a new execution).
    pub fn full(exec: &mut Execution) -> RecordWrite {
        exec.frames.touch_all();
        RecordWrite::changes(exec)
    }

    /// The parts a dropped Children held.
    pub fn dropped_parts(c: ChildrenId) -> impl Iterator<Item = PartKey> {
        [
            PartKey::ChildrenInput(c.id),
            PartKey::Items(c.id),
            PartKey::Selector(c.id),
        ]
        .into_iter()
        .chain((0..c.size).map(move |i| PartKey::Result(c.id, i)))
    }
}

/// A record from its stored head and parts. A head of an earlier version holds its input
/// and frames inline and has no parts: it is returned as it is, marked to be written in
/// full by its next commit.
pub fn assemble(head: Execution, parts: impl IntoIterator<Item = (PartKey, Part)>) -> Execution {
    let mut exec = head;
    let mut frames = BTreeMap::new();
    let mut bulk: HashMap<u32, Bulk> = HashMap::new();
    for (key, part) in parts {
        match (key, part) {
            (PartKey::Frame(f), Part::Frame(frame)) => {
                frames.insert(f, frame);
            }
            (PartKey::Input, Part::Value(v)) => exec.input = v,
            (PartKey::ChildrenInput(id), Part::Value(v)) => bulk.entry(id).or_default().input = v,
            (PartKey::Items(id), Part::Value(Value::Array(items))) => {
                bulk.entry(id).or_default().items = items;
            }
            (PartKey::Selector(id), Part::Value(v)) => {
                bulk.entry(id).or_default().selector = Some(v);
            }
            (PartKey::Result(id, index), Part::Value(v)) => {
                bulk.entry(id).or_default().results.push((index, v));
            }
            _ => {}
        }
    }
    if frames.is_empty() && !exec.frames.is_empty() {
        upgrade_legacy(&mut exec);
        return exec;
    }
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (id, frame) in &frames {
        if let Some(parent) = frame.parent {
            children.entry(parent.frame).or_default().push(*id);
        }
    }
    for (f, frame) in &mut frames {
        let Step::Children(c) = &mut frame.step else {
            continue;
        };
        let b = bulk.remove(&c.id).unwrap_or_default();
        frame.input = b.input;
        c.items = b.items;
        c.selector_input = b.selector;
        c.results = Results::new(c.size as usize);
        for (index, value) in b.results {
            c.results.set(index as usize, value);
        }
        c.results.take_dirty();
        c.running = children.remove(f).unwrap_or_default();
    }
    exec.frames = Frames::from_iter(frames);
    exec
}

/// The parts of one Children, as loaded.
#[derive(Debug, Default)]
struct Bulk {
    input: Value,
    items: Vec<Value>,
    selector: Option<Value>,
    results: Vec<(u32, Value)>,
}

/// A record of an earlier version (frames inline, Children without id and size): gives
/// its Children ids and sizes and marks it for a full write.
fn upgrade_legacy(exec: &mut Execution) {
    let ids: Vec<u32> = exec.frames.keys().copied().collect();
    for f in ids {
        let next = exec.next_frame;
        let Some(frame) = exec.frames.untracked_mut(&f) else {
            continue;
        };
        if let Step::Children(c) = &mut frame.step {
            c.size = c.results.len() as u32;
            c.id = next;
            exec.next_frame += 1;
        }
    }
    exec.frames.touch_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_fields_round_trip() {
        for key in [
            PartKey::Input,
            PartKey::Frame(0),
            PartKey::Frame(17),
            PartKey::ChildrenInput(3),
            PartKey::Items(3),
            PartKey::Selector(3),
            PartKey::Result(3, 0),
            PartKey::Result(3, 9999),
        ] {
            assert_eq!(PartKey::parse(&key.field()), Some(key), "{key:?}");
        }
        for junk in ["", "c", "c1", "c1.", "cx.1", "x", "-1", "c1.-2"] {
            assert_eq!(PartKey::parse(junk), None, "{junk:?}");
        }
    }
}

/// Records written change by change read back as they are in memory.
#[cfg(test)]
mod round_trip {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::machine::{
        Effect, Event, Input, Machine, PlainTokens, Settings, Status, apply, start,
    };

    /// A store of parts, each kept as JSON text as Redis keeps it.
    #[derive(Default)]
    struct Parts {
        head: String,
        parts: BTreeMap<PartKey, String>,
    }

    impl Parts {
        fn write(&mut self, w: RecordWrite) -> usize {
            if w.full {
                self.parts.clear();
            }
            for c in &w.dropped {
                for key in RecordWrite::dropped_parts(*c) {
                    self.parts.remove(&key);
                }
            }
            for f in &w.removed {
                self.parts.remove(&PartKey::Frame(*f));
            }
            self.head = serde_json::to_string(&w.head).unwrap();
            let mut bytes = self.head.len();
            for (key, part) in w.set {
                let text = match part {
                    Part::Frame(f) => serde_json::to_string(&f).unwrap(),
                    Part::Value(v) => serde_json::to_string(&v).unwrap(),
                };
                bytes += text.len();
                self.parts.insert(key, text);
            }
            bytes
        }

        fn read(&self) -> Execution {
            let head: Execution = serde_json::from_str(&self.head).unwrap();
            let parts = self.parts.iter().map(|(k, text)| {
                let part = match k {
                    PartKey::Frame(_) => Part::Frame(serde_json::from_str(text).unwrap()),
                    _ => Part::Value(serde_json::from_str(text).unwrap()),
                };
                (*k, part)
            });
            assemble(head, parts)
        }
    }

    /// Runs a Map of `n` items (each a Task) to its end, writing each transition's changes;
    /// checks every state read back; returns the bytes written.
    fn run_map(n: usize) -> usize {
        let def = baton_definitions::parse_value(&json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "MaxConcurrency": 0, "ItemProcessor": {"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "http://h", "End": true}}}, "End": true}}}))
        .unwrap()
        .machine;
        let settings = Settings {
            inline_map_concurrency: 10_000,
            max_history_events: 1_000_000,
            ..Settings::default()
        };
        let m = Machine {
            definition: &def,
            settings: &settings,
            tokens: &PlainTokens,
        };
        let items: Vec<_> = (0..n)
            .map(|i| json!({"item": i, "pad": "x".repeat(40)}))
            .collect();
        let (mut exec, _) = start(&m, "sm:x".into(), "x".into(), 1, json!(items), 1);
        let mut store = Parts::default();
        let mut bytes = store.write(RecordWrite::full(&mut exec));
        let input = Input {
            now_ms: 2,
            random: 0.0,
        };
        let mut effects = Vec::new();
        loop {
            let tx = if let Some(frame) = exec.runnable() {
                apply(&m, &mut exec, Event::Run { frame }, input)
            } else if let Some(Effect::Http {
                frame,
                state,
                attempt,
                request,
                ..
            }) = effects.pop()
            {
                let result = Ok(json!({"done": request.body}));
                apply(
                    &m,
                    &mut exec,
                    Event::TaskResult {
                        frame,
                        state,
                        attempt,
                        result,
                    },
                    input,
                )
            } else {
                break;
            };
            effects.extend(tx.effects);
            bytes += store.write(RecordWrite::changes(&mut exec));
            assert_eq!(store.read(), exec);
        }
        assert_eq!(exec.status, Status::Succeeded);
        assert_eq!(
            exec.output.as_ref().map(|o| o.as_array().unwrap().len()),
            Some(n)
        );
        assert_eq!(
            store.parts.keys().collect::<Vec<_>>(),
            [&PartKey::Input],
            "all bulk dropped"
        );
        bytes
    }

    #[test]
    fn a_map_writes_linear_bytes_and_reads_back_at_every_step() {
        let small = run_map(20);
        let large = run_map(200);
        let ratio = large as f64 / small as f64;
        println!("a Map of 20 items wrote {small} bytes, of 200 items {large}: {ratio:.1}×");
        assert!(
            ratio < 12.0,
            "10× the items wrote {ratio:.1}× the bytes ({small} → {large})"
        );
    }

    #[test]
    fn a_legacy_record_is_upgraded_by_a_full_write() {
        let mut exec = Execution::new(
            "sm:x".into(),
            "sm".into(),
            1,
            "x".into(),
            json!({"a": 1}),
            "A",
            1,
        );
        exec.seq = 3;
        // An earlier version wrote the whole record, frames and input inline.
        let legacy = serde_json::to_value(&exec).unwrap();
        let mut legacy = legacy.as_object().unwrap().clone();
        legacy.insert("input".into(), json!({"a": 1}));
        legacy.insert("f".into(), serde_json::to_value(&exec.frames).unwrap());
        let mut read: Execution = serde_json::from_value(json!(legacy)).unwrap();
        read = assemble(read, []);
        assert_eq!(read, exec);
        let w = RecordWrite::changes(&mut read);
        assert!(w.full, "marked for a full write");
        assert!(w.set.iter().any(|(k, _)| *k == PartKey::Input));
        assert!(w.set.iter().any(|(k, _)| *k == PartKey::Frame(0)));
    }
}
