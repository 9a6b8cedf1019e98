//! `baton start`, `baton executions`, `baton describe` and `baton stop`.

use chrono::Utc;
use clap::Args;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::error::{CliError, exit};
use super::http::{Body, Client, Reply};
use super::output::{self, BOLD, DIM, Table, paint, status_style};
use super::views::{ExecutionList, ExecutionView, within_text};
use super::{Connect, heading, input, print_raw, watch};

#[derive(Args, Debug)]
pub struct StartArgs {
    #[command(flatten)]
    pub connect: Connect,
    /// The state machine.
    pub machine: String,
    /// The execution's name (unique per state machine; default: a random UUID).
    #[arg(long)]
    pub name: Option<String>,
    /// The input: JSON, or @FILE (@- reads standard input). Default `{}`.
    #[arg(long)]
    pub input: Option<String>,
    /// Follow the execution to its end (as `baton watch`); the exit code tells how it
    /// ended.
    #[arg(long)]
    pub watch: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub connect: Connect,
    /// The state machine.
    pub machine: String,
    /// Only executions with this status.
    #[arg(long, value_parser = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"])]
    pub status: Option<String>,
    /// Only executions whose name starts with this.
    #[arg(long)]
    pub name_prefix: Option<String>,
    /// Only executions started at or after this time (RFC 3339, e.g. 2026-12-06T08:00:00Z).
    #[arg(long)]
    pub started_after: Option<String>,
    /// Only executions started before this time (RFC 3339).
    #[arg(long)]
    pub started_before: Option<String>,
    /// At most this many (1–1000; default 100).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: Option<u32>,
    /// Continue a listing: the cursor printed after its last page.
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Args, Debug)]
pub struct DescribeArgs {
    #[command(flatten)]
    pub connect: Connect,
    /// The state machine.
    pub machine: String,
    /// The execution's name.
    pub execution: String,
}

#[derive(Args, Debug)]
pub struct StopArgs {
    #[command(flatten)]
    pub connect: Connect,
    /// The state machine.
    pub machine: String,
    /// The execution's name.
    pub execution: String,
    /// The error name recorded (default: none).
    #[arg(long)]
    pub error: Option<String>,
    /// The cause recorded.
    #[arg(long)]
    pub cause: Option<String>,
}

pub async fn start(client: &Client, json: bool, args: StartArgs) -> Result<i32, CliError> {
    let input = match &args.input {
        Some(arg) => input::json_arg("--input", arg)?,
        None => Value::Object(Map::new()),
    };
    let mut body = json!({"input": input});
    if let Some(name) = &args.name {
        body["name"] = Value::from(name.as_str());
    }
    let path = ["v1", "state-machines", args.machine.as_str(), "executions"];
    let reply: Reply<ExecutionView> = client
        .call(Method::POST, &path, &[], Body::Json(body))
        .await?;
    let e = &reply.value;
    if json && !args.watch {
        print_raw(&reply.raw);
        return Ok(exit::OK);
    }
    if !json {
        let what = if reply.status == 201 {
            "started"
        } else {
            "already running:"
        };
        outln!(
            "{what} {}/{} {}",
            e.state_machine,
            paint(BOLD, &e.name),
            paint(status_style(&e.status), &e.status)
        );
        if !args.watch {
            outln!("{}", paint(DIM, &e.arn));
            outln!(
                "{}",
                paint(
                    DIM,
                    format!("follow it: baton watch {} {}", args.machine, e.name)
                )
            );
        }
    }
    if args.watch {
        return watch::watch(client, json, &args.machine, &e.name).await;
    }
    Ok(exit::OK)
}

pub async fn list(client: &Client, json: bool, args: ListArgs) -> Result<i32, CliError> {
    let query: Vec<(&str, String)> = [
        ("status", args.status),
        ("namePrefix", args.name_prefix),
        ("startedAfter", args.started_after),
        ("startedBefore", args.started_before),
        ("limit", args.limit.map(|l| l.to_string())),
        ("cursor", args.cursor),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let path = ["v1", "state-machines", args.machine.as_str(), "executions"];
    let reply: Reply<ExecutionList> = client.get(&path, &query).await?;
    if json {
        print_raw(&reply.raw);
        return Ok(exit::OK);
    }
    let list = reply.value;
    if list.executions.is_empty() && list.next.is_some() {
        // A name prefix scans a bounded number of entries per request.
        outln!("no match among the executions read so far");
    } else if list.executions.is_empty() {
        outln!("no executions");
    } else {
        let mut table = Table::new(&["NAME", "STATUS", "STARTED", "DURATION", "REVISION"]);
        for e in list.executions {
            let took = took(&e);
            table.styled_row(vec![
                (e.name, output::PLAIN),
                (e.status.clone(), status_style(&e.status)),
                (e.started_at, output::PLAIN),
                (took, output::PLAIN),
                (e.revision.to_string(), output::PLAIN),
            ]);
        }
        out!("{}", table.render());
    }
    if let Some(next) = list.next {
        anstream::eprintln!("{}", paint(DIM, format!("more: --cursor {next}")));
    }
    Ok(exit::OK)
}

/// How long an execution ran (until now while it runs).
fn took(e: &ExecutionView) -> String {
    let Some(started) = output::parse_time_text(&e.started_at) else {
        return String::new();
    };
    match e.stopped_at.as_deref().map(output::parse_time_text) {
        Some(Some(stopped)) => output::duration(stopped - started),
        Some(None) => String::new(),
        None => format!("{}…", output::duration(Utc::now() - started)),
    }
}

pub async fn describe(client: &Client, json: bool, args: DescribeArgs) -> Result<i32, CliError> {
    let reply = describe_execution(client, &args.machine, &args.execution).await?;
    if json {
        print_raw(&reply.raw);
    } else {
        out!("{}", describe_text(&reply.value));
    }
    Ok(exit::OK)
}

/// `GET …/executions/{execution}`.
pub async fn describe_execution(
    client: &Client,
    machine: &str,
    execution: &str,
) -> Result<Reply<ExecutionView>, CliError> {
    let path = ["v1", "state-machines", machine, "executions", execution];
    client.get(&path, &[]).await
}

/// An execution for people.
pub fn describe_text(e: &ExecutionView) -> String {
    let mut out = format!(
        "{}/{}  {}\n",
        e.state_machine,
        paint(BOLD, &e.name),
        paint(status_style(&e.status).bold(), &e.status)
    );
    out.push_str(&output::fields(&[
        ("ARN", e.arn.clone()),
        ("Revision", e.revision.to_string()),
        ("Started", output::time_and_age(&e.started_at)),
        ("Stopped", e.stopped_at.clone().unwrap_or_default()),
        ("Duration", took(e)),
    ]));
    if !e.current_states.is_empty() {
        let total = e
            .current_states_total
            .unwrap_or(e.current_states.len() as u64);
        out.push_str(&heading(&format!("Current states ({total})")));
        out.push('\n');
        let mut table = Table::new(&["STATE", "STATUS", "SINCE", "WITHIN"]);
        for s in &e.current_states {
            table.styled_row(vec![
                (s.name.clone(), BOLD),
                (s.status.clone(), status_style(&s.status)),
                (since(s.entered_at.as_deref()), output::PLAIN),
                (within_text(&s.within), output::PLAIN),
            ]);
        }
        out.push_str(&indent(&table.render()));
    }
    if !e.open_callbacks.is_empty() {
        out.push_str(&heading(&format!(
            "Open callbacks ({})",
            e.open_callbacks.len()
        )));
        out.push('\n');
        let mut table = Table::new(&["STATE", "SINCE", "WITHIN", "TOKEN"]);
        for c in &e.open_callbacks {
            table.styled_row(vec![
                (c.state.clone(), BOLD),
                (since(c.since.as_deref()), output::PLAIN),
                (within_text(&c.within), output::PLAIN),
                (c.token.clone(), output::PLAIN),
            ]);
        }
        out.push_str(&indent(&table.render()));
    }
    for (label, value) in [("Input", &e.input), ("Output", &e.output)] {
        if let Some(value) = value {
            out.push_str(&format!(
                "{}\n{}",
                heading(label),
                indent(&output::pretty(value))
            ));
        }
    }
    if let Some(error) = &e.error {
        out.push_str(&format!("{} {error}\n", heading("Error")));
    }
    if let Some(cause) = &e.cause {
        out.push_str(&format!("{} {cause}\n", heading("Cause")));
    }
    out
}

/// `12.3s ago`.
fn since(time: Option<&str>) -> String {
    match time.and_then(output::parse_time_text) {
        Some(t) => format!("{} ago", output::duration(Utc::now() - t)),
        None => String::new(),
    }
}

fn indent(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

pub async fn stop(client: &Client, json: bool, args: StopArgs) -> Result<i32, CliError> {
    let mut body = Map::new();
    if let Some(error) = args.error {
        body.insert("error".into(), Value::from(error));
    }
    if let Some(cause) = args.cause {
        body.insert("cause".into(), Value::from(cause));
    }
    let path = [
        "v1",
        "state-machines",
        args.machine.as_str(),
        "executions",
        args.execution.as_str(),
        "stop",
    ];
    let reply: Reply<ExecutionView> = client
        .call(Method::POST, &path, &[], Body::Json(Value::Object(body)))
        .await?;
    if json {
        print_raw(&reply.raw);
    } else {
        let e = &reply.value;
        outln!(
            "stopped {}/{}: {}",
            e.state_machine,
            paint(BOLD, &e.name),
            paint(status_style(&e.status), &e.status)
        );
    }
    Ok(exit::OK)
}
