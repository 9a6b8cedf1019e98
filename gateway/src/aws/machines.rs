//! State machine operations: CreateStateMachine, UpdateStateMachine, DescribeStateMachine,
//! DeleteStateMachine, ListStateMachines, ValidateStateMachineDefinition and
//! DescribeStateMachineForExecution.

use serde_json::{Value, json};

use baton_definitions::parse::MAX_DEFINITION_BYTES;
use baton_definitions::{Diagnostic, Severity};
use baton_engine::store::{StateMachineRecord, Store};

use super::errors::AwsError;
use super::express::express_problems;
use super::shapes::{Input, epoch, object};
use crate::server::SharedState;
use crate::service::names::{check_name, execution_id, state_machine_name};
use crate::service::qualified::{Target, machine_target};
use crate::service::{MachineKind, ServiceError};

const TYPES: &[&str] = &["STANDARD", "EXPRESS"];

/// The members DescribeStateMachine and DescribeStateMachineForExecution share.
fn described(state: &SharedState, record: &StateMachineRecord) -> [(&'static str, Value); 6] {
    [
        (
            "stateMachineArn",
            state
                .service
                .settings
                .state_machine_arn(&record.name)
                .into(),
        ),
        ("name", record.name.clone().into()),
        ("definition", record.definition.clone().into()),
        ("roleArn", record.role_arn.clone().into()),
        ("revisionId", record.revision.to_string().into()),
        (
            "loggingConfiguration",
            json!({"level": "OFF", "includeExecutionData": false}),
        ),
    ]
}

/// `variableReferences`: state name → the variables it reads; absent when none does.
fn variable_references(definition: &str) -> Option<Value> {
    let def = baton_definitions::parse_definition(definition).ok()?;
    let refs = baton_definitions::variable_refs::variable_references(&def.machine);
    (!refs.is_empty()).then(|| json!(refs))
}

/// Adds `variableReferences` (when there are any) to a description.
fn with_variable_references(mut out: Value, record: &StateMachineRecord) -> Value {
    if let (Value::Object(members), Some(refs)) =
        (&mut out, variable_references(&record.definition))
    {
        members.insert("variableReferences".into(), refs);
    }
    out
}

/// `InvalidDefinition` for an EXPRESS definition that uses what only STANDARD supports.
fn check_express(definition: &str, kind: MachineKind) -> Result<(), AwsError> {
    if kind != MachineKind::Express {
        return Ok(());
    }
    let problems = express_problems(definition);
    if problems.is_empty() {
        return Ok(());
    }
    let message = problems
        .iter()
        .map(|d| format!("{}: {} at {}", d.code.as_str(), d.message, d.location))
        .collect::<Vec<_>>()
        .join(", ");
    Err(ServiceError::InvalidDefinition {
        message,
        diagnostics: problems,
    }
    .into())
}

pub async fn create(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required("name")?;
    let definition = input.required_payload("definition", MAX_DEFINITION_BYTES)?;
    let role = input.required("roleArn")?;
    let kind = MachineKind::parse(input.one_of("type", TYPES)?)?;
    let tags = super::tags::tags_of(input)?;
    let publish = publish_of(input)?;
    check_name(name)?;
    check_express(definition, kind)?;
    let record = state
        .service
        .create_state_machine(name, definition, Some(role), kind, None)
        .await?;
    super::tags::tag_new(state, &record.name, &tags).await?;
    let version = published(state, &record, publish).await?;
    Ok(object([
        (
            "stateMachineArn",
            state
                .service
                .settings
                .state_machine_arn(&record.name)
                .into(),
        ),
        ("creationDate", epoch(record.created_ms)),
        ("stateMachineVersionArn", version),
    ]))
}

pub async fn update(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let name = state_machine_name(input.required("stateMachineArn")?)?;
    let definition = input.payload("definition", MAX_DEFINITION_BYTES)?;
    let role = input.str("roleArn")?;
    if definition.is_none() && role.is_none() {
        return Err(AwsError::new(
            "MissingRequiredParameter",
            "Either the definition or the roleArn must be specified",
        ));
    }
    if let Some(definition) = definition {
        let current = state.service.describe_state_machine(&name).await?;
        check_express(definition, MachineKind::parse(Some(&current.kind))?)?;
    }
    let publish = publish_of(input)?;
    let record = state
        .service
        .update_state_machine(&name, definition, role, None)
        .await?;
    let version = published(state, &record, publish).await?;
    Ok(object([
        ("updateDate", epoch(record.updated_ms)),
        ("revisionId", record.revision.to_string().into()),
        ("stateMachineVersionArn", version),
    ]))
}

/// `publish` and `versionDescription` of CreateStateMachine and UpdateStateMachine: the
/// description when a version is to be published.
fn publish_of(input: &Input) -> Result<Option<Option<String>>, AwsError> {
    let description = super::versions::version_description(input, "versionDescription")?;
    match (input.bool("publish")?.unwrap_or(false), description) {
        (true, description) => Ok(Some(description)),
        (false, None) => Ok(None),
        (false, Some(_)) => Err(AwsError::validation(
            "versionDescription is only allowed when publish is true",
        )),
    }
}

/// Publishes `record` (just stored) when asked; its version ARN, or null.
async fn published(
    state: &SharedState,
    record: &StateMachineRecord,
    publish: Option<Option<String>>,
) -> Result<Value, AwsError> {
    let Some(description) = publish else {
        return Ok(Value::Null);
    };
    let revision = record.revision.to_string();
    let (v, _) = (state.service)
        .publish_version(&record.name, Some(&revision), description.as_deref())
        .await?;
    Ok(state.service.version_arn(&record.name, v.version).into())
}

/// The machine (its latest revision) or, for a version ARN, that version.
pub async fn describe(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.required("stateMachineArn")?;
    let name = match machine_target(arn)? {
        (name, Target::Latest) => name,
        (name, Target::Version(n)) => {
            let (version, record) = state.service.describe_version(&name, n).await?;
            return Ok(super::versions::described_version(state, &version, &record));
        }
        (_, Target::Alias(_)) => {
            return Err(ServiceError::InvalidArn(format!(
                "{arn} (an alias: DescribeStateMachineAlias describes it)"
            ))
            .into());
        }
    };
    let record = state.service.describe_state_machine(&name).await?;
    let mut out = object(described(state, &record));
    if let Value::Object(members) = &mut out {
        members.insert("status".into(), "ACTIVE".into());
        members.insert("type".into(), record.kind.clone().into());
        members.insert("creationDate".into(), epoch(record.created_ms));
        members.insert("tracingConfiguration".into(), json!({"enabled": false}));
    }
    Ok(with_variable_references(out, &record))
}

pub async fn delete(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let name = state_machine_name(input.required("stateMachineArn")?)?;
    state.service.delete_state_machine(&name).await?;
    Ok(json!({}))
}

pub async fn list(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let limit = input.max_results(100, 1000)?;
    let after = input.str("nextToken")?;
    if let Some(token) = after
        && check_name(token).is_err()
    {
        return Err(ServiceError::InvalidToken(format!(
            "'{token}' is not a token of this listing"
        ))
        .into());
    }
    let (records, next) = state.service.list_state_machines(after, limit).await?;
    let settings = &state.service.settings;
    let items: Vec<Value> = records
        .iter()
        .map(|r| {
            object([
                (
                    "stateMachineArn",
                    settings.state_machine_arn(&r.name).into(),
                ),
                ("name", r.name.clone().into()),
                ("type", r.kind.clone().into()),
                ("creationDate", epoch(r.created_ms)),
            ])
        })
        .collect();
    Ok(object([
        ("stateMachines", Value::Array(items)),
        ("nextToken", next.map_or(Value::Null, Value::from)),
    ]))
}

pub async fn validate(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let definition = input.required_payload("definition", MAX_DEFINITION_BYTES)?;
    let kind = MachineKind::parse(input.one_of("type", TYPES)?)?;
    let floor = match input.one_of("severity", &["ERROR", "WARNING"])? {
        Some("WARNING") => Severity::Warning,
        _ => Severity::Error,
    };
    let limit = input.max_results(100, 100)?;
    let mut all = state.service.validate(definition);
    if kind == MachineKind::Express && !all.iter().any(|d| d.severity == Severity::Error) {
        all.extend(express_problems(definition));
    }
    let failed = all.iter().any(|d| d.severity == Severity::Error);
    // Errors first, then warnings (when asked for).
    all.sort_by_key(|d| d.severity != Severity::Error);
    all.retain(|d| d.severity == Severity::Error || floor == Severity::Warning);
    let truncated = all.len() > limit;
    all.truncate(limit);
    let diagnostics: Vec<Value> = all.iter().map(diagnostic).collect();
    Ok(json!({
        "result": if failed { "FAIL" } else { "OK" },
        "diagnostics": diagnostics,
        "truncated": truncated,
    }))
}

fn diagnostic(d: &Diagnostic) -> Value {
    object([
        (
            "severity",
            match d.severity {
                Severity::Error => "ERROR",
                Severity::Warning => "WARNING",
            }
            .into(),
        ),
        ("code", d.code.as_str().into()),
        ("message", d.message.clone().into()),
        (
            "location",
            if d.location.is_empty() {
                Value::Null
            } else {
                d.location.clone().into()
            },
        ),
    ])
}

pub async fn describe_for_execution(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let id = execution_id(input.required("executionArn")?)?;
    let exec = state.service.describe_execution(&id).await?;
    let record = state
        .service
        .store
        .get_state_machine_revision(&exec.state_machine, exec.revision)
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(|| {
            AwsError::internal(format!(
                "revision {} of state machine '{}' is missing",
                exec.revision, exec.state_machine
            ))
        })?;
    let mut out = object(described(state, &record));
    if let Value::Object(members) = &mut out {
        members.insert("updateDate".into(), epoch(record.updated_ms));
        members.insert("tracingConfiguration".into(), json!({"enabled": false}));
    }
    Ok(with_variable_references(out, &record))
}
