//! `TestState`: runs one state (see `baton_engine::teststate`) and answers as AWS does:
//! `{output, error, cause, nextState, status, inspectionData}`.

use serde_json::{Map, Value, json};

use baton_engine::teststate::{
    FieldValidation, Inspection, Mock, StateConfiguration, TestStateError, TestStateRequest, run,
};

use super::errors::AwsError;
use super::shapes::{Input, json_text};
use crate::server::SharedState;
use crate::service::MAX_PAYLOAD_BYTES;

/// Definitions up to 1 MiB, as CreateStateMachine.
const MAX_DEFINITION_BYTES: usize = 1024 * 1024;

pub async fn test_state(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let request = request(input)?;
    let service = &state.service;
    let response = run(&request, &service.settings, service.http.as_ref())
        .await
        .map_err(|e| match e {
            TestStateError::InvalidDefinition(m) => AwsError::new(
                "InvalidDefinition",
                format!("Invalid State Machine Definition: '{m}'"),
            ),
            TestStateError::Validation(m) => AwsError::validation(m),
        })?;
    let mut out = Map::new();
    out.insert("status".into(), response.status.as_str().into());
    if let Some(output) = &response.output {
        out.insert("output".into(), json_text(output));
    }
    for (key, value) in [
        ("error", response.error),
        ("cause", response.cause),
        ("nextState", response.next_state),
    ] {
        if let Some(value) = value {
            out.insert(key.into(), value.into());
        }
    }
    if let Some(data) = response.inspection_data {
        out.insert("inspectionData".into(), data);
    }
    Ok(Value::Object(out))
}

fn request(input: &Input) -> Result<TestStateRequest, AwsError> {
    let definition = input.required("definition")?;
    if definition.len() > MAX_DEFINITION_BYTES {
        return Err(AwsError::too_long("definition", MAX_DEFINITION_BYTES));
    }
    let json = |member: &str, text: Option<&str>, default: Value| match text {
        None => Ok(default),
        Some(text) => serde_json::from_str::<Value>(text).map_err(|e| {
            AwsError::new(
                "InvalidExecutionInput",
                format!("Invalid {member}: the {member} is not JSON: {e}"),
            )
        }),
    };
    let state_input = json(
        "input",
        input.payload("input", MAX_PAYLOAD_BYTES)?,
        json!({}),
    )?;
    let variables = match json(
        "variables",
        input.payload("variables", MAX_PAYLOAD_BYTES)?,
        json!({}),
    )? {
        Value::Object(vars) => vars,
        other => {
            return Err(AwsError::validation(format!(
                "variables must be a JSON object of variable names, not {other}"
            )));
        }
    };
    let inspection = match input.one_of("inspectionLevel", &["INFO", "DEBUG", "TRACE"])? {
        None | Some("INFO") => Inspection::Info,
        Some("DEBUG") => Inspection::Debug,
        Some(_) => Inspection::Trace,
    };
    input.str("roleArn")?;
    input.bool("revealSecrets")?;
    let (mock, validation) = match input.structure("mock")? {
        None => (None, FieldValidation::default()),
        Some(mock) => (Some(mock_input(mock)?), field_validation(mock)?),
    };
    let context = input.payload("context", MAX_PAYLOAD_BYTES)?;
    if context.is_some() && mock.is_none() {
        return Err(AwsError::validation(
            "context may be given only with a mock",
        ));
    }
    let context = context
        .map(|text| json("context", Some(text), Value::Null))
        .transpose()?;
    let config = match input.structure("stateConfiguration")? {
        None => StateConfiguration::default(),
        Some(config) => state_configuration(config)?,
    };
    Ok(TestStateRequest {
        definition: definition.to_owned(),
        state_name: input.bounded("stateName", 80)?.map(str::to_owned),
        input: state_input,
        inspection,
        variables,
        mock,
        validation,
        context,
        config,
    })
}

/// `mock.fieldValidationMode`: `STRICT` (the default), `PRESENT` or `NONE`.
fn field_validation(mock: &Map<String, Value>) -> Result<FieldValidation, AwsError> {
    match mock.get("fieldValidationMode").filter(|v| !v.is_null()) {
        None => Ok(FieldValidation::Strict),
        Some(Value::String(mode)) => match mode.as_str() {
            "STRICT" => Ok(FieldValidation::Strict),
            "PRESENT" => Ok(FieldValidation::Present),
            "NONE" => Ok(FieldValidation::None),
            other => Err(AwsError::validation(format!(
                "1 validation error detected: Value '{other}' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]"
            ))),
        },
        Some(_) => Err(AwsError::validation(
            "mock.fieldValidationMode must be a string",
        )),
    }
}

/// `stateConfiguration {retrierRetryCount, errorCausedByState, mapIterationFailureCount,
/// mapItemReaderData}` with AWS's constraints.
fn state_configuration(config: &Map<String, Value>) -> Result<StateConfiguration, AwsError> {
    let count = |name: &str| -> Result<Option<u32>, AwsError> {
        match config.get(name).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    AwsError::validation(format!(
                        "stateConfiguration.{name} must be a whole number of at least 0"
                    ))
                }),
        }
    };
    let text = |name: &str, max: usize| -> Result<Option<String>, AwsError> {
        match config.get(name).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= max => {
                Ok(Some(s.clone()))
            }
            Some(_) => Err(AwsError::validation(format!(
                "stateConfiguration.{name} must be a string of 1 to {max} characters"
            ))),
        }
    };
    Ok(StateConfiguration {
        retrier_retry_count: count("retrierRetryCount")?,
        error_caused_by_state: text("errorCausedByState", 80)?,
        map_iteration_failure_count: count("mapIterationFailureCount")?,
        map_item_reader_data: text("mapItemReaderData", 262_144)?,
    })
}

/// `mock`: `result` (JSON text) or `errorOutput {error, cause}`, not both.
fn mock_input(mock: &Map<String, Value>) -> Result<Mock, AwsError> {
    let result = mock.get("result").filter(|v| !v.is_null());
    let error = mock.get("errorOutput").filter(|v| !v.is_null());
    match (result, error) {
        (Some(Value::String(text)), None) => serde_json::from_str(text)
            .map(Mock::Result)
            .map_err(|e| AwsError::validation(format!("mock.result is not JSON: {e}"))),
        (None, Some(Value::Object(e))) => {
            let text = |name: &str| match e.get(name).filter(|v| !v.is_null()) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(AwsError::validation(format!(
                    "mock.errorOutput.{name} must be a string"
                ))),
            };
            Ok(Mock::Error {
                error: text("error")?,
                cause: text("cause")?,
            })
        }
        (Some(_), Some(_)) => Err(AwsError::validation(
            "mock takes result or errorOutput, not both",
        )),
        (None, None) => Err(AwsError::validation("mock needs result or errorOutput")),
        _ => Err(AwsError::validation(
            "mock.result must be a string of JSON and mock.errorOutput a structure",
        )),
    }
}
