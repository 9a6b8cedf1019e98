//! Human output: styles (shown only where anstream allows colours: a terminal, no
//! `NO_COLOR`), tables, durations, times and short excerpts of payloads.

use std::fmt::Display;
use std::io::Write;

use anstyle::{AnsiColor, Style};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

pub const BOLD: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const GREEN: Style = AnsiColor::Green.on_default();
pub const RED: Style = AnsiColor::Red.on_default();
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
pub const CYAN: Style = AnsiColor::Cyan.on_default();
pub const PLAIN: Style = Style::new();

/// Writes to standard output through anstream (which strips styles when colours are off:
/// not a terminal, `NO_COLOR`, `CLICOLOR=0`) and flushes. When the reader is gone (a closed
/// pipe) the process ends at once, quietly, as `yes | head` does; other write errors leave
/// nothing to report to.
pub fn write_stdout(text: &str) {
    let mut stdout = anstream::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(e) = written
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// `text` in `style` (anstream strips the codes when colours are off).
pub fn paint(style: Style, text: impl Display) -> String {
    format!("{style}{text}{style:#}")
}

/// The colour of an execution or state status.
pub fn status_style(status: &str) -> Style {
    match status {
        "SUCCEEDED" => GREEN,
        "FAILED" | "TIMED_OUT" => RED,
        "ABORTED" | "WAITING_CALLBACK" | "WAITING_TIMER" | "RETRYING" => YELLOW,
        "RUNNING" | "WAITING_CHILDREN" => CYAN,
        _ => PLAIN,
    }
}

/// A table with a bold header row; columns as wide as their widest cell.
#[derive(Debug)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<(String, Style)>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    /// A row of plain cells.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| (c, PLAIN)).collect());
    }

    /// A row of styled cells.
    pub fn styled_row(&mut self, cells: Vec<(String, Style)>) {
        self.rows.push(cells);
    }

    /// The lines of the table, each ending with a newline.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, (text, _)) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(text.chars().count());
                }
            }
        }
        let mut out = String::new();
        let header: Vec<(String, Style)> = self
            .headers
            .iter()
            .map(|h| ((*h).to_owned(), BOLD))
            .collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let last = row.len().saturating_sub(1);
            let mut line = String::new();
            for (i, (text, style)) in row.iter().enumerate() {
                let pad = if i == last {
                    0
                } else {
                    widths[i].saturating_sub(text.chars().count()) + 2
                };
                line.push_str(&paint(*style, text));
                line.extend(std::iter::repeat_n(' ', pad));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Labelled lines (`Status     RUNNING`), labels dimmed and aligned; empty values left out.
pub fn fields(rows: &[(&str, String)]) -> String {
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in rows.iter().filter(|(_, v)| !v.is_empty()) {
        let pad = " ".repeat(width - label.chars().count());
        out.push_str(&format!("{}{pad}  {value}\n", paint(DIM, label)));
    }
    out
}

/// `850ms`, `2.05s`, `12.3s`, `3m 04s`, `2h 03m`, `3d 04h`.
pub fn duration(d: TimeDelta) -> String {
    let ms = d.num_milliseconds().max(0);
    let s = ms / 1000;
    match ms {
        0..1_000 => format!("{ms}ms"),
        1_000..10_000 => format!("{:.2}s", ms as f64 / 1000.0),
        10_000..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{}m {:02}s", s / 60, s % 60),
        3_600_000..86_400_000 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// Whole seconds (`7s`, `3m 04s`), for a line that ticks every second.
pub fn duration_seconds(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        _ => duration(TimeDelta::seconds(s)),
    }
}

/// A time of the API: RFC 3339 text, or seconds since the epoch (older servers' history).
pub fn parse_time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(text) => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => DateTime::from_timestamp_millis((n.as_f64()? * 1000.0).round() as i64),
        _ => None,
    }
}

/// [`parse_time`] of a text.
pub fn parse_time_text(text: &str) -> Option<DateTime<Utc>> {
    parse_time(&Value::String(text.to_owned()))
}

/// A time as RFC 3339 text with milliseconds.
pub fn time_text(value: &Value) -> String {
    match parse_time(value) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => value.as_str().unwrap_or_default().to_owned(),
    }
}

/// `2026-12-06T07:30:00.123Z (3m 04s ago)`.
pub fn time_and_age(text: &str) -> String {
    match parse_time_text(text) {
        Some(t) => format!("{text} ({} ago)", duration(Utc::now() - t)),
        None => text.to_owned(),
    }
}

/// One line of at most `max` characters, `…` where it was cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.replace(['\n', '\r', '\t'], " ");
    match flat.char_indices().nth(max.saturating_sub(1)) {
        Some((at, _)) if flat.chars().count() > max => format!("{}…", &flat[..at]),
        _ => flat,
    }
}

/// A JSON payload as history events carry it (JSON text) or as a value, on one line.
pub fn compact(value: &Value) -> String {
    match value {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(parsed) => parsed.to_string(),
            Err(_) => text.clone(),
        },
        other => other.to_string(),
    }
}

/// A JSON value indented, for describe.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        let ms = TimeDelta::milliseconds;
        assert_eq!(duration(ms(850)), "850ms");
        assert_eq!(duration(ms(2_054)), "2.05s");
        assert_eq!(duration(ms(12_340)), "12.3s");
        assert_eq!(duration(ms(184_000)), "3m 04s");
        assert_eq!(duration(ms(7_380_000)), "2h 03m");
        assert_eq!(duration(ms(-5)), "0ms");
    }

    #[test]
    fn times_come_as_text_or_epoch_seconds() {
        let text = Value::from("2026-12-06T07:30:00.123Z");
        let epoch = serde_json::json!(1796542200.123);
        assert_eq!(parse_time(&text), parse_time(&epoch));
        assert_eq!(time_text(&epoch), "2026-12-06T07:30:00.123Z");
    }

    #[test]
    fn excerpts_cut_long_text_on_one_line() {
        assert_eq!(excerpt("a\nb", 10), "a b");
        assert_eq!(excerpt("abcdefghij", 5), "abcd…");
        assert_eq!(excerpt("abcde", 5), "abcde");
        assert_eq!(compact(&Value::from("{ \"a\" : 1 }")), r#"{"a":1}"#);
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new(&["NAME", "STATUS"]);
        t.row(vec!["a-long-name".into(), "RUNNING".into()]);
        t.row(vec!["b".into(), "FAILED".into()]);
        let plain = anstream::adapter::strip_str(&t.render()).to_string();
        assert_eq!(
            plain,
            "NAME         STATUS\na-long-name  RUNNING\nb            FAILED\n"
        );
    }
}
