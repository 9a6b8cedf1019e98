//! What `baton watch` prints for people: states as they are entered and left (with the
//! time since the start and how long each took), what the execution waits for (a timer, a
//! callback and its token, a retry), a ticking line on a terminal while it waits, and the
//! outcome.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::history::{self, StateNames};
use super::output::{self, BOLD, DIM, GREEN, RED, YELLOW, paint, status_style};
use super::views::{ExecutionView, within_text};

/// The printer of one watch.
#[derive(Debug)]
pub struct Progress {
    /// Standard output is a terminal: the waiting line ticks in place.
    tty: bool,
    started: Option<DateTime<Utc>>,
    /// Entered and not yet left: state name → when (a stack: iterations reuse names).
    open: HashMap<String, Vec<DateTime<Utc>>>,
    names: StateNames,
    /// Waits already printed (state, where, what, token).
    shown: HashSet<String>,
    /// What it waits for now, for the ticking line: label and since when.
    waiting: Vec<(String, DateTime<Utc>)>,
    /// Characters of the ticking line on screen (0: none).
    ticker: usize,
    hinted: bool,
}

impl Progress {
    pub fn new(tty: bool) -> Progress {
        Progress {
            tty,
            started: None,
            open: HashMap::new(),
            names: StateNames::default(),
            shown: HashSet::new(),
            waiting: Vec::new(),
            ticker: 0,
            hinted: false,
        }
    }

    /// A line of output (the ticking line is cleared first).
    pub fn line(&mut self, text: &str) {
        self.clear_ticker();
        outln!("{text}");
    }

    /// `+1.25s` since the execution started.
    fn offset(&self, at: Option<DateTime<Utc>>) -> String {
        match (self.started, at) {
            (Some(start), Some(at)) => format!("+{}", output::duration(at - start)),
            _ => String::new(),
        }
    }

    /// One history event.
    pub fn event(&mut self, event: &Value) {
        let kind = history::kind(event);
        let at = output::parse_time(&event["timestamp"]);
        let state = self.names.state_of(event);
        if kind == "ExecutionStarted" {
            self.started = at;
            return;
        }
        let offset = paint(DIM, format!("{:>9}", self.offset(at)));
        if let Some(type_name) = kind.strip_suffix("StateEntered") {
            if let Some(at) = at {
                self.open.entry(state.clone()).or_default().push(at);
            }
            self.waiting.clear();
            let text = format!(
                "{offset}  → {} {}",
                paint(BOLD, &state),
                paint(DIM, type_name)
            );
            self.line(&text);
        } else if kind.ends_with("StateExited") {
            let entered = self.open.get_mut(&state).and_then(Vec::pop);
            let took = match (entered, at) {
                (Some(entered), Some(at)) => format!("after {}", output::duration(at - entered)),
                _ => String::new(),
            };
            self.waiting.clear();
            self.shown
                .retain(|key| !key.starts_with(&format!("{state}\u{0}")));
            let text = format!(
                "{offset}  {} {} {took}",
                paint(GREEN, "✓"),
                paint(BOLD, &state)
            );
            self.line(&text);
        } else if !kind.starts_with("Execution")
            && (kind.ends_with("Failed") || kind.ends_with("TimedOut") || kind.ends_with("Aborted"))
        {
            let style = if kind.ends_with("Aborted") {
                YELLOW
            } else {
                RED
            };
            let detail = history::short_detail(event);
            let text = format!(
                "{offset}  {} {} {} {detail}",
                paint(style, "✗"),
                paint(BOLD, &state),
                paint(style, kind)
            );
            self.line(text.trim_end());
        }
    }

    /// What a describe says the execution waits for: new waits are printed once (with the
    /// callback's token); the ticking line follows all of them.
    pub fn waits(&mut self, e: &ExecutionView) {
        self.waiting.clear();
        for s in &e.current_states {
            let what = match s.status.as_str() {
                "WAITING_TIMER" => "waiting on a timer",
                "WAITING_CALLBACK" => "waiting for a callback",
                "RETRYING" => "retrying after a backoff",
                _ => continue,
            };
            let token = e
                .open_callbacks
                .iter()
                .find(|c| c.state == s.name && c.within == s.within)
                .filter(|_| s.status == "WAITING_CALLBACK")
                .map(|c| c.token.as_str())
                .unwrap_or_default();
            let within = within_text(&s.within);
            let since = s.entered_at.as_deref().and_then(output::parse_time_text);
            let label = match within.as_str() {
                "" => s.name.clone(),
                w => format!("{} in {w}", s.name),
            };
            self.waiting.push((
                format!("{label} ({})", short(&s.status)),
                since.unwrap_or_else(Utc::now),
            ));
            let key = format!("{}\u{0}{within}\u{0}{}\u{0}{token}", s.name, s.status);
            if !self.shown.insert(key) {
                continue;
            }
            let offset = paint(DIM, format!("{:>9}", self.offset(since)));
            let mut text = format!(
                "{offset}  {} {} {}",
                paint(YELLOW, "⏸"),
                paint(BOLD, &label),
                paint(status_style(&s.status), what)
            );
            if !token.is_empty() {
                text.push_str(&format!("; token: {token}"));
            }
            self.line(&text);
            if !token.is_empty() && !self.hinted {
                self.hinted = true;
                let hint =
                    format!("           answer it: baton callback success {token} [--output JSON]");
                self.line(&paint(DIM, hint));
            }
        }
        self.tick();
    }

    /// Redraws the ticking line (terminal only): how long it has waited, and for what.
    pub fn tick(&mut self) {
        if !self.tty || self.waiting.is_empty() {
            return;
        }
        let since = self
            .waiting
            .iter()
            .map(|(_, t)| *t)
            .min()
            .unwrap_or_else(Utc::now);
        let labels: Vec<&str> = self.waiting.iter().map(|(l, _)| l.as_str()).collect();
        let text = format!(
            "           … {} waiting: {}",
            output::duration_seconds(Utc::now() - since),
            labels.join(", ")
        );
        let text = output::excerpt(&text, 100);
        self.clear_ticker();
        self.ticker = text.chars().count();
        out!("{}", paint(DIM, &text));
    }

    fn clear_ticker(&mut self) {
        if self.ticker > 0 {
            out!("\r{}\r", " ".repeat(self.ticker));
            self.ticker = 0;
        }
    }

    /// The outcome: status, how long it ran, and the output or error and cause.
    pub fn finish(&mut self, e: &ExecutionView) {
        self.waiting.clear();
        let took = match (
            output::parse_time_text(&e.started_at),
            e.stopped_at.as_deref().and_then(output::parse_time_text),
        ) {
            (Some(start), Some(stop)) => format!(" after {}", output::duration(stop - start)),
            _ => String::new(),
        };
        let text = format!("{}{took}", paint(status_style(&e.status).bold(), &e.status));
        self.line(&text);
        if let Some(out) = &e.output {
            self.line(&format!(
                "{} {}",
                paint(BOLD, "output:"),
                output::pretty(out)
            ));
        }
        if let Some(error) = &e.error {
            self.line(&format!("{} {error}", paint(BOLD, "error:")));
        }
        if let Some(cause) = &e.cause {
            self.line(&format!("{} {cause}", paint(BOLD, "cause:")));
        }
    }
}

fn short(status: &str) -> &'static str {
    match status {
        "WAITING_TIMER" => "timer",
        "WAITING_CALLBACK" => "callback",
        _ => "retry",
    }
}
