//! `baton history`: an execution's events as a table (id, time, type, state, detail), and
//! the reading of events that `watch` shares.

use std::collections::HashMap;

use clap::Args;
use serde_json::{Map, Value, json};

use super::error::{CliError, exit};
use super::http::{Client, Reply};
use super::output::{self, DIM, GREEN, PLAIN, RED, Table};
use super::views::HistoryPage;
use super::{Connect, print_raw};

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub connect: Connect,
    /// The state machine.
    pub machine: String,
    /// The execution's name.
    pub execution: String,
}

pub async fn history(client: &Client, json: bool, args: HistoryArgs) -> Result<i32, CliError> {
    let path = [
        "v1",
        "state-machines",
        args.machine.as_str(),
        "executions",
        args.execution.as_str(),
        "history",
    ];
    let mut events: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut first_raw: Option<String> = None;
    let mut pages = 0;
    loop {
        pages += 1;
        let mut query = vec![("limit", "1000".to_owned())];
        query.extend(cursor.take().map(|c| ("cursor", c)));
        let reply: Reply<HistoryPage> = client.get(&path, &query).await?;
        first_raw.get_or_insert(reply.raw);
        events.extend(reply.value.events);
        cursor = reply.value.next;
        if cursor.is_none() {
            break;
        }
    }
    if json {
        // One page: the server's answer; more: one document with every event.
        match (first_raw, pages) {
            (Some(raw), 1) => print_raw(&raw),
            _ => outln!("{}", json!({"events": events})),
        }
        return Ok(exit::OK);
    }
    let mut names = StateNames::default();
    let mut table = Table::new(&["ID", "TIME", "TYPE", "STATE", "DETAIL"]);
    for event in &events {
        let kind = kind(event);
        let style = match kind {
            k if k.ends_with("Failed") || k.ends_with("TimedOut") => RED,
            k if k.ends_with("Succeeded") => GREEN,
            k if k.ends_with("Aborted") => output::YELLOW,
            _ => PLAIN,
        };
        table.styled_row(vec![
            (event["id"].to_string(), DIM),
            (output::time_text(&event["timestamp"]), PLAIN),
            (kind.to_owned(), style),
            (names.state_of(event), output::BOLD),
            (short_detail(event), PLAIN),
        ]);
    }
    out!("{}", table.render());
    Ok(exit::OK)
}

/// The event's `type`.
pub fn kind(event: &Value) -> &str {
    event["type"].as_str().unwrap_or_default()
}

/// The event's `…EventDetails` object.
pub fn details(event: &Value) -> Option<&Map<String, Value>> {
    let object = event.as_object()?;
    object
        .iter()
        .find(|(key, _)| key.ends_with("EventDetails"))
        .and_then(|(_, v)| v.as_object())
}

/// The names of the states events belong to: a state's own events name it, the others
/// follow their `previousEventId` back to one that does.
#[derive(Debug, Default)]
pub struct StateNames {
    by_id: HashMap<u64, String>,
}

impl StateNames {
    pub fn state_of(&mut self, event: &Value) -> String {
        let own = details(event)
            .and_then(|d| d.get("name"))
            .and_then(Value::as_str);
        let name = match own {
            // The execution's own events belong to no state.
            _ if kind(event).starts_with("Execution") => String::new(),
            Some(name) => name.to_owned(),
            None => event["previousEventId"]
                .as_u64()
                .and_then(|p| self.by_id.get(&p).cloned())
                .unwrap_or_default(),
        };
        if let Some(id) = event["id"].as_u64() {
            self.by_id.insert(id, name.clone());
        }
        name
    }
}

/// One line on what an event carries: input, output, error and cause, resource…
pub fn short_detail(event: &Value) -> String {
    let Some(d) = details(event) else {
        return String::new();
    };
    let text = |key: &str| d.get(key).map(output::compact);
    let detail = if let Some(error) = d.get("error").and_then(Value::as_str) {
        match d.get("cause").and_then(Value::as_str) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_owned(),
        }
    } else if let Some(output) = text("output") {
        format!("output {output}")
    } else if let Some(input) = text("input") {
        format!("input {input}")
    } else if let Some(resource) = d.get("resource").and_then(Value::as_str) {
        resource.to_owned()
    } else if let Some(index) = d.get("index") {
        format!("index {index}")
    } else {
        let rest: Map<String, Value> = d
            .iter()
            .filter(|(k, _)| k.as_str() != "name" && !k.ends_with("Details"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if rest.is_empty() {
            String::new()
        } else {
            Value::Object(rest).to_string()
        }
    };
    output::excerpt(&detail, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_without_a_name_take_their_state_from_the_previous_event() {
        let mut names = StateNames::default();
        let entered = json!({"id": 2, "previousEventId": 1, "type": "TaskStateEntered",
            "stateEnteredEventDetails": {"name": "Charge", "input": "{}"}});
        let scheduled = json!({"id": 3, "previousEventId": 2, "type": "TaskScheduled",
            "taskScheduledEventDetails": {"resource": "http:invoke"}});
        let failed = json!({"id": 4, "previousEventId": 3, "type": "TaskFailed",
            "taskFailedEventDetails": {"error": "E", "cause": "c"}});
        assert_eq!(names.state_of(&entered), "Charge");
        assert_eq!(names.state_of(&scheduled), "Charge");
        assert_eq!(names.state_of(&failed), "Charge");
        assert_eq!(short_detail(&failed), "E: c");
        assert_eq!(short_detail(&scheduled), "http:invoke");
        assert_eq!(short_detail(&entered), "input {}");
    }
}
