//! Aliases: CreateStateMachineAlias, DescribeStateMachineAlias, UpdateStateMachineAlias,
//! DeleteStateMachineAlias, ListStateMachineAliases.

use serde_json::{Value, json};

use baton_engine::store::{AliasRecord, Route};

use super::errors::AwsError;
use super::shapes::{Input, epoch, object};
use crate::server::SharedState;
use crate::service::ServiceError;
use crate::service::qualified::{
    Target, alias_target, check_alias_name, machine_target, version_target,
};

/// `routingConfiguration`, when present: its versions (all of one machine, returned) and
/// weights.
fn routing(input: &Input) -> Result<Option<(String, Vec<Route>)>, AwsError> {
    let Some(items) = input.list("routingConfiguration")? else {
        return Ok(None);
    };
    if items.is_empty() || items.len() > 2 {
        return Err(AwsError::constraint(
            "routingConfiguration",
            items.len(),
            "Member must have length between 1 and 2",
        ));
    }
    let mut machine: Option<String> = None;
    let mut routes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("routingConfiguration.{}", i + 1);
        let Some(arn) = item.get("stateMachineVersionArn").and_then(Value::as_str) else {
            return Err(AwsError::missing(&format!(
                "{at}.member.stateMachineVersionArn"
            )));
        };
        let Some(weight) = item.get("weight").and_then(Value::as_u64) else {
            return Err(AwsError::missing(&format!("{at}.member.weight")));
        };
        if weight > 100 {
            return Err(AwsError::constraint(
                &format!("{at}.member.weight"),
                weight,
                "Member must have value less than or equal to 100",
            ));
        }
        let (name, version) = version_target(arn)?;
        if machine.as_ref().is_some_and(|m| *m != name) {
            return Err(AwsError::validation(
                "the versions of a routingConfiguration must belong to the same state machine",
            ));
        }
        machine = Some(name);
        routes.push(Route {
            version,
            weight: weight as u32,
        });
    }
    Ok(machine.map(|m| (m, routes)))
}

fn description(input: &Input) -> Result<Option<&str>, AwsError> {
    input.bounded("description", 256)
}

fn routing_json(state: &SharedState, machine: &str, alias: &AliasRecord) -> Value {
    let routes: Vec<Value> = (alias.routes.iter())
        .map(|r| {
            json!({
                "stateMachineVersionArn": state.service.version_arn(machine, r.version),
                "weight": r.weight,
            })
        })
        .collect();
    Value::Array(routes)
}

/// The model's pattern for alias names (`CharacterRestrictedName`).
const ALIAS_PATTERN: &str = r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$";

pub async fn create(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let name = input.required("name")?;
    if name.chars().count() > 80 {
        return Err(AwsError::too_long("name", 80));
    }
    if check_alias_name(name).is_err() {
        return Err(AwsError::constraint(
            "name",
            name,
            &format!("Member must satisfy regular expression pattern: {ALIAS_PATTERN}"),
        ));
    }
    let description = description(input)?;
    let Some((machine, routes)) = routing(input)? else {
        return Err(AwsError::missing("routingConfiguration"));
    };
    let alias = (state.service)
        .create_alias(&machine, name, description, routes)
        .await?;
    Ok(json!({
        "stateMachineAliasArn": state.service.alias_arn(&machine, &alias.name),
        "creationDate": epoch(alias.created_ms),
    }))
}

pub async fn describe(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let (machine, name) = alias_target(input.required("stateMachineAliasArn")?)?;
    let alias = state.service.describe_alias(&machine, &name).await?;
    Ok(object([
        (
            "stateMachineAliasArn",
            state.service.alias_arn(&machine, &alias.name).into(),
        ),
        ("name", alias.name.clone().into()),
        (
            "description",
            alias.description.clone().map_or(Value::Null, Value::from),
        ),
        (
            "routingConfiguration",
            routing_json(state, &machine, &alias),
        ),
        ("creationDate", epoch(alias.created_ms)),
        ("updateDate", epoch(alias.updated_ms)),
    ]))
}

pub async fn update(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let (machine, name) = alias_target(input.required("stateMachineAliasArn")?)?;
    let description = description(input)?;
    let routing = routing(input)?;
    if description.is_none() && routing.is_none() {
        return Err(AwsError::validation(
            "give a description, a routingConfiguration, or both",
        ));
    }
    let routes = match routing {
        Some((other, _)) if other != machine => {
            return Err(AwsError::validation(
                "the versions of a routingConfiguration must belong to the alias's state machine",
            ));
        }
        Some((_, routes)) => Some(routes),
        None => None,
    };
    let alias = (state.service)
        .update_alias(&machine, &name, description, routes)
        .await?;
    Ok(json!({"updateDate": epoch(alias.updated_ms)}))
}

pub async fn delete(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let (machine, name) = alias_target(input.required("stateMachineAliasArn")?)?;
    state.service.delete_alias(&machine, &name).await?;
    Ok(json!({}))
}

/// The aliases of a machine, or of a version (those routing to it).
pub async fn list(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.required("stateMachineArn")?;
    let (machine, version) = match machine_target(arn)? {
        (machine, Target::Latest) => (machine, None),
        (machine, Target::Version(n)) => (machine, Some(n)),
        (_, Target::Alias(_)) => return Err(ServiceError::InvalidArn(arn.to_owned()).into()),
    };
    let limit = input.max_results(100, 1000)?;
    let offset = match input.str("nextToken")? {
        None => 0,
        Some(token) => token.parse::<usize>().map_err(|_| {
            AwsError::from(ServiceError::InvalidToken(format!(
                "'{token}' is not a token of this listing"
            )))
        })?,
    };
    let (aliases, next) = (state.service)
        .list_aliases(&machine, version, offset, limit)
        .await?;
    let items: Vec<Value> = (aliases.iter())
        .map(|a| {
            json!({
                "stateMachineAliasArn": state.service.alias_arn(&machine, &a.name),
                "creationDate": epoch(a.created_ms),
            })
        })
        .collect();
    Ok(object([
        ("stateMachineAliases", Value::Array(items)),
        (
            "nextToken",
            next.map_or(Value::Null, |n| n.to_string().into()),
        ),
    ]))
}
