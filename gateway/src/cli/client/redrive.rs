//! `baton redrive`: a FAILED, TIMED_OUT or ABORTED execution goes on from the states that
//! did not succeed, on its own revision or (`--revision`) another one.

use clap::Args;
use reqwest::Method;

use super::error::{CliError, exit};
use super::http::{Body, Client, Reply};
use super::output::{BOLD, paint, status_style};
use super::views::ExecutionView;
use super::{Connect, print_raw};

#[derive(Args, Debug)]
pub struct RedriveArgs {
    #[command(flatten)]
    pub connect: Connect,
    /// The state machine.
    pub machine: String,
    /// The execution's name.
    pub execution: String,
    /// Go on with this revision of the state machine: a number, or `latest` (default: the
    /// execution's own).
    #[arg(long)]
    pub revision: Option<String>,
}

pub async fn redrive(client: &Client, json: bool, args: RedriveArgs) -> Result<i32, CliError> {
    let path = [
        "v1",
        "state-machines",
        args.machine.as_str(),
        "executions",
        args.execution.as_str(),
        "redrive",
    ];
    let query: Vec<(&str, String)> = args.revision.map(|r| ("revision", r)).into_iter().collect();
    let reply: Reply<ExecutionView> = client
        .call(Method::POST, &path, &query, Body::Empty)
        .await?;
    if json {
        print_raw(&reply.raw);
    } else {
        let e = &reply.value;
        outln!(
            "redrove {}/{} (revision {}): {}",
            e.state_machine,
            paint(BOLD, &e.name),
            e.revision,
            paint(status_style(&e.status), &e.status)
        );
    }
    Ok(exit::OK)
}
