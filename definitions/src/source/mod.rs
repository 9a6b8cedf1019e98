//! Where each diagnostic is in the definition text as its author wrote it, JSON or YAML:
//! a 1-based line and column (in characters), found from the diagnostic's JSON Pointer.
//!
//! A diagnostic about a field's name (an unknown field, [`Anchor::Key`]) points at the key.
//! One about a value points at the value; for an object or array that is a member, at its
//! key, the line that opens it (`A:` for "state 'A' needs 'Next' or 'End'"). A pointer
//! the text does not have (a YAML alias, a merge key) leaves the position unknown. Syntax
//! errors (`INVALID_JSON_DESCRIPTION`) keep the position their parser gave.
//!
//! [`crate::parse_definition`] places its diagnostics in the JSON text it was given. A
//! caller that converted its source first (YAML to JSON) places them again in the source
//! with [`locate`].

mod json;
mod yaml;

use std::collections::{HashMap, HashSet};

use crate::diagnostics::{Anchor, Code, Diagnostic};

/// A place in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset in the text.
    pub offset: usize,
}

impl Position {
    /// The position of a parser's error given as a line and a byte column (serde_json's
    /// column counts the bytes of the line read so far, the faulty one included).
    pub fn of_byte_column(text: &str, line: usize, byte_column: usize) -> Position {
        let lines = Lines::new(text);
        let start = lines.start(line);
        let mut end = (start + byte_column).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text.get(start..end).map_or(0, |s| s.chars().count()).max(1);
        Position {
            line,
            column,
            offset: end,
        }
    }
}

/// Where the member at one pointer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spot {
    /// Its key (`None` for an array element and the document).
    pub key: Option<Position>,
    /// Its value's first character.
    pub value: Position,
    /// The value is an object or an array.
    pub container: bool,
}

impl Spot {
    /// The position a diagnostic with this anchor points at (see the module docs).
    pub fn pick(&self, anchor: Anchor) -> Position {
        match (anchor, self.key) {
            (Anchor::Key, Some(key)) => key,
            (Anchor::Value, Some(key)) if self.container => key,
            _ => self.value,
        }
    }
}

/// Places `diagnostics` in `source`, read as JSON when it is JSON and as YAML otherwise
/// (as definition bodies are read).
pub fn locate(source: &str, diagnostics: &mut [Diagnostic]) {
    let is_json = !matches!(
        crate::parse::check_json(source),
        Err(d) if d.code == Code::InvalidJson
    );
    if is_json {
        locate_json(source, diagnostics);
    } else {
        locate_yaml(source, diagnostics);
    }
}

/// Places `diagnostics` in JSON text.
pub fn locate_json(text: &str, diagnostics: &mut [Diagnostic]) {
    let wanted = pointers(diagnostics);
    if wanted.is_empty() {
        return;
    }
    let spots = json_spots(text, &wanted);
    place(diagnostics, &spots, None);
}

/// Places `diagnostics` in YAML text (its first document). A syntax error
/// (`INVALID_JSON_DESCRIPTION`) is placed where the YAML parser stopped.
pub fn locate_yaml(text: &str, diagnostics: &mut [Diagnostic]) {
    let wanted = pointers(diagnostics);
    let (spots, syntax_error) = yaml_spots(text, &wanted);
    place(diagnostics, &spots, Some(syntax_error));
}

/// Where each of `pointers` is in JSON text. Text that is not JSON gives what was found
/// before the first fault; never panics.
pub fn json_spots(text: &str, pointers: &HashSet<&str>) -> HashMap<String, Spot> {
    json::spots(text, pointers, &prefixes(pointers))
}

/// Where each of `pointers` is in YAML text (its first document), and where the YAML
/// parser found a syntax error, if it did. Never panics.
pub fn yaml_spots(
    text: &str,
    pointers: &HashSet<&str>,
) -> (HashMap<String, Spot>, Option<Position>) {
    yaml::spots(text, pointers, &prefixes(pointers))
}

/// The pointers of the diagnostics that are not syntax errors.
fn pointers(diagnostics: &[Diagnostic]) -> HashSet<&str> {
    diagnostics
        .iter()
        .filter(|d| d.code != Code::InvalidJson)
        .map(|d| d.location.as_str())
        .collect()
}

/// Every pointer on the way to one of `pointers` (them included): the containers the
/// scanners must enter.
fn prefixes<'p>(pointers: &HashSet<&'p str>) -> HashSet<&'p str> {
    let mut out = HashSet::new();
    for pointer in pointers {
        out.insert(*pointer);
        for (i, c) in pointer.char_indices() {
            if c == '/' {
                out.insert(&pointer[..i]);
            }
        }
    }
    out
}

/// Sets line and column of each diagnostic; `syntax_error` (YAML only) for syntax errors.
fn place(
    diagnostics: &mut [Diagnostic],
    spots: &HashMap<String, Spot>,
    syntax_error: Option<Option<Position>>,
) {
    for d in diagnostics {
        let at = if d.code == Code::InvalidJson {
            match syntax_error {
                Some(at) => at,
                None => continue,
            }
        } else {
            spots.get(&d.location).map(|spot| spot.pick(d.anchor))
        };
        d.line = at.map(|p| p.line);
        d.column = at.map(|p| p.column);
    }
}

/// JSON Pointer escaping of one reference token (RFC 6901).
fn child(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// The start of each line of a text.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The byte offset where 1-based `line` starts (the end of the text past the last).
    fn start(&self, line: usize) -> usize {
        let index = line.saturating_sub(1);
        self.starts.get(index).copied().unwrap_or(self.text.len())
    }

    /// The position of a byte offset (on a character boundary).
    fn at_offset(&self, offset: usize) -> Position {
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.start(line);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        Position {
            line,
            column,
            offset,
        }
    }

    /// The position of a 1-based line and a 0-based column in characters.
    fn at_line_column(&self, line: usize, column: usize) -> Position {
        let start = self.start(line);
        let rest = self.text.get(start..).unwrap_or_default();
        let offset = start + rest.chars().take(column).map(char::len_utf8).sum::<usize>();
        Position {
            line,
            column: column + 1,
            offset,
        }
    }
}

#[cfg(test)]
mod tests;
