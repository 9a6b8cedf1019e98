//! Tags of state machines: TagResource, UntagResource, ListTagsForResource, and the `tags`
//! of CreateStateMachine. Tags belong to the machine (every revision) and go with it.

use serde_json::{Value, json};

use baton_engine::store::{MAX_TAGS, Store, TagOutcome};

use super::errors::AwsError;
use super::shapes::Input;
use crate::server::SharedState;
use crate::service::ServiceError;
use crate::service::names::state_machine_name;
use crate::service::tags::{check_tag_key, check_tag_value};

/// The `tags` member (`[{"key": …, "value": …}]`), checked; empty when absent.
pub fn tags_of(input: &Input) -> Result<Vec<(String, String)>, AwsError> {
    let Some(items) = input.list("tags")? else {
        return Ok(Vec::new());
    };
    let mut tags: Vec<(String, String)> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let key = item.get("key").and_then(Value::as_str);
        let value = item.get("value").and_then(Value::as_str).unwrap_or("");
        let Some(key) = key else {
            return Err(AwsError::validation(format!(
                "tags[{i}]: a tag needs a string key"
            )));
        };
        check_key(key, &format!("tags[{i}].key"))?;
        check_tag_value(value, &format!("tags[{i}].value")).map_err(AwsError::validation)?;
        // The last value given for a key wins, as one request.
        tags.retain(|(k, _)| k != key);
        tags.push((key.to_owned(), value.to_owned()));
    }
    if tags.len() > MAX_TAGS {
        return Err(too_many(
            input
                .str("resourceArn")?
                .or(input.str("name")?)
                .unwrap_or(""),
        ));
    }
    Ok(tags)
}

fn check_key(key: &str, at: &str) -> Result<(), AwsError> {
    check_tag_key(key, at).map_err(AwsError::validation)
}

fn too_many(resource: &str) -> AwsError {
    AwsError::new(
        "TooManyTags",
        format!("{resource} would have more than {MAX_TAGS} tags"),
    )
}

fn not_found(arn: &str) -> AwsError {
    AwsError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

/// Sets the tags of a machine just created (nothing to check: it exists, and the count was
/// checked).
pub async fn tag_new(
    state: &SharedState,
    name: &str,
    tags: &[(String, String)],
) -> Result<(), AwsError> {
    if tags.is_empty() {
        return Ok(());
    }
    state
        .service
        .store
        .tag_state_machine(name, tags)
        .await
        .map_err(ServiceError::from)?;
    Ok(())
}

pub async fn tag(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.required("resourceArn")?;
    let name = state_machine_name(arn)?;
    if input.list("tags")?.is_none() {
        return Err(AwsError::missing("tags"));
    }
    let tags = tags_of(input)?;
    match state
        .service
        .store
        .tag_state_machine(&name, &tags)
        .await
        .map_err(ServiceError::from)?
    {
        TagOutcome::Tagged => Ok(json!({})),
        TagOutcome::NoStateMachine => Err(not_found(arn)),
        TagOutcome::TooMany => Err(too_many(arn)),
    }
}

pub async fn untag(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.required("resourceArn")?;
    let name = state_machine_name(arn)?;
    let Some(items) = input.list("tagKeys")? else {
        return Err(AwsError::missing("tagKeys"));
    };
    let mut keys = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(key) = item.as_str() else {
            return Err(AwsError::validation(format!(
                "tagKeys[{i}]: a key is a string"
            )));
        };
        check_key(key, &format!("tagKeys[{i}]"))?;
        keys.push(key.to_owned());
    }
    if state
        .service
        .store
        .untag_state_machine(&name, &keys)
        .await
        .map_err(ServiceError::from)?
    {
        Ok(json!({}))
    } else {
        Err(not_found(arn))
    }
}

pub async fn list(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let arn = input.required("resourceArn")?;
    let name = state_machine_name(arn)?;
    let tags = state
        .service
        .store
        .state_machine_tags(&name)
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(|| not_found(arn))?;
    let tags: Vec<Value> = tags
        .into_iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect();
    Ok(json!({ "tags": tags }))
}
