//! Pointers to positions in YAML text, from the events of a YAML 1.2 parser
//! (`saphyr-parser`), each with its span. Only the first document is read; only the
//! mappings and sequences on the way to a wanted pointer are followed.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Marker, Parser};

use super::{Lines, Position, Spot, child};

/// Where each of `wanted` is, and where the parser found a syntax error if it did;
/// `prefixes` holds every pointer on the way to a wanted one.
pub(super) fn spots(
    text: &str,
    wanted: &HashSet<&str>,
    prefixes: &HashSet<&str>,
) -> (HashMap<String, Spot>, Option<Position>) {
    let lines = Lines::new(text);
    let mut walk = Walk {
        wanted,
        prefixes,
        lines: &lines,
        open: Vec::new(),
        skipping: 0,
        found: HashMap::new(),
    };
    let mut flow = Flow::More;
    // Read to the end of the stream even when every wanted pointer was found: a syntax
    // error may come later. (The parser repeats its error forever: stop at the first.)
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(event) => event,
            Err(e) => {
                let at = position(&lines, e.marker());
                return (walk.found, Some(at));
            }
        };
        if flow == Flow::More {
            flow = walk.event(&event, span.start);
        }
    }
    (walk.found, None)
}

fn position(lines: &Lines<'_>, marker: &Marker) -> Position {
    lines.at_line_column(marker.line(), marker.col())
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    More,
    /// The first document has been read.
    Done,
}

/// A mapping or sequence being followed.
enum Frame {
    /// `next` is what the next node is: a key, or the value of the key read last (its
    /// member's pointer and the key's position; `None` for a key that is not a scalar).
    Mapping {
        pointer: String,
        next: Next,
    },
    Sequence {
        pointer: String,
        index: usize,
    },
}

enum Next {
    Key,
    Value(Option<(String, Marker)>),
}

struct Walk<'w> {
    wanted: &'w HashSet<&'w str>,
    prefixes: &'w HashSet<&'w str>,
    lines: &'w Lines<'w>,
    open: Vec<Frame>,
    /// How deep the subtree being skipped (not on the way to a wanted pointer) is open.
    skipping: usize,
    found: HashMap<String, Spot>,
}

impl Walk<'_> {
    fn event(&mut self, event: &Event<'_>, start: Marker) -> Flow {
        let opens = matches!(event, Event::MappingStart(..) | Event::SequenceStart(..));
        let closes = matches!(event, Event::MappingEnd | Event::SequenceEnd);
        if self.skipping > 0 {
            if opens {
                self.skipping += 1;
            } else if closes {
                self.skipping -= 1;
            }
            return Flow::More;
        }
        match event {
            Event::StreamEnd | Event::DocumentEnd => return Flow::Done,
            Event::MappingEnd | Event::SequenceEnd => {
                self.open.pop();
                return if self.open.is_empty() {
                    Flow::Done
                } else {
                    Flow::More
                };
            }
            Event::Scalar(..) | Event::Alias(_) | Event::MappingStart(..) => {}
            Event::SequenceStart(..) => {}
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => return Flow::More,
        }
        // A node starts: a key, or a value with the pointer its place gives it.
        let member = match self.open.last_mut() {
            None => Some((String::new(), None)),
            Some(Frame::Sequence { pointer, index }) => {
                let member = child(pointer, &index.to_string());
                *index += 1;
                Some((member, None))
            }
            Some(Frame::Mapping { pointer, next }) => match std::mem::replace(next, Next::Key) {
                Next::Key => {
                    *next = Next::Value(match event {
                        Event::Scalar(key, ..) => Some((child(pointer, key), start)),
                        _ => None,
                    });
                    if opens {
                        self.skipping = 1;
                    }
                    return Flow::More;
                }
                Next::Value(member) => member.map(|(p, key)| (p, Some(key))),
            },
        };
        let root = self.open.is_empty();
        let Some((pointer, key)) = member else {
            self.skipping = usize::from(opens);
            return Flow::More;
        };
        if self.wanted.contains(pointer.as_str()) {
            let spot = Spot {
                key: key.map(|k| position(self.lines, &k)),
                value: position(self.lines, &start),
                container: opens,
            };
            self.found.insert(pointer.clone(), spot);
        }
        if !opens {
            return if root { Flow::Done } else { Flow::More };
        }
        if self.prefixes.contains(pointer.as_str()) {
            self.open.push(match event {
                Event::MappingStart(..) => Frame::Mapping {
                    pointer,
                    next: Next::Key,
                },
                _ => Frame::Sequence { pointer, index: 0 },
            });
        } else if root {
            return Flow::Done;
        } else {
            self.skipping = 1;
        }
        Flow::More
    }
}
