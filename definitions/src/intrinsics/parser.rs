//! Intrinsic call text → [`Call`] tree.
//!
//! Grammar: `States.Name(arg, ...)`, where an argument is a `'string'` (escapes `\'`, `\{`,
//! `\}`, `\\`; any other `\x` is kept as written), a number, `true`, `false`, `null`, a path
//! (`$…` or `$$…`, running to the next `,` or `)` outside brackets and quotes) or a nested
//! call. Whitespace around arguments is skipped. Offsets are character (not byte) offsets.

use serde_json::{Number, Value};

use super::IntrinsicError;
use super::call::{Arg, Call, Piece, StrLit};
use super::check;
use super::signature::Func;
use crate::path::Path;

/// How deep calls may nest; the outermost call is at depth 1.
pub const MAX_DEPTH: usize = 10;

/// Parses a whole field value: one call, optionally surrounded by whitespace.
pub(super) fn parse(text: &str) -> Result<Call, IntrinsicError> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    p.skip_ws();
    let call = p.call(1)?;
    p.skip_ws();
    if p.pos < p.chars.len() {
        return Err(p.error(p.pos, "unexpected text after the closing ')'"));
    }
    Ok(call)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn error(&self, offset: usize, message: impl Into<String>) -> IntrinsicError {
        IntrinsicError::new(offset, message)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn rest_starts_with(&self, prefix: &str) -> bool {
        let mut rest = self.chars.get(self.pos..).unwrap_or_default().iter();
        prefix.chars().all(|c| rest.next() == Some(&c))
    }

    fn slice(&self, start: usize, end: usize) -> String {
        self.chars
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .collect()
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        self.slice(start, self.pos)
    }

    fn call(&mut self, depth: usize) -> Result<Call, IntrinsicError> {
        let start = self.pos;
        if depth > MAX_DEPTH {
            return Err(self.error(
                start,
                format!("intrinsic functions may be nested at most {MAX_DEPTH} deep"),
            ));
        }
        if !self.rest_starts_with("States.") {
            return Err(self.error(
                start,
                "expected an intrinsic function call 'States.Name(...)'",
            ));
        }
        self.pos += "States.".len();
        let name_at = self.pos;
        let name = self.take_while(|c| c.is_ascii_alphanumeric());
        let func = Func::from_name(&name).ok_or_else(|| {
            self.error(
                name_at,
                format!("unknown intrinsic function 'States.{name}'"),
            )
        })?;
        self.skip_ws();
        if self.bump() != Some('(') {
            return Err(self.error(
                self.pos.saturating_sub(1),
                format!("expected '(' after {}", func.name()),
            ));
        }
        let mut args = Vec::new();
        let mut offsets = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                offsets.push(self.pos);
                args.push(self.arg(depth)?);
                self.skip_ws();
                match self.bump() {
                    Some(',') => {}
                    Some(')') => break,
                    Some(c) => {
                        return Err(self.error(
                            self.pos.saturating_sub(1),
                            format!(
                                "expected ',' or ')' after an argument of {}, found '{c}'",
                                func.name()
                            ),
                        ));
                    }
                    None => {
                        return Err(
                            self.error(self.pos, format!("missing ')' to close {}", func.name()))
                        );
                    }
                }
            }
        }
        let call = Call { func, args };
        check::check(&call, start, &offsets).map_err(|(at, m)| self.error(at, m))?;
        Ok(call)
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, IntrinsicError> {
        let start = self.pos;
        match self.peek() {
            Some('\'') => self.string(),
            Some('$') => self.path(),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(_) if self.rest_starts_with("States.") => {
                Ok(Arg::Call(Box::new(self.call(depth + 1)?)))
            }
            Some(c) if c.is_alphabetic() => {
                let word = self.take_while(|c| c.is_alphanumeric() || c == '_' || c == '.');
                match word.as_str() {
                    "true" => Ok(Arg::Literal(Value::Bool(true))),
                    "false" => Ok(Arg::Literal(Value::Bool(false))),
                    "null" => Ok(Arg::Literal(Value::Null)),
                    _ => Err(self.error(
                        start,
                        format!("unexpected '{word}': an argument is a 'string', a number, true, false, null, a path or a States.* call"),
                    )),
                }
            }
            Some(c) => Err(self.error(
                start,
                format!("unexpected '{c}' where an argument was expected"),
            )),
            None => Err(self.error(
                start,
                "unexpected end of text where an argument was expected",
            )),
        }
    }

    fn string(&mut self) -> Result<Arg, IntrinsicError> {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        let mut text = String::new();
        let mut template = Vec::new();
        loop {
            match self.bump() {
                None => {
                    return Err(
                        self.error(start, "unterminated string literal: missing closing \"'\"")
                    );
                }
                Some('\'') => break,
                Some('\\') => match self.bump() {
                    None => {
                        return Err(
                            self.error(self.pos, "unterminated escape '\\' at the end of the text")
                        );
                    }
                    Some(c @ ('\'' | '{' | '}' | '\\')) => {
                        value.push(c);
                        text.push(c);
                    }
                    Some(c) => {
                        value.push('\\');
                        value.push(c);
                        text.push('\\');
                        text.push(c);
                    }
                },
                Some('{') if self.peek() == Some('}') => {
                    self.pos += 1;
                    value.push_str("{}");
                    if !text.is_empty() {
                        template.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    template.push(Piece::Hole);
                }
                Some(c) => {
                    value.push(c);
                    text.push(c);
                }
            }
        }
        if !text.is_empty() {
            template.push(Piece::Text(text));
        }
        Ok(Arg::Str(StrLit {
            value: Value::String(value),
            template,
        }))
    }

    fn path(&mut self) -> Result<Arg, IntrinsicError> {
        let start = self.pos;
        let mut brackets = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            match (quote, c) {
                (_, '\\') => self.pos += 1,
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '[') => brackets += 1,
                (None, ']') => brackets = brackets.saturating_sub(1),
                (None, '\'' | '"') if brackets > 0 => quote = Some(c),
                (None, ',' | ')') if brackets == 0 => break,
                (None, _) => {}
            }
            self.pos += 1;
        }
        self.pos = self.pos.min(self.chars.len());
        let raw = self.slice(start, self.pos);
        let text = raw.trim_end();
        Path::parse(text)
            .map(Arg::Path)
            .map_err(|e| self.error(start, format!("invalid path '{text}': {e}")))
    }

    fn number(&mut self) -> Result<Arg, IntrinsicError> {
        let start = self.pos;
        let digits = |p: &mut Parser| p.take_while(|c| c.is_ascii_digit());
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        let mut float = false;
        let int_part = digits(self);
        if int_part.is_empty() {
            return Err(self.error(start, "expected digits in a number"));
        }
        if self.peek() == Some('.') {
            self.pos += 1;
            float = true;
            if digits(self).is_empty() {
                return Err(self.error(start, "expected digits after '.' in a number"));
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.pos += 1;
            float = true;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if digits(self).is_empty() {
                return Err(self.error(start, "expected digits in the exponent of a number"));
            }
        }
        let text = self.slice(start, self.pos);
        if !float && let Ok(i) = text.parse::<i64>() {
            return Ok(Arg::Literal(Value::from(i)));
        }
        text.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(|n| Arg::Literal(Value::Number(n)))
            .ok_or_else(|| self.error(start, format!("the number {text} is out of range")))
    }
}
