//! The REST API over HTTP: the app on 127.0.0.1:0 with the in-memory store and an engine
//! worker in process. One module per area; `support` holds the client.

mod callbacks;
mod console;
mod deep;
mod edges;
mod events;
mod executions;
mod history;
mod limits;
mod machines;
mod map_runs;
mod redrive;
mod support;
mod tags;
mod test_state;
mod versions;

use serde_json::{Value, json};

/// Pass → End.
pub fn hello() -> Value {
    json!({"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": {"hello": "world"}, "End": true}}})
}

/// Waits an hour: stays `RUNNING` for the whole test.
pub fn slow() -> Value {
    json!({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": true}}})
}

/// Waits for a callback (the token is passed as `token`), then waits an hour.
pub fn callback() -> Value {
    json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"token.$": "$$.Task.Token"}, "HeartbeatSeconds": 600, "Next": "Hold"},
        "Hold": {"Type": "Wait", "Seconds": 3600, "End": true}}})
}

/// Waits for a callback, then ends.
pub fn callback_then_end() -> Value {
    json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}})
}
