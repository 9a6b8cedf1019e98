//! `baton state-machine create|update|list|describe|delete` (alias `sm`).

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use super::error::{CliError, exit};
use super::http::{Body, Client, Reply};
use super::input;
use super::output::{self, BOLD, DIM, RED, Table, YELLOW, paint};
use super::views::{Diagnostic, MachineList, MachineView};
use super::{Connect, EXIT_CODES, print_raw, report};

#[derive(Args, Debug)]
pub struct MachineArgs {
    #[command(flatten)]
    pub connect: Connect,
    #[command(subcommand)]
    pub command: MachineCommand,
}

#[derive(Subcommand, Debug)]
pub enum MachineCommand {
    /// Creates a state machine from a definition file, JSON or YAML (`-` reads standard
    /// input); fails when one of that name exists. Invalid definitions are refused with
    /// every problem located.
    #[command(after_help = EXIT_CODES)]
    Create(PutArgs),
    /// Stores a new revision of an existing state machine (unchanged when the definition
    /// is the same).
    #[command(after_help = EXIT_CODES)]
    Update(PutArgs),
    /// Lists the state machines, by name.
    #[command(after_help = EXIT_CODES, visible_alias = "ls")]
    List,
    /// Shows a state machine and its executions by status; `--definition` prints its
    /// definition (JSON) instead.
    #[command(after_help = EXIT_CODES)]
    Describe {
        name: String,
        /// Print the definition only, as JSON.
        #[arg(long)]
        definition: bool,
        /// A past revision (default: the latest).
        #[arg(long)]
        revision: Option<u32>,
    },
    /// Deletes a state machine (its running executions still finish).
    #[command(after_help = EXIT_CODES, visible_alias = "rm")]
    Delete { name: String },
}

#[derive(Args, Debug)]
pub struct PutArgs {
    /// The state machine's name.
    pub name: String,
    /// The definition: a `.json`, `.yaml` or `.yml` file, or `-` for standard input.
    pub file: String,
    /// STANDARD (default) or EXPRESS; only when creating.
    #[arg(long = "type", value_parser = ["STANDARD", "EXPRESS"])]
    pub kind: Option<String>,
    /// The role shown as `$$.Execution.RoleArn` (kept on updates when absent).
    #[arg(long)]
    pub role_arn: Option<String>,
    /// How long finished executions are kept (`90d`, `12h`; default: the server's).
    #[arg(long)]
    pub retention: Option<String>,
}

pub async fn run(client: &Client, json: bool, command: MachineCommand) -> Result<i32, CliError> {
    match command {
        MachineCommand::Create(args) => put(client, json, args, true).await,
        MachineCommand::Update(args) => put(client, json, args, false).await,
        MachineCommand::List => list(client, json).await,
        MachineCommand::Describe {
            name,
            definition,
            revision,
        } => describe(client, json, &name, definition, revision).await,
        MachineCommand::Delete { name } => {
            let _: Reply<Value> = client
                .call(
                    Method::DELETE,
                    &["v1", "state-machines", &name],
                    &[],
                    Body::Empty,
                )
                .await?;
            if !json {
                outln!("deleted state machine {}", paint(BOLD, &name));
            }
            Ok(exit::OK)
        }
    }
}

async fn get_machine(
    client: &Client,
    name: &str,
    revision: Option<u32>,
) -> Result<Reply<MachineView>, CliError> {
    let query: Vec<(&str, String)> = revision
        .map(|r| ("revision", r.to_string()))
        .into_iter()
        .collect();
    client.get(&["v1", "state-machines", name], &query).await
}

async fn put(client: &Client, json: bool, args: PutArgs, create: bool) -> Result<i32, CliError> {
    let (bytes, content_type) = input::definition(&args.file)?;
    // `PUT` creates or revises; the two commands say which one is meant.
    let before = match get_machine(client, &args.name, None).await {
        Ok(existing) => Some(existing.value),
        Err(e) if e.code() == Some("StateMachineDoesNotExist") => None,
        Err(e) => return Err(e),
    };
    match (&before, create) {
        (Some(m), true) => {
            let message = format!(
                "state machine '{}' exists (revision {}); `baton sm update` stores a new revision",
                m.name, m.revision
            );
            return Err(CliError::api("StateMachineAlreadyExists", message));
        }
        (None, false) => {
            let message = format!(
                "state machine '{}' does not exist; `baton sm create` creates it",
                args.name
            );
            return Err(CliError::api("StateMachineDoesNotExist", message));
        }
        _ => {}
    }
    let query: Vec<(&str, String)> = [
        ("type", args.kind),
        ("roleArn", args.role_arn),
        ("retention", args.retention),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let body = Body::Raw {
        bytes,
        content_type,
    };
    let path = ["v1", "state-machines", args.name.as_str()];
    let reply: Reply<MachineView> = match client.call(Method::PUT, &path, &query, body).await {
        Ok(reply) => reply,
        Err(e) if e.code() == Some("InvalidDefinition") => {
            report(&e, json);
            print_diagnostics(&args.file, &e);
            return Ok(exit::ERROR);
        }
        Err(e) => return Err(e),
    };
    if json {
        print_raw(&reply.raw);
        return Ok(exit::OK);
    }
    let m = &reply.value;
    let what = match before {
        None => "created",
        Some(old) if old.revision == m.revision => "unchanged",
        Some(_) => "updated",
    };
    outln!(
        "{what} state machine {} (revision {}, {})",
        paint(BOLD, &m.name),
        m.revision,
        m.kind
    );
    outln!("{}", paint(DIM, &m.arn));
    Ok(exit::OK)
}

/// Each diagnostic on its own line, as compilers print them:
/// `orders.yaml:7:11: error: <message> [CODE] at /States/A/Next`.
fn print_diagnostics(file: &str, e: &CliError) {
    let CliError::Api(failure) = e else {
        return;
    };
    let diagnostics: Vec<Diagnostic> =
        serde_json::from_value(failure.body["diagnostics"].clone()).unwrap_or_default();
    let file = if file == "-" { "<stdin>" } else { file };
    for d in &diagnostics {
        let place = match (d.line, d.column) {
            (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
            (Some(line), None) => format!("{file}:{line}"),
            _ => file.to_owned(),
        };
        let severity = d.severity.to_ascii_lowercase();
        let style = if severity == "error" { RED } else { YELLOW };
        let at = match d.at() {
            "" => "the whole document".to_owned(),
            pointer => pointer.to_owned(),
        };
        anstream::eprintln!(
            "  {place}: {}: {} [{}] at {}",
            paint(style.bold(), &severity),
            d.message,
            d.code,
            paint(BOLD, at)
        );
    }
}

async fn list(client: &Client, json: bool) -> Result<i32, CliError> {
    let mut machines: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    let mut first_raw = String::new();
    loop {
        let mut query = vec![("limit", "1000".to_owned())];
        query.extend(cursor.take().map(|c| ("cursor", c)));
        let reply: Reply<Value> = client.get(&["v1", "state-machines"], &query).await?;
        pages += 1;
        if pages == 1 {
            first_raw.clone_from(&reply.raw);
        }
        machines.extend(
            reply.value["stateMachines"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        cursor = reply.value["next"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    if json {
        // One page: the server's answer; more: one document with every machine.
        match pages {
            1 => print_raw(&first_raw),
            _ => outln!("{}", json!({"stateMachines": machines})),
        }
        return Ok(exit::OK);
    }
    let list: MachineList = serde_json::from_value(json!({"stateMachines": machines}))
        .map_err(|e| CliError::Protocol(format!("unexpected state machine listing: {e}")))?;
    if list.state_machines.is_empty() {
        outln!("no state machines");
        return Ok(exit::OK);
    }
    let mut table = Table::new(&["NAME", "TYPE", "REVISION", "UPDATED"]);
    for m in list.state_machines {
        table.row(vec![m.name, m.kind, m.revision.to_string(), m.updated_at]);
    }
    out!("{}", table.render());
    Ok(exit::OK)
}

async fn describe(
    client: &Client,
    json: bool,
    name: &str,
    definition: bool,
    revision: Option<u32>,
) -> Result<i32, CliError> {
    let reply = get_machine(client, name, revision).await?;
    if json {
        print_raw(&reply.raw);
        return Ok(exit::OK);
    }
    let m = reply.value;
    if definition {
        outln!("{}", output::pretty(&m.definition.unwrap_or_default()));
        return Ok(exit::OK);
    }
    let counts = m
        .execution_counts
        .map(|counts| {
            let parts: Vec<String> = counts
                .iter()
                .map(|(status, n)| format!("{} {n}", paint(output::status_style(status), status)))
                .collect();
            parts.join("  ")
        })
        .unwrap_or_default();
    outln!("{}", paint(BOLD, &m.name));
    out!(
        "{}",
        output::fields(&[
            ("Revision", m.revision.to_string()),
            ("Type", m.kind),
            ("ARN", m.arn),
            ("Role", m.role_arn),
            ("Created", output::time_and_age(&m.created_at)),
            ("Updated", output::time_and_age(&m.updated_at)),
            ("Executions", counts),
        ])
    );
    Ok(exit::OK)
}
