//! Reading request members and writing response members the way the AWS JSON 1.0 protocol
//! shapes them: strings, integers and booleans by member name; timestamps as epoch seconds.

use serde_json::{Map, Value};

use baton_engine::machine::{Execution, Settings};

use super::errors::AwsError;

/// A request body: one JSON object of input members.
#[derive(Debug)]
pub struct Input(Map<String, Value>);

/// What `Value` kind a member has, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a structure",
    }
}

impl Input {
    /// The body must be one JSON object (`SerializationException` otherwise).
    pub fn parse(body: &[u8]) -> Result<Input, AwsError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(AwsError::serialization(
                "the request body is empty; AWS JSON 1.0 requests carry a JSON object",
            ));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(members)) => Ok(Input(members)),
            Ok(other) => Err(AwsError::serialization(format!(
                "the request body is {}, not a JSON object",
                kind(&other)
            ))),
            Err(e) => Err(AwsError::serialization(format!(
                "the request body is not JSON: {e}"
            ))),
        }
    }

    fn member(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn wrong_type(key: &str, want: &str, got: &Value) -> AwsError {
        AwsError::serialization(format!("member '{key}' must be {want}, not {}", kind(got)))
    }

    /// An optional string member.
    pub fn str(&self, key: &str) -> Result<Option<&str>, AwsError> {
        match self.member(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(Input::wrong_type(key, "a string", other)),
        }
    }

    /// An optional structure member.
    pub fn structure(&self, key: &str) -> Result<Option<&Map<String, Value>>, AwsError> {
        match self.member(key) {
            None => Ok(None),
            Some(Value::Object(members)) => Ok(Some(members)),
            Some(other) => Err(Input::wrong_type(key, "a structure", other)),
        }
    }

    /// An optional list member.
    pub fn list(&self, key: &str) -> Result<Option<&Vec<Value>>, AwsError> {
        match self.member(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(Input::wrong_type(key, "a list", other)),
        }
    }

    /// A required string member of at least one character.
    pub fn required(&self, key: &str) -> Result<&str, AwsError> {
        match self.str(key)? {
            None => Err(AwsError::missing(key)),
            Some("") => Err(AwsError::constraint(
                key,
                "",
                "Member must have length greater than or equal to 1",
            )),
            Some(s) => Ok(s),
        }
    }

    /// An optional string member of at most `max` characters.
    pub fn bounded(&self, key: &str, max: usize) -> Result<Option<&str>, AwsError> {
        let value = self.str(key)?;
        if let Some(s) = value
            && s.chars().count() > max
        {
            return Err(AwsError::too_long(key, max));
        }
        Ok(value)
    }

    /// An optional payload member (a definition, an input, an output) of at most `max`
    /// bytes of UTF-8: AWS's payload quotas count bytes.
    pub fn payload(&self, key: &str, max: usize) -> Result<Option<&str>, AwsError> {
        let value = self.str(key)?;
        if value.is_some_and(|s| s.len() > max) {
            return Err(AwsError::too_long(key, max));
        }
        Ok(value)
    }

    /// [`Input::payload`], required (and not empty).
    pub fn required_payload(&self, key: &str, max: usize) -> Result<&str, AwsError> {
        let value = self.required(key)?;
        if value.len() > max {
            return Err(AwsError::too_long(key, max));
        }
        Ok(value)
    }

    /// An optional string member that must be one of `allowed`.
    pub fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<&str>, AwsError> {
        match self.str(key)? {
            Some(s) if !allowed.contains(&s) => Err(AwsError::constraint(
                key,
                s,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            )),
            other => Ok(other),
        }
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>, AwsError> {
        match self.member(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| Input::wrong_type(key, "an integer", v)),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, AwsError> {
        match self.member(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(Input::wrong_type(key, "a boolean", other)),
        }
    }

    /// `maxResults`: 0 or absent means `default`; otherwise 1..=`max`.
    pub fn max_results(&self, default: usize, max: i64) -> Result<usize, AwsError> {
        match self.int("maxResults")? {
            None | Some(0) => Ok(default),
            Some(n) if (1..=max).contains(&n) => Ok(n as usize),
            Some(n) if n < 0 => Err(AwsError::constraint(
                "maxResults",
                n,
                "Member must have value greater than or equal to 0",
            )),
            Some(n) => Err(AwsError::constraint(
                "maxResults",
                n,
                &format!("Member must have value less than or equal to {max}"),
            )),
        }
    }
}

/// A timestamp member: epoch seconds with milliseconds as the fraction.
pub fn epoch(ms: i64) -> Value {
    Value::from(ms as f64 / 1000.0)
}

/// A payload member: JSON text.
pub fn json_text(value: &Value) -> Value {
    Value::from(value.to_string())
}

/// An object from `(member, value)` pairs, leaving out nulls (absent optional members).
pub fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// The ARN an execution is known by: `…:execution:<sm>:<name>`, or AWS's `…:express:…` form
/// for executions of EXPRESS state machines.
pub fn execution_arn(settings: &Settings, exec: &Execution) -> String {
    settings.context_execution_arn(exec)
}

/// `ExecutionListItem`.
pub fn execution_item(settings: &Settings, exec: &Execution) -> Value {
    object([
        ("executionArn", execution_arn(settings, exec).into()),
        (
            "stateMachineArn",
            settings.state_machine_arn(&exec.state_machine).into(),
        ),
        ("name", exec.name.clone().into()),
        ("status", exec.status.as_str().into()),
        ("startDate", epoch(exec.start_ms)),
        ("stopDate", exec.stop_ms.map_or(Value::Null, epoch)),
        ("redriveCount", 0.into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_typed() {
        let input = Input::parse(br#"{"name": "x", "n": 5, "b": true, "z": null}"#).unwrap();
        assert_eq!(input.required("name").unwrap(), "x");
        assert_eq!(input.int("n").unwrap(), Some(5));
        assert_eq!(input.bool("b").unwrap(), Some(true));
        assert_eq!(input.str("z").unwrap(), None);
        assert_eq!(input.required("z").unwrap_err().name, "ValidationException");
        assert_eq!(input.str("n").unwrap_err().name, "SerializationException");
        assert_eq!(
            Input::parse(b"").unwrap_err().name,
            "SerializationException"
        );
        assert_eq!(
            Input::parse(b"[1]").unwrap_err().name,
            "SerializationException"
        );
        assert_eq!(
            Input::parse(b"{").unwrap_err().name,
            "SerializationException"
        );
    }

    #[test]
    fn max_results_follows_the_model() {
        let page = |text: &str| {
            Input::parse(text.as_bytes())
                .unwrap()
                .max_results(100, 1000)
        };
        assert_eq!(page("{}").unwrap(), 100);
        assert_eq!(page(r#"{"maxResults": 0}"#).unwrap(), 100);
        assert_eq!(page(r#"{"maxResults": 7}"#).unwrap(), 7);
        assert_eq!(
            page(r#"{"maxResults": 1001}"#).unwrap_err().name,
            "ValidationException"
        );
        assert_eq!(
            page(r#"{"maxResults": -1}"#).unwrap_err().name,
            "ValidationException"
        );
    }

    #[test]
    fn epoch_seconds_keep_milliseconds() {
        assert_eq!(epoch(1_700_000_000_123), Value::from(1_700_000_000.123));
        assert_eq!(
            object([("a", Value::Null), ("b", 1.into())]),
            serde_json::json!({"b": 1})
        );
    }
}
