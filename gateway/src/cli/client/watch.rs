//! `baton watch SM EXEC`: follows `GET …/events` (Server-Sent Events) to the end of the
//! execution, resuming with `Last-Event-ID` when the connection drops, then prints the
//! outcome and exits with the code of the final status ([`exit::of_status`]).
//!
//! Between bursts of events it asks the server (describe) what the execution waits for,
//! so timers, callbacks (with their tokens) and retries show up as they begin. With
//! `--json` it prints each history event as one JSON line, then the final describe.

use std::io::IsTerminal;
use std::time::Duration;

use clap::Args;
use serde_json::Value;
use tokio::time::{Instant, MissedTickBehavior};

use super::Connect;
use super::error::{CliError, exit, root_cause};
use super::executions::describe_execution;
use super::http::Client;
use super::output::{DIM, paint};
use super::progress::Progress;
use super::sse;

/// Quiet time after an event before asking what the execution waits for.
const PROBE_DELAY: Duration = Duration::from_millis(200);
/// The longest wait between two such questions while a state runs without waiting.
const MAX_PROBE_DELAY: Duration = Duration::from_secs(5);
/// Reconnections in a row that bring nothing before giving up (about a minute).
const MAX_RECONNECTS: u32 = 15;

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub connect: Connect,
    /// The state machine.
    pub machine: String,
    /// The execution's name.
    pub execution: String,
}

/// How one connection to the stream ended.
enum Followed {
    /// The server said the execution ended (`event: end`).
    Ended,
    /// The connection ended early; `progressed` when it brought messages.
    Dropped { detail: String, progressed: bool },
}

/// One watch: where it is in the stream and what it prints.
struct Watch<'a> {
    client: &'a Client,
    machine: &'a str,
    execution: &'a str,
    json: bool,
    tty: bool,
    /// The id of the last history event handled (sent as `Last-Event-ID`).
    last_id: u64,
    /// The server's `retry:` advice: the least time before reconnecting.
    retry: Duration,
    /// The stream was opened once: from then on, failures are retried.
    connected: bool,
    /// The connection was lost and not yet opened again.
    lost: bool,
    progress: Progress,
}

pub async fn watch(
    client: &Client,
    json: bool,
    machine: &str,
    execution: &str,
) -> Result<i32, CliError> {
    let tty = !json && std::io::stdout().is_terminal();
    let mut w = Watch {
        client,
        machine,
        execution,
        json,
        tty,
        last_id: 0,
        retry: Duration::ZERO,
        connected: false,
        lost: false,
        progress: Progress::new(tty),
    };
    if !json {
        let what =
            format!("watching {machine}/{execution} (Ctrl-C stops watching, not the execution)");
        w.progress.line(&paint(DIM, what));
    }
    let mut failures = 0;
    loop {
        let (detail, progressed) = match w.follow().await {
            Ok(Followed::Ended) => break,
            Ok(Followed::Dropped { detail, progressed }) => (detail, progressed),
            // The first connection fails at once; later ones (a server restarting, a
            // store saying "retry") are retried.
            Err(CliError::Unreachable { detail, .. }) if w.connected => (detail, false),
            Err(e) if w.connected && e.code() == Some("ServiceUnavailable") => {
                (e.to_string(), false)
            }
            Err(e) => return Err(e),
        };
        failures = if progressed { 1 } else { failures + 1 };
        if failures > MAX_RECONNECTS {
            return Err(CliError::Unreachable {
                endpoint: client.endpoint().to_owned(),
                detail: format!("the event stream kept dropping ({detail})"),
            });
        }
        if !json && !w.lost {
            w.lost = true;
            let note = format!("           (connection lost: {detail}; reconnecting)");
            w.progress.line(&paint(DIM, note));
        }
        tokio::time::sleep(backoff(failures).max(w.retry)).await;
    }
    let end = describe_execution(client, machine, execution).await?;
    if json {
        let value: Value = serde_json::from_str(&end.raw).unwrap_or(Value::Null);
        outln!("{value}");
    } else {
        w.progress.finish(&end.value);
    }
    Ok(exit::of_status(&end.value.status))
}

/// 250 ms, doubling up to 5 s.
fn backoff(failures: u32) -> Duration {
    let ms = 250u64.saturating_mul(1 << failures.saturating_sub(1).min(5));
    Duration::from_millis(ms.min(5000))
}

impl Watch<'_> {
    /// One connection: reads messages until the end, a drop, or an error.
    async fn follow(&mut self) -> Result<Followed, CliError> {
        let path = [
            "v1",
            "state-machines",
            self.machine,
            "executions",
            self.execution,
            "events",
        ];
        let resume = (self.last_id > 0).then(|| self.last_id.to_string());
        let mut response = self.client.stream(&path, resume.as_deref()).await?;
        self.connected = true;
        if std::mem::take(&mut self.lost) && !self.json {
            let note = format!(
                "           (reconnected: resuming after event {})",
                self.last_id
            );
            self.progress.line(&paint(DIM, note));
        }
        let mut parser = sse::Parser::new();
        let mut progressed = false;
        let mut probe_delay = PROBE_DELAY;
        let mut probe_at = Some(Instant::now() + PROBE_DELAY);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            let probe = async {
                match probe_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                chunk = response.chunk() => {
                    let bytes = match chunk {
                        Ok(Some(bytes)) => bytes,
                        Ok(None) => return Ok(Followed::Dropped {
                            detail: "the server closed the stream before the end".into(),
                            progressed,
                        }),
                        Err(e) => return Ok(Followed::Dropped { detail: root_cause(&e), progressed }),
                    };
                    let messages = parser.feed(&bytes);
                    if let Some(ms) = parser.retry_ms() {
                        self.retry = Duration::from_millis(ms.min(60_000));
                    }
                    for message in messages {
                        progressed = true;
                        match message.event.as_str() {
                            "history" => {
                                self.history(&message.data)?;
                                probe_delay = PROBE_DELAY;
                                probe_at = Some(Instant::now() + probe_delay);
                            }
                            "end" => return Ok(Followed::Ended),
                            _ => {}
                        }
                    }
                }
                () = probe => {
                    probe_at = None;
                    if !self.json && self.probe().await? {
                        probe_delay = (probe_delay * 2).min(MAX_PROBE_DELAY);
                        probe_at = Some(Instant::now() + probe_delay);
                    }
                }
                _ = tick.tick(), if self.tty => self.progress.tick(),
            }
        }
    }

    /// A history event: printed once (a resumed stream may repeat one).
    fn history(&mut self, data: &str) -> Result<(), CliError> {
        let event: Value = serde_json::from_str(data).map_err(|e| {
            CliError::Protocol(format!(
                "the event stream sent an event that is not JSON: {e}"
            ))
        })?;
        let id = event["id"].as_u64().unwrap_or_default();
        if id != 0 && id <= self.last_id {
            return Ok(());
        }
        self.last_id = id.max(self.last_id);
        if self.json {
            outln!("{event}");
        } else {
            self.progress.event(&event);
        }
        Ok(())
    }

    /// Asks what the execution waits for; true when a state still runs without waiting
    /// (ask again later: it may start waiting without a new event).
    async fn probe(&mut self) -> Result<bool, CliError> {
        let e = describe_execution(self.client, self.machine, self.execution).await?;
        self.progress.waits(&e.value);
        Ok(e.value.status == "RUNNING"
            && e.value.current_states.iter().any(|s| s.status == "RUNNING"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_seconds() {
        let ms: Vec<u128> = (1..=8).map(|n| backoff(n).as_millis()).collect();
        assert_eq!(ms, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    }
}
