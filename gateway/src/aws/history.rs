//! GetExecutionHistory, with opaque page tokens.
//!
//! A token names the next event to return and the direction of the listing,
//! `h1.<f|r>.<event id>.<tag>`, where the tag binds it to the execution and direction; a
//! token that does not parse, or belongs to another listing, is `InvalidToken`.

use serde_json::Value;

use baton_engine::store::Store;

use super::errors::AwsError;
use super::shapes::{Input, object};
use crate::server::SharedState;
use crate::service::ServiceError;
use crate::service::names::execution_id;

/// FNV-1a over the execution id and the direction.
fn tag(execution: &str, reverse: bool) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in execution.bytes().chain([u8::from(reverse)]) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

fn direction(reverse: bool) -> &'static str {
    if reverse { "r" } else { "f" }
}

pub fn encode_token(execution: &str, reverse: bool, next_event: u64) -> String {
    format!(
        "h1.{}.{next_event}.{:08x}",
        direction(reverse),
        tag(execution, reverse)
    )
}

/// The next event id a token names, if it is a token of this listing.
pub fn decode_token(token: &str, execution: &str, reverse: bool) -> Option<u64> {
    let mut parts = token.split('.');
    let (Some("h1"), Some(dir), Some(next), Some(check), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let next: u64 = next.parse().ok().filter(|n| *n >= 1)?;
    let fits = dir == direction(reverse)
        && u32::from_str_radix(check, 16).ok() == Some(tag(execution, reverse))
        && check.len() == 8;
    fits.then_some(next)
}

pub async fn get(state: &SharedState, input: &Input) -> Result<Value, AwsError> {
    let id = execution_id(input.required("executionArn")?)?;
    let reverse = input.bool("reverseOrder")?.unwrap_or(false);
    let include_data = input.bool("includeExecutionData")?.unwrap_or(true);
    let limit = input.max_results(100, 1000)?;
    let token = input.bounded("nextToken", 1024)?;
    let exec = state.service.describe_execution(&id).await?;
    let from = match token {
        Some(token) => decode_token(token, &id, reverse).ok_or_else(|| {
            AwsError::from(ServiceError::InvalidToken(format!(
                "'{token}' is not a token of this history listing"
            )))
        })?,
        None if reverse => exec.events,
        None => 1,
    };
    let mut events = state
        .service
        .store
        .history(&id, from, limit + 1, reverse)
        .await
        .map_err(ServiceError::from)?;
    let next = if events.len() > limit {
        events
            .pop()
            .map(|extra| encode_token(&id, reverse, extra.id))
    } else {
        None
    };
    let events: Vec<Value> = events.iter().map(|e| e.to_aws(include_data)).collect();
    Ok(object([
        ("events", Value::Array(events)),
        ("nextToken", next.map_or(Value::Null, Value::from)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_stay_in_their_listing() {
        let token = encode_token("orders:run-1", false, 42);
        assert_eq!(decode_token(&token, "orders:run-1", false), Some(42));
        assert_eq!(decode_token(&token, "orders:run-1", true), None);
        assert_eq!(decode_token(&token, "orders:run-2", false), None);
        let reverse = encode_token("orders:run-1", true, 7);
        assert_eq!(decode_token(&reverse, "orders:run-1", true), Some(7));
        for bad in [
            "",
            "h1",
            "h1.f.0.00000000",
            "h2.f.1.00000000",
            "h1.f.x.1",
            "a.b.c.d.e",
        ] {
            assert_eq!(decode_token(bad, "orders:run-1", false), None, "{bad}");
        }
    }
}
