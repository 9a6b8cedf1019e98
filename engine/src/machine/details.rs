//! The details of a history event. Every state writes two events with the same shape —
//! `…StateEntered` `{"name", "input"}` and `…StateExited` `{"name", "output",
//! "assignedVariables"?}` — so every transition writes two. Those are kept typed: building
//! one takes no map (a `serde_json` map allocates its keys and hashes them), and the stores
//! embed their JSON text as it is, without parsing it again to check it. Any other
//! details are a [`Value`]. [`Details::value`] gives any of them as the object AWS shows.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A value as compact JSON text (what `template::compact_json` gives), written once.
pub fn json_text(value: &Value) -> Box<RawValue> {
    // Serializing a `Value` cannot fail (its keys are strings).
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

/// An event's details: AWS's `…EventDetails` object, or null (see the module's comment).
#[derive(Debug, Clone)]
pub enum Details {
    Value(Value),
    State(StateDetails),
}

/// The details of a state entered or exited.
#[derive(Debug, Clone)]
pub struct StateDetails {
    pub name: String,
    pub io: Io,
    /// The input or output as compact JSON text ([`json_text`]); AWS's details hold it as
    /// a string.
    pub text: Box<RawValue>,
    /// The variables the state assigned (`assignedVariables`), on a state exited.
    pub assigned: Option<Box<Value>>,
}

/// Which payload a [`StateDetails`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    Input,
    Output,
}

impl Io {
    /// Its key in the details object.
    pub fn key(self) -> &'static str {
        match self {
            Io::Input => "input",
            Io::Output => "output",
        }
    }
}

impl Details {
    /// `{"name": …, "input": …}`.
    pub fn state_entered(name: &str, input: Box<RawValue>) -> Details {
        Details::State(StateDetails {
            name: name.to_owned(),
            io: Io::Input,
            text: input,
            assigned: None,
        })
    }

    /// `{"name": …, "output": …, "assignedVariables": …}`, the last with the variables the
    /// state set, if any (`assignedVariablesDetails` is added when the event is shown, as
    /// the other `…Details` are: see `HistoryEvent::to_aws`).
    pub fn state_exited(name: &str, output: Box<RawValue>, assigned: Option<Value>) -> Details {
        Details::State(StateDetails {
            name: name.to_owned(),
            io: Io::Output,
            text: output,
            assigned: assigned.map(Box::new),
        })
    }

    /// The details as AWS's object (or null).
    pub fn value(&self) -> Cow<'_, Value> {
        match self {
            Details::Value(value) => Cow::Borrowed(value),
            Details::State(state) => {
                let mut map = Map::new();
                map.insert("name".into(), Value::from(state.name.as_str()));
                map.insert(state.io.key().into(), Value::from(state.text.get()));
                if let Some(assigned) = &state.assigned {
                    map.insert("assignedVariables".into(), (**assigned).clone());
                }
                Cow::Owned(Value::Object(map))
            }
        }
    }

    /// The `name` member (a state's name), when it is a string.
    pub fn name(&self) -> Option<&str> {
        match self {
            Details::State(state) => Some(&state.name),
            Details::Value(value) => value.get("name")?.as_str(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Details::Value(Value::Null))
    }
}

impl Default for Details {
    fn default() -> Details {
        Details::Value(Value::Null)
    }
}

impl From<Value> for Details {
    fn from(value: Value) -> Details {
        Details::Value(value)
    }
}

/// Details are equal when their objects are, typed or not.
impl PartialEq for Details {
    fn eq(&self, other: &Details) -> bool {
        self.value() == other.value()
    }
}

impl PartialEq<Value> for Details {
    fn eq(&self, other: &Value) -> bool {
        *self.value() == *other
    }
}

impl std::fmt::Display for Details {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value().fmt(f)
    }
}

impl Serialize for Details {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Details, D::Error> {
        Value::deserialize(d).map(Details::Value)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn typed_details_are_the_objects_aws_shows() {
        let entered = Details::state_entered("A", json_text(&json!({"a": 1})));
        assert_eq!(entered, json!({"name": "A", "input": "{\"a\":1}"}));
        let exited = Details::state_exited("B", json_text(&json!(2)), Some(json!({"x": 1})));
        assert_eq!(
            *exited.value(),
            json!({"name": "B", "output": "2", "assignedVariables": {"x": 1}})
        );
        assert_eq!(
            serde_json::to_string(&exited).unwrap(),
            r#"{"name":"B","output":"2","assignedVariables":{"x":1}}"#
        );
        assert_ne!(
            entered,
            Details::state_exited("A", json_text(&json!({"a": 1})), None)
        );
        assert!(Details::default().is_null() && !entered.is_null());
        assert_eq!(entered.name(), Some("A"));
        assert_eq!(Details::from(json!({"name": "C"})).name(), Some("C"));
        let none = Details::state_exited("B", json_text(&json!(2)), None);
        assert_eq!(none, json!({"name": "B", "output": "2"}));
    }
}
