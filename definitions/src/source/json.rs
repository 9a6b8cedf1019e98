//! Pointers to positions in JSON text: a small scanner that enters only the objects and
//! arrays on the way to a wanted pointer and skips the rest. One pass, no recursion, no
//! allocation but the pointers of the members it passes; it stops at the first fault.

use std::collections::{HashMap, HashSet};

use super::{Lines, Spot, child};

/// Where each of `wanted` is; `prefixes` holds every pointer on the way to one.
pub(super) fn spots(
    text: &str,
    wanted: &HashSet<&str>,
    prefixes: &HashSet<&str>,
) -> HashMap<String, Spot> {
    let mut found = Vec::new();
    let mut scanner = Scanner { text, i: 0 };
    // `None` is the first fault of text that is not JSON: what was found before it stays.
    let _ = scanner.walk(wanted, prefixes, &mut found);
    let lines = Lines::new(text);
    found
        .into_iter()
        .map(|raw| {
            let spot = Spot {
                key: raw.key.map(|k| lines.at_offset(k)),
                value: lines.at_offset(raw.value),
                container: raw.container,
            };
            (raw.pointer, spot)
        })
        .collect()
}

/// A spot as byte offsets.
struct RawSpot {
    pointer: String,
    key: Option<usize>,
    value: usize,
    container: bool,
}

/// An object or array the scanner is in.
enum Frame {
    Object { pointer: String },
    Array { pointer: String, index: usize },
}

struct Scanner<'t> {
    text: &'t str,
    i: usize,
}

impl Scanner<'_> {
    fn walk(
        &mut self,
        wanted: &HashSet<&str>,
        prefixes: &HashSet<&str>,
        found: &mut Vec<RawSpot>,
    ) -> Option<()> {
        let mut open: Vec<Frame> = Vec::new();
        // The member whose value starts next: its pointer and the offset of its key.
        let mut next: Option<(String, Option<usize>)> = Some((String::new(), None));
        loop {
            if let Some((pointer, key)) = next.take() {
                self.skip_whitespace();
                let value = self.i;
                let first = self.peek()?;
                if !matches!(
                    first,
                    b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
                ) {
                    return None;
                }
                let container = matches!(first, b'{' | b'[');
                if wanted.contains(pointer.as_str()) {
                    found.push(RawSpot {
                        pointer: pointer.clone(),
                        key,
                        value,
                        container,
                    });
                }
                if container && prefixes.contains(pointer.as_str()) {
                    self.i += 1;
                    self.skip_whitespace();
                    if matches!(self.peek()?, b'}' | b']') {
                        self.i += 1;
                    } else {
                        let frame = match first {
                            b'{' => Frame::Object { pointer },
                            _ => Frame::Array { pointer, index: 0 },
                        };
                        next = Some(self.member(&frame)?);
                        open.push(frame);
                        continue;
                    }
                } else {
                    self.skip_value()?;
                }
            }
            // After a value: the next member of the innermost open container, or its end.
            let Some(frame) = open.last_mut() else {
                return Some(());
            };
            self.skip_whitespace();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    if let Frame::Array { index, .. } = frame {
                        *index += 1;
                    }
                    next = Some(self.member(frame)?);
                }
                b'}' | b']' => {
                    self.i += 1;
                    open.pop();
                }
                _ => return None,
            }
        }
    }

    /// The pointer and key offset of the member starting here (after `{`, `[` or `,`),
    /// with the scanner left before its value.
    fn member(&mut self, frame: &Frame) -> Option<(String, Option<usize>)> {
        match frame {
            Frame::Array { pointer, index } => Some((child(pointer, &index.to_string()), None)),
            Frame::Object { pointer } => {
                self.skip_whitespace();
                if self.peek()? != b'"' {
                    return None;
                }
                let (start, end) = self.string()?;
                let key = self.key(start, end);
                self.skip_whitespace();
                if self.peek()? != b':' {
                    return None;
                }
                self.i += 1;
                Some((child(pointer, &key), Some(start)))
            }
        }
    }

    /// The text of the key quoted at `start..end` (quotes are ASCII: char boundaries).
    fn key(&self, start: usize, end: usize) -> String {
        let quoted = self.text.get(start..end).unwrap_or_default();
        let raw = self.text.get(start + 1..end - 1).unwrap_or_default();
        if raw.contains('\\') {
            serde_json::from_str(quoted).unwrap_or_else(|_| raw.to_owned())
        } else {
            raw.to_owned()
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.i).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// At a `"`: the string's byte range, quotes included.
    fn string(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        self.i += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i));
                }
                b'\\' => self.i += 2,
                _ => self.i += 1,
            }
        }
    }

    /// Skips one value without reading it.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                let start = self.i;
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b':' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }
}
