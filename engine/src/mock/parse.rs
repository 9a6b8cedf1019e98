//! Reading and checking a mock configuration. Every problem is reported, each with the
//! JSON Pointer of the member at fault (a JSON syntax error with its line and column).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Answer, MockConfig, MockedResponse, TestCase};

/// One problem in a mock configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockConfigError {
    /// JSON Pointer of the member at fault (`""`: the whole document).
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for MockConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at {}: {}", self.pointer, self.message)
        }
    }
}

/// Parses and checks a mock configuration: `Err` lists every problem found.
pub fn parse_mock_config(text: &str) -> Result<MockConfig, Vec<MockConfigError>> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        vec![MockConfigError {
            pointer: String::new(),
            message: format!(
                "not JSON: {} (line {}, column {})",
                without_position(&e.to_string()),
                e.line(),
                e.column()
            ),
        }]
    })?;
    let mut p = Checker::default();
    let Some(root) = p.object(&doc, "") else {
        return Err(p.errors);
    };
    for key in root.keys() {
        if key != "StateMachines" && key != "MockedResponses" {
            p.error(
                &child("", key),
                "unknown field (expected StateMachines and MockedResponses)",
            );
        }
    }
    let responses = match root.get("MockedResponses") {
        None => {
            p.error("/MockedResponses", "missing");
            BTreeMap::new()
        }
        Some(v) => p.responses(v),
    };
    let machines = match root.get("StateMachines") {
        None => {
            p.error("/StateMachines", "missing");
            BTreeMap::new()
        }
        Some(v) => p.machines(v, &responses),
    };
    if p.errors.is_empty() {
        Ok(MockConfig { machines })
    } else {
        Err(p.errors)
    }
}

#[derive(Default)]
struct Checker {
    errors: Vec<MockConfigError>,
}

impl Checker {
    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors.push(MockConfigError {
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    fn object<'v>(&mut self, value: &'v Value, pointer: &str) -> Option<&'v Map<String, Value>> {
        let found = value.as_object();
        if found.is_none() {
            self.error(pointer, format!("must be an object, not {}", kind(value)));
        }
        found
    }

    fn machines(
        &mut self,
        value: &Value,
        responses: &BTreeMap<String, Arc<MockedResponse>>,
    ) -> BTreeMap<String, BTreeMap<String, TestCase>> {
        let mut machines = BTreeMap::new();
        let Some(obj) = self.object(value, "/StateMachines") else {
            return machines;
        };
        for (name, machine) in obj {
            let at = child("/StateMachines", name);
            let Some(machine) = self.object(machine, &at) else {
                continue;
            };
            for key in machine.keys().filter(|k| *k != "TestCases") {
                self.error(&child(&at, key), "unknown field (expected TestCases)");
            }
            let cases_at = format!("{at}/TestCases");
            let Some(cases) = machine.get("TestCases") else {
                self.error(&cases_at, "missing");
                continue;
            };
            let Some(cases) = self.object(cases, &cases_at) else {
                continue;
            };
            let mut parsed = BTreeMap::new();
            for (case, states) in cases {
                let case_at = child(&cases_at, case);
                let Some(states) = self.object(states, &case_at) else {
                    continue;
                };
                let mut test_case = TestCase::default();
                for (state, response) in states {
                    let state_at = child(&case_at, state);
                    let Some(response) = response.as_str() else {
                        self.error(
                            &state_at,
                            format!(
                                "must be the name of a mocked response (a string), not {}",
                                kind(response)
                            ),
                        );
                        continue;
                    };
                    match responses.get(response) {
                        Some(found) => {
                            test_case.states.insert(state.clone(), found.clone());
                        }
                        None => self.error(
                            &state_at,
                            format!("the mocked response '{response}' is not in MockedResponses"),
                        ),
                    }
                }
                parsed.insert(case.clone(), test_case);
            }
            machines.insert(name.clone(), parsed);
        }
        machines
    }

    fn responses(&mut self, value: &Value) -> BTreeMap<String, Arc<MockedResponse>> {
        let mut responses = BTreeMap::new();
        let Some(obj) = self.object(value, "/MockedResponses") else {
            return responses;
        };
        for (name, invocations) in obj {
            let at = child("/MockedResponses", name);
            if let Some(response) = self.response(name, invocations, &at) {
                responses.insert(name.clone(), Arc::new(response));
            }
        }
        responses
    }

    /// One mocked response: keys `"n"` or `"n-m"` covering 0, 1, 2, … without gap or
    /// overlap.
    fn response(&mut self, name: &str, value: &Value, at: &str) -> Option<MockedResponse> {
        let obj = self.object(value, at)?;
        if obj.is_empty() {
            self.error(
                at,
                "defines no invocation (expected keys such as \"0\" or \"1-2\")",
            );
            return None;
        }
        let before = self.errors.len();
        let mut ranges = Vec::new();
        for (key, entry) in obj {
            let key_at = child(at, key);
            let Some((first, last)) = range(key) else {
                self.error(
                    &key_at,
                    format!(
                        "'{key}' is not an invocation number (\"0\") or an inclusive range of them (\"1-2\")"
                    ),
                );
                continue;
            };
            if first > last {
                self.error(
                    &key_at,
                    format!("the range '{key}' ends before it starts ({last} < {first})"),
                );
                continue;
            }
            if let Some(answer) = self.answer(entry, &key_at) {
                ranges.push((first, last, answer, key.clone()));
            }
        }
        ranges.sort_by_key(|(first, last, _, _)| (*first, *last));
        let mut next = 0u32;
        let mut previous: Option<&str> = None;
        for (first, last, _, key) in &ranges {
            let key_at = child(at, key);
            if *first < next {
                let with = previous.unwrap_or_default();
                self.error(
                    &key_at,
                    format!("'{key}' overlaps '{with}': each invocation must have one answer"),
                );
            } else if *first > next {
                let missing = if *first - 1 == next {
                    format!("invocation {next} has")
                } else {
                    format!("invocations {next} to {} have", first - 1)
                };
                self.error(
                    &key_at,
                    format!("{missing} no answer: invocations are numbered from 0 without gaps"),
                );
            }
            next = next.max(last.saturating_add(1));
            previous = Some(key);
        }
        if self.errors.len() > before {
            return None;
        }
        Some(MockedResponse {
            name: name.to_owned(),
            ranges: ranges
                .into_iter()
                .map(|(first, last, answer, _)| (first, last, answer))
                .collect(),
        })
    }

    /// `{"Return": …}` or `{"Throw": {"Error": "…", "Cause": "…"}}`.
    fn answer(&mut self, value: &Value, at: &str) -> Option<Answer> {
        let obj = self.object(value, at)?;
        let mut found = None;
        for (key, v) in obj {
            match key.as_str() {
                "Return" | "Throw" if found.is_some() => {
                    self.error(at, "must hold one of Return and Throw, not both");
                    return None;
                }
                "Return" => found = Some(Answer::Return(v.clone())),
                "Throw" => found = Some(self.throw(v, &child(at, key))?),
                other => {
                    self.error(
                        &child(at, other),
                        "unknown field (expected Return or Throw)",
                    );
                    return None;
                }
            }
        }
        if found.is_none() {
            self.error(at, "must hold Return or Throw");
        }
        found
    }

    fn throw(&mut self, value: &Value, at: &str) -> Option<Answer> {
        let obj = self.object(value, at)?;
        let mut text = |field: &str| match obj.get(field) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.error(
                    &child(at, field),
                    format!("must be a string, not {}", kind(other)),
                );
                None
            }
            None => {
                self.error(&child(at, field), "missing");
                None
            }
        };
        let error = text("Error");
        let cause = text("Cause");
        for key in obj.keys().filter(|k| *k != "Error" && *k != "Cause") {
            self.error(&child(at, key), "unknown field (expected Error and Cause)");
        }
        Some(Answer::Throw {
            error: error?,
            cause: cause?,
        })
    }
}

/// `"3"` → (3, 3); `"1-2"` → (1, 2). Digits only.
fn range(key: &str) -> Option<(u32, u32)> {
    let number = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u32>().ok()
    };
    match key.split_once('-') {
        None => number(key).map(|n| (n, n)),
        Some((a, b)) => Some((number(a)?, number(b)?)),
    }
}

/// The JSON Pointer of member `key` of the value at `parent`.
fn child(parent: &str, key: &str) -> String {
    format!("{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json's message without its trailing ` at line L column C`.
fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    }
}
