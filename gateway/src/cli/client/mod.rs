//! `baton` as a client of a running server (issue #9): state machines (`baton sm …`),
//! executions (`start`, `executions`, `describe`, `history`, `stop`, `watch`) and
//! callbacks (`baton callback …`), over the REST API of `/v1` and its event stream.
//!
//! Human output by default (colours only on a terminal, never with `NO_COLOR`); `--json`
//! prints the server's answer as it is. Errors go to standard error as
//! `error: <Code>: <message>`; the exit codes are [`error::exit`].

/// `print!` for the client's output: styles are stripped where colours are off (see
/// [`output::write_stdout`]), and a closed pipe (`baton history … | head`) ends the process
/// quietly rather than in a panic.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::client::output::write_stdout(&format!($($arg)*))
    };
}

/// [`out!`] and a newline.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::client::output::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod callbacks;
mod error;
mod executions;
mod history;
mod http;
mod input;
mod machines;
mod output;
mod progress;
mod redrive;
mod sse;
mod views;
mod watch;

use clap::{Args, Subcommand};

pub use error::CliError;
pub use http::Client;
use output::{BOLD, RED, YELLOW, paint};

/// The exit codes, at the end of every client command's `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  done (watch: the execution SUCCEEDED)
  1  the server answered with an error, or the command's input is unusable
  2  the command line is wrong
  3  the server could not be reached
  4  watch: the execution FAILED
  5  watch: the execution TIMED_OUT
  6  watch: the execution was ABORTED";

/// `baton serve`'s own default address.
const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:8080";

/// Where the server is, how to authenticate, and the output format: options of every
/// client command.
#[derive(Args, Debug, Clone)]
pub struct Connect {
    /// The baton server (its base URL).
    #[arg(
        long,
        env = "BATON_ENDPOINT",
        default_value = DEFAULT_ENDPOINT,
        global = true
    )]
    pub endpoint: String,
    /// A bearer token of a server started with `--auth-token` (sent as
    /// `Authorization: Bearer`).
    #[arg(
        long = "auth-token",
        env = "BATON_AUTH_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub auth_token: Option<String>,
    /// Machine output: the server's JSON answer as it is, one document (an error's too,
    /// besides the line on standard error).
    #[arg(long, global = true)]
    pub json: bool,
}

impl Connect {
    pub fn client(&self) -> Result<Client, CliError> {
        // An empty `BATON_ENDPOINT=` means the default, as an unset one does.
        let endpoint = match self.endpoint.trim() {
            "" => DEFAULT_ENDPOINT,
            endpoint => endpoint,
        };
        Client::new(endpoint, self.auth_token.as_deref())
    }
}

/// The client subcommands of `baton`.
#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Creates, updates, lists, describes and deletes state machines.
    #[command(name = "state-machine", visible_alias = "sm", after_help = EXIT_CODES)]
    StateMachine(machines::MachineArgs),
    /// Starts an execution; `--watch` follows it to its end.
    #[command(after_help = EXIT_CODES)]
    Start(executions::StartArgs),
    /// Lists the executions of a state machine, newest first.
    #[command(after_help = EXIT_CODES)]
    Executions(executions::ListArgs),
    /// Describes an execution: status, times, current states, open callbacks (with their
    /// tokens), output or error.
    #[command(after_help = EXIT_CODES)]
    Describe(executions::DescribeArgs),
    /// Prints the history of an execution, event by event.
    #[command(after_help = EXIT_CODES)]
    History(history::HistoryArgs),
    /// Stops a running execution (it ends ABORTED).
    #[command(after_help = EXIT_CODES)]
    Stop(executions::StopArgs),
    /// Redrives a FAILED, TIMED_OUT or ABORTED execution: it goes on from the states that
    /// did not succeed (`--revision N|latest`: on another revision of its state machine).
    #[command(after_help = EXIT_CODES)]
    Redrive(redrive::RedriveArgs),
    /// Follows an execution until it ends: states as they are entered and left, what it
    /// waits for, then its outcome; the exit code tells how it ended.
    #[command(after_help = EXIT_CODES)]
    Watch(watch::WatchArgs),
    /// Answers a task waiting for a callback: success, failure or heartbeat.
    #[command(after_help = EXIT_CODES)]
    Callback(callbacks::CallbackArgs),
}

impl ClientCommand {
    fn connect(&self) -> &Connect {
        match self {
            ClientCommand::StateMachine(a) => &a.connect,
            ClientCommand::Start(a) => &a.connect,
            ClientCommand::Executions(a) => &a.connect,
            ClientCommand::Describe(a) => &a.connect,
            ClientCommand::History(a) => &a.connect,
            ClientCommand::Stop(a) => &a.connect,
            ClientCommand::Redrive(a) => &a.connect,
            ClientCommand::Watch(a) => &a.connect,
            ClientCommand::Callback(a) => &a.connect,
        }
    }
}

/// Runs a client command; returns the process's exit code.
pub async fn run(command: ClientCommand) -> i32 {
    let connect = command.connect().clone();
    let result = match connect.client() {
        Ok(client) => dispatch(&client, connect.json, command).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report(&e, connect.json);
            e.exit_code()
        }
    }
}

async fn dispatch(client: &Client, json: bool, command: ClientCommand) -> Result<i32, CliError> {
    match command {
        ClientCommand::StateMachine(a) => machines::run(client, json, a.command).await,
        ClientCommand::Start(a) => executions::start(client, json, a).await,
        ClientCommand::Executions(a) => executions::list(client, json, a).await,
        ClientCommand::Describe(a) => executions::describe(client, json, a).await,
        ClientCommand::History(a) => history::history(client, json, a).await,
        ClientCommand::Stop(a) => executions::stop(client, json, a).await,
        ClientCommand::Redrive(a) => redrive::redrive(client, json, a).await,
        ClientCommand::Watch(a) => watch::watch(client, json, &a.machine, &a.execution).await,
        ClientCommand::Callback(a) => callbacks::run(client, json, a.command).await,
    }
}

/// Prints a failure: `error: …` on standard error (with a hint where one helps), and with
/// `--json` the server's error answer on standard output.
pub fn report(e: &CliError, json: bool) {
    if let (true, CliError::Api(failure)) = (json, e) {
        print_raw(&failure.raw);
    }
    anstream::eprintln!("{} {e}", paint(RED.bold(), "error:"));
    let hint = match e {
        CliError::Api(failure) if failure.code == "Unauthorized" => {
            "the server wants a token: pass --auth-token or set BATON_AUTH_TOKEN"
        }
        CliError::Unreachable { .. } => {
            "is `baton serve` running there? Name another with --endpoint or BATON_ENDPOINT"
        }
        _ => return,
    };
    anstream::eprintln!("{} {hint}", paint(YELLOW.bold(), "hint:"));
}

/// A server answer as it was sent, ending with one newline.
pub fn print_raw(raw: &str) {
    let raw = raw.trim_end();
    if !raw.is_empty() {
        outln!("{raw}");
    }
}

/// A heading line in bold.
fn heading(text: &str) -> String {
    paint(BOLD, text)
}
