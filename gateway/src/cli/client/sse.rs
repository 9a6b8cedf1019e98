//! A Server-Sent Events parser (the WHATWG "event stream interpretation"): bytes in, whole
//! messages out, whatever the chunking. Lines end with CRLF, LF or CR; `:` starts a
//! comment (keep-alives); `data:` lines join with newlines; `id:` sets the id to resume
//! from (it stays until the next `id:`); an optional leading byte-order mark is dropped.

/// One dispatched message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `event:`; `message` when the message named none.
    pub event: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The last event id seen so far (what a reconnect sends as `Last-Event-ID`).
    pub id: Option<String>,
}

/// The parser's state between chunks.
#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    /// The previous byte was a CR: a LF right after it ends nothing.
    after_cr: bool,
    /// A line was read (a byte-order mark can only begin the first).
    started: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    retry_ms: Option<u64>,
}

impl Parser {
    pub fn new() -> Parser {
        Parser::default()
    }

    /// The server's `retry:` advice, in milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// Reads a chunk; returns the messages it completed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Message> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    let bytes = std::mem::take(&mut self.line);
                    let text = String::from_utf8_lossy(&bytes);
                    let line = match std::mem::replace(&mut self.started, true) {
                        false => text.strip_prefix('\u{feff}').unwrap_or(&text),
                        true => &text,
                    };
                    if let Some(message) = self.line_ended(line) {
                        out.push(message);
                    }
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(b);
                }
            }
        }
        out
    }

    fn line_ended(&mut self, line: &str) -> Option<Message> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry_ms = value.parse().ok();
            }
            _ => {}
        }
        None
    }

    /// A blank line: the message so far, unless it had no data (then it is dropped).
    fn dispatch(&mut self) -> Option<Message> {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        Some(Message {
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Message> {
        Parser::new().feed(text.as_bytes())
    }

    fn message(event: &str, data: &str, id: Option<&str>) -> Message {
        Message {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    #[test]
    fn id_event_and_data_make_one_message() {
        let got = parse("id: 7\nevent: history\ndata: {\"id\":7}\n\n");
        assert_eq!(got, vec![message("history", "{\"id\":7}", Some("7"))]);
    }

    #[test]
    fn data_lines_join_with_newlines() {
        let got = parse("data: one\ndata:two\ndata:  three\ndata\n\n");
        assert_eq!(got, vec![message("message", "one\ntwo\n three\n", None)]);
    }

    #[test]
    fn comments_are_ignored_and_messages_without_data_dropped() {
        let got = parse(": keep-alive\n\n:another\nevent: lonely\n\ndata: x\n\n");
        assert_eq!(got, vec![message("message", "x", None)]);
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let got = parse("id: 1\r\ndata: a\r\n\r\nid: 2\rdata: b\r\r");
        assert_eq!(
            got,
            vec![
                message("message", "a", Some("1")),
                message("message", "b", Some("2"))
            ]
        );
    }

    #[test]
    fn any_chunking_gives_the_same_messages() {
        let text = "\u{feff}id: 41\r\nevent: history\r\ndata: {\"é\": 1}\r\n\r\n: ka\n\
            event: end\ndata: {\"status\":\"SUCCEEDED\"}\n\n";
        let whole = parse(text);
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].data, "{\"é\": 1}");
        assert_eq!(
            whole[1],
            message("end", "{\"status\":\"SUCCEEDED\"}", Some("41"))
        );
        for size in 1..8 {
            let mut parser = Parser::new();
            let got: Vec<Message> = text
                .as_bytes()
                .chunks(size)
                .flat_map(|chunk| parser.feed(chunk))
                .collect();
            assert_eq!(got, whole, "chunks of {size}");
        }
    }

    #[test]
    fn the_last_id_stays_until_the_next_and_retry_is_read() {
        let mut parser = Parser::new();
        let got = parser.feed(b"id: 3\nretry: 1500\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
        let ids: Vec<Option<&str>> = got.iter().map(|m| m.id.as_deref()).collect();
        assert_eq!(ids, [Some("3"), Some("3"), Some("")]);
        assert_eq!(parser.retry_ms(), Some(1500));
    }

    #[test]
    fn an_unfinished_message_waits_for_its_blank_line() {
        let mut parser = Parser::new();
        assert!(parser.feed(b"data: half").is_empty());
        assert!(parser.feed(b"\n").is_empty());
        assert_eq!(parser.feed(b"\n"), vec![message("message", "half", None)]);
    }
}
