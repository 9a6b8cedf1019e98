//! Variables (`Assign`): where they live and how a state's assignments take effect.
//!
//! Each frame holds the variables assigned in its scope. A read walks up the frame's
//! `parent` chain, so inner scopes see outer variables; a write goes to the frame running
//! the state, so an inner scope never changes an outer one and its variables end with it.

use serde_json::{Map, Value};

use baton_definitions::template::compact_json;
use baton_definitions::{ErrorName, Failure, State};

use super::execution::{Execution, Step};
use super::step::Cx;

/// AWS's limit on what one `Assign` sets, in bytes of compact JSON.
pub const MAX_ASSIGN_BYTES: usize = 256 * 1024;

/// The value of `name` as frame `frame` sees it: its own, or the nearest outer scope's.
/// A distributed Map's iteration (a child execution on AWS) does not see the scopes
/// outside its Map.
pub fn lookup<'a>(exec: &'a Execution, frame: u32, name: &str) -> Option<&'a Value> {
    let mut at = exec.frames.get(&frame)?;
    loop {
        if let Some(value) = at.variables.get(name) {
            return Some(value);
        }
        let outer = exec.frames.get(&at.parent?.frame)?;
        if matches!(&outer.step, Step::Children(c) if c.distributed) {
            return None;
        }
        at = outer;
    }
}

impl<'m> Cx<'m> {
    /// Sets the variables a state assigned in frame `f` (all at once: every value was
    /// evaluated against the variables of before the state). Returns the history's
    /// `assignedVariables` (each value as JSON text), or a failure when they are too large.
    pub(super) fn assign(
        &mut self,
        f: u32,
        state: &State,
        assigned: Option<Map<String, Value>>,
    ) -> Result<Option<Value>, Failure> {
        let Some(assigned) = assigned else {
            return Ok(None);
        };
        let mut details = Map::with_capacity(assigned.len());
        let mut size = 0;
        for (name, value) in &assigned {
            let text = compact_json(value);
            size += name.len() + text.len();
            details.insert(name.clone(), Value::String(text));
        }
        if size > MAX_ASSIGN_BYTES {
            return Err(Failure::new(
                ErrorName::Runtime,
                format!(
                    "The variables assigned by the state '{}' are {size} bytes, more than the {MAX_ASSIGN_BYTES} allowed.",
                    state.name
                ),
            ));
        }
        self.frame(f).variables.extend(assigned);
        Ok(Some(Value::Object(details)))
    }
}
