//! The frames of an execution and the results of a Parallel or Map, each noting what a
//! transition changed, so that the store writes what changed and not the whole record.
//!
//! Every change goes through these types (their maps are private), so the notes are
//! complete by construction: [`Frames::get_mut`], [`Frames::insert`] and
//! [`Frames::remove`] mark the frame *touched*, remembering the [`Children`] it held
//! before; [`Results::set`] marks a result *dirty*. The store's record writer
//! (`store::record`) takes the notes after each transition.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::execution::{Frame, Step};

/// The Children a frame held before a transition touched it: its id and size, so their
/// stored results can be dropped when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildrenId {
    pub id: u32,
    pub size: u32,
}

/// The running frames of an execution, by id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Frames {
    map: BTreeMap<u32, Frame>,
    /// Frames touched since [`Frames::take_touched`], with the Children each held then.
    #[serde(skip)]
    touched: BTreeMap<u32, Option<ChildrenId>>,
    /// The whole record must be written (set by [`Frames::touch_all`]).
    #[serde(skip)]
    full: bool,
}

/// Two frame sets are equal when their frames are: the notes are bookkeeping.
impl PartialEq for Frames {
    fn eq(&self, other: &Frames) -> bool {
        self.map == other.map
    }
}

impl Frames {
    pub fn get(&self, f: &u32) -> Option<&Frame> {
        self.map.get(f)
    }

    /// The frame, to change it (the frame is marked touched).
    pub fn get_mut(&mut self, f: &u32) -> Option<&mut Frame> {
        self.touch(*f);
        self.map.get_mut(f)
    }

    pub fn insert(&mut self, f: u32, frame: Frame) -> Option<Frame> {
        self.touch(f);
        self.map.insert(f, frame)
    }

    pub fn remove(&mut self, f: &u32) -> Option<Frame> {
        self.touch(*f);
        self.map.remove(f)
    }

    pub fn contains_key(&self, f: &u32) -> bool {
        self.map.contains_key(f)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&u32, &Frame)> {
        self.map.iter()
    }

    pub fn keys(&self) -> impl Iterator<Item = &u32> {
        self.map.keys()
    }

    pub fn values(&self) -> impl Iterator<Item = &Frame> {
        self.map.values()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn touch(&mut self, f: u32) {
        if !self.touched.contains_key(&f) {
            let before = self.map.get(&f).and_then(Frame::children_id);
            self.touched.insert(f, before);
        }
    }

    /// Marks the whole record to be written, every frame as if just inserted: for a new
    /// record, or one stored by an earlier version.
    pub fn touch_all(&mut self) {
        self.touched = self.map.keys().map(|f| (*f, None)).collect();
        self.full = true;
    }

    /// The frames touched since the last call, each with the Children it held before, and
    /// whether the whole record must be written. Clears the notes.
    pub fn take_touched(&mut self) -> (BTreeMap<u32, Option<ChildrenId>>, bool) {
        (
            std::mem::take(&mut self.touched),
            std::mem::take(&mut self.full),
        )
    }

    /// True when a frame was touched since the last [`Frames::take_touched`]: a transition
    /// that changed only frames (a distributed Map's iteration ends quietly) is still one.
    pub fn is_touched(&self) -> bool {
        self.full || !self.touched.is_empty()
    }

    /// A frame, to read the changes noted in it (its results) without touching it: for
    /// the record writer, after [`Frames::take_touched`].
    pub fn untracked_mut(&mut self, f: &u32) -> Option<&mut Frame> {
        self.map.get_mut(f)
    }
}

impl std::ops::Index<&u32> for Frames {
    type Output = Frame;

    fn index(&self, f: &u32) -> &Frame {
        &self.map[f]
    }
}

impl FromIterator<(u32, Frame)> for Frames {
    fn from_iter<I: IntoIterator<Item = (u32, Frame)>>(iter: I) -> Frames {
        Frames {
            map: iter.into_iter().collect(),
            touched: BTreeMap::new(),
            full: false,
        }
    }
}

impl Frame {
    /// The id and size of the Children this frame holds, if it holds any.
    pub fn children_id(&self) -> Option<ChildrenId> {
        match &self.step {
            Step::Children(c) => Some(ChildrenId {
                id: c.id,
                size: c.results.len() as u32,
            }),
            _ => None,
        }
    }
}

/// The results of a Parallel's branches or a Map's items, by index; `None` while running.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "Vec<Option<Value>>")]
pub struct Results {
    slots: Vec<Option<Value>>,
    /// How many slots are set.
    done: usize,
    /// Slots set since [`Results::take_dirty`].
    dirty: Vec<u32>,
}

impl PartialEq for Results {
    fn eq(&self, other: &Results) -> bool {
        self.slots == other.slots
    }
}

impl From<Vec<Option<Value>>> for Results {
    fn from(slots: Vec<Option<Value>>) -> Results {
        let done = slots.iter().filter(|s| s.is_some()).count();
        Results {
            slots,
            done,
            dirty: Vec::new(),
        }
    }
}

impl Results {
    /// `size` empty slots.
    pub fn new(size: usize) -> Results {
        Results::from(vec![None; size])
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&Value> {
        self.slots.get(index).and_then(Option::as_ref)
    }

    /// Sets slot `index` (ignored when out of range).
    pub fn set(&mut self, index: usize, value: Value) {
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.is_none() {
            self.done += 1;
        }
        *slot = Some(value);
        self.dirty.push(index as u32);
    }

    /// True when every slot is set.
    pub fn is_complete(&self) -> bool {
        self.done == self.slots.len()
    }

    /// The set slots, by index.
    pub fn iter_set(&self) -> impl Iterator<Item = (u32, &Value)> {
        (self.slots.iter().enumerate()).filter_map(|(i, v)| Some((i as u32, v.as_ref()?)))
    }

    /// The values in order, `null` for unset slots.
    pub fn into_values(self) -> Vec<Value> {
        self.slots
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
    }

    /// Slots set since the last call.
    pub fn take_dirty(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.dirty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_count_and_note_what_is_set() {
        let mut r = Results::new(3);
        assert!(!r.is_complete());
        r.set(1, Value::from(1));
        r.set(1, Value::from(2));
        r.set(7, Value::from(9));
        assert_eq!(r.take_dirty(), [1, 1]);
        assert!(r.take_dirty().is_empty());
        r.set(0, Value::Null);
        r.set(2, Value::from(3));
        assert!(r.is_complete());
        assert_eq!(
            r.into_values(),
            [Value::Null, Value::from(2), Value::from(3)]
        );
    }

    #[test]
    fn legacy_results_deserialize_from_an_array() {
        let r: Results = serde_json::from_str("[1, null, 3]").unwrap();
        assert_eq!(r.len(), 3);
        assert!(!r.is_complete());
        assert_eq!(r.iter_set().count(), 2);
    }
}
