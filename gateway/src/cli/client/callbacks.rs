//! `baton callback success|failure|heartbeat TOKEN`: answers a task waiting for its task
//! token (the token is the credential; `baton describe` shows the open ones).

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Map, Value};

use super::error::{CliError, exit};
use super::http::{Body, Client, Reply};
use super::output::{BOLD, paint};
use super::{Connect, EXIT_CODES, input, print_raw};

#[derive(Args, Debug)]
pub struct CallbackArgs {
    #[command(flatten)]
    pub connect: Connect,
    #[command(subcommand)]
    pub command: CallbackCommand,
}

#[derive(Subcommand, Debug)]
pub enum CallbackCommand {
    /// The task succeeds with this output.
    #[command(after_help = EXIT_CODES)]
    Success {
        /// The task token.
        token: String,
        /// The task's output: JSON, or @FILE (@- reads standard input). Default `{}`.
        #[arg(long)]
        output: Option<String>,
    },
    /// The task fails with this error and cause (its Retry and Catch see them).
    #[command(after_help = EXIT_CODES)]
    Failure {
        /// The task token.
        token: String,
        #[arg(long)]
        error: Option<String>,
        #[arg(long)]
        cause: Option<String>,
    },
    /// The task is still working: restarts its HeartbeatSeconds clock.
    #[command(after_help = EXIT_CODES)]
    Heartbeat {
        /// The task token.
        token: String,
    },
}

pub async fn run(client: &Client, json: bool, command: CallbackCommand) -> Result<i32, CliError> {
    let (token, verb, body) = match command {
        CallbackCommand::Success { token, output } => {
            let output = match output {
                Some(arg) => input::json_arg("--output", &arg)?,
                None => Value::Object(Map::new()),
            };
            (token, "success", Body::Json(output))
        }
        CallbackCommand::Failure {
            token,
            error,
            cause,
        } => {
            let mut body = Map::new();
            body.extend(error.map(|e| ("error".to_owned(), Value::from(e))));
            body.extend(cause.map(|c| ("cause".to_owned(), Value::from(c))));
            (token, "failure", Body::Json(Value::Object(body)))
        }
        CallbackCommand::Heartbeat { token } => (token, "heartbeat", Body::Empty),
    };
    let token = token.trim();
    let path = ["v1", "callbacks", token, verb];
    let reply: Reply<Value> = client.call(Method::POST, &path, &[], body).await?;
    if json {
        print_raw(&reply.raw);
    } else {
        outln!("{} accepted", paint(BOLD, verb));
    }
    Ok(exit::OK)
}
