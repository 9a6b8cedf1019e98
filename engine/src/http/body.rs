//! Reading a response body under a byte cap, and turning it into JSON.

use reqwest::Response;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use serde_json::Value;

use crate::machine::ResponseShape;

/// What to do when a body is larger than the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnOverflow {
    /// Stop reading and report [`Read::TooLarge`] (a task result).
    Fail,
    /// Keep the first `cap` bytes and stop reading (a failure's cause).
    Truncate,
}

/// A body read under a cap.
#[derive(Debug)]
pub(crate) enum Read {
    /// The whole body (`truncated` when [`OnOverflow::Truncate`] cut it).
    Complete { bytes: Vec<u8>, truncated: bool },
    /// More than the cap arrived (or was announced by `Content-Length`).
    TooLarge,
}

/// Reads `response`'s body chunk by chunk, never holding more than `cap` bytes (plus one
/// chunk). A `Content-Length` above the cap fails before anything is read. On overflow the
/// response is dropped with its connection, so the rest is never downloaded.
pub(crate) async fn read_capped(
    mut response: Response,
    cap: usize,
    head: bool,
    on_overflow: OnOverflow,
) -> Result<Read, reqwest::Error> {
    if !head
        && on_overflow == OnOverflow::Fail
        && declared_length(response.headers()).is_some_and(|n| n > cap as u64)
    {
        return Ok(Read::TooLarge);
    }
    let mut bytes: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if bytes.len() + chunk.len() > cap {
            return Ok(match on_overflow {
                OnOverflow::Fail => Read::TooLarge,
                OnOverflow::Truncate => {
                    let room = cap - bytes.len();
                    bytes.extend_from_slice(&chunk[..room]);
                    Read::Complete {
                        bytes,
                        truncated: true,
                    }
                }
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Read::Complete {
        bytes,
        truncated: false,
    })
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// True for `application/json` and `application/<anything>+json` (parameters ignored).
pub(crate) fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// The body as a task sees it.
///
/// - [`ResponseShape::Body`]: JSON if it parses, else the text; an empty body is `null`.
/// - [`ResponseShape::Invoke`]: JSON when the content type is JSON and it parses, else
///   the text.
///
/// Text is decoded as UTF-8, with invalid sequences replaced by U+FFFD.
pub(crate) fn decode(shape: ResponseShape, json_type: bool, bytes: &[u8]) -> Value {
    match shape {
        ResponseShape::Body if bytes.iter().all(u8::is_ascii_whitespace) => Value::Null,
        ResponseShape::Body => parse_or_text(bytes),
        ResponseShape::Invoke if json_type => parse_or_text(bytes),
        ResponseShape::Invoke => Value::String(String::from_utf8_lossy(bytes).into_owned()),
    }
}

fn parse_or_text(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// A truncated body as text: the bytes kept (a multi-byte character cut at the end is
/// dropped) and a note saying where it was cut.
pub(crate) fn truncated_text(bytes: &[u8], cap: usize) -> Value {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        // Drop an incomplete character at the end; decode anything else lossily.
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    };
    Value::String(format!("{text}… (truncated at {cap} bytes)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn with_type(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(t).expect("header"));
        h
    }

    #[test]
    fn json_content_types() {
        assert!(is_json_content_type(&with_type("application/json")));
        assert!(is_json_content_type(&with_type(
            "Application/JSON; charset=utf-8"
        )));
        assert!(is_json_content_type(&with_type("application/problem+json")));
        assert!(is_json_content_type(&with_type(
            "application/vnd.api+json ; x=y"
        )));
        assert!(!is_json_content_type(&with_type("text/plain")));
        assert!(!is_json_content_type(&with_type("text/json+html")));
        assert!(!is_json_content_type(&with_type("application/jsonp")));
        assert!(!is_json_content_type(&HeaderMap::new()));
    }

    #[test]
    fn decodes_by_shape() {
        use ResponseShape::{Body, Invoke};
        assert_eq!(decode(Body, false, br#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(decode(Body, false, b"hello"), json!("hello"));
        assert_eq!(decode(Body, false, b""), Value::Null);
        assert_eq!(decode(Body, true, b"  \n"), Value::Null);
        assert_eq!(decode(Invoke, true, br#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(decode(Invoke, true, b"{not json"), json!("{not json"));
        assert_eq!(decode(Invoke, false, br#"{"a":1}"#), json!(r#"{"a":1}"#));
        assert_eq!(decode(Invoke, false, b""), json!(""));
        assert_eq!(decode(Invoke, false, b"a\xffb"), json!("a\u{fffd}b"));
    }

    #[test]
    fn truncation_drops_a_split_character() {
        // "é" is two bytes; cut after the first.
        let bytes = "abé".as_bytes();
        assert_eq!(
            truncated_text(&bytes[..3], 3),
            json!("ab… (truncated at 3 bytes)")
        );
        assert_eq!(
            truncated_text(b"abc", 3),
            json!("abc… (truncated at 3 bytes)")
        );
    }
}
