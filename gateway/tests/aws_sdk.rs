//! The AWS Step Functions API driven by the real AWS SDK client (`aws-sdk-sfn`) against the
//! gateway in-process on 127.0.0.1:0, with engine workers on the same MemoryStore. One test
//! binary, one module per operation family under `aws_sdk/`.

#[path = "aws_sdk/common.rs"]
mod common;

#[path = "aws_sdk/aliases.rs"]
mod aliases;
#[path = "aws_sdk/callbacks.rs"]
mod callbacks;
#[path = "aws_sdk/executions.rs"]
mod executions;
#[path = "aws_sdk/express.rs"]
mod express;
#[path = "aws_sdk/history.rs"]
mod history;
#[path = "aws_sdk/limits.rs"]
mod limits;
#[path = "aws_sdk/machines.rs"]
mod machines;
#[path = "aws_sdk/map_runs.rs"]
mod map_runs;
#[path = "aws_sdk/redrive.rs"]
mod redrive;
#[path = "aws_sdk/sigv4.rs"]
mod sigv4;
#[path = "aws_sdk/tags.rs"]
mod tags;
#[path = "aws_sdk/test_state.rs"]
mod test_state;
#[path = "aws_sdk/test_state_config.rs"]
mod test_state_config;
#[path = "aws_sdk/test_state_fanout.rs"]
mod test_state_fanout;
#[path = "aws_sdk/test_state_jsonata.rs"]
mod test_state_jsonata;
#[path = "aws_sdk/validate.rs"]
mod validate;
#[path = "aws_sdk/variable_references.rs"]
mod variable_references;
#[path = "aws_sdk/versions.rs"]
mod versions;
#[path = "aws_sdk/wire.rs"]
mod wire;
